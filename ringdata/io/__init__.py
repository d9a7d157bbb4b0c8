"""Readers and writers for problem files."""
