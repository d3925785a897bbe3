"""The watched inbox (fawen watch): a clerk drops an input file into ``inbox/`` and a few
moments later its documents are in the archive.

A file is taken only when its size and modification time have been stable for a short delay and
it parses (a file still being copied is never read); it is then claimed (moved atomically into a
private ``.processing`` folder, so two watchers never both take it), filed exactly as ``fawen
file`` does, and on failure set aside in ``rejected/`` with its reason. Events come from
watchdog (inotify, or polling for network shares); a start-up scan and a periodic rescan catch
whatever events were missed.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from pipeline import run
from pipeline.errors import FawenError
from pipeline.stages.parse import parse_input
from pipeline.store.inbox import Claim
from pipeline.store.inbox import Inbox
from pipeline.store.inbox import is_input
from pipeline.store.workspace import Workspace


class _ShutdownRace(logging.Filter):
    """watchdog 7.1 logs, as an error, an event read while its inotify thread is being stopped;
    it is harmless, and a clerk reading the console should not see it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_ShutdownRace())


@dataclass
class Settings:
    delay: float = 0.25  # seconds a file must stay unchanged before it is taken
    poll: float = 0.05  # how often pending files are looked at
    # a listing of the inbox this often: watchdog's inotify buffer holds events about half a
    # second (to pair moves), and a listing of one folder costs little; events still wake us
    rescan: float = 0.1
    attachment_grace: float = 5.0  # how long an input waits for the attachment files it names
    parse_grace: float = 2.0  # how long a stable file that does not parse may still be growing
    polling: bool = False  # poll the folder instead of native events (network shares, volumes)


@dataclass
class _Seen:
    size: int
    mtime: int
    changed: float  # monotonic time of the last change
    first: float


@dataclass
class Result:
    name: str
    outcome: str  # 已归档 / 重复 / 退回
    archive_code: str = ""
    seconds: float = 0.0
    reason: str = ""


class _Events(FileSystemEventHandler):
    def __init__(self, root: Path, sink: queue.Queue[Path]) -> None:
        self.root = root
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if path.parent == self.root and is_input(path.name):
                self.sink.put(path)


@dataclass
class Watcher:
    """One inbox watcher. ``run()`` blocks until ``stop()`` (or SIGINT/SIGTERM)."""

    workspace: Workspace
    settings: Settings = field(default_factory=Settings)
    report: Callable[[Result], None] = lambda result: None
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.workspace.inbox)
        self.events: queue.Queue[Path] = queue.Queue()
        self.pending: dict[Path, _Seen] = {}
        self._stop = threading.Event()
        self.log_path = self.workspace.root / ".fawen" / "watch.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)

    def stop(self, *_args: Any) -> None:
        self._stop.set()

    # ---- one pass ---------------------------------------------------------------------------------

    def recover(self) -> None:
        """Files a crashed watcher had claimed are taken up again first."""
        for claim in self.inbox.abandoned():
            self._process(claim, self.clock())

    def scan(self) -> None:
        for path in self.inbox.candidates():
            self._note(path)

    def _note(self, path: Path) -> None:
        try:
            st = path.stat()
        except FileNotFoundError:
            self.pending.pop(path, None)
            return
        now = self.clock()
        seen = self.pending.get(path)
        if seen is None:
            self.pending[path] = _Seen(st.st_size, st.st_mtime_ns, now, now)
        elif (seen.size, seen.mtime) != (st.st_size, st.st_mtime_ns):
            seen.size, seen.mtime, seen.changed = st.st_size, st.st_mtime_ns, now

    def step(self) -> int:
        """Take every pending file that is ready; returns how many were processed."""
        while True:
            try:
                self._note(self.events.get_nowait())
            except queue.Empty:
                break
        done = 0
        for path in sorted(self.pending):
            if self._stop.is_set():
                break
            self._note(path)
            seen = self.pending.get(path)
            if seen is None or self.clock() - seen.changed < self.settings.delay:
                continue
            if self._try(path, seen):
                self.pending.pop(path, None)
                done += 1
        return done

    def _try(self, path: Path, seen: _Seen) -> bool:
        """Claim and process a stable file; False to look at it again later."""
        now = self.clock()
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return True  # another watcher took it
        if len(data) != seen.size:
            return False
        attachments: list[str] = []
        try:
            raw = parse_input(path.name, path.suffix, data)
            items = raw.data.get("附件") if isinstance(raw.data.get("附件"), list) else []
            attachments = [str(a["文件"]) for a in items if isinstance(a, dict) and a.get("文件")]
            ledger = raw.data.get("督查事项")
            if isinstance(ledger, str):
                attachments.append(ledger)
        except FawenError:
            if now - seen.changed < self.settings.parse_grace:
                return False  # may still be growing in pauses
        missing = [a for a in attachments if not (path.parent / a).is_file()]
        if missing and now - seen.first < self.settings.attachment_grace:
            return False  # attachments are often copied one after the other
        for a in attachments:
            target = path.parent / a
            if target.is_file() and time.time() - target.stat().st_mtime < self.settings.delay:
                return False  # an attachment still being written
        claim = self.inbox.claim(path, attachments)
        if claim is None:
            return True
        self._process(claim, now)
        return True

    def _process(self, claim: Claim, started: float) -> None:
        name = claim.original.name
        try:
            filed = run.file_document(claim.path, self.workspace, dt.date.today(), dt.datetime.now().astimezone())
        except FawenError as exc:
            self.inbox.reject(claim, exc.message)
            result = Result(name, "退回", reason=exc.message)
        except Exception as exc:  # noqa: BLE001 — one bad file never stops the others
            self.inbox.reject(claim, f"处理 {name} 时出现意外错误：{type(exc).__name__}: {exc}\n请把此文件和这段说明交给系统管理员。")
            result = Result(name, "退回", reason=f"意外错误：{exc}")
        else:
            if filed.duplicate:
                self.inbox.duplicate(claim, f"{name} 与已归档的 {filed.archive_code} 第{filed.version}版内容相同，未重复归档。")
                result = Result(name, "重复", filed.archive_code)
            else:
                self.inbox.done(claim)
                result = Result(name, "已归档", filed.archive_code)
        result.seconds = max(0.0, self.clock() - started)
        self._log(result)
        self.report(result)

    def _log(self, result: Result) -> None:
        line = (f"{dt.datetime.now().astimezone().isoformat(timespec='seconds')}\t{result.name}\t{result.outcome}\t"
                f"{result.archive_code}\t{result.seconds:.2f}秒\t{result.reason.splitlines()[0] if result.reason else ''}\n")  # fmt: skip
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(line)

    # ---- the service ------------------------------------------------------------------------------

    def run_once(self) -> None:
        """Process what is in the inbox now (waiting for files still being written) and return."""
        self.recover()
        self.scan()
        deadline = self.clock() + max(self.settings.attachment_grace, self.settings.parse_grace) + 5
        while self.pending and self.clock() < deadline and not self._stop.is_set():
            self.step()
            time.sleep(self.settings.poll)
            self.scan()

    def run(self, install_signals: bool = True) -> None:
        if install_signals:
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)
        observer = self._observer()
        try:
            self.recover()
            self.scan()
            last_scan = self.clock()
            while not self._stop.is_set():
                self.step()
                if self.clock() - last_scan >= self.settings.rescan:
                    self.scan()
                    last_scan = self.clock()
                self._stop.wait(self.settings.poll)
        finally:
            observer.stop()
            observer.join(timeout=5)

    def _observer(self) -> Any:
        handler = _Events(self.inbox.root, self.events)
        if not self.settings.polling:
            try:
                observer = Observer()
                observer.schedule(handler, str(self.inbox.root), recursive=False)
                observer.start()
                return observer
            except OSError:
                pass  # no native events here (inotify limits, some file systems): poll instead
        observer = PollingObserver(timeout=0.5)
        observer.schedule(handler, str(self.inbox.root), recursive=False)
        observer.start()
        return observer
