"""Coordinated-practice structures: pages for coordinators and member practices.

Every read goes through ``selectors`` (a structure the user may not see is a 404) and every
write through ``services``. The guide and the directory are in ``guide_views``.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from kineco2.engine import InputError
from kineco2.engine.allocation import KEY_LABELS, KEY_UNITS, REPLACED_POSTS
from kineco2.engine.formatting import format_number
from kineco2.engine.posts import POST_LABELS
from kineco2.practices.forms import last_full_year
from kineco2.practices.models import Practice, Role
from kineco2.practices.selectors import practices_for_user
from kineco2.practices.views import login_required
from kineco2.structures import footprint as fp
from kineco2.structures import selectors, services
from kineco2.structures.forms import (
    AcceptPracticeForm,
    InvitationForm,
    KeyForm,
    OccupantNumbersForm,
    ProfessionalForm,
    SharingForm,
    StructureForm,
    premises_questions,
    read_premises,
)
from kineco2.structures.models import (
    CoordinatorRole,
    InvitationKind,
    Kind,
    MemberPractice,
    OtherProfessional,
    StructureInvitation,
)

SECTION_TITLES = {
    "energie": "Énergie (factures du bâtiment)",
    "froid": "Climatisation et fluides frigorigènes",
    "batiment": "Bâtiment",
    "materiel": "Matériel partagé et secrétariat",
    "services": "Services communs",
    "dechets": "Déchets",
}


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404("Année introuvable") from None
    if not 2015 <= year <= 2100:
        raise Http404("Année introuvable")
    return year


def _pending_invitations(user):
    if not user.is_authenticated or not user.email:
        return StructureInvitation.objects.none()
    return StructureInvitation.objects.select_related("structure").filter(
        email__iexact=user.email, accepted_at__isnull=True, declined_at__isnull=True
    )


@login_required
def structure_list(request):
    structures = selectors.structures_for_user(request.user).order_by("name")
    coordinated = set(request.user.structure_roles.values_list("structure_id", flat=True))
    return render(
        request,
        "structures/structure_list.html",
        {
            "structures": structures,
            "coordinated": coordinated,
            "invitations": _pending_invitations(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def structure_create(request):
    form = StructureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        structure = services.structure_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            commune=form.cleaned_data["commune"],
            finess=form.cleaned_data["finess"],
        )
        messages.success(request, f"Structure « {structure.name} » créée.")
        return redirect("structure_detail", structure.pk)
    return render(request, "structures/structure_form.html", {"form": form})


def _detail_context(request, structure, **forms):
    role = selectors.coordinator_role(request.user, structure)
    my_members = selectors.user_member_practices(request.user, structure)
    year = last_full_year()
    context = {
        "structure": structure,
        "role": role,
        "is_coordinator": role is not None,
        "is_responsable": role == CoordinatorRole.RESPONSABLE,
        "my_members": my_members,
        "year": year,
        "key_labels": KEY_LABELS,
        "key_units": KEY_UNITS,
    }
    if role is not None:
        members = list(structure.members.select_related("practice").order_by("pk"))
        context.update(
            members=members,
            member_forms={
                m.pk: OccupantNumbersForm(
                    initial={
                        "surface_m2": m.surface_m2,
                        "sessions_per_year": m.sessions_per_year,
                        "hours_per_week": m.hours_per_week,
                        "headcount": m.headcount,
                    },
                    prefix=f"m{m.pk}",
                )
                for m in members
            },
            professionals=list(structure.other_professionals.order_by("pk")),
            coordinators=list(structure.coordinators.select_related("user")),
            invitations=list(
                structure.invitations.filter(accepted_at__isnull=True, declined_at__isnull=True)
            ),
            invite_form=forms.get("invite_form") or InvitationForm(),
            professional_form=forms.get("professional_form") or ProfessionalForm(),
            key_form=forms.get("key_form")
            or KeyForm(
                initial={
                    "premises_key": structure.premises_key,
                    "support_key": structure.support_key,
                    "common_surface_m2": structure.common_surface_m2,
                }
            ),
            premises_years=list(structure.premises.values_list("reference_year", flat=True)),
        )
    # A member sees its own share, never the others' footprints.
    shares = []
    for member in my_members:
        for premises in structure.premises.all():
            try:
                computation = selectors.premises_computation(structure, premises)
            except InputError:
                continue
            share = computation.allocation.share(f"cabinet:{member.pk}")
            shares.append(
                {
                    "member": member,
                    "year": premises.reference_year,
                    "kgco2e": share.kgco2e,
                    "premises_percent": float(share.premises_fraction * 100),
                    "support_percent": float(share.support_fraction * 100),
                    "total_kgco2e": computation.allocation.total_kgco2e,
                    "explanation": computation.allocation.explanation,
                }
            )
    context["my_shares"] = shares
    context["sharing_forms"] = {
        m.pk: SharingForm(initial={"share_footprint": m.share_footprint}, prefix=f"s{m.pk}")
        for m in my_members
    }
    return context


@login_required
def structure_detail(request, pk: int):
    structure = selectors.structure_for_user(request.user, pk)
    return render(request, "structures/structure_detail.html", _detail_context(request, structure))


@login_required
@require_POST
def structure_invite(request, pk: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    form = InvitationForm(request.POST)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        role = form.cleaned_data.get("role") or CoordinatorRole.COORDINATEUR
        if kind == InvitationKind.COORDINATEUR and (
            selectors.coordinator_role(request.user, structure) != CoordinatorRole.RESPONSABLE
        ):
            form.add_error(
                "kind", "Seul un ou une responsable de la structure invite des coordinateurs."
            )
        else:
            invitation = services.invitation_create(
                structure=structure,
                kind=kind,
                email=form.cleaned_data["email"],
                role=role,
                invited_by=request.user,
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
            messages.success(request, f"Invitation envoyée à {invitation.email}.")
            return redirect(reverse("structure_detail", args=[structure.pk]) + "#membres")
    context = _detail_context(request, structure, invite_form=form)
    return render(request, "structures/structure_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def structure_invitation(request, token: str):
    """Answer an invitation: a practice's titulaire picks the practice and what it shares;
    a coordinator accepts the role. Anonymous visitors are asked to log in first."""
    invitation = (
        StructureInvitation.objects.select_related("structure", "invited_by")
        .filter(token=token)
        .first()
    )
    if invitation is None or invitation.declined_at is not None:
        return render(
            request,
            "structures/invitation_invalid.html",
            {"reason": "Ce lien d'invitation n'existe pas ou a été refusé."},
            status=404,
        )
    if invitation.accepted_at is not None:
        return render(
            request,
            "structures/invitation_invalid.html",
            {"reason": "Cette invitation a déjà été acceptée."},
            status=410,
        )
    if not request.user.is_authenticated:
        return render(request, "structures/invitation.html", {"invitation": invitation})
    practices = [
        p
        for p in practices_for_user(request.user)
        if p.memberships.filter(user=request.user, role=Role.TITULAIRE).exists()
    ]
    form = AcceptPracticeForm(request.POST or None, practices=practices)
    if request.method == "POST":
        if request.POST.get("decline"):
            services.invitation_decline(invitation=invitation)
            messages.info(request, "Invitation refusée.")
            return redirect("structure_list")
        if invitation.kind == InvitationKind.COORDINATEUR:
            services.invitation_accept_coordinator(invitation=invitation, user=request.user)
            messages.success(
                request, f"Vous coordonnez maintenant « {invitation.structure.name} »."
            )
            return redirect("structure_detail", invitation.structure.pk)
        if form.is_valid():
            practice = get_object_or_404(Practice, pk=form.cleaned_data["practice"])
            if practice not in practices:  # pragma: no cover - the choices already forbid it
                raise Http404
            services.invitation_accept_practice(
                invitation=invitation,
                practice=practice,
                share_footprint=form.cleaned_data["share_footprint"],
            )
            messages.success(
                request, f"« {practice.name} » a rejoint « {invitation.structure.name} »."
            )
            return redirect("structure_detail", invitation.structure.pk)
    return render(
        request,
        "structures/invitation.html",
        {"invitation": invitation, "form": form, "practices": practices},
        status=400 if request.method == "POST" else 200,
    )


def _member(structure, member_pk) -> MemberPractice:
    try:
        return MemberPractice.objects.select_related("practice").get(
            pk=member_pk, structure=structure
        )
    except (MemberPractice.DoesNotExist, ValueError, TypeError):
        raise Http404("Membre introuvable") from None


@login_required
@require_POST
def member_numbers(request, pk: int, member_pk: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    member = _member(structure, member_pk)
    form = OccupantNumbersForm(request.POST, prefix=f"m{member.pk}")
    if form.is_valid():
        services.member_update_key(member=member, **form.cleaned_data)
        messages.success(request, f"Clé de répartition de « {member.practice.name} » enregistrée.")
    else:
        problems = "; ".join(
            f"{form.fields[k].label} : {' '.join(v)}" for k, v in form.errors.items()
        )
        messages.error(
            request, f"Rien n'a été enregistré pour « {member.practice.name} » : {problems}"
        )
    return redirect(reverse("structure_detail", args=[structure.pk]) + "#membres")


@login_required
@require_POST
def member_sharing(request, pk: int, member_pk: int):
    """A member practice's titulaire decides what the coordinators see."""
    structure = selectors.structure_for_user(request.user, pk)
    member = _member(structure, member_pk)
    if not selectors.is_titulaire_of(request.user, member.practice):
        raise Http404("Membre introuvable")
    form = SharingForm(request.POST, prefix=f"s{member.pk}")
    form.is_valid()
    services.member_set_sharing(
        member=member, share_footprint=bool(form.cleaned_data.get("share_footprint"))
    )
    messages.success(request, "Votre choix de partage est enregistré.")
    return redirect("structure_detail", structure.pk)


@login_required
@require_POST
def member_leave(request, pk: int, member_pk: int):
    """A titulaire takes its practice out, or a responsable removes a member."""
    structure = selectors.structure_for_user(request.user, pk)
    member = _member(structure, member_pk)
    allowed = selectors.is_titulaire_of(request.user, member.practice) or (
        selectors.coordinator_role(request.user, structure) == CoordinatorRole.RESPONSABLE
    )
    if not allowed:
        raise Http404("Membre introuvable")
    name = member.practice.name
    services.member_leave(member=member)
    messages.success(request, f"« {name} » ne fait plus partie de « {structure.name} ».")
    if selectors.structures_for_user(request.user).filter(pk=structure.pk).exists():
        return redirect("structure_detail", structure.pk)
    return redirect("structure_list")


@login_required
@require_POST
def professional_add(request, pk: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    form = ProfessionalForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, structure, professional_form=form)
        return render(request, "structures/structure_detail.html", context, status=400)
    services.professional_add(structure=structure, **form.cleaned_data)
    messages.success(request, "Professionnels ajoutés.")
    return redirect(reverse("structure_detail", args=[structure.pk]) + "#professionnels")


@login_required
@require_POST
def professional_delete(request, pk: int, professional_pk: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    try:
        professional = OtherProfessional.objects.get(pk=professional_pk, structure=structure)
    except (OtherProfessional.DoesNotExist, ValueError, TypeError):
        raise Http404("Introuvable") from None
    services.professional_delete(professional=professional)
    messages.success(request, "Ligne supprimée.")
    return redirect(reverse("structure_detail", args=[structure.pk]) + "#professionnels")


@login_required
@require_POST
def key_update(request, pk: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    form = KeyForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, structure, key_form=form)
        return render(request, "structures/structure_detail.html", context, status=400)
    services.structure_update(structure=structure, **form.cleaned_data)
    messages.success(request, "Clé de répartition enregistrée.")
    return redirect(reverse("structure_detail", args=[structure.pk]) + "#cle")


@login_required
@require_http_methods(["GET", "POST"])
def premises_edit(request, pk: int, year: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    year = _year(year)
    if not structure.has_premises:
        raise Http404("Une CPTS n'a pas de locaux partagés")
    premises = selectors.premises_for_year(structure, year)
    answers = premises.answers if premises else {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        answers, errors, _raw = read_premises(request.POST)
        if not errors:
            services.premises_save(
                structure=structure, year=year, answers=answers, user=request.user
            )
            messages.success(request, f"Bilan des locaux partagés {year} enregistré.")
            return redirect("structure_footprint", structure.pk, year)
        status = 400
        # Keep what was typed, even when it is wrong: nothing entered is lost.
        answers = {s: dict(v) for s, v in _raw.items()}
    questions = premises_questions(answers if not errors else {}, errors)
    if errors:
        for section, items in questions.items():
            for q in items:
                q.value = str(answers.get(section, {}).get(q.spec.name, ""))
    return render(
        request,
        "structures/premises_form.html",
        {
            "structure": structure,
            "year": year,
            "sections": [(SECTION_TITLES[s], items) for s, items in questions.items()],
            "errors": errors,
        },
        status=status,
    )


@login_required
def structure_footprint(request, pk: int, year: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    year = _year(year)
    footprint = fp.structure_footprint(structure, year)
    context = {
        "structure": structure,
        "year": year,
        "footprint": footprint,
        "history": fp.year_on_year(structure),
        "replaced_posts": [POST_LABELS[p] for p in sorted(REPLACED_POSTS)],
    }
    if structure.kind == Kind.CPTS:
        context["aggregates"] = fp.network_aggregates(structure, year)
    if footprint.allocation is not None:
        context["allocation_rows"] = [
            {
                "label": share.occupant.label,
                "premises_percent": float(share.premises_fraction * 100),
                "support_percent": float(share.support_fraction * 100),
                "grams": share.grams,
                "kgco2e": share.kgco2e,
            }
            for share in footprint.allocation.shares
        ]
    return render(request, "structures/footprint.html", context)


def _csv_number(value: float | None, decimals: int = 3) -> str:
    return "" if value is None else format_number(value, decimals, thousands="")


@login_required
def structure_footprint_csv(request, pk: int, year: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    year = _year(year)
    footprint = fp.structure_footprint(structure, year)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "membre",
            "type",
            "ce qui est compté",
            "part des locaux partagés (kg CO2e)",
            "postes propres (kg CO2e)",
            "total (kg CO2e)",
            "intervalle 95 % bas (kg CO2e)",
            "intervalle 95 % haut (kg CO2e)",
        ]
    )
    for row in footprint.rows:
        low, high = row.interval_kg or (None, None)
        writer.writerow(
            [
                row.label,
                "cabinet KinéCO2" if row.kind == "cabinet" else "autre profession",
                row.status,
                _csv_number(row.shared_grams / 1000),
                _csv_number(row.own_grams / 1000 if row.own_grams is not None else None),
                _csv_number(row.kgco2e),
                _csv_number(low, 1),
                _csv_number(high, 1),
            ]
        )
    low, high = footprint.consolidation.interval_kg or (None, None)
    writer.writerow(
        [
            "TOTAL",
            "",
            "",
            _csv_number(footprint.shared_kgco2e),
            _csv_number(sum(r.own_grams or 0 for r in footprint.rows) / 1000),
            _csv_number(footprint.total_kgco2e),
            _csv_number(low, 1),
            _csv_number(high, 1),
        ]
    )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="structure-{structure.pk}-bilan-{year}.csv"'
    )
    return response


@login_required
def structure_footprint_pdf(request, pk: int, year: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    year = _year(year)
    from kineco2.structures.pdf import structure_pdf

    footprint = fp.structure_footprint(structure, year)
    pdf = structure_pdf(footprint, fp.year_on_year(structure))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="structure-{structure.pk}-bilan-{year}.pdf"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def structure_plan(request, pk: int, year: int):
    structure = selectors.structure_for_user(request.user, pk, coordinate=True)
    year = _year(year)
    if request.method == "POST":
        action_id = request.POST.get("action", "")
        status = request.POST.get("status", "")
        note = request.POST.get("note", "")[:300]
        from kineco2.engine.actions import load_actions

        if action_id not in load_actions() or status not in ("prevu", "en_cours", "fait"):
            messages.error(request, "Action ou état inconnu : rien n'a été enregistré.")
        else:
            services.action_set(
                structure=structure, action_id=action_id, year=year, status=status, note=note
            )
            messages.success(request, "Suivi de l'action enregistré.")
        return redirect("structure_plan", structure.pk, year)
    gains = fp.collective_plan(structure, year)
    labels = {o.key: o.label for o in selectors.occupants(structure)}
    tracked = {a.action_id: a for a in structure.actions.filter(reference_year=year)}
    return render(
        request,
        "structures/plan.html",
        {
            "structure": structure,
            "year": year,
            "gains": gains,
            "labels": labels,
            "tracked": tracked,
            "total_avoided": sum(g.total_kgco2e for g in gains),
        },
    )
