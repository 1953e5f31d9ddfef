"""What every service's OpenAPI document says beyond FastAPI's defaults.

* The bearer scheme (HTTP bearer, JWT) is declared, so ``/docs`` has an Authorize button; an
  operation that needs a token requires it, one open to anonymous callers lists it as optional
  (``[{}, {bearer: []}]``), the operational endpoints need none.
* Every error response is ``application/problem+json`` with its schema (``ProblemDetails`` or
  a richer subclass); FastAPI's default 422 body (``HTTPValidationError``) is replaced by the
  problem with ``errors`` that the service really answers.
* Operation ids are the route functions' names (``list_schools``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from schulerfolg.auth import optional_principal, route_needs_token
from schulerfolg.http.problems import PROBLEM_DESCRIPTIONS, PROBLEM_JSON, ProblemDetails

BEARER = "bearer"
SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token of the identity provider (locally: `schulerfolg token`).",
    }
}
REQUIRED: list[dict[str, list[str]]] = [{BEARER: []}]
OPTIONAL: list[dict[str, list[str]]] = [{}, {BEARER: []}]
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
_PROBLEM_REF = {"$ref": f"#/components/schemas/{ProblemDetails.__name__}"}


def operation_id(route: APIRoute) -> str:
    """A readable operation id: the route function's name (``list_schools``)."""
    return route.name


def _uses(dependant: Any, call: Any) -> bool:
    return any(sub.call is call or _uses(sub, call) for sub in dependant.dependencies)


def document_security(router: APIRouter) -> None:
    """Declare in OpenAPI whether each operation of ``router`` needs a bearer token (its
    dependencies include ``current_principal``) or takes one optionally (``optional_principal``)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        if route_needs_token(route):
            security = REQUIRED
        elif _uses(route.dependant, optional_principal):
            security = OPTIONAL
        else:
            continue
        route.openapi_extra = {**(route.openapi_extra or {}), "security": security}


def _problem_content(response: dict[str, Any]) -> None:
    """Make an error response problem+json only, with the schema FastAPI documented (or the
    plain problem instead of FastAPI's validation error)."""
    content = response.setdefault("content", {})
    schema = content.pop("application/json", {}).get("schema")
    if schema is None or schema.get("$ref", "").rsplit("/", 1)[-1] in _FASTAPI_VALIDATION:
        if schema is not None:
            response["description"] = PROBLEM_DESCRIPTIONS[422]
        schema = _PROBLEM_REF
    content[PROBLEM_JSON] = {"schema": schema}


def conform(document: dict[str, Any]) -> None:
    """Make every error response of a document FastAPI generated problem+json, and declare the
    problem and bearer components."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45" or status == "default":
                    _problem_content(response)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    problem = ProblemDetails.model_json_schema(
        mode="serialization", ref_template="#/components/schemas/{model}"
    )
    for name, schema in {**problem.pop("$defs", {}), ProblemDetails.__name__: problem}.items():
        schemas.setdefault(name, schema)
    components["securitySchemes"] = SECURITY_SCHEMES


def install_openapi(app: FastAPI) -> None:
    """Serve the conformed document as the app's OpenAPI document."""

    def openapi() -> dict[str, Any]:
        cached = app.openapi_schema
        document = FastAPI.openapi(app)  # FastAPI's own, cached on the app until routes change
        if document is not cached:
            conform(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend it
