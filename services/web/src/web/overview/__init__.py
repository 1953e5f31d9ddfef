"""The state coordination's overview (``/landesuebersicht``): surveys, target agreements and ESF+
participants of the 14 regions in one table, composed from planning's three lists."""
