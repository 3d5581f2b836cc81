"""« L'exercice coordonné »: the guide's pages (French text), the regional contacts file and
the directory « Y a-t-il une structure près de chez moi ? ».

The guide's text states what the law and the public sources say, without figures that could
not be sourced; the contacts come from ``data/contacts.yaml`` (versioned, each entry with its
source and the date it was checked).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kineco2.engine import geo
from kineco2.engine.formatting import format_number

CONTACTS_FILE = Path(__file__).parent / "data" / "contacts.yaml"


@dataclass(frozen=True)
class GuidePage:
    slug: str
    title: str
    summary: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]


PAGES: tuple[GuidePage, ...] = (
    GuidePage(
        slug="msp",
        title="La maison de santé pluriprofessionnelle (MSP)",
        summary="Une équipe de soins primaires de plusieurs professions (médecins, kinés, "
        "infirmiers…) réunie autour d'un projet de santé commun, souvent dans des locaux "
        "partagés.",
        sections=(
            (
                "Ce que c'est",
                (
                    "Une MSP réunit des professionnels de santé libéraux de plusieurs professions, "
                    "dont au moins des médecins généralistes et des professionnels paramédicaux, "
                    "autour d'un projet de santé transmis à l'agence régionale de santé (ARS).",
                    "Les professionnels restent en général libéraux ; beaucoup partagent un "
                    "bâtiment, un secrétariat et des outils (dossier patient partagé, agenda).",
                ),
            ),
            (
                "Ce que cela apporte aux kinés et aux patients",
                (
                    "Pour les kinés : la coordination avec les médecins et les infirmiers, des "
                    "protocoles de soins partagés, des locaux et des charges mutualisés, et "
                    "l'accès direct : depuis la loi du 19 mai 2023, un patient peut consulter un "
                    "kiné d'une MSP sans prescription, dans la limite de huit séances.",
                    "Pour les patients : un parcours plus lisible, des soins coordonnés et des "
                    "actions de prévention menées par l'équipe.",
                ),
            ),
            (
                "Financement",
                (
                    "Les MSP qui remplissent les conditions de l'accord conventionnel "
                    "interprofessionnel (ACI) reçoivent de l'Assurance maladie une rémunération "
                    "d'équipe pour la coordination ; l'ARS peut aider au démarrage. Les montants "
                    "et critères sont fixés par l'accord en vigueur : renseignez-vous auprès de "
                    "votre CPAM et de votre ARS.",
                ),
            ),
            (
                "Dans KinéCO2",
                (
                    "Une MSP crée sa structure, invite les cabinets de kinés, saisit une seule fois "
                    "les factures du bâtiment (« bilan des locaux partagés ») : chaque cabinet "
                    "reçoit automatiquement sa part, et les parts font exactement le total.",
                ),
            ),
        ),
    ),
    GuidePage(
        slug="cpts",
        title="La communauté professionnelle territoriale de santé (CPTS)",
        summary="Un réseau de professionnels d'un territoire autour d'un projet de santé "
        "territorial : parcours de soins, prévention, réponse aux besoins locaux. Pas de locaux "
        "partagés.",
        sections=(
            (
                "Ce que c'est",
                (
                    "Une CPTS rassemble, à l'échelle d'un territoire, des professionnels de santé "
                    "de ville (seuls, en cabinet, en MSP ou en centre de santé) et d'autres "
                    "acteurs sanitaires et médico-sociaux, autour d'un projet de santé transmis à "
                    "l'ARS (code de la santé publique, article L. 1434-12).",
                    "Le Gouvernement a annoncé leur nouveau nom, « Communautés France Santé ».",
                ),
            ),
            (
                "Ce que cela apporte aux kinés et aux patients",
                (
                    "Des parcours de soins organisés avec les autres professions, des actions de "
                    "prévention (activité physique, chutes, santé au travail…), l'accès aux soins "
                    "non programmés.",
                    "L'accès direct aux kinés exerçant en CPTS est expérimenté pendant cinq ans "
                    "depuis le 15 juillet 2025 dans vingt départements (arrêté du 6 juin 2025) : "
                    "voir la liste dans les contacts régionaux.",
                ),
            ),
            (
                "Financement",
                (
                    "Les CPTS signataires de l'accord conventionnel interprofessionnel dédié "
                    "reçoivent de l'Assurance maladie un financement de leur fonctionnement et de "
                    "leurs missions ; l'ARS accompagne leur création.",
                ),
            ),
            (
                "Dans KinéCO2",
                (
                    "Une CPTS invite les cabinets de kinés de son territoire. Chaque cabinet "
                    "décide de partager ou non le résultat de ses bilans ; la CPTS voit les "
                    "distributions de ses membres, publiées seulement à partir de cinq cabinets, "
                    "et suit ses actions collectives (mobilité partagée, prévention).",
                ),
            ),
        ),
    ),
    GuidePage(
        slug="centre-de-sante",
        title="Le centre de santé",
        summary="Une structure publique ou privée (municipalité, mutuelle, association) où "
        "les professionnels sont le plus souvent salariés.",
        sections=(
            (
                "Ce que c'est",
                (
                    "Un centre de santé est géré par une collectivité, un organisme à but non "
                    "lucratif, un établissement de santé ou une société coopérative ; les "
                    "professionnels y sont salariés et les patients y sont reçus sans dépassement "
                    "d'honoraires.",
                ),
            ),
            (
                "Ce que cela apporte",
                (
                    "Un exercice salarié, en équipe, sans gestion de cabinet ; l'accès direct aux "
                    "kinés y est ouvert dans les mêmes conditions qu'en MSP.",
                ),
            ),
            (
                "Financement",
                (
                    "Les centres de santé sont financés par les soins facturés à l'Assurance "
                    "maladie et par l'accord national des centres de santé ; le gestionnaire "
                    "porte les charges.",
                ),
            ),
            (
                "Dans KinéCO2",
                (
                    "Le centre déclare ses locaux comme une MSP ; chaque cabinet ou service "
                    "membre reçoit sa part selon la clé choisie.",
                ),
            ),
        ),
    ),
    GuidePage(
        slug="esp-ess",
        title="Équipes de soins primaires (ESP) et équipes de soins spécialisés (ESS)",
        summary="Des équipes plus légères, autour d'un médecin généraliste (ESP) ou de "
        "spécialistes (ESS) ; souvent une première étape vers une MSP.",
        sections=(
            (
                "Ce que c'est",
                (
                    "Une équipe de soins primaires réunit des professionnels autour d'au moins un "
                    "médecin généraliste, pour mieux coordonner le parcours de leurs patients "
                    "(code de la santé publique, article L. 1411-11-1). Une équipe de soins "
                    "spécialisés fait de même autour de médecins spécialistes.",
                ),
            ),
            (
                "Ce que cela apporte",
                (
                    "Une coordination formalisée sans bâtiment commun obligatoire ; l'accès "
                    "direct aux kinés y est ouvert dans la limite de huit séances (loi du 19 mai "
                    "2023).",
                ),
            ),
            (
                "Dans KinéCO2",
                (
                    "Une ESP qui partage des locaux les déclare comme une MSP ; sinon, elle "
                    "suit les bilans que ses membres acceptent de partager.",
                ),
            ),
        ),
    ),
    GuidePage(
        slug="se-lancer",
        title="Se lancer : les étapes",
        summary="Trouver une structure près de chez soi, contacter les confrères, évaluer ses "
        "besoins, se former, s'engager.",
        sections=(
            (
                "1. Trouver s'il existe une MSP ou une CPTS sur mon territoire",
                (
                    "Cherchez votre commune dans l'annuaire « Y a-t-il une structure près de chez "
                    "moi ? » (extrait officiel FINESS et structures inscrites sur KinéCO2), puis "
                    "demandez à votre ARS la liste des CPTS de votre territoire.",
                ),
            ),
            (
                "2. Contacter les collègues",
                (
                    "Prenez contact avec le ou la coordinatrice de la structure, ou avec les "
                    "professionnels de votre quartier si rien n'existe encore. L'URPS des "
                    "masseurs-kinésithérapeutes et la fédération régionale des maisons de santé "
                    "accompagnent les projets.",
                ),
            ),
            (
                "3. Évaluer mes besoins",
                (
                    "Locaux, secrétariat, temps de coordination, patientèle, projet de santé : "
                    "notez ce que vous attendez et ce que vous pouvez apporter. Votre bilan "
                    "KinéCO2 montre aussi ce que la mutualisation changerait (énergie, locaux).",
                ),
            ),
            (
                "4. Me former",
                (
                    "Les fédérations (AVECsanté pour les maisons de santé, FCPTS pour les CPTS) "
                    "et les ARS proposent des webinaires et des formations à la coordination.",
                ),
            ),
            (
                "5. M'engager",
                (
                    "Rejoignez la structure ; dans KinéCO2, acceptez l'invitation de la structure "
                    "et choisissez ce que vous partagez : votre cabinet reçoit alors sa part des "
                    "locaux partagés automatiquement.",
                ),
            ),
        ),
    ),
)
PAGES_BY_SLUG = {page.slug: page for page in PAGES}


@functools.cache
def contacts() -> dict[str, Any]:
    with CONTACTS_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return data


def region_contacts(region_code: str) -> dict[str, Any] | None:
    for entry in contacts()["regions"]:
        if entry["region_code"] == region_code:
            return entry
    return None


def direct_access_departements() -> dict[str, str]:
    return {d["code"]: d["name"] for d in contacts()["direct_access_experiment"]["departements"]}


# -- the directory: FINESS establishments and registered structures ------------------------

#: Radius choices of « Y a-t-il une structure près de chez moi ? » (km), and the default.
RADII_KM = (10, 20, 50)
DEFAULT_RADIUS_KM = 20
#: How far the « nearest one » hint looks when nothing is within the radius (km).
NEAREST_LOOKUP_KM = 150


def _departement_of(code_insee: str) -> str:
    return code_insee[:3] if code_insee.startswith("97") else code_insee[:2]


@functools.cache
def _departement_boxes() -> dict[str, tuple[float, float, float, float]]:
    """(south, north, west, east) of each département's commune centres, in degrees."""
    boxes: dict[str, list[float]] = {}
    for code, (lat, lon, _area) in geo.commune_points().items():
        box = boxes.setdefault(_departement_of(code), [lat, lat, lon, lon])
        box[0], box[1] = min(box[0], lat), max(box[1], lat)
        box[2], box[3] = min(box[2], lon), max(box[3], lon)
    return {dep: (b[0], b[1], b[2], b[3]) for dep, b in boxes.items()}


#: Margin added to a département's box of commune centres: a structure may stand up to a
#: commune's half-width away from its commune's centre.
_BOX_MARGIN_KM = 15.0


def departements_near(point: tuple[float, float], radius_km: float) -> set[str]:
    """The départements that may hold a place within ``radius_km`` of ``point``."""
    near = set()
    for dep, (south, north, west, east) in _departement_boxes().items():
        closest = (min(max(point[0], south), north), min(max(point[1], west), east))
        if geo.great_circle_km(point, closest) <= radius_km + _BOX_MARGIN_KM:
            near.add(dep)
    return near


def distance_label(km: float) -> str:
    """« à 3,2 km » (one decimal under 10 km), « à 27 km », « à moins de 100 m »."""
    if km < 0.1:
        return "à moins de 100 m"
    return f"à {format_number(km, 1 if km < 10 else 0)} km"
