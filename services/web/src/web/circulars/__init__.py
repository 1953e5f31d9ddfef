"""„Umlaufverfahren“: a committee's circular decisions — the list and the start form, the vote."""
