"""fawen numbers: the number registry (编号登记簿)."""

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


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--year", type=int, help="只看某一年度。")
@click.pass_context
def numbers(ctx: click.Context, as_json: bool, year: int | None) -> None:
    """编号登记簿：已使用、已预留、已作废的发文字号、期号和件号。"""
    if ctx.invoked_subcommand is not None:
        return
    workspace = _workspace(ctx)
    registry = run.open_registry(workspace)
    records = registry.records(year=year)
    registry.close()
    if as_json:
        _echo_json([r.as_dict() for r in records])
        return
    if not records:
        click.echo("登记簿中还没有编号。")
    for r in records:
        d = r.as_dict()
        click.echo(f"{d['类别']}  {d['系列']} {d['年度']} 第{d['序号']}号  {d['状态']}  {d['标题'] or d['原因']}")


@numbers.command("void")
@click.argument("number", metavar="编号")
@click.option("--reason", required=True, help="作废原因。")
@click.pass_context
def numbers_void(ctx: click.Context, number: str, reason: str) -> None:
    """作废一个发文字号（如 罕政发〔2026〕7号），记录原因；作废的编号不再使用。"""
    from pipeline.stages.numbering import DocumentNumber

    parsed = DocumentNumber.parse(number)
    if parsed is None or parsed.seq is None:
        click.echo(f"错误：「{number}」不是发文字号。应为：机关代字〔年份〕序号号，如 罕政发〔2026〕7号", err=True)
        sys.exit(EXIT_USAGE)
    workspace = _workspace(ctx.parent) if ctx.parent else _workspace(ctx)
    registry = run.open_registry(workspace)
    registry.void("发文字号", parsed.code, parsed.year, parsed.seq, reason)
    registry.close()
    click.echo(f"已作废 {number}：{reason}")
