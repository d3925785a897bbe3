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
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from pypdf.errors import PdfReadError

from pipeline import __version__
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.model import DocumentRequest
from pipeline.model import Rendered
from pipeline.model import Composition
from pipeline.stages.attach import merge_attachments
from pipeline.stages.attach import page_count
from pipeline.stages.compose import compose
from pipeline.dat22 import archive_code
from pipeline.dat22 import safe_name
from pipeline.dat22 import sha256
from pipeline.stages.filing import Component
from pipeline.stages.filing import plan
from pipeline.stages.numbering import DocumentNumber
from pipeline.stages.stamp import StampData
from pipeline.stages.stamp import docx_properties
from pipeline.stages.stamp import stamp_copies
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
from pipeline.store.archive import Archive
from pipeline.store.archive import EntryInfo
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


def read_request(path: Path, workspace: Workspace, today: dt.date) -> DocumentRequest:
    """Steps 1–4: the validated request, or InputError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path.name, [Problem("", f"无法读取文件：{exc.strerror}", "一个存在且可读的文件")]) from exc
    req = validate(parse_input(path.name, path.suffix, data), workspace.config, today)
    problems = []
    for i, att in enumerate(req.attachments, 1):
        if att.file is not None:
            _check_beside(path, att.file, f"附件[{i}].文件", "附件文件", "PDF 或 DOCX 文件", problems)
    if req.inspection_ledger and _check_beside(path, req.inspection_ledger, "督查事项", "台账", "CSV 或 XLSX 文件", problems):
        table = read_ledger(path.parent / req.inspection_ledger, path.name)
        req = dataclasses.replace(req, inspection_rows=ledger_rows(path.name, req.inspection_ledger, table))
    if problems:
        raise InputError(path.name, problems)
    return req


def _check_beside(path: Path, rel: str, key: str, what: str, kind: str, problems: list[Problem]) -> bool:
    """A file an input names must exist inside the input's folder (a link may not lead out)."""
    target = (path.parent / rel).resolve()
    if not target.is_relative_to(path.parent.resolve()):
        problems.append(Problem(key, f"{what}「{rel}」指向输入文件夹之外（符号链接）", f"输入文件所在文件夹内的{kind}"))
    elif not target.is_file():
        problems.append(Problem(key, f"找不到{what}「{rel}」", f"与输入文件放在一起的{kind}"))
    else:
        return True
    return False


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


def render_request(req: DocumentRequest, workspace: Workspace, base: Path | None = None,
                   docx_properties: dict[str, str] | None = None) -> Rendered:  # fmt: skip
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
    docx = render_docx(comp, workspace.template(req.kind.value).read_bytes(), docx_properties)
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


# ---- filing (归档) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """What ``file_document`` did: a new 件, a new version, or a duplicate left alone."""

    archive_code: str
    number: str
    version: int
    folder: Path | None
    duplicate: bool = False


class FilingError(FawenError):
    """A document that must not go into the archive as it is."""


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
    return Registry(workspace.root / ".fawen" / "registry.db")


def _changes(old: dict[str, object], new: dict[str, object]) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [k for k in keys if old.get(k) != new.get(k)]


def file_document(path: Path, workspace: Workspace, today: dt.date, now: dt.datetime) -> Filed:
    """The whole pipeline for one input: validate, number, render, stamp, file, index."""
    data = path.read_bytes()
    digest = sha256(data)
    req = read_request(path, workspace, today)
    cfg = workspace.config
    archive = Archive(workspace.outbox)
    registry = open_registry(workspace)
    reserved: list[tuple[str, str, int, int]] = []
    try:
        with archive.locked():
            _recover(archive, registry)
            duplicate = archive.duplicate_of(digest)
            if duplicate is not None:
                entry, version = duplicate
                return Filed(entry.archive_code, entry.number, version, None, duplicate=True)
            identity = identity_of(req, path)
            existing = archive.entry(identity)
            year = req.date.year if req.date else today.year
            retention = req.retention or "Y"
            problem = req.problem
            if existing is not None:
                number_text, item, version = existing.number, existing.item, existing.latest + 1
                if req.kind.serial and not req.number:
                    issue = int(re.sub(r"\D", "", number_text) or 0) or None
                    req = dataclasses.replace(req, issue=issue)
                else:
                    req = dataclasses.replace(req, number=number_text)
                year, retention, problem = existing.year, existing.retention, existing.problem
            else:
                version = 1
                if req.kind.serial and not req.number:
                    series = req.kind.value
                    if req.issue is None:
                        issue = registry.reserve("期号", series, year, identity, req.title)
                        reserved.append(("期号", series, year, issue))
                        req = dataclasses.replace(req, issue=issue)
                    else:
                        registry.claim("期号", series, year, req.issue, identity, req.title)
                        reserved.append(("期号", series, year, req.issue))
                    number_text = printed_issue(req.issue)
                else:
                    parsed = DocumentNumber.parse(req.number) if req.number else None
                    if parsed is not None:
                        registry.claim("发文字号", parsed.code, parsed.year, parsed.seq or 0, identity, req.title)
                        reserved.append(("发文字号", parsed.code, parsed.year, parsed.seq or 0))
                    else:
                        code = cfg.organ.codes.get(req.kind.value)
                        if not code:
                            raise FilingError(f"{path.name}：工作区没有为文种「{req.kind.value}」设置机关代字，无法编发文字号。"
                                              f"请在 fawen.yaml 的「机关代字」中补充，或在输入中写明发文字号。")
                        seq = registry.reserve("发文字号", code, year, identity, req.title)
                        reserved.append(("发文字号", code, year, seq))
                        req = dataclasses.replace(req, number=str(DocumentNumber(code, year, seq)))
                    number_text = req.number or ""
            if existing is None:
                # 件号: the next in its class, taken under the archive lock and consumed only when
                # the entry lands, so a crash before that leaves no gap (DA/T 22: no gaps, no reuse)
                item = archive.max_item(year, retention, problem) + 1
            code = archive_code(cfg.organ.fonds or "F000", year, retention, problem, item, cfg.code_profile)
            meta = StampData(req.title, number_text, code, cfg.organ.fonds or "F000", year, item, problem, retention,
                             0, version, "正本", digest, req.signature, req.kind.value, req.date)  # fmt: skip
            rendered = render_request(req, workspace, path.parent, docx_properties(meta))
            if rendered.draft:
                raise FilingError(f"{path.name}：这是草稿，不能归档为正式文件：{rendered.draft}")
            meta = dataclasses.replace(meta, pages=rendered.pages)
            record = _record(req, workspace, identity, code, number_text, year, retention, problem, item,
                             version, rendered.pages, digest, now, existing, archive)  # fmt: skip
            fonts = font_store.font_set(cfg.font_dirs)
            distribution, archival = stamp_copies(rendered.pdf, meta, fonts)
            components = [
                Component("正本", "正本.pdf", "application/pdf", distribution),
                Component("归档件", "归档.pdf", "application/pdf", archival),
                Component("可编辑", "公文.docx", DOCX_MIME, rendered.docx),
                Component("输入", "输入" + path.suffix.lower(), "text/plain", data),
            ]  # fmt: skip
            for i, att in enumerate(req.attachments, 1):
                if att.file:
                    source = path.parent / att.file
                    components.append(Component("附件", f"附件{i}{source.suffix.lower()}", "application/octet-stream",
                                                source.read_bytes()))  # fmt: skip
            entry_name = safe_name(f"{code} {safe_name(req.title, 30)}")
            filing_plan = plan((str(year), retention, problem) if problem else (str(year), retention),
                               existing.path.rsplit("/", 1)[-1] if existing else entry_name, version, components, record)  # fmt: skip
            folder = archive.write(filing_plan, record)
            for kind, series, y, seq in reserved:
                registry.issue(kind, series, y, seq, identity, req.title)
            reserved.clear()
            if existing is None:
                class_series = "/".join(p for p in (str(year), retention, problem) if p)
                registry.claim("件号", class_series, year, item, identity, req.title)
                registry.issue("件号", class_series, year, item, identity, req.title)
            return Filed(code, number_text, version, folder)
    finally:
        for kind, series, y, seq in reserved:  # a failure: the numbers are accounted for, not reused
            registry.void(kind, series, y, seq, "归档失败，编号作废不再使用")
        registry.close()
        archive.close()


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _recover(archive: Archive, registry: Registry) -> None:
    """After a crash: clear the staging folder, index what reached the tree, and settle the
    numbers the dead process had reserved (issued if its document was filed, else voided)."""
    leftovers = archive.recover()
    orphans = registry.orphans()
    if not leftovers and not orphans and not archive.pending():
        return
    archive.reconcile()
    for record in orphans:
        label = {"发文字号": f"{record.series}〔{record.year}〕{record.seq}号", "期号": f"第{record.seq}期"}.get(
            record.kind, str(record.seq))
        registry.settle(record, archive.holds(record.identity, record.kind, label))


def _record(req: DocumentRequest, workspace: Workspace, identity: str, code: str, number: str, year: int,
            retention: str, problem: str, item: int, version: int, pages: int, digest: str, now: dt.datetime,
            existing: EntryInfo | None, archive: Archive) -> dict[str, object]:  # fmt: skip
    """The metadata record of one version (DA/T 46 / GB/T 33480 elements)."""
    cfg = workspace.config
    events = []
    if req.approval:
        events.append({"行为": "审定", "时间": str(req.approval.date or ""), "人": req.approval.by})
    for sign in req.countersigns:
        events.append({"行为": "会签", "时间": str(sign.date or ""), "人": sign.by})
    if req.print_date:
        events.append({"行为": "印发", "时间": str(req.print_date), "人": req.printer})
    events.append({"行为": "归档" if version == 1 else "修订", "时间": now.isoformat(timespec="seconds"), "人": "fawen"})
    relations = []
    changed: list[str] = []
    if existing is not None:
        relations.append({"类型": "替代", "对象": f"v{existing.latest}", "说明": f"第{version}版替代第{existing.latest}版"})
        old_meta = archive.root / existing.path / f"v{existing.latest}" / "元数据.json"
        try:
            old = json.loads(old_meta.read_text(encoding="utf-8"))
            changed = _changes(old.get("内容", {}), _content(req))
        except (OSError, ValueError):
            changed = []
    return {
        "UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"fawen:{cfg.organ.fonds}:{identity}:{version}")),
        "标识": identity, "档号": code, "全宗号": cfg.organ.fonds, "门类": "WS", "年度": year,
        "保管期限": retention, "机构问题": problem, "件号": item, "版本": version, "页数": pages,
        "题名": req.title, "文号": number, "责任者": [req.signature], "成文日期": str(req.date or ""),
        "文种": req.kind.value, "密级": req.secrecy, "保密期限": req.secrecy_period, "紧急程度": req.urgency,
        "主送": list(req.recipients), "抄送": list(req.cc), "附件": [a.name for a in req.attachments],
        "签发人": list(req.signers), "稿本": "正本", "输入SHA256": digest,
        "归档时间": now.isoformat(timespec="seconds"), "事件": events, "关系": relations, "变更": changed,
        "内容": _content(req), "生成器": f"fawen {__version__}",
    }  # fmt: skip


def _content(req: DocumentRequest) -> dict[str, object]:
    """The document's words, for the record and for diffs between versions."""
    return {
        "标题": req.title, "主送": "，".join(req.recipients), "正文": "\n".join(b.text for b in req.body),
        "附件": [a.name for a in req.attachments], "署名": req.signature, "成文日期": str(req.date or ""),
        "附注": req.note, "抄送": "，".join(req.cc),
    }  # fmt: skip


def open_archive(workspace: Workspace) -> Archive:
    return Archive(workspace.outbox)


def verify_archive(archive: Archive) -> list[dict[str, object]]:
    """The checks the pipeline can run for the 四性 (DA/T 70): per version and per class."""
    from pipeline.stages.verify import check_version

    report: list[dict[str, object]] = []
    items: dict[tuple[str, ...], list[int]] = {}
    for meta in sorted(archive.version_records()):
        folder = meta.parent
        files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        problems, record = check_version(files, folder.name)
        rel = folder.relative_to(archive.root).as_posix()
        if record:
            key = (str(record.get("年度")), str(record.get("保管期限")), str(record.get("机构问题")))
            if folder.name == "v1":
                items.setdefault(key, []).append(int(record.get("件号", 0) or 0))
        report.append({"件": rel, "问题": problems})
    for key, numbers in sorted(items.items()):
        numbers.sort()
        expected = list(range(1, len(numbers) + 1))
        if numbers != expected:
            missing = sorted(set(expected) - set(numbers))
            report.append({"件": "/".join(key), "问题": [f"件号不连续：缺 {', '.join(f'{n:04d}' for n in missing) or '—'}，现有 {numbers}"]})
    return report
