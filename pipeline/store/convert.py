"""Attachment files as PDF bytes: a PDF as it is, a DOCX converted by LibreOffice when it is
installed (refused with a clear message when it is not). Files are read bounded (regular files
only) and checked again here: they may have changed since validation."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.stages.attach import docx_problem
from pipeline.stages.attach import pdf_problem
from pipeline.store.bounded import Unreadable
from pipeline.store.bounded import read_bounded

MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
CONVERT_SECONDS = 120


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _refuse(source: str, key: str, name: str, problem: str) -> InputError:
    return InputError(source, [Problem(key, f"附件「{name}」{problem}", "一个完好、未加密的 PDF 或 DOCX 文件")])


def attachment_pdf(path: Path, source: str, key: str) -> bytes:
    try:
        data = read_bounded(path, MAX_ATTACHMENT_BYTES)
    except Unreadable as exc:
        raise _refuse(source, key, path.name, exc.reason) from exc
    if path.suffix.lower() == ".pdf":
        problem = pdf_problem(data)
        if problem:
            raise _refuse(source, key, path.name, problem)
        return data
    problem = docx_problem(data)
    if problem:
        raise _refuse(source, key, path.name, problem)
    office = soffice()
    if office is None:
        raise InputError(source, [Problem(key, f"附件「{path.name}」是 DOCX，本机未安装 LibreOffice，无法转换为 PDF 附在正文后",
                                          "改用 PDF 格式的附件，或安装 LibreOffice（bash scripts/setup.sh --libreoffice）")])  # fmt: skip
    return _convert(office, path, data, source, key)


def _convert(office: str, path: Path, data: bytes, source: str, key: str) -> bytes:
    """LibreOffice converts a private copy (the original may change meanwhile), within a time limit."""
    with tempfile.TemporaryDirectory(prefix="fawen-lo-") as tmp:
        copy = Path(tmp) / "attachment.docx"
        copy.write_bytes(data)
        try:
            result = _run(
                [office, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", "pdf",
                 "--outdir", tmp, str(copy)],
                CONVERT_SECONDS,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise _refuse(source, key, path.name, f"转换为 PDF 超过 {CONVERT_SECONDS} 秒，已放弃") from exc
        out = Path(tmp) / "attachment.pdf"
        if result.returncode != 0 or not out.is_file():
            raise InputError(
                source,
                [
                    Problem(
                        key, f"附件「{path.name}」无法由 LibreOffice 转换为 PDF", "一个能在 Word 中打开的 DOCX，或 PDF"
                    )
                ],
            )
        pdf = out.read_bytes()
    problem = pdf_problem(pdf)
    if problem:
        raise _refuse(source, key, path.name, f"转换后的 PDF {problem}")
    return pdf


def _run(command: list[str], seconds: float) -> subprocess.CompletedProcess[bytes]:
    """``subprocess.run(command, capture_output=True, timeout=seconds)``, but nothing it started outlives
    it. ``soffice`` is a script that execs ``oosplash``, which forks ``soffice.bin``: a timeout that kills
    only the direct child leaves ``soffice.bin`` converting on, orphaned, growing by gigabytes. So the
    command runs in a session of its own and the whole process group is killed on a timeout or on any
    interruption (Ctrl-C) while waiting. Without process groups (Windows) it is what it was."""
    if not hasattr(os, "killpg"):
        return subprocess.run(command, capture_output=True, timeout=seconds, check=False)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=seconds)
        except BaseException:
            _kill_group(process)
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the process group, then the direct child reaped (the orphaned rest die with it and are
    reaped by init). The group is signalled before the child is reaped: until then its id, the group's
    id, cannot have been reused by an unrelated process."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):  # gone already (macOS says EPERM for a group of zombies)
        pass
    process.wait()
