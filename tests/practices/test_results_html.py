"""The results page's HTML built in Python is the HTML its template loops wrote.

``practices.views._posts_html`` replaced two ``{% for row in posts %}`` loops of
``assessment_results.html`` (a CPU cut on the cold results page). The old loops are kept here,
verbatim, as the reference: for every example of ``examples/`` (defaults, « < 1 % » shares,
every quality badge), with and without the Monte Carlo, both must give the same characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.template import engines

from kineco2.practices import selectors, services
from kineco2.practices.views import _post_rows, _posts_html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))

#: The two loops of assessment_results.html before they were built in Python (main at 173a982).
OLD_LOOPS = """{% load kineco2 practices_ui %}    <tbody>
      {% for row in posts %}
      <tr>
        <th scope="row">{% if row.lines %}<a href="#poste-{{ row.post.id }}">{{ row.post.label }}</a>{% else %}{{ row.post.label }}{% endif %}</th>
        <td class="num">{{ row.post.kgco2e|tonnes:2 }}</td>
        <td class="num">{{ row.post.share|share }}</td>
        <td class="num">{% if row.interval %}{{ row.interval.low|tonnes_only:2 }} – {{ row.interval.high|tonnes_only:2 }} t{% else %}–{% endif %}</td>
        <td>{% if row.defaults %}<details class="defaults-used"><summary><span class="badge quality-{{ row.origin }}">{{ row.origin_label }}</span><span class="visually-hidden"> : voir les réponses qui manquent</span></summary>
          <p>Sans réponse de votre part, {% if row.defaults|length == 1 %}cette question utilise{% else %}ces questions utilisent{% endif %} une valeur par défaut :</p>
          <ul>{% for d in row.defaults %}<li><a href="{{ d.url }}">{{ d.title }}</a> ({{ d.step_label }})</li>{% endfor %}</ul>
          {% if row.hypotheses %}<p>et {{ row.hypotheses }} hypothèse{{ row.hypotheses|pluriel }} de la méthode sans question.</p>{% endif %}
        </details>{% else %}<span class="badge quality-{{ row.origin }}">{{ row.origin_label }}</span>{% if row.origin == "defaut" and row.hypotheses %}<span class="sub"> (hypothèses de la méthode, sans question)</span>{% endif %}{% endif %}</td>
      </tr>
      {% endfor %}
    </tbody>
|
  {% for row in posts %}{% if row.lines %}
  <details class="lines" id="poste-{{ row.post.id }}">
    <summary>{{ row.post.label }} : {{ row.post.kgco2e|kg }} ({{ row.post.share|share }}) — <span class="badge quality-{{ row.origin }}">{{ row.origin_label }}</span></summary>
    <div class="table-scroll">
    <table>
      <caption class="visually-hidden">Lignes de calcul du poste {{ row.post.label }}</caption>
      <thead><tr><th scope="col">Ligne</th><th scope="col">Quantité × facteur</th><th scope="col" class="num">= kg CO2e</th><th scope="col">Source du facteur</th></tr></thead>
      <tbody>
        {{ row.lines }}
      </tbody>
    </table>
    </div>
  </details>
  {% endif %}{% endfor %}
"""

#: The same place in the template today.
NEW_LOOPS = """    <tbody>
      {{ posts_html.tbody }}
    </tbody>
|
  {{ posts_html.details }}
"""


def _render(source: str, context: dict) -> str:
    return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("draws", [0, 400])
def test_posts_html_is_what_the_template_loops_wrote(practice, example, draws):
    created = services.assessment_create(practice=practice, reference_year=2025)
    assessment = services.assessment_replace_answers(
        assessment=created, answers=yaml.safe_load(example.read_text())
    )
    result = selectors.assessment_result(assessment, draws=draws)
    old = _render(OLD_LOOPS, {"posts": _post_rows(result, assessment)})
    new = _render(NEW_LOOPS, {"posts_html": _posts_html(result, assessment)})
    assert "<tr>" in new and "<details" in new
    assert new == old


def test_posts_html_escapes_labels(practice, monkeypatch):
    """A label with markup stays text in both (as the template's autoescape did)."""
    from kineco2.practices import views

    created = services.assessment_create(practice=practice, reference_year=2025)
    assessment = services.assessment_replace_answers(
        assessment=created, answers=yaml.safe_load(EXAMPLES[0].read_text())
    )
    result = selectors.assessment_result(assessment, draws=0)
    rows = _post_rows(result, assessment)

    class Post:
        def __init__(self, post):
            self.__dict__.update(
                {name: getattr(post, name) for name in ("kgco2e", "share", "lines", "origin")}
            )
            self.id = post.id + '"<x>'
            self.label = "<script>alert('é')</script> & co"

    fake = [dict(row, post=Post(row["post"])) for row in rows]
    monkeypatch.setattr(views, "_post_rows", lambda result, assessment: fake)
    new = _render(NEW_LOOPS, {"posts_html": _posts_html(result, assessment)})
    old = _render(OLD_LOOPS, {"posts": fake})
    assert "<script>" not in new and "&lt;script&gt;" in new
    assert new == old


def test_line_rows_kept_between_pages_are_those_of_their_line(practice):
    """``_line_row`` keeps the rows it built: a kept row is the row built anew for that line,
    and a line that differs in anything the row shows gets its own row."""
    import dataclasses

    from kineco2.practices import views

    views._LINE_ROWS.clear()
    created = services.assessment_create(practice=practice, reference_year=2025)
    count = 0
    for example in EXAMPLES:
        assessment = services.assessment_replace_answers(
            assessment=created, answers=yaml.safe_load(example.read_text())
        )
        result = selectors.assessment_result(assessment, draws=0)
        version = result.factors_version
        for post in result.posts:
            for line in post.lines:
                row = views._line_row(line, version)
                assert row == views._build_line_row(line, version)
                assert views._line_row(line, version) is row  # kept
                count += 1
    assert count > 100
    line = result.posts[0].lines[0]
    for changes in (
        {"quantity": line.quantity * 2},
        {"factor_value": line.factor_value + 1},
        {"note": "autre note"},
        {"label": "<b>autre</b>"},
        {"origin": "mesure" if line.origin != "mesure" else "estime"},
        {"unit": "autre unité"},
        {"kgco2e": 0.0},
    ):
        other = dataclasses.replace(line, **changes)
        assert views._line_row(other, version) == views._build_line_row(other, version)
    zero = dataclasses.replace(line, kgco2e=0.0)
    negative_zero = dataclasses.replace(line, kgco2e=-0.0)
    assert views._line_row(zero, version) == views._build_line_row(zero, version)
    assert views._line_row(negative_zero, version) == views._build_line_row(negative_zero, version)
