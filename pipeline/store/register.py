"""The filing register (归档登记簿): an append-only, hash-chained account of everything that changes
what the archive holds, in ``outbox/归档登记簿.jsonl``.

One JSON object per line: 序号 (1, 2, …), 时间 (the workspace's zone; never earlier than the line
before), 行为 (归档, 新版本, 撤销, 废止, 更正, 作废, 接管), what it concerns (档号, 版本, 路径 and, for a
version, 清单SHA256: the SHA-256 of its manifest at filing time), 前摘要 (the previous line's 摘要;
64 zeros for the first) and 摘要 (SHA-256 of the line's canonical JSON without 摘要). An edited line
breaks its own digest, a removed, inserted or reordered one breaks the chain, and a forged version
no longer matches the manifest digest written when it was filed.

Between appends the file is read-only; an append copies it to a temporary file, adds the line,
syncs, makes it read-only and renames it over the old one: a crash leaves the old register or the
new one. Its head (序号, 摘要, size in bytes) is also kept in the workspace's registry database, so
a register cut short, deleted, or rewritten consistently from some line on shows against it.

Archives filed before the register existed are adopted on first use: one 接管 line per version in
the tree as it is then, and per 处置记录 line, so they keep working and are watched from then on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from pipeline import disposition
from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.store import regular

REGISTER_NAME = "归档登记簿.jsonl"
FILED, NEW_VERSION, ADOPTED, VOIDED = "归档", "新版本", "接管", "作废"
GENESIS = "0" * 64
TAIL = 1 << 16  # bytes read back to find the head line (a line is well under 2 KB)


digest = disposition.digest


def line(entry: dict[str, object]) -> bytes:
    return (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def chain_problems(
    text: str, head: tuple[int, str, int] | None, entries: list[dict[str, object]] | None = None
) -> list[str]:
    """Everything wrong with a register's own chain, and against the head the registry keeps
    (``entries``: the text already parsed)."""
    found: list[str] = []
    if text and not text.endswith("\n"):
        found.append("归档登记簿最后一行不完整（被截断）")
    last_time = ""
    entries = disposition.parse(text) if entries is None else entries
    for n, entry, common in disposition.chain_walk(entries, "归档登记簿", "条"):
        found += common
        if not entry:
            continue
        when = _time(entry.get("时间"))
        if when is None:
            found.append(f"归档登记簿第 {n} 条的时间不对（须带时区）：{entry.get('时间')}")
        elif last_time and when < _time(last_time):  # type: ignore[operator]
            found.append(f"归档登记簿第 {n} 条的时间 {entry.get('时间')} 早于上一条 {last_time}（时间被改早）")
        last_time = str(entry.get("时间")) if when else last_time
    found += _against_head(entries, head)
    return found


def _against_head(entries: list[dict[str, object]], head: tuple[int, str, int] | None) -> list[str]:
    """The register against the last line the workspace's registry saw written."""
    if head is None:
        return ["工作区登记簿（.fawen/registry.db）中没有归档登记簿的末条记录"] if entries else []
    seq, last, _size = head
    if seq and not entries:
        return [f"归档登记簿不见了或被清空：工作区登记簿记下它已写到第 {seq} 条"]
    if seq == 0 and entries:
        return [f"归档登记簿比工作区登记簿记下的多出 {len(entries)} 条（被添加，或写入中断；下次归档时补记）"]
    if seq == 0:
        return []
    if len(entries) < seq:
        return [f"归档登记簿只有 {len(entries)} 条，工作区登记簿记下已写到第 {seq} 条：有条目被删除或截断"]
    if entries[seq - 1].get("摘要") != last:
        return [f"归档登记簿第 {seq} 条的摘要与工作区登记簿记下的不符：登记簿被改写"]
    if len(entries) > seq:
        return [f"归档登记簿比工作区登记簿记下的多出 {len(entries) - seq} 条（被添加，或写入中断；下次归档时补记）"]
    return []


def _is_head(before: bytes, seq: int, last: str) -> bool:
    """Whether the line that ends at the witnessed size is the witnessed head, unaltered."""
    if not before.endswith(b"\n"):
        return False
    tail = disposition.parse(before.decode("utf-8", "replace").splitlines()[-1])
    return bool(tail) and tail[-1].get("序号") == seq and tail[-1].get("摘要") == last and digest(tail[-1]) == last


def _time(value: object) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def version_fields(folder: Path, root: Path, record: dict[str, Any], manifest: bytes) -> dict[str, object]:
    """What a register line says about one version: where it is and what its manifest was."""
    return {"档号": record.get("档号", ""), "版本": record.get("版本", 0), "标识": record.get("标识", ""),
            "文号": record.get("文号", ""), "路径": folder.relative_to(root).as_posix(),
            "清单SHA256": hashlib.sha256(manifest).hexdigest()}  # fmt: skip


class Register:
    """The register of one archive, with the registry that witnesses its head. Every method that
    writes expects the caller to hold the archive lock."""

    def __init__(self, root: Path, registry: Any) -> None:
        self.root = root
        self.path = root / REGISTER_NAME
        self.registry = registry

    def text(self) -> str:
        """The register as written; regular.NotRegularFile when it is a FIFO, a device …: never read."""
        return regular.read_text(self.path) if self.path.exists() else ""

    def entries(self) -> list[dict[str, object]]:
        return disposition.parse(self.text())

    def problems(self) -> list[str]:
        return chain_problems(self.text(), self.registry.register_head())

    def adopt_if_new(self, archive: Any) -> bool:
        """First use only (no register, no head): adopt the archive. Read-only commands call this,
        never ``prepare``: a line beyond the head stays a finding until a filing settles it."""
        if self.registry.register_head() is None and not self.path.exists():
            self.adopt(archive)
            return True
        return False

    def prepare(self, archive: Any) -> str:
        """Before an append: adopt the archive on first use, move the witnessed head over lines a
        crash kept from being witnessed; '' when the register can take a line, else why not."""
        head = self.registry.register_head()
        if head is None and not self.path.exists():
            self.adopt(archive)
            return ""
        if head is None:
            return "归档登记簿存在，但工作区登记簿（.fawen/registry.db）中没有它的末条记录"
        if not self.path.exists():
            return f"归档登记簿（{REGISTER_NAME}）不见了，工作区登记簿记下它已写到第 {head[0]} 条"
        return self._catch_up(head)

    def _catch_up(self, head: tuple[int, str, int]) -> str:
        seq, last, size = head
        if self.path.stat().st_size < size:
            return "归档登记簿比工作区登记簿记下的短：末尾被删除或截断"
        with self.path.open("rb") as fh:
            fh.seek(max(0, size - TAIL))
            before = fh.read(size - max(0, size - TAIL))
            after = fh.read()
        if seq and not _is_head(before, seq, last):
            return "归档登记簿与工作区登记簿记下的末条不符（被改写、截断或删除）"
        previous, n = last, seq
        extra = disposition.parse(after.decode("utf-8", "replace"))
        if len(extra) > 1:  # one crash leaves at most one line unwitnessed; more were put there
            return f"归档登记簿比工作区登记簿记下的多出 {len(extra)} 条"
        for entry in extra:
            if entry.get("前摘要") != previous or entry.get("序号") != n + 1 or digest(entry) != entry.get("摘要"):
                return f"归档登记簿第 {n + 1} 条接不上工作区登记簿记下的末条"
            previous, n = str(entry["摘要"]), n + 1
        if n != seq:  # lines written by a filing that died before its witness was updated
            self.registry.set_register_head(n, previous, size + len(after))
        return ""

    def append(self, action: str, fields: dict[str, object]) -> dict[str, object]:
        """Add one line (after ``prepare``): copy, add, sync, read-only, rename; then the witness."""
        head = self.registry.register_head()
        seq, previous = (head[0], head[1]) if head else (0, GENESIS)
        now = dt.datetime.now(self.registry.zone) if self.registry.zone else dt.datetime.now().astimezone()
        last = self._last_time()
        when = max(now, last) if last else now  # a clock set back never makes the register go backwards
        entry: dict[str, object] = {"序号": seq + 1, "时间": when.isoformat(timespec="seconds"), "行为": action,
                                    **fields, "前摘要": previous}  # fmt: skip
        entry["摘要"] = digest(entry)
        size = self._write(line(entry))
        self.registry.set_register_head(seq + 1, str(entry["摘要"]), size)
        return entry

    def _last_time(self) -> dt.datetime | None:
        if not self.path.exists():
            return None
        with self.path.open("rb") as fh:
            fh.seek(max(0, self.path.stat().st_size - TAIL))
            lines = fh.read().decode("utf-8", "replace").splitlines()
        tail = disposition.parse(lines[-1]) if lines else []
        return _time(tail[-1].get("时间")) if tail and tail[-1] else None

    def _write(self, data: bytes) -> int:
        # written in the staging folder (same file system), which the next filer clears: a process
        # killed here leaves no stray file in the archive for verify to report for ever
        staging = self.root / ".staging"
        staging.mkdir(exist_ok=True)
        tmp = staging / f"{self.path.name}.{os.getpid()}.tmp"
        try:
            if self.path.exists():
                shutil.copyfile(self.path, tmp)
            with tmp.open("ab") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                size = fh.tell()
            tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            if os.name == "nt" and self.path.exists():  # Windows will not replace a read-only file
                self.path.chmod(stat.S_IWUSR | stat.S_IRUSR)
            os.replace(tmp, self.path)
        finally:
            if tmp.exists():
                tmp.chmod(stat.S_IWUSR | stat.S_IRUSR)
                tmp.unlink()
        fd = os.open(self.root, os.O_RDONLY) if os.name != "nt" else None
        if fd is not None:
            os.fsync(fd)
            os.close(fd)
        return size

    def landed(self, folder: Path, record: dict[str, Any], manifest: bytes) -> dict[str, object]:
        """The line for a version that has just been put in place."""
        action = FILED if int(record.get("版本", 1) or 1) == 1 else NEW_VERSION
        return self.append(action, version_fields(folder, self.root, record, manifest))

    def landed_if_missing(self, folder: Path) -> None:
        """After a crash between a version's rename and its line: write the line now."""
        rel = folder.relative_to(self.root).as_posix()
        if not (folder / METADATA).is_file() or any(e.get("路径") == rel for e in self.entries()):
            return
        record = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        manifest = (folder / MANIFEST).read_bytes() if (folder / MANIFEST).is_file() else b""
        self.landed(folder, record, manifest)

    def adopt(self, archive: Any) -> int:
        """First use on an archive filed before the register existed: one 接管 line per version
        (oldest filing first) and per 处置记录 line, as the tree is now."""
        versions = []
        for meta in archive.version_records():
            try:
                record = json.loads(regular.read_text(meta))
            except regular.NotRegularFile:
                continue  # a FIFO, a device …: never read (archive verify reports it)
            manifest = regular.read_bytes(meta.with_name(MANIFEST)) if meta.with_name(MANIFEST).is_file() else b""
            fields = {
                **version_fields(meta.parent, self.root, record, manifest),
                "原归档时间": record.get("归档时间", ""),
            }
            versions.append((str(record.get("归档时间", "")), str(fields["路径"]), fields))
        adopted = [fields for *_key, fields in sorted(versions, key=lambda v: v[:2])]
        for item in archive.entries():
            try:
                adopted += [disposition_fields(event, item.path) for event in archive.dispositions(item)]
            except regular.NotRegularFile:
                continue  # a FIFO, a device …: never read (archive verify reports it)
        now = dt.datetime.now(self.registry.zone) if self.registry.zone else dt.datetime.now().astimezone()
        chain: list[dict[str, object]] = []
        for fields in adopted:
            entry: dict[str, object] = {"序号": len(chain) + 1, "时间": now.isoformat(timespec="seconds"),
                                        "行为": ADOPTED, **fields, "前摘要": chain[-1]["摘要"] if chain else GENESIS}  # fmt: skip
            entry["摘要"] = digest(entry)
            chain.append(entry)
        size = self._write(b"".join(line(e) for e in chain))
        self.registry.set_register_head(len(chain), str(chain[-1]["摘要"]) if chain else GENESIS, size)
        return len(chain)


def disposition_fields(event: dict[str, object], entry_path: str) -> dict[str, object]:
    """What a register line says about one 处置记录 line: which 件, which line, its digest."""
    return {"档号": event.get("档号", ""), "标识": event.get("标识", ""), "文号": event.get("文号", ""),
            "路径": f"{entry_path}/{disposition.LOG_NAME}", "处置序号": event.get("序号"), "处置摘要": event.get("摘要"),
            "原行为": event.get("行为")}  # fmt: skip
