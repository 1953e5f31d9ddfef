"""Where a sign-in may lead back to, and how a session's key is stored."""

from __future__ import annotations

import pytest

from web.auth.service import safe_next, session_id_of


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("/antraege/neu", "/antraege/neu"),
        ("/antraege?status=draft", "/antraege?status=draft"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/anmelden", "/"),
        ("/abmelden", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_paths_of_this_site_are_followed_after_sign_in(
    asked: str | None, expected: str
) -> None:
    assert safe_next(asked) == expected


def test_the_table_holds_a_hash_of_the_cookie_not_the_cookie() -> None:
    key = session_id_of("the-cookie-value")
    assert key != "the-cookie-value" and len(key) == 64
    assert session_id_of("the-cookie-value") == key
