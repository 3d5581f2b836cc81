"""Écosoins: the catalogue of actions (texts), the practices' action plans, the initiatives.

Business rules live in ``services.py`` (writes) and ``selectors.py`` (reads); models hold
data and constraints only. The computable effect of an action always comes from the data
file read by the engine (:mod:`kineco2.engine.actions`), never from these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kineco2.engine.actions import COST_LEVELS, EFFORTS, SCOPES, TIMES_TO_IMPLEMENT

COST_LEVEL_CHOICES = [(v, v.capitalize()) for v in COST_LEVELS]
EFFORT_CHOICES = [(v, v.capitalize()) for v in EFFORTS]
TIME_CHOICES = [(v, v.capitalize()) for v in TIMES_TO_IMPLEMENT]
SCOPE_CHOICES = [(v, v.capitalize()) for v in SCOPES]


class CatalogueAction(models.Model):
    """The texts of one action of the catalogue, synced from the data file (``sync_catalogue``).

    Moderators may edit the texts (title, description, saving, safeguards, sources) and the
    publication in the admin: the row is then marked ``edited_by_moderator`` and a re-sync
    keeps its texts, unless the data file's version changed (see ``docs/ecosoins.md``).
    """

    action_id = models.SlugField("identifiant", max_length=80, unique=True)
    version = models.CharField("version du catalogue", max_length=20)
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description")
    posts = models.JSONField("postes touchés", default=list)
    cost_level = models.CharField("coût", max_length=20, choices=COST_LEVEL_CHOICES)
    saving = models.TextField("économie possible", blank=True)
    effort = models.CharField("effort", max_length=20, choices=EFFORT_CHOICES)
    time_to_implement = models.CharField(
        "délai de mise en œuvre", max_length=30, choices=TIME_CHOICES
    )
    scope_of_action = models.CharField("portée", max_length=20, choices=SCOPE_CHOICES)
    safeguards = models.TextField(
        "précautions (hygiène, qualité des soins)", blank=True, help_text="Une par ligne."
    )
    sources = models.TextField("sources", blank=True, help_text="Une par ligne.")
    published = models.BooleanField("publiée", default=True)
    edited_by_moderator = models.BooleanField("textes modifiés par un modérateur", default=False)
    updated_at = models.DateTimeField("mise à jour", auto_now=True)

    class Meta:
        verbose_name = "action du catalogue"
        verbose_name_plural = "actions du catalogue"
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.title

    @property
    def safeguard_list(self) -> list[str]:
        return [s.strip() for s in self.safeguards.splitlines() if s.strip()]

    @property
    def source_list(self) -> list[str]:
        return [s.strip() for s in self.sources.splitlines() if s.strip()]


class PlanStatus(models.TextChoices):
    PREVUE = "prevue", "Prévue"
    EN_COURS = "en_cours", "En cours"
    REALISEE = "realisee", "Réalisée"
    ABANDONNEE = "abandonnee", "Abandonnée"


class PlannedAction(models.Model):
    """An action of a practice's plan. The plan belongs to the practice: it follows it from
    one yearly assessment to the next."""

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.CASCADE, related_name="planned_actions"
    )
    action_id = models.SlugField("action", max_length=80)
    parameters = models.JSONField("paramètres", default=dict, blank=True)
    status = models.CharField(
        "état", max_length=20, choices=PlanStatus.choices, default=PlanStatus.PREVUE
    )
    target_date = models.DateField("échéance", null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_actions",
        verbose_name="responsable",
    )
    notes = models.TextField("notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "action du plan"
        verbose_name_plural = "actions des plans"
        ordering = ("practice", "created_at", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "action_id"], name="one_plan_item_per_action"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice.name} — {self.action_id} ({self.get_status_display()})"


class Sector(models.TextChoices):
    CABINET = "cabinet_liberal", "Cabinet libéral"
    MSP = "msp", "Maison de santé pluriprofessionnelle (MSP)"
    CENTRE_SANTE = "centre_sante", "Centre de santé"
    CPTS = "cpts", "CPTS"
    ETABLISSEMENT = "etablissement", "Établissement de santé ou médico-social"


class CostPerception(models.TextChoices):
    """The contributor's own judgement of the cost, as the national survey asked it."""

    FAIBLE = "faible", "Faible"
    MOYEN = "moyen", "Moyen"
    ELEVE = "eleve", "Élevé"


class InitiativeStatus(models.TextChoices):
    SOUMISE = "soumise", "Soumise"
    PUBLIEE = "publiee", "Publiée"
    REFUSEE = "refusee", "Refusée"


class Initiative(models.Model):
    """An eco-responsible practice contributed by a professional, published after moderation."""

    title = models.CharField("titre", max_length=200)
    description = models.TextField("ce qui a été fait")
    commune_code = models.CharField("code INSEE de la commune", max_length=5)
    commune_name = models.CharField("commune", max_length=200)
    region_name = models.CharField("région", max_length=100)
    posts = models.JSONField("postes touchés", default=list)
    cost_eur = models.PositiveIntegerField("coût (€)")
    cost_perceived = models.CharField(
        "coût ressenti", max_length=10, choices=CostPerception.choices, blank=True
    )
    time_to_implement = models.CharField(
        "délai de mise en œuvre", max_length=30, choices=TIME_CHOICES
    )
    scope_of_action = models.CharField("portée", max_length=20, choices=SCOPE_CHOICES)
    observed_results = models.TextField("résultats observés")
    sector = models.CharField("secteur", max_length=20, choices=Sector.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiatives",
        verbose_name="proposée par",
    )
    status = models.CharField(
        "état", max_length=20, choices=InitiativeStatus.choices, default=InitiativeStatus.SOUMISE
    )
    moderator_note = models.TextField("note du modérateur", blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modérée par",
    )
    moderated_at = models.DateTimeField("modérée le", null=True, blank=True)
    created_at = models.DateTimeField("proposée le", auto_now_add=True)
    updated_at = models.DateTimeField("mise à jour", auto_now=True)

    class Meta:
        verbose_name = "initiative de professionnels"
        verbose_name_plural = "initiatives de professionnels"
        ordering = ("-created_at", "-pk")
        permissions = [("moderate_initiative", "Peut publier ou refuser les initiatives")]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return self.title
