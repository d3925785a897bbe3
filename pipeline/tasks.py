"""The 督办台账 (ledger of 议定事项): kept up from the archive, read by ``fawen tasks``.

The archive is the truth; the ledger (store.tasks) is derived from it and remembers how far into
the filing register (outbox/归档登记簿.jsonl) it has been brought. Every filing calls ``sync`` right
after its version has landed (under the archive lock), and so does every ``fawen tasks`` command
before it reads. ``sync`` reads the register lines after that point and recomputes each 件 they
name from its folder (all its version records and its 处置记录), so a ledger left behind by a
crash between the version's rename and the ledger's write, by an interrupted 撤销, or by an older
fawen, catches up by itself. A register that does not continue where the ledger stopped (adopted,
rewritten, replaced) makes it rebuild from the whole tree, as ``fawen tasks rebuild`` does: the
same per-件 computation, so both give identical ledgers.

The register is always read before the tree: whatever a line names is already in place, and a
version landing meanwhile is at worst computed twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from pipeline import disposition
from pipeline.model import METADATA
from pipeline.stages.tasks import Filter
from pipeline.stages.tasks import Standing
from pipeline.stages.tasks import TaskChange
from pipeline.stages.tasks import TaskItem
from pipeline.stages.tasks import as_of
from pipeline.stages.tasks import ledger_of
from pipeline.stages.tasks import selected
from pipeline.stages.tasks import standing
from pipeline.stages.tasks import with_progress
from pipeline.store.archive import Archive
from pipeline.store.progress import ProgressLog
from pipeline.store.register import REGISTER_NAME
from pipeline.store.register import TAIL
from pipeline.store.tasks import LEDGER_NAME
from pipeline.store.tasks import TaskLedger
from pipeline.store.workspace import Workspace
from pipeline.workdays import WorkCalendar
from pipeline.workdays import calendar_for


def open_ledger(workspace: Workspace) -> TaskLedger:
    return TaskLedger(workspace.root / ".fawen" / LEDGER_NAME)


def _calendar(workspace: Workspace) -> WorkCalendar:
    return calendar_for(workspace.config)


# ---- keeping up with the archive --------------------------------------------------------------------


def sync(workspace: Workspace, archive: Archive) -> int:
    """Bring the ledger up to the filing register; the number of 件 recomputed (-1: rebuilt whole)."""
    ledger = open_ledger(workspace)
    try:
        with ledger.transaction():
            return _sync(ledger, archive, _calendar(workspace))
    finally:
        ledger.close()


def rebuild(workspace: Workspace, archive: Archive) -> int:
    """The whole ledger again from the archive (``fawen tasks rebuild``); the number of 件 read."""
    ledger = open_ledger(workspace)
    try:
        with ledger.transaction():
            return _rebuild(ledger, archive, _calendar(workspace))
    finally:
        ledger.close()


def _sync(ledger: TaskLedger, archive: Archive, calendar: WorkCalendar) -> int:
    state = ledger.state()
    if state is None:  # never built: an archive filed before the ledger existed
        _rebuild(ledger, archive, calendar)
        return -1
    read = _register_after(archive.root / REGISTER_NAME, state)
    if read is None:
        _rebuild(ledger, archive, calendar)
        return -1
    lines, size = read
    folders = list(dict.fromkeys(f for f in (_entry_folder(archive.root, line) for line in lines) if f is not None))
    for folder in folders:
        _recompute(ledger, folder, calendar)
    if lines:
        ledger.set_state(_seq(lines[-1]), str(lines[-1].get("摘要", "")), size)
    _sync_progress(ledger, archive.root, force=False)
    return len(folders)


def _sync_progress(ledger: TaskLedger, root: Path, force: bool) -> None:
    """The 办理反馈 rows again when the progress log has changed since it was last read (it only
    grows, and is small enough to read whole: a township's feedback is thousands of lines)."""
    log = ProgressLog(root)
    if not force and ledger.progress_state() == log.state():
        return
    records, state = log.read_state()  # a broken chain raises: the ledger is not fed a tampered log
    ledger.set_progress([_progress_row(r) for r in records], state)


def _progress_row(r: dict[str, Any]) -> dict[str, Any]:
    return {"identity": r.get("标识", ""), "item": r.get("事项编号", ""), "seq": r["序号"], "day": r.get("日期", ""),
            "unit": r.get("单位", ""), "status": r.get("状态", ""), "text": r.get("进展", ""),
            "new_deadline": r.get("新时限", ""), "files": r.get("附件", []), "at": r.get("登记时间", ""),
            "digest": r["摘要"]}  # fmt: skip


def _rebuild(ledger: TaskLedger, archive: Archive, calendar: WorkCalendar) -> int:
    path = archive.root / REGISTER_NAME
    data = path.read_bytes() if path.exists() else b""  # the register first, then the tree
    lines = disposition.parse(data.decode("utf-8", "replace"))
    folders = sorted({meta.parent.parent for meta in archive.version_records()})
    ledger.clear()
    for folder in folders:
        _recompute(ledger, folder, calendar)
    last = lines[-1] if lines else {}
    ledger.set_state(_seq(last), str(last.get("摘要", "")), len(data))
    _sync_progress(ledger, archive.root, force=True)
    return len(folders)


def _register_after(path: Path, state: tuple[int, str, int]) -> tuple[list[dict[str, object]], int] | None:
    """The register's lines after the one the ledger was brought to, and the register's size; None
    when the register does not continue from that line."""
    seq, digest, size = state
    if not path.exists():
        return ([], 0) if seq == 0 and size == 0 else None
    with path.open("rb") as fh:
        total = os.fstat(fh.fileno()).st_size
        if total < size:
            return None
        fh.seek(max(0, size - TAIL))
        before = fh.read(size - max(0, size - TAIL))
        after = fh.read()
    if seq:
        tail = disposition.parse(before.decode("utf-8", "replace").splitlines()[-1]) if before.strip() else []
        if not tail or tail[-1].get("序号") != seq or tail[-1].get("摘要") != digest:
            return None
    elif size:
        return None
    lines = disposition.parse(after.decode("utf-8", "replace"))
    if any(_seq(line) != seq + n for n, line in enumerate(lines, 1)):
        return None
    return lines, size + len(after)


def _seq(line: dict[str, object]) -> int:
    """A register line's 序号 (0 when it has none); what int() does not read raises, as it did."""
    value = line.get("序号", 0) or 0
    if not isinstance(value, int | float | str):
        raise TypeError(f"序号 is not a number: {value!r}")
    return int(value)


def _entry_folder(root: Path, line: dict[str, object]) -> Path | None:
    """The 件 folder a register line concerns (a version's, or a 处置记录's); None for a void."""
    rel = str(line.get("路径", "") or "")
    if not rel or ".." in rel.split("/"):
        return None
    return (root / rel).parent


def _recompute(ledger: TaskLedger, folder: Path, calendar: WorkCalendar) -> None:
    """One 件's rows, from its folder: every version record and its 处置记录."""
    records = []
    for meta in sorted(folder.glob(f"v*/{METADATA}")):
        try:
            record = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # archive verify reports it
        if isinstance(record, dict):
            records.append(record)
    if not records:
        return
    log = folder / disposition.LOG_NAME
    events = disposition.parse(log.read_text(encoding="utf-8")) if log.is_file() else []
    items, changes = ledger_of(records, events, calendar)
    identity = str(records[0].get("标识", ""))
    ledger.replace(identity, [dataclasses.asdict(i) for i in items],
                   [{**dataclasses.asdict(c), "identity": identity, "at": c.when} for c in changes])  # fmt: skip


# ---- reading (fawen tasks ls / show) -----------------------------------------------------------------


def _as_item(row: dict[str, Any]) -> TaskItem:
    return TaskItem(**row)


def _as_change(row: dict[str, Any]) -> TaskChange:
    return TaskChange(row["item"], row["seq"], row["action"], row["field"], row["old"], row["new"], row["version"],
                      row["at"], row["note"])  # fmt: skip


def _read(workspace: Workspace, archive: Archive) -> TaskLedger:
    sync(workspace, archive)
    return open_ledger(workspace)


def listing(workspace: Workspace, archive: Archive, at: dt.date, wanted: Filter) -> list[Standing]:
    """Every item ``wanted`` selects, as of ``at``: items of meetings held by then, with the
    feedback reported by then, in meeting order."""
    ledger = _read(workspace, archive)
    try:
        rows = [r for r in ledger.items() if r["start"] is None or r["start"] <= at]
        progress = _by_item(as_of(ledger.progress(), at))
    finally:
        ledger.close()
    calendar = _calendar(workspace)
    found = (
        standing(with_progress(_as_item(r), progress.get((r["identity"], r["id"]), [])), at, calendar) for r in rows
    )
    return [s for s in found if selected(s, wanted)]


def _by_item(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault((row["identity"], row["item"]), []).append(row)
    return out


def history(workspace: Workspace, archive: Archive,
            item_id: str) -> list[tuple[TaskItem, list[TaskChange], list[dict[str, Any]]]]:  # fmt: skip
    """The item(s) of that id (one, unless two 件 came to share it) with their changes and the
    办理反馈 on them."""
    ledger = _read(workspace, archive)
    try:
        out = []
        for r in ledger.find(item_id.strip()):
            feedback = ledger.progress(r["identity"], r["id"])
            changes = [_as_change(c) for c in ledger.history(r["identity"], r["id"])]
            out.append((with_progress(_as_item(r), feedback), changes, feedback))
        return out
    finally:
        ledger.close()


def items(workspace: Workspace, archive: Archive) -> list[TaskItem]:
    """Every item as the ledger holds it now, with its feedback (what a 办理反馈 is checked against)."""
    ledger = _read(workspace, archive)
    try:
        progress = _by_item(ledger.progress())
        return [with_progress(_as_item(r), progress.get((r["identity"], r["id"]), [])) for r in ledger.items()]
    finally:
        ledger.close()


def known_ids(workspace: Workspace) -> list[str]:
    """Every id in the ledger as it is (for a 'did you mean')."""
    ledger = open_ledger(workspace)
    try:
        return [str(r["id"]) for r in ledger.items()]
    finally:
        ledger.close()


def dump(workspace: Workspace) -> dict[str, list[tuple[object, ...]]]:
    ledger = open_ledger(workspace)
    try:
        return ledger.dump()
    finally:
        ledger.close()
