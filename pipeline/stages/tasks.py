"""Step 12: the 督办台账 (ledger of 议定事项) of one 会议纪要, from its filed version records and its
处置记录: each item with a stable id (纪要2026-4-2), its units and 完成时限 (as written and as a
day), and every change a later version or a 撤销/废止 made to it. Then, for a day, how many
working days each item has left. Pure: records and events in, items and changes out; the working
days come from ``pipeline.workdays``.

An item is its place in the list (议定事项[2] is item 2 in every version): a later version that
rewords, reassigns or moves the deadline of item 2 changes item 2; a version without item 2
removes it (已删除), a later one that has it again restores it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.model import InspectionRow
from pipeline.model import LedgerQuery
from pipeline.workdays import DeadlineError
from pipeline.workdays import WorkCalendar
from pipeline.workdays import deadline as resolve_deadline
from pipeline.workdays import working_days_between

MINUTES = "会议纪要"
IN_FORCE, WITHDRAWN, REPEALED, REMOVED = "", "已撤销", "已废止", "已删除"
REGISTER, CHANGE, REMOVE, RESTORE = "登记", "修改", "删除", "恢复"
DONE, EXTENSION = "已办结", "申请延期"  # 办理反馈 states that change how an item stands
BY_ACTION = {"撤销": WITHDRAWN, "废止": REPEALED}  # disposition action -> item status
# the fields a later version may change, as (name shown, attribute)
TRACKED = (("事项", "matter"), ("责任单位", "lead"), ("配合单位", "partners"), ("完成时限", "deadline_text"),
           ("截止日期", "deadline"), ("交办领导", "assigned_by"), ("专项", "campaign"))  # fmt: skip
# 督办类别 of an item, and the 督查类型 (第十二条) that checks it: the three are kept apart
RESOLVED, ASSIGNED, CAMPAIGN = "议定事项", "领导交办", "专项工作"
CHECKED_BY = {RESOLVED: "全面督查", ASSIGNED: "交办督查", CAMPAIGN: "专项督查"}
CATEGORY_OF = {v: k for k, v in CHECKED_BY.items()}
_NUMBER = re.compile(r"^(?P<code>.+?)[〔\[［(（【](?P<year>\d{4})[〕\]］)）】](?P<seq>\d+)号$")


@frozen
class TaskItem:
    """One 议定事项 as the ledger holds it."""

    id: str  # 纪要2026-4-2
    identity: str  # the 件's 标识
    archive_code: str
    source: str  # 文号 or series label: 罕台镇信访工作联席会议纪要 2026年第4期
    title: str
    version: int  # the version of the 纪要 that last set it
    number: int  # its place in 议定事项, from 1
    matter: str
    lead: str
    partners: tuple[str, ...]
    deadline_text: str  # 完成时限 as written
    deadline: dt.date | None  # the day it falls on (None: not given, or not countable; see note)
    start: dt.date | None  # the meeting day: what 会后15个工作日 counts from
    category: str = RESOLVED  # 督办类别: 议定事项, 领导交办 (it has a 交办领导) or 专项工作 (it has a 专项)
    assigned_by: str = ""  # 交办领导
    campaign: str = ""  # 专项
    status: str = IN_FORCE
    note: str = ""  # why the day is unknown
    registered: str = ""  # when the version that first carried it was filed
    updated: str = ""  # when it last changed
    # from the units' 办理反馈 (pipeline.feedback), not from the archive's versions:
    progress: str = ""  # the latest feedback's 状态: 办理中 / 已办结 / 申请延期 ('' none yet)
    progress_day: str = ""  # its 日期
    requested: dt.date | None = None  # the 新时限 of the latest 申请延期: asked for, not granted


@frozen
class TaskChange:
    """One line of an item's history: which field, from what to what, by which version, when."""

    item: str
    seq: int
    action: str  # 登记 修改 删除 恢复 撤销 废止
    field: str
    old: str
    new: str
    version: int
    when: str
    note: str = ""  # a 撤销/废止's reason


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def item_prefix(record: dict[str, Any]) -> str:
    """What an item id starts with: 纪要2026-4 for a numbered issue of the 纪要 series (one 期号
    series for 全体 and 专题 meetings), the 机关代字, year and number of a 纪要 with a 发文字号,
    else the 档号."""
    issue, year = record.get("期号"), record.get("年度")
    if record.get("系列") and issue not in (None, "") and year:
        return f"纪要{year}-{issue}"
    m = _NUMBER.match(str(record.get("文号", "")).strip())
    if m:
        return f"{m['code']}{m['year']}-{int(m['seq'])}"
    return str(record.get("档号", "")) or str(record.get("标识", ""))


def meeting_day(record: dict[str, Any]) -> dt.date | None:
    """The day the meeting was held (会议.时间), else the 成文日期."""
    found = record.get("内容")
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    found = content.get("会议")
    meeting: dict[str, Any] = found if isinstance(found, dict) else {}
    return _date(meeting.get("时间", "")) or _date(record.get("成文日期", ""))


def _deadline(raw: dict[str, Any], start: dt.date | None, calendar: WorkCalendar) -> tuple[str, dt.date | None, str]:
    """(as written, the day, why no day). A relative 完成时限 is filed as the day validation
    counted (完成时限) and the text (完成时限原文); a text without its day is counted here."""
    written = _text(raw.get("完成时限原文")).strip()
    text = written or _text(raw.get("完成时限")).strip()
    given = _date(raw.get("完成时限")) if written else None
    if given is not None or not text:
        return text, given, ""
    plain = _date(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    if plain is not None:
        return text, plain, ""
    if start is None:
        return text, None, "没有会议日期，无法推算"
    try:
        return text, resolve_deadline(text, start, calendar), ""
    except DeadlineError as exc:
        return text, None, exc.message


def items_of(record: dict[str, Any], calendar: WorkCalendar) -> dict[int, TaskItem]:
    """The 议定事项 of one version record, by number."""
    found = record.get("内容")
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    found = content.get("议定事项")
    raw_items: list[Any] = found if isinstance(found, list) else []
    prefix, start = item_prefix(record), meeting_day(record)
    when = str(record.get("归档时间", ""))
    out: dict[int, TaskItem] = {}
    for n, raw in enumerate(raw_items, 1):
        if not isinstance(raw, dict):
            continue
        text, day, note = _deadline(raw, start, calendar)
        partners = raw.get("配合单位") or []
        assigned_by, campaign = _text(raw.get("交办领导")).strip(), _text(raw.get("专项")).strip()
        category = ASSIGNED if assigned_by else CAMPAIGN if campaign else RESOLVED
        out[n] = TaskItem(f"{prefix}-{n}", str(record.get("标识", "")), str(record.get("档号", "")),
                          str(record.get("文号", "")), str(record.get("题名", "")), int(record.get("版本", 0) or 0), n,
                          _text(raw.get("事项")), _text(raw.get("责任单位")),
                          tuple(str(p) for p in partners) if isinstance(partners, list) else (str(partners),),
                          text, day, start, category, assigned_by, campaign, note=note, registered=when,
                          updated=when)  # fmt: skip
    return out


def differences(old: TaskItem, new: TaskItem) -> list[tuple[str, str, str]]:
    """(field, old, new) for every tracked field that differs between two versions of an item."""
    out = []
    for name, attr in TRACKED:
        before, after = _text(getattr(old, attr)), _text(getattr(new, attr))
        if before != after:
            out.append((name, before, after))
    return out


class _History:
    """Changes as they are found, numbered per item."""

    def __init__(self) -> None:
        self.changes: list[TaskChange] = []
        self._seq: dict[str, int] = {}

    def add(self, item: str, action: str, values: tuple[str, str, str], at: tuple[int, str], note: str = "") -> None:
        self._seq[item] = self._seq.get(item, 0) + 1
        field, old, new = values
        self.changes.append(TaskChange(item, self._seq[item], action, field, old, new, at[0], at[1], note))


def _summary(item: TaskItem) -> str:
    due = f"，完成时限 {item.deadline_text}" if item.deadline_text else ""
    return f"责任单位 {item.lead}{due}"


def _apply_version(
    items: dict[int, TaskItem], new: dict[int, TaskItem], at: tuple[int, str], history: _History
) -> None:
    """Fold one version's items into the ledger of the 件, noting what changed."""
    for n in sorted(set(items) | set(new)):
        old, cur = items.get(n), new.get(n)
        if cur is None:
            if old is not None and old.status != REMOVED:
                history.add(old.id, REMOVE, ("", "", ""), at, f"第{at[0]}版不再有此项")
                items[n] = replace(old, status=REMOVED, updated=at[1])
            continue
        if old is None:
            history.add(cur.id, REGISTER, ("", "", _summary(cur)), at)
            items[n] = cur
            continue
        changed = differences(old, cur)
        if old.status == REMOVED:
            history.add(cur.id, RESTORE, ("", "", _summary(cur)), at)
        for values in changed:
            history.add(cur.id, CHANGE, values, at)
        restored = old.status == REMOVED
        items[n] = replace(cur, registered=old.registered, updated=at[1] if changed or restored else old.updated)


def _apply_event(items: dict[int, TaskItem], event: dict[str, Any], version: int, history: _History) -> None:
    """A 撤销 or 废止 of the 纪要: every item not removed takes its status (撤销 outranks 废止)."""
    status = BY_ACTION.get(str(event.get("行为", "")))
    if status is None:
        return
    when = str(event.get("时间", ""))
    for n, item in sorted(items.items()):
        if item.status in (REMOVED, WITHDRAWN) or item.status == status:
            continue
        history.add(item.id, str(event.get("行为")), ("状态", item.status or "办理中", status), (version, when),
                    str(event.get("原因", "")))  # fmt: skip
        items[n] = replace(item, status=status, updated=when)


def ledger_of(records: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]],
              calendar: WorkCalendar) -> tuple[list[TaskItem], list[TaskChange]]:  # fmt: skip
    """The items and history of one 件 from all its version records (any order) and its
    处置记录 events (in order). A 件 that is not a 会议纪要 has none."""
    ordered = sorted((r for r in records if r.get("文种") == MINUTES), key=lambda r: int(r.get("版本", 0) or 0))
    items: dict[int, TaskItem] = {}
    history = _History()
    version = 0
    for record in ordered:
        version = int(record.get("版本", 0) or 0)
        _apply_version(items, items_of(record, calendar), (version, str(record.get("归档时间", ""))), history)
    if ordered:
        for event in events:
            _apply_event(items, event, version, history)
    return [items[n] for n in sorted(items)], history.changes


# ---- standing on a day (fawen tasks ls) ----------------------------------------------------------------


@frozen
class Standing:
    """An item as of a day: calendar and working days left (negative: overdue), or why unknown."""

    item: TaskItem
    days: int | None  # calendar days to the deadline
    working_days: int | None  # working days to the deadline; None when the calendar cannot count
    note: str = ""

    @property
    def overdue(self) -> bool:
        done = self.item.progress == DONE
        return self.item.status == IN_FORCE and not done and self.days is not None and self.days < 0

    def state(self) -> str:
        """办理中, 今日到期, 已逾期, 已办结 (as a unit reported), or the item's own status."""
        if self.item.status or self.item.progress == DONE:
            return self.item.status or DONE
        if self.days is None:
            return "办理中"
        return "已逾期" if self.days < 0 else "今日到期" if self.days == 0 else "办理中"

    def left(self) -> str:
        """剩余 in words: 剩 5 个工作日, 逾期 3 个工作日, 今日到期, or what is known; an extension
        asked for is said beside it (the deadline stands until a new 纪要 version moves it)."""
        asked = f"（申请延期至 {self.item.requested}）" if self.item.requested and self.state() != DONE else ""
        left = self._left()
        return left + asked if left else asked.strip("（）")

    def _left(self) -> str:
        if self.item.status or self.item.progress == DONE or self.days is None:
            return ""
        if self.days == 0:
            return "今日到期"
        if self.working_days is None:
            unit = f"{abs(self.days)} 天（工作日无法计算）"
        else:
            unit = f"{abs(self.working_days)} 个工作日"
        return f"逾期 {unit}" if self.days < 0 else f"剩 {unit}"


def standing(item: TaskItem, at: dt.date, calendar: WorkCalendar) -> Standing:
    """Where an item in force stands on ``at``; a withdrawn, repealed, removed or 已办结 one has
    no days."""
    if item.status or item.progress == DONE:
        return Standing(item, None, None)
    if item.deadline is None:
        return Standing(item, None, None, item.note)
    days = (item.deadline - at).days
    try:
        working = working_days_between(at, item.deadline, calendar)
    except DeadlineError as exc:
        return Standing(item, days, None, exc.message)
    return Standing(item, days, working)


@frozen
class Filter:
    """What ``tasks ls`` shows: a unit (责任 or 配合), overdue only, due within N working days,
    withdrawn/removed items too."""

    unit: str = ""
    overdue: bool = False
    due_within: int | None = None
    everything: bool = False
    meetings: tuple[str, ...] = ()  # 纪要2026-4: items of these meetings only
    category: str = ""  # 督办类别 (议定事项, 领导交办, 专项工作): one kind only


def meeting_of(item_id: str) -> str:
    """The meeting part of an item id: 纪要2026-4 of 纪要2026-4-2."""
    return item_id.rsplit("-", 1)[0]


def as_of(feedback: Iterable[dict[str, Any]], at: dt.date) -> list[dict[str, Any]]:
    """The feedback a person knew of on ``at``: reported on that day or before."""
    day = at.isoformat()
    return [r for r in feedback if str(r["day"]) <= day]


def selected(s: Standing, f: Filter) -> bool:
    item = s.item
    if item.status and not f.everything:
        return False
    if f.unit and f.unit != item.lead and f.unit not in item.partners:
        return False
    if f.meetings and meeting_of(item.id) not in f.meetings:
        return False
    if f.category and item.category != f.category:
        return False
    if f.overdue and not s.overdue:
        return False
    if f.due_within is not None:
        if item.status or s.days is None or s.days < 0:
            return False
        # uncountable working days: the calendar days decide (never fewer than the working days)
        if (s.working_days if s.working_days is not None else s.days) > f.due_within:
            return False
    return True


def as_dict(s: Standing) -> dict[str, object]:
    """One item for ``tasks ls --json``."""
    i = s.item
    return {"编号": i.id, "事项": i.matter, "责任单位": i.lead, "配合单位": list(i.partners),
            "完成时限": i.deadline_text, "截止日期": _text(i.deadline), "会议日期": _text(i.start),
            "剩余天数": s.days if not i.status else None, "剩余工作日": s.working_days if not i.status else None,
            "逾期": s.overdue, "状态": s.state(), "说明": s.note, "来源": i.source, "档号": i.archive_code,
            "版本": i.version, "题名": i.title, "督办类别": i.category, "交办领导": i.assigned_by, "专项": i.campaign,
            "办理状态": i.progress, "最近反馈日期": i.progress_day,
            "申请延期至": _text(i.requested)}  # fmt: skip


def with_progress(item: TaskItem, feedback: Iterable[dict[str, Any]]) -> TaskItem:
    """The item with what its units reported (ledger progress rows): the 状态 of the latest
    feedback by its 日期 (then by its place in the log: a report that arrives late does not undo a
    newer one), and the 新时限 of the latest 申请延期."""
    rows = sorted(feedback, key=lambda r: (str(r["day"]), int(r["seq"])))
    if not rows:
        return item
    asked = [r for r in rows if r["status"] == EXTENSION and r["new_deadline"]]
    return replace(item, progress=str(rows[-1]["status"]), progress_day=str(rows[-1]["day"]),
                   requested=_date(asked[-1]["new_deadline"]) if asked else None)  # fmt: skip


def progress_dict(row: dict[str, Any]) -> dict[str, object]:
    """One feedback for ``tasks show --json``."""
    return {"序号": row["seq"], "日期": row["day"], "单位": row["unit"], "状态": row["status"], "进展": row["text"],
            "新时限": row["new_deadline"], "附件": row["files"], "登记时间": row["at"], "摘要": row["digest"]}  # fmt: skip


def change_dict(c: TaskChange) -> dict[str, object]:
    return {"序号": c.seq, "行为": c.action, "字段": c.field, "原值": c.old, "新值": c.new, "版本": c.version,
            "时间": c.when, "说明": c.note}  # fmt: skip


# ---- 督查事项 of a 督查通报 drawn from the ledger (第十二条 checks what 第五条 tracks) ----------------
#
# A 通报 whose 督查事项 is ``{来源: 督办台账, …}`` gets its rows from the ledger as it stood on the
# 截至 day: the items of its 督查类型's kind, of the meetings and units it names, with the feedback
# reported by then. What was drawn is kept as a snapshot, archived beside the 通报, so the 通报 is
# rebuilt from its own folder exactly as it was filed, whatever the ledger says later.

SNAPSHOT_FORMAT = 1
KEY = "督查事项"


def ledger_filter(query: LedgerQuery, inspection_type: str) -> Filter:
    """What ``tasks ls`` would be asked for the same items (the 单位 of a 通报 is the 责任单位: it
    is the unit the row names)."""
    return Filter(meetings=query.meetings, category=CATEGORY_OF.get(inspection_type, ""))


def draw(standings: Iterable[Standing], query: LedgerQuery, inspection_type: str) -> dict[str, Any]:
    """The snapshot of the items a 通报 checks: ``standings`` are the ledger's items in force as of
    the 截至 day (``tasks ls --at``), already narrowed by ``ledger_filter``."""
    rows = []
    for s in standings:
        i = s.item
        if query.units and i.lead not in query.units:
            continue
        if query.campaign and i.campaign != query.campaign:
            continue
        rows.append({"编号": i.id, "标识": i.identity, "档号": i.archive_code, "来源": i.source, "单位": i.lead,
                     "配合单位": list(i.partners), "事项": i.matter, "会议日期": _text(i.start),
                     "完成时限": i.deadline_text, "截止日期": _text(i.deadline), "说明": s.note or i.note,
                     "状态": DONE if i.progress == DONE else "办理中", "办理状态": i.progress,
                     "最近反馈日期": i.progress_day, "督办类别": i.category})  # fmt: skip
    return {"格式": SNAPSHOT_FORMAT, "来源": "督办台账", "督查类型": inspection_type, "截至": query.cutoff.isoformat(),
            "会议": list(query.meetings), "单位": list(query.units), "专项": query.campaign, "事项": rows}  # fmt: skip


def snapshot_bytes(snapshot: dict[str, Any]) -> bytes:
    """The snapshot as archived: JSON a person can read."""
    return (json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def rows_of(snapshot: dict[str, Any]) -> tuple[tuple[InspectionRow, ...], list[Problem]]:
    """The table rows of a snapshot, or why it cannot be a 通报's table: no items, or items whose
    完成时限 is not a day (a 通报 cannot say whether they are overdue)."""
    rows, problems = [], []
    for entry in snapshot.get("事项", []):
        received, deadline = _date(entry.get("会议日期") or ""), _date(entry.get("截止日期") or "")
        if received is None or deadline is None:
            why = entry.get("说明") or ("没有会议日期" if received is None else "完成时限不是确定的日期")
            problems.append(Problem(KEY, f"督办台账中的 {entry.get('编号')}（{entry.get('单位')}）无法列入通报：{why}",
                                    "在会议纪要的新版本中把完成时限写成日期，或用 会议/单位 把它排除"))  # fmt: skip
            continue
        rows.append(InspectionRow(str(entry["单位"]), str(entry["事项"]), received, deadline, str(entry["状态"]),
                                  str(entry["编号"])))  # fmt: skip
    if not rows and not problems:
        problems.append(
            Problem(
                KEY, _nothing_found(snapshot), "检查 会议、单位、专项 和督查类型；fawen tasks ls --at 截至日期 列出台账"
            )
        )
    return tuple(rows), problems


def _nothing_found(snapshot: dict[str, Any]) -> str:
    scope = [f"会议 {'、'.join(snapshot['会议'])}" if snapshot.get("会议") else "",
             f"单位 {'、'.join(snapshot['单位'])}" if snapshot.get("单位") else "",
             f"专项「{snapshot['专项']}」" if snapshot.get("专项") else ""]  # fmt: skip
    named = "，".join(s for s in scope if s)
    kind = snapshot.get("督查类型", "")
    category = CATEGORY_OF.get(kind, "")
    return (
        f"截至 {snapshot.get('截至')}，督办台账中没有{('（' + named + '）') if named else ''}"
        f"属于{kind}（督办类别「{category}」）的在办议定事项"
    )


def unknown_meetings(query: LedgerQuery, known: Iterable[str]) -> list[Problem]:
    """Meetings the query names that the ledger does not have, with the nearest it does."""
    import difflib  # noqa: PLC0415

    have = sorted({meeting_of(i) for i in known})
    out = []
    for n, m in enumerate(query.meetings, 1):
        if m in have:
            continue
        close = difflib.get_close_matches(m, have, n=1, cutoff=0.5)
        hint = f"是否想写「{close[0]}」？" if close else ""
        out.append(Problem(f"{KEY}.会议[{n}]", f"督办台账中没有会议「{m}」的议定事项",
                           f"{hint}已有：{'、'.join(have[:12]) or '（台账为空）'}"))  # fmt: skip
    return out
