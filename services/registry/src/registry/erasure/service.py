"""Domain functions for erasure requests. They change state and append events; they never commit.

A request names an e-mail address; ``registry.erasure.requested`` carries it to every service
(the registry answers too, see ``registry.main``), and each answers with
``<service>.erasure.completed``. The address is kept only while the request is pending: once the
last expected service has answered, the row keeps only ``email_hint``, the request's message is
erased from the REGISTRY stream and its outbox row deleted. Logs carry ids only, never the address.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from registry.erasure import repository
from registry.erasure.schemas import ErasureRequestView, email_hint
from registry.models import ErasureAnswer, ErasureRequest, audit_log, outbox
from schulerfolg.auth import Principal
from schulerfolg.db import utcnow
from schulerfolg.events import EventDecodeError, decode_event
from schulerfolg.events.base import STATE, CloudEvent
from schulerfolg.events.privacy import ErasureCompletedData, ErasureRequested
from schulerfolg.http.pagination import PageParams
from schulerfolg.http.problems import NotFound
from schulerfolg.privacy import audit
from schulerfolg.privacy.erasure import erase_stream_messages, normalise_email

log = structlog.get_logger("registry.erasure")

RESOURCE = "erasure-requests"
REQUESTED_SUBJECTS = "sfs.*.registry.erasure.requested"


class ErasureRequestNotFound(NotFound):
    """No erasure request with that id."""

    slug = "erasure-request-not-found"

    def __init__(self, request_id: uuid.UUID) -> None:
        super().__init__(f"There is no erasure request {request_id}.")


async def file_request(
    session: AsyncSession,
    *,
    requested_by: Principal,
    email: str,
    reason: str,
    origin: str,
    services: Sequence[str],
) -> ErasureRequestView:
    """File a request for ``email``, expecting an answer from each of ``services``; emits
    ``registry.erasure.requested`` (the one event carrying the address)."""
    address = normalise_email(email)
    request = ErasureRequest(
        email=address,
        email_hint=email_hint(address),
        reason=reason,
        origin=origin,
        requested_by=requested_by.sub,
    )
    session.add(request)
    await session.flush()
    answers = [
        ErasureAnswer(request_id=request.id, service=service, position=position)
        for position, service in enumerate(services)
    ]
    session.add_all(answers)
    await outbox.append(
        session,
        ErasureRequested(id=request.id, email=address),
        entity_id=str(request.id),
        region=STATE,
    )
    await audit.record(
        session,
        audit_log,
        actor=requested_by,
        action="erasure.requested",
        resource=audit.resource_of(RESOURCE, request.id),
    )
    log.info("registry.erasure.requested", request_id=str(request.id), origin=origin)
    return ErasureRequestView.of(request, answers)


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> ErasureRequestView:
    """A request with its answers; 404 if unknown."""
    request = await repository.get_request(session, request_id)
    if request is None:
        raise ErasureRequestNotFound(request_id)
    answers = await repository.answers_of(session, [request.id])
    return ErasureRequestView.of(request, answers[request.id])


async def list_requests(
    session: AsyncSession, *, page: PageParams, status: str | None
) -> tuple[list[ErasureRequestView], str | None]:
    """Requests newest first, one page."""
    requests, next_cursor = await repository.list_requests(session, page=page, status=status)
    answers = await repository.answers_of(session, [request.id for request in requests])
    return [ErasureRequestView.of(r, answers[r.id]) for r in requests], next_cursor


async def record_answer(session: AsyncSession, runtime: Any, event: CloudEvent[Any]) -> None:
    """Record a service's ``<service>.erasure.completed``; complete the request with the last.

    A repeated answer changes nothing; an answer for an unknown request, or from a service the
    request does not wait for, is logged and ignored.
    """
    answer_data: ErasureCompletedData = event.data
    service = answer_data.event_meta.service
    request_id = answer_data.request_id
    request = await repository.get_request(session, request_id, for_update=True)
    answer = await repository.get_answer(session, request_id, service) if request else None
    if request is None or answer is None:
        log.warning(
            "registry.erasure.answer_ignored",
            request_id=str(request_id),
            service=service,
            reason="unknown request" if request is None else "service not expected",
        )
        return
    if answer.completed_at is not None:
        return
    answer.completed_at = event.time
    answer.counts = dict(answer_data.counts)
    session.add(answer)
    await session.flush()
    log.info("registry.erasure.answered", request_id=str(request_id), service=service)
    answers = (await repository.answers_of(session, [request_id]))[request_id]
    if request.status == "pending" and all(a.completed_at is not None for a in answers):
        await _complete(session, runtime, request)


async def _complete(session: AsyncSession, runtime: Any, request: ErasureRequest) -> None:
    """Every service has answered: drop the address, erase the request's message and outbox row."""
    request.status = "completed"
    request.completed_at = utcnow()
    request.email = None
    request.touch()
    session.add(request)
    outbox_rows = await repository.delete_request_outbox_row(session, request.id)
    stream_messages = await erase_request_message(runtime, request.id)
    await audit.record(
        session,
        audit_log,
        actor=audit.SYSTEM,
        action="erasure.completed",
        resource=audit.resource_of(RESOURCE, request.id),
    )
    runtime.housekeeping.checkpoint_after_commit(session)
    log.info(
        "registry.erasure.completed",
        request_id=str(request.id),
        outbox_rows_deleted=outbox_rows,
        stream_messages_erased=stream_messages,
    )


async def erase_request_message(runtime: Any, request_id: uuid.UUID) -> int:
    """Erase the request's ``registry.erasure.requested`` message from the REGISTRY stream."""
    subject = f"erasures/{request_id}"

    def is_the_request(data: bytes) -> bool:
        try:
            event = decode_event(data)
        except EventDecodeError:
            return False
        return event.subject == subject and isinstance(event.data, ErasureRequested)

    return await erase_stream_messages(
        runtime.messaging.jetstream,
        runtime.stream.name,
        filter_subject=REQUESTED_SUBJECTS,
        matches=is_the_request,
    )
