"""The application pages (``/antraege``): the applicant's journey from draft to report and the
office's advice and decision, over offers' API."""
