"""Charts (SVG) and the PDF report: French, deterministic, literal user text."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from kineco2.engine import compute, parse_input
from kineco2.engine.factors import load_factors
from kineco2.report.charts import comparison_svg, posts_bar_svg, trajectory_svg
from kineco2.report.pdf import build_data, clean_text, french_date, render_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "trois-kines-ville-moyenne-gaz.yaml"
SVG = "{http://www.w3.org/2000/svg}"
DAY = datetime.date(2026, 3, 1)
#: Typst markup and math delimiters, a label, a reference, a closing bracket.
TRICKY_NAME = "Cabinet #1 $x$ *gras* _ital_ <lab> @ref ] \\ {a} // pas un commentaire"


@pytest.fixture(scope="module")
def result():
    with EXAMPLE.open(encoding="utf-8") as handle:
        return compute(parse_input(yaml.safe_load(handle)), draws=1000, seed=1)


@pytest.fixture(scope="module")
def result_without_uncertainty():
    with EXAMPLE.open(encoding="utf-8") as handle:
        return compute(parse_input(yaml.safe_load(handle)))


def parse(svg: str) -> ET.Element:
    """Parse an SVG we generated ourselves (trusted input: no need for defusedxml)."""
    return ET.fromstring(svg)  # noqa: S314


def svg_texts(svg: str) -> str:
    root = parse(svg)
    return " ".join("".join(el.itertext()) for el in root.iter(f"{SVG}text"))


def normalise(text: str) -> str:
    """Collapse every kind of space (incl. no-break and narrow no-break) to one space."""
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


# -- charts ------------------------------------------------------------------------------
def test_posts_bar_is_accessible_french_svg(result):
    svg = posts_bar_svg(result)
    root = parse(svg)  # valid XML, no prolog needed
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label", "").startswith("Émissions par poste")
    assert root[0].tag == f"{SVG}title" and root[1].tag == f"{SVG}desc"
    assert "Déplacements des patients" in root[1].text
    texts = svg_texts(svg)
    # Text kept as <text> (svg.fonttype = none), in French, with decimal commas.
    assert "Déplacements des patients" in texts
    assert re.search(r"\d,\d t", texts)
    assert "intervalle de confiance à 95 %" in texts
    assert "DejaVu Sans" in svg
    # Posts with nothing to show are left out.
    assert "Fluides frigorigènes" not in svg
    plotted = [p for p in result.posts if p.kgco2e > 0]
    for post in plotted:
        assert post.label in texts


def test_posts_bar_orders_largest_first(result):
    root = parse(posts_bar_svg(result))
    labels = [
        "".join(g.find(f".//{SVG}text").itertext())
        for g in root.iter(f"{SVG}g")
        if (g.get("id") or "").startswith("ytick_") and g.find(f".//{SVG}text") is not None
    ]
    expected = [p.label for p in sorted(result.posts, key=lambda p: -p.kgco2e) if p.kgco2e > 0]
    assert labels == expected


def test_posts_bar_without_uncertainty_has_no_interval_caption(result_without_uncertainty):
    texts = svg_texts(posts_bar_svg(result_without_uncertainty))
    assert "Déplacements des patients" in texts
    assert "intervalle" not in texts


def test_charts_are_deterministic(result):
    assert posts_bar_svg(result) == posts_bar_svg(result)
    args = ([2024, 2025, 2026], [12345.6, 11800.0, None], [12345.6, 11728.3, 11141.9])
    assert trajectory_svg(*args) == trajectory_svg(*args)
    quartiles = {"p25": 1.6, "median": 2.1, "p75": 2.9}
    assert comparison_svg(2.43, quartiles, "kg CO2e par séance") == comparison_svg(
        2.43, quartiles, "kg CO2e par séance"
    )
    assert "<dc:date>" not in posts_bar_svg(result)


def test_trajectory_svg_french_years_and_target():
    svg = trajectory_svg(
        [2023, 2024, 2025, 2026], [31000, 29500, 27800, None], [31000, 29450, 27977.5, 26578.6]
    )
    root = parse(svg)
    assert root.get("role") == "img"
    texts = svg_texts(svg)
    assert "2025" in texts and "2\u202f025" not in texts  # years without thousands separator
    assert "29,5" in texts  # decimal comma on the point labels
    assert "Trajectoire cible (−5 % par an)" in texts
    assert "Émissions du cabinet" in texts
    assert "2026 : 26,6 t" in root[1].text


def test_trajectory_svg_rejects_misaligned_series():
    with pytest.raises(ValueError, match="même longueur"):
        trajectory_svg([2024, 2025], [1.0])


def test_comparison_svg_places_the_practice():
    svg = comparison_svg(
        2.43,
        {"P10": 1.1, "P25": 1.6, "p50": 2.1, "P75": 2.9, "P90": 3.8, "n": 42},
        "kg CO2e par séance",
    )
    texts = svg_texts(svg)
    assert "Votre cabinet : 2,43" in texts
    assert "Médiane" in texts and "Moitié centrale des 42 cabinets" in texts
    assert "kg CO2e par séance" in texts
    desc = parse(svg)[1].text
    assert "la médiane est 2,10" in desc and "25 % sont sous 1,60" in desc


def test_comparison_svg_requires_quartiles():
    with pytest.raises(KeyError, match="p25"):
        comparison_svg(2.0, {"median": 2.1}, "kg CO2e par séance")


# -- PDF ---------------------------------------------------------------------------------
def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext absent : installer poppler-utils (apt-get install poppler-utils)")
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return normalise(done.stdout.decode("utf-8"))


@pytest.fixture(scope="module")
def report(result):
    return render_report(result, practice_name=TRICKY_NAME, reference_year=2025, generated_on=DAY)


def test_report_is_a_pdf(report):
    assert report.startswith(b"%PDF")
    assert len(report) > 10_000


def test_report_is_deterministic(result, report):
    again = render_report(result, practice_name=TRICKY_NAME, reference_year=2025, generated_on=DAY)
    assert again == report


def test_report_text(result, report):
    text = pdf_text(report)
    assert "Bilan carbone du cabinet" in text
    assert normalise(TRICKY_NAME) in text  # markup characters printed literally
    assert "kg CO2e par séance" in text
    assert "t CO2e par kiné" in text
    assert "Périgueux" in text and "2025" in text and "1er mars 2026" in text
    for post in result.posts:
        if post.kgco2e > 0:
            assert post.label in text
    assert "Ce qui rendrait votre bilan plus précis" in text
    assert result.precision_hints[0].label in text
    assert "valeur par défaut" in text and "mesuré" in text and "estimé" in text
    assert "2026.1" in text
    assert re.search(r"Page 1 / \d+", text)
    # The headline is the central value (sum of the lines); the median is for information.
    assert "valeurs centrales" in squeeze_spaces(text)
    assert f"médiane : {build_data_median(result)}" in squeeze_spaces(text)


def squeeze_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def build_data_median(result) -> str:
    data = build_data(result, practice_name="x", reference_year=None, generated_on=DAY)
    return data["monte_carlo"]["median_t"]


def squeeze(text: str) -> str:
    """Without spaces nor hyphens: pdftotext joins a word hyphenated at a line end."""
    return re.sub(r"[\s\-]", "", text)


def test_report_lists_the_sources_of_the_factors_used(result, report):
    text = pdf_text(report)
    factors = load_factors(result.factors_version)
    for factor_id in sorted({line.factor_id for line in result.lines}):
        factor = factors[factor_id]
        assert factor_id in text
        assert squeeze(factor.source) in squeeze(text), factor_id
    # Estimates and proxies carry a visible mark.
    assert "estimation" in text and "approximation" in text


def test_report_without_uncertainty(result_without_uncertainty):
    pdf = render_report(
        result_without_uncertainty, practice_name="Cabinet", reference_year=None, generated_on=DAY
    )
    text = pdf_text(pdf)
    assert "non précisée" in text
    assert "kg CO2e par séance" in text
    assert "Monte Carlo" not in text


def test_control_characters_in_the_name_do_not_break_the_pdf(result):
    assert clean_text("Cabinet\x00 du\tport\n") == "Cabinet du port"
    pdf = render_report(
        result, practice_name="Cabinet\x00 du port 🦴", reference_year=None, generated_on=DAY
    )
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    "name",
    [
        "Cabinet \ufffe du port",  # noncharacter
        "Cabinet \ufdd0\uffff",  # noncharacters
        "Cabinet \ue000\U000f0000 privé",  # private use
        "Cabinet \U0010fffe \u0378",  # plane-16 noncharacter, unassigned
    ],
)
def test_noncharacters_and_private_use_in_the_name_do_not_break_the_pdf(result, name):
    """Issue 9: such a name gave a 500 every time."""
    pdf = render_report(result, practice_name=name, reference_year=2025, generated_on=DAY)
    assert pdf.startswith(b"%PDF")
    assert "Cabinet" in pdf_text(pdf)


def test_data_passed_to_typst_is_plain_json(result):
    data = build_data(result, practice_name=TRICKY_NAME, reference_year=2025, generated_on=DAY)
    assert data["practice"] == TRICKY_NAME
    assert data["summary"]["total_t"].endswith("t CO2e")
    assert "," in data["summary"]["per_session"]
    assert data["charts"]["posts"].startswith("<svg")


def test_french_date():
    assert french_date(datetime.date(2026, 3, 1)) == "1er mars 2026"
    assert french_date(datetime.date(2025, 8, 15)) == "15 août 2025"


def test_report_modules_do_not_import_django():
    code = (
        "import sys, kineco2.report.pdf, kineco2.report.charts; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_trajectory_accepts_gaps_in_the_target():
    from kineco2.report.charts import trajectory_svg

    svg = trajectory_svg([2023, 2024, 2025], [30000, None, 28000], [None, 29000, 27500])
    assert "29,0" in svg and "<svg" in svg


def _printable_reference(text: str) -> str:
    """The character-by-character rule of ``_printable_text`` (its former only path)."""
    import unicodedata

    out = []
    for ch in text:
        code = ord(ch)
        category = unicodedata.category(ch)
        if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or category in ("Co", "Cn", "Cs"):
            out.append("\ufffd")
        elif category == "Cc" and ch not in "\n\t":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def test_printable_text_shortcut_is_the_character_rule():
    """Strings with nothing to replace are returned as they are (each distinct character
    checked once); any other string goes through the character rule: same text either way."""
    import random

    from kineco2.report.pdf import _printable_text

    special = ["\x00", "\x07", "\r", "\x7f", "\x85", "\ufdd0", "\ufdef", "\ufffe", "\uffff",
               "\U0001fffe", "\ue000", "\U000f0000", "\ud800", "\u0378", "\n", "\t"]  # fmt: skip
    ordinary = [*"aé «»\u00a0\u202f–CO₂ 12,5 t <svg>&\"'", "\U0001f600"]
    rng = random.Random(5)
    for trial in range(2_000):
        pool = ordinary + (special if trial % 2 else [])
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert _printable_text(text) == _printable_reference(text), repr(text)
        assert _printable_text(text) == _printable_reference(text)  # characters now known
    for ch in special:
        assert _printable_text("abc" + ch) == _printable_reference("abc" + ch)


def test_the_kept_compiler_gives_the_bytes_of_a_fresh_one(result):
    """compile_pdf keeps one Typst compiler per template: the same bytes as typst.compile, for
    reports of different data compiled one after the other, and when the kept compiler is busy
    (another thread) or after a compilation failed."""
    import typst

    from kineco2.report import pdf

    def fresh(data):
        return typst.compile(
            str(pdf.TEMPLATE),
            format="pdf",
            sys_inputs={"data": json.dumps(pdf._printable(data), ensure_ascii=False)},
            font_paths=[str(pdf.FONT_DIR)],
            ignore_system_fonts=True,
            pdf_standards=list(pdf.PDF_STANDARDS),
        )

    datas = [
        build_data(result, practice_name=name, reference_year=year, generated_on=DAY)
        for name, year in (("Cabinet A", 2025), (TRICKY_NAME, 2024), ("Cabinet A", 2025))
    ]
    expected = [fresh(data) for data in datas]
    assert expected[0] != expected[1] and expected[0] == expected[2]
    assert [pdf.compile_pdf(pdf.TEMPLATE, data) for data in datas] == expected
    compiler, lock = pdf._compiler(pdf.TEMPLATE)
    assert pdf._compiler(pdf.TEMPLATE)[0] is compiler
    with lock:  # busy: a compiler of its own, the same bytes
        assert pdf.compile_pdf(pdf.TEMPLATE, datas[1]) == expected[1]
    assert lock.acquire(blocking=False)
    lock.release()
    with pytest.raises(typst.TypstError):
        pdf.compile_pdf(pdf.TEMPLATE, {"nothing": "here"})
    assert not lock.locked()
    assert pdf.compile_pdf(pdf.TEMPLATE, datas[0]) == expected[0]
