"""Who may take each step: one table per domain, read by the route, the service and the pages.

A domain writes its steps once (``STEPS = Steps({"deliver": (Role.STAFF,), ...})``) and
every check reads that table: the view's decorator (``@STEPS.route("deliver")``), the
service's check (``STEPS.check(by, "deliver")``), and the device pages' list of next steps
(``STEPS.allows(user, "deliver")``). Admins may take every step.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask_babel import lazy_gettext as _l

from core.auth import require_role
from core.errors import PermissionDenied
from core.users import Role, User


class Steps:
    def __init__(self, table: Mapping[str, tuple[Role, ...]]):
        self.table = dict(table)

    def roles(self, *steps: str) -> tuple[Role, ...]:
        """The roles that may take any of these steps, admins included (for ``require_role``)."""
        found: list[Role] = []
        for step in steps:
            found.extend(role for role in self.table[step] if role not in found)
        return (*found, Role.ADMIN)

    def allows(self, user: User | None, step: str) -> bool:
        return user is not None and user.has_role(*self.roles(step))

    def check(self, user: User | None, step: str) -> None:
        """Refuse (403) a user whose roles may not take this step."""
        if not self.allows(user, step):
            raise PermissionDenied(_l("Your role may not take this step."))

    def route(self, *steps: str) -> Callable:
        """The view decorator: only users who may take one of these steps."""
        return require_role(*self.roles(*steps))
