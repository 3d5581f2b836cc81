"""Task-queue figures for the newsletter (prints, asserts nothing).

    .venv/bin/python bench/mail_queue.py [N]          # SQLite in a temporary file
    DATABASE_URL=postgres://…/kineco2_bench .venv/bin/python bench/mail_queue.py [N]

Measures, for N confirmed subscribers of one region: the web request that sends a news item
(must not grow with N), the worker's fan-out (one OutboundEmail + one task per subscriber),
and the delivery rate of the worker loop with the in-memory e-mail backend (the SMTP relay
is the real limit in production, capped by KINECO2_MAIL_RATE_PER_MINUTE).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-queue.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "kineco2.settings.test"

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from kineco2.jobs.worker import run_pending  # noqa: E402
from kineco2.outreach import services  # noqa: E402
from kineco2.outreach.models import Subscriber, SubscriberStatus  # noqa: E402
from kineco2.panel.roles import Perimeter  # noqa: E402

call_command("migrate", verbosity=0)
mail.outbox = []
now = timezone.now()
Subscriber.objects.all().delete()
Subscriber.objects.bulk_create(
    Subscriber(
        email=f"kine{i}@example.fr",
        first_name="Kiné",
        last_name=str(i),
        postal_code="75011",
        region_code="11",
        region_name="Île-de-France",
        consent_text="oui",
        consent_at=now,
        status=SubscriberStatus.ACTIVE,
    )
    for i in range(N)
)
urps = Perimeter(national=False, regions=frozenset({"11"}), is_maintainer=False)
news = services.news_save(
    perimeter=urps,
    author=None,
    title="Lettre de test",
    body="Bonjour,\n\n**Nouvelles** du mois.",
    audience="regional",
    region_code="11",
)

start = time.perf_counter()
services.news_send(perimeter=urps, news=news, base_url="https://kineco2.fr")
request_s = time.perf_counter() - start

start = time.perf_counter()
run_pending(queue="default")
fanout_s = time.perf_counter() - start

start = time.perf_counter()
run_pending(queue="mail")
deliver_s = time.perf_counter() - start
assert len(mail.outbox) == N, len(mail.outbox)

print(f"database: {connection.vendor}, subscribers: {N}")
print(f"send request (enqueue one task): {request_s * 1000:.1f} ms")
print(f"worker fan-out ({N} e-mails + tasks): {fanout_s:.2f} s ({N / fanout_s:.0f} /s)")
print(f"worker delivery, locmem backend: {deliver_s:.2f} s ({N / deliver_s:.0f} e-mails/s)")
