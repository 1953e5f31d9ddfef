"""The network office's start page: what needs me now (``/aufgaben``)."""
