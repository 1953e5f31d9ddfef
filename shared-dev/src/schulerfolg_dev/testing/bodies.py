"""Large request bodies for tests: streamed over a raw socket so the test never holds them, and
the resident memory of the process that receives them."""

from __future__ import annotations

import contextlib
import select
import socket
from pathlib import Path

MIB = 1024 * 1024
HUNDRED_MB = 100 * 1000 * 1000
CHUNK = 256 * 1024
MAX_GROWTH = 10 * MIB  # "a few MB": reading the body would grow the process by ~100 MB or more


def rss(pid: int) -> int:
    """Resident memory of a process in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def stream_body(
    port: int, path: str, *, total: int, chunked: bool, headers: dict[str, str] | None = None
) -> tuple[int, bytes, int]:
    """POST ``total`` bytes in chunks over a raw socket, stop as soon as an answer arrives;
    return the status, the answer's head and body, and how many body bytes were sent."""
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json"]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    chunk = b"a" * CHUNK
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n" if chunked else chunk
    answer = b""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            # Send only what the socket takes without blocking and look for an answer in between:
            # a sender stuck in sendall() while the server has answered and closed gets a reset
            # that throws the answer away.
            pending = b""
            sock.setblocking(False)
            while sent < total or pending:
                readable, writable, _ = select.select([sock], [sock], [], 60)
                if readable:
                    break
                if writable:
                    if not pending:
                        pending = framed
                        sent += len(chunk)
                    with contextlib.suppress(BlockingIOError):
                        pending = pending[sock.send(pending) :]
            else:
                if chunked:
                    sock.settimeout(60)
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(60)
        try:
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1") else 0
    return status, answer, sent
