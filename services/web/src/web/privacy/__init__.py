"""Privacy pages: own data, erasure requests, the audit log."""
