"""Fund services: the ledger, donations, spending with allocations, and impact."""
