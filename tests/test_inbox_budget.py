"""Issue 9, item 3: one hostile file costs its own time and memory budget, never the inbox.

20 hostile inputs (from the generated corpus of tests/test_hostile_inputs.py, plus attachment
PDFs that really exceed a budget) and 20 good ones are dropped together into a real ``fawen
watch`` process run with a small budget (``--timeout 2 --memory 80``)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import NameObject
from pypdf.generic import StreamObject

from tests.support import filed_records
from tests.test_hostile_inputs import build_corpus

REPO = Path(__file__).resolve().parents[1]
TIMEOUT, MEMORY = 2, 80
STEP_ASIDE = 1.0  # seconds: Settings.step_aside, after which the next input is taken beside a slow one
OVER_TIME = f"处理超时（超过 {TIMEOUT} 秒）"
OVER_MEMORY = f"占用内存超过 {MEMORY} MB"
# Corpus inputs by label: each is refused by validation with a reason (none names a file beside it).
HOSTILE = ("alias-billion-laughs", "deep-flow-5000", "deep-json-100000", "size-title-1000000", "size-file-3mb",
           "size-long-row", "size-rows-1001", "size-int-5000-digits", "yaml-file-binary", "yaml-python",
           "yaml-file-nul-late", "dup-json-nested", "json-surrogate-key", "json-nan", "md-unclosed",
           "char-标题-NUL", "date-成文日期-0001-01-01", "size-headings-1000")  # fmt: skip


def notice(i: int, extra: str = "") -> str:
    return f"文种: 通知\n标题: 关于第{i}项预算工作的通知\n正文: 请落实第{i}项工作。\n成文日期: 2026-11-24\n{extra}"


def pdf_with_content(content: bytes) -> bytes:
    """One page whose content stream is ``content``, compressed: a few KB on disk."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream._data = zlib.compress(content, 9)
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def over_budget(inbox: Path) -> dict[str, str]:
    """Inputs valid by every rule whose attachment PDF needs more than the budget: 100 000 drawing
    operations take pypdf about 10 s to merge (memory grows slowly); a 70 MB run of spaces (the
    most pypdf will inflate) needs well over 80 MB at once."""
    folder = inbox / "附件"
    folder.mkdir(exist_ok=True)
    (folder / "slow.pdf").write_bytes(pdf_with_content(b"0 0 m 1 1 l S\n" * 100_000))
    (folder / "big.pdf").write_bytes(pdf_with_content(b"0 0 m" + b" " * 70_000_000 + b"1 1 l S\n"))
    attach = "附件:\n  - 名称: 材料\n    文件: 附件/{}\n"
    return {"hz-slow.yaml": notice(900, attach.format("slow.pdf")), "hz-big.yaml": notice(901, attach.format("big.pdf"))}


class Watch:
    """``fawen watch`` as its own process; its output kept for the failure message."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.out = root / ".fawen" / "watch.out"
        self.out.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(REPO), "FAWEN_WORKSPACE": str(root)}
        cmd = [sys.executable, "-m", "pipeline", "watch", "--delay", "0.2", "--timeout", str(TIMEOUT),
               "--memory", str(MEMORY)]  # fmt: skip
        with self.out.open("wb") as fh:
            self.proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)

    def wait(self, condition, timeout: float, what: str) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what}\n{self.out.read_text(encoding='utf-8', errors='replace')[-3000:]}")
            time.sleep(0.05)


class Arrivals:
    """When each title's archive entry appears (the outbox walked every 20 ms in a thread)."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox
        self.seen: dict[str, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        known: set[Path] = set()
        while not self.done.is_set():
            for meta in set(filed_records(self.outbox)) - known:
                try:
                    title = json.loads(meta.read_text(encoding="utf-8"))["题名"]
                except (OSError, ValueError):
                    continue  # caught mid-rename: next round
                self.seen.setdefault(title, time.monotonic())
                known.add(meta)
            time.sleep(0.02)

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)


def hostile_corpus(tmp: Path) -> dict[str, bytes]:
    cases = {re.sub(r"^hx-\d{4}-", "", c.path.name): c.path for c in build_corpus(tmp / "corpus")}
    picked = {}
    for label in HOSTILE:
        name = next(n for n in cases if n.rsplit(".", 1)[0] == label)
        picked[f"hx-{name}"] = cases[name].read_bytes()
    return picked


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def drop_together(inbox: Path, staging: Path, files: dict[str, bytes], order: list[str]) -> tuple[dict[str, str], dict[str, float]]:
    """Each file written beside the inbox, then all renamed in at once (same file system: one
    rename each); returns the names dropped (the order kept in them) and when each arrived."""
    staging.mkdir()
    names = {n: f"{k:02d}-{n}" for k, n in enumerate(order)}
    for name in order:
        (staging / names[name]).write_bytes(files[name])
    dropped = {}
    for name in order:
        os.rename(staging / names[name], inbox / names[name])
        dropped[name] = time.monotonic()
    return names, dropped


def interleaved(first: list[str], second: list[str]) -> list[str]:
    return [n for pair in zip(first, second) for n in pair]


def test_twenty_hostile_files_cost_their_own_budget_and_twenty_good_ones_are_filed_on_time(workspace, tmp_path):
    inbox = workspace.inbox
    watch = Watch(workspace.root)
    arrivals = Arrivals(workspace.outbox)
    try:
        (inbox / "预热.yaml").write_text(notice(0), encoding="utf-8")  # watching, workers warm
        watch.wait(lambda: "关于第0项预算工作的通知" in arrivals.seen, 120, "预热文件未归档")
        # the normal latency: forty good files dropped together, in the same order of names
        ordinary = {f"base-{i:02d}.yaml": notice(100 + i).encode() for i in range(40)}
        base_order = interleaved(sorted(ordinary)[:20], sorted(ordinary)[20:])
        _names, base_dropped = drop_together(inbox, tmp_path / "base", ordinary, base_order)
        watch.wait(lambda: all(f"关于第{100 + i}项预算工作的通知" in arrivals.seen for i in range(40)), 180, "基准文件迟迟未归档")
        normal = [arrivals.seen[f"关于第{100 + int(n[5:7])}项预算工作的通知"] - base_dropped[n] for n in base_order[1::2]]
        # then twenty hostile ones in their place, the two over budget first: every good file but
        # one waits behind at least one of them
        hostile = {n: d.encode() for n, d in over_budget(inbox).items()} | hostile_corpus(tmp_path)
        good = {f"good-{i:02d}.yaml": notice(i).encode() for i in range(1, 21)}
        assert len(hostile) == 20 and len(good) == 20
        order = interleaved(sorted(hostile, key=lambda n: (not n.startswith("hz-"), n)), sorted(good))
        names, dropped = drop_together(inbox, tmp_path / "drop", hostile | good, order)
        rejected = inbox / "rejected"
        watch.wait(lambda: all(f"关于第{i}项预算工作的通知" in arrivals.seen for i in range(1, 21))
                   and all((rejected / f"{names[n]}.error.txt").is_file() for n in hostile), 180, "有输入迟迟没有结果")  # fmt: skip
        assert watch.proc.poll() is None  # still watching
    finally:
        arrivals.stop()
        if watch.proc.poll() is None:
            watch.proc.send_signal(signal.SIGTERM)
        code = watch.proc.wait(timeout=60)
    output = watch.out.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output[-3000:]
    latency = [arrivals.seen[f"关于第{int(n[5:7])}项预算工作的通知"] - dropped[n] for n in order[1::2]]
    p95, normal_p95 = percentile(latency, 95), percentile(normal, 95)
    print(f"good files, drop to entry: p50 {percentile(latency, 50):.2f} s, p95 {p95:.2f} s, max {max(latency):.2f} s; "
          f"with good files in place of the hostile ones: p50 {percentile(normal, 50):.2f} s, p95 {normal_p95:.2f} s")  # fmt: skip
    # A file over budget steps aside after STEP_ASIDE seconds (the next is taken beside it) and is
    # stopped at its budget; the hostile ones refused by validation cost what a good file costs.
    # So each good file is filed as soon as if the hostile files were good ones, give or take the
    # two over budget (their step aside, their CPU beside the lane). Each is held to the slowest
    # of the normal batch, not to its own counterpart: the two batches run a minute apart, and a
    # machine whose load changes in between (another process, CI neighbours) moved single files by
    # seconds (7.0 s against a counterpart's 2.1 s, once in 36 fresh-clone runs). Files queued
    # behind the hostile ones would wait their budgets one after another: 2 s each, 40 s in all.
    bound = max(normal) * 1.5 + 2 * STEP_ASIDE + 1.0
    for k, got in enumerate(latency):
        assert got <= bound, (order[2 * k + 1], got, bound, latency, normal)
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8").splitlines()
    spent = {ln.split("\t")[1]: float(ln.split("\t")[4].removesuffix("秒")) for ln in log}
    for name in hostile:  # the budget held: judging and filing each stopped at TIMEOUT
        assert spent[names[name]] <= 2 * TIMEOUT + 1, (name, spent[names[name]])
    for name, data in hostile.items():
        note = (rejected / f"{names[name]}.error.txt").read_text(encoding="utf-8")
        assert names[name] in note and re.search(r"[\u4e00-\u9fff]", note), (name, note)
        assert (rejected / names[name]).read_bytes() == data  # nothing lost
    for name, why in (("hz-slow.yaml", OVER_TIME), ("hz-big.yaml", OVER_MEMORY)):
        assert why in (rejected / f"{names[name]}.error.txt").read_text(encoding="utf-8"), (name, output[-3000:])
    assert_archive_whole(workspace, output)


def assert_archive_whole(workspace, output: str) -> None:  # noqa: ANN001
    """The killed workers left no half version, no lock, no open reservation; verify agrees."""
    titles = sorted(json.loads(m.read_text(encoding="utf-8"))["题名"] for m in filed_records(workspace.outbox))
    assert titles == sorted(f"关于第{i}项预算工作的通知" for i in [*range(21), *range(100, 140)]), titles
    assert not list((workspace.outbox / ".staging").iterdir())
    assert not list((workspace.inbox / ".processing").iterdir())
    assert not [p for p in workspace.inbox.iterdir() if p.is_file()]
    db = sqlite3.connect(workspace.root / ".fawen" / "registry.db", timeout=1, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")  # a lock left held by a killed worker would time out here
        reserved = db.execute("SELECT kind, seq, title FROM numbers WHERE status='reserved'").fetchall()
        voided = db.execute("SELECT kind, title, reason FROM numbers WHERE status='voided'").fetchall()
        db.execute("ROLLBACK")
    finally:
        db.close()
    assert not reserved, reserved
    # the slow one was killed under the archive lock, its number reserved: settled at once, voided
    assert [(t, "处理中断" in r) for _k, t, r in voided] == [("关于第900项预算工作的通知", True)], voided
    verify = subprocess.run([sys.executable, "-m", "pipeline", "-w", str(workspace.root), "archive", "verify"],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                            timeout=300, check=False)  # fmt: skip
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:] + output[-2000:]
