"""The suite's process and its fixtures.

The suite never depends on the day or hour it runs: the process keeps its clock in UTC, as
most servers do, and the fixtures freeze the center's clock for the session
(``fixtures.core``). Fixtures live in ``tests/fixtures/``, one module per domain, loaded
here as plugins; test modules import the plain helpers from there.
"""
from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="lending-instance-"))
for _var in ("DATABASE_URL", "BASE_URL", "TAG_PREFIX", "SECRET_KEY", "CENTER_TIMEZONE"):
    os.environ.pop(_var, None)
# A server in UTC: Bangkok's day starts at 17:00 the day before on this clock.
os.environ["TZ"] = "UTC"
time.tzset()

from core.users import use_fast_hashing  # noqa: E402 - after the environment is set
from fixtures.app_build import quicker_app_builds  # noqa: E402

use_fast_hashing()
quicker_app_builds()

pytest_plugins = [
    "fixtures.core",
    "fixtures.users",
    "fixtures.devices",
    "fixtures.lending",
    "fixtures.fund",
    "fixtures.maintenance",
]
