"""Personal data: erasure, retention and own data."""
