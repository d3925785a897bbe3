"""fawen archive lend / return / loans: 借阅和利用登记 (who took which 件, for what, when returned)."""

from __future__ import annotations

import datetime as dt

import click

from pipeline import intake
from pipeline import lending
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
from pipeline.stages.lending import WAYS
from pipeline.stages.lending import Loan
from pipeline.stages.lending import selected


def _refused(exc: InputError) -> None:
    click.echo(f"错误：{'，'.join(p.describe() for p in exc.problems) or exc.message}", err=True)
    raise SystemExit(EXIT_INVALID)


@archive.command("lend")
@click.argument("key", metavar="档号或文号")
@click.option("--借阅人", "person", required=True, help="借阅（利用）人的姓名。")
@click.option("--目的", "purpose", required=True, help="利用目的，如 工作查考、编史修志、落实政策。")
@click.option(
    "--方式", "way", type=click.Choice(WAYS), default="查阅", show_default=True, help="查阅、复制，或借出（须归还）。"
)
@click.option("--单位", "unit", default="", help="借阅人所在单位。")
@click.option("--日期", "day", metavar="日期", callback=_day, help="借阅日期，默认今天。")
@click.option("--应还日期", "due", metavar="日期", callback=_day, help="借出时约定的归还日期。")
@click.option("--by", "by", default="", help="登记人（默认：工作区的经办人或当前用户）。")
@click.pass_context
def archive_lend(ctx: click.Context, key: str, person: str, purpose: str, way: str, unit: str,
                 day: dt.date | None, due: dt.date | None, by: str) -> None:  # fmt: skip
    """登记一次借阅（利用）：谁、为何、以何种方式利用哪一件；借出的件须归还后才能再借出。"""
    workspace = _workspace(ctx)
    request = lending.LoanRequest(person, purpose, way, unit, day or _today(workspace), due)
    try:
        loan = lending.lend(
            workspace, key, request, dt.datetime.now(intake.workspace_zone(workspace)), run.operator(workspace, by)
        )
    except InputError as exc:
        _refused(exc)
        return
    except FawenError as exc:
        _fail(exc)
    due_text = f"，应还日期 {loan.due}" if loan.due else ""
    click.echo(
        f"已登记借阅（第 {loan.seq} 条）：{loan.code}《{loan.title}》，{loan.person}，{loan.way}，{loan.purpose}{due_text}。"
    )


@archive.command("return")
@click.argument("key", metavar="档号或文号")
@click.option("--日期", "day", metavar="日期", callback=_day, help="归还日期，默认今天。")
@click.option("--by", "by", default="", help="登记人。")
@click.pass_context
def archive_return(ctx: click.Context, key: str, day: dt.date | None, by: str) -> None:
    """登记借出的件已归还。"""
    workspace = _workspace(ctx)
    try:
        loan = lending.give_back(workspace, key, day or _today(workspace), dt.datetime.now(intake.workspace_zone(workspace)),
                                 run.operator(workspace, by))  # fmt: skip
    except InputError as exc:
        _refused(exc)
        return
    except FawenError as exc:
        _fail(exc)
    click.echo(f"已登记归还：{loan.code}《{loan.title}》，{loan.person} {loan.day} 借出，{loan.returned} 归还。")


@archive.command("loans")
@click.option("--档号", "code", default="", help="只看此件（档号）。")
@click.option("--借阅人", "person", default="", help="只看此人。")
@click.option("--未还", "only_open", is_flag=True, help="只看借出未还的。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_loans(ctx: click.Context, code: str, person: str, only_open: bool, as_json: bool) -> None:
    """利用登记：每次借阅的件、借阅人、目的、方式、日期和归还情况（按件或按人查看）。"""
    workspace = _workspace(ctx)
    try:
        found = selected(lending.listing(workspace), code.strip(), person.strip(), only_open)
    except FawenError as exc:
        _fail(exc)
    today = _today(workspace)
    if as_json:
        _echo_json([loan.as_dict(today) for loan in found])
        return
    for loan in found:
        _line(loan, today)
    click.echo(f"共 {len(found)} 条" + (f"，其中 {sum(1 for x in found if x.open)} 件借出未还。" if found else "。"))


def _line(loan: Loan, today: dt.date) -> None:
    row = loan.as_dict(today)
    back = (
        f"，{loan.returned} 归还" if loan.returned else ("，逾期未还" if row["逾期"] else "，未还" if loan.open else "")
    )
    due = f"（应还 {loan.due}）" if loan.open and loan.due else ""
    click.echo(f"{loan.day}  {loan.code}  {loan.person}  {loan.way}  {loan.purpose}{back}{due}")
