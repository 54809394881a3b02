"""JSON API of the program reports (DESIGN.md section 7: /api/v1/reports/...)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.auth import current_actor, require_role
from core.users import INTERNAL_ROLES
from reports import services
from reports.schemas import SummarySchema

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports", description="Program reports")


@bp.route("/summary")
class Summary(MethodView):
    @require_role(*INTERNAL_ROLES)
    @bp.response(200, SummarySchema)
    def get(self):
        """Program totals: devices by status, requests by status, loans, people served, savings to families;
        fund balances (``fund_balances_satang``) only for the roles that may read ``/api/v1/funds``."""
        return services.summary(by=current_actor())
