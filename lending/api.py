"""JSON API for people, requests and their steps, loans, follow-ups and returns."""
from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from core.audit import record_access, record_accesses
from core.api import step_route
from core.auth import current_actor
from core.db import db
from core.idempotency import idempotent
from core.paging import page_of
from core.users import User, find_user
from core.errors import ValidationError
from devices import services as devices
from devices.schemas import DeviceSchema
from lending.schemas import (AssessmentSchema, CancelSchema, CarePlanSchema, LifeStatusSchema, ReferralSchema,
                             ReferralUpdateSchema, DecisionSchema, FollowUpSchema, HistorySchema,
                             LoanQuerySchema, LoanSchema, PersonCreateSchema, PersonQuerySchema, PersonSchema,
                             PersonUpdateSchema, RequestDumpSchema, RequestQuerySchema, RequestSchema,
                             ReservationSchema, ReturnSchema, ScheduleSchema)
from lending.services import care, history, life, loans, people, pipeline
from lending.services import waitlist as queue
from lending.steps import STEPS

bp = Blueprint("lending_api", __name__, url_prefix="/api/v1", description="People, requests and loans")



def _shown(person, actor: User):
    person.show_full_id = people.may_see_full_id(actor)
    return person


def _device(tag: str | None):
    return devices.get_device(tag) if tag else None


# --- people ------------------------------------------------------------------------------------

@bp.route("/people")
class People(MethodView):
    @STEPS.route("read_people")
    @bp.arguments(PersonQuerySchema, location="query")
    @bp.response(200, PersonSchema(many=True))
    @bp.paginate(page_size=50, max_page_size=200)
    def get(self, args, pagination_parameters):
        """Search people by name, national ID, phone or caregiver, and by tambon/moo.

        Roles that see IDs masked find a person by the whole national ID or by name only.
        The search (its digits hashed) and each person listed are logged."""
        actor = current_actor()
        found = page_of(people.search_query(args["q"], args["tambon"], args["moo"], by=actor), pagination_parameters)
        if args["q"] or args["tambon"] or args["moo"]:
            record_access(actor, "people", "search", "api.search",
                          detail=people.search_detail(args["q"], args["tambon"], args["moo"]))
        record_accesses(actor, "person", [p.id for p in found], "api.people")
        return found

    @STEPS.route("register_person")
    @bp.arguments(PersonCreateSchema)
    @bp.response(201, PersonSchema)
    def post(self, data):
        """Register a person with their PDPA consent (``consent.given_by`` is required)."""
        actor = current_actor()
        consent = data.pop("consent")
        person = people.create_person(data, consent, by=actor)
        return _shown(person, actor)


@bp.route("/people/<int:person_id>")
class PersonItem(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, PersonSchema)
    def get(self, person_id):
        """One person (access is logged)."""
        actor = current_actor()
        person = people.get_person(person_id)
        record_access(actor, "person", person.id, "api.read")
        return _shown(person, actor)

    @STEPS.route("edit_person")
    @bp.arguments(PersonUpdateSchema)
    @bp.response(200, PersonSchema)
    def patch(self, data, person_id):
        """Edit a person; send the ``version`` you read."""
        actor = current_actor()
        person = people.get_person(person_id)
        people.update_person(person, data, version=data.pop("version"), by=actor)
        return _shown(person, actor)


@bp.route("/people/<int:person_id>/history")
class PersonHistory(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, HistorySchema)
    def get(self, person_id):
        """Everything the center did for this person: requests, assessments, loans, visits."""
        person = people.get_person(person_id)
        record_access(current_actor(), "person", person.id, "api.history")
        return history.person_history(person)


# --- requests ---------------------------------------------------------------------------------

@bp.route("/requests")
class Requests(MethodView):
    @STEPS.route("read_people")
    @bp.arguments(RequestQuerySchema, location="query")
    @bp.response(200, RequestDumpSchema(many=True))
    @bp.paginate(page_size=50, max_page_size=200)
    def get(self, args, pagination_parameters):
        """Requests, newest first; filter by ``status``, ``type`` and ``person_id`` (access is logged)."""
        found = page_of(pipeline.requests_query(args["status"], args["type"], args["person_id"]),
                        pagination_parameters)
        record_accesses(current_actor(), "person", [r.person_id for r in found], "api.requests")
        return found

    @STEPS.route("submit")
    @idempotent
    @bp.arguments(RequestSchema)
    @bp.response(201, RequestDumpSchema)
    def post(self, data):
        """Take a request from any channel. Honours ``Idempotency-Key``."""
        person = people.get_person(data.pop("person_id"))
        codes = data.pop("device_types", None) or ([data.pop("device_type")] if data.get("device_type") else [])
        if not codes:
            raise ValidationError(_l("Say which device is asked for."),
                                  {"device_type": [_l("Give device_type, or device_types for several.")]})
        return pipeline.submit(person, [devices.get_type(code) for code in codes], data, by=current_actor())


@bp.route("/requests/<int:request_id>")
class RequestItem(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, RequestDumpSchema)
    def get(self, request_id):
        """One request with its current step (access is logged)."""
        req = pipeline.get_request(request_id)
        record_access(current_actor(), "person", req.person_id, "api.request")
        return req


def _step(rule: str, schema, step: str, doc: str):
    """``POST /requests/{id}/<step>`` calling ``action(request, data, actor)``."""
    return step_route(bp, rule, schema=schema, response=RequestDumpSchema, roles=STEPS.roles(step),
                      load=lambda request_id: pipeline.get_request(request_id), doc=doc)


@_step("/requests/<int:request_id>/schedule", ScheduleSchema, "schedule",
       "Schedule the home assessment (date and, optionally, the assessor's username).")
def schedule(req, data, actor):
    assessor = find_user(data["assessor"]) if data.get("assessor") else None
    if data.get("assessor") and assessor is None:
        raise ValidationError(_l("There is no user %(username)s.", username=data["assessor"]),
                              {"assessor": [_l("No user has this username.")]})
    pipeline.schedule_assessment(req, data["due_on"], assessor, by=actor)


@_step("/requests/<int:request_id>/decision", DecisionSchema, "decide",
       "Approve (a device is proposed, or the request is waitlisted) or reject with a reason.")
def decision(req, data, actor):
    pipeline.decide(req, data["approved"], data["reason"], by=actor, items=_items(req, data))


def _items(req, data):
    return [pipeline.get_item(req, data["item_id"])] if data.get("item_id") is not None else None


@_step("/requests/<int:request_id>/reservation", ReservationSchema, "reserve",
       "Reserve a device: ``device_tag``, or omit it to take the proposed device.")
def reservation(req, data, actor):
    only = _items(req, data)
    queue.reserve(req, _device(data.get("device_tag")), by=actor, reason=data.get("reason", ""),
                  item=only[0] if only else None)


@_step("/requests/<int:request_id>/cancel", CancelSchema, "cancel",
       "Cancel an open request; a reserved device goes back to stock.")
def cancellation(req, data, actor):
    pipeline.cancel(req, data["reason"], by=actor, items=_items(req, data))


@bp.route("/requests/<int:request_id>/assessment")
class RequestAssessment(MethodView):
    @STEPS.route("assess")
    @bp.arguments(AssessmentSchema)
    @bp.response(201, AssessmentSchema)
    def post(self, data, request_id):
        """Record the home assessment; ``adl_total`` and ``dependency_group`` are computed."""
        req = pipeline.get_request(request_id)
        if data.get("recommended_type"):
            data["recommended_type"] = devices.get_type(data["recommended_type"])
        data["recommendations"] = {row["item_id"]: devices.get_type(row["recommended_type"])
                                   for row in data.get("recommendations") or []}
        assessment = pipeline.record_assessment(req, data, by=current_actor())
        return assessment


@bp.route("/waitlist")
class Waitlist(MethodView):
    @STEPS.route("read_people")
    @bp.arguments(RequestQuerySchema, location="query")
    @bp.response(200, RequestDumpSchema(many=True))
    def get(self, args):
        """Waitlisted requests in the order they will be served (filter by ``type``; access is logged)."""
        waiting = queue.waitlisted_requests(devices.get_type(args["type"]) if args["type"] else None)
        record_accesses(current_actor(), "person", [r.person_id for r in waiting], "api.waitlist")
        return waiting


# --- loans ------------------------------------------------------------------------------------

@bp.route("/loans")
class Loans(MethodView):
    @STEPS.route("read_people")
    @bp.arguments(LoanQuerySchema, location="query")
    @bp.response(200, LoanSchema(many=True))
    @bp.paginate(page_size=50, max_page_size=200)
    def get(self, args, pagination_parameters):
        """Loans, newest first; ``open=true`` for devices still at homes (access is logged)."""
        found = page_of(loans.loans_query(args["open"], args["person_id"]), pagination_parameters)
        record_accesses(current_actor(), "person", [loan.person_id for loan in found], "api.loans")
        return found

    @STEPS.route("deliver")
    @idempotent
    @bp.arguments(LoanSchema)
    @bp.response(201, LoanSchema)
    def post(self, data):
        """Deliver: the reserved (or another available) device of the request's type goes on loan.

        Honours ``Idempotency-Key``.
        """
        req = pipeline.get_request(data["request_id"])
        return loans.deliver(req, devices.get_device(data["device_tag"]), instructions=data["instructions"],
                             acknowledged_by=data["acknowledged_by"],
                             acknowledged_relation=data.get("acknowledged_relation", ""), by=current_actor(),
                             expected_return_on=data.get("expected_return_on"), latitude=data.get("latitude"),
                             longitude=data.get("longitude"))


@bp.route("/loans/<int:loan_id>")
class LoanItem(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, LoanSchema)
    def get(self, loan_id):
        """One loan (access is logged)."""
        loan = loans.get_loan(loan_id)
        record_access(current_actor(), "person", loan.person_id, "api.loan")
        return loan


@bp.route("/loans/<int:loan_id>/followups")
class LoanFollowUps(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, FollowUpSchema(many=True))
    def get(self, loan_id):
        """The visits of a loan, oldest first, with their ADL items (access is logged)."""
        loan = loans.get_loan(loan_id)
        record_access(current_actor(), "person", loan.person_id, "api.follow_ups")
        return loan.follow_ups

    @STEPS.route("follow_up")
    @bp.arguments(FollowUpSchema)
    @bp.response(201, FollowUpSchema)
    def post(self, data, loan_id):
        """Record a visit; outcomes died, moved and no_longer_needed schedule a pickup."""
        visit = loans.record_follow_up(loans.get_loan(loan_id), data, by=current_actor())
        return visit


@bp.route("/loans/<int:loan_id>/return")
class LoanReturn(MethodView):
    @STEPS.route("receive_return")
    @bp.arguments(ReturnSchema)
    @bp.response(200, LoanSchema)
    def post(self, data, loan_id):
        """Receive the device back: the loan and request close; the device awaits cleaning."""
        loan = loans.receive_return(loans.get_loan(loan_id), data["condition"], data["notes"], by=current_actor())
        return loan


@bp.route("/devices/<tag>/loans")
class DeviceLoans(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, LoanSchema(many=True))
    def get(self, tag):
        """Every loan of a device, newest first (access is logged)."""
        found = list(db.session.scalars(loans.loans_query(device_id=devices.get_device(tag).id)))
        record_accesses(current_actor(), "person", [loan.person_id for loan in found], "api.device_loans")
        return found


@bp.route("/devices/<tag>/release")
class DeviceRelease(MethodView):
    @STEPS.route("release")
    @bp.response(200, DeviceSchema)
    def post(self, tag):
        """Admin override: a returned device back to available before cleaning (audited)."""
        device = loans.release_without_cleaning(devices.get_device(tag), by=current_actor())
        return device


# --- life status, care plan, referrals ------------------------------------------------------------



@bp.route("/people/<int:person_id>/life-status", methods=["POST"])
@STEPS.route("care")
@bp.arguments(LifeStatusSchema)
@bp.response(200, PersonSchema)
def life_status(data, person_id):
    """Record the person's life status; deceased cancels what is not yet delivered and puts every device
    at the home on the pickup list, moved away puts them on the pickup list."""
    actor = current_actor()
    person = life.set_life_status(people.get_person(person_id), data["status"], data["on"], data["note"], by=actor)
    return _shown(person, actor)


@bp.route("/people/<int:person_id>/care-plan")
class CarePlan(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, CarePlanSchema)
    def get(self, person_id):
        """The tasks of the care plan at home and who does each (access is logged)."""
        person = people.get_person(person_id)
        record_access(current_actor(), "person", person.id, "api.care_plan")
        return {"needs": person.care_needs}

    @STEPS.route("care")
    @bp.arguments(CarePlanSchema)
    @bp.response(200, CarePlanSchema)
    def put(self, data, person_id):
        """Replace the care plan; a nurse's task (injection, feeding tube, catheter, wound) must be done_by nurse."""
        person = people.get_person(person_id)
        care.set_care_plan(person, data["needs"], by=current_actor())
        return {"needs": person.care_needs}


@bp.route("/people/<int:person_id>/referrals")
class Referrals(MethodView):
    @STEPS.route("read_people")
    @bp.response(200, ReferralSchema(many=True))
    def get(self, person_id):
        """The person's referrals to the social welfare division."""
        person = people.get_person(person_id)
        record_access(current_actor(), "person", person.id, "api.referrals")
        return person.referrals

    @STEPS.route("care")
    @bp.arguments(ReferralSchema)
    @bp.response(201, ReferralSchema)
    def post(self, data, person_id):
        """Refer the person to the social welfare division (one open referral at a time)."""
        referral = care.refer(people.get_person(person_id), data["reason"], by=current_actor(),
                              on=data.get("referred_on"))
        return referral


@bp.route("/referrals/<int:referral_id>", methods=["PATCH"])
@STEPS.route("care")
@bp.arguments(ReferralUpdateSchema)
@bp.response(200, ReferralSchema)
def referral_update(data, referral_id):
    """Record how a referral went (send the ``version`` you read); a finished one needs its outcome."""
    referral = care.update_referral(care.get_referral(referral_id), data["status"], data["outcome"],
                                    version=data["version"], by=current_actor())
    return referral
