"""The glossary is linked wherever its words appear (issue 12): on every page that uses PCS/PCI,
PRG, AR6, BEGES, centile, intervalle de confiance, valeur par défaut or convention de méthode,
at least one occurrence links to the word's definition."""

from __future__ import annotations

import html
import re

import pytest
from django.template import Context, Template
from django.urls import reverse

pytestmark = pytest.mark.django_db

TERMS = {
    "pcs-pci": r"\bPC[SI]\b",
    "prg": r"\bPRG\b|pouvoirs? de réchauffement global",
    "ar6": r"\bAR6\b",
    "beges": r"\bBEGES\b",
    "centile": r"\bcentiles?\b",
    "intervalle-de-confiance": r"intervalles? de confiance",
    "valeur-par-defaut": r"valeurs? par défaut",
    "convention-de-methode": r"conventions? de méthode",
}


def _unlinked_terms(page: str) -> list[str]:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", main))
    glossary = reverse("glossary")
    return [
        anchor
        for anchor, pattern in TERMS.items()
        if re.search(pattern, text, re.IGNORECASE) and f"{glossary}#{anchor}" not in page
    ]


PUBLIC_PAGES = [
    ("home", ()),
    ("methodology", ()),
    ("factor_list", ()),
    ("factor_detail", ("gaz_naturel_pcs",)),
    ("factor_detail", ("r410a",)),
    ("methodology_post", ("energie",)),
    ("methodology_post", ("froid",)),
    ("data_protection", ()),
    ("release_notes_2026_1", ()),
    ("methodology_changes", ()),
    ("ecosoins_faq", ()),
    ("ecosoins_action_detail", ("climatisation_r32",)),
    ("ecosoins_action_detail", ("chaudiere_vers_granules",)),
    ("etat_des_lieux", ()),
]


@pytest.mark.parametrize(("name", "args"), PUBLIC_PAGES)
def test_public_pages_link_their_glossary_words(client, synced, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    page = response.content.decode()
    assert not _unlinked_terms(page), f"{name} {args}: {_unlinked_terms(page)}"


@pytest.fixture
def synced(db):
    from kineco2.ecosoins.services import sync_catalogue

    return sync_catalogue()


@pytest.fixture
def assessment(practice):
    from kineco2.practices import services

    created = services.assessment_create(practice=practice, reference_year=2025)
    created = services.assessment_set_level(assessment=created, level="complet")
    return services.assessment_replace_answers(
        assessment=created,
        answers={
            "profile": {"commune": "35000", "practitioners": 2, "reference_year": 2025},
            "energie": {"electricity_kwh": 7800, "heating_energy": "gaz"},
            "froid": {"ac_units": 1},
        },
    )


def test_questionnaire_and_results_link_their_glossary_words(logged_client, assessment):
    pages = [reverse("assessment_prepare", args=[assessment.pk])]
    pages += [
        reverse("assessment_step", args=[assessment.pk, step])
        for step in ("profile", "energie", "froid", "deplacements_patients")
    ]
    pages.append(reverse("assessment_results", args=[assessment.pk]))
    for url in pages:
        page = logged_client.get(url).content.decode()
        assert not _unlinked_terms(page), f"{url}: {_unlinked_terms(page)}"


def test_glossary_links_filter_links_each_word_once_and_escapes():
    template = Template("{% load kineco2 %}{{ text|glossary_links }}")
    text = "Gaz en kWh PCS <b> ; PCS encore ; PRG (GIEC AR6) & valeurs par défaut"
    out = template.render(Context({"text": text}))
    glossary = reverse("glossary")
    assert out.count(f'<a href="{glossary}#pcs-pci">PCS</a>') == 1
    assert "PCS encore" in out  # the second occurrence stays plain text
    assert f'<a href="{glossary}#prg">PRG</a>' in out
    assert f'<a href="{glossary}#ar6">AR6</a>' in out
    assert f'<a href="{glossary}#valeur-par-defaut">valeurs par défaut</a>' in out
    assert "&lt;b&gt;" in out and "&amp;" in out and "<b>" not in out
