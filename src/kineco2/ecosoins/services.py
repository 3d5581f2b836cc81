"""Writes of the écosoins app: catalogue sync, action plans, initiatives and their moderation."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kineco2.ecosoins.models import (
    CatalogueAction,
    Initiative,
    InitiativeStatus,
    PlannedAction,
    PlanStatus,
)
from kineco2.engine.actions import Action, ActionCatalogue, Saving, load_actions
from kineco2.engine.formatting import format_number
from kineco2.practices.models import Membership, Practice

MODERATE_PERMISSION = "ecosoins.moderate_initiative"

#: Fields always taken from the data file (they describe what the engine computes).
FILE_FIELDS = ("version", "posts", "cost_level", "effort", "time_to_implement", "scope_of_action")
#: Fields a moderator may edit in the admin (kept on re-sync while the version is unchanged).
TEXT_FIELDS = ("title", "description", "saving", "safeguards", "sources")


# -- catalogue ---------------------------------------------------------------------------
def saving_text(saving: Saving | None) -> str:
    """« De 50 à 300 € par an (ESTIMATION : …) » — empty when the file gives no saving."""
    if saving is None:
        return ""
    low, high = format_number(saving.min, 0), format_number(saving.max, 0)
    amount = f"{low}\u00a0€ par an" if low == high else f"De {low} à {high}\u00a0€ par an"
    return f"{amount} ({saving.basis})"


def action_texts(action: Action, version: str) -> dict[str, Any]:
    """The values of a catalogue row, as the data file gives them."""
    return {
        "version": version,
        "posts": list(action.posts),
        "cost_level": action.cost_level,
        "effort": action.effort,
        "time_to_implement": action.time_to_implement,
        "scope_of_action": action.scope_of_action,
        "title": action.title,
        "description": action.description,
        "saving": saving_text(action.saving_eur_per_year),
        "safeguards": "\n".join(action.safeguards),
        "sources": "\n".join(action.sources),
    }


@dataclass(frozen=True)
class SyncReport:
    version: str
    created: int = 0
    updated: int = 0
    kept: int = 0  # moderator-edited texts kept (same version)
    unchanged: int = 0
    retired: int = 0  # rows whose action left the data file: unpublished

    def summary(self) -> str:
        return (
            f"Catalogue d'écosoins {self.version} : {self.created} créée(s), "
            f"{self.updated} mise(s) à jour, {self.kept} texte(s) de modérateur conservé(s), "
            f"{self.unchanged} inchangée(s), {self.retired} retirée(s)."
        )


@transaction.atomic
def sync_catalogue(catalogue: ActionCatalogue | None = None) -> SyncReport:
    """Create or update one row per action of the data file. Idempotent.

    * a new action: a published row with the file's texts;
    * the file's version changed: every field from the file, ``edited_by_moderator`` reset
      (the new version's texts win; the moderator reviews them again);
    * same version, texts edited by a moderator: the texts are kept, the other fields come
      from the file;
    * an action no longer in the file: its row is unpublished (plans may still name it).

    A row is saved only if something changed (``updated_at`` tells when).
    """
    catalogue = catalogue or load_actions()
    rows = {row.action_id: row for row in CatalogueAction.objects.select_for_update()}
    counts = {"created": 0, "updated": 0, "kept": 0, "unchanged": 0, "retired": 0}
    for action in catalogue:
        values = action_texts(action, catalogue.version)
        row = rows.get(action.id)
        if row is None:
            CatalogueAction.objects.create(action_id=action.id, published=True, **values)
            counts["created"] += 1
            continue
        keep_texts = row.edited_by_moderator and row.version == catalogue.version
        fields = FILE_FIELDS if keep_texts else FILE_FIELDS + TEXT_FIELDS
        changed = [name for name in fields if getattr(row, name) != values[name]]
        if row.edited_by_moderator and not keep_texts:
            row.edited_by_moderator = False
            changed.append("edited_by_moderator")
        for name in changed:
            if name != "edited_by_moderator":
                setattr(row, name, values[name])
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
            counts["updated"] += 1
        if keep_texts:
            counts["kept"] += 1
        elif not changed:
            counts["unchanged"] += 1
    for action_id, row in rows.items():
        if action_id not in catalogue and row.published:
            row.published = False
            row.save(update_fields=["published", "updated_at"])
            counts["retired"] += 1
    return SyncReport(version=catalogue.version, **counts)


# -- action plans --------------------------------------------------------------------------
def _check_owner(practice: Practice, owner) -> None:
    if owner is not None and not Membership.objects.filter(practice=practice, user=owner).exists():
        raise ValidationError(
            "Le responsable doit être membre du cabinet.", code="owner_not_member"
        )


@dataclass(frozen=True)
class PlanAddOutcome:
    created: list[PlannedAction]
    updated: list[PlannedAction]


@transaction.atomic
def plan_add(
    *, practice: Practice, choices: Iterable[tuple[str, Mapping[str, float]]]
) -> PlanAddOutcome:
    """Add actions (with their parameters) to the practice's plan.

    An action already in the plan gets the new parameters; if it had been abandoned, it is
    planned again. The caller has validated the actions and parameters against the engine.
    """
    created, updated = [], []
    for action_id, parameters in choices:
        item = (
            PlannedAction.objects.select_for_update()
            .filter(practice=practice, action_id=action_id)
            .first()
        )
        if item is None:
            created.append(
                PlannedAction.objects.create(
                    practice=practice, action_id=action_id, parameters=dict(parameters)
                )
            )
            continue
        item.parameters = dict(parameters)
        if item.status == PlanStatus.ABANDONNEE:
            item.status = PlanStatus.PREVUE
        item.save(update_fields=["parameters", "status", "updated_at"])
        updated.append(item)
    return PlanAddOutcome(created=created, updated=updated)


@transaction.atomic
def plan_update(
    *,
    item: PlannedAction,
    status: str,
    target_date: datetime.date | None,
    owner,
    notes: str,
) -> PlannedAction:
    """Change the status, due date, owner (a member of the practice) and notes of an item."""
    if status not in PlanStatus.values:
        raise ValidationError("État inconnu.", code="status")
    _check_owner(item.practice, owner)
    item.status = status
    item.target_date = target_date
    item.owner = owner
    item.notes = notes.strip()
    item.save(update_fields=["status", "target_date", "owner", "notes", "updated_at"])
    return item


@transaction.atomic
def plan_remove(*, item: PlannedAction) -> None:
    item.delete()


# -- initiatives ---------------------------------------------------------------------------
@transaction.atomic
def initiative_submit(
    *,
    user,
    title: str,
    description: str,
    commune_code: str,
    commune_name: str,
    region_name: str,
    posts: list[str],
    cost_eur: int,
    time_to_implement: str,
    scope_of_action: str,
    observed_results: str,
    sector: str,
    cost_perceived: str = "",
) -> Initiative:
    """A professional's initiative, waiting for moderation (status « soumise »)."""
    return Initiative.objects.create(
        title=title.strip(),
        description=description.strip(),
        commune_code=commune_code,
        commune_name=commune_name,
        region_name=region_name,
        posts=list(posts),
        cost_eur=cost_eur,
        cost_perceived=cost_perceived,
        time_to_implement=time_to_implement,
        scope_of_action=scope_of_action,
        observed_results=observed_results.strip(),
        sector=sector,
        submitted_by=user,
        status=InitiativeStatus.SOUMISE,
    )


def can_moderate(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


@transaction.atomic
def initiative_moderate(
    *, initiative: Initiative, moderator, decision: str, note: str
) -> Initiative:
    """Publish or refuse an initiative (``decision``: ``publier`` or ``refuser``).

    Only users with the permission ``ecosoins.moderate_initiative`` may do it; a refusal
    needs a note for the author.
    """
    if not can_moderate(moderator):
        raise PermissionDenied("Seuls les modérateurs peuvent publier ou refuser une initiative.")
    note = (note or "").strip()
    if decision == "publier":
        initiative.status = InitiativeStatus.PUBLIEE
    elif decision == "refuser":
        if not note:
            raise ValidationError(
                "Expliquez en une phrase pourquoi l'initiative est refusée : l'auteur la lira.",
                code="note_required",
            )
        initiative.status = InitiativeStatus.REFUSEE
    else:
        raise ValidationError("Choisissez « Publier » ou « Refuser ».", code="decision")
    initiative.moderator_note = note
    initiative.moderated_by = moderator
    initiative.moderated_at = timezone.now()
    initiative.save(
        update_fields=["status", "moderator_note", "moderated_by", "moderated_at", "updated_at"]
    )
    return initiative
