"""The coordinated-practice part of the demonstration (``load_demo``).

:func:`load` creates, once, around the demo physiotherapist's practice in Périgueux:

* the MSP :data:`MSP_NAME` (shared premises, surface key, common areas to the support
  functions), coordinated by the demo physiotherapist (« responsable »), with three member
  practices — the demo practice and two small practices made for the MSP
  (:data:`MEMBER_PRACTICES`, each owned by an inactive user nobody can log in as) — and the
  other professions of the building (doctors, nurses, secretariat);
* its « bilan des locaux partagés » for 2024 and 2025 (a colder 2024: more gas), so that
  each member's results show its share and the year-on-year pages follow it;
* completed 2024 and 2025 assessments of the two MSP practices (their share included);
* the CPTS :data:`CPTS_NAME`, with the three practices sharing their footprint.

Idempotent: what exists is kept; a second run writes nothing. Everything goes through the
services of ``practices`` and ``structures``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.db import transaction

from kineco2.accounts.models import User
from kineco2.practices import services as practice_services
from kineco2.practices.answers import to_input
from kineco2.practices.models import Assessment, Level, Membership, Practice, Role
from kineco2.structures import services
from kineco2.structures.models import (
    Kind,
    MemberPractice,
    SharedPremises,
    Structure,
)

__all__ = ["CPTS_NAME", "MSP_NAME", "Summary", "load"]

COMMUNE = "24000"
MSP_NAME = "Maison de santé du Toulon (démonstration)"
CPTS_NAME = "CPTS du Grand Périgueux (démonstration)"
YEARS = (2024, 2025)

#: (owner e-mail, practice name, kinés, surface m², sessions/year, hours/week at the MSP)
MEMBER_PRACTICES = (
    ("demo-msp-1@msp.kineco2.invalid", "Cabinet des Arènes (démo MSP)", 1, 25, 3300, 35),
    ("demo-msp-2@msp.kineco2.invalid", "Cabinet Saint-Front (démo MSP)", 2, 45, 6200, 62),
)
#: The demo practice's place in the MSP.
DEMO_MEMBER = {"surface_m2": 70, "sessions_per_year": 9000, "hours_per_week": 95}
#: (profession, headcount, surface m², consultations/year, hours/week)
PROFESSIONALS = (
    ("medecin", 3, 75, 15500, 110),
    ("infirmier", 2, 20, 6000, 40),
    ("secretariat", 2, 15, 0, 60),
)
COMMON_SURFACE_M2 = 80
#: The building's bilans: 2025 as measured, 2024 colder (more gas).
PREMISES = {
    2025: {
        "energie": {
            "data_quality": "mesure",
            "electricity_kwh": 38000,
            "heating_energy": "gaz",
            "heating_kwh": 52000,
        },
        "froid": {"ac_units": 2},
        "materiel": {"desktops": 3, "screens": 4, "printers": 2},
        "services": {"cleaning_maintenance_eur": 9000, "telecom_eur": 1800},
        "dechets": {"residual_waste_kg": 1500, "cardboard_kg": 300},
    },
}
PREMISES[2024] = copy.deepcopy(PREMISES[2025])
PREMISES[2024]["energie"]["heating_kwh"] = 61000


@dataclass
class Summary:
    structures_created: int = 0
    assessments_completed: int = 0


def _owner(email: str, number: int) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name="Cabinet", last_name=f"MSP démo {number}")
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return user


def _member_practice(email: str, name: str, kines: int, number: int) -> Practice:
    owner = _owner(email, number)
    membership = Membership.objects.filter(user=owner, role=Role.TITULAIRE).first()
    if membership is not None:
        return membership.practice
    return practice_services.practice_create(
        user=owner, name=name, commune=COMMUNE, practitioners=kines, practice_mode="msp"
    )


def _answers(base: dict, *, year: int, kines: int, surface: float, sessions: float) -> dict:
    data = copy.deepcopy(base)
    profile = data.setdefault("profile", {})
    profile.update(
        commune=COMMUNE,
        practitioners=kines,
        practice_mode="msp",
        reference_year=year,
        sessions_per_year=sessions,
        surface_m2=surface,
    )
    materiel = data.get("materiel") or {}
    for key in ("electric_tables", "laptops", "smartphones"):
        if key in materiel:
            materiel[key] = kines + (1 if key == "electric_tables" else 0)
    return data


def _complete(practice: Practice, year: int, answers: dict) -> bool:
    """The assessment of ``year`` completed with its result (share included); False if it
    already was."""
    from kineco2.practices.selectors import assessment_result

    assessment = Assessment.objects.filter(practice=practice, reference_year=year).first()
    if assessment is not None and assessment.completed_at is not None:
        return False
    if assessment is None:
        assessment = practice_services.assessment_create(
            practice=practice, reference_year=year, copy_previous=False
        )
    to_input(answers)  # fails loudly here rather than on a results page
    assessment = practice_services.assessment_replace_answers(
        assessment=assessment, answers=answers
    )
    assessment = practice_services.assessment_set_level(assessment=assessment, level=Level.COMPLET)
    practice_services.assessment_complete(
        assessment=assessment, result=assessment_result(assessment)
    )
    return True


def _refresh_share(practice: Practice) -> int:
    """Re-validate the completed assessments whose stored result predates their share (a
    demo loaded before the structures existed). Returns how many."""
    from kineco2.practices.selectors import assessment_result, latest_snapshot
    from kineco2.structures.selectors import shared_share_for

    done = 0
    for assessment in practice.assessments.filter(completed_at__isnull=False):
        snapshot = latest_snapshot(assessment)
        if snapshot is None or (snapshot.data or {}).get("shared_premises"):
            continue
        if shared_share_for(assessment) is None:
            continue
        practice_services.assessment_complete(
            assessment=assessment, result=assessment_result(assessment)
        )
        done += 1
    return done


@transaction.atomic
def load(*, user: User, practice: Practice, answers: dict) -> Summary:
    """The demo MSP and CPTS around ``practice`` (the demo physiotherapist's), coordinated by
    ``user``; ``answers`` are the demo practice's answers, the base of the members' ones."""
    summary = Summary()
    msp = Structure.objects.filter(name=MSP_NAME, kind=Kind.MSP).first()
    if msp is None:
        msp = services.structure_create(user=user, kind=Kind.MSP, name=MSP_NAME, commune=COMMUNE)
        services.structure_update(
            structure=msp,
            premises_key="surface",
            support_key="seances",
            common_surface_m2=COMMON_SURFACE_M2,
        )
        for profession, headcount, surface, sessions, hours in PROFESSIONALS:
            services.professional_add(
                structure=msp,
                profession=profession,
                headcount=headcount,
                surface_m2=surface,
                sessions_per_year=sessions,
                hours_per_week=hours,
            )
        summary.structures_created += 1
    members = [(practice, practice.practitioners, DEMO_MEMBER)]
    for number, (email, name, kines, surface, sessions, hours) in enumerate(
        MEMBER_PRACTICES, start=1
    ):
        members.append(
            (
                _member_practice(email, name, kines, number),
                kines,
                {"surface_m2": surface, "sessions_per_year": sessions, "hours_per_week": hours},
            )
        )
    for member_practice, kines, numbers in members:
        MemberPractice.objects.get_or_create(
            structure=msp,
            practice=member_practice,
            defaults={"share_footprint": True, "headcount": kines, **numbers},
        )
    for year in YEARS:
        if not SharedPremises.objects.filter(structure=msp, reference_year=year).exists():
            services.premises_save(structure=msp, year=year, answers=PREMISES[year], user=user)
    for member_practice, kines, numbers in members[1:]:
        for year in YEARS:
            data = _answers(
                answers,
                year=year,
                kines=kines,
                surface=numbers["surface_m2"],
                sessions=numbers["sessions_per_year"],
            )
            summary.assessments_completed += _complete(member_practice, year, data)
    summary.assessments_completed += _refresh_share(practice)

    cpts = Structure.objects.filter(name=CPTS_NAME, kind=Kind.CPTS).first()
    if cpts is None:
        cpts = services.structure_create(user=user, kind=Kind.CPTS, name=CPTS_NAME, commune=COMMUNE)
        summary.structures_created += 1
    for member_practice, kines, _numbers in members:
        MemberPractice.objects.get_or_create(
            structure=cpts,
            practice=member_practice,
            defaults={"share_footprint": True, "headcount": kines},
        )

    return summary
