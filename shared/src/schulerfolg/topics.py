"""The topic vocabulary of school projects: what applications carry (offers) and what a needs
survey's choices can stand for (planning), so demand and funded projects meet by slug."""

from __future__ import annotations

from typing import Literal

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

TopicSlug = Literal[tuple(TOPICS)]  # type: ignore[valid-type]  # a Literal built from the vocabulary at run time
"""A topic slug, as a type request models validate against."""
