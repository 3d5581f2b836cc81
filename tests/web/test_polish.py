"""Polish found while trying the product as a new user (issue 12)."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.urls import reverse

from kineco2.engine.formatting import plain_number, source_with_year

pytestmark = pytest.mark.django_db


def test_years_are_never_grouped_on_factor_pages(client):
    page = client.get(reverse("factor_list")).content.decode()
    assert "2\u202f0" not in page and "2\u00a00" not in page and "2 0" not in page
    html = client.get(reverse("factor_detail", args=["electricite_france_continentale"]))
    if html.status_code == 200:
        assert "2\u202f0" not in html.content.decode()


def test_source_year_is_not_repeated():
    assert source_with_year("ADEME, Base Carbone (2018)", 2018) == "ADEME, Base Carbone (2018)"
    assert source_with_year("ADEME, Base Carbone", 2018) == "ADEME, Base Carbone (2018)"
    assert source_with_year("ADEME", None) == "ADEME"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.10400000000000001, "0,104"), (0.1 + 0.2, "0,3"), (1234.5, "1234,5"), (3.0, "3")],
)
def test_spreadsheet_numbers_have_no_float_noise(value, text):
    assert plain_number(value) == text


def test_csv_export_has_no_float_noise(logged_client, practice):
    from kineco2.practices import services

    assessment = services.assessment_create(practice=practice, reference_year=2025)
    services.assessment_replace_answers(
        assessment=assessment,
        answers={
            "profile": {"commune": "35000", "practitioners": 2, "reference_year": 2025},
            "energie": {"electricity_kwh": 0.1 + 0.2},
        },
    )
    body = logged_client.get(reverse("assessment_export_csv", args=[assessment.pk]))
    text = body.content.decode("utf-8-sig")
    assert "0,30000000000000004" not in text
    assert ";0,3;" in text
    assert not any("0000000000" in cell for cell in text.split(";"))


def test_login_lands_on_my_practices(client, user, password):
    response = client.post(reverse("login"), {"email": user.email, "password": password})
    assert response.status_code == 302
    assert response.url == reverse("practice_list")


def test_unconfirmed_banner_shown_once(client, user):
    user.email_confirmed = False
    user.save(update_fields=["email_confirmed"])
    client.force_login(user)
    for name in ("account", "practice_list"):
        page = client.get(reverse(name)).content.decode()
        assert page.count("est pas encore confirmée") == 1, name


def test_console_email_keeps_links_whole(settings):
    from kineco2.web.mail import ConsoleBackend

    stream = io.StringIO()
    link = "http://127.0.0.1:8000/compte/confirmer/" + "x" * 120 + "/"
    message = mail.EmailMessage("Confirmez votre adresse é", f"Bonjour,\n\n{link}\n", to=["a@b.fr"])
    ConsoleBackend(stream=stream).send_messages([message])
    output = stream.getvalue()
    assert link in output.splitlines()
    assert "=C3=A9" not in output and "Confirmez votre adresse é" in output


def test_ambiguous_commune_name_is_not_unknown():
    from kineco2.practices.forms import PracticeForm

    form = PracticeForm(
        {"name": "x", "commune": "Saint-Denis", "practitioners": 1, "practice_mode": "seul"}
    )
    assert not form.is_valid()
    message = form.errors["commune"][0]
    assert message.startswith("Plusieurs communes s'appellent « Saint-Denis »")
    labels = " ".join(label for _, label in form.commune_candidates)
    assert "974" in labels and "93" in labels  # the candidates to choose from


def test_no_internal_references_in_public_catalogue_sources():
    from pathlib import Path

    import kineco2

    data = Path(kineco2.__file__).parent / "engine" / "data" / "actions"
    for path in data.glob("*.yaml"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            assert "domain-research" not in line, f"{path.name}:{number}"
            assert "[S" not in line, f"{path.name}:{number}"


def test_glossary_is_public_and_in_the_footer(client):
    assert client.get(reverse("glossary")).status_code == 200
    assert reverse("glossary").encode() in client.get(reverse("home")).content


def test_default_sources_never_send_users_to_internal_notes():
    """Released defaults files keep their text; what is read has no internal reference."""
    from kineco2.engine import defaults

    assert (
        defaults.public_source("≈ 1 000 € HT par MK (domain-research §8.2), dont 600 €")
        == "≈ 1 000 € HT par MK, dont 600 €"
    )
    for version in ("2025.1", "2026.1"):
        raw = (defaults.DEFAULTS_DIR / f"{version}.yaml").read_text(encoding="utf-8")
        assert "domain-research §8.2), dont" in raw  # the released file is untouched
        loaded = defaults.load_defaults(version)
        sources = [item.source for item in loaded.defaults.values()]
        assert sources and not any("domain-research" in s for s in sources), version


def test_public_methodology_pages_carry_no_internal_reference(client):
    for name in ("release_notes_2026_1", "methodology_changes", "factor_list", "methodology"):
        body = client.get(reverse(name)).content.decode()
        assert "domain-research" not in body, name
