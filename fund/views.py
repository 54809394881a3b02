"""Fund pages: the treasurer's books, donations and receipts, and donor impact."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from wtforms import SelectChoice

from core import clock
from core.auth import current_actor, public, require_role
from core.dates import parse_date_input
from core.db import db
from core.errors import NotFound
from core.forms import submit
from core.http_cache import revalidated
from core.i18n import current_locale, in_thai
from core.limits import public_page
from core.money import format_baht, satang_to_baht
from core.spreadsheets import csv_response, csv_text
from core.users import Role
from devices import services as devices
from fund import memos
from fund.forms import (DONOR_KIND_LABELS, ENTRY_KIND_LABELS, METHOD_LABELS, CashDonationForm, DonorForm, InKindForm,
                        PurchaseForm)
from fund.models import Donation, DonationKind, Donor, PaymentMethod, Purpose, ValueSource
from fund.services import donations, impact, ledger, spending, statements
from fund.steps import STEPS

bp = Blueprint("fund", __name__, url_prefix="/fund")
impact_bp = Blueprint("impact", __name__, url_prefix="/impact")


@bp.app_context_processor
def _labels():
    return {"donor_kind_labels": DONOR_KIND_LABELS, "method_labels": METHOD_LABELS,
            "entry_kind_labels": ENTRY_KIND_LABELS, "value_source_labels": VALUE_SOURCE_LABELS}


VALUE_SOURCE_LABELS = {ValueSource.DONOR: _l("as the donor states"),
                       ValueSource.REFERENCE: _l("at the type's reference new price")}


@bp.app_template_filter("memo")
def _memo(entry) -> str:
    """A journal entry's memo in the reader's language (fund.memos)."""
    return memos.text(entry)


def _donor_choices():
    return [SelectChoice(str(d.id), d.name) for d in db.session.scalars(select(Donor).order_by(Donor.name))]


def _fund_choices(auto: bool = False):
    funds = [SelectChoice(f.code, f"{f.code} · {f.name_th}") for f in ledger.list_funds()]
    return ([SelectChoice("", _("Automatic (oldest allowed donations first)"))] if auto else []) + funds


def _type_choices(with_price: bool = False):
    locale = current_locale()
    choices = []
    for t in devices.list_types():
        label = f"{t.code} · {t.name(locale)}"
        if with_price and t.reference_price_satang:
            label = _("%(type)s · reference new price %(price)s", type=label,
                      price=format_baht(t.reference_price_satang, locale))
        choices.append(SelectChoice(t.code, label))
    return choices


@bp.route("")
@STEPS.route("keep_books")
def books():
    trial = ledger.trial_balance()
    return render_template("fund/books.html", balances=ledger.balances(), trial=trial,
                           trial_total=sum(amount for _, amount in trial),
                           recent=list(db.session.scalars(ledger.entries_query().limit(10))))


@bp.route("/journal")
@STEPS.route("keep_books")
def journal():
    kind = request.args.get("kind", "")[:20]
    fund_code = request.args.get("fund", "")[:20]
    since, until = (_date(request.args.get(k)) for k in ("since", "until"))
    fund = ledger.get_fund(fund_code) if fund_code else None
    entries = list(db.session.scalars(ledger.entries_query(kind, fund, since, until).limit(2000)))
    if request.args.get("format") == "csv":
        return _csv(entries)
    statement = ledger.fund_statement(fund) if fund is not None and not (kind or since or until) else None
    return render_template("fund/journal.html", entries=entries, funds=ledger.list_funds(), kind=kind,
                           fund_code=fund_code, since=since, until=until, statement=statement, fund=fund)


def _date(value):
    try:
        return parse_date_input(value) if value else None
    except ValueError:
        return None


def _csv(entries):
    # Numbers stay numbers (an amount may be negative: a Decimal, not text); every text cell is made safe.
    rows = ([entry.id, entry.entry_date.isoformat(), entry.kind, str(memos.text(entry)), entry.reverses_id or "",
             posting.account.code, posting.fund.code, satang_to_baht(posting.amount_satang)]
            for entry in entries for posting in entry.postings)
    return csv_response(csv_text(["entry", "date", "kind", "memo", "reverses", "account", "fund", "amount_baht"],
                                 rows), "journal.csv")


@bp.route("/entries/<int:entry_id>/reverse", methods=["POST"])
@STEPS.route("keep_books")
def reverse(entry_id):
    spending.reverse_entry(entry_id, request.form.get("memo", "")[:300], by=current_actor())
    flash(_("Entry %(id)d reversed.", id=entry_id), "success")
    return redirect(url_for("fund.journal"))


@bp.route("/donors")
@STEPS.route("keep_books")
def donor_list():
    return render_template("fund/donors.html", donors=list(db.session.scalars(select(Donor).order_by(Donor.name))))


@bp.route("/donors/new", methods=["GET", "POST"])
@STEPS.route("keep_books")
def donor_new():
    form = DonorForm()
    donor, status = submit(form, lambda: donations.create_donor(
        {f: getattr(form, f).data for f in ("name", "kind", "tax_id", "phone", "email", "address", "may_be_named")},
        by=current_actor()))
    if donor is not None:
        flash(_("Donor %(name)s registered.", name=donor.name), "success")
        return redirect(url_for("fund.donor_view", donor_id=donor.id))
    return render_template("fund/form.html", form=form, title=_("New donor")), status


@bp.route("/donors/<int:donor_id>")
@STEPS.route("keep_books")
def donor_view(donor_id):
    donor = donations.get_donor(donor_id)
    gifts = list(db.session.scalars(select(Donation).where(Donation.donor_id == donor.id)
                                    .order_by(Donation.received_on.desc())))
    return render_template("fund/donor.html", donor=donor, gifts=gifts, impact=impact.for_donor(donor),
                           allocated={g.id: donations.allocated(g) for g in gifts})


@bp.route("/donations/new", methods=["GET", "POST"])
@STEPS.route("keep_books")
def donation_new():
    form = CashDonationForm(donor_id=request.args.get("donor_id"), received_on=clock.today())
    form.donor_id.choices, form.fund.choices = _donor_choices(), _fund_choices()
    gift, status = submit(form, lambda: donations.donate_cash(
        donations.get_donor(int(form.donor_id.data)), form.amount.satang, form.fund.data,
        PaymentMethod(form.method.data), by=current_actor(), received_on=form.received_on.data,
        description=form.description.data or ""))
    if gift is not None:
        flash(_("Donation recorded, receipt %(number)s.", number=gift.receipt_label), "success")
        return redirect(url_for("fund.donor_view", donor_id=gift.donor_id))
    return render_template("fund/form.html", form=form, title=_("Record a cash donation")), status


@bp.route("/donations/in-kind", methods=["GET", "POST"])
@STEPS.route("keep_books")
def in_kind_new():
    form = InKindForm(donor_id=request.args.get("donor_id"), received_on=clock.today())
    form.donor_id.choices, form.device_type.choices = _donor_choices(), _type_choices(with_price=True)

    def save():
        item = {"type": form.device_type.data, "brand": form.brand.data or "", "model": form.model.data or "",
                "value_satang": form.value.satang}
        return donations.donate_in_kind(donations.get_donor(int(form.donor_id.data)), [item] * form.count.data,
                                        by=current_actor(), received_on=form.received_on.data,
                                        description=form.description.data or "")

    gift, status = submit(form, save)
    if gift is not None:
        flash(ngettext("%(num)d device registered; print its label.", "%(num)d devices registered; print their labels.",
                       len(gift.devices)), "success")
        return redirect(url_for("labels.print_form", tags=",".join(d.device.tag for d in gift.devices)))
    return render_template("fund/form.html", form=form, title=_("Record devices given in kind")), status


@bp.route("/purchases/new", methods=["GET", "POST"])
@STEPS.route("keep_books")
def purchase_new():
    form = PurchaseForm(spent_on=clock.today())
    form.device_type.choices, form.fund.choices = _type_choices(), _fund_choices(auto=True)
    left = {d: spending.remaining(d) for d in db.session.scalars(
        select(Donation).where(Donation.kind == DonationKind.CASH).order_by(Donation.received_on))}
    form.donation.choices = [SelectChoice("", "–")] + [
        SelectChoice(str(d.id), f"{d.receipt_label} · {d.donor.name} · {format_baht(amount, current_locale())}")
        for d, amount in left.items() if amount > 0]
    title = _("Record a purchase")
    if form.is_submitted() and request.form.get("action") == "rows":  # no JavaScript needed for the rows
        form.count.validate(form)
        if form.count.data == len(form.rows):  # the Enter key lands here too (the form's first button)
            flash(_("Nothing is saved yet: press Save when the rows are filled in."), "info")
        form.one_row_per_device()
        return render_template("fund/purchase.html", form=form, title=title), 422 if form.count.errors else 200

    def save():
        amount = form.amount.satang
        chosen = [{"donation_id": int(form.donation.data), "amount_satang": amount}] if form.donation.data else None
        return spending.spend(Purpose.PURCHASE, amount, by=current_actor(),
                              device_type=devices.get_type(form.device_type.data),
                              fund=ledger.get_fund(form.fund.data) if form.fund.data else None, chosen=chosen,
                              description=form.description.data or "", spent_on=form.spent_on.data,
                              device_count=form.count.data, devices_bought=[row.data for row in form.rows])

    bought, status = submit(form, save)
    if bought is not None:
        flash(ngettext("Purchase recorded; %(num)d device registered.",
                       "Purchase recorded; %(num)d devices registered.", len(bought.devices)), "success")
        return redirect(url_for("labels.print_form", tags=",".join(p.device.tag for p in bought.devices)))
    form.one_row_per_device()
    return render_template("fund/purchase.html", form=form, title=title), status


@bp.route("/donations/<int:donation_id>/receipt.pdf")
@STEPS.route("keep_books")
def receipt(donation_id):
    gift = donations.get_donation(donation_id)
    return pdf_response(*statements.receipt_document(gift, current_actor().display_name, method_th(gift),
                                                     current_app.config))


def method_th(gift: Donation) -> str:
    """How the money came, in Thai, as receipts print it."""
    return in_thai(METHOD_LABELS[gift.method]) if gift.method is not None else ""


def pdf_response(pdf: bytes, name: str):
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- donor impact ---------------------------------------------------------------------------

@impact_bp.route("")
@require_role(Role.DONOR)
@public_page
def mine():
    """The donor's own page: their figures (kept by the server) and gifts; never kept by a browser."""
    donor = donations.donor_for_user(current_actor())
    if donor is None:
        raise NotFound(_l("Your login is not linked to a donor yet; please ask the fund's treasurer."))
    gifts = statements.gifts(donor)
    years = sorted({*(gift.received_on.year for gift in gifts), clock.today().year}, reverse=True)
    return render_template("fund/impact.html", donor=donor, impact=_donor_figures(donor, impact.last_change()),
                           share_url=url_for("impact.shared", token=donor.share_token, _external=True),
                           gifts=list(reversed(gifts)), years=years, be=statements.BE_OFFSET)


def _donor_figures(donor, marker: int):
    return impact.cached(("donor", donor.id), lambda: impact.for_donor(donor), marker)


@impact_bp.route("/s/<token>")
@public
@public_page
def shared(token):
    donor = donations.donor_for_token(token)
    marker = impact.last_change()
    return revalidated(("donor", donor.id, marker, clock.today()), lambda: render_template(
        "fund/impact.html", donor=donor, impact=_donor_figures(donor, marker), share_url=None))


@impact_bp.route("/center")
@public
@public_page
def center():
    marker = impact.last_change()

    def page():
        roll = impact.cached(("honour roll",), impact.honour_roll, marker)
        figures = impact.cached(("program",), impact.for_program, marker)
        return render_template("fund/center_impact.html", impact=figures, named=roll.named,
                               anonymous=roll.anonymous, balances=None)

    return revalidated(("center", marker, clock.today()), page)
