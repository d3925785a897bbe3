"""联络员变更: a member unit's new 联络员 备案 with the office (第六条), recorded rather than filed.

The same change comes from ``fawen roster set`` (options or ``--from`` a file) or an input whose
文种 is 联络员变更 dropped in the inbox. It is checked against the roster as 备案 so far and
appended to the 联络员备案 log (pipeline.liaisons) under the archive lock, so two recorders never
fork the chain. The same change (单位, 联络员, 电话, 备案日期) recorded before is a duplicate, left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from pipeline import intake
from pipeline import liaisons
from pipeline import logheads
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.model import LiaisonChange
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.stages.parse import SUFFIXES
from pipeline.stages.parse import parse_input
from pipeline.store import liaisonlog
from pipeline.store.archive import Archive
from pipeline.store.bounded import read_bounded
from pipeline.store.workspace import Workspace


@frozen
class Recorded:
    """The change's line in the log (or the earlier line it duplicates)."""

    entry: dict[str, object]
    duplicate: bool = False


def is_change_file(path: Path) -> bool:
    """Whether the file at ``path`` is a 联络员变更 input (one that does not parse is not)."""
    if path.suffix.lower() not in SUFFIXES:
        return False
    try:
        data = parse_input(path.name, path.suffix, read_bounded(path, MAX_INPUT_BYTES)).data
    except Exception:  # noqa: BLE001 — InputError, Unreadable: filing it says what is wrong
        return False
    return isinstance(data, dict) and data.get("文种") == liaisons.KIND


def read_file(path: Path) -> tuple[LiaisonChange | None, list[str]]:
    """A 联络员变更 file as a change, or its problems (file, line, key, what is expected)."""
    try:
        raw = parse_input(path.name, path.suffix, read_bounded(path, MAX_INPUT_BYTES))
    except InputError as exc:
        return None, [p.describe() for p in exc.problems]
    except Exception as exc:  # noqa: BLE001 — unreadable: said, not raised
        return None, [f"{path.name} 无法读取：{getattr(exc, 'reason', exc)}"]
    return liaisons.read_change(raw.data, path.name, raw.lines)


def checked_file(path: Path, workspace: Workspace) -> LiaisonChange:
    """A 联络员变更 file checked against the roster as 备案 so far, nothing kept: ``fawen
    validate``. InputError when recording it would be refused."""
    change, problems = read_file(path)
    if change is not None:
        cfg = dataclasses.replace(workspace.config, liaison_changes=liaisonlog.read_changes(workspace.outbox))
        change, problems = liaisons.check(change, cfg)
    if change is None:
        raise InputError(path.name, [Problem("", p) for p in problems])
    return change


def record(
    workspace: Workspace, change: LiaisonChange, when: dt.datetime, by: str, source: str = "联络员变更"
) -> Recorded:
    """Check ``change`` against the roster as 备案 so far and append it; InputError when it is wrong
    or the log itself has been tampered with (nothing is appended to a broken chain)."""
    archive = Archive(workspace.outbox)
    try:
        with archive.locked():
            root = archive.root
            broken = liaisons.problems(liaisonlog.read_text(root))
            if broken:
                raise InputError(source, [Problem("", p) for p in broken] + [
                    Problem("", "联络员备案已被改动，不再追加", "先用 fawen archive verify 查明并恢复")])  # fmt: skip
            earlier = next((e for e in liaisonlog.read_entries(root) if _same(e, change)), None)
            if earlier is not None:
                return Recorded(earlier, duplicate=True)
            cfg = dataclasses.replace(workspace.config, liaison_changes=liaisonlog.read_changes(root))
            checked, problems = liaisons.check(change, cfg)
            if checked is None:
                raise InputError(source, [Problem("", p) for p in problems])
            entry = liaisonlog.append(root, checked, when.isoformat(timespec="seconds"), by)
            logheads.witness(workspace, logheads.LIAISONS, entry)
            return Recorded(entry)
    finally:
        archive.close()


def _same(entry: dict[str, object], change: LiaisonChange) -> bool:
    return (entry.get("标识"), entry.get("联络员"), entry.get("电话"), entry.get("备案日期")) == (
        change.unit, change.liaison, change.phone, change.filed.isoformat())  # fmt: skip


def record_file(path: Path, workspace: Workspace, now: dt.datetime, by: str = "") -> Recorded:
    from pipeline import run  # noqa: PLC0415 — run imports the whole rendering chain

    change, problems = read_file(path)
    if change is None:
        raise InputError(path.name, [Problem("", p) for p in problems])
    return record(
        workspace, change, now.astimezone(intake.workspace_zone(workspace)), run.operator(workspace, by), path.name
    )


def inbox_reply(path: Path, workspace: Workspace, now: dt.datetime) -> dict[str, object] | None:
    """For the inbox worker: a 联络员变更 recorded (or a duplicate), as the worker replies; None when
    the input is not one. FawenError for a wrong change."""
    if not is_change_file(path):
        return None
    done = record_file(path, workspace, now)
    e = done.entry
    if done.duplicate:
        return {"outcome": "重复", "code": str(e["标识"]),
                "reason": f"{path.name} 与联络员备案第 {e['序号']} 行相同，未重复备案。"}  # fmt: skip
    return {"outcome": "已登记", "code": str(e["标识"]),
            "note": f"联络员备案：{e['原联络员'] or '（无）'} → {e['联络员']}，自 {e['备案日期']} 起（第 {e['序号']} 行）"}  # fmt: skip
