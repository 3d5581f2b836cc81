"""Forms of the survey: the patient's three questions and the practice's own forms."""

from __future__ import annotations

import math
import re

from django import forms

from kineco2.engine import geography
from kineco2.engine.survey import SurveyError, commune_point
from kineco2.survey.models import MODE_CHOICES

MAX_ONE_WAY_KM = 2000  # beyond this, a typing error: refused (up to it, kept and capped)
_CODE_IN_LABEL = re.compile(r"\((\d{5}|2[AB]\d{3})\)\s*$", re.IGNORECASE)
YES_NO = [("oui", "Oui"), ("non", "Non, je l'ai combiné avec autre chose (travail, courses…)")]


def commune_label(commune: geography.Commune) -> str:
    code = commune.postal_codes[0] if commune.postal_codes else commune.code_insee
    return f"{commune.name} ({code})"


def resolve_commune(text: str) -> tuple[geography.Commune | None, list[geography.Commune]]:
    """The commune meant by ``text`` (a name, a postal code, « Nom (code) »), else the
    candidates to choose from (empty if nothing matches)."""
    text = (text or "").strip()
    if not text:
        return None, []
    match = _CODE_IN_LABEL.search(text)
    if match:
        name = text[: match.start()].strip().casefold()
        try:
            found = geography.lookup(match.group(1))
        except geography.UnknownCommuneError:
            found = ()
        named = [c for c in found if c.name.casefold() == name]
        if len(named) == 1:
            return named[0], []
        if len(found) == 1:
            return found[0], []
        if found:
            return None, list(found)
    candidates = geography.search_communes(text, limit=8)
    exact = [c for c in candidates if c.name.casefold() == text.casefold()]
    if len(candidates) == 1:
        return candidates[0], []
    if len(exact) == 1:
        return exact[0], []
    return None, candidates


class PatientAnswerForm(forms.Form):
    """The patient's answer. ``commune_choice`` appears only when the text was ambiguous."""

    mode = forms.ChoiceField(
        label="Comment êtes-vous venu(e) aujourd'hui ?",
        choices=MODE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez comment vous êtes venu(e)."},
    )
    commune = forms.CharField(
        label="D'où êtes-vous parti(e) ?",
        help_text="Le nom de votre commune ou son code postal.",
        required=False,
        max_length=80,
    )
    commune_choice = forms.CharField(required=False, max_length=5)
    km = forms.CharField(
        label="Ou, si vous préférez, la distance en km (aller simple)",
        required=False,
        max_length=10,
    )
    only_for_session = forms.ChoiceField(
        label="Êtes-vous venu(e) seulement pour la séance ?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        initial="oui",
        error_messages={"required": "Répondez par oui ou par non."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates: list[geography.Commune] = []

    def clean_km(self) -> float | None:
        raw = (self.cleaned_data.get("km") or "").strip().replace(",", ".").replace(" ", "")
        raw = raw.removesuffix("km").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise forms.ValidationError(
                "Indiquez un nombre de kilomètres, par exemple 3 ou 12,5."
            ) from None
        if not math.isfinite(value) or value < 0:
            raise forms.ValidationError("La distance doit être un nombre positif.")
        if value > MAX_ONE_WAY_KM:
            raise forms.ValidationError(
                f"{value:g} km, c'est plus que la distance maximale acceptée "
                f"({MAX_ONE_WAY_KM} km) : vérifiez le nombre."
            )
        return value

    def clean(self):
        data = super().clean()
        km = data.get("km")
        choice = (data.get("commune_choice") or "").strip()
        text = data.get("commune") or ""
        commune = None
        if choice:
            try:
                commune = geography.commune_by_insee(choice)
            except geography.UnknownCommuneError:
                self.add_error("commune", "Cette commune n'existe pas : choisissez dans la liste.")
                return data
        elif text.strip():
            commune, self.candidates = resolve_commune(text)
            if commune is None and km is None:
                if self.candidates:
                    self.add_error(
                        "commune", "Plusieurs communes correspondent : choisissez la vôtre."
                    )
                else:
                    self.add_error(
                        "commune",
                        f"Nous ne trouvons pas la commune « {text.strip()[:80]} ». Vérifiez "
                        "l'orthographe, tapez son code postal, ou indiquez les kilomètres.",
                    )
                return data
        if commune is None and km is None:
            if "km" not in self.errors:
                self.add_error("commune", "Indiquez votre commune ou le nombre de kilomètres.")
            return data
        if km is None and commune is not None and commune_point(commune.code_insee) is None:
            self.add_error(
                "km",
                "Nous ne savons pas situer cette commune : indiquez plutôt le nombre de "
                "kilomètres.",
            )
            return data
        data["commune_insee"] = "" if km is not None or commune is None else commune.code_insee
        data["one_way_km"] = km
        data["only"] = data.get("only_for_session") != "non"
        return data


class SurveyOpenForm(forms.Form):
    days = forms.IntegerField(
        label="Durée de l'enquête (jours)",
        min_value=3,
        max_value=60,
        initial=14,
        help_text="Deux semaines suffisent en général pour recueillir plus de 30 réponses.",
    )
    reference_year = forms.IntegerField(
        label="Année du bilan à compléter",
        min_value=2015,
        max_value=2100,
        help_text="Les résultats de l'enquête remplaceront les valeurs par défaut de ce bilan.",
    )


class AnswerEditForm(forms.Form):
    """The practice corrects an answer (a typing error, a mode misread)."""

    mode = forms.ChoiceField(label="Mode de transport", choices=MODE_CHOICES)
    commune = forms.CharField(
        label="Commune de départ (code postal ou code INSEE)", required=False, max_length=10
    )
    km = forms.FloatField(
        label="Distance aller en km (laisse la commune de côté)",
        required=False,
        min_value=0,
        max_value=MAX_ONE_WAY_KM,
    )
    only_for_session = forms.BooleanField(
        label="Trajet fait seulement pour la séance", required=False
    )

    def clean(self):
        data = super().clean()
        km, code = data.get("km"), (data.get("commune") or "").strip()
        if km is None and not code:
            raise forms.ValidationError("Indiquez une commune ou une distance en km.")
        data["commune_insee"] = ""
        if km is None:
            try:
                commune = geography.locate(code)
            except geography.UnknownCommuneError as exc:
                self.add_error("commune", str(exc))
                return data
            if commune_point(commune.code_insee) is None:
                self.add_error(
                    "km", "Cette commune n'est pas située dans nos données : indiquez les km."
                )
                return data
            data["commune_insee"] = commune.code_insee
        return data


__all__ = [
    "AnswerEditForm",
    "PatientAnswerForm",
    "SurveyError",
    "SurveyOpenForm",
    "commune_label",
    "resolve_commune",
]
