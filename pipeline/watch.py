"""The watched inbox (fawen watch): a clerk drops an input file into ``inbox/`` and a few
moments later its documents are in the archive.

A file is taken only when its writer is done: its size and modification time have been stable for
a short delay, nobody has it open for writing (a kernel lease tells on Linux; else watchdog's
close-after-write event where inotify reports one; else stability alone, as on network shares), and
it parses. It is then claimed (moved atomically into a private ``.processing`` folder, so two
watchers never both take it) and looked at again there: size, time and digest must still be those
of the bytes judged and no writer may hold it (a writer keeps its handle across our rename);
otherwise it waits in ``.processing`` for its writer and its new bytes are judged. Then it is filed
exactly as ``fawen file`` does, by a worker process within a time and memory budget
(pipeline.worker: an input over budget is stopped and rejected, the others go on), and on failure
set aside in ``rejected/`` with its reason. Events
come from watchdog (inotify, or polling for network shares); a start-up scan and a periodic rescan
catch whatever events were missed.
"""

from __future__ import annotations

import datetime as dt
import functools
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

from watchdog.events import FileClosedEvent
from watchdog.events import FileCreatedEvent
from watchdog.events import FileDeletedEvent
from watchdog.events import FileModifiedEvent
from watchdog.events import FileMovedEvent
from watchdog.events import FileSystemEvent
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from pipeline import run
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.store.inbox import Claim
from pipeline.store.inbox import Inbox
from pipeline.store.inbox import Snapshot
from pipeline.store.inbox import is_input
from pipeline.store.workspace import Workspace
from pipeline.worker import Pool
from pipeline.worker import Reply


def _nothing() -> None:
    """Nothing to record: the input stays where it is, to be looked at again."""


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
    leases: bool = True  # ask the kernel whether a writer still holds a file open (Linux, local disks)
    timeout: float = 60.0  # seconds one input may take to file (a real one takes well under a second)
    memory: int = 1024  # MB of address space one input may take on top of what its worker holds already
    # Inputs are taken one at a time, in name order, as long as each takes its normal fraction of a
    # second; one that takes longer steps aside: the next is taken beside it, up to ``lanes`` at once
    lanes: int = 2
    step_aside: float = 1.0  # seconds
    # after this many seconds with nothing to do, the warm workers are stopped (each holds fonts and
    # a renderer, about 260 MB); the first input after that waits a second or two for one to start
    rest: float = 60.0


# watchdog holds every inotify event behind an unpaired move (each of our claims) for up to 0.5 s
EVENT_LAG = 0.6


@dataclass
class _Seen:
    size: int
    mtime: int
    changed: float  # monotonic time of the last change
    first: float
    writing: bool = False  # inotify: written since its last close-after-write
    closed: float = float("-inf")  # inotify: when its last close-after-write was reported
    look: float = 0.0  # not before: a writer held it open at the last look


@dataclass
class _Held:
    """A claimed file that changed or was still open for writing after the claim."""

    claim: Claim
    seen: _Seen


@dataclass
class Result:
    name: str
    outcome: str  # 已归档 / 已登记 / 重复 / 退回
    archive_code: str = ""
    seconds: float = 0.0
    reason: str = ""
    note: str = ""  # for a filed input: the fields the pipeline completed (补全)


class _Events(FileSystemEventHandler):
    # only what tells a change or a writer's close: no open/read events, our own reads make them
    KINDS = (FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent, FileClosedEvent)

    def __init__(self, root: Path, sink: queue.Queue[tuple[Path, str]]) -> None:
        self.root = root
        self.sink = sink

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw, kind in ((event.src_path, event.event_type), (getattr(event, "dest_path", ""), "created")):
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if path.parent == self.root and is_input(path.name):
                self.sink.put((path, kind))


@dataclass
class Watcher:
    """One inbox watcher. ``run()`` blocks until ``stop()`` (or SIGINT/SIGTERM)."""

    workspace: Workspace
    settings: Settings = field(default_factory=Settings)
    report: Callable[[Result], None] = lambda result: None
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.workspace.inbox)
        if not self.settings.leases:
            self.inbox.leases = False
        self.events: queue.Queue[tuple[Path, str]] = queue.Queue()
        self.pending: dict[Path, _Seen] = {}
        self.held: dict[Path, _Held] = {}  # by the claimed path
        self.verdicts: dict[Path, str] = {}  # by the dropped path: why it was over budget when judged
        self.closes = False  # the observer reports close-after-write (inotify only; FSEvents and Windows do not)
        self._stop = threading.Event()
        self.pool = Pool(self.workspace, self.settings.timeout, self.settings.memory, self.settings.lanes)
        self.running: dict[Path, float] = {}  # inputs in hand (pending or claimed path): since when
        self.finished: queue.Queue[tuple[Path, Callable[[], None]]] = queue.Queue()
        self.log_path = self.workspace.root / ".fawen" / "watch.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)

    def stop(self, *_args: Any) -> None:
        self._stop.set()

    @property
    def busy(self) -> bool:
        return bool(self.pending or self.held or self.running)

    # ---- one pass ---------------------------------------------------------------------------------

    def recover(self) -> None:
        """Files a crashed watcher had claimed are taken up again first: judged like any other
        (the crash may have come while their writer was still at work)."""
        for claim in self.inbox.abandoned():
            now = self.clock()
            self.held[claim.path] = _Held(claim, _Seen(-1, -1, now, now))

    def scan(self) -> None:
        for path in self.inbox.candidates():
            self._note(path)

    def _note(self, path: Path, kind: str = "", table: dict[Path, _Seen] | None = None) -> None:
        table = self.pending if table is None else table
        try:
            st = path.stat()
        except FileNotFoundError:
            table.pop(path, None)
            return
        now = self.clock()
        seen = table.get(path)
        if seen is None:
            seen = table[path] = _Seen(st.st_size, st.st_mtime_ns, now, now)
        elif (seen.size, seen.mtime) != (st.st_size, st.st_mtime_ns):
            seen.size, seen.mtime, seen.changed = st.st_size, st.st_mtime_ns, now
        if kind == "modified":
            seen.writing = True
        elif kind == "closed":
            seen.writing, seen.closed = False, now

    def _settled(self, seen: _Seen) -> bool:
        now = self.clock()
        return now - seen.changed >= self.settings.delay and now >= seen.look

    def step(self) -> int:
        """Take every pending file that is ready, as lanes allow; returns how many were taken up.
        What each input in hand comes to is applied here, in this thread, as it finishes."""
        while True:
            try:
                self._note(*self.events.get_nowait())
            except queue.Empty:
                break
        self._settle()
        done = 0
        for path in sorted(self.pending):
            if self._stop.is_set():
                break
            if path in self.running:
                continue
            self._note(path)
            seen = self.pending.get(path)
            if seen is None or not self._settled(seen):
                continue
            if not self._lane_free():
                break
            self._start(path, functools.partial(self._try, path, seen))
            done += 1
        for path in sorted(self.held):
            if self._stop.is_set() or not self._lane_free():
                break
            if path not in self.running:
                self._start(path, functools.partial(self._retry, self.held[path]))
        return done

    def _lane_free(self) -> bool:
        """Another input may be taken now: fewer than ``lanes`` in hand, and each of those past its
        normal time (so name order holds while every input is quick)."""
        now = self.clock()
        return len(self.running) < self.settings.lanes and all(
            now - since >= self.settings.step_aside for since in self.running.values())

    def _start(self, key: Path, work: Callable[[], Callable[[], None]]) -> None:
        self.running[key] = self.clock()
        threading.Thread(target=self._work, args=(key, work), daemon=True, name=f"fawen-input-{key.name}").start()

    def _work(self, key: Path, work: Callable[[], Callable[[], None]]) -> None:
        """One input in hand, in its own thread (it mostly waits on its worker process)."""
        try:
            settle = work()
        except Exception:  # noqa: BLE001 — a bug here must not lose the input: it is looked at again
            logging.getLogger(__name__).exception("处理 %s 时出错，稍后重试", key.name)
            settle = _nothing
        self.finished.put((key, settle))

    def _settle(self, wait: float = 0.0) -> None:
        """Apply what finished inputs came to (in this thread: the tables are this thread's),
        waiting up to ``wait`` seconds for the first."""
        deadline = self.clock() + wait
        while True:
            try:
                if wait > 0:
                    key, settle = self.finished.get(timeout=max(0.0, deadline - self.clock()))
                else:
                    key, settle = self.finished.get_nowait()
            except queue.Empty:
                return
            self.running.pop(key, None)
            settle()
            wait = 0.0  # the rest already there, without waiting

    def _try(self, path: Path, seen: _Seen) -> Callable[[], None]:
        """Claim and process a file whose writer is done; what to record of it once done (it stays
        pending to be looked at again later, or leaves the table)."""
        now = self.clock()

        def gone() -> None:
            self.pending.pop(path, None)

        try:
            snap = self._judge(path, seen)
        except FileNotFoundError:
            return gone  # another watcher took it
        if snap is None:
            return _nothing
        claim = self.inbox.claim(path, snap[1])
        if claim is None:
            self.verdicts.pop(path, None)
            return gone
        if self._unchanged(claim.path, snap[0]):
            result = self._process(claim, now)
            return lambda: (gone(), self._finish(result))
        # its writer still had it open, or wrote on: wait for it where it is now
        self.verdicts.pop(path, None)  # its new bytes are judged afresh
        held = _Held(claim, _Seen(-1, -1, self.clock(), seen.first))
        self._note(claim.path, table={claim.path: held.seen})

        def hold() -> None:
            gone()
            self.held[claim.path] = held

        return hold

    def _retry(self, held: _Held) -> Callable[[], None]:
        """A claimed file whose bytes changed after they were judged: judge its new bytes once its
        writer is done, never file or reject the old ones."""
        path = held.claim.path

        def gone() -> None:
            self.held.pop(path, None)

        table = {path: held.seen}
        self._note(path, table=table)
        if path not in table:  # cannot happen short of a person removing it by hand
            return gone
        try:
            snap = self._judge(path, held.seen) if self._settled(held.seen) else None
        except FileNotFoundError:
            snap = None
        if snap is None:
            return _nothing
        now = self.clock()
        claim = held.claim = self.inbox.claim_more(held.claim, snap[1])
        if self._unchanged(path, snap[0]):
            result = self._process(claim, now)
            return lambda: (gone(), self._finish(result))
        return _nothing

    def _unchanged(self, path: Path, judged: Snapshot) -> bool:
        """After the claim: still the judged bytes, and no writer (which keeps its handle across
        our rename) holds it."""
        try:
            return judged.same(self.inbox.snapshot(path, MAX_INPUT_BYTES))
        except FileNotFoundError:
            return False

    def _writer_done(self, snap: Snapshot, seen: _Seen) -> bool:
        """The best evidence this system has that the writer finished (the delay has passed)."""
        if snap.writer_known:
            return True  # a lease said nobody holds it open for writing
        if not self.closes:
            return True  # stability alone: polling, network shares, other systems
        if seen.writing:
            return False  # inotify saw it written and not yet closed
        return seen.closed >= seen.changed or self.clock() - seen.changed >= self.settings.delay + EVENT_LAG

    def _judge(self, path: Path, seen: _Seen) -> tuple[Snapshot, list[str]] | None:
        """The file's bytes and the attachments they name, once its writer is done and they may be
        filed (or rejected); None to look again later."""
        now = self.clock()
        self.verdicts.pop(path, None)  # a verdict is about the bytes judged last
        snap = self.inbox.snapshot(path, MAX_INPUT_BYTES)
        if snap is None or snap.size != seen.size or not self._writer_done(snap, seen):
            seen.look = now + self.settings.delay  # its writer is at work: look less often
            return None
        if snap.size > MAX_INPUT_BYTES:
            return snap, []  # whole and too big: its worker says so
        named = self.pool.named_files(path.name, path.suffix, snap.data)
        if isinstance(named, str):  # parsing alone ran over the budget: rejected once claimed
            self.verdicts[path] = named
            return snap, []
        if named is None and now - seen.changed < self.settings.parse_grace:
            return None  # does not parse: may still be growing in pauses
        attachments = named or []
        places = (path.parent, self.inbox.root)  # a claimed input's attachments may still be in the inbox
        missing = [a for a in attachments if not any((p / a).is_file() for p in places)]
        if missing and now - seen.first < self.settings.attachment_grace:
            return None  # attachments are often copied one after the other
        for a in attachments:
            target = self.inbox.root / a
            if target.is_file() and time.time() - target.stat().st_mtime < self.settings.delay:
                return None  # an attachment still being written
        return snap, attachments

    def _process(self, claim: Claim, started: float) -> Result:
        """File it in a worker (pipeline.worker): over its time or memory budget it is stopped
        there and rejected here, with the reason."""
        name = claim.original.name
        verdict = self.verdicts.pop(claim.path, None) or self.verdicts.pop(claim.original, None)
        reply = Reply("退回", reason=verdict) if verdict else self.pool.file(claim.path)
        if reply.outcome == "重复":
            said = reply.reason or f"{name} 与已归档的 {reply.archive_code} 第{reply.version}版内容相同，未重复归档。"
            self.inbox.duplicate(claim, said)
            result = Result(name, "重复", reply.archive_code)
        elif reply.outcome == "已归档":
            self.inbox.done(claim)
            completed = f"补全：{'、'.join(reply.completed)}" if reply.completed else ""
            result = Result(name, "已归档", reply.archive_code, note=completed)
        elif reply.outcome == "已登记":  # recorded, not filed (办理反馈, 联络员变更, 信访信息): kept in the archive all the same
            self.inbox.done(claim)
            result = Result(name, "已登记", reply.archive_code, note=reply.note)
        else:
            self.inbox.reject(claim, reply.reason)
            result = Result(name, "退回", reason=reply.reason)
        result.seconds = max(0.0, self.clock() - started)
        return result

    def _finish(self, result: Result) -> None:
        self._log(result)
        self.report(result)

    def _log(self, result: Result) -> None:
        when = dt.datetime.now(run.workspace_zone(self.workspace)).isoformat(timespec="seconds")
        detail = result.reason.splitlines()[0] if result.reason else result.note
        line = f"{when}\t{result.name}\t{result.outcome}\t{result.archive_code}\t{result.seconds:.2f}秒\t{detail}\n"
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(line)

    # ---- the service ------------------------------------------------------------------------------

    def run_once(self) -> None:
        """Process what is in the inbox now (waiting for files still being written) and return."""
        self.pool.start()
        try:
            self.recover()
            self.scan()
            grace = max(self.settings.attachment_grace, self.settings.parse_grace) + 5
            deadline = self.clock() + grace  # for files still being written; progress extends it
            while self.busy and (self.running or self.clock() < deadline) and not self._stop.is_set():
                if self.step() or self.running:
                    deadline = self.clock() + grace
                if self.running:
                    self._settle(self.settings.poll)
                else:
                    time.sleep(self.settings.poll)
                self.scan()
        finally:
            self._drain()
            self.pool.close()

    def run(self, install_signals: bool = True) -> None:
        if install_signals:
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)
        observer = self._observer()
        self.pool.start()
        try:
            self.recover()
            self.scan()
            last_scan = self.clock()
            while not self._stop.is_set():
                self.step()
                if self.clock() - last_scan >= self.settings.rescan:
                    self.scan()
                    last_scan = self.clock()
                if self.running:
                    self._settle(self.settings.poll)
                else:
                    self._stop.wait(self.settings.poll)
                    if not self.busy:
                        self.pool.rest(self.settings.rest)
        finally:
            self._drain()
            self.pool.close()
            observer.stop()
            observer.join(timeout=5)

    def _drain(self) -> None:
        """On stop: the inputs in hand are finished (their workers are not interrupted) and recorded."""
        while self.running:
            self._settle(self.settings.poll)

    def _observer(self) -> Any:
        handler = _Events(self.inbox.root, self.events)
        if not self.settings.polling:
            try:
                observer = Observer()
                observer.schedule(handler, str(self.inbox.root), recursive=False, event_filter=list(_Events.KINDS))
                observer.start()
                self.closes = type(observer).__name__.startswith("Inotify")
                return observer
            except OSError:
                pass  # no native events here (inotify limits, some file systems): poll instead
        observer = PollingObserver(timeout=0.5)
        observer.schedule(handler, str(self.inbox.root), recursive=False)
        observer.start()
        return observer
