"""Create (idempotently) the demonstration: a demo physiotherapist with a practice and two
completed yearly assessments, member of a demo MSP with shared premises and of a demo CPTS
(:mod:`kineco2.structures.demo`), then the rest of the demo world
(:mod:`kineco2.practices.demo`): demo practices for the état des lieux and the comparisons, a
panel campaign, two coordinators."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kineco2.accounts.models import User
from kineco2.practices import demo, services
from kineco2.practices.answers import to_input
from kineco2.practices.models import Assessment, Practice

DEMO_EMAIL = "demo@kineco2.fr"
DEMO_PASSWORD = "demo-kineco2-2025"  # noqa: S105  (public demo account, documented)
EXAMPLE = Path(__file__).resolve().parents[5] / "examples" / "trois-kines-ville-moyenne-gaz.yaml"


def demo_answers() -> dict:
    if EXAMPLE.exists():
        return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return {"profile": {"commune": "24000", "practitioners": 3}}


class Command(BaseCommand):
    help = (
        "Crée la démonstration : un compte kiné avec un cabinet et deux bilans annuels, des "
        "cabinets de démonstration, une campagne de panel et deux comptes de coordination."
    )

    def handle(self, *args, **options):
        if getattr(settings, "KINECO2_PRODUCTION", False):
            raise CommandError(
                "La démonstration ne se charge pas en production : elle crée des comptes de "
                "coordination (dont la coordination nationale) au mot de passe public."
            )
        self._physiotherapist()
        summary = demo.load()
        from kineco2.outreach import demo as outreach_demo

        outreach_demo.load()  # news archive, webinars with a replay, FAQ entry
        self.stdout.write(
            f"{summary.practices} cabinets de démonstration "
            f"({summary.practices_created} créés maintenant), bilans {demo.YEAR} terminés ; "
            f"campagne « {demo.CAMPAIGN_NAME} » : {summary.participations} participations, "
            f"dont {summary.validated} validées."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Démo prête. Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :"
            )
        )
        from kineco2.structures import demo as structures_demo

        self.stdout.write(
            f"Exercice coordonné : « {structures_demo.MSP_NAME} » (locaux partagés, trois "
            f"cabinets membres) et « {structures_demo.CPTS_NAME} », coordonnées par "
            f"{DEMO_EMAIL}."
        )
        for email, who in (
            (
                DEMO_EMAIL,
                "kiné, cabinet de démonstration et ses bilans 2024 et 2025, responsable "
                "de la MSP et de la CPTS de démonstration",
            ),
            (demo.NATIONAL_EMAIL, "coordination nationale du panel"),
            (demo.URPS_IDF_EMAIL, "coordination URPS Île-de-France"),
        ):
            self.stdout.write(f"  {email} / {DEMO_PASSWORD} — {who}")

    @transaction.atomic
    def _physiotherapist(self) -> None:
        user, created = User.objects.get_or_create(
            email=DEMO_EMAIL,
            defaults={"first_name": "Camille", "last_name": "Démo", "email_confirmed": True},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        practice = Practice.objects.filter(memberships__user=user).first()
        if practice is None:
            practice = services.practice_create(
                user=user,
                name="Cabinet de démonstration",
                commune="24000",
                practitioners=3,
                practice_mode="groupe",
            )
        answers = demo_answers()
        # The MSP and the CPTS first: the demo practice's assessments include its share of
        # the shared premises from the start.
        from kineco2.structures import demo as structures_demo

        self.structures = structures_demo.load(user=user, practice=practice, answers=answers)
        for year, scale in ((2024, 1.06), (2025, 1.0)):
            if Assessment.objects.filter(practice=practice, reference_year=year).exists():
                continue
            assessment = services.assessment_create(
                practice=practice, reference_year=year, copy_previous=False
            )
            data = copy.deepcopy(answers)
            data["profile"]["reference_year"] = year
            energy = data.setdefault("energie", {})
            if "heating_kwh" in energy:  # a colder year before
                energy["heating_kwh"] = round(energy["heating_kwh"] * scale)
            to_input(data)
            services.assessment_replace_answers(assessment=assessment, answers=data)
            assessment.refresh_from_db()
            assessment.level = "complet"
            assessment.save(update_fields=["level"])
            from kineco2.practices.selectors import assessment_result

            services.assessment_complete(
                assessment=assessment, result=assessment_result(assessment)
            )
