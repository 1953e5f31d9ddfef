"""Realistic school lists of Saxony-Anhalt as CSV files, for tests and the import benchmark.

``generate_schools(n)`` spreads schools over the 14 regions with their real towns and postal
codes, every school type, German names with umlauts and typographic quotes, some with commas
and straight quotes (which CSV has to quote). ``to_csv`` writes them the way spreadsheets do:
with or without BOM, ``;`` or ``,``, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass

HEADER = (
    "school_number",
    "name",
    "school_type",
    "street",
    "postal_code",
    "city",
    "region",
    "has_school_social_work",
    "email",
    "phone",
    "website",
)
REQUIRED_HEADER = HEADER[:8]


@dataclass(frozen=True)
class Region:
    slug: str
    district_key: str
    area_code: str
    towns: tuple[tuple[str, str], ...]  # (town, postal code)


REGIONS = (
    Region(
        "altmarkkreis-salzwedel",
        "15081",
        "03901",
        (
            ("Salzwedel", "29410"),
            ("Gardelegen", "39638"),
            ("Klötze", "38486"),
            ("Kalbe (Milde)", "39624"),
            ("Arendsee (Altmark)", "39619"),
        ),
    ),
    Region(
        "anhalt-bitterfeld",
        "15082",
        "03493",
        (
            ("Bitterfeld-Wolfen", "06749"),
            ("Köthen (Anhalt)", "06366"),
            ("Zerbst/Anhalt", "39261"),
            ("Sandersdorf-Brehna", "06792"),
            ("Raguhn-Jeßnitz", "06779"),
            ("Südliches Anhalt", "06369"),
        ),
    ),
    Region(
        "boerde",
        "15083",
        "03904",
        (
            ("Haldensleben", "39340"),
            ("Oschersleben (Bode)", "39387"),
            ("Wanzleben-Börde", "39164"),
            ("Wolmirstedt", "39326"),
            ("Barleben", "39179"),
            ("Hohe Börde", "39167"),
            ("Sülzetal", "39171"),
            ("Oebisfelde-Weferlingen", "39646"),
        ),
    ),
    Region(
        "burgenlandkreis",
        "15084",
        "03445",
        (
            ("Naumburg (Saale)", "06618"),
            ("Weißenfels", "06667"),
            ("Zeitz", "06712"),
            ("Hohenmölsen", "06679"),
            ("Nebra (Unstrut)", "06642"),
        ),
    ),
    Region(
        "dessau-rosslau",
        "15001",
        "0340",
        (("Dessau-Roßlau", "06844"), ("Dessau-Roßlau", "06846"), ("Dessau-Roßlau", "06862")),
    ),
    Region(
        "halle",
        "15002",
        "0345",
        (
            ("Halle (Saale)", "06108"),
            ("Halle (Saale)", "06110"),
            ("Halle (Saale)", "06120"),
            ("Halle (Saale)", "06122"),
            ("Halle (Saale)", "06130"),
        ),
    ),
    Region(
        "harz",
        "15085",
        "03941",
        (
            ("Halberstadt", "38820"),
            ("Wernigerode", "38855"),
            ("Quedlinburg", "06484"),
            ("Blankenburg (Harz)", "38889"),
            ("Thale", "06502"),
            ("Ilsenburg (Harz)", "38871"),
            ("Osterwieck", "38835"),
            ("Ballenstedt", "06493"),
        ),
    ),
    Region(
        "jerichower-land",
        "15086",
        "03921",
        (("Burg", "39288"), ("Genthin", "39307"), ("Möckern", "39291"), ("Gommern", "39245")),
    ),
    Region(
        "magdeburg",
        "15003",
        "0391",
        (
            ("Magdeburg", "39104"),
            ("Magdeburg", "39108"),
            ("Magdeburg", "39110"),
            ("Magdeburg", "39112"),
            ("Magdeburg", "39126"),
            ("Magdeburg", "39128"),
        ),
    ),
    Region(
        "mansfeld-suedharz",
        "15087",
        "03464",
        (
            ("Sangerhausen", "06526"),
            ("Lutherstadt Eisleben", "06295"),
            ("Hettstedt", "06333"),
            ("Mansfeld", "06343"),
            ("Allstedt", "06542"),
        ),
    ),
    Region(
        "saalekreis",
        "15088",
        "03461",
        (
            ("Merseburg", "06217"),
            ("Leuna", "06237"),
            ("Querfurt", "06268"),
            ("Bad Dürrenberg", "06231"),
            ("Landsberg", "06188"),
            ("Wettin-Löbejün", "06193"),
        ),
    ),
    Region(
        "salzlandkreis",
        "15089",
        "03471",
        (
            ("Bernburg (Saale)", "06406"),
            ("Schönebeck (Elbe)", "39218"),
            ("Aschersleben", "06449"),
            ("Staßfurt", "39418"),
            ("Calbe (Saale)", "39240"),
        ),
    ),
    Region(
        "stendal",
        "15090",
        "03931",
        (
            ("Stendal", "39576"),
            ("Tangermünde", "39590"),
            ("Havelberg", "39539"),
            ("Osterburg (Altmark)", "39606"),
            ("Bismark (Altmark)", "39629"),
        ),
    ),
    Region(
        "wittenberg",
        "15091",
        "03491",
        (
            ("Lutherstadt Wittenberg", "06886"),
            ("Gräfenhainichen", "06773"),
            ("Jessen (Elster)", "06917"),
            ("Oranienbaum-Wörlitz", "06785"),
            ("Zahna-Elster", "06895"),
        ),
    ),
)
REGION_SLUGS = tuple(r.slug for r in REGIONS)

# (type, German name, share of all schools)
SCHOOL_TYPES = (
    ("grundschule", "Grundschule", 40),
    ("sekundarschule", "Sekundarschule", 15),
    ("gemeinschaftsschule", "Gemeinschaftsschule", 10),
    ("gesamtschule", "Integrierte Gesamtschule", 3),
    ("gymnasium", "Gymnasium", 12),
    ("foerderschule", "Förderschule", 10),
    ("berufsbildende_schule", "Berufsbildende Schulen", 5),
    ("other", "Freie Schule", 5),
)
PATRONS = (
    "Am Börde-Park",
    "Geschwister Scholl",
    "Johann Wolfgang von Goethe",
    "Friedrich Schiller",
    "Am Mühlenberg",
    "Käthe Kollwitz",
    "Thomas Müntzer",
    "Lessing",
    "Otto von Guericke",
    "Bertolt Brecht",
    "Am Sülzetal",
    "Philipp Melanchthon",
    "Martin Luther",
    "Astrid Lindgren",
    "Am Schloßpark",
    "Pestalozzi",
    "Georg Friedrich Händel",
    "Weinberg",
    "Jahn",
    "Kuhberg",
    "Lindenhof",
    "Hans Christian Andersen",
    "Ökumenische Schule",
    "An der Saaleaue",
)
STREETS = (
    "Schulstraße",
    "Straße der Jugend",
    "Lindenallee",
    "Am Anger",
    "Bahnhofstraße",
    "Friedensstraße",
    "Goethestraße",
    "Magdeburger Straße",
    "Rosa-Luxemburg-Straße",
    "Große Straße",
    "Am Sportplatz",
    "Weinbergstraße",
)


def school_number(region: Region, index: int) -> str:
    """A 9-digit school number: the district key and a running number."""
    return f"{region.district_key}{index:04d}"


def _name(rng: random.Random, label: str, patron: str, town: str, index: int) -> str:
    style = index % 10
    if style == 7:  # a comma: must be quoted when the separator is ","
        return f"{label} „{patron}“, Außenstelle {town}"
    if style == 8:  # straight quotes: doubled inside a quoted cell
        return f'{label} "{patron}" {town}'
    if style == 9:
        return f"{label} {town} – Schule mit Ganztagsangebot; Standort Süd"
    return f"{label} „{patron}“ {town}"


def generate_schools(n: int, *, seed: int = 2008) -> list[dict[str, str]]:
    """``n`` schools as CSV cells (strings), spread over the 14 regions and every school type."""
    rng = random.Random(seed)
    counters = dict.fromkeys(REGION_SLUGS, 0)
    kinds = [kind for kind in SCHOOL_TYPES for _ in range(kind[2])]
    rows = []
    for i in range(n):
        region = REGIONS[i % len(REGIONS)]
        counters[region.slug] += 1
        index = counters[region.slug]
        school_type, label, _share = (
            SCHOOL_TYPES[i % len(SCHOOL_TYPES)] if i < 56 else rng.choice(kinds)
        )
        town, postal_code = rng.choice(region.towns)
        number = school_number(region, index)
        name = _name(rng, label, rng.choice(PATRONS), town, i)
        has_ssw = rng.random() < 0.45
        rows.append(
            {
                "school_number": number,
                "name": name,
                "school_type": school_type,
                "street": f"{rng.choice(STREETS)} {rng.randint(1, 120)}{rng.choice(['', '', 'a'])}",
                "postal_code": postal_code,
                "city": town,
                "region": region.slug,
                "has_school_social_work": rng.choice(
                    ["ja", "Ja", "true"] if has_ssw else ["nein", "Nein", "false"]
                ),
                "email": f"sekretariat.{number}@schulen-lsa.example" if i % 4 else "",
                "phone": f"{region.area_code} {rng.randint(10000, 999999)}" if i % 5 else "",
                "website": f"https://www.schule-{number}.example" if i % 3 == 0 else "",
            }
        )
    return rows


def to_csv(
    rows: Sequence[dict[str, str]],
    *,
    delimiter: str = ";",
    bom: bool = True,
    encoding: str = "utf-8",
    header: Sequence[str] = HEADER,
) -> bytes:
    """The rows as a CSV file (header row first, CRLF line ends as spreadsheets write them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom and encoding == "utf-8" else data
