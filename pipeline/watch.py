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

Each of those parts is a module of ``pipeline.inbox`` (discovery, stability, claim, processing,
outcome); the ``Watcher`` here only puts them in order and runs the loop.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from pipeline.inbox.claim import Claims
from pipeline.inbox.claim import Held
from pipeline.inbox.discovery import Discovery
from pipeline.inbox.outcome import Outcomes
from pipeline.inbox.outcome import Result
from pipeline.inbox.processing import Processing
from pipeline.inbox.processing import Settle
from pipeline.inbox.processing import nothing
from pipeline.inbox.settings import Settings
from pipeline.inbox.stability import Judged
from pipeline.inbox.stability import Seen
from pipeline.inbox.stability import Stability
from pipeline.store.inbox import Claim
from pipeline.store.inbox import Inbox
from pipeline.store.workspace import Workspace

__all__ = ["Result", "Settings", "Watcher"]


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
        self.discovery = Discovery(self.inbox)
        self.processing = Processing(self.workspace, self.settings, self.clock)
        self.stability = Stability(self.inbox, self.settings, self.clock, self.processing.pool.named_files)
        self.claims = Claims(self.inbox, self.clock)
        self.outcomes = Outcomes(self.workspace, self.inbox, self.report, self.clock)
        self._stop = threading.Event()

    def stop(self, *_args: Any) -> None:
        self._stop.set()

    @property
    def busy(self) -> bool:
        return bool(self.stability.pending or self.claims.held or self.processing.running)

    @property
    def closes(self) -> bool:
        """The observer reports close-after-write (inotify only; FSEvents and Windows do not)."""
        return self.stability.closes

    # ---- one pass ---------------------------------------------------------------------------------

    def recover(self) -> None:
        self.claims.recover()

    def scan(self) -> None:
        survey = self.discovery.listing()
        for path in survey.inputs:
            self.stability.note(path)
        for path, kind in survey.misplaced:
            self.outcomes.misplaced(path, kind)

    def step(self) -> int:
        """Take every pending file that is ready, as lanes allow; returns how many were taken up.
        What each input in hand comes to is applied here, in this thread, as it finishes."""
        for path, kind in self.discovery.arrivals():
            self.stability.note(path, kind)
        self.processing.settle()
        done = self._take_pending()
        self._take_held()
        return done

    def _take_pending(self) -> int:
        """Dropped files whose writer seems done, in name order, as lanes allow."""
        done = 0
        for path in sorted(self.stability.pending):
            if self._stop.is_set():
                break
            if path in self.processing.running:
                continue
            self.stability.note(path)
            seen = self.stability.pending.get(path)
            if seen is None or not self.stability.settled(seen):
                continue
            if not self.processing.lane_free():
                break
            self.processing.start(path, functools.partial(self._try, path, seen))
            done += 1
        return done

    def _take_held(self) -> None:
        """Claimed files held for their writers, looked at again as lanes allow."""
        for path in sorted(self.claims.held):
            if self._stop.is_set() or not self.processing.lane_free():
                break
            if path not in self.processing.running:
                self.processing.start(path, functools.partial(self._retry, self.claims.held[path]))

    # ---- one input, in its own thread: stability -> claim -> processing -> outcome -------------------

    def _try(self, path: Path, seen: Seen) -> Settle:
        """Claim and process a file whose writer is done; what to record of it once done (it stays
        pending to be looked at again later, or leaves the table)."""
        now = self.clock()

        def gone() -> None:
            self.stability.pending.pop(path, None)

        try:
            judged = self.stability.judge(path, seen)
        except FileNotFoundError:
            return gone  # another watcher took it
        if judged is None:
            return nothing
        claim = self.claims.take(path, judged)
        if claim is None:
            return gone
        if self.claims.unchanged(claim.path, judged):
            return self._processed(claim, judged, now, gone)
        # its writer still had it open, or wrote on: wait for it where it is now (its new bytes are judged afresh)
        held = self.claims.waiting(claim, seen.first)
        self.stability.note(claim.path, table={claim.path: held.seen})

        def hold() -> None:
            gone()
            self.claims.held[claim.path] = held

        return hold

    def _retry(self, held: Held) -> Settle:
        """A claimed file whose bytes changed after they were judged: judge its new bytes once its
        writer is done, never file or reject the old ones."""
        path = held.claim.path

        def gone() -> None:
            self.claims.held.pop(path, None)

        table = {path: held.seen}
        self.stability.note(path, table=table)
        if path not in table:  # cannot happen short of a person removing it by hand
            return gone
        try:
            judged = self.stability.judge(path, held.seen) if self.stability.settled(held.seen) else None
        except FileNotFoundError:
            judged = None
        if judged is None:
            return nothing
        now = self.clock()
        claim = self.claims.take_more(held, judged)
        if self.claims.unchanged(path, judged):
            return self._processed(claim, judged, now, gone)
        return nothing

    def _processed(self, claim: Claim, judged: Judged, started: float, gone: Settle) -> Settle:
        """File it in a worker (pipeline.worker): over its time or memory budget it is stopped
        there and rejected here, with the reason. Moved where its outcome puts it now; recorded
        (log, report) when settled."""
        result = self.outcomes.apply(claim, self.processing.file(claim, judged.verdict), started)

        def record() -> None:
            gone()
            self.outcomes.record(result)

        return record

    # ---- the service ------------------------------------------------------------------------------

    def run_once(self) -> None:
        """Process what is in the inbox now (waiting for files still being written) and return."""
        self.processing.pool.start()
        try:
            self.recover()
            self.scan()
            grace = max(self.settings.attachment_grace, self.settings.parse_grace) + 5
            deadline = self.clock() + grace  # for files still being written; progress extends it
            while self.busy and (self.processing.running or self.clock() < deadline) and not self._stop.is_set():
                if self.step() or self.processing.running:
                    deadline = self.clock() + grace
                if self.processing.running:
                    self.processing.settle(self.settings.poll)
                else:
                    time.sleep(self.settings.poll)
                self.scan()
        finally:
            self.processing.drain()
            self.processing.pool.close()

    def run(self, install_signals: bool = True) -> None:
        if install_signals:
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)
        observer, self.stability.closes = self.discovery.observe(self.settings.polling)
        self.processing.pool.start()
        try:
            self.recover()
            self.scan()
            self._serve()
        finally:
            self.processing.drain()
            self.processing.pool.close()
            observer.stop()
            observer.join(timeout=5)

    def _serve(self) -> None:
        """Until stopped: take what is ready, rescan now and then, settle what finished; rest the
        workers when there is nothing to do."""
        last_scan = self.clock()
        while not self._stop.is_set():
            self.step()
            if self.clock() - last_scan >= self.settings.rescan:
                self.scan()
                last_scan = self.clock()
            if self.processing.running:
                self.processing.settle(self.settings.poll)
            else:
                self._stop.wait(self.settings.poll)
                if not self.busy:
                    self.processing.pool.rest(self.settings.rest)
