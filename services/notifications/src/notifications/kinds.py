"""The kinds of notification this service sends (one template pair per kind)."""

from __future__ import annotations

from typing import Literal, get_args

NotificationKind = Literal[
    "application_submitted",
    "application_approved",
    "application_rejected",
    "application_returned",
    "decision_refused",
    "meeting_scheduled",
    "meeting_updated",
    "meeting_cancelled",
    "registration_confirmed",
    "registration_waitlisted",
    "registration_promoted",
    "meeting_reminder",
    "report_due",
]

KINDS: tuple[str, ...] = get_args(NotificationKind)
DIGEST = "digest"  # the e-mail collecting a period's notifications (not a preference kind)
