"""Practices, their members and their yearly assessments.

Business rules live in ``services.py`` (writes) and ``selectors.py`` (reads); models hold
data and constraints only.
"""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


class PracticeMode(models.TextChoices):
    SEUL = "seul", "Cabinet individuel"
    GROUPE = "groupe", "Cabinet de groupe"
    MSP = "msp", "Maison de santé pluriprofessionnelle (MSP)"
    CENTRE_SANTE = "centre_sante", "Centre de santé"


#: The empty first option of a mode-of-practice select: nothing is chosen for the user.
PRACTICE_MODE_BLANK = ("", "— Choisissez le mode d'exercice —")


def practice_mode_choices() -> list[tuple[str, str]]:
    """Choices of a mode-of-practice select, starting with the empty option.

    The mode is a stratum of the published statistics: no mode is pre-selected, since a
    browser shows the first option of a select as chosen.
    """
    return [PRACTICE_MODE_BLANK, *PracticeMode.choices]


def practice_mode_problem(practitioners: int | None, practice_mode: str | None) -> str | None:
    """The French message when ``practice_mode`` cannot describe ``practitioners`` kinés.

    Only one combination is impossible: « Cabinet individuel » is a kiné practising alone,
    so it cannot have 2 kinés or more (the synthetic population and the panel's size band
    « seul » say the same). One kiné may practise in a group practice (with other
    professions), an MSP or a health centre: nothing is guessed there.
    """
    if practice_mode == PracticeMode.SEUL and practitioners is not None and practitioners >= 2:
        return (
            f"Un cabinet individuel compte un seul kiné ; vous en avez indiqué {practitioners}. "
            "Choisissez « Cabinet de groupe », « Maison de santé pluriprofessionnelle (MSP) » "
            "ou « Centre de santé », ou corrigez le nombre de kinésithérapeutes."
        )
    return None


class Role(models.TextChoices):
    TITULAIRE = "titulaire", "Titulaire"
    COLLABORATEUR = "collaborateur", "Collaborateur ou assistant"


class Practice(models.Model):
    name = models.CharField("nom du cabinet", max_length=200)
    commune_code = models.CharField("code INSEE de la commune", max_length=5)
    commune_name = models.CharField("commune", max_length=200)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    departement = models.CharField("département", max_length=3)
    region_code = models.CharField("code région", max_length=3)
    region_name = models.CharField("région", max_length=100)
    territory = models.CharField("territoire", max_length=40)
    practitioners = models.PositiveSmallIntegerField("nombre de kinés", default=1)
    practice_mode = models.CharField(
        "mode d'exercice", max_length=20, choices=PracticeMode.choices, default=PracticeMode.SEUL
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="practices"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "cabinet"
        verbose_name_plural = "cabinets"
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.commune_name})"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.TITULAIRE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "membre"
        verbose_name_plural = "membres"
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.practice} ({self.get_role_display()})"


#: An invitation link works for this long.
INVITATION_VALIDITY = datetime.timedelta(days=14)


def hash_token(token: str) -> str:
    """What is stored of an invitation token: its SHA-256 (the link holds the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _invitation_expiry():
    return timezone.now() + INVITATION_VALIDITY


class Invitation(models.Model):
    """An invitation to join a practice. Only the SHA-256 of the link's token is stored (a
    copy of the database gives no usable link), and the link expires."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("adresse e-mail")
    role = models.CharField("rôle", max_length=20, choices=Role.choices, default=Role.COLLABORATEUR)
    token_hash = models.CharField("empreinte du jeton", max_length=64, unique=True)
    expires_at = models.DateTimeField("expire le", default=_invitation_expiry)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"

    def __str__(self) -> str:
        return f"{self.email} → {self.practice}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Level(models.TextChoices):
    EXPRESS = "express", "Express (une quinzaine de questions)"
    COMPLET = "complet", "Complet (tous les postes)"


class Assessment(models.Model):
    """One practice's answers for one reference year (the engine's input, as JSON)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="assessments")
    reference_year = models.PositiveSmallIntegerField("année de référence")
    level = models.CharField("niveau", max_length=10, choices=Level.choices, default=Level.EXPRESS)
    answers = models.JSONField("réponses", default=dict, blank=True)
    revision = models.PositiveIntegerField("révision", default=0)
    last_step = models.CharField("dernière étape", max_length=40, blank=True)
    #: Steps the user has displayed, as ``"<level>:<step>"`` (a step is done once seen).
    seen_steps = models.JSONField("étapes vues", default=list, blank=True)
    completed_at = models.DateTimeField("terminé le", null=True, blank=True)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bilan"
        verbose_name_plural = "bilans"
        ordering = ("practice", "-reference_year")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "reference_year"], name="one_assessment_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice.name} — {self.reference_year}"


class ResultSnapshot(models.Model):
    """The result of an assessment as computed, with the versions that produced it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="snapshots")
    answers_hash = models.CharField(max_length=64)
    factors_version = models.CharField(max_length=20)
    defaults_version = models.CharField(max_length=20)
    schema_version = models.CharField(max_length=20)
    engine_version = models.CharField(max_length=20)
    total_kgco2e = models.FloatField()
    per_session_kgco2e = models.FloatField(null=True)
    interval_low_kgco2e = models.FloatField(null=True)
    interval_high_kgco2e = models.FloatField(null=True)
    posts = models.JSONField(default=dict)  # post id -> kg CO2e
    data = models.JSONField(default=dict)  # the full result (Result.to_dict())
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "résultat calculé"
        verbose_name_plural = "résultats calculés"
        ordering = ("-computed_at",)
        indexes = [models.Index(fields=["assessment", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.assessment} — {self.total_kgco2e / 1000:.1f} t ({self.factors_version})"
