"""Forms of the écosoins app (French messages; a form with errors keeps what was typed)."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from kineco2.ecosoins.models import CostPerception, PlanStatus, Sector
from kineco2.engine import geography
from kineco2.engine.actions import COST_LEVELS, EFFORTS, SCOPES, TIMES_TO_IMPLEMENT, Action
from kineco2.engine.formatting import format_number
from kineco2.engine.posts import POSTS
from kineco2.web.communes import CommuneChoiceError, resolve_commune_input

POST_CHOICES = [(post.ID, post.LABEL) for post in POSTS]
MAX_COST_EUR = 10_000_000

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def parse_decimal(raw: Any) -> float:
    """A number typed the French way (``1 234,5``) or with a dot. Raises ValueError (French)."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        raise ValueError("Indiquez un nombre.")
    compact = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(compact):
        raise ValueError(f"« {text} » n'est pas un nombre. Exemple : 12,5")
    value = float(compact.replace(",", "."))
    if not math.isfinite(value) or abs(value) > 1e12:
        raise ValueError(f"« {text} » est un nombre bien trop grand.")
    return value


def french_number(value: float) -> str:
    """``0.5`` → ``0,5`` ; ``1000`` → ``1 000`` (no useless decimals)."""
    if float(value).is_integer():
        return format_number(value, 0)
    text = format_number(value, 2)
    return text.rstrip("0").rstrip(",")


def _choices(values, empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(v, v.capitalize()) for v in values]


# -- catalogue filters ---------------------------------------------------------------------
class CatalogueFilterForm(forms.Form):
    post = forms.ChoiceField(
        label="Poste d'émissions", required=False, choices=[("", "Tous les postes"), *POST_CHOICES]
    )
    cost = forms.ChoiceField(label="Coût", required=False, choices=_choices(COST_LEVELS, "Tous"))
    effort = forms.ChoiceField(label="Effort", required=False, choices=_choices(EFFORTS, "Tous"))
    scope = forms.ChoiceField(
        label="Individuelle ou collective",
        required=False,
        choices=[("", "Toutes"), ("individuelle", "Individuelle"), ("collective", "Collective")],
    )
    time = forms.ChoiceField(
        label="Délai de mise en œuvre",
        required=False,
        choices=_choices(TIMES_TO_IMPLEMENT, "Tous"),
    )
    kind = forms.ChoiceField(
        label="Origine",
        required=False,
        choices=[
            ("", "Tout"),
            ("actions", "Actions du catalogue"),
            ("initiatives", "Initiatives"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field_ in self.fields.values():
            field_.error_messages["invalid_choice"] = (
                "Ce filtre n'existe pas : choisissez une valeur de la liste."
            )


# -- action plan -----------------------------------------------------------------------------
class PlanItemForm(forms.Form):
    status = forms.ChoiceField(
        label="État",
        choices=PlanStatus.choices,
        error_messages={
            "required": "Choisissez l'état de l'action.",
            "invalid_choice": "Choisissez un état de la liste (prévue, en cours, réalisée, "
            "abandonnée).",
        },
    )
    target_date = forms.DateField(
        label="Échéance",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Facultatif. Exemple : 30/06/2026.",
        error_messages={"invalid": "Saisissez une date valide, par exemple 30/06/2026."},
    )
    owner = forms.ModelChoiceField(
        label="Responsable",
        required=False,
        queryset=None,
        empty_label="Personne pour l'instant",
        help_text="Un membre du cabinet.",
        error_messages={"invalid_choice": "Le responsable doit être membre du cabinet."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": "2 000 caractères au plus (vous en avez saisi %(show_value)d)."
        },
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        from kineco2.accounts.models import User

        self.fields["owner"].queryset = User.objects.filter(
            memberships__practice=practice
        ).order_by("first_name", "last_name", "email")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.email

    def clean_target_date(self):
        value = self.cleaned_data.get("target_date")
        if value is not None and not datetime.date(2000, 1, 1) <= value <= datetime.date(
            2100, 12, 31
        ):
            raise ValidationError("Choisissez une échéance entre l'an 2000 et 2100.")
        return value


# -- initiatives -----------------------------------------------------------------------------
class InitiativeForm(forms.Form):
    title = forms.CharField(
        label="Titre de l'initiative",
        min_length=5,
        max_length=200,
        help_text="En une phrase : ce que vous avez changé. Exemple : « Draps nominatifs "
        "lavables pour tous les patients ».",
        error_messages={
            "required": "Donnez un titre à votre initiative.",
            "min_length": "Le titre est trop court (5 caractères au moins).",
            "max_length": "Le titre est trop long (200 caractères au plus).",
        },
    )
    description = forms.CharField(
        label="Ce que vous avez fait",
        min_length=30,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Comment vous vous y êtes pris, ce qu'il faut prévoir, les précautions "
        "d'hygiène et de qualité des soins.",
        error_messages={
            "required": "Décrivez ce que vous avez fait.",
            "min_length": "Décrivez l'initiative en quelques phrases (30 caractères au moins).",
            "max_length": "5 000 caractères au plus.",
        },
    )
    commune = forms.CharField(
        label="Commune",
        max_length=60,
        help_text="Code postal (ex. 24000) ou code INSEE de la commune où l'initiative a été "
        "menée.",
        error_messages={"required": "Indiquez la commune (code postal ou code INSEE)."},
    )
    sector = forms.ChoiceField(
        label="Secteur",
        choices=[("", "Choisissez…"), *Sector.choices],
        error_messages={
            "required": "Choisissez le secteur.",
            "invalid_choice": "Choisissez un secteur de la liste.",
        },
    )
    posts = forms.MultipleChoiceField(
        label="Postes d'émissions touchés",
        choices=POST_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Cochez au moins un poste d'émissions touché.",
            "invalid_choice": "Choisissez des postes de la liste.",
        },
    )
    cost_eur = forms.CharField(
        label="Coût de mise en place (€)",
        max_length=20,
        help_text="En euros, 0 si l'initiative n'a rien coûté. Exemple : 1 500",
        error_messages={"required": "Indiquez le coût en euros (0 si rien)."},
    )
    cost_perceived = forms.ChoiceField(
        label="Ce coût vous a paru",
        choices=[("", "Je ne sais pas"), *CostPerception.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text="Votre ressenti, au regard du budget du cabinet ou de la structure.",
        error_messages={"invalid_choice": "Choisissez « faible », « moyen » ou « élevé »."},
    )
    time_to_implement = forms.ChoiceField(
        label="Délai de mise en œuvre",
        choices=[("", "Choisissez…"), *((v, v.capitalize()) for v in TIMES_TO_IMPLEMENT)],
        error_messages={
            "required": "Choisissez le délai de mise en œuvre.",
            "invalid_choice": "Choisissez un délai de la liste.",
        },
    )
    scope_of_action = forms.ChoiceField(
        label="Initiative individuelle ou collective",
        choices=[(v, v.capitalize()) for v in SCOPES],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Indiquez si l'initiative est individuelle ou collective.",
            "invalid_choice": "Choisissez « individuelle » ou « collective ».",
        },
    )
    observed_results = forms.CharField(
        label="Résultats observés",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Chiffres si vous en avez (kWh, kg de déchets, € économisés), réactions des "
        "patients et de l'équipe.",
        error_messages={
            "required": "Dites ce que vous avez observé (même qualitativement).",
            "max_length": "5 000 caractères au plus.",
        },
    )

    def clean_commune(self) -> geography.Commune:
        self.commune_candidates: list[tuple[str, str]] = []
        try:
            value = resolve_commune_input(
                self.cleaned_data["commune"], self.data.get("commune_choice")
            )
        except CommuneChoiceError as exc:
            self.commune_candidates = exc.candidates
            raise
        return geography.locate(value)

    def clean_cost_eur(self) -> int:
        raw = self.cleaned_data["cost_eur"]
        try:
            value = parse_decimal(raw)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if value < 0:
            raise ValidationError("Le coût ne peut pas être négatif (0 si rien).")
        if value > MAX_COST_EUR:
            raise ValidationError("Le coût semble bien trop élevé (10 millions d'euros au plus).")
        return round(value)


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[("publier", "Publier"), ("refuser", "Refuser")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez « Publier » ou « Refuser ».",
            "invalid_choice": "Choisissez « Publier » ou « Refuser ».",
        },
    )
    note = forms.CharField(
        label="Note pour l'auteur",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire pour un refus ; l'auteur la lit dans « Mes initiatives ».",
        error_messages={"max_length": "2 000 caractères au plus."},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuser" and not (data.get("note") or "").strip():
            self.add_error(
                "note",
                "Expliquez en une phrase pourquoi l'initiative est refusée : l'auteur la lira.",
            )
        return data


# -- simulator -------------------------------------------------------------------------------
DEFAULT_RATE_PERCENT = 5.0


def param_name(action_id: str, parameter: str) -> str:
    return f"p-{action_id}-{parameter}"


@dataclass
class ActionChoices:
    """Actions and parameters read from a POST (simulator, « Ajouter à mon plan »).

    ``values`` keeps what was typed (to show it back), ``errors`` the French message of each
    invalid parameter, ``choices`` the valid ``(action_id, {parameter: value})``.
    """

    selected: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    choices: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    rate_raw: str = ""
    rate: float = DEFAULT_RATE_PERCENT
    rate_error: str = ""

    @property
    def valid(self) -> bool:
        return not self.errors and not self.general and not self.rate_error


def read_parameter(action: Action, parameter, raw: Any) -> float:
    """A parameter value typed by the user, validated. Raises ValueError (French)."""
    if raw is None or str(raw).strip() == "":
        return parameter.default
    value = parse_decimal(raw)
    low, high = french_number(parameter.min), french_number(parameter.max)
    unit = f"\u00a0{parameter.unit}" if parameter.unit else ""
    if not parameter.min <= value <= parameter.max:
        raise ValueError(f"Choisissez une valeur entre {low} et {high}{unit}.")
    if parameter.integer and not value.is_integer():
        raise ValueError("Un nombre entier est attendu.")
    return value


def read_choices(
    data: Mapping[str, Any],
    actions: Mapping[str, Action],
    *,
    getlist=None,
    with_rate: bool = False,
) -> ActionChoices:
    """Read ``action`` (several) and ``p-<action>-<parameter>`` from a POST (or GET)."""
    getlist = getlist or (lambda key: data.getlist(key) if hasattr(data, "getlist") else [])
    out = ActionChoices()
    seen: set[str] = set()
    for action_id in getlist("action"):
        if action_id in seen:
            continue
        seen.add(action_id)
        if action_id not in actions:
            out.general.append(
                "Une des actions choisies n'existe pas ou ne s'applique pas à ce cabinet : "
                "elle est ignorée."
            )
            continue
        out.selected.append(action_id)
    for action_id, action in actions.items():
        for parameter in action.parameters:
            key = param_name(action_id, parameter.name)
            if key in data:
                out.values[key] = str(data.get(key, ""))[:40]
    for action_id in out.selected:
        action = actions[action_id]
        params: dict[str, float] = {}
        ok = True
        for parameter in action.parameters:
            key = param_name(action_id, parameter.name)
            try:
                params[parameter.name] = read_parameter(action, parameter, out.values.get(key))
            except ValueError as exc:
                out.errors[key] = str(exc)
                ok = False
        if ok:
            out.choices.append((action_id, params))
    if with_rate:
        out.rate_raw = str(data.get("rate", "") or "")[:20]
        if out.rate_raw.strip():
            try:
                rate = parse_decimal(out.rate_raw)
            except ValueError as exc:
                out.rate_error = str(exc)
            else:
                if not 0.5 <= rate <= 30:
                    out.rate_error = "Choisissez une baisse annuelle entre 0,5 et 30 %."
                else:
                    out.rate = rate
    return out
