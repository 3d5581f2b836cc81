"""Hand-computed golden cases, one or more per emission post.

Each expected value is written as the arithmetic a carbon accountant would do, with the
factor values of version 2025.1 (see data/factors/2025.1.csv).
"""

from __future__ import annotations

import math

import pytest

from tests.engine.conftest import line, run

# Profile of conftest.PROFILE: 4 000 sessions, 10 % at home.
AT_PRACTICE = 4000 * 0.9  # 3 600 sessions at the practice
AT_HOME = 4000 * 0.1  # 400 visits


# --- énergie ------------------------------------------------------------------------------
# Hand-computed against the released methodology 2025.1 (see conftest.methodology_2025_1).
pytestmark = pytest.mark.usefixtures("methodology_2025_1")


def test_energie_from_bills(approx):
    r = run(
        energie={
            "data_quality": "mesure",
            "electricity_kwh": 3000,
            "heating_energy": "gaz",
            "heating_kwh": 5000,
        }
    )
    assert line(r, "energie", "electricite").kgco2e == approx(3000 * 0.052)
    # gas bills are in kWh PCS: 0.215 kg/kWh PCS
    assert line(r, "energie", "chauffage").kgco2e == approx(5000 * 0.215)
    assert line(r, "energie", "electricite").scope == 2
    assert line(r, "energie", "chauffage").scope == 1
    assert r.post("energie").kgco2e == approx(3000 * 0.052 + 5000 * 0.215)


def test_energie_defaults_from_surface(approx):
    r = run()
    assert line(r, "energie", "electricite").kgco2e == approx(40 * 71 * 0.052)
    # default heating: gas, 128 kWh/m² in kWh PCI × 0.239
    assert line(r, "energie", "chauffage").kgco2e == approx(40 * 128 * 0.239)
    assert line(r, "energie", "chauffage").origin == "defaut"


def test_energie_heat_pump_without_bills(approx):
    r = run(energie={"heating_energy": "pompe_a_chaleur"})
    assert line(r, "energie", "chauffage_electrique").kgco2e == approx(40 * 128 / 3 * 0.052)
    assert not [ln for ln in r.lines if ln.item == "chauffage"]


def test_energie_shared_building_share(approx):
    r = run(
        energie={
            "electricity_kwh": 10000,
            "bill_share_percent": 25,
            "heating_energy": "fioul",
            "fuel_oil_litres": 800,
        }
    )
    assert line(r, "energie", "electricite").kgco2e == approx(10000 * 0.25 * 0.052)
    assert line(r, "energie", "chauffage").kgco2e == approx(800 * 0.25 * 3.25)


def test_energie_overseas_electricity(approx):
    r = run(
        {"commune": "97432", "patient_zone": "pole_moyen"},
        energie={"electricity_kwh": 3000, "heating_energy": "aucun"},
    )
    assert r.territory == "la_reunion"
    assert line(r, "energie", "electricite").factor_id == "elec_reunion"
    assert line(r, "energie", "electricite").kgco2e == approx(3000 * 0.78)


def test_energie_corse_and_guyane_factors():
    assert (
        line(
            run({"commune": "20000", "patient_zone": None}, energie={"electricity_kwh": 1}),
            "energie",
            "electricite",
        ).factor_value
        == 0.59
    )
    assert (
        line(
            run({"commune": "97300", "patient_zone": None}, energie={"electricity_kwh": 1}),
            "energie",
            "electricite",
        ).factor_value
        == 0.957
    )


def test_green_contract_is_noted_not_subtracted(approx):
    r = run(energie={"electricity_kwh": 3000, "green_electricity_contract": True})
    assert line(r, "energie", "electricite").kgco2e == approx(3000 * 0.052)
    assert any("verte" in note for note in r.notes)


# --- froid --------------------------------------------------------------------------------
def test_froid_mono_split_r32(approx):
    r = run(froid={"ac_units": 2, "ac_type": "mono_split", "ac_fluid": "r32"})
    # 2 units × 1.3 kg × 4 %/yr × GWP 771
    assert line(r, "froid", "fuites_annuelles").kgco2e == approx(2 * 1.3 * 0.04 * 771)
    # end of life: 2 × 1.3 kg × 20 % ÷ 15 years × 771
    assert line(r, "froid", "fin_de_vie").kgco2e == approx(2 * 1.3 * 0.20 / 15 * 771)


def test_froid_defaults_mainland_none_overseas_one_per_practitioner(approx):
    assert run().post("froid").kgco2e == 0
    r = run({"commune": "97200", "practitioners": 2, "sessions_per_year": 8000})
    # default overseas: 1 mono-split R410A per practitioner, 1.3 kg, 4 %/yr, 20 % / 15 yr
    expected = 2 * 1.3 * 0.04 * 2256 + 2 * 1.3 * 0.20 / 15 * 2256
    assert r.post("froid").kgco2e == approx(expected)


# --- déplacements des patients ------------------------------------------------------------
def test_patients_zone_table(approx):
    r = run()
    km = AT_PRACTICE * 9.4  # grand pôle: 9.4 km round trip per session, 97 % by car
    assert line(r, "deplacements_patients", "voiture").kgco2e == approx(km * 0.97 * 0.218)
    assert line(r, "deplacements_patients", "transport_commun").kgco2e == approx(
        km * (1 - 0.97) * 0.279 * 0.147
    )
    assert line(r, "deplacements_patients", "marche").kgco2e == 0


def test_patients_survey_and_carpool(approx):
    r = run(
        deplacements_patients={
            "survey_round_trip_km": 5,
            "survey_car_percent": 50,
            "carpool_percent": 20,
        }
    )
    # 3 600 × 5 km × 50 % × (1 − 20 %/2) × 0.218
    assert line(r, "deplacements_patients", "voiture").kgco2e == approx(
        AT_PRACTICE * 5 * 0.5 * 0.9 * 0.218
    )


def test_paris_patients_use_metro(approx):
    r = run({"commune": "75011", "patient_zone": None})
    assert r.patient_zone == "paris_intra_muros"
    assert r.patient_zone_guessed
    assert line(r, "deplacements_patients", "transport_commun").factor_id == "tram_metro"
    assert line(r, "deplacements_patients", "voiture").kgco2e == approx(
        AT_PRACTICE * 4.6 * 0.19 * 0.218
    )


# --- visites à domicile -------------------------------------------------------------------
def test_home_visits_per_visit_and_total(approx):
    assert line(run(), "visites_domicile", "tournees").kgco2e == approx(AT_HOME * 6 * 0.218)
    r = run(visites_domicile={"total_km_per_year": 10000, "vehicle": "voiture_gazole"})
    assert line(r, "visites_domicile", "tournees").kgco2e == approx(10000 * 0.227)


def test_no_home_visits_no_line():
    r = run({"home_visit_percent": 0})
    assert r.post("visites_domicile").lines == ()


# --- trajets, formations ------------------------------------------------------------------
def test_commute_default_and_answered(approx):
    assert line(run(), "trajets_domicile_travail", "trajets").kgco2e == approx(1 * 10 * 225 * 0.218)
    r = run(
        trajets_domicile_travail={
            "people": 3,
            "round_trip_km_per_day": 12,
            "days_per_year": 200,
            "commute_mode": "vae",
        }
    )
    assert line(r, "trajets_domicile_travail", "trajets").kgco2e == approx(3 * 12 * 200 * 0.011)


def test_training_trips(approx):
    r = run(deplacements_professionnels={"train_km": 1000, "car_km": 300, "plane_km": 1300})
    assert r.post("deplacements_professionnels").kgco2e == approx(
        1000 * 0.00293 + 300 * 0.218 + 1300 * 0.225
    )
    overseas = run({"commune": "97600"})
    assert line(overseas, "deplacements_professionnels", "avion").kgco2e == approx(1000 * 0.225)


# --- matériel -----------------------------------------------------------------------------
def test_materiel_amortised(approx):
    r = run(
        materiel={
            "laptops": 2,
            "electric_tables": 3,
            "electrotherapy_devices": 1,
            "lifetime_years": 4,
            "desktops": 0,
            "screens": 0,
            "printers": 0,
            "smartphones": 0,
            "internet_boxes": 0,
            "treadmills_ergometers": 0,
            "small_equipment_eur": 0,
            "furniture_eur": 0,
        }
    )
    assert line(r, "materiel", "laptops").kgco2e == approx(2 / 4 * 183)
    assert line(r, "materiel", "electric_tables").kgco2e == approx(3 * 70 / 4 * 5.5)
    assert line(r, "materiel", "electrotherapy_devices").kgco2e == approx(1 * 2000 / 4 * 0.216)
    assert r.post("materiel").kgco2e == approx(2 / 4 * 183 + 3 * 70 / 4 * 5.5 + 2000 / 4 * 0.216)


def test_materiel_refurbished(approx):
    r = run(materiel={"laptops": 2, "refurbished_percent": 50})
    # 5-year convention; 50 % refurbished with 40 % less impact
    assert line(r, "materiel", "laptops").kgco2e == approx(2 / 5 * (1 - 0.5 * 0.4) * 183)


# --- consommables, linge ------------------------------------------------------------------
def test_consommables_defaults(approx):
    r = run()
    assert line(r, "consommables", "drap_papier").kgco2e == approx(AT_PRACTICE * 1 * 0.02 * 0.919)
    assert line(r, "consommables", "fournitures_medicales").kgco2e == approx(600 * 0.231)
    assert line(r, "consommables", "gels_huiles").kgco2e == approx(100 * 1.6)
    assert line(r, "consommables", "papier_bureau").kgco2e == approx(10 * 2.3)


def test_washable_sheets_replace_paper_and_wash_more(approx):
    r = run(linge={"couch_cover": "drap_lavable"})
    assert not [ln for ln in r.lines if ln.item == "drap_papier"]
    assert line(r, "linge", "textile").kgco2e == approx(8 * 35)
    assert line(r, "linge", "lavage").kgco2e == approx(AT_PRACTICE / 25 * 0.2)
    paper = run()
    assert line(paper, "linge", "textile").kgco2e == approx(3 * 35)
    assert line(paper, "linge", "lavage").kgco2e == approx(AT_PRACTICE / 100 * 0.2)


def test_laundry_service(approx):
    r = run(linge={"laundry_service_eur": 1000, "wash_cycles_per_year": 0})
    assert line(r, "linge", "blanchisserie").kgco2e == approx(1000 * 0.17)
    assert line(r, "linge", "lavage").kgco2e == 0


# --- services, bâtiment, déchets, numérique -----------------------------------------------
def test_services_defaults(approx):
    r = run()
    assert r.post("services").kgco2e == approx(
        math.fsum([1800 * 0.072, 400 * 0.17, 500 * 0.075, 300 * 0.17])
    )


def test_batiment(approx):
    assert line(run(), "batiment", "construction").kgco2e == approx(40 * 440 / 50)
    assert line(
        run(batiment={"building_type": "bureau"}), "batiment", "construction"
    ).kgco2e == approx(40 * 900 / 50)
    old = run(batiment={"building_age_years": 60})
    assert old.post("batiment").kgco2e == 0
    assert any("amortie" in note for note in old.notes)


def test_dechets(approx):
    r = run(
        dechets={
            "residual_waste_kg": 200,
            "cardboard_kg": 50,
            "dasri_kg": 2,
            "weee_kg": 5,
            "plastic_kg": 10,
        }
    )
    assert r.post("dechets").kgco2e == approx(
        math.fsum([200 * 0.386, 50 * 0.737, 2 * 0.943, 5 * 1.995, 10 * 1.907])
    )


def test_numerique_defaults(approx):
    assert run().post("numerique").kgco2e == approx(
        math.fsum([5000 * 0.0025, 10 * 0.057, 50 * 0.00024])
    )


# --- totals and functional units ----------------------------------------------------------
def test_totals_and_functional_units(approx):
    r = run({"practitioners": 2, "sessions_per_year": 8000})
    assert r.total_kgco2e == math.fsum(p.kgco2e for p in r.posts)
    assert r.per_session_kgco2e == approx(r.total_kgco2e / 8000)
    assert r.per_practitioner_kgco2e == approx(r.total_kgco2e / 2)
    assert r.factors_version == "2025.1"
    assert r.schema_version == "1.0"


def test_worked_example_order_of_magnitude():
    """domain-research §5.5: 3 kinés, 12 840 sessions, grand pôle, ≈ 31 t and ≈ 2.4 kg/session."""
    r = run({"practitioners": 3, "sessions_per_year": 12840, "surface_m2": 100})
    assert 20_000 < r.total_kgco2e < 40_000
    assert 1.6 < r.per_session_kgco2e < 3.2
    patients = r.post("deplacements_patients").share
    assert 0.45 < patients < 0.8  # studies: patient travel is the first post
    assert max(r.posts, key=lambda p: p.kgco2e).id == "deplacements_patients"


def test_patients_walk_bike_survey(approx):
    r = run(
        deplacements_patients={
            "survey_round_trip_km": 4,
            "survey_car_percent": 60,
            "survey_walk_bike_percent": 30,
        }
    )
    km = AT_PRACTICE * 4
    # 30 % active, split walking/cycling as in the EMP (0.607 / 0.059); the remaining 10 %
    # between public transport and two-wheelers (0.279 / 0.055).
    assert line(r, "deplacements_patients", "velo").quantity == approx(km * 0.30 * 0.059 / 0.666)
    assert line(r, "deplacements_patients", "transport_commun").kgco2e == approx(
        km * 0.10 * 0.279 / 0.334 * 0.147
    )
    assert line(r, "deplacements_patients", "voiture").kgco2e == approx(km * 0.6 * 0.218)


def test_telehealth_removes_trips_and_adds_video(approx):
    r = run({"telehealth_percent": 20})
    at_practice = 4000 * (1 - 0.1 - 0.2)
    assert line(r, "deplacements_patients", "voiture").kgco2e == approx(
        at_practice * 9.4 * 0.97 * 0.218
    )
    assert line(r, "numerique", "telesoin").kgco2e == approx(4000 * 0.2 * 0.5 * 0.057)


def test_effective_answers_record_defaults_and_answers():
    r = run(energie={"electricity_kwh": 1234})
    assert r.effective_answers["energie.electricity_kwh"] == 1234
    assert r.effective_answers["energie.heating_kwh"] == 40 * 128
    assert r.effective_answers["energie.heating_energy"] == "gaz"
    assert r.effective_answers["profile.sessions_per_year"] == 4000
