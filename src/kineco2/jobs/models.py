"""Per-message status of outgoing e-mail, and the shared send-rate slot."""

from __future__ import annotations

from django.db import models


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "en attente"
    SENDING = "sending", "envoi en cours"
    SENT = "sent", "envoyé"
    RETRYING = "retrying", "nouvel essai prévu"
    FAILED = "failed", "échec"
    CANCELLED = "cancelled", "annulé"


class OutboundEmail(models.Model):
    """One e-mail to one recipient, delivered by the worker (never by a web request).

    ``status`` moves queued → sending → sent, or → retrying → … → failed after
    ``max_attempts``. ``sending`` is committed *before* the SMTP call: a worker killed during
    the call leaves the row in ``sending`` and it is never sent again automatically (at most
    once); ``jobs.mail.stale_sending`` lists such rows for an operator.
    """

    to = models.EmailField("destinataire")
    subject = models.CharField("objet", max_length=255)
    body_text = models.TextField("texte")
    body_html = models.TextField("HTML", blank=True)
    headers = models.JSONField("en-têtes", default=dict, blank=True)
    category = models.CharField("catégorie", max_length=40, default="divers", db_index=True)
    #: Optional link to what produced the message (e.g. ``news:12``), for per-item status.
    source = models.CharField("origine", max_length=80, blank=True, db_index=True)
    status = models.CharField(
        "statut", max_length=12, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField("essais", default=0)
    max_attempts = models.PositiveSmallIntegerField("essais au plus", default=5)
    not_before = models.DateTimeField("pas avant", null=True, blank=True)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "e-mail sortant"
        verbose_name_plural = "e-mails sortants"
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.get_status_display()})"


class SendThrottle(models.Model):
    """The next free send slot of a rate-limited stream (one row per stream, e.g. ``mail``)."""

    name = models.CharField(max_length=40, primary_key=True)
    next_slot = models.DateTimeField()

    class Meta:
        verbose_name = "limite de débit"
        verbose_name_plural = "limites de débit"

    def __str__(self) -> str:
        return f"{self.name}: {self.next_slot:%Y-%m-%d %H:%M:%S}"
