"""Forms of the panel app. Every message is French; nothing is trusted from the client that
the server can derive (region, territory and strata come from the commune)."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from kineco2.engine import geography
from kineco2.panel import selectors
from kineco2.panel.models import RoleKind
from kineco2.practices.models import PracticeMode, practice_mode_choices, practice_mode_problem
from kineco2.web.communes import CommuneChoiceError, resolve_commune_input

REQUIRED = "Ce champ est obligatoire."
ZONE_UNKNOWN = ""
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$|^\s*(\d{1,2})\s*/\s*(\d{4})\s*$")


def _french(field: forms.Field) -> forms.Field:
    field.error_messages.setdefault("required", REQUIRED)
    field.error_messages["required"] = REQUIRED
    if isinstance(field, forms.IntegerField):
        field.error_messages["invalid"] = "Saisissez un nombre entier."
    if isinstance(field, forms.EmailField):
        field.error_messages["invalid"] = "Saisissez une adresse e-mail valide."
    if isinstance(field, forms.DateField):
        field.error_messages["invalid"] = "Saisissez une date valide (JJ/MM/AAAA)."
    if isinstance(field, forms.ChoiceField):
        field.error_messages["invalid_choice"] = "Choix invalide : choisissez dans la liste."
    return field


class FrenchForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _french(field)


def parse_month(value: str) -> datetime.date:
    """``2019-09``, ``09/2019`` or ``2019`` → the first day of that month (January)."""
    value = (value or "").strip()
    match = _MONTH.match(value)
    if match:
        year = int(match.group(1) or match.group(4))
        month = int(match.group(2) or match.group(3))
    elif re.fullmatch(r"\d{4}", value):
        year, month = int(value), 1
    else:
        raise ValidationError("Indiquez le mois et l'année, par exemple 09/2019.")
    if not 1 <= month <= 12:
        raise ValidationError("Le mois doit être compris entre 1 et 12.")
    if not 1900 <= year <= 2100:
        raise ValidationError("L'année doit être comprise entre 1900 et 2100.")
    day = datetime.date(year, month, 1)
    if day > datetime.date.today():
        raise ValidationError("La date d'ouverture ne peut pas être dans le futur.")
    return day


def zone_choices(territory: str | None = None) -> list[tuple[str, str]]:
    """The zone select: « je ne sais pas », then the zones of the territory (all if unknown)."""
    zones = geography.patient_zones_for(territory) if territory else geography.PATIENT_ZONES
    return [
        (ZONE_UNKNOWN, "Je ne sais pas : déduisez-la de la commune (zonage INSEE)"),
        *((zone, geography.PATIENT_ZONES[zone]) for zone in zones),
    ]


def _check_mode(form: forms.Form, data: dict) -> None:
    """« Cabinet individuel » with 2 kinés or more: a French error on the mode."""
    problem = practice_mode_problem(data.get("practitioners"), data.get("practice_mode"))
    if problem and "practice_mode" not in form.errors:
        form.add_error("practice_mode", problem)


class CandidacyForm(FrenchForm):
    practice_name = forms.CharField(label="Nom du cabinet", max_length=200)
    commune = forms.CharField(
        label="Commune du cabinet",
        max_length=60,
        help_text="Code postal (ex. 35000) ou code INSEE (ex. 2A004). Vous pouvez aussi "
        "taper le nom de la commune et choisir dans la liste.",
    )
    practitioners = forms.IntegerField(
        label="Nombre de kinésithérapeutes",
        min_value=1,
        max_value=100,
        help_text="Titulaires, collaborateurs et assistants qui exercent au cabinet.",
    )
    practice_mode = forms.ChoiceField(label="Mode d'exercice", choices=practice_mode_choices)
    zone = forms.ChoiceField(
        label="Où se trouve le cabinet ?",
        choices=zone_choices,
        required=False,
        help_text="Nous la déduisons de la commune (zonage INSEE) ; corrigez-la si elle ne "
        "décrit pas votre cabinet.",
    )
    opened_on = forms.CharField(
        label="En activité depuis (mois et année)",
        max_length=10,
        help_text="Par exemple 09/2019.",
    )
    contact_name = forms.CharField(label="Votre nom et prénom", max_length=200)
    email = forms.EmailField(
        label="Votre adresse e-mail",
        help_text="Pour vous confirmer la candidature et, si votre cabinet est tiré au sort, "
        "vous inviter.",
    )
    consent_data = forms.BooleanField(
        label="J'accepte que les données de mon cabinet soient utilisées pour le panel de "
        "cette campagne (bilan carbone, suivi et revue par la coordination de ma région).",
    )
    consent_publication = forms.BooleanField(
        label="J'accepte la publication de résultats anonymisés : aucun chiffre ne décrit "
        "moins de 5 cabinets, et ni le nom ni la commune du cabinet ne sont publiés.",
    )

    def __init__(self, *args, campaign, **kwargs):
        self.campaign = campaign
        super().__init__(*args, **kwargs)
        if not campaign.min_months_activity:
            del self.fields["opened_on"]
        self.fields["consent_data"].error_messages["required"] = (
            "Cet accord est nécessaire pour participer au panel."
        )
        self.fields["consent_publication"].error_messages["required"] = (
            "Cet accord est nécessaire : les résultats du panel sont publiés, anonymisés."
        )
        self.place: geography.Commune | None = None
        self.commune_candidates: list[tuple[str, str]] = []
        # The select offers the zones of the commune's territory; a zone of another
        # territory posted anyway gets the engine's French message in clean().
        typed = (self.data.get("commune") or self.initial.get("commune") or "").strip()
        try:
            territory = geography.locate(typed).territory if typed else None
        except geography.CommuneError:
            territory = None
        self.fields["zone"].widget.choices = zone_choices(territory)

    def clean_commune(self) -> str:
        try:
            value = resolve_commune_input(
                self.cleaned_data["commune"], self.data.get("commune_choice")
            )
        except CommuneChoiceError as exc:
            self.commune_candidates = exc.candidates
            raise
        self.place = geography.locate(value)
        return value

    def clean_opened_on(self) -> datetime.date:
        return parse_month(self.cleaned_data["opened_on"])

    def clean(self):
        data = super().clean()
        _check_mode(self, data)
        if self.place is not None and "practice_mode" in data:
            from kineco2.panel.services import eligibility_errors

            errors = eligibility_errors(
                self.campaign,
                territory=self.place.territory,
                practice_mode=data["practice_mode"],
                opened_on=data.get("opened_on"),
            )
            for name, message in errors.items():
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        zone = data.get("zone")
        if self.place is not None and zone and zone != ZONE_UNKNOWN and "zone" not in self.errors:
            problem = geography.patient_zone_problem(zone, self.place)
            if problem:
                self.add_error("zone", problem)
        return data


class ParticipationPracticeForm(FrenchForm):
    """Create the practice of a drawn candidate, prefilled from the candidacy."""

    name = forms.CharField(label="Nom du cabinet", max_length=200)
    commune = forms.CharField(
        label="Commune du cabinet",
        max_length=60,
        help_text="Code postal (ex. 35000) ou code INSEE (ex. 2A004).",
    )
    practitioners = forms.IntegerField(
        label="Nombre de kinésithérapeutes", min_value=1, max_value=100
    )
    practice_mode = forms.ChoiceField(label="Mode d'exercice", choices=practice_mode_choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commune_candidates: list[tuple[str, str]] = []

    def clean_commune(self) -> str:
        try:
            return resolve_commune_input(
                self.cleaned_data["commune"], self.data.get("commune_choice")
            )
        except CommuneChoiceError as exc:
            self.commune_candidates = exc.candidates
            raise

    def clean(self):
        data = super().clean()
        _check_mode(self, data)
        return data


class ExistingPracticeForm(FrenchForm):
    practice = forms.TypedChoiceField(label="Votre cabinet", coerce=int, choices=())

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].choices = [(p.pk, str(p)) for p in practices]
        self.practices = {p.pk: p for p in practices}

    def clean_practice(self):
        pk = self.cleaned_data["practice"]
        if pk not in self.practices:
            raise ValidationError("Choix invalide : choisissez dans la liste.")
        return self.practices[pk]


DATE_FIELDS = (
    ("candidatures_open", "Ouverture des candidatures"),
    ("candidatures_close", "Clôture des candidatures"),
    ("tirage_date", "Tirage au sort"),
    ("collecte_open", "Début de la collecte"),
    ("collecte_close", "Fin de la collecte"),
    ("revue_close", "Fin de la revue des données"),
    ("cloture_date", "Clôture de la campagne"),
)


class DateInput(forms.DateInput):
    """A text input showing ``JJ/MM/AAAA`` (the ISO form ``AAAA-MM-JJ`` is accepted too)."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "numeric", **(attrs or {})}, format="%d/%m/%Y")


class CampaignForm(FrenchForm):
    name = forms.CharField(label="Nom de la campagne", max_length=200)
    reference_year = forms.IntegerField(
        label="Année de référence des bilans", min_value=2015, max_value=2100
    )
    description = forms.CharField(
        label="Présentation (affichée sur l'appel à candidatures)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    allowed_territories = forms.MultipleChoiceField(
        label="Territoires admis (aucun coché : tous)",
        choices=list(geography.TERRITORIES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    allowed_modes = forms.MultipleChoiceField(
        label="Modes d'exercice admis (aucun coché : tous)",
        choices=PracticeMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    min_months_activity = forms.IntegerField(
        label="Ancienneté minimale du cabinet, en mois, au 31 décembre de l'année de référence",
        min_value=0,
        max_value=600,
        initial=0,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in DATE_FIELDS:
            self.fields[name] = _french(
                forms.DateField(
                    label=label,
                    widget=DateInput(),
                    input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                    help_text="JJ/MM/AAAA, par exemple 02/03/2026.",
                )
            )
        for name in ("allowed_territories", "allowed_modes"):
            self.fields[name].error_messages["invalid_choice"] = (
                "Choix invalide : cochez dans la liste."
            )

    def clean(self):
        data = super().clean()
        previous = None
        for name, label in DATE_FIELDS:
            value = data.get(name)
            if value is None:
                return data
            if previous is not None and value < previous[1]:
                self.add_error(name, f"Cette date doit venir après « {previous[0].lower()} ».")
            previous = (label, value)
        return data


class QuotaForm(FrenchForm):
    region_code = forms.ChoiceField(label="Région")
    count = forms.IntegerField(label="Nombre de places", min_value=1, max_value=1000)

    def __init__(self, *args, perimeter, **kwargs):
        super().__init__(*args, **kwargs)
        editable = {
            code: name
            for code, name in selectors.regions().items()
            if selectors.can_edit_quota(perimeter, code)
        }
        self.fields["region_code"].choices = list(editable.items())
        for key, choices in selectors.stratum_choices().items():
            self.fields[key] = _french(
                forms.ChoiceField(
                    label=selectors.STRATUM_LABELS[key],
                    choices=[("", "Toutes"), *choices],
                    required=False,
                )
            )

    def stratum(self) -> dict[str, str]:
        return {
            key: self.cleaned_data[key]
            for key in selectors.STRATUM_KEYS
            if self.cleaned_data.get(key)
        }


class DrawForm(FrenchForm):
    seed = forms.CharField(
        label="Graine publique du tirage",
        max_length=200,
        help_text="Fixée publiquement après la publication de l'empreinte : numéros d'un "
        "tirage public, ou texte convenu en séance (« 2026-03-02 URPS tirage public »).",
    )
    confirm = forms.BooleanField(
        label="Je confirme : le tirage est publié aussitôt et ne pourra pas être relancé.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].error_messages["required"] = (
            "Cochez la confirmation : le tirage est définitif."
        )

    def clean_seed(self) -> str:
        from kineco2.panel.services import PanelError, check_seed

        try:
            return check_seed(self.cleaned_data["seed"])
        except PanelError as exc:
            raise ValidationError(str(exc)) from None


class WithdrawForm(FrenchForm):
    note = forms.CharField(
        label="Motif (facultatif, visible de la coordination seulement)",
        max_length=500,
        required=False,
    )


class NotesForm(FrenchForm):
    notes = forms.CharField(
        label="Notes de suivi (visibles de la coordination seulement)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )


class CommentForm(FrenchForm):
    post_id = forms.ChoiceField(label="Poste concerné", required=False)
    body = forms.CharField(
        label="Commentaire au cabinet",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Le cabinet le lit sur sa page « Mes campagnes » et reçoit un e-mail.",
    )

    def __init__(self, *args, posts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["post_id"].choices = [("", "Le bilan en général"), *posts]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError("Le commentaire est vide.")
        return body


class StaffInvitationForm(FrenchForm):
    email = forms.EmailField(label="Adresse e-mail")
    role = forms.ChoiceField(label="Rôle", choices=RoleKind.choices)
    region_code = forms.ChoiceField(label="Région (pour un coordinateur URPS)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", "—"), *selectors.regions().items()]

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == RoleKind.URPS and not data.get("region_code"):
            self.add_error(
                "region_code", "Un coordinateur URPS coordonne une région : choisissez-la."
            )
        if role and role != RoleKind.URPS:
            data["region_code"] = None
        return data
