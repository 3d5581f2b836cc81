"""Newsletter: double opt-in, one-click unsubscribe, regional news, RGPD."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.core import mail, signing

from kineco2.jobs.models import EmailStatus, OutboundEmail
from kineco2.outreach import services
from kineco2.outreach.models import NewsItem, NewsStatus, Subscriber, SubscriberStatus

from .conftest import deliver_all, link_in, make_subscriber, path_of, text

pytestmark = pytest.mark.django_db

FORM = {
    "email": "Claire.Kine@Example.fr",
    "first_name": "Claire",
    "last_name": "Hoarau",
    "postal_code": "97400",
    "function": "Kinésithérapeute libérale",
    "consent": "on",
}


def test_subscription_needs_consent_and_a_real_postal_code(client):
    response = client.post("/lettre/", {**FORM, "consent": ""})
    assert response.status_code == 200
    assert "Cochez cette case pour vous abonner." in text(response)
    response = client.post("/lettre/", {**FORM, "postal_code": "00000"})
    assert "Aucune commune n'a le code postal 00000" in text(response)
    response = client.post("/lettre/", {**FORM, "postal_code": "7500"})
    assert "code postal à 5 chiffres" in text(response)
    assert Subscriber.objects.count() == 0


def test_double_opt_in_region_from_postal_code_overseas(client):
    response = client.post("/lettre/", FORM)
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "claire.kine@example.fr"
    assert subscriber.status == SubscriberStatus.PENDING
    assert (subscriber.region_code, subscriber.region_name) == ("04", "La Réunion")
    assert subscriber.consent_text == services.CONSENT_TEXT and subscriber.consent_at
    assert mail.outbox == []  # the web request sent nothing itself
    (confirmation,) = deliver_all()
    assert confirmation.subject == "Confirmez votre abonnement à la lettre KinéCO2"
    response = client.get(path_of(link_in(confirmation, "/lettre/confirmer/")))
    assert response.status_code == 200
    assert "Abonnement confirmé" in text(response)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE and subscriber.confirmed_at


def test_confirmation_link_expires(client):
    client.post("/lettre/", FORM)
    (confirmation,) = deliver_all()
    url = path_of(link_in(confirmation, "/lettre/confirmer/"))
    later = signing.time.time() + services.CONFIRM_MAX_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.get(url)
    assert response.status_code == 400
    assert "a expiré" in text(response)
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING


def test_tampered_links_are_refused(client):
    client.post("/lettre/", FORM)
    (confirmation,) = deliver_all()
    url = path_of(link_in(confirmation, "/lettre/confirmer/"))
    assert client.get(url.replace("/confirmer/", "/confirmer/x")).status_code == 400
    forged = signing.dumps({"s": Subscriber.objects.get().pk, "n": "x"}, salt="autre")
    assert client.get(f"/lettre/confirmer/{forged}/").status_code == 400
    assert client.get("/lettre/desabonnement/nimporte-quoi/").status_code == 400
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING


def test_replayed_confirmation_never_resubscribes_after_unsubscribe(client):
    client.post("/lettre/", FORM)
    (confirmation,) = deliver_all()
    url = path_of(link_in(confirmation, "/lettre/confirmer/"))
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # a second click: still fine, nothing changes
    subscriber = Subscriber.objects.get()
    client.get(f"/lettre/desabonnement/{services.manage_token(subscriber)}/")
    response = client.get(url)  # the old confirmation link, replayed
    assert response.status_code == 400
    assert "déjà été utilisé" in text(response)
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED


def test_only_the_latest_confirmation_link_works(client):
    client.post("/lettre/", FORM)
    (first,) = deliver_all()
    Subscriber.objects.update(confirmation_sent_at=None)  # the resend delay has passed
    client.post("/lettre/", FORM)
    (second,) = deliver_all()
    assert client.get(path_of(link_in(first, "/lettre/confirmer/"))).status_code == 400
    assert client.get(path_of(link_in(second, "/lettre/confirmer/"))).status_code == 200


def test_no_mail_bombing_of_an_address(client):
    for _ in range(5):
        client.post("/lettre/", FORM)
    assert len(deliver_all()) == 1


def test_already_subscribed_address_is_not_changed_by_a_stranger(client):
    subscriber = make_subscriber(client, "claire@example.fr", "97400")
    Subscriber.objects.update(confirmation_sent_at=None)
    client.post("/lettre/", {**FORM, "email": "claire@example.fr", "postal_code": "75011"})
    subscriber.refresh_from_db()
    assert subscriber.region_code == "04" and subscriber.status == SubscriberStatus.ACTIVE
    (notice,) = deliver_all()
    assert notice.subject == "Vous êtes déjà abonné(e) à la lettre KinéCO2"


def test_honeypot_field_creates_nothing(client):
    response = client.post("/lettre/", {**FORM, "website": "http://spam.example"})
    assert response.status_code == 302
    assert Subscriber.objects.count() == 0


def _send_news(client, coordinator, region_code, title="Réunion d'information"):
    client.force_login(coordinator)
    response = client.post(
        "/actualites/redaction/nouvelle/",
        {
            "title": title,
            "body": "Bonjour,\n\n**Rendez-vous** le 12 mars.\n\n<script>alert(1)</script>",
            "audience": "regional",
            "region_code": region_code,
            "action": "save",
        },
    )
    news = NewsItem.objects.get(title=title)
    assert response.status_code == 302
    response = client.post(
        f"/actualites/redaction/{news.pk}/",
        {
            "title": title,
            "body": news.body,
            "audience": "regional",
            "region_code": region_code,
            "action": "send",
        },
    )
    assert response.status_code == 302
    client.logout()
    news.refresh_from_db()
    return news


def test_regional_news_reaches_only_that_regions_subscribers_with_one_click_unsubscribe(
    client, urps_idf
):
    idf = make_subscriber(client, "paris@example.fr", "75011")
    make_subscriber(client, "reunion@example.fr", "97400")
    news = _send_news(client, urps_idf, "11")
    assert news.status == NewsStatus.SENDING  # handed to the queue, nothing sent yet
    sent = deliver_all()  # the worker: fan-out task, then one task per e-mail
    assert [m.to for m in sent] == [["paris@example.fr"]]
    message = sent[0]
    news.refresh_from_db()
    assert news.status == NewsStatus.SENT and news.recipients == 1
    html = message.alternatives[0].content
    assert "<strong>Rendez-vous</strong>" in html and "<script>" not in html
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_in(message, "/lettre/desabonnement/") == unsubscribe
    assert OutboundEmail.objects.get(source=news.source_key).status == EmailStatus.SENT
    # One click from the e-mail, not logged in.
    response = client.get(path_of(unsubscribe))
    assert response.status_code == 200
    assert "Vous êtes désabonné(e)" in text(response)
    idf.refresh_from_db()
    assert idf.status == SubscriberStatus.UNSUBSCRIBED
    # The next news item does not reach them; the link keeps working (idempotent).
    _send_news(client, urps_idf, "11", title="Deuxième lettre")
    assert deliver_all() == []
    assert client.get(path_of(unsubscribe)).status_code == 200
    # Public archive.
    archive = text(client.get("/actualites/?region=11"))
    assert "Réunion d'information" in archive and "Deuxième lettre" in archive


def test_rfc8058_one_click_post_without_csrf(client):
    subscriber = make_subscriber(client, "paris@example.fr", "75011")
    csrf_client = type(client)(enforce_csrf_checks=True)
    response = csrf_client.post(
        f"/lettre/desabonnement/{services.manage_token(subscriber)}/",
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def test_unsubscribing_cancels_news_not_sent_yet(client, urps_idf, settings):
    subscriber = make_subscriber(client, "paris@example.fr", "75011")
    _send_news(client, urps_idf, "11")
    from kineco2.jobs.worker import run_pending

    run_pending(queue="default")  # fan-out done, the e-mail waits in the mail queue
    client.get(f"/lettre/desabonnement/{services.manage_token(subscriber)}/")
    assert deliver_all() == []
    assert OutboundEmail.objects.get(category="lettre").status == EmailStatus.CANCELLED


def test_regional_coordinator_cannot_write_to_another_region(client, urps_idf, urps_reunion):
    make_subscriber(client, "reunion@example.fr", "97400")
    client.force_login(urps_idf)
    response = client.post(
        "/actualites/redaction/nouvelle/",
        {
            "title": "Intrus",
            "body": "x",
            "audience": "regional",
            "region_code": "04",
            "action": "save",
        },
    )
    assert response.status_code == 200
    assert not NewsItem.objects.filter(title="Intrus").exists()
    response = client.post(
        "/actualites/redaction/nouvelle/",
        {
            "title": "Intrus",
            "body": "x",
            "audience": "national",
            "region_code": "",
            "action": "save",
        },
    )
    assert not NewsItem.objects.filter(title="Intrus").exists()
    # A draft of La Réunion: invisible and unsendable for Île-de-France.
    news = services.news_save(
        perimeter=services.Perimeter(
            national=False, regions=frozenset({"04"}), is_maintainer=False
        ),
        author=urps_reunion,
        title="Brouillon réunionnais",
        body="x",
        audience="regional",
        region_code="04",
    )
    assert client.get(f"/actualites/redaction/{news.pk}/").status_code == 404
    response = client.post(
        f"/actualites/redaction/{news.pk}/",
        {"title": "t", "body": "x", "audience": "regional", "region_code": "04", "action": "send"},
    )
    assert response.status_code == 404
    assert client.get(f"/actualites/{news.pk}/").status_code == 404  # drafts are not public
    with pytest.raises(services.OutreachError):
        services.news_send(
            perimeter=services.Perimeter(
                national=False, regions=frozenset({"11"}), is_maintainer=False
            ),
            news=news,
        )
    news.refresh_from_db()
    assert news.status == NewsStatus.DRAFT
    assert deliver_all() == []


def test_national_news_reaches_everyone(client, national_coord):
    make_subscriber(client, "paris@example.fr", "75011")
    make_subscriber(client, "reunion@example.fr", "97400")
    client.force_login(national_coord)
    client.post(
        "/actualites/redaction/nouvelle/",
        {"title": "Nationale", "body": "Tout le monde", "audience": "national", "action": "save"},
    )
    news = NewsItem.objects.get(title="Nationale")
    assert news.region_code == ""
    response = client.post(
        f"/actualites/redaction/{news.pk}/",
        {"title": "Nationale", "body": "Tout le monde", "audience": "national", "action": "send"},
    )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in deliver_all()) == ["paris@example.fr", "reunion@example.fr"]


def test_preview_renders_markdown_without_saving(client, urps_idf):
    client.force_login(urps_idf)
    response = client.post(
        "/actualites/redaction/nouvelle/",
        {
            "title": "A",
            "body": "# Titre\n\n- un\n- deux",
            "audience": "regional",
            "region_code": "11",
            "action": "preview",
        },
    )
    body = text(response)
    assert "<h1>Titre</h1>" in body and "<li>un</li>" in body
    assert NewsItem.objects.count() == 0


def test_people_without_a_role_cannot_reach_the_writing_pages(client, user):
    assert client.get("/actualites/redaction/").status_code == 302  # login first
    client.force_login(user)
    assert client.get("/actualites/redaction/").status_code == 403
    assert client.get("/actualites/redaction/nouvelle/").status_code == 403


def test_subscriber_exports_and_deletes_their_data_without_an_account(client):
    subscriber = make_subscriber(client, "paris@example.fr", "75011")
    url = f"/lettre/mes-donnees/{services.manage_token(subscriber)}/"
    page = text(client.get(url))
    assert "paris@example.fr" in page and "Île-de-France" in page
    response = client.post(url, {"action": "export"})
    data = json.loads(response.content)
    assert data["adresse_e_mail"] == "paris@example.fr" and data["region"] == "Île-de-France"
    assert client.post(url, {"action": "delete"}).status_code == 400  # not confirmed
    response = client.post(url, {"action": "delete", "confirm": "oui"})
    assert "Vos données sont supprimées" in text(response)
    assert not Subscriber.objects.exists()
    assert not OutboundEmail.objects.filter(to="paris@example.fr").exists()
    assert client.get(url).status_code == 400


def test_account_export_and_deletion_include_the_subscription(client, user):
    from kineco2.accounts import services as account_services

    make_subscriber(client, user.email, "35000")
    data = account_services.user_export(user=user)
    assert data["lettre"]["adresse_e_mail"] == user.email
    account_services.user_delete(user=user)
    assert not Subscriber.objects.filter(email=user.email).exists()


def test_never_confirmed_subscriptions_are_purged(client):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    client.post("/lettre/", FORM)
    make_subscriber(client, "actif@example.fr", "75011")
    Subscriber.objects.update(consent_at=timezone.now() - timedelta(days=40))
    call_command("purge_pending_subscribers")
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["actif@example.fr"]


def test_the_manage_link_does_not_depend_on_the_second_it_is_built(client):
    """Body link and List-Unsubscribe header are built separately: they must be the same
    link even when a second passes between the two (the link carried a timestamp)."""
    subscriber = make_subscriber(client, "horloge@example.fr", "75011")
    first = services.manage_token(subscriber)
    later = signing.time.time() + 1
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert services.manage_token(subscriber) == first
    assert services.subscriber_from_manage_token(first) == subscriber
    old_style = signing.dumps({"s": subscriber.pk}, salt=services.MANAGE_SALT)
    assert services.subscriber_from_manage_token(old_style) == subscriber
