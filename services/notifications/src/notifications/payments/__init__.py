"""E-mails and inbox entries about payments (issue 16)."""
