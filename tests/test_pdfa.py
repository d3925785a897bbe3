"""Archival PDFs (issue 14, item 1): every 正本 and 归档 copy fawen files is PDF/A-2b.

Checked with real validators: pikepdf's ``pdfa`` module (an allowlist validator built from the
veraPDF rule catalogue) for PDF/A-2b; Apache PDFBox Preflight (Debian's libpdfbox2-java) for a
PDF/A-1b cross-check of the copies that are 1b-compatible (no transparency), relabelled part 1;
``pdffonts`` (poppler) for unembedded fonts. Attachments come from other tools: a DOCX that
LibreOffice converts (fonts embedded: kept as it is, text and all), a PDF drawn with an
unembedded Helvetica and a PDF in CMYK (both rebuilt from a rendering on filing).
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline import pdfa
from pipeline import run
from tests.conftest import TODAY
from tests.conftest import file_examples
from tests.conftest import write_input

pikepdf_pdfa = pytest.importorskip("pikepdf.pdfa")

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
JAVA = shutil.which("java")
PREFLIGHT_JARS = ("preflight", "pdfbox2", "xmpbox", "fontbox2", "commons-logging", "javax.activation", "jaxb-api")
PREFLIGHT_CP = ":".join(f"/usr/share/java/{name}.jar" for name in PREFLIGHT_JARS)
HAS_PREFLIGHT = JAVA is not None and all(Path(p).is_file() for p in PREFLIGHT_CP.split(":"))
PDFFONTS = shutil.which("pdffonts")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _findings(data: bytes) -> list[str]:
    # pikepdf reports any warning raised while it checks a content stream; the collector must not
    # finalise some other test's leftovers (an unclosed file's ResourceWarning) in that window
    gc.collect()
    gc.disable()
    try:
        report = pikepdf_pdfa.validate_written(io.BytesIO(data), "2b")
    finally:
        gc.enable()
    return [] if report.passed else sorted({str(f) for f in report.findings})


def _unembedded(path: Path) -> list[str]:
    """Fonts ``pdffonts`` lists as not embedded."""
    out = subprocess.run([PDFFONTS, str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    return [row for row in rows if row.split()[-5] != "yes"]  # columns: … emb sub uni object ID


def _preflight_1b(data: bytes, tmp: Path) -> str:
    """PDFBox Preflight's verdict on the copy relabelled PDF/A-1b."""
    copy = tmp / "copy-1b.pdf"
    copy.write_bytes(data.replace(b"<pdfaid:part>2</pdfaid:part>", b"<pdfaid:part>1</pdfaid:part>"))
    result = subprocess.run([JAVA, "-cp", PREFLIGHT_CP, "org.apache.pdfbox.preflight.Validator_A1b", str(copy)],
                            capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    return file_examples(tmp_path_factory, "pdfa", NOW)


def test_every_copy_of_every_example_is_pdfa_2b(filed):
    _, results = filed
    assert len(results) == 8
    for name, r in results.items():
        for copy in ("正本.pdf", "归档.pdf"):
            assert _findings((r.folder / copy).read_bytes()) == [], (name, copy)


def test_an_attachment_whose_only_unembedded_font_draws_nothing_keeps_its_text(filed):
    """examples/附件/核查报告.pdf was made by reportlab: its pages select Helvetica (never embedded)
    and draw nothing with it; the font entry is pointed at the page's embedded face instead."""
    _, results = filed
    r = results["007-请示.yaml"]
    text, images = _text_and_images(r.folder / "归档.pdf")
    assert "核查报告（第1页）" in text.replace(" ", "") and images == []


def test_metadata_declares_pdfa_and_carries_the_archival_elements(filed):
    _, results = filed
    r = results["002-全体会议通知.yaml"]
    for copy, state in (("正本.pdf", "正本"), ("归档.pdf", "归档件")):
        reader = PdfReader(r.folder / copy)
        xmp = reader.xmp_metadata
        assert xmp is not None
        assert xmp.pdfaid_part == "2" and xmp.pdfaid_conformance == "B"
        assert xmp.dc_identifier == r.archive_code and xmp.dc_description["x-default"] == r.number
        assert xmp.xmp_create_date is not None and xmp.xmp_create_date.year == 2026  # the filing time, not 2000
        raw = reader.trailer["/Root"]["/Metadata"].get_data().decode("utf-8")
        assert f"<xmp:Label>{state}</xmp:Label>" in raw and "<xmpMM:VersionID>1</xmpMM:VersionID>" in raw
        assert "保管期限：" in raw and "全宗号：" in raw and f"文号：{r.number}" in raw
        assert reader.metadata["/CreationDate"].startswith("D:20261124100000+08'00'")
        intents = reader.trailer["/Root"]["/OutputIntents"]
        assert intents[0]["/S"] == "/GTS_PDFA1" and intents[0]["/DestOutputProfile"].get_data() == pdfa.srgb_profile()
        assert all("/Trans" not in page for page in reader.pages)


def test_the_srgb_profile_is_an_icc_version_2_display_profile():
    profile = pdfa.srgb_profile()
    assert int.from_bytes(profile[:4], "big") == len(profile)
    assert profile[8] == 2 and profile[12:24] == b"mntrRGB XYZ " and profile[36:40] == b"acsp"
    from PIL import ImageCms

    assert ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).strip() == "sRGB IEC61966-2.1"


@pytest.mark.skipif(PDFFONTS is None, reason="poppler-utils (pdffonts) is not installed")
def test_no_copy_references_an_unembedded_font(filed):
    _, results = filed
    for r in results.values():
        for copy in ("正本.pdf", "归档.pdf"):
            assert _unembedded(r.folder / copy) == [], (r.folder, copy)


@pytest.mark.skipif(not HAS_PREFLIGHT, reason="PDFBox Preflight (libpdfbox2-java) or java is not installed")
def test_pdfbox_preflight_accepts_the_1b_compatible_copies(filed, tmp_path):
    _, results = filed
    checked = 0
    for name, r in results.items():
        for copy in ("正本.pdf", "归档.pdf"):
            data = (r.folder / copy).read_bytes()
            if b"/SMask" in data or b"/Transparency" in data:
                continue  # transparency (a seal with an alpha channel) is PDF/A-2 only
            verdict = _preflight_1b(data, tmp_path)
            assert "is a valid PDF/A-1b file" in verdict, (name, copy, verdict[-2000:])
            checked += 1
    assert checked >= 4


def _helvetica_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)  # reportlab's default font: Helvetica, never embedded
    c.setFont("Helvetica", 14)
    c.drawString(72, 760, "Verification report drawn with an unembedded Helvetica")
    c.setFillColorRGB(0.2, 0.4, 0.8)
    c.rect(72, 600, 300, 100, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def _cmyk_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, initialFontName="Times-Roman")
    c.setFillColorCMYK(0, 1, 1, 0)
    c.rect(72, 600, 300, 100, fill=1, stroke=0)
    c.showPage()
    c.save()
    return buf.getvalue()


def _with_attachment(workspace, name: str, file_name: str, data: bytes):
    folder = workspace.root / "drop"
    (folder / "附件").mkdir(parents=True, exist_ok=True)
    (folder / "附件" / file_name).write_bytes(data)
    source = write_input(folder, name, f"""文种: 请示
标题: 关于{Path(name).stem}事项的请示
主送: 镇党委
签发人: 张三
正文: |
  现将有关情况报告如下。
  妥否，请批示。
附件:
  - 名称: 核查报告
    文件: 附件/{file_name}
成文日期: 2026-11-12
联系人: 周强
联系电话: "0477-8000002"
""")
    return run.file_document(source, workspace, TODAY, NOW)


def _text_and_images(path: Path) -> tuple[str, list[dict]]:
    with pdfplumber.open(path) as pdf:
        return "".join(p.extract_text() or "" for p in pdf.pages), [i for p in pdf.pages for i in p.images]


def test_an_attachment_with_an_unembedded_font_is_rebuilt_and_the_copy_conforms(workspace):
    r = _with_attachment(workspace, "甲.yaml", "helvetica.pdf", _helvetica_pdf())
    for copy in ("正本.pdf", "归档.pdf"):
        data = (r.folder / copy).read_bytes()
        assert _findings(data) == [], copy
        text, images = _text_and_images(r.folder / copy)
        assert "Verification" not in text and "现将有关情况报告如下" in text  # a picture of the page now
        assert len(images) == 1
        image = images[0]
        assert image["srcsize"][0] / (image["width"] / 72) >= 299  # 300 dpi of the page as placed (or finer)
    assert (r.folder / "源文件" / "附件" / "helvetica.pdf").read_bytes() == _helvetica_pdf()  # the original is kept too


def test_an_attachment_in_cmyk_is_rebuilt_and_the_copy_conforms(workspace):
    r = _with_attachment(workspace, "乙.yaml", "cmyk.pdf", _cmyk_pdf())
    data = (r.folder / "归档.pdf").read_bytes()
    assert _findings(data) == []
    assert b"/DeviceCMYK" not in data


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_an_attachment_made_by_libreoffice_keeps_its_text_and_conforms(workspace, tmp_path):
    doc = Document()
    doc.add_paragraph("九成功村土地补偿款核查报告 Verification report 2026")
    buf = io.BytesIO()
    doc.save(buf)
    r = _with_attachment(workspace, "丙.yaml", "report.docx", buf.getvalue())
    for copy in ("正本.pdf", "归档.pdf"):
        assert _findings((r.folder / copy).read_bytes()) == [], copy
        text, _ = _text_and_images(r.folder / copy)
        assert "Verification report 2026" in text and "核查报告" in text  # kept as it was: fonts embedded
    if PDFFONTS is not None:
        assert _unembedded(r.folder / "归档.pdf") == []
