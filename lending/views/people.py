"""People pages: search, register (with consent), view (access logged) and edit."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import clock
from core.audit import record_access, record_accesses
from core.auth import current_actor
from core.paging import list_page
from core.forms import int_or_none, submit
from lending.forms import LifeStatusForm, NewPersonForm, PersonForm, ReferralForm
from lending.labels import (CARE_TASK_LABELS, CARER_LABELS, CHRONIC_LABELS, DISABILITY_LABELS,
                            REFERRAL_STATUS_LABELS)
from lending.services import history, people
from lending.steps import STEPS

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.route("")
@STEPS.route("read_people")
def person_list():
    actor = current_actor()
    q, tambon, moo = (request.args.get(k, "")[:80] for k in ("q", "tambon", "moo"))
    page_number = min(max(request.args.get("page", 1, type=int), 1), 100_000)  # past that: an empty page
    page = list_page(people.search_query(q, tambon, moo, by=actor), page_number,
                     current_app.config["PER_PAGE"], searching=bool(q))
    if q or tambon or moo:
        record_access(actor, "people", "search", "page.search", detail=people.search_detail(q, tambon, moo))
    record_accesses(actor, "person", [p.id for p in page.items], "page.people")
    return render_template("lending/person_list.html", page=page, q=q, tambon=tambon, moo=moo,
                           pick=request.args.get("pick") == "1")


@bp.route("/new", methods=["GET", "POST"])
@STEPS.route("register_person")
def person_new():
    form = NewPersonForm()
    consent = {"given_by": form.consent_by.data or "", "relation": form.consent_relation.data or ""}
    person, status = submit(form, lambda: people.create_person(form.to_data(), consent, by=current_actor()))
    if person is not None:
        flash(_("%(name)s registered.", name=person.full_name), "success")
        if request.args.get("next") == "intake":
            return redirect(url_for("requests.request_new", person_id=person.id))
        return redirect(url_for("people.person_view", person_id=person.id))
    return render_template("lending/person_form.html", form=form, person=None), status


@bp.route("/<int:person_id>")
@STEPS.route("read_people")
def person_view(person_id):
    actor = current_actor()
    person = people.get_person(person_id)
    record_access(actor, "person", person.id, "page.view")
    past = history.person_history(person)
    return render_template(
        "lending/person_view.html", person=person, full_id=people.may_see_full_id(actor),
        disability_labels=DISABILITY_LABELS, chronic_labels=CHRONIC_LABELS, care_task_labels=CARE_TASK_LABELS,
        carer_labels=CARER_LABELS, referral_status_labels=REFERRAL_STATUS_LABELS, today=clock.today(),
        may_care=STEPS.allows(actor, "care"),
        life_form=LifeStatusForm(status=person.life_status.value, on=clock.today()), referral_form=ReferralForm(),
        requests=past.requests, person_loans=past.loans, assessments=past.assessments, visits=past.follow_ups)


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@STEPS.route("edit_person")
def person_edit(person_id):
    person = people.get_person(person_id)
    form = PersonForm(obj=person)
    if request.method == "GET":
        form.version.data = person.version
    saved, status = submit(form, lambda: people.update_person(
        person, form.to_data(), version=int_or_none(form.version.data), by=current_actor()))
    if saved is not None:
        flash(_("%(name)s saved.", name=person.full_name), "success")
        return redirect(url_for("people.person_view", person_id=person.id))
    form.version.data = person.version
    return render_template("lending/person_form.html", form=form, person=person), status
