"""Fuzz the REST API from its OpenAPI description (schemathesis) against a fresh live server of its own:
as a supervisor (session cookie) and, smaller, as a picker. No 500s, answers conform to the described
status codes and shapes, and afterwards the books balance (no partial writes)."""
from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from server.api.openapi import spec
from server.domain.errors import CATALOG
from tests.server.security.conftest import assert_books_balance, client

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Answered last, from a throwaway session: they log in and out (and login attempts may be throttled).
AUTH = {("POST", "/auth/login"), ("POST", "/auth/badge"), ("POST", "/auth/logout")}
SEED = 20261123
# More examples for a deeper hunt: WMS_FUZZ_EXAMPLES=100.
SCALE = max(1, int(os.environ.get("WMS_FUZZ_EXAMPLES", "12"))) / 12


def test_every_api_route_is_described(own_server):
    """A route added under /api/v1 without its description fails here."""
    from server.app import create_app
    from server.config import load_settings

    app = create_app(load_settings({"WMS_DATA_DIR": str(own_server.data_dir / "probe"), "WMS_DEMO": "1"}))
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = "/" + "/".join("{" + part.strip("<>").split(":")[-1] + "}" if part.startswith("<") else part
                                  for part in rule.rule.removeprefix("/api/v1/").split("/"))
            routes |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(method.upper(), path) for path, item in spec()["paths"].items() for method in item}
    assert routes - described == set(), "routes missing from the OpenAPI description"
    assert described - routes == set(), "described operations the server does not have"


def test_the_description_is_served_and_written_out(own_server):
    import yaml

    from tests.conftest import ROOT

    served = own_server.session("picker").get(f"{own_server.url}/api/v1/openapi.json", timeout=10)
    assert served.status_code == 200 and served.json() == spec()
    assert requests.get(f"{own_server.url}/api/v1/openapi.json", timeout=10).status_code == 200
    written = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    assert written == spec(), "docs/openapi.yaml is stale: python -m server.api.openapi > docs/openapi.yaml"
    schemathesis.openapi.from_dict(spec())  # loads as a valid OpenAPI 3.1 description
    codes = {code for item in spec()["paths"].values() for op in item.values() for code in op["responses"]}
    assert "500" not in codes
    error = spec()["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["properties"]["code"]["enum"]) == set(CATALOG)


def _fuzz(server, http, examples: int, modes) -> list[str]:
    """Bounded by count, not by a wall-clock budget (which failed on a busy machine with nothing wrong):
    `examples` cases an operation and mode, each request with its own 30 s timeout."""
    schema = schemathesis.openapi.from_dict(spec())
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda op: ((op.method.upper(), op.path) in AUTH, op.path, op.method))
    failures: dict[tuple[str, str], str] = {}
    for operation in operations:
        session = None if (operation.method.upper(), operation.path) in AUTH else http
        for mode in modes:
            _fuzz_operation(f"{server.url}/api/v1", session, operation, mode, examples, failures)
    return list(failures.values())


def _fuzz_operation(base: str, http, operation, mode, examples: int, failures: dict) -> None:
    """`http` None: each case from a fresh session (login and logout must not touch the fuzzing session)."""
    @seed(SEED)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        response = case.call(base_url=base, session=http or requests.Session(), timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except (FailureGroup, Failure) as failure:  # kept, so one run reports every operation's problems
            key = (operation.label, f"{response.status_code} {type(failure).__name__}")
            failures.setdefault(key, f"{operation.label} [{mode.value}] -> {response.status_code}: "
                                     f"{str(failure)[:1500]}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation with no parameters and no body)
        assert mode == GenerationMode.NEGATIVE, operation.label


@pytest.fixture(scope="module")
def logged_in(own_server):
    """Sessions made before any fuzzing: fuzzed log-ins get the address throttled (too_many_attempts)."""
    return {role: client(own_server, role) for role in ("supervisor", "picker")}


def test_fuzz_as_supervisor_no_500_and_the_books_balance(own_server, logged_in):
    failures = _fuzz(own_server, logged_in["supervisor"], examples=round(12 * SCALE),
                     modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    assert not failures, "\n\n".join(failures)
    assert_books_balance(own_server, logged_in["supervisor"])


def test_fuzz_as_picker_no_500_and_the_books_balance(own_server, logged_in):
    failures = _fuzz(own_server, logged_in["picker"], examples=round(4 * SCALE), modes=[GenerationMode.POSITIVE])
    assert not failures, "\n\n".join(failures)
    assert_books_balance(own_server, logged_in["supervisor"])
