"""Label routes: one PNG per device and A4 PDF sheets for a selection of devices.

Staff open them in the browser; API clients fetch the ``label_url`` a device's JSON gives with
their bearer token (``core.auth.accepts_bearer``).
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from core.auth import accepts_bearer, require_internal
from core.db import db
from core.errors import NotFound, ValidationError
from devices.models import Device
from devices.services import device_url, get_device
from labels.render import DEFAULT_LAYOUT, LAYOUTS, LabelData, label_png, sheet_pdf

bp = Blueprint("labels", __name__, url_prefix="/labels")

MAX_TAGS = 500
START = re.compile(r"[0-9]{1,3}")
LAYOUT_NAMES = {
    "3x8": _l("A4, 24 labels of 70 × 37 mm (3 across, 8 down)"),
    "2x7": _l("A4, 14 labels of 99.1 × 38.1 mm (2 across, 7 down)"),
    "3x7": _l("A4, 21 labels of 63.5 × 38.1 mm (3 across, 7 down)"),
}


def label_data(device: Device) -> LabelData:
    config = current_app.config
    return LabelData(tag=device.tag, url=device_url(device.tag), type_th=device.type.name_th,
                     type_en=device.type.name_en, center_name=config["CENTER_NAME_TH"],
                     center_phone=config["CENTER_PHONE"])


def _requested_tags() -> list[str]:
    # Accept both ?tags=A,B,C (the API contract) and repeated ?tags=A&tags=B (a form of checkboxes).
    tags: list[str] = []
    for value in request.args.getlist("tags"):
        tags.extend(t.strip().upper() for t in value.split(",") if t.strip())
    return list(dict.fromkeys(tags))


@bp.route("/<tag>.png")
@accepts_bearer
@require_internal
def label_png_view(tag):
    device = get_device(tag)
    response = make_response(label_png(label_data(device)))
    response.headers["Content-Type"] = "image/png"
    response.headers["Content-Disposition"] = f'inline; filename="{device.tag}.png"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/sheet.pdf")
@accepts_bearer
@require_internal
def sheet():
    tags = _requested_tags()
    layout = request.args.get("layout", DEFAULT_LAYOUT)
    errors = {}
    if not tags:
        errors["tags"] = [_l("Choose at least one device.")]
    elif len(tags) > MAX_TAGS:
        errors["tags"] = [lazy_ngettext("At most %(num)d label at a time.", "At most %(num)d labels at a time.",
                                        MAX_TAGS)]
    if layout not in LAYOUTS:
        errors["layout"] = [_l("Unknown layout; choose one of: %(keys)s", keys=", ".join(LAYOUTS))]
    start = request.args.get("start", "1")
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if not START.fullmatch(start) or not 1 <= int(start) <= LAYOUTS.get(layout, LAYOUTS[DEFAULT_LAYOUT]).per_sheet:
        errors["start"] = [_l("The first position must be a number within the sheet.")]
    if errors:
        raise ValidationError(_l("The label sheet cannot be made."), errors)
    devices = {d.tag: d for d in db.session.scalars(select(Device).where(Device.tag.in_(tags)))}
    missing = [t for t in tags if t not in devices]
    if missing:
        raise NotFound(_l("Unknown tags: %(tags)s", tags=", ".join(missing[:20])), {"tags": missing[:20]})
    pdf = sheet_pdf([label_data(devices[t]) for t in tags], layout, start=int(start),
                    title=_("Device labels"))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = 'inline; filename="labels.pdf"'
    return response


@bp.route("/")
@require_internal
def print_form():
    """Choose a layout and the first free position for the selected devices."""
    return render_template("labels/print.html", tags=_requested_tags(), layouts=LAYOUTS.values(),
                           default_layout=DEFAULT_LAYOUT, layout_names=LAYOUT_NAMES)
