"""Personal calendar subscriptions: one secret feed link per person.

A signed-in person asks for a link (``POST /calendar-feeds``); meetings makes a 32-byte random
secret, keeps only its SHA-256 and answers the secret once. ``GET /meetings.ics?feed=<secret>``
needs no token and answers the sessions of the committees the person sits in (non-public ones
too), as their seats are when the calendar program asks. A new link replaces the person's earlier
ones; ``DELETE`` revokes; an erased person's links go with their data.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

import structlog
from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from meetings.calendar import repository
from meetings.common import Viewer, audit
from meetings.models import CalendarFeed, Meeting
from meetings.persons import repository as persons
from schulerfolg.http.problems import NotFound

log = structlog.get_logger("meetings.calendar")

SECRET_BYTES = 32
FEEDS = "calendar-feeds"


class FeedNotFound(NotFound):
    """No subscription with that secret or id (unknown, revoked, or another person's)."""

    slug = "calendar-feed-not-found"

    def __init__(self) -> None:
        super().__init__("There is no such calendar subscription (unknown or revoked).")


def secret_hash(secret: str) -> str:
    """The hex SHA-256 of a feed secret (what is stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_feed(*, session: AsyncSession, viewer: Viewer) -> tuple[CalendarFeed, str]:
    """A new subscription for the caller and its secret; the caller's earlier ones are revoked."""
    principal = viewer.ensure_signed_in()
    await repository.delete_feeds(session, repository.of_user(principal.sub))
    secret = secrets.token_urlsafe(SECRET_BYTES)
    feed = CalendarFeed(
        user_sub=principal.sub,
        person_id=await persons.person_id_of_user(session, principal.sub),
        secret_hash=secret_hash(secret),
    )
    session.add(feed)
    await session.flush()
    await audit(session, principal, "calendar_feed.created", FEEDS, feed.id)
    log.info("meetings.calendar_feed.created", feed_id=str(feed.id))
    return feed, secret


async def list_feeds(*, session: AsyncSession, viewer: Viewer) -> list[CalendarFeed]:
    """The caller's subscriptions."""
    principal = viewer.ensure_signed_in()
    return await repository.feeds_of(session, principal.sub)


async def revoke_feed(*, session: AsyncSession, viewer: Viewer, feed_id: uuid.UUID) -> None:
    """Revoke one of the caller's subscriptions (404 for another person's or an unknown one)."""
    principal = viewer.ensure_signed_in()
    if not await repository.delete_feeds(session, repository.one_of_user(feed_id, principal.sub)):
        raise FeedNotFound()
    await audit(session, principal, "calendar_feed.revoked", FEEDS, feed_id)
    log.info("meetings.calendar_feed.revoked", feed_id=str(feed_id))


async def feed_visibility(*, session: AsyncSession, secret: str) -> ColumnElement[bool]:
    """The meetings a feed shows: those of its person's committees (404 for a wrong secret)."""
    feed = await repository.feed_with_hash(session, secret_hash(secret))
    if feed is None:
        raise FeedNotFound()
    seats = await persons.committee_ids_of_user(session, feed.user_sub)
    return col(Meeting.committee_id).in_(list(seats)) if seats else false()
