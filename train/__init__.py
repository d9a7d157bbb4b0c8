"""The C3PO trainer."""
