"""The planning service: needs surveys, target agreements and ESF+ participant figures."""
