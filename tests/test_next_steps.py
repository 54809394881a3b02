"""No page offers a step the user's role cannot take: every next step on the staff scan page,
for every role and every device status, opens for that role, and so does every step button
on the page it leads to (no 403)."""
from __future__ import annotations

import re

import pytest

from core.db import db
from core.users import User
from devices import services as devices
from devices.models import DeviceStatus
from fixtures.devices import new_type
from fixtures.lending import approved_request
from lending.services import loans, waitlist
from maintenance.services import orders, retirement
from maintenance.models import RetirementKind

ROLES = ("staff", "assessor", "supervisor", "maintenance", "treasurer", "admin")
STEP_LIST = re.compile(r'<ul class="action-list">(.*?)</ul>', re.S)


def _steps(page: str) -> list[tuple[str, str]]:
    """(method, url) of each step offered on a scan page."""
    found = STEP_LIST.search(page)
    if not found:
        return []
    block = found.group(1)
    posts = [("post", url) for url in re.findall(r'<form method="post" action="([^"]+)"', block)]
    gets = [("get", url) for url in re.findall(r'<a role="button" href="([^"]+)"', block)]
    return posts + gets


def _buttons(page: str) -> list[str]:
    """The step buttons of the forms that post back to the page itself."""
    return re.findall(r'<button type="submit" name="step" value="(\w+)"', page)


def _device_in(status: DeviceStatus, users: dict[str, User]) -> str:
    """A device brought to ``status`` through the services, with what goes with it."""
    device = devices.register_device(new_type(), {}, by=None)
    if status in (DeviceStatus.RETIRED, DeviceStatus.LOST):
        kind = RetirementKind.RETIRE if status == DeviceStatus.RETIRED else RetirementKind.LOST
        retirement.decide(retirement.request_retirement(device, kind, "ทดสอบ", by=users["staff"]), True, "",
                           by=users["supervisor"])
    elif status != DeviceStatus.AVAILABLE:
        req = approved_request(users)
        waitlist.reserve(req, device, by=users["staff"], reason="ทดสอบ")
        if status != DeviceStatus.RESERVED:
            loan = loans.deliver(req, device, instructions=loans.checklist(device), acknowledged_by="ก",
                                 by=users["staff"])
            if status != DeviceStatus.ON_LOAN:
                loans.receive_return(loan, device.condition, by=users["staff"])
                if status == DeviceStatus.IN_MAINTENANCE:
                    orders.start(orders.open_orders(device)[0], by=users["maintenance"])
    db.session.commit()
    assert device.status == status
    return device.tag


def _tag_in(app, status, user_ids) -> str:
    with app.app_context():
        return _device_in(status, {role: db.session.get(User, uid) for role, uid in user_ids.items()})


@pytest.mark.parametrize("status", list(DeviceStatus))
def test_every_step_offered_opens_for_the_role(app, actor_ids, login, status):
    tag = _tag_in(app, status, actor_ids)
    for role in ROLES:
        client = login(app.test_client(), actor_ids[role])
        for method, url in _steps(client.get(f"/d/{tag}").get_data(as_text=True)):
            response = getattr(client, method)(url, follow_redirects=True)
            assert response.status_code not in (403, 500), (role, status.value, method, url)
            landing = response.request.path
            for step in _buttons(response.get_data(as_text=True)):
                tried = client.post(landing, data={"step": step})
                assert tried.status_code not in (403, 500), (role, status.value, url, landing, step)


def test_the_check_sees_the_steps_and_the_buttons(app, actor_ids, login):
    tag = _tag_in(app, DeviceStatus.RETURNED, actor_ids)
    staff = login(app.test_client(), actor_ids["staff"])
    offered = _steps(staff.get(f"/d/{tag}").get_data(as_text=True))
    assert ("get", f"/maintenance/d/{tag}/retire") in offered
    technician = login(app.test_client(), actor_ids["maintenance"])
    order_page = technician.get(f"/maintenance/d/{tag}", follow_redirects=True).get_data(as_text=True)
    assert _buttons(order_page) == ["start", "part", "finish"]
