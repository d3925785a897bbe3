"""鉴定 at the edge of stages.appraisal: the 件 due on a day, read from the index and the
鉴定记录; an appraisal appended under the archive lock and witnessed in the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline import logheads
from pipeline.errors import InputError
from pipeline.frozen import frozen
from pipeline.lending import entry_log
from pipeline.stages import appraisal
from pipeline.store.appraisallog import FOLDER
from pipeline.store.appraisallog import LOG_NAME
from pipeline.store.appraisallog import AppraisalLog
from pipeline.store.archive import Archive
from pipeline.store.workspace import Workspace

WITNESS = f"{FOLDER}/{LOG_NAME}"


@frozen
class Decision:
    """What an appraisal decides, and why."""

    decision: str
    reason: str
    new_term: str = ""
    day: dt.date | None = None  # default: today


def _by_identity(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(str(r.get("标识", "")), []).append(r)
    return out


def due(workspace: Workspace, at: dt.date) -> list[dict[str, object]]:
    """The 件 due for appraisal on ``at``, in 档号 order, each with where it stands."""
    archive = Archive(workspace.outbox)
    try:
        entries = archive.entries()
    finally:
        archive.close()
    appraised = _by_identity(AppraisalLog(workspace.outbox).read())
    rows: list[dict[str, object]] = []
    for e in entries:
        t = appraisal.term(e.year, e.retention, appraised.get(e.identity, []))
        if appraisal.is_due(t, at):
            rows.append({"档号": e.archive_code, "文号": e.number, "题名": e.title, "年度": e.year,
                         "保管期限": t.current, "原保管期限": t.filed, "到期日": t.ends.isoformat() if t.ends else "",
                         "鉴定结论": t.decision, "鉴定日期": t.decided, "状态": e.status or "有效"})  # fmt: skip
    return rows


def appraise(workspace: Workspace, key: str, decision: Decision, when: dt.datetime, by: str) -> dict[str, Any]:
    """Record one appraisal of the 件 ``key`` names; InputError saying why not."""
    with entry_log(workspace, key, AppraisalLog, "鉴定") as (entry, log, records):
        t = appraisal.term(entry.year, entry.retention, _by_identity(records).get(entry.identity, []))
        day = decision.day or when.date()
        found = appraisal.decision_problems(
            t.current, decision.decision, decision.new_term, decision.reason, day, t.ends
        )
        if found:
            raise InputError("鉴定", found)
        fields = {"档号": entry.archive_code, "标识": entry.identity, "题名": entry.title, "保管期限": t.current,
                  "结论": decision.decision, "新保管期限": decision.new_term, "理由": decision.reason.strip(),
                  "日期": day.isoformat(), "登记时间": when.isoformat(timespec="seconds"), "登记人": by}  # fmt: skip
        written = log.append(fields, records)
        logheads.witness(workspace, WITNESS, written)
        return written
