"""Methodology governance: recompute jobs and the figures of stored assessments under a version.

A stored result keeps the version that produced it. To see what a (draft) version would do
to the panel before publishing it, every assessment's latest stored result is recomputed
under that version **beside** it: :class:`VersionFigures` holds one row per (version,
assessment) — the stored figures and the recomputed ones, posts packed as float64 like
:class:`kineco2.benchmarks.models.AssessmentFigures` — and never touches the stored result.
The unique (version, assessment) constraint is what makes a job resumable without writing
anything twice. :class:`RecomputeJob` records progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kineco2.practices.models import Assessment, ResultSnapshot

#: The Django group of the methodology maintainers (role « méthodologie »).
GROUP_NAME = "méthodologie"
PERMISSION = "methodology.maintain_methodology"


class JobStatus(models.TextChoices):
    EN_ATTENTE = "en_attente", "En attente"
    EN_COURS = "en_cours", "En cours"
    TERMINE = "termine", "Terminé"
    ECHEC = "echec", "Échec"


class RecomputeJob(models.Model):
    version = models.CharField("version de la méthode", max_length=20)
    status = models.CharField(
        "état", max_length=12, choices=JobStatus.choices, default=JobStatus.EN_ATTENTE
    )
    total = models.PositiveIntegerField("bilans à recalculer", default=0)
    done = models.PositiveIntegerField("bilans recalculés", default=0)
    failed = models.PositiveIntegerField("bilans en échec", default=0)
    batch = models.PositiveIntegerField("par le calcul vectorisé", default=0)
    scalar = models.PositiveIntegerField("un par un", default=0)
    seconds = models.FloatField("durée (s)", default=0.0)
    message = models.TextField("message", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "recalcul du panel"
        verbose_name_plural = "recalculs du panel"
        ordering = ("-created_at",)
        permissions = [
            ("maintain_methodology", "Maintenir la méthodologie (versions, effet sur le panel)")
        ]

    def __str__(self) -> str:
        return f"{self.version} — {self.get_status_display()} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else (100 if self.done else 0)


class VersionFigures(models.Model):
    version = models.CharField("version de la méthode", max_length=20)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    snapshot = models.ForeignKey(ResultSnapshot, on_delete=models.CASCADE, related_name="+")
    old_version = models.CharField("version du résultat enregistré", max_length=20)
    old_total_kg = models.FloatField()
    old_posts = models.BinaryField()
    total_kg = models.FloatField()
    posts = models.BinaryField()
    layout = models.CharField(max_length=16)
    scalar = models.BooleanField("recalculé un par un", default=False)

    class Meta:
        verbose_name = "chiffres d'un bilan sous une version"
        verbose_name_plural = "chiffres des bilans sous une version"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "assessment"], name="one_figure_per_version_assessment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} — {self.version}"
