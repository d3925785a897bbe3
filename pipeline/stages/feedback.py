"""Step 12b: a 办理反馈 (progress from a unit on one 议定事项), checked against the 督办台账.

Feedback is not a 公文: it is not typeset or numbered, it is recorded (pipeline.feedback keeps
it in the append-only progress log, outbox/督办反馈/). An input is feedback when its 文种 is
办理反馈; its keys are 事项编号, 单位, 日期, 进展, 状态 (办理中 / 已办结 / 申请延期), 新时限 (only
with 申请延期: the deadline asked for) and 附件 (evidence files: ``- 文件: 照片.jpg``).

It is accepted when the item exists and is in force, the unit is its 责任单位 or one of its
配合单位, and the date is neither before the meeting nor after today. Pure: the parsed input and
the ledger's items in, the feedback (or every problem, with key and line) out.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from typing import Any

from pipeline.daytext import parse_date
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.model import RawInput
from pipeline.relpath import safe_relative_path

KIND = "办理反馈"
IN_PROGRESS, DONE, EXTENSION = "办理中", "已办结", "申请延期"
STATES = (IN_PROGRESS, DONE, EXTENSION)
KEYS = ("文种", "事项编号", "单位", "日期", "进展", "状态", "新时限", "附件")
MAX_TEXT = 2000  # characters of 进展
MAX_FILES = 20


@frozen
class Feedback:
    """One accepted 办理反馈, ready to be recorded."""

    item: str  # 纪要2026-4-2
    identity: str  # the 件's 标识
    archive_code: str
    unit: str
    date: dt.date
    status: str
    text: str
    new_deadline: dt.date | None
    files: tuple[str, ...]  # evidence, relative to the input's folder


# an item of the ledger as this stage reads it: stages.tasks.TaskItem (stages do not import each other)
TaskItem = Any


def is_feedback(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("文种", "")).strip() == KIND


class _Check:
    def __init__(self, raw: RawInput) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, key: str, problem: str, expected: str = "") -> None:
        self.problems.append(Problem(key, problem, expected, self.raw.line(key) if key else None))

    def text(self, key: str, expected: str) -> str:
        value = self.raw.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(key, f"缺少「{key}」", expected)
            return ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.add(key, f"「{key}」应为一段文字", expected)
            return ""
        return str(value).strip()

    def day(self, key: str, expected: str) -> dt.date | None:
        value = self.raw.data.get(key)
        if value is None or value == "":
            self.add(key, f"缺少「{key}」", expected)
            return None
        day = parse_date(value)
        if day is None:
            self.add(key, f"「{value}」不是日期", expected)
        return day


def check(raw: RawInput, items: Sequence[TaskItem], today: dt.date) -> Feedback:
    """The feedback the input states, or InputError naming every problem."""
    c = _Check(raw)
    if not isinstance(raw.data, dict):
        raise InputError(raw.name, [Problem("", "办理反馈应为「键: 值」的组", "事项编号、单位、日期、进展、状态")])
    for key in raw.data:
        if key not in KEYS:
            c.add(key, f"办理反馈没有「{key}」这一项", "、".join(KEYS))
    item = _item(c, items)
    unit = c.text("单位", "反馈单位的名称，须为该事项的责任单位或配合单位")
    day = c.day("日期", "反馈日期，如 2026-11-28")
    text = c.text("进展", "办理进展的文字说明")
    if len(text) > MAX_TEXT:
        c.add("进展", f"进展有 {len(text)} 字，过长", f"不超过 {MAX_TEXT} 字；详细材料作为附件")
    status = c.text("状态", "、".join(STATES))
    if status and status not in STATES:
        c.add("状态", f"未知的状态「{status[:20]}」", "、".join(STATES))
    new_deadline = _new_deadline(c, status, day, item)
    files = _files(c)
    if item is not None:
        _unit_and_date(c, item, unit, day, today)
    if c.problems or item is None or day is None:
        raise InputError(raw.name, c.problems)
    return Feedback(item.id, item.identity, item.archive_code, unit, day, status, text, new_deadline, files)


def _item(c: _Check, items: Sequence[TaskItem]) -> TaskItem | None:
    wanted = c.text("事项编号", "fawen tasks ls 列出的编号，如 纪要2026-4-2")
    if not wanted:
        return None
    found = [i for i in items if i.id == wanted]
    if not found:
        near = difflib.get_close_matches(wanted, [i.id for i in items], n=3, cutoff=0.6)
        hint = "fawen tasks ls 列出的编号" + (f"（是不是 {'、'.join(near)}？）" if near else "")
        c.add("事项编号", f"督办台账中没有议定事项「{wanted[:40]}」", hint)
        return None
    live = [i for i in found if not i.status]
    if not live:
        c.add("事项编号", f"议定事项「{wanted}」{found[0].status}（{found[0].source}），不再督办", "仍在办理的事项编号")
        return None
    return live[0]


def _unit_and_date(c: _Check, item: TaskItem, unit: str, day: dt.date | None, today: dt.date) -> None:
    if unit and unit != item.lead and unit not in item.partners:
        partners = f"，配合单位 {'、'.join(item.partners)}" if item.partners else ""
        c.add(
            "单位", f"「{unit[:40]}」不是议定事项「{item.id}」的责任单位或配合单位", f"责任单位 {item.lead}{partners}"
        )
    if day is not None and item.start is not None and day < item.start:
        c.add("日期", f"反馈日期 {day} 早于会议日期 {item.start}（{item.source}）", "会议当天或以后的日期")
    if day is not None and day > today:
        c.add("日期", f"反馈日期 {day} 晚于今天（{today}）", "今天或以前的日期")


def _new_deadline(c: _Check, status: str, day: dt.date | None, item: TaskItem | None) -> dt.date | None:
    if status != EXTENSION:
        if c.raw.data.get("新时限") not in (None, ""):
            c.add("新时限", "只有状态为「申请延期」时才写新时限", "删去此项，或把状态改为 申请延期")
        return None
    new = c.day("新时限", "申请延期到的日期，如 2027-01-15")
    if new is None:
        return None
    current = item.deadline if item is not None else None
    if current is not None and new <= current:
        c.add("新时限", f"新时限 {new} 不晚于现在的完成时限 {current}", f"{current} 以后的日期")
    elif day is not None and new <= day:
        c.add("新时限", f"新时限 {new} 不晚于反馈日期 {day}", f"{day} 以后的日期")
    return new


def _files(c: _Check) -> tuple[str, ...]:
    value = c.raw.data.get("附件")
    if value in (None, ""):
        return ()
    expected = "证明材料文件的列表，每项写「- 文件: 现场照片.jpg」（文件与本反馈放在同一文件夹）"
    if not isinstance(value, list):
        c.add("附件", "附件应为列表", expected)
        return ()
    if len(value) > MAX_FILES:
        c.add("附件", f"附件有 {len(value)} 个，过多", f"不超过 {MAX_FILES} 个")
    out = []
    for i, entry in enumerate(value[:MAX_FILES], 1):
        name = entry.get("文件") if isinstance(entry, dict) else None
        rel = safe_relative_path(str(name)) if isinstance(name, str) and name.strip() else None
        if rel is None:
            c.add(f"附件[{i}]", "附件应写明文件名，且在本反馈所在的文件夹内", expected)
        elif rel in out:
            c.add(f"附件[{i}]", f"附件「{rel}」写了两次", "每个文件只写一次")
        else:
            out.append(rel)
    return tuple(out)


def record_fields(f: Feedback) -> dict[str, object]:
    """What the log keeps of a feedback besides its place in the chain and its files' digests."""
    return {"事项编号": f.item, "标识": f.identity, "档号": f.archive_code, "单位": f.unit, "日期": f.date.isoformat(),
            "状态": f.status, "进展": f.text, "新时限": f.new_deadline.isoformat() if f.new_deadline else ""}  # fmt: skip
