"""Field types the offers bodies share, the topic vocabulary and target groups of school
projects; region helpers from the shared library."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from schulerfolg.http.validation import reject_null
from schulerfolg.regions import check_region_filter, normalise_region, subject_region

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10000)]

TOPICS: dict[str, str] = {
    "violence-prevention": "Gewaltprävention",
    "bullying": "Mobbing und Cybermobbing",
    "media-literacy": "Medienkompetenz",
    "cultural-participation": "Kulturelle Teilhabe",
    "mediation": "Mediation und Konfliktlösung",
    "experiential-education": "Erlebnispädagogik und Klassengemeinschaft",
    "school-absenteeism": "Schulabsentismus",
    "transition": "Übergänge (Kita–Grundschule, Grundschule–weiterführende Schule, Schule–Beruf)",
    "democracy-diversity": "Demokratie und Vielfalt",
    "mindfulness": "Achtsamkeit und psychische Gesundheit",
    "social-learning": "Soziales Lernen",
    "addiction-prevention": "Suchtprävention",
    "parent-involvement": "Elternarbeit und Erziehungspartnerschaft",
    "career-orientation": "Berufsorientierung",
    "child-protection": "Kinderschutz und Kindeswohl",
    "gender": "Mädchen- und Jungenarbeit",
    "music-arts": "Musik, Theater und Zirkus",
    "learning-support": "Lernförderung",
}
"""Topic slug → German name (the slugs are what applications carry)."""

TARGET_GROUPS = ("pupils", "parents", "teachers")

__all__ = [
    "TARGET_GROUPS",
    "TOPICS",
    "LongText",
    "Text",
    "check_region_filter",
    "normalise_region",
    "reject_null",
    "subject_region",
]
