"""Reading and appending the 联络员备案 log at the archive's root (pipeline.liaisons says what it holds)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import disposition
from pipeline import liaisons
from pipeline.model import LiaisonChange


def path(archive_root: Path) -> Path:
    return archive_root / liaisons.LOG_NAME


def read_text(archive_root: Path) -> str:
    try:
        return path(archive_root).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""


def read_entries(archive_root: Path) -> list[dict[str, object]]:
    return disposition.parse(read_text(archive_root))


def read_changes(archive_root: Path) -> tuple[LiaisonChange, ...]:
    return liaisons.changes(read_entries(archive_root))


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
