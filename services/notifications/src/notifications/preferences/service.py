"""A user's notification preferences (keyed by the token's ``sub``; the token's e-mail address is
kept with them, so notifications to that address follow them too)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.common import normalize_email
from notifications.models import Preference
from notifications.preferences import repository
from notifications.preferences.schemas import PreferencesUpdate
from schulerfolg.auth import Principal
from schulerfolg.db import utcnow
from schulerfolg.http.etag import check_if_match
from schulerfolg.privacy.audit import record, resource_of


async def get_preferences(*, session: AsyncSession, principal: Principal) -> Preference | None:
    """The caller's saved preferences, or None (defaults apply)."""
    return await repository.get(session, principal.sub)


async def put_preferences(
    *,
    session: AsyncSession,
    audit_log: Table,
    principal: Principal,
    data: PreferencesUpdate,
    if_match: str | None = None,
) -> Preference:
    """Replace the caller's preferences (412 on a stale If-Match); audited
    (``preferences.updated`` on ``preferences/<sub>``) in the same transaction."""
    held = await repository.get(session, principal.sub, for_update=True)
    check_if_match(if_match, held.version if held else 0)
    preference = held or Preference(sub=principal.sub, version=0)
    kinds: dict[str, Any] = {
        kind: channels.model_dump()
        for kind, channels in data.kinds.items()
        if not (channels.email and channels.inbox)
    }
    preference.email = normalize_email(principal.email)
    preference.email_enabled = data.channels.email
    preference.inbox_enabled = data.channels.inbox
    preference.kinds = kinds
    preference.digest = data.digest
    preference.version += 1
    preference.updated_at = utcnow()
    session.add(preference)
    await session.flush()
    await record(
        session,
        audit_log,
        actor=principal,
        action="preferences.updated",
        resource=resource_of("preferences", principal.sub),
    )
    return preference
