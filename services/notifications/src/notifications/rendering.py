"""Jinja2 templates: per kind a plain-text template (blocks ``subject``, ``summary``, ``body``)
and an HTML template (autoescaped), both in German."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifications import german

TEMPLATES = Path(__file__).parent / "templates"
MAX_SUBJECT = 200  # a subject line stays readable (and unfolded on the wire)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Rendered:
    """One notification as text: the subject (inbox title), a short summary (inbox body), and
    the e-mail in plain text and HTML."""

    subject: str
    summary: str
    text: str
    html: str


class Renderer:
    """Renders notification kinds with links into the web frontend at ``base_url``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=False,
        )
        self.env.filters["date"] = german.format_date
        self.env.filters["datetime"] = german.format_datetime
        self.env.filters["time"] = german.format_time
        self.env.filters["cents"] = german.format_cents

    def url(self, link: str) -> str:
        """The absolute URL of a resource path such as ``/applications/<id>``."""
        return f"{self.base_url}{link}"

    def render(self, kind: str, *, link: str, name: str | None, **context: Any) -> Rendered:
        """Subject, summary, text and HTML of ``kind`` for a recipient called ``name``."""
        values = {"name": name, "url": self.url(link) if link else "", "base_url": self.base_url}
        values |= context
        text_template = self.env.get_template(f"{kind}.txt")
        blocks = {}
        for block in ("subject", "summary"):
            render_block = text_template.blocks[block]
            blocks[block] = " ".join(
                "".join(render_block(text_template.new_context(values))).split()
            )
        body = text_template.render(values).split("\n", 2)[2]
        text = _BLANK_LINES.sub("\n\n", body).strip() + "\n"
        html = self.env.get_template(f"{kind}.html").render(values | {"subject": blocks["subject"]})
        subject = _shorten(blocks["subject"], MAX_SUBJECT)
        return Rendered(subject, blocks["summary"], text, html)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
