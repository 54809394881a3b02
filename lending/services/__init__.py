"""Lending services: people, the request pipeline, and loans (delivery to return).

Each public function is one step of the lifecycle: it takes the acting user, checks the
step's roles (lending/steps.py) and the rules, writes the audit event and flushes; the
request commits once (core/unit_of_work.py).
"""
