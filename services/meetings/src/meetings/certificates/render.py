"""A participation certificate's German text: facts → HTML (the Jinja2 template beside this
module) → PDF (WeasyPrint), as offers renders its documents. Pure functions; rendering is
CPU-bound, so callers run ``pdf`` in a thread. Nothing is stored: a certificate is rendered from
the registration on each request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from schulerfolg.local_time import BERLIN

TEMPLATES = Path(__file__).parent / "templates"

CERTIFICATE_KINDS = frozenset({"training", "conference", "expert_exchange"})
"""The kinds of event whose attendance earns a certificate: those where participants learn
(trainings, conferences, expert exchanges) — not sessions, juries or case consultations."""

KIND_LABELS = {
    "training": "Fortbildung",
    "conference": "Fachtagung",
    "expert_exchange": "Fachaustausch",
}


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate states."""

    name: str
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    organiser: str
    issued_on: date


def german_date(day: date) -> str:
    """2027-03-01 → „01.03.2027“."""
    return day.strftime("%d.%m.%Y")


def dates(starts_at: datetime, ends_at: datetime) -> str:
    """The event's day, or its first and last day, in Berlin."""
    first, last = starts_at.astimezone(BERLIN).date(), ends_at.astimezone(BERLIN).date()
    if first == last:
        return german_date(first)
    return f"{german_date(first)} bis {german_date(last)}"


def hours(starts_at: datetime, ends_at: datetime) -> str:
    """The duration in hours, German („2“, „4,5“): one day's span, or on events over several
    days the daily span (first start to first day's end time) times the days."""
    start, end = starts_at.astimezone(BERLIN), ends_at.astimezone(BERLIN)
    days = (end.date() - start.date()).days + 1
    if days == 1:
        span = end - start
    else:
        daily = datetime.combine(start.date(), end.timetz()) - start
        span = daily * days if daily > timedelta(0) else end - start
    value = round(span.total_seconds() / 3600 * 4) / 4  # quarter hours
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
)


def html(facts: CertificateFacts) -> str:
    """The certificate's HTML."""
    return _env.get_template("certificate.html").render(
        f=facts,
        kind_label=KIND_LABELS.get(facts.kind, "Veranstaltung"),
        dates=dates(facts.starts_at, facts.ends_at),
        hours=hours(facts.starts_at, facts.ends_at),
        issued_on=german_date(facts.issued_on),
    )


def pdf(facts: CertificateFacts) -> bytes:
    """The certificate as an A4 PDF."""
    # Imported here: WeasyPrint loads Pango through cffi, which only certificates need.
    import weasyprint

    # The template needs nothing from anywhere: no URL in it is ever fetched.
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    document: bytes = weasyprint.HTML(string=html(facts), url_fetcher=fetcher).write_pdf()
    return document


def organiser_of(region: str | None) -> str:
    """Who organised an event: the region's network office, or the state coordination."""
    if region is None:
        return "Landeskoordination „Schulerfolg sichern“"
    return "Regionale Netzwerkstelle „Schulerfolg sichern“"
