"""The number registry (编号登记簿): 发文字号 per 机关代字 and year, 期号 per series and year,
件号 per lowest archive class. One SQLite file in the workspace.

Numbers are allocated inside ``BEGIN IMMEDIATE`` transactions, which SQLite serialises across
processes and threads on every platform (no POSIX-only locks): the next number is one past the
highest ever recorded for its series, so numbers are never reused and leave no gaps. A number is
first *reserved* by a process and becomes *issued* when its document is filed; a reservation whose
process died is *voided* with a reason, so a consumed number is always accounted for.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import FawenError
from pipeline.store.sqlite import immediate

SCHEMA = """
CREATE TABLE IF NOT EXISTS numbers (
    series   TEXT    NOT NULL,   -- 机关代字 (罕政发), 期号 series (会议纪要), or 件号 class (2026/Y/XF)
    kind     TEXT    NOT NULL,   -- 发文字号 | 期号 | 件号
    year     INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    status   TEXT    NOT NULL,   -- reserved | issued | voided
    identity TEXT    NOT NULL DEFAULT '',  -- the document's identity (for clash checks)
    title    TEXT    NOT NULL DEFAULT '',
    pid      INTEGER NOT NULL DEFAULT 0,
    host     TEXT    NOT NULL DEFAULT '',
    reason   TEXT    NOT NULL DEFAULT '',
    changed  TEXT    NOT NULL,
    PRIMARY KEY (kind, series, year, seq)
);
"""


class RegistryError(FawenError):
    """A number that cannot be used (clash, bad form)."""


@dataclass(frozen=True)
class NumberRecord:
    kind: str
    series: str
    year: int
    seq: int
    status: str
    identity: str
    title: str
    reason: str
    changed: str

    def as_dict(self) -> dict[str, object]:
        return {"类别": self.kind, "系列": self.series, "年度": self.year, "序号": self.seq,
                "状态": STATUS_CN.get(self.status, self.status), "标识": self.identity, "标题": self.title,
                "原因": self.reason, "时间": self.changed}  # fmt: skip


STATUS_CN = {"reserved": "已预留", "issued": "已使用", "voided": "已作废"}


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
            return True
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Registry:
    """The registry file of one workspace."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def reserve(self, kind: str, series: str, year: int, identity: str = "", title: str = "") -> int:
        """The next number of a series, reserved for this process."""
        with immediate(self._db) as db:
            row = db.execute("SELECT MAX(seq) FROM numbers WHERE kind=? AND series=? AND year=?",
                             (kind, series, year)).fetchone()  # fmt: skip
            seq = (row[0] or 0) + 1
            db.execute(
                "INSERT INTO numbers (series, kind, year, seq, status, identity, title, pid, host, changed)"
                " VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?, ?)",
                (series, kind, year, seq, identity, title, os.getpid(), os.uname().nodename if hasattr(os, "uname") else "", _now()),
            )
        return seq

    def claim(self, kind: str, series: str, year: int, seq: int, identity: str, title: str = "") -> None:
        """Record a number given in an input; refuse it if another document holds it."""
        with immediate(self._db) as db:
            row = db.execute("SELECT status, identity, title FROM numbers WHERE kind=? AND series=? AND year=? AND seq=?",
                             (kind, series, year, seq)).fetchone()  # fmt: skip
            if row is None:
                db.execute(
                    "INSERT INTO numbers (series, kind, year, seq, status, identity, title, pid, changed)"
                    " VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?)",
                    (series, kind, year, seq, identity, title, os.getpid(), _now()),
                )
                return
            status, owner, owner_title = row
            if status == "voided":
                raise RegistryError(f"{kind}「{_label(kind, series, year, seq)}」已作废，不能再使用。")
            if owner and owner != identity:
                raise RegistryError(f"{kind}「{_label(kind, series, year, seq)}」已被另一份公文使用（{owner_title or owner}）。")

    def issue(self, kind: str, series: str, year: int, seq: int, identity: str, title: str) -> None:
        """The document holding a reserved number has been filed."""
        with immediate(self._db) as db:
            db.execute("UPDATE numbers SET status='issued', identity=?, title=?, changed=? "
                       "WHERE kind=? AND series=? AND year=? AND seq=? AND status!='voided'",
                       (identity, title, _now(), kind, series, year, seq))  # fmt: skip

    def void(self, kind: str, series: str, year: int, seq: int, reason: str) -> None:
        with immediate(self._db) as db:
            row = db.execute("SELECT status FROM numbers WHERE kind=? AND series=? AND year=? AND seq=?",
                             (kind, series, year, seq)).fetchone()  # fmt: skip
            if row is None:
                db.execute("INSERT INTO numbers (series, kind, year, seq, status, reason, changed) VALUES (?, ?, ?, ?, 'voided', ?, ?)",
                           (series, kind, year, seq, reason, _now()))  # fmt: skip
            else:
                db.execute("UPDATE numbers SET status='voided', reason=?, changed=? WHERE kind=? AND series=? AND year=? AND seq=?",
                           (reason, _now(), kind, series, year, seq))  # fmt: skip

    def orphans(self) -> list[NumberRecord]:
        """Reservations of processes that no longer run (a crash mid-filing)."""
        rows = self._db.execute("SELECT kind, series, year, seq, status, identity, title, reason, changed, pid "
                                "FROM numbers WHERE status='reserved'").fetchall()  # fmt: skip
        return [NumberRecord(*r[:9]) for r in rows if r[9] != os.getpid() and not _alive(r[9])]

    def settle(self, record: NumberRecord, used: bool) -> None:
        """An orphaned reservation: issued if its document reached the archive, else voided."""
        if used:
            self.issue(record.kind, record.series, record.year, record.seq, record.identity, record.title)
        else:
            self.void(record.kind, record.series, record.year, record.seq, "处理中断（进程已退出），编号作废不再使用")

    def records(self, kind: str | None = None, year: int | None = None) -> list[NumberRecord]:
        sql = "SELECT kind, series, year, seq, status, identity, title, reason, changed FROM numbers"
        where, args = [], []
        if kind:
            where.append("kind=?")
            args.append(kind)
        if year:
            where.append("year=?")
            args.append(year)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY kind, series, year, seq"
        return [NumberRecord(*row) for row in self._db.execute(sql, args).fetchall()]


def _label(kind: str, series: str, year: int, seq: int) -> str:
    if kind == "发文字号":
        return f"{series}〔{year}〕{seq}号"
    if kind == "期号":
        return f"{series}{year}年第{seq}期"
    return f"{series}-{seq:04d}"
