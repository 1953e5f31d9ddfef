"""What every page route uses: the signed-in person, the API client, and the refusals that
become pages (sign in first; not yours; not found)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from web.auth.schemas import User
from web.site.client import Api


class SignInRequired(Exception):
    """The page needs a signed-in person: the browser is sent to ``/anmelden``."""


def optional_user(request: Request) -> User | None:
    """The signed-in person, or None (the session middleware found it)."""
    user: User | None = getattr(request.state, "user", None)
    return user


def current_user(request: Request) -> User:
    """The signed-in person; everyone else is sent to sign in first."""
    user = optional_user(request)
    if user is None:
        raise SignInRequired()
    return user


def get_api(request: Request) -> Api:
    api: Api = request.app.state.api
    return api


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
ApiDep = Annotated[Api, Depends(get_api)]
