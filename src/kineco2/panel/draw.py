"""Transparent, reproducible stratified random draw of the practices of a panel campaign.

A regional union (URPS) collects candidate practices, publishes the candidates' hash, then a
public seed, and draws e.g. 10 practices in Île-de-France with quotas per stratum (zone,
size, mode…). Anybody can re-run the draw from the same three inputs (candidates, quotas,
seed) and must get the same result, in any language: the procedure below uses nothing but
SHA-256, UTF-8 JSON and sorting. It never uses Python's ``random`` module nor dictionary
order. ``docs/draw.md`` gives the same procedure in French, with a worked example.

Procedure (algorithm version ``1``)
-----------------------------------

1. **Normalisation.** Every text (id, region, stratum keys and values) is put in Unicode NFC
   and stripped of leading and trailing white space. Ids must be unique. A quota with an empty
   stratum is a region-level quota (``stratum = None``).
2. **Candidates hash.** The candidates are sorted by id (Unicode code point order, which is
   the byte order of UTF-8) and written as a JSON array of objects
   ``{"id": …, "region": …, "stratum": {…}}`` with sorted keys, no white space
   (separators ``,`` and ``:``) and non-ASCII characters written as is, encoded in UTF-8
   (:func:`canonical_candidates`). ``candidates_hash`` is the SHA-256 of these bytes, in
   lower-case hexadecimal.
3. **Draw key.** Each candidate's key is the lower-case hexadecimal SHA-256 of the UTF-8
   text ``"{ALGORITHM_VERSION}|{seed}|{candidates_hash}|{id}"``. The *ranking* is the list of
   candidates sorted by key (ascending; ties, which SHA-256 makes practically impossible,
   by id).
4. **Quota order.** Quotas are processed most specific first (more stratum keys first), then
   by region, then by stratum written as canonical JSON (both in code point order). Two
   quotas with the same region and stratum are refused. A candidate *matches* a quota when
   its region equals the quota's region and it has every ``key: value`` of the quota's
   stratum.
5. **Stratum places.** For each quota in that order, the candidates that match it and are
   not selected yet are taken in ranking order, up to the quota's count. A candidate is
   selected at most once, even if it matches several quotas.
6. **Shortfall rule (places carried to the region).** When a quota's stratum has fewer
   candidates left than its count, all of them are taken (step 5) and the missing places
   are carried to the region-level pool: once step 5 is done for *every* quota, each quota
   with missing places, in the same order, takes the candidates of the same region (any
   stratum) that are not selected yet, in ranking order. Places still missing after that
   are reported as a shortfall ``(quota, missing)``; nothing is drawn outside the region.
7. **Replacements.** For each quota, the ranked replacement list is the candidates of the
   region not selected, in ranking order: first those that match the quota's stratum, then
   (for a quota with a stratum) the other candidates of the region, which is where the
   shortfall rule would take a missing place. A practice that withdraws is replaced by the
   first candidate of its quota's list who has not already been called up.

``selected`` lists the selected ids in the order they were drawn: step 5 in quota order,
then the carried places of step 6 in quota order.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ALGORITHM_VERSION",
    "PROCEDURE",
    "SHORTFALL_RULE",
    "Candidate",
    "DrawInputError",
    "DrawResult",
    "Quota",
    "QuotaResult",
    "add_draw_command",
    "candidates_hash",
    "canonical_candidates",
    "draw",
    "draw_key",
    "load_candidates",
    "load_quotas",
]

ALGORITHM_VERSION = "1"

EXIT_INPUT = 2
STATUS_SELECTED = "tiré"
STATUS_REPLACEMENT = "remplaçant"
POOL_STRATUM = "strate"
POOL_REGION = "région"

PROCEDURE = (
    "Clé de tirage de chaque candidature : SHA-256 (hexadécimal, minuscules) du texte UTF-8 "
    "« version|graine|empreinte des candidatures|identifiant » ; les candidatures sont classées "
    "par clé croissante. Les quotas sont traités du plus spécifique (le plus de critères de "
    "strate) au moins spécifique, puis par région, puis par strate ; chaque quota prend, dans "
    "l'ordre des clés, les candidatures de sa région et de sa strate qui ne sont pas encore "
    "tirées. Une candidature n'est tirée qu'une fois."
)
SHORTFALL_RULE = (
    "Quand une strate compte moins de candidatures que son quota, toutes sont tirées et les "
    "places manquantes sont reportées sur la région : une fois toutes les strates tirées, "
    "chaque quota incomplet (dans le même ordre) prend, dans l'ordre des clés, les "
    "candidatures restantes de la même région, quelle que soit leur strate. S'il manque "
    "encore des places, le manque est signalé ; aucune candidature n'est prise hors de la "
    "région."
)


class DrawInputError(ValueError):
    """Bad input for a draw; ``str(error)`` is a French message for the user."""


def _text(value: Any, what: str) -> str:
    """A normalised text: NFC, stripped. Integers are accepted and written in decimal."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise DrawInputError(f"{what} : un texte est attendu (valeur lue : {value!r}).")
    return unicodedata.normalize("NFC", value).strip()


def _canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _stratum(value: Any, owner: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DrawInputError(
            f"{owner} : la strate doit être un ensemble « critère : valeur » "
            f"(valeur lue : {value!r})."
        )
    stratum: dict[str, str] = {}
    for raw_key, raw_value in value.items():
        key = _text(raw_key, f"{owner}, nom de critère")
        if not key:
            raise DrawInputError(f"{owner} : un critère de strate n'a pas de nom.")
        if key in stratum:
            raise DrawInputError(f"{owner} : le critère « {key} » est indiqué deux fois.")
        stratum[key] = _text(raw_value, f"{owner}, critère « {key} »")
    return dict(sorted(stratum.items()))


def _format_stratum(stratum: Mapping[str, str] | None) -> str:
    return "; ".join(f"{key}={value}" for key, value in sorted((stratum or {}).items()))


@dataclass(frozen=True, eq=True)
class Candidate:
    """A candidate practice: a unique id, its region and its stratum (``{"zone": "rural"}``)."""

    id: str
    region: str
    stratum: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ident = _text(self.id, "Identifiant de candidature")
        if not ident:
            raise DrawInputError("Une candidature n'a pas d'identifiant.")
        owner = f"Candidature « {ident} »"
        region = _text(self.region, f"{owner}, région")
        if not region:
            raise DrawInputError(f"{owner} : la région est manquante.")
        object.__setattr__(self, "id", ident)
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "stratum", _stratum(self.stratum, owner))

    __hash__ = None  # type: ignore[assignment]  # the stratum is a dict

    def matches(self, quota: Quota) -> bool:
        """True when the candidate is in the quota's region and has its whole stratum."""
        return self.region == quota.region and all(
            self.stratum.get(key) == value for key, value in (quota.stratum or {}).items()
        )

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "region": self.region, "stratum": dict(self.stratum)}


@dataclass(frozen=True, eq=True)
class Quota:
    """``count`` practices to draw in ``region`` among those of ``stratum`` (None: any)."""

    region: str
    stratum: dict[str, str] | None
    count: int

    def __post_init__(self) -> None:
        region = _text(self.region, "Quota, région")
        if not region:
            raise DrawInputError("Un quota n'indique pas sa région.")
        owner = f"Quota « {region} »"
        stratum = _stratum(self.stratum, owner) or None
        count = self.count
        if isinstance(count, bool) or not isinstance(count, int):
            raise DrawInputError(
                f"{owner} : le nombre de places doit être un entier (valeur lue : {count!r})."
            )
        if count < 0:
            raise DrawInputError(
                f"{owner} : le nombre de places ne peut pas être négatif (valeur lue : {count})."
            )
        object.__setattr__(self, "region", region)
        object.__setattr__(self, "stratum", stratum)

    __hash__ = None  # type: ignore[assignment]  # the stratum is a dict

    @property
    def specificity(self) -> int:
        return len(self.stratum or {})

    def sort_key(self) -> tuple[int, str, str]:
        """Processing order: most specific first, then region, then canonical stratum."""
        return (-self.specificity, self.region, _canonical_json(self.stratum or {}))

    @property
    def label(self) -> str:
        """French label: ``Île-de-France · zone=urbain`` or ``La Réunion · toute la région``."""
        return f"{self.region} · {_format_stratum(self.stratum) or 'toute la région'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "stratum": dict(self.stratum) if self.stratum else None,
            "count": self.count,
        }


def _check_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    items = list(candidates)
    seen: set[str] = set()
    for candidate in items:
        if not isinstance(candidate, Candidate):
            raise DrawInputError(f"Candidature invalide : {candidate!r}.")
        if candidate.id in seen:
            raise DrawInputError(
                f"L'identifiant « {candidate.id} » apparaît plusieurs fois dans les "
                "candidatures ; chaque candidature doit avoir un identifiant unique."
            )
        seen.add(candidate.id)
    return items


def canonical_candidates(candidates: Iterable[Candidate]) -> bytes:
    """The canonical UTF-8 JSON of the candidates (sorted by id, sorted keys, no spaces)."""
    items = sorted(_check_candidates(candidates), key=lambda c: c.id)
    return _canonical_json([c.to_dict() for c in items]).encode("utf-8")


def candidates_hash(candidates: Iterable[Candidate]) -> str:
    """SHA-256 (lower-case hex) of :func:`canonical_candidates`: publish it before the draw."""
    return hashlib.sha256(canonical_candidates(candidates)).hexdigest()


def draw_key(seed: str, hash_hex: str, candidate_id: str) -> str:
    """A candidate's draw key: SHA-256 of ``"{version}|{seed}|{hash}|{id}"`` (UTF-8)."""
    text = f"{ALGORITHM_VERSION}|{seed}|{hash_hex}|{candidate_id}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Replacement:
    id: str
    pool: str  # POOL_STRATUM or POOL_REGION
    key: str


@dataclass(frozen=True)
class QuotaResult:
    """What one quota got: stratum places, carried places, shortfall, replacements."""

    quota: Quota
    selected: tuple[str, ...]  # from the quota's own pool (stratum, or region if no stratum)
    carried: tuple[str, ...]  # missing stratum places drawn from the region pool
    shortfall: int  # places still missing
    replacements: tuple[Replacement, ...]

    @property
    def all_selected(self) -> tuple[str, ...]:
        return self.selected + self.carried


@dataclass(frozen=True)
class DrawResult:
    seed: str
    candidates_hash: str
    candidates: tuple[Candidate, ...]  # ranking: sorted by draw key
    keys: dict[str, str]
    quotas: tuple[QuotaResult, ...]  # in processing order
    selected: tuple[str, ...]  # in drawn order
    algorithm_version: str = ALGORITHM_VERSION
    rule: str = SHORTFALL_RULE

    @property
    def shortfalls(self) -> tuple[tuple[Quota, int], ...]:
        return tuple((q.quota, q.shortfall) for q in self.quotas if q.shortfall)

    def candidate(self, candidate_id: str) -> Candidate:
        return next(c for c in self.candidates if c.id == candidate_id)

    def to_dict(self) -> dict[str, Any]:
        def entry(candidate_id: str) -> dict[str, str]:
            return {"id": candidate_id, "key": self.keys[candidate_id]}

        return {
            "algorithm_version": self.algorithm_version,
            "seed": self.seed,
            "candidates_hash": self.candidates_hash,
            "candidates_count": len(self.candidates),
            "procedure": PROCEDURE,
            "rule": self.rule,
            "quotas": [q.quota.to_dict() for q in self.quotas],
            "selected": list(self.selected),
            "selections": [
                {
                    "quota": q.quota.to_dict(),
                    "selected": [entry(i) for i in q.selected],
                    "carried": [entry(i) for i in q.carried],
                    "shortfall": q.shortfall,
                    "replacements": [
                        {"id": r.id, "pool": r.pool, "key": r.key} for r in q.replacements
                    ],
                }
                for q in self.quotas
            ],
            "shortfalls": [
                {"quota": quota.to_dict(), "missing": missing} for quota, missing in self.shortfalls
            ],
            "ranking": [
                {"id": c.id, "region": c.region, "key": self.keys[c.id]} for c in self.candidates
            ],
        }

    def to_csv(self) -> str:
        """One row per selected practice and replacement, quota by quota (French headers).

        ``rang`` counts within the quota and the status; ``vivier`` says whether the
        practice came from the quota's stratum or from the region pool.
        """
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "rang",
                "identifiant",
                "région",
                "strate",
                "statut",
                "clé de tirage",
                "quota",
                "vivier",
            ]
        )
        for q in self.quotas:
            own_pool = POOL_STRATUM if q.quota.stratum else POOL_REGION
            rows = [(i, STATUS_SELECTED, own_pool) for i in q.selected]
            rows += [(i, STATUS_SELECTED, POOL_REGION) for i in q.carried]
            rank = {STATUS_SELECTED: 0, STATUS_REPLACEMENT: 0}
            rows += [(r.id, STATUS_REPLACEMENT, r.pool) for r in q.replacements]
            for candidate_id, status, pool in rows:
                rank[status] += 1
                candidate = self.candidate(candidate_id)
                writer.writerow(
                    [
                        rank[status],
                        candidate_id,
                        candidate.region,
                        _format_stratum(candidate.stratum),
                        status,
                        self.keys[candidate_id],
                        q.quota.label,
                        pool,
                    ]
                )
        return out.getvalue()

    def to_table(self) -> str:
        """A French plain-text report of the draw."""
        lines = [
            f"Tirage au sort stratifié — algorithme version {self.algorithm_version}",
            f"Graine : {self.seed}",
            f"Empreinte des candidatures (SHA-256) : {self.candidates_hash}",
            f"Candidatures : {len(self.candidates)} ; cabinets tirés : {len(self.selected)}",
        ]
        for q in self.quotas:
            quota = q.quota
            places = "place" if quota.count == 1 else "places"
            lines += ["", f"{quota.label} : {quota.count} {places}"]
            for number, candidate_id in enumerate(q.all_selected, start=1):
                carried = " (place reportée sur la région)" if candidate_id in q.carried else ""
                lines.append(
                    f"  {number:>2}. {candidate_id}  [{_format_stratum(self.candidate(candidate_id).stratum)}]"
                    f"  clé {self.keys[candidate_id][:12]}…{carried}"
                )
            if q.shortfall:
                lines.append(f"  Manque : {q.shortfall} (pas assez de candidatures dans la région)")
            if q.replacements:
                shown = ", ".join(r.id for r in q.replacements[:10])
                more = len(q.replacements) - 10
                suffix = f" (+ {more})" if more > 0 else ""
                lines.append(f"  Remplaçants, dans l'ordre : {shown}{suffix}")
            else:
                lines.append("  Remplaçants : aucun")
        lines += ["", f"Règle en cas de manque : {self.rule}"]
        return "\n".join(lines)


def _check_seed(seed: Any) -> str:
    if not isinstance(seed, str) or not seed.strip():
        raise DrawInputError(
            "La graine du tirage est vide : indiquez la graine publiée (par exemple les numéros "
            "d'un tirage public ou la date et l'heure de la séance)."
        )
    return seed


def _check_quotas(quotas: Iterable[Quota], candidates: list[Candidate]) -> list[Quota]:
    items = list(quotas)
    known_keys = {key for c in candidates for key in c.stratum}
    seen: set[tuple[str, str]] = set()
    for quota in items:
        if not isinstance(quota, Quota):
            raise DrawInputError(f"Quota invalide : {quota!r}.")
        ident = (quota.region, _canonical_json(quota.stratum or {}))
        if ident in seen:
            raise DrawInputError(
                f"Le quota « {quota.label} » est indiqué deux fois : réunissez ses places."
            )
        seen.add(ident)
        unknown = sorted(set(quota.stratum or {}) - known_keys)
        if unknown:
            raise DrawInputError(
                f"Quota « {quota.label} » : critère de strate inconnu « {unknown[0]} » "
                f"(critères des candidatures : {', '.join(sorted(known_keys)) or 'aucun'})."
            )
    return items


def draw(candidates: Iterable[Candidate], quotas: Iterable[Quota], seed: str) -> DrawResult:
    """Run the documented draw (see the module docstring). Raises :class:`DrawInputError`."""
    seed = _check_seed(seed)
    items = _check_candidates(candidates)
    ordered_quotas = sorted(_check_quotas(quotas, items), key=Quota.sort_key)
    hash_hex = candidates_hash(items)
    keys = {c.id: draw_key(seed, hash_hex, c.id) for c in items}
    ranking = sorted(items, key=lambda c: (keys[c.id], c.id))

    taken: set[str] = set()
    selected_order: list[str] = []

    def take(pool: Iterable[Candidate], count: int) -> list[str]:
        picked: list[str] = []
        for candidate in pool:
            if len(picked) >= count:
                break
            if candidate.id not in taken:
                taken.add(candidate.id)
                picked.append(candidate.id)
        selected_order.extend(picked)
        return picked

    own = [take((c for c in ranking if c.matches(q)), q.count) for q in ordered_quotas]
    carried = [
        take((c for c in ranking if c.region == q.region), q.count - len(picked))
        for q, picked in zip(ordered_quotas, own, strict=True)
    ]

    results = []
    for quota, picked, extra in zip(ordered_quotas, own, carried, strict=True):
        replacements = [
            Replacement(c.id, POOL_STRATUM if quota.stratum else POOL_REGION, keys[c.id])
            for c in ranking
            if c.id not in taken and c.matches(quota)
        ]
        if quota.stratum:
            replacements += [
                Replacement(c.id, POOL_REGION, keys[c.id])
                for c in ranking
                if c.id not in taken and c.region == quota.region and not c.matches(quota)
            ]
        results.append(
            QuotaResult(
                quota=quota,
                selected=tuple(picked),
                carried=tuple(extra),
                shortfall=quota.count - len(picked) - len(extra),
                replacements=tuple(replacements),
            )
        )
    return DrawResult(
        seed=seed,
        candidates_hash=hash_hex,
        candidates=tuple(ranking),
        keys=keys,
        quotas=tuple(results),
        selected=tuple(selected_order),
    )


# --- files ---------------------------------------------------------------------------------

_ID_COLUMNS = {"id", "identifiant"}
_REGION_COLUMNS = {"region", "région"}


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DrawInputError(f"Fichier introuvable : « {path} ».") from None
    except UnicodeDecodeError:
        raise DrawInputError(
            f"« {path} » n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 »."
        ) from None
    except OSError as exc:
        raise DrawInputError(f"Impossible de lire « {path} » : {exc.strerror or exc}.") from None


def _candidates_from_csv(text: str, path: str) -> list[Candidate]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [
        (number, row) for number, row in enumerate(rows, start=1) if any(c.strip() for c in row)
    ]
    if not rows:
        raise DrawInputError(f"« {path} » est vide : aucune candidature.")
    header_line, header = rows[0]
    names = [unicodedata.normalize("NFC", name).strip() for name in header]
    lowered = [name.lower() for name in names]
    for index, name in enumerate(names):
        if not name:
            raise DrawInputError(
                f"« {path} », ligne {header_line} : la colonne {index + 1} n'a pas de nom."
            )
        if lowered.index(name.lower()) != index:
            raise DrawInputError(f"« {path} » : la colonne « {name} » apparaît deux fois.")
    id_column = next((i for i, name in enumerate(lowered) if name in _ID_COLUMNS), None)
    region_column = next((i for i, name in enumerate(lowered) if name in _REGION_COLUMNS), None)
    for column, name in ((id_column, "id"), (region_column, "region")):
        if column is None:
            raise DrawInputError(
                f"« {path} » : colonne « {name} » manquante (colonnes trouvées : "
                f"{', '.join(names)}). Colonnes attendues : id, region, puis une colonne par "
                "critère de strate (zone, size, mode…)."
            )
    strata = [i for i in range(len(names)) if i not in (id_column, region_column)]
    candidates = []
    for number, row in rows[1:]:
        if len(row) != len(names):
            raise DrawInputError(
                f"« {path} », ligne {number} : {len(row)} valeurs pour {len(names)} colonnes."
            )
        try:
            candidates.append(
                Candidate(row[id_column], row[region_column], {names[i]: row[i] for i in strata})
            )
        except DrawInputError as exc:
            raise DrawInputError(f"« {path} », ligne {number} : {exc}") from None
    if not candidates:
        raise DrawInputError(f"« {path} » ne contient aucune candidature.")
    return candidates


def _candidates_from_json(text: str, path: str) -> list[Candidate]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DrawInputError(f"« {path} » n'est pas un fichier JSON valide : {exc}.") from None
    if isinstance(data, dict) and "candidates" in data:
        data = data["candidates"]
    if not isinstance(data, list) or not data:
        raise DrawInputError(
            f"« {path} » doit contenir une liste non vide de candidatures "
            '({"id": …, "region": …, "stratum": {…}}).'
        )
    candidates = []
    for number, item in enumerate(data, start=1):
        where = f"« {path} », candidature n° {number}"
        if not isinstance(item, dict):
            raise DrawInputError(f"{where} : un objet est attendu.")
        for name in ("id", "region"):
            if name not in item:
                raise DrawInputError(f"{where} : champ « {name} » manquant.")
        stratum = item.get("stratum")
        if "stratum" not in item:
            stratum = {k: v for k, v in item.items() if k not in ("id", "region")}
        elif set(item) - {"id", "region", "stratum"}:
            extra = sorted(set(item) - {"id", "region", "stratum"})[0]
            raise DrawInputError(f"{where} : champ inconnu « {extra} ».")
        try:
            candidates.append(Candidate(item["id"], item["region"], stratum))
        except DrawInputError as exc:
            raise DrawInputError(f"{where} : {exc}") from None
    return candidates


def load_candidates(path: str) -> list[Candidate]:
    """Read candidates from a CSV (id, region, one column per stratum key) or JSON file."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".json"):
        raise DrawInputError(
            f"« {path} » : format non reconnu ; les candidatures doivent être un fichier .csv "
            "ou .json."
        )
    text = _read_text(path)
    if suffix == ".csv":
        candidates = _candidates_from_csv(text, path)
    else:
        candidates = _candidates_from_json(text, path)
    _check_candidates(candidates)
    return candidates


def load_quotas(path: str) -> list[Quota]:
    """Read quotas from a YAML (or JSON) list of ``{region, count, stratum}``."""
    text = _read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DrawInputError(f"« {path} » n'est pas un fichier YAML valide : {exc}") from None
    if isinstance(data, dict) and "quotas" in data:
        data = data["quotas"]
    if not isinstance(data, list) or not data:
        raise DrawInputError(
            f"« {path} » doit contenir une liste non vide de quotas "
            "(- region: …, count: …, stratum: {…})."
        )
    quotas = []
    for number, item in enumerate(data, start=1):
        where = f"« {path} », quota n° {number}"
        if not isinstance(item, dict):
            raise DrawInputError(f"{where} : un objet (region, count, stratum) est attendu.")
        for name in ("region", "count"):
            if name not in item:
                raise DrawInputError(f"{where} : champ « {name} » manquant.")
        extra = sorted(set(item) - {"region", "count", "stratum"}, key=str)
        if extra:
            raise DrawInputError(
                f"{where} : champ inconnu « {extra[0]} » (champs possibles : region, count, "
                "stratum)."
            )
        try:
            quotas.append(Quota(item["region"], item.get("stratum"), item["count"]))
        except DrawInputError as exc:
            raise DrawInputError(f"{where} : {exc}") from None
    return quotas


# --- command line ----------------------------------------------------------------------------


def cmd_draw(args: argparse.Namespace) -> int:
    """``kineco2 draw``: print the draw; French message and exit code 2 on bad input."""
    try:
        seed = _check_seed(args.seed)
        candidates = load_candidates(args.candidates)
        quotas = load_quotas(args.quotas)
        if args.expected_hash is not None:
            expected = args.expected_hash.strip().lower()
            actual = candidates_hash(candidates)
            if expected != actual:
                raise DrawInputError(
                    f"L'empreinte des candidatures de « {args.candidates} » ({actual}) ne "
                    f"correspond pas à l'empreinte attendue ({expected}) : le fichier n'est pas "
                    "celui du tirage publié. Tirage refusé."
                )
        result = draw(candidates, quotas, seed)
    except DrawInputError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        sys.stdout.write(result.to_csv())
    else:
        print(result.to_table())
    return 0


def add_draw_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``draw`` on the ``kineco2`` command's subparsers."""
    parser = subparsers.add_parser(
        "draw",
        help="tirage au sort stratifié et reproductible des cabinets d'un panel",
        description=(
            "Tire au sort les cabinets d'un panel parmi les candidatures, avec des quotas par "
            "strate. Même fichier, mêmes quotas, même graine : même tirage, pour tout le monde. "
            + PROCEDURE
        ),
    )
    parser.add_argument(
        "candidates",
        metavar="CANDIDATURES",
        help="fichier .csv (colonnes id, region, puis une par critère) ou .json",
    )
    parser.add_argument(
        "--quotas", required=True, help="fichier YAML des quotas (region, count, stratum)"
    )
    parser.add_argument("--seed", required=True, help="graine publique du tirage (un texte)")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
    parser.add_argument(
        "--expected-hash",
        default=None,
        metavar="EMPREINTE",
        help="empreinte SHA-256 publiée des candidatures : refuse le tirage si elle diffère",
    )
    parser.set_defaults(func=cmd_draw)
    return parser
