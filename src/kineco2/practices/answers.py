"""Answers as stored (JSON) ↔ the engine's input schema, field by field.

The questionnaire saves one answer at a time, so a saved set of answers may be incomplete
(no commune yet). ``validate_answer`` checks one field in the context of its section and
reports only what concerns that field; ``to_input`` validates the whole set for computing.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from kineco2.engine.errors import InputError
from kineco2.engine.numbers import parse_number
from kineco2.engine.schema import (
    CHOICE_LABELS,
    SECTIONS,
    AssessmentInput,
    Profile,
    _french_message,
    parse_input,
)

STEPS: tuple[str, ...] = ("profile", *SECTIONS)
STEP_LABELS: dict[str, str] = {"profile": "Votre cabinet"} | {
    key: model.model_config.get("title", key) for key, model in SECTIONS.items()
}
DONT_KNOW = "__je_ne_sais_pas__"


def section_model(section: str) -> type[BaseModel]:
    if section == "profile":
        return Profile
    try:
        return SECTIONS[section]
    except KeyError:
        raise KeyError(f"Section inconnue : {section}") from None


@dataclass(frozen=True)
class FieldSpec:
    section: str
    name: str
    title: str
    help: str
    unit: str
    kind: Literal["number", "integer", "choice", "boolean", "text"]
    choices: tuple[tuple[str, str], ...]
    minimum: float | None
    maximum: float | None
    express: bool
    required: bool
    default_id: str | None

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def html_id(self) -> str:
        return f"f-{self.section}-{self.name}"


def _base_type(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if args else annotation
    return annotation


def field_specs(section: str) -> list[FieldSpec]:
    """The questions of a step (a fresh list; the specs are immutable and cached)."""
    return list(_field_specs(section))


@functools.cache
def _field_specs(section: str) -> tuple[FieldSpec, ...]:
    model = section_model(section)
    specs = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra or {}
        if name == "schema_version" or extra.get("survey"):
            continue  # the survey's result is written by the survey app, not asked
        base = _base_type(info.annotation)
        minimum = maximum = None
        for meta in info.metadata:
            minimum = getattr(meta, "ge", minimum)
            maximum = getattr(meta, "le", maximum)
        if typing.get_origin(base) is Literal:
            labels = CHOICE_LABELS.get(name, {})
            choices = tuple((v, labels.get(v, v)) for v in typing.get_args(base))
            kind = "choice"
        elif base is bool:
            kind, choices = "boolean", (("oui", "Oui"), ("non", "Non"))
        elif base is int:
            kind, choices = "integer", ()
        elif base is float:
            kind, choices = "number", ()
        else:
            kind, choices = "text", ()
        specs.append(
            FieldSpec(
                section=section,
                name=name,
                title=info.title or name,
                help=info.description or "",
                unit=str(extra.get("unit", "")),
                kind=kind,
                choices=choices,
                minimum=minimum,
                maximum=maximum,
                express=bool(extra.get("express")),
                required=info.is_required(),
                default_id=extra.get("default_id"),
            )
        )
    return tuple(specs)


def coerce(spec: FieldSpec, raw: Any) -> Any:
    """A form value (text) → the JSON value to store; ``None`` means « je ne sais pas ».

    Raises ValueError with a French message when the text is not a number, etc.
    """
    if raw is None:
        return None
    if isinstance(raw, bool) and spec.kind in ("number", "integer"):
        raise ValueError("Un nombre est attendu.")
    if not isinstance(raw, str):
        return raw
    text = raw.strip()
    if text in ("", DONT_KNOW):
        if spec.required:
            raise ValueError("Cette réponse est obligatoire.")
        return None
    if spec.kind in ("number", "integer"):
        # French conventions; « 14.200 » raises AmbiguousNumber (a ValueError) to ask back.
        return parse_number(text, unit=spec.unit, integer=spec.kind == "integer")
    if spec.kind == "boolean":
        if text in ("oui", "true", "1", "on"):
            return True
        if text in ("non", "false", "0", "off"):
            return False
        raise ValueError("Répondez oui ou non.")
    if spec.kind == "choice":
        allowed = [value for value, _ in spec.choices]
        if text not in allowed:
            raise ValueError("Choisissez une des réponses proposées.")
        return text
    return text


def validate_answer(answers: dict, section: str, name: str, value: Any) -> str | None:
    """The French error for ``section.name = value`` given the other answers, or ``None``."""
    model = section_model(section)
    data = dict(answers.get(section) or {})
    if value is None:
        data.pop(name, None)
    else:
        data[name] = value
    try:
        model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = error.get("loc", ())
            if error["type"] == "missing" and (not loc or loc[0] != name):
                continue  # another question not answered yet: not this field's problem
            if loc and loc[0] != name:
                continue
            return sentence(_french_message(error, spec_unit(section, name)))
    return None


def spec_unit(section: str, name: str) -> str:
    extra = section_model(section).model_fields[name].json_schema_extra
    return str(extra.get("unit") or "") if isinstance(extra, dict) else ""


def sentence(message: str) -> str:
    """« ne peut pas dépasser … » → « Ne peut pas dépasser …. » (a message shown alone)."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "?", "!", "»")) else message + "."


def to_input(answers: dict) -> AssessmentInput:
    """Validate the whole set of answers for computing. Raises :class:`InputError`."""
    data = {key: value for key, value in answers.items() if key in STEPS}
    if "profile" not in data:
        raise InputError([("profile", "Le profil du cabinet n'est pas rempli.")])
    return parse_input(data)


def answered_count(answers: dict, section: str, *, express_only: bool = False) -> tuple[int, int]:
    specs = [s for s in field_specs(section) if s.express or not express_only]
    given = answers.get(section) or {}
    return sum(1 for s in specs if s.name in given), len(specs)
