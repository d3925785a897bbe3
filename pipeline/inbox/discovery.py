"""Discovery: which inputs are in the inbox. Events come from watchdog (inotify, or polling for
network shares) as they happen; a listing of the folder, at start-up and every ``rescan``
seconds, catches whatever events were missed."""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
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

from pipeline.store.inbox import Inbox
from pipeline.store.inbox import Survey
from pipeline.store.inbox import is_input


class _ShutdownRace(logging.Filter):
    """watchdog 7.1 logs, as an error, an event read while its inotify thread is being stopped;
    it is harmless, and a clerk reading the console should not see it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_ShutdownRace())


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


class Discovery:
    """The inbox's inputs as they arrive: events gathered by an observer's thread, read by the
    watcher's; listings on demand."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.events: queue.Queue[tuple[Path, str]] = queue.Queue()

    def arrivals(self) -> Iterator[tuple[Path, str]]:
        """The events reported since the last look: (path, kind), kind as watchdog names it
        (created, modified, closed, deleted …)."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            yield event

    def listing(self) -> Survey:
        """The inputs in the inbox now (temporary, hidden and unsupported files left out), and
        what is named as an input but is no regular file."""
        return self.inbox.survey()

    def observe(self, polling: bool) -> tuple[Any, bool]:
        """Start watching the folder: native events, else (asked for, or none here) polling. The
        observer, and whether it reports a writer's close-after-write (inotify only; FSEvents and
        Windows do not)."""
        handler = _Events(self.inbox.root, self.events)
        if not polling:
            try:
                observer = Observer()
                observer.schedule(handler, str(self.inbox.root), recursive=False, event_filter=list(_Events.KINDS))
                observer.start()
                return observer, type(observer).__name__.startswith("Inotify")
            except OSError:
                pass  # no native events here (inotify limits, some file systems): poll instead
        observer = PollingObserver(timeout=0.5)
        observer.schedule(handler, str(self.inbox.root), recursive=False)
        observer.start()
        return observer, False
