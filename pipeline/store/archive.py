"""The archive tree under ``outbox/`` and its index. The only code that writes there.

Every version of a 件 is built in ``outbox/.staging`` (same file system), synced, made
read-only, then renamed into place in one step: a crash leaves the whole version or nothing. The
first version arrives as the whole 件 folder; later ones as ``vN`` folders beside the old ones,
which are never touched. The index (SQLite, ``outbox/.fawen/index.db``) is a cache of the tree:
``reindex`` rebuilds it from the metadata records alone.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.model import METADATA
from pipeline.model import FilingPlan
from pipeline.store.sqlite import immediate

INDEX_VERSION = 2
INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL UNIQUE,
    archive_code TEXT NOT NULL,
    number TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    retention TEXT NOT NULL,
    problem TEXT NOT NULL,
    item INTEGER NOT NULL,
    path TEXT NOT NULL,
    latest INTEGER NOT NULL,
    date TEXT NOT NULL,
    author TEXT NOT NULL,
    pages INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS versions (
    identity TEXT NOT NULL,
    version INTEGER NOT NULL,
    input_sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    filed TEXT NOT NULL,
    PRIMARY KEY (identity, version)
);
CREATE INDEX IF NOT EXISTS versions_digest ON versions (input_sha256);
CREATE INDEX IF NOT EXISTS entries_code ON entries (archive_code);
CREATE INDEX IF NOT EXISTS entries_number ON entries (number);
CREATE VIRTUAL TABLE IF NOT EXISTS fulltext USING fts5(title, body, tokenize='trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS bigrams USING fts5(grams, tokenize='unicode61');
"""


def bigrams(text: str) -> str:
    """Overlapping two-character tokens: lets a two-character Chinese query use an index too
    (the trigram index answers three characters and more)."""
    chars = [ch for ch in text if not ch.isspace()]
    return " ".join("".join(chars[i : i + 2]) for i in range(len(chars) - 1))


COLUMNS_AFTER_IDENTITY = ("archive_code, number, title, kind, year, retention, problem, item, path, latest, date, "
                          "author, pages")  # fmt: skip
COLUMNS = "identity, " + COLUMNS_AFTER_IDENTITY
COLUMNS_E = ", ".join(f"e.{c.strip()}" for c in COLUMNS.split(","))


@dataclass(frozen=True)
class EntryInfo:
    identity: str
    archive_code: str
    number: str
    title: str
    kind: str
    year: int
    retention: str
    problem: str
    item: int
    path: str  # relative to the archive root
    latest: int
    date: str
    author: str
    pages: int

    def as_dict(self) -> dict[str, object]:
        return {"档号": self.archive_code, "文号": self.number, "题名": self.title, "文种": self.kind,
                "年度": self.year, "保管期限": self.retention, "机构问题": self.problem, "件号": self.item,
                "版本": self.latest, "日期": self.date, "责任者": self.author, "页数": self.pages,
                "路径": self.path, "标识": self.identity}  # fmt: skip


class Archive:
    """The archive under one root (the workspace's ``outbox/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.meta_dir = root / ".fawen"
        self.staging = root / ".staging"
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        self._index = sqlite3.connect(self.meta_dir / "index.db", timeout=120, isolation_level=None)
        self._index.execute("PRAGMA journal_mode=WAL")
        stale = self._index.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION
        if stale:  # the index is a cache: a new layout is rebuilt from the tree
            with immediate(self._index) as db:  # one process migrates; the others wait, then see it done
                stale = db.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION
                if stale:
                    for table in ("entries", "versions", "fulltext", "bigrams"):
                        db.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608
                    for statement in INDEX_SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version={INDEX_VERSION}")
        self._lock = sqlite3.connect(self.meta_dir / "lock.db", timeout=600, isolation_level=None)
        self._pending = self.meta_dir / "pending"
        if stale and any(True for _ in self.version_records()):
            self.reindex()

    def close(self) -> None:
        self._index.close()
        self._lock.close()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One filer at a time, across processes (an SQLite write lock: no POSIX-only calls)."""
        with immediate(self._lock):
            yield

    # ---- reading ------------------------------------------------------------------------------

    def entry(self, identity: str) -> EntryInfo | None:
        row = self._index.execute(f"SELECT {COLUMNS} FROM entries WHERE identity=?", (identity,)).fetchone()
        return EntryInfo(*row) if row else None

    def duplicate_of(self, input_sha256: str) -> tuple[EntryInfo, int] | None:
        row = self._index.execute("SELECT identity, version FROM versions WHERE input_sha256=?", (input_sha256,)).fetchone()
        if row is None:
            return None
        entry = self.entry(row[0])
        return (entry, row[1]) if entry else None

    def entries(self, year: int | None = None, kind: str | None = None, retention: str | None = None,
                text: str | None = None) -> list[EntryInfo]:  # fmt: skip
        where, args = [], []
        for column, value in (("year", year), ("kind", kind), ("retention", retention)):
            if value is not None:
                where.append(f"{column}=?")
                args.append(value)
        if text:
            where.append("(title LIKE ? OR number LIKE ? OR archive_code LIKE ?)")
            args += [f"%{text}%"] * 3
        sql = f"SELECT {COLUMNS} FROM entries" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY year, retention, problem, item"
        return [EntryInfo(*r) for r in self._index.execute(sql, args)]

    def find(self, key: str) -> EntryInfo | None:
        """By 档号, 文号 or identity."""
        row = self._index.execute(f"SELECT {COLUMNS} FROM entries WHERE archive_code=? OR number=? OR identity=?",
                                  (key, key, key)).fetchone()  # fmt: skip
        return EntryInfo(*row) if row else None

    def versions(self, identity: str) -> list[tuple[int, str, str, str]]:
        return list(self._index.execute("SELECT version, input_sha256, path, filed FROM versions WHERE identity=? ORDER BY version",
                                        (identity,)))  # fmt: skip

    def max_item(self, year: int, retention: str, problem: str) -> int:
        row = self._index.execute("SELECT MAX(item) FROM entries WHERE year=? AND retention=? AND problem=?",
                                  (year, retention, problem)).fetchone()  # fmt: skip
        return row[0] or 0

    # ---- writing ------------------------------------------------------------------------------

    def write(self, plan: FilingPlan, record: dict[str, object]) -> Path:
        """Put one version in place atomically; returns its folder."""
        entry_dir = self.root.joinpath(*plan.class_path, plan.entry)
        work = self.staging / uuid.uuid4().hex
        try:
            target_root = work / plan.entry if not entry_dir.exists() else work
            version_dir = target_root / plan.version_dir
            version_dir.mkdir(parents=True)
            for name, data in plan.files.items():
                path = version_dir / name
                with path.open("wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # filed files are read-only
            _fsync_dir(version_dir)
            # a crash between the rename and the index update is repaired from this note
            self._pending.write_text(str(entry_dir / plan.version_dir), encoding="utf-8")
            if entry_dir.exists():
                final = entry_dir / plan.version_dir
                if final.exists():
                    raise FileExistsError(final)
                os.rename(version_dir, final)
                _fsync_dir(entry_dir)
            else:
                entry_dir.parent.mkdir(parents=True, exist_ok=True)
                os.rename(target_root, entry_dir)
                _fsync_dir(entry_dir.parent)
                final = entry_dir / plan.version_dir
        finally:
            if work.exists():
                _remove_tree(work)
        self._record(plan, record, final)
        self._pending.unlink(missing_ok=True)
        return final

    def pending(self) -> bool:
        return self._pending.exists()

    def _record(self, plan: FilingPlan, record: dict[str, object], folder: Path, batch: bool = False) -> None:
        """Index one version; ``batch`` when the caller already holds the write transaction."""
        if not batch:
            with immediate(self._index):
                self._record(plan, record, folder, batch=True)
            return
        rel_entry = folder.parent.relative_to(self.root).as_posix()
        rel_version = folder.relative_to(self.root).as_posix()
        r = record
        db = self._index
        previous = db.execute("SELECT id, latest FROM entries WHERE identity=?", (r["标识"],)).fetchone()
        if previous is None or previous[1] <= plan.version:
            values = (r["档号"], r["文号"], r["题名"], r["文种"], r["年度"], r["保管期限"], r["机构问题"], r["件号"],
                      rel_entry, plan.version, r["成文日期"], "、".join(r["责任者"]), r["页数"])  # type: ignore[arg-type]
            if previous is None:
                rowid = db.execute(f"INSERT INTO entries (identity, {COLUMNS_AFTER_IDENTITY}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                   (r["标识"], *values)).lastrowid  # fmt: skip
            else:
                rowid = previous[0]
                db.execute(f"UPDATE entries SET ({COLUMNS_AFTER_IDENTITY}) = (?,?,?,?,?,?,?,?,?,?,?,?,?) WHERE id=?",
                           (*values, rowid))  # fmt: skip
                db.execute("DELETE FROM fulltext WHERE rowid=?", (rowid,))
                db.execute("DELETE FROM bigrams WHERE rowid=?", (rowid,))
            content = r.get("内容") or {}
            body = "\n".join(str(v) for k, v in content.items() if k != "标题") if isinstance(content, dict) else ""  # type: ignore[union-attr]
            db.execute("INSERT INTO fulltext (rowid, title, body) VALUES (?,?,?)", (rowid, r["题名"], f"{r['文号']}\n{body}"))
            db.execute("INSERT INTO bigrams (rowid, grams) VALUES (?,?)", (rowid, bigrams(f"{r['题名']} {r['文号']} {body}")))
        db.execute("INSERT OR REPLACE INTO versions VALUES (?,?,?,?,?)",
                   (r["标识"], plan.version, r["输入SHA256"], rel_version, r["归档时间"]))  # fmt: skip

    def search(self, text: str, limit: int = 50) -> list[EntryInfo]:
        """Full text over titles, numbers and bodies; Chinese substrings of any length."""
        text = text.strip()
        if not text:
            return []
        if len(text) >= 2:
            quoted = '"' + text.replace('"', '""') + '"'
            table = "fulltext" if len(text) >= 3 else "bigrams"
            # newest first by rowid: FTS5 walks its index backwards and stops at the limit
            sql = (f"SELECT {COLUMNS_E} FROM (SELECT rowid AS rid FROM {table} WHERE {table} MATCH ? "
                   f"ORDER BY rowid DESC LIMIT ?) AS hits JOIN entries e ON e.id = hits.rid")  # noqa: S608
            return [EntryInfo(*row) for row in self._index.execute(sql, (quoted, limit))]
        sql = f"SELECT {COLUMNS} FROM entries WHERE title LIKE ? OR number LIKE ? ORDER BY id DESC LIMIT ?"  # noqa: S608
        return [EntryInfo(*row) for row in self._index.execute(sql, (f"%{text}%", f"%{text}%", limit))]

    def recover(self) -> int:
        """Remove what a crash left in the staging folder (never a filed version)."""
        count = 0
        for child in self.staging.iterdir():
            _remove_tree(child)
            count += 1
        return count

    def reconcile(self) -> int:
        """Index the versions a crash left in the tree but not in the index."""
        known = {row[0] for row in self._index.execute("SELECT path FROM versions")}
        added = 0
        for meta in sorted(self.version_records()):
            rel = meta.parent.relative_to(self.root).as_posix()
            if rel in known:
                continue
            record = json.loads(meta.read_text(encoding="utf-8"))
            self._record(FilingPlan(tuple(), meta.parent.parent.name, int(record["版本"])), record, meta.parent)
            added += 1
        self._pending.unlink(missing_ok=True)
        return added

    def holds(self, identity: str, kind: str, label: str) -> bool:
        """Whether an archived 件 of this identity carries this number."""
        entry = self.entry(identity)
        if entry is None:
            return False
        if kind == "件号":
            return f"-{int(label):04d}" == entry.archive_code[-5:]
        return entry.number == label

    def reindex(self, progress: object = None) -> int:
        """Rebuild the index from the metadata records in the tree, in one transaction."""
        with immediate(self._index) as db:
            for table in ("entries", "versions", "fulltext", "bigrams"):
                db.execute(f"DELETE FROM {table}")  # noqa: S608 — fixed table names
            count = 0
            for meta in sorted(self.version_records()):
                record = json.loads(meta.read_text(encoding="utf-8"))
                plan = FilingPlan(tuple(), meta.parent.parent.name, int(record["版本"]))
                self._record(plan, record, meta.parent, batch=True)
                count += 1
                if callable(progress):
                    progress(count)
        return count

    def version_records(self) -> Iterator[Path]:
        for meta in self.root.rglob(METADATA):
            if self.staging in meta.parents or self.meta_dir in meta.parents:
                continue
            yield meta


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for syncing on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_tree(path: Path) -> None:
    def make_writable(func, p, _exc):  # type: ignore[no-untyped-def]
        os.chmod(p, stat.S_IWUSR | stat.S_IRUSR)
        func(p)

    if path.is_dir():
        for child in path.rglob("*"):
            if child.is_file():
                child.chmod(stat.S_IWUSR | stat.S_IRUSR)
        shutil.rmtree(path, onerror=make_writable)
    elif path.exists():
        path.chmod(stat.S_IWUSR | stat.S_IRUSR)
        path.unlink()

