"""The watched inbox, with real file drops into a real folder and a real watchdog observer."""

from __future__ import annotations

import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline.store import workspace as ws_store
from pipeline.watch import Result
from pipeline.watch import Settings
from pipeline.watch import Watcher
from tests.conftest import EXAMPLES
from tests.support import filed_records

REPO = Path(__file__).resolve().parents[1]


def notice(i: int, body: str = "") -> str:
    return f"文种: 通知\n标题: 关于第{i}项工作的通知\n正文: 请落实第{i}项工作。{body}\n成文日期: 2026-11-24\n"


class Running:
    """A watcher thread over a workspace; results arrive on a queue."""

    def __init__(self, workspace: ws_store.Workspace, **settings: float) -> None:
        self.results: queue.Queue[Result] = queue.Queue()
        self.watcher = Watcher(workspace, Settings(**settings), self.results.put)
        self.thread = threading.Thread(target=self.watcher.run, kwargs={"install_signals": False}, daemon=True)
        self.thread.start()

    def wait(self, count: int, timeout: float = 60) -> list[Result]:
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            out.append(self.results.get(timeout=max(0.1, deadline - time.monotonic())))
        return out

    def stop(self) -> None:
        self.watcher.stop()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def running(workspace):
    r = Running(workspace)
    yield r
    r.stop()


def filed_input(workspace, code: str) -> bytes:
    for meta in filed_records(workspace.outbox):
        if json.loads(meta.read_text(encoding="utf-8"))["档号"] == code:
            return next(p for p in meta.parent.iterdir() if p.name.startswith("输入")).read_bytes()
    raise AssertionError(code)


def test_cp_mv_editor_save_and_a_slow_writer_each_make_one_entry(workspace, running, tmp_path):
    inbox = workspace.inbox
    source = tmp_path / "src.yaml"
    source.write_text(notice(1), encoding="utf-8")
    shutil.copyfile(source, inbox / "cp.yaml")  # cp
    moved = tmp_path / "mv.yaml"
    moved.write_text(notice(2), encoding="utf-8")
    os.rename(moved, inbox / "mv.yaml")  # mv on the same file system
    temp = inbox / ".~editor.yaml.swp"
    temp.write_text(notice(3), encoding="utf-8")
    os.replace(temp, inbox / "saved.yaml")  # an editor's write-to-temp-then-rename
    full = notice(4, "".join(f"第{k}句补充说明，请各单位认真落实。" for k in range(1150))).encode("utf-8")
    with (inbox / "slow.yaml").open("wb") as fh:  # 1 KB every 100 ms for about 5 s
        for start in range(0, len(full), 1024):
            fh.write(full[start : start + 1024])
            fh.flush()
            time.sleep(0.1)
    results = {r.name: r for r in running.wait(4, timeout=60)}
    assert set(results) == {"cp.yaml", "mv.yaml", "saved.yaml", "slow.yaml"}
    assert all(r.outcome == "已归档" for r in results.values()), results
    assert filed_input(workspace, results["slow.yaml"].archive_code) == full  # never read early
    assert len(list(filed_records(workspace.outbox))) == 4
    assert not [p for p in inbox.iterdir() if p.is_file()]


def test_attachments_dropped_alongside_leave_with_their_input(workspace, running):
    inbox = workspace.inbox
    text = (EXAMPLES / "007-请示.yaml").read_text(encoding="utf-8")
    (inbox / "007-请示.yaml").write_text(text, encoding="utf-8")  # the input first
    time.sleep(1.0)
    (inbox / "附件").mkdir()
    shutil.copyfile(EXAMPLES / "附件" / "核查报告.pdf", inbox / "附件" / "核查报告.pdf")  # its attachment later
    result = running.wait(1, timeout=30)[0]
    assert result.outcome == "已归档", result.reason
    assert not (inbox / "附件" / "核查报告.pdf").exists()
    folder = filed_records(workspace.outbox)[0].parent
    assert (folder / "源文件" / "附件" / "核查报告.pdf").read_bytes() == (EXAMPLES / "附件" / "核查报告.pdf").read_bytes()
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8")
    assert "\t已归档\t" in log and "补全：署名、印发机关" in log  # what the pipeline supplied is never hidden
    assert "+08:00\t" in log  # the workspace's time zone


def test_an_input_whose_attachment_never_arrives_is_rejected_naming_it(workspace):
    r = Running(workspace, attachment_grace=1.0)
    try:
        (workspace.inbox / "q.yaml").write_text((EXAMPLES / "007-请示.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        result = r.wait(1, timeout=30)[0]
    finally:
        r.stop()
    assert result.outcome == "退回" and "附件/核查报告.pdf" in result.reason
    assert (workspace.inbox / "rejected" / "q.yaml").is_file()


def test_malformed_inputs_are_rejected_with_reasons_and_the_watcher_goes_on(workspace, running):
    inbox = workspace.inbox
    corpus = {
        "truncated.json": '{"文种": "通知", "标题": "关于'.encode(),
        "tabs.yaml": "文种: 通知\n标题: 关于测试的通知\n正文:\n\t第一段\n".encode(),
        "dates.yaml": notice(9).replace("2026-11-24", "2026-02-30").encode(),
        "kind.yaml": notice(9).replace("文种: 通知", "文种: 通告").encode(),
        "gbk.yaml": notice(9).encode("gbk"),
        "empty.yaml": b"",
        "huge.yaml": b"a: " + b"x" * (10 * 1024 * 1024),
        "binary.yaml": bytes(random.Random(1).randrange(256) for _ in range(4096)),
    }
    for name, data in corpus.items():
        (inbox / name).write_bytes(data)
    (inbox / "good.yaml").write_text(notice(10), encoding="utf-8")
    results = {r.name: r for r in running.wait(len(corpus) + 1, timeout=90)}
    assert results["good.yaml"].outcome == "已归档"
    for name in corpus:
        assert results[name].outcome == "退回", (name, results[name])
        note = (inbox / "rejected" / f"{name}.error.txt").read_text(encoding="utf-8")
        assert name in note and len(note) > 20
        assert (inbox / "rejected" / name).read_bytes() == corpus[name]  # nothing lost
    assert "第 4 行" in (inbox / "rejected" / "tabs.yaml.error.txt").read_text(encoding="utf-8")
    assert "成文日期" in (inbox / "rejected" / "dates.yaml.error.txt").read_text(encoding="utf-8")
    assert "GBK" in (inbox / "rejected" / "gbk.yaml.error.txt").read_text(encoding="utf-8")


def test_temp_and_unsupported_files_are_ignored_silently(workspace, running):
    inbox = workspace.inbox
    for name in ("~$报告.docx", ".~lock.a.yaml#", "a.yaml.swp", "b.tmp", ".hidden.yaml", "Thumbs.db", "desktop.ini",
                 "notes.txt", "x.pdf"):  # fmt: skip
        (inbox / name).write_bytes(b"junk")
    (inbox / "ok.yaml").write_text(notice(5), encoding="utf-8")
    result = running.wait(1, timeout=30)[0]
    assert result.name == "ok.yaml"
    time.sleep(1)
    assert running.results.empty()
    assert not list((inbox / "rejected").iterdir())
    assert (inbox / "notes.txt").exists() and (inbox / "~$报告.docx").exists()


def test_identical_content_goes_to_duplicates_with_a_note(workspace, running):
    inbox = workspace.inbox
    (inbox / "a.yaml").write_text(notice(7), encoding="utf-8")
    first = running.wait(1, timeout=30)[0]
    (inbox / "a-again.yaml").write_text(notice(7), encoding="utf-8")
    second = running.wait(1, timeout=30)[0]
    assert second.outcome == "重复" and second.archive_code == first.archive_code
    note = (inbox / "duplicates" / "a-again.yaml.note.txt").read_text(encoding="utf-8")
    assert first.archive_code in note


WATCH = [sys.executable, "-m", "pipeline", "watch", "--delay", "0.2"]


@pytest.mark.slow
def test_two_watchers_share_500_dropped_inputs_each_taken_once(workspace, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "FAWEN_WORKSPACE": str(workspace.root)}
    procs = [subprocess.Popen(WATCH, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(2)]
    try:
        time.sleep(2)
        staging = tmp_path / "drop"
        staging.mkdir()
        for i in range(500):
            (staging / f"n{i:03d}.yaml").write_text(notice(i), encoding="utf-8")
        for p in sorted(staging.iterdir()):
            os.rename(p, workspace.inbox / p.name)  # 500 at once
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if len(list(filed_records(workspace.outbox))) >= 500 and not [
                    p for p in workspace.inbox.iterdir() if p.is_file()]:  # fmt: skip
                break
            time.sleep(1)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.communicate(timeout=60)
    assert all(p.returncode == 0 for p in procs)
    metas = [json.loads(m.read_text(encoding="utf-8")) for m in filed_records(workspace.outbox)]
    assert len(metas) == 500
    assert len({m["文号"] for m in metas}) == 500 and len({m["标识"] for m in metas}) == 500
    assert not list((workspace.inbox / "rejected").iterdir()) and not list((workspace.inbox / "duplicates").iterdir())
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8").splitlines()
    assert len([ln for ln in log if "\t已归档\t" in ln]) == 500  # each input processed once


@pytest.mark.slow
def test_a_watcher_killed_at_random_moments_loses_and_duplicates_nothing(workspace, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "FAWEN_WORKSPACE": str(workspace.root)}
    for i in range(120):
        (workspace.inbox / f"k{i:03d}.yaml").write_text(notice(i), encoding="utf-8")
    rng = random.Random(5)
    for _run in range(100):
        p = subprocess.Popen(WATCH, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 2.0))
        p.send_signal(signal.SIGKILL)
        p.wait()
    subprocess.run([*WATCH, "--once"], env=env, check=True, stdout=subprocess.DEVNULL)
    metas = [json.loads(m.read_text(encoding="utf-8")) for m in filed_records(workspace.outbox)]
    titles = sorted(m["题名"] for m in metas)
    assert titles == sorted(f"关于第{i}项工作的通知" for i in range(120))  # none lost, none twice
    assert not [p for p in workspace.inbox.iterdir() if p.is_file()]
    assert not list((workspace.inbox / ".processing").iterdir())
    assert not list((workspace.inbox / "rejected").iterdir())
    from click.testing import CliRunner

    from pipeline.cli import main

    verify = CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "verify"])
    assert verify.exit_code == 0, verify.output[-2000:]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="lease probes are made on Linux only")
def test_a_lease_probe_left_by_a_killed_watcher_is_swept_and_a_live_ones_is_kept(workspace):
    """A watcher killed between making its lease probe and removing it leaves the probe: the next
    watcher (any Inbox) removes it; a probe whose process still runs is left alone."""
    from pipeline.store.inbox import Inbox

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    stale = workspace.inbox / f".fawen-probe-{dead}-0123abcd"
    live = workspace.inbox / f".fawen-probe-{os.getppid()}-89abcdef"
    lookalike = workspace.inbox / ".fawen-probe-notes.yaml"
    for path in (stale, live, lookalike):
        path.write_bytes(b"probe")
    Inbox(workspace.inbox)
    assert not stale.exists() and live.exists() and lookalike.exists()


def test_status_counts_waiting_rejected_and_filed_today(workspace):
    from click.testing import CliRunner

    from pipeline.cli import main

    (workspace.inbox / "good.yaml").write_text(notice(1), encoding="utf-8")
    (workspace.inbox / "bad.yaml").write_text("文种: 通知\n", encoding="utf-8")
    runner = CliRunner()
    before = json.loads(runner.invoke(main, ["-w", str(workspace.root), "status", "--json"]).stdout)
    assert before["等待"] == 2 and before["今天归档"] == 0
    Watcher(workspace, Settings(delay=0.1)).run_once()
    after = json.loads(runner.invoke(main, ["-w", str(workspace.root), "status", "--json"]).stdout)
    assert after["等待"] == 0 and after["退回"] == 1 and after["今天归档"] == 1
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8")
    assert "good.yaml\t已归档\tF071-WS·2026-Y-XF-0001" in log and "bad.yaml\t退回" in log


def test_workers_stopped_while_warming_up_leave_nothing_in_the_temporary_folder(workspace, tmp_path, monkeypatch):
    """A worker warms up when it starts and is killed at once when its watcher stops: its
    warm-up used to leave a fawen-warm-* folder behind each time (hundreds a day in /tmp)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))  # the workers' temporary folder
    r = Running(workspace)
    deadline = time.monotonic() + 8  # long enough to be mid-warm-up; a fixed worker never writes there
    while not any(temp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    r.stop()  # kills the workers, warming or not
    assert sorted(p.name for p in temp.iterdir()) == []
