"""Panel campaigns: roles, campaigns, quotas, candidates, the draw, follow-up and review.

Business rules live in ``services.py`` (writes) and ``selectors.py`` (reads); models hold data
and constraints only. Every row that belongs to a region carries its INSEE ``region_code`` so
that reads can be scoped with :func:`kineco2.panel.roles.scope_practices`.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from kineco2.practices.models import Practice, PracticeMode


class RoleKind(models.TextChoices):
    URPS = "coordinateur_urps", "Coordinateur URPS (une région)"
    NATIONAL = "coordinateur_national", "Coordinateur national"
    MAINTAINER = "mainteneur_methodo", "Mainteneur de la méthodologie"


class PanelRole(models.Model):
    """A panel role of a user; a URPS coordinator has one role per region coordinated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panel_roles"
    )
    role = models.CharField("rôle", max_length=30, choices=RoleKind.choices)
    # NULL for the national roles, which cover every region.
    region_code = models.CharField(  # noqa: DJ001
        "code région", max_length=3, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "rôle de panel"
        verbose_name_plural = "rôles de panel"
        ordering = ("role", "region_code")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="coordinateur_urps")
                | (Q(region_code__isnull=False) & ~Q(region_code="")),
                name="panel_urps_role_has_region",
                violation_error_message="Un coordinateur URPS coordonne une région : indiquez-la.",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region_code"],
                name="panel_unique_role",
                violation_error_message="Cette personne a déjà ce rôle.",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(region_code__isnull=True),
                name="panel_unique_role_without_region",
                violation_error_message="Cette personne a déjà ce rôle.",
            ),
        ]

    def __str__(self) -> str:
        region = f" ({self.region_code})" if self.region_code else ""
        return f"{self.user} — {self.get_role_display()}{region}"


class PanelInvitation(models.Model):
    """An invitation to a panel role, sent by e-mail; only the token's SHA-256 is stored."""

    email = models.EmailField("adresse e-mail")
    role = models.CharField("rôle", max_length=30, choices=RoleKind.choices)
    # NULL for the national roles, which cover every region.
    region_code = models.CharField(  # noqa: DJ001
        "code région", max_length=3, null=True, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "invitation à un rôle de panel"
        verbose_name_plural = "invitations à un rôle de panel"
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.email} → {self.get_role_display()}"


class Campaign(models.Model):
    """A panel campaign of the national coordination, with its phases and eligibility rules.

    The phase is derived from the dates and from :attr:`frozen_at` and :attr:`drawn_at`
    (see ``selectors.campaign_phase``).
    """

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant d'adresse", max_length=80, unique=True)
    reference_year = models.PositiveSmallIntegerField("année de référence")
    description = models.TextField("présentation", blank=True)
    candidatures_open = models.DateField("ouverture des candidatures")
    candidatures_close = models.DateField("clôture des candidatures")
    tirage_date = models.DateField("date du tirage")
    collecte_open = models.DateField("début de la collecte")
    collecte_close = models.DateField("fin de la collecte")
    revue_close = models.DateField("fin de la revue")
    cloture_date = models.DateField("clôture de la campagne")
    allowed_territories = models.JSONField(
        "territoires admis", default=list, blank=True, help_text="vide : tous"
    )
    allowed_modes = models.JSONField(
        "modes d'exercice admis", default=list, blank=True, help_text="vide : tous"
    )
    min_months_activity = models.PositiveSmallIntegerField(
        "ancienneté minimale (mois, au 31 décembre de l'année de référence)", default=0
    )
    frozen_at = models.DateTimeField("liste des candidatures figée le", null=True, blank=True)
    candidates_hash = models.CharField("empreinte des candidatures", max_length=64, blank=True)
    frozen_candidates = models.TextField("candidatures figées (JSON canonique)", blank=True)
    seed = models.CharField("graine publiée", max_length=200, blank=True)
    drawn_at = models.DateTimeField("tirage effectué le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "campagne"
        verbose_name_plural = "campagnes"
        ordering = ("-reference_year", "name")

    def __str__(self) -> str:
        return self.name

    @property
    def reference_end(self) -> datetime.date:
        return datetime.date(self.reference_year, 12, 31)


class Quota(models.Model):
    """``count`` practices to draw in a region, among those of ``stratum`` (empty: any)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="quotas")
    region_code = models.CharField("code région", max_length=3)
    stratum = models.JSONField("strate", default=dict, blank=True)
    count = models.PositiveSmallIntegerField("nombre de places")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quota"
        verbose_name_plural = "quotas"
        ordering = ("region_code", "pk")

    def __str__(self) -> str:
        return f"{self.campaign} — {self.region_code} {self.stratum or ''} : {self.count}"


class SizeBand(models.TextChoices):
    SEUL = "seul", "Seul"
    DEUX_TROIS = "2-3", "2 ou 3 kinés"
    QUATRE_PLUS = "4+", "4 kinés ou plus"


class TerritoryGroup(models.TextChoices):
    METROPOLE = "metropole", "Métropole"
    OUTRE_MER = "outre-mer", "Outre-mer"


class Candidate(models.Model):
    """A practice's candidacy. Strata are derived server-side; ``ref`` is its public id."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="candidates")
    ref = models.CharField("numéro de candidature", max_length=16)
    practice_name = models.CharField("nom du cabinet", max_length=200)
    commune_code = models.CharField("code INSEE de la commune", max_length=5)
    commune_name = models.CharField("commune", max_length=200)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    departement = models.CharField("département", max_length=3)
    region_code = models.CharField("code région", max_length=3)
    region_name = models.CharField("région", max_length=100)
    territory = models.CharField("territoire", max_length=40)
    practitioners = models.PositiveSmallIntegerField("nombre de kinés")
    practice_mode = models.CharField("mode d'exercice", max_length=20, choices=PracticeMode.choices)
    opened_on = models.DateField("en activité depuis", null=True, blank=True)
    zone = models.CharField("zone", max_length=40)
    zone_guessed = models.CharField("zone déduite de la commune", max_length=40)
    size = models.CharField("taille", max_length=4, choices=SizeBand.choices)
    territory_group = models.CharField(
        "métropole ou outre-mer", max_length=10, choices=TerritoryGroup.choices
    )
    contact_name = models.CharField("nom du contact", max_length=200)
    email = models.EmailField("adresse e-mail du contact")
    consent_data = models.BooleanField("accord : utilisation des données pour le panel")
    consent_publication = models.BooleanField("accord : publication anonymisée")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "candidature"
        verbose_name_plural = "candidatures"
        ordering = ("campaign", "ref")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "ref"], name="panel_unique_candidate_ref"),
            models.UniqueConstraint(
                fields=["campaign", "email", "commune_code"],
                name="panel_unique_candidacy",
                violation_error_message="Une candidature existe déjà pour cette adresse e-mail "
                "et cette commune.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} — {self.practice_name} ({self.commune_name})"

    @property
    def stratum(self) -> dict[str, str]:
        """The strata used by the draw (every candidate has every key)."""
        return {
            "mode": self.practice_mode,
            "size": self.size,
            "territory": self.territory_group,
            "zone": self.zone,
        }


class Draw(models.Model):
    """The published draw of a campaign: inputs, result and downloads, frozen for good."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="draw")
    seed = models.CharField("graine", max_length=200)
    candidates_hash = models.CharField("empreinte des candidatures", max_length=64)
    algorithm_version = models.CharField("version de l'algorithme", max_length=10)
    candidates_json = models.TextField("candidatures (JSON canonique)")
    candidates_csv = models.TextField("candidatures (CSV)")
    quotas = models.JSONField("quotas", default=list)
    result = models.JSONField("résultat", default=dict)
    result_csv = models.TextField("résultat (CSV)")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    drawn_at = models.DateTimeField("effectué le", auto_now_add=True)

    class Meta:
        verbose_name = "tirage"
        verbose_name_plural = "tirages"

    def __str__(self) -> str:
        return f"Tirage — {self.campaign}"


class ParticipationStatus(models.TextChoices):
    INVITE = "invite", "Invité"
    EN_COURS = "en_cours", "En cours"
    COMPLET = "complet", "Complet"
    VALIDE = "valide", "Validé"
    DESISTE = "desiste", "Désisté"


class PanelParticipation(models.Model):
    """A drawn (or promoted replacement) candidate's participation in the campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participations")
    candidate = models.OneToOneField(
        Candidate, on_delete=models.CASCADE, related_name="participation"
    )
    region_code = models.CharField("code région", max_length=3)
    quota_index = models.PositiveSmallIntegerField("quota (rang dans le tirage)")
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name="remplace",
    )
    practice = models.ForeignKey(
        Practice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="panel_participations",
    )
    status = models.CharField(
        "statut",
        max_length=10,
        choices=ParticipationStatus.choices,
        default=ParticipationStatus.INVITE,
    )
    invited_at = models.DateTimeField("invité le", null=True, blank=True)
    last_reminder_at = models.DateTimeField("dernière relance", null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField("relances envoyées", default=0)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    withdrawn_at = models.DateTimeField("désisté le", null=True, blank=True)
    notes = models.TextField("notes de suivi", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "participation au panel"
        verbose_name_plural = "participations au panel"
        ordering = ("campaign", "region_code", "candidate__ref")

    def __str__(self) -> str:
        return f"{self.candidate} — {self.get_status_display()}"


class ReviewComment(models.Model):
    """A coordinator's comment to a participating practice (data review)."""

    participation = models.ForeignKey(
        PanelParticipation, on_delete=models.CASCADE, related_name="comments"
    )
    post_id = models.CharField("poste", max_length=40, blank=True)
    body = models.TextField("commentaire")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "commentaire de revue"
        verbose_name_plural = "commentaires de revue"
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.participation} — {self.body[:40]}"
