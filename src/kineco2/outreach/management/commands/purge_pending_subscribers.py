"""RGPD: erase subscriptions never confirmed (their confirmation link expired long ago)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from kineco2.outreach.models import Subscriber, SubscriberStatus


class Command(BaseCommand):
    help = "Supprime les inscriptions à la lettre jamais confirmées depuis plus de 30 jours."

    def add_arguments(self, parser):
        parser.add_argument("--jours", type=int, default=30, dest="days")

    def handle(self, *args, days: int, **options):
        limit = timezone.now() - timedelta(days=days)
        deleted, _ = Subscriber.objects.filter(
            status=SubscriberStatus.PENDING, confirmed_at__isnull=True, consent_at__lt=limit
        ).delete()
        self.stdout.write(f"{deleted} inscription(s) jamais confirmée(s) supprimée(s).")
