"""Meetings and events: committee sessions, trainings, conferences, …; reschedule and cancel."""
