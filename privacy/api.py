"""JSON API of privacy: the access log, a person's record exported, data-subject requests."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.audit import record_access, record_accesses
from core.auth import current_actor
from core.paging import page_of
from lending.services import people
from privacy.schemas import (AccessEventSchema, AccessLogQuerySchema, PersonRecordSchema, SubjectRequestCloseSchema,
                             SubjectRequestQuerySchema, SubjectRequestSchema)
from privacy.services import access_log, record
from privacy.services import requests as subject
from privacy.steps import STEPS

bp = Blueprint("privacy_api", __name__, url_prefix="/api/v1", description="Privacy: access log, exports, requests")


@bp.route("/access-log")
class AccessLog(MethodView):
    @STEPS.route("read_access_log")
    @bp.arguments(AccessLogQuerySchema, location="query")
    @bp.response(200, AccessEventSchema(many=True))
    @bp.paginate(page_size=50, max_page_size=200)
    def get(self, args, pagination_parameters):
        """Who looked at whose personal data, newest first; filter by ``person_id``, ``actor``
        (a username) and Bangkok days ``since`` to ``until``."""
        return page_of(access_log.log_query(access_log.LogFilter(**args), by=current_actor()), pagination_parameters)


@bp.route("/people/<int:person_id>/export")
class PersonExport(MethodView):
    @STEPS.route("export_record")
    @bp.response(200, PersonRecordSchema)
    def get(self, person_id):
        """The person's whole record (PDPA ss. 30, 31): profile, requests, assessments, loans,
        follow-ups with ADL items, consents, photos, and who looked. The export is logged."""
        return record.export_record(people.get_person(person_id), purpose="api.export", by=current_actor())


@bp.route("/subject-requests")
class SubjectRequests(MethodView):
    @STEPS.route("subject_requests")
    @bp.arguments(SubjectRequestQuerySchema, location="query")
    @bp.response(200, SubjectRequestSchema(many=True))
    @bp.paginate(page_size=50, max_page_size=200)
    def get(self, args, pagination_parameters):
        """Data-subject requests by ``status`` (open by default, the nearest deadline first)."""
        actor = current_actor()
        found = page_of(subject.requests_query(args["status"], args["person_id"], by=actor), pagination_parameters)
        record_accesses(actor, "person", [r.person_id for r in found], "api.subject_requests")
        return found

    @STEPS.route("subject_requests")
    @bp.arguments(SubjectRequestSchema)
    @bp.response(201, SubjectRequestSchema)
    def post(self, data):
        """Record a request a person made (access, portability, rectification, erasure, withdrawal,
        objection); it is due 30 days after the Bangkok day it was received."""
        return subject.receive(people.get_person(data["person_id"]), data["kind"], received_on=data["received_on"],
                               note=data["note"], by=current_actor())


@bp.route("/subject-requests/<int:request_id>")
class SubjectRequestItem(MethodView):
    @STEPS.route("subject_requests")
    @bp.response(200, SubjectRequestSchema)
    def get(self, request_id):
        """One data-subject request (access is logged)."""
        found = subject.get_request(request_id)
        STEPS.check(current_actor(), "subject_requests")
        record_access(current_actor(), "person", found.person_id, "api.subject_request")
        return found


@bp.route("/subject-requests/<int:request_id>/close", methods=["POST"])
@STEPS.route("subject_requests")
@bp.arguments(SubjectRequestCloseSchema)
@bp.response(200, SubjectRequestSchema)
def close_request(data, request_id):
    """Close an open request as ``done`` or ``refused`` (a refusal needs its reason in ``note``)."""
    found = subject.close(subject.get_request(request_id), data["status"], closed_on=data["closed_on"],
                          note=data["note"], by=current_actor())
    return found
