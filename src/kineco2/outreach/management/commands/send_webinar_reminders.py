"""Cron fallback: queue the reminders of webinars starting within 24 h not reminded yet."""

from django.core.management.base import BaseCommand

from kineco2.outreach import services


class Command(BaseCommand):
    help = "Met en file les rappels des webconférences des prochaines 24 heures (sans doublon)."

    def handle(self, *args, **options):
        total = 0
        for webinar_id in services.due_reminders():
            total += services.send_reminders(webinar_id)
        self.stdout.write(f"{total} rappel(s) mis en file.")
