"""Fuzzing every operation with schemathesis: no input may produce a server error.

The schema is loaded from the application itself (``/api/openapi.json`` through Django's
WSGI handler, in-process, no server). Each operation gets ``MAX_EXAMPLES`` generated
requests, derandomized (same requests at every run), authenticated with the token of a user
who owns a practice and an assessment; generated ids are pointed at those objects so the
bodies reach the services and the engine rather than stopping at a 404.
"""

from __future__ import annotations

import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from kineco2.api.schemas import MAX_ID
from kineco2.practices.answers import field_specs
from kineco2.wsgi import application

MAX_EXAMPLES = 15
#: Real communes the generated bodies are pointed at (random text is never a commune).
COMMUNES = ("35000", "69123", "2A004", "97411", "75011", "CP 97410", "29242")  # 97411: ambiguous

#: The coverage phase (boundary values of every constraint, deterministic) has no example
#: cap: for the two operations whose body is the whole engine input it would send ~1 100
#: requests each, so those two get the fuzzing phase only (positive and negative bodies).
ENGINE_INPUT_PATHS = ["/api/assessments/{assessment_id}/answers", "/api/compute"]  # PUT, POST
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20250101,
        "operations": [
            {"include-path": path, "phases": {"coverage": {"enabled": False}}}
            for path in ENGINE_INPUT_PATHS
        ],
    }
)

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)


@pytest.fixture
def in_process_db():
    """Keep the test's database connection across requests, as ``django.test.Client`` does.

    Django's WSGI handler closes "obsolete" connections at each request's start and end; in
    a test transaction that would close the connection and lose the test database.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _point_at(case, name: str, real_id: int) -> None:
    value = case.path_parameters.get(name) if case.path_parameters else None
    if isinstance(value, int) and 1 <= value <= MAX_ID:
        case.path_parameters[name] = real_id


def _real_field(case) -> None:
    """Most generated question names are unknown (404): use a real one of the section."""
    params = case.path_parameters or {}
    section, field = params.get("section"), params.get("field")
    if not isinstance(section, str) or not isinstance(field, str):
        return
    try:
        specs = field_specs(section)
    except KeyError:
        return
    if field not in {spec.name for spec in specs}:
        params["field"] = specs[zlib.crc32(field.encode()) % len(specs)].name


def _real_commune(case) -> None:
    """A well-formed but random commune code is unknown (422): use a real one."""
    body = case.body if isinstance(case.body, dict) else {}
    for holder in (body, body.get("profile")):
        value = holder.get("commune") if isinstance(holder, dict) else None
        if isinstance(value, str) and 1 <= len(value) <= 10:
            holder["commune"] = COMMUNES[zlib.crc32(value.encode()) % len(COMMUNES)]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy, for 0 sessions a year
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error(case, in_process_db, token, practice, assessment):
    _point_at(case, "practice_id", practice.pk)
    _point_at(case, "assessment_id", assessment.pk)
    _real_field(case)
    _real_commune(case)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_schema_conformance,
            checks.unsupported_method,
        ],
    )
