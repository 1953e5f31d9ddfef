"""The test OIDC provider (``schulerfolg_dev.testing.oidc``) is a real one the suite can trust:
its discovery document is served, the authorization code flow with PKCE goes through its
sign-in form, and the access token it issues is accepted by the services' own TokenVerifier
with the account's roles and regions. PKCE is enforced, wrong passwords are refused.

Only the provider runs here; the redirect URI is never called (the code is read from the
redirect's Location header).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
import pytest

from schulerfolg.auth import TokenVerifier
from schulerfolg.http.problems import Unauthorized
from schulerfolg_dev.testing.oidc import OidcProvider, oidc_provider

REDIRECT_URI = "http://127.0.0.1:9/auth/callback"  # never called
AFTER_LOGOUT_URI = "http://127.0.0.1:9/"  # never called
ACCESS_TOKEN_TTL = 120
ACCOUNTS = {
    "schule-boerde": {
        "password": "geheim-1",
        "sub": "user-schule-1",
        "name": "Erika Mustermann",
        "email": "erika@schule.example",
        "roles": ["school"],
        "regions": ["boerde"],
        "school_id": "school-42",
    },
    "netzwerkstelle-harz": {
        "password": "geheim-2",
        "sub": "user-office-1",
        "roles": ["network_office"],
        "regions": ["harz", "halle-saale"],
        "organization_id": "org-7",
    },
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with oidc_provider(
        [REDIRECT_URI],
        ACCOUNTS,
        post_logout_redirect_uris=[AFTER_LOGOUT_URI],
        access_token_ttl=ACCESS_TOKEN_TTL,
    ) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as http:
        yield http


# --------------------------------------------------------------------------- the flow


class _Forms(HTMLParser):
    """The forms of a page: action, method and the names of their inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action"), "method": values.get("method")})
            self.forms[-1] |= {"inputs": [], "hidden": {}}
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(values.get("name"))
            if values.get("type") == "hidden":
                self.forms[-1]["hidden"][values.get("name")] = values.get("value")


def _forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@dataclass
class Authorization:
    verifier: str
    response: httpx.Response  # the provider's last answer (a redirect to REDIRECT_URI or a page)

    @property
    def callback(self) -> dict[str, str]:
        """The query of the redirect to the client."""
        location = self.response.headers["location"]
        assert location.startswith(REDIRECT_URI + "?"), location
        return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _follow(client: httpx.Client, response: httpx.Response) -> httpx.Response:
    """Follow the provider's redirects until it shows a page or sends us to the client."""
    for _ in range(10):
        if not response.is_redirect or response.headers["location"].startswith(REDIRECT_URI):
            return response
        response = client.get(urljoin(str(response.url), response.headers["location"]))
    raise AssertionError("too many redirects")


def authorize(
    client: httpx.Client,
    provider: OidcProvider,
    login: str,
    password: str,
    *,
    pkce: bool = True,
    extra: dict[str, str] | None = None,
) -> Authorization:
    """Go through the authorization endpoint and the sign-in form like a browser."""
    discovery = client.get(provider.discovery_url).json()
    verifier, challenge = _pkce_pair()
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
    }
    if pkce:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    params |= extra or {}
    response = _follow(client, client.get(discovery["authorization_endpoint"], params=params))
    if response.is_redirect:  # refused before any sign-in
        return Authorization(verifier, response)
    assert response.status_code == 200, response.text
    (form,) = _forms(response.text)
    assert form["method"] == "post"
    assert {"login", "password"} <= set(form["inputs"])
    response = client.post(
        urljoin(str(response.url), form["action"]), data={"login": login, "password": password}
    )
    authorization = Authorization(verifier, _follow(client, response))
    if authorization.response.is_redirect:
        assert authorization.callback["state"] == params["state"]
    return authorization


def exchange(
    client: httpx.Client,
    provider: OidcProvider,
    code: str,
    verifier: str | None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    """The token request of a confidential client (client_secret_basic)."""
    discovery = client.get(provider.discovery_url).json()
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    data |= extra or {}
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post(
        discovery["token_endpoint"],
        data=data,
        auth=(provider.client_id, provider.client_secret),
    )


# --------------------------------------------------------------------------- tests


def test_discovery_names_the_issuer_and_requires_s256(provider, client) -> None:
    response = client.get(provider.discovery_url)
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == provider.issuer
    assert provider.issuer.startswith("http://127.0.0.1:")
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert client.get(document["jwks_uri"]).json()["keys"][0]["kty"] == "RSA"


async def test_code_flow_with_pkce_gives_a_token_the_services_accept(provider, client) -> None:
    authorization = authorize(client, provider, "schule-boerde", "geheim-1")
    callback = authorization.callback
    assert callback["iss"] == provider.issuer

    response = exchange(client, provider, callback["code"], authorization.verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] <= ACCESS_TOKEN_TTL

    verifier = TokenVerifier(issuer=provider.issuer, audience="schulerfolg")
    principal = await verifier.verify(tokens["access_token"])
    assert principal.sub == "user-schule-1"
    assert principal.roles == {"school"}
    assert principal.regions == {"boerde"}
    assert principal.school_id == "school-42"
    assert principal.organization_id is None
    assert (principal.name, principal.email) == ("Erika Mustermann", "erika@schule.example")

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "schulerfolg"
    assert claims["exp"] - claims["iat"] == ACCESS_TOKEN_TTL
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "RS256"

    # The ID token is for the client and names the same person and roles.
    signing_key = jwt.PyJWKClient(client.get(provider.discovery_url).json()["jwks_uri"])
    id_token = jwt.decode(
        tokens["id_token"],
        signing_key.get_signing_key_from_jwt(tokens["id_token"]),
        algorithms=["RS256"],
        audience=provider.client_id,
        issuer=provider.issuer,
    )
    assert (id_token["sub"], id_token["roles"], id_token["regions"]) == (
        "user-schule-1",
        ["school"],
        ["boerde"],
    )
    assert id_token["email"] == "erika@schule.example"


async def test_each_account_gets_its_own_roles_and_regions(provider, client) -> None:
    authorization = authorize(client, provider, "netzwerkstelle-harz", "geheim-2")
    response = exchange(client, provider, authorization.callback["code"], authorization.verifier)
    assert response.status_code == 200, response.text

    verifier = TokenVerifier(issuer=provider.issuer, audience="schulerfolg")
    principal = await verifier.verify(response.json()["access_token"])
    assert principal.sub == "user-office-1"
    assert principal.roles == {"network_office"}
    assert principal.regions == {"harz", "halle-saale"}
    assert principal.organization_id == "org-7"
    assert principal.may_manage_region("harz") and not principal.may_manage_region("boerde")


async def test_a_client_naming_a_resource_gets_the_same_token(provider, client) -> None:
    """Clients that send an RFC 8707 resource indicator (the web's AUTH_RESOURCE) as well."""
    resource = {"resource": "urn:schulerfolg:api"}
    authorization = authorize(client, provider, "schule-boerde", "geheim-1", extra=resource)
    code = authorization.callback["code"]
    response = exchange(client, provider, code, authorization.verifier, extra=resource)
    assert response.status_code == 200, response.text

    verifier = TokenVerifier(issuer=provider.issuer, audience="schulerfolg")
    principal = await verifier.verify(response.json()["access_token"])
    assert (principal.sub, principal.roles) == ("user-schule-1", {"school"})


async def test_a_service_expecting_another_audience_refuses_the_token(provider, client) -> None:
    authorization = authorize(client, provider, "schule-boerde", "geheim-1")
    response = exchange(client, provider, authorization.callback["code"], authorization.verifier)
    assert response.status_code == 200, response.text

    verifier = TokenVerifier(issuer=provider.issuer, audience="another-api")
    with pytest.raises(Unauthorized, match="wrong audience"):
        await verifier.verify(response.json()["access_token"])


def test_token_request_without_code_verifier_is_refused(provider, client) -> None:
    authorization = authorize(client, provider, "schule-boerde", "geheim-1")
    code = authorization.callback["code"]

    response = exchange(client, provider, code, None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()

    wrong = exchange(client, provider, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"


def test_authorization_request_without_code_challenge_is_refused(provider, client) -> None:
    authorization = authorize(client, provider, "schule-boerde", "geheim-1", pkce=False)
    callback = authorization.callback
    assert callback["error"] == "invalid_request"
    assert "PKCE" in callback["error_description"]
    assert "code" not in callback


def test_token_request_without_the_client_secret_is_refused(provider, client) -> None:
    authorization = authorize(client, provider, "schule-boerde", "geheim-1")
    discovery = client.get(provider.discovery_url).json()
    response = client.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": authorization.callback["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": authorization.verifier,
            "client_id": provider.client_id,
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("login", "password"), [("schule-boerde", "falsch"), ("unbekannt", "geheim-1")]
)
def test_wrong_password_or_unknown_login_is_refused_in_german(
    provider, client, login, password
) -> None:
    authorization = authorize(client, provider, login, password)
    response = authorization.response
    assert response.status_code == 401
    assert not response.is_redirect
    assert re.search(r'role="alert"[^>]*>Benutzername oder Passwort ist falsch\.<', response.text)
    # The form is shown again, so the person can try once more.
    assert {"login", "password"} <= set(_forms(response.text)[0]["inputs"])


def test_sign_out_at_the_end_session_endpoint_returns_to_the_client(provider, client) -> None:
    authorization = authorize(client, provider, "schule-boerde", "geheim-1")
    tokens = exchange(client, provider, authorization.callback["code"], authorization.verifier)
    discovery = client.get(provider.discovery_url).json()

    page = client.get(
        discovery["end_session_endpoint"],
        params={
            "id_token_hint": tokens.json()["id_token"],
            "post_logout_redirect_uri": AFTER_LOGOUT_URI,
        },
    )
    assert page.status_code == 200, page.text
    assert re.search(r'<button[^>]*name="logout"[^>]*>Abmelden</button>', page.text)
    (form,) = _forms(page.text)
    response = client.post(
        urljoin(str(page.url), form["action"]), data={**form["hidden"], "logout": "yes"}
    )
    assert response.is_redirect
    assert response.headers["location"] == AFTER_LOGOUT_URI

    # Signed out at the provider: the next authorization asks for the password again.
    again = _follow(
        client,
        client.get(
            discovery["authorization_endpoint"],
            params={
                "response_type": "code",
                "client_id": provider.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid",
                "code_challenge": _pkce_pair()[1],
                "code_challenge_method": "S256",
            },
        ),
    )
    assert again.status_code == 200
    assert "password" in _forms(again.text)[0]["inputs"]
