"""JSON API of the program reports (DESIGN.md section 7: /api/v1/reports/...)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.auth import current_actor, require_role
from core.users import INTERNAL_ROLES
from reports import catalog, dashboard, periods, services
from reports.schemas import DashboardSchema, PeriodArgsSchema, ReportSchema, SummarySchema
from reports.steps import STEPS
from reports.views import READERS

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports", description="Program reports")


@bp.route("/summary")
class Summary(MethodView):
    @require_role(*INTERNAL_ROLES)
    @bp.response(200, SummarySchema)
    def get(self):
        """Program totals: devices by status, requests by status, loans, people served, savings to families;
        fund balances (``fund_balances_satang``) only for the roles that may read ``/api/v1/funds``."""
        return services.summary(by=current_actor())


@bp.route("/dashboard")
class Dashboard(MethodView):
    @STEPS.route("dashboard")
    @bp.response(200, DashboardSchema)
    def get(self):
        """The head of center's dashboard, as at now: devices by status and type, utilisation, the waitlist,
        requests waiting at each step, follow-ups due and overdue by moo, pickups, open work orders, devices
        held back; fund balances (``fund_balances``) only for the roles that may read ``/api/v1/funds``,
        null for the others."""
        return dashboard.dashboard(by=current_actor())


@bp.route("/<key>")
class ReportByKey(MethodView):
    @require_role(*READERS)
    @bp.arguments(PeriodArgsSchema, location="query")
    @bp.response(200, ReportSchema)
    @bp.alt_response(404, description="No such report.")
    @bp.alt_response(422, description="A period argument that is not one (named in ``errors``).")
    def get(self, args, key):
        """A report for a period (``period=fiscal_year|year`` with ``year``, or ``period=range`` with
        ``from`` and ``to``; this fiscal year by default): headline figures (with the period before's)
        and tables of rows, each column of a kind: count, share (0..1), satang, days, number, text."""
        return catalog.build(key, periods.from_args(args), by=current_actor()).as_json()
