"""Reading a file someone else put there: regular files only, never more than a limit.

The inbox is writable by anyone on the network, so a name there may be a FIFO (reading it
blocks forever), a link to /dev/zero (reading it never ends), a symlink loop or a file of
gigabytes. The size is judged from ``stat`` before a byte is read, the file is opened without
blocking and checked again on the open descriptor (it may have been swapped meanwhile), and at
most the limit + 1 bytes are read (a file may grow while it is read).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from pipeline.store import regular

CHUNK = 1024 * 1024


class Unreadable(Exception):
    """A file that is not read, with the reason in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValueError):
        return "路径中含有空字符"
    code: int = getattr(exc, "errno", None) or 0  # OSError.errno may be None
    return {
        errno.ENOENT: "文件不存在",
        errno.ELOOP: "符号链接形成循环",
        errno.ENAMETOOLONG: "文件名或路径过长",
        errno.EACCES: "没有读取权限",
        errno.EPERM: "没有读取权限",
        errno.ENOTDIR: "路径中的某一级不是文件夹",
        errno.EISDIR: "这是文件夹，不是文件",
    }.get(code, f"无法读取（系统错误 {code}）" if code else "无法读取")


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; Unreadable otherwise."""
    try:
        st = os.stat(path)
    except (OSError, ValueError) as exc:
        raise Unreadable(_reason(exc)) from exc
    if st.st_size > limit and stat.S_ISREG(st.st_mode):
        raise Unreadable(f"文件过大（{st.st_size // 1024} KB，上限 {limit // 1024} KB）")
    try:
        fd = regular.open_regular(path)
    except regular.NotRegularFile as exc:
        raise Unreadable(f"不是普通文件（是{exc.kind}）") from exc
    except (OSError, ValueError) as exc:
        raise Unreadable(_reason(exc)) from exc
    try:
        parts: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(CHUNK, limit + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Unreadable(_reason(exc)) from exc
    finally:
        os.close(fd)
    if size > limit:
        raise Unreadable(f"文件过大（超过 {limit // 1024} KB）")
    return b"".join(parts)
