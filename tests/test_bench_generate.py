"""bench/generate.py at a tiny scale: the benchmark's data keeps the app's invariants, in proportion."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench import generate
from bench.scale import TARGETS
from core.db import db
from devices import services as devices
from devices.models import Device, DeviceType
from tests.fixtures.core import build_app, database_url

SCALE = 0.002


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_generated_data_keeps_the_invariants_in_proportion(kind, tmp_path, monkeypatch, capsys):
    url = database_url(kind, tmp_path)
    if kind == "sqlite":
        monkeypatch.delenv("DATABASE_URL", raising=False)
        argv = [url.removeprefix("sqlite:///")]
    else:
        monkeypatch.setenv("DATABASE_URL", url)
        argv = []
    assert generate.main([*argv, "--scale", str(SCALE)]) == 0
    assert "invariants: all hold" in capsys.readouterr().out

    app = build_app(url, create_schema=False)
    with app.app_context():
        found = generate.check(db.session)
        counts = found.pop("counts")
        assert found == dict.fromkeys(found, 0)
        for name, target in TARGETS.items():
            assert counts[name] == pytest.approx(target * SCALE, rel=0.1), name
        # The app carries on from the data: a new device takes the next tag and id of its type.
        wheelchairs = db.session.scalar(select(DeviceType).where(DeviceType.code == "WC"))
        known = db.session.scalar(select(func.count(Device.id)).where(Device.type_id == wheelchairs.id))
        device = devices.register_device(wheelchairs, {}, by=None)
        db.session.commit()
        assert device.tag == f"BS-WC-{known + 1:05d}"
        db.session.remove()
        db.engine.dispose()

    # A second run keeps a database already built at that scale.
    assert generate.main([*argv, "--scale", str(SCALE), "--if-missing"]) == 0
    assert "already built" in capsys.readouterr().out
