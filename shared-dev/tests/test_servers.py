"""Tests for schulerfolg_dev.testing.servers: real nats-server and PostgreSQL processes."""

from __future__ import annotations

import asyncio
import inspect
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import nats
import pytest
from nats.js.api import StorageType

from schulerfolg_dev.testing import servers
from schulerfolg_dev.testing.servers import (
    NatsServer,
    PostgresServer,
    docker_available,
    find_binary,
    free_port,
    nats_url_for_tests,
    normalise_postgres_url,
    postgres_admin_url_for_tests,
)


def _accepts(port: int) -> bool:
    """Return True if 127.0.0.1:port accepts TCP connections."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


async def _create_stream_and_publish(url: str, stream: str, payload: bytes) -> None:
    """Create a file-backed stream and publish one acknowledged message."""
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        info = await js.account_info()
        assert info.limits is not None
        await js.add_stream(name=stream, subjects=[f"{stream}.>"], storage=StorageType.FILE)
        ack = await js.publish(f"{stream}.one", payload)
        assert ack.stream == stream
        assert ack.seq == 1
    finally:
        await nc.close()


async def _read_first_message(url: str, stream: str) -> tuple[int, bytes]:
    """Return (message count, payload of sequence 1) of a stream."""
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        msg = await js.get_msg(stream, 1)
        return info.state.messages, msg.data or b""
    finally:
        await nc.close()


@pytest.fixture
def no_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend that no Docker engine is reachable (deterministic fallback order)."""
    monkeypatch.setattr(servers, "docker_available", lambda: False)


# ------------------------------------------------------------------------------------ helpers


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_find_binary_searches_path_then_extra_dirs(tmp_path: Path) -> None:
    assert find_binary("surely-no-such-binary-xyz") is None
    bindir = tmp_path / "v15" / "bin"
    bindir.mkdir(parents=True)
    exe = bindir / "surely-no-such-binary-xyz"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    assert find_binary(exe.name, [str(tmp_path / "*" / "bin")]) == str(exe)
    assert find_binary("sh") is not None


def test_docker_available_is_cached_bool() -> None:
    first = docker_available()
    assert isinstance(first, bool)
    assert docker_available() is first


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h:5432/db", "postgresql://u:p@h:5432/db"),
        ("postgresql+asyncpg://u:p@h:5432/db", "postgresql://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db?sslmode=disable", "postgresql://u@h/db?sslmode=disable"),
        ("postgres://u:p@h/db", "postgresql://u:p@h/db"),
    ],
)
def test_normalise_postgres_url(url: str, expected: str) -> None:
    assert normalise_postgres_url(url) == expected


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///x.db", "mysql://h/db", "no-scheme"])
def test_normalise_postgres_url_rejects_other_urls(url: str) -> None:
    with pytest.raises(ValueError):
        normalise_postgres_url(url)


# --------------------------------------------------------------------------------------- NATS


def test_nats_server_jetstream_survives_graceful_restart() -> None:
    with NatsServer() as server:
        assert server.is_running()
        assert server.url == f"nats://127.0.0.1:{server.port}"
        port, store = server.port, server.store_dir
        asyncio.run(_create_stream_and_publish(server.url, "RESTART", b"hello"))

        server.stop()
        assert not server.is_running()
        assert not _accepts(port)

        server.start()
        assert server.is_running()
        assert (server.port, server.store_dir) == (port, store)
        assert asyncio.run(_read_first_message(server.url, "RESTART")) == (1, b"hello")
    assert not server.is_running()
    assert not _accepts(port)
    assert not store.exists()  # temp dir removed by close()


@pytest.mark.parametrize("listen", [True, False], ids=["listening", "bound-only"])
def test_nats_server_refuses_taken_port(listen: bool) -> None:
    with socket.socket() as occupier:
        occupier.bind(("127.0.0.1", 0))
        if listen:
            occupier.listen()
        port = occupier.getsockname()[1]
        server = NatsServer(port=port)
        try:
            with pytest.raises(RuntimeError, match="already in use"):
                server.start()
            assert not server.is_running()
        finally:
            server.close()


def test_nats_server_start_error_contains_log_tail(tmp_path: Path) -> None:
    fake = tmp_path / "fake-nats-server"
    fake.write_text("#!/bin/sh\necho 'boom: cannot start'\nexit 3\n")
    fake.chmod(0o755)
    server = NatsServer(binary=str(fake))
    try:
        with pytest.raises(RuntimeError, match="exited with code 3") as excinfo:
            server.start(timeout=5)
        assert "boom: cannot start" in str(excinfo.value)
        assert not server.is_running()
    finally:
        server.close()


def test_nats_server_kill_then_start_keeps_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with NatsServer(store_dir=store) as server:
        asyncio.run(_create_stream_and_publish(server.url, "KILLED", b"before"))
        pid = server.pid
        assert pid is not None

        server.kill()
        assert not server.is_running()
        assert server.pid is None
        assert not _accepts(server.port)

        server.start()
        assert server.pid not in (None, pid)
        count, first = asyncio.run(_read_first_message(server.url, "KILLED"))
        assert (count, first) == (1, b"before")
    # A store directory passed in by the caller is not removed.
    assert store.is_dir()


def test_nats_server_with_explicit_store_dir_survives_new_instance(tmp_path: Path) -> None:
    store = tmp_path / "shared-store"
    with NatsServer(store_dir=store) as first:
        asyncio.run(_create_stream_and_publish(first.url, "SHARED", b"x"))
    with NatsServer(store_dir=store) as second:
        assert asyncio.run(_read_first_message(second.url, "SHARED")) == (1, b"x")


# --------------------------------------------------------------------------------- PostgreSQL


async def _pg_roundtrip(admin_url: str) -> None:
    """SELECT 1, CREATE DATABASE and connect to the new database."""
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        assert await conn.fetchval("SELECT 1") == 1
        assert await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        await conn.execute("CREATE DATABASE servers_test_db")
    finally:
        await conn.close()
    db_url = admin_url.rsplit("/", 1)[0] + "/servers_test_db"
    conn = await asyncpg.connect(db_url, timeout=5)
    try:
        assert await conn.fetchval("SELECT current_database()") == "servers_test_db"
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
    finally:
        await conn.close()


def test_postgres_server_start_query_stop() -> None:
    server = PostgresServer()
    try:
        server.start()
        assert server.is_running()
        assert server.admin_url == f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        data_dir = server.data_dir
        assert data_dir is not None and data_dir.is_dir()
        asyncio.run(_pg_roundtrip(server.admin_url))
    finally:
        server.stop()
    assert not server.is_running()
    assert not _accepts(server.port)
    assert not data_dir.exists()


def test_postgres_server_refuses_taken_port() -> None:
    with socket.socket() as occupier:
        occupier.bind(("127.0.0.1", 0))
        occupier.listen()
        server = PostgresServer(port=occupier.getsockname()[1])
        with pytest.raises(RuntimeError, match="already in use"):
            server.start()
        assert not server.is_running()


# ------------------------------------------------------------------------- fallback selection


def test_nats_url_for_tests_owns_a_server_without_env(
    monkeypatch: pytest.MonkeyPatch, no_docker: None
) -> None:
    monkeypatch.delenv("NATS_URL", raising=False)
    with nats_url_for_tests() as (url, server):
        assert server is not None
        assert server.is_running()
        assert url == server.url
        assert url != "nats://127.0.0.1:4222"
        info = asyncio.run(_account_info_ok(url))
        assert info
    assert not server.is_running()
    assert not _accepts(server.port)


async def _account_info_ok(url: str) -> bool:
    """Return True if JetStream account info can be fetched."""
    nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0)
    try:
        await nc.jetstream().account_info()
        return True
    finally:
        await nc.close()


def test_nats_url_for_tests_uses_env(monkeypatch: pytest.MonkeyPatch, no_docker: None) -> None:
    monkeypatch.setenv("NATS_URL", "nats://nats.example.invalid:4222")
    with nats_url_for_tests() as (url, server):
        assert url == "nats://nats.example.invalid:4222"
        assert server is None


def test_postgres_admin_url_for_tests_owns_a_cluster_without_env(
    monkeypatch: pytest.MonkeyPatch, no_docker: None
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with postgres_admin_url_for_tests() as url:
        assert url.startswith("postgresql://postgres@127.0.0.1:")
        assert not url.startswith("postgresql://postgres@127.0.0.1:5432/")
        asyncio.run(_pg_roundtrip(url))
        port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    assert not _accepts(port)


def test_postgres_admin_url_for_tests_uses_env(
    monkeypatch: pytest.MonkeyPatch, no_docker: None
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://app:secret@db.invalid:6543/app")
    with postgres_admin_url_for_tests() as url:
        assert url == "postgresql://app:secret@db.invalid:6543/app"


# ------------------------------------------------------- testcontainers branch (with fakes)


def test_testcontainers_signatures_match_usage() -> None:
    from testcontainers.community.nats import NatsContainer
    from testcontainers.community.postgres import PostgresContainer

    assert "jetstream" in inspect.signature(NatsContainer.__init__).parameters
    assert hasattr(NatsContainer, "nats_uri")
    assert "driver" in inspect.signature(PostgresContainer.__init__).parameters
    assert "driver" in inspect.signature(PostgresContainer.get_connection_url).parameters


class _FakeContainer:
    """Stands in for a testcontainers container; records construction and lifecycle."""

    instances: list[_FakeContainer] = []

    def __init__(self, image: str, **kwargs: object) -> None:
        self.image, self.kwargs, self.state = image, kwargs, "created"
        _FakeContainer.instances.append(self)

    def __enter__(self) -> _FakeContainer:
        self.state = "started"
        return self

    def __exit__(self, *exc: object) -> None:
        self.state = "stopped"

    def nats_uri(self) -> str:
        return "nats://docker-host:32768"

    def get_connection_url(self) -> str:
        return "postgresql+psycopg2://test:test@docker-host:32769/test"


@contextmanager
def _fake_docker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pretend Docker answers and replace the container classes with fakes."""
    import testcontainers.community.nats as tc_nats
    import testcontainers.community.postgres as tc_postgres

    _FakeContainer.instances.clear()
    monkeypatch.setattr(servers, "docker_available", lambda: True)
    monkeypatch.setattr(tc_nats, "NatsContainer", _FakeContainer)
    monkeypatch.setattr(tc_postgres, "PostgresContainer", _FakeContainer)
    yield


def test_docker_branch_is_preferred(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATS_URL", "nats://ignored:4222")
    monkeypatch.setenv("DATABASE_URL", "postgresql://ignored/db")
    with _fake_docker(monkeypatch):
        with nats_url_for_tests() as (url, server):
            assert (url, server) == ("nats://docker-host:32768", None)
            nats_container = _FakeContainer.instances[-1]
            assert nats_container.state == "started"
            assert nats_container.kwargs == {"jetstream": True}
        assert nats_container.state == "stopped"

        with postgres_admin_url_for_tests() as pg_url:
            assert pg_url == "postgresql://test:test@docker-host:32769/test"
            pg_container = _FakeContainer.instances[-1]
            assert pg_container.kwargs == {"driver": None}
        assert pg_container.state == "stopped"
