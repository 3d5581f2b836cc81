"""News texts in Markdown, rendered safely: raw HTML is escaped, unsafe link schemes refused."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


def render(text: str) -> Markup:
    """HTML of ``text`` (CommonMark + tables); HTML written in the text is shown as text."""
    return Markup(_MD.render(text or ""))  # noqa: S704 — raw HTML disabled above
