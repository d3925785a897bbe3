"""Step 8: typeset PDF + attachment files -> one PDF (pypdf).

Each page of an attachment file is laid under a page the typesetter reserved for it, which
already carries the continuing page number. The page is placed inside the 版心 (GB/T 9704: 156 ×
225 mm, 37 mm from the top, 28 mm from the left), scaled down to fit and never up, so its text
keeps clear of the page number below the 版心. Its visible box (/CropBox within /MediaBox) is what
is placed, turned as /Rotate turns it on screen; what lies outside that box stays clipped.

The "附件N" label goes on the first line of the 版心 of the file's first page when that page's
content keeps clear of that line (``label_fits``); otherwise the typesetter gives the label its
own page, with the attachment's title, before the file's pages.

Attachment files come from anyone who can write to the inbox: they are checked when the input
is validated (``pdf_problem``), and only their page content is merged: annotations (links,
actions, form fields, attached files) are left behind, and the document-level parts that
could carry JavaScript, an OpenAction or embedded files are never copied.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf import Transformation
from pypdf.generic import ContentStream
from pypdf.generic import DictionaryObject
from pypdf.generic import NameObject
from pypdf.generic import NumberObject
from pypdf.generic import RectangleObject
from pypdf.generic import StreamObject

from pipeline import gbt9704 as g
from pipeline.frozen import frozen

A4_W, A4_H = 595.2756, 841.8898
MAX_PAGES = 500
MAX_PAGE_CONTENT = 8 * 1024 * 1024  # a page's drawing commands, unpacked (a scanned page's are a few bytes)
MAX_CONTENT = 64 * 1024 * 1024  # all pages' together
# Page-level entries that act or carry content of their own: links and other annotations,
# page open/close actions.
ACTIVE_PAGE_KEYS = ("/Annots", "/AA")

PT = g.MM  # points per mm
# The 版心 in PDF points, y up: where an attached page's visible box is placed.
AREA_LEFT = g.LEFT * PT
AREA_RIGHT = g.RIGHT * PT
AREA_TOP = (g.PAGE_H - g.TOP) * PT
AREA_BOTTOM = (g.PAGE_H - g.BOTTOM) * PT
# The label "附件N" (黑体 3号) fills line 1 of the 版心; the attached page's content must keep this
# far below the label's em box to share its page.
LABEL_CLEARANCE = 2.0  # mm
LABEL_LINE_BOTTOM = (g.PAGE_H - g.TOP - g.EM_3 - LABEL_CLEARANCE) * PT
# A page is set one grid line down when the 版心 has that much room to spare, so the label's line
# stays free on the first page, and the file's pages all sit alike.
LABEL_DROP = g.PITCH * PT
# Content longer than this is taken to touch the label line, unread (pypdf parses about 100 000
# operations a second, and the merge parses them again).
MAX_OPERATIONS = 100_000
MAX_CONTENT_BYTES = 500_000
MAX_FORM_DEPTH = 8

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data), strict=False)


def pdf_problem(data: bytes) -> str | None:
    """Why a PDF cannot be appended to a 公文, said in Chinese; None when it can."""
    if not data:
        return "是空文件（0 字节）"
    if b"%PDF" not in data[:1024]:
        return "不是 PDF 文件（缺少 %PDF 文件头）"
    try:
        reader = _read(data)
        if reader.is_encrypted:
            return "已加密（设有打开密码或权限密码），无法附在正文后"
        pages = reader.pages
        if len(pages) == 0:
            return "没有页面"
        if len(pages) > MAX_PAGES:
            return f"页数过多（{len(pages)} 页）"
        total = 0
        for number, page in enumerate(pages, 1):
            if "/MediaBox" not in page:
                return f"第 {number} 页没有页面尺寸（/MediaBox）"
            box = page.mediabox
            if not (float(box.width) > 0 and float(box.height) > 0):
                return f"第 {number} 页的页面尺寸无效"
            # decoded now, not first when the pages are placed: a few KB that unpack to 70 MB of
            # drawing commands passed here and took the typesetter 40 s before it gave up
            contents = page.get_contents()
            size = len(contents.get_data()) if contents is not None else 0
            total += size
            if size > MAX_PAGE_CONTENT or total > MAX_CONTENT:
                return f"第 {number} 页的绘制内容过大（解压后共 {total // 1024 // 1024} MB）"
    except MemoryError:
        raise  # over the watcher's memory budget: not a damaged file, and the worker must be replaced
    except Exception:  # noqa: BLE001 — pypdf raises many kinds for a damaged or hostile file
        return "已损坏，无法读取"
    return None


def docx_problem(data: bytes) -> str | None:
    """Why a DOCX cannot be converted, said in Chinese; None when it looks like one."""
    if not data:
        return "是空文件（0 字节）"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            total = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "不是有效的 DOCX 文件（已损坏或不是 Word 文档）"
    if "word/document.xml" not in names:
        return "不是有效的 DOCX 文件（缺少正文部分）"
    if total > 200 * 1024 * 1024:  # a zip bomb unpacks to gigabytes in the converter
        return "解压后过大"
    return None


# ---- where an attached page goes ---------------------------------------------------------------


@frozen
class Placement:
    """An attached page on a fawen page: ``matrix`` maps the attached page's user space to the
    fawen page's (points, y up); ``visible`` is its visible box in its own user space, ``box``
    where that box lands; ``scale`` ≤ 1."""

    scale: float
    rotation: int
    matrix: Matrix
    visible: Box
    box: Box


def placement(page: object) -> Placement:
    """Scaled (never up) into the 版心, centred across it; one grid line down when the 版心 has
    room for that, else as low as it goes, to keep the label's line clear."""
    x0, y0, x1, y1 = visible = _visible(page)
    rotation = _rotation(page)
    turn: Matrix = {  # the visible box turned as a viewer shows it, its lower-left corner at 0, 0
        0: (1.0, 0.0, 0.0, 1.0, -x0, -y0),
        90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
        180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
        270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
    }[rotation]
    width, height = (x1 - x0, y1 - y0) if rotation in (0, 180) else (y1 - y0, x1 - x0)
    scale = min(1.0, (AREA_RIGHT - AREA_LEFT) / width, (AREA_TOP - AREA_BOTTOM) / height)
    left = AREA_LEFT + (AREA_RIGHT - AREA_LEFT - width * scale) / 2
    top = AREA_TOP - min(LABEL_DROP, AREA_TOP - AREA_BOTTOM - height * scale)
    bottom = top - height * scale
    matrix = _times(_times(turn, (scale, 0.0, 0.0, scale, 0.0, 0.0)), (1.0, 0.0, 0.0, 1.0, left, bottom))
    return Placement(scale, rotation, matrix, visible, (left, bottom, left + width * scale, top))


def label_fits(data: bytes) -> bool:
    """Whether the "附件N" label can go on the first line of the 版心 of this file's first page:
    its placed content keeps clear of that line. Unsure (a damaged or very long content stream)
    counts as no: the label then gets its own page."""
    try:
        reader = _read(data)
        page = reader.pages[0]
        where = placement(page)
        if where.box[3] <= LABEL_LINE_BOTTOM:
            return True  # the whole page lies below the label's line
        line = (AREA_LEFT, LABEL_LINE_BOTTOM, AREA_RIGHT, AREA_TOP + 1.0)
        for mark in marks(page, reader):
            if mark is None:
                return False
            shown = _clip(_apply(mark, where.matrix), where.box)
            if shown is not None and _overlaps(shown, line):
                return False
        return True
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 — pypdf raises many kinds for a damaged or hostile file
        return False


class AttachmentMergeError(ValueError):
    """An attachment file that cannot be merged: ``index`` counts the files from 0."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(reason)
        self.index = index
        self.reason = reason


def merge_attachments(pdf: bytes, placeholders: tuple[int, ...], files: list[bytes]) -> bytes:
    """Fill the reserved pages, in order, with the pages of ``files`` (their content only),
    each placed inside the 版心 (``placement``). A page that an archival PDF may not hold as it
    is (``archivable``) is rebuilt from a rendering of it first."""
    if not files:
        return pdf
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    slots = iter(placeholders)
    for k, data in enumerate(files):
        for number, source in enumerate(_read(data).pages):
            if not archivable(source) and not (_idle_fonts_replaced(source) and archivable(source)):
                source = _rebuilt(data, number, k)
            index = next(slots)
            for key in ACTIVE_PAGE_KEYS:
                if key in source:
                    del source[NameObject(key)]
            where = placement(source)
            source.cropbox = RectangleObject(where.visible)  # pypdf clips the merged content to it
            target = writer.pages[index]
            target.merge_transformed_page(source, Transformation(where.matrix), over=False)
            target.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# What an attached page may use and still be kept as it is in a PDF/A-2b copy whose output
# intent is sRGB. Anything else (an unembedded font, CMYK or spot colour, interpolated or
# alternate images, PostScript) makes fawen rebuild the page from a rendering.
_NOT_ARCHIVABLE = re.compile(rb"/DeviceCMYK|/Separation|/DeviceN|/Interpolate\s+true|/OPI|/Alternates|/PS\b")
_CMYK_OPERATOR = re.compile(rb"(?:^|[\s\]])[kK](?=[\s]|$)")
REBUILD_DPI = 300
REBUILD_MAX_PIXELS = 40_000_000  # an A3 page at 300 dpi is 17.4 million; a huge page gets fewer dpi


def archivable(page: Any) -> bool:
    """Whether an attached page can go into an archival (PDF/A-2b) copy as it is: every font it
    uses embedded, device-independent or RGB/grey colour only. Conservative: a page it is unsure
    of is rebuilt, never let through."""
    try:
        return _resources_archivable(page.get("/Resources"), 0) and _content_archivable(page.get_contents())
    except Exception:  # noqa: BLE001 — a structure pypdf cannot walk: rebuild from the rendering
        return False


def _content_archivable(contents: Any) -> bool:
    if contents is None:
        return True
    data = contents.get_data()
    return not _NOT_ARCHIVABLE.search(data) and not _CMYK_OPERATOR.search(data)


def _resources_archivable(resources: Any, depth: int) -> bool:
    if resources is None:
        return True
    resources = resources.get_object()
    if depth > MAX_FORM_DEPTH or _NOT_ARCHIVABLE.search(repr(resources).encode("latin-1", "replace")):
        return False
    fonts = resources.get("/Font")
    if fonts is not None and not all(_embedded(f.get_object()) for f in fonts.get_object().values()):
        return False
    xobjects = resources.get("/XObject")
    for ref in xobjects.get_object().values() if xobjects is not None else ():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/PS":
            return False
        if xobject.get("/Subtype") == "/Form":
            if not _resources_archivable(xobject.get("/Resources"), depth + 1):
                return False
            if not _content_archivable(xobject):
                return False
    return True


def _embedded(font: Any) -> bool:
    """A font with its program in the file (Type 3 fonts are drawn by the file itself)."""
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return _resources_archivable(font.get("/Resources"), MAX_FORM_DEPTH)
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        return descendants is not None and all(_embedded(d.get_object()) for d in descendants.get_object())
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


_SHOW_OPERATORS = {b"Tj", b"TJ", b"'", b'"'}


def _idle_fonts_replaced(page: Any) -> bool:
    """An unembedded font the page selects but draws nothing with (reportlab starts every page
    with ``BT /F1 12 Tf ET`` in Helvetica) is pointed at one of the page's embedded fonts: what
    the page shows stays the same, glyph for glyph. False when there is nothing to do so."""
    try:
        fonts = page["/Resources"].get_object()["/Font"].get_object()
        idle = {name for name, ref in fonts.items() if not _embedded(ref.get_object())}
        embedded = [ref for name, ref in fonts.items() if name not in idle]
        if not idle or not embedded:
            return False
        current = None
        for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
            if operator == b"Tf" and operands:
                current = operands[0]
            elif operator in _SHOW_OPERATORS and current in idle and _shows_glyphs(operands):
                return False
        for name in idle:
            fonts[NameObject(name)] = embedded[0]
        return True
    except Exception:  # noqa: BLE001 — a structure pypdf cannot walk: the page is rebuilt instead
        return False


def _shows_glyphs(operands: list[Any]) -> bool:
    for operand in operands:
        if isinstance(operand, (bytes, str)) and len(operand) > 0:
            return True
        if isinstance(operand, list) and any(isinstance(o, (bytes, str)) and len(o) > 0 for o in operand):
            return True
    return False


def _rebuilt(data: bytes, number: int, index: int) -> Any:
    """Page ``number`` of an attached file redrawn as one image of it, as a viewer shows it
    (rotation and crop box applied), at REBUILD_DPI (fewer for a page so large that the picture
    would pass REBUILD_MAX_PIXELS): what it looks like is kept; its text is not."""
    import pypdfium2  # noqa: PLC0415 — only files with such pages need it

    try:
        document = pypdfium2.PdfDocument(data)
        page = document[number]
        width, height = page.get_size()
        scale = min(REBUILD_DPI / 72, (REBUILD_MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
        image = page.render(scale=scale).to_pil().convert("RGB")
    except Exception as exc:  # noqa: BLE001 — pdfium's errors for a file pypdf could read
        raise AttachmentMergeError(index, f"第 {number + 1} 页无法绘制，不能转为可长期保存的页面") from exc
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=90, optimize=True)
    width, height = image.width / scale, image.height / scale
    writer = PdfWriter()
    rebuilt = writer.add_blank_page(width, height)
    picture = StreamObject()
    picture._data = jpeg.getvalue()  # noqa: SLF001 — already DCT-encoded: pypdf writes it as it is
    picture.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(image.width), NameObject("/Height"): NumberObject(image.height),
        NameObject("/ColorSpace"): NameObject("/DeviceRGB"), NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): NameObject("/DCTDecode"),
    })  # fmt: skip
    rebuilt[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(picture)})}  # noqa: SLF001
    )
    content = StreamObject()
    content._data = f"q {width:.4f} 0 0 {height:.4f} 0 0 cm /Im0 Do Q".encode()  # noqa: SLF001
    rebuilt[NameObject("/Contents")] = writer._add_object(content)  # noqa: SLF001
    out = io.BytesIO()
    writer.write(out)
    return _read(out.getvalue()).pages[0]


def _visible(page: object) -> Box:
    """The part of a page a viewer shows: its /CropBox within its /MediaBox (A4 when unusable)."""
    media = _corners(page, "/MediaBox")
    if media is None:
        return 0.0, 0.0, A4_W, A4_H
    mx0, my0, mx1, my1 = media
    crop = _corners(page, "/CropBox")
    if crop is None:
        return media
    cx0, cy0, cx1, cy1 = crop
    box = (max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1))
    if box[2] - box[0] > 0 and box[3] - box[1] > 0:
        return box
    return mx0, my0, mx1, my1  # a crop box off the page: viewers fall back to the media box


def _corners(page: object, key: str) -> Box | None:
    """A page box as lower-left and upper-right corners (its numbers may come in either order);
    None when absent or unusable. pypdf has copied an inherited box down to the page."""
    try:
        values = [float(v) for v in page[key]]  # type: ignore[index]
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        return None
    box = (min(values[0], values[2]), min(values[1], values[3]), max(values[0], values[2]), max(values[1], values[3]))
    return box if box[2] - box[0] > 0 and box[3] - box[1] > 0 else None


def _rotation(page: object) -> int:
    try:
        turn = int(page.get("/Rotate", 0)) % 360  # type: ignore[attr-defined]  # inherited: pypdf copies it down
    except (ValueError, TypeError, AttributeError):
        return 0
    return turn if turn in (0, 90, 180, 270) else 0


def page_count(data: bytes) -> int:
    return len(_read(data).pages)


# ---- where an attached page has content ----------------------------------------------------------


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF order: a point p maps to p × m × n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(box: Box, m: Matrix) -> Box:
    a, b, c, d, e, f = m
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return min(xs), min(ys), max(xs), max(ys)


def _clip(box: Box, clip: Box | None) -> Box | None:
    if clip is None:
        return box
    out = (max(box[0], clip[0]), max(box[1], clip[1]), min(box[2], clip[2]), min(box[3], clip[3]))
    return out if out[0] <= out[2] and out[1] <= out[3] else None


def _overlaps(p: Box, q: Box) -> bool:
    return p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]


def _num(v: object, default: float = 0.0) -> float:
    try:
        out = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def _widths(font: Any) -> tuple[int, dict[int, float], float]:
    """Bytes per character code, advance widths by code (in em) and the width of other codes,
    for estimating how far a string runs; unknown widths count as a full em."""
    try:
        font = font.get_object()
        if font.get("/Subtype") == "/Type0":
            cid = font["/DescendantFonts"][0].get_object()
            table: dict[int, float] = {}
            w_array = cid.get("/W")
            w = list(w_array.get_object()) if w_array is not None else []
            i = 0
            while i + 1 < len(w) and len(table) < 65536:
                first = int(w[i])
                nxt = w[i + 1].get_object() if hasattr(w[i + 1], "get_object") else w[i + 1]
                if isinstance(nxt, list):
                    for k, v in enumerate(nxt):
                        table[first + k] = _num(v, 1000.0) / 1000
                    i += 2
                elif i + 2 < len(w):
                    last = min(int(nxt), first + 65535)
                    for code in range(first, last + 1):
                        table[code] = _num(w[i + 2], 1000.0) / 1000
                    i += 3
                else:
                    break
            return 2, table, _num(cid.get("/DW", 1000), 1000.0) / 1000
        first_char = int(font.get("/FirstChar", 0))
        widths = font.get("/Widths")
        scale = 1 / 1000
        if font.get("/Subtype") == "/Type3":  # glyph space by /FontMatrix, not thousandths
            scale = abs(_num(font.get("/FontMatrix", [0.001])[0], 0.001))
        table = {first_char + k: _num(v) * scale for k, v in enumerate(widths.get_object())} if widths else {}
        missing = font.get("/FontDescriptor")
        other = _num(missing.get_object().get("/MissingWidth"), 0) * scale if missing else 0.0
        return 1, table, other or 1.0
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 — a font dictionary that cannot be read: estimate wide
        return 1, {}, 1.0


class _State:
    __slots__ = ("char_space", "clip", "ctm", "font", "h_scale", "leading", "line_width", "rise", "size", "word_space")

    def __init__(self) -> None:
        self.ctm: Matrix = IDENTITY
        self.clip: Box | None = None
        self.line_width = 1.0
        self.font: tuple[int, dict[int, float], float] = (1, {}, 1.0)
        self.size = 0.0
        self.char_space = 0.0
        self.word_space = 0.0
        self.h_scale = 1.0
        self.leading = 0.0
        self.rise = 0.0

    def copy(self) -> _State:
        other = _State()
        for name in self.__slots__:
            setattr(other, name, getattr(self, name))
        return other


PAINT = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
STROKE = {b"S", b"s", b"B", b"B*", b"b", b"b*"}


def marks(page: object, reader: object) -> Iterator[Box | None]:
    """Boxes (the page's user space) that may hold ink: text (by font size and estimated advance),
    painted paths, images, shadings, each within the clip in force. Overestimates, never
    under: a white fill or an invisible OCR layer counts too. ``None`` when the content is too
    long to look through."""
    resources = page.get("/Resources")  # type: ignore[attr-defined]
    contents = page.get_contents()  # type: ignore[attr-defined]
    if contents is None:
        return
    walk = _Walk(reader)
    if not walk.spend(len(contents.get_data())):
        yield None
        return
    yield from _marks(contents.operations, resources, _State(), walk, 0)


_Operations = list[tuple[Any, bytes]]  # a content stream's (operands, operator), as pypdf parses it


class _Walk:
    """What one look through a page shares: its file, the operations left, fonts read."""

    def __init__(self, reader: object) -> None:
        self.reader = reader
        self.budget = MAX_OPERATIONS
        self.bytes = MAX_CONTENT_BYTES
        self.fonts: dict[int, tuple[int, dict[int, float], float]] = {}
        self.forms: dict[int, _Operations] = {}  # a form's operations, parsed once however often it is drawn

    def spend(self, size: int) -> bool:
        """Count ``size`` bytes of content about to be parsed; False when over the limit."""
        self.bytes -= size
        return self.bytes >= 0

    def font(self, font: object) -> tuple[int, dict[int, float], float]:
        key = id(font.get_object())  # type: ignore[attr-defined]
        if key not in self.fonts:
            self.fonts[key] = _widths(font)
        return self.fonts[key]


def _marks(operations: _Operations, resources: object, state: _State, walk: _Walk, depth: int) -> Iterator[Box | None]:
    resources = resources.get_object() if resources is not None else {}  # type: ignore[attr-defined]
    stack: list[_State] = []
    path: list[tuple[float, float]] = []
    clipping = False
    tm: Matrix = IDENTITY
    line: Matrix = IDENTITY
    for operands, op in operations:
        walk.budget -= 1
        if walk.budget < 0:
            yield None
            return
        if op == b"q":
            stack.append(state.copy())
        elif op == b"Q":
            if stack:
                state = stack.pop()
        elif op == b"cm" and len(operands) == 6:
            state.ctm = _times(tuple(_num(v) for v in operands), state.ctm)  # type: ignore[arg-type]
        elif op == b"w" and operands:
            state.line_width = _num(operands[0], 1.0)
        elif op in (b"m", b"l") and len(operands) >= 2:
            path.append(_point(operands[0], operands[1], state.ctm))
        elif op in (b"c", b"v", b"y"):
            for k in range(0, len(operands) - 1, 2):
                path.append(_point(operands[k], operands[k + 1], state.ctm))
        elif op == b"re" and len(operands) == 4:
            x, y, w, h = (_num(v) for v in operands)
            path += [_point(x, y, state.ctm), _point(x + w, y + h, state.ctm),
                     _point(x + w, y, state.ctm), _point(x, y + h, state.ctm)]  # fmt: skip
        elif op in (b"W", b"W*"):
            clipping = True
        elif op in PAINT or op == b"n":
            if path:
                xs, ys = [p[0] for p in path], [p[1] for p in path]
                box = (min(xs), min(ys), max(xs), max(ys))
                if op in STROKE:
                    grow = abs(state.line_width) * _stretch(state.ctm) / 2 + 1.0
                    box = (box[0] - grow, box[1] - grow, box[2] + grow, box[3] + grow)
                if op != b"n":
                    shown = _clip(box, state.clip)
                    if shown is not None:
                        yield shown
                if clipping:
                    state.clip = _clip(box, state.clip) or (box[0], box[1], box[0], box[1])
            path, clipping = [], False
        elif op == b"Do" and operands:
            yield from _xobject(operands[0], resources, state, walk, depth)
        elif op == b"INLINE IMAGE":
            shown = _clip(_apply((0.0, 0.0, 1.0, 1.0), state.ctm), state.clip)
            if shown is not None:
                yield shown
        elif op == b"sh":
            yield state.clip or (-1e9, -1e9, 1e9, 1e9)
        elif op == b"BT":
            tm = line = IDENTITY
        elif op == b"Tf" and len(operands) == 2:
            fonts = resources.get("/Font") if hasattr(resources, "get") else None
            font = fonts.get_object().get(operands[0]) if fonts is not None else None
            state.font = walk.font(font) if font is not None else (1, {}, 1.0)
            state.size = _num(operands[1])
        elif op == b"Tc" and operands:
            state.char_space = _num(operands[0])
        elif op == b"Tw" and operands:
            state.word_space = _num(operands[0])
        elif op == b"Tz" and operands:
            state.h_scale = _num(operands[0], 100.0) / 100
        elif op == b"TL" and operands:
            state.leading = _num(operands[0])
        elif op == b"Ts" and operands:
            state.rise = _num(operands[0])
        elif op == b"Tm" and len(operands) == 6:
            tm = line = tuple(_num(v) for v in operands)  # type: ignore[assignment]
        elif op in (b"Td", b"TD") and len(operands) == 2:
            if op == b"TD":
                state.leading = -_num(operands[1])
            tm = line = _times((1.0, 0.0, 0.0, 1.0, _num(operands[0]), _num(operands[1])), line)
        elif op == b"T*":
            tm = line = _times((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), line)
        elif op in (b"Tj", b"TJ", b"'", b'"'):
            if op in (b"'", b'"'):
                if op == b'"' and len(operands) == 3:
                    state.word_space, state.char_space = _num(operands[0]), _num(operands[1])
                tm = line = _times((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), line)
            items = operands[0] if op == b"TJ" and operands else operands[-1:]
            advance = _advance(items, state)
            if advance is not None:
                low, high = state.rise - 0.3 * state.size, state.rise + 1.1 * state.size
                box = (min(0.0, advance), low, max(0.0, advance), high)
                shown = _clip(_apply(box, _times(tm, state.ctm)), state.clip)
                if shown is not None:
                    yield shown
                tm = _times((1.0, 0.0, 0.0, 1.0, advance, 0.0), tm)


def _advance(items: object, state: _State) -> float | None:
    """How far a shown string moves the text position (text space)."""
    try:
        per_code, table, other = state.font
        total = 0.0
        for item in items:  # type: ignore[attr-defined]
            raw = getattr(item, "original_bytes", None)
            if raw is None:
                if isinstance(item, bytes):
                    raw = item
                else:
                    total -= _num(item) / 1000 * state.size * state.h_scale
                    continue
            for k in range(0, len(raw), per_code):
                code = int.from_bytes(raw[k : k + per_code], "big")
                width = table.get(code, other) * state.size + state.char_space
                if per_code == 1 and code == 32:
                    width += state.word_space
                total += width * state.h_scale
        return total
    except (TypeError, ValueError):
        return None


def _xobject(name: object, resources: object, state: _State, walk: _Walk, depth: int) -> Iterator[Box | None]:
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    xobject = xobjects.get_object().get(name) if xobjects is not None else None
    if xobject is None:
        return
    xobject = xobject.get_object()
    if xobject.get("/Subtype") != "/Form":  # an image: the unit square
        shown = _clip(_apply((0.0, 0.0, 1.0, 1.0), state.ctm), state.clip)
        if shown is not None:
            yield shown
        return
    inner = state.copy()
    matrix = xobject.get("/Matrix")
    if matrix is not None and len(matrix) == 6:
        inner.ctm = _times(tuple(_num(v) for v in matrix), inner.ctm)  # type: ignore[arg-type]
    bbox = xobject.get("/BBox")
    if bbox is not None and len(bbox) == 4:
        x0, y0, x1, y1 = (_num(v) for v in bbox)
        bounds = _apply((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), inner.ctm)
        inner.clip = _clip(bounds, inner.clip) or (bounds[0], bounds[1], bounds[0], bounds[1])
    if depth >= MAX_FORM_DEPTH:
        yield inner.clip or (-1e9, -1e9, 1e9, 1e9)
        return
    operations = walk.forms.get(id(xobject))
    if operations is None:
        if not walk.spend(len(xobject.get_data())):
            yield None
            return
        operations = walk.forms[id(xobject)] = ContentStream(xobject, walk.reader).operations
    yield from _marks(operations, xobject.get("/Resources", resources), inner, walk, depth + 1)


def _point(x: object, y: object, m: Matrix) -> tuple[float, float]:
    px, py = _num(x), _num(y)
    return m[0] * px + m[2] * py + m[4], m[1] * px + m[3] * py + m[5]


def _stretch(m: Matrix) -> float:
    """How much a length grows under ``m`` at most."""
    return max(math.hypot(m[0], m[1]), math.hypot(m[2], m[3]))
