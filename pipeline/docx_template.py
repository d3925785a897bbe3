"""Builds the docxtpl templates in ``templates/`` from python-docx, so they can be reviewed and
rebuilt (``python templates/build.py``) and still be edited by users in Word or WPS.

Page setup and styles follow the Word implementation of the GB/T 9704 model-B grid: margins
34.6/32.6/28/26 mm, exact 29.6 pt lines, 28 characters a line, the standard fonts named with
the eastAsia attribute set.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.shared import Pt
from docx.shared import RGBColor
from docx.styles.style import ParagraphStyle

from pipeline import gbt9704 as g

LATIN = "Times New Roman"
# 28 characters a line. Word's character grid (docGrid linesAndChars with a negative charSpace)
# is misread by LibreOffice (13–15 characters a line), so the grid is a line grid and the 28
# characters come from tracking: 三号 less 0.25 pt gives 28 x 15.75 pt = 155.6 mm, and a 29th
# character does not fit the 156 mm line, in Word, WPS and LibreOffice alike.
TRACKING_TWENTIETHS = -5

# Style names: what users see in Word's style list.
S_BODY = "公文正文"
S_H1 = "公文一级标题"
S_H2 = "公文二级标题"
S_MARK = "发文机关标志"
S_HEADMARK = "版头标注"  # 份号, 密级, 紧急程度
S_NUMBER = "发文字号"
S_TITLE = "公文标题"
S_TO = "主送机关"
S_ATTACH_NOTE = "附件说明"
S_SIGN = "发文机关署名"
S_DATE = "成文日期"
S_NOTE = "附注"
S_ATTACH_LABEL = "附件标识"
S_IMPRINT = "版记"
S_PAGENO = "页码"
S_NUMBER_UP = "发文字号（上行文）"
S_ISSUE = "期号"
S_EDITOR = "编发单位"
S_ATTEND = "出席列席"
S_CAPTION = "表格标题"
S_CELL = "表格文字"
S_CELL_HEAD = "表头文字"
S_DRAFT = "草稿标记"


def _fonts(element: object, latin: str, east_asia: str) -> None:
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.get_or_add_rFonts()
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(key), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)


def _indent_chars(style: ParagraphStyle, first_line_chars: int = 0, left_chars: int = 0,
                  right_chars: int = 0, hanging_chars: int = 0) -> None:  # fmt: skip
    """Indents in 字 (w:firstLineChars etc., hundredths of a character): they follow the grid."""
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    pitch_twips = round(g.CHAR * 1440 / 25.4)
    if first_line_chars:
        ind.set(qn("w:firstLineChars"), str(first_line_chars * 100))
        ind.set(qn("w:firstLine"), str(first_line_chars * pitch_twips))
    if hanging_chars:
        ind.set(qn("w:hangingChars"), str(hanging_chars * 100))
        ind.set(qn("w:hanging"), str(hanging_chars * pitch_twips))
    if left_chars:
        ind.set(qn("w:leftChars"), str(left_chars * 100))
        ind.set(qn("w:left"), str(left_chars * pitch_twips))
    if right_chars:
        ind.set(qn("w:rightChars"), str(right_chars * 100))
        ind.set(qn("w:right"), str(right_chars * pitch_twips))


def _style(doc: DocumentObject, name: str, role: str = g.ROLE_FANGSONG, size: float = g.SIZE_3,
           align: WD_ALIGN_PARAGRAPH | None = None, color: str | None = None,
           line_pt: float = g.DOCX_LINE_PT) -> ParagraphStyle:  # fmt: skip
    style: ParagraphStyle = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _fonts(style.element, LATIN, g.DOCX_FONT[role])
    style.font.size = Pt(size)
    if color:
        style.font.color.rgb = RGBColor.from_string(color)
    pf = style.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(line_pt)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if align is not None:
        pf.alignment = align
    return style


def _page_setup(doc: DocumentObject) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(g.PAGE_W), Mm(g.PAGE_H)
    sec.top_margin = Mm(g.DOCX_MARGIN_TOP)
    sec.bottom_margin = Mm(g.DOCX_MARGIN_BOTTOM)
    sec.left_margin = Mm(g.DOCX_MARGIN_LEFT)
    sec.right_margin = Mm(g.DOCX_MARGIN_RIGHT)
    sec.header_distance = Mm(15)
    sec.footer_distance = Mm(25.7)  # puts the page number's dash near 269 mm
    sec.start_type = WD_SECTION.NEW_PAGE
    grid = sec._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sec._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(g.DOCX_LINE_PT * 20)))
    grid.attrib.pop(qn("w:charSpace"), None)
    # the grid's character pitch is computed from the document default size: make it 三号
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        el = rpr_default.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr_default.append(el)
        el.set(qn("w:val"), str(int(g.SIZE_3 * 2)))
    rfonts = rpr_default.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr_default.insert(0, rfonts)
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(key), None)
    for key, val in (
        ("w:ascii", LATIN),
        ("w:hAnsi", LATIN),
        ("w:eastAsia", g.DOCX_FONT[g.ROLE_FANGSONG]),
        ("w:cs", LATIN),
    ):
        rfonts.set(qn(key), val)
    normal = doc.styles["Normal"]
    _fonts(normal.element, LATIN, g.DOCX_FONT[g.ROLE_FANGSONG])
    normal.font.size = Pt(g.SIZE_3)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(TRACKING_TWENTIETHS))
    normal.element.get_or_add_rPr().append(spacing)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(g.DOCX_LINE_PT)
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    # no widow/orphan control: the PDF has none (its lines and pages are what the DOCX repeats);
    # kinsoku and punctuation compression, as Word/WPS do for Chinese; no automatic space between
    # CJK and Latin letters or digits ("2026年12月", as printed)
    ppr = normal.element.get_or_add_pPr()
    widow = OxmlElement("w:widowControl")
    widow.set(qn("w:val"), "0")
    ppr.insert(0, widow)
    for tag in ("w:kinsoku", "w:overflowPunct", "w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "1" if tag in ("w:kinsoku", "w:overflowPunct") else "0")
        ppr.append(el)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal.element.get_or_add_rPr().append(lang)


def _border(paragraph_style: ParagraphStyle, side: str, size_eighths: int, color: str, space_pt: int) -> None:
    ppr = paragraph_style.element.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space_pt))
    el.set(qn("w:color"), color)
    bdr.append(el)
    ppr.append(bdr)


def _styles(doc: DocumentObject) -> None:
    body = _style(doc, S_BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(body, first_line_chars=2)
    h1 = _style(doc, S_H1, g.ROLE_HEI, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(h1, first_line_chars=2)
    h1.paragraph_format.keep_with_next = True
    h2 = _style(doc, S_H2, g.ROLE_KAI, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(h2, first_line_chars=2)
    h2.paragraph_format.keep_with_next = True
    _style(doc, S_HEADMARK, g.ROLE_HEI, align=WD_ALIGN_PARAGRAPH.LEFT)
    mark = _style(doc, S_MARK, g.ROLE_XBS, size=36, align=WD_ALIGN_PARAGRAPH.CENTER, color=g.RED_HEX, line_pt=48)
    mark.paragraph_format.space_before = Pt(0)
    number = _style(doc, S_NUMBER, align=WD_ALIGN_PARAGRAPH.CENTER)
    _border(number, "bottom", 12, g.RED_HEX, 4)  # the red 版头 separator, 1.5 pt
    number.paragraph_format.space_before = Pt(2 * g.DOCX_LINE_PT)
    _style(doc, S_TITLE, g.ROLE_XBS, size=g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, S_TO, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    note = _style(doc, S_ATTACH_NOTE, align=WD_ALIGN_PARAGRAPH.LEFT)
    _indent_chars(note, left_chars=5, hanging_chars=3)
    _style(doc, S_SIGN, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _style(doc, S_DATE, align=WD_ALIGN_PARAGRAPH.RIGHT)
    remark = _style(doc, S_NOTE, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(remark, first_line_chars=2)
    label = _style(doc, S_ATTACH_LABEL, g.ROLE_HEI, align=WD_ALIGN_PARAGRAPH.LEFT)
    label.paragraph_format.page_break_before = True
    _style(doc, S_IMPRINT, size=g.SIZE_4, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, S_PAGENO, g.ROLE_SONG, size=g.SIZE_4, line_pt=g.SIZE_4 * 1.2)
    # the red line spans the 版心 (a paragraph border spans the paragraph's indents): the 发文字号
    # stands 1 字 in by a first-line indent, the 签发人 ends 1 字 in at a right tab
    up = _style(doc, S_NUMBER_UP, align=WD_ALIGN_PARAGRAPH.LEFT)
    _indent_chars(up, first_line_chars=1)
    _border(up, "bottom", 12, g.RED_HEX, 4)
    _tab(up, "right", round((g.BODY_W - g.CHAR) * 1440 / 25.4))
    _style(doc, S_ISSUE, align=WD_ALIGN_PARAGRAPH.CENTER)
    editor = _style(
        doc, S_EDITOR, align=WD_ALIGN_PARAGRAPH.LEFT
    )  # the same: 编发单位 1 字 in, date 1 字 from the right
    _indent_chars(editor, first_line_chars=1)
    _border(editor, "bottom", 12, g.RED_HEX, 4)
    _tab(editor, "right", round((g.BODY_W - g.CHAR) * 1440 / 25.4))
    attend = _style(doc, S_ATTEND, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _indent_chars(attend, left_chars=5, hanging_chars=3)
    _style(doc, S_CAPTION, g.ROLE_HEI, align=WD_ALIGN_PARAGRAPH.CENTER)
    # a table's text line takes a grid line, as in the PDF
    _style(doc, S_CELL, size=g.SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.LEFT)
    _style(doc, S_CELL_HEAD, g.ROLE_HEI, size=g.SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.CENTER)
    draft = _style(doc, S_DRAFT, g.ROLE_HEI, size=36, align=WD_ALIGN_PARAGRAPH.CENTER, color="BFBFBF", line_pt=40)
    draft.paragraph_format.space_before = Pt(0)


def _tab(style: ParagraphStyle, kind: str, pos_twips: int) -> None:
    ppr = style.element.get_or_add_pPr()
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), kind)
    tab.set(qn("w:pos"), str(pos_twips))
    tabs.append(tab)
    ppr.append(tabs)


def _para(doc: DocumentObject, text: str, style: str) -> None:
    p = doc.add_paragraph(style=style)
    if text:
        p.add_run(text)  # one run per tag: never split
    return None


def _page_number_field(paragraph: object) -> None:
    """``— PAGE —`` (U+2014 dashes, half-width spaces, ASCII digits)."""
    p = paragraph
    p.add_run("— ")  # type: ignore[attr-defined]
    run = p.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
    p.add_run(" —")  # type: ignore[attr-defined]


def _footers(doc: DocumentObject) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    sec = doc.sections[0]
    pitch_twips = round(g.CHAR_4 * 1440 / 25.4)
    for footer, align, side in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT, "w:right"),
                                (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "w:left")):  # fmt: skip
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles[S_PAGENO]
        p.alignment = align
        ind = OxmlElement("w:ind")
        ind.set(qn(side), str(pitch_twips))  # 1 字 (a 四号 character) in from the edge
        p._p.get_or_add_pPr().append(ind)
        _page_number_field(p)


def _imprint_style(doc: DocumentObject) -> None:
    """版记 paragraphs: 四号, 1 字 in both sides, thick lines above and below the block and a
    thin one between its rows (paragraph borders merge across consecutive 版记 paragraphs)."""
    style = doc.styles[S_IMPRINT]
    pad = round(g.CHAR_4 * 1440 / 25.4)
    pf = style.paragraph_format
    pf.left_indent = Pt(pad / 20)
    pf.right_indent = Pt(pad / 20)
    ppr = style.element.get_or_add_pPr()
    tabs = OxmlElement("w:tabs")
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    tab.set(qn("w:pos"), str(round(g.BODY_W * 1440 / 25.4) - pad))
    tabs.append(tab)
    ppr.append(tabs)
    bdr = OxmlElement("w:pBdr")
    for side, size in (("top", 8), ("bottom", 8), ("between", 6)):  # 0.35 / 0.25 mm
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "1")
        el.set(qn("w:color"), "000000")
        bdr.append(el)
    ppr.append(bdr)
    # where the block goes is decided after rendering: in the text flow at the PDF's place (or, with
    # no PDF to follow, in a frame anchored to the page at the 版心 bottom)


def _imprint(doc: DocumentObject) -> None:
    """版记 (GB/T 9704 §7.4): the optional 抄送 row and the 印发 row."""
    _imprint_style(doc)
    _para(doc, "{%p if imprint_cc %}", S_IMPRINT)
    _para(doc, "{{ imprint_cc }}", S_IMPRINT)
    _para(doc, "{%p endif %}", S_IMPRINT)
    _para(doc, "{{ printer }}\t{{ print_date }}", S_IMPRINT)


def _run(paragraph: object, text: str, east_asia: str | None = None) -> None:
    """A run, optionally in another face than its paragraph's (签发人 names, 纪要 labels)."""
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    if east_asia:
        _fonts(run._r, LATIN, east_asia)


def _head(doc: DocumentObject, serial_possible: bool, upward: bool) -> None:
    """版头: three fixed lines for 份号, 密级, 紧急程度 keep the 标志 at the same height."""
    _para(doc, "{{ copy_number }}", S_HEADMARK)
    _para(doc, "{{ secrecy }}", S_HEADMARK)
    _para(doc, "{{ urgency }}", S_HEADMARK)
    _para(doc, "{{ mark }}", S_MARK)
    if serial_possible:
        _para(doc, "{%p if serial %}", S_BODY)
        _para(doc, "", S_BODY)
        _para(doc, "{{ number }}", S_ISSUE)
        p = doc.add_paragraph(style=S_EDITOR)
        p.add_run("{{ editor }}")
        p.add_run("\t")
        p.add_run("{{ head_date }}")
        _para(doc, "{%p else %}", S_BODY)
    if upward:
        _para(doc, "", S_BODY)
        p = doc.add_paragraph(style=S_NUMBER_UP)
        p.add_run("{{ number }}")
        p.add_run("\t签发人：")
        _run(p, "{{ signers }}", g.DOCX_FONT[g.ROLE_KAI])
    else:
        _para(doc, "", S_BODY)
        _para(doc, "{{ number }}", S_NUMBER)
    if serial_possible:
        _para(doc, "{%p endif %}", S_BODY)


def build_template(kind: str) -> bytes:
    """The template for a 文种 (templates/<文种>.docx)."""
    doc = Document()
    _page_setup(doc)
    _styles(doc)
    _footers(doc)
    _draft_header(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    _head(doc, serial_possible=kind in ("会议纪要", "督查通报"), upward=kind in ("专题报告", "请示"))
    _para(doc, "", S_BODY)
    _para(doc, "", S_BODY)
    _para(doc, "{{ title }}", S_TITLE)
    _para(doc, "", S_BODY)
    _para(doc, "{%p if recipients %}", S_TO)
    _para(doc, "{{ recipients }}", S_TO)
    _para(doc, "{%p endif %}", S_TO)
    _blocks(doc, "blocks")
    _para(doc, "{%p if attachment_note %}", S_BODY)
    _para(doc, "", S_BODY)
    _para(doc, "{%p for line in attachment_note %}", S_ATTACH_NOTE)
    _para(doc, "{{ line }}", S_ATTACH_NOTE)
    _para(doc, "{%p endfor %}", S_ATTACH_NOTE)
    _para(doc, "{%p endif %}", S_BODY)
    _para(doc, "{%p if signature %}", S_BODY)
    _para(doc, "", S_BODY)
    _para(doc, "{%p if seal %}", S_BODY)
    _para(doc, "", S_BODY)
    _para(doc, "{%p endif %}", S_BODY)
    _para(doc, "{{ signature }}", S_SIGN)
    _para(doc, "{{ date }}", S_DATE)
    _para(doc, "{%p endif %}", S_BODY)
    _para(doc, "{%p if note %}", S_NOTE)
    _para(doc, "{{ note }}", S_NOTE)
    _para(doc, "{%p endif %}", S_NOTE)
    _para(doc, "{%p for att in attachments %}", S_BODY)
    _para(doc, "{{ att.label }}", S_ATTACH_LABEL)
    _para(doc, "", S_BODY)
    _para(doc, "{{ att.title }}", S_TITLE)
    _para(doc, "", S_BODY)
    _blocks(doc, "att.blocks")
    _para(doc, "{%p endfor %}", S_BODY)
    _imprint(doc)
    _schema_order(doc)
    buf = io.BytesIO()
    doc.core_properties.author = "fawen"
    doc.core_properties.title = f"{kind}模板"
    _prune_styles(doc)
    doc.save(buf)
    return _slim(buf.getvalue())


# schema order of the children of w:pPr and w:rPr: Word refuses a file where they are out of order
PPR_ORDER = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
              "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
              "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
              "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
              "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
              "sectPr", "pPrChange")  # fmt: skip
RPR_ORDER = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
              "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
              "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
              "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath")  # fmt: skip


def _schema_order(doc: DocumentObject) -> None:
    """Put the paragraph and run properties of every style and paragraph in schema order."""
    parts = [doc.styles.element, doc.element]
    for section in doc.sections:
        parts += [section.header._element, section.even_page_header._element, section.footer._element,
                  section.even_page_footer._element]  # fmt: skip
    for root in parts:
        for tag, order in ((qn("w:pPr"), PPR_ORDER), (qn("w:rPr"), RPR_ORDER)):
            for props in root.iter(tag):
                children = list(props)
                rank = {c: (order.index(c.tag.rsplit("}", 1)[-1]) if c.tag.rsplit("}", 1)[-1] in order else len(order))
                        for c in children}  # fmt: skip
                for c in sorted(children, key=lambda c: rank[c]):
                    props.append(c)


def _draft_header(doc: DocumentObject) -> None:
    """草稿: a large grey mark in the header of every page while minutes await 审定."""
    sec = doc.sections[0]
    for header in (sec.header, sec.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.style = doc.styles[S_DRAFT]
        p.add_run("{{ draft_mark }}")


def _prune_styles(doc: DocumentObject) -> None:
    """Keep only the styles in use: python-docx's default template carries ~160 (350 KB)."""
    keep_names = {"Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid"}
    root = doc.styles.element
    latent = root.find(qn("w:latentStyles"))
    if latent is not None:
        root.remove(latent)
    for style in list(root.iterchildren(qn("w:style"))):
        name_el = style.find(qn("w:name"))
        name = name_el.get(qn("w:val")) if name_el is not None else ""
        custom = style.get(qn("w:customStyle")) == "1"
        if not custom and name not in keep_names:
            root.remove(style)


_DROPPED_PARTS = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/")


def _slim(data: bytes) -> bytes:
    """Drop parts a template does not need (thumbnail, stylesWithEffects, customXml) with their
    relationships and content types: a smaller package is faster to open and save each time."""
    import re
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            name = item.filename
            if name.startswith(_DROPPED_PARTS):
                continue
            body = src.read(name)
            if name.endswith(".rels") or name == "[Content_Types].xml":
                text = body.decode("utf-8")
                for part in ("stylesWithEffects.xml", "thumbnail.jpeg", "customXml/"):
                    text = re.sub(
                        r"<Relationship [^>]*Target=\"[^\"]*" + re.escape(part) + r"[^\"]*\"[^>]*/>", "", text
                    )
                    text = re.sub(r"<Override [^>]*PartName=\"[^\"]*" + re.escape(part) + r"[^\"]*\"[^>]*/>", "", text)
                body = text.encode("utf-8")
            dst.writestr(item, body)
    return out.getvalue()


def _blocks(doc: DocumentObject, source: str) -> None:
    """Body blocks, each in the style of its kind: 一、黑体；（一）楷体；others 仿宋; 纪要 attendance
    lines with a 黑体 label; tables; blank lines."""
    _para(doc, f"{{%p for b in {source} %}}", S_BODY)
    _para(doc, "{%p if b.kind == 'h1' %}", S_H1)
    _para(doc, "{{ b.text }}", S_H1)
    _para(doc, "{%p elif b.kind == 'h2' %}", S_H2)
    _para(doc, "{{ b.text }}", S_H2)
    _para(doc, "{%p elif b.kind == 'attendance' %}", S_ATTEND)
    p = doc.add_paragraph(style=S_ATTEND)
    _run(p, "{{ b.label }}：", g.DOCX_FONT[g.ROLE_HEI])
    p.add_run("{{ b.text }}")
    _para(doc, "{%p elif b.kind == 'blank' %}", S_BODY)
    _para(doc, "", S_BODY)
    _para(doc, "{%p elif b.kind == 'table' %}", S_CAPTION)
    _para(doc, "{{ b.text }}", S_CAPTION)
    _table(doc)
    _para(doc, "{%p else %}", S_BODY)
    _para(doc, "{{ b.text }}", S_BODY)
    _para(doc, "{%p endif %}", S_BODY)
    _para(doc, "{%p endfor %}", S_BODY)


TABLE_COLUMNS = 6
TABLE_WIDTHS = (2, 5, 8, 5, 5, 3)  # 字, as the PDF


def _table(doc: DocumentObject) -> None:
    """A ruled table: the header row (repeated on every page) and one row per item."""
    table = doc.add_table(rows=4, cols=TABLE_COLUMNS)
    table.style = doc.styles["Table Grid"]
    total = sum(TABLE_WIDTHS)
    for k, w in enumerate(TABLE_WIDTHS):
        for cell in table.columns[k].cells:
            cell.width = Mm(g.BODY_W * w / total)
    header, opener, row, closer = table.rows
    trpr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    trpr.append(repeat)
    for k, cell in enumerate(header.cells):
        cell.paragraphs[0].style = doc.styles[S_CELL_HEAD]
        cell.paragraphs[0].add_run(f"{{{{ b.header[{k}] }}}}")
    opener.cells[0].paragraphs[0].add_run("{%tr for r in b.rows %}")
    for k, cell in enumerate(row.cells):
        cell.paragraphs[0].style = doc.styles[S_CELL]
        cell.paragraphs[0].add_run(f"{{{{ r[{k}] }}}}")
    closer.cells[0].paragraphs[0].add_run("{%tr endfor %}")


TEMPLATES = {
    kind: (lambda kind=kind: build_template(kind))
    for kind in ("通知", "会议通知", "会议纪要", "督查通报", "专题报告", "请示")
}


def build_notice_template() -> bytes:
    return build_template("通知")
