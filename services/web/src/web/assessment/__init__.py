"""The assessment pages (issue 16): the network office scores a submitted application."""
