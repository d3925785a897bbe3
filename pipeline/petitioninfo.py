"""信访信息: important, sensitive 信访信息 a member unit reports to the office (第十条), recorded
rather than filed as a 公文.

An input whose 文种 is 信访信息 (dropped in the inbox, given to ``fawen info add`` or ``fawen
file``) is checked against the roster (stages.petitioninfo) and kept, with the input as received,
in the 信访信息 log (store.petitionlog: outbox/信访信息/, append-only, hash-chained). It happens
under the archive lock, so two recorders never fork the chain. The same 信访信息 recorded before
(the same bytes, or the same 单位, 日期, 类别, 摘要, 敏感程度, 信访人数 and 报送人) is a duplicate,
left alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipeline import intake
from pipeline import logheads
from pipeline.dat22 import sha256
from pipeline.frozen import frozen
from pipeline.model import RawInput
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.stages.parse import SUFFIXES
from pipeline.stages.parse import parse_input
from pipeline.stages.petitioninfo import PetitionInfo
from pipeline.stages.petitioninfo import check
from pipeline.stages.petitioninfo import is_petition_info
from pipeline.stages.petitioninfo import record_fields
from pipeline.stages.petitioninfo import same
from pipeline.store.archive import Archive
from pipeline.store.bounded import read_bounded
from pipeline.store.petitionlog import PetitionLog
from pipeline.store.petitionlog import read_records
from pipeline.store.workspace import Workspace

__all__ = ["Recorded", "checked_file", "inbox_reply", "is_petition_info_file", "read_records", "record", "record_file"]


@frozen
class Recorded:
    """What ``record`` did: the 信访信息's line in the log, or the earlier line it duplicates."""

    unit: str
    category: str
    sensitivity: str
    seq: int
    duplicate: bool = False


def is_petition_info_file(path: Path) -> bool:
    """Whether the file at ``path`` is a 信访信息 input (one that does not parse is not: filing it
    says what is wrong with it)."""
    if path.suffix.lower() not in SUFFIXES:
        return False
    try:
        return is_petition_info(parse_input(path.name, path.suffix, read_bounded(path, MAX_INPUT_BYTES)).data)
    except Exception:  # noqa: BLE001 — InputError, Unreadable: not for us to say
        return False


def _units(workspace: Workspace) -> tuple[str, ...]:
    meeting = workspace.config.meeting
    return tuple(m.name for m in meeting.members) if meeting else ()


def checked_file(path: Path, workspace: Workspace, today: dt.date) -> PetitionInfo:
    """A 信访信息 file checked as recording it would, nothing kept: ``fawen validate``.
    InputError when it would be rejected."""

    raw = parse_input(path.name, path.suffix, intake.read_input(path))
    return check(raw, _units(workspace), today)


def record_file(path: Path, workspace: Workspace, now: dt.datetime, by: str = "") -> Recorded:
    """A 信访信息 input file into the log; ``now`` is when (its day in the workspace's zone is the
    latest 日期 accepted); ``by`` who records it (default: the workspace's 操作员)."""
    from pipeline import run  # noqa: PLC0415 — run imports the whole rendering chain

    data = intake.read_input(path)
    raw = parse_input(path.name, path.suffix, data)
    return record(raw, data, workspace, now.astimezone(intake.workspace_zone(workspace)), run.operator(workspace, by))


def record(raw: RawInput, data: bytes, workspace: Workspace, when: dt.datetime, by: str) -> Recorded:
    """Check and keep one 信访信息: ``data`` is the input's bytes; ``when`` (in the workspace's
    zone) the day it is checked against and the 登记时间; ``by`` the 登记人. InputError when it is
    wrong, ChainError when the log has been tampered with (nothing is appended to a broken chain)."""
    archive = Archive(workspace.outbox)
    try:
        with archive.locked():
            info = check(raw, _units(workspace), when.date())
            log = PetitionLog(archive.root)
            digest = sha256(data)
            records = log.read()
            earlier = next((r for r in records if r.get("输入摘要") == digest or same(r, info)), None)
            if earlier is not None:
                return Recorded(str(earlier["单位"]), str(earlier["类别"]), str(earlier["敏感程度"]),
                                int(earlier["序号"]), duplicate=True)  # fmt: skip
            written = log.append(_fields(log, info, (raw.name, data), digest, (when, by)), records)
            logheads.witness(workspace, logheads.PETITIONS, written)
            return Recorded(info.unit, info.category, info.sensitivity, int(written["序号"]))
    finally:
        archive.close()


def _fields(log: PetitionLog, info: PetitionInfo, source: tuple[str, bytes], digest: str,
            at: tuple[dt.datetime, str]) -> dict[str, Any]:  # fmt: skip
    """The record's fields: the 信访信息, and the input kept under its digest."""
    name, data = source
    entry = {"名称": name, "文件": f"{log.folder.name}/{log.keep_file(data, Path(name).suffix)}", "摘要": sha256(data)}
    return {**record_fields(info), "输入": entry, "输入摘要": digest,
            "登记时间": at[0].isoformat(timespec="seconds"), "登记人": at[1]}  # fmt: skip


def inbox_reply(path: Path, workspace: Workspace, now: dt.datetime) -> dict[str, object] | None:
    """For the inbox worker: a 信访信息 recorded (or a duplicate), as the worker replies; None when
    the input is not a 信访信息. FawenError for a wrong one."""
    if not is_petition_info_file(path):
        return None
    done = record_file(path, workspace, now)
    if done.duplicate:
        return {"outcome": "重复", "code": done.unit,
                "reason": f"{path.name} 与已登记的第 {done.seq} 条信访信息（{done.unit}，{done.category}）内容相同，未重复登记。"}  # fmt: skip
    return {"outcome": "已登记", "code": done.unit,
            "note": f"信访信息 {done.category}，{done.sensitivity}（第 {done.seq} 条）"}  # fmt: skip
