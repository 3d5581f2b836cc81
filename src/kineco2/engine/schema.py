"""The input schema: a practice profile and one section per emission post.

Every question is optional except the profile's commune and number of practitioners:
``None`` means « je ne sais pas » and the engine uses the documented default named by
``default_id`` (see ``data/defaults``). Each field carries its French label (``title``),
its help text (``description``), its unit, its bounds, and whether the express
questionnaire asks it. The same schema serves the CLI, the web forms and the REST API.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from kineco2.engine.errors import InputError
from kineco2.engine.geography import COMMUNE_PATTERN
from kineco2.engine.numbers import french, parse_number, with_unit

_UNIONS = (typing.Union, types.UnionType)

SCHEMA_VERSION = "1.0"
SCHEMA_MAJOR = SCHEMA_VERSION.split(".")[0]  # answers of any 1.x version are read

DataQuality = Literal["mesure", "estime"]
DATA_QUALITY_LABELS = {
    "mesure": "Relevé (factures, compteurs, comptabilité)",
    "estime": "Estimé de mémoire",
}

PracticeMode = Literal["seul", "groupe", "msp", "centre_sante"]
PRACTICE_MODE_LABELS = {
    "seul": "Cabinet individuel",
    "groupe": "Cabinet de groupe",
    "msp": "Maison de santé pluriprofessionnelle (MSP)",
    "centre_sante": "Centre de santé",
}

PatientZone = Literal[
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
]

HeatingEnergy = Literal[
    "gaz",
    "electricite",
    "pompe_a_chaleur",
    "fioul",
    "propane",
    "bois_buches",
    "granules",
    "reseau_chaleur",
    "aucun",
]
HEATING_LABELS = {
    "gaz": "Gaz naturel",
    "electricite": "Électricité (radiateurs)",
    "pompe_a_chaleur": "Pompe à chaleur",
    "fioul": "Fioul",
    "propane": "Propane",
    "bois_buches": "Bois (bûches)",
    "granules": "Granulés de bois",
    "reseau_chaleur": "Réseau de chaleur urbain",
    "aucun": "Pas de chauffage à la charge du cabinet",
}

Vehicle = Literal[
    "voiture_thermique",
    "voiture_essence",
    "voiture_gazole",
    "voiture_hybride",
    "voiture_electrique",
    "scooter",
    "moto",
    "vae",
    "velo",
    "marche",
    "bus",
    "tram_metro",
    "rer_transilien",
    "ter",
]
VEHICLE_LABELS = {
    "voiture_thermique": "Voiture thermique (je ne sais pas le carburant)",
    "voiture_essence": "Voiture essence",
    "voiture_gazole": "Voiture diesel",
    "voiture_hybride": "Voiture hybride non rechargeable",
    "voiture_electrique": "Voiture électrique",
    "scooter": "Scooter",
    "moto": "Moto",
    "vae": "Vélo à assistance électrique",
    "velo": "Vélo",
    "marche": "À pied",
    "bus": "Bus ou car",
    "tram_metro": "Métro ou tramway",
    "rer_transilien": "RER ou Transilien",
    "ter": "Train régional (TER)",
}
#: Vehicles of the home visits: the public-transport modes are for commuting only.
HomeVisitVehicle = Literal[
    "voiture_thermique",
    "voiture_essence",
    "voiture_gazole",
    "voiture_hybride",
    "voiture_electrique",
    "scooter",
    "moto",
    "vae",
    "velo",
    "marche",
]
HOME_VISIT_VEHICLE_LABELS = {
    key: label for key, label in VEHICLE_LABELS.items() if key in HomeVisitVehicle.__args__
}
HotWater = Literal["electrique", "gaz", "solaire", "aucune"]
HOT_WATER_LABELS = {
    "electrique": "Chauffe-eau électrique",
    "gaz": "Chaudière ou chauffe-eau au gaz",
    "solaire": "Chauffe-eau solaire",
    "aucune": "Pas d'eau chaude au cabinet",
}

CoolingType = Literal["mobile", "mono_split", "multi_split", "pac_air_eau"]
COOLING_TYPE_LABELS = {
    "mobile": "Climatiseur mobile",
    "mono_split": "Climatisation murale (mono-split)",
    "multi_split": "Climatisation multi-split",
    "pac_air_eau": "Pompe à chaleur air/eau",
}
Refrigerant = Literal["r32", "r410a", "r134a", "r407c"]
REFRIGERANT_LABELS = {"r32": "R32", "r410a": "R410A", "r134a": "R134a", "r407c": "R407C"}

CouchCover = Literal["papier", "drap_lavable", "aucun"]
COUCH_COVER_LABELS = {
    "papier": "Drap d'examen en papier (rouleau)",
    "drap_lavable": "Drap ou serviette en tissu lavable",
    "aucun": "Rien (table nettoyée entre deux patients)",
}

BuildingType = Literal["sante", "bureau"]
BUILDING_TYPE_LABELS = {
    "sante": "Local de santé ou commercial en rez-de-chaussée",
    "bureau": "Bureaux dans un immeuble",
}

#: Labels of every Literal choice, by field name, for forms and messages.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "data_quality": DATA_QUALITY_LABELS,
    "practice_mode": PRACTICE_MODE_LABELS,
    "heating_energy": HEATING_LABELS,
    "vehicle": HOME_VISIT_VEHICLE_LABELS,
    "commute_mode": VEHICLE_LABELS,
    "ac_type": COOLING_TYPE_LABELS,
    "ac_fluid": REFRIGERANT_LABELS,
    "couch_cover": COUCH_COVER_LABELS,
    "building_type": BUILDING_TYPE_LABELS,
    "hot_water": HOT_WATER_LABELS,
}

MAX_KWH = 500_000  # ≈ 70 times the electricity of a 3-practitioner practice
MAX_EUR = 1_000_000
MAX_KM = 2_000_000


def answer(
    title: str,
    help_text: str,
    unit: str = "",
    *,
    ge: float | None = 0,
    le: float | None = None,
    default_id: str | None = None,
    express: bool = False,
) -> Any:
    """A question: ``None`` (the default) means « je ne sais pas »."""
    return Field(
        default=None,
        title=title,
        description=help_text,
        ge=ge,
        le=le,
        json_schema_extra={"unit": unit, "default_id": default_id, "express": express},
    )


@functools.cache
def _number_field(model: type[BaseModel], name: str) -> tuple[str, bool] | None:
    """(unit, is integer) of a numeric field of ``model``, ``None`` for other fields."""
    info = model.model_fields.get(name)
    if info is None:
        return None
    annotation = info.annotation
    args = typing.get_args(annotation) if typing.get_origin(annotation) in _UNIONS else ()
    base = next((a for a in args if a is not type(None)), annotation)
    if base not in (int, float):
        return None
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return str(extra.get("unit") or ""), base is int


class _FrenchNumbers(BaseModel):
    """Numbers given as text (API, YAML, imports) are read the French way, never guessed."""

    # Validators are built on first use, not at import: a nested model's validation is
    # part of AssessmentInput's, so building each model's own is import time for nothing.
    model_config = ConfigDict(defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _french_number_text(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str) or info.field_name is None:
            return value
        field = _number_field(cls, info.field_name)
        if field is None:
            return value
        unit, integer = field
        return parse_number(value, unit=unit, integer=integer)


class Section(_FrenchNumbers):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    data_quality: DataQuality = Field(
        default="estime",
        title="D'où viennent vos chiffres ?",
        description="Des chiffres relevés sur vos factures rendent le bilan plus précis.",
        json_schema_extra={"unit": "", "default_id": None, "express": False},
    )


class Profile(_FrenchNumbers):
    model_config = ConfigDict(extra="forbid", frozen=True, title="Votre cabinet")

    commune: str = Field(
        title="Commune du cabinet",
        description="Code postal (ex. 35000) ou code INSEE (ex. 2A004) de la commune du cabinet. "
        "Si le code est à la fois le code INSEE d'une commune et le code postal d'une autre "
        "(ex. 97411), précisez « INSEE 97411 » ou « CP 97411 ».",
        min_length=1,
        max_length=20,
        json_schema_extra={
            "unit": "",
            "default_id": None,
            "express": True,
            "pattern": COMMUNE_PATTERN,
        },
    )
    practitioners: int = Field(
        title="Nombre de kinésithérapeutes",
        description="Titulaires, collaborateurs et assistants qui exercent au cabinet.",
        ge=1,
        le=100,
        json_schema_extra={"unit": "kinés", "default_id": None, "express": True},
    )
    practice_mode: PracticeMode = Field(
        default="seul",
        title="Mode d'exercice",
        description="Seul, en cabinet de groupe, en maison de santé ou en centre de santé.",
        json_schema_extra={"unit": "", "default_id": None, "express": True},
    )
    reference_year: int | None = Field(
        default=None,
        title="Année de référence",
        description="L'année civile que décrit ce bilan (en général la dernière année complète).",
        ge=2015,
        le=2100,
        json_schema_extra={"unit": "", "default_id": None, "express": False},
    )
    sessions_per_year: int | None = answer(
        "Nombre de séances par an",
        "Toutes les séances du cabinet sur l'année, au cabinet et à domicile "
        "(votre relevé d'activité Ameli l'indique).",
        "séances/an",
        le=500_000,
        default_id="sessions_per_practitioner",
        express=True,
    )
    home_visit_percent: float | None = answer(
        "Part des séances à domicile",
        "Pourcentage des séances réalisées au domicile du patient ou en établissement.",
        "%",
        le=100,
        default_id="home_visit_percent",
        express=True,
    )
    telehealth_percent: float | None = answer(
        "Part des séances en télésoin",
        "Pourcentage des séances réalisées à distance, en vidéo (télésoin).",
        "%",
        le=100,
        default_id="telehealth_percent",
    )
    surface_m2: float | None = answer(
        "Surface du cabinet",
        "Surface totale des locaux du cabinet (salles de soins, accueil, attente).",
        "m²",
        ge=5,
        le=5_000,
        default_id="surface_per_practitioner",
        express=True,
    )
    patient_zone: PatientZone | None = Field(
        default=None,
        title="Où se trouve le cabinet ?",
        description="Sert à estimer la distance parcourue par vos patients. Sans réponse, "
        "nous prenons la zone de votre commune d'après le zonage INSEE en aires d'attraction "
        "des villes ; choisissez-en une autre de votre territoire s'il décrit mal votre cabinet.",
        json_schema_extra={"unit": "", "default_id": None, "express": True},
    )

    @field_validator("commune")
    @classmethod
    def _known_commune(cls, value: str) -> str:
        from kineco2.engine import geography

        # UnknownCommuneError and AmbiguousCommuneError are ValueErrors with a French message.
        geography.check_commune_form(value)  # the form the JSON Schema states
        value = value.strip().upper()
        geography.lookup(value)
        return value

    @field_validator("patient_zone")
    @classmethod
    def _zone_of_the_territory(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A zone that does not exist in the commune's territory is refused (La Réunion
        has no « Proche banlieue de Paris »); another zone of the territory than INSEE's
        is accepted: the user knows the practice."""
        from kineco2.engine import geography

        commune = info.data.get("commune")
        if value is None or not commune:
            return value
        problem = geography.patient_zone_problem(value, geography.locate(commune))
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _plausible_activity(self) -> Profile:
        remote = (self.home_visit_percent or 0) + (self.telehealth_percent or 0)
        if remote > 100:
            raise ValueError(
                f"Séances à domicile ({self.home_visit_percent or 0:g} %) et en télésoin "
                f"({self.telehealth_percent or 0:g} %) : leur somme ne peut pas dépasser 100 %."
            )
        if self.sessions_per_year is not None:
            per_practitioner = self.sessions_per_year / self.practitioners
            if per_practitioner > 15_000:
                raise ValueError(
                    f"{self.sessions_per_year} séances pour {self.practitioners} kiné(s), soit "
                    f"{per_practitioner:.0f} par kiné : c'est plus que le maximum plausible "
                    "(15 000 par kiné et par an). Vérifiez le nombre de séances ou de kinés."
                )
        return self


class Energie(Section):
    model_config = ConfigDict(title="Énergie du cabinet")

    electricity_kwh: float | None = answer(
        "Électricité consommée",
        "Total des kWh de l'année sur vos factures d'électricité (chauffage électrique compris).",
        "kWh/an",
        le=MAX_KWH,
        default_id="electricity_kwh_per_m2",
        express=True,
    )
    heating_energy: HeatingEnergy | None = Field(
        default=None,
        title="Énergie de chauffage",
        description="L'énergie qui chauffe principalement le cabinet.",
        json_schema_extra={"unit": "", "default_id": "heating_energy", "express": True},
    )
    heating_kwh: float | None = answer(
        "Consommation de chauffage",
        "kWh de l'année sur vos factures de gaz, fioul, bois ou réseau de chaleur "
        "(le gaz est facturé en kWh PCS). Chauffage électrique : il est déjà compté "
        "dans l'électricité, laissez vide.",
        "kWh/an",
        le=MAX_KWH,
        default_id="heating_kwh_per_m2",
        express=True,
    )
    fuel_oil_litres: float | None = answer(
        "Fioul acheté",
        "Litres de fioul livrés dans l'année (si vous chauffez au fioul et ne connaissez "
        "pas les kWh).",
        "L/an",
        le=100_000,
    )
    bill_share_percent: float | None = answer(
        "Part des factures à la charge du cabinet",
        "Si les factures couvrent un bâtiment partagé (MSP, immeuble), la part qui revient "
        "au cabinet, en %.",
        "%",
        le=100,
        default_id="bill_share_percent",
    )
    hot_water: HotWater | None = Field(
        default=None,
        title="Production d'eau chaude",
        description="Comment l'eau chaude du cabinet (lavabos, douche) est produite.",
        json_schema_extra={"unit": "", "default_id": "hot_water", "express": False},
    )
    balneo_pool: bool | None = Field(
        default=None,
        title="Bassin de balnéothérapie",
        description="Le cabinet a-t-il un bassin chauffé ? Sans factures, son chauffage est "
        "estimé à part.",
        json_schema_extra={"unit": "", "default_id": None, "express": False},
    )
    cryotherapy: bool | None = Field(
        default=None,
        title="Appareil de cryothérapie électrique",
        description="Appareil à air froid pulsé ou cabine : sans factures, sa consommation "
        "est estimée à part.",
        json_schema_extra={"unit": "", "default_id": None, "express": False},
    )
    green_electricity_contract: bool | None = Field(
        default=None,
        title="Contrat d'électricité « verte »",
        description="Affiché à côté du résultat : selon la méthode, il ne réduit pas le bilan.",
        json_schema_extra={"unit": "", "default_id": None, "express": False},
    )


class Froid(Section):
    model_config = ConfigDict(title="Climatisation et fluides frigorigènes")

    ac_units: int | None = answer(
        "Nombre d'appareils de climatisation ou de pompes à chaleur",
        "Unités intérieures (splits), climatiseurs mobiles, pompes à chaleur. 0 si aucun.",
        "appareils",
        le=100,
        default_id="ac_units_mainland",
        express=True,
    )
    ac_type: CoolingType | None = Field(
        default=None,
        title="Type d'appareil",
        description="Le plus courant : la climatisation murale (mono-split).",
        json_schema_extra={"unit": "", "default_id": "ac_type", "express": False},
    )
    ac_fluid: Refrigerant | None = Field(
        default=None,
        title="Fluide frigorigène",
        description="Indiqué sur la plaque de l'unité extérieure ou le contrat d'entretien.",
        json_schema_extra={"unit": "", "default_id": "ac_fluid", "express": False},
    )
    ac_charge_kg: float | None = answer(
        "Charge de fluide par appareil",
        "En kg, indiquée sur la plaque signalétique.",
        "kg",
        le=100,
    )


#: Modes measured by the patients' mobility survey (kineco2.engine.survey.ENGINE_MODES). The
#: car is split between thermal and electric as in the practice's zone.
SurveyMode = Literal["voiture", "bus", "tram_metro", "train", "deux_roues", "vae", "velo", "marche"]
#: A survey's mean or uncertainty: the schema states the bounds ``_finite_positive`` enforces
#: (with its own French message).
_SurveyValue = Annotated[float, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 10_000})]


class EnquetePatients(BaseModel):
    """The result of a patients' mobility survey (issue 10), written by the survey app when
    the practice reports it into the assessment: the mean round-trip km per session of each
    mode and the sampling uncertainty of each mean (relative upper half-width of its 95 %
    bootstrap interval, in %)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, title="Enquête mobilité patients", defer_build=True
    )

    n_reponses: int = Field(title="Nombre de réponses", ge=1, le=1_000_000)
    km_par_seance: dict[SurveyMode, _SurveyValue] = Field(
        title="Km aller-retour par séance, par mode de transport"
    )
    incertitude_pct: dict[SurveyMode, _SurveyValue] = Field(
        default_factory=dict, title="Incertitude de chaque moyenne (%)"
    )
    version: str | None = Field(default=None, max_length=20, title="Version des règles")

    @field_validator("km_par_seance", "incertitude_pct")
    @classmethod
    def _finite_positive(cls, values: dict[str, float]) -> dict[str, float]:
        for mode, value in values.items():
            if not math.isfinite(value) or value < 0 or value > 10_000:
                raise ValueError(
                    f"Enquête mobilité : valeur impossible pour « {mode} » ({value:g})."
                )
        return values


class DeplacementsPatients(Section):
    model_config = ConfigDict(title="Déplacements des patients")

    @model_validator(mode="after")
    def _shares_add_up(self) -> DeplacementsPatients:
        car, active = self.survey_car_percent or 0, self.survey_walk_bike_percent or 0
        if car + active > 100:
            raise ValueError(
                f"Voiture ({car:g} %) et marche ou vélo ({active:g} %) : "
                "leur somme ne peut pas dépasser 100 %."
            )
        return self

    survey_round_trip_km: float | None = answer(
        "Distance aller-retour moyenne d'un patient",
        "Si vous avez interrogé vos patients : km aller-retour moyens pour venir au cabinet. "
        "Sinon, laissez vide : nous utilisons la moyenne de votre type de commune.",
        "km/séance",
        le=300,
    )
    survey_car_percent: float | None = answer(
        "Part des patients venant en voiture",
        "Pourcentage des patients qui viennent en voiture (conducteur ou passager).",
        "%",
        le=100,
        express=True,
    )
    survey_walk_bike_percent: float | None = answer(
        "Part des patients venant à pied ou à vélo",
        "Pourcentage des patients qui viennent à pied, à vélo ou en trottinette.",
        "%",
        le=100,
    )
    carpool_percent: float | None = answer(
        "Part des trajets en voiture partagés",
        "Pourcentage des trajets en voiture où le patient est accompagné d'un autre patient "
        "ou fait le trajet pour un autre motif (covoiturage).",
        "%",
        le=100,
    )
    enquete: EnquetePatients | None = Field(
        default=None,
        title="Enquête mobilité auprès des patients",
        description="Rempli par l'enquête mobilité patients quand le cabinet en reporte les "
        "résultats : les km par séance mesurés remplacent alors ceux du type de commune.",
        json_schema_extra={"unit": "", "default_id": None, "express": False, "survey": True},
    )


class VisitesDomicile(Section):
    model_config = ConfigDict(title="Visites à domicile")

    round_trip_km_per_visit: float | None = answer(
        "Distance aller-retour par visite",
        "Km parcourus en moyenne pour une visite à domicile.",
        "km/visite",
        le=300,
        default_id="home_visit_round_trip_km",
        express=True,
    )
    total_km_per_year: float | None = answer(
        "Kilomètres de tournées dans l'année",
        "Si vous les connaissez (indemnités kilométriques, carnet de bord), ils remplacent "
        "l'estimation par visite.",
        "km/an",
        le=MAX_KM,
    )
    vehicle: HomeVisitVehicle | None = Field(
        default=None,
        title="Véhicule des visites",
        description="Le véhicule le plus utilisé pour les visites à domicile.",
        json_schema_extra={"unit": "", "default_id": "home_visit_vehicle", "express": True},
    )


class TrajetsDomicileTravail(Section):
    model_config = ConfigDict(title="Trajets domicile–cabinet")

    round_trip_km_per_day: float | None = answer(
        "Distance domicile–cabinet aller-retour",
        "Km aller-retour par jour travaillé, en moyenne pour les personnes du cabinet.",
        "km/jour",
        le=500,
        default_id="commute_round_trip_km_per_day",
        express=True,
    )
    days_per_year: int | None = answer(
        "Jours travaillés par an",
        "En moyenne par personne.",
        "jours/an",
        ge=1,
        le=366,
        default_id="commute_days_per_year",
    )
    commute_mode: Vehicle | None = Field(
        default=None,
        title="Mode de transport principal",
        description="Comment vous venez le plus souvent au cabinet.",
        json_schema_extra={"unit": "", "default_id": "commute_mode", "express": True},
    )
    people: int | None = answer(
        "Nombre de personnes concernées",
        "Kinés et salariés (secrétariat) qui font ce trajet. Par défaut : les kinés.",
        "personnes",
        ge=0,
        le=200,
    )


class DeplacementsProfessionnels(Section):
    model_config = ConfigDict(title="Formations et congrès")

    train_km: float | None = answer(
        "Kilomètres en train",
        "Total aller-retour de l'année pour les formations, congrès et réunions, "
        "pour tout le cabinet.",
        "km/an",
        le=MAX_KM,
        default_id="training_train_km",
    )
    car_km: float | None = answer(
        "Kilomètres en voiture",
        "Total de l'année pour les formations et congrès (hors visites à domicile).",
        "km/an",
        le=MAX_KM,
        default_id="training_car_km",
    )
    plane_km: float | None = answer(
        "Kilomètres en avion",
        "Vols court et moyen-courriers, total aller-retour de l'année "
        "(Paris–Marseille aller-retour ≈ 1 300 km).",
        "km/an",
        le=MAX_KM,
        default_id="training_plane_km",
    )
    plane_longhaul_km: float | None = answer(
        "Kilomètres en avion long-courrier",
        "Vols de plus de 3 500 km, par exemple entre l'outre-mer et la métropole "
        "(La Réunion–Paris aller-retour ≈ 18 800 km).",
        "km/an",
        le=MAX_KM,
        default_id="training_longhaul_km",
    )


class Materiel(Section):
    model_config = ConfigDict(title="Matériel et équipements")

    electric_tables: int | None = answer(
        "Tables de soins électriques",
        "Nombre de tables au cabinet.",
        "tables",
        le=200,
        default_id="electric_tables",
        express=False,
    )
    treadmills_ergometers: int | None = answer(
        "Tapis de course, vélos et ergomètres",
        "Nombre d'appareils.",
        "appareils",
        le=200,
        default_id="treadmills_ergometers",
    )
    electrotherapy_devices: int | None = answer(
        "Appareils d'électrothérapie ou d'ultrasons",
        "Nombre d'appareils.",
        "appareils",
        le=200,
        default_id="electrotherapy_devices",
    )
    shockwave_devices: int | None = answer(
        "Appareils d'ondes de choc",
        "Nombre d'appareils.",
        "appareils",
        le=50,
        default_id="shockwave_devices",
    )
    laptops: int | None = answer(
        "Ordinateurs portables",
        "Nombre d'ordinateurs portables.",
        "ordinateurs",
        le=200,
        default_id="laptops",
        express=False,
    )
    desktops: int | None = answer(
        "Ordinateurs fixes",
        "Nombre d'unités centrales.",
        "ordinateurs",
        le=200,
        default_id="desktops",
    )
    screens: int | None = answer(
        "Écrans",
        "Nombre d'écrans d'ordinateur.",
        "écrans",
        le=200,
        default_id="screens",
    )
    printers: int | None = answer(
        "Imprimantes",
        "Nombre d'imprimantes.",
        "imprimantes",
        le=50,
        default_id="printers",
    )
    smartphones: int | None = answer(
        "Smartphones professionnels",
        "Nombre de téléphones.",
        "smartphones",
        le=200,
        default_id="smartphones",
    )
    tablets: int | None = answer(
        "Tablettes",
        "Nombre de tablettes.",
        "tablettes",
        le=200,
        default_id="tablets",
    )
    internet_boxes: int | None = answer(
        "Box internet",
        "Nombre de box.",
        "box",
        le=20,
        default_id="internet_boxes",
    )
    heavy_equipment_eur: float | None = answer(
        "Gros matériel de rééducation acheté dans l'année",
        "Montant payé (TTC) des achats de l'année : plateformes, presses, espaliers, appareils massifs.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="heavy_equipment_eur",
    )
    small_equipment_eur: float | None = answer(
        "Petit matériel acheté dans l'année",
        "Montant payé (TTC) : ballons, élastiques, poids, bandes, coussins.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="small_equipment_eur",
    )
    furniture_eur: float | None = answer(
        "Mobilier acheté dans l'année",
        "Montant payé (TTC) : chaises, bureaux, rangements, salle d'attente.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="furniture_eur",
    )
    lifetime_years: float | None = answer(
        "Durée de conservation du matériel",
        "En années. Par convention, le matériel est amorti sur 5 ans ; indiquez la durée "
        "réelle si vous gardez votre matériel plus longtemps.",
        "ans",
        ge=1,
        le=30,
        default_id="duree_amortissement_materiel",
    )
    refurbished_percent: float | None = answer(
        "Part du matériel informatique reconditionné",
        "Pourcentage des ordinateurs, écrans et téléphones achetés reconditionnés.",
        "%",
        le=100,
        default_id="refurbished_percent",
    )


class Consommables(Section):
    model_config = ConfigDict(title="Consommables")

    paper_roll_m_per_session: float | None = answer(
        "Drap d'examen papier par séance",
        "Mètres de rouleau utilisés par séance (si vous utilisez du papier).",
        "m/séance",
        le=10,
        default_id="paper_roll_m_per_session",
    )
    medical_supplies_eur: float | None = answer(
        "Fournitures médicales",
        "Montant payé (TTC) de l'année : électrodes, gants, bandes, strapping, aiguilles.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="medical_supplies_eur",
        express=False,
    )
    supplies_include_paper_roll: bool | None = Field(
        default=None,
        title="Ce montant comprend-il les rouleaux de drap d'examen ?",
        description="Si oui, le drap d'examen n'est pas compté une deuxième fois d'après "
        "les séances.",
        json_schema_extra={
            "unit": "",
            "default_id": "supplies_include_paper_roll",
            "express": False,
        },
    )
    gels_oils_eur: float | None = answer(
        "Gels, huiles et crèmes",
        "Montant payé (TTC) de l'année, comme sur votre déclaration 2035.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="gels_oils_eur",
    )
    office_paper_reams: float | None = answer(
        "Ramettes de papier",
        "Nombre de ramettes A4 achetées dans l'année.",
        "ramettes/an",
        le=10_000,
        default_id="office_paper_reams",
    )


class Linge(Section):
    model_config = ConfigDict(title="Linge")

    couch_cover: CouchCover | None = Field(
        default=None,
        title="Que mettez-vous sur la table de soins ?",
        description="Papier à usage unique, drap ou serviette lavable, ou rien.",
        json_schema_extra={"unit": "", "default_id": "couch_cover", "express": True},
    )
    textile_kg_per_year: float | None = answer(
        "Linge acheté dans l'année",
        "Kg de serviettes, draps et tenues achetés (une serviette de bain pèse ≈ 0,5 kg).",
        "kg/an",
        le=5_000,
        default_id="linen_kg_per_session",
    )
    wash_cycles_per_year: float | None = answer(
        "Machines lavées au cabinet dans l'année",
        "Nombre de cycles de lave-linge.",
        "cycles/an",
        le=20_000,
        default_id="wash_load_kg",
    )
    laundry_service_eur: float | None = answer(
        "Blanchisserie extérieure",
        "Montant payé (TTC) de l'année si une blanchisserie lave votre linge.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="laundry_service_eur",
    )


class Services(Section):
    model_config = ConfigDict(title="Services")

    insurance_bank_accounting_eur: float | None = answer(
        "Assurances, banque, comptable, cotisations de conseil",
        "Montant HT de l'année (votre déclaration 2035 les détaille).",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="insurance_bank_accounting_eur",
        express=False,
    )
    telecom_eur: float | None = answer(
        "Téléphone et internet",
        "Montant payé (TTC) de l'année, comme sur votre déclaration 2035.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="telecom_eur",
    )
    software_eur: float | None = answer(
        "Logiciels et services en ligne",
        "Montant payé (TTC) de l'année : logiciel métier, agenda en ligne, hébergement.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="software_eur",
    )
    cleaning_maintenance_eur: float | None = answer(
        "Ménage et entretien des locaux",
        "Montant payé (TTC) de l'année, comme sur votre déclaration 2035.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="cleaning_maintenance_eur",
    )
    repairs_eur: float | None = answer(
        "Réparation et maintenance du matériel",
        "Montant payé (TTC) de l'année, comme sur votre déclaration 2035.",
        "€ TTC/an",
        le=MAX_EUR,
        default_id="repairs_eur",
    )


class Batiment(Section):
    model_config = ConfigDict(title="Bâtiment")

    building_type: BuildingType | None = Field(
        default=None,
        title="Type de locaux",
        description="Sert à choisir le facteur de construction.",
        json_schema_extra={"unit": "", "default_id": "building_type", "express": False},
    )
    building_age_years: float | None = answer(
        "Âge du bâtiment",
        "En années. Un bâtiment de plus de 50 ans est considéré comme amorti.",
        "ans",
        le=1_000,
        default_id="duree_amortissement_batiment",
    )


class Dechets(Section):
    model_config = ConfigDict(title="Déchets")

    residual_waste_kg: float | None = answer(
        "Ordures ménagères",
        "Kg par an (un sac de 50 L pèse ≈ 5 kg).",
        "kg/an",
        le=100_000,
        default_id="residual_waste_kg",
    )
    cardboard_kg: float | None = answer(
        "Cartons et papiers triés",
        "Kg par an.",
        "kg/an",
        le=100_000,
        default_id="cardboard_kg",
    )
    plastic_kg: float | None = answer(
        "Emballages plastiques triés",
        "Kg par an.",
        "kg/an",
        le=100_000,
        default_id="plastic_kg",
    )
    dasri_kg: float | None = answer(
        "Déchets de soins à risque infectieux (DASRI)",
        "Kg par an (aiguilles de puncture sèche, par exemple).",
        "kg/an",
        le=10_000,
        default_id="dasri_kg",
    )
    weee_kg: float | None = answer(
        "Équipements électriques et électroniques jetés",
        "Kg par an.",
        "kg/an",
        le=10_000,
        default_id="weee_kg",
    )


class Numerique(Section):
    model_config = ConfigDict(title="Usages numériques")

    emails_per_year: float | None = answer(
        "E-mails envoyés",
        "Nombre par an pour tout le cabinet.",
        "e-mails/an",
        le=10_000_000,
        default_id="emails_per_year",
    )
    video_hours_per_year: float | None = answer(
        "Heures de visioconférence",
        "Télésoin et réunions, par an.",
        "h/an",
        le=100_000,
        default_id="video_hours_per_year",
    )
    cloud_gb: float | None = answer(
        "Données stockées en ligne",
        "En Go.",
        "Go",
        le=10_000_000,
        default_id="cloud_gb",
    )


#: Emission posts in display order: id -> (section class, French label).
SECTIONS: dict[str, type[Section]] = {
    "energie": Energie,
    "froid": Froid,
    "deplacements_patients": DeplacementsPatients,
    "visites_domicile": VisitesDomicile,
    "trajets_domicile_travail": TrajetsDomicileTravail,
    "deplacements_professionnels": DeplacementsProfessionnels,
    "materiel": Materiel,
    "consommables": Consommables,
    "linge": Linge,
    "services": Services,
    "batiment": Batiment,
    "dechets": Dechets,
    "numerique": Numerique,
}


class AssessmentInput(BaseModel):
    """All the answers of one assessment (one practice, one reference year)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="Bilan carbone d'un cabinet de kinésithérapie",
        json_schema_extra={"schema_version": SCHEMA_VERSION},
        defer_build=True,
    )

    schema_version: str = Field(
        default=SCHEMA_VERSION,
        title="Version du schéma",
        description=f"Une version {SCHEMA_MAJOR}.x (ex. {SCHEMA_VERSION}) : les autres sont "
        "refusées.",
        json_schema_extra={"pattern": rf"^{SCHEMA_MAJOR}(?:\.[\s\S]*)?(?!\n)$"},
    )
    profile: Profile = Field(title="Votre cabinet")
    energie: Energie = Field(default_factory=Energie, title="Énergie du cabinet")
    froid: Froid = Field(default_factory=Froid, title="Climatisation et fluides frigorigènes")
    deplacements_patients: DeplacementsPatients = Field(
        default_factory=DeplacementsPatients, title="Déplacements des patients"
    )
    visites_domicile: VisitesDomicile = Field(
        default_factory=VisitesDomicile, title="Visites à domicile"
    )
    trajets_domicile_travail: TrajetsDomicileTravail = Field(
        default_factory=TrajetsDomicileTravail, title="Trajets domicile–cabinet"
    )
    deplacements_professionnels: DeplacementsProfessionnels = Field(
        default_factory=DeplacementsProfessionnels, title="Formations et congrès"
    )
    materiel: Materiel = Field(default_factory=Materiel, title="Matériel et équipements")
    consommables: Consommables = Field(default_factory=Consommables, title="Consommables")
    linge: Linge = Field(default_factory=Linge, title="Linge")
    services: Services = Field(default_factory=Services, title="Services")
    batiment: Batiment = Field(default_factory=Batiment, title="Bâtiment")
    dechets: Dechets = Field(default_factory=Dechets, title="Déchets")
    numerique: Numerique = Field(default_factory=Numerique, title="Usages numériques")

    @field_validator("schema_version")
    @classmethod
    def _supported_version(cls, value: str) -> str:
        if value.split(".")[0] != SCHEMA_MAJOR:
            raise ValueError(
                f"version de schéma « {value} » non prise en charge (attendue : {SCHEMA_VERSION})"
            )
        return value

    def with_overrides(self, overrides: dict[str, dict[str, Any]]) -> AssessmentInput:
        """A copy with some answers replaced: ``{"energie": {"heating_kwh": 0}}``.

        Used by actions and the simulator: an action's effect is the same engine re-run
        on overridden answers. The result is validated like any input.
        """
        data = self.model_dump()
        for section, fields in overrides.items():
            data.setdefault(section, {}).update(fields)
        return parse_input(data)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the input, with French titles, units and defaults."""
    return AssessmentInput.model_json_schema()


@functools.cache
def field_title(path: tuple[str | int, ...]) -> str:
    """The French title of the field at ``path`` (``("energie", "electricity_kwh")``)."""
    model: Any = AssessmentInput
    title = ""
    for part in path:
        if not isinstance(part, str) or model is None:
            break
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            break
        title = info.title or part
        model = info.annotation if isinstance(info.annotation, type) else None
    return title


def _fr(value: Any, *, year: bool = False) -> str:
    """A bound or a typed value in French (« 500 000 », « 1,5 »; a year stays « 2015 »)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = french(float(value)).replace("-", "\u2212")  # the French minus sign « −5 »
    return text.replace("\u202f", "") if year else text


def field_unit(path: tuple[str | int, ...]) -> str:
    """The unit of the field at ``path`` (``("energie", "electricity_kwh")`` → ``kWh/an``)."""
    model: Any = AssessmentInput
    info = None
    for part in path:
        if not isinstance(part, str) or model is None:
            return ""
        info = getattr(model, "model_fields", {}).get(part)
        if info is None:
            return ""
        model = info.annotation if isinstance(info.annotation, type) else None
    extra = info.json_schema_extra if info is not None else None
    return str(extra.get("unit") or "") if isinstance(extra, dict) else ""


def _french_message(error: dict[str, Any], unit: str = "") -> str:
    """A French message for one pydantic error, with French numbers and the field's unit."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    loc = error.get("loc") or ("",)
    year = str(loc[-1]).endswith("year")
    if kind in ("greater_than_equal", "greater_than"):
        bound = with_unit(_fr(ctx.get("ge", ctx.get("gt")), year=year), unit)
        return f"doit être supérieur ou égal à {bound} (vous avez saisi {_fr(given, year=year)})"
    if kind in ("less_than_equal", "less_than"):
        bound = with_unit(_fr(ctx.get("le", ctx.get("lt")), year=year), unit)
        typed = _fr(given, year=year)
        return f"ne peut pas dépasser {bound} (vous avez saisi {typed}) : vérifiez l'unité"
    if kind == "extra_forbidden":
        return "champ inconnu : supprimez-le ou vérifiez son orthographe"
    if kind == "missing":
        return "réponse obligatoire"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"doit être un nombre entier (valeur saisie : {given!r})"
    if kind in ("float_parsing", "float_type", "finite_number"):
        return f"doit être un nombre (valeur saisie : {given!r})"
    if kind in ("bool_parsing", "bool_type"):
        return f"doit être oui ou non (valeur saisie : {given!r})"
    if kind in ("string_type", "string_too_short", "string_too_long"):
        limit = ctx.get("min_length") or ctx.get("max_length")
        return f"texte attendu ({limit} caractères au plus ou au moins) : {given!r}"
    if kind == "literal_error":
        return f"valeur non reconnue {given!r} ; valeurs possibles : {ctx.get('expected')}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "une section de réponses (objet) est attendue"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", "valeur invalide"))


def translate_validation_error(exc: ValidationError) -> InputError:
    """Turn pydantic's errors into one :class:`InputError` with French messages."""
    problems: list[tuple[str, str]] = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        path = ".".join(str(p) for p in loc)
        title = field_title(loc)
        label = f"{path} ({title})" if title and title != path else path
        problems.append((label, _french_message(error, field_unit(loc))))
    return InputError(problems)


def parse_input(data: Any) -> AssessmentInput:
    """Validate raw answers (a dict from JSON, YAML or a form). Raises :class:`InputError`."""
    if not isinstance(data, dict):
        raise InputError([("", "Le fichier doit contenir un objet (des sections de réponses).")])
    try:
        return AssessmentInput.model_validate(data)
    except ValidationError as exc:
        raise translate_validation_error(exc) from None
