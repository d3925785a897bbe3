"""fawen archive due / appraise: 件 whose 保管期限 ends, and the appraisal (鉴定) recorded for each."""

from __future__ import annotations

import datetime as dt

import click

from pipeline import appraisal
from pipeline import intake
from pipeline import run
from pipeline.cli.archive import archive
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import _day
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _fail
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.stages.appraisal import DECISIONS


@archive.command("due")
@click.option("--at", "at", metavar="日期", callback=_day, help="按哪一天计算，默认今天。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_due(ctx: click.Context, at: dt.date | None, as_json: bool) -> None:
    """保管期限已满、待鉴定的件（定期件自形成年度的次年 1 月 1 日起算）；鉴定由人决定，本命令只列出，不删除。"""
    workspace = _workspace(ctx)
    day = at or _today(workspace)
    try:
        rows = appraisal.due(workspace, day)
    except FawenError as exc:
        _fail(exc)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        said = f"  已鉴定：{r['鉴定结论']}（{r['鉴定日期']}）" if r["鉴定结论"] else ""
        click.echo(f"{r['档号']}  {r['题名']}  {r['保管期限']}，{r['到期日']} 期满{said}")
    click.echo(f"截至 {day}，保管期限已满待鉴定的共 {len(rows)} 件。")


@archive.command("appraise")
@click.argument("key", metavar="档号或文号")
@click.option(
    "--结论", "decision", type=click.Choice(DECISIONS), required=True, help="继续保存、延长保管期限或拟销毁。"
)
@click.option("--新保管期限", "new_term", default="", metavar="D30|Y", help="延长保管期限时写新的期限。")
@click.option("--理由", "reason", required=True, help="鉴定小组的意见。")
@click.option("--日期", "day", metavar="日期", callback=_day, help="鉴定日期，默认今天。")
@click.option("--by", "by", default="", help="登记人。")
@click.pass_context
def archive_appraise(ctx: click.Context, key: str, decision: str, new_term: str, reason: str, day: dt.date | None,
                     by: str) -> None:  # fmt: skip
    """登记一件的鉴定结论（记入鉴定记录，逐条以摘要相连）；拟销毁的件仍保留，待销毁清册批准后另行处理。"""
    workspace = _workspace(ctx)
    choice = appraisal.Decision(decision, reason, new_term.strip().upper(), day or _today(workspace))
    try:
        written = appraisal.appraise(workspace, key, choice, dt.datetime.now(intake.workspace_zone(workspace)),
                                     run.operator(workspace, by))  # fmt: skip
    except InputError as exc:
        click.echo(f"错误：{'；'.join(p.describe() for p in exc.problems) or exc.message}", err=True)
        raise SystemExit(EXIT_INVALID) from None
    except FawenError as exc:
        _fail(exc)
    extra = f"，新保管期限 {written['新保管期限']}" if written["新保管期限"] else ""
    click.echo(
        f"已登记鉴定（第 {written['序号']} 条）：{written['档号']}《{written['题名']}》：{written['结论']}{extra}。"
    )
