"""What makes a PDF written by fawen a PDF/A-2b file (ISO 19005-2, level B): an sRGB output
intent, XMP metadata that declares the conformance and carries the archival elements, and no
page keys the standard does not know (reportlab writes an empty ``/Trans`` on every page).
Fonts are embedded where the PDF is drawn (typeset_pdf, stamp); attached files are normalised
on the way in (attach)."""

from __future__ import annotations

import functools
import struct
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfWriter
from pypdf.generic import ArrayObject
from pypdf.generic import DecodedStreamObject
from pypdf.generic import DictionaryObject
from pypdf.generic import NameObject
from pypdf.generic import NumberObject
from pypdf.generic import TextStringObject

from pipeline.frozen import frozen


@frozen
class ArchivalMetadata:
    """The DA/T 46 elements fawen records for one copy, written into XMP with standard schemas
    only (Dublin Core, XMP basic, XMP media management): a PDF/A reader needs no extension
    schema to read them, and validators that accept only predefined properties accept them."""

    archive_code: str  # 档号 -> dc:identifier, xmpMM:DocumentID
    document_date: str  # 成文日期 (ISO) -> dc:date
    kind: str  # 文种 -> dc:type
    version: int  # 版本 -> xmpMM:VersionID
    state: str  # 稿本 (正本, 归档件) -> xmp:Label
    content_digest: str  # 内容 SHA-256 (the input and every file it names: dat22.content_digest) -> dc:source
    labelled: tuple[tuple[str, str], ...]  # 全宗号, 年度, 件号, 保管期限, 页数 … -> dc:subject "名：值"


# sRGB (IEC 61966-2-1) as an ICC version 2 display profile: the primaries adapted to the D50
# connection space (ICC.1:2001-04 Annex), and the sRGB tone curve sampled 1024 times. Version 2,
# because PDF/A-1 readers and validators accept no later one, and PDF/A-2 accepts it too.
_D50 = (0.9642, 1.0, 0.8249)
_COLORANTS = {b"rXYZ": (0.4361, 0.2225, 0.0139), b"gXYZ": (0.3851, 0.7169, 0.0971), b"bXYZ": (0.1431, 0.0606, 0.7141)}
_CURVE_POINTS = 1024


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(xyz: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in xyz)


def _srgb_curve() -> bytes:
    def decode(v: float) -> float:  # sRGB electro-optical transfer function
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    points = [round(decode(i / (_CURVE_POINTS - 1)) * 65535) for i in range(_CURVE_POINTS)]
    return b"curv\0\0\0\0" + struct.pack(f">I{_CURVE_POINTS}H", _CURVE_POINTS, *points)


def _text(kind: bytes, text: str) -> bytes:
    raw = text.encode("ascii") + b"\0"
    if kind == b"desc":  # textDescriptionType: ASCII, then empty Unicode and ScriptCode parts
        return b"desc\0\0\0\0" + struct.pack(">I", len(raw)) + raw + b"\0" * 12 + b"\0" * 67
    return b"text\0\0\0\0" + raw


@functools.cache
def srgb_profile() -> bytes:
    """The sRGB output profile (ICC version 2.1), the same bytes every time."""
    curve = _srgb_curve()
    tags = [(b"desc", _text(b"desc", "sRGB IEC61966-2.1")), (b"cprt", _text(b"text", "No copyright, use freely")),
            (b"wtpt", _xyz(_D50)), *((tag, _xyz(xyz)) for tag, xyz in _COLORANTS.items()),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]  # fmt: skip
    table, body = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    seen: dict[bytes, int] = {}
    for tag, data in tags:
        if data not in seen:  # the three curves share one copy
            seen[data] = offset + len(body)
            body += data + b"\0" * (-len(data) % 4)
        table += tag + struct.pack(">II", seen[data], len(data))
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0\0\0\0" + bytes((2, 0x10, 0, 0)) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + struct.pack(">I", 0)
              + b"\0" * 8 + b"\0" * 8 + struct.pack(">I", 0) + b"".join(_s15(v) for v in _D50) + b"\0" * 4
              + b"\0" * 16 + b"\0" * 28)  # fmt: skip
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def xmp_packet(info: dict[str, str], created: str, meta: ArchivalMetadata) -> bytes:
    """The XMP packet: the document information ``info`` (Title, Author, Subject, Keywords,
    Creator, Producer) mirrored as PDF/A requires, ``created`` (ISO 8601, or empty) as create,
    modify and metadata date, and the archival elements."""
    e = {k: escape(v) for k, v in info.items()}
    dates = (f"<xmp:CreateDate>{created}</xmp:CreateDate><xmp:ModifyDate>{created}</xmp:ModifyDate>"
             f"<xmp:MetadataDate>{created}</xmp:MetadataDate>") if created else ""  # fmt: skip
    day = f"<dc:date><rdf:Seq><rdf:li>{meta.document_date}</rdf:li></rdf:Seq></dc:date>" if meta.document_date else ""
    subjects = "".join(f"<rdf:li>{escape(name)}：{escape(value)}</rdf:li>" for name, value in meta.labelled)
    code = escape(meta.archive_code)
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{e["Title"]}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{e["Author"]}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{e["Subject"]}</rdf:li></rdf:Alt></dc:description>
<dc:identifier>{code}</dc:identifier>
<dc:type><rdf:Bag><rdf:li>{escape(meta.kind)}</rdf:li></rdf:Bag></dc:type>
<dc:source>sha256:{escape(meta.content_digest)}</dc:source>
<dc:subject><rdf:Bag>{subjects}</rdf:Bag></dc:subject>
{day}
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{e["Producer"]}</pdf:Producer>
<pdf:Keywords>{e["Keywords"]}</pdf:Keywords>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreatorTool>{e["Creator"]}</xmp:CreatorTool>
<xmp:Label>{escape(meta.state)}</xmp:Label>
{dates}
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">
<xmpMM:DocumentID>fawen:{code}</xmpMM:DocumentID>
<xmpMM:VersionID>{meta.version}</xmpMM:VersionID>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


def set_metadata(writer: PdfWriter, xmp: bytes) -> None:
    """The catalogue's XMP stream: uncompressed, as PDF/A asks."""
    stream = DecodedStreamObject()
    stream.set_data(xmp)
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)  # noqa: SLF001


def make_archival(writer: PdfWriter) -> None:
    """The structural part of PDF/A-2b: the sRGB output intent, and no empty ``/Trans``
    (reportlab's default page transition, a key the standard's page dictionary lacks)."""
    for page in writer.pages:
        trans: Any = page.get("/Trans")
        if trans is not None and not trans.get_object():
            del page[NameObject("/Trans")]
    if "/OutputIntents" in writer.root_object:
        return
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    profile_ref = writer._add_object(profile)  # noqa: SLF001
    intent = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject("/GTS_PDFA1"),
        NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
        NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
        NameObject("/DestOutputProfile"): profile_ref,
    })  # fmt: skip
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])  # noqa: SLF001
