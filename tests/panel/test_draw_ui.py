"""The draw from the coordination pages: freeze, seed, publication, downloads, reproducibility."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from kineco2.cli import main as cli_main
from kineco2.panel import draw as panel_draw
from kineco2.panel import selectors, services
from kineco2.panel.models import Draw, PanelParticipation
from kineco2.panel.testing import (
    BRETAGNE,
    IDF,
    REUNION,
    make_campaign,
    make_candidate,
    make_quota,
    national,
)

pytestmark = pytest.mark.django_db
SEED = "2026-03-02 URPS tirage public ; n°7 « Île »"


@pytest.fixture
def coordinator(client, user):
    national(user)
    client.force_login(user)
    return client


@pytest.fixture
def campaign():
    """Candidacies closed yesterday: 9 in Île-de-France, 3 in La Réunion, none in Bretagne."""
    campaign = make_campaign("closed", name="Panel « test » #1")
    for _ in range(4):
        make_candidate(campaign, "75011")  # paris_intra_muros, 2-3, groupe
    for _ in range(3):
        make_candidate(campaign, "93100", practitioners=1, mode="seul")  # petite couronne
    make_candidate(campaign, "77160", practitioners=5)  # Provins: couronne_idf, 4+
    make_candidate(campaign, "77160", practitioners=1, mode="msp")
    for _ in range(3):
        make_candidate(campaign, "97400", practitioners=1, mode="seul")
    make_quota(campaign, IDF, 2, zone="paris_intra_muros")
    make_quota(campaign, IDF, 2, zone="couronne_idf", size="4+")  # 1 candidate: 1 carried
    make_quota(campaign, IDF, 3)
    make_quota(campaign, REUNION, 4)  # 3 candidates: shortfall 1
    make_quota(campaign, BRETAGNE, 1)  # no candidate: shortfall 1
    return campaign


def freeze_and_draw(client, campaign, seed=SEED):
    response = client.post(reverse("panel_freeze", args=[campaign.slug]))
    assert response.status_code == 302
    return client.post(
        reverse("panel_draw_run", args=[campaign.slug]), {"seed": seed, "confirm": "on"}
    )


def download(client, campaign, name) -> bytes:
    response = client.get(reverse("panel_download", args=[campaign.slug, name]))
    assert response.status_code == 200, name
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_freeze_publishes_the_hash_before_the_seed(coordinator, client, campaign):
    page = client.get(reverse("panel_verify", args=[campaign.slug])).content.decode()
    assert "pas encore figée" in page
    client.post(reverse("panel_freeze", args=[campaign.slug]))
    campaign.refresh_from_db()
    expected = panel_draw.candidates_hash(selectors.draw_candidates(campaign))
    assert campaign.candidates_hash == expected
    client.logout()
    page = client.get(reverse("panel_verify", args=[campaign.slug])).content.decode()
    assert expected in page
    assert "pas encore fixée" in page
    body = download(client, campaign, "candidatures.json")
    assert hashlib.sha256(body).hexdigest() == expected
    not_yet = reverse("panel_download", args=[campaign.slug, "tirage.csv"])
    assert client.get(not_yet).status_code == 404


def test_draw_from_the_ui_is_reproducible_with_the_cli(
    coordinator, client, campaign, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = freeze_and_draw(client, campaign)
    assert response.status_code == 302
    campaign.refresh_from_db()
    record = Draw.objects.get(campaign=campaign)
    assert record.seed == SEED == campaign.seed
    assert record.algorithm_version == panel_draw.ALGORITHM_VERSION

    client.logout()  # everything needed to verify is public
    candidates_csv = download(client, campaign, "candidatures.csv")
    quotas_yaml = download(client, campaign, "quotas.yaml")
    draw_csv = download(client, campaign, "tirage.csv").decode("utf-8")
    text = candidates_csv.decode("utf-8")
    for candidate in campaign.candidates.all():  # anonymised: no names, no e-mails
        assert candidate.email not in text
        assert candidate.practice_name not in text
        assert candidate.ref in text
    (tmp_path / "candidatures.csv").write_bytes(candidates_csv)
    (tmp_path / "quotas.yaml").write_bytes(quotas_yaml)

    loaded = panel_draw.load_candidates(str(tmp_path / "candidatures.csv"))
    assert panel_draw.candidates_hash(loaded) == record.candidates_hash
    again = panel_draw.draw(
        loaded, panel_draw.load_quotas(str(tmp_path / "quotas.yaml")), record.seed
    )
    assert again.to_dict() == record.result
    assert again.to_csv() == record.result_csv == draw_csv

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli_main(
            [
                "draw",
                str(tmp_path / "candidatures.csv"),
                "--quotas",
                str(tmp_path / "quotas.yaml"),
                "--seed",
                record.seed,
                "--expected-hash",
                record.candidates_hash,
                "--format",
                "csv",
            ]
        )
    assert code == 0
    assert out.getvalue() == draw_csv


def test_the_published_command_runs_in_a_shell(coordinator, client, campaign, tmp_path):
    kineco2 = str(Path(sys.executable).with_name("kineco2"))
    if not Path(kineco2).exists():
        kineco2 = shutil.which("kineco2") or pytest.skip("la commande kineco2 n'est pas installée")
    freeze_and_draw(client, campaign)
    campaign.refresh_from_db()
    slug = campaign.slug
    (tmp_path / f"candidatures-{slug}.csv").write_bytes(
        download(client, campaign, "candidatures.csv")
    )
    (tmp_path / f"quotas-{slug}.yaml").write_bytes(download(client, campaign, "quotas.yaml"))
    command = selectors.verification_command(campaign).replace("kineco2 ", f"{kineco2} ", 1)
    result = subprocess.run(  # noqa: S602 - the published command, quoted with shlex
        command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == campaign.draw.result_csv


def test_quotas_are_honoured_per_stratum_with_the_shortfall_rule(coordinator, client, campaign):
    freeze_and_draw(client, campaign)
    result = Draw.objects.get(campaign=campaign).result
    strata = {c.ref: c for c in campaign.candidates.all()}
    by_quota = {
        (s["quota"]["region"], json.dumps(s["quota"]["stratum"], sort_keys=True)): s
        for s in result["selections"]
    }
    paris = by_quota[("Île-de-France", json.dumps({"zone": "paris_intra_muros"}))]
    assert len(paris["selected"]) == 2 and not paris["carried"]
    assert all(strata[s["id"]].zone == "paris_intra_muros" for s in paris["selected"])

    big = by_quota[("Île-de-France", json.dumps({"size": "4+", "zone": "couronne_idf"}))]
    assert [strata[s["id"]].size for s in big["selected"]] == ["4+"]
    assert len(big["carried"]) == 1  # the missing place is carried to the region
    assert strata[big["carried"][0]["id"]].region_code == IDF
    assert big["shortfall"] == 0

    region = by_quota[("Île-de-France", "null")]
    assert len(region["selected"]) == 3
    reunion = by_quota[("La Réunion", "null")]
    assert len(reunion["selected"]) == 3 and reunion["shortfall"] == 1
    bretagne = by_quota[("Bretagne", "null")]
    assert bretagne["selected"] == [] and bretagne["shortfall"] == 1
    assert {(s["quota"]["region"], s["missing"]) for s in result["shortfalls"]} == {
        ("La Réunion", 1),
        ("Bretagne", 1),
    }
    selected = result["selected"]
    assert len(selected) == len(set(selected)) == 2 + 2 + 3 + 3
    # one participation per selected candidate, in its quota, invited
    participations = PanelParticipation.objects.filter(campaign=campaign)
    assert sorted(p.candidate.ref for p in participations) == sorted(selected)
    assert all(p.status == "invite" for p in participations)
    assert {p.region_code for p in participations} == {IDF, REUNION}


def test_selected_practices_are_invited_by_email(
    coordinator, client, campaign, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        freeze_and_draw(client, campaign)
    selected = Draw.objects.get(campaign=campaign).result["selected"]
    emails = {c.email for c in campaign.candidates.filter(ref__in=selected)}
    assert {m.to[0] for m in mail.outbox} == emails
    assert "est tiré au sort pour le panel" in mail.outbox[0].subject
    assert "/panel/participer/" in mail.outbox[0].body
    assert all(p.invited_at for p in PanelParticipation.objects.all())


def test_redraw_is_refused_once_published(coordinator, client, campaign):
    freeze_and_draw(client, campaign)
    first = Draw.objects.get(campaign=campaign)
    response = client.post(
        reverse("panel_draw_run", args=[campaign.slug]), {"seed": "autre graine", "confirm": "on"}
    )
    assert response.status_code == 400
    assert "déjà été effectué et publié : il ne peut pas être relancé" in response.content.decode()
    assert Draw.objects.get(campaign=campaign).result == first.result
    campaign.refresh_from_db()
    assert campaign.seed == SEED
    with pytest.raises(services.PanelError):
        services.draw_run(campaign=campaign, seed="encore", by=None)


def test_draw_needs_a_frozen_list_and_freezing_needs_closed_candidacies(coordinator, client):
    campaign = make_campaign("candidatures")
    make_candidate(campaign)
    make_quota(campaign, IDF, 1)
    response = client.post(reverse("panel_freeze", args=[campaign.slug]), follow=True)
    assert "Les candidatures sont encore ouvertes" in response.content.decode()
    response = client.post(
        reverse("panel_draw_run", args=[campaign.slug]), {"seed": "graine", "confirm": "on"}
    )
    assert response.status_code == 400
    assert "Figez d&#x27;abord la liste des candidatures" in response.content.decode()
    assert not Draw.objects.exists()

    empty = make_campaign("closed")
    response = client.post(reverse("panel_freeze", args=[empty.slug]), follow=True)
    assert "Aucune candidature : il n&#x27;y a rien à tirer au sort." in response.content.decode()
    make_candidate(empty)
    response = client.post(reverse("panel_freeze", args=[empty.slug]), follow=True)
    assert "Ajoutez au moins un quota" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"seed": "", "confirm": "on"}, "Ce champ est obligatoire."),
        ({"seed": "   ", "confirm": "on"}, "Ce champ est obligatoire."),
        ({"seed": "a\tb", "confirm": "on"}, "ni retour à la ligne ni tabulation"),
        ({"seed": "x" * 201, "confirm": "on"}, "au plus 200 caractères"),
        ({"seed": "graine"}, "Cochez la confirmation : le tirage est définitif."),
    ],
)
def test_bad_input_on_the_draw_form(coordinator, client, campaign, data, message):
    client.post(reverse("panel_freeze", args=[campaign.slug]))
    response = client.post(reverse("panel_draw_run", args=[campaign.slug]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Draw.objects.exists()


def test_public_verification_page(coordinator, client, campaign):
    freeze_and_draw(client, campaign)
    record = Draw.objects.get(campaign=campaign)
    client.logout()
    page = client.get(reverse("panel_verify", args=[campaign.slug])).content.decode()
    assert record.candidates_hash in page
    assert "2026-03-02 URPS tirage public ; n°7 « Île »" in page
    assert "Version de l'algorithme" in page
    assert f"kineco2 draw candidatures-{campaign.slug}.csv \\\n    --quotas quotas-" in page
    assert "--expected-hash " + record.candidates_hash in page
    for ref in record.result["selected"]:
        assert ref in page
    for candidate in campaign.candidates.all():
        assert candidate.email not in page and candidate.practice_name not in page


def test_draw_report_pdf_contains_seed_and_hash(coordinator, client, campaign, tmp_path):
    freeze_and_draw(client, campaign)
    record = Draw.objects.get(campaign=campaign)
    client.logout()
    response = client.get(reverse("panel_download", args=[campaign.slug, "tirage.pdf"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) n'est pas installé : texte du PDF non vérifié")
    path = tmp_path / "tirage.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert record.candidates_hash in flat.replace(" ", "")
    assert "2026-03-02 URPS tirage public ; n°7 « Île »" in flat
    assert "Panel « test » #1" in flat
    assert "Règle appliquée en cas de manque" in flat
    assert "Bretagne · toute la région : 1 place manquante" in flat
    assert "kineco2 draw" in flat
    for ref in record.result["selected"]:
        assert ref in flat


def test_draw_report_pdf_has_no_code_words(coordinator, client, campaign, tmp_path):
    """The public report writes strata in words: no « size », « territory » or « mode=… »."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) n'est pas installé : texte du PDF non vérifié")
    freeze_and_draw(client, campaign)
    client.logout()
    response = client.get(reverse("panel_download", args=[campaign.slug, "tirage.pdf"]))
    path = tmp_path / "tirage.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "La strate de chaque candidature est écrite en clair" in flat
    for code in ("size", "territory", "mode=", "zone="):
        assert code not in flat, code


def test_unknown_download_is_404(client, campaign):
    assert client.get(reverse("panel_download", args=[campaign.slug, "x.csv"])).status_code == 404
    # nothing is public before the freeze
    url = reverse("panel_download", args=[campaign.slug, "candidatures.csv"])
    assert client.get(url).status_code == 404
