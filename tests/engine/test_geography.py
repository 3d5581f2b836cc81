"""Tests of kineco2.engine.geography: lookups, territories, zone guess, autocomplete."""

from __future__ import annotations

import pytest

from kineco2.engine.geography import (
    PATIENT_ZONES,
    TERRITORIES,
    Commune,
    UnknownCommuneError,
    all_communes,
    commune_by_insee,
    guess_patient_zone,
    locate,
    lookup,
    search_communes,
    territory_of,
)


def test_public_ids_are_exactly_the_agreed_ones() -> None:
    assert list(TERRITORIES) == [
        "france_continentale",
        "corse",
        "guadeloupe",
        "martinique",
        "guyane",
        "la_reunion",
        "mayotte",
        "saint_pierre_et_miquelon",
        "saint_barthelemy",
        "saint_martin",
    ]
    assert TERRITORIES["la_reunion"] == "La Réunion"
    assert TERRITORIES["saint_barthelemy"] == "Saint-Barthélemy"
    assert set(PATIENT_ZONES) == {
        "paris_intra_muros",
        "paris_petite_couronne",
        "couronne_idf",
        "tres_grand_pole",
        "grand_pole",
        "pole_moyen",
        "petit_pole",
        "couronne_tres_grand_pole",
        "couronne_grand_pole",
        "couronne_pole_moyen",
        "couronne_petit_pole",
        "rural_hors_attraction",
    }
    assert all(description.strip() for description in PATIENT_ZONES.values())


def test_every_territory_is_reachable_and_france_is_complete() -> None:
    communes = all_communes()
    assert len(communes) > 34_000
    assert {commune.territory for commune in communes} == set(TERRITORIES)
    assert len({commune.code_insee for commune in communes}) == len(communes)
    regions = {commune.region_name for commune in communes}
    assert {
        "Île-de-France",
        "Auvergne-Rhône-Alpes",
        "Provence-Alpes-Côte d'Azur",
        "Corse",
        "Guadeloupe",
        "Martinique",
        "Guyane",
        "La Réunion",
        "Mayotte",
        "Bretagne",
        "Grand Est",
        "Hauts-de-France",
        "Normandie",
        "Nouvelle-Aquitaine",
        "Occitanie",
        "Pays de la Loire",
        "Centre-Val de Loire",
        "Bourgogne-Franche-Comté",
    } <= regions
    departements = {commune.departement for commune in communes}
    assert len(departements) == 101 + 3  # 96 + 5 DROM, and the COM 975, 977, 978
    assert all(commune.postal_codes for commune in communes)


def test_paris_postal_code_and_arrondissement_code() -> None:
    paris = locate("75011")
    assert (paris.code_insee, paris.name) == ("75056", "Paris")
    assert paris.territory == "france_continentale"
    assert territory_of("75011") == "france_continentale"
    assert locate("75111") == paris  # INSEE code of the 11th arrondissement
    assert locate("75116") == paris  # postal code of the 16th, north
    assert lookup("75011") == (paris,)
    assert paris.departement_name == "Paris"
    assert (paris.region_code, paris.region_name) == ("11", "Île-de-France")
    assert paris.population is not None and paris.population > 2_000_000


def test_lyon_and_marseille_arrondissements_map_to_the_commune() -> None:
    assert locate("69123").name == "Lyon"
    assert locate("69383").code_insee == "69123"  # INSEE code of Lyon 3e
    assert locate("13055").name == "Marseille"
    assert locate("13208").code_insee == "13055"  # INSEE code of Marseille 8e
    assert locate("13008").code_insee == "13055"  # postal code of Marseille 8e


@pytest.mark.parametrize(
    ("code", "name", "territory", "departement"),
    [
        ("97400", "Saint-Denis", "la_reunion", "974"),
        ("20000", "Ajaccio", "corse", "2A"),
        ("97600", "Mamoudzou", "mayotte", "976"),
        ("97500", "Saint-Pierre", "saint_pierre_et_miquelon", "975"),
        ("97320", "Saint-Laurent-du-Maroni", "guyane", "973"),
        ("97200", "Fort-de-France", "martinique", "972"),
        ("97110", "Pointe-à-Pitre", "guadeloupe", "971"),
        ("97133", "Saint-Barthélemy", "saint_barthelemy", "977"),
        ("97150", "Saint-Martin", "saint_martin", "978"),
        ("20200", "Bastia", "corse", "2B"),
    ],
)
def test_overseas_and_corsica(code: str, name: str, territory: str, departement: str) -> None:
    commune = locate(code)
    assert commune.name == name
    assert commune.territory == territory
    assert commune.departement == departement
    assert territory_of(code) == territory


def test_corsican_insee_codes_are_case_and_space_tolerant() -> None:
    ajaccio = locate("2A004")
    assert ajaccio.name == "Ajaccio"
    assert locate("2a004") == ajaccio
    assert locate(" 2A 004 ") == ajaccio
    assert ajaccio.departement_name == "Corse-du-Sud"
    assert locate("2B033").name == "Bastia"


def test_ambiguous_postal_code_returns_most_populous_first() -> None:
    communes = lookup("97500")
    assert [c.name for c in communes] == ["Saint-Pierre", "Miquelon-Langlade"]
    communes = lookup("48000")  # Mende and neighbouring villages
    assert len(communes) > 1
    assert communes[0].name == "Mende"
    populations = [c.population or 0 for c in communes]
    assert populations == sorted(populations, reverse=True)
    assert locate("48000") == communes[0]


def test_postal_code_wins_over_insee_code_and_commune_by_insee_reads_insee() -> None:
    # "69003" is Lyon 3e's postal code and Albigny-sur-Saône's INSEE code.
    assert locate("69003").name == "Lyon"
    assert commune_by_insee("69003").name == "Albigny-sur-Saône"
    # Every commune reads back from its stored INSEE code.
    for commune in all_communes()[::500]:
        assert commune_by_insee(commune.code_insee) == commune


def test_former_commune_code_resolves_to_the_merged_commune() -> None:
    # Béon (01039) merged into Culoz-Béon (01138).
    assert locate("01039").code_insee == "01138"


@pytest.mark.parametrize("code", ["99999", "abc", "", "7501", "2C004", "750111", "   "])
def test_unknown_codes_raise_a_french_message(code: str) -> None:
    with pytest.raises(UnknownCommuneError) as caught:
        lookup(code)
    message = str(caught.value)
    assert code.strip() in message
    assert "code postal" in message and "code INSEE" in message
    assert isinstance(caught.value, ValueError)
    with pytest.raises(UnknownCommuneError):
        locate(code)


def test_unknown_code_message_wording() -> None:
    with pytest.raises(UnknownCommuneError) as caught:
        locate("99999")
    assert str(caught.value) == (
        "Commune inconnue : « 99999 ». Indiquez un code postal (5 chiffres, ex. 69003) "
        "ou un code INSEE (ex. 2A004)."
    )
    with pytest.raises(UnknownCommuneError) as caught:
        commune_by_insee("97400")  # Saint-Denis' postal code, not an INSEE code
    assert "97400" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("75011", "paris_intra_muros"),
        ("92100", "paris_petite_couronne"),  # Boulogne-Billancourt
        ("93200", "paris_petite_couronne"),  # Saint-Denis
        ("78000", "couronne_idf"),  # Versailles
        ("69123", "tres_grand_pole"),  # Lyon
        ("69100", "tres_grand_pole"),  # Villeurbanne
        ("13001", "tres_grand_pole"),  # Marseille
        ("51100", "grand_pole"),  # Reims
        ("42000", "grand_pole"),  # Saint-Étienne
        ("12000", "pole_moyen"),  # Rodez
        ("20000", "pole_moyen"),  # Ajaccio
        ("15100", "petit_pole"),  # Saint-Flour
        ("48004", "rural_hors_attraction"),  # Altier, Lozère, ~200 inhabitants
        ("29990", "rural_hors_attraction"),  # Île-de-Sein
    ],
)
def test_patient_zone_guess(code: str, zone: str) -> None:
    assert guess_patient_zone(locate(code)) == zone


def test_patient_zone_guess_is_always_a_known_zone() -> None:
    zones = {guess_patient_zone(commune) for commune in all_communes()}
    assert zones == set(PATIENT_ZONES)


def test_patient_zone_guess_for_a_hand_made_commune() -> None:
    village = Commune(
        code_insee="00000",
        name="Village imaginaire",
        postal_codes=(),
        departement="23",
        departement_name="Creuse",
        region_code="75",
        region_name="Nouvelle-Aquitaine",
        territory="france_continentale",
        population=150,
    )
    assert guess_patient_zone(village) == "rural_hors_attraction"


def test_search_is_accent_and_case_insensitive() -> None:
    for text in ("saint-étienne", "saint etienne", "SAINT-ETIENNE", "St-Étienne"):
        results = search_communes(text)
        assert results, text
        assert results[0].code_insee == "42218", text
    assert all("etienne" in c.name.lower().replace("é", "e") for c in results)


def test_search_by_later_word_code_and_limit() -> None:
    assert search_communes("rochelle")[0].code_insee == "17300"  # La Rochelle
    assert search_communes("l'hay")[0].name == "L'Haÿ-les-Roses"
    assert search_communes("75011") == [locate("75056")]
    assert search_communes("2a004")[0].name == "Ajaccio"
    assert search_communes("lyon", limit=3)[0].name == "Lyon"
    assert len(search_communes("saint", limit=7)) == 7
    assert search_communes("saint", limit=0) == []
    assert search_communes("") == []
    assert search_communes(" - ") == []
    assert search_communes("zzzzzz") == []
