"""Pages for what a donor takes away: their receipts and yearly giving statement (the donor's own,
from their impact page), and the yearly impact summary the treasurer prints or e-mails."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock, outbox
from core.auth import current_actor, require_role
from core.errors import NotFound
from core.limits import public_page
from core.unit_of_work import AfterCommit
from core.users import Role
from fund.services import donations, statements
from fund.steps import STEPS
from fund.views import method_th, pdf_response

bp = Blueprint("donor_papers", __name__)


def _own_donor():
    donor = donations.donor_for_user(current_actor())
    if donor is None:
        raise NotFound(_l("Your login is not linked to a donor yet; please ask the fund's treasurer."))
    return donor


@bp.route("/impact/receipts/<int:donation_id>.pdf")
@require_role(Role.DONOR)
@public_page
def own_receipt(donation_id):
    """One of the donor's own receipts (or certificates); another donor's is not found."""
    gift = statements.own_gift(current_actor(), donation_id)
    return pdf_response(*statements.receipt_document(gift, statements.recorded_by(gift), method_th(gift),
                                                     current_app.config))


@bp.route("/impact/statement.pdf")
@require_role(Role.DONOR)
@public_page
def own_statement():
    """The donor's own giving statement for ``year`` (this year when not given)."""
    donor = _own_donor()
    year = statements.tax_year(request.args.get("year"))
    pdf = statements.statement(donor, year, current_app.config, by=current_actor())
    return pdf_response(pdf, f"giving-statement-{year + statements.BE_OFFSET}.pdf")


@bp.route("/fund/donors/<int:donor_id>/statement.pdf")
@STEPS.route("keep_books")
def donor_statement(donor_id):
    donor = donations.get_donor(donor_id)
    year = statements.tax_year(request.args.get("year"))
    pdf = statements.statement(donor, year, current_app.config, by=current_actor())
    return pdf_response(pdf, f"giving-statement-{donor.id}-{year + statements.BE_OFFSET}.pdf")


@bp.route("/fund/donors/<int:donor_id>/summary.pdf")
@STEPS.route("send_impact_summary")
def summary_pdf(donor_id):
    donor = donations.get_donor(donor_id)
    year = statements.tax_year(request.args.get("year"))
    pdf = statements.summary(donor, year, current_app.config, by=current_actor())
    return pdf_response(pdf, f"impact-{donor.id}-{year + statements.BE_OFFSET}.pdf")


@bp.route("/fund/donors/<int:donor_id>/summary", methods=["GET", "POST"])
@STEPS.route("send_impact_summary")
def summary(donor_id):
    """The yearly impact summary: its figures, the PDF to print, and the e-mail to send."""
    donor = donations.get_donor(donor_id)
    year = statements.tax_year(request.values.get("year"))
    if request.method == "POST":
        message = statements.send_summary(donor, year, current_app.config, by=current_actor())
        return AfterCommit(_sent, message.id, donor.id, year)
    years = sorted({*statements.years(donor), clock.today().year, year}, reverse=True)
    return render_template("fund/summary.html", donor=donor, year=year, years=years,
                           impact=statements.year_impact(donor, year), mail_on=outbox.mail_on(current_app.config),
                           be=statements.BE_OFFSET)


def _sent(message_id: int, donor_id: int, year: int):
    """After the commit: send the message now; if that fails it waits in the outbox."""
    status = outbox.deliver(message_id, current_app.config)
    if status == outbox.OutboxStatus.SENT:
        flash(_("The summary was sent by e-mail."), "success")
    else:
        flash(_("The summary could not be sent yet; it waits in the outbox and is sent again later."), "info")
    return redirect(url_for("donor_papers.summary", donor_id=donor_id, year=year))
