"""Claim: an input judged finished is moved, with the attachment files it names, into this
process's private ``.processing`` folder (atomically, so two watchers never both take it) and
looked at again there: size, time and digest must still be those of the bytes judged and no
writer may hold it (a writer keeps its handle across our rename). Otherwise it is held there for
its writer, and its new bytes are judged. Claims a crashed watcher left are taken up again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.inbox.stability import Judged
from pipeline.inbox.stability import Seen
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.store.inbox import Claim
from pipeline.store.inbox import Inbox


@dataclass
class Held:
    """A claimed file that changed or was still open for writing after the claim."""

    claim: Claim
    seen: Seen


class Claims:
    """The inputs this watcher has claimed and holds for their writers (``held``, by the claimed
    path)."""

    def __init__(self, inbox: Inbox, clock: Callable[[], float]) -> None:
        self.inbox = inbox
        self.clock = clock
        self.held: dict[Path, Held] = {}

    def recover(self) -> None:
        """Files a crashed watcher had claimed are taken up again first: judged like any other
        (the crash may have come while their writer was still at work)."""
        for claim in self.inbox.abandoned():
            now = self.clock()
            self.held[claim.path] = Held(claim, Seen(-1, -1, now, now))

    def take(self, path: Path, judged: Judged) -> Claim | None:
        """Move the input and its attachments out of the inbox; None when another watcher was first."""
        return self.inbox.claim(path, judged.attachments)

    def take_more(self, held: Held, judged: Judged) -> Claim:
        """A held input's new bytes name more attachments: they come along too."""
        held.claim = self.inbox.claim_more(held.claim, judged.attachments)
        return held.claim

    def unchanged(self, path: Path, judged: Judged) -> bool:
        """After the claim: still the judged bytes, and no writer (which keeps its handle across
        our rename) holds it."""
        try:
            return judged.snapshot.same(self.inbox.snapshot(path, MAX_INPUT_BYTES))
        except FileNotFoundError:
            return False

    def waiting(self, claim: Claim, first: float) -> Held:
        """A claimed input whose writer still had it open, or wrote on: to wait where it is now,
        looked at afresh (``first``: when it was first seen in the inbox)."""
        return Held(claim, Seen(-1, -1, self.clock(), first))
