"""The 利用登记 log: every 借阅 and 归还 of a 件, append-only and hash-chained like the 办理反馈
log (store.progress.ChainedLog), in the archive at ``outbox/利用登记/利用登记.jsonl``."""

from __future__ import annotations

from pipeline.store.progress import ChainedLog

FOLDER = "利用登记"
LOG_NAME = "利用登记.jsonl"


class LoanLog(ChainedLog):
    """The 利用登记 log of one archive root (the workspace's ``outbox/``)."""

    folder_name = FOLDER
    log_name = LOG_NAME
