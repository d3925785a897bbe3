"""A path an input names (an attachment, a ledger, an evidence file), kept inside its folder."""

from __future__ import annotations

from pathlib import Path
from pathlib import PurePosixPath
from pathlib import PureWindowsPath


def safe_relative_path(text: str) -> str | None:
    """The path as POSIX text if it stays inside its base folder, else None."""
    if PureWindowsPath(text).is_absolute() or PureWindowsPath(text).drive or text.startswith(("/", "\\")):
        return None
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(p for p in parts if p != ".")


def stays_inside(base: Path, rel: str) -> bool | None:
    """Whether ``base / rel``, every link followed, is still inside ``base``; None when it cannot
    be resolved (a link loop, an over-long name)."""
    try:
        return (base / rel).resolve().is_relative_to(base.resolve())
    except (OSError, RuntimeError, ValueError):
        return None
