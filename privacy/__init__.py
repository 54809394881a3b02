"""Privacy (PDPA): the access log, a person's record exported, data-subject requests."""
