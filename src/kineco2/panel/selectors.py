"""Reads of the panel app, always scoped server-side to the viewer's perimeter.

Staff pages read through ``*_for(perimeter, …)``: a row outside the perimeter is a 404, so
that the existence of another region's data never leaks. The public pages read only what is
public (a campaign's call for candidates, a frozen list's hash, a published draw).
"""

from __future__ import annotations

import datetime
import math
import shlex
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kineco2.benchmarks import disclosure
from kineco2.engine import geography
from kineco2.engine.formatting import format_number
from kineco2.engine.lines import ORIGINS
from kineco2.engine.posts import POST_LABELS
from kineco2.engine.schema import Profile
from kineco2.panel import draw as panel_draw
from kineco2.panel.models import (
    Campaign,
    Candidate,
    PanelInvitation,
    PanelParticipation,
    PanelRole,
    ParticipationStatus,
    Quota,
    ReviewComment,
)
from kineco2.panel.roles import Perimeter, scope_practices
from kineco2.practices.models import Assessment, Practice, PracticeMode, ResultSnapshot

#: Stratum keys a quota may use, in the order the forms show them.
STRATUM_KEYS = ("zone", "size", "mode", "territory")
STRATUM_LABELS = {
    "zone": "Zone",
    "size": "Taille",
    "mode": "Mode d'exercice",
    "territory": "Métropole ou outre-mer",
}
SIZE_LABELS = {"seul": "Seul", "2-3": "2 ou 3 kinés", "4+": "4 kinés ou plus"}
TERRITORY_GROUP_LABELS = {"metropole": "Métropole", "outre-mer": "Outre-mer"}
MAINLAND_TERRITORIES = frozenset({"france_continentale", "corse"})

#: Fewest values the data review needs to compute the panel's P5 and P95 (disclosure control:
#: extremes need many practices, see kineco2.benchmarks.disclosure).
MIN_PANEL_FOR_PERCENTILES = disclosure.MIN_PRACTICES_FOR["p5"]

#: Profile answers the review expects (a « je ne sais pas » there is flagged).
PROFILE_CHECKED = ("sessions_per_year", "surface_m2", "home_visit_percent")
DONT_KNOW = "__je_ne_sais_pas__"


# --- regions and labels -----------------------------------------------------------------------


@cache
def regions() -> dict[str, str]:
    """INSEE region code → French name, every region of the commune data, sorted by name."""
    found: dict[str, str] = {}
    for commune in geography.all_communes():
        found.setdefault(commune.region_code, commune.region_name)
    return dict(sorted(found.items(), key=lambda item: _sort_text(item[1])))


def _sort_text(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def region_name(code: str) -> str:
    return regions().get(code or "", code or "")


def region_code_by_name() -> dict[str, str]:
    return {name: code for code, name in regions().items()}


def size_band(practitioners: int) -> str:
    if practitioners <= 1:
        return "seul"
    if practitioners <= 3:
        return "2-3"
    return "4+"


def territory_group(territory: str) -> str:
    return "metropole" if territory in MAINLAND_TERRITORIES else "outre-mer"


def stratum_value_label(key: str, value: str) -> str:
    if key == "zone":
        return geography.PATIENT_ZONES.get(value, value)
    if key == "size":
        return SIZE_LABELS.get(value, value)
    if key == "mode":
        return dict(PracticeMode.choices).get(value, value)
    if key == "territory":
        return TERRITORY_GROUP_LABELS.get(value, value)
    return value


def stratum_label(stratum: dict[str, str] | None) -> str:
    """``Zone : … ; Taille : seul`` or ``toute la région``."""
    if not stratum:
        return "toute la région"
    parts = []
    for key in sorted(stratum, key=lambda k: STRATUM_KEYS.index(k) if k in STRATUM_KEYS else 99):
        parts.append(f"{STRATUM_LABELS.get(key, key)} : {stratum_value_label(key, stratum[key])}")
    return " ; ".join(parts)


def stratum_choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "zone": list(geography.PATIENT_ZONES.items()),
        "size": list(SIZE_LABELS.items()),
        "mode": list(PracticeMode.choices),
        "territory": list(TERRITORY_GROUP_LABELS.items()),
    }


# --- phases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    key: str
    label: str


PHASES = {
    "preparation": "En préparation",
    "candidatures": "Candidatures ouvertes",
    "attente_tirage": "Candidatures closes, tirage à venir",
    "fige": "Liste des candidatures figée, tirage à venir",
    "tire": "Tirage effectué, collecte à venir",
    "collecte": "Collecte des données",
    "revue": "Revue des données",
    "cloture": "Clôture en cours",
    "cloturee": "Campagne clôturée",
}


def today() -> datetime.date:
    return timezone.localdate()


def campaign_phase(campaign: Campaign, day: datetime.date | None = None) -> Phase:
    """The phase, from the dates, the freeze and the draw."""
    day = day or today()
    if campaign.drawn_at is None:
        if campaign.frozen_at is not None:
            key = "fige"
        elif day < campaign.candidatures_open:
            key = "preparation"
        elif day <= campaign.candidatures_close:
            key = "candidatures"
        else:
            key = "attente_tirage"
    elif day > campaign.cloture_date:
        key = "cloturee"
    elif day > campaign.revue_close:
        key = "cloture"
    elif day > campaign.collecte_close:
        key = "revue"
    elif day >= campaign.collecte_open:
        key = "collecte"
    else:
        key = "tire"
    return Phase(key, PHASES[key])


def accepts_candidates(campaign: Campaign, day: datetime.date | None = None) -> bool:
    return campaign_phase(campaign, day).key == "candidatures"


def phase_dates(campaign: Campaign) -> list[tuple[str, datetime.date, datetime.date | None]]:
    return [
        ("Candidatures", campaign.candidatures_open, campaign.candidatures_close),
        ("Tirage au sort", campaign.tirage_date, None),
        ("Collecte des données", campaign.collecte_open, campaign.collecte_close),
        ("Revue des données", campaign.collecte_close, campaign.revue_close),
        ("Clôture", campaign.cloture_date, None),
    ]


def eligibility_summary(campaign: Campaign) -> list[str]:
    rules = []
    if campaign.allowed_territories:
        names = [geography.TERRITORIES.get(t, t) for t in campaign.allowed_territories]
        rules.append("Territoires admis : " + ", ".join(names) + ".")
    else:
        rules.append("Tous les territoires sont admis, en métropole et en outre-mer.")
    if campaign.allowed_modes:
        modes = dict(PracticeMode.choices)
        rules.append(
            "Modes d'exercice admis : "
            + ", ".join(modes.get(m, m).lower() for m in campaign.allowed_modes)
            + "."
        )
    else:
        rules.append("Tous les modes d'exercice sont admis.")
    if campaign.min_months_activity:
        rules.append(
            f"Le cabinet doit exercer depuis au moins {campaign.min_months_activity} mois au "
            f"31 décembre {campaign.reference_year}."
        )
    return rules


# --- campaigns ----------------------------------------------------------------------------------


def public_campaign(slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise Http404("Campagne introuvable")
    return campaign


def public_campaigns() -> dict[str, list[Campaign]]:
    """Campaigns the public may see: open calls, and frozen or drawn lists to verify."""
    open_calls, verifiable = [], []
    for campaign in Campaign.objects.order_by("-reference_year", "name"):
        if accepts_candidates(campaign):
            open_calls.append(campaign)
        if campaign.frozen_at is not None:
            verifiable.append(campaign)
    return {"open_calls": open_calls, "verifiable": verifiable}


def campaigns_for(perimeter: Perimeter) -> QuerySet[Campaign]:
    """Every staff member sees the campaigns (a campaign is national); others none."""
    if not perimeter.is_staff_member:
        return Campaign.objects.none()
    return Campaign.objects.order_by("-reference_year", "name")


def campaign_for(perimeter: Perimeter, slug: str) -> Campaign:
    campaign = campaigns_for(perimeter).filter(slug=slug).first()
    if campaign is None:
        raise Http404("Campagne introuvable")
    return campaign


def quotas_for(campaign: Campaign, perimeter: Perimeter) -> QuerySet[Quota]:
    return scope_practices(campaign.quotas.all(), perimeter).order_by("region_code", "pk")


def quota_for(campaign: Campaign, perimeter: Perimeter, pk: int) -> Quota:
    quota = quotas_for(campaign, perimeter).filter(pk=pk).first()
    if quota is None:
        raise Http404("Quota introuvable")
    return quota


def candidates_for(campaign: Campaign, perimeter: Perimeter) -> QuerySet[Candidate]:
    return scope_practices(campaign.candidates.all(), perimeter).order_by("region_code", "ref")


def regions_for(perimeter: Perimeter) -> dict[str, str]:
    """The regions a viewer may choose in a form (code → name)."""
    return {code: name for code, name in regions().items() if perimeter.allows_region(code)}


def candidate_counts(campaign: Campaign, perimeter: Perimeter) -> list[dict[str, Any]]:
    counts = Counter(candidates_for(campaign, perimeter).values_list("region_code", flat=True))
    return [
        {"region_code": code, "region_name": region_name(code), "count": count}
        for code, count in sorted(counts.items(), key=lambda item: _sort_text(region_name(item[0])))
    ]


def quota_rows(campaign: Campaign, perimeter: Perimeter) -> list[dict[str, Any]]:
    rows = []
    for quota in quotas_for(campaign, perimeter):
        rows.append(
            {
                "quota": quota,
                "region_name": region_name(quota.region_code),
                "stratum_label": stratum_label(quota.stratum),
                "can_edit": campaign.frozen_at is None
                and can_edit_quota(perimeter, quota.region_code),
            }
        )
    return rows


def can_edit_quota(perimeter: Perimeter, region_code: str) -> bool:
    """National coordinators edit every quota; URPS coordinators those of their regions."""
    return perimeter.is_national_coordinator or region_code in perimeter.regions


def can_follow_up(perimeter: Perimeter, region_code: str) -> bool:
    """Follow-up and validation: national coordinators, or the region's URPS coordinator."""
    return perimeter.is_national_coordinator or region_code in perimeter.regions


# --- draw inputs and published draw -------------------------------------------------------------


def draw_candidates(campaign: Campaign) -> list[panel_draw.Candidate]:
    """The campaign's candidates as the draw sees them: public ref, region name, strata."""
    return [
        panel_draw.Candidate(c.ref, region_name(c.region_code), c.stratum)
        for c in campaign.candidates.order_by("ref")
    ]


def draw_quotas(campaign: Campaign) -> list[panel_draw.Quota]:
    return [
        panel_draw.Quota(region_name(q.region_code), dict(q.stratum) or None, q.count)
        for q in campaign.quotas.order_by("region_code", "pk")
    ]


def candidates_csv(candidates: list[panel_draw.Candidate]) -> str:
    """The anonymised candidates file for ``kineco2 draw`` (same hash as the canonical JSON).

    Columns ``id``, ``region`` then one per stratum key, sorted; rows sorted by id.
    """
    import csv
    import io

    keys = sorted({key for c in candidates for key in c.stratum})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "region", *keys])
    for candidate in sorted(candidates, key=lambda c: c.id):
        writer.writerow(
            [candidate.id, candidate.region, *(candidate.stratum.get(k, "") for k in keys)]
        )
    return out.getvalue()


def quotas_yaml(quotas: list[dict[str, Any]]) -> str:
    """The quotas file for ``kineco2 draw`` (``region``, ``stratum``, ``count``)."""
    items = []
    for quota in quotas:
        item: dict[str, Any] = {"region": quota["region"]}
        if quota.get("stratum"):
            item["stratum"] = dict(sorted(quota["stratum"].items()))
        item["count"] = quota["count"]
        items.append(item)
    return yaml.safe_dump(items, allow_unicode=True, sort_keys=False)


def frozen_candidates(campaign: Campaign) -> list[panel_draw.Candidate]:
    """The frozen list (canonical JSON stored at the freeze) as draw candidates."""
    import json

    items = json.loads(campaign.frozen_candidates or "[]")
    return [panel_draw.Candidate(i["id"], i["region"], i["stratum"]) for i in items]


def frozen_candidates_csv(campaign: Campaign) -> str:
    return candidates_csv(frozen_candidates(campaign))


def frozen_quotas(campaign: Campaign) -> list[dict[str, Any]]:
    return [q.to_dict() for q in draw_quotas(campaign)]


def verification_command(campaign: Campaign, *, multiline: bool = False) -> str:
    """The shell command that re-runs the published draw (``multiline``: one option a line)."""
    seed = campaign.seed or "GRAINE"
    parts = [
        f"kineco2 draw candidatures-{campaign.slug}.csv",
        f"--quotas quotas-{campaign.slug}.yaml",
        f"--seed {shlex.quote(seed)}",
        f"--expected-hash {campaign.candidates_hash}",
        "--format csv",
    ]
    return (" \\\n    " if multiline else " ").join(parts)


def draw_selections(campaign: Campaign) -> list[dict[str, Any]]:
    """The published draw, quota by quota, for the pages (selected, carried, replacements)."""
    draw = getattr(campaign, "draw", None)
    if draw is None:
        return []
    rows = []
    for index, selection in enumerate(draw.result.get("selections", [])):
        quota = selection["quota"]
        rows.append(
            {
                "index": index,
                "region": quota["region"],
                "stratum_label": stratum_label(quota.get("stratum")),
                "count": quota["count"],
                "selected": [s["id"] for s in selection["selected"]],
                "carried": [s["id"] for s in selection["carried"]],
                "shortfall": selection["shortfall"],
                "replacements": [r["id"] for r in selection["replacements"]],
            }
        )
    return rows


def quota_of(campaign: Campaign, ref: str) -> int | None:
    """Index (in the draw's processing order) of the quota that selected ``ref``."""
    for row in draw_selections(campaign):
        if ref in row["selected"] or ref in row["carried"]:
            return row["index"]
    return None


# --- follow-up ----------------------------------------------------------------------------------


def participations_for(campaign: Campaign, perimeter: Perimeter) -> QuerySet[PanelParticipation]:
    return (
        scope_practices(campaign.participations.all(), perimeter)
        .select_related("candidate", "practice", "replaces__candidate")
        .order_by("region_code", "candidate__ref")
    )


def participation_for(perimeter: Perimeter, pk: int) -> PanelParticipation:
    queryset = scope_practices(PanelParticipation.objects.all(), perimeter).select_related(
        "campaign", "candidate", "practice", "validated_by", "replaces__candidate"
    )
    participation = queryset.filter(pk=pk).first()
    if participation is None:
        raise Http404("Participation introuvable")
    return participation


def participation_by_id(pk: int) -> PanelParticipation | None:
    return (
        PanelParticipation.objects.select_related("campaign", "candidate", "practice")
        .filter(pk=pk)
        .first()
    )


def next_replacement(participation: PanelParticipation) -> str | None:
    """The ref of the first replacement of the participation's quota not yet called up."""
    campaign = participation.campaign
    rows = draw_selections(campaign)
    if participation.quota_index >= len(rows):
        return None
    called = set(campaign.participations.values_list("candidate__ref", flat=True))
    for ref in rows[participation.quota_index]["replacements"]:
        if ref not in called:
            return ref
    return None


def completed_practice_ids(campaign: Campaign) -> set[int]:
    """Practices of the campaign whose assessment of the reference year is completed."""
    return set(
        Assessment.objects.filter(
            reference_year=campaign.reference_year,
            completed_at__isnull=False,
            practice__panel_participations__campaign=campaign,
        ).values_list("practice_id", flat=True)
    )


def effective_status(participation: PanelParticipation, completed: set[int]) -> str:
    """The stored status, or « complet » when invited / in progress with a completed assessment."""
    if (
        participation.status in (ParticipationStatus.INVITE, ParticipationStatus.EN_COURS)
        and participation.practice_id in completed
    ):
        return ParticipationStatus.COMPLET
    return participation.status


def status_label(status: str) -> str:
    return ParticipationStatus(status).label


def progress_by_region(campaign: Campaign, perimeter: Perimeter) -> list[dict[str, Any]]:
    """Per region: counts by status, active participations and the share done (complet, validé)."""
    table: dict[str, Counter] = {}
    completed = completed_practice_ids(campaign)
    for participation in participations_for(campaign, perimeter):
        status = effective_status(participation, completed)
        table.setdefault(participation.region_code, Counter())[status] += 1
    rows = []
    for region in sorted(table, key=lambda code: _sort_text(region_name(code))):
        counts = table[region]
        active = sum(counts.values()) - counts[ParticipationStatus.DESISTE]
        done = counts[ParticipationStatus.COMPLET] + counts[ParticipationStatus.VALIDE]
        rows.append(
            {
                "region_code": region,
                "region_name": region_name(region),
                "counts": [(s.label, counts[s.value]) for s in ParticipationStatus],
                "active": active,
                "done": done,
                "validated": counts[ParticipationStatus.VALIDE],
                "percent": round(100 * done / active) if active else 0,
            }
        )
    return rows


def my_participations(user) -> list[PanelParticipation]:
    """Participations of the practices ``user`` is a member of, with their comments."""
    if not user.is_authenticated:
        return []
    return list(
        PanelParticipation.objects.filter(practice__memberships__user=user)
        .select_related("campaign", "practice", "candidate")
        .prefetch_related("comments")
        .distinct()
        .order_by("-campaign__reference_year", "campaign__name")
    )


def user_practices(user) -> QuerySet[Practice]:
    return Practice.objects.filter(memberships__user=user, memberships__role="titulaire").distinct()


def assessment_for_participation(participation: PanelParticipation):
    if participation.practice_id is None:
        return None
    return participation.practice.assessments.filter(
        reference_year=participation.campaign.reference_year
    ).first()


def latest_snapshot(participation: PanelParticipation) -> ResultSnapshot | None:
    """The latest result snapshot of the practice's assessment for the campaign's year."""
    if participation.practice_id is None:
        return None
    return (
        ResultSnapshot.objects.filter(
            assessment__practice_id=participation.practice_id,
            assessment__reference_year=participation.campaign.reference_year,
        )
        .order_by("-computed_at", "-pk")
        .first()
    )


def comments_for(participation: PanelParticipation) -> QuerySet[ReviewComment]:
    return participation.comments.select_related("author").order_by("created_at", "pk")


# --- data review --------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (NumPy's default, « type 7 »)."""
    if not sorted_values:
        raise ValueError("no values")
    position = (len(sorted_values) - 1) * q
    low = math.floor(position)
    high = math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def panel_snapshots(campaign: Campaign) -> dict[int, ResultSnapshot]:
    """Participation id → latest snapshot, for every participation that has one (not désisté)."""
    participations = campaign.participations.exclude(status=ParticipationStatus.DESISTE).filter(
        practice__isnull=False
    )
    by_practice = dict(participations.values_list("practice_id", "pk"))
    found: dict[int, ResultSnapshot] = {}
    snapshots = ResultSnapshot.objects.filter(
        assessment__practice_id__in=list(by_practice),
        assessment__reference_year=campaign.reference_year,
    ).order_by("assessment__practice_id", "-computed_at", "-pk")
    for snapshot in snapshots.select_related("assessment"):
        participation_id = by_practice[snapshot.assessment.practice_id]
        found.setdefault(participation_id, snapshot)
    return found


@dataclass
class PostReview:
    post_id: str
    label: str
    kgco2e: float | None
    data_quality: str
    p5: float | None
    p95: float | None
    flags: list[str] = field(default_factory=list)

    @property
    def kg_text(self) -> str:
        return "–" if self.kgco2e is None else format_number(self.kgco2e, 0)

    @property
    def p5_text(self) -> str:
        return "–" if self.p5 is None else format_number(self.p5, 0)

    @property
    def p95_text(self) -> str:
        return "–" if self.p95 is None else format_number(self.p95, 0)

    @property
    def quality_label(self) -> str:
        return ORIGINS.get(self.data_quality, self.data_quality or "–")


@dataclass
class Review:
    snapshot: ResultSnapshot | None
    panel_size: int
    posts: list[PostReview]
    profile_missing: list[str]
    percentiles_available: bool
    min_for_percentiles: int = MIN_PANEL_FOR_PERCENTILES

    @property
    def flag_count(self) -> int:
        return sum(len(p.flags) for p in self.posts) + len(self.profile_missing)


def _post_quality(snapshot: ResultSnapshot) -> dict[str, tuple[str, str]]:
    """post id → (label, data quality) from the snapshot's ``data``."""
    found = {}
    for post in (snapshot.data or {}).get("posts", []) or []:
        if isinstance(post, dict) and post.get("id"):
            found[post["id"]] = (post.get("label") or post["id"], post.get("data_quality") or "")
    return found


def review_for(participation: PanelParticipation) -> Review:
    """Flags per post against the campaign's panel, and missing profile data."""
    snapshots = panel_snapshots(participation.campaign)
    snapshot = snapshots.get(participation.pk) or latest_snapshot(participation)
    panel_size = len(snapshots)
    values: dict[str, list[float]] = {}
    members: dict[str, list[int]] = {}
    for participation_id, other in snapshots.items():
        for post_id, kg in (other.posts or {}).items():
            if isinstance(kg, int | float):
                values.setdefault(post_id, []).append(float(kg))
                members.setdefault(post_id, []).append(participation_id)
    available = panel_size >= MIN_PANEL_FOR_PERCENTILES
    posts: list[PostReview] = []
    if snapshot is not None:
        qualities = _post_quality(snapshot)
        known = list(snapshot.posts or {})
        expected = known + sorted(set(values) - set(known))
        for post_id in expected:
            label, quality = qualities.get(post_id, (post_id, ""))
            label = POST_LABELS.get(post_id, label)
            raw = (snapshot.posts or {}).get(post_id)
            kg = float(raw) if isinstance(raw, int | float) else None
            panel = sorted(values.get(post_id, []))
            p5 = p95 = None
            if available and len(panel) >= MIN_PANEL_FOR_PERCENTILES:
                from kineco2.benchmarks.selectors import disclosure_salt

                key = disclosure.cell_key(
                    members[post_id], "revue", participation.campaign_id, post_id,
                    salt=disclosure_salt(),
                )  # fmt: skip
                protected = disclosure.quantiles(panel, (0.05, 0.95), key=key)
                p5, p95 = protected[0.05], protected[0.95]
            review = PostReview(post_id, label, kg, quality, p5, p95)
            if kg is None:
                review.flags.append("Poste absent du bilan.")
            else:
                if p95 is not None and kg > p95:
                    review.flags.append(
                        f"Au-dessus du 95e centile du panel ({format_number(p95, 0)} kg CO2e)."
                    )
                if p5 is not None and kg < p5:
                    review.flags.append(
                        f"En dessous du 5e centile du panel ({format_number(p5, 0)} kg CO2e)."
                    )
            if quality == "defaut":
                review.flags.append("Valeur par défaut : « je ne sais pas » pour ce poste.")
            posts.append(review)
    return Review(
        snapshot=snapshot,
        panel_size=panel_size,
        posts=posts,
        profile_missing=_profile_missing(participation),
        percentiles_available=available,
    )


def _profile_missing(participation: PanelParticipation) -> list[str]:
    assessment = assessment_for_participation(participation)
    if assessment is None:
        return []
    profile = (assessment.answers or {}).get("profile") or {}
    missing = []
    for name in PROFILE_CHECKED:
        value = profile.get(name)
        if value is None or value == "" or value == DONT_KNOW:
            missing.append(Profile.model_fields[name].title or name)
    return missing


# --- staff --------------------------------------------------------------------------------------


def staff_roles() -> QuerySet[PanelRole]:
    return PanelRole.objects.select_related("user", "created_by").order_by(
        "role", "region_code", "user__email"
    )


def pending_invitations() -> QuerySet[PanelInvitation]:
    return PanelInvitation.objects.filter(accepted_at__isnull=True).order_by("-created_at")


def invitation_by_token(token_hash: str) -> PanelInvitation | None:
    return PanelInvitation.objects.filter(token_hash=token_hash).first()
