"""Pages of the lending lifecycle (filled in step by step)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lending", __name__)
