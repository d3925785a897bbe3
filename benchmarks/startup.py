"""Start-up of the CLI: wall time and memory of `fawen --help`, `fawen validate FILE`, and of
the commands that only read (`numbers`, `archive ls`, `status`) in a fresh workspace.

Each command is started N times as a fresh process (the installed ``fawen`` script of the
virtual environment); the script prints the median and the worst wall time, and the peak RSS
over that of the bare interpreter (``python -c pass``), which is the "extra" the issue asks about.

    .venv/bin/python benchmarks/startup.py [-n 20] [FILE ...]

Targets (issue 13, item 3): `fawen --help` and `fawen validate` of one file <= 150 ms wall
(median of 20) and <= 40 MB over the interpreter.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAWEN = Path(sys.executable).with_name("fawen")


def _timed(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one run of argv."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} 退出码 {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _measure(label: str, argv: list[str], runs: int, base_kib: int) -> None:
    _timed(argv)  # warm the page cache and the bytecode cache
    samples = [_timed(argv) for _ in range(runs)]
    walls = sorted(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    peak = max(s[2] for s in samples)
    print(
        f"{label:<40} 中位 {statistics.median(walls) * 1000:6.1f} ms  最慢 {walls[-1] * 1000:6.1f} ms  "
        f"CPU {cpu * 1000:6.1f} ms  峰值 RSS {peak / 1024:5.1f} MB（比解释器多 {(peak - base_kib) / 1024:4.1f} MB）"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="runs per command")
    parser.add_argument("files", nargs="*", type=Path, help="inputs for `fawen validate` (default: two examples)")
    args = parser.parse_args()
    files = args.files or [ROOT / "examples" / "001-印发制度的通知.yaml", ROOT / "examples" / "008-信访形势研判.md"]
    base = [_timed([sys.executable, "-c", "pass"]) for _ in range(args.n)]
    base_kib = max(b[2] for b in base)
    print(f"{'python -c pass':<40} 中位 {statistics.median(b[0] for b in base) * 1000:6.1f} ms  RSS {base_kib / 1024:5.1f} MB")
    _measure("fawen --help", [str(FAWEN), "--help"], args.n, base_kib)
    for path in files:
        _measure(f"fawen validate {path.name}", [str(FAWEN), "validate", str(path)], args.n, base_kib)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "ws"
        subprocess.run([str(FAWEN), "init", str(workspace)], check=True, capture_output=True)
        for command in (["numbers"], ["archive", "ls"], ["status"]):
            _measure(f"fawen {' '.join(command)}（新工作区）", [str(FAWEN), "-w", str(workspace), *command], args.n, base_kib)
    print(f"（负载 {os.getloadavg()[0]:.2f}；{resource.getpagesize()} 字节页）")


if __name__ == "__main__":
    main()
