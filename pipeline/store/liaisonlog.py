"""Reading and appending the 联络员备案 log at the archive's root (pipeline.liaisons says what it holds)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import disposition
from pipeline import liaisons
from pipeline.model import LiaisonChange
from pipeline.store import regular


def path(archive_root: Path) -> Path:
    return archive_root / liaisons.LOG_NAME


def read_text(archive_root: Path) -> str:
    """The log as written, '' when there is none; regular.NotRegularFile when it is a FIFO, a device …"""
    try:
        return regular.read_text(path(archive_root))
    except FileNotFoundError:
        return ""


def read_entries(archive_root: Path) -> list[dict[str, object]]:
    return disposition.parse(read_text(archive_root))


def read_changes(archive_root: Path) -> tuple[LiaisonChange, ...]:
    """The changes for the roster (every command reads them with the workspace): like lines that cannot
    be read, a log that is a FIFO, a device … gives none, and is never read (archive verify says so)."""
    try:
        return liaisons.changes(read_entries(archive_root))
    except regular.NotRegularFile:
        return ()


def append(archive_root: Path, change: LiaisonChange, when: str, person: str) -> dict[str, object]:
    """Append one 备案 (the caller holds the archive's lock); the file is kept read-only between writes."""
    target = path(archive_root)
    entry = liaisons.record(disposition.parse(read_text(archive_root)), change, when, person)
    archive_root.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.chmod(target, 0o644)
    with target.open("a", encoding="utf-8") as out:
        out.write(disposition.line(entry))
        out.flush()
        os.fsync(out.fileno())
    os.chmod(target, 0o444)
    return entry
