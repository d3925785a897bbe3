"""Issue 8, "only whole files enter": writers that pause halfway with the file open, or close and
reopen to append, against real ``fawen watch`` processes (native events and --polling) on real
workspaces. The scenario's pieces are shared with benchmarks/half_writes.py."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.store import workspace as ws_store
from pipeline.store.inbox import Inbox
from pipeline.watch import Settings
from pipeline.watch import Watcher

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from half_writes import LAST_SECTION  # noqa: E402
from half_writes import WatchProcess  # noqa: E402
from half_writes import audit  # noqa: E402
from half_writes import full_text  # noqa: E402
from half_writes import halves  # noqa: E402
from half_writes import paused_writers  # noqa: E402
from half_writes import reopening_writers  # noqa: E402
from half_writes import start_writers  # noqa: E402
from half_writes import workspace as new_workspace  # noqa: E402

from tests.test_watch import Running  # noqa: E402
from tests.test_watch import filed_input  # noqa: E402

PAUSES = [0.5, 1.5, 3.0, 8.0]
RUNS = 20


def test_the_half_alone_would_be_filed_so_a_half_read_would_show(tmp_path):
    """The scenario can fail: the first half parses, validates and becomes a document."""
    text = full_text("半写-前提")
    first, _rest = halves(text)
    assert LAST_SECTION in text and LAST_SECTION.encode() not in first
    root = new_workspace(tmp_path, "ws")
    (root / "inbox" / "half.yaml").write_bytes(first)
    results = []
    Watcher(ws_store.load(root), Settings(delay=0.1), results.append).run_once()
    assert [r.outcome for r in results] == ["已归档"], results


@pytest.mark.slow
def test_writers_that_pause_or_reopen_halfway_never_get_a_half_filed(tmp_path):
    """20 writers of each pause (0.5, 1.5, 3, 8 s with the file open) and 20 that close and reopen
    to append, all at once, against ``fawen watch`` and ``fawen watch --polling`` side by side."""
    watchers, writers = {}, {}
    try:
        for mode in ("native", "polling"):
            watchers[mode] = WatchProcess(new_workspace(tmp_path, mode), polling=mode == "polling")
        for w in watchers.values():
            w.warm_up()
        threads = []
        for mode, w in watchers.items():
            writers[mode] = paused_writers(mode, PAUSES, RUNS) + reopening_writers(mode, RUNS)
            threads += start_writers(w.root / "inbox", writers[mode])
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive()
        for mode, w in watchers.items():
            w.wait(lambda w=w, mode=mode: w.settled(writers[mode]), 150, f"{mode}: 有输入迟迟没有结果")
    finally:
        codes = {mode: w.stop() for mode, w in watchers.items()}
    for mode, w in watchers.items():
        outcome = audit(w.root, writers[mode])
        assert codes[mode] == 0, w.log.read_text(encoding="utf-8")[-3000:]
        assert not outcome.half and not outcome.rejected and not outcome.duplicates, (mode, outcome)
        assert sorted(outcome.whole) == sorted(x.name for x in writers[mode]), (mode, outcome)  # each once
        assert not outcome.problems, (mode, outcome.problems)
        assert not list((w.root / "inbox" / "rejected").iterdir())


def test_a_writer_keeps_its_handle_across_the_claim_and_is_still_seen(tmp_path):
    """The check after the claim relies on this: the rename into .processing does not end a write."""
    inbox = Inbox(tmp_path / "inbox")
    assert inbox.leases  # a local Linux disk: the kernel tells who holds a file open for writing
    first, rest = halves(full_text("半写-改名"))
    with (inbox.root / "a.yaml").open("wb") as fh:
        fh.write(first)
        fh.flush()
        assert inbox.snapshot(inbox.root / "a.yaml") is None
        claim = inbox.claim(inbox.root / "a.yaml", [])
        assert claim is not None and inbox.snapshot(claim.path) is None
        fh.write(rest)
    snap = inbox.snapshot(claim.path)
    assert snap is not None and snap.data == first + rest and snap.writer_known


def test_a_claim_left_by_a_dead_watcher_mid_write_waits_for_its_writer(workspace):
    """A watcher killed after claiming a file whose writer was still at work: the next watcher
    files the whole file once the writer is done, not the half it finds."""
    pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                             text=True, check=True).stdout)  # fmt: skip
    folder = workspace.inbox / ".processing" / f"{pid}-abandoned01"
    folder.mkdir(parents=True)
    text = full_text("半写-遗留")
    first, rest = halves(text)
    with (folder / "遗留.yaml").open("wb") as fh:
        fh.write(first)
        fh.flush()
        running = Running(workspace)
        try:
            time.sleep(1.5)  # the writer's pause (the scenario), while the watcher runs
            assert running.results.empty()
            fh.write(rest)
        finally:
            fh.close()
            results = running.wait(1, timeout=60)
            running.stop()
    assert results[0].outcome == "已归档", results
    assert filed_input(workspace, results[0].archive_code) == text.encode("utf-8")
    assert not list((workspace.inbox / ".processing").iterdir())


@pytest.mark.parametrize("pause", [1.5, 3.0])
def test_without_leases_inotify_close_events_keep_paused_writers_out(workspace, pause):
    """Where leases cannot tell (someone else's files, when not root), inotify's close-after-write
    still does: a file written and not yet closed is left alone."""
    running = Running(workspace, leases=False)
    try:
        assert not running.watcher.inbox.leases
        # events tell only about writes made while watched: wait until it watches (a first file filed)
        (workspace.inbox / "预热.yaml").write_bytes(full_text("预热").encode("utf-8"))
        assert running.wait(1, timeout=60)[0].outcome == "已归档"
        writers = paused_writers("无租约", [pause], 5)
        for t in start_writers(workspace.inbox, writers):
            t.join(timeout=30)
        results = running.wait(len(writers), timeout=60)
        assert running.watcher.closes
    finally:
        running.stop()
    assert all(r.outcome == "已归档" for r in results), results
    outcome = audit(workspace.root, writers)
    assert sorted(outcome.whole) == sorted(w.name for w in writers), outcome
