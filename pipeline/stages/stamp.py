"""Step 9: version metadata into both PDFs (document information and XMP) and the DOCX core
properties, and the 归档章 on the archival copy's first page (pypdf + reportlab)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from typing import Protocol

from pypdf import PdfReader
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline import gbt9704 as g
from pipeline import pdfa
from pipeline.frozen import frozen

MM = g.MM
STAMP_W, STAMP_H = g.ARCHIVE_STAMP_W, g.ARCHIVE_STAMP_H  # 归档章, mm
STAMP_TOP = g.ARCHIVE_STAMP_TOP


class StampFonts(Protocol):
    def font_for(self, char: str, role: str) -> str: ...


@frozen
class StampData:
    """What the stamps say about one version of one 件."""

    title: str
    number: str  # 文号 or 期号
    archive_code: str  # 档号
    fonds: str
    year: int
    item: int
    problem: str
    retention: str  # Y / D30 / D10
    pages: int
    version: int
    state: str  # 稿本: 正本
    content_digest: str  # 内容SHA256: the input and every file it names (dat22.content_digest)
    author: str
    kind: str
    date: dt.date | None
    generator: str = "fawen"
    created: dt.datetime | None = None  # when the files were made (aware): the PDFs' CreationDate


RETENTION_LABEL = {"Y": "永久", "D30": "30年", "D10": "10年"}


def _pdf_date(when: dt.datetime) -> str:
    """D:YYYYMMDDHHmmSS+HH'mm' (PDF 32000 §7.9.4)."""
    offset = when.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _info(meta: StampData) -> dict[str, str]:
    """The document information entries that XMP mirrors (PDF/A: the two must agree)."""
    return {"Title": meta.title, "Author": meta.author, "Subject": meta.number,
            "Keywords": f"{meta.kind}；{meta.archive_code}", "Creator": meta.generator, "Producer": meta.generator}  # fmt: skip


def _xmp(meta: StampData) -> bytes:
    created = meta.created.isoformat(timespec="seconds") if meta.created else ""
    labelled = (("全宗号", meta.fonds), ("年度", str(meta.year)), ("件号", f"{meta.item:04d}"),
                ("机构（问题）", meta.problem), ("保管期限", RETENTION_LABEL.get(meta.retention, meta.retention)),
                ("页数", str(meta.pages)), ("文号", meta.number))  # fmt: skip
    archival = pdfa.ArchivalMetadata(
        meta.archive_code,
        meta.date.isoformat() if meta.date else "",
        meta.kind,
        meta.version,
        meta.state,
        meta.content_digest,
        tuple((k, v) for k, v in labelled if v),
    )
    return pdfa.xmp_packet(_info(meta), created, archival)


def _archive_stamp(fonts: StampFonts, meta: StampData) -> bytes:
    """The 归档章 as a one-page PDF overlay: a red 2 x 3 box, 45 x 16 mm, top centre."""
    buf = io.BytesIO()
    initial = fonts.font_for("一", g.ROLE_SONG)  # not reportlab's unembedded Helvetica (PDF/A)
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=initial)
    x0 = (g.PAGE_W - STAMP_W) / 2
    top = g.PAGE_H - STAMP_TOP
    c.setStrokeColorRGB(*g.RED_RGB)
    c.setFillColorRGB(*g.RED_RGB)
    c.setLineWidth(g.ARCHIVE_STAMP_OUTER * MM)
    c.rect(x0 * MM, (top - STAMP_H) * MM, STAMP_W * MM, STAMP_H * MM)
    c.setLineWidth(g.ARCHIVE_STAMP_INNER * MM)
    c.line(x0 * MM, (top - STAMP_H / 2) * MM, (x0 + STAMP_W) * MM, (top - STAMP_H / 2) * MM)
    for k in (1, 2):
        c.line((x0 + k * STAMP_W / 3) * MM, top * MM, (x0 + k * STAMP_W / 3) * MM, (top - STAMP_H) * MM)
    cells = [[meta.fonds, str(meta.year), f"{meta.item:04d}"],
             [meta.problem, RETENTION_LABEL.get(meta.retention, meta.retention), str(meta.pages)]]  # fmt: skip
    size = g.ARCHIVE_STAMP_SIZE
    for r, row in enumerate(cells):
        for k, text in enumerate(row):
            cx = (x0 + (k + 0.5) * STAMP_W / 3) * MM
            cy = (top - (r + 0.5) * STAMP_H / 2) * MM - size * 0.35
            x = cx - sum(c.stringWidth(ch, fonts.font_for(ch, g.ROLE_SONG), size) for ch in text) / 2
            for ch in text:
                font = fonts.font_for(ch, g.ROLE_SONG)
                c.setFont(font, size)
                c.drawString(x, cy, ch)
                x += c.stringWidth(ch, font, size)
    c.showPage()
    c.save()
    return buf.getvalue()


def _metadata(writer: PdfWriter, meta: StampData) -> None:
    writer.add_metadata({
        **{f"/{k}": v for k, v in _info(meta).items()},
        "/FawenArchiveCode": meta.archive_code, "/FawenVersion": str(meta.version), "/FawenState": meta.state,
        "/FawenInputSHA256": meta.content_digest,  # the key fawen 0.1 named; verify reads it in every archive
        **({"/CreationDate": _pdf_date(meta.created), "/ModDate": _pdf_date(meta.created)} if meta.created else {}),
    })  # fmt: skip
    pdfa.set_metadata(writer, _xmp(meta))


def stamp_copies(pdf: bytes, meta: StampData, fonts: StampFonts) -> tuple[bytes, bytes]:
    """The distribution copy (正本: metadata, no stamp) and the archival copy (归档件: metadata and
    the 归档章 on page 1), from one parse of the typeset PDF; both PDF/A-2b."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    pdfa.make_archival(writer)
    _metadata(writer, meta)
    first = io.BytesIO()
    writer.write(first)
    overlay = PdfReader(io.BytesIO(_archive_stamp(fonts, meta))).pages[0]
    page = writer.pages[0]
    page.merge_page(overlay, over=True)
    page.compress_content_streams()
    _metadata(writer, dataclasses.replace(meta, state="归档件"))
    second = io.BytesIO()
    writer.write(second)
    return first.getvalue(), second.getvalue()


def docx_properties(meta: StampData) -> dict[str, object]:
    """The DOCX core properties that carry the version metadata (and when it was made)."""
    made: dict[str, object] = {}
    if meta.created:  # python-docx writes the clock time with a Z: give it UTC
        utc = meta.created.astimezone(dt.UTC).replace(tzinfo=None)
        made = {"created": utc, "modified": utc}
    return {**made,
        "identifier": meta.archive_code, "version": str(meta.version), "content_status": meta.state,
        "subject": meta.number, "keywords": f"{meta.kind}；{meta.archive_code}",
        "comments": f"档号 {meta.archive_code}；第{meta.version}版；{meta.state}；内容 SHA-256 {meta.content_digest}；{meta.generator}",
    }  # fmt: skip
