"""ETags from resource versions: ``ETag: "<version>"``; ``If-Match`` answers 412 when stale."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from schulerfolg.http.problems import PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag you read; a stale one is answered with 412.",
    ),
]
"""The ``If-Match`` request header of a write; pass it on to ``check_if_match``."""


def etag(version: int) -> str:
    """The strong ETag of a resource version."""
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    """Put the resource version into the response's ETag header."""
    response.headers["ETag"] = etag(version)


def check_if_match(if_match: str | None, version: int) -> None:
    """Raise 412 when ``If-Match`` is given and names none of the current version's tags.

    Without the header the write goes through (clients that do not use ETags keep working).
    """
    if if_match is None:
        return
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in candidates or etag(version) in candidates:
        return
    raise PreconditionFailed(
        f"The resource has changed (current version {version}); reload it and apply your change again.",
        headers={"ETag": etag(version)},
    )
