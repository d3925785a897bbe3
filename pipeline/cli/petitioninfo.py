"""fawen info: 信访信息 the member units report to the office (第十条) — record, list, count."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from pipeline import petitioninfo
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _day
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _fail
from pipeline.cli.common import _now
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.cli.tasks import _cut
from pipeline.cli.tasks import _pad
from pipeline.cli.tasks import _width
from pipeline.errors import FawenError
from pipeline.stages.petitioninfo import DIMENSIONS
from pipeline.stages.petitioninfo import SUMMARY_KEY
from pipeline.stages.petitioninfo import counts
from pipeline.stages.petitioninfo import select

LISTED = ("序号", "日期", "单位", "类别", "敏感程度", "信访人数", "报送人", SUMMARY_KEY, "登记时间", "登记人")


@main.group("info")
def info_group() -> None:
    """信访信息（第十条）：成员单位报送的重要敏感信访信息，登记进档案的信访信息记录（逐条以摘要相连）。"""


@info_group.command("add")
@click.argument("path", metavar="输入文件", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default="", metavar="姓名", help="登记人（默认：工作区的操作员）。")
@click.pass_context
def info_add(ctx: click.Context, path: Path, by: str) -> None:
    """登记一条信访信息（与放入收件箱的「文种: 信访信息」输入相同）；同一信息不会重复登记。"""
    workspace = _workspace(ctx)
    try:
        done = petitioninfo.record_file(path, workspace, _now(), by)
    except FawenError as exc:  # a wrong input, or a log that no longer reads as a chain
        _fail(exc)
    if done.duplicate:
        click.echo(
            f"{path.name} 与已登记的第 {done.seq} 条信访信息（{done.unit}，{done.category}）内容相同，未重复登记。"
        )
        return
    click.echo(f"已登记信访信息：{done.unit} {done.category}，{done.sensitivity}（第 {done.seq} 条）。")


def _records(ctx: click.Context) -> list[dict[str, Any]]:
    workspace = _workspace(ctx)
    try:
        return petitioninfo.read_records(workspace.outbox)
    except FawenError as exc:
        _fail(exc)


def _period(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and start > end:
        click.echo(f"错误：起始日期 {start} 晚于截止日期 {end}。", err=True)
        sys.exit(EXIT_USAGE)


@info_group.command("ls")
@click.option("--from", "start", metavar="日期", callback=_day, help="只列此日及以后的信息，如 2026-11-01。")
@click.option("--to", "end", metavar="日期", callback=_day, help="只列此日及以前的信息，如 2026-11-30。")
@click.option("--unit", "unit", metavar="单位", default="", help="只列这个成员单位报送的信息。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def info_ls(ctx: click.Context, start: dt.date | None, end: dt.date | None, unit: str, as_json: bool) -> None:
    """列出登记的信访信息（按日期，再按登记顺序）。"""
    _period(start, end)
    found = select(_records(ctx), start, end, unit.strip())
    if as_json:
        _echo_json([{k: r.get(k) for k in LISTED} for r in found])
        return
    if not found:
        click.echo("没有符合条件的信访信息。")
        return
    header = {"序号": "序号", "日期": "日期", "单位": "单位", "类别": "类别", "敏感程度": "敏感程度", "信访人数": "人数",
              SUMMARY_KEY: "摘要"}  # fmt: skip
    cells = [header] + [{k: _cut(str(r.get(k) if r.get(k) is not None else "—"), 40) for k in header} for r in found]
    widths = {k: max(_width(c[k]) for c in cells) for k in header}
    for line in cells:
        click.echo("  ".join(_pad(line[k], widths[k]) for k in header).rstrip())
    click.echo(f"共 {len(found)} 条。")


@info_group.command("stats")
@click.option(
    "--from", "start", metavar="日期", callback=_day, required=True, help="统计起始日期（含），如 2026-11-01。"
)
@click.option("--to", "end", metavar="日期", callback=_day, required=True, help="统计截止日期（含），如 2026-11-30。")
@click.option("--by", "by", type=click.Choice(DIMENSIONS), multiple=True,
              help="按什么分组：类别、单位 或 敏感程度（默认 类别；写多次则按组合分组）。")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def info_stats(ctx: click.Context, start: dt.date, end: dt.date, by: tuple[str, ...], as_json: bool) -> None:
    """统计一段时间内（按信息的日期，含首尾两天）登记的信访信息件数：每组一行，件数多的在前，末行合计。"""
    _period(start, end)
    by = tuple(dict.fromkeys(by)) or ("类别",)
    rows = counts(_records(ctx), start, end, by)
    if as_json:
        _echo_json({"起": start.isoformat(), "止": end.isoformat(), "分组": list(by), "统计": rows})
        return
    keys = [*by, "件数"]
    cells = [{k: k for k in keys}] + [{k: str(r[k]) for k in keys} for r in rows]
    widths = {k: max(_width(c[k]) for c in cells) for k in keys}
    click.echo(f"{start} 至 {end} 的信访信息：")
    for line in cells:
        click.echo("  ".join(_pad(line[k], widths[k]) for k in keys).rstrip())
