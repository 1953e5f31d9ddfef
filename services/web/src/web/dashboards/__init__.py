"""The state coordination's dashboards across the 14 regions (``/auswertung``)."""
