"""Panel pages: the public call and verification, the coordination and the participants.

Thin views: reads through :mod:`kineco2.panel.selectors`, scoped to the viewer's
:func:`~kineco2.panel.roles.perimeter_for`; writes (POST only) through
:mod:`kineco2.panel.services`. Anything outside the viewer's perimeter is a 404.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.engine import geography
from kineco2.panel import selectors, services
from kineco2.panel.forms import (
    CampaignForm,
    CandidacyForm,
    CommentForm,
    DrawForm,
    ExistingPracticeForm,
    NotesForm,
    ParticipationPracticeForm,
    QuotaForm,
    StaffInvitationForm,
    WithdrawForm,
)
from kineco2.panel.models import PanelInvitation, PanelRole, ParticipationStatus
from kineco2.panel.roles import perimeter_for


def _base_url(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


def staff_required(view):
    """Logged in (else the login page) with a panel role (else 404); passes the perimeter."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        perimeter = perimeter_for(request.user)
        if not perimeter.is_staff_member:
            raise Http404("Page introuvable")
        request.perimeter = perimeter
        return view(request, *args, **kwargs)

    return wrapper


def national_required(view):
    """A national coordinator only (404 for anyone else)."""

    @staff_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.perimeter.can_manage_campaigns:
            raise Http404("Page introuvable")
        return view(request, *args, **kwargs)

    return wrapper


# --- public ----------------------------------------------------------------------------------


@require_GET
def home(request):
    perimeter = perimeter_for(request.user)
    return render(
        request,
        "panel/home.html",
        {**selectors.public_campaigns(), "is_staff_member": perimeter.is_staff_member},
    )


def _apply_context(campaign, form):
    return {
        "campaign": campaign,
        "form": form,
        "phase": selectors.campaign_phase(campaign),
        "eligibility": selectors.eligibility_summary(campaign),
    }


@require_http_methods(["GET", "POST"])
def apply(request, slug: str):
    campaign = selectors.public_campaign(slug)
    if not selectors.accepts_candidates(campaign):
        return render(
            request,
            "panel/apply_closed.html",
            {"campaign": campaign, "phase": selectors.campaign_phase(campaign)},
            status=200 if request.method == "GET" else 409,
        )
    data = request.POST if request.method == "POST" else None
    form = CandidacyForm(data, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            candidate = services.candidacy_submit(
                campaign=campaign,
                practice_name=data["practice_name"],
                commune=data["commune"],
                practitioners=data["practitioners"],
                practice_mode=data["practice_mode"],
                zone=data.get("zone") or "",
                contact_name=data["contact_name"],
                email=data["email"],
                consent_data=data["consent_data"],
                consent_publication=data["consent_publication"],
                opened_on=data.get("opened_on"),
                base_url=_base_url(request),
            )
        except (services.PanelError, geography.CommuneError) as exc:
            form.add_error(None, str(exc))
        else:
            request.session["panel_candidate"] = {"slug": campaign.slug, "ref": candidate.ref}
            return redirect("panel_apply_done", slug=campaign.slug)
    if request.method == "GET":
        code = request.GET.get("commune", "").strip()
        if code:
            form.initial["commune"] = code
    status = 400 if form.errors else 200
    return render(request, "panel/apply.html", _apply_context(campaign, form), status=status)


@require_GET
def apply_done(request, slug: str):
    campaign = selectors.public_campaign(slug)
    stored = request.session.get("panel_candidate") or {}
    ref = stored.get("ref") if stored.get("slug") == campaign.slug else None
    return render(request, "panel/apply_done.html", {"campaign": campaign, "ref": ref})


@require_GET
def zone_guess(request):
    """HTMX fragment: the zone select, with the commune's guess preselected."""
    code = (request.GET.get("commune") or "").strip()
    selected = (request.GET.get("zone") or "").strip()
    guess, place = None, None
    if code:
        try:
            place = geography.locate(code)
            guess = geography.insee_patient_zone(place)
        except geography.CommuneError:
            place = None
    from kineco2.panel.forms import zone_choices

    choices = zone_choices(place.territory if place else None)
    if guess and request.GET.get("changed") == "commune":
        selected = guess
    if selected not in dict(choices):
        selected = guess or ""
    return render(
        request,
        "panel/_zone_select.html",
        {"choices": choices, "selected": selected, "guess": guess, "place": place},
    )


@require_GET
def commune_search(request):
    text = (request.GET.get("commune") or "").strip()
    choices = []
    if len(text) >= 2:
        for commune in geography.search_communes(text, limit=8):
            code = geography.designation(commune)
            choices.append((code, f"{commune.name} ({commune.departement}) — {code}"))
    return render(request, "panel/_commune_options.html", {"choices": choices})


@require_GET
def verify(request, slug: str):
    """Public verification page: hash (once frozen), seed and draw (once published)."""
    campaign = selectors.public_campaign(slug)
    draw = getattr(campaign, "draw", None)
    return render(
        request,
        "panel/verify.html",
        {
            "campaign": campaign,
            "phase": selectors.campaign_phase(campaign),
            "draw": draw,
            "quotas": [
                {**q, "stratum_label": selectors.stratum_label(q.get("stratum"))}
                for q in (draw.quotas if draw else selectors.frozen_quotas(campaign))
            ],
            "selections": selectors.draw_selections(campaign),
            "command": selectors.verification_command(campaign, multiline=True),
            "candidates_count": campaign.candidates.count(),
        },
    )


DOWNLOADS = {
    "candidatures.csv": "text/csv; charset=utf-8",
    "candidatures.json": "application/json; charset=utf-8",
    "quotas.yaml": "application/yaml; charset=utf-8",
    "tirage.csv": "text/csv; charset=utf-8",
    "tirage.pdf": "application/pdf",
}


@require_GET
def download(request, slug: str, name: str):
    """Public, anonymised downloads of a frozen list and a published draw."""
    campaign = selectors.public_campaign(slug)
    if name not in DOWNLOADS or campaign.frozen_at is None:
        raise Http404("Fichier introuvable")
    draw = getattr(campaign, "draw", None)
    if name == "candidatures.json":
        body: bytes | str = campaign.frozen_candidates.encode("utf-8")
    elif name == "candidatures.csv":
        body = selectors.frozen_candidates_csv(campaign)
    elif name == "quotas.yaml":
        body = selectors.quotas_yaml(draw.quotas if draw else selectors.frozen_quotas(campaign))
    elif draw is None:
        raise Http404("Le tirage n'est pas encore publié")
    elif name == "tirage.csv":
        body = draw.result_csv
    else:
        from kineco2.panel.pdf import render_draw_report

        body = render_draw_report(campaign)
    stem, ext = name.rsplit(".", 1)
    response = HttpResponse(body, content_type=DOWNLOADS[name])
    response["Content-Disposition"] = f'attachment; filename="{stem}-{campaign.slug}.{ext}"'
    return response


# --- participants ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def participate(request, token: str):
    """A drawn practice's invitation: log in or sign up, then create or link the practice."""
    participation = services.participation_from_token(token)
    if participation is None:
        return render(request, "panel/participate_invalid.html", status=404)
    candidate = participation.candidate
    here = request.get_full_path()
    if not request.user.is_authenticated:
        query = {"next": here, "email": candidate.email}
        return render(
            request,
            "panel/participate.html",
            {
                "participation": participation,
                "candidate": candidate,
                "login_url": reverse("login") + "?" + urlencode(query),
                "signup_url": reverse("signup") + "?" + urlencode(query),
            },
        )
    if participation.practice_id is not None:
        if participation.practice.memberships.filter(user=request.user).exists():
            return redirect("panel_my_campaigns")
        return render(request, "panel/participate_invalid.html", {"taken": True}, status=409)
    if participation.status == ParticipationStatus.DESISTE:
        return render(request, "panel/participate_invalid.html", {"withdrawn": True}, status=410)
    practices = list(selectors.user_practices(request.user))
    create_form = ParticipationPracticeForm(
        request.POST if request.POST.get("action") == "create" else None,
        initial={
            "name": candidate.practice_name,
            "commune": geography.designation(
                geography.commune_by_insee(candidate.commune_code),
                preferred=candidate.postal_code,
            ),
            "practitioners": candidate.practitioners,
            "practice_mode": candidate.practice_mode,
        },
    )
    link_form = ExistingPracticeForm(
        request.POST if request.POST.get("action") == "link" else None, practices=practices
    )
    if request.method == "POST":
        action = request.POST.get("action")
        form = {"create": create_form, "link": link_form}.get(action)
        if form is None:
            messages.error(request, "Choisissez de créer le cabinet ou d'en lier un existant.")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                if action == "create":
                    services.participation_link(
                        participation=participation,
                        user=request.user,
                        name=data["name"],
                        commune=data["commune"],
                        practitioners=data["practitioners"],
                        practice_mode=data["practice_mode"],
                    )
                else:
                    services.participation_link(
                        participation=participation, user=request.user, practice=data["practice"]
                    )
            except (services.PanelError, geography.CommuneError) as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    "Merci ! Votre cabinet participe au panel : son bilan de l'année "
                    f"{participation.campaign.reference_year} vous attend.",
                )
                return redirect("panel_my_campaigns")
    return render(
        request,
        "panel/participate.html",
        {
            "participation": participation,
            "candidate": candidate,
            "create_form": create_form,
            "link_form": link_form if practices else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def my_campaigns(request):
    participations = selectors.my_participations(request.user)
    rows = []
    for participation in participations:
        completed = selectors.completed_practice_ids(participation.campaign)
        status = selectors.effective_status(participation, completed)
        rows.append(
            {
                "participation": participation,
                "status_label": selectors.status_label(status),
                "phase": selectors.campaign_phase(participation.campaign),
                "assessment": selectors.assessment_for_participation(participation),
                "comments": selectors.comments_for(participation),
            }
        )
    return render(request, "panel/my_campaigns.html", {"rows": rows})


# --- coordination: campaigns -----------------------------------------------------------------


@staff_required
@require_GET
def dashboard(request):
    perimeter = request.perimeter
    campaigns = [
        {"campaign": c, "phase": selectors.campaign_phase(c)}
        for c in selectors.campaigns_for(perimeter)
    ]
    return render(
        request,
        "panel/dashboard.html",
        {
            "campaigns": campaigns,
            "perimeter": perimeter,
            "region_names": [selectors.region_name(r) for r in sorted(perimeter.regions)],
        },
    )


def _campaign_fields(data) -> dict:
    fields = {name: data[name] for name in services.CAMPAIGN_FIELDS if name in data}
    fields["description"] = fields.get("description") or ""
    return fields


@national_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, initial={"min_months_activity": 0})
    if request.method == "POST" and form.is_valid():
        campaign = services.campaign_create(
            created_by=request.user, **_campaign_fields(form.cleaned_data)
        )
        messages.success(request, f"La campagne « {campaign.name} » est créée.")
        return redirect("panel_campaign", slug=campaign.slug)
    return render(
        request,
        "panel/campaign_form.html",
        {"form": form, "campaign": None},
        status=400 if form.errors else 200,
    )


@national_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, slug: str):
    campaign = selectors.campaign_for(request.perimeter, slug)
    initial = {name: getattr(campaign, name) for name in services.CAMPAIGN_FIELDS}
    data = request.POST if request.method == "POST" else None
    form = CampaignForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, **_campaign_fields(form.cleaned_data))
        except services.PanelError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "La campagne est modifiée.")
            return redirect("panel_campaign", slug=campaign.slug)
    return render(
        request,
        "panel/campaign_form.html",
        {"form": form, "campaign": campaign},
        status=400 if form.errors else 200,
    )


def _campaign_page(request, campaign, *, quota_form=None, draw_form=None, status=200):
    perimeter = request.perimeter
    can_edit_some = perimeter.is_national_coordinator or bool(perimeter.regions)
    return render(
        request,
        "panel/campaign_detail.html",
        {
            "campaign": campaign,
            "perimeter": perimeter,
            "phase": selectors.campaign_phase(campaign),
            "phase_dates": selectors.phase_dates(campaign),
            "eligibility": selectors.eligibility_summary(campaign),
            "quotas": selectors.quota_rows(campaign, perimeter),
            "quota_form": quota_form
            or (QuotaForm(perimeter=perimeter) if campaign.frozen_at is None else None),
            "can_add_quota": can_edit_some and campaign.frozen_at is None,
            "candidate_counts": selectors.candidate_counts(campaign, perimeter),
            "draw": getattr(campaign, "draw", None),
            "draw_form": draw_form or DrawForm(),
            "can_freeze": perimeter.can_manage_campaigns
            and campaign.frozen_at is None
            and selectors.today() > campaign.candidatures_close,
            "progress": selectors.progress_by_region(campaign, perimeter)
            if campaign.drawn_at
            else [],
        },
        status=status,
    )


@staff_required
@require_GET
def campaign_detail(request, slug: str):
    campaign = selectors.campaign_for(request.perimeter, slug)
    return _campaign_page(request, campaign)


@staff_required
@require_POST
def quota_add(request, slug: str):
    campaign = selectors.campaign_for(request.perimeter, slug)
    form = QuotaForm(request.POST, perimeter=request.perimeter)
    if form.is_valid():
        try:
            services.quota_add(
                campaign=campaign,
                perimeter=request.perimeter,
                region_code=form.cleaned_data["region_code"],
                stratum=form.stratum(),
                count=form.cleaned_data["count"],
            )
        except services.PanelError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Le quota est ajouté.")
            return redirect(reverse("panel_campaign", args=[campaign.slug]) + "#quotas")
    return _campaign_page(request, campaign, quota_form=form, status=400)


@staff_required
@require_POST
def quota_delete(request, slug: str, pk: int):
    campaign = selectors.campaign_for(request.perimeter, slug)
    quota = selectors.quota_for(campaign, request.perimeter, pk)
    try:
        services.quota_delete(quota=quota, perimeter=request.perimeter)
    except services.PanelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Le quota est supprimé.")
    return redirect(reverse("panel_campaign", args=[campaign.slug]) + "#quotas")


@staff_required
@require_GET
def candidates(request, slug: str):
    campaign = selectors.campaign_for(request.perimeter, slug)
    rows = [
        {
            "candidate": c,
            "zone_label": geography.PATIENT_ZONES.get(c.zone, c.zone),
            "region_name": selectors.region_name(c.region_code),
        }
        for c in selectors.candidates_for(campaign, request.perimeter)
    ]
    return render(request, "panel/candidates.html", {"campaign": campaign, "rows": rows})


@national_required
@require_POST
def freeze(request, slug: str):
    campaign = selectors.campaign_for(request.perimeter, slug)
    try:
        campaign = services.candidates_freeze(campaign=campaign)
    except services.PanelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "La liste des candidatures et les quotas sont figés. Publiez maintenant "
            f"l'empreinte {campaign.candidates_hash}, puis fixez la graine.",
        )
    return redirect("panel_campaign", slug=campaign.slug)


@national_required
@require_POST
def draw_run(request, slug: str):
    campaign = selectors.campaign_for(request.perimeter, slug)
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            services.draw_run(
                campaign=campaign,
                seed=form.cleaned_data["seed"],
                by=request.user,
                base_url=_base_url(request),
            )
        except services.PanelError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Le tirage est effectué et publié ; les cabinets tirés sont invités."
            )
            return redirect("panel_campaign", slug=campaign.slug)
    campaign.refresh_from_db()
    return _campaign_page(request, campaign, draw_form=form, status=400)


# --- coordination: follow-up and review ------------------------------------------------------


@staff_required
@require_GET
def followup(request, slug: str):
    perimeter = request.perimeter
    campaign = selectors.campaign_for(perimeter, slug)
    region = request.GET.get("region", "")
    participations = selectors.participations_for(campaign, perimeter)
    if region:
        if not perimeter.allows_region(region):
            raise Http404("Région introuvable")
        participations = participations.filter(region_code=region)
    completed = selectors.completed_practice_ids(campaign)
    selections = selectors.draw_selections(campaign)
    rows = []
    for participation in participations:
        status = selectors.effective_status(participation, completed)
        quota = selections[participation.quota_index] if selections else None
        rows.append(
            {
                "participation": participation,
                "status": status,
                "status_label": selectors.status_label(status),
                "region_name": selectors.region_name(participation.region_code),
                "quota_label": f"{quota['region']} · {quota['stratum_label']}" if quota else "",
            }
        )
    return render(
        request,
        "panel/followup.html",
        {
            "campaign": campaign,
            "rows": rows,
            "progress": selectors.progress_by_region(campaign, perimeter),
            "regions": selectors.regions_for(perimeter),
            "region": region,
        },
    )


def _participation_page(request, participation, *, comment_form=None, status=200):
    perimeter = request.perimeter
    review = selectors.review_for(participation)
    posts = [(p.post_id, p.label) for p in review.posts]
    replacement = getattr(participation, "replaced_by", None)
    completed = selectors.completed_practice_ids(participation.campaign)
    state = selectors.effective_status(participation, completed)
    return render(
        request,
        "panel/participation.html",
        {
            "participation": participation,
            "campaign": participation.campaign,
            "candidate": participation.candidate,
            "region_name": selectors.region_name(participation.region_code),
            "status": state,
            "status_label": selectors.status_label(state),
            "review": review,
            "comments": selectors.comments_for(participation),
            "comment_form": comment_form or CommentForm(posts=posts),
            "notes_form": NotesForm(initial={"notes": participation.notes}),
            "withdraw_form": WithdrawForm(),
            "can_act": selectors.can_follow_up(perimeter, participation.region_code),
            "replacement": replacement,
            "next_replacement": selectors.next_replacement(participation)
            if participation.status == ParticipationStatus.DESISTE and replacement is None
            else None,
        },
        status=status,
    )


@staff_required
@require_GET
def participation_detail(request, pk: int):
    participation = selectors.participation_for(request.perimeter, pk)
    return _participation_page(request, participation)


def _acting(request, pk: int):
    """The participation if the viewer may act on it (follow-up), else 404."""
    participation = selectors.participation_for(request.perimeter, pk)
    if not selectors.can_follow_up(request.perimeter, participation.region_code):
        raise Http404("Participation introuvable")
    return participation


def _back(participation):
    return redirect("panel_participation", pk=participation.pk)


@staff_required
@require_POST
def participation_withdraw(request, pk: int):
    participation = _acting(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Le motif est trop long (500 caractères au plus).")
        return _back(participation)
    try:
        services.participation_withdraw(
            participation=participation, note=form.cleaned_data.get("note") or ""
        )
    except services.PanelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, "Le désistement est noté. Vous pouvez appeler le remplaçant suivant."
        )
    return _back(participation)


@staff_required
@require_POST
def participation_promote(request, pk: int):
    participation = _acting(request, pk)
    try:
        replacement = services.participation_promote(
            participation=participation, base_url=_base_url(request)
        )
    except services.PanelError as exc:
        messages.error(request, str(exc))
        return _back(participation)
    messages.success(
        request,
        f"Le remplaçant {replacement.candidate.ref} ({replacement.candidate.practice_name}) est "
        "appelé et invité par e-mail.",
    )
    return redirect("panel_participation", pk=replacement.pk)


@staff_required
@require_POST
def participation_validate(request, pk: int):
    participation = _acting(request, pk)
    try:
        services.participation_validate(participation=participation, by=request.user)
    except services.PanelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "La participation est validée.")
    return _back(participation)


@staff_required
@require_POST
def participation_notes(request, pk: int):
    participation = _acting(request, pk)
    form = NotesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Les notes sont trop longues (10 000 caractères au plus).")
        return _back(participation)
    services.participation_notes(participation=participation, notes=form.cleaned_data["notes"])
    messages.success(request, "Les notes sont enregistrées.")
    return _back(participation)


@staff_required
@require_POST
def comment_add(request, pk: int):
    participation = selectors.participation_for(request.perimeter, pk)
    review = selectors.review_for(participation)
    form = CommentForm(request.POST, posts=[(p.post_id, p.label) for p in review.posts])
    if form.is_valid():
        try:
            services.comment_add(
                participation=participation,
                author=request.user,
                body=form.cleaned_data["body"],
                post_id=form.cleaned_data.get("post_id") or "",
                base_url=_base_url(request),
            )
        except services.PanelError as exc:
            form.add_error("body", str(exc))
        else:
            messages.success(request, "Le commentaire est envoyé au cabinet.")
            return _back(participation)
    return _participation_page(request, participation, comment_form=form, status=400)


# --- coordination: staff ---------------------------------------------------------------------


def _staff_page(request, form=None, status=200):
    return render(
        request,
        "panel/staff.html",
        {
            "roles": [
                {"role": r, "region_name": selectors.region_name(r.region_code or "")}
                for r in selectors.staff_roles()
            ],
            "invitations": [
                {"invitation": i, "region_name": selectors.region_name(i.region_code or "")}
                for i in selectors.pending_invitations()
            ],
            "form": form or StaffInvitationForm(),
        },
        status=status,
    )


@national_required
@require_GET
def staff(request):
    return _staff_page(request)


@national_required
@require_POST
def staff_invite(request):
    form = StaffInvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.staff_invite(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                region_code=form.cleaned_data.get("region_code"),
                invited_by=request.user,
                base_url=_base_url(request),
            )
        except services.PanelError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Une invitation est envoyée à {invitation.email}.")
            return redirect("panel_staff")
    return _staff_page(request, form=form, status=400)


@national_required
@require_POST
def staff_role_revoke(request, pk: int):
    role = get_object_or_404(PanelRole, pk=pk)
    try:
        services.role_revoke(role=role, by=request.user)
    except services.PanelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Le rôle est retiré.")
    return redirect("panel_staff")


@national_required
@require_POST
def staff_invitation_cancel(request, pk: int):
    invitation = get_object_or_404(PanelInvitation, pk=pk)
    try:
        services.staff_invitation_cancel(invitation=invitation)
    except services.PanelError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "L'invitation est annulée.")
    return redirect("panel_staff")


@login_required
@require_http_methods(["GET", "POST"])
def staff_accept(request, token: str):
    invitation = services.staff_invitation_for_token(token)
    if invitation is None or invitation.accepted_at is not None:
        return render(request, "panel/staff_accept.html", {"invalid": True}, status=404)
    if request.method == "POST":
        try:
            services.staff_invitation_accept(token=token, user=request.user)
        except services.PanelError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Vous êtes {invitation.get_role_display().lower()}.")
            return redirect("panel_dashboard")
    return render(
        request,
        "panel/staff_accept.html",
        {
            "invitation": invitation,
            "region_name": selectors.region_name(invitation.region_code or ""),
            "same_address": request.user.email.lower() == invitation.email.lower(),
        },
        status=400 if request.method == "POST" else 200,
    )
