"""Coordinated-practice structures (MSP, CPTS, centres de santé, ESP, ESS).

A structure has coordinators (who manage it), member practices (KinéCO2 practices that
accepted to join, each deciding what it shares) and other professionals of the premises
(listed by profession, with what the allocation key needs). Structures with shared premises
keep one « bilan des locaux partagés » per year. The FINESS directory lists the MSP and
centres de santé of the official extract. Business rules live in ``services.py`` and
``selectors.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    MSP = "msp", "Maison de santé pluriprofessionnelle (MSP)"
    CPTS = "cpts", "Communauté professionnelle territoriale de santé (CPTS)"
    CENTRE_SANTE = "centre_sante", "Centre de santé"
    ESP = "esp", "Équipe de soins primaires (ESP)"
    ESS = "ess", "Équipe de soins spécialisés (ESS)"


#: Kinds of structure that may share premises (a CPTS is a territorial network).
KINDS_WITH_PREMISES = frozenset({Kind.MSP, Kind.CENTRE_SANTE, Kind.ESP, Kind.ESS})


class CoordinatorRole(models.TextChoices):
    RESPONSABLE = "responsable", "Responsable (gère aussi les coordinateurs)"
    COORDINATEUR = "coordinateur", "Coordinateur ou coordinatrice"


class AllocationKey(models.TextChoices):
    SURFACE = "surface", "Surface occupée (parties communes aux fonctions support)"
    SEANCES = "seances", "Séances réalisées dans les locaux"
    HEURES = "heures", "Heures de présence dans les locaux"
    EFFECTIF = "effectif", "Nombre de professionnels"


class SupportKey(models.TextChoices):
    SEANCES = "seances", "Séances réalisées dans les locaux"
    HEURES = "heures", "Heures de présence dans les locaux"
    EFFECTIF = "effectif", "Nombre de professionnels"


class Structure(models.Model):
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    name = models.CharField("nom", max_length=200)
    commune_code = models.CharField("code INSEE de la commune", max_length=5)
    commune_name = models.CharField("commune", max_length=200)
    departement = models.CharField("département", max_length=3)
    region_code = models.CharField("code région", max_length=3)
    finess = models.CharField("numéro FINESS", max_length=9, blank=True)
    premises_key = models.CharField(
        "clé de répartition des locaux",
        max_length=10,
        choices=AllocationKey.choices,
        default=AllocationKey.SURFACE,
    )
    support_key = models.CharField(
        "clé de répartition des fonctions support",
        max_length=10,
        choices=SupportKey.choices,
        default=SupportKey.SEANCES,
    )
    common_surface_m2 = models.FloatField("surface des parties communes (m²)", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure d'exercice coordonné"
        verbose_name_plural = "structures d'exercice coordonné"
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.commune_name})"

    @property
    def has_premises(self) -> bool:
        return self.kind in KINDS_WITH_PREMISES


class Coordinator(models.Model):
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="coordinators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="structure_roles"
    )
    role = models.CharField(
        "rôle", max_length=20, choices=CoordinatorRole.choices, default=CoordinatorRole.COORDINATEUR
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "coordinateur"
        verbose_name_plural = "coordinateurs"
        constraints = [
            models.UniqueConstraint(fields=["structure", "user"], name="one_role_per_structure")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.structure.name} ({self.get_role_display()})"


class MemberPractice(models.Model):
    """A KinéCO2 practice that accepted to join the structure, and what it shares."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="members")
    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.CASCADE, related_name="structure_memberships"
    )
    share_footprint = models.BooleanField(
        "partager le résultat de mes bilans validés avec la structure", default=False
    )
    surface_m2 = models.FloatField("surface occupée (m²)", default=0)
    sessions_per_year = models.FloatField("séances par an dans les locaux", default=0)
    hours_per_week = models.FloatField("heures de présence par semaine", default=0)
    headcount = models.PositiveSmallIntegerField("nombre de professionnels", default=1)
    joined_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "cabinet membre"
        verbose_name_plural = "cabinets membres"
        ordering = ("structure", "practice__name")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "practice"], name="one_member_per_practice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.practice.name} ∈ {self.structure.name}"


class Profession(models.TextChoices):
    MEDECIN = "medecin", "Médecins généralistes"
    INFIRMIER = "infirmier", "Infirmiers et infirmières"
    SAGE_FEMME = "sage_femme", "Sages-femmes"
    ORTHOPHONISTE = "orthophoniste", "Orthophonistes"
    PEDICURE = "pedicure_podologue", "Pédicures-podologues"
    DIETETICIEN = "dieteticien", "Diététiciens"
    PSYCHOLOGUE = "psychologue", "Psychologues"
    DENTISTE = "chirurgien_dentiste", "Chirurgiens-dentistes"
    PHARMACIEN = "pharmacien", "Pharmaciens"
    SPECIALISTE = "specialiste", "Médecins spécialistes"
    KINE = "kine_hors_kineco2", "Kinés (cabinet non inscrit sur KinéCO2)"
    SECRETARIAT = "secretariat", "Secrétariat et coordination"
    AUTRE = "autre", "Autre profession"


class OtherProfessional(models.Model):
    """Professionals of the premises not on KinéCO2, by profession (no personal data)."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="other_professionals"
    )
    profession = models.CharField("profession", max_length=30, choices=Profession.choices)
    label = models.CharField("précision", max_length=100, blank=True)
    headcount = models.PositiveSmallIntegerField("nombre de professionnels", default=1)
    surface_m2 = models.FloatField("surface occupée (m²)", default=0)
    sessions_per_year = models.FloatField("séances ou consultations par an", default=0)
    hours_per_week = models.FloatField("heures de présence par semaine", default=0)

    class Meta:
        verbose_name = "autre professionnel"
        verbose_name_plural = "autres professionnels"
        ordering = ("structure", "profession", "pk")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.get_profession_display()
        return f"{name} ({self.label})" if self.label else name


class InvitationKind(models.TextChoices):
    CABINET = "cabinet", "Un cabinet de kinésithérapie (membre)"
    COORDINATEUR = "coordinateur", "Un coordinateur ou une coordinatrice"


class StructureInvitation(models.Model):
    """An invitation by e-mail: to join as a member practice, or as a coordinator."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField("invitation de", max_length=20, choices=InvitationKind.choices)
    email = models.EmailField("adresse e-mail")
    role = models.CharField(
        "rôle", max_length=20, choices=CoordinatorRole.choices, default=CoordinatorRole.COORDINATEUR
    )
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "invitation à une structure"
        verbose_name_plural = "invitations à une structure"

    def __str__(self) -> str:
        return f"{self.email} → {self.structure.name} ({self.get_kind_display()})"


class SharedPremises(models.Model):
    """The « bilan des locaux partagés » of one year: the engine's sections, as JSON."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="premises")
    reference_year = models.PositiveSmallIntegerField("année de référence")
    answers = models.JSONField("réponses", default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bilan des locaux partagés"
        verbose_name_plural = "bilans des locaux partagés"
        ordering = ("structure", "-reference_year")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "reference_year"], name="one_premises_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure.name} — locaux {self.reference_year}"


class CollectiveAction(models.Model):
    """An écosoin the structure runs for its members (collective action plan)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="actions")
    action_id = models.CharField("écosoin", max_length=80)
    reference_year = models.PositiveSmallIntegerField("année du bilan de départ")
    status = models.CharField(
        "état",
        max_length=20,
        choices=[("prevu", "Prévu"), ("en_cours", "En cours"), ("fait", "Fait")],
        default="prevu",
    )
    note = models.CharField("suivi", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "action collective"
        verbose_name_plural = "actions collectives"
        ordering = ("structure", "reference_year", "pk")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "action_id", "reference_year"], name="one_action_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure.name} — {self.action_id} ({self.reference_year})"


class FinessEstablishment(models.Model):
    """One MSP or centre de santé of the official FINESS extract (public open data)."""

    finess = models.CharField("numéro FINESS", max_length=9, unique=True)
    name = models.CharField("raison sociale", max_length=200)
    category_code = models.CharField("catégorie", max_length=4)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    address = models.CharField("adresse", max_length=300, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    commune_code = models.CharField("code INSEE de la commune", max_length=5, blank=True)
    commune_name = models.CharField("commune", max_length=200, blank=True)
    departement = models.CharField("département", max_length=3, db_index=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    opened_on = models.DateField("ouverture", null=True, blank=True)
    extract_date = models.DateField("date de l'extraction FINESS", null=True, blank=True)
    latitude = models.FloatField("latitude (WGS 84)", null=True, blank=True)
    longitude = models.FloatField("longitude (WGS 84)", null=True, blank=True)
    located = models.CharField(
        "position",
        max_length=10,
        blank=True,
        choices=[
            ("adresse", "adresse géolocalisée par l'extrait FINESS"),
            ("commune", "centre de la commune"),
        ],
    )

    class Meta:
        verbose_name = "établissement FINESS"
        verbose_name_plural = "établissements FINESS"
        ordering = ("departement", "commune_name", "name")

    def __str__(self) -> str:
        return f"{self.name} ({self.commune_name})"
