"""Steps 1–4 at the edge: an input file read (bounded), parsed and validated, the files it names
checked, and what it draws from the archive resolved — the 督办台账's rows for a 督查通报, the
信访信息 counts for a 研判 报告, the 件 it names (关联). What ``fawen validate`` needs and no more:
the typesetters, the DOCX renderer and the filing code are not imported here, so checking a file
starts at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.model import METADATA
from pipeline.model import DocumentRequest
from pipeline.relpath import stays_inside
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.stages.parse import front_matter
from pipeline.stages.parse import parse_input
from pipeline.stages.validate import ledger_rows
from pipeline.stages.validate import shown
from pipeline.stages.validate import table_text_problem
from pipeline.stages.validate import validate
from pipeline.store import fonts as font_store
from pipeline.store.bounded import Unreadable
from pipeline.store.bounded import read_bounded
from pipeline.store.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.store.archive import Archive
    from pipeline.store.archive import EntryInfo

TASKS_SNAPSHOT = "督办台账快照.json"  # the 督办台账 rows a 督查通报 drew, filed beside it (stages.tasks.SNAPSHOT_NAME)


MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


def display_name(text: str) -> str:
    """A file name (or a text quoting one) as it can be written and shown: bytes of a name that are
    not UTF-8 (a name unzipped from a Windows archive, in GBK) come from the system as lone
    surrogates, which no log line or console can hold; they are shown as \\xNN."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # another lone surrogate (one an input wrote as \ud800): escaped as it is
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def name_not_utf8(name: str) -> str:
    """Why an input's file name cannot be filed, or '': a name whose bytes are not UTF-8 (one
    unzipped from a Windows archive, in GBK) reaches Python as lone surrogates, and the name is
    recorded with the 件 and quoted in messages, which must be true text."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return (f"{display_name(name)} 的文件名不是 UTF-8 编码（常见于从 Windows 压缩包解出的 GBK 文件名），无法如实记入档案。\n"
                f"应为：在本机把文件改名（用中文或英文均可）后重新放入或归档。")  # fmt: skip
    return ""


def read_input(path: Path) -> bytes:
    """The input's bytes: a regular file of at most MAX_INPUT_BYTES, judged before reading."""
    try:
        return read_bounded(path, MAX_INPUT_BYTES)
    except Unreadable as exc:
        raise InputError(path.name, [Problem("", f"无法读取输入文件：{exc.reason}",
                                             f"一个不超过 {MAX_INPUT_BYTES // 1024} KB 的普通文本文件")]) from exc  # fmt: skip


def read_request(path: Path, workspace: Workspace, today: dt.date, *, data: bytes | None = None,
                 base: Path | None = None, filed: Path | None = None) -> DocumentRequest:  # fmt: skip
    """Steps 1–4: the validated request, or InputError. ``data`` is the input's bytes when
    already read; ``base`` the folder the files it names are in (default: the input's).
    Attachment files are opened and checked here, so ``render`` never meets a bad one.
    督查事项 drawn from the 督办台账 and a 报告's 信息统计 are computed from the ledger and the
    信访信息 log, or, when a filed version is rebuilt, read from the snapshots in its folder
    (``filed``)."""
    base = base or path.parent
    raw = data if data is not None else read_input(path)
    coverage = font_store.coverage(workspace.config.font_dirs)
    parsed = parse_input(path.name, path.suffix, raw)
    req = validate(parsed, workspace.config, today, coverage)
    problems: list[Problem] = []
    for i, att in enumerate(req.attachments, 1):
        if att.file is not None and _check_beside(
            base, att.file, f"附件[{i}].文件", "附件文件", "PDF 或 DOCX 文件", problems
        ):
            _check_attachment(base, att.file, f"附件[{i}].文件", problems)
    if req.inspection_ledger and _check_beside(
        base, req.inspection_ledger, "督查事项", "台账", "CSV 或 XLSX 文件", problems
    ):
        from pipeline.store.ledger import read_ledger  # noqa: PLC0415 — openpyxl, for a ledger file only

        table = read_ledger(base / req.inspection_ledger, path.name)
        rows = ledger_rows(path.name, req.inspection_ledger, table, today, coverage, year_from=req.cutoff or req.date)
        req = dataclasses.replace(req, inspection_rows=rows)
    if req.inspection_query is not None:
        drawn = filed / TASKS_SNAPSHOT if filed is not None else None
        req = _drawn_from_ledger(req, workspace, drawn, problems)
    if req.information_query is not None:
        counted = filed / INFORMATION_SNAPSHOT if filed is not None else None
        req = _counted_information(req, workspace, counted, problems)
    if filed is None and (req.meeting_notice or req.inspection_snapshot):  # 关联 do not change the pages
        req = _linked(req, workspace, problems)
    if problems:  # each on the line of the key it names (the file an attachment names, the ledger …)
        lined = [p if p.line is not None else dataclasses.replace(p, line=parsed.lines.get(p.key)) for p in problems]
        raise InputError(path.name, lined)
    return req


def _drawn_from_ledger(req: DocumentRequest, workspace: Workspace, snapshot: Path | None,
                       problems: list[Problem]) -> DocumentRequest:  # fmt: skip
    """The 督查事项 of a 通报 from the 督办台账 as of its 截至 day (or from the snapshot filed with
    it), with the snapshot to archive beside it."""
    from pipeline import tasks  # noqa: PLC0415 — the ledger is read only for such a 通报
    from pipeline.stages import tasks as inspection  # noqa: PLC0415 — its 督查事项 part

    query = req.inspection_query
    assert query is not None
    if snapshot is not None:
        drawn = json.loads(snapshot.read_text(encoding="utf-8"))
    else:
        from pipeline.store.archive import Archive  # noqa: PLC0415 — sqlite and the index, for such a 通报 only

        archive = Archive(workspace.outbox)
        try:
            wanted = inspection.ledger_filter(query, req.inspection_type)
            unknown = inspection.unknown_meetings(query, (i.id for i in tasks.items(workspace, archive)))
            if unknown:
                problems += unknown
                return req
            drawn = inspection.draw(tasks.listing(workspace, archive, query.cutoff, wanted), query, req.inspection_type)
        finally:
            archive.close()
    rows, found = inspection.rows_of(drawn)
    problems += found
    too_much = table_text_problem(list(rows), "督查事项")
    if too_much is not None:
        problems.append(too_much)
    return dataclasses.replace(req, inspection_rows=rows, inspection_snapshot=drawn)


def _linked(req: DocumentRequest, workspace: Workspace, problems: list[Problem]) -> DocumentRequest:
    """The 件 this one names (DA/T 46 关联): a 纪要's 会议通知, whose 会议编号 it takes when it has
    none; the 纪要 whose 议定事项 a 通报 drawn from the ledger checks."""
    from pipeline.store.archive import Archive  # noqa: PLC0415 — only an input that names a filed 件

    archive = Archive(workspace.outbox)
    try:
        links: list[dict[str, str]] = []
        meeting_id, completed = req.meeting_id, list(req.completed)
        if req.meeting_notice:
            notice = _meeting_notice(archive, req.meeting_notice, problems)
            if notice is not None:
                links.append(
                    {"类型": "会议通知", "对象": notice.identity, "档号": notice.archive_code, "题名": notice.title}
                )
                theirs = _meeting_id_of(archive, notice)
                if theirs and meeting_id and theirs != meeting_id:
                    problems.append(Problem("会议编号", f"会议编号「{meeting_id}」与会议通知 {notice.archive_code} 的「{theirs}」不同",
                                            f"与会议通知相同的会议编号「{theirs}」，或不写（从会议通知取得）"))  # fmt: skip
                elif theirs and not meeting_id:
                    meeting_id = theirs
                    completed.append(("会议编号", theirs, f"会议通知 {notice.archive_code}"))
        checked = dict.fromkeys(str(i.get("标识", "")) for i in (req.inspection_snapshot or {}).get("事项", []))
        for identity in (i for i in checked if i):
            entry = archive.entry(identity)
            if entry is not None:
                links.append({"类型": "督查", "对象": identity, "档号": entry.archive_code, "题名": entry.title})
    finally:
        archive.close()
    return dataclasses.replace(req, links=tuple(links), meeting_id=meeting_id, completed=tuple(completed))


def _meeting_notice(archive: Archive, key: str, problems: list[Problem]) -> EntryInfo | None:
    """The filed 会议通知 a 纪要 names, or a problem saying why not."""
    hits = archive.lookup(key)
    expected = "已归档的会议通知的档号或文号（fawen archive ls --kind 会议通知 列出）"
    if not hits:
        problems.append(Problem("会议通知", f"档案中找不到「{shown(key)}」", expected))
        return None
    if len(hits) > 1:
        named = "、".join(h.archive_code for h in hits[:5])
        problems.append(
            Problem("会议通知", f"「{shown(key)}」对应 {len(hits)} 件（{named}），无法确定是哪一件", "写明档号")
        )
        return None
    if hits[0].kind != "会议通知":
        problems.append(
            Problem("会议通知", f"「{shown(key)}」是{hits[0].kind}（{hits[0].title}），不是会议通知", expected)
        )
        return None
    return hits[0]


def _meeting_id_of(archive: Archive, entry: EntryInfo) -> str:
    try:
        record = json.loads((archive.root / entry.path / f"v{entry.latest}" / METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(record.get("会议编号", "") or "")


INFORMATION_SNAPSHOT = "信访信息统计快照.json"


def _counted_information(req: DocumentRequest, workspace: Workspace, snapshot: Path | None,
                         problems: list[Problem]) -> DocumentRequest:  # fmt: skip
    """A 研判 报告's 信息统计: the recorded 信访信息 of its period counted (or the counts filed with
    it), with the records they came from named by 序号 and 摘要."""
    from pipeline.stages import petitioninfo  # noqa: PLC0415
    from pipeline.store.petitionlog import read_records  # noqa: PLC0415

    query = req.information_query
    assert query is not None
    if snapshot is not None:
        counted = json.loads(snapshot.read_text(encoding="utf-8"))
    else:
        try:
            records = read_records(workspace.outbox)
        except FawenError as exc:
            problems.append(
                Problem("信息统计", f"信访信息记录无法读取：{exc.message}", "先用 fawen archive verify 查明")
            )
            return req
        counted = petitioninfo.counted(records, query.start, query.end, query.by)
    if not counted["总数"]:
        problems.append(Problem("信息统计", f"{query.start} 至 {query.end} 没有登记的信访信息",
                                "检查统计期间；fawen info ls --from … --to … 列出已登记的信访信息"))  # fmt: skip
    return dataclasses.replace(req, information_snapshot=counted)


def _check_beside(base: Path, rel: str, key: str, what: str, kind: str, problems: list[Problem]) -> bool:
    """A file an input names must exist inside the input's folder (a link may not lead out)."""
    inside = stays_inside(base, rel)
    try:
        regular = bool(inside) and (base / rel).resolve().is_file()
    except (OSError, RuntimeError, ValueError):
        inside = None
    if inside is None:  # a symlink loop, an over-long name
        problems.append(
            Problem(key, f"{what}「{shown(rel)}」无法打开（符号链接循环或路径过长）", f"输入文件所在文件夹内的{kind}")
        )
        return False
    if not inside:
        problems.append(
            Problem(key, f"{what}「{shown(rel)}」指向输入文件夹之外（符号链接）", f"输入文件所在文件夹内的{kind}")
        )
    elif not regular:
        problems.append(
            Problem(key, f"找不到{what}「{shown(rel)}」（或它不是普通文件）", f"与输入文件放在一起的{kind}")
        )
    else:
        return True
    return False


def _check_attachment(base: Path, rel: str, key: str, problems: list[Problem]) -> None:
    """An attachment file is opened now: 0-byte, damaged, encrypted or page-less files are refused
    at validation, not halfway through rendering."""
    try:
        data = read_bounded(base / rel, MAX_ATTACHMENT_BYTES)
    except Unreadable as exc:
        problems.append(Problem(key, f"附件文件「{shown(rel)}」{exc.reason}", "一个完好的 PDF 或 DOCX 文件"))
        return
    from pipeline.stages.attach import docx_problem  # noqa: PLC0415 — pypdf, for attached files only
    from pipeline.stages.attach import pdf_problem  # noqa: PLC0415

    problem = pdf_problem(data) if rel.lower().endswith(".pdf") else docx_problem(data)
    if problem:
        problems.append(Problem(key, f"附件文件「{shown(rel)}」{problem}", "一个完好、未加密的 PDF 或 DOCX 文件"))


def named_files(req: DocumentRequest) -> list[str]:
    """The files an input names (attachment files, the 督查事项 ledger), as it names them."""
    files = [a.file for a in req.attachments if a.file]
    if req.inspection_ledger:
        files.append(req.inspection_ledger)
    return files


def workspace_zone(workspace: Workspace) -> dt.tzinfo:
    """The workspace's time zone (时区, default Asia/Shanghai): every recorded time carries it."""
    name = getattr(workspace.config, "timezone", "") or "Asia/Shanghai"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.timezone(dt.timedelta(hours=8), "CST")  # China has one zone and no DST


RECORD_KINDS = ("办理反馈", "联络员变更", "信访信息")  # inputs that are recorded, not typeset and filed


# a top-level 文种 of a YAML input: at the margin (an indented one is inside another value, a 正文)
_KIND_LINE = re.compile(r'^\ufeff?"?文种"?[ \t]*:[ \t]*"?([^"\s,#]+)', re.MULTILINE)


def record_kind(path: Path) -> str:
    """The 文种 of a record input (办理反馈, 联络员变更, 信访信息), or '' for anything else —
    including a file that does not parse: checking it as a 公文 says what is wrong with it. The
    usual ``文种: 通知`` line (of a YAML file, or of a Markdown file's YAML block) is read as it
    stands; only a file without one is parsed here."""
    try:
        raw = read_input(path)
        text = raw[:65536].decode("utf-8", "replace")
        suffix = path.suffix.lower()
        # JSON indents its keys; a Markdown body may hold any line, so only its YAML block is read
        head = text if suffix in (".yaml", ".yml") else front_matter(text) if suffix in (".md", ".markdown") else None
        said = _KIND_LINE.findall(head) if head is not None else []
        if len(said) == 1:
            return said[0] if said[0] in RECORD_KINDS else ""
        data = parse_input(path.name, path.suffix, raw).data
    except (FawenError, OSError, ValueError):
        return ""
    kind = data.get("文种") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) and kind in RECORD_KINDS else ""
