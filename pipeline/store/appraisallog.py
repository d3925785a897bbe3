"""The 鉴定记录: every appraisal of a 件 whose 保管期限 ended, append-only and hash-chained like
the other logs (store.progress.ChainedLog), at ``outbox/鉴定/鉴定记录.jsonl``."""

from __future__ import annotations

from pipeline.store.progress import ChainedLog

FOLDER = "鉴定"
LOG_NAME = "鉴定记录.jsonl"


class AppraisalLog(ChainedLog):
    """The 鉴定记录 of one archive root (the workspace's ``outbox/``)."""

    folder_name = FOLDER
    log_name = LOG_NAME
