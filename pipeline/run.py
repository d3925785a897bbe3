"""The pipeline's one written order of stages, and the library calls the CLI (and later the
inbox watcher) are thin shells over.

    1 read the input file           (edge)
    2 parse                          stages.parse
    3 validate                       stages.validate
    4 check attachment files         (edge)
    5 number (placeholder for now)   stages.numbering
    6 compose: what goes where       stages.compose
    7 render the DOCX                stages.render_docx
    8 typeset the PDF                stages.typeset_pdf
    9 write both, atomically         (edge)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from pypdf.errors import PdfReadError

from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.model import DocumentRequest
from pipeline.model import Rendered
from pipeline.model import Composition
from pipeline.stages.attach import merge_attachments
from pipeline.stages.attach import page_count
from pipeline.stages.compose import compose
from pipeline.stages.compose import printed_issue
from pipeline.stages.numbering import printed_number as printed_document_number
from pipeline.stages.parse import parse_input
from pipeline.stages.render_docx import render_docx
from pipeline.stages.typeset_pdf import typeset
from pipeline.stages.validate import ledger_rows
from pipeline.stages.validate import validate
from pipeline.store import fonts as font_store
from pipeline.store.convert import attachment_pdf
from pipeline.store.ledger import read_ledger
from pipeline.store.workspace import Workspace

@dataclass(frozen=True)
class Outcome:
    """What happened to one input file: ok, or the error a person reads."""

    source: Path
    ok: bool
    message: str = ""
    outputs: tuple[Path, ...] = ()
    pages: int = 0
    draft: str = ""
    error: FawenError | None = None


def read_request(path: Path, workspace: Workspace, today: dt.date) -> DocumentRequest:
    """Steps 1–4: the validated request, or InputError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path.name, [Problem("", f"无法读取文件：{exc.strerror}", "一个存在且可读的文件")]) from exc
    req = validate(parse_input(path.name, path.suffix, data), workspace.config, today)
    problems = []
    base = path.parent.resolve()
    for i, att in enumerate(req.attachments, 1):
        if att.file is None:
            continue
        target = (path.parent / att.file).resolve()
        if not target.is_relative_to(base):
            problems.append(Problem(f"附件[{i}].文件", f"「{att.file}」指向输入文件夹之外（符号链接）",
                                    "输入文件所在文件夹内的文件"))  # fmt: skip
        elif not target.is_file():
            problems.append(Problem(f"附件[{i}].文件", f"找不到附件文件「{att.file}」",
                                    "与输入文件放在一起的 PDF 或 DOCX 文件"))  # fmt: skip
    if req.inspection_ledger:
        target = (path.parent / req.inspection_ledger).resolve()
        if not target.is_relative_to(base):
            problems.append(Problem("督查事项", f"台账「{req.inspection_ledger}」指向输入文件夹之外（符号链接）",
                                    "输入文件所在文件夹内的 CSV 或 XLSX 文件"))  # fmt: skip
        elif not target.is_file():
            problems.append(Problem("督查事项", f"找不到台账文件「{req.inspection_ledger}」", "与输入文件放在一起的 CSV 或 XLSX 文件"))
        else:
            table = read_ledger(target, path.name)
            req = dataclasses.replace(req, inspection_rows=ledger_rows(path.name, req.inspection_ledger, table))
    if problems:
        raise InputError(path.name, problems)
    return req


def protected_words(workspace: Workspace) -> tuple[str, ...]:
    """Names a title line should not be broken inside: the organ, the meeting, its units."""
    cfg = workspace.config
    words = [cfg.organ.name, cfg.organ.short_name]
    if cfg.meeting:
        words.append(cfg.meeting.name)
        words += [m.name for m in cfg.meeting.members]
        words += [p.name for p in cfg.meeting.conveners]
    return tuple(w for w in words if w)


def printed_number(req: DocumentRequest, workspace: Workspace) -> str:
    """发文字号 or 第N期 as printed; a visible placeholder where none is allocated yet."""
    if req.kind.serial and not req.number:
        return printed_issue(req.issue)
    return printed_document_number(req, workspace.config.organ)


def compose_request(req: DocumentRequest, workspace: Workspace, file_pages: tuple[int, ...] = ()) -> Composition:
    """Step 6: what goes where, in words."""
    return compose(req, workspace.config, printed_number(req, workspace), protected_words(workspace), file_pages)


def attachment_files(req: DocumentRequest, base: Path) -> list[bytes | None]:
    """Step 4b: each attachment given as a file, as PDF bytes (None for typeset ones)."""
    out: list[bytes | None] = []
    for i, att in enumerate(req.attachments, 1):
        out.append(attachment_pdf(base / att.file, req.source, f"附件[{i}].文件") if att.file else None)
    return out


def render_request(req: DocumentRequest, workspace: Workspace, base: Path | None = None) -> Rendered:
    """Steps 5–8: both renderings of a validated request, in memory. ``base`` is the input's
    folder, where attachment files are."""
    files = attachment_files(req, base or Path.cwd())
    pages = []
    for i, data in enumerate(files, 1):
        try:
            pages.append(page_count(data) if data is not None else 0)
        except PdfReadError as exc:
            raise InputError(req.source, [Problem(f"附件[{i}].文件", f"附件文件无法读取：{exc}", "一个完好的 PDF 文件")]) from exc
    comp = compose_request(req, workspace, tuple(pages))
    fonts = font_store.font_set(workspace.config.font_dirs)
    seal = workspace.seal_path.read_bytes() if (req.seal and workspace.seal_path) else None
    result = typeset(comp, fonts, seal)
    pdf = merge_attachments(result.pdf, result.placeholders, [d for d in files if d is not None])
    docx = render_docx(comp, workspace.template(req.kind.value).read_bytes())
    return Rendered(Path(req.source).stem, pdf, docx, result.pages, comp.draft)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, then rename: never a half-written file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def render_file(path: Path, workspace: Workspace, out_dir: Path, today: dt.date) -> Outcome:
    """A one-off document: no archive, no number consumed. Never raises FawenError."""
    try:
        req = read_request(path, workspace, today)
        rendered = render_request(req, workspace, path.parent)
        out_dir.mkdir(parents=True, exist_ok=True)
        docx_path = out_dir / f"{rendered.name}.docx"
        pdf_path = out_dir / f"{rendered.name}.pdf"
        write_atomically(docx_path, rendered.docx)
        write_atomically(pdf_path, rendered.pdf)
    except FawenError as exc:
        return Outcome(path, False, exc.message, error=exc)
    message = f"已生成 {docx_path} 和 {pdf_path}（{rendered.pages} 页）"
    if rendered.draft:
        message += f"。注意：这是草稿（已加水印），{rendered.draft}"
    return Outcome(path, True, message, (docx_path, pdf_path), rendered.pages, draft=rendered.draft)
