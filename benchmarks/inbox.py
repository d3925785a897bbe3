"""Inbox latency: files dropped into a watched inbox at 5 per second; for each, the time from the
file's close to its archive entry being in place; then the throughput of a 200-file burst.

    .venv/bin/python benchmarks/inbox.py [--count 100] [--burst 200] [--polling]

Targets (issue 5, kept by issue 8's checks that a writer is done): p50 <= 0.6 s, p99 <= 1.5 s.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100, help="files dropped at 5 per second")
    parser.add_argument("--burst", type=int, default=200, help="files dropped at once")
    parser.add_argument("--polling", action="store_true", help="poll the folder instead of native events")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fawen-inbox-") as tmp:
        root = Path(tmp) / "ws"
        ws_store.init(root)
        workspace = ws_store.load(root)
        results: queue.Queue[tuple[float, Result]] = queue.Queue()
        watcher = Watcher(workspace, Settings(polling=args.polling), lambda r: results.put((time.monotonic(), r)))
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
        watcher.stop()
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
