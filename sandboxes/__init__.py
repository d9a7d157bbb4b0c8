"""Sandboxes that run untrusted programs."""
