"""Methodology pages: what changed between versions (public), the maintainers' versions page
with the effect of a version on the panel, and a practitioner's « recalculer avec la méthode »."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kineco2.engine.errors import EngineError, InputError, ReferenceDataError
from kineco2.engine.versiondiff import diff_versions
from kineco2.engine.versions import current_version, load_registry, methodology_sets
from kineco2.methodology import selectors
from kineco2.methodology.models import JobStatus


def _visible_versions(user) -> list:
    """Versions a visitor may compare: published and withdrawn; drafts for maintainers."""
    maintainer = selectors.can_maintain(user)
    return [
        e
        for e in load_registry(selectors.registry_path()).values()
        if e.status != "brouillon" or maintainer
    ]


@require_GET
def changes(request):
    """« Ce qui a changé entre deux versions » (public)."""
    versions = _visible_versions(request.user)
    names = [e.version for e in versions]
    new = request.GET.get("a") or current_version(selectors.registry_path()).version
    old = request.GET.get("de") or (
        names[names.index(new) - 1] if new in names and names.index(new) else new
    )
    if old not in names or new not in names:
        raise Http404("Version inconnue")
    diff = diff_versions(old, new, registry=selectors.registry_path())
    return render(
        request,
        "methodology/changes.html",
        {
            "versions": versions,
            "old": old,
            "new": new,
            "diff": diff,
            "field_labels": _FIELD_LABELS,
        },
    )


_FIELD_LABELS = {
    "value": "valeur",
    "unit": "unité",
    "uncertainty_pct": "incertitude",
    "quality": "qualité",
    "kind": "nature",
    "year": "année",
    "label": "libellé",
    "source": "source",
    "per": "rapporté à",
}


def _maintainer(request) -> None:
    if not selectors.can_maintain(request.user):
        raise PermissionDenied("Page réservée aux mainteneurs de la méthodologie.")


@login_required
@require_GET
def versions(request):
    _maintainer(request)
    rows = [
        (e, selectors.latest_job(e.version))
        for e in load_registry(selectors.registry_path()).values()
    ]
    return render(
        request,
        "methodology/versions.html",
        {"rows": rows, "current": current_version(selectors.registry_path())},
    )


def _entry(version: str):
    registry = load_registry(selectors.registry_path())
    if version not in registry:
        raise Http404("Version inconnue")
    return registry[version]


@login_required
@require_GET
def version_effect(request, version: str):
    _maintainer(request)
    entry = _entry(version)
    job = selectors.latest_job(version)
    effect = None
    if job and job.status == JobStatus.TERMINE:
        from django.core.cache import cache

        key = f"methodology:effect:v2:{version}:{job.pk}:{job.finished_at.isoformat()}"
        effect = cache.get(key)
        if effect is None:
            effect = selectors.panel_effect(version)
            cache.set(key, effect, timeout=3600)
    return render(
        request,
        "methodology/version_effect.html",
        {
            "entry": entry,
            "current": current_version(selectors.registry_path()),
            "job": job,
            "effect": effect,
            "min_count": selectors.min_count(),
            "running": job is not None and job.status in (JobStatus.EN_ATTENTE, JobStatus.EN_COURS),
        },
    )


@login_required
@require_GET
def version_progress(request, version: str):
    _maintainer(request)
    _entry(version)
    job = selectors.latest_job(version)
    return render(request, "methodology/_progress.html", {"job": job, "version": version})


@login_required
@require_POST
def version_recompute(request, version: str):
    _maintainer(request)
    _entry(version)
    from kineco2.methodology.services import start_job
    from kineco2.methodology.tasks import recompute_version

    job = start_job(version, user=request.user)
    recompute_version.enqueue(job.pk)
    messages.success(
        request,
        f"Recalcul des bilans avec la méthode {version} lancé en arrière-plan : "
        "l'avancement s'affiche ci-dessous.",
    )
    return redirect("methodology_version_effect", version=version)


# -- practitioners --------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def assessment_method(request, pk: int):
    """Both figures (stored version, current version) and the split of the difference."""
    from kineco2.engine.restate import restate
    from kineco2.practices import selectors as practice_selectors
    from kineco2.practices import services as practice_services
    from kineco2.practices.answers import to_input

    assessment = practice_selectors.assessment_for_user(request.user, pk)
    snapshot = practice_selectors.latest_snapshot(assessment, light=True)
    if snapshot is None:
        messages.info(request, "Ce bilan n'a pas encore de résultat enregistré.")
        return redirect("assessment_results", pk=assessment.pk)
    target = current_version(selectors.registry_path())
    old_version = snapshot.factors_version
    context = {
        "assessment": assessment,
        "practice": assessment.practice,
        "snapshot": snapshot,
        "target": target,
        "old_version": old_version,
        "same": old_version == target.factors,
    }
    if not context["same"]:
        try:
            old_sets = _sets_of(snapshot)
            new_sets = methodology_sets(target.version, selectors.registry_path())
            change = restate(
                to_input(assessment.answers),
                old=old_sets,
                new=new_sets,
                stored={"total_kgco2e": snapshot.total_kgco2e, "posts": snapshot.posts},
            )
        except InputError:
            messages.error(
                request,
                "Le bilan ne peut pas être recalculé : des réponses manquent ou ne sont plus "
                "acceptées. Complétez le questionnaire puis revenez sur cette page.",
            )
            return redirect("assessment_results", pk=assessment.pk)
        except (ReferenceDataError, EngineError) as exc:
            context["error"] = str(exc)
            change = None
        context["change"] = change
        if request.method == "POST" and change is not None:
            from django.conf import settings

            from kineco2.engine import compute

            result = compute(
                to_input(assessment.answers),
                factors=new_sets[0],
                defaults=new_sets[1],
                draws=settings.KINECO2_DRAWS,
                seed=settings.KINECO2_SEED,
            )
            practice_services.assessment_complete(assessment=assessment, result=result)
            messages.success(
                request,
                f"Bilan {assessment.reference_year} recalculé avec la méthode {target.version} : "
                f"le résultat enregistré avec la méthode {old_version} reste dans l'historique.",
            )
            return redirect("assessment_results", pk=assessment.pk)
    elif request.method == "POST":
        return redirect("assessment_results", pk=assessment.pk)
    return render(request, "methodology/assessment_method.html", context)


def _sets_of(snapshot):
    """The (factors, defaults) that produced a stored result."""
    from kineco2.engine.defaults import load_defaults
    from kineco2.engine.factors import load_factors

    return load_factors(snapshot.factors_version), load_defaults(snapshot.defaults_version)
