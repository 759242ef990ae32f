"""Models of the transactions module."""
