"""fawen serve on a big archive: a real HTTP client (http.client, one kept-alive connection, as a
browser tab) against the real server (`fawen serve --port 0` in its own process), on the
synthetic archive of benchmarks/archive.py (N 件 of metadata records, default 100 000) with the
examples filed into it for real (their PDFs give the page images). Prints p50/p95 per kind of page.

    .venv/bin/python benchmarks/serve.py [--count 100000] [--rounds 5] [--workspace DIR]

--workspace keeps the built archive in DIR (and reuses it when DIR already has one): building
100 000 件 and their index takes minutes, measuring takes seconds.
Targets (issue 10): list and search pages p95 <= 100 ms, a cached page image <= 20 ms, the first
render of a page image <= 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import importlib.util
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import run  # noqa: E402
from pipeline.store import workspace as ws_store  # noqa: E402
from pipeline.store.archive import Archive  # noqa: E402

_spec = importlib.util.spec_from_file_location("archive_benchmark", ROOT / "benchmarks" / "archive.py")
archive_benchmark = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(archive_benchmark)  # type: ignore[union-attr]
TARGETS = {"列表页": 100.0, "检索页": 100.0, "件的页面": 100.0, "页面图像（已缓存）": 20.0, "页面图像（首次生成）": 300.0}


def build(root: Path, count: int) -> None:
    """The synthetic tree exactly as benchmarks/archive.py lays it out, indexed, then every example
    filed into it by the pipeline (so some 件 have real PDFs)."""
    if (root / ws_store.CONFIG_NAME).is_file():
        print(f"沿用已建好的档案：{root}")
    else:
        ws_store.init(root)
        print(f"生成 {count} 件合成档案元数据……", flush=True)
        start = time.perf_counter()
        archive_benchmark.synthetic_tree(root / "outbox", count, random.Random(9704))
        archive = Archive(root / "outbox")
        archive.reindex()
        archive.close()
        print(f"  用时 {time.perf_counter() - start:.0f} 秒（含建索引）", flush=True)
    if (root / "examples").is_dir():
        return
    shutil.copytree(ROOT / "examples", root / "examples")
    workspace = ws_store.load(root)
    start = time.perf_counter()
    for path in sorted((root / "examples").glob("0*")):
        run.file_document(path, workspace, dt.date(2026, 11, 24), dt.datetime.now().astimezone())
    print(f"  归档 8 份真实公文（首次归档接管登记簿）：{time.perf_counter() - start:.0f} 秒", flush=True)


class Client:
    """One kept-alive connection, as a browser tab uses."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=120)
        self.host = f"{host}:{port}"

    def get(self, path: str, accept: str = "text/html") -> tuple[int, bytes, float]:
        start = time.perf_counter()
        self.conn.request("GET", path, headers={"Host": self.host, "Accept": accept})
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, (time.perf_counter() - start) * 1000


def start_server(root: Path) -> tuple[subprocess.Popen[str], str, int]:
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "-w", str(root), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    line = proc.stdout.readline() if proc.stdout else ""
    m = re.search(r"http://([^/:]+):(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"fawen serve 没有启动：{line}")
    return proc, m[1], int(m[2])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(client: Client, paths: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for path in paths:
            status, body, ms = client.get(path)
            if status != 200:
                raise SystemExit(f"{path}：HTTP {status} {body[:200]!r}")
            times.append(ms)
    return times


def workload(client: Client, rng: random.Random) -> dict[str, list[str]]:
    """The pages to ask for: catalogue pages (facets, sorts, deep pages), searches (words, several
    words, numbers as typed), 件 pages (synthetic and real), and the real 件's page images."""
    q = lambda s: quote(s, safe="")  # noqa: E731
    lists = ["/", "/items", f"/items?{q('年度')}=2020", f"/items?{q('年度')}=2020&{q('文种')}={q('通知')}",
             "/items?page=1000", f"/items?{q('排序')}=-{q('日期')}", f"/items?{q('排序')}={q('题名')}&page=500",
             f"/items?{q('保管期限')}=D30&{q('排序')}={q('文号')}&page=20", "/inbox", "/numbers"]  # fmt: skip
    words = archive_benchmark.WORDS
    searches = [f"/search?q={q(w)}" for w in words[:10]]
    searches += [f"/search?q={q(a + ' ' + b)}" for a, b in zip(words[10:], words[:10], strict=False)]
    searches += [f"/search?q={q(s)}" for s in ("罕政发[2020]12号", "F071-WS-2023-Y-XF-15", "有关事项", f"{q('补偿款')}&{q('年度')}=2024")]
    pages = json.loads(client.get("/items", "application/json")[1])["页数"]
    _status, body, _ms = client.get("/items?page=" + str(rng.randint(1, pages)), "application/json")
    items = [f"/items/{q(e['档号'])}" for e in json.loads(body)["件"][:10]]
    real = json.loads(client.get(f"/items?{q('年度')}=2026", "application/json")[1])["件"]
    items += [f"/items/{q(e['档号'])}" for e in real]
    images = []
    for e in real:
        for copy in ("正本", "归档"):
            images += [f"/items/{q(e['档号'])}/v1/{q(copy)}/{p}.png" for p in range(1, int(e["页数"]) + 1)]
    return {"列表页": lists, "检索页": searches, "件的页面": items, "页面图像": images}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="times each list, search and 件 page is asked for")
    parser.add_argument("--workspace", type=Path, help="keep (or reuse) the built archive here")
    args = parser.parse_args()
    tmp = None if args.workspace else tempfile.mkdtemp(prefix="fawen-serve-bench-")
    root = (args.workspace or Path(tmp) / "ws").resolve()  # type: ignore[arg-type]
    build(root, args.count)
    shutil.rmtree(root / ".fawen" / "cache", ignore_errors=True)  # every image is made afresh once
    proc, host, port = start_server(root)
    try:
        client = Client(host, port)
        pages = workload(client, random.Random(22))
        timed(client, pages["列表页"] + pages["检索页"][:5], 1)  # warm up: each worker thread opens the index once
        results = {name: timed(client, pages[name], args.rounds) for name in ("列表页", "检索页", "件的页面")}
        results["页面图像（首次生成）"] = timed(client, pages["页面图像"], 1)
        results["页面图像（已缓存）"] = timed(client, pages["页面图像"], args.rounds)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"档案：{args.count} 件合成 + 8 件真实公文；每类请求的耗时（毫秒，客户端计，含 HTTP）：")
    for name, times in results.items():
        p50, p95 = percentile(times, 50), percentile(times, 95)
        verdict = "达到" if p95 <= TARGETS[name] else "未达到"
        print(f"  {name}：{len(times)} 次，p50 {p50:.1f} ms，p95 {p95:.1f} ms（目标 p95 ≤ {TARGETS[name]:.0f} ms：{verdict}）")


if __name__ == "__main__":
    main()
