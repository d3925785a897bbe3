"""Step 4: DocumentRequest + printed texts + template bytes -> DOCX bytes (docxtpl).

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
from dataclasses import dataclass
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
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
from pipeline.model import DocumentRequest

TWIPS_PER_MM = 1440 / 25.4


@dataclass(frozen=True)
class DocxTexts:
    """Texts resolved before rendering, shared with the PDF so both say the same."""

    mark: str
    number: str
    title_lines: tuple[str, ...]
    attachment_titles: tuple[tuple[str, ...], ...] = ()
    note: str = ""


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


def _width_mm(text: str) -> float:
    return sum(g.CHAR if is_wide(ch) else g.CHAR / 2 for ch in text)


def _cn_date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _blocks(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    return [{"level": b.level if b.kind == BlockKind.HEADING else 0, "text": b.text} for b in blocks]


def context(req: DocumentRequest, texts: DocxTexts) -> dict[str, Any]:
    """The template's variables: plain strings and lists, nothing callable."""
    names = [a.name for a in req.attachments]
    if len(names) == 1:
        note_lines = [f"附件：{names[0]}"]
    else:
        note_lines = [("附件：" if k == 1 else "　　　") + f"{k}.{n}" for k, n in enumerate(names, 1)]
    numbered = len(req.attachments) > 1
    attachments = []
    for k, att in enumerate(req.attachments, 1):
        if not att.body:
            continue
        title = texts.attachment_titles[k - 1] if k - 1 < len(texts.attachment_titles) else (att.name,)
        attachments.append({"label": "附件" + (str(k) if numbered else ""), "title": "\n".join(title),
                            "blocks": _blocks(att.body)})  # fmt: skip
    secrecy = req.secrecy + (f"★{req.secrecy_period}" if req.secrecy and req.secrecy_period else "")
    cc = "，".join(req.cc)
    return {
        "copy_number": req.copy_number,
        "secrecy": secrecy,
        "urgency": req.urgency,
        "mark": texts.mark,
        "number": texts.number,
        "title": "\n".join(texts.title_lines),
        "recipients": ("，".join(req.recipients) + "：") if req.recipients else "",
        "blocks": _blocks(req.body),
        "attachment_note": note_lines if names else [],
        "seal": req.seal,
        "signature": req.signature,
        "date": _cn_date(req.date),
        "note": texts.note,
        "attachments": attachments,
        "imprint_cc": f"抄送：{cc if cc.endswith('。') else cc.rstrip('，,') + '。'}" if cc else "",
        "printer": req.printer,
        "print_date": f"{_cn_date(req.print_date)}印发" if req.print_date else "",
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


def _adjust(doc: Any, req: DocumentRequest, texts: DocxTexts) -> None:
    size, scale = g.mark_fit(_width_mm(texts.mark) / g.CHAR * g.SIZE_0 / g.MM)
    sign_w = _width_mm(req.signature)
    date_w = _width_mm(_cn_date(req.date))
    if req.seal:
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
                run.font.size = Pt(round(size * 2) / 2)
                rpr = run._r.get_or_add_rPr()
                w = OxmlElement("w:w")
                w.set(qn("w:val"), str(round(scale * 100)))
                rpr.append(w)
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


def render_docx(req: DocumentRequest, texts: DocxTexts, template: bytes) -> bytes:
    """Render the template with the request's texts; returns the DOCX bytes."""
    tpl = DocxTemplate(io.BytesIO(template))
    tpl.render(context(req, texts), jinja_env=_ENV, autoescape=True)
    doc = tpl.docx
    _adjust(doc, req, texts)
    _anchor_imprint(doc)
    props = doc.core_properties
    props.title = req.title
    props.author = req.signature
    props.subject = texts.number
    props.keywords = req.kind.value
    props.category = "公文"
    props.comments = "由 fawen 按 GB/T 9704-2012 生成"
    props.last_modified_by = "fawen"
    props.language = "zh-CN"
    if req.date:
        stamp = dt.datetime(req.date.year, req.date.month, req.date.day)
        props.created = stamp
        props.modified = stamp
    props.revision = 1
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
