"""Target agreements (Zielvereinbarungen): the list with each agreement's progress in short, the
form with goal rows, one agreement's progress per goal with values entered by hand and CSV
(``/zielvereinbarungen``)."""
