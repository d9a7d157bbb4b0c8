"""Curation steps: normalise, clean, dedup, decontaminate, difficulty."""
