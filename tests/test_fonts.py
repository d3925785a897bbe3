"""Fonts: fallbacks are reported, a missing character is named, CFF faces are converted."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from reportlab.pdfbase.ttfonts import TTFont

from pipeline import run
from pipeline.cli import main
from pipeline.store import fonts
from tests.conftest import TODAY
from tests.conftest import with_config
from tests.conftest import write_input


def missing_character() -> str:
    fs = fonts.font_set()
    for ch in ("\U0002a6a5", "\U000f0000", "\u0378"):
        if not fs.has_char(ch):
            return ch
    pytest.fail("every candidate character is in some installed font")


def test_a_character_no_font_has_is_named(workspace, tmp_path):
    ch = missing_character()
    src = write_input(tmp_path, "rare.yaml", f"文种: 通知\n标题: 关于测试的通知\n正文: 请{ch}执行。\n")
    outcome = run.render_file(src, workspace, tmp_path / "out", TODAY)
    assert not outcome.ok
    assert ch in outcome.message and f"U+{ord(ch):04X}" in outcome.message
    assert not (tmp_path / "out" / "rare.pdf").exists() and not (tmp_path / "out" / "rare.docx").exists()


def test_fonts_command_reports_each_role_and_its_fallback(workspace):
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "fonts", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["角色"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"小标宋", "仿宋", "黑体", "楷体", "宋体"}
    for row in rows.values():
        assert row["文件"] and isinstance(row["替代字体"], bool) and row["标准字体"]
    text = CliRunner().invoke(main, ["-w", str(workspace.root), "fonts"]).stdout
    assert "仿宋：" in text


def test_a_standard_font_in_a_workspace_folder_is_preferred(workspace):
    fangsong = fonts.font_set().choices["仿宋"].path
    (workspace.root / "字体").mkdir()
    shutil.copyfile(fangsong, workspace.root / "字体" / "simfang.ttf")
    with_config(workspace, "字体目录: [字体]")
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "fonts", "--json"])
    rows = {r["角色"]: r for r in json.loads(result.stdout)}
    assert rows["仿宋"]["文件"].endswith("simfang.ttf") and rows["仿宋"]["替代字体"] is False
    assert rows["黑体"]["替代字体"] is (fonts.FontLibrary().by_file("simhei.ttf") is None)


def _tiny_cff_font(path):
    """A real OpenType-CFF font with one drawn glyph for 中."""
    fb = FontBuilder(1000, isTTF=False)
    fb.setupGlyphOrder([".notdef", "uni4E2D"])
    fb.setupCharacterMap({0x4E2D: "uni4E2D"})
    charstrings = {}
    for name in (".notdef", "uni4E2D"):
        pen = T2CharStringPen(1000, None)
        pen.moveTo((100, -100))
        pen.lineTo((900, -100))
        pen.lineTo((900, 800))
        pen.curveTo((600, 900), (400, 900), (100, 800))
        pen.closePath()
        charstrings[name] = pen.getCharString()
    fb.setupCFF("TinyCFF", {"FullName": "TinyCFF"}, charstrings, {})
    fb.setupHorizontalMetrics({".notdef": (1000, 100), "uni4E2D": (1000, 100)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "TinyCFF", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    fb.save(str(path))


def test_cff_fonts_are_converted_to_truetype_reportlab_can_embed(tmp_path):
    src = tmp_path / "tiny.otf"
    _tiny_cff_font(src)
    with pytest.raises(Exception, match="postscript outlines"):
        TTFont("tiny-cff", str(src))
    dst = tmp_path / "tiny.ttf"
    fonts.convert_cff_to_truetype(src, dst)
    face = TTFont("tiny-ttf", str(dst)).face
    assert 0x4E2D in face.charToGlyph
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_character_the_role_font_lacks_is_drawn_by_a_fallback_font(workspace, tmp_path):
    from tests.conftest import render
    from tests.support import PdfFacts

    fs = fonts.font_set()
    main_font = fs.role_font("仿宋")
    candidates = "堃喆犇淼禛昇垚珺琤玥"
    ch = next((c for c in candidates if fs.font_for(c, "仿宋") != main_font), None)
    assert ch is not None, "no candidate outside the 仿宋 face"
    src = write_input(tmp_path, "gbk.yaml", f"文种: 通知\n标题: 关于测试的通知\n正文: 请{ch}执行。\n")
    _, pdf = render(workspace, src, tmp_path / "out")
    line = PdfFacts(pdf).find(f"请{ch}执行")
    fonts_used = {c["text"]: c["fontname"] for c in line.chars}
    assert fonts_used[ch] != fonts_used["请"]
