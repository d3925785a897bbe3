"""What the drafting form needs besides its pages: a bounded queue for renderings (anyone on
the office network may reach the server), the preview images kept in memory (a draft is no
record), and the inbox writer (atomic, never over an existing file)."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pipeline.web.site import WebError

T = TypeVar("T")
KEEP = 24  # previews kept (all their pages): a clerk's tab shows one, a few tabs a few more
NAME_CHARS = re.compile(r"[^\w\u3000-\u303f\uff08\uff09《》〔〕·-]")  # what a file name made from a title keeps


class RenderQueue:
    """One rendering at a time for the whole server; each client has at most one waiting or
    running, and at most ``depth`` clients wait. A rendering slower than ``seconds`` is answered
    503; its thread runs to its end and holds the slot until then, so CPU stays bounded."""

    def __init__(self, depth: int = 4, seconds: float = 30.0) -> None:
        self.depth, self.seconds = depth, seconds
        self._lock = threading.Lock()
        self._slot = threading.Lock()
        self._clients: set[str] = set()
        self._warmed = False

    def warm(self, job: Callable[[], object]) -> None:
        """Run ``job`` once, in the background and in the slot: the first rendering loads the
        fonts (seconds), better while the clerk is still typing than on the first preview."""
        with self._lock:
            if self._warmed:
                return
            self._warmed = True
        threading.Thread(target=self._alone, args=(job,), name="fawen-warm-up", daemon=True).start()

    async def run(self, client: str, job: Callable[[], T]) -> T:
        with self._lock:
            if client in self._clients:
                raise WebError(429, "上一次的预览还在生成", "稍候片刻，预览会自动更新。")
            if len(self._clients) >= self.depth:
                raise WebError(503, "服务器正忙", "正在为其他人生成文件，请稍后再试。")
            self._clients.add(client)
        future = asyncio.ensure_future(asyncio.to_thread(self._alone, job))
        future.add_done_callback(lambda _f: self._release(client))
        try:
            return await asyncio.wait_for(asyncio.shield(future), self.seconds)
        except TimeoutError:
            raise WebError(503, "生成超时", f"排版超过 {self.seconds:.0f} 秒仍未完成：正文是否过长？") from None

    def _alone(self, job: Callable[[], T]) -> T:
        with self._slot:
            return job()

    def _release(self, client: str) -> None:
        with self._lock:
            self._clients.discard(client)


class Previews:
    """The page images of the last few previews, by a random name that changes with every
    rendering (so the browser shows the new page, never a cached old one)."""

    def __init__(self, keep: int = KEEP) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, list[bytes]] = OrderedDict()

    def put(self, pngs: list[bytes]) -> str:
        name = secrets.token_urlsafe(12)
        with self._lock:
            self._pages[name] = pngs
            while len(self._pages) > self.keep:
                self._pages.popitem(last=False)
        return name

    def get(self, name: str, page: int) -> bytes | None:
        with self._lock:
            pngs = self._pages.get(name)
        return pngs[page - 1] if pngs is not None and 1 <= page <= len(pngs) else None


def file_stem(title: str, stamp: str) -> str:
    """A file name from a title and a time: letters, digits and CJK kept, at most 40 of them,
    so the watcher files each submission as a document of its own."""
    kept = NAME_CHARS.sub("", title.replace("/", "").replace("\\", ""))[:40].strip(".-")
    return f"{kept or '拟文'}-{stamp}"


def put_in_inbox(inbox: Path, stem: str, data: bytes) -> Path:
    """``inbox/<stem>.yaml`` (or -2, -3, … when taken): written under a hidden temporary name the
    watcher ignores, flushed to disk, then linked to its name, which fails rather than replace a
    file already there; the watcher never sees half a file."""
    inbox.mkdir(parents=True, exist_ok=True)
    tmp = inbox / f".{stem}.{secrets.token_hex(4)}.tmp"
    try:
        with tmp.open("xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        for n in range(1, 100):
            target = inbox / (f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml")
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue
            _sync_folder(inbox)
            return target
    finally:
        tmp.unlink(missing_ok=True)
    raise WebError(409, "收件箱中同名文件过多", "请稍后再试。")


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
