"""Outcome: what became of an input, set down. Filed or recorded: it leaves the private folder (it
is in the archive now); a duplicate goes to ``duplicates/`` with a note; a rejected input to
``rejected/`` with its reason. Each outcome is a line in ``.fawen/watch.log`` and a ``Result``
handed to whoever asked (the console, a test, a benchmark)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import intake
from pipeline.intake import display_name
from pipeline.store.inbox import Claim
from pipeline.store.inbox import Inbox
from pipeline.store.workspace import Workspace
from pipeline.worker import Reply


@dataclass
class Result:
    name: str
    outcome: str  # 已归档 / 已登记 / 重复 / 退回
    archive_code: str = ""
    seconds: float = 0.0
    reason: str = ""
    note: str = ""  # for a filed input: the fields the pipeline completed (补全)


class Outcomes:
    """Moves inputs to where their outcome puts them, keeps the log, reports each result."""

    def __init__(self, workspace: Workspace, inbox: Inbox, report: Callable[[Result], None],
                 clock: Callable[[], float]) -> None:  # fmt: skip
        self.workspace = workspace
        self.inbox = inbox
        self.report = report
        self.clock = clock
        self.log_path = workspace.root / ".fawen" / "watch.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)

    def apply(self, claim: Claim, reply: Reply, started: float) -> Result:
        """The claimed input where its worker's reply puts it; the Result, timed from ``started``."""
        name = display_name(claim.original.name)
        if reply.outcome == "重复":
            said = reply.reason or f"{name} 与已归档的 {reply.archive_code} 第{reply.version}版内容相同，未重复归档。"
            self.inbox.duplicate(claim, said)
            result = Result(name, "重复", reply.archive_code)
        elif reply.outcome == "已归档":
            self.inbox.done(claim)
            completed = f"补全：{'、'.join(reply.completed)}" if reply.completed else ""
            result = Result(name, "已归档", reply.archive_code, note=completed)
        elif (
            reply.outcome == "已登记"
        ):  # recorded, not filed (办理反馈, 联络员变更, 信访信息): kept in the archive all the same
            self.inbox.done(claim)
            result = Result(name, "已登记", reply.archive_code, note=reply.note)
        else:
            self.inbox.reject(claim, reply.reason)
            result = Result(name, "退回", reason=reply.reason)
        result.seconds = max(0.0, self.clock() - started)
        return result

    def misplaced(self, path: Path, kind: str) -> None:
        """An entry named as an input that is no regular file, set aside unread and recorded."""
        reason = misplaced_reason(display_name(path.name), kind)
        if self.inbox.set_aside_misplaced(path, reason) is not None:
            self.record(Result(display_name(path.name), "退回", reason=reason))

    def record(self, result: Result) -> None:
        """The log line, then the report (in the watcher's thread)."""
        result.reason, result.note = display_name(result.reason), display_name(result.note)  # they may quote a name
        self._log(result)
        self.report(result)

    def _log(self, result: Result) -> None:
        when = dt.datetime.now(intake.workspace_zone(self.workspace)).isoformat(timespec="seconds")
        detail = result.reason.splitlines()[0] if result.reason else result.note
        fields = (when, _one_line(result.name), result.outcome, result.archive_code, f"{result.seconds:.2f}秒",
                  _one_line(detail))  # fmt: skip
        line = "\t".join(fields) + "\n"
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(line)


def misplaced_reason(name: str, kind: str) -> str:
    """Why an entry of the inbox named as an input was set aside unread."""
    why = {"符号链接": "它可能指向本机任何位置的文件，fawen 不经链接读取"}.get(kind, "其中没有可读取的输入内容")
    return (f"{name} 不是普通文件，而是{kind}：{why}，已原样移到 inbox/rejected/。\n"
            f"应为：把输入文件本身（YAML、JSON 或 Markdown 文本文件）复制到 inbox/。")  # fmt: skip


def _one_line(text: str) -> str:
    """A field of one log line: a file name may hold a line break or a tab (anyone may name a
    file in the inbox), which would forge or split log lines; they are written escaped."""
    breaks = "\n\r\t\v\f\x1c\x1d\x1e\x85\u2028\u2029"
    return "".join(
        (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}") if ch in breaks else ch for ch in text
    )
