"""Pages for calls for money (Mittelabrufe) and the payout list."""
