"""JSON API of the program reports (DESIGN.md section 7: /api/v1/reports/...)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.auth import require_role
from core.users import INTERNAL_ROLES
from reports import services

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports", description="Program reports")


@bp.route("/summary")
class Summary(MethodView):
    @require_role(*INTERNAL_ROLES)
    @bp.response(200)
    def get(self):
        """Program totals: devices by status, requests by status, loans, people served, fund balances."""
        return services.summary()
