"""The funds (Förderfonds): list, create and edit with budget, deciding committee, payment rule,
assessment criteria and funding sources (``/foerderfonds``)."""
