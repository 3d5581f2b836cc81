"""The newsletter in a real browser: subscribe → confirm (double opt-in) → a URPS writes and
sends a regional news item → the e-mail arrives (locmem backend, through the task queue's
worker) → one click on its unsubscribe link, not logged in."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from kineco2.jobs.worker import run_pending
from kineco2.outreach.models import Subscriber, SubscriberStatus
from kineco2.panel import testing as pt

from .test_journey import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _link(message, fragment: str) -> str:
    match = re.search(r"https?://\S+" + re.escape(fragment) + r"\S*", message.body)
    assert match, message.body
    return match.group(0)


def test_subscribe_confirm_receive_news_unsubscribe(live_server, browser, page, screenshot):
    base = live_server.url
    mail.outbox.clear()

    page.goto(base + "/lettre/")
    assert_accessible(page, "abonnement")
    page.fill('[name="email"]', "lea.hoarau@example.fr")
    page.fill('[name="first_name"]', "Léa")
    page.fill('[name="last_name"]', "Hoarau")
    page.fill('[name="postal_code"]', "75011")
    page.fill('[name="function"]', "Kinésithérapeute libérale")
    page.locator('[name="consent"]').check()
    screenshot("lettre-00-formulaire")
    page.get_by_role("button", name="M'abonner").click()
    page.get_by_role("heading", name="Vérifiez votre messagerie").wait_for()
    screenshot("lettre-01-verifiez")
    assert mail.outbox == []  # the request only queued the e-mail

    assert run_pending() >= 1  # the worker sends it
    (confirmation,) = mail.outbox
    page.goto(_link(confirmation, "/lettre/confirmer/"))
    page.get_by_role("heading", name="Abonnement confirmé").wait_for()
    assert "Île-de-France" in page.content()
    assert Subscriber.objects.get().status == SubscriberStatus.ACTIVE

    # A URPS coordinator of Île-de-France writes, previews and sends a news item.
    coordinator = pt.make_user("urps-idf@example.fr", first_name="Inès", last_name="Dupont")
    pt.urps(coordinator, pt.IDF)
    writer = browser.new_context(locale="fr-FR").new_page()
    writer.goto(base + "/compte/connexion/?next=/actualites/redaction/nouvelle/")
    writer.fill('[name="email"]', "urps-idf@example.fr")
    writer.fill('[name="password"]', pt.PASSWORD)
    writer.get_by_role("button", name="Se connecter").click()
    writer.get_by_role("heading", name="Écrire une actualité").wait_for()
    writer.fill('[name="title"]', "Soirée écosoins à Paris")
    writer.fill('[name="body"]', "Rendez-vous le **12 mars** :\n\n- draps lavables\n- chauffage")
    writer.select_option('[name="region_code"]', "11")
    writer.get_by_role("button", name="Aperçu").click()
    writer.get_by_role("heading", name="Aperçu").wait_for()
    assert "<strong>12 mars</strong>" in writer.content()
    writer.get_by_role("button", name="Enregistrer le brouillon").click()
    writer.get_by_role("button", name="Envoyer à 1 abonné").click()
    writer.get_by_role("heading", name="Actualités aux abonnés").wait_for()
    writer.context.close()

    run_pending()  # fan-out, then the e-mail
    news = [m for m in mail.outbox if m.subject == "Soirée écosoins à Paris"]
    assert len(news) == 1 and news[0].to == ["lea.hoarau@example.fr"]
    assert "List-Unsubscribe" in news[0].extra_headers

    # One click on the link of the e-mail, in a browser that is not logged in.
    page.goto(_link(news[0], "/lettre/desabonnement/"))
    page.get_by_role("heading", name="Vous êtes désabonné(e)").wait_for()
    assert_accessible(page, "désabonnement")
    screenshot("lettre-02-desabonne")
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED

    # The public archive keeps the news item.
    page.goto(base + "/actualites/")
    page.get_by_role("link", name="Soirée écosoins à Paris").click()
    page.get_by_role("heading", name="Soirée écosoins à Paris").wait_for()
