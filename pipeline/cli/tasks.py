"""fawen tasks: the 督办台账 — the 议定事项 of every filed 会议纪要 (第五条: 督促落实联席会议议定事项)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import shutil
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import click

from pipeline import feedback
from pipeline import intake
from pipeline import run
from pipeline import tasks
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import _day
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _fail
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.stages.tasks import CATEGORY_OF
from pipeline.stages.tasks import Filter
from pipeline.stages.tasks import Standing
from pipeline.stages.tasks import TaskChange
from pipeline.stages.tasks import TaskItem
from pipeline.stages.tasks import as_dict
from pipeline.stages.tasks import change_dict
from pipeline.stages.tasks import progress_dict

ID_HELP = "事项编号，如 纪要2026-4-2（2026年第4期纪要的第2项）；fawen tasks ls 列出全部。"


@main.group("tasks")
def tasks_group() -> None:
    """督办台账：已归档会议纪要的议定事项，及其责任单位、完成时限和变化。"""


@tasks_group.command("ls")
@click.option("--unit", metavar="单位", default="", help="只看此单位牵头（责任单位）或配合的事项。")
@click.option("--overdue", is_flag=True, help="只看已逾期的事项。")
@click.option(
    "--due-within",
    type=click.IntRange(min=0),
    metavar="工作日数",
    help="只看 N 个工作日内（含今日）到期、尚未逾期的事项。",
)
@click.option(
    "--at",
    "at",
    metavar="日期",
    callback=_day,
    help="按哪一天计算剩余或逾期的工作日，如 2026-12-01；默认今天（工作区时区）。",
)
@click.option("--all", "everything", is_flag=True, help="也列出已撤销、已废止的纪要的事项和新版本删去的事项。")
@click.option(
    "--meeting", "meetings", multiple=True, metavar="会议", help="只看此次会议的事项，如 纪要2026-4（可重复）。"
)
@click.option(
    "--type",
    "inspection",
    type=click.Choice(sorted(CATEGORY_OF)),
    metavar="督查类型",
    help="只看此类督查所查的事项：全面督查（会议议定事项）、交办督查（领导交办）、专项督查（专项工作）。",
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def tasks_ls(ctx: click.Context, unit: str, overdue: bool, due_within: int | None, at: dt.date | None,
             everything: bool, meetings: tuple[str, ...], inspection: str | None, as_json: bool) -> None:  # fmt: skip
    """列出议定事项：编号、责任单位、截止日期，以及还剩或已逾期几个工作日（按 --at 那天已开的会、已报的反馈）。"""
    workspace = _workspace(ctx)
    day = at or _today(workspace)
    store = run.open_archive(workspace)
    wanted = Filter(unit.strip(), overdue, due_within, everything, tuple(m.strip() for m in meetings),
                    CATEGORY_OF.get(inspection or "", ""))  # fmt: skip
    try:
        rows = tasks.listing(workspace, store, day, wanted)
    except FawenError as exc:
        _fail(exc)
    finally:
        store.close()
    if as_json:
        _echo_json([as_dict(s) for s in rows])
        return
    _table(rows, day)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    """At most ``width`` columns: the text, or its start and an ellipsis."""
    if _width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        if used + _width(ch) > width - 1:
            break
        out, used = out + ch, used + _width(ch)
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(rows: list[Standing], day: dt.date) -> None:
    if not rows:
        click.echo(f"没有符合条件的议定事项（按 {day} 计）。")
        return
    header = ("编号", "截止日期", "剩余", "责任单位", "事项")
    cells = [(s.item.id, s.item.deadline.isoformat() if s.item.deadline else (s.item.deadline_text or "—"),
              s.left() or s.state(), s.item.lead, _cut(s.item.matter, 40)) for s in rows]  # fmt: skip
    widths = [max(_width(c[i]) for c in [header, *cells]) for i in range(4)]
    for line in [header, *cells]:
        click.echo("  ".join(_pad(c, w) for c, w in zip(line[:4], widths, strict=True)) + "  " + line[4])
    overdue = sum(1 for s in rows if s.overdue)
    notes = sorted({s.note for s in rows if s.note})
    click.echo(f"共 {len(rows)} 项，其中逾期 {overdue} 项（按 {day} 计，工作日不含法定节假日，含调休上班日）。")
    for note in notes:
        click.echo(f"注：{note}")


@tasks_group.command("show")
@click.argument("item_id", metavar="编号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def tasks_show(ctx: click.Context, item_id: str, as_json: bool) -> None:
    """一项议定事项的现状和历次变化（哪一版纪要改了什么、何时撤销）。编号如 纪要2026-4-2。"""
    workspace = _workspace(ctx)
    store = run.open_archive(workspace)
    try:
        found = tasks.history(workspace, store, item_id)
    except FawenError as exc:
        _fail(exc)
    finally:
        store.close()
    if not found:
        _unknown(workspace, item_id)
    day = _today(workspace)
    if as_json:
        _echo_json([_show_dict(item, changes, progress) for item, changes, progress in found])
        return
    for item, changes, progress in found:
        _show(item, changes, day)
        _show_progress(progress)


def _show_dict(item: TaskItem, changes: list[TaskChange], progress: list[dict[str, Any]]) -> dict[str, Any]:
    here = as_dict(Standing(item, None, None, item.note))
    for key in ("剩余天数", "剩余工作日", "逾期"):
        here.pop(key)
    here["状态"] = item.status or ("已办结" if item.progress == "已办结" else "办理中")
    return {**here, "登记时间": item.registered, "更新时间": item.updated, "历史": [change_dict(c) for c in changes],
            "反馈": [progress_dict(p) for p in progress]}  # fmt: skip


def _show_progress(progress: list[dict[str, Any]]) -> None:
    click.echo("  办理反馈：" + ("" if progress else "（尚无）"))
    for p in progress:
        asked = f"，申请延期至 {p['new_deadline']}" if p["new_deadline"] else ""
        files = f"（附件 {len(p['files'])} 个：{'、'.join(f['名称'] for f in p['files'])}）" if p["files"] else ""
        click.echo(f"    {p['day']}  {p['unit']}  {p['status']}{asked}：{p['text']}{files}")


def _show(item: TaskItem, changes: list[TaskChange], day: dt.date) -> None:
    partners = "、".join(item.partners) or "—"
    due = item.deadline.isoformat() if item.deadline else "—"
    written = f"（{item.deadline_text}）" if item.deadline_text and item.deadline_text != due else ""
    click.echo(f"{item.id}  {item.status or item.progress or '办理中'}")
    click.echo(f"  事项：{item.matter}")
    click.echo(f"  责任单位：{item.lead}  配合单位：{partners}")
    asked = f"  申请延期至：{item.requested}（待批准；完成时限以纪要为准）" if item.requested else ""
    click.echo(f"  完成时限：{due}{written}" + (f"  注：{item.note}" if item.note else "") + asked)
    click.echo(f"  来源：{item.source}（{item.archive_code}，第{item.version}版）「{item.title}」")
    click.echo("  历史：")
    for c in changes:
        click.echo(f"    {c.when}  第{c.version}版  {_said(c)}")


def _said(c: TaskChange) -> str:
    if c.action == "修改":
        return f"修改 {c.field}：{c.old or '（空）'} → {c.new or '（空）'}"
    if c.action in ("登记", "恢复"):
        return f"{c.action}（{c.new}）"
    if c.action == "删除":
        return f"删除（{c.note}）"
    return f"{c.action}：{c.old} → {c.new}" + (f"（{c.note}）" if c.note else "")


def _unknown(workspace: Any, item_id: str) -> None:
    near = difflib.get_close_matches(item_id.strip(), tasks.known_ids(workspace), n=3, cutoff=0.6)
    hint = f"是不是：{'、'.join(near)}？" if near else "用 fawen tasks ls --all 查看全部编号。"
    click.echo(f"错误：台账中没有议定事项「{item_id}」。{hint}", err=True)
    sys.exit(EXIT_INVALID)


@tasks_group.command("rebuild")
@click.pass_context
def tasks_rebuild(ctx: click.Context) -> None:
    """从档案重建督办台账（各版会议纪要的议定事项及其撤销、废止）；结果与归档时逐件记下的相同。"""
    workspace = _workspace(ctx)
    store = run.open_archive(workspace)
    try:
        with store.locked():  # no filing lands halfway through
            count = tasks.rebuild(workspace, store)
    except FawenError as exc:  # a progress log that does not read as a chain
        _fail(exc)
    finally:
        store.close()
    ledger = tasks.dump(workspace)
    click.echo(
        f"已从档案重建督办台账：读了 {count} 件，{len(ledger['items'])} 项议定事项，{len(ledger['history'])} 条变化记录，"
        f"{len(ledger['progress'])} 条办理反馈。"
    )


STATES = ("办理中", "已办结", "申请延期")


@tasks_group.command("update")
@click.argument("item_id", metavar="编号")
@click.option("--单位", "--unit", "unit", required=True, metavar="单位", help="反馈单位：该事项的责任单位或配合单位。")
@click.option("--日期", "--date", "day", required=True, metavar="日期", callback=_day, help="反馈日期，如 2026-11-28。")
@click.option(
    "--状态", "--status", "status", required=True, type=click.Choice(STATES), help="办理中、已办结 或 申请延期。"
)
@click.option("--进展", "--progress", "text", required=True, metavar="文字", help="办理进展的说明。")
@click.option(
    "--新时限", "--new-deadline", "new_deadline", metavar="日期", callback=_day, help="申请延期时：申请延到哪一天。"
)
@click.option("--附件", "--file", "files", multiple=True, metavar="文件",
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="证明材料，可写多次。")  # fmt: skip
@click.option("--by", default="", metavar="姓名", help="登记人（默认：工作区的操作员）。")
@click.pass_context
def tasks_update(ctx: click.Context, /, item_id: str, **given: Any) -> None:
    """登记一条办理反馈（与放入收件箱的「文种: 办理反馈」输入相同）：进展、状态、申请延期。"""
    workspace = _workspace(ctx)
    files: tuple[Path, ...] = given.pop("files")
    names = [p.name for p in files]
    if len(set(names)) != len(names):
        raise click.BadParameter("几个附件文件同名，请改名后再登记", param_hint="--附件")
    data = {"文种": "办理反馈", "事项编号": item_id.strip(), "单位": given["unit"].strip(),
            "日期": given["day"].isoformat(), "状态": given["status"], "进展": given["text"].strip()}  # fmt: skip
    if given["new_deadline"]:
        data["新时限"] = given["new_deadline"].isoformat()
    if files:
        data["附件"] = [{"文件": n} for n in names]
    with tempfile.TemporaryDirectory(prefix="fawen-feedback-") as tmp:
        source = Path(tmp) / "办理反馈.json"
        source.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for path in files:
            shutil.copyfile(path, Path(tmp) / path.name)
        now = dt.datetime.now(intake.workspace_zone(workspace))
        try:
            done = feedback.record_file(source, workspace, now, given["by"])
        except InputError as exc:  # the options, not the lines of a file nobody wrote
            said = [f"  {i}. {dataclasses.replace(p, line=None).describe()}" for i, p in enumerate(exc.problems, 1)]
            click.echo("\n".join([f"错误：办理反馈未登记，有 {len(said)} 处问题：", *said]), err=True)
            sys.exit(EXIT_INVALID)
        except FawenError as exc:
            _fail(exc)
    if done.duplicate:
        click.echo(f"与已登记的第 {done.seq} 条办理反馈（{done.item}）内容相同，未重复登记。")
        return
    click.echo(f"已登记 {done.item} 办理反馈：{done.status}（第 {done.seq} 条）。")


@tasks_group.command("remind")
@click.option(
    "--at", "at", metavar="日期", callback=_day, help="按哪一天计算逾期，如 2026-12-01；默认今天（工作区时区）。"
)
@click.option("--within", type=click.IntRange(min=0), default=3, metavar="工作日数",
              help="也催办 N 个工作日内到期的事项（默认 3）；0：只催办已逾期和今日到期的。")  # fmt: skip
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="文件", help="写出的催办通知输入文件（.yaml），已存在时不覆盖。")  # fmt: skip
@click.pass_context
def tasks_remind(ctx: click.Context, at: dt.date | None, within: int, output: Path) -> None:
    """写出催办通知的输入文件：主送已逾期或即将到期事项的责任单位，逐单位列出事项及其联络员（按当日备案）。
    可直接 fawen render，或放入收件箱归档。"""
    from pipeline.inputtext import to_yaml  # noqa: PLC0415 — only this command writes inputs
    from pipeline.reminder import due  # noqa: PLC0415
    from pipeline.reminder import reminder  # noqa: PLC0415
    from pipeline.roster import config_on  # noqa: PLC0415

    workspace = _workspace(ctx)
    day = at or _today(workspace)
    store = run.open_archive(workspace)
    try:
        rows = tasks.listing(workspace, store, day, Filter())
    except FawenError as exc:
        _fail(exc)
    finally:
        store.close()
    found = reminder(due(rows, within), config_on(workspace.config, day), day)
    if found is None:
        click.echo(f"截至 {day}，没有已逾期或 {within} 个工作日内到期的议定事项，无需催办。")
        return
    if output.exists():
        raise click.UsageError(f"{output} 已存在，不覆盖；请换一个文件名。")
    heading = f"催办通知，由 fawen tasks remind 按 {day} 的督办台账生成；核对后可 fawen render，或放入收件箱归档。"
    run.write_atomically(output, to_yaml(found.data, heading).encode("utf-8"))
    click.echo(f"已写出 {output}：主送 {'、'.join(found.units)}，共 {len(due(rows, within))} 项。")
