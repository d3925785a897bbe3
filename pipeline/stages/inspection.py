"""Step 4c: the 督查事项 of a 督查通报 drawn from the 督办台账 (第十二条 checks what 第五条 tracks).

A 通报 whose 督查事项 is ``{来源: 督办台账, …}`` gets its rows from the ledger as it stood on the
截至 day: the items of its 督查类型's kind (全面督查 checks 议定事项, 交办督查 the matters a leader
assigned, 专项督查 a 专项工作), of the meetings and units it names, with the feedback reported by
then. What was drawn is kept as a snapshot, archived beside the 通报, so the 通报 is rebuilt from
its own folder exactly as it was filed, whatever the ledger says later. Pure: standings in,
snapshot out; snapshot in, rows out.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from pipeline.model import InspectionRow
from pipeline.model import LedgerQuery
from pipeline.errors import Problem
from pipeline.stages.tasks import CATEGORY_OF
from pipeline.stages.tasks import DONE
from pipeline.stages.tasks import Filter
from pipeline.stages.tasks import Standing
from pipeline.stages.tasks import meeting_of

SNAPSHOT_NAME = "督办台账快照.json"
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
                     "配合单位": list(i.partners), "事项": i.matter, "会议日期": _day(i.start),
                     "完成时限": i.deadline_text, "截止日期": _day(i.deadline), "说明": s.note or i.note,
                     "状态": DONE if i.progress == DONE else "办理中", "办理状态": i.progress,
                     "最近反馈日期": i.progress_day, "督办类别": i.category})  # fmt: skip
    return {"格式": SNAPSHOT_FORMAT, "来源": "督办台账", "督查类型": inspection_type, "截至": query.cutoff.isoformat(),
            "会议": list(query.meetings), "单位": list(query.units), "专项": query.campaign, "事项": rows}  # fmt: skip


def snapshot_bytes(snapshot: dict[str, Any]) -> bytes:
    """The snapshot as archived: JSON a person can read."""
    return (json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def rows_of(snapshot: dict[str, Any]) -> tuple[tuple[InspectionRow, ...], list[Problem]]:
    """The table rows of a snapshot, or why it cannot be a 通报's table: no items, or items whose
    完成时限 is not a day (a 通报 cannot say whether they are overdue)."""
    rows, problems = [], []
    for entry in snapshot.get("事项", []):
        received, deadline = _date(entry.get("会议日期")), _date(entry.get("截止日期"))
        if received is None or deadline is None:
            why = entry.get("说明") or ("没有会议日期" if received is None else "完成时限不是确定的日期")
            problems.append(Problem(KEY, f"督办台账中的 {entry.get('编号')}（{entry.get('单位')}）无法列入通报：{why}",
                                    "在会议纪要的新版本中把完成时限写成日期，或用 会议/单位 把它排除"))  # fmt: skip
            continue
        rows.append(InspectionRow(str(entry["单位"]), str(entry["事项"]), received, deadline, str(entry["状态"]),
                                  str(entry["编号"])))  # fmt: skip
    if not rows and not problems:
        problems.append(Problem(KEY, _nothing_found(snapshot), "检查 会议、单位、专项 和督查类型；fawen tasks ls --at 截至日期 列出台账"))
    return tuple(rows), problems


def _nothing_found(snapshot: dict[str, Any]) -> str:
    scope = [f"会议 {'、'.join(snapshot['会议'])}" if snapshot.get("会议") else "",
             f"单位 {'、'.join(snapshot['单位'])}" if snapshot.get("单位") else "",
             f"专项「{snapshot['专项']}」" if snapshot.get("专项") else ""]  # fmt: skip
    named = "，".join(s for s in scope if s)
    kind = snapshot.get("督查类型", "")
    category = CATEGORY_OF.get(kind, "")
    return (f"截至 {snapshot.get('截至')}，督办台账中没有{('（' + named + '）') if named else ''}"
            f"属于{kind}（督办类别「{category}」）的在办议定事项")


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


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
