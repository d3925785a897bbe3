"""Step 5: Composition + template bytes (+ the lines of fawen's own PDF) -> DOCX bytes (docxtpl).

User text is data: rendering runs in a sandboxed Jinja environment with autoescape, so
``{{ }}``, ``{% %}``, ``<`` and ``&`` print as written and a template cannot run code. Sizes
and indents that depend on the text (the 标志's size and condensing, the 署名/成文日期
positions) and the document properties are set with python-docx after rendering: docxtpl would
escape properties twice.

Given the lines of the PDF (``printed_layout(pdf)``), the DOCX repeats the PDF's decisions, so
Word and LibreOffice show the PDF's pages (issue 13): a line break where each PDF line ends
(condensed where Word's or LibreOffice's text would not fit it), a page break where each page
begins (a paragraph the PDF carries over is split there), the PDF's blank lines, the 版头 at the
PDF's heights, each table row as high as its lines, the 版记 in the flow at the PDF's place on
its (even) page, after a section without page numbers for the pages the PDF leaves unnumbered.
Without them (or with a template the DOCX cannot be matched to) the 版记 stands in a frame at
the 版心 bottom and Word or LibreOffice break lines and pages themselves.

LibreOffice ignores w:autoSpaceDE/DN and puts a fifth of an em between a CJK and a Latin letter
or digit: a hidden soft hyphen between them stops it (``_unspace``).

What depends on the template alone is worked out once and kept, in bounded caches keyed on the
template's bytes or text: its parts as read and parsed, its styles, docxtpl's preprocessing and
the compiled Jinja, the written XML and deflated bytes of parts no document changes. Each
document gets its own copies of the XML it reads or changes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import io
import itertools
import math
import re
import struct
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import ClassVar
from typing import NamedTuple
from typing import TypeVar
from typing import cast

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.oxml import CT_Relationships
from docx.opc.oxml import oxml_parser as opc_parser
from docx.opc.oxml import serialize_part_xml
from docx.opc.package import Unmarshaller
from docx.opc.packuri import CONTENT_TYPES_URI
from docx.opc.packuri import PACKAGE_URI
from docx.opc.part import PartFactory
from docx.opc.part import XmlPart
from docx.opc.pkgreader import PackageReader
from docx.opc.pkgwriter import _ContentTypesItem
from docx.oxml.ns import NamespacePrefixedTag
from docx.oxml.ns import nsmap
from docx.oxml.ns import qn as docx_qn
from docx.oxml.parser import oxml_parser
from docx.oxml.parser import parse_xml
from docx.package import Package
from docx.shared import Mm
from docx.shared import Pt
from docx.styles import BabelFish
from docxtpl import DocxTemplate
from jinja2 import Template
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from reportlab.pdfbase import pdfmetrics

from pipeline import gbt9704 as g
from pipeline.docx_template import PPR_ORDER
from pipeline.docx_template import RPR_ORDER
from pipeline.docx_template import S_ATTACH_LABEL
from pipeline.docx_template import S_BODY
from pipeline.docx_template import S_DATE
from pipeline.docx_template import S_EDITOR
from pipeline.docx_template import S_HEADMARK
from pipeline.docx_template import S_IMPRINT
from pipeline.docx_template import S_ISSUE
from pipeline.docx_template import S_MARK
from pipeline.docx_template import S_NUMBER
from pipeline.docx_template import S_NUMBER_UP
from pipeline.docx_template import S_SIGN
from pipeline.docx_template import S_TITLE
from pipeline.docx_template import S_TO
from pipeline.frozen import frozen
from pipeline.linebreak import is_wide
from pipeline.model import Block
from pipeline.model import BlockKind
from pipeline.model import Composition
from pipeline.model import Head
from pipeline.model import Signature
from pipeline.model import Table

TWIPS_PER_MM = 1440 / 25.4
qn = functools.lru_cache(maxsize=512)(docx_qn)  # the same Clark names, each tag's worked out once
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _Environment(SandboxedEnvironment):
    """Sandboxed, autoescaping, and caching compiled parts: the template rarely changes."""

    _compiled: ClassVar[dict[str, Template]] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        key = hashlib.sha1(source.encode("utf-8")).hexdigest()
        return _kept(self._compiled, key, lambda: super(_Environment, self).from_string(source))


def _kept(cache: dict[_Key, _Value], key: _Key, make: Callable[[], _Value]) -> _Value:
    """``cache[key]``, made when missing; a cache past 64 entries starts again (templates are few)."""
    hit = cache.get(key)
    if hit is None:
        if len(cache) > 64:
            cache.clear()
        hit = cache[key] = make()
    return hit


_ENV = _Environment(autoescape=True)
_REWRITTEN = re.compile(r"[{}\t\a\n\f\r]")  # what Jinja or docxtpl could change in a text without tags
_LISTING = re.compile(r"[\t\a\n\f]")  # what docxtpl's resolve_listing rewrites
_PARAGRAPH_XML = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", flags=re.DOTALL)  # as resolve_listing finds them


class _Template(DocxTemplate):  # type: ignore[misc]  # docxtpl is untyped
    """docxtpl's preprocessing of the template XML (joining tags split across runs) depends on
    the template alone, so it is done once per template text rather than at every render; so is
    reading the template's package (``_open``)."""

    _patched: ClassVar[dict[str, str]] = {}
    _jinja: ClassVar[dict[str, Template]] = {}  # by the patched XML: the same string every time
    _inert_parts: ClassVar[dict[bytes, bool]] = {}
    docx: Any
    is_rendered: bool

    def __init__(self, template: bytes | io.BytesIO) -> None:
        data = template if isinstance(template, bytes) else template.getvalue()
        super().__init__(io.BytesIO(data))
        self._template = data

    def init_docx(self, reload: bool = True) -> None:
        if not self.docx or (self.is_rendered and reload):
            self.docx = _open(self._template, without_body=True)
            self.is_rendered = False

    def get_xml(self) -> str:
        """The template's body, as docxtpl reads it: the document is opened without it, since
        rendering replaces it."""
        body = getattr(self.docx.part, "template_body", None)
        return _body_xml(body) if body is not None else cast("str", super().get_xml())

    def get_headers_footers(self, uri: str) -> Iterator[tuple[str, Any]]:
        """The headers and footers to render: one without a tag or a character docxtpl rewrites
        would come out as it went in, so it is kept as it is."""
        for rel_key, part in super().get_headers_footers(uri):
            if not self._inert(part):
                yield rel_key, part

    def _inert(self, part: Any) -> bool:
        def inert() -> bool:
            xml = self.get_part_xml(part)
            return self.patch_xml(xml) == xml and not _REWRITTEN.search(xml)

        return _kept(self._inert_parts, part.blob, inert)

    def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        """docxtpl's, a property without a tag kept as it is rather than rendered to itself."""
        if jinja_env is None:
            return super().render_properties(context, jinja_env)  # type: ignore[no-any-return]
        props = self.docx.core_properties
        for name in ("author", "comments", "identifier", "language", "subject", "title"):
            initial = getattr(props, name)
            rendered = jinja_env.from_string(initial).render(context) if _REWRITTEN.search(initial) else initial
            setattr(props, name, rendered)

    def render_footnotes(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        parts = self.docx.part.package.parts
        if any(part.content_type == CT.WML_FOOTNOTES for part in parts):
            super().render_footnotes(context, jinja_env)

    def resolve_listing(self, xml: str) -> str:
        """docxtpl's, paragraph by paragraph, and only where it changes something: in a text
        with a tab, a line break, a \\a or a \\f."""
        if not _LISTING.search(xml):
            return xml  # the same, without going through it paragraph by paragraph
        resolve = super().resolve_listing
        return _PARAGRAPH_XML.sub(lambda m: resolve(m.group(0)) if _LISTING.search(m.group(0)) else m.group(0), xml)

    def patch_xml(self, src_xml: str) -> str:
        key = hashlib.sha1(src_xml.encode("utf-8")).hexdigest()
        return _kept(self._patched, key, lambda: cast("str", super(_Template, self).patch_xml(src_xml)))

    def get_part_xml(self, part: Any) -> str:
        return _part_xml(part.blob)  # a header's or footer's blob is the template's: read once

    def render_xml_part(self, src_xml: str, part: Any, context: dict[str, Any], jinja_env: Any = None) -> str:
        """docxtpl's, the template's XML prepared for Jinja and compiled once per text; the
        rendered XML's line breaks before paragraphs taken out by plain replacing, as its
        regular expression would."""
        if jinja_env is not _ENV:
            return cast("str", super().render_xml_part(src_xml, part, context, jinja_env))
        template = _kept(self._jinja, src_xml, lambda: _ENV.from_string(_PARAGRAPH_START.sub(r"\n<w:p\1", src_xml)))
        self.current_rendering_part = part
        try:
            dst_xml = template.render(context)
        except TemplateError:
            return cast("str", super().render_xml_part(src_xml, part, context, jinja_env))  # its report of the error
        dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        return self.resolve_listing(dst_xml)

    def fix_docpr_ids(self, tree: Any) -> None:
        """docxtpl's, its XPath compiled once."""
        for elt in _DOC_PR(tree):
            self.docx_ids_index += 1
            elt.attrib["id"] = str(self.docx_ids_index)


_PARAGRAPH_START = re.compile(r"<w:p([ >])")  # as docxtpl's render_xml_part marks paragraphs
_DOC_PR = etree.XPath("//wp:docPr", namespaces=nsmap)


@functools.lru_cache(maxsize=16)
def _part_xml(blob: bytes) -> str:
    parsed = etree.fromstring(blob, opc_parser)  # as docxtpl parses it
    return cast("str", etree.tostring(parsed, encoding="unicode", pretty_print=False))


def _open(template: bytes, without_body: bool = False) -> Any:
    """python-docx's ``Document(template)``, from the template's parts read and parsed once: each
    document gets its own copies of the parsed XML. ``without_body``: the body left empty, to be
    rendered (``_Template.get_xml``)."""
    package = Package()
    Unmarshaller.unmarshal(_package_reader(template), package, _load_part)  # type: ignore[no-untyped-call]
    part = package.main_document_part
    if part.content_type != CT.WML_DOCUMENT_MAIN:
        raise ValueError(f"not a Word file: {part.content_type}")
    if without_body and isinstance(part, _LazyXml) and part.pristine:
        part.template_body, part.source = part.source, _without_body(part.source)
    return part.document


@functools.lru_cache(maxsize=8)
def _without_body(blob: bytes) -> bytes:
    document = _copy(_parsed(blob))
    for child in list(document.body):
        document.body.remove(child)
    return serialize_part_xml(document)


@functools.lru_cache(maxsize=8)
def _body_xml(blob: bytes) -> str:
    return cast("str", etree.tostring(_parsed(blob).body, encoding="unicode", pretty_print=False))


@functools.lru_cache(maxsize=8)
def _package_reader(template: bytes) -> PackageReader:
    reader: PackageReader = PackageReader.from_file(io.BytesIO(template))  # type: ignore[no-untyped-call]
    return reader  # its parts' bytes: never changed


def _load_part(partname: Any, content_type: str, reltype: str, blob: bytes, package: Any) -> Any:
    """python-docx's PartFactory, an XML part made lazy (``_LazyXml``)."""
    selector = PartFactory.part_class_selector
    cls = (selector(content_type, reltype) if selector else None) or PartFactory._part_cls_for(content_type)
    if issubclass(cls, XmlPart) and getattr(cls.load, "__func__", None) is _XML_LOAD:
        part = _lazy(cls)(partname, content_type, None, package)
        part.source = blob
        return part
    return cls.load(partname, content_type, blob, package)


_XML_LOAD = XmlPart.__dict__["load"].__func__  # a part class that loads otherwise is left to do so


class _LazyXml:
    """An XML part whose element is copied from the template's, parsed once, when something first
    reads it; until then its blob is the template's part as python-docx writes it. Most parts
    (settings, numbering, often styles and footers) are never read."""

    source: bytes
    template_body: bytes | None = None  # the main document's, opened without its body
    _own: Any = None

    @property
    def _element(self) -> Any:
        if self._own is None:
            self._own = _copy(_parsed(self.source))
        return self._own

    @_element.setter
    def _element(self, element: Any) -> None:
        self._own = element  # None from XmlPart.__init__: copied when first read

    @property
    def pristine(self) -> bool:
        """Whether the element is still the template's: never read, so never changed."""
        return self._own is None

    @property
    def blob(self) -> bytes:
        return _serialized(self.source) if self._own is None else serialize_part_xml(self._own)


_LAZY_CLASSES: dict[type[Any], type[Any]] = {}  # one per python-docx part class


def _lazy(cls: type[Any]) -> type[Any]:
    lazy = _LAZY_CLASSES.get(cls)
    if lazy is None:
        lazy = _LAZY_CLASSES[cls] = type(f"_Lazy{cls.__name__}", (_LazyXml, cls), {})
    return lazy


@functools.lru_cache(maxsize=64)
def _parsed(blob: bytes) -> Any:
    return parse_xml(blob)  # never handed out or changed: read, or copied


@functools.lru_cache(maxsize=64)
def _serialized(blob: bytes) -> bytes:
    return serialize_part_xml(_parsed(blob))


def _save(doc: Any) -> bytes:
    """python-docx's ``doc.save`` (PackageWriter.write), each distinct part deflated once and the
    content types and relationships written once per package layout: most parts, and the
    layout, are the same in every document made from a template."""
    package = doc.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    out = _Zip()
    out.write(CONTENT_TYPES_URI, _content_types(tuple(_PartType(p.partname, p.content_type) for p in parts)))
    out.write(PACKAGE_URI.rels_uri, _rels_xml(PACKAGE_URI.baseURI, _rels_key(package.rels)))
    for part in parts:
        out.write(part.partname, part.blob)
        if len(part.rels):
            out.write(part.partname.rels_uri, _rels_xml(part.partname.baseURI, _rels_key(part.rels)))
    return out.close()


class _PartType(NamedTuple):
    partname: Any
    content_type: str


@functools.lru_cache(maxsize=16)
def _content_types(parts: tuple[_PartType, ...]) -> bytes:
    return cast("bytes", _ContentTypesItem.from_parts(parts).blob)  # type: ignore[no-untyped-call]


def _rels_key(rels: Any) -> tuple[tuple[str, str, str, bool], ...]:
    """What a part's relationships XML is made of: each target as its part name (or URL)."""
    return tuple(
        (rel.rId, rel.reltype, rel.target_ref if rel.is_external else rel.target_part.partname, rel.is_external)
        for rel in rels.values()
    )


@functools.lru_cache(maxsize=64)
def _rels_xml(base: str, rels: tuple[tuple[str, str, Any, bool], ...]) -> bytes:
    """``Relationships.xml`` for a source whose base URI is ``base``."""
    element = CT_Relationships.new()
    for rid, reltype, target, external in rels:
        element.add_rel(rid, reltype, target if external else target.relative_ref(base), external)
    return cast("bytes", element.xml)


class _Zip:
    """A zip archive of deflated members, as zipfile writes it (``writestr``), written by hand
    so that a member's deflated bytes can be reused."""

    def __init__(self) -> None:
        self._data = io.BytesIO()
        self._directory: list[bytes] = []
        now = time.localtime()
        self._time = now.tm_hour << 11 | now.tm_min << 5 | now.tm_sec // 2
        self._date = max(now.tm_year - 1980, 0) << 9 | now.tm_mon << 5 | now.tm_mday

    def write(self, pack_uri: Any, blob: bytes) -> None:
        name = pack_uri.membername.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # the name in UTF-8
        crc, deflated = _deflated(blob)
        fields = (flags, zipfile.ZIP_DEFLATED, self._time, self._date, crc, len(deflated), len(blob), len(name), 0)
        offset = self._data.tell()
        self._data.write(struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, *fields) + name + deflated)
        self._directory.append(struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, *fields, 0, 0, 0,
                                           0o600 << 16, offset) + name)  # fmt: skip

    def close(self) -> bytes:
        start = self._data.tell()
        directory = b"".join(self._directory)
        count = len(self._directory)
        self._data.write(
            directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0)
        )
        return self._data.getvalue()


@functools.lru_cache(maxsize=128)
def _deflated(blob: bytes) -> tuple[int, bytes]:
    """A member's CRC and its bytes deflated as zipfile deflates them."""
    deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return zlib.crc32(blob), deflate.compress(blob) + deflate.flush()


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
        "attachments": [
            {
                "label": a.label,
                "title": "\n".join(a.title_lines),
                "blocks": _blocks(a.body)
                if a.body
                else [
                    {
                        "kind": "p",
                        "text": f"（本附件原件为文件「{a.file}」，共{a.file_pages}页，附于 PDF 文本之后。）",
                        "label": "",
                    }
                ],
            }
            for a in comp.attachments
            if a.body or a.file
        ],
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

        return [Run(r, None) for r in self._p.iterchildren(qn("w:r"))]  # type: ignore[arg-type]  # text only: no part


def _styled(doc: Any, styles: _StyleSheet, *names: str) -> list[_Styled]:
    ids = {styles.id_of(name): name for name in names}
    out = []
    for p in doc.element.body.iterchildren(_W_P):
        val = _style_of(p)
        if val in ids:
            out.append(_Styled(p, ids[val]))
    return out


def _style_of(p: Any) -> str | None:
    """The paragraph's style id as python-docx reads it (``p.pPr.pStyle``), without its finds."""
    ppr = _first(p, _W_PPR)
    style = _first(ppr, _W_PSTYLE) if ppr is not None else None
    return cast("str | None", style.get(_W_VAL)) if style is not None else None


def _first(el: Any, tag: str) -> Any:
    """``el.find(tag)``, quicker where the schema puts the child first (w:pPr, w:rPr, w:pStyle):
    lxml answers find() by way of ElementPath."""
    if not len(el):
        return None
    child = el[0]  # kept: lxml makes a new Python object at each look-up of a child
    if child.tag == tag:
        return child
    return next(el.iterchildren(tag), None)


def _set_right_indent(paragraph: Any, mm: float) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = _element("w:ind")
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
        for a, b in itertools.pairwise(row):
            text += "　" * max(1, round((step - (_width_mm(a) + _width_mm(b)) / 2) / g.CHAR)) + b
        rows.append(text)
    return ("\n" * g.SEAL_ROW_LINES).join(rows)


def _joint_mark(doc: Any, styles: _StyleSheet, head: Head) -> None:
    """A 联合行文's 标志 (§7.2.4): the 标志 paragraph becomes a borderless centred table, the
    organs' names stacked in the left cell (分散对齐), 文件 in the right cell, centred vertically."""
    if not head.joint:
        return  # a missing 标志 style fails in _adjust just after, as it would here
    marks = _styled(doc, styles, S_MARK)
    if not marks:
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
    widths = [names_mm * factor + 0.4] + ([(_width_mm(suffix) + gap_mm) * factor + 0.4] if suffix else [])
    texts = [list(head.joint)] + ([[suffix]] if suffix else [])
    for k, (cell, lines) in enumerate(zip(table.rows[0].cells, texts, strict=False)):
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
    margins = _element("w:tblCellMar")
    for side in ("left", "right"):
        el = _element(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def _mark_run(run: Any, size: float, scale: float) -> None:
    run.font.size = Pt(round(size * 2) / 2)
    _rset(run._r, "w", val=str(round(scale * 100)))  # in schema order, before w:sz


def _adjust(doc: Any, styles: _StyleSheet, comp: Composition) -> None:
    _joint_mark(doc, styles, comp.head)
    size, scale = g.mark_fit(_width_mm(comp.head.mark) / g.CHAR * g.SIZE_0 / g.MM)
    signature = comp.signature
    sign_w = _width_mm(signature.names[-1]) if signature else 0.0  # the 署名 above the date
    date_w = _width_mm(signature.date) if signature else 0.0
    date_left = None  # without a seal the date starts 2 字 right of the 署名's start (§7.3.5.2)
    if signature is not None and signature.seal:
        date_right = 4 * g.CHAR + min(max(sign_w / 2 - date_w / 2 - 4 * g.CHAR, 0.0), 1.0)
        sign_right = max(date_right + (date_w - sign_w) / 2, 0.0)
    else:
        sign_right = 2 * g.CHAR
        date_right = sign_right + sign_w - 2 * g.CHAR - date_w
        if date_right < 2 * g.CHAR:  # a date longer than the 署名 stands 右空二字, the 署名 moves left
            date_right = 2 * g.CHAR
            sign_right = date_right + date_w + 2 * g.CHAR - sign_w
        else:
            date_left = g.BODY_W - sign_right - sign_w + 2 * g.CHAR
    for p in _styled(doc, styles, S_MARK, S_SIGN, S_DATE):
        name = p.style_name
        if name == S_MARK:
            for run in p.runs:
                _mark_run(run, size, scale)
        elif name == S_SIGN:
            _set_right_indent(p, sign_right)
        elif name == S_DATE and date_left is not None:
            p._p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.LEFT
            ind = p._p.get_or_add_pPr().get_or_add_ind()
            ind.set(qn("w:left"), str(round(date_left * TWIPS_PER_MM)))
            ind.set(qn("w:leftChars"), "0")
        elif name == S_DATE:
            _set_right_indent(p, date_right)


# ---- the PDF's decisions -----------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^—\s*\d+\s*—$")
_BASELINE_EM = 0.88  # a CJK face's ascent: the em top of a 三号 line is its baseline less 0.88 em


@frozen
class PrintedLine:
    """A line of fawen's own PDF: its page (from 1), its baseline (mm from the page top), its
    size (pt) and its pieces of text from left to right, each at its x (mm from the left edge)."""

    page: int
    baseline: float
    size: float
    pieces: tuple[tuple[float, str], ...]

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.pieces)

    @property
    def x0(self) -> float:
        return self.pieces[0][0]

    @property
    def grid(self) -> int:
        """The grid line (1 to 22) the line stands on."""
        return round((self.baseline - g.TOP - _BASELINE_EM * g.EM_3) / g.PITCH) + 1


@frozen
class PrintedLayout:
    """Where fawen's PDF put each line: the decisions the DOCX follows (line and page breaks,
    blank lines, the 版头's lines, the 版记's page). ``numbered``: per page, whether it carries a
    page number."""

    lines: tuple[PrintedLine, ...]
    numbered: tuple[bool, ...]

    @property
    def pages(self) -> int:
        return len(self.numbered)


def printed_layout(pdf: bytes) -> PrintedLayout | None:
    """Read the lines of a PDF fawen typeset (attachment files may be merged in); None when it
    cannot be read. Page numbers are left out of ``lines``; slanted text (the 草稿 mark) too."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = [_page_chunks(page) for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, ZeroDivisionError):
        return None
    lines: list[PrintedLine] = []
    numbered: list[bool] = []
    for number, chunks in enumerate(pages, 1):
        found = False
        for line in _group(number, chunks):
            if line.baseline > g.BOTTOM + 2 and _PAGE_NUMBER.match(line.text.strip()):
                found = True
            else:
                lines.append(line)
        numbered.append(found)
    return PrintedLayout(tuple(lines), tuple(numbered))


def layout_of(printed: tuple[tuple[tuple[float, float, float, str], ...], ...],
              numbered: tuple[bool, ...]) -> PrintedLayout | None:  # fmt: skip
    """The same layout from what the typesetter drew (typeset_pdf.Typeset.printed: per page, each
    run's x, baseline, size and text, page numbers left out), without reading the PDF back."""
    if not printed or len(printed) != len(numbered):
        return None
    lines = [line for number, chunks in enumerate(printed, 1) for line in _group(number, list(chunks))]
    return PrintedLayout(tuple(lines), tuple(numbered))


def _page_chunks(page: Any) -> list[tuple[float, float, float, str]]:
    """(x, baseline, size, text) of each piece of upright text on a page, in mm and pt."""
    height = float(page.mediabox.top)
    chunks: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: object, size: float) -> None:
        if not text.strip():
            return
        a = tm[0] * cm[0] + tm[1] * cm[2]
        b = tm[0] * cm[1] + tm[1] * cm[3]
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        if abs(b) > 1e-3 or abs(c) > 1e-3 or a <= 0 or d <= 0:
            return  # turned or mirrored: the 草稿 mark, not a line of text
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        chunks.append((x / g.MM, (height - y) / g.MM, size * d, text.strip()))

    page.extract_text(visitor_text=visit)
    return chunks


def _group(page: int, chunks: list[tuple[float, float, float, str]]) -> list[PrintedLine]:
    """Pieces sharing a baseline (within 0.8 mm) make a line; lines top to bottom."""
    out: list[PrintedLine] = []
    rows: list[list[tuple[float, float, float, str]]] = []
    for chunk in sorted(chunks, key=lambda c: (c[1], c[0])):
        if rows and abs(rows[-1][0][1] - chunk[1]) < 0.8:
            rows[-1].append(chunk)
        else:
            rows.append([chunk])
    for row in rows:
        row.sort(key=lambda c: c[0])
        out.append(PrintedLine(page, row[0][1], row[0][2], tuple((x, t) for x, _, _, t in row)))
    return out


# ---- OOXML: text inside runs ------------------------------------------------------------------------

_W_P, _W_R, _W_T, _W_TBL = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tbl")
_W_TAB, _W_BR, _W_CR = qn("w:tab"), qn("w:br"), qn("w:cr")
_W_PPR, _W_RPR, _W_PSTYLE = qn("w:pPr"), qn("w:rPr"), qn("w:pStyle")
_W_STYLE, _W_STYLE_ID, _W_NAME, _W_VAL = qn("w:style"), qn("w:styleId"), qn("w:name"), qn("w:val")
_W_SZ, _W_SPACING, _W_JC = qn("w:sz"), qn("w:spacing"), qn("w:jc")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _child(parent: Any, name: str, order: tuple[str, ...]) -> Any:
    """The ``w:name`` child of ``parent``, added in schema order when missing."""
    found = next(parent.iterchildren(_w(name)), None)
    if found is not None:
        return found
    el = _element(f"w:{name}")
    ranks = _ranks(order)
    rank = ranks[name]
    for sibling in parent:
        later = ranks.get(_local(sibling.tag), -1)
        if later > rank:
            sibling.addprevious(el)
            return el
    parent.append(el)
    return el


@functools.lru_cache(maxsize=256)
def _w(name: str) -> str:
    return qn(f"w:{name}")


@functools.lru_cache(maxsize=16)
def _ranks(order: tuple[str, ...]) -> dict[str, int]:
    return {name: order.index(name) for name in order}  # the first, as order.index finds


@functools.lru_cache(maxsize=1024)
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ppr(p: Any) -> Any:
    ppr = _first(p, _W_PPR)
    if ppr is None:
        ppr = _element("w:pPr")
        p.insert(0, ppr)
    return ppr


def _pset(p: Any, name: str, **attrs: str) -> Any:
    el = _child(_ppr(p), name, PPR_ORDER)
    for key, val in attrs.items():
        el.set(_w(key), val)
    return el


def _rset(r: Any, name: str, **attrs: str) -> Any:
    rpr = _first(r, _W_RPR)
    if rpr is None:
        rpr = _element("w:rPr")
        r.insert(0, rpr)
    el = _child(rpr, name, RPR_ORDER)
    for key, val in attrs.items():
        el.set(_w(key), val)
    return el


def _pieces(p: Any) -> Iterator[tuple[Any, Any, str]]:
    """(run, element, characters) for each piece of a paragraph's text: the letters of a w:t, a
    tab as ``\\t``, a line break as ``\\n``."""
    for r in p.iterchildren(_W_R):
        for child in r:
            tag = child.tag
            if tag == _W_T:
                if child.text:
                    yield r, child, child.text
            elif tag == _W_TAB:
                yield r, child, "\t"
            elif tag in (_W_BR, _W_CR):
                yield r, child, "\n"


def _text(p: Any) -> str:
    out = []
    for r in p.iterchildren(_W_R):
        for child in r:
            tag = child.tag
            if tag == _W_T:
                if child.text:
                    out.append(child.text)
            elif tag == _W_TAB:
                out.append("\t")
            elif tag in (_W_BR, _W_CR):
                out.append("\n")
    return "".join(out)  # as _pieces lists it, without making a tuple of each piece


def _copy(el: Any) -> Any:
    """A deep copy of an lxml element, without copy.deepcopy's bookkeeping."""
    return el.__copy__()


def _visible(text: str) -> list[int]:
    """The positions of the characters of ``text`` that ``_squeezed`` keeps."""
    index = list(range(len(text)))
    for m in reversed(list(_SPACE.finditer(text))):  # few: cheaper than testing every character
        del index[m.start()]
    return index


_SPACE = re.compile(r"\s")  # as str.isspace() and str.split() find them


def _squeezed(text: str) -> str:
    """The characters the PDF prints: no spaces, tabs or line breaks."""
    return "".join(text.split())  # split() cuts at exactly the characters isspace() names


@functools.lru_cache(maxsize=64)
def _prototype(nsptag: str) -> Any:
    parsed = NamespacePrefixedTag(nsptag)
    return oxml_parser.makeelement(parsed.clark_name, nsmap=parsed.nsmap)  # never changed: only copied


@functools.lru_cache(maxsize=8)
def _prototype_run(nsptag: str) -> Any:
    run = _element("w:r")
    run.append(_element(nsptag))
    return run  # never changed: only copied


@functools.lru_cache(maxsize=1)
def _prototype_text() -> Any:
    t = _element("w:t")
    t.set(_XML_SPACE, "preserve")
    return t  # never changed: only copied


def _element(nsptag: str) -> Any:
    """python-docx's OxmlElement (its element class for the tag), copied from one made before:
    the layout makes thousands of elements, and copying is faster than making."""
    return _prototype(nsptag).__copy__()


def _run_at(p: Any, pos: int) -> Any:
    """The run that starts at character ``pos`` of the paragraph, splitting a run there if needed;
    None when ``pos`` is the paragraph's end."""
    return _runs_at(p, [pos])[pos]


def _runs_at(p: Any, positions: list[int]) -> dict[int, Any]:
    """The run that starts at each of ``positions``, splitting runs there: the paragraph's
    characters are listed once, whatever the number of positions (a long paragraph has
    thousands of line ends). None for a position at the paragraph's end."""
    if not positions:
        return {}
    starts: list[int] = []  # where each piece starts among the paragraph's characters
    pieces: list[tuple[Any, Any]] = []
    length = 0
    for r, child, chars in _pieces(p):
        starts.append(length)
        pieces.append((r, child))
        length += len(chars)
    cut: dict[int, int] = {}  # id of a w:t -> characters already moved off its front
    owner: dict[int, int] = {}  # id of a run -> the position it was last returned for
    out: dict[int, Any] = {}
    for pos in sorted(set(positions)):  # in order: what a split leaves in front is the run before
        if pos >= length:
            out[pos] = None
            continue
        n = bisect.bisect_right(starts, pos) - 1
        (r, child), k = pieces[n], pos - starts[n]
        offset = k - cut.get(id(child), 0)
        head = _split_before(r, child, offset)
        if head is not None and id(r) in owner:  # the earlier position's run now starts at head
            out[owner[id(r)]] = head
        out[pos], owner[id(r)] = r, pos
        if offset:
            cut[id(child)] = k
    return out


def _split_before(r: Any, child: Any, k: int) -> Any:
    """Split run ``r`` before character ``k`` of its ``child``: the part before goes into a new run
    in front, which is returned (None when nothing is before it); ``r`` keeps what follows."""
    before = []
    rpr = None  # the first w:rPr, as _first finds it
    for c in r:
        if c is child:
            break
        if c.tag != _W_RPR:
            before.append(c)
        elif rpr is None:
            rpr = c
    if k == 0 and not before:
        return None
    head = _element("w:r")
    if rpr is None:
        rpr = _first(r, _W_RPR)
    if rpr is not None:
        head.append(_copy(rpr))
    for c in before:
        head.append(c)
    if k:
        t = _copy(_prototype_text())
        t.text = child.text[:k]
        head.append(t)
        child.text = child.text[k:]
        child.set(_XML_SPACE, "preserve")
    r.addprevious(head)
    return head


def _runs_between(p: Any, start: int, end: int) -> list[Any]:
    """The runs holding characters ``start`` to ``end`` (split so they hold nothing else)."""
    return _runs_within(p, [(start, end)])[0]


def _runs_within(p: Any, spans: list[tuple[int, int]]) -> list[list[Any]]:
    """For each (start, end) of ``spans``, the runs holding those characters and nothing else:
    every split made in one pass over the paragraph."""
    starts = _runs_at(p, [x for span in spans for x in span])
    out = []
    for start, end in spans:
        first, last, runs = starts[start], starts[end], []
        r = first
        while r is not None and r is not last:
            if r.tag == _W_R:
                runs.append(r)
            r = r.getnext()
        out.append(runs)
    return out


def _insert_break(p: Any, pos: int) -> None:
    """A line break before character ``pos``, in the run properties of the text before it."""
    _break_before(p, _run_at(p, pos))


def _break_before(p: Any, at: Any) -> None:
    """A line break before run ``at`` (None: at the paragraph's end), in the run properties of
    the run before it."""
    if at is None:
        runs = list(p.iterchildren(_W_R))
        before = runs[-1] if runs else None
    else:
        before = at.getprevious()  # mostly the run before; else the nearest one
        if before is not None and before.tag != _W_R:
            before = next(before.itersiblings(_W_R, preceding=True), None)
    run = _copy(_prototype_run("w:br"))
    rpr = _first(before, _W_RPR) if before is not None else None
    if rpr is not None:
        run.insert(0, _copy(rpr))
    if at is not None:
        at.addprevious(run)
    else:
        p.append(run)


def _split_paragraph(p: Any, pos: int) -> Any:
    """Move the text from character ``pos`` on into a new paragraph after ``p``; returns it."""
    return _split_paragraph_at(p, _run_at(p, pos))


def _split_paragraph_at(p: Any, at: Any) -> Any:
    """Move run ``at`` and what follows it into a new paragraph after ``p``; returns it."""
    new = _element("w:p")
    ppr = _first(p, _W_PPR)
    if ppr is not None:
        new.append(_copy(ppr))
    if at is not None:
        for el in [at, *at.itersiblings()]:
            new.append(el)
    p.addnext(new)
    return new


def _spacer(style_id: str, page_break: bool, twips: int = 20) -> Any:
    """An empty paragraph 1 pt high (off the grid): it opens a page without taking a line."""
    p = _element("w:p")
    _pset(p, "pStyle", val=style_id)
    if page_break:
        _pset(p, "pageBreakBefore")
    _pset(p, "snapToGrid", val="0")
    _pset(p, "spacing", line=str(twips), lineRule="exact", before="0", after="0")
    r = _element("w:r")
    _rset(r, "sz", val="2")
    p.append(r)
    return p


# ---- following the PDF: line breaks, page breaks, blank lines --------------------------------------

_GRID_TOP = g.DOCX_MARGIN_TOP  # where the DOCX's first grid line starts (mm)
_DOCX_PITCH = g.DOCX_LINE_PT / g.MM  # mm
_FIXED_ASCENT = 0.8  # LibreOffice and Word put the baseline of an exact-height line at 80 % of it


@dataclass
class _Placed:
    """A DOCX paragraph or table matched to lines of the PDF."""

    element: Any
    lines: list[int]  # indexes into PrintedLayout.lines
    table: Table | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # per line: characters of _squeezed(text)
    text: str = ""  # a paragraph's text, as matched
    rows: list[tuple[list[int], bool]] = field(default_factory=list)  # table: (line indexes, header repeated before)
    cells: list[list[list[str]]] = field(default_factory=list)  # table: per row, per cell, its lines
    blanks: list[Any] = field(default_factory=list)  # empty paragraphs before it
    unmatched: list[Any] = field(default_factory=list)  # DOCX-only paragraphs before it (kept)


def _style_sheet(doc: Any) -> _StyleSheet:
    """The document's styles, read once per template while they are the template's: rendering
    leaves them be. Read only: the document's own copy is the one to change."""
    part = doc.part._styles_part
    if isinstance(part, _LazyXml) and part.pristine:
        return _template_styles(part.source)
    return _StyleSheet(part.element)


@functools.lru_cache(maxsize=8)
def _template_styles(blob: bytes) -> _StyleSheet:
    return _StyleSheet(_parsed(blob))


class _StyleSheet:
    """Styles by id and by name, read once: python-docx answers each look-up with an XPath query
    (finding the styles part anew), thousands of times for a long document."""

    def __init__(self, element: Any) -> None:
        self.element = element
        self._by_id: dict[str, Any] = {}
        self._by_name: dict[str, Any] = {}
        self._sizes: dict[str | None, tuple[float | None, float | None]] = {}
        self._alignments: dict[str, str | None] = {}
        self._indents: dict[str, tuple[int, int]] = {}
        for style in self.element.iterchildren(_W_STYLE):
            self._by_id.setdefault(style.get(_W_STYLE_ID), style)  # the first, as get_by_id finds
            for name in style.iterchildren(_W_NAME):
                self._by_name.setdefault(name.get(_W_VAL), style)  # the first, as get_by_name finds

    def by_id(self, style_id: str) -> Any:
        return self._by_id.get(style_id)

    def size_and_tracking(self, style_id: str | None) -> tuple[float | None, float | None]:
        """The font size and character spacing (pt) a paragraph style gives, itself or by the
        styles it is based on (the default paragraph style for None or an unknown id)."""
        if style_id not in self._sizes:
            self._sizes[style_id] = self._inherited(style_id)
        return self._sizes[style_id]

    def alignment(self, style_id: str) -> str | None:
        """The alignment a paragraph style gives, itself or by the styles it is based on."""
        if style_id not in self._alignments:
            self._alignments[style_id] = self._aligned(style_id)
        return self._alignments[style_id]

    def _aligned(self, style_id: str) -> str | None:
        style = self.by_id(style_id)
        while style is not None:
            jc = style.find(f"{_W_PPR}/{_W_JC}")
            if jc is not None:
                return cast("str | None", jc.get(_W_VAL))
            based = style.find(qn("w:basedOn"))
            style = self.by_id(based.get(_W_VAL)) if based is not None else None
        return "left"

    def _inherited(self, style_id: str | None) -> tuple[float | None, float | None]:
        size, tracking = None, None
        style = self.by_id(style_id) if style_id is not None else None
        if style is None:
            style = self.by_id("Normal") or self.element.default_for(1)
        while style is not None and (size is None or tracking is None):
            srpr = _first(style, _W_RPR)
            if srpr is not None:
                if size is None and srpr.find(_W_SZ) is not None:
                    size = int(srpr.find(_W_SZ).get(_W_VAL)) / 2
                if tracking is None and srpr.find(_W_SPACING) is not None:
                    tracking = int(srpr.find(_W_SPACING).get(_W_VAL)) / 20
            based = style.find(qn("w:basedOn"))
            style = self.by_id(based.get(_W_VAL)) if based is not None else None
        return size, tracking

    def indents(self, style_id: str) -> tuple[int, int]:
        """``_style_indents`` of the style with this id ("": none)."""
        if style_id not in self._indents:
            self._indents[style_id] = _style_indents(self.by_id(style_id) if style_id else None)
        return self._indents[style_id]

    def by_name(self, name: str) -> Any:
        """The style python-docx's ``get_by_name`` finds, or None."""
        return self._by_name.get(name)

    def id_of(self, name: str) -> str:
        """The id of the style ``doc.styles[name]`` finds; KeyError when there is none."""
        style = self.by_name(BabelFish.ui2internal(name))
        if style is None:
            style = self.by_id(name)
        if style is None:
            raise KeyError(f"no style with name '{name}'")
        return cast("str", style.get(_W_STYLE_ID))


class _Follower:
    """Matches the rendered DOCX, element by element, to the PDF's lines, then repeats the PDF's
    decisions in it. Nothing is changed unless the 主体 matches from the title on (a paragraph
    the PDF does not print, the note standing for an attachment file, is let be)."""

    def __init__(self, doc: Any, styles: _StyleSheet, comp: Composition, printed: PrintedLayout) -> None:
        self.doc = doc
        self.styles = styles
        self.comp = comp
        self.printed = printed
        self.lines = printed.lines
        self.squeezed = [_squeezed(ln.text) for ln in printed.lines]  # what each line prints
        names = (S_TITLE, S_BODY, S_IMPRINT, S_MARK, S_NUMBER, S_NUMBER_UP, S_ISSUE, S_EDITOR, S_HEADMARK, S_ATTACH_LABEL,
                 S_TO)  # fmt: skip
        found = {name: self.styles.by_name(name) for name in names}
        self.ids = {name: style.get(qn("w:styleId")) for name, style in found.items() if style is not None}
        self.usable = len(self.ids) == len(names)
        self.tables = [b.table for b in _all_blocks(comp) if b.kind == BlockKind.TABLE and b.table is not None]
        self._styles: dict[Any, str] = {}  # keeps each paragraph's element, so its key stays its own

    def style(self, p: Any) -> str:
        """A paragraph's style id ("": none), read once: no paragraph's style changes here."""
        style = self._styles.get(p)
        if style is None:
            style = self._styles[p] = _style_of(p) or ""
        return style

    # -- matching --------------------------------------------------------------------------------

    def match(self) -> tuple[list[Any], int, list[_Placed]] | None:
        body = self.doc.element.body
        self.move_recipients([c for c in body if c.tag in (_W_P, _W_TBL)])
        items = [c for c in body if c.tag in (_W_P, _W_TBL)]
        start = next((i for i, el in enumerate(items) if el.tag == _W_P and self.style(el) == self.ids[S_TITLE]
                      and _squeezed(_text(el))), None)  # fmt: skip
        if start is None:
            return None
        title = _squeezed(_text(items[start]))
        k0 = next((k for k, ln in enumerate(self.lines) if ln.page == 1 and self.squeezed[k]
                   and title.startswith(self.squeezed[k])), None)  # fmt: skip
        if k0 is None:
            return None
        placed: list[_Placed] = []
        blanks: list[Any] = []  # the empty paragraphs between the 版头 and the title count too
        for el in reversed(items[:start]):
            if el.tag != _W_P or _squeezed(_text(el)):
                break
            blanks.insert(0, el)
        unmatched: list[Any] = []
        cursor = k0
        table_no = 0
        for el in items[start:]:
            if el.tag == _W_TBL:
                table = self.tables[table_no] if table_no < len(self.tables) else None
                table_no += 1
                got = self.match_table(el, table, cursor) if table is not None else None
                if got is None:
                    return None
                got.table = table
            else:
                full = _text(el)
                text = _squeezed(full)
                if not text:
                    blanks.append(el)
                    continue
                got = self.match_paragraph(el, text, cursor)
                if got is None:
                    unmatched.append(el)  # not in the PDF: the note standing for an attachment file
                    continue
                got.text = full
            got.blanks, got.unmatched = blanks, unmatched
            blanks, unmatched = [], []
            placed.append(got)
            cursor = got.lines[-1] + 1
        if not placed or placed[0].element is not items[start]:
            return None
        return items[:start], k0, placed

    def move_recipients(self, items: list[Any]) -> None:
        """Where page 1 would show no 正文 the PDF moves the 主送 into the 版记 (§7.4.2): so
        does the DOCX, a first 版记 row "主送：…。" in place of the paragraph under the title."""
        last = [k for k, ln in enumerate(self.lines) if ln.page == self.printed.pages]
        if not self.comp.recipients or not any(self.squeezed[k].startswith("主送：") for k in last):
            return
        to = [el for el in items if el.tag == _W_P and self.style(el) == self.ids[S_TO]]
        rows = [el for el in items if el.tag == _W_P and self.style(el) == self.ids[S_IMPRINT]]
        if not to or not rows:
            return
        row = _element("w:p")
        row.append(_copy(rows[0].find(_W_PPR)))
        row.append(_run("主送：" + g.ended(self.comp.recipients), None))
        rows[0].addprevious(row)
        for el in to:
            el.getparent().remove(el)

    def match_paragraph(self, el: Any, text: str, cursor: int) -> _Placed | None:
        """The lines from ``cursor`` on that print ``text``. A 附件N label or the 版记 may come
        after pages the DOCX does not have (an attachment file's), so they are looked for further
        on; any other paragraph prints at the cursor or not at all."""
        skip = self.style(el) in (self.ids[S_IMPRINT], self.ids[S_ATTACH_LABEL])
        for k in range(cursor, len(self.lines) if skip else min(cursor + 1, len(self.lines))):
            head = self.squeezed[k]
            if head and text.startswith(head):
                got = self._consume(el, text, k)
                if got is not None:
                    return got
        return None

    def _consume(self, el: Any, text: str, k: int) -> _Placed | None:
        spans = []
        done = 0
        lines = []
        while done < len(text):
            if k >= len(self.lines):
                return None
            piece = self.squeezed[k]
            if not piece or not text.startswith(piece, done):
                return None
            spans.append((done, done + len(piece)))
            lines.append(k)
            done += len(piece)
            k += 1
        return _Placed(el, lines, spans=spans)

    def match_table(self, tbl: Any, table: Table, cursor: int) -> _Placed | None:
        """A table's rows: each row's lines, its cells' lines split by the columns' edges; a header
        row printed again at the top of a page is noted on the row after it."""
        edges = [g.LEFT]
        for w in table.widths:
            edges.append(edges[-1] + w * g.BODY_W / sum(table.widths))
        rows = tbl.findall(qn("w:tr"))
        texts = [[_squeezed("".join(_text(p) for p in tc.iter(_W_P))) for tc in tr.findall(qn("w:tc"))] for tr in rows]
        placed = _Placed(tbl, [])
        k = cursor
        for i, wanted in enumerate(texts):
            repeated = False
            if i > 0 and k < len(self.lines) and self.lines[k].page != self.lines[k - 1].page:
                got = self._row(texts[0], k, edges)
                if got is not None and texts[0] != wanted:
                    repeated = True
                    k = got[0][-1] + 1
            got = self._row(wanted, k, edges)
            if got is None:
                return None
            line_ids, cells = got
            placed.rows.append((line_ids, repeated))
            placed.cells.append(cells)
            placed.lines += line_ids
            k = line_ids[-1] + 1
        return placed if placed.lines else None

    def _row(self, wanted: list[str], k: int, edges: list[float]) -> tuple[list[int], list[list[str]]] | None:
        cells: list[list[str]] = [[] for _ in wanted]
        got = ["" for _ in wanted]
        ids: list[int] = []
        while got != wanted:
            if k >= len(self.lines) or (ids and self.lines[k].page != self.lines[ids[0]].page):
                return None
            for x, text in self.lines[k].pieces:
                col = max(0, min(len(wanted) - 1, sum(1 for e in edges[1:-1] if x >= e - 0.3)))
                piece = _squeezed(text)
                if not wanted[col].startswith(got[col] + piece):
                    return None
                if cells[col] and len(cells[col]) == len(ids) + 1:
                    cells[col][-1] += piece
                else:
                    cells[col] += [""] * (len(ids) - len(cells[col])) + [piece]
                got[col] += piece
            ids.append(k)
            k += 1
            if len(ids) > 40:
                return None
        return ids, cells

    # -- applying -------------------------------------------------------------------------------

    def apply(self) -> bool:
        found = self.match()
        if found is None:
            return False
        head, k0, placed = found
        self.head(head, k0)
        prev = (1, self.lines[k0 - 1].grid if k0 else 0)
        imprint: list[_Placed] = []
        for item in placed:
            first = self.lines[item.lines[0]]
            if item.element.tag == _W_P and self.style(item.element) == self.ids[S_IMPRINT]:
                imprint.append(item)
                self.paragraph(item, is_imprint=True)
                continue
            self.blank_lines(item, prev, first)
            if first.page > prev[0]:
                self.new_page(item, first.page - prev[0] - 1)
            if item.element.tag == _W_TBL:
                self.table(item)
            else:
                self.paragraph(item, is_imprint=False)
            last = self.lines[item.lines[-1]]
            prev = (last.page, last.grid)
        if imprint:
            self.imprint(imprint, prev)
        return True

    def blank_lines(self, item: _Placed, prev: tuple[int, int], first: PrintedLine) -> None:
        """As many empty paragraphs before ``item`` as the PDF has empty lines there; on a new page,
        only those that still fit the page before (the PDF drops blank lines at a page's top)."""
        n = len(item.blanks)
        want = max(0, first.grid - prev[1] - 1) if first.page == prev[0] else min(n, max(0, g.LINES - prev[1]))
        for p in item.blanks[want:]:
            p.getparent().remove(p)
        for _ in range(want - n):
            item.element.addprevious(_spacer_line(self.ids[S_BODY]))

    def new_page(self, item: _Placed, foreign: int) -> None:
        """``item`` starts a page; before it, empty pages for an attachment file's pages."""
        for _ in range(foreign):
            item.element.addprevious(_spacer(self.ids[S_BODY], page_break=True))
        if item.element.tag == _W_P:
            _pset(item.element, "pageBreakBefore")
        else:
            cell_p = item.element.find(f".//{_W_P}")
            if cell_p is not None:
                _pset(cell_p, "pageBreakBefore")

    def paragraph(self, item: _Placed, is_imprint: bool) -> None:
        """Line breaks where the PDF's lines end; a paragraph the PDF carries over to a new page is
        split there, the part on the next page starting without a first-line indent."""
        p = item.element
        text = item.text  # nothing changed it since it was matched
        index = _visible(text)  # squeezed -> full positions
        cuts = []
        for n, (span, k) in enumerate(zip(item.spans[1:], item.lines[1:], strict=False), 1):
            pos = index[span[0]]
            new_page = self.lines[k].page != self.lines[item.lines[n - 1]].page
            if new_page or text[pos - 1] != "\n":
                cuts.append((pos, new_page))
        condensed = self.condensed(p, text, index, item, is_imprint)
        if len(item.lines) > 1:
            self.indents(p, self.lines[item.lines[0]].x0, self.lines[item.lines[1]].x0, is_imprint)
        # split once, for both: a long paragraph has many lines (no line end falls inside a
        # condensed line, so the runs are those two passes would make)
        starts = _runs_at(p, [x for span, _ in condensed for x in span] + [pos for pos, _ in cuts])
        for (a, end), val in condensed:
            r, last = starts[a], starts[end]
            while r is not None and r is not last:
                if r.tag == _W_R:
                    _rset(r, "spacing", val=val)
                r = r.getnext()
        for pos, new_page in reversed(cuts):
            if new_page:
                rest = _split_paragraph_at(p, starts[pos])
                _pset(rest, "pageBreakBefore")
                _pset(rest, "ind", firstLine="0", firstLineChars="0", hanging="0", hangingChars="0")
                if _alignment(self.styles, p) == "both":
                    _pset(p, "jc", val="distribute")
            else:
                _break_before(p, starts[pos])

    def condensed(
        self, p: Any, text: str, index: list[int], item: _Placed, is_imprint: bool
    ) -> list[tuple[tuple[int, int], str]]:
        """The lines to condense, as (characters, spacing): those whose text would run past the
        line's end in Word or LibreOffice (punctuation the PDF set at half width, a Latin face
        wider than the PDF's)."""
        size, tracking = _size_and_tracking(self.styles, p)
        right = g.CHAR_4 if is_imprint else 0.0
        bounds = [index[s[0]] for s in item.spans] + [len(text)]
        condensed: list[tuple[tuple[int, int], str]] = []
        for n, k in enumerate(item.lines):
            a, b = bounds[n], bounds[n + 1]
            piece = text[a:b].rstrip()
            if "\t" in piece:
                continue
            room = (g.RIGHT - right - self.lines[k].x0) * g.MM
            val = _condensed(piece, size, tracking, room)
            if val is not None:
                condensed.append(((a, a + len(piece)), val))
        return condensed

    def indents(self, p: Any, x_first: float, x_rest: float, is_imprint: bool) -> None:
        """Indents of a wrapped paragraph as the PDF set them (names aligned after a label)."""
        if _alignment(self.styles, p) in ("center", "right"):
            return
        left = round((x_rest - g.LEFT) * TWIPS_PER_MM)
        first = round((x_first - x_rest) * TWIPS_PER_MM)
        have = self.styles.indents(self.style(p))
        if abs(have[0] - left) <= 20 and abs(have[1] - first) <= 20:
            return
        right = round(g.CHAR_4 * TWIPS_PER_MM) if is_imprint else 0
        attrs = {"left": str(max(0, left)), "leftChars": "0", "right": str(right), "rightChars": "0"}
        if first >= 0:
            attrs.update(firstLine=str(first), firstLineChars="0")
        else:
            attrs.update(hanging=str(-first), hangingChars="0")
        ind = _pset(p, "ind")
        for key in list(ind.attrib):
            del ind.attrib[key]
        for key, val in attrs.items():
            ind.set(qn(f"w:{key}"), val)

    def table(self, item: _Placed) -> None:
        """The PDF's column widths, each row as high as its lines, rows never split, each cell's
        lines broken where the PDF broke them."""
        tbl, table = item.element, item.table
        if table is None:
            return
        _table_frame(tbl, table)
        for tr, (ids, _repeated), cells in zip(tbl.findall(qn("w:tr")), item.rows, item.cells, strict=False):
            trpr = tr.find(qn("w:trPr"))
            if trpr is None:
                trpr = _element("w:trPr")
                tr.insert(0, trpr)
            if trpr.find(qn("w:cantSplit")) is None:
                trpr.insert(0, _element("w:cantSplit"))
            height = trpr.find(qn("w:trHeight"))
            if height is None:
                height = _element("w:trHeight")
                trpr.append(height)
            header = tr is tbl.find(qn("w:tr"))
            # the table's top and bottom rules add their widths to its height in LibreOffice: the
            # header row (on every page the table reaches) gives them back
            height.set(qn("w:val"), str(round(len(ids) * g.DOCX_LINE_PT * 20) - (_TABLE_RULES if header else 0)))
            height.set(qn("w:hRule"), "exact")
            for k, (tc, lines) in enumerate(zip(tr.findall(qn("w:tc")), cells, strict=False)):
                p = tc.find(_W_P)
                if p is None:
                    continue
                lines = [ln for ln in lines if ln]
                single = len(lines) <= 1
                _pset(p, "jc", val="center" if header or (single and k != 2) else ("left" if single else "both"))
                text = _text(p)
                index = _visible(text)
                done = 0
                cuts = []
                for ln in lines[:-1]:
                    done += len(ln)
                    if done < len(index):
                        cuts.append(index[done])
                width = (sum(table.widths[: k + 1]) - sum(table.widths[:k])) * g.BODY_W / sum(table.widths)
                self.fit_cell(p, text, [0, *cuts], width - 2 * _CELL_PAD)
                starts = _runs_at(p, cuts)
                for cut in reversed(cuts):
                    _break_before(p, starts[cut])

    def fit_cell(self, p: Any, text: str, starts: list[int], room_mm: float) -> None:
        size, tracking = _size_and_tracking(self.styles, p)
        bounds = [*starts, len(text)]
        for a, b in itertools.pairwise(bounds):
            piece = text[a:b].strip()
            val = _condensed(piece, size, tracking, room_mm * g.MM)
            if val is not None:
                for r in _runs_between(p, a, b):
                    _rset(r, "spacing", val=val)

    # -- the 版头 and the 版记 ----------------------------------------------------------------------

    def head(self, items: list[Any], k0: int) -> None:
        """The 标志 at the PDF's height (its baseline), then an exact gap down to the PDF's line of
        the 发文字号 (or 期号, or first 签发人 row): the title then falls on the PDF's line too."""
        head = [ln for ln in self.lines[:k0] if ln.page == 1]
        marks = [ln for ln in head if ln.size > g.SIZE_3 + 1 and ln.baseline > g.MARK_INK_TOP]
        rest = [ln for ln in head if marks and ln.baseline > marks[-1].baseline and abs(ln.size - g.SIZE_3) <= 1]
        if not marks or not rest:
            return
        top = _GRID_TOP + 3 * _DOCX_PITCH  # below the three lines kept for 份号, 密级, 紧急程度
        mark_ps = [el for el in items if el.tag == _W_P and self.style(el) == self.ids[S_MARK]]
        tables = [el for el in items if el.tag == _W_TBL]
        if mark_ps:
            bottom = top + _exact_line(mark_ps[0], (marks[0].baseline - top) / _FIXED_ASCENT)
            anchor = mark_ps[0]
        elif tables:
            bottom = top + self.joint_head(tables[0], marks, top)
            anchor = tables[0]
        else:
            return
        spacer = next((el for el in anchor.itersiblings() if el.tag == _W_P and not _squeezed(_text(el))), None)
        if spacer is None:
            return
        target = _GRID_TOP + (rest[0].grid - 1) * _DOCX_PITCH - _SLACK
        _exact_line(spacer, max(target - bottom, 0.4))
        self.signer_rows(items)
        lined = None
        for el in items:
            if el.tag == _W_P and self.style(el) in (self.ids[S_NUMBER], self.ids[S_NUMBER_UP], self.ids[S_ISSUE]):
                _pset(el, "spacing", before="0", beforeLines="0")
            if el.tag == _W_P and _bottom_border_pt(self.styles, el):
                lined = el
        if lined is not None:  # the red line's width and distance add to its paragraph's height:
            after = next((el for el in lined.itersiblings() if el.tag == _W_P), None)  # the blank line
            if after is not None and not _squeezed(_text(after)):  # below gives them back
                _exact_line(after, _DOCX_PITCH - _bottom_border_pt(self.styles, lined) / g.MM)

    def signer_rows(self, items: list[Any]) -> None:
        """More than two 签发人 (§7.2.6): two names a line, the label before the first line, the
        lines aligned on their first name, the 发文字号 on the last line (its paragraph keeps the
        red line below): a paragraph per line, placed by tab stops as the PDF places them."""
        signers = self.comp.head.signers
        number = next((el for el in items if el.tag == _W_P and self.style(el) == self.ids[S_NUMBER_UP]), None)
        if len(signers) <= 2 or number is None:
            return
        runs = list(number.iterchildren(_W_R))
        label_rpr = next(
            (_first(r, _W_RPR) for r in runs if "签发人" in "".join(t.text or "" for t in r.iter(_W_T))), None
        )
        names_rpr = runs[-1].find(_W_RPR) if runs else None
        rows = ["　".join(signers[i : i + 2]) for i in range(0, len(signers), 2)]
        names_x = g.BODY_W - g.CHAR - max(_width_mm(r) for r in rows)
        label = "签发人："
        label_x = names_x - _width_mm(label)
        for k, row in enumerate(rows[:-1]):
            p = _element("w:p")
            ppr = _copy(_first(number, _W_PPR))
            p.append(ppr)
            _borders(p, {})
            _pset(p, "pBdr").append(_nil("bottom"))
            _tab_stops(p, [("left", label_x if k == 0 else names_x)], clear=g.BODY_W - g.CHAR)
            text = ("\t" + label) if k == 0 else "\t"
            p.append(_run(text, label_rpr))
            p.append(_run(row, names_rpr))
            number.addprevious(p)
        for r in runs[1:]:
            number.remove(r)
        number.append(_run("\t", label_rpr))
        number.append(_run(rows[-1], names_rpr))
        _tab_stops(number, [("left", names_x)], clear=g.BODY_W - g.CHAR)

    def joint_head(self, tbl: Any, marks: list[PrintedLine], top: float) -> float:
        """A joint 标志's stacked names at the PDF's baselines; returns the table's height (mm)."""
        ps = [p for p in tbl.iter(_W_P)]
        names = [p for p in ps if _squeezed(_text(p))]
        if not names:
            return 0.0
        lefts = names[: len([ln for ln in marks if ln.x0 < g.CENTRE_X])] or names[:1]
        used = 0.0
        baselines = [ln.baseline for ln in marks if ln.x0 < g.CENTRE_X] or [marks[0].baseline]
        for p, base in zip(lefts, baselines, strict=False):
            height = max((base - top - used) / _FIXED_ASCENT, 1.0)
            _exact_line(p, height)
            used += height
        for p in names[len(lefts) :]:  # 文件, centred on the names by the cell
            _pset(p, "snapToGrid", val="0")
        return used

    def imprint(self, rows: list[_Placed], prev: tuple[int, int]) -> None:
        """The 版记 in the text flow, on the PDF's page (after the pages the PDF adds without a
        page number: a new section whose footers have none), its first rule where the PDF draws
        it and its last on the 版心 bottom: an exact gap above it, its rows exact lines."""
        page = self.lines[rows[0].lines[0]].page
        first = rows[0].element
        spacers = []
        if page > prev[0]:
            body_end = first.getprevious()
            if body_end is not None and body_end.tag != _W_P:  # a table: the section ends in a paragraph
                body_end.addnext(_spacer(self.ids[S_BODY], page_break=False, twips=2))
                body_end = body_end.getnext()
            breaks = page - prev[0]
            if all(not n for n in self.printed.numbered[prev[0] : page]) and body_end is not None:
                _section_without_numbers(self.doc, body_end)  # its first page is the next
                breaks -= 1
                spacers.append(_spacer(self.ids[S_BODY], page_break=False))
            spacers += [_spacer(self.ids[S_BODY], page_break=True) for _ in range(breaks)]
            above = _GRID_TOP
        else:
            spacers.append(_spacer(self.ids[S_BODY], page_break=False))
            above = _GRID_TOP + prev[1] * _DOCX_PITCH
        for spacer in spacers:
            first.addprevious(spacer)
        spacer = spacers[-1]
        count = sum(len(r.lines) for r in rows)
        top = g.BOTTOM - count * g.PITCH - g.FOOTER_RULE_THICK / 2
        _exact_line(spacer, max(top - above, 0.4))
        for row in rows:
            self.imprint_tabs(row)
        _imprint_rows([r.element for r in rows], count, framed=False)

    def imprint_tabs(self, row: _Placed) -> None:
        """A 版记 row in the flow spans the 版心 (its rules do): no indents; the text starts 1 字
        (四号) in, a wrapped row's further lines start with a tab to where the PDF starts them."""
        p = row.element
        pad = round(g.CHAR_4 * TWIPS_PER_MM)
        ind = _pset(p, "ind")
        for key in list(ind.attrib):
            del ind.attrib[key]
        for key, val in (("left", "0"), ("leftChars", "0"), ("right", "0"), ("rightChars", "0"),
                         ("firstLine", str(pad)), ("firstLineChars", "0")):  # fmt: skip
            ind.set(qn(f"w:{key}"), val)
        stops = [("right", round(g.BODY_W * TWIPS_PER_MM) - pad)]
        if len(row.lines) > 1:
            stops.append(("left", round((self.lines[row.lines[1]].x0 - g.LEFT) * TWIPS_PER_MM)))
            ends = [i + 1 for i, ch in enumerate(_text(p)) if ch == "\n"]
            starts = _runs_at(p, ends)
            for pos in reversed(ends):
                at = starts[pos]
                if at is not None:
                    tab = _copy(at)
                    for child in [c for c in tab if c.tag != _W_RPR]:
                        tab.remove(child)
                    tab.append(_element("w:tab"))
                    at.addprevious(tab)
        old = _ppr(p).find(qn("w:tabs"))
        if old is not None:
            _ppr(p).remove(old)
        tabs = _pset(p, "tabs")
        for kind, pos in sorted(stops, key=lambda s: s[1]):
            tab = _element("w:tab")
            tab.set(qn("w:val"), kind)
            tab.set(qn("w:pos"), str(pos))
            tabs.append(tab)


_SLACK = 0.06  # mm: 22 exact lines fill the DOCX's type area to 0.08 mm; rounding must not pass it


def _bottom_border_pt(styles: _StyleSheet, p: Any) -> float:
    """The height (pt) a paragraph's bottom border adds below it: its width and its distance."""
    ppr = _first(p, _W_PPR)
    style_el = _first(ppr, _W_PSTYLE) if ppr is not None else None
    style = styles.by_id(style_el.get(qn("w:val"))) if style_el is not None else None
    for el in (ppr, _first(style, _W_PPR) if style is not None else None):
        bottom = el.find(f"{qn('w:pBdr')}/{qn('w:bottom')}") if el is not None else None
        if bottom is not None and bottom.get(qn("w:val")) not in (None, "nil", "none"):
            return int(bottom.get(qn("w:sz")) or 0) / 8 + int(bottom.get(qn("w:space")) or 0)
    return 0.0


def _spacer_line(style_id: str) -> Any:
    p = _element("w:p")
    _pset(p, "pStyle", val=style_id)
    return p


def _nil(side: str) -> Any:
    el = _element(f"w:{side}")
    el.set(qn("w:val"), "nil")
    return el


def _run(text: str, rpr: Any) -> Any:
    """A run of ``text`` (tabs as w:tab) with a copy of ``rpr``."""
    r = _element("w:r")
    if rpr is not None:
        r.append(_copy(rpr))
    for k, piece in enumerate(text.split("\t")):
        if k:
            r.append(_element("w:tab"))
        if piece:
            t = _element("w:t")
            t.text = piece
            t.set(_XML_SPACE, "preserve")
            r.append(t)
    return r


def _tab_stops(p: Any, stops: list[tuple[str, float]], clear: float | None = None) -> None:
    """A paragraph's own tab stops (mm from the left margin); ``clear``: a style's stop to drop."""
    old = _ppr(p).find(qn("w:tabs"))
    if old is not None:
        _ppr(p).remove(old)
    tabs = _pset(p, "tabs")
    entries = [(kind, mm) for kind, mm in stops] + ([("clear", clear)] if clear is not None else [])
    for kind, mm in sorted(entries, key=lambda e: e[1]):
        tab = _element("w:tab")
        tab.set(qn("w:val"), kind)
        tab.set(qn("w:pos"), str(round(mm * TWIPS_PER_MM)))
        tabs.append(tab)


def _exact_line(p: Any, height_mm: float) -> float:
    """Make ``p`` one exact line of ``height_mm``, off the line grid; returns the height."""
    twips = max(20, round(height_mm * TWIPS_PER_MM))
    _pset(p, "snapToGrid", val="0")
    _pset(p, "spacing", line=str(twips), lineRule="exact", before="0", after="0", beforeLines="0", afterLines="0")
    return twips / TWIPS_PER_MM


def _all_blocks(comp: Composition) -> list[Block]:
    """The body's blocks, then each typeset attachment's: the DOCX's order."""
    out = list(comp.blocks)
    for a in comp.attachments:
        if a.body or a.file:
            out += list(a.body)
    return out


def _alignment(styles: _StyleSheet, p: Any) -> str | None:
    ppr = _first(p, _W_PPR)
    jc = next(ppr.iterchildren(_W_JC), None) if ppr is not None else None
    if jc is not None:
        return cast("str | None", jc.get(_W_VAL))  # lxml: untyped
    style_el = _first(ppr, _W_PSTYLE) if ppr is not None else None
    return styles.alignment(style_el.get(_W_VAL)) if style_el is not None else "left"


def _style_indents(style: Any) -> tuple[int, int]:
    """(left, first line) in twips as a style sets them (hanging as a negative first line)."""
    ind = style.find(f"{_W_PPR}/{qn('w:ind')}") if style is not None else None
    if ind is None:
        return 0, 0
    left = int(ind.get(qn("w:left")) or 0)
    first = int(ind.get(qn("w:firstLine")) or 0) - int(ind.get(qn("w:hanging")) or 0)
    return left, first


def _size_and_tracking(styles: _StyleSheet, p: Any) -> tuple[float, float]:
    """The font size (pt) of a paragraph's text and its character spacing (pt)."""
    size, tracking = None, None
    r = next(p.iterchildren(_W_R), None)
    rpr = _first(r, _W_RPR) if r is not None else None
    if rpr is not None:
        sz, sp = next(rpr.iterchildren(_W_SZ), None), next(rpr.iterchildren(_W_SPACING), None)
        size = int(sz.get(_W_VAL)) / 2 if sz is not None else None
        tracking = int(sp.get(_W_VAL)) / 20 if sp is not None else None
    ppr = _first(p, _W_PPR)
    style_el = _first(ppr, _W_PSTYLE) if ppr is not None else None
    inherited = styles.size_and_tracking(style_el.get(_W_VAL) if style_el is not None else None)
    return (size if size is not None else inherited[0]) or g.SIZE_3, (
        tracking if tracking is not None else inherited[1]
    ) or 0.0


def _condensed(text: str, size: float, tracking: float, room: float) -> str | None:
    """The character spacing (twentieths of a point) that makes a line of ``text`` fit ``room``
    (pt) with 1 pt to spare, when its own spacing ``tracking`` (pt) does not; else None.

    CJK characters are as wide as the size, Latin ones as in Times New Roman (Liberation Serif in
    LibreOffice). The spacing applies to each character but the last of the line and the last
    before a hidden mark (``_unspace``): LibreOffice drops it there.
    """
    chars = text.replace("\n", "")
    if len(chars) < 2:
        return None
    natural = sum(map(_widths(size).__getitem__, chars))
    spaced = len(chars) - 1 - len(_script_changes(chars))
    if natural + spaced * tracking <= room - 0.5 or spaced <= 0:
        return None
    return str(math.floor((room - 1.0 - natural) / spaced * 20))


class _Widths(dict[str, float]):
    """Each character's width (pt) at one size, as ``_condensed`` counts it: looked up in C."""

    def __init__(self, size: float) -> None:
        super().__init__()
        self.size = size

    def __missing__(self, ch: str) -> float:
        if len(self) > 4096:
            self.clear()
        width = self[ch] = self.size if is_wide(ch) else _latin_width(ch, self.size)
        return width


@functools.lru_cache(maxsize=16)
def _widths(size: float) -> _Widths:
    return _Widths(size)


@functools.cache
def _latin_width(ch: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(ch, "Times-Roman", size))


_CELL_PAD = 0.8  # mm, as the PDF pads a cell
_TABLE_RULES = 20  # twips: a table's top and bottom rules (0.5 pt each)


def _table_frame(tbl: Any, table: Table) -> None:
    """Fixed layout over the 版心: the PDF's column widths, its cell padding, no cell spacing."""
    widths = [round(w * g.BODY_W / sum(table.widths) * TWIPS_PER_MM) for w in table.widths]
    pad = round(_CELL_PAD * TWIPS_PER_MM)
    tbl_pr = tbl.find(qn("w:tblPr"))
    for name in ("tblW", "tblInd", "tblLayout", "tblCellMar", "jc"):
        old = tbl_pr.find(qn(f"w:{name}"))
        if old is not None:
            tbl_pr.remove(old)
    order = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
             "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")  # fmt: skip
    _child(tbl_pr, "tblW", order).attrib.update({qn("w:w"): str(sum(widths)), qn("w:type"): "dxa"})
    _child(tbl_pr, "tblInd", order).attrib.update({qn("w:w"): str(pad), qn("w:type"): "dxa"})  # the rule on 28 mm
    _child(tbl_pr, "tblLayout", order).set(qn("w:type"), "fixed")
    margins = _child(tbl_pr, "tblCellMar", order)
    for side, val in (("top", 0), ("left", pad), ("bottom", 0), ("right", pad)):
        el = _element(f"w:{side}")
        el.set(qn("w:w"), str(val))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    grid = tbl.find(qn("w:tblGrid"))
    if grid is not None:
        for col in list(grid):
            grid.remove(col)
        for w in widths:
            col = _element("w:gridCol")
            col.set(qn("w:w"), str(w))
            grid.append(col)
    for tr in tbl.findall(qn("w:tr")):
        for tc, w in zip(tr.findall(qn("w:tc")), widths, strict=False):
            tc_pr = tc.find(qn("w:tcPr"))
            if tc_pr is None:
                tc_pr = _element("w:tcPr")
                tc.insert(0, tc_pr)
            tc_w = tc_pr.find(qn("w:tcW"))
            if tc_w is None:
                tc_w = _element("w:tcW")
                tc_pr.insert(0, tc_w)
            tc_w.set(qn("w:w"), str(w))
            tc_w.set(qn("w:type"), "dxa")


def _tables(doc: Any, styles: _StyleSheet, comp: Composition) -> None:
    """Every table of the body in the PDF's columns, its rows never split across pages."""
    body = doc.element.body
    found = [el for el in body.iterchildren(_W_TBL)]
    title = styles.by_name(S_TITLE)
    title_id = title.get(qn("w:styleId")) if title is not None else None
    head = 0
    for el in body:  # a joint 标志 is a table before the title
        style = el.find(f"{_W_PPR}/{_W_PSTYLE}") if el.tag == _W_P else None
        if style is not None and style.get(qn("w:val")) == title_id:
            break
        head += el.tag == _W_TBL
    tables = [b.table for b in _all_blocks(comp) if b.kind == BlockKind.TABLE and b.table is not None]
    for tbl, table in zip(found[head:], tables, strict=False):
        grid = tbl.find(qn("w:tblGrid"))
        if grid is None or len(grid) != len(table.widths):
            continue
        _table_frame(tbl, table)
        for tr in tbl.findall(qn("w:tr")):
            trpr = tr.find(qn("w:trPr"))
            if trpr is None:
                trpr = _element("w:trPr")
                tr.insert(0, trpr)
            if trpr.find(qn("w:cantSplit")) is None:
                trpr.insert(0, _element("w:cantSplit"))


def _section_without_numbers(doc: Any, last: Any) -> None:
    """End a section after paragraph ``last``: the pages after it (the blank page and the 版记's
    page the PDF adds) have footers without a page number."""
    from docx.section import Section

    final = doc.element.body.find(qn("w:sectPr"))
    copy = _copy(final)
    kind = copy.find(qn("w:type"))
    if kind is not None:
        copy.remove(kind)
    ppr = _ppr(last)
    ppr.replace(_child(ppr, "sectPr", PPR_ORDER), copy)
    numbered = Section(copy, doc.part)
    models = [numbered.footer._element, numbered.even_page_footer._element]
    for ref in final.findall(qn("w:footerReference")):
        final.remove(ref)  # the relationships stay: the section before still uses them
    section = Section(final, doc.part)
    for footer, model in zip((section.footer, section.even_page_footer), models, strict=False):
        footer.is_linked_to_previous = False
        root = footer._element
        for child in list(root):
            root.remove(child)
        for p in model.findall(_W_P):  # the same paragraph, so the same footer height, less its text
            blank = _copy(p)
            for r in list(blank.iterchildren(_W_R)):
                blank.remove(r)
            root.append(blank)


# ---- LibreOffice's space between CJK and Latin -----------------------------------------------------


@functools.cache
def _script(ch: str) -> int:
    """0 for a character that is not a letter or digit, 1 for a CJK one, 2 for another: LibreOffice
    puts its automatic space between a 1 and a 2 (it ignores w:autoSpaceDE/DN in a DOCX)."""
    if not ch.isalnum():
        return 0
    return 1 if unicodedata.east_asian_width(ch) in ("W", "F") else 2


class _Scripts(dict[int, str]):
    """Each character's ``_script`` as a digit, for str.translate: the text's scripts in one call."""

    def __missing__(self, code: int) -> str:
        if len(self) > 8192:
            self.clear()
        digit = self[code] = str(_script(chr(code)))
        return digit


_SCRIPTS = _Scripts()
_ALL_TEXT = etree.XPath("string()", smart_strings=False)  # every text within an element, joined
_SCRIPT_CHANGE = re.compile(r"(?<=1)(?=2)|(?<=2)(?=1)")


def _script_changes(text: str) -> list[int]:
    """Where ``text`` passes between a CJK letter or digit and another (each position after it)."""
    digits = text.translate(_SCRIPTS)
    if "1" not in digits or "2" not in digits:
        return []
    return [m.start() for m in _SCRIPT_CHANGE.finditer(digits)]


def _unspace(root: Any) -> None:
    """Between a CJK letter and a Latin letter or digit, a hidden soft hyphen: LibreOffice puts
    no automatic space next to it, so "2026年12月" keeps no gap, as in the PDF, in Word and in
    WPS (which follow w:autoSpaceDE/DN="0"). It is neither printed nor part of the text."""
    for p in root.iter(_W_P):
        letters = _ALL_TEXT(p).translate(_SCRIPTS)
        if "1" not in letters or "2" not in letters:
            continue  # nor has its text, made of some of these letters: most paragraphs, read in C
        cuts = _script_changes(_text(p))
        if not cuts:
            continue
        starts = _runs_at(p, cuts)
        for pos in reversed(cuts):
            at = starts[pos]
            run = _copy(_prototype_run("w:softHyphen"))
            rpr = _first(at, _W_RPR)
            if rpr is not None:
                run.insert(0, _copy(rpr))
            _rset(run, "vanish")
            at.addprevious(run)


def _anchor_imprint(doc: Any, styles: _StyleSheet) -> None:
    """Without the PDF's lines: the 版记 in a frame anchored to the page, its last rule on the
    版心 bottom (262 mm). All rows share one frame (identical framePr), so Word and LibreOffice
    keep them together; a row's lines are counted by its line breaks."""
    rows = [p._p for p in _styled(doc, styles, S_IMPRINT)]
    if rows:
        _imprint_rows(rows, sum(1 + sum(1 for _ in p.iter(_W_BR)) for p in rows), framed=True)


_UNFRAMED = [f"{_W_PPR}/{qn(f'w:{name}')}" for name in ("framePr", "pBdr")]  # each row carries its own rules


def _unframe_style(doc: Any, styles: _StyleSheet) -> None:
    """The 版记 style without a frame (older templates set it there): rows in the flow."""
    style = styles.by_name(S_IMPRINT)
    if style is None or all(style.find(path) is None for path in _UNFRAMED):
        return
    part = doc.part._styles_part
    if isinstance(part, _LazyXml) and part.pristine:
        part.source = _unframed(part.source)  # the same for every document of the template
    else:
        _unframe(part.element)


@functools.lru_cache(maxsize=8)
def _unframed(blob: bytes) -> bytes:
    styles = _copy(_parsed(blob))
    _unframe(styles)
    return serialize_part_xml(styles)


def _unframe(styles: Any) -> None:
    style = styles.get_by_name(S_IMPRINT)
    for path in _UNFRAMED:
        el = style.find(path)
        if el is not None:
            el.getparent().remove(el)


def _imprint_rows(rows: list[Any], lines: int, framed: bool) -> None:
    """The 版记's rows as exact lines: a thick rule above the first and below the last, a thin
    one above the 印发 row (the last) when a 抄送 stands above it; in the flow each row carries
    its own rules, in a frame they come from the style (LibreOffice splits a frame where its
    paragraphs' borders differ, and draws no rule between rows)."""
    pitch = g.PITCH * g.MM  # pt
    if framed:
        line = (
            lines * pitch - g.FOOTER_RULE_THICK * g.MM / 2 - _IMPRINT_BETWEEN * (len(rows) - 1) - _IMPRINT_ENDS
        ) / lines
    else:
        rules = 2 * _RULE_THICK_PT + (_RULE_THIN_PT if len(rows) > 1 else 0.0)
        line = (lines * pitch + g.FOOTER_RULE_THICK * g.MM / 2 - rules) / lines
    top_mm = g.BOTTOM - lines * g.PITCH - _IMPRINT_RULE_DROP
    for k, p in enumerate(rows):
        ppr = _ppr(p)
        old = ppr.find(qn("w:framePr"))
        if old is not None:
            ppr.remove(old)
        if framed:
            frame = _pset(p, "framePr")
            for key, val in (("w", str(round(g.BODY_W * TWIPS_PER_MM))), ("hAnchor", "margin"), ("vAnchor", "page"),
                             ("x", "0"), ("y", str(round(top_mm * TWIPS_PER_MM))), ("wrap", "notBeside")):  # fmt: skip
                frame.set(qn(f"w:{key}"), val)  # the rules: the style's (direct ones split the frame)
        else:
            sides = {}
            if k == 0:
                sides["top"] = _RULE_THICK_PT
            if k == len(rows) - 1:
                sides["bottom"] = _RULE_THICK_PT
                if k:
                    sides["top"] = _RULE_THIN_PT
            _borders(p, sides)
            _pset(p, "snapToGrid", val="0")
        _pset(p, "spacing", line=str(round(line * 20)), lineRule="exact", before="0", after="0")


_RULE_THICK_PT = g.FOOTER_RULE_THICK * g.MM  # ~1 pt (w:sz 8)
_RULE_THIN_PT = g.FOOTER_RULE_THIN * g.MM  # ~0.75 pt (w:sz 6)


def _borders(p: Any, sides: dict[str, float], space: int = 0) -> None:
    """A paragraph's own borders: the given sides (width in pt) in black, ``space`` pt from the
    text. Only those sides are written: LibreOffice leaves out a rule between two paragraphs
    whose borders name the other sides "nil"."""
    old = _ppr(p).find(qn("w:pBdr"))
    if old is not None:
        _ppr(p).remove(old)
    bdr = _pset(p, "pBdr")
    for side in ("top", "left", "bottom", "right", "between"):
        if side in sides:
            el = _element(f"w:{side}")
            for key, val in (("val", "single"), ("sz", str(round(sides[side] * 8))), ("space", str(space)),
                             ("color", "000000")):  # fmt: skip
                el.set(qn(f"w:{key}"), val)
            bdr.append(el)


# measured in LibreOffice: the top rule's centre lies 0.18 mm under the frame's top; each border
# between two rows adds 2 pt, the top and bottom borders 5 pt together
_IMPRINT_RULE_DROP = 0.18  # mm
_IMPRINT_BETWEEN = 2.0  # pt
_IMPRINT_ENDS = 5.0  # pt


def render_docx(comp: Composition, template: bytes, properties: dict[str, object] | None = None,
                printed: PrintedLayout | None = None) -> bytes:  # fmt: skip
    """Render the template with the composition; returns the DOCX bytes. ``properties`` are
    further core properties (the archive's version metadata). ``printed``: the lines of fawen's
    own PDF of the composition (``printed_layout``); the DOCX then breaks its lines and pages
    where the PDF does, so Word and LibreOffice show the same pages."""
    tpl = _Template(template)
    tpl.render(context(comp), jinja_env=_ENV, autoescape=True)
    doc = tpl.docx
    styles = _style_sheet(doc)
    _adjust(doc, styles, comp)
    _tables(doc, styles, comp)
    followed = False
    if printed is not None:
        follower = _Follower(doc, styles, comp, printed)
        try:
            followed = follower.usable and follower.apply()
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            # a template this code does not know may still surprise it: the plain DOCX then
            return render_docx(comp, template, properties)
    if followed:
        _unframe_style(doc, styles)
    else:
        _anchor_imprint(doc, styles)
    _unspace(doc.element.body)
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
    return _save(doc)
