"""Demonstration content of the outreach pages (idempotent; called by ``load_demo``).

A national news item and one of the URPS Île-de-France in the archive, a past webinar with its
replay and a question answered and moved into the FAQ, an upcoming webinar. Nothing is e-mailed.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kineco2.outreach.models import (
    Audience,
    FaqEntry,
    NewsItem,
    NewsStatus,
    Webinar,
    WebinarQuestion,
)

NEWS = (
    (
        "KinéCO2 : le bilan carbone des cabinets est ouvert à tous",
        Audience.NATIONAL,
        "",
        "Bonjour,\n\nKinéCO2 permet à chaque cabinet de mesurer son empreinte carbone en "
        "**une vingtaine de minutes** (niveau express), puis de choisir des écosoins.\n\n"
        "- le résultat par séance, avec son intervalle de confiance ;\n"
        "- le détail de chaque poste et ses sources ;\n"
        "- un plan d'action suivi d'une année sur l'autre.\n",
    ),
    (
        "Île-de-France : soirée d'échanges sur les déplacements des patients",
        Audience.REGIONAL,
        "11",
        "L'URPS Île-de-France vous invite à une soirée d'échanges sur les déplacements des "
        "patients, premier poste d'émissions de la plupart des cabinets franciliens.",
    ),
)


@transaction.atomic
def load() -> None:
    from kineco2.benchmarks.aggregates import regions

    now = timezone.now()
    for index, (title, audience, region, body) in enumerate(NEWS):
        NewsItem.objects.get_or_create(
            title=title,
            defaults={
                "body": body,
                "audience": audience,
                "region_code": region,
                "region_name": regions().get(region, ""),
                "status": NewsStatus.SENT,
                "sent_at": now - timedelta(days=20 - 10 * index),
            },
        )
    author = get_user_model().objects.filter(email="coordination@kineco2.fr").first()
    past, created = Webinar.objects.get_or_create(
        title="Draps, linge et blanchisserie : ce qui change l'empreinte",
        defaults={
            "description": "Ce que pèse le linge d'un cabinet, et comment le réduire sans "
            "rien céder sur l'hygiène.",
            "starts_at": now - timedelta(days=14),
            "duration_minutes": 60,
            "speakers": "Coordination nationale KinéCO2\nURPS Île-de-France",
            "join_url": "https://visio.kineco2.fr/linge",
            "replay_url": "https://video.kineco2.fr/replay-linge",
            "slides_url": "https://docs.kineco2.fr/linge.pdf",
            "created_by": author,
        },
    )
    if created:
        entry = FaqEntry.objects.create(
            question="Faut-il laver les draps à 60 °C pour l'hygiène ?",
            answer="Non pour des draps nominatifs sur peau saine : un lavage à 40 °C avec une "
            "lessive adaptée suffit ; suivez le protocole d'hygiène de votre cabinet.",
            webinar=past,
            created_by=author,
        )
        WebinarQuestion.objects.create(
            webinar=past,
            question=entry.question,
            asked_by="Camille",
            answer=entry.answer,
            answered_at=now - timedelta(days=14),
            faq_entry=entry,
        )
    Webinar.objects.get_or_create(
        title="Passer du bilan à l'action : choisir ses trois premiers écosoins",
        defaults={
            "description": "Lire son résultat, repérer les postes qui comptent, simuler.",
            "starts_at": (now + timedelta(days=21)).replace(hour=19, minute=0, second=0),
            "duration_minutes": 60,
            "speakers": "Coordination nationale KinéCO2",
            "join_url": "https://visio.kineco2.fr/bilan-action",
            "created_by": author,
        },
    )
