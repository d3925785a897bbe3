"""Stability: is a dropped file finished being written? Its size and modification time have been
stable for a short delay, nobody has it open for writing (a kernel lease tells on Linux; else
watchdog's close-after-write event where inotify reports one; else stability alone, as on network
shares), it parses (or has had ``parse_grace`` to), and the attachment files it names are there
(or have had ``attachment_grace`` to arrive) and are not being written."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.frozen import frozen
from pipeline.inbox.settings import Settings
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.store.inbox import Inbox
from pipeline.store.inbox import Snapshot

# watchdog holds every inotify event behind an unpaired move (each of our claims) for up to 0.5 s
EVENT_LAG = 0.6

# an input's bytes -> the files they name; None: they do not parse; a reason: parsing ran over budget
Parse = Callable[[str, str, bytes], list[str] | str | None]


@dataclass
class Seen:
    size: int
    mtime: int
    changed: float  # monotonic time of the last change
    first: float
    writing: bool = False  # inotify: written since its last close-after-write
    closed: float = float("-inf")  # inotify: when its last close-after-write was reported
    look: float = 0.0  # not before: a writer held it open at the last look


@frozen
class Judged:
    """A file's bytes judged finished, with the attachment files they name; ``verdict`` when
    parsing them alone ran over the budget (the input is rejected with it once claimed)."""

    snapshot: Snapshot
    attachments: list[str]
    verdict: str = ""


class Stability:
    """What is known of each file in the inbox (``pending``, by path), and the judgement whether
    its writer is done."""

    def __init__(self, inbox: Inbox, settings: Settings, clock: Callable[[], float], parse: Parse) -> None:
        self.inbox = inbox
        self.settings = settings
        self.clock = clock
        self.parse = parse  # in a worker process: the watcher trusts no input's bytes in its own
        self.pending: dict[Path, Seen] = {}
        self.closes = False  # the observer reports close-after-write (inotify only)

    def note(self, path: Path, kind: str = "", table: dict[Path, Seen] | None = None) -> None:
        """Look at a file (after an event of ``kind``, or none): its size and time, in ``table``
        (``pending`` unless another is given); a file gone, or no longer a regular file, leaves the table."""
        table = self.pending if table is None else table
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            table.pop(path, None)
            return
        if not stat.S_ISREG(st.st_mode):  # a link (it may point anywhere), a FIFO, a folder: never read
            table.pop(path, None)
            return
        now = self.clock()
        seen = table.get(path)
        if seen is None:
            seen = table[path] = Seen(st.st_size, st.st_mtime_ns, now, now)
        elif (seen.size, seen.mtime) != (st.st_size, st.st_mtime_ns):
            seen.size, seen.mtime, seen.changed = st.st_size, st.st_mtime_ns, now
        if kind == "modified":
            seen.writing = True
        elif kind == "closed":
            seen.writing, seen.closed = False, now

    def settled(self, seen: Seen) -> bool:
        now = self.clock()
        return now - seen.changed >= self.settings.delay and now >= seen.look

    def writer_done(self, snap: Snapshot, seen: Seen) -> bool:
        """The best evidence this system has that the writer finished (the delay has passed)."""
        if snap.writer_known:
            return True  # a lease said nobody holds it open for writing
        if not self.closes:
            return True  # stability alone: polling, network shares, other systems
        if seen.writing:
            return False  # inotify saw it written and not yet closed
        return seen.closed >= seen.changed or self.clock() - seen.changed >= self.settings.delay + EVENT_LAG

    def judge(self, path: Path, seen: Seen) -> Judged | None:
        """The file's bytes and the attachments they name, once its writer is done and they may be
        filed (or rejected); None to look again later. FileNotFoundError when it is gone."""
        now = self.clock()
        snap = self.inbox.snapshot(path, MAX_INPUT_BYTES)
        if snap is None or snap.size != seen.size or not self.writer_done(snap, seen):
            seen.look = now + self.settings.delay  # its writer is at work: look less often
            return None
        if snap.size > MAX_INPUT_BYTES:
            return Judged(snap, [])  # whole and too big: its worker says so
        named = self.parse(path.name, path.suffix, snap.data)
        if isinstance(named, str):  # parsing alone ran over the budget: rejected once claimed
            return Judged(snap, [], named)
        if named is None and now - seen.changed < self.settings.parse_grace:
            return None  # does not parse: may still be growing in pauses
        attachments = named or []
        if not self._attachments_ready(path, attachments, now - seen.first):
            return None
        return Judged(snap, attachments)

    def _attachments_ready(self, path: Path, attachments: list[str], waited: float) -> bool:
        """Every attachment the input names is there (or it has waited ``attachment_grace``: its
        worker says which is missing) and none is still being written."""
        places = (path.parent, self.inbox.root)  # a claimed input's attachments may still be in the inbox
        missing = [a for a in attachments if not any((p / a).is_file() for p in places)]
        if missing and waited < self.settings.attachment_grace:
            return False  # attachments are often copied one after the other
        for a in attachments:
            target = self.inbox.root / a
            if target.is_file() and time.time() - target.stat().st_mtime < self.settings.delay:
                return False  # an attachment still being written
        return True
