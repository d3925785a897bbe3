"""Attachment files as PDF bytes: a PDF as it is, a DOCX converted by LibreOffice when it is
installed (refused with a clear message when it is not)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.errors import Problem


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def attachment_pdf(path: Path, source: str, key: str) -> bytes:
    if path.suffix.lower() == ".pdf":
        data = path.read_bytes()
        if not data.startswith(b"%PDF"):
            raise InputError(source, [Problem(key, f"附件「{path.name}」不是有效的 PDF 文件", "一个 PDF 文件")])
        return data
    office = soffice()
    if office is None:
        raise InputError(source, [Problem(key, f"附件「{path.name}」是 DOCX，本机未安装 LibreOffice，无法转换为 PDF 附在正文后",
                                          "改用 PDF 格式的附件，或安装 LibreOffice（bash scripts/setup.sh --libreoffice）")])  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fawen-lo-") as tmp:
        result = subprocess.run(
            [office, "--headless", f"-env:UserInstallation=file://{tmp}/profile", "--convert-to", "pdf",
             "--outdir", tmp, str(path)],
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        out = Path(tmp) / (path.stem + ".pdf")
        if result.returncode != 0 or not out.is_file():
            raise InputError(source, [Problem(key, f"附件「{path.name}」无法由 LibreOffice 转换为 PDF", "一个能在 Word 中打开的 DOCX，或 PDF")])
        return out.read_bytes()
