"""While the database is unreachable: a French 503 with Retry-After, never a bare 500."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _down(error):
    def blocker(execute, sql, params, many, context):
        raise error("could not connect to server: Connection refused")

    return blocker


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_pages_answer_503_in_french(logged_client, practice, error):
    with connection.execute_wrapper(_down(error)):
        response = logged_client.get(reverse("practice_list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Service momentanément indisponible" in html
    assert "ne sont pas perdues" in html
    # Back again: everything works without a restart.
    assert logged_client.get(reverse("practice_list")).status_code == 200


def test_json_endpoints_answer_503_in_json(client):
    with connection.execute_wrapper(_down(OperationalError)):
        response = client.get(reverse("etat_des_lieux_api"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "indisponible" in response.json()["erreur"]


def test_a_post_during_the_outage_writes_nothing_and_answers_503(logged_client, practice):
    from kineco2.practices.models import Practice

    before = Practice.objects.count()
    with connection.execute_wrapper(_down(OperationalError)):
        response = logged_client.post(
            reverse("practice_create"),
            {"name": "Pendant la panne", "commune": "35000", "practitioners": "2",
             "practice_mode": "groupe"},
        )  # fmt: skip
    assert response.status_code == 503
    assert Practice.objects.count() == before
