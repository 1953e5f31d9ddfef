"""ESF+ indicators (``/indikatoren``): the participant figures by sex and age group per region,
fund and event kind for a period, small cells suppressed, with CSV."""
