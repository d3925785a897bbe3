"""The hostile-input corpus (tests/test_hostile_inputs.py) through the CLI, one child process per
command, each limited to 10 s of CPU and wall time and 500 MB of address space.

    .venv/bin/python benchmarks/hostile.py [--jobs 2] [--sample N]

Every input is run through ``fawen validate`` and ``fawen render``. Prints the number of inputs,
how each command ended (ok, refused, usage error, traceback, killed by a limit), and the worst
wall time and peak memory (max RSS) of any child; exits non-zero on any traceback or limit hit.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.store import workspace as ws_store  # noqa: E402
from tests.test_hostile_inputs import build_corpus  # noqa: E402

FAWEN = REPO / ".venv" / "bin" / "fawen"
SECONDS = 10
MEMORY = 500 * 1024 * 1024


@dataclass
class Result:
    name: str
    command: str
    outcome: str  # ok, refused, usage, traceback, limit
    seconds: float
    max_rss_mb: float


def _limits() -> None:
    """In the child, before exec: the budget one input may use."""
    resource.setrlimit(resource.RLIMIT_CPU, (SECONDS, SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_one(args: list[str], name: str, command: str, cwd: Path) -> Result:
    """One child: its wall time, and its own peak RSS from wait4 (not the sum of all children)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_limits)
        status, usage, killed = _wait(proc, start)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    seconds = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if killed or code < 0 or "MemoryError" in stderr:
        outcome = "limit"
    elif "Traceback" in stderr:
        outcome = "traceback"
    else:
        outcome = {0: "ok", 1: "refused", 2: "usage"}.get(code, f"exit {code}")
    return Result(name, command, outcome, seconds, usage.ru_maxrss / 1024)


def _wait(proc: subprocess.Popen[bytes], start: float) -> tuple[int, resource.struct_rusage, bool]:
    killed = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = status  # reaped here: keep Popen from waiting again
            return status, usage, killed
        if time.monotonic() - start > SECONDS and not killed:
            proc.kill()
            killed = True
        time.sleep(0.01)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=0, help="only every k-th input, to have about N")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fawen-hostile-") as tmp:
        root = Path(tmp)
        ws_store.init(root / "ws")
        cases = build_corpus(root / "corpus")
        if opts.sample:
            cases = cases[:: max(1, len(cases) // opts.sample)]
        jobs = []
        for case in cases:
            base = [str(FAWEN), "-w", str(root / "ws")]
            jobs.append((base + ["validate", str(case.path)], case.path.name, "validate"))
            jobs.append((base + ["render", str(case.path), "-o", str(root / "out")], case.path.name, "render"))
        started = time.monotonic()
        with ThreadPoolExecutor(opts.jobs) as pool:
            results = list(pool.map(lambda j: run_one(j[0], j[1], j[2], root), jobs))
        elapsed = time.monotonic() - started
    return report(results, len(cases), elapsed)


def report(results: list[Result], inputs: int, elapsed: float) -> int:
    counts: dict[str, int] = {}
    for r in results:
        counts[f"{r.command} {r.outcome}"] = counts.get(f"{r.command} {r.outcome}", 0) + 1
    slowest = max(results, key=lambda r: r.seconds)
    biggest = max(results, key=lambda r: r.max_rss_mb)
    print(f"inputs: {inputs}, commands: {len(results)}, {elapsed:.0f} s in all")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    print(f"worst time: {slowest.seconds:.2f} s ({slowest.command} {slowest.name})")
    print(f"peak memory: {biggest.max_rss_mb:.0f} MB ({biggest.command} {biggest.name})")
    bad = [r for r in results if r.outcome in ("traceback", "limit") or r.outcome.startswith("exit")]
    for r in bad[:20]:
        print(f"  ! {r.command} {r.name}: {r.outcome} ({r.seconds:.1f} s, {r.max_rss_mb:.0f} MB)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
