"""The seed notice's PDF, read back with pdfplumber and checked against GB/T 9704-2012 (rules
R1–R32 of shared/spec/gbt9704.md that apply to a 通知, plus R38: line breaking)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.gbt9704 import NO_LINE_END
from pipeline.gbt9704 import NO_LINE_START
from pipeline.store import workspace as ws_store
from tests.conftest import render
from tests.conftest import with_config
from tests.conftest import write_input
from tests.support import PdfFacts
from tests.support import is_black
from tests.support import is_red

L, R, T, B = 28.0, 184.0, 37.0, 262.0
C = 156 / 28
P = (225 - 16 / (72 / 25.4)) / 21
PAGE_NO = re.compile(r"^—\s?\d+\s?—$")
SIGNATURE = "鄂尔多斯市东胜区罕台镇人民政府"
DATE = "2021年9月16日"


def body_lines(facts: PdfFacts) -> list:
    """正文 lines: 三号 text in the 主体, not the 版头, title, 主送, signature block or 版记."""
    out = []
    for ln in facts.lines:
        if abs(ln.size - 16) > 0.5 or ln.top < 160 and ln.page == 1:
            continue
        t = ln.text
        if PAGE_NO.match(t) or t in (SIGNATURE, DATE) or t.startswith(("附件：", "（此件", "附件")) and len(t) < 30:
            continue
        out.append(ln)
    return out


# ---- page and fonts ---------------------------------------------------------------------------------


def test_r1_every_page_is_a4_portrait(seed):
    _, pdf, facts = seed
    for page in facts.pages:
        assert abs(page.width - 595.28) <= 1 and abs(page.height - 841.89) <= 1


def test_all_fonts_are_embedded(seed):
    _, pdf, _ = seed
    reader = PdfReader(pdf)
    seen = 0
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            if font["/BaseFont"] == "/Helvetica":  # reportlab's unused canvas default
                continue
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile2", "/FontFile3", "/FontFile")), font["/BaseFont"]
            seen += 1
    assert seen >= 4
    used = {c["fontname"] for p in PdfFacts(pdf).pages for c in p.chars}
    assert all("+" in name for name in used)  # subset-embedded, never a reader's substitute


def test_r2_text_inside_the_type_area(seed):
    _, _, facts = seed
    for ln in facts.lines:
        if PAGE_NO.match(ln.text):
            continue
        assert L - 0.5 <= ln.x0 and ln.x1 <= R + 0.5, (ln.page, ln.text, ln.x0, ln.x1)
        assert T - 1 <= ln.top and ln.bottom <= B + 1, (ln.page, ln.text, ln.top, ln.bottom)


def test_r3_body_is_16pt_fangsong_black(seed):
    _, _, facts = seed
    lines = body_lines(facts)
    assert len(lines) > 60
    for ln in lines:
        if ln.text.startswith(("一、", "二、")):
            continue
        assert abs(ln.size - 16) <= 0.5
        assert ln.roles() == {"仿宋"}, (ln.text, {c["fontname"] for c in ln.chars})
        assert all(is_black(c) for c in ln.colours())


def test_r4_full_lines_hold_28_characters_edge_to_edge(seed):
    _, _, facts = seed
    lines = body_lines(facts)
    checked = 0
    for cur, nxt in zip(lines, lines[1:]):
        if abs(nxt.x0 - L) > 0.5:  # the next line starts a paragraph: cur is a final line
            continue
        checked += 1
        assert abs(cur.x0 - L) <= 0.5 or abs(cur.x0 - (L + 2 * C)) <= 0.7, cur.text
        assert abs(cur.x1 - R) <= 1.0, (cur.text, cur.x1)
        cjk = [c for c in cur.chars if not c["text"].isascii()]
        has_latin = any(c["text"].isascii() for c in cur.chars)
        gaps = [b["x0"] - a["x0"] for a, b in zip(cur.chars, cur.chars[1:])]
        spaced = max(gaps) - min(gaps) > 1.5 * (72 / 25.4)  # a space in the source, justified
        indent = 2 if abs(cur.x0 - (L + 2 * C)) <= 0.7 else 0
        if has_latin or spaced:
            continue
        slots = len(cjk) + indent
        advance = (cur.chars[-1]["x0"] - cur.chars[0]["x0"]) / (72 / 25.4) / (len(cur.chars) - 1)
        if slots == 28:
            assert abs(advance - C) <= 0.15, (cur.text, advance)
        else:  # 避头尾: one punctuation pulled in (squeezed) or one character pushed out
            assert abs(slots - 28) == 1, (cur.text, slots)
            assert abs(advance - C) <= 0.22, (cur.text, advance)
    assert checked > 40


def test_r5_line_pitch_fills_the_type_area(seed):
    _, _, facts = seed
    lines = body_lines(facts)
    for page in {ln.page for ln in lines}:
        on_page = [ln for ln in lines if ln.page == page]
        for a, b in zip(on_page, on_page[1:]):
            steps = (b.baseline - a.baseline) / P
            assert abs(steps - round(steps)) * P <= 0.2 and round(steps) >= 1, (a.text, b.text, steps)
            assert 10.2 <= (b.baseline - a.baseline) / round(steps) <= 10.6
    full_page = [ln for ln in facts.lines if ln.page == 4 and abs(ln.size - 16) < 0.5]
    assert len(full_page) == 22  # a page of 正文: 22 lines
    assert full_page[0].top >= 36 and full_page[0].top <= 37.5
    assert full_page[-1].bottom <= 263


def test_r6_only_the_mark_and_separator_are_red(seed):
    _, _, facts = seed
    for ln in facts.lines:
        for c in ln.chars:
            colour = tuple(c["non_stroking_color"] or (0,))
            if is_red(colour):
                assert ln.page == 1 and ln.text == "鄂尔多斯市东胜区罕台镇人民政府文件"
            else:
                assert is_black(colour), (ln.text, colour)
    for page in range(1, len(facts.pages) + 1):
        for rule in facts.rules(page):
            assert is_red(rule["colour"]) == (page == 1 and rule["y"] < 130), rule


# ---- 版头 --------------------------------------------------------------------------------------------


def test_r7_mark_red_xiaobiaosong_centred_ink_top_at_72mm(seed):
    _, _, facts = seed
    mark = facts.find("人民政府文件")
    assert mark.page == 1 and mark.roles() == {"小标宋"}
    assert all(is_red(c) for c in mark.colours())
    ink = facts.ink_box(1, 20, 50, 190, 110, red=True)
    assert ink is not None
    x0, y0, x1, y1 = ink
    assert abs(y0 - 72.0) <= 1.0, y0
    assert abs((x0 + x1) / 2 - 106.0) <= 1.0, (x0, x1)
    assert x0 >= L - 0.5 and x1 <= R + 0.5


def test_r11_document_number_form_and_centre(seed):
    _, _, facts = seed
    number = facts.find("罕政发")
    assert re.match(r"^\S+〔\d{4}〕[1-9]\d*号$", number.text)
    assert number.roles() == {"仿宋"} and abs(number.size - 16) <= 0.5
    assert abs(number.centre - 106) <= 1.0
    mark_bottom = facts.ink_box(1, 20, 50, 190, 110, red=True)[3]
    assert 2 * P - 0.5 <= number.top - mark_bottom <= 3 * P + 0.5


def test_r13_red_separator_4mm_below_the_number(seed):
    _, _, facts = seed
    number = facts.find("罕政发")
    red = [r for r in facts.rules(1) if is_red(r["colour"])]
    assert len(red) == 1
    rule = red[0]
    assert abs(rule["x0"] - L) <= 0.5 and abs(rule["x1"] - R) <= 0.5
    assert abs(rule["y"] - (number.bottom + 4)) <= 1.0, (rule["y"], number.bottom)
    assert 0.2 <= rule["width"] <= 1.2


# ---- 主体 --------------------------------------------------------------------------------------------


def test_r14_title(seed):
    _, _, facts = seed
    title = [ln for ln in facts.lines if ln.page == 1 and abs(ln.size - 22) <= 0.5]
    assert [ln.text for ln in title] == ["鄂尔多斯市东胜区罕台镇人民政府关于印发", "《罕台镇信访工作联席会议工作制度》的通知"]
    for ln in title:
        assert ln.roles() == {"小标宋"} and all(is_black(c) for c in ln.colours())
        assert abs(ln.centre - 106) <= 1.0
        assert not ln.text.endswith("。")
    assert len(title[0].text) <= len(title[1].text)  # 梯形: no upper line longer
    separator = [r for r in facts.rules(1) if is_red(r["colour"])][0]
    gap = title[0].top - separator["y"]
    assert gap >= 1.8 * P and gap <= 2.6 * P


def test_r15_recipients(seed):
    _, _, facts = seed
    first = facts.find("各村党支部")
    title_last = facts.find("的通知")
    assert abs(first.x0 - L) <= 0.5 and first.roles() == {"仿宋"} and abs(first.size - 16) <= 0.5
    assert abs((first.baseline - title_last.baseline) - 2 * P) <= 0.35 * P
    last = facts.find("综合执法局")
    assert last.text.endswith("：") and abs(last.x0 - L) <= 0.5


def test_r16_page_one_shows_body_text(seed):
    _, _, facts = seed
    assert any(ln.page == 1 and ln.text.startswith("根据上级信访工作要求") for ln in facts.lines)


def test_r17_paragraph_indents(seed):
    _, _, facts = seed
    starts = [ln for ln in body_lines(facts) if ln.text.startswith("第") and "条" in ln.text[:5]]
    assert len(starts) == 13
    for ln in starts:
        assert abs(ln.x0 - (L + 2 * C)) <= 0.7
    for ln in body_lines(facts):
        assert abs(ln.x0 - L) <= 0.5 or abs(ln.x0 - (L + 2 * C)) <= 0.7


def test_r19_attachment_note(seed):
    _, _, facts = seed
    note = facts.find("附件：")
    assert note.text == "附件：罕台镇信访工作联席会议工作制度"
    assert abs(note.x0 - (L + 2 * C)) <= 0.7
    assert note.text[-1] not in "。，；：、"


def test_r20_r21_date_and_signature_with_seal_layout(seed):
    _, _, facts = seed
    date = [ln for ln in facts.lines if ln.text == DATE][0]
    sign = [ln for ln in facts.lines if ln.text == SIGNATURE][0]
    assert re.match(r"^\d{4}年([1-9]|1[0-2])月([1-9]|[12]\d|3[01])日$", date.text)
    assert abs(date.x1 - (R - 4 * C)) <= 1.0, date.x1
    assert sign.page == date.page and abs((date.baseline - sign.baseline) - P) <= 0.2
    assert abs(sign.centre - date.centre) <= 1.0
    assert date.roles() == {"仿宋"} and sign.roles() == {"仿宋"}


def test_r23_note_after_the_date(seed):
    _, _, facts = seed
    date = [ln for ln in facts.lines if ln.text == DATE][0]
    note = facts.find("此件公开发布")
    assert note.text == "（此件公开发布）"
    assert abs(note.x0 - (L + 2 * C)) <= 0.7
    assert abs((note.baseline - date.baseline) - P) <= 0.2


def test_r24_attachment_page(seed):
    _, _, facts = seed
    label = [ln for ln in facts.lines if ln.text == "附件"][0]
    assert label.page > 1 and label.roles() == {"黑体"} and abs(label.size - 16) <= 0.5
    assert abs(label.x0 - L) <= 0.5 and abs(label.top - T) <= 0.5
    title = [ln for ln in facts.page_lines(label.page) if abs(ln.size - 22) <= 0.5][0]
    assert title.text == "罕台镇信访工作联席会议工作制度"
    assert abs(title.centre - 106) <= 1.0
    assert abs((title.top + title.bottom) / 2 - (T + 2 * P + 16 / (72 / 25.4) / 2)) <= 0.5 * P


# ---- 版记 --------------------------------------------------------------------------------------------


def test_r25_to_r28_imprint_on_the_last_even_page(seed):
    _, _, facts = seed
    last = len(facts.pages)
    assert last % 2 == 0
    rules = sorted((r for r in facts.rules(last) if r["x1"] - r["x0"] > 150), key=lambda r: r["y"])
    assert len(rules) == 3
    for r in rules:
        assert abs(r["x0"] - L) <= 0.5 and abs(r["x1"] - R) <= 0.5 and is_black(r["colour"])
    top, thin, bottom = rules
    assert abs(bottom["y"] + bottom["width"] / 2 - B) <= 1.0
    assert abs(top["width"] - 0.35) <= 0.1 and abs(bottom["width"] - 0.35) <= 0.1
    assert abs(thin["width"] - 0.25) <= 0.1 and thin["width"] < top["width"]
    cc = facts.find("抄送：")
    assert cc.page == last and abs(cc.size - 14) <= 0.5 and cc.roles() == {"仿宋"}
    assert 4.9 <= cc.x0 - L <= 5.7 and cc.text.endswith("。")
    assert top["y"] < cc.top < thin["y"]
    printer = facts.find("罕台镇党政综合办公室")
    stamp = [ln for ln in facts.lines if ln.page == last and ln.text.endswith("印发")][0]
    assert printer.page == last and abs(printer.size - 14) <= 0.5 and 4.9 <= printer.x0 - L <= 5.7
    assert re.match(r"^\d{4}年([1-9]|1[0-2])月([1-9]|[12]\d|3[01])日印发$", stamp.text)
    assert 4.9 <= R - stamp.x1 <= 5.7
    assert thin["y"] < printer.top and printer.bottom < bottom["y"]


# ---- 页码 --------------------------------------------------------------------------------------------


def test_r29_to_r32_page_numbers(seed):
    _, _, facts = seed
    numbers = {ln.page: ln for ln in facts.lines if PAGE_NO.match(ln.text)}
    assert sorted(numbers) == list(range(1, len(facts.pages) + 1))  # every page has content here
    for page, ln in numbers.items():
        assert int(re.sub(r"\D", "", ln.text)) == page
        assert ln.text[0] == "—" and ln.text[-1] == "—"
        assert ln.roles() == {"宋体"} and abs(ln.size - 14) <= 0.5 and all(is_black(c) for c in ln.colours())
        assert ln.top > B
        if page % 2:
            assert 4.9 <= R - ln.x1 <= 5.7, ln.x1
        else:
            assert 4.9 <= ln.x0 - L <= 5.7, ln.x0
        dash = ln.chars[0]
        ink = facts.ink_box(page, dash["x0"] / (72 / 25.4), 262.5, dash["x1"] / (72 / 25.4), 280, red=False)
        assert ink is not None and 265.5 <= (ink[1] + ink[3]) / 2 <= 270, ink


# ---- R38 line breaking and completeness -------------------------------------------------------------


def test_r38_no_forbidden_line_starts_or_ends(seed):
    _, _, facts = seed
    for ln in facts.lines:
        if PAGE_NO.match(ln.text):
            continue
        assert ln.text[0] not in NO_LINE_START, ln.text
        assert ln.text[-1] not in NO_LINE_END, ln.text


def _subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


def test_every_input_character_is_printed_in_order(seed, session_workspace):
    from pipeline.stages.parse import parse_input

    path = session_workspace.root / "examples" / "001-印发制度的通知.yaml"
    data = parse_input(path.name, path.suffix, path.read_bytes()).data
    expected = "".join([data["标题"], data["主送"], data["正文"], data["附件"][0]["名称"], data["署名"],
                        data["附注"], data["附件"][0]["名称"], data["附件"][0]["正文"], data["抄送"]])  # fmt: skip
    expected = re.sub(r"\s", "", expected)
    _, _, facts = seed
    printed = re.sub(r"\s", "", facts.text())
    assert _subsequence(expected, printed)


# ---- layouts beyond the seed ------------------------------------------------------------------------


@pytest.fixture
def unsealed(workspace: ws_store.Workspace, tmp_path: Path) -> PdfFacts:
    text = """\
文种: 通知
发文字号: 罕政发〔2026〕8号
标题: 关于做好冬春季信访矛盾纠纷排查化解工作的通知
主送: 各村（社区）
正文: |
  为做好冬春季信访工作，现就有关事项通知如下。

  # 提高认识
  各单位要高度重视。

  ## 压实责任
  落实属地责任。

  ### 明确分工
  由平安建设办公室牵头。

  #### 细化措施
  逐项落实。
署名: 罕台镇信访工作联席会议办公室
成文日期: 2026-11-12
"""
    src = write_input(tmp_path, "unsealed.yaml", text)
    _, pdf = render(workspace, src, tmp_path / "out")
    return PdfFacts(pdf)


def test_r18_heading_typefaces(unsealed):
    assert unsealed.find("一、提高认识").roles() == {"黑体"}
    assert unsealed.find("（一）压实责任").roles() == {"楷体"}
    assert unsealed.find("1.明确分工").roles() == {"仿宋"}
    assert unsealed.find("（1）细化措施").roles() == {"仿宋"}
    for text in ("一、提高认识", "（一）压实责任", "1.明确分工", "（1）细化措施"):
        ln = unsealed.find(text)
        assert abs(ln.x0 - (L + 2 * C)) <= 0.7 and abs(ln.size - 16) <= 0.5
        assert not any("Bold" in c["fontname"] for c in ln.chars)


def test_r20_r21_without_seal(unsealed):
    sign = [ln for ln in unsealed.lines if ln.text == "罕台镇信访工作联席会议办公室"][0]
    date = [ln for ln in unsealed.lines if ln.text == "2026年11月12日"][0]
    assert abs(sign.x1 - (R - 2 * C)) <= 1.0
    assert abs(date.x0 - (sign.x0 + 2 * C)) <= 0.7
    assert date.x1 <= R - 2 * C + 0.7
    last_body = unsealed.find("逐项落实")
    assert abs((sign.baseline - last_body.baseline) - 2 * P) <= 0.2  # one blank line


def test_short_signature_keeps_the_date_two_characters_in(workspace, tmp_path):
    src = write_input(tmp_path, "short.yaml", "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n署名: 罕台镇人民政府\n成文日期: 2026-11-12\n")
    _, pdf = render(workspace, src, tmp_path / "out")
    facts = PdfFacts(pdf)
    sign = [ln for ln in facts.lines if ln.text == "罕台镇人民政府"][0]
    date = [ln for ln in facts.lines if ln.text == "2026年11月12日"][0]
    # the date is longer than the 署名: the date is 右空二字 and keeps 2 字 after the 署名's start
    assert abs(date.x1 - (R - 2 * C)) <= 1.0
    assert abs(date.x0 - (sign.x0 + 2 * C)) <= 0.7


def test_body_ending_on_an_odd_page_gets_an_unnumbered_imprint_page(workspace, tmp_path):
    src = write_input(tmp_path, "one.yaml", "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n抄送: 东胜区信访局\n成文日期: 2026-11-12\n")
    _, pdf = render(workspace, src, tmp_path / "out")
    facts = PdfFacts(pdf)
    assert len(facts.pages) == 2
    assert any(ln.page == 1 and ln.text == "— 1 —" for ln in facts.lines)
    assert not any(ln.page == 2 and PAGE_NO.match(ln.text) for ln in facts.lines)
    assert facts.find("抄送：").page == 2
    assert {ln.page for ln in facts.lines if ln.text.endswith("印发")} == {2}


def test_body_ending_on_an_even_page_with_room_carries_the_imprint(unsealed):
    last = len(unsealed.pages)
    assert last == 2 and unsealed.find("逐项落实").page == 2
    assert any(ln.page == 2 and ln.text == "— 2 —" for ln in unsealed.lines)
    assert [ln for ln in unsealed.lines if ln.text.endswith("印发")][0].page == 2


def test_long_title_and_many_recipients_keep_body_on_page_one(workspace, tmp_path):
    recipients = "，".join(f"第{i}村党支部、村民委员会" for i in range(1, 40))
    text = f"文种: 通知\n标题: 关于进一步加强和改进全镇信访工作联席会议成员单位联络员队伍建设与日常管理工作的通知\n主送: {recipients}\n正文: 请认真贯彻执行。\n成文日期: 2026-11-12\n"
    src = write_input(tmp_path, "many.yaml", text)
    _, pdf = render(workspace, src, tmp_path / "out")
    facts = PdfFacts(pdf)
    body = facts.find("请认真贯彻执行")
    assert body.page == 1  # the 主送 moved into the 版记 (§7.4.2)
    moved = facts.find("主送：")
    assert moved.page == len(facts.pages) and abs(moved.size - 14) <= 0.5
    for ln in facts.lines:
        if abs(ln.size - 22) <= 0.5:
            assert abs(ln.centre - 106) <= 1.0


def test_mixed_latin_and_digits_stay_whole(workspace, tmp_path):
    body = "依据GB/T 9704-2012《党政机关公文格式》和DA/T 22-2015规定，" * 6
    src = write_input(tmp_path, "latin.yaml", f"文种: 通知\n标题: 关于规范公文格式的通知\n正文: {body}\n成文日期: 2026-11-12\n")
    _, pdf = render(workspace, src, tmp_path / "out")
    facts = PdfFacts(pdf)
    lines = [ln for ln in facts.lines if abs(ln.size - 16) < 0.5 and ln.top > 160 and ln.x0 < L + 2 * C + 1]
    checked = 0
    for cur, nxt in zip(lines, lines[1:]):
        if abs(nxt.x0 - L) <= 0.5 and nxt.page == cur.page:  # cur is a full, justified line
            assert abs(cur.x1 - R) <= 1.0, cur.text
            checked += 1
    assert checked >= 3
    printed = "".join(ln.text for ln in lines)
    assert printed.count("GB/T9704-2012") == 6 and printed.count("DA/T22-2015") == 6
    for ln in lines:  # a half-width run is never split across lines (breaks only at spaces)
        assert set(re.findall(r"[A-Za-z0-9/\-]+", ln.text)) <= {"GB/T", "9704-2012", "DA/T", "22-2015", "GB/T9704-2012", "DA/T22-2015"}, ln.text


def test_r8_r10_copy_number_secrecy_and_urgency(workspace, tmp_path):
    workspace = with_config(workspace, "允许涉密: true")
    text = "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n份号: 1\n密级: 机密\n保密期限: 1\n紧急程度: 特急\n成文日期: 2026-11-12\n"
    _, pdf = render(workspace, write_input(tmp_path, "marks.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    copy_no, secrecy, urgency = facts.page_lines(1)[:3]
    assert copy_no.text == "000001" and abs(copy_no.x0 - L) <= 0.5 and abs(copy_no.size - 16) <= 0.5
    assert abs(copy_no.baseline - 42) <= 1.5 and abs(copy_no.top - T) <= 0.5
    assert re.match(r"^(绝密|机密|秘密)(★\d+年)?$", secrecy.text) and secrecy.text == "机密★1年"
    assert secrecy.roles() == {"黑体"} and abs(secrecy.x0 - L) <= 0.5
    assert abs((secrecy.top - copy_no.top) - P) <= 0.2  # grid line 2
    assert urgency.text == "特急" and urgency.roles() == {"黑体"} and abs((urgency.top - secrecy.top) - P) <= 0.2
    ink = facts.ink_box(1, 20, 50, 190, 110, red=True)
    assert abs(ink[1] - 72.0) <= 1.0  # the mark does not move for the marks above it


def test_r22_seal_presses_signature_and_date(workspace, tmp_path):
    from PIL import Image
    from PIL import ImageDraw

    seal = Image.new("RGBA", (420, 420), (255, 255, 255, 0))
    ImageDraw.Draw(seal).ellipse((10, 10, 410, 410), outline=(230, 0, 18, 255), width=18)
    seal.save(workspace.root / "seal.png")
    workspace = with_config(workspace, "印章图片: seal.png")
    text = "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n印章: true\n成文日期: 2026-11-12\n"
    _, pdf = render(workspace, write_input(tmp_path, "sealed.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    sign = [ln for ln in facts.lines if ln.text == SIGNATURE][0]
    date = [ln for ln in facts.lines if ln.text == "2026年11月12日"][0]
    body = facts.find("请执行")
    ink = facts.ink_box(1, 20, body.bottom, 190, 262, red=True)
    assert ink is not None
    x0, y0, x1, y1 = ink
    assert x0 < sign.x1 and x1 > sign.x0 and y0 < sign.top and y1 > date.bottom  # over both
    assert x0 < date.x1 and x1 > date.x0
    assert y0 - body.bottom <= P  # within one line of the body
    assert L - 0.5 <= x0 and x1 <= R + 0.5
    centre = (y0 + y1) / 2
    assert sign.top < centre + 6 and centre < date.bottom  # 署名 and date sit slightly below the centre


def test_long_documents_paginate_on_the_grid(workspace, tmp_path):
    paragraphs = "\n\n".join(f"  第{i}段，" + "联席会议办公室负责督促落实议定事项并及时通报办理情况。" * 3 for i in range(1, 61))
    text = "文种: 通知\n标题: 关于测试的通知\n正文: |\n" + "\n".join("  " + p.strip() if p.strip() else "" for p in paragraphs.split("\n")) + "\n成文日期: 2026-11-12\n"
    _, pdf = render(workspace, write_input(tmp_path, "long.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    pages = len(facts.pages)
    assert pages >= 10 and pages % 2 == 0
    numbers = {ln.page: int(re.sub(r"\D", "", ln.text)) for ln in facts.lines if PAGE_NO.match(ln.text)}
    assert all(numbers[p] == p for p in numbers)
    assert set(numbers) >= set(range(1, pages))  # every page with 正文 carries its number
    for page in range(2, pages - 1):
        body = [ln for ln in facts.page_lines(page) if abs(ln.size - 16) < 0.5]
        assert len(body) == 22, (page, len(body))
        assert abs(body[0].top - T) <= 0.5 and body[-1].bottom <= B + 1
    printed = "".join(ln.text for ln in facts.lines)
    for i in (1, 30, 60):
        assert f"第{i}段" in printed
