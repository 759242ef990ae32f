"""Models of the kyc module."""
