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
import json
import os
import getpass
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pypdf.errors import PdfReadError
from pypdf.errors import PyPdfError

from pipeline import __version__
from pipeline.intake import INFORMATION_SNAPSHOT  # steps 1–4 (read, parse, validate, resolve) live there
from pipeline.intake import TASKS_SNAPSHOT
from pipeline.intake import named_files
from pipeline.intake import read_input
from pipeline.intake import read_request
from pipeline.intake import workspace_zone
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.model import DocumentRequest
from pipeline.model import Rendered
from pipeline.model import Composition
from pipeline.stages.attach import label_fits
from pipeline.stages.attach import merge_attachments
from pipeline.stages.attach import page_count
from pipeline.stages.compose import compose
from pipeline.dat22 import archive_code
from pipeline.dat22 import content_digest
from pipeline.dat22 import safe_name
from pipeline.dat22 import sha256
from pipeline.stages.filing import Component
from pipeline.stages.filing import plan
from pipeline.stages.numbering import DocumentNumber
from pipeline.stages.stamp import StampData
from pipeline.stages.stamp import docx_properties
from pipeline.stages.stamp import stamp_copies
from pipeline.stages.compose import document_date
from pipeline.stages.compose import inspection_totals
from pipeline.stages.compose import printed_issue
from pipeline.stages.compose import serial_label
from pipeline.stages.compose import series_name
from pipeline.stages.tasks import snapshot_bytes
from pipeline.stages.record import Filing
from pipeline.stages.record import version_record
from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.stages.numbering import printed_number as printed_document_number
from pipeline.stages.parse import parse_input
from pipeline.stages.render_docx import PrintedLayout
from pipeline.stages.render_docx import layout_of
from pipeline.stages.render_docx import render_docx
from pipeline.stages.typeset_pdf import typeset
from pipeline.relpath import safe_relative_path
from pipeline.store import fonts as font_store
from pipeline.store.convert import attachment_pdf
from pipeline.store.archive import Archive
from pipeline.store.archive import EntryInfo
from pipeline.store.register import Register
from pipeline.store.registry import Registry
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


def protected_words(workspace: Workspace) -> tuple[str, ...]:
    """Names a title line should not be broken inside: the organ, the meeting, its units."""
    cfg = workspace.config
    words = [w for o in cfg.organs for w in (o.name, o.short_name, o.signature)]
    if cfg.meeting:
        words.append(cfg.meeting.name)
        words += [m.name for m in cfg.meeting.members]
        words += [p.name for p in cfg.meeting.conveners]
    return tuple(w for w in words if w)


def printed_number(req: DocumentRequest, workspace: Workspace) -> str:
    """发文字号 or 第N期 as printed; a visible placeholder where none is allocated yet."""
    if req.kind.serial and not req.number:
        return printed_issue(req.issue)
    return printed_document_number(req, workspace.config.chosen_organs(req.organs)[0])


def compose_request(req: DocumentRequest, workspace: Workspace, file_pages: tuple[int, ...] = ()) -> Composition:
    """Step 6: what goes where, in words."""
    return compose(req, workspace.config, printed_number(req, workspace), protected_words(workspace), file_pages)


def attachment_files(req: DocumentRequest, base: Path) -> list[bytes | None]:
    """Step 4b: each attachment given as a file, as PDF bytes (None for typeset ones)."""
    out: list[bytes | None] = []
    for i, att in enumerate(req.attachments, 1):
        out.append(attachment_pdf(base / att.file, req.source, f"附件[{i}].文件") if att.file else None)
    return out


@dataclass(frozen=True)
class Typeset:
    """A document typeset to PDF (attachments merged), before its DOCX and its stamps."""

    pdf: bytes
    pages: int
    composition: Composition
    layout: PrintedLayout | None = None  # where the PDF put each line: the DOCX follows it

    @property
    def draft(self) -> str:
        return self.composition.draft


def seal_images(req: DocumentRequest, workspace: Workspace) -> tuple[bytes | None, ...]:
    """Each issuing organ's seal image, in issuing order (None where it has none); () unsealed."""
    if not req.seal:
        return ()
    paths = [workspace.seal_path_of(o) for o in workspace.config.chosen_organs(req.organs)]
    return tuple(path.read_bytes() if path else None for path in paths)


def typeset_request(req: DocumentRequest, workspace: Workspace, base: Path | None = None) -> Typeset:
    """Steps 5–7: compose and typeset a validated request, attachments merged, in memory.
    ``base`` is the input's folder, where attachment files are."""
    files = attachment_files(req, base or Path.cwd())
    pages = [page_count(data) if data is not None else 0 for data in files]  # checked by attachment_pdf
    comp = compose_request(req, workspace, tuple(pages))
    fonts = font_store.font_set(workspace.config.font_dirs)
    labels = tuple(data is not None and label_fits(data) for data in files)  # 附件N on the file's first page
    result = typeset(comp, fonts, seal_images(req, workspace), labels)
    try:
        pdf = merge_attachments(result.pdf, result.placeholders, [d for d in files if d is not None])
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError) as exc:  # a file pypdf opened but cannot merge
        raise InputError(req.source, [Problem("附件", "附件 PDF 无法并入正文（文件结构有误）", "一个完好的 PDF 文件；可用 PDF 阅读器「另存为」后再试")]) from exc
    return Typeset(pdf, result.pages, comp, layout_of(result.printed, result.numbered))


def render_request(req: DocumentRequest, workspace: Workspace, base: Path | None = None,
                   docx_properties: dict[str, object] | None = None) -> Rendered:  # fmt: skip
    """Steps 5–8: both renderings of a validated request, in memory."""
    done = typeset_request(req, workspace, base)
    docx = render_docx(done.composition, workspace.template(req.kind.value).read_bytes(), docx_properties,
                       done.layout)  # the PDF's lines and pages: LibreOffice lays the DOCX out alike
    return Rendered(Path(req.source).stem, done.pdf, docx, done.pages, done.draft, done.composition)


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


# ---- filing (归档) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """What ``file_document`` did: a new 件, a new version, or a duplicate left alone."""

    archive_code: str
    number: str
    version: int
    folder: Path | None
    duplicate: bool = False
    completed: tuple[str, ...] = ()  # keys the pipeline supplied (补全)


class FilingError(FawenError):
    """A document that must not go into the archive as it is."""


SOURCE_DIR = "源文件"  # in each version: the files the input names, under the names it uses


@dataclass(frozen=True)
class Source:
    """An input as received with every file it names: all that one version is made from."""

    data: bytes
    files: dict[str, bytes]  # relative path as the input names it -> bytes

    @property
    def digest(self) -> str:
        return content_digest(self.data, self.files)


@dataclass(frozen=True)
class Placement:
    """Where a version goes: its number as printed and named, its class and 件号, its version."""

    number: str  # 发文字号, or the series label of a serial document
    series: str  # series name of a serial document, else ''
    year: int
    retention: str
    problem: str
    item: int
    version: int


def identity_of(req: DocumentRequest, path: Path) -> str:
    """What keeps a document the same document across versions."""
    if req.identity:
        return f"标识:{req.identity}"
    if req.number:
        return f"文号:{req.number}"
    if req.kind.serial and req.issue is not None and req.date is not None:
        return f"期号:{req.kind.value}:{req.date.year}:{req.issue}"
    return f"文件:{req.kind.value}:{path.stem}"


def open_registry(workspace: Workspace) -> Registry:
    return Registry(workspace.root / ".fawen" / "registry.db", workspace_zone(workspace))


def operator(workspace: Workspace, by: str = "") -> str:
    """Who an event is recorded as: the person named, the workspace's operator, the OS user."""
    if by.strip():
        return by.strip()
    configured = getattr(workspace.config, "operator", "")
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知用户"


@dataclass(frozen=True)
class FilingOptions:
    """How a person asked for the filing: ``by`` files it; ``correction`` makes the version a 更正
    of the 件 it continues; ``target`` (an identity) names that 件 when the corrected input's own
    identity would not; ``new`` files a title twin as a second document."""

    by: str = ""
    correction: str = ""
    target: str = ""
    new: bool = False


@dataclass(frozen=True)
class _Situation:
    """What the archive holds for one input when a lock is taken: its 件 (if any) and that 件's
    latest version. Rendering happens between two locks; a change here in between means another
    filer got there first, and the input is numbered afresh."""

    identity: str
    existing: EntryInfo | None

    @property
    def key(self) -> tuple[str, str, int]:
        e = self.existing
        return (self.identity, e.archive_code, e.latest) if e else (self.identity, "", 0)


RACES = 3  # times an input is numbered afresh when another filer changed its 件 while it rendered


def file_document(path: Path, workspace: Workspace, today: dt.date, now: dt.datetime, *, by: str = "",
                  correction: str = "", target: str = "", new: bool = False) -> Filed:  # fmt: skip
    """The whole pipeline for one input: validate, number, render, stamp, file, index.

    The archive lock is held twice, briefly: to check and number the input, then to stamp and
    write it. Typesetting (the long part, and where a pathological attachment costs time) runs in
    between, so another filer (a second inbox worker, a clerk's ``fawen file``) is never held up by
    it."""
    options = FilingOptions(by, correction, target, new)
    data = read_input(path)
    req = read_request(path, workspace, today, data=data)
    source = Source(data, {rel: (path.parent / rel).read_bytes() for rel in named_files(req)})
    when = now.astimezone(workspace_zone(workspace))
    archive = Archive(workspace.outbox)
    registry = open_registry(workspace)
    reserved: list[tuple[str, str, int, int]] = []
    try:
        for _attempt in range(RACES):
            with archive.locked():
                seen = _situation(path, req, source, (archive, registry), options)
                if isinstance(seen, Filed):
                    return seen
                numbered, place = _place(req, seen.existing, workspace, registry, reserved, seen.identity)
            typeset = typeset_request(numbered, workspace, path.parent)
            if typeset.draft:
                raise FilingError(f"{path.name}：这是草稿，不能归档为正式文件：{typeset.draft}")
            with archive.locked():
                now_seen = _situation(path, req, source, (archive, registry), options)
                if isinstance(now_seen, Filed):
                    return now_seen
                if now_seen.key == seen.key:
                    return _land(numbered, place, typeset, _Landing(path, workspace, archive, registry, source),
                                 (seen, options, when, reserved))  # fmt: skip
                _void_all(registry, reserved, "归档时其他进程先归档了同一公文，编号作废不再使用")
        raise FilingError(f"{path.name}：归档时多次遇到其他进程同时归档同一公文，未归档。请稍后重新归档。")
    finally:
        _void_all(registry, reserved, "归档失败，编号作废不再使用")  # accounted for, never reused
        registry.close()
        archive.close()


def _void_all(registry: Registry, reserved: list[tuple[str, str, int, int]], reason: str) -> None:
    for kind, series, y, seq in reserved:
        registry.void(kind, series, y, seq, reason)
    reserved.clear()


def _situation(path: Path, req: DocumentRequest, source: Source, stores: tuple[Archive, Registry],
               options: FilingOptions) -> _Situation | Filed:  # fmt: skip
    """Under the archive lock: the input's 件 as the archive holds it now, a duplicate's Filed, or
    a FilingError when it may not be filed."""
    archive, registry = stores
    _recover(archive, registry)
    refused = Register(archive.root, registry).prepare(archive)  # the first filing into an older archive adopts it
    if refused:
        raise FilingError(f"{path.name}：{refused}。先不归档：请运行 fawen archive verify 核查。")
    duplicate = archive.duplicate_of(source.digest)
    if duplicate is not None:
        entry, version = duplicate
        return Filed(entry.archive_code, entry.number, version, None, duplicate=True)
    identity = options.target or identity_of(req, path)  # target: the 件 a 更正 continues, whatever the input says
    existing = archive.entry(identity)
    if existing is not None and archive.status(existing):  # from the tree: its number may be voided
        raise FilingError(f"{path.name}：{existing.archive_code}（{existing.number}）已{archive.status(existing)}，"
                          f"不能再归档新的版本。要重新发文，请作为新公文归档（去掉或改换「标识」、文号和文件名）。")  # fmt: skip
    if options.correction and existing is None:
        raise FilingError(f"{path.name}：档案中没有这份公文，无从更正；新公文请直接归档。")
    if existing is None and not options.new:
        _refuse_twins(path, req, archive)
    return _Situation(identity, existing)


@dataclass(frozen=True)
class _Landing:
    """Where a version lands: the input's path, the workspace, the open stores, its bytes."""

    path: Path
    workspace: Workspace
    archive: Archive
    registry: Registry
    source: Source


def _land(req: DocumentRequest, place: Placement, typeset: Typeset, at: _Landing,
          how: tuple[_Situation, FilingOptions, dt.datetime, list[tuple[str, str, int, int]]]) -> Filed:  # fmt: skip
    """Under the second lock: the 件号 (taken now, so a filer that fails leaves no gap), the
    stamped copies, the record, the version in place, its numbers issued."""
    seen, options, when, reserved = how
    archive, registry, workspace = at.archive, at.registry, at.workspace
    if seen.existing is None:
        place = dataclasses.replace(place, item=archive.max_item(place.year, place.retention, place.problem) + 1)
    existing = seen.existing
    facts = Filing(seen.identity, "", place.number, workspace.config.organ.fonds or "F000", place.year,
                   place.retention, place.problem, place.item, place.version, 0, sha256(at.source.data),
                   at.source.digest, when, operator(workspace, options.by), existing.latest if existing else 0,
                   _previous_content(archive, existing), options.correction, place.series)  # fmt: skip
    archive.on_landed = Register(archive.root, registry).landed  # its line in the filing register, under the lock
    folder, code = _build_and_write(req, typeset, at, facts)
    for kind, series, y, seq in reserved:
        registry.issue(kind, series, y, seq, seen.identity, req.plain_title)
    reserved.clear()
    if existing is None:
        class_series = "/".join(p for p in (str(place.year), place.retention, place.problem) if p)
        registry.claim("件号", class_series, place.year, place.item, seen.identity, req.plain_title)
        registry.issue("件号", class_series, place.year, place.item, seen.identity, req.plain_title)
    follow_tasks(workspace, archive)
    return Filed(code, place.number, place.version, folder, completed=tuple(k for k, _v, _s in req.completed))


def follow_tasks(workspace: Workspace, archive: Archive) -> None:
    """The 督办台账 takes the version's 议定事项 now. The version is filed whatever happens here: a
    ledger that cannot be written stays behind the filing register and catches up at the next
    filing or ``fawen tasks`` command (pipeline.tasks)."""
    from pipeline import tasks  # noqa: PLC0415

    try:
        tasks.sync(workspace, archive)
    except (sqlite3.Error, OSError, ValueError, TypeError, KeyError):
        pass


def _refuse_twins(path: Path, req: DocumentRequest, archive: Archive) -> None:
    """A new document with the title of a filed 件 of its year is refused until the clerk says
    which it is: a revised draft saved under another name (``--as-version-of``) or truly a second
    document (``--new``)."""
    printed = document_date(req)
    year = printed.year if printed else req.date.year if req.date else 0
    twins = archive.twins(req.plain_title, req.kind.value, year)
    if not twins:
        return
    named = "；".join(f"{t.archive_code}（{t.number}）" for t in twins)
    raise FilingError(f"{path.name}：{year}年已归档同名的{req.kind.value}「{req.plain_title}」：{named}。\n"
                      f"  若这是它的修改稿：在输入中写明与之相同的「标识」或发文字号，"
                      f"或用 fawen file --as-version-of {twins[0].archive_code} 归为它的新版本；\n"
                      f"  若确是另一份公文：用 fawen file --new 归档。")  # fmt: skip


def _place(req: DocumentRequest, existing: EntryInfo | None, workspace: Workspace, registry: Registry,
           reserved: list[tuple[str, str, int, int]], identity: str) -> tuple[DocumentRequest, Placement]:  # fmt: skip
    """The number, class and 件号 of the version to file: those of its 件 when it continues one,
    else newly allocated (numbers reserved until the version lands)."""
    series = series_name(req, workspace.config)
    if existing is not None:
        number = existing.number
        if series:  # fawen 0.1 named a serial 第4期 only: a new version carries the series
            m = re.search(r"第(\d+)期", existing.number)
            req = dataclasses.replace(req, issue=int(m[1]) if m else req.issue)
            number = serial_label(series, existing.year, req.issue or 0)
        else:
            req = dataclasses.replace(req, number=existing.number)
        return req, Placement(number, series, existing.year, existing.retention, existing.problem, existing.item,
                              existing.latest + 1)  # fmt: skip
    printed = document_date(req)
    year = printed.year if printed else req.date.year if req.date else dt.date.today().year
    if series:
        if req.issue is None:
            req = dataclasses.replace(req, issue=registry.reserve("期号", req.kind.value, year, identity, req.plain_title))
        else:
            registry.claim("期号", req.kind.value, year, req.issue, identity, req.plain_title)
        reserved.append(("期号", req.kind.value, year, req.issue or 0))
        number = serial_label(series, year, req.issue or 0)
    else:
        req = _document_number(req, workspace, registry, reserved, identity, year)
        number = req.number or ""
    # 件号: 0 until the version lands (``_land``), so a filer that fails leaves no gap (DA/T 22: no gaps, no reuse)
    return req, Placement(number, series, year, req.retention, req.problem, 0, 1)


def _document_number(req: DocumentRequest, workspace: Workspace, registry: Registry,
                     reserved: list[tuple[str, str, int, int]], identity: str, year: int) -> DocumentRequest:  # fmt: skip
    """The 发文字号 given in the input (claimed), or the next of its 机关代字 and year."""
    parsed = DocumentNumber.parse(req.number) if req.number else None
    if parsed is not None:
        registry.claim("发文字号", parsed.code, parsed.year, parsed.seq or 0, identity, req.plain_title)
        reserved.append(("发文字号", parsed.code, parsed.year, parsed.seq or 0))
        return req
    code = workspace.config.chosen_organs(req.organs)[0].codes.get(req.kind.value)
    if not code:
        raise FilingError(f"{req.source}：工作区没有为文种「{req.kind.value}」设置机关代字，无法编发文字号。"
                          f"请在 fawen.yaml 的「机关代字」中补充，或在输入中写明发文字号。")  # fmt: skip
    seq = registry.reserve("发文字号", code, year, identity, req.plain_title)
    reserved.append(("发文字号", code, year, seq))
    return dataclasses.replace(req, number=str(DocumentNumber(code, year, seq)))


def _previous_content(archive: Archive, existing: EntryInfo | None) -> dict[str, object] | None:
    if existing is None:
        return None
    try:
        old = json.loads((archive.root / existing.path / f"v{existing.latest}" / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    content = old.get("内容")
    return content if isinstance(content, dict) else {}


def _build_and_write(req: DocumentRequest, typeset: Typeset, at: _Landing, facts: Filing) -> tuple[Path, str]:
    """Stamp and record one typeset version, then put it in the archive in one step; returns its
    folder and the 档号."""
    cfg = at.workspace.config
    f = facts
    existing = at.archive.entry(f.identity)
    code = existing.archive_code if existing else archive_code(f.fonds, f.year, f.retention, f.problem, f.item, cfg.code_profile)
    comp = typeset.composition
    meta = StampData(req.plain_title, f.number, code, f.fonds, f.year, f.item, f.problem, f.retention, typeset.pages,
                     f.version, "正本", f.content_sha256, "、".join(comp.authors), req.kind.value, comp.date,
                     created=f.when)  # fmt: skip
    docx = render_docx(comp, at.workspace.template(req.kind.value).read_bytes(), docx_properties(meta),
                       typeset.layout)  # fmt: skip
    totals = inspection_totals(req.inspection_rows, req.cutoff or req.date or dt.date.min) if req.inspection_rows else None
    record = version_record(req, comp, dataclasses.replace(f, archive_code=code, pages=typeset.pages), totals)
    record["时区"] = str(f.when.tzinfo)
    record["生成器"] = f"fawen {__version__}"
    distribution, archival = stamp_copies(typeset.pdf, meta, font_store.font_set(cfg.font_dirs))
    components = [
        Component("正本", "正本.pdf", "application/pdf", distribution),
        Component("归档件", "归档.pdf", "application/pdf", archival),
        Component("可编辑", "公文.docx", DOCX_MIME, docx),
        Component("输入", "输入" + at.path.suffix.lower(), "text/plain", at.source.data),
    ]  # fmt: skip
    if req.inspection_snapshot is not None:  # what the 督查事项 were drawn from: the 通报 rebuilds from it
        components.append(Component("台账快照", TASKS_SNAPSHOT, "application/json", snapshot_bytes(req.inspection_snapshot)))
    if req.information_snapshot is not None:  # the 信息统计 as counted: the 报告 rebuilds from it
        components.append(Component("统计快照", INFORMATION_SNAPSHOT, "application/json",
                                    snapshot_bytes(req.information_snapshot)))  # fmt: skip
    for rel, data in sorted(at.source.files.items()):
        role = "台账" if rel == req.inspection_ledger else "附件"
        components.append(Component(role, f"{SOURCE_DIR}/{rel}", _mime(rel), data))
    entry_name = existing.path.rsplit("/", 1)[-1] if existing else safe_name(f"{code} {safe_name(req.plain_title, 30)}")
    class_path = tuple(p for p in (str(f.year), f.retention, f.problem) if p)
    return at.archive.write(plan(class_path, entry_name, f.version, components, record), record), code


def _mime(name: str) -> str:
    return {".pdf": "application/pdf", ".docx": DOCX_MIME, ".csv": "text/csv",
            ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}.get(
        Path(name).suffix.lower(), "application/octet-stream")  # fmt: skip


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _recover(archive: Archive, registry: Registry) -> None:
    """After a crash: clear the staging folder, index what reached the tree, and settle the
    numbers the dead process had reserved (issued if its document was filed, else voided)."""
    leftovers = archive.recover()
    orphans = registry.orphans()
    if not leftovers and not orphans and not archive.pending():
        return
    landed = archive.pending_version()
    archive.reconcile()
    register = Register(archive.root, registry)
    if landed is not None and landed.is_dir() and not register.prepare(archive):
        register.landed_if_missing(landed)  # it died between the rename and the register line
    for record in orphans:
        label = {"发文字号": f"{record.series}〔{record.year}〕{record.seq}号", "期号": f"第{record.seq}期"}.get(
            record.kind, str(record.seq))
        registry.settle(record, archive.holds(record.identity, record.kind, label))


def recover_filing(workspace: Workspace) -> None:
    """Settle at once what a filer killed mid-filing left (the watcher's worker over its budget),
    rather than at the next filing: its numbers should not show as reserved meanwhile."""
    archive = Archive(workspace.outbox)
    registry = open_registry(workspace)
    try:
        with archive.locked():
            _recover(archive, registry)
    finally:
        registry.close()
        archive.close()


def rebuild_findings(folder: Path, workspace: Workspace) -> list[str]:
    """Render one archived version again from its own folder (the input as received and the
    files it named) and say how the result differs from the archived 正本; a version that
    cannot be rebuilt is a finding too, never a crash."""
    from pipeline.stages.verify import compare_renderings

    try:
        record = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        inputs = sorted(p for p in folder.iterdir() if p.is_file() and p.stem == "输入")
        if not inputs:
            return ["没有存档的输入文件，无法重新生成"]
        filed_on = dt.datetime.fromisoformat(str(record.get("归档时间"))).date()
        with _sources_of(folder, inputs[0]) as (source, base):
            req = _as_filed(read_request(source, workspace, filed_on, base=base, filed=folder), record)
            rendered = render_request(req, workspace, base)
        return compare_renderings((folder / "正本.pdf").read_bytes(), rendered.pdf)
    except FawenError as exc:
        return [f"存档的输入无法重新生成：{exc.message}"]
    except (OSError, ValueError, KeyError, PdfReadError) as exc:
        return [f"无法重新生成：{type(exc).__name__}: {exc}"]


@contextmanager
def _sources_of(folder: Path, source: Path) -> Iterator[tuple[Path, Path]]:
    """The archived input and the folder its named files resolve in. fawen 0.1 kept attachment
    files as 附件N.pdf, 附件N.docx … (N: the attachment's place in the list): those are laid
    out again under the names the input uses, in a temporary folder."""
    if (folder / SOURCE_DIR).is_dir() or not any(folder.glob("附件*")):
        yield source, folder / SOURCE_DIR
        return
    with tempfile.TemporaryDirectory(prefix="fawen-rebuild-") as tmp:
        base = Path(tmp)
        raw = parse_input(source.name, source.suffix, source.read_bytes()).data.get("附件")
        named = [(i, str(a["文件"])) for i, a in enumerate(raw if isinstance(raw, list) else [], 1)
                 if isinstance(a, dict) and a.get("文件")]  # fmt: skip
        for i, rel in named:
            old = folder / f"附件{i}{Path(rel).suffix.lower()}"
            if old.is_file() and safe_relative_path(rel):
                (base / str(rel)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(old, base / str(rel))
        yield source, base


def _as_filed(req: DocumentRequest, record: dict[str, object]) -> DocumentRequest:
    """The request with the number the version was filed under."""
    number = str(record.get("文号", ""))
    if req.kind.serial and not req.number:
        m = re.search(r"第(\d+)期", number)
        return dataclasses.replace(req, issue=int(m[1]) if m else req.issue)
    return dataclasses.replace(req, number=number or req.number)


def open_archive(workspace: Workspace) -> Archive:
    return Archive(workspace.outbox)


def verify_archive(archive: Archive, rebuild: Workspace | None = None, progress: Callable[[str], None] | None = None,
                   registry: Registry | None = None) -> list[dict[str, object]]:  # fmt: skip
    """The checks the pipeline can run for the 四性 (DA/T 70), over the whole tree: every version
    (digests, manifest, record, what the files carry inside), every path that has no place in the
    layout, every link and write bit, every 件 where its record says it belongs, and, with the
    workspace's ``registry``, the filing register, the 件号 issued and the index against the tree.
    One row per version, then one per other thing found wrong. With ``rebuild`` (the workspace),
    every version is also rendered again from its own folder and compared with its 正本."""
    from pipeline.stages import verify as v

    scan = archive.scan()
    report: list[dict[str, object]] = []
    tree: dict[str, tuple[dict[str, object], str]] = {}  # version folder -> (record, manifest digest)
    for rel_entry, versions in sorted(scan.entries.items()):
        for name, content in sorted(versions.items(), key=lambda kv: int(kv[0][1:])):
            rel = f"{rel_entry}/{name}"
            problems, tree[rel] = _verify_version(archive.root / rel, name, content.files, content.dirs, rebuild)
            report.append({"件": rel, "问题": problems})
            if progress is not None:
                progress(rel)
    found: dict[str, list[str]] = {}
    v.add(found, "档案根目录", [f"多余的文件或文件夹：{p}" for p in sorted(scan.strays) if "/" not in p])
    for path in sorted(scan.strays):
        v.add(found, path, ["不属于档案的文件或文件夹"] if "/" in path else [])
    for path in sorted(scan.links):
        v.add(found, path, ["是符号链接：档案中只应有文件本身"])
    for path in sorted(scan.writable):
        v.add(found, path, ["可以写入：归档后的文件应为只读"])
    _verify_entries(archive, scan, tree, registry, found)
    return report + [{"件": name, "问题": problems} for name, problems in found.items()]


def _verify_version(folder: Path, name: str, names: list[str], dirs: list[str],
                    rebuild: Workspace | None) -> tuple[list[str], tuple[dict[str, object], str]]:  # fmt: skip
    """One version from its bytes: its problems, its record and the digest of its manifest."""
    from pipeline.stages.verify import check_version
    from pipeline.stages.verify import stray_folders

    base = str(folder)
    files = {n: _read(os.path.join(base, n)) for n in names}  # plain strings: pathlib costs more than the reading
    problems, record = check_version(files, name)
    problems += stray_folders(dirs, files)
    if rebuild is not None and not problems:
        problems += [f"重新生成与存档不符：{f}" for f in rebuild_findings(folder, rebuild)]
    manifest = sha256(files[MANIFEST]) if MANIFEST in files else ""
    return problems, (record, manifest)


def _verify_entries(archive: Archive, scan: object, tree: dict[str, tuple[dict[str, object], str]],
                    registry: Registry | None, found: dict[str, list[str]]) -> None:  # fmt: skip
    """Each 件 where and what its records say; the same 件 twice; 件号 gaps; then the register,
    the registry and the index against the tree."""
    from pipeline import disposition
    from pipeline.stages import verify as v

    by_entry: dict[str, dict[int, dict[str, object]]] = {}
    for rel, (record, _m) in tree.items():
        if record:
            by_entry.setdefault(rel.rsplit("/", 1)[0], {})[int(rel.rsplit("/v", 1)[1])] = record
    for rel_entry in scan.entries:  # type: ignore[attr-defined]
        if rel_entry not in by_entry:
            v.add(found, rel_entry, ["件夹中没有可读的版本（缺少元数据）"])
    text = Register(archive.root, registry).text() if registry is not None else ""
    entries = disposition.parse(text)
    rows = archive.index_rows()
    known = _known_versions(rows[0], entries)
    held: dict[str, tuple[str, int, str]] = {}
    same: tuple[dict[str, list[str]], dict[str, list[str]]] = ({}, {})
    items: dict[tuple[str, ...], list[int]] = {}
    for rel_entry, records in sorted(by_entry.items()):
        first = records[min(records)]
        identity = str(first.get("标识", ""))
        v.add(found, rel_entry, v.entry_place(rel_entry, records) + v.missing_versions(set(records), known.get(identity, 0)))
        where = "/".join(p for p in (str(first.get("年度", "")), str(first.get("保管期限", "")), str(first.get("机构问题", ""))) if p)
        held[identity] = (where, int(first.get("件号", 0) or 0), rel_entry)
        same[0].setdefault(identity, []).append(rel_entry)
        same[1].setdefault(str(first.get("档号", "")), []).append(rel_entry)
        if 1 in records:
            items.setdefault((str(first.get("年度")), str(first.get("保管期限")), str(first.get("机构问题"))), []).append(held[identity][1])
    for table, what in ((same[0], "件"), (same[1], "档号")):
        for name, problems in v.duplicates(table, what).items():
            v.add(found, name, problems)
    for name, problems in v.class_gaps(items).items():
        v.add(found, name, problems)
    if registry is not None:
        _verify_witnesses(archive, scan, tree, (registry, (text, entries), held), found)
    _verify_index(archive, rows, by_entry, found)


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _known_versions(rows: dict[str, tuple[object, ...]], entries: list[dict[str, object]]) -> dict[str, int]:
    """identity -> the highest version the register or the index knows of."""
    known: dict[str, int] = {}
    for e in entries:
        if "清单SHA256" in e:
            known[str(e.get("标识"))] = max(known.get(str(e.get("标识")), 0), int(e.get("版本", 0) or 0))  # type: ignore[call-overload]
    for identity, row in rows.items():
        known[identity] = max(known.get(identity, 0), int(row[9]))  # type: ignore[call-overload]
    return known


def _verify_witnesses(archive: Archive, scan: object, tree: dict[str, tuple[dict[str, object], str]],
                      witnesses: tuple[Registry, tuple[str, list[dict[str, object]]], dict[str, tuple[str, int, str]]],
                      found: dict[str, list[str]]) -> None:  # fmt: skip
    """The filing register (its chain, its head, against the tree) and the 件号 the registry issued."""
    from pipeline import disposition
    from pipeline.stages import verify as v
    from pipeline.store.register import REGISTER_NAME
    from pipeline.store.register import chain_problems

    registry, (text, entries), held = witnesses
    v.add(found, REGISTER_NAME, chain_problems(text, registry.register_head(), entries))
    logs = {}
    for rel in scan.logs:  # type: ignore[attr-defined]
        events = disposition.parse((archive.root / rel).read_text(encoding="utf-8"))
        logs[rel] = [(e.get("序号"), e.get("摘要")) for e in events]
    for name, problems in v.register_findings(entries, tree, logs).items():
        v.add(found, name, problems)
    items = [(r.series, r.seq, r.identity) for r in registry.records(kind="件号") if r.status == "issued" and r.identity]
    for name, problems in v.registry_findings(items, held).items():
        v.add(found, name, problems)


def _verify_index(archive: Archive, rows: tuple[dict, dict], by_entry: dict[str, dict[int, dict[str, object]]],  # type: ignore[type-arg]
                  found: dict[str, list[str]]) -> None:  # fmt: skip
    """The index against the records in the tree; a deleted index was rebuilt when it was opened."""
    from pipeline.stages import verify as v
    from pipeline.store.archive import entry_values
    from pipeline.store.archive import version_values

    entries: dict[str, tuple[object, ...]] = {}
    versions: dict[tuple[str, int], tuple[object, ...]] = {}
    where: dict[str, str] = {}
    for rel_entry, records in by_entry.items():
        try:
            latest = records[max(records)]
            identity = str(latest["标识"])
            entries.setdefault(identity, entry_values(latest, rel_entry))
            where.setdefault(identity, rel_entry)
            for version, record in records.items():
                versions.setdefault((identity, version), version_values(record, f"{rel_entry}/v{version}"))
        except (KeyError, TypeError, ValueError):
            continue  # a record that cannot be read is reported with its version
    problems = v.index_findings(rows, (entries, versions), where)
    if archive.index_missing and by_entry:
        problems.insert(0, "索引文件（.fawen/index.db）不见了，已从档案目录重建")
    v.add(found, ".fawen/index.db", problems)
