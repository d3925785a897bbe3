"""The OFD-A archival copy (pipeline.stages.ofd): every example typeset, written as OFD, then

1. checked against GB/T 33190-2016 as read from the standard (no schema files copied): the
   package's files and references, IDs and MaxUnitID, fonts, glyph counts, boundaries, the
   OFD-A identification and the DA/T 46 metadata;
2. rendered by an independent reader, easyofd (its own parser and drawing: OFD -> PDF), and
   compared character by character with fawen's own PDF of the same document, read by
   pdfplumber: same pages, same text at the same places within 0.5 mm;
3. written twice, and in a second process with another hash seed: the same bytes, so the
   archive's manifest digest catches a changed byte.

easyofd (a test dependency) draws every character with one font it looks up as 「宋体」 (a
Windows font name) and drops text it cannot set: the test registers the 宋体 role's face under
that name, as a Windows system would have it. It ignores the embedded fonts for drawing, so the
characters' tops differ by the faces' descents; what is compared is each character's origin:
x0 and its baseline (the text matrix), both independent of the face.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
import time
import warnings
import zipfile
from collections import Counter
from pathlib import Path
from posixpath import dirname
from posixpath import join
from posixpath import normpath

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image
from PIL import ImageDraw

from pipeline.intake import read_request
from pipeline.ofdfonts import EmbeddedFonts
from pipeline.run import attachment_files
from pipeline.run import compose_request
from pipeline.run import seal_images
from pipeline.stages import ofd
from pipeline.stages.attach import label_fits
from pipeline.stages.attach import merge_attachments
from pipeline.stages.attach import page_count
from pipeline.stages.stamp import StampData
from pipeline.stages.stamp import stamp_copies
from pipeline.stages.typeset_pdf import Typeset
from pipeline.stages.typeset_pdf import typeset
from pipeline.store import fonts as font_store
from pipeline.store import workspace as ws_store
from tests.conftest import EXAMPLES
from tests.conftest import TODAY
from tests.conftest import example_files

NS = {"ofd": "http://www.ofdspec.org/2016"}
NAMES = [p.name for p in example_files(EXAMPLES)]
TOLERANCE = 0.5  # mm
REPO = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Doc:
    name: str
    typeset: Typeset
    pdf: bytes  # attachments merged: what fawen files
    meta: ofd.OfdMetadata
    stamp: ofd.StampBox
    attached: dict[int, ofd.Placed]
    package: bytes
    seconds: float  # ofd_package's CPU time, fonts not yet cut for this document


def _seal() -> bytes:
    """A seal image (a red ring and star on transparency), for documents that ask for the seal:
    the sample workspace has no seal file."""
    image = Image.new("RGBA", (420, 420), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 410, 410), outline=(230, 0, 18, 255), width=14)
    draw.regular_polygon((210, 210, 70), 5, fill=(230, 0, 18, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SEAL = _seal()


def _workspace() -> ws_store.Workspace:
    return ws_store.Workspace(ws_store.SAMPLE_CONFIG.parent, ws_store.load_config_file(ws_store.SAMPLE_CONFIG))


def _metadata(req, comp, done: Typeset, item: int, source: bytes) -> ofd.OfdMetadata:
    return ofd.OfdMetadata(
        title=comp.title, author="、".join(comp.authors), created=TODAY, archive_code=f"HT-2026-Y-{item:04d}",
        fonds="HT", year=2026, item=item, problem="办公室", retention="永久", number=comp.head.number,
        date=TODAY.isoformat(), kind=req.kind.value, pages=done.pages, version=1, state="归档件",
        content_digest=hashlib.sha256(source).hexdigest(), creator_version="0.1.0",
    )  # fmt: skip


def _document(path: Path, item: int, workspace, fonts) -> Doc:
    """One example as fawen files it (pipeline.run.typeset_request), then as OFD."""
    req = read_request(path, workspace, TODAY)
    files = attachment_files(req, path.parent)
    comp = compose_request(req, workspace, tuple(page_count(d) if d is not None else 0 for d in files))
    labels = tuple(d is not None and label_fits(d) for d in files)
    seals = tuple(image or SEAL for image in seal_images(req, workspace))
    done = typeset(comp, fonts, seals, labels)
    pdf = merge_attachments(done.pdf, done.placeholders, [d for d in files if d is not None])
    meta = _metadata(req, comp, done, item, path.read_bytes())
    attached = ofd.attached_renderings(pdf, done.drawn, done.placeholders)
    stamp = ofd.stamp_of(meta)
    start = time.process_time()  # CPU time: on a busy machine, waiting for a core is not the writer's
    package = ofd.ofd_package(done.drawn, EmbeddedFonts(fonts), meta, stamp, attached)
    seconds = time.process_time() - start
    return Doc(path.name, done, pdf, meta, stamp, attached, package, seconds)


@pytest.fixture(scope="module")
def fonts():
    return font_store.font_set(_workspace().config.font_dirs)


@pytest.fixture(scope="module")
def docs(fonts) -> dict[str, Doc]:
    workspace = _workspace()
    return {p.name: _document(p, k, workspace, fonts) for k, p in enumerate(example_files(EXAMPLES), 1)}


# ---- reading a package back --------------------------------------------------------------------


class Package:
    """An OFD package read back: its files, and each XML file parsed."""

    def __init__(self, data: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            self.names = z.namelist()
            self.files = {n: z.read(n) for n in self.names}
        self.xml = {n: etree.fromstring(d) for n, d in self.files.items() if n.endswith(".xml")}

    def loc(self, base_file: str, loc: str) -> str:
        """An ST_Loc: absolute from the package root, else relative to the referring file's folder."""
        path = loc[1:] if loc.startswith("/") else join(dirname(base_file), loc)
        return normpath(path)

    def resolve(self, base_file: str, loc: str) -> str:
        path = self.loc(base_file, loc)
        assert path in self.files, f"{base_file} refers to {loc}: no {path} in the package"
        return path

    def one(self, name: str, xpath: str):
        found = self.xml[name].xpath(xpath, namespaces=NS)
        assert len(found) == 1, (name, xpath, found)
        return found[0]


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split()]


def _inside(boundary: str, area: tuple[float, float, float, float]) -> bool:
    x, y, w, h = _floats(boundary)
    ax, ay, aw, ah = area
    e = 1e-6
    return w >= 0 and h >= 0 and x >= ax - e and y >= ay - e and x + w <= ax + aw + e and y + h <= ay + ah + e


def _doc_root(pkg: Package) -> str:
    return pkg.resolve("OFD.xml", pkg.xml["OFD.xml"].xpath("string(ofd:DocBody/ofd:DocRoot)", namespaces=NS))


def _resources(pkg: Package, doc_root: str) -> dict[str, dict[str, str]]:
    """Every resource the document declares: kind -> ID -> the file it uses (or "")."""
    document = pkg.xml[doc_root]
    found: dict[str, dict[str, str]] = {"font": {}, "media": {}, "colour": {}}
    for tag in ("PublicRes", "DocumentRes"):
        for loc in document.xpath(f"ofd:CommonData/ofd:{tag}/text()", namespaces=NS):
            res_file = pkg.resolve(doc_root, loc)
            res = pkg.xml[res_file]
            base = pkg.loc(res_file, res.get("BaseLoc")) + "/"  # the files' folder
            for font in res.xpath("ofd:Fonts/ofd:Font", namespaces=NS):
                found["font"][font.get("ID")] = pkg.resolve(base, font.xpath("string(ofd:FontFile)", namespaces=NS))
            for media in res.xpath("ofd:MultiMedias/ofd:MultiMedia", namespaces=NS):
                found["media"][media.get("ID")] = pkg.resolve(base, media.xpath("string(ofd:MediaFile)", namespaces=NS))
            for space in res.xpath("ofd:ColorSpaces/ofd:ColorSpace", namespaces=NS):
                profile = space.get("Profile")
                found["colour"][space.get("ID")] = pkg.resolve(base, profile) if profile else ""
    return found


def _glyph_origins(text_object, origin: tuple[float, float]) -> list[tuple[str, float, float]]:
    """Each character of a TextObject and its origin on the page (mm): Boundary + X/Y + DeltaX."""
    bx, by, _, _ = _floats(text_object.get("Boundary"))
    out = []
    for code in text_object.xpath("ofd:TextCode", namespaces=NS):
        x = origin[0] + bx + float(code.get("X"))
        y = origin[1] + by + float(code.get("Y"))
        deltas = _floats(code.get("DeltaX", ""))
        for i, ch in enumerate(code.text):
            out.append((ch, x, y))
            x += deltas[i] if i < len(deltas) else 0.0
    return out


# ---- 1. structure --------------------------------------------------------------------------------


def _check_entry(pkg: Package, meta: ofd.OfdMetadata) -> None:
    root = pkg.xml["OFD.xml"]
    assert root.tag == "{http://www.ofdspec.org/2016}OFD"
    assert root.get("Version") == "1.0" and root.get("DocType") == "OFD-A"
    info = pkg.one("OFD.xml", "ofd:DocBody/ofd:DocInfo")
    text = lambda tag: info.xpath(f"string(ofd:{tag})", namespaces=NS)  # noqa: E731
    doc_id = text("DocID")
    assert len(doc_id) == 32 and int(doc_id, 16) >= 0
    assert text("Title") == meta.title and text("Author") == meta.author
    assert text("CreationDate") == meta.created.isoformat() and text("Creator") == "fawen"
    datas = {d.get("Name"): d.text or "" for d in info.xpath("ofd:CustomDatas/ofd:CustomData", namespaces=NS)}
    wanted = {"档号": meta.archive_code, "全宗号": meta.fonds, "年度": str(meta.year), "件号": f"{meta.item:04d}",
              "机构（问题）": meta.problem, "保管期限": meta.retention, "文号": meta.number, "成文日期": meta.date,
              "文种": meta.kind, "页数": str(meta.pages), "版本": str(meta.version), "稿本": meta.state,
              "内容 SHA-256": meta.content_digest}  # fmt: skip
    assert datas == wanted


def _check_ids(pkg: Package, doc_root: str) -> None:
    ids = [int(i) for tree in pkg.xml.values() for i in tree.xpath("//@ID")]
    assert len(ids) == len(set(ids)), Counter(ids).most_common(3)
    max_unit = int(pkg.xml[doc_root].xpath("string(ofd:CommonData/ofd:MaxUnitID)", namespaces=NS))
    assert min(ids) >= 1 and max(ids) == max_unit


def _pages(pkg: Package, doc_root: str) -> list[tuple[str, str]]:
    """(ID, content file) of each page, in order."""
    document = pkg.xml[doc_root]
    assert document.xpath("string(ofd:CommonData/ofd:PageArea/ofd:PhysicalBox)", namespaces=NS) == "0 0 210 297"
    return [(p.get("ID"), pkg.resolve(doc_root, p.get("BaseLoc")))
            for p in document.xpath("ofd:Pages/ofd:Page", namespaces=NS)]  # fmt: skip


def _check_objects(pkg: Package, xml_file: str, res: dict[str, dict[str, str]], used: dict[str, set[str]]) -> None:
    """The graphic units of a page or an appearance: references, glyph counts, boundaries (inside
    the page, or inside the appearance they belong to). Notes the characters each font draws."""
    for obj in pkg.xml[xml_file].xpath("//ofd:TextObject | //ofd:PathObject | //ofd:ImageObject", namespaces=NS):
        container = obj.getparent()
        inner = container.tag.endswith("Appearance")
        box = (0.0, 0.0, *_floats(container.get("Boundary"))[2:]) if inner else ofd.PAGE_BOX
        assert _inside(obj.get("Boundary"), box), (xml_file, obj.get("ID"), obj.get("Boundary"))
        for colour in obj.xpath("ofd:FillColor | ofd:StrokeColor", namespaces=NS):
            assert colour.get("ColorSpace") in res["colour"] and len(_floats(colour.get("Value"))) == 3
        if obj.tag.endswith("ImageObject"):
            assert obj.get("ResourceID") in res["media"]
        if obj.tag.endswith("PathObject"):
            assert obj.xpath("string(ofd:AbbreviatedData)", namespaces=NS).startswith("M ")
        if obj.tag.endswith("TextObject"):
            assert obj.get("Font") in res["font"], obj.get("Font")
            assert float(obj.get("Size")) > 0
            for code in obj.xpath("ofd:TextCode", namespaces=NS):
                text = code.text or ""
                assert text and text == text.strip(), repr(text)
                assert len(_floats(code.get("DeltaX", ""))) == len(text) - 1, (text, code.get("DeltaX"))
                used.setdefault(obj.get("Font"), set()).update(text)


def _check_fonts(pkg: Package, res: dict[str, dict[str, str]], chars: dict[str, set[str]]) -> None:
    """Each font file a TrueType subset whose Unicode cmap holds every character drawn with it."""
    for ident, path in res["font"].items():
        data = pkg.files[path]
        assert data[:4] == b"\x00\x01\x00\x00", path  # TrueType outlines
        font = TTFont(io.BytesIO(data))
        cmap = font["cmap"].getcmap(3, 1).cmap
        assert font.getGlyphOrder()[0] == ".notdef" and "glyf" in font
        missing = {ch for ch in chars.get(ident, ()) if ord(ch) not in cmap}
        assert not missing, (path, missing)


def _check_annotations(pkg: Package, doc_root: str, pages: list[tuple[str, str]], stamp: ofd.StampBox) -> str:
    """The 归档章: a Stamp annotation on the first page, in its place, saying what the stamp says."""
    entry = pkg.resolve(doc_root, pkg.xml[doc_root].xpath("string(ofd:Annotations)", namespaces=NS))
    page = pkg.one(entry, "ofd:Page")
    assert page.get("PageID") == pages[stamp.page][0]
    annot_file = pkg.resolve(entry, page.xpath("string(ofd:FileLoc)", namespaces=NS))
    annot = pkg.one(annot_file, "ofd:Annot")
    assert annot.get("Type") == "Stamp" and annot.get("Subtype") == "归档章" and annot.get("LastModDate")
    appearance = annot.xpath("ofd:Appearance", namespaces=NS)[0]
    assert _floats(appearance.get("Boundary")) == [82.25, 11.75, 45.5, 16.5]  # 45 x 16 mm, 12 mm down, centred
    texts = [c.text for c in appearance.xpath("ofd:TextObject/ofd:TextCode", namespaces=NS)]
    assert "".join(texts) == "".join(cell for row in stamp.cells for cell in row)
    return annot_file


def check_package(data: bytes, meta: ofd.OfdMetadata, stamp: ofd.StampBox, pages: int) -> Package:
    pkg = Package(data)
    assert pkg.names[0] == "OFD.xml" and len(pkg.names) == len(set(pkg.names))
    assert all(not n.startswith("/") and ".." not in n for n in pkg.names)
    _check_entry(pkg, meta)
    doc_root = _doc_root(pkg)
    _check_ids(pkg, doc_root)
    res = _resources(pkg, doc_root)
    page_files = _pages(pkg, doc_root)
    assert len(page_files) == pages
    assert pkg.xml[doc_root].xpath("string(ofd:CommonData/ofd:DefaultCS)", namespaces=NS) in res["colour"]
    used: dict[str, set[str]] = {}
    for _, content in page_files:
        _check_objects(pkg, content, res, used)
    annot_file = _check_annotations(pkg, doc_root, page_files, stamp)
    _check_objects(pkg, annot_file, res, used)
    _check_fonts(pkg, res, used)
    referenced = {doc_root, "OFD.xml", *(f for _, f in page_files), *res["font"].values(), *res["media"].values()}
    assert referenced <= set(pkg.names)
    return pkg


@pytest.mark.parametrize("name", NAMES)
def test_package_follows_the_standard(docs, name):
    doc = docs[name]
    check_package(doc.package, doc.meta, doc.stamp, doc.typeset.pages)


def test_every_example_is_written_and_fast(docs):
    assert len(docs) == 8
    assert sum(len(p.pictures) for d in docs.values() for p in d.typeset.drawn) >= 2  # seals on 001 and 002
    slowest = max(docs.values(), key=lambda d: d.seconds)
    print({d.name: f"{d.seconds * 1000:.0f} ms, {len(d.package) // 1024} KB" for d in docs.values()})
    assert slowest.seconds < 1.0, (slowest.name, slowest.seconds)


def test_attached_pages_are_placed_as_images(docs):
    doc = docs["007-请示.yaml"]
    assert doc.typeset.placeholders and set(doc.attached) == set(doc.typeset.placeholders)
    pkg = Package(doc.package)
    for index, placed in doc.attached.items():
        content = pkg.xml[f"Doc_0/Pages/Page_{index}/Content.xml"]
        images = content.xpath("//ofd:ImageObject", namespaces=NS)
        assert [_floats(i.get("Boundary")) for i in images] == [
            [round(v, 3) for v in (placed.x, placed.top, placed.w, placed.h)]
        ]
        # the file's page keeps clear of the 附件 label and of the page number: inside the 版心
        assert placed.top >= 37.0 and placed.top + placed.h <= 262.0 and placed.x >= 28.0


def test_stamp_is_where_the_pdf_stamp_is(docs, fonts):
    """The annotation draws the 归档章 the PDF copy carries: same glyph origins, same box."""
    doc = docs["002-全体会议通知.yaml"]
    meta = doc.meta
    data = StampData(meta.title, meta.number, meta.archive_code, meta.fonds, meta.year, meta.item, meta.problem,
                     "Y", meta.pages, meta.version, "正本", meta.content_digest, meta.author, meta.kind, TODAY)  # fmt: skip
    plain, stamped = stamp_copies(doc.pdf, data, fonts)
    with pdfplumber.open(io.BytesIO(plain)) as a, pdfplumber.open(io.BytesIO(stamped)) as b:
        before = Counter((c["text"], round(c["x0"], 2)) for c in a.pages[0].chars)
        added = [c for c in b.pages[0].chars if before[(c["text"], round(c["x0"], 2))] == 0]
        h = float(b.pages[0].height)
        red_lines = [r for r in b.pages[0].rects + b.pages[0].lines if r["top"] < 30 * 72 / 25.4]
    pdf_glyphs = sorted((c["text"], c["x0"] * 25.4 / 72, (h - c["matrix"][5]) * 25.4 / 72) for c in added)
    pkg = Package(doc.package)
    appearance = pkg.xml["Doc_0/Annots/Page_0/Annotation.xml"].xpath("//ofd:Appearance", namespaces=NS)[0]
    ax, ay, _, _ = _floats(appearance.get("Boundary"))
    ofd_glyphs = sorted(
        g for t in appearance.xpath("ofd:TextObject", namespaces=NS) for g in _glyph_origins(t, (ax, ay))
    )
    assert [g[0] for g in ofd_glyphs] == [g[0] for g in pdf_glyphs]
    assert max(max(abs(a[1] - b[1]), abs(a[2] - b[2])) for a, b in zip(ofd_glyphs, pdf_glyphs, strict=True)) < 0.01
    pdf_xs = {round(v * 25.4 / 72, 2) for r in red_lines for v in (r["x0"], r["x1"])}
    pdf_ys = {round(v * 25.4 / 72, 2) for r in red_lines for v in (r["top"], r["bottom"])}
    assert pdf_xs == {82.5, 97.5, 112.5, 127.5} and pdf_ys == {12.0, 20.0, 28.0}  # 45 x 16 mm, 2 x 3 cells
    ofd_xs, ofd_ys = set(), set()
    for path in appearance.xpath("ofd:PathObject", namespaces=NS):
        bx, by, _, _ = _floats(path.get("Boundary"))
        points = [float(v) for v in path.xpath("string(ofd:AbbreviatedData)", namespaces=NS).split() if v[0].isdigit()]
        ofd_xs |= {round(ax + bx + v, 2) for v in points[0::2]}
        ofd_ys |= {round(ay + by + v, 2) for v in points[1::2]}
    assert (ofd_xs, ofd_ys) == (pdf_xs, pdf_ys)


# ---- 2. an independent reader --------------------------------------------------------------------


@pytest.fixture(scope="module")
def easyofd(fonts):
    path = sys.path[:]  # easyofd puts the working folder and ".." in front on import
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyMuPDF's "fitz" name is deprecated
        module = pytest.importorskip("easyofd")
    sys.path[:] = path
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont as RLFont

    song = fonts.choices["宋体"]
    pdfmetrics.registerFont(RLFont("宋体", song.path, subfontIndex=song.subfont))
    return module


def _to_pdf(easyofd, package: bytes, folder: Path, monkeypatch) -> bytes:
    """easyofd's PDF of the package (it unpacks into the working folder, which must have no dot)."""
    assert "." not in str(folder)
    monkeypatch.chdir(folder)
    reader = easyofd.OFD()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader.read(package, fmt="binary")
        return bytes(reader.to_pdf())


def _chars(pdf: bytes) -> list[list[tuple[str, float, float]]]:
    """Each page's characters but spaces: (text, x0, baseline), mm from the top-left, whatever
    the page's scale (easyofd draws 200 units to the inch)."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            k = 210.0 / float(page.width)
            assert float(page.height) * k == pytest.approx(297.0, abs=0.1)
            pages.append([(c["text"], c["x0"] * k, (float(page.height) - c["matrix"][5]) * k)
                          for c in page.chars if not c["text"].isspace()])  # fmt: skip
    return pages


def _images(pdf: bytes) -> list[list[tuple[float, float, float, float]]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[(i["x0"] * 210 / float(p.width), i["top"] * 210 / float(p.width), i["x1"] * 210 / float(p.width),
                  i["bottom"] * 210 / float(p.width)) for i in p.images] for p in doc.pages]  # fmt: skip


def _match(ours: list[tuple[str, float, float]], theirs: list[tuple[str, float, float]]):
    """Pair each of ``ours`` with the nearest unpaired same character of ``theirs``; returns the
    largest distance (x or baseline) paired, what of ours found none within tolerance, and what of
    theirs is left."""
    pool: dict[str, list[tuple[float, float]]] = {}
    for ch, x, y in theirs:
        pool.setdefault(ch, []).append((x, y))
    worst, unmatched = 0.0, []
    for ch, x, y in ours:
        candidates = pool.get(ch, [])
        best = min(candidates, key=lambda p: max(abs(p[0] - x), abs(p[1] - y)), default=None)
        if best is None or max(abs(best[0] - x), abs(best[1] - y)) > TOLERANCE:
            unmatched.append((ch, round(x, 2), round(y, 2)))
            continue
        worst = max(worst, abs(best[0] - x), abs(best[1] - y))
        candidates.remove(best)
    left = [(ch, x, y) for ch, points in pool.items() for x, y in points]
    return worst, unmatched, left


def _covered(x: float, y: float, boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1 for x0, y0, x1, y1 in boxes)


@pytest.mark.parametrize("name", NAMES)
def test_easyofd_draws_what_fawen_drew(docs, easyofd, name, tmp_path, monkeypatch):
    doc = docs[name]
    rendered = _to_pdf(easyofd, doc.package, tmp_path, monkeypatch)
    ours, theirs, their_images = _chars(doc.pdf), _chars(rendered), _images(rendered)
    assert len(theirs) == len(ours) == doc.typeset.pages
    worst = 0.0
    for index, (mine, shown) in enumerate(zip(ours, theirs, strict=True)):
        placed = doc.attached.get(index)
        boxes = [(placed.x, placed.top, placed.x + placed.w, placed.top + placed.h)] if placed else []
        # an attached file's text is in the image of its page
        mine = [c for c in mine if not _covered(c[1], c[2], boxes)]
        page_worst, unmatched, left = _match(mine, shown)
        assert not unmatched, (index, unmatched[:10])
        stamp_chars = Counter("".join(cell for row in doc.stamp.cells for cell in row)) if index == 0 else Counter()
        assert Counter(ch for ch, _, _ in left) == stamp_chars, (index, left[:10])  # the 归档章 annotation's text
        pictures = [(p.x, p.top, p.x + p.w, p.top + p.h) for p in doc.typeset.drawn[index].pictures]
        for box in boxes + pictures:  # attached pages and seals, where fawen put them
            assert any(
                all(abs(a - b) < TOLERANCE for a, b in zip(box, image, strict=True)) for image in their_images[index]
            )
        worst = max(worst, page_worst)
    print(f"{name}: largest difference {worst:.4f} mm")
    assert worst <= TOLERANCE


def test_the_comparison_sees_a_shift():
    """What the reader comparison would report: a glyph 0.6 mm off, or one missing."""
    assert _match([("文", 30.0, 50.0)], [("文", 30.6, 50.0)])[1] == [("文", 30.0, 50.0)]
    assert _match([("文", 30.0, 50.0)], [("字", 30.0, 50.0)])[1] == [("文", 30.0, 50.0)]
    assert _match([("文", 30.0, 50.0)], [("文", 30.2, 50.3)])[:2] == (pytest.approx(0.3), [])


# ---- 3. the same input, the same bytes --------------------------------------------------------


def test_same_input_same_bytes(docs, fonts):
    for doc in docs.values():
        again = ofd.ofd_package(doc.typeset.drawn, EmbeddedFonts(fonts), doc.meta, doc.stamp, doc.attached)
        assert again == doc.package, doc.name


def test_a_moved_glyph_changes_the_bytes(docs, fonts):
    doc = docs["002-全体会议通知.yaml"]
    pages = list(doc.typeset.drawn)
    first = pages[0]
    run = first.runs[-1]
    moved = dataclasses.replace(first, runs=[*first.runs[:-1], dataclasses.replace(run, x=run.x + 0.01)])
    changed = ofd.ofd_package([moved, *pages[1:]], EmbeddedFonts(fonts), doc.meta, doc.stamp, doc.attached)
    assert hashlib.sha256(changed).digest() != hashlib.sha256(doc.package).digest()


SCRIPT = """
import hashlib, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests.test_ofd import _document, _workspace
from pipeline.store import fonts as font_store
workspace = _workspace()
fonts = font_store.font_set(workspace.config.font_dirs)
doc = _document(Path(sys.argv[2]), int(sys.argv[3]), workspace, fonts)
print(hashlib.sha256(doc.package).hexdigest())
"""


def test_another_process_writes_the_same_bytes(docs):
    """Another interpreter with another hash seed (set and dict orders differ): the same bytes."""
    name = "001-印发制度的通知.yaml"
    item = NAMES.index(name) + 1
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO), str(EXAMPLES / name), str(item)], env=env,
                         capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == hashlib.sha256(docs[name].package).hexdigest()
