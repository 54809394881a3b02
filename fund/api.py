"""JSON API of the fund: donors, donations, purchases, repairs, funds and the journal."""
from __future__ import annotations

from types import SimpleNamespace

from flask import current_app, jsonify, make_response
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from core import outbox
from core.auth import current_actor
from core.db import db
from core.errors import NotFound, PermissionDenied, ValidationError
from core.idempotency import idempotent
from core.paging import SelectPage
from core.unit_of_work import AfterCommit
from devices import services as devices
from fund.models import Donor, Purpose
from fund.schemas import (DonationSchema, DonorSchema, EntryQuerySchema, EntrySchema, FundSchema, ImpactSchema,
                          PurchaseSchema, ReceiptItemSchema, RepairSchema, ReverseSchema, SpendingSchema,
                          SummarySendSchema, SummarySentSchema, TrialBalanceSchema, YearQuerySchema)
from fund.services import donations, impact, ledger, spending, statements
from fund.steps import STEPS

bp = Blueprint("fund_api", __name__, url_prefix="/api/v1", description="Donors, donations and the fund ledger")


@bp.route("/donors")
class Donors(MethodView):
    @STEPS.route("keep_books")
    @bp.response(200, DonorSchema(many=True))
    def get(self):
        """Donors by name."""
        return list(db.session.scalars(db.select(Donor).order_by(Donor.name)))

    @STEPS.route("keep_books")
    @bp.arguments(DonorSchema)
    @bp.response(201, DonorSchema)
    def post(self, data):
        """Register a donor (a person, company, shop or civil-society group)."""
        donor = donations.create_donor(data, by=current_actor())
        return donor


@bp.route("/donations")
class Donations(MethodView):
    @STEPS.route("keep_books")
    @idempotent
    @bp.arguments(DonationSchema)
    @bp.response(201, DonationSchema)
    def post(self, data):
        """Cash (``amount_satang``, ``fund``, ``method``) or in kind (``devices``). Honours ``Idempotency-Key``.

        Each device given in kind is valued at the ``value_satang`` the donor states, else at its
        type's reference new price (``value_source`` says which); the gift is booked at the total.
        """
        donor = donations.get_donor(data["donor_id"])
        actor = current_actor()
        if data.get("devices"):
            return donations.donate_in_kind(donor, data["devices"], by=actor, received_on=data.get("received_on"),
                                            description=data["description"])
        if not data.get("amount_satang"):
            raise ValidationError(_l("A cash donation needs an amount."), {"amount_satang": [_l("Required.")]})
        return donations.donate_cash(donor, data["amount_satang"], data.get("fund") or ledger.GENERAL_FUND,
                                     data["method"], by=actor, received_on=data.get("received_on"),
                                     description=data["description"])


def _spend(purpose: Purpose, data, device_type=None, device_count=0, devices_bought=None):
    fund = ledger.get_fund(data["fund"]) if data.get("fund") else None
    return spending.spend(purpose, data["amount_satang"], by=current_actor(), device_type=device_type, fund=fund,
                          chosen=data.get("allocations"), description=data["description"],
                          spent_on=data.get("spent_on"), device_count=device_count, devices_bought=devices_bought)


def _device_type(code: str):
    """The type a purchase names; an unknown code is invalid input naming ``device_type``."""
    try:
        return devices.get_type(code)
    except NotFound as exc:
        raise ValidationError(_l("There is no device type %(code)s.", code=code),
                              {"device_type": [_l("Unknown device type.")]}) from exc


def _repaired(tag: str):
    """The device a repair names; an unknown tag is invalid input naming ``device_tag``."""
    try:
        return devices.get_device(tag)
    except NotFound as exc:
        raise ValidationError(_l("There is no device %(tag)s.", tag=tag),
                              {"device_tag": [_l("Unknown device.")]}) from exc


@bp.route("/purchases")
class Purchases(MethodView):
    @STEPS.route("keep_books")
    @idempotent
    @bp.arguments(PurchaseSchema)
    @bp.response(201, PurchaseSchema)
    def post(self, data):
        """Buy devices of ``device_type`` from the fund; they are registered at once.

        ``devices`` lists each one's ``brand``, ``model``, ``serial`` and ``location``; with
        ``count`` too, the two must agree; with neither, one device is bought.
        """
        if not data.get("device_type"):
            raise ValidationError(_l("Say which device type is bought."), {"device_type": [_l("Required.")]})
        items = data.get("devices")
        return _spend(Purpose.PURCHASE, data, _device_type(data["device_type"]),
                      data.get("count") or (0 if items else 1), items)


@bp.route("/repairs")
class Repairs(MethodView):
    @STEPS.route("keep_books")
    @idempotent
    @bp.arguments(RepairSchema)
    @bp.response(201, SpendingSchema)
    def post(self, data):
        """Pay a repair: first from funds kept for repairs, then the device type's, then unrestricted money."""
        device_type = _repaired(data["device_tag"]).type if data.get("device_tag") else None
        return _spend(Purpose.REPAIR, data, device_type)


@bp.route("/funds")
class Funds(MethodView):
    @STEPS.route("keep_books")
    @bp.response(200, FundSchema(many=True))
    def get(self):
        """Every fund with the money it holds."""
        result = []
        for fund, balance in ledger.balances():
            fund.balance_satang = balance
            result.append(fund)
        return result


@bp.route("/funds/trial-balance")
class TrialBalance(MethodView):
    @STEPS.route("keep_books")
    @bp.response(200, TrialBalanceSchema)
    def get(self):
        """Every account of the chart with the sum of its postings over all funds; the total is zero."""
        lines = [SimpleNamespace(account=account, balance_satang=amount) for account, amount in ledger.trial_balance()]
        total = sum(line.balance_satang for line in lines)
        return {"accounts": lines, "total_satang": total, "balanced": total == 0}


@bp.route("/ledger/entries")
class Entries(MethodView):
    @STEPS.route("keep_books")
    @bp.arguments(EntryQuerySchema, location="query")
    @bp.response(200, EntrySchema(many=True))
    @bp.paginate(SelectPage, page_size=100, max_page_size=500)
    def get(self, args):
        """The journal, newest first; filter by ``kind``, ``fund``, ``since`` and ``until``."""
        fund = ledger.get_fund(args["fund"]) if args["fund"] else None
        return ledger.entries_query(args["kind"], fund, args["since"], args["until"])


@bp.route("/ledger/entries/<int:entry_id>/reverse")
class Reverse(MethodView):
    @STEPS.route("keep_books")
    @idempotent
    @bp.arguments(ReverseSchema)
    @bp.response(201, EntrySchema)
    def post(self, data, entry_id):
        """Correct a mistake: a new entry that negates the original and names it."""
        return spending.reverse_entry(entry_id, data["memo"], by=current_actor())


@bp.route("/donors/<int:donor_id>/impact")
class DonorImpact(MethodView):
    @STEPS.route("see_donor_impact")
    @bp.response(200, ImpactSchema)
    def get(self, donor_id):
        """What a donor's gifts did; a donor may read only their own."""
        actor = current_actor()
        donor = donations.get_donor(donor_id)
        if not STEPS.allows(actor, "keep_books") and donor.user_id != actor.id:
            raise PermissionDenied(_l("A donor sees only their own impact."))
        return impact.for_donor(donor)



_PDF = {"200": {"description": "The statement as PDF (A4, Thai)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


@bp.route("/donors/<int:donor_id>/statement")
class DonorStatement(MethodView):
    @STEPS.route("read_donor_statement")
    @bp.arguments(YearQuerySchema, location="query")
    @bp.doc(responses=_PDF)
    def get(self, args, donor_id):
        """The yearly giving statement as PDF: every gift of the tax year ``year`` (January to December;
        2026 or 2569) with its receipt number, the totals in figures and Thai words. A donor reads only
        their own; a year without gifts says so."""
        donor = donations.get_donor(donor_id)
        statements.check_reader(current_actor(), donor)
        year = statements.tax_year(args["year"])
        response = make_response(statements.statement(donor, year, current_app.config, by=current_actor()))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = (
            f'inline; filename="giving-statement-{donor.id}-{year + statements.BE_OFFSET}.pdf"')
        return response


@bp.route("/donors/<int:donor_id>/receipts")
class DonorReceipts(MethodView):
    @STEPS.route("read_donor_statement")
    @bp.arguments(YearQuerySchema, location="query")
    @bp.response(200, ReceiptItemSchema(many=True))
    def get(self, args, donor_id):
        """The donor's gifts that stand, oldest first, with receipt numbers; only those of ``year`` if given.
        A donor reads only their own."""
        donor = donations.get_donor(donor_id)
        statements.check_reader(current_actor(), donor)
        return statements.gifts(donor, statements.tax_year(args["year"]) if args["year"] else None)


@bp.route("/donors/<int:donor_id>/impact-summary")
class DonorImpactSummary(MethodView):
    @STEPS.route("send_impact_summary")
    @bp.arguments(SummarySendSchema)
    @bp.alt_response(202, schema=SummarySentSchema, description="Written to the outbox; sent at once when the mail "
                                                               "server answers")
    @bp.alt_response(409, description="E-mail is off on this server (``state``: ``mail_off``).")
    def post(self, data, donor_id):
        """E-mail the donor their yearly impact summary (a Thai PDF: what the year's gifts bought, how often
        and how long they were lent, the savings to families; no personal data). The message is written
        in the request's transaction and sent once it commits; if the mail server cannot be reached it
        waits in the outbox and ``flask outbox send`` sends it. Each call writes one message. The
        treasurer's step."""
        donor = donations.get_donor(donor_id)
        year = statements.tax_year(data["year"])
        message = statements.send_summary(donor, year, current_app.config, by=current_actor())
        return AfterCommit(_summary_sent, message.id, message.to_address, year)


def _summary_sent(message_id: int, to_address: str, year: int):
    """After the commit: try to send now, and say what became of it."""
    status = outbox.deliver(message_id, current_app.config)
    body = {"outbox_id": message_id, "to_address": to_address, "year": year,
            "status": (status or outbox.OutboxStatus.SENDING).value}
    return jsonify(SummarySentSchema().dump(body)), 202
