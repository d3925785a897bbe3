"""The pipeline's one written order of stages, and the library calls the CLI and the inbox
watcher are thin shells over.

A one-off render (``render_file``):

    1 read the input file           (edge)
    2 parse                          stages.parse
    3 validate                       stages.validate
    4 check attachment files         (edge)
    5 the printed number             stages.numbering (a placeholder where none is allocated)
    6 compose: what goes where       stages.compose
    7 typeset the PDF                stages.typeset_pdf, attachments merged by stages.attach
    8 render the DOCX                stages.render_docx
    9 write both, atomically         (edge)

Filing (``file_document``): steps 1–4, then two short sections under the archive lock with the
typesetting between them:

    lock   the 件 the archive holds; duplicate, refusals     (edge: store.archive, store.register)
           the number: kept, claimed or allocated           stages.numbering decides, the registry draws
           compose, typeset (outside the lock)              stages.compose, stages.typeset_pdf, stages.attach
    lock   a new 件's 件号 and 档号                          stages.numbering (the highest 件号 from the edge)
           the record                                       stages.record
           the DOCX, the stamped copies                     stages.render_docx, stages.stamp
           the 发文稿纸 (dispatch form)                     stages.dispatch_form
           the version written, its numbers issued          stages.filing, then the edges
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import getpass
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import __version__
from pipeline.dat22 import content_digest
from pipeline.dat22 import safe_name
from pipeline.dat22 import sha256
from pipeline.drafts import draft_reason
from pipeline.errors import FawenError
from pipeline.errors import FilingError
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.intake import INFORMATION_SNAPSHOT  # steps 1–4 (read, parse, validate, resolve) live there
from pipeline.intake import TASKS_SNAPSHOT
from pipeline.intake import name_not_utf8
from pipeline.intake import named_files
from pipeline.intake import read_input
from pipeline.intake import read_request
from pipeline.intake import workspace_zone
from pipeline.model import ARCHIVAL_OFD as OFD_NAME
from pipeline.model import DISPATCH_FORM as FORM_NAME
from pipeline.model import DISPATCH_FORM_ROLE as FORM_ROLE
from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.model import Composition
from pipeline.model import DocumentRequest
from pipeline.model import Placement
from pipeline.model import Rendered
from pipeline.relpath import safe_relative_path
from pipeline.stages.compose import compose
from pipeline.stages.compose import document_date
from pipeline.stages.compose import inspection_totals
from pipeline.stages.compose import printed_issue
from pipeline.stages.compose import series_name
from pipeline.stages.filing import Component
from pipeline.stages.filing import plan
from pipeline.stages.numbering import CLAIM
from pipeline.stages.numbering import KEEP
from pipeline.stages.numbering import Continued
from pipeline.stages.numbering import NumberingFacts
from pipeline.stages.numbering import NumberPlan
from pipeline.stages.numbering import decide_number
from pipeline.stages.numbering import identity_of
from pipeline.stages.numbering import numbered
from pipeline.stages.numbering import printed_number as printed_document_number
from pipeline.stages.numbering import shelved
from pipeline.stages.parse import parse_input
from pipeline.stages.record import Arrival
from pipeline.stages.record import Filing
from pipeline.stages.record import filed_record
from pipeline.stages.record import filing_of
from pipeline.stages.tasks import snapshot_bytes
from pipeline.store import fonts as font_store
from pipeline.store import regular
from pipeline.store.archive import Archive
from pipeline.store.archive import EntryInfo
from pipeline.store.register import REGISTER_NAME
from pipeline.store.register import Register
from pipeline.store.registry import Registry
from pipeline.store.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.ofdfonts import EmbeddedFonts
    from pipeline.stages.dispatch_form import FiledAs
    from pipeline.stages.render_docx import PrintedLayout
    from pipeline.stages.stamp import StampData
    from pipeline.stages.typeset_pdf import Page

# The renderers (reportlab, pypdf, docxtpl, fontTools, lxml: about a second to import) are imported
# by the functions that render, not here: the commands that only read the archive, the registry
# or the inbox go through this module too, and start at once.
RENDERERS = ("pipeline.store.convert", "pipeline.stages.attach", "pipeline.stages.typeset_pdf",
             "pipeline.stages.render_docx", "pipeline.stages.stamp", "pipeline.stages.dispatch_form",
             "pipeline.stages.ofd", "pipeline.ofdfonts", "pypdf.errors")  # fmt: skip


def load_renderers() -> None:
    """Import every module rendering and filing use, now rather than on the first document: an
    inbox worker does it while it warms up, outside any input's time budget."""
    import importlib  # noqa: PLC0415

    for name in RENDERERS:
        importlib.import_module(name)


@frozen
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
    from pipeline.store.convert import attachment_pdf  # noqa: PLC0415

    out: list[bytes | None] = []
    for i, att in enumerate(req.attachments, 1):
        out.append(attachment_pdf(base / att.file, req.source, f"附件[{i}].文件") if att.file else None)
    return out


@frozen
class Typeset:
    """A document typeset to PDF (attachments merged), before its DOCX and its stamps."""

    pdf: bytes
    pages: int
    composition: Composition
    layout: PrintedLayout | None = None  # where the PDF put each line: the DOCX follows it
    drawn: tuple[Page, ...] = ()  # every page as the typesetter drew it: the OFD draws them again
    placeholders: tuple[int, ...] = ()  # the pages that hold an attached file's pages

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
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    from pipeline.stages.attach import AttachmentMergeError  # noqa: PLC0415
    from pipeline.stages.attach import label_fits  # noqa: PLC0415
    from pipeline.stages.attach import merge_attachments  # noqa: PLC0415
    from pipeline.stages.attach import page_count  # noqa: PLC0415
    from pipeline.stages.render_docx import layout_of  # noqa: PLC0415
    from pipeline.stages.typeset_pdf import typeset  # noqa: PLC0415

    files = attachment_files(req, base or Path.cwd())
    pages = [page_count(data) if data is not None else 0 for data in files]  # checked by attachment_pdf
    comp = compose_request(req, workspace, tuple(pages))
    fonts = font_store.font_set(workspace.config.font_dirs)
    labels = tuple(data is not None and label_fits(data) for data in files)  # 附件N on the file's first page
    result = typeset(comp, fonts, seal_images(req, workspace), labels)
    given = [(i, data) for i, data in enumerate(files) if data is not None]
    try:
        pdf = merge_attachments(result.pdf, result.placeholders, [data for _, data in given])
    except AttachmentMergeError as exc:  # a page that can be neither kept nor rebuilt for the archive
        i = given[exc.index][0]
        name = Path(req.attachments[i].file or "").name
        raise InputError(req.source, [Problem(f"附件[{i + 1}].文件", f"附件「{name}」{exc.reason}",
                                              "一个完好的 PDF 文件；可用 PDF 阅读器「另存为」或「打印为 PDF」后再试")]) from exc  # fmt: skip
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError) as exc:  # a file pypdf opened but cannot merge
        raise InputError(
            req.source,
            [
                Problem(
                    "附件",
                    "附件 PDF 无法并入正文（文件结构有误）",
                    "一个完好的 PDF 文件；可用 PDF 阅读器「另存为」后再试",
                )
            ],
        ) from exc
    layout = layout_of(result.printed, result.numbered)
    return Typeset(pdf, result.pages, comp, layout, result.drawn, result.placeholders)


def render_request(req: DocumentRequest, workspace: Workspace, base: Path | None = None,
                   docx_properties: dict[str, object] | None = None) -> Rendered:  # fmt: skip
    """Steps 5–8: both renderings of a validated request, in memory."""
    from pipeline.stages.render_docx import render_docx  # noqa: PLC0415

    done = typeset_request(req, workspace, base)
    docx = render_docx(
        done.composition, workspace.template(req.kind.value).read_bytes(), docx_properties, done.layout
    )  # the PDF's lines and pages: LibreOffice lays the DOCX out alike
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
#
# The order for one input: read, validate (intake); check it against the archive (_situation);
# number it (stages.numbering decides, the registry draws); typeset it (outside the lock); then,
# under the lock again, its 件号 and 档号 (stages.numbering), its record (stages.record), its
# stamped copies (stages.stamp), the version written (store.archive), its numbers issued.


@frozen
class Filed:
    """What ``file_document`` did: a new 件, a new version, or a duplicate left alone."""

    archive_code: str
    number: str
    version: int
    folder: Path | None
    duplicate: bool = False
    completed: tuple[str, ...] = ()  # keys the pipeline supplied (补全)


SOURCE_DIR = "源文件"  # in each version: the files the input names, under the names it uses


@frozen
class Source:
    """An input as received with every file it names: all that one version is made from."""

    data: bytes
    files: dict[str, bytes]  # relative path as the input names it -> bytes

    @property
    def digest(self) -> str:
        return content_digest(self.data, self.files)


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


@frozen
class FilingOptions:
    """How a person asked for the filing: ``by`` files it; ``correction`` makes the version a 更正
    of the 件 it continues; ``target`` (an identity) names that 件 when the corrected input's own
    identity would not; ``new`` files a title twin as a second document."""

    by: str = ""
    correction: str = ""
    target: str = ""
    new: bool = False


@frozen
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


Reserved = tuple[str, str, int, int]  # kind, series, year, number: drawn, not yet issued


@frozen
class _Filer:
    """One filing under way: the input, the workspace, the open stores, the input's bytes, how it
    was asked for, when, and the numbers drawn for it and not yet issued (voided if it fails)."""

    path: Path
    workspace: Workspace
    archive: Archive
    registry: Registry
    source: Source
    options: FilingOptions
    when: dt.datetime  # aware: the workspace's time zone
    reserved: list[Reserved] = dataclasses.field(default_factory=list)


RACES = 3  # times an input is numbered afresh when another filer changed its 件 while it rendered


def file_document(path: Path, workspace: Workspace, today: dt.date, now: dt.datetime, *, by: str = "",
                  correction: str = "", target: str = "", new: bool = False) -> Filed:  # fmt: skip
    """The whole pipeline for one input: validate, number, render, stamp, file, index.

    The archive lock is held twice, briefly: to check and number the input, then to stamp and
    write it. Typesetting (the long part, and where a pathological attachment costs time) runs in
    between, so another filer (a second inbox worker, a clerk's ``fawen file``) is never held up by
    it."""
    options = FilingOptions(by, correction, target, new)
    if name_not_utf8(path.name):
        raise FilingError(name_not_utf8(path.name))
    data = read_input(path)
    req = read_request(path, workspace, today, data=data)
    source = Source(data, {rel: (path.parent / rel).read_bytes() for rel in named_files(req)})
    when = now.astimezone(workspace_zone(workspace))
    archive = Archive(workspace.outbox)
    registry = open_registry(workspace)
    filer = _Filer(path, workspace, archive, registry, source, options, when)
    try:
        for _attempt in range(RACES):
            filed = _file_once(req, filer)
            if filed is not None:
                return filed
        raise FilingError(f"{path.name}：归档时多次遇到其他进程同时归档同一公文，未归档。请稍后重新归档。")
    finally:
        _give_back_all(registry, filer.reserved, "归档失败")  # accounted for: voided, or released if typed
        registry.close()
        archive.close()


def _file_once(req: DocumentRequest, f: _Filer) -> Filed | None:
    """One attempt: check and number under the archive lock, typeset outside it, then land under
    it again if the 件 is still as it was; None when another filer changed it in between (the
    numbers drawn are given back, and the input is numbered afresh)."""
    draft = draft_reason(req, f.workspace.config)
    if draft:  # refused before a number is drawn: a 草稿 must not burn the number it will bear
        raise FilingError(f"{f.path.name}：这是草稿，不能归档为正式文件：{draft}")
    with f.archive.locked():
        seen = _situation(req, f)
        if isinstance(seen, Filed):
            return seen
        numbered_req, place = _number(req, seen, f)
    typeset = typeset_request(numbered_req, f.workspace, f.path.parent)
    if typeset.draft:
        raise FilingError(f"{f.path.name}：这是草稿，不能归档为正式文件：{typeset.draft}")
    with f.archive.locked():
        now_seen = _situation(req, f)
        if isinstance(now_seen, Filed):
            return now_seen
        if now_seen.key == seen.key:
            return _land(numbered_req, place, typeset, seen, f)
        _give_back_all(f.registry, f.reserved, "归档时其他进程先归档了同一公文")
    return None


def _give_back_all(registry: Registry, reserved: list[Reserved], why: str) -> None:
    for kind, series, y, seq in reserved:
        registry.give_back(kind, series, y, seq, why)
    reserved.clear()


def _situation(req: DocumentRequest, f: _Filer) -> _Situation | Filed:
    """Under the archive lock: the input's 件 as the archive holds it now, a duplicate's Filed, or
    a FilingError when it may not be filed."""
    archive = f.archive
    _recover(archive, f.registry)
    refused = Register(archive.root, f.registry).prepare(archive)  # the first filing into an older archive adopts it
    if refused:
        raise FilingError(f"{f.path.name}：{refused}。先不归档：请运行 fawen archive verify 核查。")
    duplicate = archive.duplicate_of(f.source.digest)
    if duplicate is not None:
        entry, version = duplicate
        return Filed(entry.archive_code, entry.number, version, None, duplicate=True)
    identity = f.options.target or identity_of(
        req, f.path.stem
    )  # target: the 件 a 更正 continues, whatever the input says
    existing = archive.entry(identity)
    if existing is not None and archive.status(existing):  # from the tree: its number may be voided
        raise FilingError(f"{f.path.name}：{existing.archive_code}（{existing.number}）已{archive.status(existing)}，"
                          f"不能再归档新的版本。要重新发文，请作为新公文归档（去掉或改换「标识」、文号和文件名）。")  # fmt: skip
    if f.options.correction and existing is None:
        raise FilingError(f"{f.path.name}：档案中没有这份公文，无从更正；新公文请直接归档。")
    if existing is not None and not f.options.target:
        _refuse_another_under_its_number(f.path, req, identity, existing)
    if existing is not None and f.options.target:
        _refuse_a_changed_number(f.path, req, existing)
    if existing is None and not f.options.new:
        _refuse_twins(f.path, req, archive)
    return _Situation(identity, existing)


def _refuse_another_under_its_number(path: Path, req: DocumentRequest, identity: str, existing: EntryInfo) -> None:
    """An input that gives the 发文字号 or 期号 of a filed 件 is that 件's next version only when
    it is plainly the same document (its 文种 and 标题): a mistyped number must not make another
    document the latest version of someone else's 件. A changed title is said with
    ``--as-version-of`` (or ``archive correct``)."""
    if not identity.startswith(("文号:", "期号:")):
        return
    if existing.kind == req.kind.value and existing.title == req.plain_title:
        return
    what = "文种" if existing.kind != req.kind.value else "标题"
    raise FilingError(f"{path.name}：{existing.number} 已用于 {existing.archive_code}「{existing.title}」（{existing.kind}），"
                      f"而这份输入的{what}与它不同（「{req.plain_title}」，{req.kind.value}）。\n"
                      f"  若这是它的修改稿（改了{what}）：用 fawen file --as-version-of {existing.archive_code} 归为它的新版本；\n"
                      f"  若是另一份公文：改正输入中的发文字号或期号，或不写，由编号登记簿编号。")  # fmt: skip


def _refuse_a_changed_number(path: Path, req: DocumentRequest, existing: EntryInfo) -> None:
    """A new version keeps its 件's 发文字号 or 期号: an input that gives another one is refused,
    never filed under the kept number while its own text says otherwise."""
    typed = req.number or (f"第{req.issue}期" if req.issue else "")
    if not typed or (req.number and req.number == existing.number) or (req.issue and existing.number.endswith(typed)):
        return  # a 期号 is printed after its series: …纪要 2026年第4期 (so 第4期 is not found in 第14期)
    raise FilingError(f"{path.name}：输入写的编号「{typed}」与 {existing.archive_code} 的「{existing.number}」不同；"
                      f"新版本沿用原编号。请删去或改正输入中的发文字号、期号后再归档。")  # fmt: skip


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


def _number(req: DocumentRequest, seen: _Situation, f: _Filer) -> tuple[DocumentRequest, Placement]:
    """Numbering (stages.numbering) decides; the registry draws what it decided (the numbers
    drawn stay reserved until the version lands); the request comes back numbered and placed."""
    decided = decide_number(req, _continued(seen.existing), _numbering_facts(req, f.workspace))
    return numbered(decided, _draw(decided, f, seen.identity, req.plain_title))


def _numbering_facts(req: DocumentRequest, workspace: Workspace) -> NumberingFacts:
    """What numbering needs from the workspace: the series, the year, the 机关代字, the 全宗."""
    cfg = workspace.config
    printed = document_date(req)
    year = printed.year if printed else req.date.year if req.date else dt.date.today().year
    code = cfg.chosen_organs(req.organs)[0].codes.get(req.kind.value, "")
    return NumberingFacts(series_name(req, cfg), year, code, cfg.organ.fonds or "F000")


def _continued(existing: EntryInfo | None) -> Continued | None:
    if existing is None:
        return None
    e = existing
    return Continued(e.number, e.year, e.retention, e.problem, e.item, e.latest, e.archive_code)


def _draw(decided: NumberPlan, f: _Filer, identity: str, title: str) -> int:
    """Carry numbering's decision out in the registry: claim the number or reserve the next, and
    count it as drawn for this filing (issued when it lands, else given back: voided, or released when the input gave it); 0 when kept."""
    if decided.action == KEEP:
        return 0
    if decided.action == CLAIM:
        f.registry.claim(decided.kind, decided.series, decided.year, decided.seq, identity, title)
        seq = decided.seq
    else:
        seq = f.registry.reserve(decided.kind, decided.series, decided.year, identity, title)
    f.reserved.append((decided.kind, decided.series, decided.year, seq))
    return seq


def _land(req: DocumentRequest, place: Placement, typeset: Typeset, seen: _Situation, f: _Filer) -> Filed:
    """Under the second lock: the 件号 and 档号 (taken now, so a filer that fails leaves no gap),
    the record, the stamped copies, the version in place, its numbers issued."""
    existing = seen.existing
    if existing is None:
        highest = f.archive.max_item(place.year, place.retention, place.problem)
        place = shelved(place, highest, f.workspace.config.code_profile)
    filing = filing_of(place, _arrival(seen, f), typeset.pages)
    register = Register(f.archive.root, f.registry)

    def landed(final: Path, record: dict[str, object], manifest: bytes) -> None:
        # under the lock and inside the archive's pending note: a filer killed before its line
        # in the filing register or its numbers are issued is repaired by the next (_recover)
        register.landed(final, record, manifest)
        _issue_numbers(req, place, seen, f)

    f.archive.on_landed = landed
    try:
        folder = _write_version(req, typeset, filing, f, existing)
    finally:
        f.archive.on_landed = None  # this request's: never called for another write
    follow_tasks(f.workspace, f.archive)
    return Filed(filing.archive_code, place.number, place.version, folder,
                 completed=tuple(k for k, _v, _s in req.completed))  # fmt: skip


def _arrival(seen: _Situation, f: _Filer) -> Arrival:
    """How the version came: read at the edges (the input's bytes, the person, the version before)."""
    existing = seen.existing
    return Arrival(seen.identity, sha256(f.source.data), f.source.digest, f.when, operator(f.workspace, f.options.by),
                   existing.latest if existing else 0, _previous_content(f.archive, existing),
                   f.options.correction)  # fmt: skip


def _previous_content(archive: Archive, existing: EntryInfo | None) -> dict[str, object] | None:
    if existing is None:
        return None
    try:
        old = json.loads((archive.root / existing.path / f"v{existing.latest}" / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    content = old.get("内容")
    return content if isinstance(content, dict) else {}


def _issue_numbers(req: DocumentRequest, place: Placement, seen: _Situation, f: _Filer) -> None:
    """The version is in place: the numbers drawn for it are issued, and a new 件's 件号 with them."""
    for kind, series, y, seq in f.reserved:
        f.registry.issue(kind, series, y, seq, seen.identity, req.plain_title)
    f.reserved.clear()
    if seen.existing is None:
        class_series = "/".join(place.class_path)
        f.registry.claim("件号", class_series, place.year, place.item, seen.identity, req.plain_title)
        f.registry.issue("件号", class_series, place.year, place.item, seen.identity, req.plain_title)


def follow_tasks(workspace: Workspace, archive: Archive) -> None:
    """The 督办台账 takes the version's 议定事项 now. The version is filed whatever happens here: a
    ledger that cannot be written stays behind the filing register and catches up at the next
    filing or ``fawen tasks`` command (pipeline.tasks)."""
    from pipeline import tasks  # noqa: PLC0415

    try:
        tasks.sync(workspace, archive)
    except (sqlite3.Error, OSError, ValueError, TypeError, KeyError):
        pass


def _write_version(req: DocumentRequest, typeset: Typeset, filing: Filing, f: _Filer,
                   existing: EntryInfo | None) -> Path:  # fmt: skip
    """Stamp and record one typeset version, then put it in the archive in one step; returns its
    folder."""
    from pipeline.stages.dispatch_form import form_of  # noqa: PLC0415
    from pipeline.stages.dispatch_form import render_form  # noqa: PLC0415
    from pipeline.stages.render_docx import render_docx  # noqa: PLC0415
    from pipeline.stages.stamp import docx_properties  # noqa: PLC0415
    from pipeline.stages.stamp import stamp_copies  # noqa: PLC0415

    comp = typeset.composition
    meta = _stamp_data(req, comp, filing)
    docx = render_docx(comp, f.workspace.template(req.kind.value).read_bytes(), docx_properties(meta),
                       typeset.layout)  # fmt: skip
    totals = (
        inspection_totals(req.inspection_rows, req.cutoff or req.date or dt.date.min) if req.inspection_rows else None
    )
    record = filed_record(req, comp, filing, totals, f"fawen {__version__}")
    distribution, archival = stamp_copies(typeset.pdf, meta, font_store.font_set(f.workspace.config.font_dirs))
    fonts = font_store.font_set(f.workspace.config.font_dirs)
    form = render_form(form_of(req, comp, _filed_as(filing)), fonts)
    made = Made(distribution, archival, docx, form, _ofd_copy(typeset, meta, f.workspace))
    components = _components(req, made, f)
    entry_name = existing.path.rsplit("/", 1)[-1] if existing else safe_name(
        f"{filing.archive_code} {safe_name(req.plain_title, 30)}")  # fmt: skip
    class_path = tuple(p for p in (str(filing.year), filing.retention, filing.problem) if p)
    return f.archive.write(plan(class_path, entry_name, filing.version, components, record), record)


def _stamp_data(req: DocumentRequest, comp: Composition, filing: Filing) -> StampData:
    """What the stamps and the files' own metadata say of the version."""
    from pipeline.stages.stamp import StampData  # noqa: PLC0415

    f = filing
    return StampData(req.plain_title, f.number, f.archive_code, f.fonds, f.year, f.item, f.problem, f.retention,
                     f.pages, f.version, "正本", f.content_sha256, "、".join(comp.authors), req.kind.value, comp.date,
                     created=f.when)  # fmt: skip


@frozen
class Made:
    """The files rendered for one version: the stamped PDFs, the DOCX, the 发文稿纸, the OFD."""

    distribution: bytes
    archival: bytes
    docx: bytes
    form: bytes
    ofd: bytes


def _ofd_copy(typeset: Typeset, meta: StampData, workspace: Workspace) -> bytes:
    """The 归档件 as an OFD-A package (GB/T 33190, GB/T 42133): the typesetter's pages drawn again,
    the attached files' pages as pictures, the 归档章 as an annotation."""
    from pipeline.stages.ofd import OfdMetadata  # noqa: PLC0415
    from pipeline.stages.ofd import attached_renderings  # noqa: PLC0415
    from pipeline.stages.ofd import ofd_package  # noqa: PLC0415
    from pipeline.stages.ofd import stamp_of  # noqa: PLC0415
    from pipeline.stages.stamp import RETENTION_LABEL  # noqa: PLC0415

    fonts = _ofd_fonts(tuple(workspace.config.font_dirs))
    about = OfdMetadata(
        meta.title, meta.author, (meta.created or dt.datetime.now(dt.UTC)).date(), meta.archive_code, meta.fonds,
        meta.year, meta.item, meta.problem, RETENTION_LABEL.get(meta.retention, meta.retention), meta.number,
        meta.date.isoformat() if meta.date else "", meta.kind, meta.pages, meta.version, "归档件", meta.content_digest,
        f"fawen {__version__}",
    )  # fmt: skip
    attached = attached_renderings(typeset.pdf, typeset.drawn, typeset.placeholders)
    return ofd_package(typeset.drawn, fonts, about, stamp_of(about), attached)


@functools.cache
def _ofd_fonts(font_dirs: tuple[str, ...]) -> EmbeddedFonts:
    """One per font set: the font programs it cuts are kept for the next version."""
    from pipeline.ofdfonts import EmbeddedFonts  # noqa: PLC0415 — fontTools

    return EmbeddedFonts(font_store.font_set(font_dirs))


def _filed_as(filing: Filing) -> FiledAs:
    """What the 发文稿纸 says of the version: its number, 档号, version, content digest, time."""
    from pipeline.stages.dispatch_form import FiledAs  # noqa: PLC0415

    return FiledAs(filing.number, filing.archive_code, filing.version, filing.content_sha256, filing.when)


def _components(req: DocumentRequest, made: Made, f: _Filer) -> list[Component]:
    """The files of one version: the 正本 and 归档件 (both stamped), the 归档件 as OFD, the DOCX and
    the 发文稿纸, the input as received, the snapshots it was drawn from, and every file it names."""
    components = [
        Component("正本", "正本.pdf", "application/pdf", made.distribution),
        Component("归档件", "归档.pdf", "application/pdf", made.archival),
        Component("归档件（OFD）", OFD_NAME, "application/ofd", made.ofd),
        Component("可编辑", "公文.docx", DOCX_MIME, made.docx),
        Component(FORM_ROLE, FORM_NAME, "application/pdf", made.form),
        Component("输入", "输入" + f.path.suffix.lower(), "text/plain", f.source.data),
    ]  # fmt: skip
    if req.inspection_snapshot is not None:  # what the 督查事项 were drawn from: the 通报 rebuilds from it
        components.append(
            Component("台账快照", TASKS_SNAPSHOT, "application/json", snapshot_bytes(req.inspection_snapshot))
        )
    if req.information_snapshot is not None:  # the 信息统计 as counted: the 报告 rebuilds from it
        components.append(Component("统计快照", INFORMATION_SNAPSHOT, "application/json",
                                    snapshot_bytes(req.information_snapshot)))  # fmt: skip
    for rel, data in sorted(f.source.files.items()):
        role = "台账" if rel == req.inspection_ledger else "附件"
        components.append(Component(role, f"{SOURCE_DIR}/{rel}", _mime(rel), data))
    return components


def _mime(name: str) -> str:
    return {".pdf": "application/pdf", ".docx": DOCX_MIME, ".csv": "text/csv",
            ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}.get(
        Path(name).suffix.lower(), "application/octet-stream")  # fmt: skip


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _recover(archive: Archive, registry: Registry) -> None:
    """After a crash: clear the staging folder, index what reached the tree, and settle the
    numbers the dead process had reserved (issued if its document was filed, else given back)."""
    leftovers = archive.recover()
    orphans = registry.orphans()
    if not leftovers and not orphans and not archive.pending():
        return
    landed = archive.pending_version()
    archive.reconcile()
    register = Register(archive.root, registry)
    if landed is not None and landed.is_dir():
        if not register.prepare(archive):
            register.landed_if_missing(landed)  # it died between the rename and the register line
        _item_number_if_missing(landed, registry)  # or before the new 件's 件号 was issued
    for record in orphans:
        label = {"发文字号": f"{record.series}〔{record.year}〕{record.seq}号", "期号": f"第{record.seq}期"}.get(
            record.kind, str(record.seq)
        )
        registry.settle(record, archive.holds(record.identity, record.kind, label))


def _item_number_if_missing(landed: Path, registry: Registry) -> None:
    """The 件号 of a new 件 a dead filer put in place, issued now if the registry does not have it
    issued: left out, the next 件's claim would record it as skipped while a 件 holds it."""
    try:
        record = json.loads((landed / METADATA).read_text(encoding="utf-8"))
        if int(record["版本"]) != 1:
            return  # a new version of a 件 keeps the 件号 issued with its first
        year, item = int(record["年度"]), int(record["件号"])
        series = "/".join(p for p in (str(year), str(record["保管期限"]), str(record["机构问题"])) if p)
        identity, title = str(record["标识"]), str(record.get("题名", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return  # a record that cannot be read: archive verify reports it
    row = registry.get("件号", series, year, item)
    if row is None or row.status in ("reserved", "skipped"):
        registry.claim("件号", series, year, item, identity, title)
        registry.issue("件号", series, year, item, identity, title)


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
    from pypdf.errors import PdfReadError  # noqa: PLC0415

    from pipeline.stages.verify import compare_renderings  # noqa: PLC0415

    try:
        record = json.loads(regular.read_text(folder / METADATA))
        inputs = sorted(p for p in folder.iterdir() if p.is_file() and p.stem == "输入")
        if not inputs:
            return ["没有存档的输入文件，无法重新生成"]
        filed_on = dt.datetime.fromisoformat(str(record.get("归档时间"))).date()
        with _sources_of(folder, inputs[0]) as (source, base):
            req = _as_filed(read_request(source, workspace, filed_on, base=base, filed=folder), record)
            rendered = render_request(req, workspace, base)
        return compare_renderings(regular.read_bytes(folder / "正本.pdf"), rendered.pdf)
    except regular.NotRegularFile as exc:
        return [f"无法重新生成：{exc.message}"]
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
        raw = parse_input(source.name, source.suffix, regular.read_bytes(source)).data.get("附件")
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
    altered: set[str] = set()  # 件 folders with a version whose 元数据.json is not what was filed
    for rel_entry, versions in sorted(scan.entries.items()):
        for name, content in sorted(versions.items(), key=lambda kv: int(kv[0][1:])):
            rel = f"{rel_entry}/{name}"
            problems, tree[rel] = _verify_version(archive.root / rel, name, content.files, content.dirs, rebuild)
            report.append({"件": rel, "问题": problems})
            if v.altered(METADATA) in problems:
                altered.add(rel_entry)
            if progress is not None:
                progress(rel)
    found: dict[str, list[str]] = {}
    v.add(found, "档案根目录", [f"多余的文件或文件夹：{p}" for p in sorted(scan.strays) if "/" not in p])
    for path in sorted(scan.strays):
        v.add(found, path, ["不属于档案的文件或文件夹"] if "/" in path else [])
    for path in sorted(scan.links):
        v.add(found, path, ["是符号链接：档案中只应有文件本身"])
    for path, kind in sorted(scan.specials.items()):  # FIFOs, devices, sockets: never opened
        v.add(found, path, [regular.not_regular(kind)])
    for path in sorted(scan.writable):
        v.add(found, path, ["可以写入：归档后的文件应为只读"])
    _verify_entries(archive, scan, (tree, altered), registry, found)
    return report + [{"件": name, "问题": problems} for name, problems in found.items()]


def _verify_version(folder: Path, name: str, names: list[str], dirs: list[str],
                    rebuild: Workspace | None) -> tuple[list[str], tuple[dict[str, object], str]]:  # fmt: skip
    """One version from its bytes: its problems, its record and the digest of its manifest."""
    from pipeline.stages.verify import check_version
    from pipeline.stages.verify import stray_folders

    base = str(folder)
    files: dict[str, bytes] = {}
    unread: list[str] = []
    for n in names:
        try:
            files[n] = regular.read_bytes(os.path.join(base, n))  # plain strings: pathlib costs more than the reading
        except regular.NotRegularFile as exc:  # swapped for a FIFO, a device … since the scan: never read
            unread.append(f"{n} {regular.not_regular(exc.kind)}")
    problems, record = check_version(files, name)
    problems = unread + problems
    problems += stray_folders(dirs, files)
    if rebuild is not None and not problems:
        problems += [f"重新生成与存档不符：{f}" for f in rebuild_findings(folder, rebuild)]
    manifest = sha256(files[MANIFEST]) if MANIFEST in files else ""
    return problems, (record, manifest)


def _verify_entries(archive: Archive, scan: object, read: tuple[dict[str, tuple[dict[str, object], str]], set[str]],
                    registry: Registry | None, found: dict[str, list[str]]) -> None:  # fmt: skip
    """Each 件 where and what its records say; the same 件 twice; 件号 gaps; then the register,
    the registry and the index against the tree. ``read``: each version's record and manifest
    digest, and the 件 folders whose 元数据.json was altered."""
    from pipeline import disposition
    from pipeline.stages import verify as v

    tree, altered = read

    by_entry: dict[str, dict[int, dict[str, object]]] = {}
    for rel, (record, _m) in tree.items():
        if record:
            by_entry.setdefault(rel.rsplit("/", 1)[0], {})[int(rel.rsplit("/v", 1)[1])] = record
    for rel_entry in scan.entries:  # type: ignore[attr-defined]
        if rel_entry not in by_entry:
            v.add(found, rel_entry, ["件夹中没有可读的版本（缺少元数据）"])
    try:
        text = Register(archive.root, registry).text() if registry is not None else ""
    except regular.NotRegularFile as exc:  # a FIFO, a device …: never read; as good as gone
        v.add(found, REGISTER_NAME, [regular.not_regular(exc.kind)])
        text = ""
    entries = disposition.parse(text)
    rows = archive.index_rows()
    known = _known_versions(rows[0], entries)
    held: dict[str, tuple[str, int, str]] = {}
    same: tuple[dict[str, list[str]], dict[str, list[str]]] = ({}, {})
    items: dict[tuple[str, ...], list[int]] = {}
    for rel_entry, records in sorted(by_entry.items()):
        first = records[min(records)]
        identity = str(first.get("标识", ""))
        v.add(
            found,
            rel_entry,
            v.entry_place(rel_entry, records) + v.missing_versions(set(records), known.get(identity, 0)),
        )
        where = "/".join(
            p for p in (str(first.get("年度", "")), str(first.get("保管期限", "")), str(first.get("机构问题", ""))) if p
        )
        held[identity] = (where, int(str(first.get("件号", 0) or 0)), rel_entry)
        same[0].setdefault(identity, []).append(rel_entry)
        same[1].setdefault(str(first.get("档号", "")), []).append(rel_entry)
        if 1 in records:
            items.setdefault(
                (str(first.get("年度")), str(first.get("保管期限")), str(first.get("机构问题"))), []
            ).append(held[identity][1])
    for table, what in ((same[0], "件"), (same[1], "档号")):
        for name, problems in v.duplicates(table, what).items():
            v.add(found, name, problems)
    for name, problems in v.class_gaps(items).items():
        v.add(found, name, problems)
    if registry is not None:
        _verify_witnesses(archive, scan, tree, (registry, (text, entries), held), found)
    _verify_index(archive, rows, (by_entry, altered), found)


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
    """The filing register (its chain, its head, against the tree) and the numbers the registry issued."""
    from pipeline import disposition
    from pipeline.stages import verify as v
    from pipeline.store.register import REGISTER_NAME
    from pipeline.store.register import chain_problems

    registry, (text, entries), held = witnesses
    v.add(found, REGISTER_NAME, chain_problems(text, registry.register_head(), entries))
    logs = {}
    for rel in scan.logs:  # type: ignore[attr-defined]
        try:
            events = disposition.parse(regular.read_text(archive.root / rel))
        except regular.NotRegularFile as exc:  # swapped for a FIFO, a device … since the scan: never read
            v.add(found, rel, [regular.not_regular(exc.kind)])
            continue
        logs[rel] = [(e.get("序号"), e.get("摘要")) for e in events]
    for name, problems in v.register_findings(entries, tree, logs).items():
        v.add(found, name, problems)
    items = [(r.series, r.seq, r.status, r.identity) for r in registry.records(kind="件号")]
    for name, problems in v.registry_findings(items, held).items():
        v.add(found, name, problems)
    numbers = [(r.kind, r.label, r.status, r.identity) for k in ("发文字号", "期号") for r in registry.records(kind=k)]
    for name, problems in v.number_findings(numbers, held).items():
        v.add(found, name, problems)


def _verify_index(archive: Archive, rows: tuple[dict, dict],  # type: ignore[type-arg]
                  read: tuple[dict[str, dict[int, dict[str, object]]], set[str]], found: dict[str, list[str]]) -> None:  # fmt: skip
    """The index against the records in the tree (``read``: by 件 folder, and the folders whose
    元数据.json was altered); a deleted index was rebuilt when it was opened."""
    from pipeline.stages import verify as v
    from pipeline.store.archive import entry_values
    from pipeline.store.archive import version_values

    by_entry, altered = read
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
    problems = v.index_findings(
        rows, (entries, versions), where, {i for i, folder in where.items() if folder in altered}
    )
    if archive.index_missing and by_entry:
        problems.insert(0, "索引文件（.fawen/index.db）不见了，已从档案目录重建")
    v.add(found, ".fawen/index.db", problems)
