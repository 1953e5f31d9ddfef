"""Personal data in offers: erasure of an application's contact, retention, audit, own data."""
