"""Attachments on the application's page: the list, the upload form, download and removal."""
