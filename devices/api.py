"""JSON API for device types and devices (DESIGN.md section 7)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.auth import current_actor, require_internal
from core.paging import SelectPage
from devices import holds, services
from devices.models import Device, DeviceType
from devices.steps import STEPS
from devices.schemas import (AuditEventSchema, DeviceCreateSchema, DeviceDetailSchema, DeviceQuerySchema,
                             DeviceSchema, DeviceTypeSchema, DeviceTypeUpdateSchema, DeviceUpdateSchema,
                             HoldOverrideSchema)

bp = Blueprint("devices_api", __name__, url_prefix="/api/v1", description="Device types and devices")


def _with_counts(types: list[DeviceType]) -> list[DeviceType]:
    counts = services.device_counts_by_type()
    for device_type in types:
        device_type.device_count = counts.get(device_type.id, 0)
    return types


@bp.route("/device-types")
class DeviceTypes(MethodView):
    @require_internal
    @bp.response(200, DeviceTypeSchema(many=True))
    def get(self):
        """List device types."""
        return _with_counts(services.list_types())

    @STEPS.route("manage_types")
    @bp.arguments(DeviceTypeSchema)
    @bp.response(201, DeviceTypeSchema)
    def post(self, data):
        """Create a device type (admin)."""
        device_type = services.create_type(data, by=current_actor())
        return _with_counts([device_type])[0]


@bp.route("/device-types/<code>")
class DeviceTypeItem(MethodView):
    @require_internal
    @bp.response(200, DeviceTypeSchema)
    def get(self, code):
        """One device type."""
        return _with_counts([services.get_type(code)])[0]

    @STEPS.route("manage_types")
    @bp.arguments(DeviceTypeUpdateSchema)
    @bp.response(200, DeviceTypeSchema)
    def patch(self, data, code):
        """Edit a device type (admin); send the ``version`` you read."""
        device_type = services.get_type(code)
        version = data.pop("version")
        services.update_type(device_type, data, version=version, by=current_actor())
        return _with_counts([device_type])[0]


@bp.route("/devices")
class Devices(MethodView):
    @require_internal
    @bp.arguments(DeviceQuerySchema, location="query")
    @bp.response(200, DeviceSchema(many=True))
    @bp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args):
        """List devices; filter by ``q`` (tag, serial, brand, model), ``type`` and ``status``.

        Paginated with ``page`` and ``page_size``; the ``X-Pagination`` header has the totals.
        """
        return services.device_query(args["q"], args["type"], args["status"])

    @STEPS.route("register")
    @bp.arguments(DeviceCreateSchema)
    @bp.response(201, DeviceSchema)
    def post(self, data):
        """Register a device; its tag is generated from the type (``BS-WC-00042``)."""
        device_type = services.get_type(data.pop("type"))
        device = services.register_device(device_type, data, by=current_actor())
        return device


def _with_holds(device: Device) -> Device:
    state = holds.hold_states([device])[device.id]
    device.holds = [{"code": h.code, "reason": str(h.reason), "overridden": h not in state.blocking}
                    for h in state.holds]
    device.lendable = device.can_be_lent() and not state.blocking
    return device


@bp.route("/devices/<tag>")
class DeviceItem(MethodView):
    @require_internal
    @bp.response(200, DeviceDetailSchema)
    def get(self, tag):
        """One device by tag, with what holds it back from lending."""
        return _with_holds(services.get_device(tag))

    @STEPS.route("edit")
    @bp.arguments(DeviceUpdateSchema)
    @bp.response(200, DeviceSchema)
    def patch(self, data, tag):
        """Edit a device; send the ``version`` you read. A stale version gets a 409."""
        device = services.get_device(tag)
        version = data.pop("version")
        services.update_device(device, data, version=version, by=current_actor())
        return device


@bp.route("/devices/<tag>/hold-override", methods=["POST"])
@STEPS.route("override_hold")
@bp.arguments(HoldOverrideSchema)
@bp.response(201, DeviceDetailSchema)
def hold_override(data, tag):
    """Lend the device despite what holds it back now (a supervisor, with a written reason; audited).

    The override covers the holds the device has now, not later ones, and the next delivery uses it up.
    """
    device = services.get_device(tag)
    holds.override(device, data["reason"], by=current_actor())
    return _with_holds(device)


@bp.route("/devices/<tag>/history")
class DeviceHistory(MethodView):
    @require_internal
    @bp.response(200, AuditEventSchema(many=True))
    def get(self, tag):
        """Every recorded change of the device, newest first."""
        return services.device_history(services.get_device(tag))
