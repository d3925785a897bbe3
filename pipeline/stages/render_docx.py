"""Step 5: Composition + template bytes -> DOCX bytes (docxtpl).

User text is data: rendering runs in a sandboxed Jinja environment with autoescape, so
``{{ }}``, ``{% %}``, ``<`` and ``&`` print as written and a template cannot run code. Sizes
and indents that depend on the text (the 标志's size and condensing, the 署名/成文日期
positions) and the document properties are set with python-docx after rendering: docxtpl would
escape properties twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from docx.shared import Pt
from docxtpl import DocxTemplate
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

from pipeline import gbt9704 as g
from pipeline.docx_template import S_DATE
from pipeline.docx_template import S_IMPRINT
from pipeline.docx_template import S_MARK
from pipeline.docx_template import S_SIGN
from pipeline.linebreak import is_wide
from pipeline.model import Block
from pipeline.model import BlockKind
from pipeline.model import Composition
from pipeline.model import Head
from pipeline.model import Signature

TWIPS_PER_MM = 1440 / 25.4


class _Environment(SandboxedEnvironment):
    """Sandboxed, autoescaping, and caching compiled parts: the template rarely changes."""

    _compiled: dict[str, Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:  # type: ignore[override]
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = hashlib.sha1(source.encode("utf-8")).hexdigest()
        hit = self._compiled.get(key)
        if hit is None:
            hit = super().from_string(source)
            if len(self._compiled) > 64:
                self._compiled.clear()
            self._compiled[key] = hit
        return hit


_ENV = _Environment(autoescape=True)


class _Template(DocxTemplate):
    """docxtpl's preprocessing of the template XML (joining tags split across runs) depends on
    the template alone, so it is done once per template text rather than at every render."""

    _patched: dict[str, str] = {}

    def patch_xml(self, src_xml: str) -> str:
        key = hashlib.sha1(src_xml.encode("utf-8")).hexdigest()
        hit = self._patched.get(key)
        if hit is None:
            if len(self._patched) > 64:
                self._patched.clear()
            hit = self._patched[key] = super().patch_xml(src_xml)
        return hit


def _width_mm(text: str) -> float:
    return sum(g.CHAR if is_wide(ch) else g.CHAR / 2 for ch in text)


_KINDS = {BlockKind.HEADING: {1: "h1", 2: "h2"}}


def _blocks(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    out = []
    for b in blocks:
        kind = {BlockKind.ATTENDANCE: "attendance", BlockKind.BLANK: "blank", BlockKind.TABLE: "table"}.get(b.kind, "p")
        if b.kind == BlockKind.HEADING and b.level in (1, 2):
            kind = f"h{b.level}"
        item: dict[str, Any] = {"kind": kind, "text": b.text, "label": b.label}
        if b.table is not None:
            item["header"] = list(b.table.header)
            item["rows"] = [list(r) for r in b.table.rows]
        out.append(item)
    return out


def context(comp: Composition) -> dict[str, Any]:
    """The template's variables: plain strings and lists, nothing callable."""
    names = comp.attachment_names
    if len(names) == 1:
        note_lines = [f"附件：{names[0]}"]
    else:
        note_lines = [("附件：" if k == 1 else "　　　") + f"{k}.{n}" for k, n in enumerate(names, 1)]
    head = comp.head
    imprint = comp.imprint
    return {
        "copy_number": head.copy_number,
        "secrecy": head.secrecy,
        "urgency": head.urgency,
        "mark": head.mark,
        "number": head.number,
        "serial": head.serial,
        "editor": head.editor,
        "head_date": head.date,
        "signers": "　".join(head.signers),
        "title": "\n".join(comp.title_lines),
        "recipients": (comp.recipients + "：") if comp.recipients else "",
        "blocks": _blocks(comp.blocks),
        "attachment_note": note_lines if names else [],
        "signature": signature_text(comp.signature) if comp.signature else "",
        "seal": bool(comp.signature and comp.signature.seal),
        "date": comp.signature.date if comp.signature else "",
        "note": comp.note,
        "attachments": [{"label": a.label, "title": "\n".join(a.title_lines),
                         "blocks": _blocks(a.body) if a.body else
                         [{"kind": "p", "text": f"（本附件原件为文件「{a.file}」，共{a.file_pages}页，附于 PDF 文本之后。）", "label": ""}]}
                        for a in comp.attachments if a.body or a.file],  # fmt: skip
        "imprint_cc": f"{imprint.copies_label}：{imprint.copies}" if imprint.copies else "",
        "printer": imprint.printer,
        "print_date": imprint.date,
        "draft_mark": "草　稿" if comp.draft else "",
    }


class _Styled:
    """A body paragraph with its style name, found without python-docx's slow style lookup."""

    def __init__(self, p: Any, style_name: str) -> None:
        self._p = p
        self.style_name = style_name

    @property
    def runs(self) -> list[Any]:
        from docx.text.run import Run

        return [Run(r, None) for r in self._p.iterchildren(qn("w:r"))]


def _styled(doc: Any, *names: str) -> list[_Styled]:
    ids = {doc.styles[name].style_id: name for name in names}
    out = []
    for p in doc.element.body.iterchildren(qn("w:p")):
        ppr = p.pPr
        style = ppr.pStyle if ppr is not None else None
        if style is not None and style.val in ids:
            out.append(_Styled(p, ids[style.val]))
    return out


def _set_right_indent(paragraph: Any, mm: float) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:right"), str(max(0, round(mm * TWIPS_PER_MM))))


def signature_text(signature: Signature) -> str:
    """The 署名 paragraph's text: one organ's name; a 联合行文's names one a line (no seals), or
    side by side in rows spaced as the PDF sets them under seals (line breaks between rows)."""
    names = signature.names
    if len(names) == 1 or not signature.seal:
        return "\n".join(names)
    widths = [_width_mm(n) for n in names]
    _, _, step, per_row = g.seal_rows(widths, _width_mm(signature.date))
    rows = []
    for i in range(0, len(names), per_row):
        row = names[i : i + per_row]
        text = row[0]
        for a, b in zip(row, row[1:]):
            text += "　" * max(1, round((step - (_width_mm(a) + _width_mm(b)) / 2) / g.CHAR)) + b
        rows.append(text)
    return ("\n" * g.SEAL_ROW_LINES).join(rows)


def _joint_mark(doc: Any, head: Head) -> None:
    """A 联合行文's 标志 (§7.2.4): the 标志 paragraph becomes a borderless centred table, the
    organs' names stacked in the left cell (分散对齐), 文件 in the right cell, centred vertically."""
    marks = _styled(doc, S_MARK)
    if not head.joint or not marks:
        return
    suffix = head.joint_suffix
    names_mm = max(_width_mm(n) for n in head.joint)
    gap_mm = g.CHAR / 2 if suffix else 0.0
    size, scale = g.mark_fit((names_mm + gap_mm + _width_mm(suffix)) / g.CHAR * g.SIZE_0 / g.MM)
    factor = size / g.MM / g.CHAR * scale  # mm at the 标志's size per mm on the 三号 grid
    table = doc.add_table(rows=1, cols=2 if suffix else 1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_cell_margins(table)
    widths = [names_mm * factor + 1] + ([(_width_mm(suffix) + gap_mm) * factor + 1] if suffix else [])
    texts = [list(head.joint)] + ([[suffix]] if suffix else [])
    for k, (cell, lines) in enumerate(zip(table.rows[0].cells, texts)):
        table.columns[k].width = cell.width = Mm(widths[k])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for i, text in enumerate(lines):
            par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            par.style = doc.styles[S_MARK]
            par.alignment = WD_ALIGN_PARAGRAPH.DISTRIBUTE if k == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            _mark_run(par.add_run(text), size, scale)
    marks[0]._p.addprevious(table._tbl)
    marks[0]._p.getparent().remove(marks[0]._p)


def _no_cell_margins(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def _mark_run(run: Any, size: float, scale: float) -> None:
    run.font.size = Pt(round(size * 2) / 2)
    rpr = run._r.get_or_add_rPr()
    w = OxmlElement("w:w")
    w.set(qn("w:val"), str(round(scale * 100)))
    rpr.append(w)


def _adjust(doc: Any, comp: Composition) -> None:
    _joint_mark(doc, comp.head)
    size, scale = g.mark_fit(_width_mm(comp.head.mark) / g.CHAR * g.SIZE_0 / g.MM)
    signature = comp.signature
    sign_w = _width_mm(signature.names[-1]) if signature else 0.0  # the 署名 above the date
    date_w = _width_mm(signature.date) if signature else 0.0
    if signature is not None and signature.seal:
        date_right = 4 * g.CHAR + min(max(sign_w / 2 - date_w / 2 - 4 * g.CHAR, 0.0), 1.0)
        sign_right = max(date_right + (date_w - sign_w) / 2, 0.0)
    else:
        sign_right = 2 * g.CHAR
        date_right = sign_right + sign_w - 2 * g.CHAR - date_w
        if date_right < 2 * g.CHAR:
            date_right = 2 * g.CHAR
            sign_right = date_right + date_w + 2 * g.CHAR - sign_w
    for p in _styled(doc, S_MARK, S_SIGN, S_DATE):
        name = p.style_name
        if name == S_MARK:
            for run in p.runs:
                _mark_run(run, size, scale)
        elif name == S_SIGN:
            _set_right_indent(p, sign_right)
        elif name == S_DATE:
            _set_right_indent(p, date_right)


def _anchor_imprint(doc: Any) -> None:
    """Put the 版记 frame's bottom line on the 版心 bottom (262 mm from the page top).

    All rows share one frame (identical framePr), so Word and LibreOffice keep them together;
    the row lines come from the style's paragraph borders.
    """
    rows = list(_styled(doc, S_IMPRINT))
    if not rows:
        return
    top_mm = g.BOTTOM - len(rows) * g.DOCX_LINE_PT / g.MM
    for p in rows:
        frame = OxmlElement("w:framePr")
        for key, val in (("w:w", str(round(g.BODY_W * TWIPS_PER_MM))), ("w:hAnchor", "margin"),
                         ("w:vAnchor", "page"), ("w:x", "0"), ("w:y", str(round(top_mm * TWIPS_PER_MM))),
                         ("w:wrap", "notBeside")):  # fmt: skip
            frame.set(qn(key), val)
        ppr = p._p.get_or_add_pPr()
        old = ppr.find(qn("w:framePr"))
        if old is not None:
            ppr.remove(old)
        ppr.insert(1 if ppr.find(qn("w:pStyle")) is not None else 0, frame)


def render_docx(comp: Composition, template: bytes, properties: dict[str, object] | None = None) -> bytes:
    """Render the template with the composition; returns the DOCX bytes. ``properties`` are
    further core properties (the archive's version metadata)."""
    tpl = _Template(io.BytesIO(template))
    tpl.render(context(comp), jinja_env=_ENV, autoescape=True)
    doc = tpl.docx
    _adjust(doc, comp)
    _anchor_imprint(doc)
    props = doc.core_properties
    props.title = comp.title + ("（草稿）" if comp.draft else "")
    props.author = "、".join(comp.authors)
    props.subject = comp.head.number
    props.keywords = comp.keywords
    props.category = "公文"
    props.comments = ("草稿：" + comp.draft) if comp.draft else "由 fawen 按 GB/T 9704-2012 生成"
    props.last_modified_by = "fawen"
    props.language = "zh-CN"
    props.revision = 1
    if comp.date:
        stamp = dt.datetime(comp.date.year, comp.date.month, comp.date.day)
        props.created = stamp
        props.modified = stamp
    for key, value in (properties or {}).items():
        setattr(props, key, value)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
