"""Schools: official number, type, address, region, school social work; CSV import."""
