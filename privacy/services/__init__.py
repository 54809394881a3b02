"""Privacy services: the access log (access_log), a person's record (record), data-subject requests (requests)."""
