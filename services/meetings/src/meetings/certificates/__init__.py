"""Participation certificates (Teilnahmebescheinigungen) as German PDFs (issue 20)."""
