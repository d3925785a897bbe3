"""Half writes (issue 8): a writer saves half an input (cut at a line end, so the half parses and
would be filed), keeps the file open, pauses, then writes the rest. Does a real ``fawen watch``
process ever file or reject the half? Also a writer that closes after the half and reopens to
append within the stability window.

    .venv/bin/python benchmarks/half_writes.py [--runs 20] [--pauses 0.5 1.5 3 8] [--parallel 20]

For each mode (native events, --polling) and each pause, ``--runs`` writers (``--parallel`` at a
time; 1 = strictly one after another) and a count of the archived inputs that are whole, those that
are not, and the files rejected. Target: all whole, none half, none rejected.

tests/test_whole_files.py runs the same scenario; the pieces it shares live here.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.store import workspace as ws_store  # noqa: E402

BASIS = ROOT / "examples" / "006-专题报告.yaml"
CUT_BEFORE = "  ## 补偿款拨付情况"  # the half ends with "# 核查结果", as the clerk's did
LAST_SECTION = "特此报告。"


def full_text(tag: str) -> str:
    """The 专题报告 example, made distinct (标识 and title) so that no writer's input is a duplicate."""
    text = BASIS.read_text(encoding="utf-8").replace("的专题报告\n", f"的专题报告（{tag}）\n", 1)
    return f"标识: {tag}\n{text}"


def halves(text: str) -> tuple[bytes, bytes]:
    cut = text.index(CUT_BEFORE)
    return text[:cut].encode("utf-8"), text[cut:].encode("utf-8")


def tag_of(data: bytes) -> str:
    first = data.decode("utf-8", errors="replace").split("\n", 1)[0]
    return first.removeprefix("标识: ").strip() if first.startswith("标识: ") else ""


def paused_writer(path: Path, text: str, pause: float) -> None:
    """Half, then a pause with the file still open (a slow disk, a network share), then the rest."""
    first, rest = halves(text)
    with path.open("wb") as fh:
        fh.write(first)
        fh.flush()
        time.sleep(pause)  # the pause is the scenario, not a wait for anything
        fh.write(rest)


def reopening_writer(path: Path, text: str, gap: float, linger: float) -> None:
    """Half, close, reopen to append ``gap`` later (within the stability window), maybe linger
    with the file open again, then the rest."""
    first, rest = halves(text)
    path.write_bytes(first)
    time.sleep(gap)
    with path.open("ab") as fh:
        time.sleep(linger)
        fh.write(rest)


@dataclass
class Writer:
    name: str  # file name in the inbox; its 标识 is the stem
    run: Callable[[Path, str], None]
    group: str  # how it writes, for the counts

    @property
    def text(self) -> str:
        return full_text(Path(self.name).stem)


def paused_writers(mode: str, pauses: list[float], runs: int) -> list[Writer]:
    return [Writer(f"半写-{mode}-{pause:g}s-{i:02d}.yaml", lambda p, t, s=pause: paused_writer(p, t, s), f"停顿 {pause:g} 秒")
            for pause in pauses for i in range(runs)]  # fmt: skip


def reopening_writers(mode: str, runs: int) -> list[Writer]:
    """Reopened 0.01–0.2 s after closing; every other one lingers 1 s with the file open again."""
    return [Writer(f"重开-{mode}-{i:02d}.yaml", lambda p, t, g=0.01 * (i % 20 + 1), n=(i % 2) * 1.0:
                   reopening_writer(p, t, g, n), "关闭后重开追加") for i in range(runs)]  # fmt: skip


def start_writers(inbox: Path, writers: list[Writer]) -> list[threading.Thread]:
    threads = [threading.Thread(target=w.run, args=(inbox / w.name, w.text), daemon=True) for w in writers]
    for t in threads:
        t.start()
    return threads


@dataclass
class Outcome:
    whole: list[str] = field(default_factory=list)  # names whose archived input is the full text
    half: list[str] = field(default_factory=list)  # archived, but not what was written in full
    rejected: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # no outcome (yet)
    problems: list[str] = field(default_factory=list)  # whole input, yet the record lacks its end

    def count(self, names: set[str]) -> dict[str, int]:
        return {k: len(set(getattr(self, k)) & names) for k in ("whole", "half", "rejected", "duplicates", "missing")}


def records(outbox: Path) -> list[Path]:
    """Every filed version's 元数据.json, walked while watchers file: staging folders come and go."""
    found = []
    for folder, dirs, files in os.walk(outbox):
        dirs[:] = [d for d in dirs if d not in (".staging", ".fawen")]
        found += [Path(folder) / f for f in files if f == "元数据.json"]
    return found


def audit(root: Path, writers: list[Writer]) -> Outcome:
    """What the workspace holds for each writer's input: archive entries (by 标识), rejected/,
    duplicates/."""
    by_tag = {Path(w.name).stem: w for w in writers}
    out, seen = Outcome(), set()
    for meta in records(root / "outbox"):
        data = next((p.read_bytes() for p in meta.parent.iterdir() if p.name.startswith("输入")), b"")
        w = by_tag.get(tag_of(data))
        if w is None:
            continue
        seen.add(w.name)
        if data != w.text.encode("utf-8"):
            out.half.append(w.name)
            continue
        out.whole.append(w.name)
        record = json.loads(meta.read_text(encoding="utf-8"))
        if LAST_SECTION not in json.dumps(record, ensure_ascii=False) or "2026-11-08" not in json.dumps(record):
            out.problems.append(f"{w.name}: 记录缺少正文末段或成文日期")
    for sub, bucket in (("rejected", out.rejected), ("duplicates", out.duplicates)):
        for p in (root / "inbox" / sub).glob("*.yaml"):
            w = by_tag.get(tag_of(p.read_bytes()))
            if w is not None:
                seen.add(w.name)
                bucket.append(w.name)
    out.missing = sorted(w.name for w in writers if w.name not in seen)
    return out


class WatchProcess:
    """``fawen watch`` (or ``--polling``) as its own process over a workspace."""

    def __init__(self, root: Path, polling: bool) -> None:
        self.root = root
        self.log = root / ".fawen" / ("watch-polling.out" if polling else "watch-native.out")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pipeline", "-w", str(root), "watch", *(["--polling"] if polling else [])]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FAWEN_WORKSPACE": str(root)}
        with self.log.open("wb") as fh:
            self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)

    def warm_up(self, timeout: float = 120) -> None:
        """Wait until it has filed a first input: watching, fonts and templates loaded."""
        (self.root / "inbox" / "预热.yaml").write_text(
            "文种: 通知\n标题: 关于预热的通知\n正文: 预热。\n成文日期: 2026-11-24\n", encoding="utf-8")  # fmt: skip
        self.wait(lambda: bool(records(self.root / "outbox")), timeout, "预热文件未归档")

    def wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{what}\n{self.log.read_text(encoding='utf-8', errors='replace')[-3000:]}")
            time.sleep(0.2)

    def settled(self, writers: list[Writer]) -> bool:
        """Every writer's input has an outcome and nothing waits in the inbox or in processing."""
        inbox = self.root / "inbox"
        idle = not [p for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")]
        return idle and not any((inbox / ".processing").iterdir()) and not audit(self.root, writers).missing

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def workspace(parent: Path, name: str) -> Path:
    root = parent / name
    ws_store.init(root)
    return root


def run_mode(parent: Path, polling: bool, pauses: list[float], runs: int, parallel: int) -> None:
    mode = "polling" if polling else "native"
    root = workspace(parent, mode)
    watcher = WatchProcess(root, polling)
    try:
        watcher.warm_up()
        groups = [paused_writers(mode, [p], runs) for p in pauses] + [reopening_writers(mode, runs)]
        for writers in groups:
            for start in range(0, len(writers), parallel):
                for t in start_writers(root / "inbox", writers[start : start + parallel]):
                    t.join()
            watcher.wait(lambda w=writers: watcher.settled(w), 120 + 2 * runs, "有输入迟迟没有结果")
            c = audit(root, writers).count({w.name for w in writers})
            label = f"fawen watch{' --polling' if polling else ''}".ljust(21)
            print(f"{label} {writers[0].group}，{runs} 次：完整 {c['whole']}，不完整 {c['half']}，"
                  f"退回 {c['rejected']}，重复 {c['duplicates']}，无结果 {c['missing']}", flush=True)  # fmt: skip
    finally:
        watcher.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pauses", type=float, nargs="+", default=[0.5, 1.5, 3.0, 8.0])
    parser.add_argument("--parallel", type=int, default=20, help="writers at a time (1: one after another)")
    parser.add_argument("--modes", nargs="+", default=["native", "polling"], choices=["native", "polling"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fawen-half-") as tmp:
        for mode in args.modes:
            run_mode(Path(tmp), mode == "polling", args.pauses, args.runs, max(1, args.parallel))


if __name__ == "__main__":
    main()
