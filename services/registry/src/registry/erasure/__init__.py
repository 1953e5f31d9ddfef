"""Erasure requests: erase what every service holds for an e-mail address, and see who is done."""
