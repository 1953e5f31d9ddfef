"""iCalendar feeds (RFC 5545) of meetings, in Europe/Berlin time with the zone defined."""
