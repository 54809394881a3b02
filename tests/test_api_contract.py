"""The API keeps its contract: every operation of ``/api/v1/openapi.json``, called by schemathesis.

The operations come from the document itself, so an operation added later is tested without
naming it here. They run in-process (WSGI) as an admin over the demo data set, loaded once for
the module, and each response must pass ``not_a_server_error``, ``response_schema_conformance``
and ``status_code_conformance``, positive and negative examples alike. Path parameters, and
query and body fields that name an object, are drawn from what the API lists (a device's tag,
a loan's id, ...) as well as generated, so that many calls reach a real object. Each call
carries a new admin token, since ``DELETE /api/v1/auth/token`` revokes the one it is given.

Each operation is one subtest driven through schemathesis's hypothesis strategies:
``schemathesis.pytest.from_fixture`` fails under pytest 9.2 (it reads ``Function._nodeid``).

The run is bounded (``MAX_EXAMPLES`` per operation, no deadline) and repeatable: hypothesis is
seeded and the data set is built the same way each time.
"""
from __future__ import annotations

import os
import re

import hypothesis
import pytest
import schemathesis
from hypothesis import core as hypothesis_core
from hypothesis import strategies as st
from hypothesis.internal import entropy
from hypothesis.internal.conjecture import engine
from hypothesis.strategies._internal import collections as hypothesis_collections
from hypothesis.strategies._internal import core as strategies_core
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from core.db import db
from core.users import User, issue_token
from fixtures.core import build_app, with_demo_data

# A deeper run: CONTRACT_EXAMPLES=200 CONTRACT_SEED=7 pytest tests/test_api_contract.py
MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "40"))
SEED = int(os.environ.get("CONTRACT_SEED", "2569"))
SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES, deadline=None, database=None,
    phases=(hypothesis.Phase.explicit, hypothesis.Phase.generate),  # no shrinking: a failing run stays bounded
    suppress_health_check=list(hypothesis.HealthCheck))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
OPENAPI = "/api/v1/openapi.json"
PARAMETER = re.compile(r"\{(\w+)\}")
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "with-security-parameters": False},
    "warnings": False,
})


# What schemathesis patches in hypothesis when it first builds a strategy
# (schemathesis.generation.hypothesis.setup): its printer, buffer size and two helpers.
PATCHED_BY_SCHEMATHESIS = [(hypothesis_core, "RepresentationPrinter"), (hypothesis_core, "BUFFER_SIZE"),
                           (engine, "BUFFER_SIZE"), (hypothesis_collections, "BUFFER_SIZE"),
                           (strategies_core, "is_first_param_referenced_in_function"), (entropy, "register_random")]


@pytest.fixture
def hypothesis_restored(monkeypatch):
    """Hypothesis as it was before this test, for the suite's other property tests (their
    falsifying examples print in full again)."""
    for module, name in PATCHED_BY_SCHEMATHESIS:
        monkeypatch.setattr(module, name, getattr(module, name))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The app over the demo data set (made through the services, as ``flask demo-data`` makes it)."""
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('contract') / 'contract.db'}")
    with_demo_data(app)
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


def is_reference(name: str, value) -> bool:
    """A field that names another object: a numeric id, a tag or a code."""
    if name.endswith("_id"):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str) and (name.endswith("_tag") or name in ("tag", "code", "type", "device_type", "fund"))


def largest_page(operation: dict) -> dict[str, int]:
    """The query that asks a list for its largest page (the document's maximum ``page_size``)."""
    sizes = [p["schema"]["maximum"] for p in operation.get("parameters", []) if p["name"] == "page_size"]
    return {"page_size": sizes[0]} if sizes else {}


def listed_values(app, spec: dict) -> tuple[dict[str, dict[str, list]], dict[str, list]]:
    """Real values read from the lists the API gives: for each templated path the values of its
    first parameter (the ``{tag}`` of ``/api/v1/devices/{tag}`` are the tags ``GET
    /api/v1/devices`` lists: the field named as the parameter, else ``id``), and for each
    field name that refers to an object (``device_tag``, ``person_id``, ...) the values seen."""
    client, headers = app.test_client(), admin_headers(app)
    by_path, by_field = {}, {}
    for path, operations in spec["paths"].items():
        if "get" not in operations or "{" in path:
            continue
        items = client.get(path, query_string=largest_page(operations["get"]), headers=headers).get_json()
        if not isinstance(items, list):
            continue
        for item in items:
            for name, value in item.items():
                if is_reference(name, value):
                    by_field.setdefault(name, set()).add(value)
        for templated in spec["paths"]:
            match = PARAMETER.search(templated)
            if items and match and templated[:match.start()].rstrip("/") == path:
                key = match.group(1) if match.group(1) in items[0] else "id"
                by_path[templated] = {match.group(1): sorted({i[key] for i in items if i.get(key) is not None})}
    for values in by_path.values():
        for name, choices in values.items():
            by_field.setdefault(name, set()).update(choices)
    return by_path, {name: sorted(values, key=str) for name, values in by_field.items()}


def with_known(generated, known: dict[str, list]):
    """The generated values, each field that names an object swapped for a real one as often as not."""
    if not isinstance(generated, dict):
        return st.just(generated)
    fields = {name: st.one_of(st.just(value), st.sampled_from(known[name]))
              for name, value in generated.items() if known.get(name)}
    if not fields:
        return st.just(generated)
    return st.fixed_dictionaries(fields).map(lambda chosen: {**generated, **chosen})


def operation_strategy(operation):
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))


def test_every_operation_answers_as_documented(world, subtests, hypothesis_restored):
    schema = schemathesis.openapi.from_wsgi(OPENAPI, world, config=CONFIG)
    spec = world.test_client().get(OPENAPI).get_json()
    by_path, by_field = listed_values(world, spec)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        return with_known(path_parameters, by_path.get(context.operation.path, {}))

    @schema.hook
    def flatmap_query(context, query):
        return with_known(query, by_field)

    @schema.hook
    def flatmap_body(context, body):
        return with_known(body, by_field)

    called, unreadable = set(), []
    for result in schema.get_all_operations():
        if isinstance(result, Err):   # an operation the document describes wrongly
            unreadable.append(str(result.err()))
            continue
        operation = result.ok()
        called.add(operation.path)
        with subtests.test(msg=operation.label):
            @hypothesis.given(case=operation_strategy(operation))
            @hypothesis.seed(SEED)
            @SETTINGS
            def calls(case):
                case.call_and_validate(headers=admin_headers(world), checks=CHECKS)

            calls()
    assert not unreadable
    assert called == set(spec["paths"]) and len(called) > 40
