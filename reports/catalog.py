"""The reports the center can read, each with who may read it and how it is built.

A report module declares itself with :func:`report`; :func:`load` imports them all, so the pages,
the API and the exports list the same reports. ``build(period, by=user)`` returns a
:class:`reports.tables.Report` for the period (and the one before, to compare with).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from core.errors import NotFound
from core.users import User
from reports.periods import Period
from reports.steps import STEPS
from reports.tables import Report

# The modules that declare reports (each calls ``report`` at import).
MODULES: tuple[str, ...] = ("reports.outcomes", "reports.service", "reports.fund")


@dataclass(frozen=True)
class Kind:
    key: str
    title: Any
    step: str
    build: Callable[..., Report]
    description: Any = ""


KINDS: dict[str, Kind] = {}


def report(key: str, title: Any, step: str, description: Any = "") -> Callable:
    """Declare a report builder ``build(period, *, by) -> Report``."""
    if step not in STEPS.table:
        raise ValueError(f"report {key!r}: unknown step {step!r}")

    def decorator(build):
        KINDS[key] = Kind(key, title, step, build, description)
        return build

    return decorator


def load() -> dict[str, Kind]:
    for module in MODULES:
        importlib.import_module(module)
    return KINDS


def readable(by: User | None) -> list[Kind]:
    return [kind for kind in load().values() if STEPS.allows(by, kind.step)]


def build(key: str, period: Period, *, by: User) -> Report:
    """The report ``key`` for ``period``; raises NotFound for an unknown report, PermissionDenied
    for a reader whose roles may not read it."""
    kind = load().get(key)
    if kind is None:
        raise NotFound(_l("There is no report %(key)s.", key=key))
    STEPS.check(by, kind.step)
    return kind.build(period, by=by)
