"""Persons: contact persons and staff; GDPR erasure; the regional contact list."""
