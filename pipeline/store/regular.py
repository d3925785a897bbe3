"""Reading the archive's own files: regular files only, never blocking.

A FIFO (named pipe) put where a filed file, the register or a log should be makes a plain
``open`` wait for a writer forever; a device node may never end, or act when it is opened; a
socket cannot be opened at all. Every read ``fawen archive verify`` makes of the archive goes
through here: the file is judged by ``stat`` before it is opened (links followed, as ``open``
follows them: verify reports the links themselves), opened without blocking, and judged again on
the open descriptor (it may have been swapped meanwhile). Anything else raises NotRegularFile,
which says in Chinese what was found; it is an OSError too, so a caller that lets an unreadable
file be (an index cache, a search text) still does.
"""

from __future__ import annotations

import io
import os
import stat

from pipeline.errors import FawenError

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in Chinese."""
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode):
        return "字符设备"
    if stat.S_ISBLK(mode):
        return "块设备"
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISLNK(mode):
        return "符号链接"
    return "特殊文件"


def not_regular(kind: str) -> str:
    """verify's finding on a file that is not a regular file (the file is named where it is reported)."""
    return f"不是普通文件（{kind}），档案中只应有普通文件"


class NotRegularFile(FawenError, OSError):
    """A path of the archive that is a FIFO, a device, a socket or a folder, not a file: never read."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(f"{os.fspath(path)} {not_regular(kind)}")
        self.path = os.fspath(path)
        self.kind = kind


def open_regular(path: str | os.PathLike[str]) -> int:
    """A descriptor opened without blocking on ``path``, a regular file: judged by ``stat``
    before the open and by ``fstat`` after it (it may have been swapped meanwhile). NotRegularFile
    for anything else; other errors as ``os.stat`` and ``os.open`` raise them."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, kind_of(mode))
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, kind_of(mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file; NotRegularFile for anything else (other errors as ``open`` raises them)."""
    with os.fdopen(open_regular(path), "rb") as fh:
        return fh.read()


def read_text(path: str | os.PathLike[str]) -> str:
    """A regular file's text as ``Path.read_text(encoding="utf-8")`` gives it (newlines made \\n)."""
    return io.TextIOWrapper(io.BytesIO(read_bytes(path)), encoding="utf-8").read()
