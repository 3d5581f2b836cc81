"""Bad input is a 422 with French messages, never a 500; conflicts are 409."""

from __future__ import annotations

import json

import pytest

from kineco2.practices.models import Assessment

from .conftest import PROFILE

pytestmark = pytest.mark.django_db

FRENCH_WORDS = (
    "doit",
    "ne peut",
    "inconnu",
    "obligatoire",
    "attendu",
    "valeur",
    "nombre",
    "JSON valide",
)


def details(response) -> list[dict]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"detail"}
    for item in body["detail"]:
        assert isinstance(item["loc"], list)
        assert item["msg"]
    return body["detail"]


def by_loc(items: list[dict]) -> dict[tuple, str]:
    return {tuple(item["loc"]): item["msg"] for item in items}


def test_unknown_commune_on_practice_creation(token_api):
    response = token_api.post(
        "/api/practices", {"name": "Cabinet", "commune": "00000", "practitioners": 1}
    )
    msgs = by_loc(details(response))
    assert msgs[("body", "commune")].startswith("Commune inconnue : « 00000 »")


def test_practice_body_errors_are_french(token_api):
    response = token_api.post(
        "/api/practices",
        {"name": "", "commune": "35000", "practitioners": 0, "practice_mode": "hopital"},
    )
    msgs = by_loc(details(response))
    assert "supérieur ou égal à 1" in msgs[("body", "practitioners")]
    assert "valeur non reconnue 'hopital'" in msgs[("body", "practice_mode")]
    assert "' ou '" in msgs[("body", "practice_mode")]
    assert ("body", "name") in msgs


def test_control_characters_are_refused(token_api):
    response = token_api.post("/api/practices", {"name": "Cab\x00inet", "commune": "35000"})
    assert "caractères de contrôle" in by_loc(details(response))[("body", "name")]


def test_put_answers_uses_the_engine_messages(token_api, assessment):
    response = token_api.put(
        f"/api/assessments/{assessment.pk}/answers",
        {
            "profile": {"commune": "99999", "practitioners": 1000, "surface_m2": "grand"},
            "energie": {"electricity_kwh": -5, "kwh": 3},
        },
    )
    msgs = by_loc(details(response))
    assert msgs[("body", "profile", "commune")].startswith("Commune inconnue")
    assert msgs[("body", "profile", "practitioners")] == (
        "Nombre de kinésithérapeutes : ne peut pas dépasser 100 kinés (vous avez saisi "
        "1\u202f000) : vérifiez l'unité"
    )
    assert "« grand » n'est pas un nombre" in msgs[("body", "profile", "surface_m2")]
    assert "supérieur ou égal à 0" in msgs[("body", "energie", "electricity_kwh")]
    assert "champ inconnu" in msgs[("body", "energie", "kwh")]
    # nothing was saved
    assert Assessment.objects.get(pk=assessment.pk).answers == assessment.answers


def test_put_answers_cross_field_rule(token_api, assessment):
    response = token_api.put(
        f"/api/assessments/{assessment.pk}/answers",
        {"profile": {**PROFILE, "home_visit_percent": 80, "telehealth_percent": 40}},
    )
    msg = by_loc(details(response))[("body", "profile")]
    assert "ne peut pas dépasser 100 %" in msg


def test_put_answers_reference_year_must_match(token_api, assessment):
    response = token_api.put(
        f"/api/assessments/{assessment.pk}/answers",
        {"profile": {**PROFILE, "reference_year": 2020}},
    )
    msg = by_loc(details(response))[("body", "profile", "reference_year")]
    assert "différente de celle du bilan (2024)" in msg


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{", "n'est pas du JSON valide"),
        ('{"profile": {"commune": "35000", "practitioners": NaN}}', "« NaN »"),
        ('{"profile": {"commune": "35000", "practitioners": Infinity}}', "« Infinity »"),
        ('{"profile": {"commune": "35000", "practitioners": -Infinity}}', "« -Infinity »"),
        ('{"profile": {"practitioners": ' + "9" * 5000 + "}}", "trop de chiffres"),
        ("[" * 100_000 + "]" * 100_000, "trop imbriqué"),
        ("[" * 40 + "]" * 40, "trop imbriqué"),
        (b"\xff\xfe\x00garbage", "JSON"),
    ],
)
def test_unreadable_bodies_are_422(token_api, assessment, raw, expected):
    for url in (f"/api/assessments/{assessment.pk}/answers", "/api/compute"):
        method = token_api.put if url.endswith("answers") else token_api.post
        items = details(method(url, raw=raw))
        assert items[0]["loc"] == ["body"]
        assert expected in items[0]["msg"]


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "profil",
        42,
        {"profile": None},
        {"profile": {"commune": 35000, "practitioners": 1}},
        {"profile": {"commune": "35000", "practitioners": 10**30}},
        {"profile": {"commune": "35000", "practitioners": 1, "surface_m2": 1e308}},
        {"profile": {"commune": "35000", "practitioners": 1, "surface_m2": 10**400}},
        {"profile": {"commune": "35000" * 100, "practitioners": 1}},
        {"profile": {**PROFILE}, "energie": [1, 2, 3]},
        {"profile": {**PROFILE}, "schema_version": "2.0"},
        {"profile": {**PROFILE}, "energie": {"heating_energy": {"a": [1, {"b": None}]}}},
    ],
)
def test_absurd_engine_input_is_422(token_api, assessment, body):
    for response in (
        token_api.put(f"/api/assessments/{assessment.pk}/answers", body),
        token_api.post("/api/compute", body),
    ):
        for item in details(response):
            assert item["loc"][0] == "body"
            assert any(word in item["msg"] for word in FRENCH_WORDS), item


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/practices/0", ["path", "practice_id"]),
        (f"/api/practices/{2**63}", ["path", "practice_id"]),
        (f"/api/assessments/{10**40}", ["path", "assessment_id"]),
        ("/api/assessments/abc", ["path", "assessment_id"]),
        ("/api/factors?version=" + "x" * 50, ["query", "version"]),
        ("/api/factors?version=%00", ["query", "version"]),
    ],
)
def test_bad_path_and_query_are_422(token_api, url, loc):
    items = details(token_api.get(url))
    assert items[0]["loc"] == loc


@pytest.mark.parametrize("draws", ["-1", "20001", "abc", str(2**64), "50"])
def test_draws_bounds(token_api, assessment, draws):
    for url in (f"/api/assessments/{assessment.pk}/compute", "/api/compute"):
        body = {"profile": PROFILE} if url == "/api/compute" else None
        items = details(token_api.post(f"{url}?draws={draws}", body))
        assert items[0]["loc"] == ["query", "draws"]


def test_compute_incomplete_assessment_is_422(token_api, practice):
    assessment = Assessment.objects.create(practice=practice, reference_year=2023, answers={})
    for response in (
        token_api.post(f"/api/assessments/{assessment.pk}/compute"),
        token_api.get(f"/api/assessments/{assessment.pk}/results"),
    ):
        items = details(response)
        assert items[0]["loc"] == ["answers", "profile"]
        assert "profil du cabinet n'est pas rempli" in items[0]["msg"]


def test_create_assessment_bad_year(token_api, practice):
    items = details(
        token_api.post(f"/api/practices/{practice.pk}/assessments", {"reference_year": 1990})
    )
    assert "supérieur ou égal à 2015" in items[0]["msg"]


class TestSaveAnswer:
    def url(self, assessment, section="energie", field="electricity_kwh"):
        return f"/api/assessments/{assessment.pk}/answers/{section}/{field}"

    def test_bad_value_is_422_and_nothing_changes(self, token_api, assessment):
        items = details(token_api.patch(self.url(assessment), {"value": "beaucoup"}))
        assert items[0] == {
            "loc": ["body", "value"],
            "msg": "« beaucoup » n'est pas un nombre. Exemple : 1 234,5",
            "type": "value_error",
        }
        items = details(token_api.patch(self.url(assessment), {"value": 10**9}))
        assert items[0]["msg"] == (
            "Ne peut pas dépasser 500\u202f000 kWh (vous avez saisi 1\u202f000\u202f000\u202f000) : "
            "vérifiez l'unité."
        )
        items = details(token_api.patch(self.url(assessment), {"value": "14.200"}))
        assert items[0]["msg"] == ("« 14.200 » : voulez-vous dire 14\u202f200 kWh ou 14,2 kWh ?")
        assert Assessment.objects.get(pk=assessment.pk).revision == assessment.revision

    @pytest.mark.parametrize(
        "value", ["9" * 400, "9" * 100, [1, 2], {"a": 1}, True, -1, 1e300, "1e5", "NaN"]
    )
    def test_absurd_values_are_422(self, token_api, assessment, value):
        for field in ("electricity_kwh", "heating_energy"):
            details(token_api.patch(self.url(assessment, field=field), {"value": value}))
        details(token_api.patch(self.url(assessment, "profile", "practitioners"), {"value": value}))

    def test_absurd_previous_is_not_a_500(self, token_api, assessment):
        url = self.url(assessment, "profile", "practitioners")
        response = token_api.patch(url, {"value": 3, "previous": "9" * 400})
        assert response.status_code == 422
        response = token_api.patch(url, {"value": 3, "previous": "9" * 99})
        assert response.status_code in (200, 409)

    def test_missing_value_is_422(self, token_api, assessment):
        items = details(token_api.patch(self.url(assessment), {"previous": 3}))
        assert items[0]["loc"] == ["body", "value"]
        assert items[0]["msg"] == "réponse obligatoire"

    def test_unknown_section_or_question(self, token_api, assessment):
        items = details(token_api.patch(self.url(assessment, section="cuisine"), {"value": 1}))
        assert items[0]["loc"] == ["path", "section"]
        response = token_api.patch(self.url(assessment, field="kwh"), {"value": 1})
        assert response.status_code == 404
        assert "Question inconnue" in response.json()["detail"]

    def test_conflict_is_409_with_the_current_value(self, token_api, session_api, assessment):
        url = self.url(assessment)
        assert token_api.patch(url, {"value": 4000}).status_code == 200
        # another tab changes it meanwhile
        assert session_api.patch(url, {"value": 5000, "previous": 4000}).status_code == 200
        stale = token_api.patch(url, {"value": 4500, "previous": 4000})
        assert stale.status_code == 409
        body = stale.json()
        assert body["current"] == 5000
        assert (
            body["detail"][0]["msg"] == "Cette réponse a été modifiée ailleurs (un autre onglet ?)."
        )
        assert body["revision"] == assessment.revision + 2
        stored = Assessment.objects.get(pk=assessment.pk)
        assert stored.answers["energie"]["electricity_kwh"] == 5000
        # with the current value as ``previous``, the save goes through
        assert token_api.patch(url, {"value": 4500, "previous": 5000}).status_code == 200


def test_too_big_body_is_413(token_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = token_api.post("/api/compute", raw=json.dumps({"profile": {"x": "y" * 2000}}))
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["detail"]
