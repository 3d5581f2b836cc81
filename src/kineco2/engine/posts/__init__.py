"""Emission posts: one module per post of the methodology, in display order.

Each module has ``ID``, ``LABEL`` (French), ``FACTORS`` (every factor id it may use) and
``compute(ctx)``, which records its lines through :meth:`Context.line`.
"""

from __future__ import annotations

from types import ModuleType

from kineco2.engine.posts import (
    batiment,
    consommables,
    dechets,
    deplacements_patients,
    deplacements_professionnels,
    energie,
    froid,
    linge,
    materiel,
    numerique,
    services,
    trajets_domicile_travail,
    visites_domicile,
)

POSTS: tuple[ModuleType, ...] = (
    energie,
    froid,
    deplacements_patients,
    visites_domicile,
    trajets_domicile_travail,
    deplacements_professionnels,
    materiel,
    consommables,
    linge,
    services,
    batiment,
    dechets,
    numerique,
)
POST_LABELS: dict[str, str] = {post.ID: post.LABEL for post in POSTS}
POST_IDS: tuple[str, ...] = tuple(POST_LABELS)
