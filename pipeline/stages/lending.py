"""借阅/利用登记 (DA/T 22 利用): who took which 件, for what, when, and when it came back — checked
and listed as plain data. A 件 lent out (借出) is lent once at a time; 查阅 and 复制 happen in the
reading room and are recorded as used the same day. Records are the 利用登记 log's lines
(store.loanlog); nothing here touches it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pipeline.errors import Problem
from pipeline.frozen import frozen

LEND, RETURN = "借阅", "归还"
WAYS = ("查阅", "复制", "借出")  # reading room, a copy made, the 件 taken out
TAKEN_OUT = "借出"


@frozen
class Loan:
    """One 借阅 and, when it came back, its 归还."""

    seq: int  # the 借阅 line's 序号 in the log
    code: str  # 档号
    identity: str
    title: str
    person: str
    unit: str
    purpose: str
    way: str
    day: str  # 借阅日期
    due: str  # 应还日期 ('' none)
    returned: str = ""  # 归还日期 ('' not yet)
    returned_by: str = ""

    @property
    def open(self) -> bool:
        return self.way == TAKEN_OUT and not self.returned

    def overdue(self, at: dt.date) -> bool:
        return self.open and bool(self.due) and dt.date.fromisoformat(self.due) < at

    def as_dict(self, at: dt.date | None = None) -> dict[str, object]:
        state = "未还" if self.open else "已还" if self.returned else "已利用"
        return {"序号": self.seq, "档号": self.code, "题名": self.title, "借阅人": self.person, "单位": self.unit,
                "目的": self.purpose, "方式": self.way, "日期": self.day, "应还日期": self.due,
                "归还日期": self.returned, "状态": state, "逾期": bool(at and self.overdue(at))}  # fmt: skip


def loans(records: Iterable[Mapping[str, Any]]) -> list[Loan]:
    """The loans in the log, in order, each with its 归还 when there is one."""
    out: dict[int, Loan] = {}
    for r in records:
        if r.get("行为") == LEND:
            seq = int(r["序号"])
            out[seq] = Loan(seq, str(r.get("档号", "")), str(r.get("标识", "")), str(r.get("题名", "")),
                            str(r.get("借阅人", "")), str(r.get("单位", "")), str(r.get("目的", "")),
                            str(r.get("方式", "")), str(r.get("日期", "")), str(r.get("应还日期", "")))  # fmt: skip
        elif r.get("行为") == RETURN:
            lent = out.get(int(r.get("借阅序号", 0) or 0))
            if lent is not None:
                out[lent.seq] = replace(lent, returned=str(r.get("日期", "")), returned_by=str(r.get("登记人", "")))
    return list(out.values())


def lend_problems(all_loans: list[Loan], identity: str, way: str, day: dt.date, due: dt.date | None,
                  who: tuple[str, str]) -> list[Problem]:  # fmt: skip
    """Why a 借阅 cannot be recorded ([] when it can): ``who`` is (借阅人, 目的)."""
    out = []
    person, purpose = who
    if not person.strip():
        out.append(Problem("借阅人", "缺少借阅人", "借阅人的姓名"))
    if not purpose.strip():
        out.append(Problem("目的", "缺少利用目的", "如 编史修志、工作查考、落实政策"))
    if way not in WAYS:
        out.append(Problem("方式", f"「{way}」不是利用方式", "、".join(WAYS)))
    if due is not None and due < day:
        out.append(Problem("应还日期", f"应还日期 {due} 早于借阅日期 {day}", "借阅日期当天或以后"))
    if due is not None and way != TAKEN_OUT:
        out.append(Problem("应还日期", f"{way}当场利用，不写应还日期", "删去应还日期，或方式写 借出"))
    held = next((loan for loan in all_loans if loan.identity == identity and loan.open), None)
    if way == TAKEN_OUT and held is not None:
        out.append(Problem("档号", f"此件已于 {held.day} 借给 {held.person}（第 {held.seq} 条），尚未归还",
                           "先登记归还（fawen archive return），再借出"))  # fmt: skip
    return out


def open_loan(all_loans: list[Loan], identity: str) -> Loan | None:
    """The 借出 of this 件 not yet returned, if any."""
    return next((loan for loan in all_loans if loan.identity == identity and loan.open), None)


def return_problems(loan: Loan | None, day: dt.date) -> list[Problem]:
    if loan is None:
        return [Problem("档号", "此件没有未归还的借出记录", "先用 fawen archive loans --未还 查看借出的件")]
    if day < dt.date.fromisoformat(loan.day):
        return [Problem("日期", f"归还日期 {day} 早于借出日期 {loan.day}", "借出日期当天或以后")]
    return []


def selected(all_loans: Iterable[Loan], code: str = "", person: str = "", only_open: bool = False) -> list[Loan]:
    return [loan for loan in all_loans if (not code or loan.code == code) and (not person or loan.person == person)
            and (not only_open or loan.open)]  # fmt: skip
