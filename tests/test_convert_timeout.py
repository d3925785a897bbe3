"""A DOCX conversion that is given up leaves no LibreOffice behind. ``soffice`` is a script that
execs ``oosplash``, which forks ``soffice.bin``: a timeout that killed only the direct child left
``soffice.bin`` converting on, orphaned, growing by gigabytes. Real LibreOffice on a DOCX that is
slow to convert (hundreds of thousands of empty paragraphs); the processes are found in /proc by
the private temporary folder their command lines name.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document

from pipeline.errors import InputError
from pipeline.store import convert

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PROC = Path("/proc")
GONE_WITHIN = 10.0  # seconds for the kernel to finish off killed processes: more than enough

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.skipif(not (PROC / "self" / "cmdline").is_file(), reason="no /proc to find processes in"),
]


def slow_docx(paragraphs: int = 300_000) -> bytes:
    """A small DOCX (about 40 KB) that LibreOffice takes well over a minute to convert: python-docx's
    minimal document with that many empty paragraphs in its body."""
    minimal = io.BytesIO()
    Document().save(minimal)
    out = io.BytesIO()
    with zipfile.ZipFile(minimal) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + "<w:p/>" * paragraphs + text[at:]).encode("utf-8")
            dst.writestr(info.filename, data)
    return out.getvalue()


def processes_naming(marker: str) -> dict[int, str]:
    """Live processes whose command line contains marker, pid → program name. A killed process that
    is not reaped yet (a zombie) has an empty command line: it holds no memory and is not counted."""
    found: dict[int, str] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker.encode() in cmdline:
            found[int(entry.name)] = Path(cmdline.split(b"\0")[0].decode(errors="replace")).name
    return found


def alive_after(marker: str, seconds: float) -> dict[int, str]:
    """The processes naming marker once they are all gone, or whichever are left after seconds."""
    deadline = time.monotonic() + seconds
    left = processes_naming(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = processes_naming(marker)
    return left


class Watch:
    """Polls /proc in a thread while the conversion runs: which programs naming marker were seen, and
    on the first sight of soffice.bin (only ever alive inside the call) the action, if any."""

    def __init__(self, marker: str, on_soffice_bin: Callable[[], None] | None = None) -> None:
        self.marker = marker
        self.on_soffice_bin = on_soffice_bin
        self.seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            names = set(processes_naming(self.marker).values())
            if "soffice.bin" in names - self.seen and self.on_soffice_bin is not None:
                self.on_soffice_bin()
            self.seen |= names
            self._stop.wait(0.05)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private folder for the conversion's temporary files: its path, in every command line of the
    LibreOffice processes it starts, tells them from any other. Whatever is left is killed afterwards,
    so that a failing run does not leave soffice.bin converting on."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    yield str(temp)
    for pid in processes_naming(str(temp)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def write_slow_docx(tmp_path: Path) -> Path:
    path = tmp_path / "慢.docx"
    path.write_bytes(slow_docx())
    return path


def test_a_conversion_past_its_time_limit_leaves_no_libreoffice_running(tmp_path, marker, monkeypatch):
    monkeypatch.setattr(convert, "CONVERT_SECONDS", 6)
    path = write_slow_docx(tmp_path)
    with Watch(marker) as watch, pytest.raises(InputError) as info:
        convert.attachment_pdf(path, "in.yaml", "附件[1].文件")
    assert "附件「慢.docx」转换为 PDF 超过 6 秒，已放弃" in info.value.message
    assert "soffice.bin" in watch.seen  # it was converting when the time ran out: what used to be left behind
    assert alive_after(marker, GONE_WITHIN) == {}
    assert list(Path(marker).iterdir()) == []  # the private copy, the profile and any output removed


def test_an_interrupted_conversion_leaves_no_libreoffice_running(tmp_path, marker, monkeypatch):
    """Ctrl-C while LibreOffice converts: the interrupt goes on, LibreOffice does not."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT does not raise KeyboardInterrupt in this process")
    monkeypatch.setattr(convert, "CONVERT_SECONDS", 20)  # a bound in case the interrupt goes astray
    path = write_slow_docx(tmp_path)
    with Watch(marker, lambda: os.kill(os.getpid(), signal.SIGINT)) as watch, pytest.raises(KeyboardInterrupt):
        convert.attachment_pdf(path, "in.yaml", "附件[1].文件")
    assert "soffice.bin" in watch.seen
    assert alive_after(marker, GONE_WITHIN) == {}
    assert list(Path(marker).iterdir()) == []
