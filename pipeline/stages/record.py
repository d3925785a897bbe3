"""Step 11: what one version of a 件 says about itself — its metadata record (DA/T 46 / GB/T
33480 elements), the whole validated content as field paths, and what changed from the version
before. Pure: plain data in, plain data out."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pipeline.frozen import frozen
from pipeline.model import Approval
from pipeline.model import Composition
from pipeline.model import DocumentRequest
from pipeline.model import Person
from pipeline.model import Placement
from pipeline.model import Resolution

RECORD_FORMAT = 2  # 1: fawen 0.1 (内容 as a few joined texts); 2: the whole content, 补全, 源文件


def _people(people: tuple[Person, ...]) -> list[str]:
    return [p.label() for p in people]


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _meeting(req: DocumentRequest) -> dict[str, object]:
    m = req.meeting
    if m is None:
        return {}
    return {"类型": m.type, "时间": m.time, "地点": m.place, "主持": m.chair, "记录": m.recorder,
            "参会人员": m.attendees, "议题": list(m.topics)}  # fmt: skip


def _resolution(r: Resolution) -> dict[str, object]:
    """One 议定事项: 完成时限 as the day; a relative one (会后15个工作日) also as written."""
    out: dict[str, object] = {
        "事项": r.matter,
        "责任单位": r.lead,
        "配合单位": list(r.partners),
        "完成时限": _day(r.deadline),
    }
    if r.deadline_text:
        out["完成时限原文"] = r.deadline_text
    if r.assigned_by:
        out["交办领导"] = r.assigned_by
    if r.campaign:
        out["专项"] = r.campaign
    return out


def _approval(a: Approval, who: str) -> dict[str, object]:
    """审定 or one 会签: the person and the day; the 意见 only when written (older records have none)."""
    return {who: a.by, "日期": _day(a.date), **({"意见": a.opinion} if a.opinion else {})}


def _minutes(req: DocumentRequest) -> dict[str, object]:
    return {
        "会议类型": req.meeting_type, "出席": _people(req.present), "请假": _people(req.absent),
        "列席": _people(req.attending),
        "议定事项": [_resolution(r) for r in req.resolutions],
        "审定": _approval(req.approval, "审定人") if req.approval else {},
        "会签": [_approval(s, "召集人") for s in req.countersigns],
        "跨分管领域": req.cross_domain, "议题提出单位": req.proposer, "分送": list(req.distribution),
    }  # fmt: skip


def _bulletin(req: DocumentRequest, totals: dict[str, object] | None) -> dict[str, object]:
    stats: dict[str, object] = {}
    if totals:
        stats = {k: v for k, v in totals.items() if k != "单位"}
        units = totals.get("单位") or {}
        stats["单位"] = {u: {"件数": c[0], "已办结": c[1], "超期": c[2]} for u, c in units.items()}  # type: ignore[attr-defined]
    return {
        "督查类型": req.inspection_type, "督查": {"时间": req.inspection_time, "督查组": req.inspection_team},
        "统计截止日期": _day(req.cutoff), "台账": req.inspection_ledger,
        "督查事项": [{"单位": r.unit, "事项": r.matter, "受理日期": _day(r.received), "办理时限": _day(r.deadline),
                      "状态": r.status, **({"编号": r.item_id} if r.item_id else {})} for r in req.inspection_rows],
        "统计": stats,
    }  # fmt: skip


def _dispatch(req: DocumentRequest) -> dict[str, object]:
    """The 发文稿纸's own keys, those given only: a record without them stays as it was."""
    d = req.dispatch
    given = {"拟稿单位": d.unit, "拟稿人": d.drafter, "核稿人": d.reviewer, "签发意见": d.opinion,
             "签发日期": _day(d.signed), "份数": d.copies or "", "印制": d.printed_by, "校对": d.proofread_by}  # fmt: skip
    return {k: v for k, v in given.items() if v}


def content(req: DocumentRequest, totals: dict[str, object] | None = None) -> dict[str, object]:
    """Every field of the validated document, by the input's own key names, so that a diff
    between versions can name ``会议.地点`` or ``督查事项[3].状态``."""
    out: dict[str, object] = {
        "文种": req.kind.value, "标题": req.title, "发文字号": req.number or "", "期号": req.issue or "",
        "主送": list(req.recipients), "正文": [b.text for b in req.body],
        "附件": [{"名称": a.name, "文件": a.file or "", "正文": [b.text for b in a.body]} for a in req.attachments],
        "署名": req.signature, "成文日期": _day(req.date), "印章": req.seal, "签发人": list(req.signers),
        "份号": req.copy_number, "密级": req.secrecy, "保密期限": req.secrecy_period, "紧急程度": req.urgency,
        "附注": req.note, "联系人": req.contact, "联系电话": req.phone, "抄送": list(req.cc),
        "印发机关": req.printer, "印发日期": _day(req.print_date), "保管期限": req.retention,
        "机构问题": req.problem, "标识": req.identity, "会议": _meeting(req),
    }  # fmt: skip
    if req.organs:  # only when chosen: the records of single-organ workspaces stay as they were
        out["发文机关"] = list(req.organs)
    if req.meeting_id:  # likewise: records without a meeting chain stay as they were
        out["会议编号"] = req.meeting_id
    if req.meeting_notice:
        out["会议通知"] = req.meeting_notice
    out.update(_dispatch(req))
    if req.kind.value == "会议纪要":
        out.update(_minutes(req))
    if req.kind.value == "督查通报":
        out.update(_bulletin(req, totals))
    if req.information_snapshot is not None:  # computed, not typed: what the 报告 printed
        counted = req.information_snapshot
        out["信息统计"] = {k: counted[k] for k in ("来源", "起", "止", "按", "总数", "统计")}
    return out


def printed_text(comp: Composition) -> list[str]:
    """The words as laid out (generated sentences, meeting lines, table rows, 版记 included):
    what search must find, whether a clerk typed it or fawen computed it."""
    lines = [comp.head.mark, comp.head.number, comp.head.editor, comp.head.date, *comp.title_lines, comp.recipients]
    for block in comp.blocks:
        lines.append(f"{block.label}：{block.text}" if block.label else block.text)
        if block.table is not None:
            lines.append("　".join(block.table.header))
            lines += ["　".join(row) for row in block.table.rows]
    lines += list(comp.attachment_names)
    if comp.signature is not None:
        lines += [*comp.signature.names, comp.signature.date]
    lines.append(comp.note)
    for page in comp.attachments:
        lines += [page.label, *page.title_lines, *(b.text for b in page.body)]
    imprint = comp.imprint
    lines += [imprint.recipients, f"{imprint.copies_label}：{imprint.copies}" if imprint.copies else "",
              imprint.printer, imprint.date]  # fmt: skip
    return [line for line in lines if line]


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Nested content -> {field path: text}; lists numbered from 1 as in error messages."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for key, sub in value.items():
            out.update(flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for i, sub in enumerate(value, 1):
            out.update(flatten(sub, f"{prefix}[{i}]"))
    elif isinstance(value, bool):
        out[prefix] = "是" if value else "否"
    elif value not in (None, ""):
        out[prefix] = str(value)
    return out


def changes(old: dict[str, object], new: dict[str, object]) -> list[dict[str, str]]:
    """Every field that differs between two versions' content, with its old and new text."""
    before, after = flatten(old), flatten(new)
    keys = list(after) + [k for k in before if k not in after]
    return [
        {"字段": k, "原值": before.get(k, ""), "新值": after.get(k, "")} for k in keys if before.get(k) != after.get(k)
    ]


def changed_fields(record: dict[str, Any]) -> list[dict[str, str]]:
    """A record's 变更 as field/old/new rows; fawen 0.1 wrote only the names of changed keys."""
    rows = record.get("变更") or []
    return [r if isinstance(r, dict) else {"字段": str(r), "原值": "", "新值": ""} for r in rows]


@frozen
class Filing:
    """Where one version goes and how it came: the facts the record states besides the document."""

    identity: str
    archive_code: str
    number: str  # 文号, or the series label of a serial document
    fonds: str
    year: int
    retention: str
    problem: str
    item: int
    version: int
    pages: int
    input_sha256: str
    content_sha256: str
    when: dt.datetime  # aware: the workspace's time zone
    by: str
    previous: int = 0  # the version this one replaces
    previous_content: dict[str, object] | None = None
    correction: str = ""  # 更正: what the new version corrects
    series: str = ""


@frozen
class Arrival:
    """How one version came to be filed, as the edges found it: what keeps it the same document,
    the bytes received, when and by whom, and the version it replaces."""

    identity: str
    input_sha256: str
    content_sha256: str  # the input and every file it names
    when: dt.datetime  # aware: the workspace's time zone
    by: str
    previous: int = 0  # the latest version of the 件 it continues, 0 for a new 件
    previous_content: dict[str, object] | None = None  # that version's 内容 ({} when unreadable)
    correction: str = ""  # 更正: what the new version corrects


def filing_of(place: Placement, arrival: Arrival, pages: int) -> Filing:
    """The facts the record states besides the document: where the version goes (numbering's
    placement, 件号 and 档号 taken) and how it came."""
    p, a = place, arrival
    return Filing(a.identity, p.archive_code, p.number, p.fonds, p.year, p.retention, p.problem, p.item, p.version,
                  pages, a.input_sha256, a.content_sha256, a.when, a.by, a.previous, a.previous_content,
                  a.correction, p.series)  # fmt: skip


def _events(req: DocumentRequest, filing: Filing) -> list[dict[str, str]]:
    events = []
    if req.approval:
        events.append({"行为": "审定", "时间": _day(req.approval.date), "人": req.approval.by})
    for sign in req.countersigns:
        events.append({"行为": "会签", "时间": _day(sign.date), "人": sign.by})
    if req.signers and req.dispatch.signed:
        events.append({"行为": "签发", "时间": _day(req.dispatch.signed), "人": "、".join(req.signers)})
    if req.print_date:
        events.append({"行为": "印发", "时间": _day(req.print_date), "人": req.printer})
    action = "更正" if filing.correction else ("归档" if filing.version == 1 else "修订")
    event = {"行为": action, "时间": filing.when.isoformat(timespec="seconds"), "人": filing.by}
    if filing.correction:
        event["原因"] = filing.correction
    events.append(event)
    return events


def _relations(filing: Filing) -> list[dict[str, str]]:
    if not filing.previous:
        return []
    old, new = filing.previous, filing.version
    if filing.correction:
        return [{"类型": "更正", "对象": f"v{old}", "说明": f"第{new}版更正第{old}版：{filing.correction}"}]
    return [{"类型": "替代", "对象": f"v{old}", "说明": f"第{new}版替代第{old}版"}]


LINK_NOTES = {"会议通知": "本纪要的会议通知", "督查": "本通报督查其议定事项的会议纪要"}


def _link(link: dict[str, str]) -> dict[str, str]:
    """A 关联 to another 件 (DA/T 46): its kind, the 件's 标识, 档号 and 题名, and what it is to this one."""
    return {**link, "说明": LINK_NOTES.get(link["类型"], link["类型"])}


def version_record(req: DocumentRequest, comp: Composition, filing: Filing,
                   totals: dict[str, object] | None = None) -> dict[str, object]:  # fmt: skip
    """The metadata record of one version: as printed (成文日期, 责任者, 文号 are the
    composition's), completed fields named, events with their person and time zone."""
    body = content(req, totals)
    f = filing
    return {
        "记录格式": RECORD_FORMAT,
        "UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"fawen:{f.fonds}:{f.identity}:{f.version}")),
        "标识": f.identity, "档号": f.archive_code, "全宗号": f.fonds, "门类": "WS", "年度": f.year,
        "保管期限": f.retention, "机构问题": f.problem, "件号": f.item, "版本": f.version, "页数": f.pages,
        "题名": req.plain_title, "文号": f.number, "系列": f.series, "期号": req.issue if f.series else "",
        "责任者": list(comp.authors or (comp.author,)), "成文日期": _day(comp.date), "文种": req.kind.value, "密级": req.secrecy,
        "保密期限": req.secrecy_period, "紧急程度": req.urgency, "主送": list(req.recipients),
        "抄送": list(req.cc), "附件": [a.name for a in req.attachments], "签发人": list(req.signers),
        "稿本": "正本", "输入SHA256": f.input_sha256, "内容SHA256": f.content_sha256,
        "补全": [{"字段": k, "值": v, "来源": s} for k, v, s in req.completed],
        "归档时间": f.when.isoformat(timespec="seconds"), "归档人": f.by,
        "事件": _events(req, f), "关系": _relations(f) + [_link(x) for x in req.links],
        "变更": changes(f.previous_content, body) if f.previous_content is not None else [],
        "内容": body, "版面文字": printed_text(comp),
        **({"会议编号": req.meeting_id} if req.meeting_id else {}),
    }  # fmt: skip


def filed_record(req: DocumentRequest, comp: Composition, filing: Filing, totals: dict[str, object] | None,
                 generator: str) -> dict[str, object]:  # fmt: skip
    """The record a filed version carries: ``version_record``, then the time zone of its times and
    the program that wrote it (``generator``: fawen and its version)."""
    record = version_record(req, comp, filing, totals)
    record["时区"] = str(filing.when.tzinfo)
    record["生成器"] = generator
    return record
