"""CI runs the benchmark in its quick mode: every figure is measured and printed with its
ceiling. Nothing is asserted about time (that is what the printed ratios are for)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).with_name("bench.py")
EXPECTED = (
    "bare FastAPI + SQLModel insert",
    "bare FastStream consumer, one insert per message",
    "JetStream publish → consume latency p99",
    "registry POST /organizations (32 clients)",
    "bare prototype flow saturates at",
    "flows saturate at",
    "flow hops measured at",
    "submit → agenda item p50",
    "decision → approved p99",
    "decision → inbox entry p99",
    "consumer catch-up",
    "two replicas ÷ one (consumer catch-up)",
    "school search p99",
    "application list p99",
    "statistics",
    "peak RSS suite + NATS",
)


@pytest.mark.slow
def test_the_benchmark_measures_every_figure_in_quick_mode(postgres_admin_url: str, tmp_path: Path):
    out = tmp_path / "figures.json"
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--quick",
            "--admin-url",
            postgres_admin_url,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    figures = json.loads(out.read_text())
    names = [f["name"] for f in figures]
    for expected in EXPECTED:
        assert any(name.startswith(expected) for name in names), (expected, names)
        assert expected in result.stdout
    for label in ("school search", "application list"):
        assert f"EXPLAIN (ANALYZE, BUFFERS) {label}" in result.stdout
    measured = {f["name"]: f for f in figures}
    writes = measured["registry POST /organizations (32 clients)"]
    assert writes["ceiling"] and writes["ratio"] is not None  # printed against the bare ceiling
    assert all(
        f["value"] == f["value"] and f["value"] >= 0 for f in figures
    )  # no NaN, no negatives
