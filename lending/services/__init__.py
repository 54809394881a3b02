"""Lending services: people, the request pipeline, and loans (delivery to return).

Each public function is one step of the lifecycle: it takes the acting user, checks the
state and the rules, writes the audit event and flushes; the caller commits once.
"""
