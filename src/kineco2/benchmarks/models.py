"""The figures the état des lieux reads: one flat row per assessment, no JSON to decode.

A result snapshot keeps the whole result as JSON (≈ 20 kB). Reading 50 000 of them to take
medians means decoding 50 000 JSON documents (several seconds); this table holds, for each
assessment, the figures of its latest snapshot — total, kg per session, the posts as packed
float64 (in :data:`kineco2.engine.posts.POST_IDS` order) — and its zone type and size class,
and a copy of its practice's region and mode of practice, so that reading a population needs
no join. The copy follows the practice: :func:`kineco2.benchmarks.services.sync_figures`
writes it with each row, and a practice whose region or mode changes updates its rows in the
same transaction (:mod:`kineco2.benchmarks.freshness`, the signal that also bumps the data
generation), so scoping by region is always the practice's current region.

Rows are derived data: :func:`kineco2.benchmarks.services.sync_figures` folds in every
snapshot newer than the newest one already folded (a snapshot's id increases with time), so
nothing has to remember to update them; ``recompute_snapshots`` writes them directly.

:class:`DataGeneration` is the counter of :mod:`kineco2.benchmarks.freshness`.
"""

from __future__ import annotations

from django.db import models

from kineco2.practices.models import Assessment, Practice, ResultSnapshot


class AssessmentFigures(models.Model):
    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, primary_key=True, related_name="figures"
    )
    snapshot = models.ForeignKey(ResultSnapshot, on_delete=models.CASCADE, related_name="+")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    reference_year = models.PositiveSmallIntegerField("année de référence")
    total_kg = models.FloatField()
    per_session_kg = models.FloatField(null=True)
    #: kg CO2e of each post, float64 little-endian, in the order named by ``layout``.
    posts = models.BinaryField()
    layout = models.CharField(max_length=16)
    zone = models.CharField("type de zone", max_length=30, blank=True)
    size = models.CharField("taille", max_length=4, blank=True)
    #: Copies of ``practice.region_code`` and ``practice.practice_mode`` (kept in step).
    region_code = models.CharField("code région", max_length=3, blank=True, db_default="")
    practice_mode = models.CharField("mode d'exercice", max_length=20, blank=True, db_default="")

    class Meta:
        verbose_name = "chiffres d'un bilan (état des lieux)"
        verbose_name_plural = "chiffres des bilans (état des lieux)"
        indexes = [models.Index(fields=["reference_year"])]

    def __str__(self) -> str:
        return f"{self.assessment_id} — {self.total_kg / 1000:.1f} t"


class DataGeneration(models.Model):
    scope = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField(default=0)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "génération des données publiées"
        verbose_name_plural = "générations des données publiées"

    def __str__(self) -> str:
        return f"{self.scope} #{self.value}"
