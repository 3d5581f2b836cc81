"""The patients' mobility survey: a practice's survey periods and the patients' answers.

Anonymous by design: an answer holds the way the patient came, the commune or the km, and
whether the trip was only for the session — no name, no e-mail, no IP address, no browser
fingerprint, and only the **day** of the answer (not the time). Business rules live in
``services.py`` (writes) and ``selectors.py`` (reads); the computation in
``kineco2.engine.survey``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kineco2.engine.survey import SURVEY_MODES

MODE_CHOICES = [(key, mode.label) for key, mode in SURVEY_MODES.items()]


class Survey(models.Model):
    """One survey period of a practice, for the assessment of ``reference_year``."""

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.CASCADE, related_name="surveys"
    )
    reference_year = models.PositiveSmallIntegerField("année du bilan")
    token = models.CharField("lien court", max_length=16, unique=True)
    opens_on = models.DateField("début")
    closes_on = models.DateField("fin prévue")
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)
    applied_at = models.DateTimeField("reportée dans le bilan le", null=True, blank=True)
    applied_assessment = models.ForeignKey(
        "practices.Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: What was reported into the assessment (the engine input, the zone of the practice and
    #: the km per session), kept for the regional aggregates; empty until reported.
    results = models.JSONField("résultats reportés", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "enquête mobilité"
        verbose_name_plural = "enquêtes mobilité"
        ordering = ("-opens_on", "-pk")

    def __str__(self) -> str:
        return f"{self.practice.name} — enquête {self.reference_year}"

    @property
    def is_open(self) -> bool:
        """Patients may answer: not closed, and today is within the period."""
        today = timezone.localdate()
        return self.closed_at is None and self.opens_on <= today <= self.closes_on


class Answer(models.Model):
    """One visit of one patient. Editable by the practice (a typing error, a duplicate)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    mode = models.CharField("mode de transport", max_length=30, choices=MODE_CHOICES)
    commune_insee = models.CharField("commune (code INSEE)", max_length=5, blank=True)
    one_way_km = models.FloatField("km aller", null=True, blank=True)
    only_for_session = models.BooleanField("trajet fait seulement pour la séance", default=True)
    answered_on = models.DateField("jour de la réponse", default=timezone.localdate)
    edited = models.BooleanField("modifiée par le cabinet", default=False)

    class Meta:
        verbose_name = "réponse"
        verbose_name_plural = "réponses"
        ordering = ("-answered_on", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(commune_insee="") | models.Q(one_way_km__isnull=False),
                name="survey_answer_has_a_distance",
            ),
            models.CheckConstraint(
                condition=models.Q(one_way_km__isnull=True) | models.Q(one_way_km__gte=0),
                name="survey_answer_km_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} ({self.answered_on})"
