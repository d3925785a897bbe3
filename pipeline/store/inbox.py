"""The inbox folder (收件箱): which files are inputs, claiming one for processing, and where it
goes afterwards. Nothing here deletes an input: a filed input lives on in its archive entry, a
rejected one in ``rejected/`` with its reason, a duplicate in ``duplicates/`` with a note."""

from __future__ import annotations

import errno
import fnmatch
import functools
import hashlib
import os
import re
import shutil
import signal
import stat
import sys
import uuid
from pathlib import Path

from pipeline.frozen import frozen
from pipeline.relpath import safe_relative_path
from pipeline.store import regular
from pipeline.store.registry import this_host

try:
    import fcntl
except ImportError:  # Windows: no leases; a file open elsewhere refuses the claim's rename instead
    fcntl = None  # type: ignore[assignment]

INPUT_SUFFIXES = (".yaml", ".yml", ".json", ".md", ".markdown")
IGNORED = ("~$*", ".~lock.*", "*.swp", "*.swx", "*.tmp", "*.part", "*.crdownload", ".*", "Thumbs.db", "desktop.ini",
           "*~")  # fmt: skip
PROCESSING = ".processing"
REJECTED = "rejected"
DUPLICATES = "duplicates"
# file systems whose writers may sit on another machine: a lease sees local opens only
REMOTE_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "lustre", "gpfs", "9p",
             "virtiofs", "vboxsf", "vmhgfs", "davfs", "fuse", "fuseblk")  # fmt: skip


def is_input(name: str) -> bool:
    """An input file (by name): not an editor's temp or lock file, not a system file."""
    if any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED):
        return False
    return name.lower().endswith(INPUT_SUFFIXES)


def writer_holds(fd: int) -> bool | None:
    """Whether some process (this one included) has the file behind ``fd`` (opened read-only) open
    for writing or mapped writable: the kernel refuses a read lease (EAGAIN) exactly then. None
    where leases cannot tell (not Linux, someone else's file when not root, no lease support).
    The lease is dropped at once: held, it would make a writer's open wait (lease-break-time)."""
    if fcntl is None or not hasattr(fcntl, "F_SETLEASE"):
        return None
    try:
        # a writer opening during our brief lease makes the kernel signal us: the default SIGIO
        # would kill the process (measured), SIGURG is ignored by default
        fcntl.fcntl(fd, fcntl.F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return True if exc.errno == errno.EAGAIN else None
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    return False


@functools.lru_cache(maxsize=16)
def fs_type(folder: str) -> str:
    """The type of the file system that holds ``folder`` (from /proc/self/mountinfo), '' if unknown."""
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    best, kind = "", ""
    for line in lines:
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[4])  # \040 is a space
        inside = folder == mount or folder.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):  # the deepest mount; a later one shadows an earlier
            best, kind = mount, right.split()[0]
    return kind


@frozen
class Snapshot:
    """The bytes of an input as judged, with what they must still match when filed."""

    data: bytes
    size: int
    mtime: int
    digest: str
    writer_known: bool  # False: nothing could tell whether a writer still holds the file open

    def same(self, other: Snapshot | None) -> bool:
        return other is not None and (self.size, self.mtime, self.digest) == (other.size, other.mtime, other.digest)


@frozen
class Survey:
    """What a listing of the inbox found: inputs to take, and entries named as inputs that are
    not regular files (with what each is, in Chinese)."""

    inputs: list[Path]
    misplaced: list[tuple[Path, str]]


@frozen
class Claim:
    """An input moved into this process's private folder."""

    folder: Path
    path: Path  # the input inside ``folder``
    original: Path  # where it was dropped
    moved: tuple[tuple[Path, Path], ...] = ()  # attachments: (original, claimed)


# the claim folders' names end with it (pid-random-host): a shared inbox may have watchers on
# several machines, and only this machine's dead processes can be told from its process ids
_HOST_TAG = hashlib.sha1(this_host().encode("utf-8")).hexdigest()[:8]
PROBE = re.compile(r"\.fawen-probe-(\d+)-[0-9a-f]{8}")  # the lease probe's name: pid, random part


class Inbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in (PROCESSING, REJECTED, DUPLICATES):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self._sweep_probes()

    def _sweep_probes(self) -> None:
        """Remove the lease probes of watchers that died between making and removing one (a
        probe is fawen's own empty file, never an input: its pid's process is gone). Probes are
        made on Linux only (``leases``)."""
        if not sys.platform.startswith("linux"):
            return
        try:
            entries = list(os.scandir(self.root))
        except OSError:
            return
        for entry in entries:
            found = PROBE.fullmatch(entry.name)
            if found and int(found.group(1)) != os.getpid() and not _alive(int(found.group(1))):
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass  # another watcher swept it first, or the folder is read-only

    def candidates(self) -> list[Path]:
        return self.survey().inputs

    def survey(self) -> Survey:
        """One listing of the folder: the inputs (regular files named as inputs), and what is
        named as an input but is no file to read (a symbolic link, which may point anywhere on
        this machine, a FIFO, a folder): that is set aside, never read."""
        survey = Survey([], [])
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return survey
        for entry in entries:
            if not is_input(entry.name):
                continue
            if entry.is_file(follow_symlinks=False):  # the listing's own file type: no system call per file
                survey.inputs.append(Path(entry.path))
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except FileNotFoundError:
                continue  # taken meanwhile
            survey.misplaced.append((Path(entry.path), regular.kind_of(mode)))
        survey.inputs.sort()
        survey.misplaced.sort()
        return survey

    @functools.cached_property
    def leases(self) -> bool:
        """Whether kernel leases tell, in this folder, who still has a file open for writing: on
        Linux, on a local file system (a lease sees this machine's opens only) and when a probe
        agrees (our own open writer is seen, and no longer once closed)."""
        if fcntl is None or not sys.platform.startswith("linux"):
            return False
        if fs_type(str(self.root.resolve())).split(".")[0] in REMOTE_FS:
            return False
        probe = self.root / f".fawen-probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # PROBE
        try:
            with probe.open("wb") as writer:
                while_open = _holds(probe)
                writer.write(b"probe")
            after = _holds(probe)
        except OSError:
            return False
        finally:
            probe.unlink(missing_ok=True)
        return while_open is True and after is False

    def snapshot(self, path: Path, limit: int | None = None) -> Snapshot | None:
        """The file's bytes, unless a writer is known to hold it open or it changed while read
        (None: look again later). FileNotFoundError when it is gone. Past ``limit`` only the
        first ``limit`` + 1 bytes are read (and digested): such a file is refused anyway, and a
        watcher must not hold gigabytes someone dropped."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags)  # O_NONBLOCK: a write lease (Samba's oplocks) refuses at once
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None  # a link put in its place: the next listing sets it aside
            raise
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None  # a FIFO or a folder put in its place: the next listing sets it aside
            writer = writer_holds(fd) if self.leases else None
            if writer:
                return None
            before = os.fstat(fd)
            chunks, left = [], (before.st_size if limit is None else limit) + 1
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
            after = os.fstat(fd)
        finally:
            os.close(fd)
        data = b"".join(chunks)
        whole = len(data) == after.st_size or (limit is not None and len(data) > limit)
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or not whole:
            return None
        return Snapshot(data, after.st_size, after.st_mtime_ns, hashlib.sha256(data).hexdigest(), writer is not None)

    def claim(self, path: Path, attachments: list[str]) -> Claim | None:
        """Move the input (and the attachment files it names) out of the inbox, atomically.
        None when another watcher was first."""
        folder = self.root / PROCESSING / f"{os.getpid()}-{uuid.uuid4().hex[:12]}-{_HOST_TAG}"
        folder.mkdir(parents=True)
        target = folder / path.name
        try:
            os.rename(path, target)
        except OSError:  # taken by another watcher, or still open elsewhere (Windows): later
            folder.rmdir()
            return None
        return Claim(folder, target, path, tuple(self._take_along(folder, attachments, ())))

    def claim_more(self, claim: Claim, attachments: list[str]) -> Claim:
        """Take along the attachments that a claimed input names only since it changed."""
        moved = self._take_along(claim.folder, attachments, claim.moved)
        return Claim(claim.folder, claim.path, claim.original, tuple(moved))

    def _take_along(self, folder: Path, attachments: list[str], moved: tuple[tuple[Path, Path], ...]) -> list[tuple[Path, Path]]:  # fmt: skip
        out = list(moved)
        for rel in attachments:
            found = self.takeable(rel)
            if found is None:
                continue
            source, safe = found
            dest = folder / safe
            if dest.exists():
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(source, dest)
                out.append((source, dest))
            except OSError:
                pass  # read where it is; the input records what it could not take along
        return out

    def takeable(self, name: str) -> tuple[Path, str] | None:
        """Where a file an input names lies in the inbox, and its name made plain, when the
        watcher may take it along with the input: a regular file inside the inbox, reached
        through no symbolic link and outside fawen's own folders. Anything else is left where it
        is; checking the input says what is wrong with the name. The names come from an input
        anyone may drop, so they must never move a file from elsewhere (the archive, fawen.yaml,
        another folder a link points to)."""
        safe = safe_relative_path(name)
        if safe is None:
            return None
        parts = safe.split("/")
        if parts[0] in (PROCESSING, REJECTED, DUPLICATES) or is_input(parts[-1]):  # never another input
            return None
        path = self.root
        mode = 0
        for part in parts:
            path = path / part
            try:
                mode = os.lstat(path).st_mode
            except (OSError, ValueError):  # missing, or a name the system cannot hold (NUL)
                return None
            if stat.S_ISLNK(mode):
                return None
        return (path, safe) if stat.S_ISREG(mode) else None

    def _unique(self, folder: Path, name: str) -> Path:
        target = folder / name
        stem, suffix = os.path.splitext(name)
        n = 1
        while os.path.lexists(target):  # a link already set aside there counts, wherever it points
            n += 1
            target = folder / f"{stem}（{n}）{suffix}"
        return target

    def set_aside_misplaced(self, path: Path, reason: str) -> Path | None:
        """Move an entry named as an input that is no regular file (``survey``) to ``rejected/``,
        as it is (a link stays a link, pointing where it pointed), with the reason beside it.
        None when it is gone (another watcher set it aside first)."""
        target = self._unique(self.root / REJECTED, path.name)
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return None
        note = target.with_name(target.name + ".error.txt")
        note.write_text(reason.rstrip() + "\n", encoding="utf-8", errors="backslashreplace")
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
        note.write_text(text.rstrip() + "\n", encoding="utf-8", errors="backslashreplace")  # a lone surrogate too
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
            parts = folder.name.split("-")
            if len(parts) > 2 and parts[2] != _HOST_TAG:
                continue  # a watcher on another machine sharing this inbox: its process ids mean nothing here
            pid = int(parts[0]) if parts[0].isdigit() else 0
            if pid == os.getpid() or _alive(pid):
                continue
            inputs = [p for p in folder.iterdir() if p.is_file() and is_input(p.name)]
            if not inputs:
                shutil.rmtree(folder, ignore_errors=True)
                continue
            path = inputs[0]
            # the attachments it took along go with it again (to rejected/ too, never lost)
            moved = tuple((self.root / p.relative_to(folder), p) for p in sorted(folder.rglob("*"))
                          if p.is_file() and p != path)  # fmt: skip
            out.append(Claim(folder, path, self.root / path.name, moved))
        return out

    def counts(self) -> dict[str, int]:
        return {
            "等待": len(self.candidates()),
            "退回": sum(1 for p in (self.root / REJECTED).iterdir() if is_input(p.name)),  # links, FIFOs … too
            "重复": sum(1 for p in (self.root / DUPLICATES).iterdir() if p.is_file() and is_input(p.name)),
            "处理中": sum(1 for _ in (self.root / PROCESSING).iterdir()),
        }


def _holds(path: Path) -> bool | None:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        return writer_holds(fd)
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or no way to tell: leave its file alone
    return True
