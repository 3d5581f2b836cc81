"""Command line: ``kineco2 compute | schema | factors [check | new-version | diff] | draw``.

A thin layer over the engine: the same input schema and the same computation as the web
application and the API. Bad input prints a French message naming the field and what is
allowed, and exits with code 2 (never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from kineco2 import dataclasscache, regexcache

# The imports below compile regular expressions and dataclass methods: from the code an
# earlier run compiled when it is in the cache (kineco2.regexcache, kineco2.dataclasscache).
regexcache.seed()
with dataclasscache.installed():
    import yaml

    from kineco2.engine import compute, parse_input, yamlfile
    from kineco2.engine.errors import EngineError, InputError
    from kineco2.engine.factors import QUALITIES, load_factors
    from kineco2.engine.formatting import format_number, format_percent
    from kineco2.engine.geography import PATIENT_ZONES
    from kineco2.engine.result import Result
    from kineco2.engine.schema import json_schema

EXIT_INPUT = 2


class CliError(Exception):
    """A user error: printed in French, exit code 2."""


def read_answers(path: str) -> dict[str, Any]:
    """Read a YAML or JSON answers file (``-`` for standard input)."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"Fichier introuvable : « {path} ».") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"Impossible de lire « {path} » : {exc}.") from None
    try:
        if path.endswith(".json"):
            import json

            data = json.loads(text)
        else:
            data = yamlfile.safe_load(text)
    except Exception as exc:
        if not isinstance(exc, _syntax_errors()):
            raise
        raise CliError(f"« {path} » n'est pas un fichier YAML ou JSON valide : {exc}") from None
    if not isinstance(data, dict):
        raise CliError(f"« {path} » doit contenir un objet avec une section « profile ».")
    return data


def _syntax_errors() -> tuple[type[Exception], ...]:
    """What a malformed answers file raises (:mod:`json` is imported only when used: a
    ``compute`` of a YAML file printing a table does not need it, ≈ 1 ms)."""
    import json

    return (json.JSONDecodeError, yaml.YAMLError)


def render_table(result: Result) -> str:
    """The French table of the ``compute`` command."""
    sp = " "  # plain spaces in a terminal
    rows = [("Poste", "t CO2e", "Part", "Intervalle à 95 %")]
    unc = result.uncertainty
    for post in result.posts:
        interval = ""
        if post.interval_95 is not None:
            interval = (
                f"{format_number(post.interval_95.low / 1000, 2, thousands=sp)} – "
                f"{format_number(post.interval_95.high / 1000, 2, thousands=sp)}"
            )
        rows.append(
            (
                post.label,
                format_number(post.kgco2e / 1000, 2, thousands=sp),
                format_percent(post.share).replace("\u00a0", " "),
                interval,
            )
        )
    total_interval = ""
    if unc is not None:
        total_interval = (
            f"{format_number(unc.total.low / 1000, 2, thousands=sp)} – "
            f"{format_number(unc.total.high / 1000, 2, thousands=sp)}"
        )
    rows.append(
        (
            "Total",
            format_number(result.total_kgco2e / 1000, 2, thousands=sp),
            "100 %",
            total_interval,
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1, 2, 3)]
        out.append("  ".join(cells).rstrip())
        if index == 0 or index == len(rows) - 2:
            out.append("-" * (sum(widths) + 6))
    per_session = f"{format_number(result.per_session_kgco2e, 2, thousands=sp)} kg CO2e par séance"
    if unc is not None:
        per_session += (
            f" (intervalle à 95 % : {format_number(unc.per_session.low, 2)} – "
            f"{format_number(unc.per_session.high, 2)})"
        )
    out += [
        "",
        per_session,
        f"{format_number(result.per_practitioner_kgco2e / 1000, 2, thousands=sp)} t CO2e par kiné",
        f"{format_number(result.sessions, 0, thousands=sp)} séances par an ; commune : "
        f"{result.commune_name}",
        f"Zone des patients : {PATIENT_ZONES.get(result.patient_zone, result.patient_zone)} "
        f"({result.patient_zone_origin_label}).",
        f"Facteurs version {result.factors_version}, valeurs par défaut {result.defaults_version}, "
        f"schéma {result.schema_version}.",
        "Chiffres : valeurs centrales (somme des lignes de calcul)"
        + (
            f" ; médiane des tirages : {format_number(unc.total.median / 1000, 2, thousands=sp)} "
            "t CO2e, pour information."
            if unc is not None
            else "."
        ),
    ]
    if result.precision_hints:
        out.append("")
        out.append("Ce qui rendrait votre bilan plus précis :")
        for hint in result.precision_hints:
            out.append(
                f"  - {hint.label} ({format_percent(hint.share_of_variance)} de la variance)".replace(
                    "\u00a0", " "
                )
            )
    for note in result.notes:
        out.append(f"Note : {note}")
    return "\n".join(out)


def cmd_compute(args: argparse.Namespace) -> int:
    data = read_answers(args.file)
    from kineco2.engine import validatorcache

    validatorcache.install()  # the schema's validators, compiled at an earlier run
    inputs = parse_input(data)
    result = compute(inputs, draws=args.draws, seed=args.seed)
    if args.format == "json":
        import json

        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_table(result))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_factors(args: argparse.Namespace) -> int:
    factors = load_factors(args.version)
    if args.format == "json":
        import json

        rows = [
            {
                "id": f.id,
                "kind": f.kind,
                "label": f.label,
                "value": f.value,
                "unit": f.unit,
                "uncertainty_pct": f.uncertainty_pct,
                "quality": f.quality,
                "source": f.source,
                "year": f.year,
            }
            for f in factors.values()
        ]
        print(
            json.dumps({"version": factors.version, "factors": rows}, ensure_ascii=False, indent=2)
        )
        return 0
    print(f"Facteurs d'émission, version {factors.version} ({len(factors)} facteurs)\n")
    for factor in factors.values():
        flag = (
            "" if factor.quality in ("publie", "secondaire") else f" [{QUALITIES[factor.quality]}]"
        )
        print(f"{factor.id} — {factor.label}{flag}")
        print(
            f"    {format_number(factor.value, 4, thousands=' ').rstrip('0').rstrip(',')} "
            f"{factor.unit} ± {format_number(factor.uncertainty_pct, 0)} % ({factor.year})"
        )
        print(f"    Source : {factor.source}")
    return 0


#: Commands whose run builds the lean parser (see :func:`build_parser`).
LEAN_COMMANDS = ("compute", "schema")


def build_parser(*, lean: bool = False) -> argparse.ArgumentParser:
    """The ``kineco2`` command line. ``lean``: only ``compute`` and ``schema``, for a run of
    one of them (``main()`` knows from the first word): the parsing of their arguments is the
    same, without importing the modules of the other commands (≈ 6 ms at every start)."""
    parser = argparse.ArgumentParser(
        prog="kineco2", description="Bilan carbone d'un cabinet de kinésithérapie."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_compute = sub.add_parser("compute", help="calcule le bilan d'un fichier de réponses")
    p_compute.add_argument("file", help="fichier YAML ou JSON de réponses (- : entrée standard)")
    p_compute.add_argument("--format", choices=("table", "json"), default="table")
    p_compute.add_argument(
        "--draws", type=int, default=10_000, help="tirages Monte Carlo (0 : pas d'intervalle)"
    )
    p_compute.add_argument("--seed", type=int, default=0, help="graine du tirage aléatoire")
    p_compute.set_defaults(func=cmd_compute)
    p_schema = sub.add_parser("schema", help="affiche le schéma JSON des réponses")
    p_schema.set_defaults(func=cmd_schema)
    if lean:
        return parser
    p_factors = sub.add_parser("factors", help="liste les facteurs d'émission et leurs sources")
    p_factors.add_argument("--version", default=None)
    p_factors.add_argument("--format", choices=("table", "json"), default="table")
    p_factors.set_defaults(func=cmd_factors)
    from kineco2.factors_cli import add_factors_subcommands

    add_factors_subcommands(p_factors)
    try:
        from kineco2.panel.draw import add_draw_command
    except ImportError:
        pass
    else:
        add_draw_command(sub)
    return parser


#: Settings of this process that only make it start faster, never change a figure:
#: - one BLAS thread: the Monte Carlo's matrix products are small; OpenBLAS's extra thread
#:   only spins (same figures, bit for bit; ≈ 0,1 s of CPU less per run). Read by OpenBLAS
#:   when numpy is first imported, as in ``kineco2/wsgi.py``;
#: - no search for pydantic plugins: listing the entry points of every installed package
#:   costs ≈ 30 ms when the answers' validator is built; plugins only observe validation.
#: A value already set in the environment is kept.
LEAN_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "PYDANTIC_DISABLE_PLUGINS": "__all__"}


@contextlib.contextmanager
def lean_environment() -> Iterator[None]:
    """:data:`LEAN_ENVIRONMENT` for the duration of one command, then the environment as it was
    (``main()`` also runs inside other processes: the tests)."""
    added = [name for name in LEAN_ENVIRONMENT if name not in os.environ]
    for name in added:
        os.environ[name] = LEAN_ENVIRONMENT[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def main(argv: list[str] | None = None) -> int:
    """Run a command; its exit code. ``argv`` ``None``: the command line of this process (the
    console script, ``python -m kineco2.cli``); then a ``compute`` or ``schema`` stores the
    regular expressions it compiled (:func:`kineco2.regexcache.store`) and ends the process
    in :func:`exit_now` (this call does not return)."""
    words = sys.argv[1:] if argv is None else argv
    lean = bool(words) and words[0] in LEAN_COMMANDS
    code = run(argv, lean=lean)
    if argv is None and lean:
        regexcache.store()  # only when this run compiled patterns the cache did not have
        exit_now(code)
    return code


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` once its output is flushed, without the interpreter's
    finalisation: freeing the objects of every module one by one (pydantic, numpy, the
    engine: ≈ 25 ms of a ≈ 210 ms ``compute``) for a process that ends anyway. Only for the
    lean commands (their cache entries are written and closed before), and only when nothing
    waits for the finalisation (:func:`finalisation_awaited`). A failing flush (a closed
    pipe) leaves through :func:`sys.exit`, as before: same message, same exit status."""
    if finalisation_awaited():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        sys.exit(code)
    os._exit(code)


def finalisation_awaited() -> bool:
    """Whether something of this process runs at its normal end: an ``atexit`` handler
    (coverage writes its data there), another thread, a tracer or a profiler (``python -m
    cProfile`` prints after the module returns; in Python 3.12 through ``sys.monitoring``)."""
    import atexit
    import threading

    count = getattr(atexit, "_ncallbacks", None)
    if count is None or count() or threading.active_count() > 1:
        return True
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(i) is not None for i in range(6))


def run(argv: list[str] | None, *, lean: bool) -> int:
    parser = build_parser(lean=lean)
    args = parser.parse_args(argv)
    if getattr(args, "draws", 0) and not 0 <= args.draws <= 1_000_000:
        print("Erreur : --draws doit être compris entre 0 et 1 000 000.", file=sys.stderr)
        return EXIT_INPUT
    if getattr(args, "draws", 0) and 0 < args.draws < 100:
        print("Erreur : --draws doit valoir 0 (pas d'intervalle) ou au moins 100.", file=sys.stderr)
        return EXIT_INPUT
    try:
        with lean_environment():
            return args.func(args)
    except InputError as exc:
        print("Erreur dans les réponses :", file=sys.stderr)
        for path, message in exc.problems:
            print(f"  - {path} : {message}" if path else f"  - {message}", file=sys.stderr)
        return EXIT_INPUT
    except (CliError, EngineError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
