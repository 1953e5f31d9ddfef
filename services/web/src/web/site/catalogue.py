"""The one German catalogue of what the services answer: every rule slug they name in a refusal,
every field error of an application, and the German names of their status values.

A refusal (``ApiError``) becomes a list of page errors ``{"field": <form field or None>,
"message": <German sentence>}``; the error summary links each to ``#feld-<field>``. A rule the
catalogue does not know gets a general sentence, never the service's English text.

Form fields are those of the application form (``web.applications``): ``fund_id``,
``school_ids``, ``title``, …, the budget lines as ``lines-<n>-<category|description|amount>``,
the contact as ``contact_name``/``contact_email``/``contact_phone``, the planned participants as
``planned_<group>``, the advice as ``consultation``; the office's and the report's forms use
``decision_*`` and ``report_*``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from web.site.client import ApiError

GENERAL = (
    "Das hat nicht geklappt. Bitte prüfen Sie Ihre Angaben; bleibt der Fehler, wenden Sie sich "
    "an Ihre Netzwerkstelle."
)
"""For a refusal whose rule the catalogue does not know."""

NOT_FOUND = "Das Gesuchte gibt es nicht (mehr), oder es ist für Sie nicht freigegeben."
"""For a refusal naming something that is not there (``…-not-found``)."""

FIELD_GENERAL = "Bitte prüfen Sie diese Angabe."
"""For an invalid field the catalogue has no sentence for."""

APPLICATION_CHANGED = (
    "Der Antrag wurde inzwischen geändert. Sie sehen jetzt den aktuellen Stand; bitte prüfen "
    "Sie ihn und wiederholen Sie Ihre Aktion."
)
"""A stale ``If-Match`` (412) on an application."""

# --------------------------------------------------------------------------- German names

STATUSES: dict[str, str] = {
    "draft": "Entwurf",
    "submitted": "Eingereicht",
    "returned": "Zurückgegeben",
    "approved": "Bewilligt",
    "rejected": "Abgelehnt",
    "reported": "Bericht eingereicht",
    "completed": "Abgeschlossen",
    "withdrawn": "Zurückgezogen",
}
"""Application status → German."""

STATUS_BADGES: dict[str, str] = {
    "draft": "warning",
    "returned": "warning",
    "submitted": "info",
    "reported": "info",
    "approved": "success",
    "completed": "success",
    "rejected": "danger",
    "withdrawn": "danger",
}
"""Application status → KERN badge variant (the text says the status; colour only adds)."""

TARGET_GROUPS: dict[str, str] = {
    "pupils": "Schüler:innen",
    "parents": "Sorgeberechtigte",
    "teachers": "Lehrkräfte",
}

BUDGET_CATEGORIES: dict[str, str] = {
    "fees": "Honorare",
    "materials": "Sachkosten und Material",
    "travel": "Fahrtkosten",
    "other": "Sonstiges",
}

OUTCOMES: dict[str, str] = {
    "approved": "Bewilligt",
    "rejected": "Abgelehnt",
    "returned": "Zurückgegeben",
}


def status_name(status: str | None) -> str:
    """The German name of an application status (the slug itself when unknown)."""
    return STATUSES.get(status or "", status or "")


# --------------------------------------------------------------------------- rules

_MOVE = "Das ist im aktuellen Stand des Antrags nicht möglich"

RULES: dict[str, tuple[str, str | None]] = {
    # offers: the status machine (ensure_move: "<action>-only-when-<statuses>")
    "edit-only-when-draft-or-returned": (
        f"{_MOVE}: Ändern lässt sich ein Antrag nur als Entwurf oder nach der Rückgabe.",
        None,
    ),
    "consult-only-when-draft-or-returned": (
        f"{_MOVE}: Eine Beratung lässt sich nur zu einem Entwurf oder einem zurückgegebenen "
        "Antrag erfassen.",
        None,
    ),
    "submit-only-when-draft-or-returned": (
        f"{_MOVE}: Einreichen lässt sich nur ein Entwurf oder ein zurückgegebener Antrag.",
        None,
    ),
    "withdraw-only-when-draft-or-returned-or-submitted": (
        f"{_MOVE}: Zurückziehen lässt sich ein Antrag nur, solange nicht über ihn entschieden ist.",
        None,
    ),
    "decide-only-when-submitted": (
        f"{_MOVE}: Entschieden wird nur über eingereichte Anträge.",
        None,
    ),
    "report-only-when-approved": (
        f"{_MOVE}: Einen Bericht gibt es nur zu einem bewilligten Antrag.",
        None,
    ),
    "close-only-when-reported": (
        f"{_MOVE}: Abschließen lässt sich ein Antrag erst, wenn sein Bericht vorliegt.",
        None,
    ),
    # offers: submitting
    "consultation-required": (
        "Vor dem Einreichen muss die Netzwerkstelle Sie beraten. Bitte vereinbaren Sie einen "
        "Beratungstermin mit Ihrer Netzwerkstelle; sie trägt die Beratung hier ein.",
        "consultation",
    ),
    "incomplete": ("Der Antrag ist noch nicht vollständig.", None),
    "end-before-start": ("Das Ende darf nicht vor dem Beginn liegen.", "end_date"),
    "outside-fund-period": (
        "Beginn und Ende müssen im Förderzeitraum des gewählten Fonds liegen.",
        "start_date",
    ),
    "partner-required": (
        "Dieser Fonds verlangt einen Kooperationspartner: Bitte wählen Sie einen freien Träger "
        "oder Schulverband als Kooperationspartner oder antragstellende Organisation.",
        "partner_organization_ids",
    ),
    "max-per-application": (
        "Die beantragte Summe ist höher als der Höchstbetrag, den der Fonds je Antrag vergibt. "
        "Bitte kürzen Sie die Kostenpositionen.",
        "lines",
    ),
    "max-per-school-per-year": (
        "Mit diesem Betrag würde eine beteiligte Schule den Höchstbetrag überschreiten, den der "
        "Fonds je Schule und Kalenderjahr vergibt.",
        "lines",
    ),
    "school-outside-fund-region": (
        "Der Fonds ist für eine andere Region; Schulen außerhalb dieser Region können daraus "
        "nicht gefördert werden.",
        "school_ids",
    ),
    "unknown-school": (
        "Diese Schule ist (noch) nicht bekannt. Wenn sie gerade erst angelegt wurde, versuchen "
        "Sie es in einigen Sekunden noch einmal.",
        "school_ids",
    ),
    "unknown-organization": (
        "Diese Organisation ist (noch) nicht bekannt. Wenn sie gerade erst angelegt wurde, "
        "versuchen Sie es in einigen Sekunden noch einmal.",
        "partner_organization_ids",
    ),
    # offers: deciding
    "approved-exceeds-requested": (
        "Bewilligt werden kann höchstens die beantragte Summe.",
        "decision_approved",
    ),
    "approved-amount": (
        "Für eine Bewilligung geben Sie bitte einen Betrag über 0 Euro an.",
        "decision_approved",
    ),
    "fund-budget-exceeded": (
        "Im Fonds ist nicht mehr genug Geld für diesen Betrag übrig.",
        "decision_approved",
    ),
    "reason-required": (
        "Bitte begründen Sie die Ablehnung oder Rückgabe; die Antragstellenden erfahren den Grund.",
        "decision_reason",
    ),
    "no-deciding-committee": (
        "Der Fonds nennt kein entscheidendes Gremium; die Netzwerkstelle entscheidet selbst.",
        None,
    ),
    "not-the-deciding-committee": (
        "Über Anträge an diesen Fonds entscheidet ein anderes Gremium.",
        None,
    ),
    "application-unknown": (
        "Der Antrag ist dort noch nicht angekommen. Bitte versuchen Sie es in einigen Sekunden "
        "noch einmal.",
        None,
    ),
    "application-not-found": ("Diesen Antrag gibt es nicht oder Sie dürfen ihn nicht sehen.", None),
    # offers: funds
    "budget-below-approved": (
        "Das Budget darf nicht kleiner sein als die schon bewilligte Summe.",
        None,
    ),
    "committee-unknown": (
        "Dieses Gremium ist (noch) nicht bekannt. Wenn es gerade erst angelegt wurde, versuchen "
        "Sie es in einigen Sekunden noch einmal.",
        None,
    ),
    "committee-other-region": (
        "Das Gremium gehört zu einer anderen Region als der Fonds.",
        None,
    ),
    # meetings
    "meeting-cancelled": ("Die Sitzung ist abgesagt.", None),
    "member-recused": ("Ein befangenes Mitglied darf nicht mit abstimmen.", None),
    "not-a-voting-member": ("Nur stimmberechtigte Mitglieder dürfen abstimmen.", None),
    "member-not-present": ("Abstimmen kann nur, wer bei der Sitzung anwesend ist.", None),
    "already-decided": ("Über diesen Punkt ist schon entschieden.", None),
    "application-withdrawn": ("Der Antrag wurde inzwischen zurückgezogen.", None),
    "not-a-decision-item": ("Über diesen Tagesordnungspunkt wird nicht entschieden.", None),
    "not-a-committee-session": ("Entscheidungen trifft nur eine Sitzung des Gremiums.", None),
    "no-quorum": (
        "Das Gremium ist nicht beschlussfähig: Es sind zu wenige stimmberechtigte Mitglieder "
        "anwesend.",
        None,
    ),
    "too-many-votes": ("Es sind mehr Stimmen angegeben, als Mitglieder abstimmen dürfen.", None),
    "more-than-requested": ("Bewilligt werden kann höchstens die beantragte Summe.", None),
    "registration-closed": ("Die Anmeldung ist geschlossen: Die Veranstaltung hat begonnen.", None),
    "registration-deadline-passed": ("Die Anmeldefrist ist abgelaufen.", None),
    "already-registered": ("Mit dieser E-Mail-Adresse ist schon jemand angemeldet.", "email"),
    "capacity-below-confirmed": (
        "Es sind schon mehr Personen fest angemeldet, als die neue Platzzahl erlaubt.",
        None,
    ),
    "minutes-published": (
        "Das Protokoll ist veröffentlicht und lässt sich nicht mehr ändern.",
        None,
    ),
    "minutes-missing": ("Bitte schreiben Sie das Protokoll, bevor Sie es veröffentlichen.", None),
    # registry
    "person-erased": ("Die personenbezogenen Daten dieser Person wurden gelöscht.", None),
    "organization-in-use": (
        "Die Organisation wird noch verwendet und kann nicht gelöscht werden.",
        None,
    ),
    "school-number-taken": ("Diese Schulnummer ist schon vergeben.", "school_number"),
    "school-import-rejected": (
        "Die Datei wurde nicht übernommen; die abgelehnten Zeilen sind unten aufgeführt.",
        None,
    ),
    # every service
    "precondition-failed": (
        "Die Angaben wurden inzwischen geändert. Bitte laden Sie die Seite neu und wiederholen "
        "Sie Ihre Änderung.",
        None,
    ),
    "precondition-required": (
        "Die Angaben wurden inzwischen geändert. Bitte laden Sie die Seite neu und wiederholen "
        "Sie Ihre Änderung.",
        None,
    ),
    "idempotency_key_reused": (
        "Dieser Entwurf wurde schon gespeichert. Sie finden ihn unter „Meine Anträge“.",
        None,
    ),
    "body-not-utf-8": ("Die Angaben konnten nicht gelesen werden.", None),
    "content-too-large": ("Die Angaben sind zu umfangreich.", None),
    "forbidden": ("Das ist für Ihre Rolle oder Region nicht freigegeben.", None),
}
"""Rule slug → (German sentence, the form field it belongs to or None)."""

# --------------------------------------------------------------------------- field errors


FIELDS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p), field, sentence)
    for p, field, sentence in [
        (r"fund_id", "fund_id", "Bitte wählen Sie einen Förderfonds."),
        (r"school_ids(\.\d+)?", "school_ids", "Bitte wählen Sie mindestens eine Schule."),
        (
            r"applicant_organization_id",
            "applicant_organization_id",
            "Bitte wählen Sie eine antragstellende Organisation aus der Liste.",
        ),
        (
            r"partner_organization_ids(\.\d+)?",
            "partner_organization_ids",
            "Bitte wählen Sie die Kooperationspartner aus der Liste.",
        ),
        (r"title", "title", "Bitte geben Sie einen Titel ein (höchstens 300 Zeichen)."),
        (r"summary", "summary", "Bitte beschreiben Sie das Vorhaben kurz."),
        (r"goals", "goals", "Bitte beschreiben Sie die Ziele des Vorhabens."),
        (r"topics(\.\d+)?", "topics", "Bitte wählen Sie mindestens ein Thema."),
        (r"target_groups(\.\d+)?", "target_groups", "Bitte wählen Sie mindestens eine Zielgruppe."),
        (
            r"planned_participants\.(pupils|parents|teachers)",
            "planned_{0}",
            "Bitte geben Sie an, wie viele {group} voraussichtlich teilnehmen.",
        ),
        (
            r"planned_participants",
            "planned_pupils",
            "Bitte geben Sie die geplanten Teilnehmenden je Zielgruppe an.",
        ),
        (r"start_date", "start_date", "Bitte geben Sie den Beginn als Datum an."),
        (r"end_date", "end_date", "Bitte geben Sie das Ende als Datum an."),
        (
            r"budget_lines\.(\d+)\.category",
            "lines-{0}-category",
            "Bitte wählen Sie für jede Kostenposition eine Kategorie.",
        ),
        (
            r"budget_lines\.(\d+)\.description",
            "lines-{0}-description",
            "Bitte beschreiben Sie jede Kostenposition (höchstens 300 Zeichen).",
        ),
        (
            r"budget_lines\.(\d+)\.amount_cents",
            "lines-{0}-amount",
            "Bitte geben Sie für jede Kostenposition einen Betrag über 0 Euro an.",
        ),
        (r"budget_lines(\.\d+)?", "lines", "Bitte geben Sie mindestens eine Kostenposition an."),
        (
            r"contact",
            "contact_name",
            "Bitte nennen Sie eine Ansprechperson mit Name und E-Mail-Adresse.",
        ),
        (r"contact\.name", "contact_name", "Bitte geben Sie den Namen der Ansprechperson an."),
        (
            r"contact\.email",
            "contact_email",
            "Bitte geben Sie eine gültige E-Mail-Adresse der Ansprechperson an, z. B. "
            "name@schule.de.",
        ),
        (
            r"contact\.phone",
            "contact_phone",
            "Bitte geben Sie die Telefonnummer mit höchstens 50 Zeichen an.",
        ),
        # the office's advice and decision, the applicant's report and withdrawal
        (r"date", "consultation_date", "Bitte geben Sie das Datum der Beratung an."),
        (r"notes", "consultation_notes", "Die Notizen sind zu lang."),
        (r"outcome", "decision_outcome", "Bitte wählen Sie ein Ergebnis."),
        (
            r"approved_cents",
            "decision_approved",
            "Bitte geben Sie den bewilligten Betrag in Euro an (höchstens die beantragte Summe).",
        ),
        (r"conditions", "decision_conditions", "Die Auflagen sind zu lang."),
        (r"reason", "decision_reason", "Bitte geben Sie eine Begründung an."),
        (
            r"actual_participants\.(pupils|parents|teachers)",
            "report_{0}",
            "Bitte geben Sie an, wie viele {group} teilgenommen haben.",
        ),
        (
            r"actual_cost_cents",
            "report_cost",
            "Bitte geben Sie die tatsächlichen Kosten in Euro an.",
        ),
        (
            r"withdraw_reason",
            "withdraw_reason",
            "Die Begründung ist zu lang (höchstens 4.000 Zeichen).",
        ),
        (
            r"summary_report",
            "report_summary",
            "Bitte fassen Sie den Verlauf des Projekts zusammen.",
        ),
    ]
]
"""API field location (``errors[].field``) → form field and German sentence; the first pattern
that matches the whole location wins."""

FIELD_RULES: dict[tuple[str, str], str] = {
    ("end_date", "end-before-start"): "Das Ende darf nicht vor dem Beginn liegen.",
    ("start_date", "outside-fund-period"): (
        "Der Beginn muss im Förderzeitraum des gewählten Fonds liegen."
    ),
    (
        "end_date",
        "outside-fund-period",
    ): "Das Ende muss im Förderzeitraum des gewählten Fonds liegen.",
    ("contact.email", "value_error"): (
        "Bitte geben Sie eine gültige E-Mail-Adresse der Ansprechperson an, z. B. name@schule.de."
    ),
}
"""(API field location, error type) → a sentence more exact than the field's own."""


def match_location(
    table: list[tuple[re.Pattern[str], str, str]], location: str
) -> tuple[str, str, str] | None:
    """The first row of ``table`` (pattern, form field, sentence) whose pattern matches an API
    field location in full: the form field (its ``{0}`` filled with the captured row number or
    name), the sentence and that captured value."""
    for pattern, field, sentence in table:
        found = pattern.fullmatch(location)
        if found:
            value = next((g for g in found.groups() if g and not g.startswith(".")), "")
            return field.replace("{0}", value), sentence, value
    return None


def table_errors(
    exc: ApiError, table: list[tuple[re.Pattern[str], str, str]]
) -> list[dict[str, Any]]:
    """A refusal as page errors beside the form's fields that ``table`` (API field location →
    form field and sentence, see ``match_location``) names, each once; locations it does not
    know are left out. Without any, one error for the refused rule."""
    errors: list[dict[str, Any]] = []
    for item in exc.field_errors:
        matched = match_location(table, str(item.get("field") or ""))
        found = {"field": matched[0], "message": matched[1]} if matched else None
        if found and found not in errors:
            errors.append(found)
    return errors or [rule_error(exc.rule, exc.status)]


def field_error(
    location: str, kind: str = "", *, renames: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One API field error as a page error: the form field and a German sentence.

    ``renames`` maps API locations to other form fields where a form names them differently
    (e.g. the report's ``summary`` is the form field ``report_summary``).
    """
    location = (renames or {}).get(location, location)
    exact = FIELD_RULES.get((location, kind))
    if exact is None and kind in RULES and kind != "incomplete":
        exact = RULES[kind][0]  # a named rule says more than the field's own sentence
    matched = match_location(FIELDS, location)
    if matched:
        field, sentence, value = matched
        sentence = sentence.replace("{group}", TARGET_GROUPS.get(value, value))
        return {"field": field, "message": exact or sentence}
    if kind in RULES:
        return {"field": RULES[kind][1], "message": exact or RULES[kind][0]}
    return {"field": None, "message": exact or FIELD_GENERAL}


def rule_error(rule: str | None, status: int = 400) -> dict[str, Any]:
    """The page error for a refused rule: its German sentence and field (a general sentence,
    no field, when the catalogue does not know the rule)."""
    if status == 412:
        rule = "precondition-failed"
    if rule in RULES:
        message, field = RULES[rule]
        return {"field": field, "message": message}
    if status == 404 or (rule or "").endswith("-not-found"):
        return {"field": None, "message": NOT_FOUND}
    return {"field": None, "message": GENERAL}


def rule_message(rule: str | None) -> str:
    """The German sentence for a rule slug (a general one when the catalogue does not know it)."""
    message: str = rule_error(rule)["message"]
    return message


def errors_of(exc: ApiError, *, renames: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """A refusal as page errors: one per invalid field, else one for the refused rule."""
    errors: list[dict[str, Any]] = []
    for item in exc.field_errors:
        kind = str(item.get("type") or "")
        if item.get("location") == "header":
            found = rule_error(kind)
        else:
            found = field_error(str(item.get("field") or ""), kind, renames=renames)
        if found not in errors:
            errors.append(found)
    return errors or [rule_error(exc.rule, exc.status)]


# Refusals of an event registration (meetings' rule slugs and invalid fields), for the public
# event page: plain German for people who are not in the network.
REGISTRATION_RULES = {
    "already-registered": (
        "email",
        "Mit dieser E-Mail-Adresse ist bereits jemand für diese Veranstaltung angemeldet. "
        "Eine zweite Anmeldung ist nicht nötig.",
    ),
    "registration-closed": (
        None,
        "Die Veranstaltung hat bereits begonnen. Eine Anmeldung ist nicht mehr möglich.",
    ),
    "registration-deadline-passed": (
        None,
        "Die Anmeldefrist ist abgelaufen. Eine Anmeldung ist nicht mehr möglich.",
    ),
    "meeting-cancelled": (
        None,
        "Die Veranstaltung ist abgesagt. Eine Anmeldung ist nicht möglich.",
    ),
}
REGISTRATION_FIELD_ERRORS = {
    "name": "Geben Sie Ihren Namen ein (höchstens 200 Zeichen).",
    "email": "Geben Sie eine E-Mail-Adresse wie name@beispiel.de ein.",
    "organization": "Der Name der Einrichtung darf höchstens 300 Zeichen lang sein.",
}


def registration_errors(exc: ApiError) -> list[dict[str, Any]]:
    """Meetings' refusal of a registration as German sentences for the error summary."""
    rule = exc.rule
    if rule in REGISTRATION_RULES:
        field, message = REGISTRATION_RULES[rule]
        return [{"field": field, "message": message}]
    errors: list[dict[str, Any]] = []
    for error in exc.field_errors:
        name = str(error.get("field") or "").rsplit(".", 1)[-1]
        if name in REGISTRATION_FIELD_ERRORS:
            errors.append({"field": name, "message": REGISTRATION_FIELD_ERRORS[name]})
    return errors or [
        {
            "field": None,
            "message": "Die Anmeldung wurde nicht angenommen. Bitte prüfen Sie Ihre Angaben.",
        }
    ]
