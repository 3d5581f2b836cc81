"""Registry of methodology versions and their status: which version new assessments use.

A *methodology version* is a factor file (``data/factors/<v>.csv``) and a defaults file
(``data/defaults/<d>.yaml``). ``data/versions.yaml`` gives each version its status:

* ``brouillon`` — a draft under review: loadable by name, never used by default;
* ``publiee`` — released: the newest published version is the one new assessments use;
* ``retiree`` — withdrawn: stored results keep it (still loadable), nothing new uses it.

A factor file shipped without an entry counts as published (files released before the
registry). :func:`current_version` is what :func:`kineco2.engine.factors.latest_version` and
:func:`kineco2.engine.defaults.latest_version` return, so a draft written next to the released
files never becomes the default by accident. Pure Python, no Django.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from kineco2.engine import datacache
from kineco2.engine.errors import ReferenceDataError

__all__ = [
    "REGISTRY",
    "STATUSES",
    "VersionEntry",
    "current_version",
    "load_registry",
    "methodology_sets",
    "register_draft",
]

REGISTRY = Path(__file__).parent / "data" / "versions.yaml"
STATUSES = {"brouillon": "brouillon", "publiee": "publiée", "retiree": "retirée"}
_VERSION = re.compile(r"^\d{4}\.\d+$")


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


@dataclass(frozen=True, slots=True)
class VersionEntry:
    version: str
    status: str
    factors: str
    defaults: str
    summary: str = ""
    registered: bool = True  # False: a shipped file without an entry (counts as published)

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def is_published(self) -> bool:
        return self.status == "publiee"


def _shipped(directory: Path, suffix: str) -> list[str]:
    return [p.stem for p in directory.glob(f"*.{suffix}") if _VERSION.match(p.stem)]


def _defaults_for(version: str, defaults: list[str]) -> str:
    """The defaults file of a factor version: same number, else the newest older one."""
    if version in defaults:
        return version
    older = [d for d in defaults if version_key(d) <= version_key(version)]
    return max(older, key=version_key) if older else ""


def parse_registry(raw: dict, factors: list[str], defaults: list[str]) -> dict[str, VersionEntry]:
    problems: list[str] = []
    entries: dict[str, VersionEntry] = {}
    for index, item in enumerate((raw or {}).get("versions") or [], start=1):
        if not isinstance(item, dict):
            problems.append(f"entrée {index} illisible")
            continue
        version = str(item.get("version", ""))
        status = str(item.get("status", ""))
        if not _VERSION.match(version):
            problems.append(f"entrée {index} : version invalide « {version} »")
            continue
        if version in entries:
            problems.append(f"version {version} en double")
        if status not in STATUSES:
            problems.append(
                f"version {version} : statut « {status} » inconnu (attendu : {', '.join(STATUSES)})"
            )
            continue
        entries[version] = VersionEntry(
            version=version,
            status=status,
            factors=str(item.get("factors") or version),
            defaults=str(item.get("defaults") or _defaults_for(version, defaults)),
            summary=str(item.get("summary") or "").strip(),
        )
    for version in factors:
        if version not in entries:
            entries[version] = VersionEntry(
                version=version,
                status="publiee",
                factors=version,
                defaults=_defaults_for(version, defaults),
                registered=False,
            )
    for entry in entries.values():
        if entry.factors not in factors:
            problems.append(f"version {entry.version} : fichier de facteurs {entry.factors} absent")
        if entry.defaults not in defaults:
            problems.append(
                f"version {entry.version} : valeurs par défaut « {entry.defaults} » absentes"
            )
    if problems:
        raise ReferenceDataError(
            "Registre des versions de la méthode invalide :\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return dict(sorted(entries.items(), key=lambda kv: version_key(kv[0])))


@cache
def _load(path: str, mtime: float, factors: tuple[str, ...], defaults: tuple[str, ...]):
    raw = datacache.load_yaml(path) or {}
    return parse_registry(raw, list(factors), list(defaults))


#: How long a read of the registry and of the shipped files is reused (seconds): every
#: bilan asks which version is current, and listing the data directories costs more than
#: computing a bilan. A new or edited file is seen within this delay.
REGISTRY_TTL_SECONDS = 5.0
_recent: dict[Path, tuple[float, dict[str, VersionEntry]]] = {}


def load_registry(path: Path = REGISTRY) -> dict[str, VersionEntry]:
    """Every methodology version, oldest first (re-read when the files change, within
    :data:`REGISTRY_TTL_SECONDS`).

    The files are looked up beside the registry: ``factors/*.csv`` and ``defaults/*.yaml``.
    """
    now = time.monotonic()
    recent = _recent.get(path)
    if recent is not None and now - recent[0] < REGISTRY_TTL_SECONDS:
        return recent[1]
    registry = _read_registry(path)
    _recent[path] = (now, registry)
    return registry


def _read_registry(path: Path) -> dict[str, VersionEntry]:
    factors = tuple(sorted(_shipped(path.parent / "factors", "csv")))
    defaults = tuple(sorted(_shipped(path.parent / "defaults", "yaml")))
    if not path.exists():
        return parse_registry({}, list(factors), list(defaults))
    return _load(str(path), path.stat().st_mtime, factors, defaults)


def entry(version: str, path: Path = REGISTRY) -> VersionEntry:
    registry = load_registry(path)
    try:
        return registry[version]
    except KeyError:
        raise ReferenceDataError(
            f"Version de la méthode inconnue : « {version} ». Versions : {', '.join(registry)}."
        ) from None


def current_version(path: Path = REGISTRY) -> VersionEntry:
    """The newest published version: the one new assessments use."""
    published = [e for e in load_registry(path).values() if e.is_published]
    if not published:
        raise ReferenceDataError("Aucune version publiée de la méthode dans le registre.")
    return published[-1]


def methodology_sets(version: str, path: Path = REGISTRY):
    """(FactorSet, DefaultSet) of a methodology version of the registry at ``path``."""
    import csv

    from kineco2.engine.defaults import load_defaults, parse_defaults
    from kineco2.engine.factors import load_factors, parse_factor_rows

    item = entry(version, path)
    if path == REGISTRY:
        return load_factors(item.factors), load_defaults(item.defaults)
    factor_file = path.parent / "factors" / f"{item.factors}.csv"
    with factor_file.open(encoding="utf-8", newline="") as handle:
        factors = parse_factor_rows(list(csv.DictReader(handle)), item.factors)
    defaults_file = path.parent / "defaults" / f"{item.defaults}.yaml"
    with defaults_file.open(encoding="utf-8") as handle:
        defaults = parse_defaults(yaml.safe_load(handle))
    return factors, defaults


def register_draft(version: str, *, defaults: str, summary: str, path: Path = REGISTRY) -> None:
    """Append a ``brouillon`` entry for ``version`` (refused if the version is registered)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "versions:\n"
    raw = yaml.safe_load(text) or {}
    if any(str(item.get("version")) == version for item in raw.get("versions") or []):
        raise ReferenceDataError(f"La version {version} est déjà dans le registre.")
    block = yaml.safe_dump(
        [
            {
                "version": version,
                "status": "brouillon",
                "factors": version,
                "defaults": defaults,
                "summary": summary,
            }
        ],
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    if not text.endswith("\n"):
        text += "\n"
    text += "".join(f"  {line}\n" for line in block.splitlines())
    path.write_text(text, encoding="utf-8")
    _recent.pop(path, None)  # seen at once by this process
