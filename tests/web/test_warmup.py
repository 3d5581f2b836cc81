"""The server's warm-up (kineco2/web/warmup.py): what a worker would build on its first
requests is built before it serves them."""

from __future__ import annotations

from django.conf import settings
from django.template import engines
from django.urls import URLResolver, reverse
from django.urls.resolvers import RegexPattern

from kineco2.report import pdf
from kineco2.web import warmup


def _namespaces(resolver):
    yield resolver
    for _prefix, sub in resolver.namespace_dict.values():
        yield from _namespaces(sub)


def test_every_url_resolver_gets_its_reverse_tables():
    # a resolver nobody has used yet, as in a new process
    root = URLResolver(RegexPattern(r"^/"), settings.ROOT_URLCONF)
    assert not root._populated
    done = warmup.populate_url_resolvers(root)
    resolvers = list(_namespaces(root))
    assert done == len(resolvers) > 1  # the root and its namespaces
    assert all(resolver._populated for resolver in resolvers)
    # the tables are the ones reverse() reads
    assert root.reverse("etat_des_lieux") == reverse("etat_des_lieux").lstrip("/")


def test_every_template_of_the_project_is_compiled_and_kept():
    names = warmup.template_names()
    assert "web/base.html" in names and len(names) > 100
    assert all(not name.startswith(("admin/", "django/")) for name in names)
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    assert warmup.compile_templates() == len(names)
    # the cached loader now holds each of them: no compilation on a first request
    assert set(names) <= set(loader.get_template_cache)


def test_served_modules_leave_out_settings_commands_and_migrations():
    names = warmup.served_modules()
    assert "kineco2.engine.compute" in names and "kineco2.benchmarks.aggregates" in names
    for excluded in ("kineco2.settings.prod", "kineco2.cli", "kineco2.manage", "kineco2.wsgi"):
        assert excluded not in names
    assert not [n for n in names if ".migrations" in n or ".management" in n or ".demo" in n]
    # every one of them imports (a worker would otherwise fail on the request that needs it)
    assert warmup.import_served_modules() == len(names)


def test_each_worker_builds_the_compiler_of_every_pdf_template(monkeypatch):
    monkeypatch.setattr(pdf, "_COMPILERS", {})
    templates = warmup.pdf_templates()
    assert len(set(templates)) == 5 and all(t.suffix == ".typ" and t.exists() for t in templates)
    warmup.warm_worker()
    assert set(pdf._COMPILERS) == {str(t) for t in templates}
    # compile_pdf then uses the compiler built at start, not a new one
    built = {key: compiler for key, (compiler, _lock) in pdf._COMPILERS.items()}
    for template in templates:
        assert pdf._compiler(template)[0] is built[str(template)]
