"""Attachment files inside the 版心 (issue 13 item 6).

Attachment PDFs are generated here with reportlab: A4 with text 10 mm from every edge, A4
landscape, pages turned by /Rotate (90, 180, 270, one with a media box away from the origin),
Letter, A5 (which must not be scaled up), a page cropped by its /CropBox with content outside the
crop, and an A4 page whose text starts 1.5 mm from its top. A notice with them is rendered and read
back with pdfplumber (text, positions, sizes) and pdfium (what is visibly drawn): every attached
page lies inside the 156 × 225 mm 版心, scaled by at most 1, upright as a viewer shows it; the
page numbers touch none of it; "附件N" (黑体 3号) sits on the first line of the 版心 of the file's
first page, or on a page of its own when that page's content would run into that line.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import ImageDraw
from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf.generic import NameObject
from pypdf.generic import NumberObject
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import A5
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.pagesizes import landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline.stages import attach
from tests.conftest import render
from tests.conftest import write_input
from tests.support import MM
from tests.support import PdfFacts
from tests.support import role_of

L, R, T, B = 28.0, 184.0, 37.0, 262.0  # the 版心, mm from the page's left and top edges
P = (225 - 16 / MM) / 21  # grid pitch
EM_3 = 16 / MM
TOL = 0.5
SIZE = 10.0  # pt, every generated text
# Files "made by another tool" with their fonts embedded, as office software makes them (a file
# with an unembedded font is rebuilt from a rendering on filing: tests/test_pdfa.py). Liberation
# Sans has Helvetica's metrics; it comes with fonts-liberation (the test set-up installs it).
LATIN = "/usr/share/fonts/truetype/liberation/LiberationSans-{}.ttf"
pdfmetrics.registerFont(TTFont("AttachedSans", LATIN.format("Regular")))
pdfmetrics.registerFont(TTFont("AttachedSans-Bold", LATIN.format("Bold")))
DESCENT = pdfmetrics.getFont("AttachedSans").face.descent / 1000  # what pdfminer's em box uses


def _own(char: dict) -> bool:
    """One of the attachment's own characters (the clipped CUT is in the bold face)."""
    return char["fontname"].endswith("+LiberationSans")


def _cut(obj: dict) -> bool:
    return str(obj.get("fontname", "")).endswith("+LiberationSans-Bold")
MARGIN = 10 * MM  # generated text stays this far from its page's edges
PAGE_NO = re.compile(r"^—\s?\d+\s?—$")
A4_PAGE = (210.0, 297.0)


# ---- attachment PDFs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One generated page as a viewer shows it: ``size`` (pt) after /Rotate, the media box's
    origin, the crop box (display-space inset from the media box, pt: left, bottom, right, top)."""

    tag: str
    size: tuple[float, float]
    rotation: int = 0
    origin: tuple[float, float] = (0.0, 0.0)
    crop: tuple[float, float, float, float] | None = None
    top_gap: float = MARGIN  # from the visible top edge to the first text's em top


def _to_user(rotation: int, x0: float, y0: float, x1: float, y1: float) -> tuple[float, ...]:
    """The matrix from display space (what a viewer shows, origin lower left) to user space."""
    return {0: (1, 0, 0, 1, x0, y0), 90: (0, 1, -1, 0, x1, y0), 180: (-1, 0, 0, -1, x1, y1),
            270: (0, -1, 1, 0, x0, y1)}[rotation]  # fmt: skip


def _draw(c: canvas.Canvas, sheet: Sheet, w: float, h: float) -> None:
    """Text from ``top_gap`` below the top to ``MARGIN`` above the bottom, ``MARGIN`` from the
    sides: a line flush left and a line flush right every 14 pt; corner tags; a frame."""
    c.setFont("AttachedSans", SIZE)
    ascent = SIZE * (1 + DESCENT)  # pdfminer's em box: from the descriptor's descent
    first = h - sheet.top_gap - ascent
    c.drawString(MARGIN, first, f"TL-{sheet.tag}")
    c.drawRightString(w - MARGIN, first, f"TR-{sheet.tag}")
    y = first - 14
    n = 0
    while y > MARGIN + 2 * 14:
        n += 1
        c.drawString(MARGIN, y, f"line {n} of {sheet.tag} flush left")
        c.drawRightString(w - MARGIN, y, f"flush right {n}")
        y -= 14
    last = MARGIN - SIZE * DESCENT
    c.drawString(MARGIN, last, f"BL-{sheet.tag}")
    c.drawRightString(w - MARGIN, last, f"BR-{sheet.tag}")
    c.setLineWidth(0.5)
    c.rect(MARGIN / 2, MARGIN / 2, w - MARGIN, h - MARGIN)  # a frame 5 mm in from the edges


def attachment_pdf(sheets: list[Sheet], cut: bool = False) -> bytes:
    """Pages drawn upright in display space, then given their /Rotate, media and crop boxes.
    ``cut``: text is also drawn in the part of the media box the crop box hides."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, initialFontName="AttachedSans")
    boxes = []
    for sheet in sheets:
        w, h = sheet.size
        uw, uh = (w, h) if sheet.rotation in (0, 180) else (h, w)
        ox, oy = sheet.origin
        media = (ox, oy, ox + uw, oy + uh)
        c.setPageSize((ox + uw, oy + uh))
        c.saveState()
        c.transform(*_to_user(sheet.rotation, *media))
        if sheet.crop is None:
            _draw(c, sheet, w, h)
        else:
            left, bottom, right, top = sheet.crop
            if cut:
                c.setFont("AttachedSans-Bold", 20)  # 42 pt wide: wholly outside the crop box
                for x, y in ((2, h / 2), (w - 60, h / 2), (w / 2, 4), (w / 2, h - 30)):
                    c.drawString(x, y, "CUT")
            c.translate(left, bottom)
            _draw(c, sheet, w - left - right, h - bottom - top)
        c.restoreState()
        c.showPage()
        boxes.append(media)
    c.save()
    writer = PdfWriter(clone_from=io.BytesIO(buf.getvalue()))
    for page, sheet, media in zip(writer.pages, sheets, boxes):
        page.mediabox = RectangleObject(media)
        if sheet.rotation:
            page[NameObject("/Rotate")] = NumberObject(sheet.rotation)
        if sheet.crop is not None:  # the crop inset is in display space: take it back to user space
            w, h = sheet.size
            left, bottom, right, top = sheet.crop
            m = _to_user(sheet.rotation, *media)
            xs = [m[0] * x + m[2] * y + m[4] for x, y in ((left, bottom), (w - right, h - top))]
            ys = [m[1] * x + m[3] * y + m[5] for x, y in ((left, bottom), (w - right, h - top))]
            page.cropbox = RectangleObject((min(xs), min(ys), max(xs), max(ys)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


A5_CROP = (60.0, 100.0, 595.2756 - 60.0 - A5[0], 841.8898 - 100.0 - A5[1])  # an A5 window in A4

FILES: dict[str, tuple[list[Sheet], bool]] = {
    "a4.pdf": ([Sheet("a4-1", A4), Sheet("a4-2", A4)], False),
    "landscape.pdf": ([Sheet("land", landscape(A4))], False),
    "rotated.pdf": ([Sheet("rot90", landscape(A4), 90), Sheet("rot270", landscape(A4), 270, origin=(100.0, 200.0)),
                     Sheet("rot180", A4, 180, origin=(-300.0, 50.0))], False),  # fmt: skip
    "letter.pdf": ([Sheet("letter", LETTER, origin=(72.0, -36.0))], False),
    "a5.pdf": ([Sheet("a5", A5)], False),
    "cropped.pdf": ([Sheet("crop", A4, 90, origin=(50.0, 60.0), crop=A5_CROP)], True),
    "header.pdf": ([Sheet("head", A4, top_gap=1.5 * MM)], False),
}
# display size in mm of each page that is placed, by tag
SIZES = {s.tag: ((s.size[0] - (s.crop[0] + s.crop[2] if s.crop else 0)) / MM,
                 (s.size[1] - (s.crop[1] + s.crop[3] if s.crop else 0)) / MM)
         for sheets, _ in FILES.values() for s in sheets}  # fmt: skip
NAMES = {"a4.pdf": "全幅材料", "landscape.pdf": "横向表格", "rotated.pdf": "旋转页面", "letter.pdf": "信纸材料",
         "a5.pdf": "小幅材料", "cropped.pdf": "裁切页面", "header.pdf": "顶格材料"}  # fmt: skip
LABEL_ON_OWN_PAGE = {"header.pdf"}


def expected_scale(tag: str) -> float:
    w, h = SIZES[tag]
    return min(1.0, 156 / w, 225 / h)


# ---- the notice, rendered once -------------------------------------------------------------------


@dataclass
class Placed:
    """One attached page in the result."""

    tag: str
    page: int  # 1-based
    chars: list[dict]  # the attachment's own characters (Liberation Sans; the clipped CUT is its bold)


@pytest.fixture(scope="module")
def result(session_workspace, tmp_path_factory) -> tuple[Path, PdfFacts, dict[str, Placed]]:
    folder = tmp_path_factory.mktemp("attachments-layout")
    (folder / "附件").mkdir()
    lines = []
    for name, (sheets, cut) in FILES.items():
        (folder / "附件" / name).write_bytes(attachment_pdf(sheets, cut))
        lines.append(f"  - 名称: {NAMES[name]}\n    文件: 附件/{name}\n")
    text = "文种: 通知\n标题: 关于附件版式的通知\n主送: 各村（社区）\n正文: 请按附件执行。\n附件:\n" + "".join(lines)
    _, pdf = render(session_workspace, write_input(folder, "附件版式.yaml", text), folder / "out")
    facts = PdfFacts(pdf)
    placed: dict[str, Placed] = {}
    for number, page in enumerate(facts.pages, 1):
        own = [c for c in page.chars if _own(c) and not c["text"].isspace()]
        tags = {m.group(1) for m in re.finditer(r"TL-(\S+?)(?=TR-|$)", "".join(c["text"] for c in own))}
        for tag in tags:
            placed[tag] = Placed(tag, number, own)
    return pdf, facts, placed


def _mm(c: dict) -> tuple[float, float, float, float]:
    return c["x0"] / MM, c["top"] / MM, c["x1"] / MM, c["bottom"] / MM


def _page_number(facts: PdfFacts, page: int) -> list[dict]:
    lines = [ln for ln in facts.page_lines(page) if PAGE_NO.match(ln.text)]
    assert len(lines) == 1, page
    return lines[0].chars


def _word(chars: list[dict], word: str) -> list[dict]:
    text = "".join(c["text"] for c in chars)
    at = text.index(word)
    return chars[at:at + len(word)]


def test_every_attached_page_is_there_once_in_order(result):
    _, facts, placed = result
    tags = [s.tag for sheets, _ in FILES.values() for s in sheets]
    assert sorted(placed) == sorted(tags)
    assert [placed[t].page for t in tags] == sorted(placed[t].page for t in tags)
    numbers = {ln.page: int(re.sub(r"\D", "", ln.text)) for ln in facts.lines if PAGE_NO.match(ln.text)}
    for p in placed.values():
        assert numbers[p.page] == p.page  # every attached page carries fawen's continuing page number
    assert len(facts.pages) % 2 == 0


def test_attached_text_lies_inside_the_type_area(result):
    _, _, placed = result
    for p in placed.values():
        for c in p.chars:
            x0, top, x1, bottom = _mm(c)
            assert L - TOL <= x0 and x1 <= R + TOL and T - TOL <= top and bottom <= B + TOL, (p.tag, c["text"], x0, top)


def test_scale_fits_the_type_area_and_is_never_above_one(result):
    _, _, placed = result
    for p in placed.values():
        sizes = {round(c["size"], 3) for c in p.chars if _own(c)}
        assert len(sizes) == 1, (p.tag, sizes)
        scale = sizes.pop() / SIZE
        assert scale <= 1.0 + 1e-6, p.tag
        assert abs(scale - expected_scale(p.tag)) <= 0.002, (p.tag, scale, expected_scale(p.tag))
    assert abs(expected_scale("a4-1") - 156 / 210) < 1e-9 and expected_scale("a5") == 1.0
    assert expected_scale("crop") == 1.0  # the A5 window of an A4 page: its crop box decides


def test_pages_are_upright_centred_and_keep_their_proportions(result):
    """Each page's corner tags, as a viewer shows the source: top left, top right, bottom left,
    bottom right, at the scaled distances, the page centred across the 版心."""
    _, _, placed = result
    for p in placed.values():
        scale = expected_scale(p.tag)
        assert all(c["upright"] for c in p.chars if _own(c)), p.tag
        corner = {k: _mm(_word(p.chars, f"{k}-{p.tag}")[0]) for k in ("TL", "BL")}
        corner |= {k: _mm(_word(p.chars, f"{k}-{p.tag}")[-1]) for k in ("TR", "BR")}
        w, h = SIZES[p.tag]
        inner_w = (w - 20) * scale  # flush left at 10 mm to flush right at 10 mm
        assert abs((corner["TR"][2] - corner["TL"][0]) - inner_w) <= 0.3, (p.tag, corner)
        assert abs((corner["BR"][2] - corner["BL"][0]) - inner_w) <= 0.3, p.tag
        assert abs(corner["TL"][0] - corner["BL"][0]) <= 0.1 and abs(corner["TL"][1] - corner["TR"][1]) <= 0.1
        page_top = corner["TL"][1] - (1.5 if p.tag == "head" else 10) * scale  # where the page's top edge went
        page_bottom = corner["BL"][3] + 10 * scale
        assert abs((page_bottom - page_top) - h * scale) <= 0.3, (p.tag, page_top, page_bottom)
        assert abs((corner["TL"][0] + corner["TR"][2]) / 2 - (L + R) / 2) <= 0.3, p.tag  # centred
        assert T - TOL <= page_top and page_bottom <= B + TOL, p.tag


def test_page_numbers_touch_no_attached_content(result):
    _, facts, placed = result
    for p in placed.values():
        number = _page_number(facts, p.page)
        nx0, ntop, nx1, nbottom = min(c["x0"] for c in number), min(c["top"] for c in number), \
            max(c["x1"] for c in number), max(c["bottom"] for c in number)  # fmt: skip
        assert ntop / MM >= B, p.tag  # below the 版心
        page = facts.pages[p.page - 1]
        objects = [c for c in page.chars if _own(c) or _cut(c)] + page.rects + page.lines + page.curves
        for o in objects:
            if _cut(o):  # clipped away (see the raster test)
                continue
            assert o["x1"] <= nx0 or nx1 <= o["x0"] or o["bottom"] <= ntop or nbottom <= o["top"], (p.tag, o.get("text"))
            assert o["bottom"] / MM <= B + TOL, (p.tag, o.get("text"), o["bottom"] / MM)


def test_label_on_the_first_attached_page(result):
    _, facts, placed = result
    labels = {ln.text: ln for ln in facts.lines if re.fullmatch(r"附件\d", ln.text)}
    assert sorted(labels) == [f"附件{n}" for n in range(1, len(FILES) + 1)]
    for n, (name, (sheets, _)) in enumerate(FILES.items(), 1):
        label = labels[f"附件{n}"]
        assert label.roles() == {"黑体"} and abs(label.size - 16) <= 0.5
        assert abs(label.x0 - L) <= TOL and abs(label.top - T) <= TOL, name  # the 版心's top left
        first = placed[sheets[0].tag]
        if name in LABEL_ON_OWN_PAGE:
            assert label.page == first.page - 1, name  # a page of its own, with the title
            title = [ln for ln in facts.page_lines(label.page) if abs(ln.size - 22) <= 0.5]
            assert [t.text for t in title] == [NAMES[name]]
            assert not [ln for ln in facts.page_lines(first.page) if ln.text.startswith("附件")]
        else:
            assert label.page == first.page, name
            content_top = min(c["top"] for c in first.chars) / MM
            assert content_top >= label.bottom + 1.0, (name, content_top, label.bottom)
        for s in sheets[1:]:  # later pages of a file carry no label
            assert not [ln for ln in facts.page_lines(placed[s.tag].page) if ln.text.startswith("附件")]


def test_nothing_visible_outside_the_type_area_but_the_page_number(result):
    """pdfium draws each attached page: every dark pixel lies in the 版心 or in the page number
    (text outside a crop box is clipped away, a frame 5 mm in from the edge is scaled inside)."""
    pdfium = pytest.importorskip("pypdfium2")
    pdf, facts, placed = result
    document = pdfium.PdfDocument(str(pdf))
    px = 4.0  # pixels per mm
    try:
        for p in placed.values():
            image = document[p.page - 1].render(scale=px / MM).to_pil().convert("L")
            number = _page_number(facts, p.page)
            nbox = (min(c["x0"] for c in number) / MM - TOL, min(c["top"] for c in number) / MM - TOL,
                    max(c["x1"] for c in number) / MM + TOL, max(c["bottom"] for c in number) / MM + TOL)  # fmt: skip
            dark = image.point(lambda v: 255 if v < 160 else 0)
            allowed = ImageDraw.Draw(dark)
            for x0, y0, x1, y1 in ((L - TOL, T - TOL, R + TOL, B + TOL), nbox):
                allowed.rectangle((x0 * px, y0 * px, x1 * px, y1 * px), fill=0)
            stray = dark.getbbox()
            assert stray is None, (p.tag, [round(v / px, 1) for v in stray])
    finally:
        document.close()


# ---- the placement rule, without rendering ---------------------------------------------------------


def _first_page(sheets: list[Sheet], cut: bool = False):
    return PdfReader(io.BytesIO(attachment_pdf(sheets, cut))).pages[0]


@pytest.mark.parametrize(("sheet", "scale"), [
    (Sheet("a4", A4), 156 / 210),
    (Sheet("land", landscape(A4)), 156 / 297),
    (Sheet("rot90", landscape(A4), 90), 156 / 297),
    (Sheet("letter", LETTER), 156 / 215.9),
    (Sheet("a5", A5), 1.0),
    (Sheet("card", (85 * MM, 54 * MM), 270, origin=(-40.0, 33.0)), 1.0),
])  # fmt: skip
def test_placement_scales_into_the_type_area(sheet, scale):
    where = attach.placement(_first_page([sheet]))
    assert abs(where.scale - scale) <= 1e-3 and where.scale <= 1.0
    x0, y0, x1, y1 = (v / MM for v in where.box)
    assert L - 1e-6 <= x0 and x1 <= R + 1e-6 and 297 - B - 1e-6 <= y0 and y1 <= 297 - T + 1e-6
    assert abs((x0 + x1) / 2 - (L + R) / 2) <= 1e-6  # centred across the 版心
    room = 225 - (y1 - y0)
    assert abs((297 - T - y1) - min(P, room)) <= 1e-6  # one grid line down, or as low as it goes


def test_label_fits_decides_by_what_is_drawn_near_the_top():
    assert attach.label_fits(attachment_pdf([Sheet("a4", A4)]))  # 10 mm of white above the text
    assert attach.label_fits(attachment_pdf([Sheet("land", landscape(A4))]))  # room below line 1
    assert not attach.label_fits(attachment_pdf([Sheet("head", A4, top_gap=1.5 * MM)]))
    assert not attach.label_fits(b"%PDF-1.4 not a pdf")  # unsure: the label gets its own page


def test_label_fits_sees_images_and_paths_at_the_top():
    def drawn(paint: Callable[[canvas.Canvas], None]) -> bytes:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        paint(c)
        c.showPage()
        c.save()
        return buf.getvalue()

    top = A4[1]
    assert not attach.label_fits(drawn(lambda c: c.rect(20, top - 6, 200, 3, fill=1)))  # a rule 2 mm from the top
    assert attach.label_fits(drawn(lambda c: c.rect(20, top - 60, 200, 3, fill=1)))
    assert not attach.label_fits(drawn(lambda c: c.line(300, top - 3, 500, top - 3)))
    banner = drawn(lambda c: (c.saveState(), c.translate(0, top - 40), c.scale(2, 2), c.rect(10, 0, 100, 18, fill=1), c.restoreState()))
    assert not attach.label_fits(banner)  # 4 mm from the top once scaled by cm
    clipped = drawn(lambda c: (c.saveState(), (path := c.beginPath()).rect(0, 0, 100, 100), c.clipPath(path, stroke=0),
                               c.rect(0, 0, 595, 842, fill=1), c.restoreState()))  # fmt: skip
    assert attach.label_fits(clipped)  # a full-page fill, clipped to the bottom corner


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_docx_attachment_is_converted_then_placed_in_the_type_area(workspace, tmp_path):
    from docx import Document
    from docx.shared import Mm

    folder = tmp_path / "in"
    (folder / "附件").mkdir(parents=True)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for i in range(50):
        doc.add_paragraph(f"Paragraph {i} of the converted document, long enough to run across the page width.")
    doc.save(folder / "附件" / "材料.docx")
    text = "文种: 通知\n标题: 关于附件版式的通知\n正文: 请按附件执行。\n附件:\n  - 名称: 转换材料\n    文件: 附件/材料.docx\n"
    _, pdf = render(workspace, write_input(folder, "docx.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    label = [ln for ln in facts.lines if ln.text == "附件"][0]
    assert abs(label.x0 - L) <= TOL and abs(label.top - T) <= TOL
    converted = [ln for ln in facts.lines if "converted document" in ln.text]
    assert converted and converted[0].page == label.page  # the label on the document's first page
    for ln in converted:
        assert L - TOL <= ln.x0 and ln.x1 <= R + TOL and T - TOL <= ln.top and ln.bottom <= B + TOL
        assert ln.size <= 12.0 * 156 / 210 + 0.1  # LibreOffice's 12 pt scaled to the 版心's width
    assert role_of(label.chars[0]["fontname"]) == "黑体"


def test_rotation_and_boxes_inherited_from_the_page_tree():
    """/Rotate and /MediaBox set on the /Pages node, not on the page: the page is still turned."""
    writer = PdfWriter(clone_from=io.BytesIO(attachment_pdf([Sheet("inherit", landscape(A4), 90, origin=(30.0, 40.0))])))
    page, pages = writer.pages[0], writer._root_object["/Pages"]
    for key in ("/Rotate", "/MediaBox"):
        pages[NameObject(key)] = page[key]
        del page[NameObject(key)]
    out = io.BytesIO()
    writer.write(out)
    where = attach.placement(PdfReader(io.BytesIO(out.getvalue())).pages[0])
    assert where.rotation == 90 and abs(where.scale - 156 / 297) <= 1e-3
    assert abs((where.box[2] - where.box[0]) / MM - 156) <= 1e-3  # landscape as shown, across the 版心
    assert attach.pdf_problem(out.getvalue()) is None and attach.label_fits(out.getvalue())


def test_a_page_whose_drawing_unpacks_to_megabytes_is_refused_when_checked_not_when_placed():
    import io

    from pypdf import PdfWriter
    from pypdf.generic import NameObject
    from pypdf.generic import StreamObject

    from pipeline.stages.attach import pdf_problem
    from tests.conftest import EXAMPLES

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream.set_data(b"0 0 m 1 1 l S\n" * 700_000)  # 9.8 MB of drawing, a few KB once deflated
    stream = stream.flate_encode()
    page[NameObject("/Contents")] = writer._add_object(stream)  # noqa: SLF001
    out = io.BytesIO()
    writer.write(out)
    assert len(out.getvalue()) < 200_000
    assert "绘制内容过大" in (pdf_problem(out.getvalue()) or "")
    assert pdf_problem((EXAMPLES / "附件" / "核查报告.pdf").read_bytes()) is None
