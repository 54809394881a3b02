"""Privacy pages: the access log (filtered, paged, exported), a person's record as JSON, and
the data-subject requests with their deadlines."""
from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import clock
from core.audit import record_access, record_accesses
from core.auth import current_actor
from core.spreadsheets import csv_response
from core.dates import parse_date_input
from core.db import db
from core.forms import attempt, submit
from core.input_guards import id_or_none
from lending.models import Person
from lending.services import people
from privacy.models import SubjectRequestStatus
from privacy.forms import KIND_LABELS, STATUS_LABELS, CloseForm, SubjectRequestForm
from privacy.schemas import PersonRecordSchema
from privacy.services import access_log, record
from privacy.services import requests as subject
from lending.steps import STEPS as LENDING_STEPS
from privacy.purposes import purpose_label
from privacy.steps import STEPS

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


def _day(name: str):
    text = request.args.get(name, "")[:20].strip()
    if not text:
        return None, ""
    try:
        return parse_date_input(text), ""
    except ValueError:
        return None, text


def _filters() -> tuple[access_log.LogFilter, dict, list[str]]:
    since, bad_since = _day("since")
    until, bad_until = _day("until")
    args = {"person_id": request.args.get("person_id", "")[:12], "actor": request.args.get("actor", "")[:64].strip(),
            "since": request.args.get("since", "")[:20], "until": request.args.get("until", "")[:20]}
    problems = [_("Not a day: %(text)s", text=t) for t in (bad_since, bad_until) if t]
    if args["person_id"] and id_or_none(args["person_id"]) is None:
        problems.append(_("Not a person number: %(text)s", text=args["person_id"]))
    return (access_log.LogFilter(person_id=id_or_none(args["person_id"]), actor=args["actor"], since=since,
                                 until=until), {k: v for k, v in args.items() if v}, problems)


@bp.route("/access-log")
@STEPS.route("read_access_log")
def access_log_page():
    filters, args, problems = _filters()
    page, status = None, 200
    if not problems:
        query, error = attempt(lambda: access_log.log_query(filters, by=current_actor()))
        if error is not None:
            problems, status = [str(m) for ms in error.errors.values() for m in ms] or [str(error.message)], error.code
        else:
            page_number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
            page = db.paginate(query, page=page_number, per_page=current_app.config["PER_PAGE"], max_per_page=200,
                               error_out=False)
    return render_template("privacy/access_log.html", page=page, args=args, problems=problems,
                           purpose_label=purpose_label), \
        (422 if problems and status == 200 else status)


@bp.route("/access-log.csv")
@STEPS.route("read_access_log")
def access_log_csv():
    filters, _args, problems = _filters()
    if problems:
        return redirect(url_for("privacy.access_log_page", **request.args))
    return csv_response(access_log.export_csv(filters, by=current_actor()), "access-log.csv")


@bp.route("/people/<int:person_id>/export.json")
@STEPS.route("export_record")
def export_person(person_id):
    found = record.export_record(people.get_person(person_id), purpose="page.export", by=current_actor())
    body = json.dumps(PersonRecordSchema().dump(found), ensure_ascii=False, indent=2)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="person-{person_id}.json"'
    return response


@bp.route("/requests", methods=["GET", "POST"])
@STEPS.route("subject_requests")
def subject_requests():
    actor = current_actor()
    form = SubjectRequestForm()
    if request.method == "GET":
        form.received_on.data = clock.today()
        form.person_id.data = request.args.get("person_id", "")[:12]
    chosen = id_or_none(form.person_id.data)
    person = db.session.get(Person, chosen) if chosen else None
    q = request.args.get("q", "")[:80].strip()
    matches = list(db.session.scalars(people.search_query(q, by=actor).limit(20))) if q else []
    if q:
        record_access(actor, "people", "search", "page.subject_request_search", detail=people.search_detail(q))
    saved, status = submit(form, lambda: subject.receive(
        people.get_person(chosen or 0), form.kind.data, received_on=form.received_on.data, note=form.note.data or "",
        by=actor))
    if saved is not None:
        flash(_("Request recorded; due on %(day)s.", day=saved.due_on.isoformat()), "success")
        return redirect(url_for("privacy.subject_requests"))
    show = request.args.get("status", "open")
    shown = SubjectRequestStatus(show) if show in {s.value for s in SubjectRequestStatus} else None
    listed = list(db.session.scalars(subject.requests_query(shown, by=actor).limit(500)))
    record_accesses(actor, "person", [p.id for p in matches] + [r.person_id for r in listed]
                    + ([person.id] if person else []), "page.subject_requests")
    return render_template("privacy/subject_requests.html", form=form, person=person, q=q, matches=matches,
                           listed=listed, show=show, today=clock.today(), close_form=CloseForm(),
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                           may_erase=LENDING_STEPS.allows(current_actor(), "erase_person")), status


@bp.route("/requests/<int:request_id>/close", methods=["POST"])
@STEPS.route("subject_requests")
def close_request(request_id):
    found = subject.get_request(request_id)
    form = CloseForm()
    closed, _status = submit(form, lambda: subject.close(found, form.status.data, closed_on=form.closed_on.data,
                                                          note=form.note.data or None, by=current_actor()))
    if closed is not None:
        flash(_("Request %(id)d closed.", id=found.id), "success")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
    return redirect(url_for("privacy.subject_requests"))
