"""Create (idempotently) a demo account with a practice and two completed yearly assessments."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand
from django.db import transaction

from kineco2.accounts.models import User
from kineco2.practices import services
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
    help = "Crée un compte de démonstration avec un cabinet et deux bilans annuels."

    @transaction.atomic
    def handle(self, *args, **options):
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
        self.stdout.write(
            self.style.SUCCESS(f"Démo prête : connectez-vous avec {DEMO_EMAIL} / {DEMO_PASSWORD}")
        )
