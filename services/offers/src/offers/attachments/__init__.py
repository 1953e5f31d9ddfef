"""Files on an application: quotes, cooperation agreements, signed forms, receipts, reports."""
