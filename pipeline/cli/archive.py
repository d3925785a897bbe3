"""fawen archive …: browsing, verifying and re-indexing the archive (outbox/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from pipeline import run
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import EXIT_OK
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _now
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.errors import FawenError
from pipeline.store import fonts as font_store


@main.group()
def archive() -> None:
    """浏览和核验档案（outbox/）。"""


def _archive(ctx: click.Context) -> Any:
    root_ctx = ctx.find_root()
    workspace = _workspace(root_ctx)
    return run.open_archive(workspace)


@archive.command("ls")
@click.option("--year", type=int, help="年度。")
@click.option("--kind", help="文种。")
@click.option("--retention", help="保管期限：Y、D30、D10。")
@click.option("--text", help="题名或文号中含有的文字。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_ls(ctx: click.Context, year: int | None, kind: str | None, retention: str | None, text: str | None,
               as_json: bool) -> None:  # fmt: skip
    """列出已归档的件。"""
    store = _archive(ctx)
    rows = store.entries(year=year, kind=kind, retention=retention, text=text)
    store.close()
    _list_entries(rows, as_json, "共 {n} 件。")


def _list_entries(rows: list[Any], as_json: bool, footer: str) -> None:
    if as_json:
        _echo_json([e.as_dict() for e in rows])
        return
    for e in rows:
        click.echo(f"{e.archive_code}  {e.number}  {e.title}  （第{e.latest}版，{e.pages}页）")
    click.echo(footer.format(n=len(rows)))


@archive.command("show")
@click.argument("key", metavar="档号或文号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_show(ctx: click.Context, key: str, as_json: bool) -> None:
    """一件的元数据、文件、版本和事件。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    versions = store.versions(entry.identity)
    record = json.loads((store.root / versions[-1][2] / "元数据.json").read_text(encoding="utf-8"))
    store.close()
    if as_json:
        _echo_json({"件": entry.as_dict(), "版本": [{"版本": v, "输入SHA256": d, "路径": p, "归档时间": t}
                                                   for v, d, p, t in versions], "元数据": record})  # fmt: skip
        return
    click.echo(f"{entry.archive_code}  {entry.title}")
    click.echo(f"  文号：{entry.number}  文种：{entry.kind}  成文日期：{entry.date}  页数：{entry.pages}")
    for v, _d, path, t in versions:
        click.echo(f"  第{v}版  {t}  {path}")
    for c in record.get("组件", []):
        click.echo(f"    {c['文件']}（{c['角色']}，{c['大小']} 字节，SHA-256 {c['SHA256'][:16]}…）")
    for e in record.get("事件", []):
        click.echo(f"  事件：{e['行为']} {e['时间']} {e['人']}")


@archive.command("verify")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_verify(ctx: click.Context, as_json: bool) -> None:
    """四性检测：摘要、完整性（缺失、多余、被改动的文件）、件号连续、元数据、页数、文件可打开。"""
    store = _archive(ctx)
    report = run.verify_archive(store)
    store.close()
    problems = [r for r in report if r["问题"]]
    if as_json:
        _echo_json(report)
    else:
        for r in report:
            mark = "✓" if not r["问题"] else "✗"
            click.echo(f"{mark} {r['件']}" + ("" if not r["问题"] else "：" + "；".join(r["问题"])))
        click.echo(f"共检查 {len(report)} 项，发现问题 {len(problems)} 项。")
    sys.exit(EXIT_INVALID if problems else EXIT_OK)


@archive.command("search")
@click.argument("text", metavar="文字")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_search(ctx: click.Context, text: str, as_json: bool) -> None:
    """全文检索题名、文号和正文（中文任意长度的片段）。"""
    store = _archive(ctx)
    hits = store.search(text)
    store.close()
    _list_entries(hits, as_json, "找到 {n} 件。")


@archive.command("history")
@click.argument("key", metavar="档号或文号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_history(ctx: click.Context, key: str, as_json: bool) -> None:
    """一件的各个版本：归档时间、输入摘要、改动了什么。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    rows = []
    for version, digest, path, filed in store.versions(entry.identity):
        record = json.loads((store.root / path / "元数据.json").read_text(encoding="utf-8"))
        rows.append({"版本": version, "归档时间": filed, "输入SHA256": digest, "变更": record.get("变更", []),
                     "关系": record.get("关系", []), "路径": path})  # fmt: skip
    store.close()
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        change = "、".join(r["变更"]) if r["变更"] else ("首次归档" if r["版本"] == 1 else "无文字改动")
        click.echo(f"第{r['版本']}版  {r['归档时间']}  改动：{change}")


@archive.command("diff")
@click.argument("key", metavar="档号或文号")
@click.argument("v1", type=int)
@click.argument("v2", type=int)
@click.pass_context
def archive_diff(ctx: click.Context, key: str, v1: int, v2: int) -> None:
    """两个版本的文字差异。"""
    import difflib

    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    paths = {v: p for v, _d, p, _t in store.versions(entry.identity)}
    texts = []
    for v in (v1, v2):
        if v not in paths:
            store.close()
            click.echo(f"错误：{entry.archive_code} 没有第{v}版（现有：{', '.join(map(str, sorted(paths)))}）。", err=True)
            sys.exit(EXIT_USAGE)
        record = json.loads((store.root / paths[v] / "元数据.json").read_text(encoding="utf-8"))
        content = record.get("内容", {})
        texts.append([f"{k}：{line}" for k, value in content.items() for line in str(value).splitlines() or [""]])
    store.close()
    for line in difflib.unified_diff(texts[0], texts[1], f"第{v1}版", f"第{v2}版", lineterm=""):
        click.echo(line)


@archive.command("open")
@click.argument("key", metavar="档号或文号")
@click.option("--launch", is_flag=True, help="用系统默认程序打开 PDF。")
@click.pass_context
def archive_open(ctx: click.Context, key: str, launch: bool) -> None:
    """输出最新版本正本 PDF 的路径（或直接打开）。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    path = store.root / entry.path / f"v{entry.latest}" / "正本.pdf"
    store.close()
    click.echo(str(path))
    if launch:
        click.launch(str(path))


@archive.command("catalog")
@click.option("--year", type=int, required=True, help="年度。")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹。")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出目录行。")
@click.pass_context
def archive_catalog(ctx: click.Context, year: int, out_dir: Path, as_json: bool) -> None:
    """归档文件目录：XLSX、CSV 和可打印的 A4 横向 PDF。"""
    from pipeline.stages import catalogue

    store = _archive(ctx)
    entries = [e.as_dict() for e in store.entries(year=year)]
    store.close()
    table = catalogue.rows(entries)
    if as_json:
        _echo_json([dict(zip(catalogue.COLUMNS, r, strict=True)) for r in table])
        return
    workspace = _workspace(ctx.find_root())
    fonts = font_store.font_set(workspace.config.font_dirs)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{year}年度归档文件目录"
    outputs = {".xlsx": catalogue.to_xlsx(table, year), ".csv": catalogue.to_csv(table),
               ".pdf": catalogue.to_pdf(table, f"{workspace.config.organ.name} {name}", fonts)}  # fmt: skip
    for suffix, data in outputs.items():
        run.write_atomically(out_dir / f"{name}{suffix}", data)
    click.echo(f"已生成 {name}（{len(table)} 件）：" + "、".join(str(out_dir / f"{name}{s}") for s in outputs))


def _entry_or_exit(store: Any, key: str) -> Any:
    entry = store.find(key)
    if entry is None:
        store.close()
        click.echo(f"错误：档案中没有「{key}」。可用 fawen archive ls 查看已归档的件。", err=True)
        sys.exit(EXIT_INVALID)
    return entry


@archive.command("reindex")
@click.pass_context
def archive_reindex(ctx: click.Context) -> None:
    """从档案目录重建索引（索引只是缓存）。"""
    store = _archive(ctx)
    count = store.reindex()
    store.close()
    click.echo(f"已从档案目录重建索引：{count} 个版本。")
