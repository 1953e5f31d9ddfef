"""The 14 regions (11 districts, 3 district-free cities) and their network offices."""
