"""Tests of kineco2.engine.geography: lookups, ambiguity, territories, INSEE zone, autocomplete."""

from __future__ import annotations

import pytest

from kineco2.engine.errors import ReferenceDataError
from kineco2.engine.geography import (
    PATIENT_ZONES,
    TERRITORIES,
    AmbiguousCommuneError,
    Commune,
    UnknownCommuneError,
    aire_attraction,
    all_communes,
    commune_by_insee,
    designation,
    insee_patient_zone,
    locate,
    lookup,
    patient_zone_problem,
    patient_zones_for,
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
    assert locate("CP 13008").code_insee == "13055"  # postal code of Marseille 8e


@pytest.mark.parametrize(
    ("code", "name", "territory", "departement"),
    [
        ("97400", "Saint-Denis", "la_reunion", "974"),
        ("20000", "Ajaccio", "corse", "2A"),
        ("97600", "Mamoudzou", "mayotte", "976"),
        ("97500", "Saint-Pierre", "saint_pierre_et_miquelon", "975"),
        ("97320", "Saint-Laurent-du-Maroni", "guyane", "973"),
        ("97200", "Fort-de-France", "martinique", "972"),
        ("INSEE 97120", "Pointe-à-Pitre", "guadeloupe", "971"),  # 97110 and 97120 are ambiguous
        ("97701", "Saint-Barthélemy", "saint_barthelemy", "977"),
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


def test_insee_code_of_one_commune_and_postal_code_of_another_is_ambiguous() -> None:
    # "97411" is Saint-Denis's INSEE code and one of Saint-Paul's postal codes.
    with pytest.raises(AmbiguousCommuneError) as caught:
        lookup("97411")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.by_insee.name == "Saint-Denis"
    assert [c.name for c in error.by_postal] == ["Saint-Paul"]
    assert [c.name for c in error.candidates] == ["Saint-Denis", "Saint-Paul"]
    assert str(error) == (
        "Le code « 97411 » est ambigu : c'est le code INSEE de Saint-Denis (974) et le code "
        "postal de Saint-Paul (974). Précisez la commune en indiquant le code qui la désigne "
        "seule — Saint-Denis (974) : « 97400 » ; Saint-Paul (974) : « 97434 »."
    )
    with pytest.raises(AmbiguousCommuneError):
        locate(" 97 411 ")
    # Each proposed code designates its commune alone.
    assert locate("97400").name == "Saint-Denis"
    assert locate("97434").name == "Saint-Paul"
    # A prefix says how to read the code.
    assert lookup("INSEE 97411") == (commune_by_insee("97411"),)
    assert locate("code insee : 97411").name == "Saint-Denis"
    assert locate("CP 97411").name == "Saint-Paul"
    assert locate("code postal 97411").name == "Saint-Paul"
    with pytest.raises(UnknownCommuneError):
        locate("CP 97401")
    with pytest.raises(UnknownCommuneError):
        locate("INSEE 97400")


def test_ambiguity_lists_many_postal_communes_and_elides_de() -> None:
    with pytest.raises(AmbiguousCommuneError) as caught:
        locate("69003")  # Albigny-sur-Saône's INSEE code, Lyon 3e's postal code
    assert "code INSEE d'Albigny-sur-Saône (69)" in str(caught.value)
    assert "Albigny-sur-Saône (69) : « INSEE 69003 »" in str(caught.value)
    assert "Lyon (69) : « 69123 »" in str(caught.value)
    with pytest.raises(AmbiguousCommuneError) as caught:
        locate("15100")  # Laveissenet's INSEE code, postal code of Saint-Flour and 16 more
    assert len(caught.value.by_postal) == 17
    assert "le code postal de 17 communes" in str(caught.value)
    assert str(caught.value).endswith("et 10 autres communes.")


def test_every_collision_of_the_data_is_ambiguous_and_every_commune_has_a_designation() -> None:
    """All strings that are a current commune's INSEE code and another's postal code."""
    communes = all_communes()
    insee_codes = {c.code_insee: c for c in communes}
    postal: dict[str, list[Commune]] = {}
    for commune in communes:
        for code in commune.postal_codes:
            postal.setdefault(code, []).append(commune)
    collisions = sorted(
        code
        for code, owners in postal.items()
        if code in insee_codes and insee_codes[code] not in owners
    )
    assert len(collisions) == 2950
    assert {"97411", "97410", "69003", "13001", "97133"} <= set(collisions)
    for code in collisions[::50]:
        with pytest.raises(AmbiguousCommuneError):
            lookup(code)
    for commune in communes[::97]:
        assert locate(designation(commune)) == commune
    assert designation(commune_by_insee("69003")) == "INSEE 69003"
    assert designation(locate("75056")) == "75001"


def test_former_code_that_is_a_postal_code_reads_as_the_postal_code() -> None:
    # 75011 was Bonneuil-sur-Marne's INSEE code before 1968: today a postal code of Paris.
    assert locate("75011").name == "Paris"
    assert locate("INSEE 75011").name == "Bonneuil-sur-Marne"


def test_commune_by_insee_reads_insee_only() -> None:
    assert commune_by_insee("69003").name == "Albigny-sur-Saône"
    assert commune_by_insee("97411").name == "Saint-Denis"
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
        "Commune inconnue : « 99999 ». Indiquez un code postal (5 chiffres, ex. 35000) "
        "ou un code INSEE (ex. 2A004)."
    )
    with pytest.raises(UnknownCommuneError) as caught:
        commune_by_insee("97400")  # Saint-Denis' postal code, not an INSEE code
    assert "97400" in str(caught.value)


# --- patient zone from INSEE's zoning (aires d'attraction des villes 2020) ----------------


@pytest.mark.parametrize(
    ("code_insee", "name", "aire", "size_class", "category", "zone"),
    [
        # The three communes of the issue (Ain): each is the centre of its own aire.
        ("01053", "Bourg-en-Bresse", "080", 2, 11, "pole_moyen"),  # aire 145 000 inh.
        ("01034", "Belley", "286", 1, 11, "petit_pole"),
        ("01004", "Ambérieu-en-Bugey", "243", 1, 11, "petit_pole"),
        ("01005", "Ambérieux-en-Dombes", "002", 4, 20, "couronne_tres_grand_pole"),
        ("01002", "L'Abergement-de-Varey", "000", 0, 30, "rural_hors_attraction"),
        ("69123", "Lyon", "002", 4, 11, "tres_grand_pole"),
        ("69266", "Villeurbanne", "002", 4, 12, "tres_grand_pole"),
        ("13055", "Marseille", "003", 4, 11, "tres_grand_pole"),
        ("75056", "Paris", "001", 5, 11, "paris_intra_muros"),
        ("94080", "Vincennes", "001", 5, 12, "paris_petite_couronne"),
        ("95018", "Argenteuil", "001", 5, 12, "paris_petite_couronne"),
        ("78646", "Versailles", "001", 5, 12, "paris_petite_couronne"),
        ("60175", "Creil", "001", 5, 13, "grand_pole"),  # secondary pôle: capped at grand
        ("77284", "Meaux", "001", 5, 13, "grand_pole"),
        ("13001", "Aix-en-Provence", "003", 4, 13, "grand_pole"),
        ("83126", "La Seyne-sur-Mer", "018", 3, 13, "grand_pole"),
        ("11203", "Lézignan-Corbières", "072", 2, 13, "pole_moyen"),
        ("46251", "Saint-Céré", "271", 1, 13, "petit_pole"),
        ("42218", "Saint-Étienne", "023", 3, 11, "grand_pole"),
        ("48095", "Mende", "278", 1, 11, "petit_pole"),
        ("29083", "Île-de-Sein", "000", 0, 30, "rural_hors_attraction"),
        ("97411", "Saint-Denis", "9D1", 3, 11, "grand_pole"),  # La Réunion
        ("97415", "Saint-Paul", "9D4", 2, 11, "pole_moyen"),
        ("97302", "Cayenne", "9C1", 2, 11, "pole_moyen"),  # Guyane
        ("97311", "Saint-Laurent-du-Maroni", "9C2", 1, 11, "petit_pole"),
        ("2A004", "Ajaccio", "098", 2, 11, "pole_moyen"),  # Corse
        ("2B033", "Bastia", "104", 2, 11, "pole_moyen"),
        ("97611", "Mamoudzou", "9F1", 3, 11, "grand_pole"),  # Mayotte
        ("97209", "Fort-de-France", "9B1", 3, 11, "grand_pole"),  # Martinique
        ("97105", "Basse-Terre", "9A2", 2, 11, "pole_moyen"),  # Guadeloupe
    ],
)
def test_insee_zone_golden(
    code_insee: str, name: str, aire: str, size_class: int, category: int, zone: str
) -> None:
    commune = commune_by_insee(code_insee)
    assert commune.name == name
    found = aire_attraction(commune)
    assert found is not None
    assert (found.code, found.size_class, found.category) == (aire, size_class, category)
    assert insee_patient_zone(commune) == zone


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("75111", "paris_intra_muros"),  # INSEE code of Paris 11e
        ("75020", "paris_intra_muros"),  # postal code of Paris 20e
        ("69381", "tres_grand_pole"),  # Lyon 1er
        ("69389", "tres_grand_pole"),  # Lyon 9e
        ("13201", "tres_grand_pole"),  # Marseille 1er
        ("13216", "tres_grand_pole"),  # Marseille 16e
        ("CP 13008", "tres_grand_pole"),  # Marseille 8e by its postal code
    ],
)
def test_arrondissements_take_the_zone_of_their_commune(code: str, zone: str) -> None:
    assert insee_patient_zone(locate(code)) == zone


@pytest.mark.parametrize(
    ("code_insee", "zone"),
    [
        ("97502", "petit_pole"),  # Saint-Pierre, ~5 800 inhabitants
        ("97501", "rural_hors_attraction"),  # Miquelon-Langlade, ~600
        ("97701", "petit_pole"),  # Saint-Barthélemy
        ("97801", "petit_pole"),  # Saint-Martin
    ],
)
def test_com_outside_insee_zoning_follow_the_documented_rule(code_insee: str, zone: str) -> None:
    commune = commune_by_insee(code_insee)
    assert aire_attraction(commune) is None
    assert insee_patient_zone(commune) == zone


def test_every_commune_has_an_insee_zone_and_every_zone_occurs() -> None:
    zones = {insee_patient_zone(commune) for commune in all_communes()}
    assert zones == set(PATIENT_ZONES)


def test_a_commune_missing_from_insee_table_is_a_reference_data_error() -> None:
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
    with pytest.raises(ReferenceDataError, match="choisissez la zone"):
        insee_patient_zone(village)


ALL_BUT_PARIS = (
    "tres_grand_pole",
    "grand_pole",
    "pole_moyen",
    "petit_pole",
    "couronne_tres_grand_pole",
    "couronne_grand_pole",
    "couronne_pole_moyen",
    "couronne_petit_pole",
    "rural_hors_attraction",
)
UP_TO_GRAND = (
    "grand_pole",
    "pole_moyen",
    "petit_pole",
    "couronne_grand_pole",
    "couronne_pole_moyen",
    "couronne_petit_pole",
    "rural_hors_attraction",
)
UP_TO_MOYEN = (
    "pole_moyen",
    "petit_pole",
    "couronne_pole_moyen",
    "couronne_petit_pole",
    "rural_hors_attraction",
)
SMALL_ONLY = ("petit_pole", "couronne_petit_pole", "rural_hors_attraction")


@pytest.mark.parametrize(
    ("territory", "zones"),
    [
        ("france_continentale", tuple(PATIENT_ZONES)),
        ("corse", UP_TO_MOYEN),
        ("guadeloupe", UP_TO_GRAND),
        ("martinique", UP_TO_GRAND),
        ("guyane", UP_TO_MOYEN),
        ("la_reunion", UP_TO_GRAND),
        ("mayotte", UP_TO_GRAND),
        ("saint_pierre_et_miquelon", SMALL_ONLY),
        ("saint_barthelemy", SMALL_ONLY),
        ("saint_martin", SMALL_ONLY),
    ],
)
def test_zones_offered_in_each_territory(territory: str, zones: tuple[str, ...]) -> None:
    assert patient_zones_for(territory) == zones
    # Every zone INSEE gives to a commune of the territory is offered there.
    for commune in all_communes():
        if commune.territory == territory:
            assert insee_patient_zone(commune) in zones
    assert set(ALL_BUT_PARIS) >= set(zones) or territory == "france_continentale"


def test_unknown_territory_offers_every_zone() -> None:
    assert patient_zones_for("atlantide") == tuple(PATIENT_ZONES)


def test_zone_problem_message_is_french_and_lists_the_allowed_zones() -> None:
    saint_denis = commune_by_insee("97411")
    assert patient_zone_problem("grand_pole", saint_denis) is None
    assert patient_zone_problem("rural_hors_attraction", saint_denis) is None
    message = patient_zone_problem("paris_petite_couronne", saint_denis)
    assert message is not None
    assert message.startswith("La zone « Proche banlieue de Paris")
    assert "n'existe pas à La Réunion, où se trouve la commune Saint-Denis (974)" in message
    assert "« Centre d'une grande ville" in message
    assert "zonage INSEE" in message
    assert "en Corse" in patient_zone_problem("tres_grand_pole", locate("2A004"))


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
