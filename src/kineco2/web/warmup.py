"""What each server process would otherwise build during its first requests, built at start.

Django and the project build some things on first use, in each process: the URL resolvers'
reverse tables (the first ``reverse()`` or ``{% url %}`` of a process walks every pattern and
compiles its regular expression), the compiled templates (the cached loader compiles a
template the first time it is asked for), the modules a view imports only when it needs them,
and the Typst compiler of each PDF template (fonts read). A gunicorn worker paid them during
its first requests: the first cold « état des lieux » a worker served took ≈ 110 ms of CPU
more than the next ones (``docs/benchmarks.md``, « First request of a worker (session 5) »).

:func:`warm_shared` builds the Python ones once in gunicorn's master, after the application is
loaded and before the workers are forked (``kineco2.gunicorn_conf.when_ready``): the workers
share them. Typst's compilers are native objects that may start threads, which a fork does not
carry: :func:`warm_worker` builds them in each worker before its first request
(``post_worker_init``).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import kineco2

#: Modules a server never imports, or must not import: settings (one is chosen by the
#: environment), the entry points and tools of other processes (command lines, the task
#: worker's batch helper, test and demo data), migrations, management commands.
NOT_SERVED = (
    "kineco2.settings",
    "kineco2.manage",
    "kineco2.cli",
    "kineco2.factors_cli",
    "kineco2.asgi",
    "kineco2.wsgi",
    "kineco2.gunicorn_conf",
    "kineco2.dataclasscache",
    "kineco2.regexcache",
    "kineco2.jobs.worker",
    "kineco2.panel.testing",
    "kineco2.engine.synthetic",
)
NOT_SERVED_PARTS = ("migrations", "management", "tests", "demo")


def served_modules() -> list[str]:
    """The project's modules a server process may import."""
    names = []
    for module in pkgutil.walk_packages(kineco2.__path__, "kineco2."):
        name = module.name
        if any(name == skip or name.startswith(skip + ".") for skip in NOT_SERVED):
            continue
        if any(part in NOT_SERVED_PARTS for part in name.split(".")):
            continue
        names.append(name)
    return names


def import_served_modules() -> int:
    """Import every module of :func:`served_modules`; their number."""
    names = served_modules()
    for name in names:
        importlib.import_module(name)
    return len(names)


def populate_url_resolvers(root=None) -> int:
    """Build the reverse tables of ``root`` (the project's resolver by default) and of every
    namespace under it; their number."""
    from django.urls import get_resolver

    done = 0
    pending = [root if root is not None else get_resolver()]
    while pending:
        resolver = pending.pop()
        _ = resolver.reverse_dict  # builds its reverse_dict, namespace_dict and app_dict
        done += 1
        pending.extend(sub for _prefix, sub in resolver.namespace_dict.values())
    return done


def template_names() -> list[str]:
    """The project's templates (``*.html``, ``*.txt`` in the ``templates`` folder of its apps)."""
    from django.apps import apps

    names: set[str] = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("kineco2"):
            continue
        folder = Path(config.path) / "templates"
        if folder.is_dir():
            names.update(
                path.relative_to(folder).as_posix()
                for path in folder.rglob("*")
                if path.suffix in {".html", ".txt"}
            )
    return sorted(names)


def compile_templates() -> int:
    """Compile every template of the project (kept by the engine's cached loader); their number."""
    from django.template.loader import get_template

    names = template_names()
    for name in names:
        get_template(name)
    return len(names)


def pdf_templates() -> list[Path]:
    """The Typst templates the server compiles PDFs with."""
    from kineco2.benchmarks import pdf as benchmarks_pdf
    from kineco2.panel import pdf as panel_pdf
    from kineco2.report import pdf as report_pdf
    from kineco2.structures import pdf as structures_pdf
    from kineco2.survey import poster

    return [
        module.TEMPLATE
        for module in (report_pdf, benchmarks_pdf, structures_pdf, panel_pdf, poster)
    ]


def warm_shared() -> None:
    """In gunicorn's master, before forking: what the workers then share."""
    import_served_modules()
    populate_url_resolvers()
    compile_templates()


def warm_worker() -> None:
    """In each worker, before its first request: its Typst compilers."""
    from kineco2.report.pdf import prepare_compilers

    prepare_compilers(pdf_templates())
