"""Public pages: home and methodology (every post and every factor, with its source)."""

from __future__ import annotations

import functools

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kineco2.engine.defaults import load_defaults
from kineco2.engine.factors import QUALITIES, UNCERTAINTY_BASES, available_versions, load_factors
from kineco2.engine.formatting import format_number
from kineco2.engine.geography import TERRITORIES as TERRITORY_LABELS
from kineco2.engine.posts import POSTS
from kineco2.engine.unused import unused_factors


def _factor_versions(request):
    """Factor versions a visitor may browse: published and withdrawn ones (drafts are not
    public), the version in force by default."""
    from kineco2.engine.versions import current_version, load_registry

    public = {e.factors for e in load_registry().values() if e.status != "brouillon"}
    versions = [v for v in available_versions() if v in public]
    version = request.GET.get("version") or current_version().factors
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
def data_protection(request):
    """« Comment nous protégeons les données »: what is published and what never is."""
    from kineco2.benchmarks import disclosure
    from kineco2.engine.formatting import format_number

    return render(
        request,
        "web/data_protection.html",
        {
            "min_count": disclosure.MIN_COUNT,
            "min_figures": disclosure.MIN_PRACTICES_FOR["median"],
            "min_deciles": disclosure.MIN_PRACTICES_FOR["deciles"],
            "count_base": disclosure.COUNT_BASE,
            "window": disclosure.WINDOW,
            "factor_low": format_number(1 - disclosure.NOISE, 2),
            "factor_high": format_number(1 + disclosure.NOISE, 2),
            "significant": disclosure.SIGNIFICANT,
        },
    )


@require_GET
def methodology(request):
    factors = load_factors()
    defaults = load_defaults()
    from kineco2.methodology.selectors import can_maintain

    return render(
        request,
        "web/methodology.html",
        {
            "posts": POSTS,
            "factors": factors,
            "defaults": defaults,
            "can_maintain": can_maintain(request.user),
            "declaration": _declaration_rows(),
            "plausibility": _plausibility_rows(),
        },
    )


def _plausibility_rows() -> list[dict]:
    """The plausible ranges and their rationale, for the methodology page."""
    from kineco2.engine.numbers import french, with_unit
    from kineco2.engine.plausibility import load_ranges
    from kineco2.practices.answers import field_specs

    rows = []
    for path, rng in load_ranges().ranges.items():
        section, _, name = path.partition(".")
        spec = next(s for s in field_specs(section) if s.name == name)
        unit = spec.unit
        if rng.low is not None and rng.high is not None:
            expected = f"de {french(rng.low)} à {with_unit(french(rng.high), unit)}"
        elif rng.low is not None:
            expected = f"au moins {with_unit(french(rng.low), unit)}"
        else:
            expected = f"au plus {with_unit(french(rng.high), unit)}"
        rows.append(
            {
                "question": spec.title,
                "expected": expected + (" par kiné" if rng.per == "kine" else ""),
                "why": rng.rationale,
            }
        )
    return rows


def _declaration_rows() -> list[dict]:
    """The 2035 lines and the questions they fill, for the methodology page."""
    from kineco2.engine.declaration2035 import load_mapping
    from kineco2.engine.schema import SECTIONS

    def title(path: str) -> str:
        section, _, name = path.partition(".")
        return SECTIONS[section].model_fields[name].title or name

    return [
        {
            "label": line.label,
            "targets": [title(t) for t in line.targets],
            "also": [f"{title(k)} : {v:g}" for k, v in line.also.items()],
            "why": line.why,
        }
        for line in load_mapping().lines.values()
    ]


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


#: The all-unknown practice (one kiné) whose figures the release notes compare across versions.
RELEASE_EXAMPLES = (
    ("Rennes (métropole)", "35000", "tres_grand_pole"),
    ("Ajaccio (Corse)", "20000", "pole_moyen"),
    ("Saint-Denis (La Réunion)", "97400", "grand_pole"),
    ("Cayenne (Guyane)", "97300", "pole_moyen"),
)


@functools.cache
def _release_examples() -> list[dict]:
    """One kiné who answered nothing: total and per session in 2025.1 and 2026.1."""
    from kineco2.engine import compute, parse_input

    rows = []
    for label, commune, zone in RELEASE_EXAMPLES:
        inputs = parse_input(
            {"profile": {"commune": commune, "practitioners": 1, "patient_zone": zone}}
        )
        before = compute(inputs, factors=load_factors("2025.1"), defaults=load_defaults("2025.1"))
        after = compute(inputs, factors=load_factors("2026.1"), defaults=load_defaults("2026.1"))
        rows.append(
            {
                "label": label,
                "before": before.total_kgco2e,
                "after": after.total_kgco2e,
                "before_session": before.total_kgco2e / before.sessions,
                "after_session": after.total_kgco2e / after.sessions,
                "change": after.total_kgco2e / before.total_kgco2e - 1,
            }
        )
    return rows


#: Defaults that no single question replaces, in French.
DEFAULT_LABELS = {
    "surface_per_practitioner": "Surface du cabinet par kiné",
    "electricity_kwh_per_m2": "Électricité par m² (sans factures)",
    "electric_tables": "Tables électriques par kiné",
    "treadmills_ergometers": "Tapis de course et ergomètres par kiné",
    "commute_people": "Personnes qui font le trajet domicile–cabinet",
    "electrotherapy_price_eur": "Prix d'un appareil d'électrothérapie",
    "shockwave_price_eur": "Prix d'un appareil d'ondes de choc",
    "linen_kg_per_session": "Linge lavé par séance (drap papier ou rien sur la table)",
    "linen_kg_per_session_washable_cover": "Linge lavé par séance (drap lavable)",
    "linen_washes_before_disposal": "Lavages avant réforme du linge",
    "wash_load_kg": "Charge d'une machine",
    "wash_kwh_per_cycle": "Électricité d'un lavage",
    "dryer_kwh_per_cycle": "Électricité d'un séchage en machine",
    "dryer_share_percent": "Part des lavages séchés en machine",
    "pool_kwh_per_year": "Chauffage d'un bassin de balnéothérapie",
    "cryotherapy_kwh_per_year": "Électricité d'un appareil de cryothérapie",
    "hot_water_kwh_per_practitioner": "Eau chaude sanitaire par kiné",
    "training_longhaul_km": "Vols long-courriers par kiné",
}


def _default_row(item) -> dict:
    """A default as the release notes show it: French label and value."""
    from kineco2.engine.schema import CHOICE_LABELS, SECTIONS, Profile

    label = DEFAULT_LABELS.get(item.id)
    if label is None:
        for model in (Profile, *SECTIONS.values()):
            for info in model.model_fields.values():
                if (info.json_schema_extra or {}).get("default_id") == item.id:
                    label = info.title
    value = item.value
    if isinstance(value, bool):
        shown = "oui" if value else "non"
    elif isinstance(value, int | float):
        shown = f"{format_number(float(value), 2).rstrip('0').rstrip(',')} {item.unit}".strip()
    else:
        shown = next(
            (labels[value] for labels in CHOICE_LABELS.values() if value in labels), str(value)
        )
    return {"label": label or item.id, "value": shown, "change": item.change, "source": item.source}


@require_GET
def release_notes_2026_1(request):
    """« Nouveautés de la méthode 2026.1 »: what changed, why, and every changed row."""
    factors = load_factors("2026.1")
    previous = load_factors("2025.1")
    defaults = load_defaults("2026.1")
    changed_factors = [
        {"factor": f, "before": previous.factors.get(f.id)} for f in factors.values() if f.change
    ]
    changed_defaults = [_default_row(d) for d in defaults.defaults.values() if d.change]
    overrides = [
        (territory, _default_row(item))
        for territory, items in sorted(defaults.territory_overrides.items())
        for item in items.values()
    ]
    return render(
        request,
        "web/release_notes_2026_1.html",
        {
            "changed_factors": changed_factors,
            "changed_defaults": changed_defaults,
            "overrides": overrides,
            "examples": _release_examples(),
            "territory_labels": TERRITORY_LABELS,
        },
    )


#: The glossary: (anchor, term, French definition). Linked wherever the terms appear.
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    (
        "pcs-pci",
        "PCS / PCI (pouvoir calorifique supérieur / inférieur)",
        "Deux façons de compter l'énergie contenue dans un combustible. Le PCS compte aussi la "
        "chaleur de la vapeur d'eau des fumées ; le PCI ne la compte pas. Vos factures de gaz "
        "sont en kWh PCS ; certains facteurs d'émission sont en kWh PCI. Pour le gaz naturel, "
        "1 kWh PCS ≈ 0,9 kWh PCI : KinéCO2 fait la conversion pour vous.",
    ),
    (
        "prg",
        "PRG (pouvoir de réchauffement global)",
        "Combien un kilo d'un gaz réchauffe le climat sur 100 ans, comparé à un kilo de CO2. "
        "Un kilo de fluide frigorigène R410A fuyant d'une climatisation équivaut à ≈ 2 000 kg "
        "de CO2 : c'est pourquoi les fuites comptent beaucoup.",
    ),
    (
        "ar6",
        "AR6",
        "Le sixième rapport d'évaluation du GIEC (2021–2023). Ses valeurs de PRG sont celles "
        "qu'utilisent le Bilan Carbone® et KinéCO2.",
    ),
    (
        "beges",
        "BEGES (bilan des émissions de gaz à effet de serre)",
        "Le bilan réglementaire des émissions de gaz à effet de serre, avec sa liste de "
        "catégories (énergie, déplacements, achats…). Un cabinet de kinésithérapie n'est pas "
        "obligé d'en publier un ; KinéCO2 range chaque ligne dans sa catégorie BEGES pour que "
        "votre bilan soit comparable.",
    ),
    (
        "centile",
        "Centile",
        "Le 25ᵉ centile est la valeur sous laquelle se trouvent 25 % des cabinets comparés ; "
        "la médiane est le 50ᵉ centile. Être « au 25ᵉ centile », c'est émettre moins que "
        "75 % des cabinets comparables.",
    ),
    (
        "intervalle-de-confiance",
        "Intervalle de confiance à 95 %",
        "La fourchette dans laquelle se trouve la vraie valeur avec 95 chances sur 100, compte "
        "tenu de l'incertitude des facteurs d'émission et de vos réponses. Une baisse d'une "
        "année sur l'autre est « nette » quand la fourchette de la différence ne contient pas "
        "zéro ; sinon elle peut venir des seules incertitudes.",
    ),
    (
        "valeur-par-defaut",
        "Valeur par défaut",
        "Le chiffre que le calcul utilise quand vous n'avez pas répondu, ou répondu « Je ne "
        "sais pas » : une valeur typique d'un cabinet comme le vôtre, avec sa source et une "
        "incertitude large. Répondre avec vos propres chiffres rend le bilan plus précis.",
    ),
    (
        "convention-de-methode",
        "Convention de méthode",
        "Une règle de calcul commune à tous les cabinets, qui ne dépend pas de vos réponses "
        "(par exemple la durée sur laquelle on répartit l'empreinte du bâtiment). Elle rend "
        "les bilans comparables entre eux.",
    ),
    (
        "co2e",
        "CO2e (équivalent CO2)",
        "L'unité qui additionne tous les gaz à effet de serre (CO2, méthane, fluides "
        "frigorigènes…) en les convertissant en CO2 grâce à leur PRG.",
    ),
)


@require_GET
def glossary(request):
    return render(request, "web/glossary.html", {"terms": GLOSSARY})
