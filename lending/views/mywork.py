"""A home visitor's day ("my work") and the zones the volunteers cover."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock
from core.audit import record_accesses
from core.auth import current_actor
from core.db import db
from core.forms import attempt
from core.errors import NotFound
from core.input_guards import id_or_none
from core.users import User
from lending.services import worklist
from lending.steps import STEPS

bp = Blueprint("mywork", __name__)


@bp.route("/my-work")
@STEPS.route("visit")
def my_work():
    actor = current_actor()
    horizon = min(max(request.args.get("days", 7, type=int), 0), 90)
    today = clock.today()
    day = worklist.my_work(actor, today, horizon)
    record_accesses(actor, "person", [visit.person.id for _area, visits in day.assessments + day.follow_ups
                                      for visit in visits], "page.my_work")
    return render_template("lending/my_work.html", day=day, today=today, horizon=horizon)


def _parse_zones(text: str) -> list[worklist.Area]:
    zones = []
    for line in (text or "").splitlines():
        if line.strip():
            tambon, _sep, moo = line.strip().rpartition("/")
            zones.append((tambon, moo))
    return zones


@bp.route("/zones", methods=["GET", "POST"])
@STEPS.route("set_zones")
def zones():
    """Which moo each home visitor covers (one ``tambon/moo`` per line)."""
    status = 200
    if request.method == "POST":
        user = db.session.get(User, id_or_none(request.form.get("user_id")) or 0)
        if user is None:
            raise NotFound(_l("There is no such user."), {"user_id": [_l("Unknown user.")]})
        _saved, error = attempt(lambda: worklist.set_zones(user, _parse_zones(request.form.get("zones", "")[:4000]),
                                                           by=current_actor()))
        if error is None:
            flash(_("Zones of %(name)s saved.", name=user.display_name or user.username), "success")
            return redirect(url_for("mywork.zones"))
        flash(str(error.message), "error")
        status = 422
    visitors = worklist.home_visitors()
    return render_template("lending/zones.html", visitors=visitors,
                           zones={user.id: worklist.zones_of(user) for user in visitors}), status
