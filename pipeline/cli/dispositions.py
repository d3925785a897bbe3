"""fawen archive withdraw / repeal / correct: dispositions of a filed 件 (撤销, 废止, 更正).

Nothing is deleted: the 件 stays, an event goes into its 处置记录.jsonl (hash-chained, witnessed by
the registry), the index marks it, and a 撤销 voids its 文号/期号 in the registry with the same
reason, time and person.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pipeline import disposition
from pipeline import intake
from pipeline import run
from pipeline.cli.archive import _entry_or_exit
from pipeline.cli.archive import archive
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import _fail
from pipeline.cli.common import _now
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.errors import FawenError
from pipeline.store.archive import Archive
from pipeline.store.register import Register
from pipeline.store.register import disposition_fields

KEY_HELP = "档号、文号或期号，标点随意（如 罕政发[2026]1号、F071-WS-2026-Y-XF-0001、会议纪要 2026年第4期）。"


@archive.command("withdraw")
@click.argument("key", metavar="档号|文号|期号")
@click.option("--reason", required=True, help="撤销原因。")
@click.option("--by", default="", help="经办人；默认取当前系统用户。")
@click.pass_context
def archive_withdraw(ctx: click.Context, key: str, reason: str, by: str) -> None:
    """撤销一件：件和各版本都保留，在目录、列表、检索结果中标为已撤销，处置记录中加一条事件，
    其文号或期号在登记簿中随之作废（原因相同），不能再印在新的版本上。"""
    _dispose(ctx, key, disposition.WITHDRAW, reason, by)


@archive.command("repeal")
@click.argument("key", metavar="档号|文号|期号")
@click.option("--reason", required=True, help="废止原因。")
@click.option("--by", default="", help="经办人；默认取当前系统用户。")
@click.pass_context
def archive_repeal(ctx: click.Context, key: str, reason: str, by: str) -> None:
    """废止一件：自此不再执行。件保留并标为已废止，处置记录中加一条事件；文号仍是已使用，不作废。"""
    _dispose(ctx, key, disposition.REPEAL, reason, by)


@archive.command("correct")
@click.argument("key", metavar="档号|文号|期号")
@click.argument("source", metavar="更正后的输入文件", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="更正什么、为什么。")
@click.option("--by", default="", help="经办人；默认取当前系统用户。")
@click.pass_context
def archive_correct(ctx: click.Context, key: str, source: Path, reason: str, by: str) -> None:
    """更正一件：把更正后的输入归档为该件的新版本（沿用其档号和文号，新版本注明更正了什么），
    并在处置记录中加一条更正事件。已撤销或已废止的件不能更正。"""
    workspace = _workspace(ctx)
    store = run.open_archive(workspace)
    entry = _entry_or_exit(store, key)
    store.close()
    person = run.operator(workspace, by)
    try:
        filed = run.file_document(source, workspace, _today(workspace), _now(), by=person, correction=reason.strip(),
                                  target=entry.identity)  # fmt: skip
    except FawenError as exc:
        _fail(exc)
    if filed.duplicate:
        click.echo(
            f"错误：{source.name} 与 {filed.archive_code} 第{filed.version}版内容相同，没有可更正之处。", err=True
        )
        sys.exit(EXIT_INVALID)
    event = _append(
        workspace, entry, disposition.CORRECT, {"原因": reason.strip(), "人": person, "版本": filed.version}
    )
    click.echo(
        f"已更正 {entry.archive_code}（{entry.number}）：第{filed.version}版 {filed.folder}；{disposition.describe(event)}"
    )


def _dispose(ctx: click.Context, key: str, action: str, reason: str, by: str) -> None:
    workspace = _workspace(ctx)
    store = run.open_archive(workspace)
    entry = _entry_or_exit(store, key)
    store.close()
    event = _append(workspace, entry, action, {"原因": reason.strip(), "人": run.operator(workspace, by)})
    voided = "，编号在登记簿中随之作废" if action == disposition.WITHDRAW else ""
    click.echo(
        f"已{action} {entry.archive_code}（{entry.number}）「{entry.title}」{voided}：{disposition.describe(event)}"
    )


def _append(workspace: Any, entry: Any, action: str, fields: dict[str, object]) -> dict[str, object]:
    """Under the archive lock: refuse what the 件's state forbids, then the log line, then the
    registry (witness, and the void of a 撤销), in that order; exits 1 with the reason if refused."""
    store, registry = run.open_archive(workspace), run.open_registry(workspace)
    try:
        with store.locked():
            entry = store.entry(entry.identity) or entry
            events = store.dispositions(entry)
            register = Register(store.root, registry)
            refused = register.prepare(store)  # an archive filed before the register existed is adopted
            if refused:
                click.echo(f"错误：{refused}。先不作处置：请运行 fawen archive verify 核查。", err=True)
                sys.exit(EXIT_INVALID)
            _catch_up(registry, entry, events, register)
            refusal = _refusal(entry, events, action)
            if refusal:
                click.echo(f"错误：{refusal}", err=True)
                sys.exit(EXIT_INVALID)
            number = registry.number_of(entry.identity) if action == disposition.WITHDRAW else None
            if number is not None and number.status == "voided":  # voided before (older fawen): keep that record
                number = None
            when = _now().astimezone(intake.workspace_zone(workspace))
            fields = {"时间": when.isoformat(timespec="seconds"), **fields, "档号": entry.archive_code,
                      "文号": entry.number}  # fmt: skip
            event = store.append_disposition(entry, action, fields)
            registry.record_disposition(event, number)
            register.append(action, disposition_fields(event, entry.path))
            run.follow_tasks(workspace, store)  # a 撤销/废止 of a 纪要 reaches its 议定事项 in the 督办台账
            return event
    finally:
        registry.close()
        store.close()


def _refusal(entry: Any, events: list[dict[str, object]], action: str) -> str:
    state = disposition.status(events)
    last = next((e for e in reversed(events) if e.get("行为") == state), None)
    if state == disposition.WITHDRAW:
        return f"{entry.archive_code}（{entry.number}）已撤销，不能再{action}（{disposition.describe(last or {})}）。"
    if state == disposition.REPEAL and action != disposition.WITHDRAW:
        return f"{entry.archive_code}（{entry.number}）已废止，不能再{action}（{disposition.describe(last or {})}）。"
    return ""


def _catch_up(registry: Any, entry: Any, events: list[dict[str, object]], register: Register) -> None:
    """A log that is intact but longer than the registry's witness, or a line of it missing from the
    register: a disposition interrupted after its line was written. What it left undone is done
    now (the registry's record, a 撤销's number voided, the register line). A damaged log is
    never extended: the command stops and points to archive verify."""
    damaged = disposition.problems("".join(disposition.line(e) for e in events), entry.identity)
    seen = registry.witness(entry.identity)
    logged = [(e.get("序号"), e.get("行为"), e.get("摘要")) for e in events[: len(seen)]]
    if damaged or logged != seen:
        click.echo(
            f"错误：{entry.archive_code} 的处置记录与登记簿不符，先不作处置。请运行 fawen archive verify 核查。",
            err=True,
        )
        sys.exit(EXIT_INVALID)
    registered = {(e.get("路径"), e.get("处置序号")) for e in register.entries()}
    for i, event in enumerate(events):
        if i >= len(seen):
            number = registry.number_of(entry.identity) if event.get("行为") == disposition.WITHDRAW else None
            registry.record_disposition(event, number if number is not None and number.status == "issued" else None)
        # a command killed after the registry's record but before the register line leaves only that out
        fields = disposition_fields(event, entry.path)
        if (fields["路径"], fields["处置序号"]) not in registered:
            register.append(str(event.get("行为")), fields)


def disposition_report(store: Archive, workspace: Any) -> list[dict[str, object]]:
    """archive verify's findings on every 件's 处置记录 (see Archive.check_dispositions)."""
    registry = run.open_registry(workspace)
    try:
        numbers = [(r.identity, r.kind, r.series, r.year, r.seq, r.status) for r in registry.records()
                   if r.kind in ("发文字号", "期号") and r.identity]  # fmt: skip
        return store.check_dispositions(registry.witnesses(), numbers)
    finally:
        registry.close()
