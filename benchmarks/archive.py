"""Archive speed: an index of N synthetic 件 (default 100 000), built from metadata records in a
real tree, then search latency (p50/p95), ``ls`` time, ``reindex`` time, and ``verify``
throughput over real filed documents.

    .venv/bin/python benchmarks/archive.py [--count 100000] [--real 20]

Targets (issue 4): search p95 <= 20 ms, reindex <= 60 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import run  # noqa: E402
from pipeline.dat22 import archive_code  # noqa: E402
from pipeline.stages.verify import check_version  # noqa: E402
from pipeline.store import workspace as ws_store  # noqa: E402
from pipeline.store.archive import Archive  # noqa: E402

WORDS = ["信访", "联席会议", "督查", "欠薪", "补偿款", "征地拆迁", "矛盾纠纷", "排查化解", "专题会议", "全体会议",
         "九成功村", "罕台村", "综合执法局", "平安建设", "社会事务", "劳资纠纷", "重复信访", "积案", "包案", "研判"]  # fmt: skip
KINDS = ["通知", "会议通知", "会议纪要", "督查通报", "专题报告", "请示"]


def synthetic_tree(root: Path, count: int, rng: random.Random) -> None:
    """Metadata records laid out exactly as filing lays them out (one folder per 件 and version)."""
    items: dict[tuple[int, str], int] = {}
    for n in range(count):
        year = 2016 + n % 10
        retention = ("Y", "D30", "D10")[n % 3]
        items[(year, retention)] = items.get((year, retention), 0) + 1
        item = items[(year, retention)]
        code = archive_code("F071", year, retention, "XF", item)
        words = rng.sample(WORDS, 3)
        title = f"关于{words[0]}和{words[1]}工作的{KINDS[n % 6]}{n}"
        body = f"为做好{words[0]}工作，现就{words[1]}、{words[2]}有关事项通知如下。编号{n}。"
        record = {
            "标识": f"标识:{n}", "档号": code, "文号": f"罕政发〔{year}〕{item}号", "题名": title, "文种": KINDS[n % 6],
            "年度": year, "保管期限": retention, "机构问题": "XF", "件号": item, "版本": 1, "页数": 2,
            "成文日期": f"{year}-11-24", "责任者": ["鄂尔多斯市东胜区罕台镇人民政府"], "输入SHA256": f"{n:064x}",
            "归档时间": "2026-11-24T10:00:00+08:00", "内容": {"标题": title, "正文": body},
        }  # fmt: skip
        folder = root / str(year) / retention / "XF" / f"{code} {title[:20]}" / "v1"
        folder.mkdir(parents=True)
        (folder / "元数据.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        if n and n % 20000 == 0:
            print(f"  已生成 {n} 件……", flush=True)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=16, help="real documents filed for the verify figure")
    args = parser.parse_args()
    rng = random.Random(9704)
    with tempfile.TemporaryDirectory(prefix="fawen-bench-") as tmp:
        outbox = Path(tmp) / "outbox"
        print(f"生成 {args.count} 件合成档案元数据……", flush=True)
        start = time.perf_counter()
        synthetic_tree(outbox, args.count, rng)
        print(f"  用时 {time.perf_counter() - start:.1f} 秒")
        archive = Archive(outbox)
        start = time.perf_counter()
        indexed = archive.reindex()
        reindex_s = time.perf_counter() - start
        print(f"reindex：{indexed} 件，{reindex_s:.1f} 秒（目标 ≤ 60 秒：{'达到' if reindex_s <= 60 else '未达到'}）")

        queries = [*WORDS, "工作的通知", "有关事项", "编号4711", "信访工作", "会议", "罕台"]
        times = []
        for _ in range(10):
            for q in queries:
                t = time.perf_counter()
                archive.search(q)
                times.append((time.perf_counter() - t) * 1000)
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(f"search：{len(times)} 次，p50 {p50:.1f} ms，p95 {p95:.1f} ms（目标 p95 ≤ 20 ms：{'达到' if p95 <= 20 else '未达到'}）")

        start = time.perf_counter()
        listed = archive.entries(year=2025)
        ls_s = time.perf_counter() - start
        start = time.perf_counter()
        everything = archive.entries()
        all_s = time.perf_counter() - start
        print(f"ls：一个年度 {len(listed)} 件 {ls_s * 1000:.0f} ms；全部 {len(everything)} 件 {all_s * 1000:.0f} ms")
        archive.close()

        root = Path(tmp) / "ws"
        ws_store.init(root)
        shutil.copytree(ROOT / "examples", root / "examples")
        workspace = ws_store.load(root)
        sources = sorted(p for p in (root / "examples").glob("0*"))
        now = dt.datetime.now().astimezone()
        for k in range(args.real):
            src = sources[k % len(sources)]
            copy = src.with_name(f"r{k}-{src.name}")
            copy.write_text(src.read_text(encoding="utf-8").replace("标题: ", f"标题: 第{k}份", 1), encoding="utf-8")
            run.file_document(copy, workspace, dt.date(2026, 11, 24), now)
        folders = [m.parent for m in workspace.outbox.rglob("元数据.json")]
        total = 0
        start = time.perf_counter()
        for folder in folders:
            files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
            total += sum(len(v) for v in files.values())
            problems, _ = check_version(files, folder.name)
            assert not problems, problems
        verify_s = time.perf_counter() - start
        print(f"verify：{len(folders)} 件真实公文，{total / 1e6:.1f} MB，{total / 1e6 / verify_s:.1f} MB/秒")


if __name__ == "__main__":
    main()
