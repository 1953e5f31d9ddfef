"""„Verwendungsnachweis“ pages (issue 16)."""
