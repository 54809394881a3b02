"""The report pages: the head of center's dashboard, the list of reports, one report for a period
with its charts, each table as CSV, the whole report as an Excel workbook, and the printable annual
report (PDF)."""
from __future__ import annotations

from flask import Blueprint, current_app, make_response, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core import clock
from core.auth import current_actor, require_role
from core.dates import format_date
from core.errors import DomainError, NotFound
from core.i18n import current_locale
from core.spreadsheets import csv_response, csv_text
from devices.holds import HOLD_LABELS
from devices.labels import STATUS_LABELS
from fund.steps import STEPS as FUND_STEPS
from lending.labels import REQUEST_STATUS_LABELS
from lending.steps import STEPS as LENDING_STEPS
from maintenance.labels import KIND_LABELS
from maintenance.steps import STEPS as MAINTENANCE_STEPS
from reports import annual, catalog, charts, dashboard, excel, periods
from reports.steps import STEPS
from reports.tables import Report, Table, export_header, export_value

bp = Blueprint("reports", __name__, url_prefix="/reports")
dashboard_bp = Blueprint("dashboard", __name__)

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
    locale = current_locale()
    return render_template("reports/report.html", report=report, period=period, problems=problems,
                           compare=request.args.get("compare") == "1",
                           chart=lambda table: charts.svg(table, locale, describedby=f"d-{table.key}")), status


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


def _download(data: bytes, media_type: str, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/<key>.xlsx")
@require_role(*READERS)
def report_xlsx(key):
    report = catalog.build(key, periods.from_args(request.args), by=current_actor())
    return _download(excel.workbook(report), excel.MEDIA_TYPE,
                     f"{report.key}-{report.period.first}-{report.period.last}.xlsx")


@bp.route("/annual.pdf")
@require_role(*READERS)
def annual_pdf():
    """Every report the reader may read for the period, in Thai, to print."""
    period = periods.from_args(request.args)
    by = current_actor()
    with force_locale("th"):
        reports = [catalog.build(kind.key, period, by=by) for kind in catalog.readable(by)]
        data = annual.AnnualData(
            center_name=current_app.config["CENTER_NAME_TH"], period_label=period.label("th"),
            previous_label=period.previous().label("th"), printed_on=format_date(clock.today(), "th"),
            reports=reports)
        pdf = annual.annual_pdf(data)
    return _download(pdf, "application/pdf", f"annual-report-{period.first}-{period.last}.pdf")


@dashboard_bp.route("/dashboard")
@STEPS.route("dashboard")
def dashboard_page():
    """The head of center's home page: each card's figures link to the page with the detail,
    for the readers whose roles may open it."""
    actor = current_actor()
    may = {"lending": LENDING_STEPS.allows(actor, "read_people"), "approvals": LENDING_STEPS.allows(actor, "decide"),
           "orders": MAINTENANCE_STEPS.allows(actor, "open_order"),
           "costs": MAINTENANCE_STEPS.allows(actor, "approve_costs"),
           "due": MAINTENANCE_STEPS.allows(actor, "see_due"), "figures": MAINTENANCE_STEPS.allows(actor, "see_costs"),
           "books": FUND_STEPS.allows(actor, "keep_books"), "reports": bool(catalog.readable(actor))}
    return render_template("reports/dashboard.html", d=dashboard.dashboard(by=actor), may=may,
                           english=current_locale() == "en", device_status_labels=STATUS_LABELS,
                           request_status_labels=REQUEST_STATUS_LABELS, kind_labels=KIND_LABELS,
                           hold_labels=HOLD_LABELS)
