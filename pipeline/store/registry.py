"""The number registry (编号登记簿): 发文字号 per 机关代字 and year, 期号 per series and year,
件号 per lowest archive class. One SQLite file in the workspace.

Numbers are allocated inside ``BEGIN IMMEDIATE`` transactions, which SQLite serialises across
processes and threads on every platform (no POSIX-only locks): the next number is one past the
highest ever recorded for its series, so numbers are never reused and leave no gaps. A number is
first *reserved* by a process and becomes *issued* when its document is filed; a reservation whose
process died is *voided* with a reason, so a consumed number is always accounted for.

Nothing is skipped silently: an input that gives a number above the next free one records every
number in between as *skipped* (with the reason; such a number may still be claimed by an input
that gives it, or voided). A number an input gives is the document's own, not one the registry
handed out: when its filing fails it is *released* (skipped again, with the reason) for the
corrected input to claim, where a number the registry allocated is voided. A person voids only numbers that exist and are not yet voided; a number
of a filed 件 is voided only by that 件's 撤销 (``record_disposition``), which also keeps the
witness of every 件's disposition log (count and last digest) that ``archive verify`` checks.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import NotRequired
from typing import TypedDict

from pipeline.errors import FawenError
from pipeline.frozen import frozen
from pipeline.numbertext import ranges
from pipeline.store.sqlite import immediate

SCHEMA = """
CREATE TABLE IF NOT EXISTS numbers (
    series   TEXT    NOT NULL,   -- 机关代字 (罕政发), 期号 series (会议纪要), or 件号 class (2026/Y/XF)
    kind     TEXT    NOT NULL,   -- 发文字号 | 期号 | 件号
    year     INTEGER NOT NULL,
    seq      INTEGER NOT NULL,
    status   TEXT    NOT NULL,   -- reserved | issued | voided | skipped
    identity TEXT    NOT NULL DEFAULT '',  -- the document's identity (for clash checks)
    title    TEXT    NOT NULL DEFAULT '',
    pid      INTEGER NOT NULL DEFAULT 0,
    host     TEXT    NOT NULL DEFAULT '',
    reason   TEXT    NOT NULL DEFAULT '',
    changed  TEXT    NOT NULL,
    person   TEXT    NOT NULL DEFAULT '',
    given    INTEGER NOT NULL DEFAULT 0,  -- 1: claimed as an input gave it (released, not voided, on failure)
    PRIMARY KEY (kind, series, year, seq)
);
CREATE TABLE IF NOT EXISTS dispositions (  -- witness of each 件's 处置记录.jsonl, line by line
    identity TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    action   TEXT    NOT NULL,
    digest   TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    PRIMARY KEY (identity, seq)
);
CREATE TABLE IF NOT EXISTS log_heads (  -- the last line of each chained log in the archive (办理反馈, 信访信息, 联络员备案)
    name   TEXT    PRIMARY KEY,  -- the log's path in the archive
    seq    INTEGER NOT NULL,
    digest TEXT    NOT NULL,
    at     TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS register_head (  -- the last line of outbox/归档登记簿.jsonl, kept apart from it
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    seq    INTEGER NOT NULL,
    digest TEXT    NOT NULL,
    size   INTEGER NOT NULL,   -- bytes of the register up to and including that line
    at     TEXT    NOT NULL
);
"""
AUTOMATIC = "fawen（自动）"  # the person of a void the program made (a failed or interrupted filing)


class RegistryError(FawenError):
    """A number that cannot be used (clash, bad form) or voided (never issued, voided already)."""


class NumberIssued(RegistryError):
    """A number that belongs to a filed 件: only the 件's 撤销 voids it."""

    def __init__(self, message: str, record: NumberRecord) -> None:
        super().__init__(message)
        self.record = record


@frozen
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
    person: str = ""
    pid: int = 0
    given: bool = False  # claimed as an input gave it, not allocated
    host: str = ""  # the machine of the process that reserved it ('' in registries before hosts were kept)

    @property
    def label(self) -> str:
        return _label(self.kind, self.series, self.year, self.seq)

    def as_dict(self) -> dict[str, object]:
        return {"类别": self.kind, "系列": self.series, "年度": self.year, "序号": self.seq, "编号": self.label,
                "状态": STATUS_CN.get(self.status, self.status), "标识": self.identity, "标题": self.title,
                "原因": self.reason, "时间": self.changed, "经办人": self.person}  # fmt: skip


STATUS_CN = {"reserved": "已预留", "issued": "已使用", "voided": "已作废", "skipped": "已跳过"}
RECORD_COLUMNS = "kind, series, year, seq, status, identity, title, reason, changed, person, pid, given, host"


def _now(zone: dt.tzinfo | None = None) -> str:
    """Now in the workspace's time zone (its 时区), else the machine's."""
    now = dt.datetime.now().astimezone()
    return (now.astimezone(zone) if zone else now).isoformat(timespec="seconds")


def this_host() -> str:
    """The machine's name, recorded with each reservation: a process id means something only on
    the machine (and in the process namespace) that gave it."""
    return os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")


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

    def __init__(self, path: Path, zone: dt.tzinfo | None = None) -> None:
        self.path = path
        self.zone = zone
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Registries made before persons, or given numbers, were recorded gain the column."""
        added = (("person", "TEXT NOT NULL DEFAULT ''"), ("given", "INTEGER NOT NULL DEFAULT 0"))
        if {name for name, _ in added} <= {row[1] for row in self._db.execute("PRAGMA table_info(numbers)")}:
            return
        with immediate(self._db) as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(numbers)")}
            for name, definition in added:
                if name not in columns:
                    db.execute(f"ALTER TABLE numbers ADD COLUMN {name} {definition}")

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
                (
                    series,
                    kind,
                    year,
                    seq,
                    identity,
                    title,
                    os.getpid(),
                    this_host(),
                    _now(self.zone),
                ),
            )
        return seq

    def claim(self, kind: str, series: str, year: int, seq: int, identity: str, title: str = "", by: str = "") -> None:
        """Record a number given in an input; refuse it if another document holds it or it was
        voided. A number above the next free one records each number in between as skipped."""
        with immediate(self._db) as db:
            row = _get(db, kind, series, year, seq)
            if row is None:
                label = _label(kind, series, year, seq)
                for skipped in range(_top(db, kind, series, year) + 1, seq):
                    db.execute("INSERT INTO numbers (series, kind, year, seq, status, reason, person, changed)"
                               " VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?)",
                               (series, kind, year, skipped, f"输入直接给定了{label}（{title}），此前的编号未经登记簿发出",
                                by, _now(self.zone)))  # fmt: skip
                db.execute(
                    "INSERT INTO numbers (series, kind, year, seq, status, identity, title, pid, host, person, changed,"
                    " given) VALUES (?, ?, ?, ?, 'reserved', ?, ?, ?, ?, ?, ?, 1)",
                    (series, kind, year, seq, identity, title, os.getpid(), this_host(), by, _now(self.zone)),
                )
                return
            if row.status == "voided":
                raise RegistryError(f"{kind}「{row.label}」已作废，不能再使用（{voided_text(row)}）。")
            if row.status == "skipped":  # an older number issued outside fawen, filed now
                db.execute("UPDATE numbers SET status='reserved', identity=?, title=?, pid=?, host=?, person=?, changed=?, "
                           "given=1 WHERE kind=? AND series=? AND year=? AND seq=?",
                           (identity, title, os.getpid(), this_host(), by, _now(self.zone), kind, series, year, seq))  # fmt: skip
                return
            if row.identity and row.identity != identity:
                raise RegistryError(f"{kind}「{row.label}」已被另一份公文使用（{row.title or row.identity}）。")

    def issue(self, kind: str, series: str, year: int, seq: int, identity: str, title: str) -> None:
        """The document holding a reserved number has been filed."""
        with immediate(self._db) as db:
            db.execute("UPDATE numbers SET status='issued', identity=?, title=?, changed=? "
                       "WHERE kind=? AND series=? AND year=? AND seq=? AND status!='voided'",
                       (identity, title, _now(self.zone), kind, series, year, seq))  # fmt: skip

    def void(self, kind: str, series: str, year: int, seq: int, reason: str, by: str = AUTOMATIC) -> NumberRecord:
        """Void a number, with a reason and a person. Refused (RegistryError, the message says why):
        a number never issued (the message names the next), one voided already (it shows the first
        void), one of a filed 件 (NumberIssued: only the 件's 撤销 voids it), one another running
        process is filing. A hole below the last number (an older registry) may be voided."""
        label = _label(kind, series, year, seq)
        with immediate(self._db) as db:
            row = _get(db, kind, series, year, seq)
            if row is None:
                top = _top(db, kind, series, year)
                if seq > top:
                    done = f"已发到{_label(kind, series, year, top)}" if top else "还没有发出过编号"
                    raise RegistryError(f"{label}从未发出，不能作废：{series} {year}年{done}，"
                                        f"下一个是{_label(kind, series, year, top + 1)}。")  # fmt: skip
                db.execute("INSERT INTO numbers (series, kind, year, seq, status, reason, person, changed)"
                           " VALUES (?, ?, ?, ?, 'voided', ?, ?, ?)", (series, kind, year, seq, reason, by, _now(self.zone)))  # fmt: skip
            elif row.status == "voided":
                raise RegistryError(f"{label}已作废，不能重复作废（{voided_text(row)}）。")
            elif row.status == "issued":
                raise NumberIssued(f"{label}属于已归档的公文「{row.title}」，不能单独作废。请处置该件：撤销（编号随之作废）"
                                   f"用 fawen archive withdraw {label} --reason 原因；废止用 fawen archive repeal；"
                                   f"更正用 fawen archive correct。", row)  # fmt: skip
            elif (
                row.status == "reserved"
                and row.host in ("", this_host())
                and row.pid != os.getpid()
                and _alive(row.pid)
            ):
                raise RegistryError(f"{label}正由另一个进程（{row.pid}）归档，不能作废。")
            else:
                db.execute("UPDATE numbers SET status='voided', reason=?, person=?, changed=? "
                           "WHERE kind=? AND series=? AND year=? AND seq=?", (reason, by, _now(self.zone), kind, series, year, seq))  # fmt: skip
            return _get(db, kind, series, year, seq)  # type: ignore[return-value]

    def give_back(self, kind: str, series: str, year: int, seq: int, why: str) -> None:
        """A number drawn for a filing that did not land (``why`` says what happened): one the
        input gave is released, skipped again and free for the corrected input to claim; one the
        registry allocated is voided, never to be used."""
        with immediate(self._db) as db:
            row = _get(db, kind, series, year, seq)
            if row is not None and row.status == "reserved" and row.given:
                db.execute("UPDATE numbers SET status='skipped', reason=?, person=?, pid=0, changed=? "
                           "WHERE kind=? AND series=? AND year=? AND seq=?",
                           (f"{why}，输入给定的编号未用，仍可由输入给定", AUTOMATIC, _now(self.zone),
                            kind, series, year, seq))  # fmt: skip
                return
        self.void(kind, series, year, seq, f"{why}，编号作废不再使用")

    def get(self, kind: str, series: str, year: int, seq: int) -> NumberRecord | None:
        return _get(self._db, kind, series, year, seq)

    def next_seq(self, kind: str, series: str, year: int) -> int:
        return _top(self._db, kind, series, year) + 1

    def number_of(self, identity: str) -> NumberRecord | None:
        """The 发文字号 or 期号 a filed 件 carries: issued, or voided by its 撤销."""
        row = self._db.execute(f"SELECT {RECORD_COLUMNS} FROM numbers WHERE identity=? AND kind IN ('发文字号', '期号') "
                               "AND (status='issued' OR (status='voided' AND reason LIKE '撤销：%')) "
                               "ORDER BY status='issued' DESC LIMIT 1", (identity,)).fetchone()  # fmt: skip
        return _record(row) if row else None

    def record_disposition(self, event: dict[str, object], number: NumberRecord | None = None) -> None:
        """Witness one line of a 件's 处置记录 and, for a 撤销, void the 件's number with the
        event's reason, person and time: one transaction."""
        with immediate(self._db) as db:
            db.execute("INSERT INTO dispositions (identity, seq, action, digest, at) VALUES (?, ?, ?, ?, ?)",
                       (event["标识"], event["序号"], event["行为"], event["摘要"], event["时间"]))  # fmt: skip
            if number is not None:
                db.execute("UPDATE numbers SET status='voided', reason=?, person=?, changed=? "
                           "WHERE kind=? AND series=? AND year=? AND seq=?",
                           (f"撤销：{event['原因']}", event["人"], event["时间"], number.kind, number.series, number.year,
                            number.seq))  # fmt: skip

    def witness(self, identity: str) -> list[tuple[int, str, str]]:
        """[(line number, action, digest)] recorded for one 件's 处置记录."""
        return [tuple(r) for r in self._db.execute("SELECT seq, action, digest FROM dispositions WHERE identity=? "
                                                   "ORDER BY seq", (identity,))]  # fmt: skip

    def witnesses(self) -> dict[str, list[tuple[int, str, str]]]:
        """identity -> [(line number, action, digest)] of every 处置记录 line recorded."""
        out: dict[str, list[tuple[int, str, str]]] = {}
        for identity, seq, action, digest in self._db.execute("SELECT identity, seq, action, digest FROM dispositions "
                                                              "ORDER BY identity, seq"):  # fmt: skip
            out.setdefault(identity, []).append((seq, action, digest))
        return out

    def log_head(self, name: str) -> tuple[int, str] | None:
        """(序号, 摘要) of a chained log's last line as last appended, kept outside the archive: a
        log cut short, or with its last lines rewritten, no longer reaches it."""
        row = self._db.execute("SELECT seq, digest FROM log_heads WHERE name=?", (name,)).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def set_log_head(self, name: str, seq: int, digest: str) -> None:
        with immediate(self._db) as db:
            db.execute("INSERT OR REPLACE INTO log_heads (name, seq, digest, at) VALUES (?, ?, ?, ?)",
                       (name, seq, digest, _now(self.zone)))  # fmt: skip

    def register_head(self) -> tuple[int, str, int] | None:
        """(序号, 摘要, size in bytes) of the filing register's last line as last written, or None
        before the register was started: a witness kept outside the archive."""
        row = self._db.execute("SELECT seq, digest, size FROM register_head WHERE id=1").fetchone()
        return (int(row[0]), str(row[1]), int(row[2])) if row else None

    def set_register_head(self, seq: int, digest: str, size: int) -> None:
        with immediate(self._db) as db:
            db.execute("INSERT OR REPLACE INTO register_head (id, seq, digest, size, at) VALUES (1, ?, ?, ?, ?)",
                       (seq, digest, size, _now(self.zone)))  # fmt: skip

    def orphans(self) -> list[NumberRecord]:
        """Reservations of processes that no longer run (a crash mid-filing). Only this machine's
        are judged: a process id from another machine (or container) says nothing here, so its
        reservation stays until that machine settles it or a person voids it (``void``)."""
        rows = self._db.execute(f"SELECT {RECORD_COLUMNS} FROM numbers WHERE status='reserved' AND host IN ('', ?)",
                                (this_host(),)).fetchall()  # fmt: skip  # noqa: S608
        return [r for r in map(_record, rows) if r.pid != os.getpid() and not _alive(r.pid)]

    def settle(self, record: NumberRecord, used: bool) -> None:
        """An orphaned reservation: issued if its document reached the archive, else given back
        (voided; released when the input gave it)."""
        if used:
            self.issue(record.kind, record.series, record.year, record.seq, record.identity, record.title)
        else:
            self.give_back(record.kind, record.series, record.year, record.seq, "处理中断（进程已退出）")

    def records(self, kind: str | None = None, year: int | None = None) -> list[NumberRecord]:
        sql = f"SELECT {RECORD_COLUMNS} FROM numbers"  # noqa: S608
        where: list[str] = []
        args: list[str | int] = []
        if kind:
            where.append("kind=?")
            args.append(kind)
        if year:
            where.append("year=?")
            args.append(year)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY kind, series, year, seq"
        return [_record(row) for row in self._db.execute(sql, args).fetchall()]


def _record(row: tuple[object, ...]) -> NumberRecord:
    """A row of RECORD_COLUMNS; SQLite keeps ``given`` as 0 or 1."""
    return NumberRecord(*row[:-2], given=bool(row[-2]), host=str(row[-1]))  # type: ignore[arg-type,misc]


def _get(db: sqlite3.Connection, kind: str, series: str, year: int, seq: int) -> NumberRecord | None:
    row = db.execute(f"SELECT {RECORD_COLUMNS} FROM numbers WHERE kind=? AND series=? AND year=? AND seq=?",  # noqa: S608
                     (kind, series, year, seq)).fetchone()  # fmt: skip
    return _record(row) if row else None


def _top(db: sqlite3.Connection, kind: str, series: str, year: int) -> int:
    row = db.execute(
        "SELECT MAX(seq) FROM numbers WHERE kind=? AND series=? AND year=?", (kind, series, year)
    ).fetchone()
    return int(row[0] or 0)


GAP_CN = {"voided": "作废", "skipped": "跳过", "reserved": "预留中", "": "无记录"}


class NumberGap(TypedDict):
    """A run of numbers not used (起–止) with its explanation; 编号 is added once the run is complete."""

    起: int
    止: int
    状态: str
    原因: str
    经办人: str
    时间: str
    编号: NotRequired[str]


class SeriesReport(TypedDict):
    """One series in ``series_report``."""

    类别: str
    系列: str
    年度: int
    已使用: str
    已使用数: int
    下一个: str
    空号: list[NumberGap]
    未说明: int


def series_report(records: list[NumberRecord]) -> list[SeriesReport]:
    """Every series (kind, series, year): the numbers used as ranges, the next one, and each run
    of numbers not used with its explanation (作废/跳过: when, why, by whom; 预留中: a filing in
    progress or interrupted; 无记录: a hole nothing explains)."""
    groups: dict[tuple[str, str, int], dict[int, NumberRecord]] = {}
    for record in records:
        groups.setdefault((record.kind, record.series, record.year), {})[record.seq] = record
    out: list[SeriesReport] = []
    for (kind, series, year), by_seq in sorted(groups.items()):
        top = max(by_seq)
        gaps: list[NumberGap] = []
        for seq in range(1, top + 1):
            r = by_seq.get(seq)
            if r is not None and r.status == "issued":
                continue
            status = r.status if r else ""
            why = (GAP_CN[status], r.reason if r else "", r.person if r else "", r.changed if r else "")
            last = gaps[-1] if gaps else None
            if last and last["止"] == seq - 1 and (last["状态"], last["原因"], last["经办人"], last["时间"]) == why:
                last["止"] = seq
                continue
            gaps.append({"起": seq, "止": seq, "状态": why[0], "原因": why[1], "经办人": why[2], "时间": why[3]})
        for g in gaps:
            g["编号"] = _label(kind, series, year, g["起"], g["止"])
        issued = [seq for seq, r in by_seq.items() if r.status == "issued"]
        out.append(
            {
                "类别": kind,
                "系列": series,
                "年度": year,
                "已使用": ranges(issued),
                "已使用数": len(issued),
                "下一个": _label(kind, series, year, top + 1),
                "空号": gaps,
                "未说明": sum(int(g["止"]) - int(g["起"]) + 1 for g in gaps if g["状态"] == "无记录"),
            }
        )
    return out


def voided_text(record: NumberRecord) -> str:
    """When, by whom and why a number was voided."""
    return f"{record.changed} 由 {record.person or '（未记录）'} 作废，原因：{record.reason or '（未记录）'}"


def _label(kind: str, series: str, year: int, seq: int, last: int | None = None) -> str:
    """罕政发〔2026〕7号, 会议纪要 2026年第4期, 2026/Y/XF-0007; with ``last`` a range (1–3号)."""
    if kind == "发文字号":
        return f"{series}〔{year}〕{seq}" + (f"–{last}" if last and last != seq else "") + "号"
    if kind == "期号":
        return f"{series} {year}年第{seq}" + (f"–{last}" if last and last != seq else "") + "期"
    return f"{series}-{seq:04d}" + (f"–{last:04d}" if last and last != seq else "")
