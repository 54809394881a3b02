"""Donors, donations, the ledger, allocations and impact (built in a later issue)."""
from flask import Blueprint

bp = Blueprint("fund", __name__, url_prefix="/fund")
