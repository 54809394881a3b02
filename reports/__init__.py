"""Reports on the whole program: what the center lent, to how many, and what the fund holds.

Reports read every domain (devices, lending, fund) and belong to none; nothing imports them.
"""
