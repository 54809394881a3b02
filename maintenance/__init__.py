"""Work orders, checklists and the service schedule (built in a later issue)."""
from flask import Blueprint

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")
