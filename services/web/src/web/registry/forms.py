"""The registry's forms: one description per field (label, German rule beside it, kind), read back
into the API's bodies, and the registry's refusals as German sentences beside the fields.

A form shows every field the API knows for its resource; an empty optional field is sent as null
when editing (clears it) and left out when creating."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from web.site.catalogue import GENERAL
from web.site.client import ApiError

Errors = list[dict[str, Any]]

SCHOOL_TYPES = {
    "grundschule": "Grundschule",
    "sekundarschule": "Sekundarschule",
    "gemeinschaftsschule": "Gemeinschaftsschule",
    "gesamtschule": "Gesamtschule",
    "gymnasium": "Gymnasium",
    "foerderschule": "Förderschule",
    "berufsbildende_schule": "Berufsbildende Schule",
    "other": "Andere Schulform",
}
ORGANIZATION_KINDS = {
    "public_youth_welfare": "Öffentlicher Träger der Jugendhilfe",
    "free_youth_welfare": "Freier Träger der Jugendhilfe",
    "municipality": "Kommune",
    "school_association": "Schulförderverein oder Schulverband",
    "counselling": "Beratungsstelle",
    "other": "Sonstige Organisation",
}
PERSON_FUNCTIONS = {
    "network_office_staff": "Regionale Netzwerkstelle",
    "school_social_worker": "Schulsozialarbeit",
    "principal": "Schulleitung",
    "teacher": "Lehrkraft",
    "provider_contact": "Ansprechperson Träger",
    "state_coordination_staff": "Landeskoordinierung",
    "other": "Sonstige",
}
STATE = "state"
"""The state level where a region is expected (organisations and persons)."""

POSTAL_CODE = "Fünf Ziffern, z. B. 39340."
PHONE = "Mit Vorwahl, z. B. 03904 12345 oder +49 3904 12345; höchstens 50 Zeichen."
EMAIL = "Eine gültige E-Mail-Adresse, z. B. name@beispiel.de."
WEBSITE = "Eine Webadresse, z. B. www.beispiel.de; höchstens 500 Zeichen."
SCHOOL_NUMBER = (
    "Die amtliche Schulnummer: Ziffern, Buchstaben und Bindestriche, höchstens 20 Zeichen. "
    "Jede Schulnummer gibt es nur einmal."
)


@dataclass(frozen=True)
class Field:
    """One field of a registry form: the API's field name is the form's."""

    name: str
    label: str
    kind: str = "text"  # text, email, tel, url, select, checkbox, textarea
    required: bool = False
    hint: str | None = None
    message: str = "Bitte prüfen Sie diese Angabe."  # the API's rule in German
    options: Mapping[str, str] = field(default_factory=dict)
    width: int | None = None


def _required(label: str, limit: int) -> str:
    return f"Bitte geben Sie „{label}“ an (höchstens {limit} Zeichen)."


ADDRESS = (
    Field("street", "Straße und Hausnummer", message="Höchstens 200 Zeichen."),
    Field(
        "postal_code",
        "Postleitzahl",
        hint=POSTAL_CODE,
        message="Die Postleitzahl hat fünf Ziffern, z. B. 39340.",
        width=5,
    ),
    Field("city", "Ort", message="Höchstens 200 Zeichen."),
)
CONTACT = (
    Field(
        "email",
        "E-Mail",
        kind="email",
        hint=EMAIL,
        message="Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de.",
    ),
    Field(
        "phone",
        "Telefon",
        kind="tel",
        hint=PHONE,
        message="Bitte geben Sie die Telefonnummer mit Vorwahl an, nur mit Ziffern, Leerzeichen "
        "und ( ) / . - (höchstens 50 Zeichen).",
    ),
)
WEB = Field(
    "website",
    "Webseite",
    kind="url",
    hint=WEBSITE,
    message="Bitte geben Sie eine Webadresse an, z. B. www.beispiel.de (höchstens 500 Zeichen).",
)

SCHOOL_FIELDS = (
    Field(
        "school_number",
        "Schulnummer",
        required=True,
        hint=SCHOOL_NUMBER,
        message="Die Schulnummer besteht aus Ziffern, Buchstaben und Bindestrichen (höchstens 20 "
        "Zeichen), z. B. 15083001.",
        width=20,
    ),
    Field("name", "Name der Schule", required=True, message=_required("Name der Schule", 300)),
    Field(
        "school_type",
        "Schulform",
        kind="select",
        required=True,
        options=SCHOOL_TYPES,
        message="Bitte wählen Sie die Schulform.",
    ),
    *ADDRESS,
    Field(
        "region",
        "Region",
        kind="select",
        required=True,
        message="Bitte wählen Sie eine der 14 Regionen.",
    ),
    Field(
        "has_school_social_work",
        "An der Schule gibt es Schulsozialarbeit",
        kind="checkbox",
        message="Bitte geben Sie an, ob es an der Schule Schulsozialarbeit gibt.",
    ),
    Field(
        "social_work_provider_id",
        "Träger der Schulsozialarbeit",
        kind="select",
        hint="Der Träger, bei dem die Schulsozialarbeiter:innen angestellt sind. Fehlt er, legen "
        "Sie ihn zuerst unter „Träger“ an.",
        message="Diesen Träger gibt es nicht (mehr). Bitte wählen Sie einen aus der Liste.",
    ),
    *CONTACT,
    WEB,
)
ORGANIZATION_FIELDS = (
    Field("name", "Name", required=True, message=_required("Name", 300)),
    Field(
        "kind",
        "Art",
        kind="select",
        required=True,
        options=ORGANIZATION_KINDS,
        message="Bitte wählen Sie die Art der Organisation.",
    ),
    Field(
        "region",
        "Region",
        kind="select",
        required=True,
        message="Bitte wählen Sie eine Region (die Landesebene nur als Landeskoordinierung).",
    ),
    *ADDRESS,
    *CONTACT,
    WEB,
)
PERSON_FIELDS = (
    Field("name", "Name", required=True, message=_required("Name", 200)),
    Field(
        "function",
        "Funktion",
        kind="select",
        required=True,
        options=PERSON_FUNCTIONS,
        message="Bitte wählen Sie die Funktion.",
    ),
    *CONTACT,
    Field(
        "organization_id",
        "Organisation",
        kind="select",
        hint="Die Einrichtung, für die die Person arbeitet; ihre Region gilt dann für die Person.",
        message="Diese Organisation gibt es nicht (mehr). Bitte wählen Sie eine aus der Liste.",
    ),
    Field(
        "region",
        "Region",
        kind="select",
        hint="Gilt, wenn die Person zu keiner Schule und keiner Organisation gehört.",
        message="Bitte wählen Sie eine Region, die Sie betreuen.",
    ),
    Field(
        "public",
        "Öffentlich: auf der regionalen Kontaktliste zeigen",
        kind="checkbox",
        hint="Nur für Ansprechpersonen, die der Veröffentlichung zugestimmt haben.",
    ),
)

HIDDEN_PERSON_FIELDS = ("school_id",)
"""A person of a school is created from the school's page: the school goes along hidden."""


@dataclass
class RegistryForm:
    """A registry form's values as typed (strings; checkboxes as "on"/""), and for a change the
    values of the version it was opened on (hidden ``orig-<name>`` fields): only what the person
    changed is sent, so a change made meanwhile by someone else is kept."""

    fields: tuple[Field, ...]
    values: dict[str, str] = field(default_factory=dict)
    original: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, fields: tuple[Field, ...], form: FormData) -> RegistryForm:
        def text(name: str) -> str | None:
            value = form.get(name)
            return value.strip() if isinstance(value, str) else None

        values = {
            name: text(name) or ""
            for name in [f.name for f in fields] + ["version", "key", *HIDDEN_PERSON_FIELDS]
        }
        original = {f.name: text(f"orig-{f.name}") for f in fields}
        return cls(fields, values, {k: v for k, v in original.items() if v is not None})

    @classmethod
    def of(cls, fields: tuple[Field, ...], item: Mapping[str, Any]) -> RegistryForm:
        """The form filled with a resource as the API answered it."""
        values: dict[str, str] = {}
        for f in fields:
            value = item.get(f.name)
            if f.kind == "checkbox":
                values[f.name] = "on" if value else ""
            elif f.name == "region" and value is None:
                values[f.name] = STATE
            else:
                values[f.name] = "" if value is None else str(value)
        original = dict(values)
        values["version"] = str(item.get("version", ""))
        for name in HIDDEN_PERSON_FIELDS:
            values[name] = str(item.get(name) or "")
        return cls(fields, values, original)

    def changed(self, name: str) -> bool:
        return name not in self.original or self.values.get(name, "") != self.original[name]

    def body(self, *, creating: bool) -> tuple[dict[str, Any], Errors]:
        """The API body, and German errors for what the page can tell before asking."""
        body: dict[str, Any] = {}
        errors: Errors = []
        for f in self.fields:
            value = self.values.get(f.name, "")
            if not creating and not self.changed(f.name):
                continue
            if f.kind == "checkbox":
                body[f.name] = value == "on"
            elif not value:
                if f.required:
                    errors.append({"field": f.name, "message": f.message})
                elif not creating:
                    body[f.name] = None
            elif f.options and value not in f.options:
                errors.append({"field": f.name, "message": f.message})
            else:
                body[f.name] = value
        if body.get("region") == STATE:
            body["region"] = None
        school = self.values.get("school_id")
        if creating and school:
            body["school_id"] = school
        if school or body.get("organization_id"):
            body.pop("region", None)  # a person's region follows from the school or organisation
        return body, errors

    def take_over(self, fresh: Mapping[str, Any]) -> dict[str, str]:
        """After a stale save: the fields the person left alone take the stored values, the
        typed ones stay; the form is now on the stored version. Returns the stored values of the
        fields where both changed (shown beside them)."""
        stored = RegistryForm.of(self.fields, fresh)
        conflicts: dict[str, str] = {}
        for f in self.fields:
            now = stored.values.get(f.name, "")
            if not self.changed(f.name):
                self.values[f.name] = now
            elif now != self.values.get(f.name, "") and now != self.original.get(f.name):
                conflicts[f.name] = now
        self.original = stored.original
        self.values["version"] = stored.values["version"]
        return conflicts


def version_header(version: str) -> dict[str, str]:
    """``If-Match`` with the version the form was opened on."""
    return {"If-Match": f'"{version}"'} if version.isdigit() else {}


RULES = {
    "school-number-taken": (
        "school_number",
        "Diese Schulnummer hat schon eine andere Schule. Schulnummern sind amtlich und eindeutig: "
        "Bitte prüfen Sie die Nummer, oder ändern Sie die andere Schule.",
    ),
    "forbidden": (
        "region",
        "Für diese Region sind Sie nicht zuständig. Sie können nur Einträge Ihrer eigenen Region "
        "anlegen und ändern.",
    ),
    "person-erased": (None, "Die Daten dieser Person sind gelöscht; sie lässt sich nicht ändern."),
}
CHANGED = (
    "Jemand anderes hat diesen Eintrag inzwischen geändert. Seine Änderungen sind in das Formular "
    "übernommen, Ihre Eingaben stehen weiter darin. Bitte prüfen Sie die Angaben und speichern "
    "Sie erneut."
)

CHANGED_BEFORE_ERASURE = (
    "Die Angaben zu dieser Person wurden inzwischen geändert. Bitte prüfen Sie den aktuellen "
    "Stand und bestätigen Sie das Löschen erneut."
)


def api_errors(exc: ApiError, fields: tuple[Field, ...]) -> Errors:
    """The registry's refusal (409, 422, 403) as German errors beside the form's fields."""
    by_name = {f.name: f for f in fields}
    if exc.status == 403:
        name, message = RULES["forbidden"]
        return [{"field": name if name in by_name else None, "message": message}]
    if exc.rule in RULES:
        name, message = RULES[exc.rule or ""]
        return [{"field": name, "message": message}]
    errors: Errors = []
    for item in exc.field_errors:
        error: dict[str, Any]
        location = str(item.get("field") or "").split(".")[0]
        kind = str(item.get("type") or "")
        if kind == "school_number_taken":
            error = {"field": "school_number", "message": RULES["school-number-taken"][1]}
        elif location in by_name:
            error = {"field": location, "message": by_name[location].message}
        elif location == "school_id":
            error = {"field": None, "message": "Diese Schule gibt es nicht (mehr)."}
        else:
            continue
        if error not in errors:
            errors.append(error)
    return errors or [{"field": None, "message": GENERAL}]


# --------------------------------------------------------------------------- the CSV import

COLUMN_LABELS = {f.name: f.label for f in SCHOOL_FIELDS} | {
    "has_school_social_work": "Schulsozialarbeit",
    "social_work_provider_id": "Träger der Schulsozialarbeit",
}
IMPORT_COLUMNS = (
    "school_number",
    "name",
    "school_type",
    "street",
    "postal_code",
    "city",
    "region",
    "has_school_social_work",
)
IMPORT_OPTIONAL = ("email", "phone", "website", "social_work_provider_id")
ROW_MESSAGES = {
    "school_number": "Die Schulnummer besteht aus Ziffern, Buchstaben und Bindestrichen "
    "(höchstens 20 Zeichen).",
    "name": "Der Name fehlt oder ist länger als 300 Zeichen.",
    "school_type": "Unbekannte Schulform. Erlaubt sind: " + ", ".join(SCHOOL_TYPES) + ".",
    "region": "Unbekannte Region. Erlaubt sind die Kürzel der 14 Regionen, z. B. boerde.",
    "has_school_social_work": "Schreiben Sie ja oder nein (oder true/false).",
    "social_work_provider_id": "Diesen Träger gibt es im Verzeichnis nicht.",
}
_GOT = re.compile(r"\(got '(.*)'\)$")
_DUPLICATE = re.compile(r"already appears in row (\d+)")
_NOT_YOURS = re.compile(r"may not manage schools of the region '([^']*)'")


def row_reason(error: Mapping[str, Any]) -> str:
    """A rejected row's reason in German (the registry reports it in English)."""
    name = str(error.get("field") or "")
    reason = str(error.get("reason") or "")
    label = COLUMN_LABELS.get(name, name)
    if not name:
        return (
            "Die Zeile hat mehr Zellen als die Kopfzeile Spalten. Eine Zelle, die das "
            "Trennzeichen enthält, gehört in Anführungszeichen."
        )
    if reason.startswith("is empty"):
        hint = " Schreiben Sie ja oder nein." if name == "has_school_social_work" else ""
        return f"„{label}“ fehlt; jede Schule braucht diese Angabe.{hint}"
    duplicate = _DUPLICATE.search(reason)
    if duplicate:
        return (
            f"Diese Schulnummer steht schon in Zeile {duplicate[1]}; jede Schule darf nur einmal "
            "in der Datei stehen."
        )
    not_yours = _NOT_YOURS.search(reason)
    if not_yours:
        return f"Schulen der Region „{not_yours[1]}“ dürfen Sie nicht anlegen oder ändern."
    by_name = {f.name: f.message for f in SCHOOL_FIELDS} | ROW_MESSAGES
    message = by_name.get(name, "Bitte prüfen Sie diese Angabe.")
    got = _GOT.search(reason)
    return f"{message} (Wert in der Datei: „{got[1]}“)" if got else message


FILE_MESSAGES = {
    "missing_column": "Es fehlt die Spalte „{0}“.",
    "unknown_column": "Die Spalte „{0}“ gibt es nicht.",
    "repeated_column": "Die Spalte „{0}“ steht zweimal in der Kopfzeile.",
}


def file_errors(exc: ApiError) -> Errors:
    """Why the file as a whole cannot be imported, in German, beside the file field."""
    errors: Errors = []
    for item in exc.field_errors:
        template = FILE_MESSAGES.get(str(item.get("type") or ""))
        if template:
            errors.append({"field": "file", "message": template.format(item.get("field"))})
    if errors:
        errors.append(
            {
                "field": "file",
                "message": "Die erste Zeile muss die Spalten "
                + ", ".join(IMPORT_COLUMNS)
                + " nennen und kann "
                + ", ".join(IMPORT_OPTIONAL)
                + " hinzufügen.",
            }
        )
        return errors
    detail = str(exc.problem.get("detail") or "")
    if exc.status == 413:
        message = "Die Datei ist größer als 10 MB. Bitte teilen Sie sie in mehrere Dateien."
    elif "UTF-8" in detail:
        message = (
            "Die Datei ist nicht als UTF-8 gespeichert. Speichern Sie sie als „CSV UTF-8“ "
            "(Excel: Datei › Speichern unter › „CSV UTF-8 (durch Trennzeichen getrennt)“) und "
            "laden Sie sie erneut hoch."
        )
    elif "empty" in detail:
        message = "Die Datei ist leer. Die erste Zeile muss die Spalten nennen."
    elif "not valid CSV" in detail:
        message = (
            "Die Datei ist keine gültige CSV-Datei: Ein Anführungszeichen, das eine Zelle öffnet, "
            "muss sie auch schließen."
        )
    else:
        message = "Diese Datei kann nicht eingelesen werden. Bitte laden Sie eine CSV-Datei hoch."
    return [{"field": "file", "message": message}]
