"""The report pages: the list of reports, one report for a period, and each table as CSV."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from core.auth import current_actor, require_role
from core.errors import DomainError, NotFound
from core.spreadsheets import csv_response, csv_text
from reports import catalog, periods
from reports.steps import STEPS
from reports.tables import Report, Table, export_header, export_value

bp = Blueprint("reports", __name__, url_prefix="/reports")

READERS = STEPS.roles("program_reports", "fund_report")


def _period_and_problems() -> tuple[periods.Period, list[str], int]:
    """The period the query names, or this fiscal year with the problems said (422)."""
    try:
        return periods.from_args(request.args), [], 200
    except DomainError as error:
        found = [str(m) for messages in (error.errors or {}).values() for m in messages] or [str(error.message)]
        return periods.current(), found, error.code


@bp.route("")
@require_role(*READERS)
def index():
    period, problems, status = _period_and_problems()
    return render_template("reports/index.html", kinds=catalog.readable(current_actor()), period=period,
                           problems=problems), status


@bp.route("/<key>")
@require_role(*READERS)
def report_page(key):
    period, problems, status = _period_and_problems()
    report = catalog.build(key, period, by=current_actor())
    return render_template("reports/report.html", report=report, period=period, problems=problems,
                           compare=request.args.get("compare") == "1"), status


def _table(report: Report) -> Table:
    try:
        return report.table(request.args.get("table", ""))
    except KeyError:
        raise NotFound(_l("The report has no table %(key)s.", key=request.args.get("table", ""))) from None


@bp.route("/<key>.csv")
@require_role(*READERS)
def report_csv(key):
    report = catalog.build(key, periods.from_args(request.args), by=current_actor())
    table = _table(report)
    text = csv_text([export_header(c) for c in table.columns],
                    ([export_value(c, row.get(c.key)) for c in table.columns] for row in table.rows))
    return csv_response(text, f"{report.key}-{table.key}-{report.period.first}-{report.period.last}.csv")
