"""Circular decisions (Umlaufverfahren): a committee decides in writing between sessions."""
