"""Forms of the practices app, and the questionnaire's field states (one per question).

The questionnaire is not a Django form: each question is saved on its own (HTMX) or all
together (plain POST without JavaScript), through ``services.assessment_save_answer``.
The helpers below read a question's inputs from a POST and describe how to render it.
Every input of a question is named after ``<section>-<name>``:

* ``<section>-<name>``: the answer as typed (or the chosen option);
* ``<section>-<name>-previous``: the value the page showed, to detect a change made
  elsewhere (another tab); ``""`` if unanswered, ``DONT_KNOW`` for « je ne sais pas »;
* ``<section>-<name>-dontknow``: the « Je ne sais pas » checkbox of typed questions;
* ``<section>-<name>-pick``: the reading chosen for an ambiguous number (« 14.200 »: the
  buttons « 14 200 » and « 14,2 »), which replaces what was typed.
"""

from __future__ import annotations

import datetime
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kineco2.engine import geography, plausibility
from kineco2.engine.formatting import format_significant
from kineco2.practices.answers import (
    DONT_KNOW,
    STEPS,
    FieldSpec,
    field_specs,
    section_model,
)
from kineco2.practices.models import (
    Assessment,
    Level,
    Role,
    practice_mode_choices,
    practice_mode_problem,
)
from kineco2.web.communes import CommuneChoiceError, resolve_commune_input

MAX_IMPORT_BYTES = 2_000_000
FIRST_YEAR = 2015

#: Questions the questionnaire does not ask (the assessment already knows them).
HIDDEN_QUESTIONS = {("profile", "reference_year")}

#: Labels of choices the engine's schema does not label itself.
EXTRA_CHOICE_LABELS = {"patient_zone": geography.PATIENT_ZONES}


# -- practice, invitation, new assessment, level, import ---------------------------------
class PracticeForm(forms.Form):
    name = forms.CharField(
        label="Nom du cabinet",
        max_length=200,
        help_text="Tel que vous le présentez à vos patients.",
    )
    commune = forms.CharField(
        label="Commune du cabinet",
        max_length=60,
        help_text="Code postal (ex. 69003) ou code INSEE (ex. 2A004). "
        "Vous pouvez aussi taper le nom de la commune et choisir dans la liste.",
    )
    practitioners = forms.IntegerField(
        label="Nombre de kinésithérapeutes",
        min_value=1,
        max_value=100,
        initial=1,
        help_text="Titulaires, collaborateurs et assistants qui exercent au cabinet.",
    )
    practice_mode = forms.ChoiceField(
        label="Mode d'exercice",
        choices=practice_mode_choices,
        error_messages={"required": "Choisissez le mode d'exercice du cabinet."},
        help_text="Seul, en cabinet de groupe, en maison de santé ou en centre de santé.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: (code to submit, French label) when the typed commune designates several.
        self.commune_candidates: list[tuple[str, str]] = []

    def clean(self):
        data = super().clean()
        problem = practice_mode_problem(data.get("practitioners"), data.get("practice_mode"))
        if problem and "practice_mode" not in self.errors:
            self.add_error("practice_mode", problem)
        return data

    def clean_commune(self) -> str:
        try:
            return resolve_commune_input(
                self.cleaned_data["commune"], self.data.get("commune_choice")
            )
        except CommuneChoiceError as exc:
            self.commune_candidates = exc.candidates
            raise


def commune_code_for(commune: geography.Commune) -> str:
    """The code to type for ``commune``: a postal code that designates it, else its INSEE
    code, else ``"INSEE <code>"`` (see :func:`geography.designation`)."""
    return geography.designation(commune)


def commune_choices(text: str, limit: int = 8) -> list[tuple[str, str]]:
    """(code to type, French label) of the communes matching ``text``, for the autocomplete."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    choices = []
    for commune in geography.search_communes(text, limit=limit):
        code = commune_code_for(commune)
        choices.append((code, f"{commune.name} ({commune.departement}) — {code}"))
    return choices


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail du confrère ou de la consœur",
        help_text="Un lien d'invitation lui sera envoyé.",
    )
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, initial=Role.COLLABORATEUR)


def last_full_year(today: datetime.date | None = None) -> int:
    return (today or datetime.date.today()).year - 1


class AssessmentCreateForm(forms.Form):
    reference_year = forms.IntegerField(label="Année du bilan", min_value=FIRST_YEAR)
    copy_previous = forms.BooleanField(
        label="Reprendre les réponses du dernier bilan",
        required=False,
        initial=True,
        help_text="Vous n'aurez qu'à corriger ce qui a changé.",
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        this_year = datetime.date.today().year
        self.fields["reference_year"].widget.attrs.update({"min": FIRST_YEAR, "max": this_year})
        taken = set(practice.assessments.values_list("reference_year", flat=True))
        default = last_full_year()
        if default in taken and this_year not in taken:
            default = this_year
        self.fields["reference_year"].initial = default
        self.fields["reference_year"].help_text = (
            "L'année civile que décrit le bilan ; en général la dernière année complète "
            f"({last_full_year()})."
        )

    def clean_reference_year(self) -> int:
        year = self.cleaned_data["reference_year"]
        if year > datetime.date.today().year:
            raise ValidationError("L'année du bilan ne peut pas être dans le futur.")
        if Assessment.objects.filter(practice=self.practice, reference_year=year).exists():
            raise ValidationError(f"Ce cabinet a déjà un bilan {year} : ouvrez-le plutôt.")
        return year


class LevelForm(forms.Form):
    level = forms.ChoiceField(
        label="Quel bilan voulez-vous faire ?", choices=Level.choices, widget=forms.RadioSelect
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier JSON exporté de KinéCO2",
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
        help_text="Le fichier obtenu avec « Exporter (JSON) ». Ses réponses remplacent "
        "toutes celles de ce bilan.",
    )


# -- questionnaire ------------------------------------------------------------------------
def field_prefix(spec: FieldSpec) -> str:
    return f"{spec.section}-{spec.name}"


def is_nullable(spec: FieldSpec) -> bool:
    """True when the question accepts « je ne sais pas » (``None``)."""
    if spec.required:
        return False
    annotation = section_model(spec.section).model_fields[spec.name].annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return type(None) in typing.get_args(annotation)
    return False


def visible_specs(section: str, level: str, *, also: str | None = None) -> list[FieldSpec]:
    """The questions of a step at ``level`` (``also``: one more question asked by name)."""
    return [
        spec
        for spec in field_specs(section)
        if (section, spec.name) not in HIDDEN_QUESTIONS
        and (level != Level.EXPRESS or spec.express or spec.name == also)
    ]


def visible_steps(level: str) -> list[str]:
    return [step for step in STEPS if visible_specs(step, level)]


def input_text(spec: FieldSpec, value: Any) -> str:
    """A stored value as the text of its input (``12,5``; ``oui``; the choice's value)."""
    if value is None:
        return ""
    if spec.kind == "boolean":
        return "oui" if value else "non"
    if spec.kind in ("number", "integer") and isinstance(value, int | float):
        number = float(value)
        if math.isfinite(number) and number == int(number):
            return str(int(number))
        text = repr(number)
        if "e" in text:
            text = f"{number:.12f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(value)


def previous_text(spec: FieldSpec, answers: dict) -> str:
    """The ``previous`` value of a question: ``""`` unanswered, ``DONT_KNOW``, or the value."""
    stored = answers.get(spec.section) or {}
    if spec.name not in stored:
        return ""
    if stored[spec.name] is None:
        return DONT_KNOW
    return input_text(spec, stored[spec.name])


def choice_label(spec: FieldSpec, value: str) -> str:
    labels = dict(spec.choices) | EXTRA_CHOICE_LABELS.get(spec.name, {})
    return labels.get(value, value)


def display_value(spec: FieldSpec, value: Any) -> str:
    """A value in French, for a sentence (« 7 800 kWh/an », « Gaz naturel », « Oui »)."""
    if value is None:
        return "« Je ne sais pas »"
    if spec.kind == "boolean":
        return "Oui" if value else "Non"
    if spec.kind == "choice":
        return choice_label(spec, str(value))
    if spec.kind in ("number", "integer") and isinstance(value, int | float):
        text = format_significant(float(value), 6)
        if "," in text:
            text = text.rstrip("0").rstrip(",")
        return f"{text} {spec.unit}".strip()
    return str(value)


def read_answer(data, spec: FieldSpec) -> tuple[str, str, bool]:
    """(raw answer, previous, changed) of one question in a POST.

    A value typed in the box wins over the « Je ne sais pas » checkbox when it differs from
    what the page showed; otherwise the checkbox decides. ``changed`` is false when the
    answer is what the page showed (nothing to save).
    """
    prefix = field_prefix(spec)
    typed = str(data.get(prefix + "-pick") or data.get(prefix, ""))
    previous = str(data.get(prefix + "-previous", ""))
    dont_know = data.get(prefix + "-dontknow") == "1"
    if typed.strip() and typed != previous:
        raw = typed
    elif dont_know:
        raw = DONT_KNOW
    else:
        raw = typed
    if raw == previous:
        changed = False
    elif raw.strip() == "" and previous in ("", DONT_KNOW):
        changed = False  # still nothing typed: unchecking « Je ne sais pas » alone saves nothing
    else:
        changed = True
    return raw, previous, changed


def bounds_hint(spec: FieldSpec) -> str:
    """« En kWh/an, entre 0 et 500 000. »"""
    if spec.kind not in ("number", "integer"):
        return ""
    parts = []
    if spec.unit:
        parts.append(f"En {spec.unit}")
    low, high = spec.minimum, spec.maximum
    if low is not None and high is not None:
        parts.append(f"entre {format_significant(low, 1)} et {format_significant(high, 1)}")
    elif low is not None:
        parts.append(f"au moins {format_significant(low, 1)}")
    elif high is not None:
        parts.append(f"au plus {format_significant(high, 1)}")
    if spec.kind == "integer":
        parts.append("nombre entier")
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "." if text else ""


@dataclass
class Question:
    """Everything the template needs to render one question and its state."""

    spec: FieldSpec
    value: str
    previous: str
    nullable: bool
    error: str | None = None
    conflict: bool = False
    current: str = ""
    status: str = ""
    used_value: str = ""
    commune_label: str = ""
    dont_know_checked: bool | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    #: Readings of an ambiguous number to choose from: (value to submit, French label).
    choices: list[tuple[str, str]] = field(default_factory=list)
    #: Plausibility warning (French), shown after a saved answer; asks to confirm.
    warning: str = ""

    @property
    def prefix(self) -> str:
        return field_prefix(self.spec)

    @property
    def container_id(self) -> str:
        return f"field-{self.spec.section}-{self.spec.name}"

    @property
    def widget(self) -> str:
        if self.spec.kind in ("choice", "boolean"):
            return "select"
        return "text"

    @property
    def dont_know(self) -> bool:
        if self.dont_know_checked is not None:
            return self.dont_know_checked
        return self.value == DONT_KNOW or (
            self.widget == "text" and self.previous == DONT_KNOW and self.value == ""
        )

    @property
    def input_value(self) -> str:
        return "" if self.value == DONT_KNOW else self.value

    @property
    def typed_display(self) -> str:
        """The user's answer in words (conflict message)."""
        if self.value == DONT_KNOW:
            return "« Je ne sais pas »"
        if self.widget == "select":
            return choice_label(self.spec, self.value) if self.value else "aucune réponse"
        return self.value.strip() or "aucune réponse"

    @property
    def inputmode(self) -> str:
        return {"number": "decimal", "integer": "numeric"}.get(self.spec.kind, "text")

    @property
    def hint(self) -> str:
        return bounds_hint(self.spec)

    @property
    def describedby(self) -> str:
        ids = [f"{self.spec.html_id}-help"]
        if self.error:
            ids.append(f"{self.spec.html_id}-error")
        if self.warning:
            ids.append(f"{self.spec.html_id}-warning")
        return " ".join(ids)

    @property
    def params(self) -> str:
        """``hx-params``: only this question's inputs are posted by HTMX."""
        p = self.prefix
        return f"field,resolve,csrfmiddlewaretoken,{p},{p}-previous,{p}-dontknow,{p}-pick"

    @property
    def hx_vals(self) -> str:
        return '{"field": "%s"}' % self.spec.path  # noqa: UP031 (JSON in an attribute)


def build_question(
    spec: FieldSpec,
    answers: dict,
    *,
    typed: str | None = None,
    previous: str | None = None,
    effective: dict | None = None,
    **state: Any,
) -> Question:
    """The question as stored, or with the user's ``typed`` value kept (error, conflict)."""
    shown = previous_text(spec, answers)
    question = Question(
        spec=spec,
        value=shown if typed is None else typed,
        previous=shown if previous is None else previous,
        nullable=is_nullable(spec),
        **state,
    )
    if question.widget == "select":
        options = list(spec.choices)
        if spec.path == "profile.patient_zone":
            allowed = set(zones_for_answers(answers))
            options = [(value, label) for value, label in options if value in allowed]
        if spec.name in EXTRA_CHOICE_LABELS:
            options = [(value, choice_label(spec, value)) for value, _ in options]
        if question.nullable:
            options.append((DONT_KNOW, "Je ne sais pas"))
        if question.value == "" or (not question.nullable and question.value not in dict(options)):
            if question.nullable:
                options.insert(0, ("", "— Choisissez —"))
            else:
                default = section_model(spec.section).model_fields[spec.name].default
                question.value = input_text(spec, default)
        question.options = options
    stored = (answers.get(spec.section) or {}).get(spec.name)
    if stored is not None and not question.error and spec.kind in ("number", "integer"):
        question.warning = plausibility_warning(spec, stored, answers)
    if effective and stored is None and spec.path in effective and not question.error:
        used = effective[spec.path]
        if used is not None:
            question.used_value = display_value(spec, used)
    if spec.path == "profile.commune" and stored and not question.error:
        try:
            place = geography.locate(str(stored))
        except geography.CommuneError:
            question.commune_label = ""
        else:
            zone = geography.PATIENT_ZONES[geography.insee_patient_zone(place)]
            question.commune_label = f"{place.label} ; zone d'après le zonage INSEE : {zone}"
    return question


def practitioners_of(answers: dict) -> int:
    value = (answers.get("profile") or {}).get("practitioners")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def plausibility_warning(spec: FieldSpec, value: Any, answers: dict) -> str:
    """The French plausibility warning of a stored number (``""`` when plausible)."""
    warning = plausibility.check_answer(
        spec.path, value, practitioners=practitioners_of(answers), unit=spec.unit
    )
    return warning.message if warning else ""


def zones_for_answers(answers: dict) -> tuple[str, ...]:
    """The patient zones offered for the profile's commune: those of its territory
    (:func:`geography.patient_zones_for`); every zone while the commune is not known."""
    code = (answers.get("profile") or {}).get("commune")
    try:
        place = geography.locate(str(code)) if code else None
    except geography.CommuneError:
        place = None
    if place is None:
        return tuple(geography.PATIENT_ZONES)
    return geography.patient_zones_for(place.territory)


def problem_target(label: str) -> tuple[str | None, str | None]:
    """(step, question name) named by an :class:`InputError` problem's label.

    Labels look like ``"energie.electricity_kwh (Électricité consommée)"`` or ``"profile"``.
    """
    path = label.split(" (", 1)[0].strip()
    parts = [p for p in path.split(".") if p]
    if not parts or parts[0] not in STEPS:
        return None, None
    step = parts[0]
    name = parts[1] if len(parts) > 1 else None
    if name is not None and name not in section_model(step).model_fields:
        name = None
    return step, name
