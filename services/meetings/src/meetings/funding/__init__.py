"""The read models of offers' funds and submitted applications: which committee decides what."""
