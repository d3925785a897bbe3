"""Step 8c: the 发文稿纸 (公文处理单, the dispatch form GB/T 18894 and DA/T 22 expect in each 件
beside the 正本 and the 定稿): who drafted, checked, countersigned and signed the document, what
it is and where it went — as the rows of a table (``form_of``), and that table drawn on one A4
page with reportlab in the embedded CJK faces (``render_form``). Pure: plain data in, bytes out.

Long values wrap inside their cells; when the whole form would not fit the page, the type gets
smaller (down to 5 pt), and only then are the longest cells cut, each cut said in the cell
(``……（下略，全文见元数据）``): every value is in the version's record in full."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from pipeline import gbt9704 as g
from pipeline import pdfa
from pipeline.frozen import frozen
from pipeline.gbt9704 import cn_date
from pipeline.linebreak import break_lines
from pipeline.linebreak import units
from pipeline.model import DISPATCH_FORM
from pipeline.model import DISPATCH_FORM_ROLE
from pipeline.model import Composition
from pipeline.model import DocumentKind
from pipeline.model import DocumentRequest

FORM_NAME = DISPATCH_FORM  # its file in each version folder
FORM_ROLE = DISPATCH_FORM_ROLE  # its role in the record's 组件, and its 稿本 in the file's metadata
TITLE = "发文稿纸"
MORE = "……（下略，全文见元数据）"

MM = g.MM
LEFT, RIGHT = 20 * MM, 190 * MM  # the table: 170 mm across
TABLE_TOP, TABLE_BOTTOM = 255 * MM, 20 * MM
LABEL_W = 24 * MM
PAD_X, PAD_Y = 2 * MM, 1.4 * MM
SIZES = (12.0, 11.0, 10.5, 10.0, 9.0, 8.0, 7.0, 6.0, 5.0)  # pt: the largest at which the form fits
LEADING = 1.45
MAX_CELL = 6000  # characters of one cell ever broken into lines: more never fits a page anyway
ROOM_PER_ROW = 7 * MM  # at most this much is added to each row when the form is short


class FormFonts(Protocol):
    def font_for(self, char: str, role: str) -> str: ...


@frozen
class Cell:
    label: str
    value: str


@frozen
class FormRow:
    """One row of the form: one cell across the table, or two side by side. ``tall`` rows
    (签发意见, 会签) are given room first."""

    cells: tuple[Cell, ...]
    tall: bool = False


@frozen
class FiledAs:
    """Where the version was filed: what the form's head and the file's own metadata say."""

    number: str  # 文号, or the series label of a serial document (as the record's 文号)
    archive_code: str  # 档号
    version: int
    digest: str = ""  # 内容SHA256: the file carries it as the 正本 does
    when: dt.datetime | None = None  # aware: the filing time, the file's CreationDate


@frozen
class DispatchForm:
    """The form's data: a title over the table, the 档号 and version under it, then the rows."""

    title: str  # 题名 of the document (for the file's metadata)
    filed: FiledAs
    rows: tuple[FormRow, ...]
    author: str = ""  # 责任者, 文种 and 成文日期 (ISO): the file's metadata, as the 正本's
    kind: str = ""
    date: str = ""

    def fields(self) -> dict[str, str]:
        """label -> value of every cell, as printed."""
        return {cell.label: cell.value for row in self.rows for cell in row.cells}


def _row(*pairs: tuple[str, str], tall: bool = False) -> FormRow:
    return FormRow(tuple(Cell(label, value) for label, value in pairs), tall)


def _countersigns(req: DocumentRequest) -> str:
    """会签: one line each, 召集人（日期）：意见."""
    lines = []
    for sign in req.countersigns:
        line = sign.by + (f"（{cn_date(sign.date)}）" if sign.date else "")
        lines.append(line + (f"：{sign.opinion}" if sign.opinion else ""))
    return "\n".join(lines)


def _signing(req: DocumentRequest) -> tuple[FormRow, FormRow]:
    """签发意见 and 签发人/签发日期; a 纪要 is approved instead: 审定意见, 审定人/审定日期."""
    if req.kind == DocumentKind.MINUTES:
        a = req.approval
        opinion, who, day = (a.opinion, a.by, a.date) if a else ("", "", None)
        return _row(("审定意见", opinion), tall=True), _row(("审定人", who), ("审定日期", cn_date(day)))
    d = req.dispatch
    return (_row(("签发意见", d.opinion), tall=True),
            _row(("签发人", "、".join(req.signers)), ("签发日期", cn_date(d.signed))))  # fmt: skip


def _what(req: DocumentRequest, comp: Composition, number: str) -> list[FormRow]:
    """What the document is: number, kind, classification, issuing organs, title."""
    rows = [_row(("期号" if req.kind.serial and not req.number else "文号", number), ("文种", req.kind.value))]
    if req.secrecy or req.urgency:
        secrecy = req.secrecy + (f"★{req.secrecy_period}" if req.secrecy and req.secrecy_period else "")
        rows.append(_row(("密级", secrecy), ("紧急程度", req.urgency)))
    rows.append(_row(("发文机关", "、".join(comp.authors))))
    rows.append(_row(("标题", req.plain_title)))
    return rows


def _where(req: DocumentRequest, comp: Composition) -> list[FormRow]:
    """Where it goes: 主送, 抄送 (a 纪要's 分送, its default included), the attachments."""
    imprint = comp.imprint
    attached = [a.name for a in req.attachments]
    listed = "\n".join(f"{i}. {n}" for i, n in enumerate(attached, 1)) if len(attached) > 1 else "".join(attached)
    return [
        _row(("主送", "，".join(req.recipients))),  # as the 正本 joins them
        _row((imprint.copies_label, imprint.copies.removesuffix("。"))),
        _row(("附件", listed)),
    ]


def form_of(req: DocumentRequest, comp: Composition, filed: FiledAs) -> DispatchForm:
    """The 发文稿纸 of one filed version: what the input carries (签发人, 会签, 审定, 主送, 抄送,
    附件, 印发机关 and 印发日期 reused), the 发文稿纸's own keys, the number the version was filed
    under. A value not given leaves its cell empty, as on paper."""
    d = req.dispatch
    sign_opinion, signed = _signing(req)
    rows = [
        *_what(req, comp, filed.number),
        *_where(req, comp),
        sign_opinion,
        signed,
        _row(("会签", _countersigns(req)), tall=True),
        _row(("拟稿单位", d.unit), ("拟稿人", d.drafter)),
        _row(("核稿人", d.reviewer), ("成文日期", cn_date(comp.date or req.date))),
        _row(("印制", d.printed_by), ("校对", d.proofread_by)),
        _row(("份数", str(d.copies) if d.copies else ""), ("印发日期", cn_date(req.print_date))),
        _row(("印发机关", req.printer)),
    ]
    day = comp.date or req.date
    return DispatchForm(req.plain_title, filed, tuple(rows), "、".join(comp.authors), req.kind.value,
                        day.isoformat() if day else "")  # fmt: skip


# ---- drawing -----------------------------------------------------------------------------------

Line = list[tuple[str, float]]  # the units of one line of a cell, each with its x offset (pt)


@dataclass
class _Laid:
    """A cell broken into lines at one size."""

    label: list[Line]
    value: list[Line]


class _Measure:
    """Widths of text in a role's faces (each character in the face that draws it)."""

    def __init__(self, fonts: FormFonts, size: float) -> None:
        self.fonts = fonts
        self.size = size

    def width(self, text: str, role: str) -> float:
        return sum(float(stringWidth(ch, self.fonts.font_for(ch, role), self.size)) for ch in text)

    def lines(self, text: str, width: float, role: str) -> list[Line]:
        """``text`` broken into lines of ``width`` (pt) with 避头尾; a typed line break kept."""
        out: list[Line] = []
        measure: Callable[[str], float] = lambda run: self.width(run, role)  # noqa: E731
        for paragraph in text.split("\n"):
            if paragraph.strip():
                broken = break_lines(units(paragraph, self.size, measure), width, width, measure)
                out += [list(zip((u.text for u in line.units), line.xs, strict=True)) for line in broken]
        return out


def _value_width(row: FormRow) -> float:
    n = len(row.cells)
    return (RIGHT - LEFT - n * LABEL_W) / n


def _lay_out(form: DispatchForm, measure: _Measure) -> list[list[_Laid]]:
    out = []
    for row in form.rows:
        width = _value_width(row) - 2 * PAD_X
        out.append([_Laid(measure.lines(c.label, LABEL_W - 2 * PAD_X, g.ROLE_HEI),
                          measure.lines(_bounded(c.value), width, g.ROLE_FANGSONG)) for c in row.cells])  # fmt: skip
    return out


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[:MAX_CELL] + MORE


def _lines_needed(form: DispatchForm, laid: list[list[_Laid]]) -> list[int]:
    return [max(1 if not row.tall else 3, *(max(len(c.label), len(c.value)) for c in cells))
            for row, cells in zip(form.rows, laid, strict=True)]  # fmt: skip


def _fits(lines: list[int], size: float) -> bool:
    return sum(n * size * LEADING + 2 * PAD_Y for n in lines) <= TABLE_TOP - TABLE_BOTTOM


def _cut(lines: list[int], size: float) -> list[int]:
    """Fewer lines for the longest rows, one at a time, until the table fits the page."""
    lines = list(lines)
    while not _fits(lines, size):
        longest = max(range(len(lines)), key=lambda i: lines[i])
        if lines[longest] <= 1:
            break
        lines[longest] -= 1
    return lines


def _clipped(laid: list[list[_Laid]], lines: list[int], measure: _Measure) -> list[list[_Laid]]:
    """Each cell within its row's lines; a cell cut ends with MORE on its last line."""
    marker: Line = [(MORE, 0.0)]
    out = []
    for cells, n in zip(laid, lines, strict=True):
        out.append([c if len(c.value) <= n else _Laid(c.label, [*c.value[: n - 1], marker]) for c in cells])
    return out


def _fit(form: DispatchForm, fonts: FormFonts) -> tuple[float, list[list[_Laid]], list[float]]:
    """The largest size at which the form fits one page (cutting the longest cells at the
    smallest when it must), and each row's height (pt), the page's spare room shared out."""
    for size in SIZES:
        measure = _Measure(fonts, size)
        laid = _lay_out(form, measure)
        lines = _lines_needed(form, laid)
        if _fits(lines, size) or size == SIZES[-1]:
            break
    if not _fits(lines, size):
        lines = _cut(lines, size)
        laid = _clipped(laid, lines, measure)
    heights = [n * size * LEADING + 2 * PAD_Y for n in lines]
    weights = [2 if row.tall else 1 for row in form.rows]
    spare = (TABLE_TOP - TABLE_BOTTOM - sum(heights)) / sum(weights)
    share = min(max(spare, 0.0), ROOM_PER_ROW)
    return size, laid, [h + w * share for h, w in zip(heights, weights, strict=True)]


class _Pen:
    """Draws text on the canvas, each character in the face of its role that has it."""

    def __init__(self, c: canvas.Canvas, fonts: FormFonts, size: float) -> None:
        self.c, self.fonts, self.size = c, fonts, size
        self.measure = _Measure(fonts, size)

    def text(self, x: float, y: float, text: str, role: str) -> None:
        run, font = "", ""
        for ch in text:
            face = self.fonts.font_for(ch, role)
            if face != font and run:
                x = self._run(x, y, run, font)
                run = ""
            run, font = run + ch, face
        if run:
            self._run(x, y, run, font)

    def _run(self, x: float, y: float, run: str, font: str) -> float:
        self.c.setFont(font, self.size)
        self.c.drawString(x, y, run)
        return x + float(stringWidth(run, font, self.size))

    def lines(self, lines: list[Line], box: tuple[float, float, float, float], role: str, centre: bool) -> None:
        """Lines set in a box (x, top, width, height), the block centred vertically."""
        x, top, width, height = box
        leading = self.size * LEADING
        # each line's em box centred in its slot; CJK faces put about 0.12 em of it below the baseline
        y = top - (height - len(lines) * leading) / 2 - leading + (leading - self.size) / 2 + self.size * 0.12
        for line in lines:
            shift = (width - 2 * PAD_X - sum(self.measure.width(t, role) for t, _x in line)) / 2 if centre else 0.0
            for text, dx in line:
                self.text(x + PAD_X + shift + dx, y, text, role)
            y -= leading


def _head(c: canvas.Canvas, form: DispatchForm, fonts: FormFonts) -> None:
    """The title, centred, and under it the 档号 (left) and the version (right)."""
    title = _Pen(c, fonts, 22)
    title.text((LEFT + RIGHT - title.measure.width(TITLE, g.ROLE_XBS)) / 2, 269 * MM, TITLE, g.ROLE_XBS)
    small = _Pen(c, fonts, 10.5)
    small.text(LEFT, 259 * MM, f"档号：{form.filed.archive_code}", g.ROLE_SONG)
    version = f"第{form.filed.version}版"
    small.text(RIGHT - small.measure.width(version, g.ROLE_SONG), 259 * MM, version, g.ROLE_SONG)


def _table(c: canvas.Canvas, form: DispatchForm, fonts: FormFonts) -> None:
    size, laid, heights = _fit(form, fonts)
    pen = _Pen(c, fonts, size)
    c.setLineWidth(0.5)
    top = TABLE_TOP
    for row, cells, height in zip(form.rows, laid, heights, strict=True):
        x, width = LEFT, _value_width(row)
        for cell in cells:
            c.rect(x, top - height, LABEL_W, height)
            c.rect(x + LABEL_W, top - height, width, height)
            pen.lines(cell.label, (x, top, LABEL_W, height), g.ROLE_HEI, centre=True)
            pen.lines(cell.value, (x + LABEL_W, top, width, height), g.ROLE_FANGSONG, centre=False)
            x += LABEL_W + width
        top -= height
    c.setLineWidth(1.0)
    c.rect(LEFT, top, RIGHT - LEFT, TABLE_TOP - top)


def render_form(form: DispatchForm, fonts: FormFonts) -> bytes:
    """The form as a one-page A4 PDF/A-2b file, its faces embedded (no reportlab standard font is
    named), carrying what the 正本 carries about the version: 题名, 文号, 档号, 版本, content digest."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=fonts.font_for("文", g.ROLE_SONG))
    _head(c, form, fonts)
    _table(c, form, fonts)
    c.showPage()
    c.save()
    return _with_metadata(buf.getvalue(), form)


def _pdf_date(when: dt.datetime) -> str:
    """D:YYYYMMDDHHmmSS+HH'mm' (PDF 32000 §7.9.4)."""
    offset = when.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _with_metadata(pdf: bytes, form: DispatchForm) -> bytes:
    """PDF/A-2b as the copies are (pipeline.pdfa): the output intent, the document information and
    its XMP mirror with the archival elements, the filing time as the file's dates."""
    f = form.filed
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    pdfa.make_archival(writer)
    info = {"Title": form.title, "Author": form.author, "Subject": f.number, "Keywords": f"{TITLE}；{f.archive_code}",
            "Creator": "fawen", "Producer": "fawen"}  # fmt: skip
    writer.add_metadata({
        **{f"/{k}": v for k, v in info.items()},
        "/FawenArchiveCode": f.archive_code, "/FawenVersion": str(f.version), "/FawenState": FORM_ROLE,
        "/FawenInputSHA256": f.digest,
        **({"/CreationDate": _pdf_date(f.when), "/ModDate": _pdf_date(f.when)} if f.when else {}),
    })  # fmt: skip
    archival = pdfa.ArchivalMetadata(f.archive_code, form.date, form.kind, f.version, FORM_ROLE, f.digest,
                                     (("文号", f.number), ("页数", "1")))  # fmt: skip
    pdfa.set_metadata(writer, pdfa.xmp_packet(info, f.when.isoformat(timespec="seconds") if f.when else "", archival))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
