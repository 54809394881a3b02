"""No N+1 on the scan page and the device API: the SQL statements of one request do not grow
with the device's history (loans, work orders, scans, audit events) nor with the fleet.

Two databases are built the same way, one with ten times the history of the other, and the
same device is opened in each; the statements are counted at the database driver.
"""
from __future__ import annotations

from sqlalchemy import event, select

from core.db import db
from core.users import User
from devices import services as devices
from devices.models import Condition, ReportKind
from fixtures.lending import lend
from fixtures.maintenance import clean
from fixtures.users import make_actors
from lending.services import loans

SMALL, LARGE = 10, 100


def _build(actors, size: int) -> dict[str, str]:
    """Two devices, each lent, returned and cleaned ``size // 5`` times and scanned ``size`` times
    by staff and by the public, among ``size`` more devices; then due an inspection by their loans,
    with an open problem report, one in stock (held back) and one out on loan. Their tags."""
    device_type = devices.get_type("WC")
    device_type.service_interval_loans = None  # lent over and over first, then due by its loans
    tags = {}
    for final in ("available", "on_loan"):
        device = devices.register_device(device_type, {}, by=actors["staff"])
        for _cycle in range(size // 5):
            loan = lend(actors, device)
            loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
            clean(actors, device)
        for n in range(size):
            devices.register_device(device_type, {"serial": f"S{n}"}, by=actors["staff"])
            devices.record_scan(device, actors["staff"])
            devices.record_scan(device, None, client_key=f"k{n}")
        if final == "on_loan":
            lend(actors, device)
        devices.report_problem(device, ReportKind.PROBLEM, "เบรกหลวม")
        tags[final] = device.tag
    device_type.service_interval_loans = 2
    db.session.commit()
    return tags


def _statements(app, client, url: str, headers: dict | None = None) -> int:
    with app.app_context():
        engine = db.engine
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(seen)


def _both(app, page, api, tag: str) -> tuple[int, int]:
    return _statements(app, page, f"/d/{tag}"), _statements(app, page, f"/api/v1/devices/{tag}", api)


def test_the_scan_page_and_the_device_api_read_as_much_for_a_long_history_as_for_a_short_one(
        app, make_type, client_as, api_headers):
    make_type("WC", inspection_items=["เบรก"], cleaning_steps=["ล้าง"])
    page, api = client_as("staff"), api_headers("staff")
    with app.app_context():
        actors = make_actors("staff", "assessor", "supervisor", "maintenance")
        short = _build(actors, SMALL)
    _statements(app, page, f"/d/{short['available']}")  # the first request warms what a worker reads once
    counts = {f"{final}, short history": _both(app, page, api, tag) for final, tag in short.items()}
    with app.app_context():
        actors = {user.username: user for user in db.session.scalars(select(User))}
        long = _build(actors, LARGE)
    for final in short:
        counts[f"{final}, long history"] = _both(app, page, api, long[final])
        counts[f"{final}, short history in a larger fleet"] = _both(app, page, api, short[final])
        assert len({counts[key] for key in counts if key.startswith(final)}) == 1, counts
    assert all(page_count <= 20 and api_count <= 8 for page_count, api_count in counts.values()), counts
