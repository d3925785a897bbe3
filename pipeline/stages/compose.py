"""Step 4: DocumentRequest + workspace + printed number -> Composition (what goes where).

Each 文种 of the joint-meeting rules has its own shape: a 会议通知 builds its body from the
meeting block; a 会议纪要 has the 纪要 head, the meeting lines, the 议定事项 and the attendance
lines, and stays a 草稿 until the convener's 审定 (and every 会签 of a cross-domain meeting); a
督查通报 computes its totals and carries the 督查事项 table; 专题报告 and 请示 are 上行文 with
签发人. Both renderers (DOCX and PDF) draw the same Composition, so they say the same thing.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import math
import re
from collections import OrderedDict
from typing import Any

from pipeline import gbt9704 as g
from pipeline import wordbreak
from pipeline.body import heading_number
from pipeline.drafts import draft_reason
from pipeline.gbt9704 import cn_date
from pipeline.gbt9704 import ended
from pipeline.inspection_markers import FIGURES
from pipeline.inspection_markers import fill_figures
from pipeline.inspection_markers import split_at_block_marker
from pipeline.inspection_markers import split_at_information_marker
from pipeline.meetingtime import printed_meeting_time
from pipeline.model import AttachmentPage
from pipeline.model import Block
from pipeline.model import BlockKind
from pipeline.model import Composition
from pipeline.model import DocumentKind
from pipeline.model import DocumentRequest
from pipeline.model import Head
from pipeline.model import Imprint
from pipeline.model import InspectionRow
from pipeline.model import Organ
from pipeline.model import Person
from pipeline.model import Signature
from pipeline.model import Table
from pipeline.model import WorkspaceConfig

TITLE_CHARS = 20  # 二号 characters on a 156 mm line
INSPECTION_WIDTHS = (2, 5, 8, 5, 5, 3)  # 督查事项 columns, in 字


def note_text(req: DocumentRequest) -> str:
    """附注, with the contact appended: （此件公开发布；联系人：周强；联系电话：0477-8000002）."""
    parts = []
    if req.note:
        parts.append(req.note.strip().removeprefix("（").removesuffix("）").strip("()"))
    if req.contact:
        parts.append(f"联系人：{req.contact}")
    if req.phone:
        parts.append(f"联系电话：{req.phone}")
    return f"（{'；'.join(parts)}）" if parts else ""


# ---- titles ------------------------------------------------------------------------------------

PREFER_BEFORE = ("关于", "《", "的通知", "的通报", "的报告", "的请示", "的纪要", "的意见", "的决定", "的函")
BLOCKED = 1000.0  # a break the line-breaking rules forbid (before 。, after 《, inside ASCII words)
INSIDE_WORD = 300.0  # a break inside a word: only when no break between words can fit a line
EXTRA_LINE = 15.0  # one line more than the characters need: only for clearly better breaks or shape
VALLEY = 400.0  # a line longer than one above it after the lines had begun to shorten (沙漏形)


def break_title(title: str, max_chars: int = TITLE_CHARS, protected: tuple[str, ...] = ()) -> list[str]:
    """Break a 标题 into lines between words only, in a 梯形 or 菱形 (GB/T 9704 §7.3.1).

    A line break typed in the title forces a break there; each part is broken on its own."""
    lines: list[str] = []
    for part in title.split("\n"):
        part = part.strip()
        if part:
            lines += _break_part(part, max_chars, protected)
    return lines or [title.strip()]


def _break_part(title: str, max_chars: int, protected: tuple[str, ...]) -> list[str]:
    n = len(title)
    if n <= max_chars:
        return [title]
    bad = _break_costs(title, protected)
    if n > LONG_TITLE_LINES * max_chars:  # the DP grows with the lines: no 梯形 to seek in a wall of text
        return _title_greedy(title, max_chars, bad)
    k_min = math.ceil(n / max_chars)
    for strict in (True, False):  # between words; else allow a break inside a word, at a price
        costs = [BLOCKED if strict and c >= INSIDE_WORD else c for c in bad]
        best: tuple[float, list[str]] | None = None
        for k in range(k_min, k_min + (3 if n <= 80 else 2)):
            result = _title_dp(title, k, max_chars, costs)
            if result is not None and (best is None or result[0] + EXTRA_LINE * (k - k_min) < best[0]):
                best = (result[0] + EXTRA_LINE * (k - k_min), result[1])
        if best:
            return [ln.strip() for ln in best[1] if ln.strip()]
    return [title[i : i + max_chars] for i in range(0, n, max_chars)]


def _break_costs(title: str, protected: tuple[str, ...]) -> list[float]:
    """Penalty for a line break before each position: word boundaries from the segmenter and the
    workspace's names (wordbreak), then the line-breaking rules and the usual preferences."""
    n = len(title)
    tokens = wordbreak.words(title, protected)
    bad = [INSIDE_WORD] * (n + 1)
    pos = 0
    for (left, ltag), (right, rtag) in itertools.pairwise(tokens):
        pos += len(left)
        # between two content words (信访 / 事项, 被征地 / 农民) a phrase is cut: prefer a function word
        both_content = not wordbreak.is_function(left, ltag) and not wordbreak.is_function(right, rtag)
        bad[pos] = 20 if both_content else 12
        if ltag.startswith("v") and ltag != "vn" and not rtag.startswith("v"):
            bad[pos] = 8  # between a verb and its object: 关于召开 / 农民工工资…会议
        if (len(left) == 1 and left not in "、，》的和与及") or (len(right) == 1 and right not in "的和与及等"):
            bad[pos] += 30  # a lone character belongs with its neighbour: 被 / 征地, 九 / 成功
    for i in range(1, n):
        left, right = title[i - 1], title[i]
        if (
            right in g.NO_LINE_START
            or left in g.NO_LINE_END
            or (left.isascii() and right.isascii() and left.isalnum() and right.isalnum())
        ):
            bad[i] = BLOCKED
        elif left.isdigit() or right.isdigit():
            bad[i] += 28  # 2026年 / 第四季度: a number keeps its unit
    depth = 0
    for i, ch in enumerate(title):  # keep 《…》 whole where possible
        if ch == "《":
            depth += 1
        elif ch == "》":
            depth -= 1
        elif depth > 0 and i > 0 and bad[i] < BLOCKED:
            bad[i] = max(bad[i], 50)
    for mark in PREFER_BEFORE:  # preferences lower the price of a break between words, never inside one
        start = title.find(mark)
        while start > 0:
            bad[start] = 0 if bad[start] < INSIDE_WORD else bad[start]
            start = title.find(mark, start + 1)
    for i in range(1, n):
        if title[i - 1] in "、，》" and bad[i] < INSIDE_WORD:
            bad[i] = min(bad[i], 2)
    return bad


LONG_TITLE_LINES = 12  # validation allows 200 characters (10 lines); more only when called directly


def _title_greedy(title: str, max_chars: int, bad: list[float]) -> list[str]:
    """Full lines, each ended at the cheapest break among its last few characters: linear."""
    lines = []
    start, n = 0, len(title)
    while n - start > max_chars:
        window = range(start + max(1, max_chars - 6), start + max_chars + 1)
        cut = min(window, key=lambda i: (bad[i], -i))
        lines.append(title[start:cut])
        start = cut
    lines.append(title[start:])
    return [ln.strip() for ln in lines if ln.strip()]


def _title_dp(title: str, k: int, max_chars: int, bad: list[float]) -> tuple[float, list[str]] | None:
    """The cheapest k lines ending only where ``bad`` allows (< BLOCKED): lines near n/k long, an
    upper line longer than the next costs a little (正梯形 preferred, 菱形 allowed), a line growing
    again after the lines shortened costs VALLEY (沙漏形). Exact over (start, previous length,
    shortened yet): the shape of every line pair counts, not only the cheapest way to each break."""
    n = len(title)
    ideal = n / k
    stops = [i for i in range(1, n) if bad[i] < BLOCKED] + [n]
    memo: dict[tuple[int, int, int, bool], tuple[float, tuple[int, ...]] | None] = {}

    def best(start: int, left: int, prev: int, shortened: bool) -> tuple[float, tuple[int, ...]] | None:
        key = (start, left, prev, shortened)
        if key not in memo:
            found = None
            for end in stops[bisect.bisect_right(stops, start) :]:
                length = end - start
                if (end == n) != (left == 1) or n - end > (left - 1) * max_chars:
                    continue
                if length > max_chars:
                    break
                c = (length - ideal) ** 2 + (bad[end] if end < n else 0)
                if prev and prev > length:
                    c += 6 * (prev - length)
                elif prev and shortened and length > prev:
                    c += VALLEY
                rest = (0.0, ()) if end == n else best(end, left - 1, length, shortened or (prev > length > 0))
                if rest is not None and (found is None or c + rest[0] < found[0]):
                    found = (c + rest[0], (end, *rest[1]))
            memo[key] = found
        return memo[key]

    result = best(0, k, 0, False)
    if result is None:
        return None
    starts = (0, *result[1][:-1])
    return result[0], [title[s:e] for s, e in zip(starts, result[1], strict=False)]


# ---- shared pieces ----------------------------------------------------------------------------


def issuing_organs(req: DocumentRequest, cfg: WorkspaceConfig) -> tuple[Organ, ...]:
    """The request's 发文机关, 主办机关 first; the workspace's default organ when it names none."""
    return cfg.chosen_organs(req.organs)


def _mark(organs: tuple[Organ, ...]) -> tuple[str, tuple[str, ...]]:
    """发文机关标志: the organ's own; for a 联合行文 every organ's name, stacked, the 主办机关 first,
    with 文件 to their right when the 主办机关's 标志 has it (GB/T 9704 §7.2.4)."""
    if len(organs) == 1:
        return organs[0].mark, ()
    names = tuple(o.mark_name for o in organs)
    return "".join(names) + ("文件" if organs[0].mark.endswith("文件") else ""), names


def _signature(req: DocumentRequest, cfg: WorkspaceConfig) -> Signature:
    """署名: the 主办机关's as the request has it, then the other organs' in issuing order (§7.3.5)."""
    others = tuple(o.sign_name for o in issuing_organs(req, cfg)[1:])
    return Signature(req.signature, cn_date(req.date), req.seal, others)


def _editor(req: DocumentRequest, cfg: WorkspaceConfig, default: str) -> str:
    """A serial head's 编发单位: the organ the request chose, else ``default``."""
    return issuing_organs(req, cfg)[0].sign_name if req.organs else default


def _head(req: DocumentRequest, cfg: WorkspaceConfig, number: str) -> Head:
    secrecy = req.secrecy + (f"★{req.secrecy_period}" if req.secrecy and req.secrecy_period else "")
    mark, joint = _mark(issuing_organs(req, cfg))
    return Head(
        mark=mark,
        joint=joint,
        number=number,
        signers=req.signers if req.kind.upward else (),
        copy_number=req.copy_number,
        secrecy=secrecy,
        urgency=req.urgency,
    )


def _attachments(
    req: DocumentRequest, protected: tuple[str, ...], file_pages: tuple[int, ...] = ()
) -> tuple[AttachmentPage, ...]:
    numbered = len(req.attachments) > 1
    pages = []
    for k, att in enumerate(req.attachments, 1):
        label = "附件" + (str(k) if numbered else "")
        count = file_pages[k - 1] if k - 1 < len(file_pages) else 0
        pages.append(
            AttachmentPage(label, tuple(break_title(att.name, TITLE_CHARS, protected)), att.body, att.file, count)
        )
    return tuple(pages)


def _imprint(req: DocumentRequest, copies_label: str = "抄送", copies: tuple[str, ...] | None = None) -> Imprint:
    items = req.cc if copies is None else copies
    return Imprint(
        copies_label=copies_label,
        copies=ended("，".join(items)) if items else "",
        printer=req.printer,
        date=f"{cn_date(req.print_date)}印发" if req.print_date else "",
    )


def _renumber_level1(blocks: tuple[Block, ...], start: int) -> list[Block]:
    """Level-1 headings numbered on from ``start`` (一、 二、 …) after generated sections."""
    out = []
    n = start
    for b in blocks:
        if b.kind == BlockKind.HEADING and b.level == 1:
            n += 1
            text = re.sub(r"^[一二三四五六七八九十百]+、", "", b.text)
            out.append(Block(BlockKind.HEADING, heading_number(1, n) + text, 1))
        else:
            out.append(b)
    return out


def _level1_count(blocks: tuple[Block, ...] | list[Block]) -> int:
    return sum(1 for b in blocks if b.kind == BlockKind.HEADING and b.level == 1)


def _meeting_time(text: str, with_year: bool = True) -> str:
    """2026-11-20 09:00 -> 2026年11月20日（星期五）上午9:00: the Chinese date, its weekday and
    上午/下午, as notices write it; without the year when ``with_year`` is false."""
    return printed_meeting_time(text, with_year)


# ---- the kinds ---------------------------------------------------------------------------------


def _notice(req: DocumentRequest, cfg: WorkspaceConfig, number: str, protected: tuple[str, ...]) -> Composition:
    blocks = list(req.body)
    if req.kind == DocumentKind.MEETING_NOTICE and req.meeting is not None:
        blocks = _meeting_notice_body(req)
    if req.information_snapshot is not None:
        blocks = _place_information(blocks, _information_tables(req.information_snapshot))
    return Composition(
        kind=req.kind,
        head=_head(req, cfg, number),
        title=req.title,
        title_lines=tuple(break_title(req.title, TITLE_CHARS, protected)),
        recipients="，".join(req.recipients),
        blocks=tuple(blocks),
        attachment_names=tuple(a.name for a in req.attachments),
        signature=_signature(req, cfg),
        note=note_text(req),
        attachments=_attachments(req, protected),
        imprint=_imprint(req),
        author=req.signature,
        co_authors=_signature(req, cfg).others,
        keywords=req.kind.value,
    )


INFORMATION_WIDTHS = (16, 6, 6)  # 信息统计 columns, in 字
_CLOSING = re.compile(r"^特此(报告|请示|通知|通报)[。！]?$")


def _information_tables(counted: dict[str, Any]) -> list[Block]:
    """信息统计 (第十条 研判): a sentence with the total, then one table per field counted by, each
    with its share of the total."""
    start, end = (dt.date.fromisoformat(str(counted[k])) for k in ("起", "止"))
    total = int(counted["总数"])
    out = [Block(BlockKind.PARAGRAPH, f"{cn_date(start)}至{cn_date(end)}，各成员单位共报送重要信访信息{total}件。")]
    for field, rows in counted["统计"].items():
        body = tuple((str(r[field]), str(r["件数"]), _share(int(r["件数"]), total)) for r in rows)
        table = Table((field, "件数", "占比"), body, INFORMATION_WIDTHS)
        out.append(Block(BlockKind.TABLE, f"信访信息按{field}统计", table=table))
    return out


def _share(n: int, total: int) -> str:
    return f"{n * 100 / total:.1f}%" if total else "—"


def _place_information(blocks: list[Block], tables: list[Block]) -> list[Block]:
    """The 信息统计 at its {信息统计} line; else before a closing 特此报告; else at the end."""
    for i, b in enumerate(blocks):
        parts = split_at_information_marker(b.text) if b.kind == BlockKind.PARAGRAPH else None
        if parts is not None:  # validation keeps the marker on a line of its own
            around = [Block(BlockKind.PARAGRAPH, t.strip()) for t in parts]
            return [*blocks[:i], *([around[0]] if around[0].text else []), *tables,
                    *([around[1]] if around[1].text else []), *blocks[i + 1 :]]  # fmt: skip
    if blocks and blocks[-1].kind == BlockKind.PARAGRAPH and _CLOSING.match(blocks[-1].text.strip()):
        return [*blocks[:-1], *tables, blocks[-1]]
    return [*blocks, *tables]


def _meeting_notice_body(req: DocumentRequest) -> list[Block]:
    """会议通知 (第七、八条): the opening, then 时间, 地点, 主持, 参会人员, 议题, then the free text."""
    meeting = req.meeting
    assert meeting is not None
    assert req.date is not None  # validation dates every request (成文日期, else the day it ran)
    m = re.match(r"^关于召开(.+)的通知$", req.title)
    # the year is left out within the year of the notice: 定于11月20日（星期五）上午9:00召开
    when = _meeting_time(meeting.time, with_year=not meeting.time.startswith(str(req.date.year)))
    opening = f"经研究，定于{when}召开{m[1]}。现将有关事项通知如下：" if m and when else "现将有关事项通知如下："
    blocks = [Block(BlockKind.PARAGRAPH, opening)]
    sections: list[tuple[str, list[str]]] = []
    if meeting.time:
        sections.append(("会议时间", [when]))
    if meeting.place:
        sections.append(("会议地点", [meeting.place]))
    if meeting.chair:
        sections.append(("主持人", [meeting.chair]))
    if meeting.attendees:
        sections.append(("参会人员", [meeting.attendees]))
    if meeting.topics:
        sections.append(("会议议题", [f"{i}.{t}" for i, t in enumerate(meeting.topics, 1)]))
    for n, (heading, lines) in enumerate(sections, 1):
        blocks.append(Block(BlockKind.HEADING, heading_number(1, n) + heading, 1))
        for line in lines:
            kind = BlockKind.ITEM if re.match(r"^\d+\.", line) else BlockKind.PARAGRAPH
            blocks.append(Block(kind, line, 3 if kind == BlockKind.ITEM else 0))
    rest = req.body
    if rest:
        if _level1_count(rest):
            blocks += _renumber_level1(rest, len(sections))
        else:
            blocks.append(Block(BlockKind.HEADING, heading_number(1, len(sections) + 1) + "有关要求", 1))
            blocks += list(rest)
    return blocks


def _people(people: tuple[Person, ...]) -> str:
    return "，".join(p.label() for p in people)


def _meeting_name(cfg: WorkspaceConfig) -> str:
    return cfg.meeting.name if cfg.meeting and cfg.meeting.name else cfg.organ.short_name or cfg.organ.name


def series_name(req: DocumentRequest, cfg: WorkspaceConfig) -> str:
    """The name of the series a serial document belongs to: its head's red mark
    (罕台镇信访工作联席会议纪要, 督查通报); '' for a document numbered by 发文字号."""
    if not req.kind.serial or req.number:
        return ""
    return f"{_meeting_name(cfg)}纪要" if req.kind == DocumentKind.MINUTES else "督查通报"


def document_date(req: DocumentRequest) -> dt.date | None:
    """成文日期 as printed: a 纪要's head carries its 印发 (else 审定) date; every other
    document prints its 成文日期."""
    if req.kind == DocumentKind.MINUTES:
        return req.print_date or (req.approval.date if req.approval and req.approval.date else None) or req.date
    return req.date


def _minutes(req: DocumentRequest, cfg: WorkspaceConfig, number: str, protected: tuple[str, ...]) -> Composition:
    meeting_name = _meeting_name(cfg)
    editor = _editor(req, cfg, f"{meeting_name}办公室")
    date = document_date(req)
    blocks: list[Block] = []
    meeting = req.meeting
    if meeting is not None:
        for label, value in (("时间", _meeting_time(meeting.time)), ("地点", meeting.place), ("主持", meeting.chair),
                             ("记录", meeting.recorder)):  # fmt: skip
            if value:
                blocks.append(
                    Block(
                        BlockKind.PARAGRAPH,
                        f"会议{label}：{value}" if label in ("时间", "地点") else f"{label}：{value}",
                    )
                )
    if req.proposer:
        blocks.append(Block(BlockKind.PARAGRAPH, f"议题提出单位：{req.proposer}"))
    blocks += list(req.body)
    if req.resolutions:
        heads = _level1_count(blocks)
        if heads:
            blocks.append(Block(BlockKind.HEADING, heading_number(1, heads + 1) + "议定事项", 1))
        else:
            blocks.append(Block(BlockKind.PARAGRAPH, "会议议定以下事项："))
        for i, r in enumerate(req.resolutions, 1):
            detail = [f"责任单位：{r.lead}"]
            if r.partners:
                detail.append(f"配合单位：{'、'.join(r.partners)}")
            if r.deadline:
                detail.append(f"完成时限：{cn_date(r.deadline)}前")
            matter = r.matter.rstrip("。")
            blocks.append(Block(BlockKind.ITEM, f"{i}.{matter}（{'；'.join(detail)}）。", 3))
    attendance = [("出席", req.present), ("请假", req.absent), ("列席", req.attending)]
    if any(people for _, people in attendance):
        blocks.append(Block(BlockKind.BLANK, ""))
        for label, people in attendance:
            if people:
                blocks.append(Block(BlockKind.ATTENDANCE, _people(people), label=label))
    distribution = req.distribution
    if not distribution and req.meeting_type == "全体会议" and cfg.meeting:
        distribution = tuple(m.name for m in cfg.meeting.members)
    return Composition(
        kind=req.kind,
        head=Head(mark=f"{meeting_name}纪要", number=number, serial=True, editor=editor, date=cn_date(date)),
        title=req.title,
        title_lines=tuple(break_title(req.title, TITLE_CHARS, protected)),
        recipients="，".join(req.recipients),
        blocks=tuple(blocks),
        attachment_names=tuple(a.name for a in req.attachments),
        signature=None,  # 纪要 carry no 署名 and no seal; the date is in the head
        note=note_text(req),
        attachments=_attachments(req, protected),
        imprint=_imprint(req, "分送", distribution),
        draft=draft_reason(req, cfg),
        author=editor,
        keywords=f"{req.kind.value}，{req.meeting_type}",
        date=date,
    )


# ---- 督查通报 -------------------------------------------------------------------------------------


def overdue(row: InspectionRow, cutoff: dt.date) -> bool:
    """办理中 past its 办理时限 at the 统计截止日期."""
    return row.status == "办理中" and row.deadline < cutoff


def inspection_totals(rows: tuple[InspectionRow, ...], cutoff: dt.date) -> dict[str, object]:
    """件数, 已办结, 办理中, 超期, 办结率 (one decimal), and the same per unit, in first-seen order."""
    done = sum(1 for r in rows if r.status == "已办结")
    late = sum(1 for r in rows if overdue(r, cutoff))
    units: OrderedDict[str, list[int]] = OrderedDict()
    for r in rows:
        u = units.setdefault(r.unit, [0, 0, 0])
        u[0] += 1
        u[1] += r.status == "已办结"
        u[2] += overdue(r, cutoff)
    rate = round(done * 100 / len(rows), 1) if rows else 0.0
    return {"件数": len(rows), "已办结": done, "办理中": len(rows) - done, "超期": late, "办结率": rate,
            "单位": units}  # fmt: skip


def _date_cell(d: dt.date) -> str:
    return f"{d.year}.{d.month:02d}.{d.day:02d}"


def inspection_figures(totals: dict[str, object]) -> dict[str, str]:
    """The figures as a sentence prints them: {件数} -> 4, {办结率} -> 50.0%."""
    figures = {name: str(totals[name]) for name in FIGURES if name != "办结率"}
    figures["办结率"] = f"{totals['办结率']:.1f}%"
    return figures


def _statistics(totals: dict[str, object], cutoff: dt.date) -> list[Block]:
    """The statistics block: the summary sentence and, per unit, counts in first-seen order."""
    summary = (
        f"截至{cn_date(cutoff)}，本次督查事项共{totals['件数']}件，其中已办结{totals['已办结']}件，"
        f"办理中{totals['办理中']}件（超期{totals['超期']}件），办结率{totals['办结率']:.1f}%。"
    )
    per_unit = []
    for unit, (count, done, late) in totals["单位"].items():  # type: ignore[attr-defined]
        part = f"{unit}{count}件（已办结{done}件"
        part += f"，超期{late}件）" if late else "）"
        per_unit.append(part)
    out = [Block(BlockKind.PARAGRAPH, summary)]
    if per_unit:
        out.append(Block(BlockKind.PARAGRAPH, "分单位情况：" + "；".join(per_unit) + "。"))
    return out


_NEXT_STEPS = ("下步要求", "下一步")


def _place_statistics(body: tuple[Block, ...], stats: list[Block], figures: dict[str, str]) -> list[Block]:
    """The 正文 with the statistics where it says: at its {督查统计} line; else, as a section of
    its own, before the first level-1 heading about next steps (下步要求/下一步), the sections from
    there numbered on; else at the end. Figure markers ({办结率} …) in its text print the values."""
    blocks = [dataclasses.replace(b, text=fill_figures(b.text, figures)) if b.kind != BlockKind.TABLE else b
              for b in body]  # fmt: skip
    for i, b in enumerate(blocks):
        parts = split_at_block_marker(b.text) if b.kind == BlockKind.PARAGRAPH else None
        if parts is not None:  # validation keeps the marker on a line of its own: split there
            around = [Block(BlockKind.PARAGRAPH, t.strip()) for t in parts]
            return [*blocks[:i], *([around[0]] if around[0].text else []), *stats,
                    *([around[1]] if around[1].text else []), *blocks[i + 1 :]]  # fmt: skip
    if not _level1_count(blocks):
        return [*blocks, Block(BlockKind.PARAGRAPH, "督查事项统计如下："), *stats]
    section = [Block(BlockKind.HEADING, "督查事项统计", 1), *stats]
    at = next((i for i, b in enumerate(blocks) if b.kind == BlockKind.HEADING and b.level == 1
               and any(word in b.text for word in _NEXT_STEPS)), len(blocks))  # fmt: skip
    return [*blocks[:at], *_renumber_level1((*section, *blocks[at:]), _level1_count(blocks[:at]))]


def _bulletin(req: DocumentRequest, cfg: WorkspaceConfig, number: str, protected: tuple[str, ...]) -> Composition:
    cutoff = req.cutoff or req.date or dt.date.min
    rows = req.inspection_rows
    totals = inspection_totals(rows, cutoff)
    blocks = _place_statistics(req.body, _statistics(totals, cutoff), inspection_figures(totals))
    if rows:
        table_rows = tuple(
            (str(i), r.unit, r.matter, _date_cell(r.received), _date_cell(r.deadline),
             "超期" if overdue(r, cutoff) else r.status)
            for i, r in enumerate(rows, 1)
        )  # fmt: skip
        drawn = all(r.item_id for r in rows)  # from the 督办台账: the day is the meeting's, not a 受理日期
        header = ("序号", "单位", "督查事项", "会议日期" if drawn else "受理日期", "办理时限", "状态")
        table = Table(header, table_rows, INSPECTION_WIDTHS)
        blocks.append(Block(BlockKind.TABLE, "督查事项清单", table=table))
    serial = not req.number
    editor = _editor(req, cfg, f"{_meeting_name(cfg)}办公室")
    head = (Head(mark="督查通报", number=number, serial=True, editor=editor, date=cn_date(req.date))
            if serial else _head(req, cfg, number))  # fmt: skip
    return Composition(
        kind=req.kind,
        head=head,
        title=req.title,
        title_lines=tuple(break_title(req.title, TITLE_CHARS, protected)),
        recipients="，".join(req.recipients),
        blocks=tuple(blocks),
        attachment_names=tuple(a.name for a in req.attachments),
        signature=None if serial else _signature(req, cfg),
        note=note_text(req),
        attachments=_attachments(req, protected),
        imprint=_imprint(req),
        author=head.editor or req.signature,
        co_authors=() if serial else _signature(req, cfg).others,
        keywords=f"{req.kind.value}，{req.inspection_type}",
    )


def printed_issue(issue: int | None) -> str:
    return f"第{issue if issue is not None else g.NUMBER_PLACEHOLDER}期"


def compose(req: DocumentRequest, cfg: WorkspaceConfig, number: str, protected: tuple[str, ...] = (),
            file_pages: tuple[int, ...] = ()) -> Composition:  # fmt: skip
    """Lay the request out in words. ``number`` is the printed 发文字号 or 第N期; ``file_pages``
    the page count of each attachment given as a file (0 for typeset ones)."""
    if req.kind == DocumentKind.MINUTES:
        comp = _minutes(req, cfg, number, protected)
    elif req.kind == DocumentKind.BULLETIN:
        comp = _bulletin(req, cfg, number, protected)
    else:
        comp = _notice(req, cfg, number, protected)
    return dataclasses.replace(
        comp,
        date=comp.date or req.date,
        attachments=_attachments(req, protected, file_pages),
        title=comp.title.replace("\n", ""),
    )  # a forced break is layout, not the 题名
