"""Models of the screening module."""
