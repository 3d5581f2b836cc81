"""The A4 poster of a survey: a QR code (segno) and the short link, typeset by Typst."""

from __future__ import annotations

import io
from pathlib import Path

import segno

from kineco2.report.pdf import compile_pdf

TEMPLATE = Path(__file__).with_name("poster.typ")


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as SVG (error correction M: still reads when slightly damaged)."""
    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="svg", scale=10, border=2, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def render_poster(*, practice: str, url: str, opens_on: str, closes_on: str) -> bytes:
    short = url.split("://", 1)[-1]
    data = {
        "practice": practice,
        "url": url,
        "url_short": short,
        "qr": qr_svg(url),
        "opens_on": opens_on,
        "closes_on": closes_on,
    }
    return compile_pdf(TEMPLATE, data)
