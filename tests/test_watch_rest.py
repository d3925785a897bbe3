"""An idle watcher gives back its workers' memory: after ``rest`` seconds with nothing to do the
warm workers are stopped, and the next input dropped starts one and is filed as usual."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.test_watch import Running
from tests.test_watch import notice


def children() -> list[int]:
    """This process's live worker processes (the watcher's workers run under the test process)."""
    me = str(os.getpid())
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        try:
            worker = b"pipeline.worker" in (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if fields[1] == me and fields[0] != "Z" and worker:
            out.append(int(entry.name))
    return out


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_an_idle_watcher_stops_its_workers_and_starts_one_for_the_next_input(workspace):
    running = Running(workspace, rest=2.0)
    try:
        assert wait_for(lambda: len(children()) >= 3, 60), children()  # warm: two lanes and a standby
        assert wait_for(lambda: not children(), 60), children()  # two seconds idle: all stopped
        (workspace.inbox / "空闲后.yaml").write_text(notice(1), encoding="utf-8")
        [result] = running.wait(1, timeout=120)
        assert result.outcome == "已归档", result.reason
        assert wait_for(lambda: not children(), 60), children()  # and stopped again once idle
    finally:
        running.stop()
