"""The archive tree under ``outbox/`` and its index. The only code that writes there.

Every version of a 件 is built in ``outbox/.staging`` (same file system), synced, made
read-only, then renamed into place in one step: a crash leaves the whole version or nothing. The
first version arrives as the whole 件 folder; later ones as ``vN`` folders beside the old ones,
which are never touched. The index (SQLite, ``outbox/.fawen/index.db``) is a cache of the tree:
``reindex`` rebuilds it from the metadata records alone.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import stat
import uuid
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from pipeline import disposition
from pipeline.dat22 import ARCHIVE_CODE_RE
from pipeline.dat22 import parse_manifest
from pipeline.dat22 import sha256
from pipeline.errors import FawenError
from pipeline.frozen import frozen
from pipeline.liaisons import LOG_NAME as LIAISON_LOG
from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.model import FilingPlan
from pipeline.numbertext import archive_code_parts
from pipeline.numbertext import names_number
from pipeline.numbertext import parse_document_number
from pipeline.numbertext import parse_issue
from pipeline.numbertext import series_matches
from pipeline.store import regular
from pipeline.store.appraisallog import FOLDER as APPRAISAL_FOLDER
from pipeline.store.loanlog import FOLDER as LOAN_FOLDER
from pipeline.store.petitionlog import FOLDER as PETITION_FOLDER
from pipeline.store.progress import FOLDER as PROGRESS_FOLDER
from pipeline.store.register import REGISTER_NAME
from pipeline.store.sqlite import immediate

INDEX_VERSION = 4  # 4: links (the meeting chain)
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
    pages INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT ''  -- '' in force, else 撤销 or 废止 (a disposition)
);
CREATE TABLE IF NOT EXISTS versions (
    identity TEXT NOT NULL,
    version INTEGER NOT NULL,
    input_sha256 TEXT NOT NULL,
    path TEXT NOT NULL,
    filed TEXT NOT NULL,
    PRIMARY KEY (identity, version)
);
CREATE TABLE IF NOT EXISTS links (  -- 关联 of each 件's latest version: 会议编号, 会议通知, 督查 …
    identity TEXT NOT NULL,
    kind TEXT NOT NULL,   -- 会议编号 (target: the meeting's id) or the 关系's 类型 (target: a 件's identity)
    target TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS fulltext USING fts5(title, body, tokenize='trigram');
CREATE VIRTUAL TABLE IF NOT EXISTS bigrams USING fts5(grams, tokenize='unicode61');
"""


# DA/T 22's order of 件: by 年度, then 保管期限 永久, 30年, 10年 (not the codes' letters), 机构问题, 件号
DAT22_ORDER = "year, CASE retention WHEN 'Y' THEN 0 WHEN 'D30' THEN 1 WHEN 'D10' THEN 2 ELSE 3 END, problem, item"
INDEX_TABLES = ("entries", "versions", "links", "fulltext", "bigrams")
# what filing looks up (a duplicate's digest, a 档号, a 文号), and the meeting chain
SECONDARY_INDEXES = {
    "versions_digest": "versions (input_sha256)",
    "entries_code": "entries (archive_code)",
    "entries_number": "entries (number)",
    "links_identity": "links (identity)",
    "links_target": "links (target)",
}
# what browsing a big archive (fawen serve: facets, catalogue pages, latest filings, disposed 件)
# reads without a scan of every row; added to an index of any layout version the first time it opens
BROWSE_INDEXES = {
    "entries_facets": "entries (year, retention, kind, problem, status)",
    "entries_class": "entries (year, retention, problem, item)",
    "entries_dat22": f"entries ({DAT22_ORDER})",  # the catalogue's order (an index on the expression)
    "entries_date": "entries (date)",
    "entries_title": "entries (title)",
    "entries_disposed": "entries (status) WHERE status != ''",
    "versions_filed": "versions (filed)",
}


def _browse_indexes(db: sqlite3.Connection) -> None:
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    wanted = {**SECONDARY_INDEXES, **BROWSE_INDEXES}
    if not present.issuperset(wanted):
        with immediate(db) as tx:  # one process builds them; the others find them there
            for name, on in wanted.items():
                tx.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")


def bigrams(text: str) -> str:
    """Overlapping two-character tokens: lets a two-character Chinese query use an index too
    (the trigram index answers three characters and more)."""
    chars = "".join(text.split())
    return " ".join(map("".join, itertools.pairwise(chars)))


COLUMNS_AFTER_IDENTITY = ("archive_code, number, title, kind, year, retention, problem, item, path, latest, date, "
                          "author, pages")  # fmt: skip
COLUMNS = "identity, " + COLUMNS_AFTER_IDENTITY + ", status"  # status is written by dispositions only
COLUMNS_E = ", ".join(f"e.{c.strip()}" for c in COLUMNS.split(","))


@frozen
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
    status: str = ""  # '' in force, else 撤销 or 废止

    def as_dict(self) -> dict[str, object]:
        return {"档号": self.archive_code, "文号": self.number, "题名": self.title, "文种": self.kind,
                "年度": self.year, "保管期限": self.retention, "机构问题": self.problem, "件号": self.item,
                "版本": self.latest, "日期": self.date, "责任者": self.author, "页数": self.pages,
                "路径": self.path, "标识": self.identity, "状态": self.status or "有效"}  # fmt: skip


@frozen
class SearchHit:
    entry: EntryInfo
    snippet: str  # a few words around the first match, the query's words marked 【】


def query_terms(text: str) -> list[str]:
    """The words of a query: split by spaces (full-width ones too), each kept whole."""
    return [t for t in text.replace("\u3000", " ").split() if t]


def snippet(text: str, terms: list[str], width: int = 24) -> str:
    """Short passages around the first occurrence of each of the query's words, joined by …,
    every occurrence marked 【…】 (compared case-insensitively, as the index does)."""
    flat = " ".join(text.split())
    low = flat.lower()
    spans = sorted((max(0, i - width // 2), min(len(flat), i + len(t) + width // 2))
                   for t in terms if (i := low.find(t.lower())) >= 0)  # fmt: skip
    if not spans:
        return flat[: width * 2] + ("…" if len(flat) > width * 2 else "")
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    pieces = [_marked(flat[a:b], terms) for a, b in merged]
    return ("…" if merged[0][0] > 0 else "") + "…".join(pieces) + ("…" if merged[-1][1] < len(flat) else "")


def _marked(passage: str, terms: list[str]) -> str:
    marks = sorted({(m.start(), m.end()) for t in terms for m in re.finditer(re.escape(t), passage, re.IGNORECASE)})
    out, pos = [], 0
    for a, b in marks:
        if a < pos:
            continue
        out += [passage[pos:a], "【", passage[a:b], "】"]
        pos = b
    out.append(passage[pos:])
    return "".join(out)


def _words(value: object) -> list[str]:
    if isinstance(value, dict):
        return [w for v in value.values() for w in _words(v)]
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    return [str(value)] if value not in (None, "", True, False) else []


def index_text(record: dict[str, object]) -> str:
    """What search reads for one 件: its numbers, every field of its content, and the words as
    printed (computed sentences, meeting lines, ledger rows), each once."""
    seen: dict[str, None] = {}
    for word in [str(record.get("文号", "")), str(record.get("档号", "")), *_words(record.get("内容")),
                 *_words(record.get("版面文字"))]:  # fmt: skip
        seen.setdefault(word, None)
    return "\n".join(w for w in seen if w)


def _input_text(folder: Path, record: dict[str, object]) -> str:
    """The archived input as text: what search can read of a fawen 0.1 record, which kept only
    a few joined fields (no meeting block, no ledger rows). Found through the record's 组件 list,
    not by listing the folder: a reindex of 100 000 件 should not list 100 000 folders."""
    components = record.get("组件")
    for component in components if isinstance(components, list) else []:
        name = str(component.get("文件", "")) if isinstance(component, dict) else ""
        if component.get("角色") == "输入" and "/" not in name and name.startswith("输入."):
            try:
                return regular.read_bytes(folder / name).decode("utf-8", "replace")
            except OSError:  # NotRegularFile too: archive verify reports it
                return ""
    return ""


class Archive:
    """The archive under one root (the workspace's ``outbox/``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.meta_dir = root / ".fawen"
        self.staging = root / ".staging"
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        # a deleted index is rebuilt below; verify still reports that it was gone
        self.index_missing = not (self.meta_dir / "index.db").exists()
        # called with (version folder, record, manifest bytes) once a version is in place and indexed:
        # the filing register's line is written before the crash note is cleared
        self.on_landed: Callable[[Path, dict[str, object], bytes], object] | None = None
        self._index = sqlite3.connect(self.meta_dir / "index.db", timeout=120, isolation_level=None)
        self._index.execute("PRAGMA journal_mode=WAL")
        stale = self._index.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION
        if stale:  # the index is a cache: a new layout is rebuilt from the tree
            with immediate(self._index) as db:  # one process migrates; the others wait, then see it done
                stale = db.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION
                if stale:
                    for table in INDEX_TABLES:
                        db.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608
                    for statement in INDEX_SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version={INDEX_VERSION}")
        _browse_indexes(self._index)
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

    def twins(self, title: str, kind: str, year: int) -> list[EntryInfo]:
        """Filed 件 in force with this title, 文种 and 年度: a new document like that is more
        likely a revised draft saved under another name than a second document."""
        rows = self._index.execute(f"SELECT {COLUMNS} FROM entries WHERE title=? AND kind=? AND year=? AND status!='撤销'",
                                   (title, kind, year)).fetchall()  # fmt: skip
        return [EntryInfo(*row) for row in rows]

    def duplicate_of(self, input_sha256: str) -> tuple[EntryInfo, int] | None:
        row = self._index.execute(
            "SELECT identity, version FROM versions WHERE input_sha256=?", (input_sha256,)
        ).fetchone()
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
        if text:  # the words as typed: LIKE's wildcards (_ %) and its escape character taken literally
            where.append("(title LIKE ? ESCAPE '\\' OR number LIKE ? ESCAPE '\\' OR archive_code LIKE ? ESCAPE '\\')")
            literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args += [f"%{literal}%"] * 3
        sql = f"SELECT {COLUMNS} FROM entries" + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY {DAT22_ORDER}"
        return [EntryInfo(*r) for r in self._index.execute(sql, args)]

    def find(self, key: str) -> EntryInfo | None:
        """By 档号, 文号, 期号 or identity; None when nothing or more than one 件 matches."""
        hits = self.lookup(key)
        return hits[0] if len(hits) == 1 else None

    def lookup(self, key: str) -> list[EntryInfo]:
        """Every 件 a typed key names: its 档号, 文号 or 期号 as people type them (brackets, zeros,
        separators, series with or without year: see pipeline.numbertext), or its identity. More
        than one is an ambiguous key: callers list them and never pick one."""
        key = key.strip()
        exact = self._select("archive_code=? OR number=? OR identity=?", (key, key, key))
        if exact:
            return exact
        number = parse_document_number(key)
        if number is not None:
            return self._select("number=?", (str(number),)) or [
                e for e in self._select("number LIKE ?", (f"%{number.year}%{number.seq}%",))
                if parse_document_number(e.number) == number]  # fmt: skip
        try:
            parts = archive_code_parts(key)
        except ValueError:  # a 件号 of digits str.isdigit() takes and int() refuses (², ①): no 档号
            parts = None
        if parts is not None:
            item = int(parts[-1])
            if item >= 2**63:  # beyond SQLite's integers (sqlite3 would raise OverflowError): no 件 has it
                return []
            rows = self._select("year=? AND retention=? AND item=?", (int(parts[2]), parts[3], item))
            return [e for e in rows if archive_code_parts(e.archive_code) == parts]
        issue = parse_issue(key)
        if issue is None:
            return []
        hits = []
        for e in self._select("number LIKE ?", (f"%第{issue.seq}期",)):
            stored = parse_issue(e.number)
            if stored is None or stored.seq != issue.seq or (issue.year and (stored.year or e.year) != issue.year):
                continue
            if series_matches(issue.series, [n for n in (stored.series, e.kind) if n]):
                hits.append(e)
        return hits

    def _select(self, where: str, args: tuple[object, ...]) -> list[EntryInfo]:
        sql = f"SELECT {COLUMNS} FROM entries WHERE {where} ORDER BY {DAT22_ORDER}"  # noqa: S608
        return [EntryInfo(*r) for r in self._index.execute(sql, args)]

    # ---- dispositions (处置: 撤销, 废止, 更正) ------------------------------------------------------

    def dispositions(self, entry: EntryInfo) -> list[dict[str, object]]:
        """The events of a 件's disposition log, as written (regular.NotRegularFile for a log that is
        a FIFO, a device …: never read)."""
        path = self.root / entry.path / disposition.LOG_NAME
        return disposition.parse(regular.read_text(path)) if path.exists() else []

    def status(self, entry: EntryInfo) -> str:
        """'' in force, else 撤销 or 废止, from the tree (the log), not the index."""
        return disposition.status(self.dispositions(entry))

    def append_disposition(self, entry: EntryInfo, action: str, fields: dict[str, object]) -> dict[str, object]:
        """Add one event to the 件's log and mark the index; the caller holds ``locked()``. The log is
        rewritten whole to a temporary file, synced, made read-only and renamed over the old one: a
        crash leaves the old log or the new one, never half a line."""
        path = self.root / entry.path / disposition.LOG_NAME
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        events = disposition.parse(old)
        event = disposition.new_event(events, entry.identity, action, fields)
        # written in the staging folder, which the next filer clears: a process killed here leaves
        # no stray file in the 件's folder for verify to report for ever
        self.staging.mkdir(exist_ok=True)
        tmp = self.staging / f"{entry.archive_code}.{path.name}.{os.getpid()}.tmp"
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(old + disposition.line(event))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        if os.name == "nt" and path.exists():  # Windows will not replace a read-only file
            path.chmod(stat.S_IWUSR | stat.S_IRUSR)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        with immediate(self._index) as db:
            db.execute(
                "UPDATE entries SET status=? WHERE identity=?", (disposition.status([*events, event]), entry.identity)
            )
        return event

    def _statuses_from_tree(self, db: sqlite3.Connection, logs: list[str]) -> None:
        """The index's status column, from every 件's log (``logs``: the 件 folders that have
        one, relative; reindex: the index is a cache)."""
        db.execute("UPDATE entries SET status=''")
        for rel in logs:
            try:
                events = disposition.parse(regular.read_text(self.root / rel / disposition.LOG_NAME))
            except regular.NotRegularFile:
                continue  # a FIFO, a device …: archive verify reports it
            db.execute("UPDATE entries SET status=? WHERE path=?", (disposition.status(events), rel))

    def check_dispositions(self, witnesses: dict[str, list[tuple[int, str, str]]],
                           numbers: list[tuple[str, str, str, int, int, str]]) -> list[dict[str, object]]:  # fmt: skip
        """archive verify on dispositions, one item per 件 with a log or a witness: the log's chain,
        the log against the registry's witness (count and digests: a cut tail shows), the index
        status against the log, and the 件's number: voided in the registry exactly when the log
        has a 撤销. ``numbers``: (identity, kind, series, year, seq, status) of 发文字号/期号."""
        by_identity: dict[str, list[tuple[str, str, int, int, str]]] = {}
        for identity, *rest in numbers:
            by_identity.setdefault(identity, []).append(tuple(rest))  # type: ignore[arg-type]
        report: list[dict[str, object]] = []
        entries = {e.identity: e for e in self.entries()}
        for e in entries.values():
            path = self.root / e.path / disposition.LOG_NAME
            try:
                text = regular.read_text(path) if path.exists() else ""
            except regular.NotRegularFile as exc:  # a FIFO, a device …: never read, nothing more to compare
                report.append({"件": f"{e.path}/{disposition.LOG_NAME}", "问题": [regular.not_regular(exc.kind)]})
                continue
            events = disposition.parse(text)
            own = [n for n in by_identity.get(e.identity, []) if names_number(e.number, e.year, n[:4])]
            voided = [n for n in own if n[4] == "voided"]
            if not text and not witnesses.get(e.identity) and not voided:
                continue
            found = disposition.problems(text, e.identity)
            found += _against_witness([(ev.get("序号"), ev.get("行为"), ev.get("摘要")) for ev in events],
                                      witnesses.get(e.identity, []))  # fmt: skip
            state = disposition.status(events)
            if e.status != state:
                found.append(
                    f"索引中的状态「{e.status or '有效'}」与处置记录「{state or '有效'}」不符（可运行 fawen archive reindex）"
                )
            if voided and state != disposition.WITHDRAW:
                found.append(f"编号 {e.number} 在登记簿中已作废，但处置记录中没有撤销")
            if state == disposition.WITHDRAW and own and not voided:
                found.append(f"已撤销，但编号 {e.number} 在登记簿中没有作废")
            report.append({"件": f"{e.path}/{disposition.LOG_NAME}", "问题": found})
        for identity in sorted(witnesses.keys() - entries.keys()):
            report.append(
                {"件": identity, "问题": [f"登记簿记有 {len(witnesses[identity])} 条处置，但档案中没有这一件"]}
            )
        return report

    def chain(self, identity: str, limit: int = 200) -> list[EntryInfo]:
        """The other 件 of the meeting(s) this 件 belongs to: those it names or that name it (关联),
        those with its 会议编号, and so on along the chain. A 督查通报 may check several meetings:
        the chain runs into it, not through it (unless it is where the chain starts)."""
        seen, frontier, out = {identity}, [identity], []
        while frontier and len(seen) < limit:
            node = frontier.pop(0)
            for other in self._neighbours(node):
                if other in seen:
                    continue
                seen.add(other)
                entry = self.entry(other)
                if entry is None:
                    continue
                out.append(entry)
                if entry.kind != "督查通报":
                    frontier.append(other)
        return sorted(out, key=lambda e: (e.date, e.archive_code))

    def _neighbours(self, identity: str) -> list[str]:
        db = self._index
        named = [
            r[0] for r in db.execute("SELECT target FROM links WHERE identity=? AND kind!='会议编号'", (identity,))
        ]
        naming = [
            r[0] for r in db.execute("SELECT identity FROM links WHERE target=? AND kind!='会议编号'", (identity,))
        ]
        meeting = [r[0] for r in db.execute(
            "SELECT b.identity FROM links a JOIN links b ON b.kind='会议编号' AND b.target=a.target "
            "WHERE a.identity=? AND a.kind='会议编号'", (identity,))]  # fmt: skip
        return list(dict.fromkeys(named + naming + meeting))

    def versions(self, identity: str) -> list[tuple[int, str, str, str]]:
        return list(self._index.execute("SELECT version, input_sha256, path, filed FROM versions WHERE identity=? ORDER BY version",
                                        (identity,)))  # fmt: skip

    # ---- browsing (fawen serve): pages of the catalogue, and a version's files by name ---------------

    def class_counts(self) -> list[tuple[int, str, str, str, str, int]]:
        """(年度, 保管期限, 文种, 机构问题, status, 件数) for every combination held: one pass over the
        index gives every facet count of the catalogue, whatever is filtered. Kept until the index
        changes (another process's commit moves data_version, this connection's own total_changes)."""
        state = (self._index.execute("PRAGMA data_version").fetchone()[0], self._index.total_changes)
        cached = getattr(self, "_class_counts", None)
        if cached is None or cached[0] != state:
            rows = list(self._index.execute("SELECT year, retention, kind, problem, status, COUNT(*) FROM entries "
                                            "GROUP BY year, retention, kind, problem, status"))  # fmt: skip
            cached = self._class_counts = (state, rows)
        return list(cached[1])

    def entries_page(self, filters: dict[str, object], order: str = "档号", descending: bool = False,
                     offset: int = 0, limit: int = 50) -> list[EntryInfo]:  # fmt: skip
        """One page of the catalogue: ``filters`` by 年度, 保管期限, 文种, 机构问题 (other keys are
        refused), sorted by 档号, 日期, 题名 or 文号 (ties in 档号 order)."""
        where = " AND ".join(f"{PAGE_FILTERS[k]}=?" for k in filters) or "1"
        columns = PAGE_ORDERS[order].split(", ")
        direction = " DESC" if descending else ""
        ties = "" if order == "档号" else ", id" + direction  # (column, id) is what its index holds: no sort
        sql = (
            f"SELECT {COLUMNS} FROM entries WHERE {where} ORDER BY "  # noqa: S608 — whitelisted names only
            + ", ".join(c + direction for c in columns)
            + ties
            + " LIMIT ? OFFSET ?"
        )
        return [EntryInfo(*r) for r in self._index.execute(sql, (*filters.values(), limit, offset))]

    def recent(self, limit: int = 10) -> list[tuple[EntryInfo, int, str]]:
        """The latest filings: (件, version, filing time), newest first."""
        rows = self._index.execute(f"SELECT {COLUMNS_E}, v.version, v.filed FROM versions v JOIN entries e "  # noqa: S608
                                   "ON e.identity = v.identity ORDER BY v.filed DESC LIMIT ?", (limit,)).fetchall()  # fmt: skip
        width = len(COLUMNS.split(","))
        return [(EntryInfo(*r[:width]), int(r[width]), str(r[width + 1])) for r in rows]

    def disposed(self) -> list[EntryInfo]:
        """Every 件 withdrawn (撤销) or repealed (废止), as the index marks them, in 档号 order."""
        rows = [EntryInfo(*r) for r in self._index.execute(f"SELECT {COLUMNS} FROM entries WHERE status != ''")]  # noqa: S608
        return sorted(
            rows, key=lambda e: (e.year, e.retention, e.problem, e.item)
        )  # few: sorted here, found by their index

    def catalogue_entries(self, year: int) -> list[dict[str, object]]:
        """A year's 件 as the 归档文件目录 lists them: the index's fields and, from each 件's
        latest record, its 密级 (the index does not hold it)."""
        out = []
        for entry in self.entries(year=year):
            row = entry.as_dict()
            record = self.version_record(entry, entry.latest) or {}
            row["密级"] = str(record.get("密级", "") or "")
            out.append(row)
        return out

    def version_record(self, entry: EntryInfo, version: int) -> dict[str, object] | None:
        """The metadata record of one version of a 件; None when it has no such version."""
        row = self._index.execute("SELECT path FROM versions WHERE identity=? AND version=?",
                                  (entry.identity, version)).fetchone()  # fmt: skip
        if row is None:
            return None
        try:
            record = json.loads((self.root / row[0] / METADATA).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def component(self, entry: EntryInfo, version: int, name: str) -> bytes | None:
        """One file of a filed version, by the name its record lists under 组件 (``正本.pdf``,
        ``源文件/附件/报告.pdf``): None for a version or name the record does not list, or a
        name that is not a plain path inside the version folder (a link, ``..``). Bytes that are not
        the ones the record's SHA-256 names raise ComponentChanged: never served as if filed."""
        record = self.version_record(entry, version)
        components = (record or {}).get("组件", [])
        listed = [c for c in (components if isinstance(components, list) else [])
                  if isinstance(c, dict) and c.get("文件") == name]  # fmt: skip
        if not listed or not all(_plain(part) for part in name.split("/")):
            return None
        row = self._index.execute("SELECT path FROM versions WHERE identity=? AND version=?",
                                  (entry.identity, version)).fetchone()  # fmt: skip
        folder: Path = (self.root / row[0]).resolve()
        target = folder.joinpath(*name.split("/"))
        if target.resolve() != target or not folder.is_relative_to(self.root.resolve()) or not target.is_file():
            return None  # a link anywhere on the way: archive verify reports it, nobody is served it
        data = target.read_bytes()
        if hashlib.sha256(data).hexdigest() != listed[0].get("SHA256"):
            raise ComponentChanged(f"{entry.archive_code} 第{version}版的「{name}」与归档时记录的 SHA-256 不符"
                                   f"（被改动或损坏）。请运行 fawen archive verify 核查。")  # fmt: skip
        return data

    def max_item(self, year: int, retention: str, problem: str) -> int:
        row = self._index.execute("SELECT MAX(item) FROM entries WHERE year=? AND retention=? AND problem=?",
                                  (year, retention, problem)).fetchone()  # fmt: skip
        return row[0] or 0

    # ---- writing ------------------------------------------------------------------------------

    def write(self, plan: FilingPlan, record: dict[str, object]) -> Path:
        """Put one version in place atomically; returns its folder."""
        entry_dir = self._inside(plan)
        work = self.staging / uuid.uuid4().hex
        try:
            target_root = work / plan.entry if not entry_dir.exists() else work
            version_dir = target_root / plan.version_dir
            version_dir.mkdir(parents=True)
            for name, data in plan.files.items():
                path = version_dir / name  # a name may hold folders: 源文件/台账/欠薪.xlsx
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # filed files are read-only
            for folder in sorted({(version_dir / name).parent for name in plan.files}, reverse=True):
                _fsync_dir(folder)
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
        self._record(plan, record, final.relative_to(self.root).as_posix())
        if self.on_landed is not None:
            self.on_landed(final, record, plan.files.get(MANIFEST, b""))
        self._pending.unlink(missing_ok=True)
        return final

    def _inside(self, plan: FilingPlan) -> Path:
        """The 件 folder of a plan. A second line of defence behind validation: every class part and
        the entry name must be one plain folder name, every file name plain names joined by /, and
        nothing may resolve outside the archive (a linked folder included)."""
        for part in (*plan.class_path, plan.entry):
            if not _plain(part):
                raise ArchivePathError(f"拒绝写入档案：「{part}」不是一个普通的文件夹名（不能为空、「.」或「..」，"
                                       f"不能含 / \\ : 或控制字符），档案路径只能由档号的各部分组成。")  # fmt: skip
        root = self.root.resolve()
        entry_dir = self.root.joinpath(*plan.class_path, plan.entry)
        targets = [entry_dir] + [entry_dir / plan.version_dir / name for name in plan.files]
        for name in plan.files:
            if not all(_plain(piece) for piece in name.split("/")):
                raise ArchivePathError(f"拒绝写入档案：文件名「{name}」不是档案内的相对路径。")
        for target in targets:
            if not target.resolve().is_relative_to(root):
                raise ArchivePathError(f"拒绝写入档案：「{target}」位于档案（{root}）之外。")
        return entry_dir

    def pending(self) -> bool:
        return self._pending.exists()

    def pending_version(self) -> Path | None:
        """The version folder a crashed filing was putting in place, if it left its note."""
        try:
            return Path(self._pending.read_text(encoding="utf-8"))
        except OSError:
            return None

    def _record(self, plan: FilingPlan, record: dict[str, object], rel_version: str, batch: bool = False) -> None:
        """Index one version (its folder relative to the root, with /); ``batch`` when the caller
        already holds the write transaction."""
        if not batch:
            with immediate(self._index):
                self._record(plan, record, rel_version, batch=True)
            return
        rel_entry = rel_version.rpartition("/")[0]
        r = record
        db = self._index
        previous = db.execute("SELECT id, latest FROM entries WHERE identity=?", (r["标识"],)).fetchone()
        if previous is None or previous[1] <= plan.version:
            values = entry_values(r, rel_entry)
            values = (*values[:9], plan.version, *values[10:])
            if previous is None:
                rowid = db.execute(f"INSERT INTO entries (identity, {COLUMNS_AFTER_IDENTITY}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                   (r["标识"], *values)).lastrowid  # fmt: skip
            else:
                rowid = previous[0]
                db.execute(f"UPDATE entries SET ({COLUMNS_AFTER_IDENTITY}) = (?,?,?,?,?,?,?,?,?,?,?,?,?) WHERE id=?",
                           (*values, rowid))  # fmt: skip
                db.execute("DELETE FROM fulltext WHERE rowid=?", (rowid,))
                db.execute("DELETE FROM bigrams WHERE rowid=?", (rowid,))
            body = index_text(r) if "版面文字" in r else index_text(r) + "\n" + _input_text(self.root / rel_version, r)
            db.execute("DELETE FROM links WHERE identity=?", (r["标识"],))
            db.executemany("INSERT INTO links (identity, kind, target) VALUES (?,?,?)",
                           [(r["标识"], kind, target) for kind, target in record_links(r)])  # fmt: skip
            db.execute("INSERT INTO fulltext (rowid, title, body) VALUES (?,?,?)", (rowid, r["题名"], body))
            db.execute("INSERT INTO bigrams (rowid, grams) VALUES (?,?)", (rowid, bigrams(f"{r['题名']} {body}")))
        db.execute("INSERT OR REPLACE INTO versions VALUES (?,?,?,?,?)",
                   (r["标识"], plan.version, *version_values(r, rel_version)))  # fmt: skip

    def search(self, text: str, limit: int = 50) -> list[EntryInfo]:
        return [hit.entry for hit in self.search_hits(text, limit)]

    def search_hits(self, text: str, limit: int = 50) -> list[SearchHit]:
        """Full text over every field, the printed words and computed sentences included; Chinese
        substrings of any length; several words (split by spaces) must all occur. Newest first,
        each with a snippet where the words are marked 【】."""
        terms = query_terms(text)
        if not terms:
            return []
        parts, args = [], []
        for term in terms:
            if len(term) >= 3:  # newest first: FTS5 walks its index by rowid
                parts.append("SELECT rowid FROM fulltext WHERE fulltext MATCH ?")
                args.append('"' + term.replace('"', '""') + '"')
            elif len(term) == 2:
                parts.append("SELECT rowid FROM bigrams WHERE bigrams MATCH ?")
                args.append('"' + term.replace('"', '""') + '"')
            else:  # one character: LIKE, its wildcards (_ %) and the escape character taken literally
                parts.append("SELECT rowid FROM fulltext WHERE title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\'")
                literal = "\\" + term if term in "\\%_" else term
                args += [f"%{literal}%"] * 2
        sql = (
            f"SELECT {COLUMNS_E}, f.title, f.body FROM ({' INTERSECT '.join(parts)} ORDER BY 1 DESC LIMIT ?) AS hits "
            "JOIN entries e ON e.id = hits.rowid JOIN fulltext f ON f.rowid = hits.rowid ORDER BY e.id DESC"
        )  # noqa: S608
        rows = self._index.execute(sql, (*args, limit)).fetchall()
        width = len(COLUMNS.split(","))
        return [SearchHit(EntryInfo(*row[:width]), snippet(f"{row[width]}\n{row[width + 1]}", terms)) for row in rows]

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
            self._record(FilingPlan(tuple(), meta.parent.parent.name, int(record["版本"])), record, rel)
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
        if kind == "期号":  # the 件 is already this document: the issue number decides, in either stored form
            given, stored = parse_issue(label), parse_issue(entry.number)
            return given is not None and stored is not None and given.seq == stored.seq
        return entry.number == label

    def reindex(self, progress: object = None, refuse_altered: bool = False) -> int:
        """Rebuild the index from the metadata records in the tree, in one transaction. With
        ``refuse_altered`` a record whose bytes are not those its version's manifest lists (edited
        after filing) makes it refuse, leaving the index as it was (AlteredRecords): the index
        still holds what was filed, and rebuilding would adopt the edits."""
        with immediate(self._index) as db:
            # tables made anew (deleting 100 000 rows from full-text tables row by row costs more
            # than filling them), their secondary indexes built once at the end
            for table in INDEX_TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 — fixed table names
            for statement in INDEX_SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            records, logs = self._tree_files()
            count = 0
            altered: list[str] = []
            for rel in sorted(records, key=lambda r: r.split("/")):  # as paths sort: part by part
                try:
                    data = regular.read_bytes(os.path.join(self.root, rel, METADATA))
                except regular.NotRegularFile:
                    continue  # a FIFO, a device …: never read (archive verify reports it)
                if refuse_altered and not self._as_listed(rel, data):
                    altered.append(rel)
                record = json.loads(data.decode("utf-8"))
                plan = FilingPlan(tuple(), rel.split("/")[-2], int(record["版本"]))
                self._record(plan, record, rel, batch=True)
                count += 1
                if callable(progress):
                    progress(count)
            for name, on in (*SECONDARY_INDEXES.items(), *BROWSE_INDEXES.items()):
                db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")
            self._statuses_from_tree(db, logs)
            if altered:
                raise AlteredRecords(altered)  # rolls the new index back: the old one stays
        return count

    def _as_listed(self, rel: str, data: bytes) -> bool:
        """Whether a version's metadata record is the one its manifest lists."""
        try:
            listed = parse_manifest(regular.read_text(os.path.join(self.root, rel, MANIFEST)))
        except (OSError, UnicodeDecodeError):
            return False
        return listed.get(METADATA) == sha256(data)

    def _tree_files(self) -> tuple[list[str], list[str]]:
        """One walk of the tree: the folders (relative, with /) holding a version's metadata
        record, and those holding a 件's 处置记录."""
        records: list[str] = []
        logs: list[str] = []
        for name, folder in self._walk((METADATA, disposition.LOG_NAME)):
            (records if name == METADATA else logs).append(folder)
        return records, logs

    def _walk(self, names: tuple[str, ...]) -> Iterator[tuple[str, str]]:
        """Files of these names anywhere in the tree but staging and .fawen, as found: each name
        with its folder relative to the root (strings: a walk of 100 000 件 is no place for Path)."""
        root = str(self.root)
        skip = {str(self.staging), str(self.meta_dir)}
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip]
            for name in names:
                if name in files:
                    yield name, folder[len(root) + 1 :].replace(os.sep, "/")

    def version_records(self) -> Iterator[Path]:
        """Every version's metadata record in the tree (not in staging, not in .fawen)."""
        return (self.root / rel / METADATA for _name, rel in self._walk((METADATA,)))

    # ---- verify: the whole tree, and the index as it is -----------------------------------------

    def scan(self) -> TreeScan:
        """Every path under the root, without following links, sorted into the layout: 件 folders
        (named ``<档号> <题名>``, or holding ``vN`` folders), their versions (regular files and
        sub-folders; a FIFO, device or socket in one is set apart, never to be opened), their
        处置记录, and whatever has no place in it."""
        out = TreeScan({}, [], [], [], [])
        for child in _children(self.root):
            if child.name in (".fawen", ".staging") and child.is_dir(follow_symlinks=False):
                continue
            if child.name == ".gitkeep" and child.is_file(follow_symlinks=False) and not child.stat().st_size:
                continue  # the empty placeholder that keeps an empty outbox/ in a repository
            if child.name in (REGISTER_NAME, LIAISON_LOG) and child.is_file(follow_symlinks=False):
                _note_mode(child, child.name, out)  # the filing register, the 联络员备案 (pipeline.liaisons)
                continue
            if child.name in (PROGRESS_FOLDER, PETITION_FOLDER, LOAN_FOLDER, APPRAISAL_FOLDER) and child.is_dir(
                follow_symlinks=False
            ):
                continue  # the 办理反馈 and 信访信息 logs (store.progress, store.petitionlog): their own hash chains
            self._scan_node(child, child.name, out)
        return out

    def _scan_node(self, node: os.DirEntry[str], rel: str, out: TreeScan) -> None:
        if node.is_symlink():
            out.links.append(rel)
        elif not node.is_dir():
            out.strays.append(rel)
        elif _is_entry(node):
            self._scan_entry(node, rel, out)
        else:
            children = _children(node.path)
            if not children:
                out.strays.append(rel)
            for child in children:
                self._scan_node(child, f"{rel}/{child.name}", out)

    def _scan_entry(self, node: os.DirEntry[str], rel: str, out: TreeScan) -> None:
        versions = out.entries.setdefault(rel, {})
        for child in _children(node.path):
            path = f"{rel}/{child.name}"
            if child.is_symlink():
                out.links.append(path)
            elif child.name == disposition.LOG_NAME and child.is_file():
                out.logs.append(path)
                _note_mode(child, path, out)
            elif VERSION_DIR.match(child.name) and child.is_dir():
                versions[child.name] = VersionScan([], [])
                _scan_version(child.path, "", versions[child.name], (path, out))
            else:
                out.strays.append(path)

    def index_rows(self) -> tuple[dict[str, tuple[object, ...]], dict[tuple[str, int], tuple[object, ...]]]:
        """The index as it is: identity -> entry columns (status left out: the 处置记录 check owns
        it), (identity, version) -> (digest, path, filed)."""
        entries = {
            r[0]: tuple(r[1:]) for r in self._index.execute(f"SELECT identity, {COLUMNS_AFTER_IDENTITY} FROM entries")
        }
        versions = {(r[0], r[1]): tuple(r[2:]) for r in
                    self._index.execute("SELECT identity, version, input_sha256, path, filed FROM versions")}  # fmt: skip
        return entries, versions


VERSION_DIR = re.compile(r"^v[0-9]+$")
# what a catalogue page may filter and sort by (the names people use -> index columns)
PAGE_FILTERS = {"年度": "year", "保管期限": "retention", "文种": "kind", "机构问题": "problem"}
PAGE_ORDERS = {
    "档号": DAT22_ORDER,
    "日期": "date",
    "题名": "title",
    "文号": "number",
}  # each indexed


@dataclass
class VersionScan:
    files: list[str]  # relative to the version folder, / separated: regular files only
    dirs: list[str]  # sub-folders (源文件/附件 …)


@dataclass
class TreeScan:
    entries: dict[str, dict[str, VersionScan]]  # 件 folder (relative to the root) -> version folder name -> its content
    logs: list[str]  # 处置记录 files
    strays: list[str]  # files and folders with no place in the layout
    links: list[str]  # symbolic links, anywhere
    writable: list[str]  # filed files (and logs, the register) that can be written
    specials: dict[str, str] = field(default_factory=dict)  # FIFOs, devices, sockets in a version -> what they are


def record_links(record: dict[str, object]) -> list[tuple[str, str]]:
    """(kind, target) of a version record's 关联 to other 件 (a version's own 替代/更正 are not) and
    its 会议编号."""
    out = [("会议编号", str(record["会议编号"]))] if record.get("会议编号") else []
    for rel in record.get("关系") or []:  # type: ignore[attr-defined]
        target = str(rel.get("对象", "")) if isinstance(rel, dict) else ""
        if target and not VERSION_DIR.match(target):
            out.append((str(rel.get("类型", "")), target))
    return out


def entry_values(record: dict[str, object], rel_entry: str) -> tuple[object, ...]:
    """The index columns one version's record gives its 件 (COLUMNS_AFTER_IDENTITY): for filing and
    for verify, one definition."""
    r = record
    return (r["档号"], r["文号"], r["题名"], r["文种"], r["年度"], r["保管期限"], r["机构问题"], r["件号"], rel_entry,
            int(r["版本"]), r["成文日期"], "、".join(r["责任者"]), r["页数"])  # type: ignore[arg-type,call-overload]  # fmt: skip


def version_values(record: dict[str, object], rel_version: str) -> tuple[object, ...]:
    """The index's versions columns after (identity, version) for one record."""
    return (record.get("内容SHA256") or record["输入SHA256"], rel_version, record["归档时间"])


def _children(folder: str | Path) -> list[os.DirEntry[str]]:
    """A folder's entries, unsorted (verify sorts what it reports): 100 000 件 are many folders."""
    with os.scandir(folder) as it:
        return list(it)


def _is_entry(node: os.DirEntry[str]) -> bool:
    """A 件 folder: named by a 档号, or holding version folders (a renamed one is still found)."""
    if ARCHIVE_CODE_RE.match(node.name.split(" ", 1)[0]):
        return True
    return any(VERSION_DIR.match(c.name) and c.is_dir(follow_symlinks=False) for c in _children(node.path))


def _note_mode(node: os.DirEntry[str], rel: str, out: TreeScan) -> None:
    if node.stat(follow_symlinks=False).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        out.writable.append(rel)


def _scan_version(folder: str, prefix: str, version: VersionScan, where: tuple[str, TreeScan]) -> None:
    base, out = where
    for child in _children(folder):
        name = f"{prefix}{child.name}"
        if child.is_symlink():
            out.links.append(f"{base}/{name}")
        elif child.is_dir():
            version.dirs.append(name)
            _scan_version(child.path, f"{name}/", version, where)
        elif child.is_file(follow_symlinks=False):
            version.files.append(name)
            _note_mode(child, f"{base}/{name}", out)
        else:  # a FIFO, a device, a socket: never opened (a FIFO would block verify forever)
            out.specials[f"{base}/{name}"] = regular.kind_of(child.stat(follow_symlinks=False).st_mode)


def _against_witness(logged: list[tuple[object, object, object]], seen: list[tuple[int, str, str]]) -> list[str]:
    """A log against the registry's record of its lines."""
    if len(logged) < len(seen):
        return [f"处置记录少了 {len(seen) - len(logged)} 条（登记簿记有 {len(seen)} 条）：被截断或删除"]
    if len(logged) > len(seen):
        return [f"处置记录多出 {len(logged) - len(seen)} 条登记簿中没有的记录（被添加，或处置中断）"]
    if [tuple(x) for x in logged] != [tuple(x) for x in seen]:
        return ["处置记录与登记簿记下的摘要不符（被改写）"]
    return []


class ComponentChanged(FawenError):
    """A filed file whose bytes are no longer those its record names."""


class AlteredRecords(FawenError):
    """Metadata records edited after filing, found while rebuilding the index (relative folders)."""

    def __init__(self, versions: list[str]) -> None:
        shown = "、".join(versions[:10]) + (f" 等 {len(versions)} 个版本" if len(versions) > 10 else "")
        super().__init__(
            f"以下版本的元数据.json 与其清单不符（归档后被改动）：{shown}。重建索引会采用改动后的值，"
            "抹去索引中归档时的记录，索引未重建。请先运行 fawen archive verify 查明原因；确需按现有元数据重建，"
            "加 --force。"
        )
        self.versions = versions


class ArchivePathError(FawenError):
    """A path that would leave the archive: refused before anything is written."""


def _plain(name: str) -> bool:
    return bool(name) and name not in (".", "..") and not any(ch in "/\\:\x7f" or ch < " " for ch in name)


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
