"""The DOCX, reopened with python-docx and, where LibreOffice is installed, converted to PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn

from pipeline import gbt9704 as g
from pipeline.docx_template import build_notice_template
from pipeline.stages.parse import parse_input
from tests.support import PdfFacts
from tests.support import is_red

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        for footer in (section.footer, section.even_page_footer):
            parts += [p.text for p in footer.paragraphs]
    return "\n".join(parts)


def test_page_setup(seed):
    docx, _, _ = seed
    doc = Document(docx)
    sec = doc.sections[0]
    assert abs(sec.page_width.mm - 210) < 0.1 and abs(sec.page_height.mm - 297) < 0.1
    assert abs(sec.top_margin.mm - 34.6) < 0.1 and abs(sec.bottom_margin.mm - 32.6) < 0.1
    assert abs(sec.left_margin.mm - 28) < 0.1 and abs(sec.right_margin.mm - 26) < 0.1
    grid = sec._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == str(round(g.DOCX_LINE_PT * 20))
    normal = doc.styles["Normal"]
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert abs(normal.paragraph_format.line_spacing.pt - 29.6) < 0.01
    assert normal.font.size.pt == 16
    # 28 characters: 三号 with tracking, 28 x (16 - 0.25) pt fits 156 mm, 29 do not
    tracking = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert 28 * (16 + tracking) <= 156 * g.MM < 29 * (16 + tracking)
    assert doc.settings.odd_and_even_pages_header_footer


def test_fonts_name_the_standard_faces_with_east_asia_set(seed):
    docx, _, _ = seed
    doc = Document(docx)
    expected = {"公文正文": "仿宋_GB2312", "公文一级标题": "黑体", "公文二级标题": "楷体_GB2312",
                "公文标题": "方正小标宋简体", "发文机关标志": "方正小标宋简体", "页码": "宋体", "版记": "仿宋_GB2312"}  # fmt: skip
    for name, face in expected.items():
        rfonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == face, name
        assert rfonts.get(qn("w:eastAsiaTheme")) is None


def test_contains_all_the_text(seed, session_workspace):
    docx, _, _ = seed
    doc = Document(docx)
    text = re.sub(r"\s", "", all_text(doc))
    path = session_workspace.root / "examples" / "001-印发制度的通知.yaml"
    data = parse_input(path.name, path.suffix, path.read_bytes()).data
    for value in (data["标题"], data["主送"], data["正文"], data["附件"][0]["正文"], data["署名"], "2021年9月16日",
                  "（此件公开发布）", "抄送：东胜区信访局。", "罕台镇党政综合办公室", "2021年9月16日印发",
                  "鄂尔多斯市东胜区罕台镇人民政府文件", "罕政发〔2021〕35号", "附件：罕台镇信访工作联席会议工作制度"):  # fmt: skip
        assert re.sub(r"\s", "", value) in text, value
    assert "— " in all_text(doc) and "PAGE" in "".join(
        el.text or "" for el in doc.sections[0].footer._element.iter(qn("w:instrText"))
    )


def test_mark_is_red_and_condensed_to_the_type_area(seed):
    docx, _, _ = seed
    doc = Document(docx)
    mark = [p for p in doc.paragraphs if p.style.name == "发文机关标志"][0]
    assert mark.text == "鄂尔多斯市东胜区罕台镇人民政府文件"
    assert str(doc.styles["发文机关标志"].font.color.rgb) == g.RED_HEX
    run = mark.runs[0]
    scale = int(run._r.rPr.find(qn("w:w")).get(qn("w:val")))
    width_mm = len(mark.text) * run.font.size.pt / g.MM * scale / 100
    assert width_mm <= 156.5


def test_document_properties(seed):
    docx, _, _ = seed
    props = Document(docx).core_properties
    assert props.title.startswith("鄂尔多斯市东胜区罕台镇人民政府关于印发")
    assert props.subject == "罕政发〔2021〕35号"
    assert props.author == "鄂尔多斯市东胜区罕台镇人民政府"
    assert props.keywords == "通知"
    assert props.created.year == 2021


def test_template_is_rebuilt_from_code():
    """templates/通知.docx is what pipeline/docx_template.py builds (python templates/build.py)."""
    committed = Document(Path(__file__).resolve().parents[1] / "templates" / "通知.docx")
    built = Document(__import__("io").BytesIO(build_notice_template()))
    assert [p.text for p in committed.paragraphs] == [p.text for p in built.paragraphs]
    assert [s.name for s in committed.styles] == [s.name for s in built.styles]


@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_it_with_mark_separator_and_grid(seed, tmp_path):
    docx, _, _ = seed
    result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                             "--outdir", str(tmp_path), str(docx)], capture_output=True, timeout=180)  # fmt: skip
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / (docx.stem + ".pdf")
    facts = PdfFacts(pdf)
    mark = facts.find("人民政府文件")
    assert mark.page == 1 and all(is_red(c) for c in mark.colours())
    number = facts.find("罕政发")
    red_ink = facts.ink_box(1, 20, number.top, 190, number.bottom + 10, red=True)
    assert red_ink is not None and red_ink[2] - red_ink[0] > 150  # the separator spans the 版心
    assert number.bottom < red_ink[1] < number.bottom + 8
    body = [ln for ln in facts.lines if ln.page == 3 and abs(ln.size - 16) < 0.6]
    full = [a for a, b in zip(body, body[1:]) if abs(b.x0 - 28) < 1 and not any(ch.isascii() for ch in a.text)]
    assert len(full) >= 5, [ln.text for ln in body]
    for ln in full:  # continued lines fill the 156 mm line with 28 characters
        indent = 2 if ln.x0 > 35 else 0
        assert 27 <= len(ln.text) + indent <= 29, ln.text
        assert abs(ln.x1 - 184) < 2
