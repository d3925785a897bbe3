"""The 信访信息 log: every recorded 信访信息 (第十条), append-only, in the archive (``outbox/信访信息/``).

    outbox/信访信息/信访信息记录.jsonl   one JSON line per 信访信息, hash-chained
    outbox/信访信息/文件/<sha256><ext>   the input as received, by digest

The chain is the progress log's (store.progress.ChainedLog): 序号, 前摘要, 摘要 (the SHA-256 of
the line's canonical JSON without 摘要); a line edited, removed or reordered breaks it, ``read``
raises ChainError naming the line, and ``fawen archive verify`` reports it (``problems``). The
summary a unit wrote (the input's 摘要) is kept as 信息摘要: 摘要 is the chain's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.store.progress import ChainedLog

FOLDER = "信访信息"
LOG_NAME = "信访信息记录.jsonl"


class PetitionLog(ChainedLog):
    """The 信访信息 log of one archive root (the workspace's ``outbox/``)."""

    folder_name = FOLDER
    log_name = LOG_NAME


def read_records(archive_root: Path) -> list[dict[str, Any]]:
    """Every recorded 信访信息 of the archive at ``archive_root``, in the order recorded (checked
    link by link; ChainError at the first break). [] when none has been recorded."""
    return PetitionLog(archive_root).read()
