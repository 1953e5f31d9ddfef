"""What the attachment pages ask offers (with the signed-in person's token), and offers'
refusals as German errors beside the form's fields."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.datastructures import UploadFile
from starlette.responses import Response

from web.auth.schemas import User
from web.site.client import Api, ApiError, ServiceUnavailable, refusal, unreachable

KINDS = ("quote", "cooperation_agreement", "signed_application", "receipt", "report", "other")
ACCEPTED = "PDF, Bilder (PNG, JPEG) und Office-Dokumente (docx, xlsx, odt, ods)"

KIND_FIELD, TITLE_FIELD, FILE_FIELD = "attachment_kind", "attachment_title", "attachment_file"
MESSAGES = {
    "kind": "Wählen Sie aus, was die Anlage ist.",
    "title": "Geben Sie einen Titel ein (höchstens 300 Zeichen).",
    "file": "Wählen Sie eine Datei aus; sie darf nicht leer sein.",
    "file_type": "Diese Datei können Sie nicht anhängen. Erlaubt sind "
    + ACCEPTED
    + ". Entscheidend ist der Inhalt der Datei, nicht ihre Endung.",
    "too_many": "Dieser Antrag hat bereits so viele Anlagen wie erlaubt. Entfernen Sie zuerst "
    "eine Anlage, die nicht mehr gebraucht wird.",
    "locked": "Anlagen können Sie nur hinzufügen oder entfernen, solange der Antrag ein Entwurf "
    "ist oder an Sie zurückgegeben wurde. Wenden Sie sich an die Netzwerkstelle.",
    "forbidden": "Sie dürfen die Anlagen dieses Antrags nicht ändern.",
    "general": "Die Anlage konnte nicht gespeichert werden. Bitte versuchen Sie es noch einmal.",
}
_LIMIT = re.compile(r"\((\d+) bytes\)")


async def listing(api: Api, user: User, app_id: str) -> list[dict[str, Any]] | None:
    """The application's attachments (None when offers does not answer)."""
    try:
        found = await api.get("offers", f"/applications/{app_id}/attachments", token=user.token)
    except ServiceUnavailable:
        return None
    return list(found.get("items", []))


def too_large(problem: dict[str, Any]) -> str:
    """The German sentence for a file over the limit, with the limit where offers names it."""
    for error in problem.get("errors") or []:
        found = _LIMIT.search(str(error.get("message", ""))) if isinstance(error, dict) else None
        if found:
            limit = int(found[1]) / (1024 * 1024)
            shown = f"{limit:.1f}".replace(".0", "").replace(".", ",")
            return f"Die Datei ist zu groß. Erlaubt sind höchstens {shown} MB."
    return "Die Datei ist zu groß. Laden Sie eine kleinere Datei hoch."


def errors_of(exc: ApiError) -> list[dict[str, Any]]:
    """Offers' refusal of an upload or removal as page errors beside the form's fields."""
    if exc.status == 413:
        return [{"field": FILE_FIELD, "message": too_large(exc.problem)}]
    if exc.status == 403:
        return [{"field": None, "message": MESSAGES["forbidden"]}]
    if exc.rule == "attachments-locked":
        return [{"field": None, "message": MESSAGES["locked"]}]
    fields = {"kind": KIND_FIELD, "title": TITLE_FIELD, "file": FILE_FIELD}
    errors = []
    for item in exc.field_errors:
        field = str(item.get("field") or "")
        kind = str(item.get("type") or "")
        message = MESSAGES.get(kind) or MESSAGES.get(field) or MESSAGES["general"]
        error = {"field": fields.get(field), "message": message}
        if error not in errors:
            errors.append(error)
    return errors or [{"field": None, "message": MESSAGES["general"]}]


async def upload(
    api: Api, user: User, app_id: str, kind: str, title: str, file: UploadFile
) -> ApiError | None:
    """POST the upload to offers as multipart; its refusal (None when stored)."""
    file.file.seek(0)
    try:
        response = await api.client("offers").post(
            f"/applications/{app_id}/attachments",
            data={"kind": kind, "title": title},
            files={
                "file": (
                    file.filename or "datei",
                    file.file,
                    file.content_type or "application/octet-stream",
                )
            },
            headers={"Authorization": f"Bearer {user.token}", "Accept": "application/json"},
        )
    except httpx.HTTPError as exc:
        raise unreachable("offers", exc) from exc
    if response.status_code < 400:
        return None
    error = refusal(response, "offers")
    if response.status_code >= 500 or response.status_code == 404:
        raise error
    return error


async def remove(api: Api, user: User, app_id: str, attachment_id: str) -> ApiError | None:
    """DELETE an attachment; offers' refusal (None when removed)."""
    try:
        await api.call(
            "DELETE",
            "offers",
            f"/applications/{app_id}/attachments/{attachment_id}",
            token=user.token,
        )
    except ApiError as exc:
        if exc.status in (403, 409):
            return exc
        raise
    return None


async def download(api: Api, user: User, app_id: str, attachment_id: str) -> Response:
    """The file from offers, relayed as a download."""
    return await api.relay_file(
        "offers", f"/applications/{app_id}/attachments/{attachment_id}/file", token=user.token
    )
