"""The archival copy as an OFD-A package (GB/T 33190-2016 OFD, GB/T 42133-2022 OFD-A): the pages
the typesetter drew, glyph for glyph, written natively rather than converted from the PDF.

Plain data in, bytes out: the pages (runs, rules, pictures), the fonts (widths and embeddable
programs), the DA/T 46 metadata, the 归档章 and renderings of attached files. No clock, no disk:
the same input gives the same bytes, so the archive's manifest digest catches any change.

OFD units are millimetres with y downward from the page's top-left corner, as fawen's own. The
package:

    OFD.xml                                  DocType OFD-A, DocInfo with the DA/T 46 CustomDatas
    Doc_0/Document.xml                       CommonData (MaxUnitID, A4 PageArea), Pages, Annotations
    Doc_0/PublicRes.xml, Doc_0/Res/font_N.ttf   embedded TrueType subsets (Unicode cmap), sRGB
    Doc_0/DocumentRes.xml, Doc_0/Res/image_N.*  seal images, renderings of attached pages
    Doc_0/Pages/Page_N/Content.xml           one Body layer: images, paths, text
    Doc_0/Annots/Annotations.xml, Page_0/Annotation.xml   the 归档章: a Stamp annotation

Each run is one TextObject: TextCode X/Y at the first glyph's origin (its baseline), DeltaX the
advance from each glyph to the next (its width plus the run's spacing, times its horizontal
scale), written out in full: no "g" compression. The 归档章 is not page content: GB/T 42133 keeps
the archive's marks apart from the document, so it is an annotation whose appearance draws the
same red box and text as the PDF's (stamp._archive_stamp).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import uuid
import zipfile
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

from lxml import etree

from pipeline import gbt9704 as g
from pipeline import pdfa
from pipeline.frozen import frozen

NS = "http://www.ofdspec.org/2016"
OFD_VERSION = "1.0"  # the format version GB/T 33190-2016 defines
DOC_TYPE = "OFD-A"  # GB/T 33190-2016: the file conforms to the OFD archiving profile (GB/T 42133)
PAGE_BOX = (0.0, 0.0, g.PAGE_W, g.PAGE_H)
MM = g.MM  # points per mm
DOC = "Doc_0"

# The 归档章 as stamp._archive_stamp draws it (mm, y down): a 2 x 3 box, top centre.
STAMP_W, STAMP_H = g.ARCHIVE_STAMP_W, g.ARCHIVE_STAMP_H  # the 归档章 where the PDF copy has it
STAMP_TOP = g.ARCHIVE_STAMP_TOP
STAMP_SIZE = g.ARCHIVE_STAMP_SIZE  # pt
STAMP_OUTER, STAMP_INNER = g.ARCHIVE_STAMP_OUTER, g.ARCHIVE_STAMP_INNER
STAMP_LABELS = (("全宗号", "年度", "件号"), ("机构（问题）", "保管期限", "页数"))

# How far a text object's boundary reaches around its glyphs' origins (ems): GB/T 33190 clips
# a graphic unit to its Boundary, so it takes in ascenders, descenders and overhangs.
TEXT_ABOVE, TEXT_BELOW, TEXT_SIDE = 1.3, 0.5, 0.25
ATTACHED_DPI = 200  # renderings of attached files' pages
CLEAR_BELOW = 0.4  # ems below a baseline: clear of the descenders

Colour = tuple[float, float, float]


# ---- what comes in ---------------------------------------------------------------------------


class RunLike(Protocol):
    """A run of glyphs (typeset_pdf.Run): x and baseline in mm, size and spacing in pt."""

    @property
    def x(self) -> float: ...
    @property
    def baseline(self) -> float: ...
    @property
    def font(self) -> str: ...
    @property
    def size(self) -> float: ...
    @property
    def text(self) -> str: ...
    @property
    def char_space(self) -> float: ...
    @property
    def color(self) -> Colour: ...
    @property
    def hscale(self) -> float: ...


class RuleLike(Protocol):
    """A straight line (typeset_pdf.Rule), mm from the top-left; ``width`` its stroke."""

    @property
    def x1(self) -> float: ...
    @property
    def y1(self) -> float: ...
    @property
    def x2(self) -> float: ...
    @property
    def y2(self) -> float: ...
    @property
    def width(self) -> float: ...
    @property
    def color(self) -> Colour: ...


class PictureLike(Protocol):
    """A PNG or JPEG image placed in a box (typeset_pdf.Picture, or ``Placed``), mm."""

    @property
    def data(self) -> bytes: ...
    @property
    def x(self) -> float: ...
    @property
    def top(self) -> float: ...
    @property
    def w(self) -> float: ...
    @property
    def h(self) -> float: ...


class PageLike(Protocol):
    """One page as drawn (typeset_pdf.Page)."""

    @property
    def runs(self) -> Sequence[RunLike]: ...
    @property
    def rules(self) -> Sequence[RuleLike]: ...
    @property
    def pictures(self) -> Sequence[PictureLike]: ...


@frozen
class FontProgram:
    """An embeddable font: a TrueType file holding (at least) the glyphs asked for, with a
    Unicode cmap, and the names and style a reader shows."""

    data: bytes
    name: str
    family: str
    bold: bool = False
    italic: bool = False
    fixed_width: bool = False


class OfdFonts(Protocol):
    """What the writer needs from the font edge (pipeline.ofdfonts.EmbeddedFonts)."""

    def font_for(self, char: str, role: str) -> str: ...
    def width(self, name: str, text: str, size: float) -> float: ...
    def program(self, name: str, chars: str) -> FontProgram: ...


@frozen
class OfdMetadata:
    """The document and the DA/T 46 elements fawen records for this copy."""

    title: str
    author: str
    created: dt.date  # CreationDate, and the 归档章's LastModDate
    archive_code: str  # 档号
    fonds: str  # 全宗号
    year: int  # 年度
    item: int  # 件号
    problem: str  # 机构（问题）
    retention: str  # 保管期限, as printed: 永久, 30年, 10年
    number: str  # 文号 (or 期号)
    date: str  # 成文日期, ISO
    kind: str  # 文种
    pages: int  # 页数
    version: int  # 版本
    state: str  # 稿本: 归档件
    content_digest: str  # 内容 SHA-256: the input and every file it names (dat22.content_digest)
    creator_version: str = ""


@frozen
class StampBox:
    """The 归档章's six cells as printed (DA/T 22): 全宗号, 年度, 件号 over 机构（问题）,
    保管期限, 页数; on page ``page`` (0-based)."""

    cells: tuple[tuple[str, str, str], tuple[str, str, str]]
    page: int = 0


@frozen
class Placed:
    """An image of an attached page's content and where it goes (mm, y down)."""

    data: bytes
    x: float
    top: float
    w: float
    h: float


def custom_data(meta: OfdMetadata) -> tuple[tuple[str, str], ...]:
    """The DA/T 46 elements as OFD CustomData (name, value), in this order."""
    return (("档号", meta.archive_code), ("全宗号", meta.fonds), ("年度", str(meta.year)),
            ("件号", f"{meta.item:04d}"), ("机构（问题）", meta.problem), ("保管期限", meta.retention),
            ("文号", meta.number), ("成文日期", meta.date), ("文种", meta.kind), ("页数", str(meta.pages)),
            ("版本", str(meta.version)), ("稿本", meta.state), ("内容 SHA-256", meta.content_digest))  # fmt: skip


def stamp_of(meta: OfdMetadata) -> StampBox:
    """The 归档章 for this copy, its cells as stamp._archive_stamp prints them."""
    return StampBox(((meta.fonds, str(meta.year), f"{meta.item:04d}"),
                     (meta.problem, meta.retention, str(meta.pages))))  # fmt: skip


# ---- numbers and elements --------------------------------------------------------------------


def num(value: float) -> str:
    """A length in mm as OFD writes it: at most 3 decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def box(x: float, y: float, w: float, h: float) -> str:
    return f"{num(x)} {num(y)} {num(w)} {num(h)}"


def rgb(colour: Colour) -> str:
    return " ".join(str(max(0, min(255, round(v * 255)))) for v in colour)


def _el(parent: Any, tag: str, attrib: Mapping[str, str] | None = None, text: str | None = None) -> Any:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", attrib or {})
    if text is not None:
        node.text = text
    return node


def _root(tag: str, attrib: Mapping[str, str] | None = None) -> Any:
    return etree.Element(f"{{{NS}}}{tag}", attrib or {}, nsmap={"ofd": NS})


def _xml(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class _Ids:
    """Object identifiers: one sequence for the whole document (IDs are unique in a document,
    the largest recorded as MaxUnitID)."""

    def __init__(self) -> None:
        self.last = 0

    def next(self) -> str:
        self.last += 1
        return str(self.last)


# ---- glyphs ----------------------------------------------------------------------------------


@frozen
class _Text:
    """Glyphs of one font, size and colour on one baseline: each (char, x), and where the last
    glyph's advance ends."""

    font: str
    size: float  # pt
    colour: Colour
    hscale: float  # 1.0: as designed
    baseline: float
    glyphs: tuple[tuple[str, float], ...]
    end: float


def _run_text(run: RunLike, fonts: OfdFonts) -> _Text | None:
    """A run's glyph origins: each glyph advances by its width plus the spacing, scaled as Tz
    scales them in the PDF. Leading and trailing spaces are left out (their advance kept): a
    reader may strip them from the TextCode and shift the glyphs after them."""
    scale = run.hscale / 100.0
    origins = [run.x]
    for ch in run.text:
        origins.append(origins[-1] + (fonts.width(run.font, ch, run.size) + run.char_space) * scale / MM)
    shown = [i for i, ch in enumerate(run.text) if not ch.isspace()]
    if not shown:
        return None
    first, last = shown[0], shown[-1]
    glyphs = tuple(zip(run.text[first : last + 1], origins[first : last + 1], strict=True))
    return _Text(run.font, run.size, run.color, scale, run.baseline, glyphs, origins[last + 1])


def _cell_texts(text: str, x: float, baseline: float, fonts: OfdFonts) -> list[_Text]:
    """One cell of the 归档章 from ``x``: a text per stretch of one face, spaces left out."""
    texts: list[_Text] = []
    group: list[tuple[str, float]] = []
    face = ""
    for ch in text:
        font = fonts.font_for(ch, g.ROLE_SONG)
        if group and (font != face or ch.isspace()):
            texts.append(_Text(face, STAMP_SIZE, g.RED_RGB, 1.0, baseline, tuple(group), x))
            group = []
        if not ch.isspace():
            group.append((ch, x))
            face = font
        x += fonts.width(font, ch, STAMP_SIZE) / MM
    if group:
        texts.append(_Text(face, STAMP_SIZE, g.RED_RGB, 1.0, baseline, tuple(group), x))
    return texts


def _stamp_texts(stamp: StampBox, fonts: OfdFonts) -> list[_Text]:
    """The 归档章's cell texts, centred in their cells as stamp._archive_stamp sets them."""
    x0 = (g.PAGE_W - STAMP_W) / 2
    texts: list[_Text] = []
    for r, row in enumerate(stamp.cells):
        baseline = STAMP_TOP + (r + 0.5) * STAMP_H / 2 + STAMP_SIZE * 0.35 / MM
        for k, text in enumerate(row):
            width = sum(fonts.width(fonts.font_for(ch, g.ROLE_SONG), ch, STAMP_SIZE) for ch in text) / MM
            texts += _cell_texts(text, x0 + (k + 0.5) * STAMP_W / 3 - width / 2, baseline, fonts)
    return texts


# ---- resources -------------------------------------------------------------------------------


def _image_format(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\x89PNG"):
        return "PNG", "png"
    if data.startswith(b"\xff\xd8"):
        return "JPEG", "jpg"
    raise ValueError("只能放入 PNG 或 JPEG 图片")


@dataclass
class _Resources:
    """Fonts and images by first use, with their IDs and files."""

    ids: _Ids
    colour_space: str = ""
    fonts: dict[str, str] = field(default_factory=dict)  # reportlab name -> ID
    chars: dict[str, set[str]] = field(default_factory=dict)
    media: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # digest -> ID, file, data

    def font(self, text: _Text) -> str:
        found = self.fonts.get(text.font)
        if found is None:
            found = self.fonts[text.font] = self.ids.next()
            self.chars[text.font] = set()
        self.chars[text.font].update(ch for ch, _ in text.glyphs)
        return found

    def image(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        found = self.media.get(digest)
        if found is None:
            ident = self.ids.next()
            found = self.media[digest] = (ident, f"image_{ident}.{_image_format(data)[1]}", data)
        return found[0]


def _colour(parent: Any, tag: str, colour: Colour, space: str) -> None:
    _el(parent, tag, {"Value": rgb(colour), "ColorSpace": space})


# ---- page content ----------------------------------------------------------------------------


def _clamp(x0: float, y0: float, x1: float, y1: float, area: tuple[float, float, float, float]) -> tuple[float, ...]:
    ax, ay, aw, ah = area
    x0, y0 = max(x0, ax), max(y0, ay)
    x1, y1 = min(x1, ax + aw), min(y1, ay + ah)
    return x0, y0, max(x1 - x0, 0.0), max(y1 - y0, 0.0)


def _text_object(layer: Any, text: _Text, res: _Resources, area: tuple[float, float, float, float]) -> None:
    """A TextObject in ``area`` (its container's box, whose top-left is the origin)."""
    em = text.size / MM
    ox, oy = area[0], area[1]
    first = text.glyphs[0][1]
    left, top, w, h = _clamp(first - TEXT_SIDE * em, text.baseline - TEXT_ABOVE * em, text.end + TEXT_SIDE * em,
                             text.baseline + TEXT_BELOW * em, area)  # fmt: skip
    attrib = {"ID": res.ids.next(), "Boundary": box(left - ox, top - oy, w, h), "Font": res.font(text),
              "Size": num(em)}  # fmt: skip
    if abs(text.hscale - 1.0) > 1e-6:
        attrib["HScale"] = f"{text.hscale:.4f}".rstrip("0")
    node = _el(layer, "TextObject", attrib)
    if text.colour != (0.0, 0.0, 0.0):
        _colour(node, "FillColor", text.colour, res.colour_space)
    # DeltaX from positions rounded once: no rounding error adds up along a line
    thousandths = [round((x - left) * 1000) for _, x in text.glyphs]
    deltas = " ".join(num((b - a) / 1000) for a, b in itertools.pairwise(thousandths))
    code = {"X": num(thousandths[0] / 1000), "Y": num(text.baseline - top)}
    if deltas:
        code["DeltaX"] = deltas
    _el(node, "TextCode", code, "".join(ch for ch, _ in text.glyphs))


def _path_object(layer: Any, rule: RuleLike, res: _Resources, area: tuple[float, float, float, float]) -> None:
    """A stroked straight line as a PathObject (butt caps, as reportlab draws it)."""
    pad = rule.width / 2
    left, top, w, h = _clamp(min(rule.x1, rule.x2) - pad, min(rule.y1, rule.y2) - pad, max(rule.x1, rule.x2) + pad,
                             max(rule.y1, rule.y2) + pad, area)  # fmt: skip
    node = _el(layer, "PathObject", {"ID": res.ids.next(), "Boundary": box(left - area[0], top - area[1], w, h),
                                     "LineWidth": num(rule.width)})  # fmt: skip
    _colour(node, "StrokeColor", rule.color, res.colour_space)
    _colour(node, "FillColor", rule.color, res.colour_space)  # Fill is false: for readers that stroke with it
    data = f"M {num(rule.x1 - left)} {num(rule.y1 - top)} L {num(rule.x2 - left)} {num(rule.y2 - top)}"
    _el(node, "AbbreviatedData", text=data)


def _image_object(layer: Any, picture: PictureLike, res: _Resources) -> None:
    """An image scaled into its box: the CTM maps the image's unit square onto it."""
    left, top, w, h = _clamp(picture.x, picture.top, picture.x + picture.w, picture.top + picture.h, PAGE_BOX)
    ctm = f"{num(picture.w)} 0 0 {num(picture.h)} {num(picture.x - left)} {num(picture.top - top)}"
    _el(layer, "ImageObject", {"ID": res.ids.next(), "Boundary": box(left, top, w, h), "CTM": ctm,
                               "ResourceID": res.image(picture.data)})  # fmt: skip


@frozen
class _Drawn:
    """One page's content, ready to write: images under paths under text."""

    pictures: tuple[PictureLike, ...]
    rules: tuple[RuleLike, ...]
    texts: tuple[_Text, ...]


def _content_xml(drawn: _Drawn, res: _Resources) -> bytes:
    page = _root("Page")
    area = _el(page, "Area")
    _el(area, "PhysicalBox", text=box(*PAGE_BOX))
    layer = _el(_el(page, "Content"), "Layer", {"ID": res.ids.next(), "Type": "Body"})
    for picture in drawn.pictures:
        _image_object(layer, picture, res)
    for rule in drawn.rules:
        _path_object(layer, rule, res, PAGE_BOX)
    for text in drawn.texts:
        _text_object(layer, text, res, PAGE_BOX)
    return _xml(page)


# ---- the 归档章 ------------------------------------------------------------------------------


@frozen
class _Line:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: Colour


def _stamp_rules() -> list[_Line]:
    """The box's outline and the lines between its cells, in page coordinates."""
    x0, y0 = (g.PAGE_W - STAMP_W) / 2, STAMP_TOP
    x1, y1, mid = x0 + STAMP_W, y0 + STAMP_H, y0 + STAMP_H / 2
    lines = [_Line(x0, mid, x1, mid, STAMP_INNER, g.RED_RGB)]
    lines += [_Line(x0 + k * STAMP_W / 3, y0, x0 + k * STAMP_W / 3, y1, STAMP_INNER, g.RED_RGB) for k in (1, 2)]
    return lines


def _outline(parent: Any, res: _Resources, area: tuple[float, float, float, float]) -> None:
    """The stamp's outer rectangle, stroked on its edges as reportlab's rect is."""
    half = STAMP_OUTER / 2
    node = _el(parent, "PathObject", {"ID": res.ids.next(), "Boundary": box(0, 0, area[2], area[3]),
                                      "LineWidth": num(STAMP_OUTER)})  # fmt: skip
    _colour(node, "StrokeColor", g.RED_RGB, res.colour_space)
    _colour(node, "FillColor", g.RED_RGB, res.colour_space)
    x1, y1 = half + STAMP_W, half + STAMP_H
    _el(node, "AbbreviatedData", text=f"M {num(half)} {num(half)} L {num(x1)} {num(half)} L {num(x1)} {num(y1)} "
                                      f"L {num(half)} {num(y1)} C")  # fmt: skip


def _annotation_xml(stamp: StampBox, texts: list[_Text], res: _Resources, when: dt.date) -> bytes:
    """The 归档章 as a Stamp annotation: read-only, printed, its appearance the red box."""
    half = STAMP_OUTER / 2
    area = ((g.PAGE_W - STAMP_W) / 2 - half, STAMP_TOP - half, STAMP_W + STAMP_OUTER, STAMP_H + STAMP_OUTER)
    root = _root("PageAnnot")
    annot = _el(root, "Annot", {"ID": res.ids.next(), "Type": "Stamp", "Subtype": "归档章", "Creator": "fawen",
                                "LastModDate": when.isoformat(), "ReadOnly": "true", "Print": "true"})  # fmt: skip
    _el(annot, "Remark", text="归档章")
    params = _el(annot, "Parameters")
    for labels, row in zip(STAMP_LABELS, stamp.cells, strict=True):
        for label, value in zip(labels, row, strict=True):
            _el(params, "Parameter", {"Name": label}, value)
    appearance = _el(annot, "Appearance", {"Boundary": box(*area)})
    _outline(appearance, res, area)
    for line in _stamp_rules():
        _path_object(appearance, line, res, area)
    for text in texts:
        _text_object(appearance, text, res, area)
    return _xml(root)


# ---- document files --------------------------------------------------------------------------


def _doc_id(meta: OfdMetadata) -> str:
    """32 hex digits (a UUID, as the standard asks), derived from what identifies this copy: no
    clock, no randomness."""
    seed = f"fawen|{meta.archive_code}|{meta.version}|{meta.state}|{meta.content_digest}"
    return uuid.uuid5(uuid.NAMESPACE_URL, seed).hex


def _ofd_xml(meta: OfdMetadata) -> bytes:
    root = _root("OFD", {"Version": OFD_VERSION, "DocType": DOC_TYPE})
    body = _el(root, "DocBody")
    info = _el(body, "DocInfo")
    _el(info, "DocID", text=_doc_id(meta))
    _el(info, "Title", text=meta.title)
    _el(info, "Author", text=meta.author)
    if meta.number:
        _el(info, "Subject", text=meta.number)
    _el(info, "CreationDate", text=meta.created.isoformat())
    _el(info, "ModDate", text=meta.created.isoformat())
    keywords = _el(info, "Keywords")
    for word in (meta.kind, meta.archive_code):
        _el(keywords, "Keyword", text=word)
    _el(info, "Creator", text="fawen")
    if meta.creator_version:
        _el(info, "CreatorVersion", text=meta.creator_version)
    datas = _el(info, "CustomDatas")
    for name, value in custom_data(meta):
        _el(datas, "CustomData", {"Name": name}, value)
    _el(body, "DocRoot", text=f"{DOC}/Document.xml")
    return _xml(root)


def _document_xml(page_ids: list[str], res: _Resources, annotated: bool) -> bytes:
    root = _root("Document")
    common = _el(root, "CommonData")
    _el(common, "MaxUnitID", text=str(res.ids.last))
    _el(_el(common, "PageArea"), "PhysicalBox", text=box(*PAGE_BOX))
    _el(common, "PublicRes", text="PublicRes.xml")
    if res.media:
        _el(common, "DocumentRes", text="DocumentRes.xml")
    _el(common, "DefaultCS", text=res.colour_space)
    pages = _el(root, "Pages")
    for i, ident in enumerate(page_ids):
        _el(pages, "Page", {"ID": ident, "BaseLoc": f"Pages/Page_{i}/Content.xml"})
    if annotated:
        _el(root, "Annotations", text="Annots/Annotations.xml")
    return _xml(root)


def _public_res(res: _Resources, fonts: OfdFonts) -> list[tuple[str, bytes]]:
    """PublicRes.xml (the sRGB colour space, the fonts) and its files."""
    root = _root("Res", {"BaseLoc": "Res"})
    spaces = _el(root, "ColorSpaces")
    _el(spaces, "ColorSpace", {"ID": res.colour_space, "Type": "RGB", "BitsPerComponent": "8", "Profile": "sRGB.icc"})
    files = [(f"{DOC}/Res/sRGB.icc", pdfa.srgb_profile())]
    declared = _el(root, "Fonts")
    for name, ident in res.fonts.items():
        program = fonts.program(name, "".join(sorted(res.chars[name])))
        attrib = {"ID": ident, "FontName": program.name, "FamilyName": program.family}
        attrib.update({k: "true" for k, on in (("Bold", program.bold), ("Italic", program.italic),
                                               ("FixedWidth", program.fixed_width)) if on})  # fmt: skip
        _el(_el(declared, "Font", attrib), "FontFile", text=f"font_{ident}.ttf")
        files.append((f"{DOC}/Res/font_{ident}.ttf", program.data))
    return [(f"{DOC}/PublicRes.xml", _xml(root)), *files]


def _document_res(res: _Resources) -> list[tuple[str, bytes]]:
    """DocumentRes.xml (the images) and its files."""
    root = _root("Res", {"BaseLoc": "Res"})
    medias = _el(root, "MultiMedias")
    files = []
    for ident, name, data in res.media.values():
        media = _el(medias, "MultiMedia", {"ID": ident, "Type": "Image", "Format": _image_format(data)[0]})
        _el(media, "MediaFile", text=name)
        files.append((f"{DOC}/Res/{name}", data))
    return [(f"{DOC}/DocumentRes.xml", _xml(root)), *files]


def _annotations_xml(page_id: str, index: int) -> bytes:
    root = _root("Annotations")
    _el(_el(root, "Page", {"PageID": page_id}), "FileLoc", text=f"Page_{index}/Annotation.xml")
    return _xml(root)


# ---- attached files ----------------------------------------------------------------------------


def _free_area(page: PageLike) -> tuple[float, float, float, float]:
    """Where an attached page lies (left, top, right, bottom, mm): the 版心, below any text fawen
    drew in it (a 附件N label on line 1: attach.label_fits keeps the attached content clear of it)."""
    top = g.TOP
    for run in page.runs:
        if g.TOP <= run.baseline <= g.BOTTOM and run.text.strip():
            top = max(top, run.baseline + CLEAR_BELOW * run.size / MM)
    return g.LEFT, top, g.RIGHT, g.BOTTOM


def attached_renderings(pdf: bytes, pages: Sequence[PageLike], indexes: Iterable[int],
                        dpi: int = ATTACHED_DPI) -> dict[int, Placed]:  # fmt: skip
    """What the merged PDF shows of the attached files on the reserved pages ``indexes``: each
    page's 版心 (below what fawen drew there) rendered by pdfium, trimmed to its ink, as PNG,
    with its box in mm; for ``ofd_package(attached=...)``. Blank areas give nothing."""
    import pypdfium2  # noqa: PLC0415 — only documents with attached files need it
    from PIL import Image  # noqa: PLC0415
    from PIL import ImageChops  # noqa: PLC0415

    scale = dpi / 25.4  # pixels per mm
    out: dict[int, Placed] = {}
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in indexes:
            left, top, right, bottom = _free_area(pages[index])
            page = document[index]
            crop = (left * MM, (g.PAGE_H - bottom) * MM, (g.PAGE_W - right) * MM, top * MM)
            image = page.render(scale=dpi / 72, crop=crop).to_pil().convert("RGB")
            page.close()
            ink = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
            if ink is None:
                continue
            png = io.BytesIO()
            image.crop(ink).save(png, "PNG")
            x0, y0, x1, y1 = ink
            out[index] = Placed(
                png.getvalue(), left + x0 / scale, top + y0 / scale, (x1 - x0) / scale, (y1 - y0) / scale
            )
    finally:
        document.close()
    return out


# ---- the package -----------------------------------------------------------------------------


def _zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip with fixed dates and attributes: the same files give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = 0o644 << 16
            stored = name.endswith((".png", ".jpg"))  # already compressed
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=None if stored else 6)
    return buf.getvalue()


def _drawn(page: PageLike, fonts: OfdFonts, placed: PictureLike | None) -> _Drawn:
    texts = [t for t in (_run_text(r, fonts) for r in page.runs) if t is not None]
    pictures = (*((placed,) if placed is not None else ()), *page.pictures)
    return _Drawn(pictures, tuple(page.rules), tuple(texts))


def ofd_package(pages: Sequence[PageLike], fonts: OfdFonts, meta: OfdMetadata, stamp: StampBox | None = None,
                attached: Mapping[int, PictureLike] | None = None) -> bytes:  # fmt: skip
    """The pages as an OFD-A package (zip bytes). ``stamp``: the 归档章, written as an
    annotation; ``attached``: page index -> an image of the attached file's page shown there,
    laid under what fawen drew on it."""
    res = _Resources(_Ids())
    res.colour_space = res.ids.next()
    drawn = [_drawn(p, fonts, (attached or {}).get(i)) for i, p in enumerate(pages)]
    stamp_texts = _stamp_texts(stamp, fonts) if stamp is not None else []
    for d in drawn:  # IDs for fonts and images first, in order of first use
        for text in d.texts:
            res.font(text)
        for picture in d.pictures:
            res.image(picture.data)
    for text in stamp_texts:
        res.font(text)
    files: list[tuple[str, bytes]] = []
    page_ids = [res.ids.next() for _ in drawn]
    for i, d in enumerate(drawn):
        files.append((f"{DOC}/Pages/Page_{i}/Content.xml", _content_xml(d, res)))
    annotated = stamp is not None and 0 <= stamp.page < len(page_ids)
    if stamp is not None and annotated:
        annotation = _annotation_xml(stamp, stamp_texts, res, meta.created)
        files.append((f"{DOC}/Annots/Annotations.xml", _annotations_xml(page_ids[stamp.page], stamp.page)))
        files.append((f"{DOC}/Annots/Page_{stamp.page}/Annotation.xml", annotation))
    head = [("OFD.xml", _ofd_xml(meta)), (f"{DOC}/Document.xml", _document_xml(page_ids, res, annotated))]
    resources = _public_res(res, fonts) + (_document_res(res) if res.media else [])
    return _zip(head + resources + files)
