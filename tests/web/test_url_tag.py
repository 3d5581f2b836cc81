"""``{% load kineco2_urls %}``: Django's ``{% url %}`` with the reversed URLs kept."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, set_script_prefix

from kineco2.web.templatetags import kineco2_urls

CASES = """{% url 'glossary' %}|{% url 'assessment_pdf' pk %}|{% url 'assessment_step' pk step %}|\
{% url 'assessment_step' pk=pk step=step %}|{% url name pk %}|{% url 'glossary' as g %}[{{ g }}]|\
{% url 'assessment_pdf' text_pk %}|{% url 'missing' as nothing %}[{{ nothing }}]"""


def render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("prefix", ["/", "/sous-dossier/"])
def test_same_output_as_django_url(prefix):
    kineco2_urls._URLS.clear()
    context = {
        "pk": 12,
        "text_pk": "13",
        "step": "energie",
        "name": "assessment_results",
    }
    set_script_prefix(prefix)
    try:
        expected = render(CASES, context)
        cached = "{% load kineco2_urls %}" + CASES
        assert prefix + "glossaire" in expected or expected.startswith(prefix)
        assert render(cached, context) == expected  # reversed
        assert render(cached, context) == expected  # kept
        assert render(cached, {**context, "pk": 14}) == render(CASES, {**context, "pk": 14})
    finally:
        set_script_prefix("/")
    assert kineco2_urls._URLS  # plain arguments were kept
    # the same arguments under another prefix are another URL
    assert render(cached, context) == render(CASES, context)


def test_escaped_and_errors_as_django_url():
    source = "{% load kineco2_urls %}{% url 'email_confirm' step %}"
    escaped = render(source, {"step": "a&b<"})
    assert "&amp;" in escaped and "<" not in escaped
    assert escaped == render("{% url 'email_confirm' step %}", {"step": "a&b<"})
    with pytest.raises(NoReverseMatch):
        render("{% load kineco2_urls %}{% url 'no-such-page' %}", {})
    with pytest.raises(NoReverseMatch):
        render("{% load kineco2_urls %}{% url 'assessment_pdf' pk %}", {"pk": None})
