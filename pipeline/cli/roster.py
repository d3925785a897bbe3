"""fawen roster: the member units and their 联络员 on a date; ``roster set`` records a 联络员变更 (第六条: 备案)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any
from typing import NoReturn

import click

from pipeline import intake
from pipeline import liaisonfile
from pipeline import liaisons
from pipeline import run
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import _day
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _now
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.cli.tasks import _pad
from pipeline.cli.tasks import _width
from pipeline.errors import InputError
from pipeline.roster import config_on


@main.group("roster", invoke_without_command=True)
@click.option(
    "--at", "at", metavar="日期", callback=_day, help="哪一天有效的名册，如 2026-10-31；默认今天（工作区时区）。"
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def roster(ctx: click.Context, at: dt.date | None, as_json: bool) -> None:
    """联席会议名册：成员单位及其联络员、电话（fawen.yaml 加上其后的联络员备案）。"""
    if ctx.invoked_subcommand is not None:
        return
    workspace = _workspace(ctx)
    day = at or _today(workspace)
    rows = _rows(workspace.config, day)
    if as_json:
        _echo_json({"日期": day.isoformat(), "成员单位": rows})
        return
    _table(rows, day)


def _rows(cfg: Any, day: dt.date) -> list[dict[str, str]]:
    """Each member unit on ``day``: its 联络员, 电话 and since when (备案日期; '' = as in fawen.yaml)."""
    dated = config_on(cfg, day)
    since: dict[str, str] = {}
    for change in sorted(cfg.liaison_changes, key=lambda ch: (ch.filed, ch.seq)):
        if change.filed <= day:
            since[change.unit] = change.filed.isoformat()
    members = dated.meeting.members if dated.meeting else ()
    return [{"名称": m.name, "联络员": m.liaison, "电话": m.phone, "备案日期": since.get(m.name, "")} for m in members]


def _table(rows: list[dict[str, str]], day: dt.date) -> None:
    if not rows:
        click.echo("fawen.yaml 中没有配置联席会议成员单位（「联席会议.成员单位」）。")
        return
    header = {"名称": "成员单位", "联络员": "联络员", "电话": "电话", "备案日期": "备案日期"}
    cells = [header] + [{**r, "备案日期": r["备案日期"] or "（fawen.yaml）"} for r in rows]
    keys = list(header)
    widths = [max(_width(c[k]) for c in cells) for k in keys]
    for line in cells:
        click.echo("  ".join(_pad(line[k], w) for k, w in zip(keys, widths, strict=True)).rstrip())
    click.echo(f"共 {len(rows)} 个成员单位（按 {day} 有效的名册）。")


@roster.command("set")
@click.argument("unit", metavar="单位", required=False)
@click.option("--联络员", "--liaison", "liaison", metavar="姓名", help="新联络员的姓名。")
@click.option("--电话", "--phone", "phone", metavar="电话", help="新联络员的电话，如 0477-8000003。")
@click.option(
    "--备案日期", "--filed", "filed", metavar="日期", callback=_day, help="备案日期，自这一天起有效；默认今天。"
)
@click.option("--原联络员", "--former", "former", metavar="姓名", default="", help="原联络员（可不写；写了则核对）。")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="文件",
              help="从「联络员变更」输入文件（YAML/JSON/Markdown：单位、联络员、电话、备案日期、原联络员）读取。")  # fmt: skip
@click.pass_context
def roster_set(ctx: click.Context, unit: str | None, liaison: str | None, phone: str | None, filed: dt.date | None,
               former: str, source: Path | None) -> None:  # fmt: skip
    """备案一次联络员变更（第六条），记入档案的联络员备案（逐行以摘要相连，fawen archive verify 检查）。

    如：fawen roster set 综合执法局 --联络员 高原 --电话 0477-8000013 --备案日期 2026-11-01"""
    workspace = _workspace(ctx)
    if source is not None and (unit or liaison or phone or filed or former):
        raise click.UsageError(
            "--from 与 单位、--联络员、--电话、--备案日期、--原联络员 二选一：变更写在文件中，或都写在命令行上"
        )
    if source is not None:
        change, problems = liaisonfile.read_file(source)
    else:
        given = {
            "单位": unit,
            "联络员": liaison,
            "电话": phone,
            "备案日期": filed or _today(workspace),
            "原联络员": former,
        }
        change, problems = liaisons.read_change(given, "命令行")
    if change is None:
        _refuse(problems)
    when = _now().astimezone(intake.workspace_zone(workspace))
    try:
        done = liaisonfile.record(workspace, change, when, run.operator(workspace), source.name if source else "命令行")
    except InputError as exc:
        _refuse([p.describe() for p in exc.problems])
    e = done.entry
    if done.duplicate:
        click.echo(
            f"联络员备案第 {e['序号']} 行已记有这次变更（{e['标识']} {e['联络员']}，自 {e['备案日期']} 起），未重复备案。"
        )
        return
    click.echo(f"已备案：{e['标识']} 联络员 {e['原联络员'] or '（无）'} → {e['联络员']}"
               f"（电话 {e['电话']}），自 {e['备案日期']} 起有效；联络员备案第 {e['序号']} 行。")  # fmt: skip


def _refuse(problems: list[str]) -> NoReturn:
    click.echo(f"错误：联络员变更有 {len(problems)} 处问题：", err=True)
    for i, p in enumerate(problems, 1):
        click.echo(f"  {i}. {p}", err=True)
    sys.exit(EXIT_INVALID)
