"""Subscribers and news, webinars, FAQ entries, support requests.

Rows that belong to a region carry its INSEE ``region_code`` (from the postal code, overseas
included); every coordinator query filters on it through :mod:`kineco2.panel.roles`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", "En attente de confirmation"
    ACTIVE = "active", "Abonné(e)"
    UNSUBSCRIBED = "unsubscribed", "Désabonné(e)"


class Subscriber(models.Model):
    """A newsletter subscriber (with or without an account). Active only once confirmed."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    postal_code = models.CharField("code postal", max_length=5)
    commune_name = models.CharField("commune", max_length=200, blank=True)
    region_code = models.CharField("code région", max_length=3, db_index=True)
    region_name = models.CharField("région", max_length=100)
    function = models.CharField("fonction", max_length=120, blank=True)
    consent_text = models.TextField("consentement donné")
    consent_at = models.DateTimeField("consentement le")
    status = models.CharField(
        "statut", max_length=14, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    #: Random value named by the current confirmation link; emptied once the link is used,
    #: so a confirmation link works once (no replay after an unsubscription).
    confirm_nonce = models.CharField(max_length=32, blank=True)
    confirmation_sent_at = models.DateTimeField("confirmation envoyée le", null=True, blank=True)
    confirmed_at = models.DateTimeField("confirmé le", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("désabonné le", null=True, blank=True)
    created_at = models.DateTimeField("inscrit le", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "abonné(e) à la lettre"
        verbose_name_plural = "abonnés à la lettre"
        indexes = [models.Index(fields=["status", "region_code"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"


class Audience(models.TextChoices):
    NATIONAL = "national", "Toute la France"
    REGIONAL = "regional", "Une région"


class NewsStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    SENDING = "sending", "Envoi en cours"
    SENT = "sent", "Envoyée"


class NewsItem(models.Model):
    """A news item written by the national coordination or a URPS, sent to subscribers."""

    title = models.CharField("titre", max_length=200)
    body = models.TextField("texte", help_text="Markdown simple : **gras**, listes, liens.")
    audience = models.CharField(
        "destinataires", max_length=10, choices=Audience.choices, default=Audience.REGIONAL
    )
    region_code = models.CharField("code région", max_length=3, blank=True, db_index=True)
    region_name = models.CharField("région", max_length=100, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="news_items",
        verbose_name="auteur",
    )
    status = models.CharField(
        "statut", max_length=10, choices=NewsStatus.choices, default=NewsStatus.DRAFT
    )
    recipients = models.PositiveIntegerField("destinataires", default=0)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    sent_at = models.DateTimeField("envoyée le", null=True, blank=True)

    class Meta:
        verbose_name = "actualité"
        verbose_name_plural = "actualités"
        ordering = ("-sent_at", "-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(audience="national", region_code="")
                | (Q(audience="regional") & ~Q(region_code="")),
                name="outreach_news_region_matches_audience",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_key(self) -> str:
        return f"news:{self.pk}"


class Webinar(models.Model):
    """A webconference published by a URPS (``region_code``) or the national coordination."""

    title = models.CharField("titre", max_length=200)
    description = models.TextField("présentation")
    starts_at = models.DateTimeField("date et heure")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=60)
    speakers = models.TextField("intervenants", help_text="Un par ligne : nom, fonction.")
    join_url = models.URLField("lien de connexion", max_length=500)
    region_code = models.CharField("code région", max_length=3, blank=True, db_index=True)
    region_name = models.CharField("région", max_length=100, blank=True)
    replay_url = models.URLField("lien du replay", max_length=500, blank=True)
    slides_url = models.URLField("lien des diapositives", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="publié par",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "webconférence"
        verbose_name_plural = "webconférences"
        ordering = ("-starts_at", "-pk")

    def __str__(self) -> str:
        return self.title

    @property
    def speaker_list(self) -> list[str]:
        return [s.strip() for s in self.speakers.splitlines() if s.strip()]


class WebinarRegistration(models.Model):
    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="registrations")
    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    created_at = models.DateTimeField("inscrit le", auto_now_add=True)
    reminded_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)

    class Meta:
        verbose_name = "inscription à une webconférence"
        verbose_name_plural = "inscriptions aux webconférences"
        ordering = ("created_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=["webinar", "email"], name="one_registration_per_email")
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.webinar}"


class FaqEntry(models.Model):
    """A question and its answer shown in the public FAQ (from a webinar's Q&A, or written)."""

    question = models.TextField("question")
    answer = models.TextField("réponse")
    webinar = models.ForeignKey(
        Webinar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="faq_entries",
        verbose_name="webconférence d'origine",
    )
    published = models.BooleanField("publiée", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "question de la FAQ"
        verbose_name_plural = "questions de la FAQ"
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.question[:80]


class WebinarQuestion(models.Model):
    """A question asked about a webinar; answered by the organisers, possibly moved to the FAQ."""

    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="questions")
    question = models.TextField("question")
    asked_by = models.CharField("posée par", max_length=100, blank=True)
    answer = models.TextField("réponse", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField("répondue le", null=True, blank=True)
    faq_entry = models.OneToOneField(
        FaqEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="from_question"
    )
    created_at = models.DateTimeField("posée le", auto_now_add=True)

    class Meta:
        verbose_name = "question d'une webconférence"
        verbose_name_plural = "questions des webconférences"
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return self.question[:80]


class SupportTopic(models.TextChoices):
    ACTIONS = "actions", "Choisir des actions adaptées au cabinet"
    BILAN = "bilan", "Comprendre ou compléter le bilan carbone"
    SURVEY = "enquete_patients", "Mener une enquête sur les déplacements des patients"
    RENOVATION = "renovation", "Rénover ou équiper le local (énergie, chauffage)"
    MSP_CPTS = "msp_cpts", "Rejoindre ou monter une MSP ou une CPTS"
    OTHER = "autre", "Autre chose"


class ContactMethod(models.TextChoices):
    EMAIL = "email", "Par e-mail"
    PHONE = "phone", "Par téléphone"


class SupportStatus(models.TextChoices):
    NEW = "nouvelle", "Nouvelle"
    IN_PROGRESS = "en_cours", "En cours"
    CLOSED = "close", "Close"


class SupportRequest(models.Model):
    """« Être accompagné » : a practice asks its regional union (URPS) for help."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="support_requests",
        verbose_name="demandeur",
    )
    practice = models.ForeignKey(
        "practices.Practice",
        on_delete=models.CASCADE,
        related_name="support_requests",
        verbose_name="cabinet",
    )
    region_code = models.CharField("code région", max_length=3, db_index=True)
    region_name = models.CharField("région", max_length=100)
    topics = models.JSONField("sujets", default=list)
    message = models.TextField("message", blank=True)
    contact_method = models.CharField(
        "être contacté", max_length=10, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    availability = models.CharField("disponibilités", max_length=200, blank=True)
    origin = models.CharField("depuis", max_length=20, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=SupportStatus.choices, default=SupportStatus.NEW
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_support_requests",
        verbose_name="suivie par",
    )
    created_at = models.DateTimeField("reçue le", auto_now_add=True)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)
    answered_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)

    class Meta:
        verbose_name = "demande d'accompagnement"
        verbose_name_plural = "demandes d'accompagnement"
        ordering = ("-created_at", "-pk")
        indexes = [models.Index(fields=["region_code", "status"])]

    def __str__(self) -> str:
        return f"{self.practice} — {self.get_status_display()}"

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(SupportTopic.choices)
        return [labels.get(t, t) for t in self.topics]


class SupportNote(models.Model):
    """An internal note of the URPS on a request (never shown to the practice)."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField("note")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "note de suivi"
        verbose_name_plural = "notes de suivi"
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return self.text[:60]
