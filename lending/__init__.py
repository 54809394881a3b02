"""People, requests, assessments, loans and follow-ups (built in a later issue)."""
from flask import Blueprint

bp = Blueprint("lending", __name__, url_prefix="/lending")
