"""Public pages: home and methodology (every post and every factor, with its source)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kineco2.engine.defaults import load_defaults
from kineco2.engine.factors import QUALITIES, UNCERTAINTY_BASES, available_versions, load_factors
from kineco2.engine.posts import POSTS
from kineco2.engine.unused import unused_factors


def _factor_versions(request):
    versions = available_versions()
    version = request.GET.get("version") or versions[-1]
    if version not in versions:
        raise Http404("Version de facteurs inconnue")
    return version, versions


def _posts_by_factor() -> dict[str, list]:
    usage: dict[str, list] = {}
    for post in POSTS:
        for factor_id in post.FACTORS:
            usage.setdefault(factor_id, []).append(post)
    return usage


@require_GET
def home(request):
    return render(request, "web/home.html", {"posts": POSTS})


@require_GET
def methodology(request):
    factors = load_factors()
    defaults = load_defaults()
    return render(
        request,
        "web/methodology.html",
        {"posts": POSTS, "factors": factors, "defaults": defaults},
    )


@require_GET
def methodology_post(request, post_id: str):
    post = next((p for p in POSTS if p.ID == post_id), None)
    if post is None:
        raise Http404("Poste inconnu")
    factors = load_factors()
    rows = [factors[f] for f in sorted(post.FACTORS) if f in factors]
    return render(
        request,
        "web/methodology_post.html",
        {"post": post, "factors": rows, "qualities": QUALITIES},
    )


@require_GET
def factor_list(request):
    version, versions = _factor_versions(request)
    factors = load_factors(version)
    usage = _posts_by_factor()
    unused = unused_factors(version)
    rows = [
        {"factor": f, "posts": usage.get(f.id, []), "unused_reason": unused.get(f.id)}
        for f in factors.values()
    ]
    return render(
        request,
        "web/factor_list.html",
        {"rows": rows, "version": version, "versions": versions, "qualities": QUALITIES},
    )


@require_GET
def factor_detail(request, factor_id: str):
    version, versions = _factor_versions(request)
    factors = load_factors(version)
    if factor_id not in factors:
        raise Http404("Facteur inconnu")
    factor = factors[factor_id]
    history = []
    for other in versions:
        other_set = load_factors(other)
        if factor_id in other_set:
            history.append(other_set[factor_id])
    return render(
        request,
        "web/factor_detail.html",
        {
            "factor": factor,
            "version": version,
            "posts": _posts_by_factor().get(factor_id, []),
            "unused_reason": unused_factors(version).get(factor_id),
            "quality_label": QUALITIES[factor.quality],
            "uncertainty_basis": UNCERTAINTY_BASES[factor.uncertainty_basis],
            "history": history,
        },
    )
