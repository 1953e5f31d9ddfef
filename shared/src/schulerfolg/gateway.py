"""One origin for web frontends: a small streaming reverse proxy in front of the four services.

``python -m schulerfolg.gateway`` serves every ``/api/v1`` path by passing the request on to the
service that owns it. ``ROUTES`` (first path segment under ``/api/v1`` → service) is the one
routing table: the gateway uses it in ``schulerfolg up`` and in compose, and the Helm chart's
Ingress paths are checked against it (``tests/test_gateway.py``).

It is a raw ASGI application speaking HTTP/1.1 to the services over pooled keep-alive
connections (h11, which uvicorn already brings). Requests and responses are streamed both ways,
so uploads, CSV downloads and the notifications' server-sent events pass through unbuffered.
Status codes and headers pass unchanged except the hop-by-hop ones; ``Host`` is kept (links a
service builds point at the gateway) and ``X-Forwarded-For``/``-Proto``/``-Host`` are added.
CORS stays the services' business (``CORS_ALLOWED_ORIGINS``): preflights pass through like any
other request. A service that cannot be reached is answered with a 502 problem+json.

Request bodies are capped here too (``GATEWAY_MAX_BODY_BYTES`` or ``MAX_BODY_BYTES``, 1 MiB; the file uploads in
``UPLOADS`` up to ``GATEWAY_MAX_UPLOAD_BYTES``, their services check their own limits): a
declared ``Content-Length`` above the cap is answered 413 before anything is read or forwarded,
and a streamed body is counted as it passes and cut off with a 413 once it exceeds the cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

import h11
from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from schulerfolg.settings import shared_env_sources

API_PREFIX = "/api/v1"
PROBLEM_JSON = "application/problem+json"  # as schulerfolg.http.problems, without its imports
PROBLEM_TYPE_BASE = "https://schulerfolg.de/problems/"

# First path segment under /api/v1 → the service that owns it (CONTRACT.md).
ROUTES: dict[str, str] = {
    "regions": "registry",
    "organizations": "registry",
    "schools": "registry",
    "persons": "registry",
    "materials": "registry",
    "search": "registry",
    "funds": "offers",
    "applications": "offers",
    "topics": "offers",
    "statistics": "offers",
    "committees": "meetings",
    "meetings": "meetings",
    "meetings.ics": "meetings",
    "inbox": "notifications",
    "preferences": "notifications",
    "deliveries": "notifications",
    "dead-letters": "notifications",
}
SERVICES: tuple[str, ...] = ("registry", "offers", "meetings", "notifications")

# Operations that take files (method, path): they get GATEWAY_MAX_UPLOAD_BYTES instead of
# GATEWAY_MAX_BODY_BYTES. The registry refuses what is larger than its own limits.
UPLOADS: frozenset[tuple[str, str]] = frozenset(
    {("POST", f"{API_PREFIX}/materials"), ("POST", f"{API_PREFIX}/schools/import")}
)

# Headers that describe one connection, not the message (RFC 9110 7.6.1); never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"expect",
    }
)
READ_CHUNK = 65536

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class GatewaySettings(BaseSettings):
    """Gateway settings: environment variables with the prefix ``GATEWAY_``."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the gateway binds to.")
    port: int = Field(8000, ge=1, le=65535, description="HTTP port (8000 on one machine).")
    registry_url: str = Field("http://127.0.0.1:8001", description="Base URL of the registry.")
    offers_url: str = Field("http://127.0.0.1:8002", description="Base URL of offers.")
    meetings_url: str = Field("http://127.0.0.1:8003", description="Base URL of meetings.")
    notifications_url: str = Field(
        "http://127.0.0.1:8004", description="Base URL of notifications."
    )
    connect_timeout: float = Field(5.0, gt=0, description="Seconds to open a service connection.")
    response_timeout: float = Field(
        120.0, gt=0, description="Seconds a service may take to start its response."
    )
    pool_size: int = Field(64, ge=0, description="Idle keep-alive connections kept per service.")
    max_body_bytes: int = Field(
        1024 * 1024, ge=1, description="Largest request body passed on, in bytes (413 above)."
    )
    max_upload_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1,
        description="Largest body of a file upload (materials, school import), in bytes.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return shared_env_sources(
            settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        )

    def body_limit(self, method: str, path: str) -> int:
        """The most bytes of body the gateway passes on for this request."""
        path = path.rstrip("/") or "/"
        return self.max_upload_bytes if (method, path) in UPLOADS else self.max_body_bytes

    def upstreams(self) -> dict[str, str]:
        """Service name → base URL."""
        return {name: getattr(self, f"{name}_url") for name in SERVICES}


def owner(path: str) -> str | None:
    """The service that serves ``path`` (decoded), or None when no service does."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    segment = path[len(API_PREFIX) + 1 :].split("/", 1)[0]
    return ROUTES.get(segment)


class UpstreamError(Exception):
    """The service could not be reached or broke the connection before answering."""


class BodyTooLarge(Exception):
    """The client's body passed the gateway's cap while it was being forwarded."""


class Connection:
    """One HTTP/1.1 client connection to a service."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(our_role=h11.CLIENT)
        self.idle_since = 0.0

    async def send(self, event: Any) -> None:
        """Send one h11 event."""
        data = self.h11.send(event)
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def next_event(self) -> Any:
        """The next h11 event from the service (reads as needed)."""
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            data = await self.reader.read(READ_CHUNK)
            self.h11.receive_data(data)  # b"" marks the end of the stream

    @property
    def reusable(self) -> bool:
        """Whether the exchange ended cleanly and the connection may serve another request."""
        return (
            self.h11.our_state is h11.DONE
            and self.h11.their_state is h11.DONE
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        """Close the socket (no waiting)."""
        self.writer.close()


class Upstream:
    """A service: where it is and a pool of idle keep-alive connections to it."""

    # Uvicorn closes idle keep-alive connections after 5 s; never reuse one that old.
    MAX_IDLE = 4.0

    def __init__(self, name: str, url: str, *, connect_timeout: float, pool_size: int) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"GATEWAY_{name.upper()}_URL must be http://host:port, not {url!r}")
        self.name = name
        self.host = parts.hostname
        self.port = parts.port or 80
        self.connect_timeout = connect_timeout
        self.pool_size = pool_size
        self.idle: list[Connection] = []

    async def acquire(self) -> tuple[Connection, bool]:
        """A connection (from the pool if one is fresh) and whether it was reused."""
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if now - connection.idle_since < self.MAX_IDLE and not connection.reader.at_eof():
                return connection, True
            connection.close()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, limit=READ_CHUNK),
                self.connect_timeout,
            )
        except (OSError, TimeoutError) as exc:
            raise UpstreamError(str(exc) or type(exc).__name__) from exc
        return Connection(reader, writer), False

    def release(self, connection: Connection) -> None:
        """Return a connection after its exchange: pooled if reusable, else closed."""
        if connection.reusable and len(self.idle) < self.pool_size:
            connection.h11.start_next_cycle()
            connection.idle_since = time.monotonic()
            self.idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        """Close every idle connection."""
        while self.idle:
            self.idle.pop().close()


def forwarded_headers(scope: Scope, upstream: Upstream) -> list[tuple[bytes, bytes]]:
    """The request headers to send on: end-to-end ones, ``Host`` kept, ``X-Forwarded-*`` set."""
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    named_in_connection = {
        token.strip().lower()
        for name, value in raw
        if name == b"connection"
        for token in value.split(b",")
    }
    headers = [
        (name, value)
        for name, value in raw
        if name not in HOP_BY_HOP
        and name not in named_in_connection
        and not name.startswith(b"x-forwarded-")
    ]
    present = {name for name, _ in headers}
    if b"host" not in present:
        headers.append((b"host", f"{upstream.host}:{upstream.port}".encode()))
    original = {name: value for name, value in raw if name.startswith(b"x-forwarded-")}
    client = (scope.get("client") or ("", 0))[0]
    chain = original.get(b"x-forwarded-for")
    if client:
        chain = chain + b", " + client.encode() if chain else client.encode()
    if chain:
        headers.append((b"x-forwarded-for", chain))
    headers.append(
        (b"x-forwarded-proto", original.get(b"x-forwarded-proto") or scope["scheme"].encode())
    )
    host = original.get(b"x-forwarded-host") or dict(raw).get(b"host")
    if host:
        headers.append((b"x-forwarded-host", host))
    return headers


def response_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The service's response headers without the hop-by-hop ones."""
    headers = list(headers)
    named_in_connection = {
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
    }
    return [
        (name, value)
        for name, value in headers
        if name not in HOP_BY_HOP and name not in named_in_connection
    ]


async def send_problem(send: Send, status: int, title: str, detail: str, path: str) -> None:
    """Answer with an RFC 9457 problem."""
    slug = title.lower().replace(" ", "-")
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """The ASGI application: routes ``/api/v1/<segment>/…`` to its service."""

    def __init__(self, settings: GatewaySettings | None = None) -> None:
        self.settings = settings or GatewaySettings()
        self.upstreams = {
            name: Upstream(
                name,
                url,
                connect_timeout=self.settings.connect_timeout,
                pool_size=self.settings.pool_size,
            )
            for name, url in self.settings.upstreams().items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: none of the services offers one
            await send({"type": "websocket.close", "code": 1008})
            return
        path = scope["path"]
        if path == "/healthz":
            body = b'{"status":"ok"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        service = owner(path)  # ASGI gives the path percent-decoded; raw_path is forwarded
        if service is None:
            await send_problem(
                send,
                404,
                "Not found",
                f"No service serves {path}; the API is under {API_PREFIX}/<resource> "
                f"({', '.join(sorted(ROUTES))}).",
                path,
            )
            return
        await self.proxy(self.upstreams[service], scope, receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        """Start up at once; close the pooled connections on shutdown."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for upstream in self.upstreams.values():
                    upstream.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def proxy(self, upstream: Upstream, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass one request to ``upstream`` and its response back, both streamed."""
        headers = forwarded_headers(scope, upstream)
        raw = scope["headers"]
        has_length = any(name == b"content-length" for name, _ in raw)
        chunked = not has_length and any(
            name == b"transfer-encoding" and b"chunked" in value.lower() for name, value in raw
        )
        if chunked:
            headers.append((b"transfer-encoding", b"chunked"))
        has_body = chunked or (
            has_length and dict(raw).get(b"content-length", b"0").strip() != b"0"
        )
        limit = self.settings.body_limit(scope["method"], scope["path"])
        declared = dict(raw).get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await self.refuse_too_large(send, limit, scope["path"])
            return
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        request = h11.Request(method=scope["method"], target=target, headers=headers)

        connection: Connection | None = None
        try:
            try:
                for attempt in range(2):
                    connection, reused = await upstream.acquire()
                    try:
                        response = await self.exchange(
                            connection, request, receive, has_body, limit
                        )
                        break
                    except (OSError, h11.ProtocolError, UpstreamError) as exc:
                        connection.close()
                        # A pooled connection the service just closed: retry once on a new
                        # one, unless the request body was already consumed.
                        if isinstance(exc, TimeoutError) or not reused or has_body or attempt:
                            raise
            except BodyTooLarge:
                if connection is not None:
                    connection.close()  # the service got part of a body: never reuse it
                await self.refuse_too_large(send, limit, scope["path"])
                return
            except TimeoutError:
                if connection is not None:
                    connection.close()
                await send_problem(
                    send,
                    504,
                    "Gateway timeout",
                    f"The {upstream.name} service did not answer within "
                    f"{self.settings.response_timeout:.0f} s; try again later.",
                    scope["path"],
                )
                return
            except (OSError, h11.ProtocolError, UpstreamError):
                await send_problem(
                    send,
                    502,
                    "Bad gateway",
                    f"The {upstream.name} service is not reachable right now; "
                    "try again in a moment.",
                    scope["path"],
                )
                return
            assert connection is not None
            await self.relay_response(connection, response, scope, receive, send)
        except BaseException:
            if connection is not None:
                connection.close()
            raise
        upstream.release(connection)

    @staticmethod
    async def refuse_too_large(send: Send, limit: int, path: str) -> None:
        """Answer 413: the body is larger than the gateway passes on."""
        await send_problem(
            send,
            413,
            "Content too large",
            f"The request body is larger than {limit} bytes, the most this operation accepts.",
            path,
        )

    async def exchange(
        self,
        connection: Connection,
        request: h11.Request,
        receive: Receive,
        has_body: bool,
        limit: int,
    ) -> h11.Response:
        """Send the request (body streamed from the client, at most ``limit`` bytes) and read
        the response head."""
        await connection.send(request)
        if has_body:
            more = True
            sent = 0
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise UpstreamError("the client went away while sending")
                body = message.get("body", b"")
                sent += len(body)
                if sent > limit:
                    raise BodyTooLarge
                if body:
                    await connection.send(h11.Data(data=body))
                more = message.get("more_body", False)
        await connection.send(h11.EndOfMessage())
        async with asyncio.timeout(self.settings.response_timeout):
            while True:
                event = await connection.next_event()
                if isinstance(event, h11.Response):
                    return event
                if isinstance(event, h11.ConnectionClosed):
                    raise UpstreamError("the service closed the connection")
                # h11.InformationalResponse (100 Continue …): not passed on

    async def relay_response(
        self,
        connection: Connection,
        response: h11.Response,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Stream the response to the client; a streamed one ends when the client leaves."""
        headers = response_headers(response.headers)
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        streaming = not any(name == b"content-length" for name, _ in headers)
        watcher = None
        if streaming:
            watcher = asyncio.create_task(self.close_on_disconnect(receive, connection))
        try:
            while True:
                try:
                    event = await connection.next_event()
                except (OSError, h11.ProtocolError):
                    event = None  # the client left (socket closed) or the service broke off
                if isinstance(event, h11.Data):
                    await send(
                        {"type": "http.response.body", "body": bytes(event.data), "more_body": True}
                    )
                    continue
                if not isinstance(event, h11.EndOfMessage):
                    connection.close()
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    @staticmethod
    async def close_on_disconnect(receive: Receive, connection: Connection) -> None:
        """Close the service connection when the client disconnects (ends an SSE stream)."""
        while (await receive())["type"] != "http.disconnect":
            pass
        connection.close()


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    """The gateway application (uvicorn factory)."""
    return Gateway(settings)


def main() -> None:
    """``python -m schulerfolg.gateway``: serve the gateway with the settings from the environment."""
    import uvicorn

    settings = GatewaySettings()
    uvicorn.run(
        Gateway(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,  # the X-Forwarded-* chain is built here
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
