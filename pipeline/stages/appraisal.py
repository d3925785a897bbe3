"""鉴定 (appraisal) of 件 whose 保管期限 ends: which 件 are due on a day, and what the appraisals
recorded for them say. A 定期 term runs from the 1st of January after the 件's 年度 (DA/T 22): a
2016 件 kept 10 years (D10) is due on 2026-12-31. 永久 (Y) is never due. Appraisal is a person's
decision: it is recorded (继续保存, 延长保管期限 to a longer term, 拟销毁 for the 销毁清册), and a
件 is never deleted here. Pure: entries and the 鉴定记录's lines in, rows out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from pipeline.errors import Problem
from pipeline.frozen import frozen

YEARS = {"D10": 10, "D30": 30}  # 定期 terms; Y (永久) has none
KEEP, EXTEND, DESTROY = "继续保存", "延长保管期限", "拟销毁"
DECISIONS = (KEEP, EXTEND, DESTROY)
LONGER = {"D10": ("D30", "Y"), "D30": ("Y",)}


@frozen
class Term:
    """A 件's 保管期限 as it stands: the code it was filed with, the one an appraisal set, when it ends."""

    filed: str  # Y, D30, D10
    current: str
    ends: dt.date | None  # None: 永久
    decision: str = ""  # the latest appraisal's 结论
    decided: str = ""  # its date


def term_end(year: int, retention: str) -> dt.date | None:
    """The last day a 件 of ``year`` is kept under ``retention``; None for 永久 or an unknown code."""
    years = YEARS.get(retention)
    return dt.date(year + years, 12, 31) if years else None


def term(year: int, retention: str, appraisals: Iterable[Mapping[str, Any]]) -> Term:
    """Where a 件 stands after the appraisals recorded for it (in the log's order)."""
    current, decision, decided = retention, "", ""
    for a in appraisals:
        decision, decided = str(a.get("结论", "")), str(a.get("日期", ""))
        if decision == EXTEND and a.get("新保管期限"):
            current = str(a["新保管期限"])
    return Term(retention, current, term_end(year, current), decision, decided)


def is_due(t: Term, at: dt.date) -> bool:
    """Due for appraisal on ``at``: its term has ended, and no appraisal since settled it (a
    继续保存 holds until the next review, ten years on; a 拟销毁 stays listed until it is destroyed
    under an approved 销毁清册, which is not fawen's to do)."""
    if t.ends is None or t.ends >= at:
        return False
    kept_lately = t.decision == KEEP and bool(t.decided)
    return not (kept_lately and dt.date.fromisoformat(t.decided) + dt.timedelta(days=3652) > at)


def decision_problems(retention: str, decision: str, new_term: str, reason: str, day: dt.date,
                      ends: dt.date | None) -> list[Problem]:  # fmt: skip
    """Why an appraisal cannot be recorded ([] when it can)."""
    out = []
    if decision not in DECISIONS:
        out.append(Problem("结论", f"「{decision}」不是鉴定结论", "、".join(DECISIONS)))
    if decision == EXTEND and new_term not in LONGER.get(retention, ()):
        longer = "、".join(LONGER.get(retention, ())) or "（永久已是最长）"
        out.append(
            Problem(
                "新保管期限", f"保管期限 {retention} 不能延长为「{new_term or '（未写）'}」", f"更长的期限：{longer}"
            )
        )
    if decision != EXTEND and new_term:
        out.append(Problem("新保管期限", "只有「延长保管期限」才写新的保管期限", "删去新保管期限"))
    if not reason.strip():
        out.append(Problem("理由", "缺少鉴定理由", "鉴定小组的意见，如 仍有查考价值"))
    if ends is None and retention == "Y":
        out.append(Problem("档号", "永久保存的件不需鉴定", "只鉴定保管期限已满的定期件"))
    elif ends is not None and day <= ends:
        out.append(Problem("日期", f"保管期限至 {ends} 才满", f"{ends} 以后再鉴定"))
    return out
