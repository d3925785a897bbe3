"""Inbox latency: files dropped into a watched inbox at 5 per second; for each, the time from the
file's close to its archive entry being in place; then the throughput of a 200-file burst.

    .venv/bin/python benchmarks/inbox.py [--count 100] [--burst 200] [--polling]

Targets (issue 5, kept by issue 8's checks that a writer is done): p50 <= 0.6 s, p99 <= 1.5 s.
Memory (issue 13): the watcher's RSS and its workers' after start, after each phase, and once the
inbox has been idle for ``--rest`` seconds (the workers stopped: target <= 120 MB in all), over
``--count`` + ``--burst`` files (1 000 by default: flat).
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.store import workspace as ws_store  # noqa: E402
from pipeline.watch import Result  # noqa: E402
from pipeline.watch import Settings  # noqa: E402
from pipeline.watch import Watcher  # noqa: E402


def notice(tag: str, i: int) -> str:
    return f"文种: 通知\n标题: 关于{tag}第{i}项工作的通知\n正文: 请落实{tag}第{i}项工作。\n成文日期: 2026-11-24\n"


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def workers() -> list[int]:
    """The watcher's worker processes (children of this process)."""
    out = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(os.getpid()):
                out.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return out


def memory(when: str) -> float:
    """Print and return the RSS of the watcher (this process) and its workers together, in MB."""
    own, theirs = rss_mb(os.getpid()), [rss_mb(p) for p in workers()]
    total = own + sum(theirs)
    print(f"内存（{when}）：监视进程 {own:.0f} MB + {len(theirs)} 个工作进程 {sum(theirs):.0f} MB = {total:.0f} MB")
    return total


def rested(seconds: float) -> float:
    """The RSS once the inbox has been idle long enough for the workers to be stopped."""
    deadline = time.monotonic() + seconds + 30
    while workers() and time.monotonic() < deadline:
        time.sleep(0.2)
    return memory(f"空闲 {seconds:g} 秒后")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100, help="files dropped at 5 per second")
    parser.add_argument("--burst", type=int, default=900, help="files dropped at once")
    parser.add_argument("--polling", action="store_true", help="poll the folder instead of native events")
    parser.add_argument("--rest", type=float, default=5.0, help="idle seconds before the workers are stopped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fawen-inbox-") as tmp:
        root = Path(tmp) / "ws"
        ws_store.init(root)
        workspace = ws_store.load(root)
        results: queue.Queue[tuple[float, Result]] = queue.Queue()
        settings = Settings(polling=args.polling, rest=args.rest)
        watcher = Watcher(workspace, settings, lambda r: results.put((time.monotonic(), r)))
        how = "内核租约（F_SETLEASE）" if watcher.inbox.leases else "inotify 关闭事件或稳定性检查"
        print(f"{'轮询' if args.polling else '原生事件'}模式；判断写入者是否写完：{how}")
        thread = threading.Thread(target=watcher.run, kwargs={"install_signals": False}, daemon=True)
        thread.start()
        staging = Path(tmp) / "drafts"
        staging.mkdir()

        def drop(name: str, text: str) -> float:
            with (workspace.inbox / name).open("w", encoding="utf-8") as fh:
                fh.write(text)
            return time.monotonic()  # the file is closed here

        time.sleep(3)
        memory("启动后（工作进程预热）")
        drop("warm.yaml", notice("预热", 0))  # fonts and templates load once per process
        results.get(timeout=60)
        closed: dict[str, float] = {}
        start = time.monotonic()
        for i in range(args.count):
            closed[f"r{i:04d}.yaml"] = drop(f"r{i:04d}.yaml", notice("定速", i))
            time.sleep(max(0.0, start + (i + 1) * 0.2 - time.monotonic()))
        latencies = []
        while len(latencies) < args.count:
            at, result = results.get(timeout=120)
            assert result.outcome == "已归档", result.reason
            latencies.append(at - closed[result.name])
        p50, p95, p99 = (percentile(latencies, p) for p in (50, 95, 99))
        print(f"每秒放入 5 个，共 {args.count} 个：文件关闭到归档完成 p50 {p50:.2f} 秒，p95 {p95:.2f} 秒，"
              f"p99 {p99:.2f} 秒，平均 {statistics.mean(latencies):.2f} 秒")  # fmt: skip
        print(f"  目标 p50 ≤ 0.6 秒：{'达到' if p50 <= 0.6 else '未达到'}；p99 ≤ 1.5 秒：{'达到' if p99 <= 1.5 else '未达到'}")
        memory(f"定速放入 {args.count} 个之后")
        idle = rested(args.rest)

        for i in range(args.burst):
            (staging / f"b{i:04d}.yaml").write_text(notice("突发", i), encoding="utf-8")
        start = time.monotonic()
        for path in sorted(staging.iterdir()):
            shutil.move(str(path), workspace.inbox / path.name)
        for _ in range(args.burst):
            at, result = results.get(timeout=600)
            assert result.outcome == "已归档", result.reason
        seconds = at - start
        print(f"一次放入 {args.burst} 个：{seconds:.1f} 秒全部归档，{args.burst / seconds:.1f} 个/秒")
        memory(f"共归档 {args.count + args.burst + 1} 个之后")
        after = rested(args.rest)
        print(f"空闲时：第一次 {idle:.0f} MB，共归档 {args.count + args.burst + 1} 个之后 {after:.0f} MB"
              f"（目标 ≤ 120 MB 且不随文件数增长：{'达到' if max(idle, after) <= 120 and after <= idle * 1.1 + 5 else '未达到'}）")
        watcher.stop()
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
