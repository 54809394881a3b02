"""The API keeps its contract: every operation of ``/api/v1/openapi.json``, called by schemathesis.

The operations come from the document itself, so an operation added later is tested without
naming it here. They run in-process (WSGI) as an admin over the demo data set, loaded once for
the module, and each response must pass ``not_a_server_error``, ``response_schema_conformance``
and ``status_code_conformance``. Path parameters are drawn from the objects the API lists (a
device's tag, a loan's id, ...) as well as generated, so that most calls reach a real object.

The run is bounded (``MAX_EXAMPLES`` per operation, no deadline) and repeatable: hypothesis is
derandomized and the data set is built the same way each time.
"""
from __future__ import annotations

import re

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from core.db import db
from core.users import User, issue_token
from demo.cli import load_demo_data
from fixtures.core import build_app

MAX_EXAMPLES = 20
PHASES = (hypothesis.Phase.explicit, hypothesis.Phase.generate)  # no shrinking: a failing run stays bounded
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
OPENAPI = "/api/v1/openapi.json"
PARAMETER = re.compile(r"\{(\w+)\}")
CONFIG = schemathesis.Config.from_dict({
    "seed": 2569,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
    "warnings": False,
})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The app over the demo data set (made through the services, as ``flask demo-data`` makes it)."""
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('contract') / 'contract.db'}")
    with app.app_context():
        load_demo_data()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def admin_headers(app) -> dict[str, str]:
    """A new admin token (an operation under test may revoke the one it is called with)."""
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        token, _row = issue_token(admin)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def listed_values(app, spec: dict) -> dict[str, dict[str, list]]:
    """For each templated path, real values of its first parameter: the ``{tag}`` of
    ``/api/v1/devices/{tag}`` are the tags ``GET /api/v1/devices`` lists (the field named as the
    parameter, else ``id``)."""
    client, headers, found = app.test_client(), admin_headers(app), {}
    for path in spec["paths"]:
        match = PARAMETER.search(path)
        if match is None:
            continue
        collection, name = path[:match.start()].rstrip("/"), match.group(1)
        if "get" not in spec["paths"].get(collection, {}):
            continue
        items = client.get(collection, query_string={"page_size": 500}, headers=headers).get_json()
        if isinstance(items, list) and items:
            key = name if name in items[0] else "id"
            found[path] = {name: sorted({item[key] for item in items if item.get(key) is not None})}
    return found


def with_listed_values(generated: dict, values: dict[str, list]):
    """Path parameters that name a real object as often as generated ones."""
    if not values:
        return st.just(generated)
    chosen = st.fixed_dictionaries({name: st.sampled_from(choices) for name, choices in values.items()})
    return st.one_of(chosen.map(lambda real: {**generated, **real}), st.just(generated))


def operation_strategy(operation):
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))


def test_every_operation_answers_as_documented(world, subtests):
    schema = schemathesis.openapi.from_wsgi(OPENAPI, world, config=CONFIG)
    known = listed_values(world, world.test_client().get(OPENAPI).get_json())

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        return with_listed_values(path_parameters, known.get(context.operation.path, {}))

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    for operation in operations:
        with subtests.test(msg=operation.label):
            @hypothesis.given(case=operation_strategy(operation))
            @hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, phases=PHASES,
                                 suppress_health_check=list(hypothesis.HealthCheck))
            def calls(case):
                case.call_and_validate(headers=admin_headers(world), checks=CHECKS)

            calls()
