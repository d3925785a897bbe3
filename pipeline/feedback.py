"""办理反馈: a unit's progress on one 议定事项, recorded rather than filed as a 公文.

An input whose 文种 is 办理反馈 (dropped in the inbox, or built by ``fawen tasks update``) is
checked against the 督办台账 (stages.feedback), kept with its evidence files in the progress log
(store.progress: outbox/督办反馈/, append-only, hash-chained) and applied to the ledger
(pipeline.tasks reads the log: ``tasks rebuild`` = archive + progress log).

All of it happens under the archive lock, so the item checked is the item as filed (a 撤销 or a new
version cannot land between the check and the record) and two recorders never fork the chain.
The same bytes (input and files) recorded before are a duplicate, left alone.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline import intake
from pipeline import logheads
from pipeline import tasks
from pipeline.dat22 import content_digest
from pipeline.dat22 import sha256
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.model import RawInput
from pipeline.relpath import stays_inside
from pipeline.stages.feedback import Feedback
from pipeline.stages.feedback import check
from pipeline.stages.feedback import is_feedback
from pipeline.stages.feedback import record_fields
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.stages.parse import SUFFIXES
from pipeline.stages.parse import parse_input
from pipeline.store.archive import Archive
from pipeline.store.bounded import Unreadable
from pipeline.store.bounded import read_bounded
from pipeline.store.progress import ProgressLog
from pipeline.store.workspace import Workspace

MAX_FILE_BYTES = 50 * 1024 * 1024


@frozen
class Recorded:
    """What ``record`` did: the feedback's line in the log, or the earlier line it duplicates."""

    item: str
    status: str
    seq: int
    duplicate: bool = False


def is_feedback_file(path: Path) -> bool:
    """Whether the file at ``path`` is a 办理反馈 (an input that does not parse is not: filing it
    says what is wrong with it)."""
    if path.suffix.lower() not in SUFFIXES:
        return False
    try:
        return is_feedback(parse_input(path.name, path.suffix, read_bounded(path, MAX_INPUT_BYTES)).data)
    except Exception:  # noqa: BLE001 — InputError, Unreadable: not for us to say
        return False


def record_file(path: Path, workspace: Workspace, now: dt.datetime, by: str = "") -> Recorded:
    """A 办理反馈 input file and the evidence it names (beside it) into the progress log; ``now``
    is when (its day in the workspace's zone is the latest 日期 accepted)."""
    from pipeline import run  # noqa: PLC0415 — run imports the whole rendering chain

    data = intake.read_input(path)
    raw = parse_input(path.name, path.suffix, data)
    return record(raw, (data, path.parent), workspace, now.astimezone(intake.workspace_zone(workspace)),
                  run.operator(workspace, by))  # fmt: skip


def checked_file(path: Path, workspace: Workspace, today: dt.date) -> Feedback:
    """A 办理反馈 file checked as recording it would (the ledger, its evidence beside it), nothing
    kept: ``fawen validate``. InputError when it would be rejected."""

    raw = parse_input(path.name, path.suffix, intake.read_input(path))
    archive = Archive(workspace.outbox)
    try:
        found = check(raw, tasks.items(workspace, archive), today)
    finally:
        archive.close()
    _evidence(raw.name, found, path.parent)
    return found


def record(raw: RawInput, source: tuple[bytes, Path], workspace: Workspace, when: dt.datetime, by: str) -> Recorded:
    """Check, keep and apply one feedback: ``source`` is the input's bytes and the folder its
    evidence files are in; ``when`` (in the workspace's zone) is the day it is checked against."""
    data, base = source
    archive = Archive(workspace.outbox)
    try:
        with archive.locked():
            feedback = check(raw, tasks.items(workspace, archive), when.date())
            files = _evidence(raw.name, feedback, base)
            log = ProgressLog(archive.root)
            digest = content_digest(data, files)
            records = log.read()
            earlier = next((r for r in records if r.get("输入摘要") == digest), None)
            if earlier is not None:
                return Recorded(str(earlier["事项编号"]), str(earlier["状态"]), int(earlier["序号"]), duplicate=True)
            written = log.append(_fields(log, feedback, (raw.name, data, files), digest, (when, by)), records)
            logheads.witness(workspace, logheads.PROGRESS, written)
            tasks.sync(workspace, archive)
            return Recorded(feedback.item, feedback.status, int(written["序号"]))
    finally:
        archive.close()


def _evidence(name: str, feedback: Feedback, base: Path) -> dict[str, bytes]:
    """The evidence files' bytes by the names the input uses; InputError for any missing."""
    out: dict[str, bytes] = {}
    problems = []
    for i, rel in enumerate(feedback.files, 1):
        if not stays_inside(base, rel):  # a link out of the folder: what it points to is not the sender's
            problems.append(Problem(f"附件[{i}]", f"附件文件「{rel}」指向反馈所在文件夹之外（符号链接）或无法打开",
                                    "与反馈放在同一文件夹的文件"))  # fmt: skip
            continue
        try:
            out[rel] = read_bounded(base / rel, MAX_FILE_BYTES)
        except Unreadable as exc:
            problems.append(Problem(f"附件[{i}]", f"附件文件「{rel}」无法读取：{exc.reason}",
                                    f"与反馈放在同一文件夹、不超过 {MAX_FILE_BYTES // 1024 // 1024} MB 的文件"))  # fmt: skip
    if problems:
        raise InputError(name, problems)
    return out


def _fields(log: ProgressLog, feedback: Feedback, source: tuple[str, bytes, dict[str, bytes]], digest: str,
            at: tuple[dt.datetime, str]) -> dict[str, object]:  # fmt: skip
    """The record's fields: the feedback, the input and evidence kept under their digests."""
    name, data, files = source
    kept = [{"名称": rel, "文件": f"{log.folder.name}/{log.keep_file(blob, Path(rel).suffix)}", "摘要": sha256(blob)}
            for rel, blob in files.items()]  # fmt: skip
    entry = {"名称": name, "文件": f"{log.folder.name}/{log.keep_file(data, Path(name).suffix)}", "摘要": sha256(data)}
    return {**record_fields(feedback), "附件": kept, "输入": entry, "输入摘要": digest,
            "登记时间": at[0].isoformat(timespec="seconds"), "登记人": at[1]}  # fmt: skip


def inbox_reply(path: Path, workspace: Workspace, now: dt.datetime) -> dict[str, object] | None:
    """For the inbox worker: a 办理反馈 recorded (or a duplicate), as the worker replies; None when
    the input is not a 办理反馈 (it is filed as a document). FawenError for bad feedback."""
    if not is_feedback_file(path):
        return None
    done = record_file(path, workspace, now)
    if done.duplicate:
        return {"outcome": "重复", "code": done.item,
                "reason": f"{path.name} 与已登记的第 {done.seq} 条办理反馈（{done.item}）内容相同，未重复登记。"}  # fmt: skip
    return {"outcome": "已登记", "code": done.item, "note": f"办理反馈 {done.status}（第 {done.seq} 条）"}
