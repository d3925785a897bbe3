"""The 督办台账 on disk: one SQLite file in the workspace (``.fawen/tasks.db``, beside registry.db).

It is derived data: every row follows from the archive (the 会议纪要 versions and their
处置记录), so ``fawen tasks rebuild`` can always make it again. ``state`` says how far into the
filing register (outbox/归档登记簿.jsonl) it has been brought: the line number, that line's digest
and the register's size in bytes up to it. A ledger behind the register is brought up to date
from the lines after that point (see pipeline.tasks).

Rows are plain mappings whose keys are the column names (those of ``stages.tasks.TaskItem`` and
``TaskChange``); tuples are kept as JSON lists and days as ISO text.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.store.sqlite import immediate

LEDGER_NAME = "tasks.db"
SCHEMA = """
CREATE TABLE IF NOT EXISTS items (       -- one 议定事项 of one 会议纪要
    identity      TEXT    NOT NULL,      -- the 件's 标识
    number        INTEGER NOT NULL,      -- its place in 议定事项, from 1
    id            TEXT    NOT NULL,      -- 纪要2026-4-2
    archive_code  TEXT    NOT NULL,
    source        TEXT    NOT NULL,      -- 文号 or series label
    title         TEXT    NOT NULL,
    version       INTEGER NOT NULL,      -- the version that last set it
    matter        TEXT    NOT NULL,
    lead          TEXT    NOT NULL,      -- 责任单位
    partners      TEXT    NOT NULL,      -- 配合单位, JSON list
    deadline_text TEXT    NOT NULL,      -- 完成时限 as written
    deadline      TEXT    NOT NULL,      -- the day, ISO ('' unknown)
    start         TEXT    NOT NULL,      -- the meeting day, ISO
    category      TEXT    NOT NULL,      -- 督办类别: 议定事项 | 领导交办 | 专项工作
    assigned_by   TEXT    NOT NULL,      -- 交办领导
    campaign      TEXT    NOT NULL,      -- 专项
    status        TEXT    NOT NULL,      -- '' in force | 已撤销 | 已废止 | 已删除
    note          TEXT    NOT NULL,
    registered    TEXT    NOT NULL,
    updated       TEXT    NOT NULL,
    PRIMARY KEY (identity, number)
);
CREATE INDEX IF NOT EXISTS items_id ON items (id);
CREATE TABLE IF NOT EXISTS history (     -- every change to an item: field, old, new, version, when
    identity TEXT    NOT NULL,
    item     TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    action   TEXT    NOT NULL,           -- 登记 修改 删除 恢复 撤销 废止
    field    TEXT    NOT NULL,
    old      TEXT    NOT NULL,
    new      TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    at       TEXT    NOT NULL,           -- the version's 归档时间, or the disposition's 时间
    note     TEXT    NOT NULL,
    PRIMARY KEY (item, identity, seq)
);
CREATE TABLE IF NOT EXISTS progress (    -- every accepted 办理反馈, from outbox/督办反馈/反馈记录.jsonl
    identity     TEXT    NOT NULL,       -- the 件's 标识
    item         TEXT    NOT NULL,       -- 纪要2026-4-2
    seq          INTEGER NOT NULL PRIMARY KEY,  -- its 序号 in the progress log
    day          TEXT    NOT NULL,       -- 日期, ISO
    unit         TEXT    NOT NULL,
    status       TEXT    NOT NULL,       -- 办理中 | 已办结 | 申请延期
    text         TEXT    NOT NULL,       -- 进展
    new_deadline TEXT    NOT NULL,       -- 新时限 asked for ('' none)
    files        TEXT    NOT NULL,       -- evidence, JSON list of {名称, 文件, 摘要}
    at           TEXT    NOT NULL,       -- 登记时间
    digest       TEXT    NOT NULL        -- the log line's 摘要
);
CREATE TABLE IF NOT EXISTS progress_state (  -- how far into the progress log the ledger is
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    size   INTEGER NOT NULL,
    digest TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS state (       -- how far into the filing register the ledger is
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    seq    INTEGER NOT NULL,
    digest TEXT    NOT NULL,
    size   INTEGER NOT NULL
);
"""
ITEM_COLUMNS = ("identity", "number", "id", "archive_code", "source", "title", "version", "matter", "lead", "partners",
                "deadline_text", "deadline", "start", "category", "assigned_by", "campaign", "status", "note",
                "registered", "updated")  # fmt: skip
SCHEMA_VERSION = 2  # 2: 督办类别, 交办领导, 专项
CHANGE_COLUMNS = ("identity", "item", "seq", "action", "field", "old", "new", "version", "at", "note")
PROGRESS_COLUMNS = ("identity", "item", "seq", "day", "unit", "status", "text", "new_deadline", "files", "at", "digest")


def _cell(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


class TaskLedger:
    """The ledger file of one workspace. Writes go through ``transaction()`` (BEGIN IMMEDIATE:
    one writer at a time across processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        with immediate(self._db):
            if int(self._db.execute("PRAGMA user_version").fetchone()[0]) != SCHEMA_VERSION:
                # derived data: a ledger of another shape is dropped whole and rebuilt from the archive
                for table in ("items", "history", "progress", "progress_state", "state"):
                    self._db.execute(f"DROP TABLE IF EXISTS {table}")
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[TaskLedger]:
        with immediate(self._db):
            yield self

    # ---- writing (inside transaction()) -----------------------------------------------------------

    def state(self) -> tuple[int, str, int] | None:
        """(register line, its digest, register bytes up to it); None: never built."""
        row = self._db.execute("SELECT seq, digest, size FROM state WHERE id=1").fetchone()
        return (int(row[0]), str(row[1]), int(row[2])) if row else None

    def set_state(self, seq: int, digest: str, size: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO state (id, seq, digest, size) VALUES (1, ?, ?, ?)", (seq, digest, size)
        )

    def clear(self) -> None:
        self._db.execute("DELETE FROM items")
        self._db.execute("DELETE FROM history")

    def progress_state(self) -> tuple[int, str] | None:
        """(progress log bytes, its last 摘要) as last read; None: never read."""
        row = self._db.execute("SELECT size, digest FROM progress_state WHERE id=1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def set_progress(self, rows: Iterable[Mapping[str, Any]], state: tuple[int, str]) -> None:
        """Every feedback row, instead of those there were (the log is small: read whole)."""
        self._db.execute("DELETE FROM progress")
        marks = ", ".join("?" * len(PROGRESS_COLUMNS))
        self._db.executemany(f"INSERT INTO progress ({', '.join(PROGRESS_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                             [tuple(_cell(r[c]) for c in PROGRESS_COLUMNS) for r in rows])  # fmt: skip
        self._db.execute("INSERT OR REPLACE INTO progress_state (id, size, digest) VALUES (1, ?, ?)", state)

    def replace(self, identity: str, items: Iterable[Mapping[str, Any]], changes: Iterable[Mapping[str, Any]]) -> None:
        """The rows of one 件, instead of those it had."""
        self._db.execute("DELETE FROM items WHERE identity=?", (identity,))
        self._db.execute("DELETE FROM history WHERE identity=?", (identity,))
        marks = ", ".join("?" * len(ITEM_COLUMNS))
        self._db.executemany(f"INSERT INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                             [tuple(_cell(i[c]) for c in ITEM_COLUMNS) for i in items])  # fmt: skip
        marks = ", ".join("?" * len(CHANGE_COLUMNS))
        self._db.executemany(f"INSERT INTO history ({', '.join(CHANGE_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                             [tuple(_cell(c[k]) for k in CHANGE_COLUMNS) for c in changes])  # fmt: skip

    # ---- reading ----------------------------------------------------------------------------------

    def items(self) -> list[dict[str, Any]]:
        """Every item, in meeting order (the meeting day, then the id's number parts)."""
        rows = self._db.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM items").fetchall()  # noqa: S608
        return sorted((_item(r) for r in rows), key=lambda d: (d["start"], d["archive_code"], d["number"]))

    def find(self, item_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM items WHERE id=?", (item_id,))  # noqa: S608
        return [_item(r) for r in rows]

    def history(self, identity: str, item_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM history WHERE identity=? AND item=? "  # noqa: S608
                                "ORDER BY seq", (identity, item_id))  # fmt: skip
        return [dict(zip(CHANGE_COLUMNS, r, strict=True)) for r in rows]

    def progress(self, identity: str = "", item_id: str = "") -> list[dict[str, Any]]:
        """Feedback rows in log order: all, or those of one item."""
        where, args = ("WHERE identity=? AND item=?", (identity, item_id)) if item_id else ("", ())
        rows = self._db.execute(f"SELECT {', '.join(PROGRESS_COLUMNS)} FROM progress {where} ORDER BY seq", args)  # noqa: S608
        return [{**dict(zip(PROGRESS_COLUMNS, r, strict=True)), "files": json.loads(str(r[8]))} for r in rows]

    def dump(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of both tables in a fixed order: two ledgers are the same exactly when their
        dumps are equal (``tasks rebuild`` against the ledger kept up while filing)."""
        items = self._db.execute(f"SELECT {', '.join(ITEM_COLUMNS)} FROM items ORDER BY identity, number").fetchall()  # noqa: S608
        changes = self._db.execute(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM history "  # noqa: S608
                                   "ORDER BY identity, item, seq").fetchall()  # fmt: skip
        progress = self._db.execute(f"SELECT {', '.join(PROGRESS_COLUMNS)} FROM progress ORDER BY seq").fetchall()  # noqa: S608
        return {"items": [tuple(r) for r in items], "history": [tuple(r) for r in changes],
                "progress": [tuple(r) for r in progress]}  # fmt: skip


def _item(row: tuple[object, ...]) -> dict[str, Any]:
    d = dict(zip(ITEM_COLUMNS, row, strict=True))
    d["partners"] = tuple(json.loads(str(d["partners"])))
    for key in ("deadline", "start"):
        d[key] = dt.date.fromisoformat(str(d[key])) if d[key] else None
    return d
