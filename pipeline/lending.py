"""借阅 and 归还 recorded (the edge of stages.lending): the 件 looked up in the archive, the check,
the line appended to the 利用登记 log under the archive lock, and its witness in the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pipeline import logheads
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.stages import lending
from pipeline.stages.lending import Loan
from pipeline.store.archive import Archive
from pipeline.store.archive import EntryInfo
from pipeline.store.loanlog import FOLDER
from pipeline.store.loanlog import LOG_NAME
from pipeline.store.loanlog import LoanLog
from pipeline.store.progress import ChainedLog
from pipeline.store.workspace import Workspace

WITNESS = f"{FOLDER}/{LOG_NAME}"


@frozen
class LoanRequest:
    """What a 借阅 says: who, for what, how, when."""

    person: str
    purpose: str
    way: str = "查阅"
    unit: str = ""
    day: dt.date | None = None  # default: today
    due: dt.date | None = None


def entry_named(archive: Archive, key: str, source: str) -> EntryInfo:
    """The one 件 ``key`` (a 档号 or 文号) names, or InputError from ``source`` saying why not."""
    hits = archive.lookup(key)
    if len(hits) != 1:
        what = "档案中没有" if not hits else f"有 {len(hits)} 件符合（{'、'.join(h.archive_code for h in hits[:5])}）："
        raise InputError(source, [Problem("档号", f"{what}「{key}」", "一件的档号或文号（fawen archive ls 列出）")])
    return hits[0]


@contextmanager
def entry_log(workspace: Workspace, key: str, log_kind: type[ChainedLog],
              source: str) -> Iterator[tuple[EntryInfo, ChainedLog, list[dict[str, Any]]]]:  # fmt: skip
    """Under the archive lock: the 件 ``key`` names, a chained log of the archive and its lines
    (read and checked), for a record about that 件 to be appended."""
    archive = Archive(workspace.outbox)
    try:
        with archive.locked():
            log = log_kind(archive.root)
            yield entry_named(archive, key, source), log, log.read()
    finally:
        archive.close()


def lend(workspace: Workspace, key: str, request: LoanRequest, when: dt.datetime, by: str) -> Loan:
    """Record one 借阅 of the 件 ``key`` names; InputError saying why not."""
    with entry_log(workspace, key, LoanLog, "借阅登记") as (entry, log, records):
        day = request.day or when.date()
        found = lending.lend_problems(lending.loans(records), entry.identity, request.way, day, request.due,
                                      (request.person, request.purpose))  # fmt: skip
        if found:
            raise InputError("借阅登记", found)
        fields = {"行为": lending.LEND, "档号": entry.archive_code, "标识": entry.identity, "题名": entry.title,
                  "借阅人": request.person.strip(), "单位": request.unit.strip(), "目的": request.purpose.strip(),
                  "方式": request.way, "日期": day.isoformat(), "应还日期": request.due.isoformat() if request.due else "",
                  "登记时间": when.isoformat(timespec="seconds"), "登记人": by}  # fmt: skip
        written = log.append(fields, records)
        logheads.witness(workspace, WITNESS, written)
        return lending.loans([*records, written])[-1]


def give_back(workspace: Workspace, key: str, day: dt.date | None, when: dt.datetime, by: str) -> Loan:
    """Record the 归还 of the 件 ``key`` names (its open 借出); InputError saying why not."""
    with entry_log(workspace, key, LoanLog, "归还登记") as (entry, log, records):
        loan = lending.open_loan(lending.loans(records), entry.identity)
        back = day or when.date()
        found = lending.return_problems(loan, back)
        if found or loan is None:
            raise InputError("归还登记", found)
        fields = {"行为": lending.RETURN, "档号": entry.archive_code, "标识": entry.identity, "借阅序号": loan.seq,
                  "借阅人": loan.person, "日期": back.isoformat(), "登记时间": when.isoformat(timespec="seconds"),
                  "登记人": by}  # fmt: skip
        written = log.append(fields, records)
        logheads.witness(workspace, WITNESS, written)
        return next(x for x in lending.loans([*records, written]) if x.seq == loan.seq)


def listing(workspace: Workspace) -> list[Loan]:
    """Every loan recorded; FawenError (ChainError) when the log's chain is broken."""
    return lending.loans(LoanLog(workspace.outbox).read())
