"""Donors, donations, the ledger, allocations and impact: the fund that pays for devices."""
