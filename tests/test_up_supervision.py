"""How `schulerfolg up` restarts a child that exits: the delays, the messages, a crash loop.

Real child processes, driven by the launcher's own supervision step with a chosen clock so that
the backoff can be checked without waiting for it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from schulerfolg_dev.cli import Launcher
from schulerfolg_dev.processes import RestartPolicy

CRASHER = "print('kaputt: keine Datenbank', flush=True); raise SystemExit(3)"


def test_restart_delay_doubles_up_to_the_cap_and_starts_afresh_after_a_stable_run() -> None:
    policy = RestartPolicy(initial=0.5, cap=30.0, stable=60.0)
    assert [policy.exited(uptime=1.0) for _ in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.exited(uptime=60.0) == 0.5  # it had stayed up: a fresh start
    assert policy.failures == 1
    assert max(policy.exited(uptime=0.0) for _ in range(2000)) == 30.0  # no overflow


def test_a_child_that_keeps_exiting_is_restarted_later_each_time_and_its_log_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    launcher = Launcher(tmp_path, dict(os.environ))
    launcher.prepare_dirs()
    child = launcher.start_process("crasher", [sys.executable, "-c", CRASHER], dict(os.environ))
    launcher.supervise(child, lambda: True)
    first_pid = child.proc.pid
    now = child.started_at
    delays = []
    try:
        for _ in range(6):
            child.proc.wait(timeout=30)
            launcher.tend(child, now)  # notices the exit
            assert child.restart_at is not None
            delays.append(child.restart_at - now)
            launcher.tend(child, child.restart_at - 0.01)
            assert child.restart_at is not None  # too early: still waiting
            now = child.restart_at
            launcher.tend(child, now)  # restarts it
            assert child.restart_at is None
    finally:
        launcher.stack.close()
    out, err = capsys.readouterr()

    assert delays == [0.5, 1, 2, 4, 8, 16]
    assert "crasher exited unexpectedly (exit code 3) – restarting in 0.5 s" in err
    assert "crasher exited unexpectedly (exit code 3) – restarting in 16 s" in err
    assert err.count("crasher keeps exiting: 5 times in a row") == 1
    assert "kaputt: keine Datenbank" in err  # the end of its log
    assert out.count("Restarted crasher (pid ") == 6
    pid = int((tmp_path / "run" / "crasher.pid").read_text())
    assert pid != first_pid and f"Restarted crasher (pid {pid})" in out
