"""Eco-responsible practices (« écosoins ») and the simulator.

An action's effect is **never a separate formula**: it is the same :func:`compute` re-run on
the practice's answers with some of them overridden (the Nos Gestes Climat approach). The
catalogue, ``data/actions/<version>.yaml``, says for each action which answers change and how,
in a small declarative language read by this module (no ``eval``), validated when loaded.

Override language
-----------------
Each action lists ``overrides``; each override sets one question (``field``, written
``section.name`` as in :data:`kineco2.engine.schema.SECTIONS`, or ``profile.name``) with one
operation, optionally under a condition ``only_if``:

``set: V``
    ``V`` is a constant, ``null`` (« je ne sais pas »), a choice of the question
    (``drap_lavable``) or an expression.
``multiply: E`` / ``add: E``
    current value × E, current value + E.
``multiply_by_complement_of: p``
    current value × (1 − p / 100), ``p`` a parameter of the action.
``move_share: {to: F, percent: E}``
    moves E % of the current value of ``field`` to the question ``F`` (e.g. car share →
    walking and cycling share); the sum of both is unchanged.
``scale_heating: E`` (no ``field``)
    multiplies the heating consumption, wherever the answers hold it: the fuel kWh (or the
    litres of fuel oil) for a boiler; for electric heating, the heating kWh when electricity
    is estimated from the surface, or the heating part of the electricity bill
    (``calc:electric_heating_kwh``) when the bill is known.

An **expression** is a number, a reference, or a one-key mapping: ``sum``, ``product``,
``min``, ``max`` (lists), ``difference``, ``quotient`` ([a, b]), ``complement`` (1 − E),
``percent`` (E / 100). A **reference** is ``section.name`` (the current value of a question),
``param:name`` (a parameter of the action), ``calc:name`` (a derived value, :data:`CALCS`) or
``default:id`` (a default of ``data/defaults``, scaled per kiné, m² or session like the engine
does). A **condition** (``applicable_if``, ``only_if``) is ``{all: [...]}``, ``{any: [...]}``,
``{not: C}``, ``{answered: section.name}`` or ``{value: R, <op>: X}`` with ``op`` among ``eq``,
``ne``, ``in``, ``not_in``, ``gt``, ``ge``, ``lt``, ``le``.

Semantics:

* « Current value » means the value the engine used, answered or defaulted, expressed as an
  answer would be (:func:`current_values`). ``result.effective_answers`` is the starting
  point, corrected where a default and an answer do not mean the same thing: a defaulted gas
  consumption is in kWh PCI while a bill is in kWh PCS; the estimated electricity excludes the
  estimated electric heating while a bill includes it; an unanswered car share comes from the
  zone table; the recorded default of the washing cycles is a number of sessions per cycle.
* All overrides of one action read the state **before** the action. Results are clamped to
  the question's bounds and rounded for whole-number questions.
* Several actions are applied one after the other, in catalogue order, the engine being
  re-run between two actions; an action that a previous one made inapplicable is skipped.
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from kineco2.engine import yamlfile
from kineco2.engine.compare import interval, paired_samples
from kineco2.engine.compute import compute
from kineco2.engine.context import OVERSEAS, TROPICAL_OVERSEAS
from kineco2.engine.defaults import DefaultSet, load_defaults
from kineco2.engine.errors import EngineError, InputError, ReferenceDataError
from kineco2.engine.factors import FactorSet, load_factors
from kineco2.engine.lines import Line
from kineco2.engine.posts import POST_IDS
from kineco2.engine.posts.deplacements_patients import zone_car_share, zone_total_km
from kineco2.engine.posts.energie import ELECTRIC_HEATING, ELECTRICITY_BY_TERRITORY, FUELS
from kineco2.engine.posts.materiel import IT_DEVICES
from kineco2.engine.result import Interval, Result
from kineco2.engine.schema import SECTIONS, AssessmentInput, Profile

ACTIONS_DIR = Path(__file__).parent / "data" / "actions"
_VERSION = re.compile(r"^\d{4}\.\d+$")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

COST_LEVELS = ("aucun", "faible", "moyen", "élevé")
EFFORTS = ("faible", "moyen", "fort")
TIMES_TO_IMPLEMENT = ("moins d'un mois", "1 à 6 mois", "plus de 6 mois")
SCOPES = ("individuelle", "collective")

OPERATIONS = ("set", "multiply", "multiply_by_complement_of", "add", "move_share", "scale_heating")
_LIST_NODES = ("sum", "product", "min", "max")
_PAIR_NODES = ("difference", "quotient")
_UNARY_NODES = ("complement", "percent")
_COMPARISONS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le")
_NUMERIC_COMPARISONS = ("gt", "ge", "lt", "le")
_HEATING_KINDS = ("combustible", "electrique", "aucun")

#: Derived values an action may read as ``calc:name``: (kind, choices, meaning).
CALCS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "territory": ("choice", (), "territoire du cabinet (france_continentale, la_reunion…)"),
    "overseas": ("bool", (), "cabinet en outre-mer"),
    "tropical_overseas": ("bool", (), "cabinet en outre-mer tropical"),
    "practitioners": ("number", (), "nombre de kinés"),
    "sessions": ("number", (), "séances par an"),
    "sessions_at_practice": ("number", (), "séances au cabinet par an"),
    "sessions_at_home": ("number", (), "séances à domicile par an"),
    "surface": ("number", (), "surface du cabinet, m²"),
    "bill_share": ("number", (), "part des factures à la charge du cabinet (0 à 1)"),
    "heating_kind": ("choice", _HEATING_KINDS, "combustible, électrique ou aucun"),
    "heating_kgco2e": ("number", (), "émissions du chauffage, kg CO2e/an"),
    "heating_kwh_pci": (
        "number",
        (),
        "combustible de chauffage en kWh PCI, avant la part des factures (0 sans chaudière)",
    ),
    "electric_heating_kwh": (
        "number",
        (),
        "kWh d'électricité de chauffage, avant la part des factures (estimés si la facture "
        "d'électricité est connue et la consommation de chauffage ne l'est pas)",
    ),
    "specific_electricity_kwh": ("number", (), "kWh d'électricité hors chauffage"),
    "patient_car_km": ("number", (), "km parcourus en voiture par les patients"),
    "home_visit_km": ("number", (), "km de tournées"),
    "home_visit_km_per_visit": ("number", (), "km aller-retour par visite"),
    "it_devices": ("number", (), "nombre d'appareils informatiques"),
    "training_km": ("number", (), "km de formations (train, voiture, avion)"),
}


class ActionError(EngineError, ValueError):
    """An invalid choice of actions or parameters (French message)."""


# --- the schema, seen as a list of questions ------------------------------------------------
@dataclass(frozen=True, slots=True)
class FieldSpec:
    path: str
    kind: str  # number | integer | choice | bool | text
    choices: tuple[str, ...] = ()
    ge: float | None = None
    le: float | None = None


def _spec(path: str, annotation: Any, metadata: list[Any]) -> FieldSpec:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = annotation if typing.get_origin(annotation) is Literal or not args else args[0]
    ge = next((m.ge for m in metadata if hasattr(m, "ge")), None)
    le = next((m.le for m in metadata if hasattr(m, "le")), None)
    if typing.get_origin(base) is Literal:
        return FieldSpec(path, "choice", tuple(typing.get_args(base)))
    if base is bool:
        return FieldSpec(path, "bool")
    if base is int:
        return FieldSpec(path, "integer", ge=ge, le=le)
    if base is float:
        return FieldSpec(path, "number", ge=ge, le=le)
    return FieldSpec(path, "text")


@cache
def schema_fields() -> dict[str, FieldSpec]:
    """Every question of the schema by path (``"energie.heating_kwh"``), with its type."""
    models: dict[str, Any] = {"profile": Profile, **SECTIONS}
    fields: dict[str, FieldSpec] = {}
    for section, model in models.items():
        for name, info in model.model_fields.items():
            if name == "data_quality":
                continue
            path = f"{section}.{name}"
            fields[path] = _spec(path, info.annotation, list(info.metadata))
    return fields


# --- the catalogue --------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    name: str
    label: str
    unit: str
    min: float
    max: float
    default: float
    step: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Saving:
    """Money saved per year by the practice, in €: a range and how it was estimated."""

    min: float
    max: float
    basis: str


@dataclass(frozen=True)
class Override:
    field: str | None
    op: str
    arg: Any
    only_if: Any = None


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    description: str
    posts: tuple[str, ...]
    overrides: tuple[Override, ...]
    parameters: tuple[Parameter, ...]
    applicable_if: Any
    cost_level: str
    saving_eur_per_year: Saving | None
    effort: str
    time_to_implement: str
    scope_of_action: str
    safeguards: tuple[str, ...]
    sources: tuple[str, ...]
    #: Posts that may legitimately grow when the action is applied (a shift between posts).
    may_increase: tuple[str, ...] = ()

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise ActionError(
            f"Paramètre inconnu « {name} » pour l'action « {self.id} » ; paramètres "
            f"possibles : {', '.join(p.name for p in self.parameters) or 'aucun'}."
        )

    def default_parameters(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for the web pages and the API)."""
        data = dataclasses.asdict(self)
        data["overrides"] = [
            {k: v for k, v in dataclasses.asdict(o).items() if v is not None}
            for o in self.overrides
        ]
        return data


@dataclass(frozen=True)
class ActionCatalogue:
    version: str
    actions: tuple[Action, ...]

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)

    def __contains__(self, action_id: object) -> bool:
        return any(a.id == action_id for a in self.actions)

    def __getitem__(self, action_id: str) -> Action:
        for action in self.actions:
            if action.id == action_id:
                return action
        raise ActionError(
            f"Action inconnue : « {action_id} » (catalogue d'écosoins {self.version})."
        )

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actions)

    def index(self, action_id: str) -> int:
        return self.ids.index(action_id)


# --- validation of the catalogue ------------------------------------------------------------
_ACTION_KEYS = {
    "id",
    "title",
    "description",
    "posts",
    "may_increase",
    "parameters",
    "applicable_if",
    "overrides",
    "cost_level",
    "saving_eur_per_year",
    "effort",
    "time_to_implement",
    "scope_of_action",
    "safeguards",
    "sources",
}
_REQUIRED_KEYS = _ACTION_KEYS - {"may_increase", "parameters"}
_REQUIRED_PARAMETER_KEYS = {"name", "label", "unit", "min", "max", "default"}
_PARAMETER_KEYS = _REQUIRED_PARAMETER_KEYS | {"step", "integer"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Validates one action; collects French problems prefixed with the action id."""

    def __init__(self, action_id: str, defaults: DefaultSet, problems: list[str]):
        self.action_id = action_id
        self.defaults = defaults
        self.problems = problems
        self.params: set[str] = set()
        self.used_params: set[str] = set()

    def fail(self, message: str) -> None:
        self.problems.append(f"action « {self.action_id} » : {message}")

    # references ------------------------------------------------------------------------
    def ref_kind(self, ref: str, where: str, *, params: bool) -> tuple[str, tuple[str, ...]]:
        """The kind of a reference (number, integer, choice, bool), or ``"?"`` if invalid."""
        prefix, _, name = ref.partition(":")
        if name:
            if prefix == "param":
                if not params:
                    self.fail(f"{where} : un paramètre ({ref}) ne peut pas servir ici")
                elif name not in self.params:
                    self.fail(f"{where} : paramètre non déclaré « {name} »")
                self.used_params.add(name)
                return "number", ()
            if prefix == "calc":
                if name not in CALCS:
                    self.fail(f"{where} : valeur dérivée inconnue « {ref} »")
                    return "?", ()
                kind, choices, _ = CALCS[name]
                return kind, choices
            if prefix == "default":
                item = self.defaults.defaults.get(name)
                if item is None:
                    self.fail(f"{where} : valeur par défaut inconnue « {ref} »")
                    return "?", ()
                if not _is_number(item.value):
                    self.fail(f"{where} : la valeur par défaut « {ref} » n'est pas un nombre")
                return "number", ()
            self.fail(f"{where} : référence inconnue « {ref} »")
            return "?", ()
        spec = schema_fields().get(ref)
        if spec is None:
            self.fail(f"{where} : question inconnue « {ref} » (absente du schéma)")
            return "?", ()
        return spec.kind, spec.choices

    def expr(self, expr: Any, where: str, *, params: bool = True) -> None:
        if _is_number(expr):
            return
        if isinstance(expr, str):
            kind, _ = self.ref_kind(expr, where, params=params)
            if kind not in ("number", "integer", "?"):
                self.fail(f"{where} : « {expr} » n'est pas un nombre")
            return
        if isinstance(expr, dict) and len(expr) == 1:
            ((node, arg),) = expr.items()
            if node in _LIST_NODES and isinstance(arg, list) and arg:
                for item in arg:
                    self.expr(item, where, params=params)
                return
            if node in _PAIR_NODES and isinstance(arg, list) and len(arg) == 2:
                for item in arg:
                    self.expr(item, where, params=params)
                return
            if node in _UNARY_NODES:
                self.expr(arg, where, params=params)
                return
        self.fail(f"{where} : expression invalide {expr!r}")

    def cond(self, cond: Any, where: str, *, params: bool) -> None:
        if not isinstance(cond, dict) or not cond:
            self.fail(f"{where} : condition invalide {cond!r}")
            return
        keys = set(cond)
        if keys in ({"all"}, {"any"}):
            items = cond[next(iter(keys))]
            if not isinstance(items, list) or not items:
                self.fail(f"{where} : « all » et « any » attendent une liste de conditions")
                return
            for item in items:
                self.cond(item, where, params=params)
            return
        if keys == {"not"}:
            self.cond(cond["not"], where, params=params)
            return
        if keys == {"answered"}:
            if cond["answered"] not in schema_fields():
                self.fail(f"{where} : question inconnue « {cond['answered']} »")
            return
        ops = keys - {"value"}
        if "value" not in keys or len(ops) != 1 or not ops <= set(_COMPARISONS):
            self.fail(f"{where} : condition invalide {cond!r}")
            return
        (op,) = ops
        ref, operand = cond["value"], cond[op]
        if not isinstance(ref, str):
            self.fail(f"{where} : « value » doit nommer une question ou une valeur dérivée")
            return
        kind, choices = self.ref_kind(ref, where, params=params)
        if op in _NUMERIC_COMPARISONS:
            if kind not in ("number", "integer", "?"):
                self.fail(f"{where} : comparaison numérique sur « {ref} » qui n'est pas un nombre")
            self.expr(operand, where, params=params)
            return
        values = operand if op in ("in", "not_in") else [operand]
        if op in ("in", "not_in") and (not isinstance(operand, list) or not operand):
            self.fail(f"{where} : « {op} » attend une liste")
            return
        if kind == "choice" and choices:
            for value in values:
                if value is not None and value not in choices:
                    self.fail(
                        f"{where} : « {value} » n'est pas un choix de « {ref} » "
                        f"({', '.join(choices)})"
                    )

    # overrides -------------------------------------------------------------------------
    def override(self, raw: Any, index: int, posts: Sequence[str]) -> Override | None:
        where = f"override n° {index + 1}"
        if not isinstance(raw, dict):
            self.fail(f"{where} : un dictionnaire est attendu")
            return None
        ops = [k for k in raw if k in OPERATIONS]
        unknown = set(raw) - set(OPERATIONS) - {"field", "only_if"}
        if unknown:
            self.fail(f"{where} : clés inconnues {sorted(unknown)}")
        if len(ops) != 1:
            self.fail(f"{where} : une et une seule opération attendue parmi {OPERATIONS}")
            return None
        op = ops[0]
        arg = raw[op]
        target = raw.get("field")
        if "only_if" in raw:
            self.cond(raw["only_if"], where, params=True)
        if op == "scale_heating":
            if target is not None:
                self.fail(f"{where} : « scale_heating » ne prend pas de « field »")
            if "energie" not in posts:
                self.fail(f"{where} : « scale_heating » touche le poste energie, non déclaré")
            self.expr(arg, where)
            return Override(None, op, arg, raw.get("only_if"))
        spec = schema_fields().get(target) if isinstance(target, str) else None
        if spec is None:
            self.fail(f"{where} : question inconnue « {target} » (absente du schéma)")
            return None
        where = f"{where} ({target})"
        section = target.split(".")[0]
        if section != "profile" and section not in posts:
            self.fail(f"{where} : le poste « {section} » n'est pas déclaré dans « posts »")
        if spec.kind == "text":
            self.fail(f"{where} : cette question ne peut pas être modifiée par une action")
        numeric = spec.kind in ("number", "integer")
        if op == "set":
            if arg is None:
                pass
            elif spec.kind == "choice":
                if arg not in spec.choices:
                    self.fail(f"{where} : « {arg} » n'est pas un choix ({', '.join(spec.choices)})")
            elif spec.kind == "bool":
                if not isinstance(arg, bool):
                    self.fail(f"{where} : oui ou non (true/false) attendu")
            else:
                self.expr(arg, where)
        elif not numeric:
            self.fail(f"{where} : « {op} » ne s'applique qu'à une question numérique")
        elif op in ("multiply", "add"):
            self.expr(arg, where)
        elif op == "multiply_by_complement_of":
            if not isinstance(arg, str) or arg not in self.params:
                self.fail(f"{where} : « {op} » attend le nom d'un paramètre déclaré")
            self.used_params.add(str(arg))
        elif op == "move_share":
            if not isinstance(arg, dict) or set(arg) != {"to", "percent"}:
                self.fail(f"{where} : « move_share » attend {{to: question, percent: expression}}")
                return None
            to_spec = schema_fields().get(arg["to"])
            if to_spec is None or to_spec.kind not in ("number", "integer"):
                self.fail(f"{where} : « to » doit être une question numérique ({arg['to']!r})")
            self.expr(arg["percent"], where)
        return Override(target, op, arg, raw.get("only_if"))

    def parameter(self, raw: Any) -> Parameter | None:
        if not isinstance(raw, dict) or not _REQUIRED_PARAMETER_KEYS <= set(raw):
            self.fail(f"paramètre {raw!r} : name, label, unit, min, max et default sont requis")
            return None
        name = raw["name"]
        if set(raw) - _PARAMETER_KEYS:
            self.fail(f"paramètre « {name} » : clés inconnues {sorted(set(raw) - _PARAMETER_KEYS)}")
        if not isinstance(name, str) or not _SNAKE.match(name):
            self.fail(f"paramètre {name!r} : nom invalide (snake_case attendu)")
            return None
        if name in self.params:
            self.fail(f"paramètre « {name} » déclaré deux fois")
        self.params.add(name)
        if not isinstance(raw["label"], str) or not raw["label"].strip():
            self.fail(f"paramètre « {name} » : libellé français manquant")
        if not isinstance(raw["unit"], str) or not raw["unit"].strip():
            self.fail(f"paramètre « {name} » : unité manquante")
        low, high, default = raw["min"], raw["max"], raw["default"]
        if not all(_is_number(v) for v in (low, high, default)):
            self.fail(f"paramètre « {name} » : min, max et default doivent être des nombres")
            return None
        if not low < high:
            self.fail(f"paramètre « {name} » : min ({low}) doit être inférieur à max ({high})")
        if not low <= default <= high:
            self.fail(
                f"paramètre « {name} » : la valeur par défaut {default} sort de [{low}, {high}]"
            )
        step = raw.get("step")
        if step is not None and (not _is_number(step) or step <= 0):
            self.fail(f"paramètre « {name} » : le pas doit être un nombre positif")
        integer = bool(raw.get("integer", False))
        if integer and not all(float(v).is_integer() for v in (low, high, default)):
            self.fail(f"paramètre « {name} » : entier déclaré mais bornes non entières")
        return Parameter(
            name=name,
            label=str(raw["label"]).strip(),
            unit=str(raw["unit"]).strip(),
            min=float(low),
            max=float(high),
            default=float(default),
            step=float(step) if step is not None else None,
            integer=integer,
        )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _parse_action(raw: Any, defaults: DefaultSet, problems: list[str]) -> Action | None:
    if not isinstance(raw, dict):
        problems.append(f"entrée illisible : {raw!r}")
        return None
    action_id = raw.get("id")
    if not isinstance(action_id, str) or not _SNAKE.match(action_id):
        problems.append(f"identifiant d'action invalide {action_id!r} (snake_case attendu)")
        return None
    check = _Checker(action_id, defaults, problems)
    missing = _REQUIRED_KEYS - set(raw)
    if missing:
        check.fail(f"attributs manquants : {', '.join(sorted(missing))}")
        return None
    unknown = set(raw) - _ACTION_KEYS
    if unknown:
        check.fail(f"attributs inconnus : {', '.join(sorted(unknown))}")
    for key in ("title", "description"):
        if not _text(raw[key]):
            check.fail(f"« {key} » : texte français manquant")
    posts = raw["posts"]
    if not isinstance(posts, list) or not posts:
        check.fail("« posts » : liste de postes attendue")
        posts = []
    for post in posts:
        if post not in POST_IDS:
            check.fail(f"poste inconnu « {post} » ({', '.join(POST_IDS)})")
    if len(set(posts)) != len(posts):
        check.fail("« posts » : poste cité deux fois")
    may_increase = raw.get("may_increase") or []
    for post in may_increase:
        if post not in posts:
            check.fail(f"« may_increase » : « {post} » n'est pas dans « posts »")
    parameters = [check.parameter(p) for p in raw.get("parameters") or []]
    check.cond(raw["applicable_if"], "applicable_if", params=False)
    raw_overrides = raw["overrides"]
    if not isinstance(raw_overrides, list) or not raw_overrides:
        check.fail("« overrides » : au moins une modification des réponses est attendue")
        raw_overrides = []
    overrides = [check.override(o, i, posts) for i, o in enumerate(raw_overrides)]
    targets: dict[str, int] = {}
    for o in overrides:
        if o is not None and o.field is not None and o.only_if is None:
            targets[o.field] = targets.get(o.field, 0) + 1
    for target, count in targets.items():
        if count > 1:
            check.fail(f"« {target} » est modifiée deux fois sans condition « only_if »")
    for name in check.params - check.used_params:
        check.fail(f"paramètre « {name} » déclaré mais jamais utilisé")
    for key, allowed in (
        ("cost_level", COST_LEVELS),
        ("effort", EFFORTS),
        ("time_to_implement", TIMES_TO_IMPLEMENT),
        ("scope_of_action", SCOPES),
    ):
        if raw[key] not in allowed:
            check.fail(f"« {key} » : « {raw[key]} » n'est pas parmi {', '.join(allowed)}")
    saving_raw = raw["saving_eur_per_year"]
    saving: Saving | None = None
    if saving_raw is not None:
        if (
            not isinstance(saving_raw, dict)
            or set(saving_raw) != {"min", "max", "basis"}
            or not _is_number(saving_raw["min"])
            or not _is_number(saving_raw["max"])
            or not 0 <= saving_raw["min"] <= saving_raw["max"]
            or not _text(saving_raw["basis"])
        ):
            check.fail("« saving_eur_per_year » : null ou {min, max, basis} avec 0 ≤ min ≤ max")
        else:
            saving = Saving(
                float(saving_raw["min"]), float(saving_raw["max"]), _text(saving_raw["basis"])
            )
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("safeguards", "sources"):
        items = raw[key]
        if not isinstance(items, list) or not items or not all(_text(s) for s in items):
            check.fail(f"« {key} » : liste de textes non vides attendue")
            items = []
        lists[key] = tuple(_text(s) for s in items)
    if any(p is None for p in parameters) or any(o is None for o in overrides):
        return None
    return Action(
        id=action_id,
        title=_text(raw["title"]),
        description=" ".join(_text(raw["description"]).split()),
        posts=tuple(posts),
        overrides=tuple(o for o in overrides if o is not None),
        parameters=tuple(p for p in parameters if p is not None),
        applicable_if=raw["applicable_if"],
        cost_level=raw["cost_level"],
        saving_eur_per_year=saving,
        effort=raw["effort"],
        time_to_implement=raw["time_to_implement"],
        scope_of_action=raw["scope_of_action"],
        safeguards=lists["safeguards"],
        sources=lists["sources"],
        may_increase=tuple(may_increase),
    )


def parse_actions(raw: Any, *, defaults: DefaultSet | None = None) -> ActionCatalogue:
    """Validate a parsed catalogue document. Raises :class:`ReferenceDataError`."""
    defaults = defaults or load_defaults()
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ReferenceDataError("Catalogue d'écosoins illisible : un dictionnaire est attendu.")
    version = str(raw.get("version", ""))
    if not _VERSION.match(version):
        problems.append(f"version invalide « {version} »")
    actions: list[Action] = []
    for item in raw.get("actions") or []:
        action = _parse_action(item, defaults, problems)
        if action is not None:
            actions.append(action)
    seen: set[str] = set()
    for action in actions:
        if action.id in seen:
            problems.append(f"action « {action.id} » : identifiant en double")
        seen.add(action.id)
    if not actions and not problems:
        problems.append("aucune action")
    if problems:
        raise ReferenceDataError(
            f"Catalogue d'écosoins {version} invalide :\n" + "\n".join(f"- {p}" for p in problems)
        )
    return ActionCatalogue(version=version, actions=tuple(actions))


def available_versions() -> list[str]:
    versions = [p.stem for p in ACTIONS_DIR.glob("*.yaml") if _VERSION.match(p.stem)]
    return sorted(versions, key=lambda v: tuple(int(x) for x in v.split(".")))


def load_actions(version: str | None = None) -> ActionCatalogue:
    """The catalogue of eco-responsible practices (latest version by default), validated."""
    return _load_actions(version or available_versions()[-1])


@cache
def _load_actions(version: str) -> ActionCatalogue:
    path = ACTIONS_DIR / f"{version}.yaml"
    if not _VERSION.match(version) or not path.exists():
        raise ReferenceDataError(
            f"Version du catalogue d'écosoins inconnue : « {version} ». "
            f"Versions disponibles : {', '.join(available_versions())}."
        )
    # A catalogue is written against the defaults of the same methodology version (its
    # overrides may name defaults); versions without defaults of their own use the latest.
    from kineco2.engine.defaults import available_versions as defaults_versions

    defaults = load_defaults(version) if version in defaults_versions() else None
    with path.open(encoding="utf-8") as handle:
        catalogue = parse_actions(yamlfile.safe_load(handle), defaults=defaults)
    if catalogue.version != version:
        raise ReferenceDataError(
            f"Le fichier {path.name} annonce la version « {catalogue.version} »."
        )
    return catalogue


# --- the state an action reads ---------------------------------------------------------------
def _line(result: Result, post: str, item: str) -> Line | None:
    """The line ``post``/``item``; for a categorical default drawn as a mixture (an unknown
    heating energy), the line of the option the answers assume (the fixed default), whole."""
    matches = [ln for ln in result.lines if ln.post == post and ln.item == item]
    plain = next((ln for ln in matches if ln.branch is None), None)
    if plain is not None or not matches:
        return plain
    for ln in matches:
        branch = ln.branch
        if result.effective_answers.get(branch.group) == branch.option:
            p = branch.probability
            return dataclasses.replace(
                ln, quantity=ln.quantity / p, kgco2e=ln.kgco2e / p, branch=None
            )
    return None


#: The answers a heating action sets. When the baseline drew the unknown heating energy as a
#: mixture, such an action is simulated with the heating energy pinned to its fixed default
#: (the hypothesis its applicability was read on) in the baseline and the scenario alike.
HEATING_FIELDS = frozenset(
    {"energie.heating_energy", "energie.heating_kwh", "energie.fuel_oil_litres"}
)


def _pinned_heating(
    inputs: AssessmentInput, baseline: Result, fields: frozenset[str]
) -> AssessmentInput | None:
    """``inputs`` with the heating energy answered as its fixed default, or None."""
    group = "energie.heating_energy"
    if not fields & HEATING_FIELDS:
        return None
    if not any(ln.branch is not None and ln.branch.group == group for ln in baseline.lines):
        return None
    return inputs.with_overrides({"energie": {"heating_energy": baseline.effective_answers[group]}})


def _quantity(line: Line | None) -> float:
    return line.quantity if line is not None else 0.0


def _reference_data(result: Result) -> tuple[FactorSet, DefaultSet]:
    return load_factors(result.factors_version), load_defaults(result.defaults_version)


def current_values(
    inputs: AssessmentInput,
    result: Result,
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
) -> dict[str, Any]:
    """The value used for every question, expressed as an answer would be.

    Starts from ``result.effective_answers`` and the answers themselves, then fills in or
    corrects what the effective answers do not say in answer terms:

    * ``energie.electricity_kwh`` unanswered: estimated specific electricity plus estimated
      electric heating (a bill includes both), divided by the bill share;
    * ``energie.heating_kwh`` unanswered: the value that, read as a bill, gives the same
      emissions (gas bills are in kWh PCS, the default is in kWh PCI); for electric heating
      estimated from the surface, the electricity of heating (÷ COP for a heat pump);
    * ``deplacements_patients``: the zone's distance and car share
      (``defaults.patient_zones[result.patient_zone]``), the walking and cycling share of the
      EMP 2019 split of the non-car trips (an answered share capped at the non-car trips, as
      the engine does), no car-pooling;
    * ``visites_domicile.total_km_per_year``: the km of the rounds line;
    * ``trajets_domicile_travail.people``: the number of practitioners;
    * ``linge.wash_cycles_per_year``: the cycles of the washing line (the recorded default is
      a number of sessions per cycle);
    * ``froid.ac_charge_kg``: the AFCE charge of the appliance type;
    * ``profile.patient_zone``: the zone used (INSEE's zone of the commune if unanswered).
    """
    if factors is None or defaults is None:
        factors, defaults = _reference_data(result)
    values: dict[str, Any] = dict.fromkeys(schema_fields())
    values.update(result.effective_answers)
    for path in schema_fields():
        section, name = path.split(".")
        answer = getattr(getattr(inputs, section), name)
        if answer is not None:
            values[path] = answer
    values["profile.patient_zone"] = result.patient_zone

    e = inputs.energie
    heating = values["energie.heating_energy"]
    share = float(values["energie.bill_share_percent"] or 0) / 100
    electricity = _line(result, "energie", "electricite")
    electric_heating = _line(result, "energie", "chauffage_electrique")
    fuel = _line(result, "energie", "chauffage")
    if share > 0 and e.electricity_kwh is None:
        values["energie.electricity_kwh"] = (
            _quantity(electricity) + _quantity(electric_heating)
        ) / share
    if share > 0 and e.heating_kwh is None:
        fuel_oil_litres = heating == "fioul" and e.fuel_oil_litres is not None
        if heating in FUELS and fuel is not None and not fuel_oil_litres:
            bill_factor = factors[FUELS[heating][0]].value
            values["energie.heating_kwh"] = fuel.kgco2e / (bill_factor * share)
        elif heating in ELECTRIC_HEATING and e.electricity_kwh is None:
            values["energie.heating_kwh"] = _quantity(electric_heating) / share

    dp = inputs.deplacements_patients
    zone = defaults.patient_zones[result.patient_zone]
    if dp.survey_round_trip_km is None:
        values["deplacements_patients.survey_round_trip_km"] = zone_total_km(zone)
    car = dp.survey_car_percent if dp.survey_car_percent is not None else zone_car_share(zone) * 100
    values["deplacements_patients.survey_car_percent"] = float(car)
    if dp.survey_walk_bike_percent is None:
        split = defaults.non_car_split
        values["deplacements_patients.survey_walk_bike_percent"] = (100 - car) * (
            split["marche"] + split["velo"]
        )
    else:  # the engine caps walking and cycling at the trips not made by car
        values["deplacements_patients.survey_walk_bike_percent"] = min(
            dp.survey_walk_bike_percent, 100 - car
        )
    if dp.carpool_percent is None:
        values["deplacements_patients.carpool_percent"] = 0.0

    if inputs.visites_domicile.total_km_per_year is None:
        values["visites_domicile.total_km_per_year"] = _quantity(
            _line(result, "visites_domicile", "tournees")
        )
    if inputs.trajets_domicile_travail.people is None:
        values["trajets_domicile_travail.people"] = inputs.profile.practitioners
    if inputs.linge.wash_cycles_per_year is None:
        values["linge.wash_cycles_per_year"] = _quantity(_line(result, "linge", "lavage"))
    ac_type = values["froid.ac_type"]
    if inputs.froid.ac_charge_kg is None and ac_type in defaults.cooling_types:
        values["froid.ac_charge_kg"] = float(defaults.cooling_types[ac_type]["charge_kg"])
    return values


def derived_values(
    inputs: AssessmentInput,
    result: Result,
    values: Mapping[str, Any],
    *,
    factors: FactorSet | None = None,
    defaults: DefaultSet | None = None,
) -> dict[str, Any]:
    """The values an action reads as ``calc:name`` (see :data:`CALCS`)."""
    if factors is None or defaults is None:
        factors, defaults = _reference_data(result)
    e = inputs.energie
    heating = values["energie.heating_energy"]
    share = float(values["energie.bill_share_percent"] or 0) / 100
    fuel = _line(result, "energie", "chauffage")
    electric_line = _line(result, "energie", "chauffage_electrique")
    electricity_factor = factors[ELECTRICITY_BY_TERRITORY[result.territory]].value
    sessions = result.sessions
    home = float(values["profile.home_visit_percent"] or 0) / 100
    tele = float(values["profile.telehealth_percent"] or 0) / 100
    surface = float(values["profile.surface_m2"] or 0)

    heating_kwh_pci = 0.0
    if heating in FUELS and fuel is not None and share > 0:
        heating_kwh_pci = fuel.kgco2e / (factors[FUELS[heating][1]].value * share)
    electric_heating_kwh = 0.0
    if heating in ELECTRIC_HEATING and share > 0:
        if e.electricity_kwh is None:
            electric_heating_kwh = _quantity(electric_line) / share
        elif e.heating_kwh is not None:
            electric_heating_kwh = min(e.heating_kwh, e.electricity_kwh)
        else:  # ESTIMATION: the default need (÷ COP), at most the whole bill
            need = surface * float(defaults["heating_kwh_per_m2"].value)
            if heating == "pompe_a_chaleur":
                need /= float(defaults["heat_pump_cop"].value)
            electric_heating_kwh = min(need / share, e.electricity_kwh)
    heating_kgco2e = (fuel.kgco2e if fuel else 0.0) + (
        electric_line.kgco2e if electric_line else 0.0
    )
    if heating in ELECTRIC_HEATING and e.electricity_kwh is not None:
        heating_kgco2e += electric_heating_kwh * share * electricity_factor
    home_km = _quantity(_line(result, "visites_domicile", "tournees"))
    sessions_at_home = sessions * home
    return {
        "territory": result.territory,
        "overseas": result.territory in OVERSEAS,
        "tropical_overseas": result.territory in TROPICAL_OVERSEAS,
        "practitioners": float(result.practitioners),
        "sessions": sessions,
        "sessions_at_practice": sessions * (1 - home - tele),
        "sessions_at_home": sessions_at_home,
        "surface": surface,
        "bill_share": share,
        "heating_kind": (
            "combustible"
            if heating in FUELS
            else "electrique"
            if heating in ELECTRIC_HEATING
            else "aucun"
        ),
        "heating_kgco2e": heating_kgco2e,
        "heating_kwh_pci": heating_kwh_pci,
        "electric_heating_kwh": electric_heating_kwh,
        "specific_electricity_kwh": max(
            0.0, float(values["energie.electricity_kwh"] or 0) - electric_heating_kwh
        ),
        "patient_car_km": _quantity(_line(result, "deplacements_patients", "voiture"))
        + _quantity(_line(result, "deplacements_patients", "voiture_electrique")),
        "home_visit_km": home_km,
        "home_visit_km_per_visit": home_km / sessions_at_home if sessions_at_home > 0 else 0.0,
        "it_devices": sum(float(values[f"materiel.{f}"] or 0) for f in IT_DEVICES),
        "training_km": sum(
            float(values[f"deplacements_professionnels.{f}"] or 0)
            for f in ("train_km", "car_km", "plane_km")
        ),
    }


@dataclass(frozen=True)
class _State:
    inputs: AssessmentInput
    result: Result
    values: dict[str, Any]
    calcs: dict[str, Any]
    defaults: DefaultSet

    def answered(self, path: str) -> bool:
        section, name = path.split(".")
        return getattr(getattr(self.inputs, section), name) is not None


def _state(inputs: AssessmentInput, result: Result) -> _State:
    factors, defaults = _reference_data(result)
    values = current_values(inputs, result, factors=factors, defaults=defaults)
    calcs = derived_values(inputs, result, values, factors=factors, defaults=defaults)
    return _State(inputs, result, values, calcs, defaults)


# --- the interpreter -----------------------------------------------------------------------
class _Evaluator:
    def __init__(self, action: Action, state: _State, params: Mapping[str, float]):
        self.action = action
        self.state = state
        self.params = params

    def ref(self, ref: str) -> Any:
        prefix, _, name = ref.partition(":")
        if not name:
            return self.state.values.get(ref)
        if prefix == "param":
            return self.params[name]
        if prefix == "calc":
            return self.state.calcs[name]
        item = self.state.defaults[name]  # "default:"
        value = float(item.value)
        calcs = self.state.calcs
        scale = {
            "kine": calcs["practitioners"],
            "m2": calcs["surface"],
            "seance": calcs["sessions"],
            "seance_cabinet": calcs["sessions_at_practice"],
        }
        return value * scale.get(item.per, 1.0)

    def number(self, expr: Any) -> float:
        if isinstance(expr, str):
            value = self.ref(expr)
            return float(value) if value is not None else 0.0
        if not isinstance(expr, dict):
            return float(expr)
        ((node, arg),) = expr.items()
        if node == "complement":
            return 1.0 - self.number(arg)
        if node == "percent":
            return self.number(arg) / 100
        items = [self.number(a) for a in arg]
        if node == "sum":
            return math.fsum(items)
        if node == "product":
            return math.prod(items)
        if node == "min":
            return min(items)
        if node == "max":
            return max(items)
        if node == "difference":
            return items[0] - items[1]
        if items[1] == 0:  # quotient
            raise ActionError(f"Action « {self.action.id} » : division par zéro dans {expr!r}.")
        return items[0] / items[1]

    def test(self, cond: Any) -> bool:
        if "all" in cond:
            return all(self.test(c) for c in cond["all"])
        if "any" in cond:
            return any(self.test(c) for c in cond["any"])
        if "not" in cond:
            return not self.test(cond["not"])
        if "answered" in cond:
            return self.state.answered(cond["answered"])
        (op,) = set(cond) - {"value"}
        left, operand = self.ref(cond["value"]), cond[op]
        if op in _NUMERIC_COMPARISONS:
            if left is None or isinstance(left, str):
                return False
            right = self.number(operand)
            return {
                "gt": left > right,
                "ge": left >= right,
                "lt": left < right,
                "le": left <= right,
            }[op]
        if op == "eq":
            return left == operand
        if op == "ne":
            return left != operand
        if op == "in":
            return left in operand
        return left not in operand  # not_in

    def current(self, path: str) -> float:
        value = self.state.values.get(path)
        return float(value) if value is not None else 0.0

    def assignments(self, override: Override) -> dict[str, Any]:
        op, arg, target = override.op, override.arg, override.field
        if op == "scale_heating":
            return self.scale_heating(self.number(arg))
        assert target is not None
        spec = schema_fields()[target]
        if op == "set":
            if arg is None or spec.kind in ("choice", "bool"):
                return {target: arg}
            return {target: self.number(arg)}
        if op == "multiply":
            return {target: self.current(target) * self.number(arg)}
        if op == "add":
            return {target: self.current(target) + self.number(arg)}
        if op == "multiply_by_complement_of":
            return {target: self.current(target) * (1 - self.params[arg] / 100)}
        # move_share
        moved = self.current(target) * self.number(arg["percent"]) / 100
        return {target: self.current(target) - moved, arg["to"]: self.current(arg["to"]) + moved}

    def scale_heating(self, k: float) -> dict[str, Any]:
        e = self.state.inputs.energie
        heating = self.state.values["energie.heating_energy"]
        if heating in FUELS:
            if heating == "fioul" and e.heating_kwh is None and e.fuel_oil_litres is not None:
                return {"energie.fuel_oil_litres": e.fuel_oil_litres * k}
            return {"energie.heating_kwh": self.current("energie.heating_kwh") * k}
        if heating in ELECTRIC_HEATING:
            if e.electricity_kwh is None:
                return {"energie.heating_kwh": self.current("energie.heating_kwh") * k}
            heating_part = self.state.calcs["electric_heating_kwh"]
            return {"energie.electricity_kwh": e.electricity_kwh - (1 - k) * heating_part}
        return {}


def _finalise(path: str, value: Any) -> Any:
    spec = schema_fields()[path]
    if value is None or spec.kind not in ("number", "integer"):
        return value
    value = float(value)
    if spec.ge is not None:
        value = max(value, float(spec.ge))
    if spec.le is not None:
        value = min(value, float(spec.le))
    return round(value) if spec.kind == "integer" else value


def _repair_sums(inputs: AssessmentInput, changes: dict[str, Any]) -> None:
    """Keep the shares that must add up to at most 100 % valid (rounding noise only)."""

    def final(path: str) -> Any:
        if path in changes:
            return changes[path]
        section, name = path.split(".")
        return getattr(getattr(inputs, section), name)

    for first, second in (
        (
            "deplacements_patients.survey_car_percent",
            "deplacements_patients.survey_walk_bike_percent",
        ),
        ("profile.home_visit_percent", "profile.telehealth_percent"),
    ):
        a, b = final(first), final(second)
        if second in changes and a is not None and b is not None and a + b > 100:
            changes[second] = max(0.0, 100.0 - a)


def is_applicable(action: Action, inputs: AssessmentInput, result: Result) -> bool:
    """Whether ``action`` applies to the practice described by ``inputs`` and ``result``."""
    return _Evaluator(action, _state(inputs, result), {}).test(action.applicable_if)


def applicable_actions(
    inputs: AssessmentInput, result: Result, *, catalogue: ActionCatalogue | None = None
) -> list[Action]:
    """The actions of the catalogue that apply to this practice, in catalogue order."""
    catalogue = catalogue or load_actions()
    state = _state(inputs, result)
    return [a for a in catalogue if _Evaluator(a, state, {}).test(a.applicable_if)]


def _override_one(
    action: Action, state: _State, params: Mapping[str, float]
) -> tuple[AssessmentInput, dict[str, Any]]:
    evaluator = _Evaluator(action, state, params)
    changes: dict[str, Any] = {}
    for override in action.overrides:
        if override.only_if is not None and not evaluator.test(override.only_if):
            continue
        for path, value in evaluator.assignments(override).items():
            if path in changes:
                raise ReferenceDataError(
                    f"Action « {action.id} » : « {path} » modifiée deux fois (conditions "
                    "« only_if » non exclusives)."
                )
            changes[path] = _finalise(path, value)
    _repair_sums(state.inputs, changes)
    nested: dict[str, dict[str, Any]] = {}
    for path, value in changes.items():
        section, name = path.split(".")
        nested.setdefault(section, {})[name] = value
    try:
        return state.inputs.with_overrides(nested), changes
    except InputError as exc:
        raise ActionError(
            f"L'action « {action.title} » ({action.id}) donne des réponses invalides :\n{exc}"
        ) from None


def _validated_choices(
    choices: Iterable[tuple[str, Mapping[str, Any] | None]], catalogue: ActionCatalogue
) -> list[tuple[Action, dict[str, float]]]:
    validated: list[tuple[Action, dict[str, float]]] = []
    seen: set[str] = set()
    for choice in choices:
        if isinstance(choice, str):
            action_id, given = choice, None
        else:
            action_id, given = choice
        action = catalogue[action_id]
        if action_id in seen:
            raise ActionError(f"L'action « {action_id} » est choisie deux fois.")
        seen.add(action_id)
        params = action.default_parameters()
        for name, value in (given or {}).items():
            parameter = action.parameter(name)
            if not _is_number(value):
                raise ActionError(
                    f"« {parameter.label} » ({action.id}) : un nombre est attendu "
                    f"(valeur saisie : {value!r})."
                )
            if not parameter.min <= value <= parameter.max:
                raise ActionError(
                    f"« {parameter.label} » ({action.id}) doit être compris entre "
                    f"{parameter.min:g} et {parameter.max:g} {parameter.unit} "
                    f"(valeur saisie : {value:g})."
                )
            if parameter.integer and not float(value).is_integer():
                raise ActionError(
                    f"« {parameter.label} » ({action.id}) doit être un nombre entier "
                    f"(valeur saisie : {value:g})."
                )
            params[name] = float(value)
        validated.append((action, params))
    validated.sort(key=lambda pair: catalogue.index(pair[0].id))
    return validated


@dataclass(frozen=True)
class _Plan:
    inputs: AssessmentInput
    applied: tuple[tuple[str, dict[str, float]], ...]
    skipped: tuple[str, ...]
    fields: frozenset[str]


def _plan(
    inputs: AssessmentInput,
    result: Result,
    choices: Iterable[tuple[str, Mapping[str, Any] | None]],
    catalogue: ActionCatalogue,
) -> _Plan:
    validated = _validated_choices(choices, catalogue)
    baseline_state = _state(inputs, result)
    for action, params in validated:
        if not _Evaluator(action, baseline_state, params).test(action.applicable_if):
            raise ActionError(
                f"L'action « {action.title} » ({action.id}) ne s'applique pas à ce cabinet."
            )
    factors, defaults = _reference_data(result)
    current_inputs, state = inputs, baseline_state
    applied: list[tuple[str, dict[str, float]]] = []
    skipped: list[str] = []
    fields: set[str] = set()
    for action, params in validated:
        if applied:
            current_result = compute(
                current_inputs, factors=factors, defaults=defaults, shared=result.shared
            )
            state = _state(current_inputs, current_result)
            if not _Evaluator(action, state, params).test(action.applicable_if):
                skipped.append(action.id)
                continue
        current_inputs, changes = _override_one(action, state, params)
        fields.update(changes)
        applied.append((action.id, params))
    return _Plan(current_inputs, tuple(applied), tuple(skipped), frozenset(fields))


def apply_actions(
    inputs: AssessmentInput,
    result: Result,
    choices: Iterable[tuple[str, Mapping[str, Any] | None]],
    *,
    catalogue: ActionCatalogue | None = None,
) -> AssessmentInput:
    """The answers with the chosen actions applied: ``[(action_id, {param: value}), …]``.

    Raises :class:`ActionError` (a ``ValueError``, French message) for an unknown action or
    parameter, a parameter out of bounds, or an action that does not apply to the practice.
    """
    return _plan(inputs, result, choices, catalogue or load_actions()).inputs


# --- the simulator -------------------------------------------------------------------------
@dataclass(frozen=True)
class Simulation:
    """A scenario: the baseline, the same engine re-run on the overridden answers, the gain."""

    choices: tuple[tuple[str, dict[str, float]], ...]
    skipped: tuple[str, ...]
    baseline: Result
    scenario: Result
    scenario_inputs: AssessmentInput
    avoided_kgco2e: float
    avoided_per_session_kgco2e: float
    avoided_by_post: dict[str, float]
    avoided_interval_95: Interval | None = None
    avoided_per_session_interval_95: Interval | None = None
    draws: int = 0
    seed: int = 0
    overridden_fields: frozenset[str] = field(default_factory=frozenset)

    @property
    def avoided_tco2e(self) -> float:
        return self.avoided_kgco2e / 1000

    @property
    def avoided_share(self) -> float:
        """Avoided emissions as a share of the baseline total (0.1 = −10 %)."""
        total = self.baseline.total_kgco2e
        return self.avoided_kgco2e / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        def pair(value: Interval | None) -> list[float] | None:
            return value.as_list() if value else None

        return {
            "choices": [{"id": a, "parameters": p} for a, p in self.choices],
            "skipped": list(self.skipped),
            "baseline_kgco2e": self.baseline.total_kgco2e,
            "scenario_kgco2e": self.scenario.total_kgco2e,
            "avoided_kgco2e": self.avoided_kgco2e,
            "avoided_tco2e": self.avoided_tco2e,
            "avoided_share": self.avoided_share,
            "avoided_per_session_kgco2e": self.avoided_per_session_kgco2e,
            "avoided_interval_95": pair(self.avoided_interval_95),
            "avoided_per_session_interval_95": pair(self.avoided_per_session_interval_95),
            "avoided_by_post": dict(self.avoided_by_post),
            "monte_carlo": {"draws": self.draws, "seed": self.seed} if self.draws else None,
        }


def _simulate(
    inputs: AssessmentInput,
    baseline: Result,
    choices: Iterable[tuple[str, Mapping[str, Any] | None]],
    catalogue: ActionCatalogue,
    draws: int,
    seed: int,
) -> Simulation:
    plan = _plan(inputs, baseline, choices, catalogue)
    factors, defaults = _reference_data(baseline)
    pinned = _pinned_heating(inputs, baseline, plan.fields)
    if pinned is not None:
        baseline = compute(pinned, factors=factors, defaults=defaults, shared=baseline.shared)
        plan = _plan(pinned, baseline, choices, catalogue)
    # A member of a structure keeps its share of the shared premises in the scenario.
    scenario = compute(plan.inputs, factors=factors, defaults=defaults, shared=baseline.shared)
    avoided = baseline.total_kgco2e - scenario.total_kgco2e
    per_session = baseline.per_session_kgco2e - scenario.per_session_kgco2e
    by_post = {post.id: post.kgco2e - scenario.post(post.id).kgco2e for post in baseline.posts}
    total_interval = session_interval = None
    if draws > 0:
        samples = paired_samples(
            baseline, scenario, draws=draws, seed=seed, replaced_fields=plan.fields
        )
        total_interval = interval(samples.avoided)
        session_interval = interval(samples.avoided_per_session)
    return Simulation(
        choices=plan.applied,
        skipped=plan.skipped,
        baseline=baseline,
        scenario=scenario,
        scenario_inputs=plan.inputs,
        avoided_kgco2e=avoided,
        avoided_per_session_kgco2e=per_session,
        avoided_by_post=by_post,
        avoided_interval_95=total_interval,
        avoided_per_session_interval_95=session_interval,
        draws=draws,
        seed=seed,
        overridden_fields=plan.fields,
    )


def simulate(
    inputs: AssessmentInput,
    choices: Iterable[tuple[str, Mapping[str, Any] | None]],
    *,
    draws: int = 2000,
    seed: int = 0,
    baseline: Result | None = None,
    catalogue: ActionCatalogue | None = None,
) -> Simulation:
    """Simulate the chosen actions: baseline, scenario, avoided emissions and their interval.

    The scenario is :func:`compute` re-run on :func:`apply_actions`'s answers. The 95 %
    interval of the avoided emissions comes from paired draws
    (:func:`kineco2.engine.compare.paired_samples`); ``draws=0`` skips it.
    """
    baseline = baseline or compute(inputs)
    return _simulate(inputs, baseline, choices, catalogue or load_actions(), draws, seed)


@dataclass(frozen=True)
class RankedAction:
    """One action applied alone with its default parameters."""

    action: Action
    parameters: dict[str, float]
    avoided_kgco2e: float
    avoided_per_session_kgco2e: float
    avoided_share: float
    interval_95: Interval | None

    @property
    def avoided_tco2e(self) -> float:
        return self.avoided_kgco2e / 1000

    @property
    def interval_95_tco2e(self) -> tuple[float, float] | None:
        if self.interval_95 is None:
            return None
        return self.interval_95.low / 1000, self.interval_95.high / 1000

    @property
    def cost_level(self) -> str:
        return self.action.cost_level

    @property
    def effort(self) -> str:
        return self.action.effort

    @property
    def saving_eur_per_year(self) -> Saving | None:
        return self.action.saving_eur_per_year

    def to_dict(self) -> dict[str, Any]:
        saving = self.saving_eur_per_year
        return {
            "id": self.action.id,
            "title": self.action.title,
            "parameters": dict(self.parameters),
            "avoided_tco2e": self.avoided_tco2e,
            "avoided_interval_95_tco2e": list(self.interval_95_tco2e or ()) or None,
            "avoided_per_session_kgco2e": self.avoided_per_session_kgco2e,
            "avoided_share": self.avoided_share,
            "cost_level": self.cost_level,
            "effort": self.effort,
            "time_to_implement": self.action.time_to_implement,
            "saving_eur_per_year": dataclasses.asdict(saving) if saving else None,
        }


def rank_actions(
    inputs: AssessmentInput,
    result: Result,
    *,
    draws: int = 500,
    seed: int = 0,
    catalogue: ActionCatalogue | None = None,
) -> list[RankedAction]:
    """Every applicable action alone, default parameters, by avoided emissions (largest first)."""
    catalogue = catalogue or load_actions()
    ranked = []
    for action in applicable_actions(inputs, result, catalogue=catalogue):
        simulation = _simulate(inputs, result, [(action.id, None)], catalogue, draws, seed)
        ranked.append(
            RankedAction(
                action=action,
                parameters=action.default_parameters(),
                avoided_kgco2e=simulation.avoided_kgco2e,
                avoided_per_session_kgco2e=simulation.avoided_per_session_kgco2e,
                avoided_share=simulation.avoided_share,
                interval_95=simulation.avoided_interval_95,
            )
        )
    ranked.sort(key=lambda r: (-r.avoided_kgco2e, catalogue.index(r.action.id)))
    return ranked


# --- the national target -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    year: int
    kgco2e: float

    @property
    def tco2e(self) -> float:
        return self.kgco2e / 1000


def trajectory(
    baseline_kg: float, start_year: int, years: int = 10, rate: float = 0.05
) -> list[TrajectoryPoint]:
    """The target trajectory: −5 % a year from the baseline year (feuille de route de la
    planification écologique du système de santé, 2023 ; domain-research §6.2).

    ``years + 1`` points, from ``start_year`` (the baseline) to ``start_year + years``.
    """
    if not math.isfinite(baseline_kg) or baseline_kg < 0:
        raise ValueError(f"Le bilan de départ doit être un nombre positif ({baseline_kg!r}).")
    if not 0 <= rate < 1:
        raise ValueError(f"Le taux de baisse annuel doit être compris entre 0 et 1 ({rate!r}).")
    if years < 0:
        raise ValueError(f"Le nombre d'années doit être positif ({years!r}).")
    return [
        TrajectoryPoint(start_year + k, baseline_kg * (1 - rate) ** k) for k in range(years + 1)
    ]
