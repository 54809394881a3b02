"""JSON API of the fund: donors, donations, purchases, repairs, funds and the journal."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.auth import current_actor, require_role
from core.db import db
from core.errors import PermissionDenied, ValidationError
from core.idempotency import idempotent
from core.users import INTERNAL_ROLES, Role
from devices import services as devices
from devices.api import SelectPage
from fund.models import Donor, Purpose
from fund.schemas import (DonationSchema, DonorSchema, EntryQuerySchema, EntrySchema, FundSchema, ImpactSchema,
                          RepairSchema, ReverseSchema, SpendingSchema)
from fund.services import donations, impact, ledger, spending
from lending.services import loans, pipeline

bp = Blueprint("fund_api", __name__, url_prefix="/api/v1", description="Donors, donations and the fund ledger")
TREASURY = (Role.TREASURER, Role.ADMIN)


@bp.route("/donors")
class Donors(MethodView):
    @require_role(*TREASURY)
    @bp.response(200, DonorSchema(many=True))
    def get(self):
        """Donors by name."""
        return list(db.session.scalars(db.select(Donor).order_by(Donor.name)))

    @require_role(*TREASURY)
    @bp.arguments(DonorSchema)
    @bp.response(201, DonorSchema)
    def post(self, data):
        """Register a donor (a person, company, shop or civil-society group)."""
        donor = donations.create_donor(data, by=current_actor())
        db.session.commit()
        return donor


@bp.route("/donations")
class Donations(MethodView):
    @require_role(*TREASURY)
    @idempotent
    @bp.arguments(DonationSchema)
    @bp.response(201, DonationSchema)
    def post(self, data):
        """Cash (``amount_satang``, ``fund``, ``method``) or in kind (``devices``). Honours ``Idempotency-Key``."""
        donor = donations.get_donor(data["donor_id"])
        actor = current_actor()
        if data.get("devices"):
            return donations.donate_in_kind(donor, data["devices"], by=actor, received_on=data.get("received_on"),
                                            description=data["description"])
        if not data.get("amount_satang"):
            raise ValidationError("a cash donation needs an amount", {"amount_satang": ["required"]})
        return donations.donate_cash(donor, data["amount_satang"], data.get("fund") or ledger.GENERAL_FUND,
                                     data["method"], by=actor, received_on=data.get("received_on"),
                                     description=data["description"])


def _spend(purpose: Purpose, data, device_type=None, device_count=0):
    fund = ledger.get_fund(data["fund"]) if data.get("fund") else None
    return spending.spend(purpose, data["amount_satang"], by=current_actor(), device_type=device_type, fund=fund,
                          chosen=data.get("allocations"), description=data["description"],
                          spent_on=data.get("spent_on"), device_count=device_count)


@bp.route("/purchases")
class Purchases(MethodView):
    @require_role(*TREASURY)
    @idempotent
    @bp.arguments(SpendingSchema)
    @bp.response(201, SpendingSchema)
    def post(self, data):
        """Buy ``count`` devices of ``device_type`` from the fund; they are registered at once."""
        if not data.get("device_type"):
            raise ValidationError("say which device type is bought", {"device_type": ["required"]})
        device_type = devices.get_type(data["device_type"])
        return _spend(Purpose.PURCHASE, data, device_type, data["count"])


@bp.route("/repairs")
class Repairs(MethodView):
    @require_role(*TREASURY)
    @idempotent
    @bp.arguments(RepairSchema)
    @bp.response(201, SpendingSchema)
    def post(self, data):
        """Pay a repair from the funds allowed for repairs."""
        device_type = devices.get_device(data["device_tag"]).type if data.get("device_tag") else None
        return _spend(Purpose.REPAIR, data, device_type)


@bp.route("/funds")
class Funds(MethodView):
    @require_role(*TREASURY)
    @bp.response(200, FundSchema(many=True))
    def get(self):
        """Every fund with the money it holds."""
        result = []
        for fund, balance in ledger.balances():
            fund.balance_satang = balance
            result.append(fund)
        return result


@bp.route("/ledger/entries")
class Entries(MethodView):
    @require_role(*TREASURY)
    @bp.arguments(EntryQuerySchema, location="query")
    @bp.response(200, EntrySchema(many=True))
    @bp.paginate(SelectPage, page_size=100, max_page_size=500)
    def get(self, args):
        """The journal, newest first; filter by ``kind``, ``fund``, ``since`` and ``until``."""
        fund = ledger.get_fund(args["fund"]) if args["fund"] else None
        return ledger.entries_query(args["kind"], fund, args["since"], args["until"])


@bp.route("/ledger/entries/<int:entry_id>/reverse")
class Reverse(MethodView):
    @require_role(*TREASURY)
    @idempotent
    @bp.arguments(ReverseSchema)
    @bp.response(201, EntrySchema)
    def post(self, data, entry_id):
        """Correct a mistake: a new entry that negates the original and names it."""
        return spending.reverse_entry(entry_id, data["memo"], by=current_actor())


@bp.route("/donors/<int:donor_id>/impact")
class DonorImpact(MethodView):
    @require_role(Role.TREASURER, Role.ADMIN, Role.DONOR)
    @bp.response(200, ImpactSchema)
    def get(self, donor_id):
        """What a donor's gifts did; a donor may read only their own."""
        actor = current_actor()
        donor = donations.get_donor(donor_id)
        if not actor.has_role(*TREASURY) and donor.user_id != actor.id:
            raise PermissionDenied("a donor sees only their own impact")
        return impact.for_donor(donor)


@bp.route("/reports/summary")
class Summary(MethodView):
    @require_role(*INTERNAL_ROLES)
    @bp.response(200)
    def get(self):
        """Program totals: devices by status, requests by status, loans, people served, fund balances."""
        program = impact.for_program()
        return {
            "devices_by_status": {status.value: count for status, count in devices.count_by_status().items()},
            "requests_by_status": {status.value: count for status, count in pipeline.board_counts().items()},
            "loans": program.loans,
            "open_loans": db.session.scalar(db.select(db.func.count()).select_from(
                loans.loans_query(open_only=True).subquery())),
            "people_served": program.people_served,
            "device_days": program.device_days,
            "savings_to_families_satang": program.savings_satang,
            "fund_balances_satang": {fund.code: balance for fund, balance in ledger.balances()},
        }
