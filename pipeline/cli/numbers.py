"""fawen numbers: the number registry (编号登记簿)."""

from __future__ import annotations

import sys
from typing import Any

import click

from pipeline import run
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import EXIT_OK
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _fail
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.model import DocumentKind
from pipeline.numbertext import parse_document_number
from pipeline.numbertext import parse_issue
from pipeline.numbertext import series_matches
from pipeline.store.register import VOIDED
from pipeline.store.register import Register
from pipeline.store.registry import NumberIssued
from pipeline.store.registry import RegistryError
from pipeline.store.registry import series_report

NUMBER_FORMS = """\b
编号的写法（标点和前导零都可以随意）：
  发文字号  罕政发〔2026〕7号、罕政发[2026]7号、罕政发（2026）07号、罕政发【2026】7号
  期号      会议纪要 2026年第4期、罕台镇信访工作联席会议纪要2026年第4期、督查通报2026年第2期、
            纪要第4期、第4期（不写年度时取登记簿中唯一有这一期的年度，都没有则取今年；
            不写系列时须只有一个系列对得上，否则列出候选）"""


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--year", type=int, help="只看某一年度。")
@click.option(
    "--check",
    is_flag=True,
    help="按系列（类别、系列、年度）列出已使用编号的区间，并说明每个空号；有说不清的空号时退出码为 1。",
)
@click.pass_context
def numbers(ctx: click.Context, as_json: bool, year: int | None, check: bool) -> None:
    """编号登记簿：已使用、已预留、已跳过、已作废的发文字号、期号和件号。"""
    if ctx.invoked_subcommand is not None:
        return
    registry = run.open_registry(_workspace(ctx))
    records = registry.records(year=year)
    registry.close()
    if check:
        _check(records, as_json)
        return
    if as_json:
        _echo_json([r.as_dict() for r in records])
        return
    if not records:
        click.echo("登记簿中还没有编号。")
    for r in records:
        d = r.as_dict()
        click.echo(f"{d['类别']}  {d['编号']}  {d['状态']}  {d['标题'] or d['原因']}")


def _check(records: list[Any], as_json: bool) -> None:
    report = series_report(records)
    unexplained = sum(int(s["未说明"]) for s in report)
    if as_json:
        _echo_json(report)
    else:
        for s in report:
            used = s["已使用"] or "（无）"
            click.echo(f"{s['类别']}  {s['系列']}  {s['年度']}年：已使用 {used}；下一个 {s['下一个']}")
            for g in s["空号"]:
                why = "，".join(str(x) for x in (g["时间"], g["经办人"], g["原因"]) if x) or "登记簿中没有任何记录"
                click.echo(f"    {g['编号']}  {g['状态']}：{why}")
        if not report:
            click.echo("登记簿中还没有编号。")
        click.echo(
            f"共 {len(report)} 个系列，" + (f"{unexplained} 个空号没有记录。" if unexplained else "每个空号都有记录。")
        )
    sys.exit(EXIT_INVALID if unexplained else EXIT_OK)


@numbers.command("void", epilog=NUMBER_FORMS)
@click.argument("number", metavar="编号")
@click.option("--reason", required=True, help="作废原因。")
@click.option("--by", default="", help="经办人；默认取当前系统用户。")
@click.pass_context
def numbers_void(ctx: click.Context, number: str, reason: str, by: str) -> None:
    """作废一个从未用在已归档公文上的发文字号或期号（如 罕政发〔2026〕7号、会议纪要 2026年第4期），
    记下原因、时间和经办人；作废的编号不再使用。

    \b
    不能作废：从未发出的编号（会告诉你下一个是几号）、已作废的编号（会显示第一次作废的原因）、
    已归档的件的编号——那要处置该件：fawen archive withdraw（撤销，编号随之作废）、
    fawen archive repeal（废止）、fawen archive correct（更正）。"""
    workspace = _workspace(ctx)
    registry, store = run.open_registry(workspace), run.open_archive(workspace)
    try:
        with store.locked():  # the void goes into the filing register too, in order with filings
            register = Register(store.root, registry)
            refused = register.prepare(store)
            if refused:
                click.echo(f"错误：{refused}。先不作废：请运行 fawen archive verify 核查。", err=True)
                sys.exit(EXIT_INVALID)
            kind, series, year, seq = _resolve(registry, number)
            record = registry.void(kind, series, year, seq, reason.strip(), run.operator(workspace, by))
            register.append(VOIDED, {"编号": record.label, "原因": record.reason, "人": record.person})
    except NumberIssued as exc:
        _point_to_entry(workspace, exc)
    except RegistryError as exc:
        _fail(exc)
    finally:
        registry.close()
        store.close()
    click.echo(f"已作废 {record.label}：{record.reason}（{record.changed}，{record.person}）")


def _point_to_entry(workspace: Any, exc: NumberIssued) -> None:
    archive = run.open_archive(workspace)
    entry = archive.entry(exc.record.identity)
    archive.close()
    where = f"（{entry.archive_code}）" if entry else ""
    click.echo(f"错误：{exc.message.replace('」，', '」' + where + '，', 1)}", err=True)
    sys.exit(EXIT_INVALID)


def _resolve(registry: Any, text: str) -> tuple[str, str, int, int]:
    """(kind, series, year, seq) of a number as typed; exits with the candidates when ambiguous."""
    doc = parse_document_number(text)
    if doc is not None:
        return "发文字号", doc.code, doc.year, doc.seq
    issue = parse_issue(text)
    if issue is None:
        click.echo(f"错误：「{text}」不是发文字号或期号。\n{NUMBER_FORMS.removeprefix(chr(8)).strip()}", err=True)
        sys.exit(EXIT_USAGE)
    known = registry.records(kind="期号")
    names = {r.series for r in known} | {k.value for k in DocumentKind if k.serial}
    series = sorted(s for s in names if series_matches(issue.series, [s]))
    held = sorted({(r.series, r.year) for r in known if r.series in series and r.seq == issue.seq
                   and (issue.year is None or r.year == issue.year)})  # fmt: skip
    if issue.year is not None:
        choices = held or [(s, issue.year) for s in series]
    else:
        choices = held or [(s, _today().year) for s in series]
    if len(choices) != 1:
        found = "、".join(f"{s} {y}年第{issue.seq}期" for s, y in choices) or "（没有对得上的系列）"
        click.echo(
            f"错误：「{text}」对应不止一个或没有期号：{found}。请写出系列和年度，如 会议纪要 2026年第{issue.seq}期。",
            err=True,
        )
        sys.exit(EXIT_INVALID)
    return "期号", choices[0][0], choices[0][1], issue.seq
