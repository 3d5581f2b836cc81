"""The commune field of the web forms: read what the user typed, or ask to choose.

Used wherever a commune is typed (practice form, panel candidacy and participation). A
code or name that designates several communes is never resolved silently: the form shows
the candidates as radio buttons named ``commune_choice`` (``web/_commune_choices.html``)
and the next submission carries the chosen one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from kineco2.engine import geography


class CommuneChoiceError(ValidationError):
    """The typed commune designates several communes (or none but some look alike)."""

    def __init__(self, message: str, candidates: list[tuple[str, str]]):
        super().__init__(message, code="choose_commune")
        #: (code that designates the commune alone, French label), to choose from.
        self.candidates = candidates


def resolve_commune_input(typed: str, choice: str | None = None) -> str:
    """Read a commune field: the text the engine reads as one commune.

    ``choice`` is the candidate the user picked below the field after a first try (a code
    that designates one commune). When ``typed`` designates several communes (a code that
    is one commune's INSEE code and another's postal code, a postal code shared by several
    communes, a name several communes bear), or none but resembles some names, raises a
    :class:`CommuneChoiceError` (a ``ValidationError``) whose message asks to choose and
    whose ``candidates`` are ``(code, label)`` pairs; an unknown code raises a plain
    ``ValidationError`` with the engine's French message.
    """
    value = (typed or "").strip()
    picked = (choice or "").strip()
    if picked:
        try:
            geography.locate(picked)
        except geography.CommuneError:
            pass  # a tampered choice: read what was typed
        else:
            return picked
    try:
        communes = geography.lookup(value)
    except geography.AmbiguousCommuneError as exc:
        candidates = [(f"INSEE {exc.code}", f"{exc.by_insee.label}, code INSEE {exc.code}")]
        for commune in exc.by_postal:
            code = f"CP {exc.code}"
            if geography.locate(code) != commune:
                code = geography.designation(commune)
            candidates.append((code, f"{commune.label}, code postal {exc.code}"))
        raise _choose(
            f"Le code « {exc.code} » est à la fois le code INSEE d'une commune et le code "
            "postal d'une autre : choisissez la vôtre ci-dessous.",
            candidates,
        ) from None
    except geography.UnknownCommuneError as exc:
        named = geography.communes_named(value)
        if len(named) == 1:
            return geography.designation(named[0])
        if named:
            raise _choose(
                f"Plusieurs communes s'appellent « {value} » : choisissez la vôtre ci-dessous.",
                [(geography.designation(c), _choice_label(c)) for c in named],
            ) from None
        similar = geography.search_communes(value, limit=8) if len(value) >= 2 else []
        if similar:
            raise _choose(
                f"Commune inconnue : « {value} ». Choisissez-la ci-dessous, ou indiquez son "
                "code postal ou son code INSEE.",
                [(geography.designation(c), _choice_label(c)) for c in similar],
            ) from None
        raise ValidationError(str(exc)) from None
    if len(communes) > 1:
        raise _choose(
            f"Plusieurs communes ont le code postal « {value} » : choisissez la vôtre ci-dessous.",
            [(geography.designation(c, preferred=value), _choice_label(c)) for c in communes],
        )
    return value


def _choice_label(commune: geography.Commune) -> str:
    return f"{commune.name} ({commune.departement})"


def _choose(message: str, candidates: list[tuple[str, str]]) -> CommuneChoiceError:
    return CommuneChoiceError(message, candidates)
