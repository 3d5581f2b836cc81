"""Fuzzing every operation with schemathesis: no server error, and the OpenAPI schema
states every rule the API enforces.

The schema is loaded from the application itself (``/api/openapi.json`` through Django's
WSGI handler, in-process, no server). Each operation gets ``MAX_EXAMPLES`` generated
requests, derandomized (same requests at every run), authenticated with the token of a user
who owns a practice and an assessment; generated ids are pointed at those objects so the
bodies reach the services and the engine rather than stopping at a 404.

Besides « no 500 » and the responses' conformance (status codes, content types, bodies and
headers as documented), two checks compare the rules: a request the schema calls valid must
not be refused as invalid (``positive_data_acceptance``: a 400/422 there means the API
enforces a rule the schema does not state), and a request the schema calls invalid must be
refused (``negative_data_rejection``). Rules that depend on the data rather than on the
request's form are met by pointing the generated values at real data, as for the ids: a
well-formed commune code at a real commune, the profile's reference year at the assessment's.
One rule cannot be stated in OpenAPI: what one answer accepts depends on the question named
in the path (``PATCH …/answers/{section}/{field}``; per question in ``GET /api/schema``), so
that operation is exempt from ``positive_data_acceptance`` only.
"""

from __future__ import annotations

import re
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from kineco2.api.schemas import MAX_ID
from kineco2.engine.geography import COMMUNE_PATTERN, CommuneError, locate, patient_zones_for
from kineco2.practices.answers import field_specs
from kineco2.wsgi import application

MAX_EXAMPLES = 15
#: Real communes the generated well-formed codes are pointed at (a random code rarely is one).
#: « INSEE 97411 »: the prefix that lifts an ambiguity (the bare ambiguous code is refused, as
#: the description says: tests/api/test_patient_zone.py).
COMMUNES = ("35000", "69123", "2A004", "INSEE 97411", "75011", "CP 97410", "29242")

#: The coverage phase (boundary values of every constraint, deterministic) has no example
#: cap: for the two operations whose body is the whole engine input it would send ~1 100
#: requests each, so those two get the fuzzing phase only (positive and negative bodies).
ASSESSMENT_ANSWERS_PATH = "/api/assessments/{assessment_id}/answers"  # PUT
ENGINE_INPUT_PATHS = [ASSESSMENT_ANSWERS_PATH, "/api/compute"]  # PUT, POST
#: The answer's rules depend on the question in the path: OpenAPI cannot state them.
ONE_ANSWER_PATH = "/api/assessments/{assessment_id}/answers/{section}/{field}"
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.unsupported_method,
    checks.missing_required_header,
    checks.ignored_auth,
    checks.negative_data_rejection,
    checks.positive_data_acceptance,
]
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
        if isinstance(value, str) and re.fullmatch(COMMUNE_PATTERN, value):
            holder["commune"] = COMMUNES[zlib.crc32(value.encode()) % len(COMMUNES)]


def _same_year(case, assessment) -> None:
    """The profile's reference year, if given, must be the assessment's (422 otherwise)."""
    if case.operation.path != ASSESSMENT_ANSWERS_PATH or not isinstance(case.body, dict):
        return
    profile = case.body.get("profile")
    year = profile.get("reference_year") if isinstance(profile, dict) else None
    if isinstance(year, int | float) and not isinstance(year, bool):
        profile["reference_year"] = assessment.reference_year


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _cross_rules(case) -> None:
    """Meet the rules between answers that the operations' descriptions state and JSON
    Schema cannot (``CROSS_RULES`` in kineco2.api.api): a generated body breaks them by
    chance, which says nothing about the schema."""
    body = case.body if isinstance(case.body, dict) else {}
    if case.operation.path == "/api/practices" and case.method.upper() == "POST":
        # « seul » (the default) is refused for 2 kinés or more.
        count = _number(body.get("practitioners"))
        if count is not None and count >= 2 and body.get("practice_mode", "seul") == "seul":
            body["practice_mode"] = "groupe"
    profile = body.get("profile")
    if isinstance(profile, dict):
        zone, commune = profile.get("patient_zone"), profile.get("commune")
        try:
            territory = locate(commune).territory if commune in COMMUNES else None
        except CommuneError:  # 97411 is ambiguous on purpose: refused whatever the zone
            territory = None
        if isinstance(zone, str) and territory:
            allowed = patient_zones_for(territory)
            if zone not in allowed:
                profile["patient_zone"] = allowed[zlib.crc32(zone.encode()) % len(allowed)]
        home = _number(profile.get("home_visit_percent"))
        tele = _number(profile.get("telehealth_percent"))
        if home is not None and tele is not None and home + tele > 100:
            profile["telehealth_percent"] = 100 - home
        sessions = _number(profile.get("sessions_per_year"))
        practitioners = _number(profile.get("practitioners"))
        if sessions is not None and practitioners and sessions > 15_000 * practitioners:
            profile["sessions_per_year"] = int(15_000 * practitioners)
    trips = body.get("deplacements_patients")
    if isinstance(trips, dict):
        car = _number(trips.get("survey_car_percent"))
        active = _number(trips.get("survey_walk_bike_percent"))
        if car is not None and active is not None and car + active > 100:
            trips["survey_walk_bike_percent"] = 100 - car


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
def test_schema_states_every_rule(case, in_process_db, token, practice, assessment):
    _point_at(case, "practice_id", practice.pk)
    _point_at(case, "assessment_id", assessment.pk)
    _real_field(case)
    _real_commune(case)
    _same_year(case, assessment)
    _cross_rules(case)
    selected = CHECKS
    if case.operation.path == ONE_ANSWER_PATH:
        selected = [check for check in CHECKS if check is not checks.positive_data_acceptance]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=selected)
