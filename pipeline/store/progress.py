"""The progress log: every accepted 办理反馈, append-only, in the archive (``outbox/督办反馈/``).

    outbox/督办反馈/反馈记录.jsonl     one JSON line per feedback, hash-chained
    outbox/督办反馈/文件/<sha256><ext>  the input as received and its evidence files, by digest

Each line carries 序号 (1, 2, …), 前摘要 (the previous line's 摘要, "" for the first) and 摘要:
the SHA-256 of the line's canonical JSON without 摘要. A line edited, removed or reordered breaks
the chain, and ``read`` says where. Lines are only ever appended, under the archive lock, with
fsync. Readers take complete lines only; an unterminated last line is one being written or one a
crash tore before it was acknowledged, and the next append (under the lock: nobody is writing it)
cuts it off.

``输入摘要`` is the digest of the input and its files together (dat22.content_digest): the same
bytes dropped twice are a duplicate, found by it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from pipeline.errors import FawenError
from pipeline.store import regular

FOLDER = "督办反馈"
LOG_NAME = "反馈记录.jsonl"
FILES = "文件"


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def line_digest(record: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in record.items() if k != "摘要"})).hexdigest()


class ChainError(FawenError, ValueError):
    """The log does not read as an unbroken chain; ``message`` says which line, in Chinese."""


class ChainedLog:
    """An append-only, hash-chained log of one archive root (the workspace's ``outbox/``), at
    ``<folder_name>/<log_name>``, its files kept by digest beside it: ProgressLog, and the
    信访信息 log (store.petitionlog) the same way."""

    folder_name: str
    log_name: str

    def __init__(self, archive_root: Path) -> None:
        self.folder = archive_root / self.folder_name
        self.path = self.folder / self.log_name

    def read(self) -> list[dict[str, Any]]:
        """Every record, checked link by link; ChainError at the first break."""
        return self.read_state()[0]

    def read_state(self) -> tuple[list[dict[str, Any]], tuple[int, str]]:
        """Every record, and the state they were read at: (bytes read, last 摘要). An unterminated
        last line is not read: an appender is writing it (or a crash tore it: see ``append``). A log
        that is a FIFO, a device … is never read: ChainError."""
        try:
            data = regular.read_bytes(self.path) if self.path.exists() else b""
        except regular.NotRegularFile as exc:
            raise ChainError(f"{self.folder_name}/{self.log_name} {regular.not_regular(exc.kind)}") from None
        data = data[: data.rfind(b"\n") + 1]
        out: list[dict[str, Any]] = []
        previous = ""
        for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise ChainError(f"{self.folder_name}/{self.log_name} 第 {n} 行不是完整的 JSON（记录被改坏）") from None
            if not isinstance(record, dict) or record.get("序号") != len(out) + 1 or record.get("前摘要") != previous:
                raise ChainError(
                    f"{self.folder_name}/{self.log_name} 第 {n} 行的序号或前摘要与上一行接不上（记录被删改或调换）"
                )
            if record.get("摘要") != line_digest(record):
                raise ChainError(f"{self.folder_name}/{self.log_name} 第 {n} 行的摘要不符（记录被修改）")
            previous = str(record["摘要"])
            out.append(record)
        return out, (len(data), previous)

    def state(self) -> tuple[int, str]:
        """(bytes up to the last complete line, that line's 摘要 as written) without reading the
        whole log: what a ledger compares with the state it read last."""
        if not self.path.exists():
            return 0, ""
        with self.path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - 65536))
            tail = fh.read()
        end = tail.rfind(b"\n")
        lines = tail[: end + 1].splitlines()
        try:
            last = json.loads(lines[-1]) if lines else {}
        except ValueError:
            last = {}
        complete = size - (len(tail) - end - 1)
        return complete, str(last.get("摘要", "")) if isinstance(last, dict) else ""

    def keep_file(self, data: bytes, suffix: str) -> str:
        """Store a file under its digest (once); its name relative to the log's folder."""
        digest = hashlib.sha256(data).hexdigest()
        ext = suffix.lower() if len(suffix) <= 10 and suffix[1:].isalnum() else ""
        rel = f"{FILES}/{digest}{ext}"
        target = self.folder / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            with temp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, target)
            target.chmod(0o444)
        return rel

    def append(self, fields: dict[str, Any], records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The record as written: ``fields`` with 序号, 前摘要 and 摘要. The caller holds the lock;
        ``records`` is the log as it just read it (under that lock), else it is read here."""
        records = self.read() if records is None else records
        record = {**fields, "序号": len(records) + 1, "前摘要": str(records[-1]["摘要"]) if records else ""}
        record["摘要"] = line_digest(record)
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as fh:
            size = fh.seek(0, os.SEEK_END)
            complete = self.state()[0]
            if complete < size:  # a line a crash tore (never acknowledged, never read): cut it off
                fh.truncate(complete)
            fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        return record

    def problems(self) -> list[str]:
        """What ``fawen archive verify`` finds wrong with the log: a broken chain, or a kept file
        (an input, an evidence file) missing or not the bytes its record's 摘要 says."""
        try:
            records = self.read()
        except ChainError as exc:
            return [exc.message]
        found = []
        for record in records:
            kept = [record.get("输入"), *list(record.get("附件") or [])]
            for entry in kept:
                if not isinstance(entry, dict) or not entry.get("文件"):
                    continue
                target = self.folder.parent / str(entry["文件"])
                try:
                    digest = hashlib.sha256(regular.read_bytes(target)).hexdigest()
                except regular.NotRegularFile as exc:  # a FIFO, a device …: never read
                    found.append(
                        f"第 {record['序号']} 条记录保存的文件 {entry['文件']} {regular.not_regular(exc.kind)}"
                    )
                    continue
                except OSError:
                    found.append(f"第 {record['序号']} 条记录保存的文件 {entry['文件']} 缺失或无法读取")
                    continue
                if digest != entry.get("摘要"):
                    found.append(f"第 {record['序号']} 条记录保存的文件 {entry['文件']} 与记录的摘要不符（被修改）")
        return found


class ProgressLog(ChainedLog):
    """The 办理反馈 log of one archive root (the workspace's ``outbox/``)."""

    folder_name = FOLDER
    log_name = LOG_NAME
