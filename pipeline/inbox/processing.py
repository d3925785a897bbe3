"""Processing: the inputs in hand, each in its own thread waiting on a worker process that files
it exactly as ``fawen file`` does, within a time and memory budget (pipeline.worker: an input over
budget is stopped and rejected, the others go on). Inputs are taken one at a time, in name order,
as long as each takes its normal fraction of a second; one that takes longer steps aside and the
next is taken beside it, up to ``lanes`` at once. What each input comes to is applied in the
watcher's own thread as it finishes."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from pipeline.inbox.settings import Settings
from pipeline.store.inbox import Claim
from pipeline.store.workspace import Workspace
from pipeline.worker import Pool
from pipeline.worker import Reply

Settle = Callable[[], None]  # what an input came to, applied to the watcher's tables in its thread

_log = logging.getLogger("pipeline.watch")


def nothing() -> None:
    """Nothing to record: the input stays where it is, to be looked at again."""


class Processing:
    """The worker pool and the lanes: ``running`` (inputs in hand, pending or claimed path: since
    when) and ``finished`` (what they came to, to be settled)."""

    def __init__(self, workspace: Workspace, settings: Settings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self.pool = Pool(workspace, settings.timeout, settings.memory, settings.lanes)
        self.running: dict[Path, float] = {}
        self.finished: queue.Queue[tuple[Path, Settle]] = queue.Queue()

    def lane_free(self) -> bool:
        """Another input may be taken now: fewer than ``lanes`` in hand, and each of those past its
        normal time (so name order holds while every input is quick)."""
        now = self.clock()
        return len(self.running) < self.settings.lanes and all(
            now - since >= self.settings.step_aside for since in self.running.values())  # fmt: skip

    def start(self, key: Path, work: Callable[[], Settle]) -> None:
        self.running[key] = self.clock()
        threading.Thread(target=self._work, args=(key, work), daemon=True, name=f"fawen-input-{key.name}").start()

    def _work(self, key: Path, work: Callable[[], Settle]) -> None:
        """One input in hand, in its own thread (it mostly waits on its worker process)."""
        try:
            settle = work()
        except Exception:  # noqa: BLE001 — a bug here must not lose the input: it is looked at again
            _log.exception("处理 %s 时出错，稍后重试", key.name)
            settle = nothing
        self.finished.put((key, settle))

    def settle(self, wait: float = 0.0) -> None:
        """Apply what finished inputs came to (in the watcher's thread: the tables are its own),
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

    def drain(self) -> None:
        """On stop: the inputs in hand are finished (their workers are not interrupted) and recorded."""
        while self.running:
            self.settle(self.settings.poll)

    def file(self, claim: Claim, verdict: str = "") -> Reply:
        """File a claimed input in a worker; one judged over budget already (``verdict``) is
        rejected with that reason, without another try."""
        return Reply("退回", reason=verdict) if verdict else self.pool.file(claim.path)
