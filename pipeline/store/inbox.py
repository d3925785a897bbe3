"""The inbox folder (收件箱): which files are inputs, claiming one for processing, and where it
goes afterwards. Nothing here deletes an input: a filed input lives on in its archive entry, a
rejected one in ``rejected/`` with its reason, a duplicate in ``duplicates/`` with a note."""

from __future__ import annotations

import fnmatch
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

INPUT_SUFFIXES = (".yaml", ".yml", ".json", ".md", ".markdown")
IGNORED = ("~$*", ".~lock.*", "*.swp", "*.swx", "*.tmp", "*.part", "*.crdownload", ".*", "Thumbs.db", "desktop.ini",
           "*~")  # fmt: skip
PROCESSING = ".processing"
REJECTED = "rejected"
DUPLICATES = "duplicates"


def is_input(name: str) -> bool:
    """An input file (by name): not an editor's temp or lock file, not a system file."""
    if any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED):
        return False
    return name.lower().endswith(INPUT_SUFFIXES)


@dataclass(frozen=True)
class Claim:
    """An input moved into this process's private folder."""

    folder: Path
    path: Path  # the input inside ``folder``
    original: Path  # where it was dropped
    moved: tuple[tuple[Path, Path], ...] = ()  # attachments: (original, claimed)


class Inbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in (PROCESSING, REJECTED, DUPLICATES):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def candidates(self) -> list[Path]:
        out = []
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and is_input(entry.name):
                out.append(Path(entry.path))
        return sorted(out)

    def claim(self, path: Path, attachments: list[str]) -> Claim | None:
        """Move the input (and the attachment files it names) out of the inbox, atomically.
        None when another watcher was first."""
        folder = self.root / PROCESSING / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        target = folder / path.name
        try:
            os.rename(path, target)
        except OSError:  # taken by another watcher, or still open elsewhere (Windows): later
            folder.rmdir()
            return None
        moved = []
        for rel in attachments:
            source = path.parent / rel
            if source.is_file():
                dest = folder / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.rename(source, dest)
                    moved.append((source, dest))
                except OSError:
                    pass  # read where it is; the input records what it could not take along
        return Claim(folder, target, path, tuple(moved))

    def _unique(self, folder: Path, name: str) -> Path:
        target = folder / name
        stem, suffix = os.path.splitext(name)
        n = 1
        while target.exists():
            n += 1
            target = folder / f"{stem}（{n}）{suffix}"
        return target

    def reject(self, claim: Claim, reason: str) -> Path:
        return self._set_aside(claim, REJECTED, reason, ".error.txt")

    def duplicate(self, claim: Claim, note: str) -> Path:
        return self._set_aside(claim, DUPLICATES, note, ".note.txt")

    def _set_aside(self, claim: Claim, sub: str, text: str, note_suffix: str) -> Path:
        target = self._unique(self.root / sub, claim.path.name)
        os.replace(claim.path, target)
        for _original, claimed in claim.moved:  # attachments stay with their input
            dest = target.parent / f"{target.stem}.附件" / claimed.relative_to(claim.folder)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(claimed, dest)
        note = target.with_name(target.name + note_suffix)
        note.write_text(text.rstrip() + "\n", encoding="utf-8")
        shutil.rmtree(claim.folder, ignore_errors=True)
        return target

    def done(self, claim: Claim) -> None:
        """Filed: the input and its attachments are in the archive entry now."""
        shutil.rmtree(claim.folder, ignore_errors=True)

    def abandoned(self) -> list[Claim]:
        """Claims of processes that died (a crash or SIGKILL mid-file), to be taken up again."""
        from pipeline.store.registry import _alive  # noqa: PLC0415 — one liveness test for the package

        out = []
        for folder in sorted((self.root / PROCESSING).iterdir()):
            pid = int(folder.name.split("-", 1)[0]) if folder.name.split("-", 1)[0].isdigit() else 0
            if pid == os.getpid() or _alive(pid):
                continue
            inputs = [p for p in folder.iterdir() if p.is_file() and is_input(p.name)]
            if not inputs:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            path = inputs[0]
            out.append(Claim(folder, path, self.root / path.name))
        return out

    def counts(self) -> dict[str, int]:
        return {
            "等待": len(self.candidates()),
            "退回": sum(1 for p in (self.root / REJECTED).iterdir() if p.is_file() and is_input(p.name)),
            "重复": sum(1 for p in (self.root / DUPLICATES).iterdir() if p.is_file() and is_input(p.name)),
            "处理中": sum(1 for _ in (self.root / PROCESSING).iterdir()),
        }
