"""Circular decisions (Umlaufverfahren): the members' calls to vote, reminders and results."""
