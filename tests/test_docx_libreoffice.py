"""The DOCX as LibreOffice lays it out is fawen's PDF (issue 13): every example and five generated
long inputs, converted with ``soffice --convert-to pdf`` and read back like the PDF tests read
fawen's own PDF. Same pages and the same lines on each page; the 版记's last rule at 262 mm on
an even page, clear of the page number; the red line and the 版记's rules over the whole 版心;
the 成文日期 placed by the PDF's rule; tables in the PDF's columns, rows never split, a repeated
header row never alone; digits and Latin letters in Times New Roman's face with no space added
next to CJK; the 纪要/简报 head on one line.

The DOCX follows the PDF's lines when it is given them (``render_docx(..., printed_layout(pdf))``).
LibreOffice stands Liberation Serif in for Times New Roman: scripts/setup.sh installs it (Debian's
fonts-liberation) with LibreOffice.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline import gbt9704 as g
from pipeline import run
from pipeline.model import BlockKind
from pipeline.model import Composition
from pipeline.stages.render_docx import printed_layout
from pipeline.stages.render_docx import render_docx
from tests.conftest import EXAMPLES
from tests.conftest import TODAY
from tests.conftest import example_files
from tests.support import PdfFacts
from tests.support import is_red

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MM = 72 / 25.4
L, R, C = g.LEFT, g.RIGHT, g.CHAR


# ---- generated long inputs ------------------------------------------------------------------------

SENTENCES = (
    "按照GB/T 9704-2012的要求，各单位要在12月31日前完成自查，自查率须达到100%。",
    "2026年1至10月，全镇共受理信访事项128件，同比下降15.3%，其中网上信访47件。",
    "对群众反映的“急难愁盼”问题，要做到件件有着落、事事有回音。",
    "联席会议办公室要会同综合执法局、社会事务办公室，逐项核查12345热线转办的事项。",
    "各村（社区）要明确1名信访联络员，联络员变更的，报联席会议办公室备案。",
    "对超过30日未办结的事项，联席会议办公室发出督办单，责任单位在5个工作日内书面回复。",
    "坚持“属地管理、分级负责，谁主管、谁负责”的原则，把矛盾纠纷化解在基层、解决在萌芽状态。",
    "对涉及征地拆迁、劳资纠纷的信访事项，实行“一案一策”，由镇领导包案化解。",
    "PDF和DOCX两种文本内容一致，以PDF文本为准；纸质文件加盖印章后归档。",
    "年内组织开展2次集中排查，第一次在6月，第二次在11月，排查结果于次月5日前报送。",
)


def _paragraph(i: int, length: int) -> str:
    return "".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(length))


def _body(sections: int, paras: int, seed: int = 0, indent: str = "  ") -> str:
    lines = []
    for s in range(sections):
        lines.append(f"# 第{s + 1}项工作的具体要求")
        for p in range(paras):
            if p == 1:
                lines.append(f"## 关于第{s + 1}.{p}项任务")
            lines += [_paragraph(seed + s * 3 + p, 1 + (s + p) % 4), ""]
    return "\n".join(indent + line if line else "" for line in lines)


def long_notice() -> str:
    return ("文种: 通知\n标题: 关于做好2027年度信访矛盾纠纷排查化解工作的通知\n"
            "主送: 各村党支部、村民委员会，各社区党支部、居民委员会，各办、中心、综合执法局\n"
            f"正文: |\n{_body(12, 4)}\n成文日期: 2026-11-12\n印章: true\n"
            "抄送: 东胜区信访局，东胜区委政法委，罕台镇党委、镇人大、镇政府主要领导，各成员单位分管负责同志\n")  # fmt: skip


def long_minutes() -> str:
    units = ("平安建设办公室", "联席会议办公室", "经济发展办公室", "综合执法局", "社会事务办公室")
    items = ""
    for i in range(24):
        lead = units[i % len(units)]
        partners = [u for u in units if u != lead][: i % 3]
        items += (f"  - 事项: {_paragraph(i, 1 + i % 2)}\n    责任单位: {lead}\n"
                  + (f"    配合单位: [{', '.join(partners)}]\n" if partners else "")
                  + f"    完成时限: 2027-0{4 + i % 6}-{10 + i % 18}\n")  # fmt: skip
    return ("文种: 会议纪要\n会议类型: 全体会议\n期号: 9\n标题: 罕台镇信访工作联席会议2027年第一季度全体会议纪要\n"
            "会议:\n  时间: 2027-03-20 09:00\n  地点: 罕台镇人民政府三楼会议室\n  主持: 王建国\n  记录: 周强\n"
            "出席:\n  - 王建国（镇党委书记）\n  - 李明（镇长）\n  - 赵永刚（镇人大主席）\n  - 刘海涛（镇党委政法委员）\n"
            "  - {单位: 党政综合办公室, 姓名: 张丽}\n  - {单位: 综合执法局, 姓名: 孙浩}\n  - {单位: 罕台村, 姓名: 冯军}\n"
            "请假:\n  - {单位: 九成功村, 姓名: 陈刚, 事由: 外出学习}\n"
            f"正文: |\n{_body(2, 3, 5)}\n议定事项:\n{items}"
            "审定:\n  审定人: 王建国\n  日期: 2027-03-22\n分送: 联席会议各成员单位\n印发日期: 2027-03-23\n")  # fmt: skip


def long_bulletin() -> str:
    units = ("综合执法局", "社会事务办公室", "罕台村")
    matters = ("某建筑工地拖欠农民工工资", "物流园装卸工工资纠纷", "保洁人员工资拖欠", "村集体工程尾款纠纷",
               "小区物业服务费用争议及维修基金使用问题", "征地补偿款分配")  # fmt: skip
    rows = "".join(f"  - {{单位: {units[i % 3]}, 事项: {matters[i % len(matters)]}（第{i + 1}件）, "
                   f"受理日期: 2026-{9 + i % 3}-{10 + i % 15:02d}, 办理时限: 2027-0{1 + i % 2}-{10 + i % 18:02d}, "
                   f"状态: {('已办结', '办理中')[i % 2]}}}\n" for i in range(60))  # fmt: skip
    return ("文种: 督查通报\n督查类型: 专项督查\n期号: 5\n标题: 关于冬季欠薪问题信访专项督查情况的通报\n"
            "主送: 各村（社区），各办、中心\n督查:\n  时间: 2027-01-10至2027-01-20\n"
            "  督查组: 联席会议办公室牵头，综合执法局、社会事务办公室参加\n正文: |\n"
            f"  为落实联席会议议定事项，1月10日至20日，联席会议办公室对全镇欠薪问题信访化解情况开展了专项督查。\n\n{_body(2, 2, 2)}\n"
            f"督查事项:\n{rows}统计截止日期: 2027-01-20\n成文日期: 2027-01-22\n抄送: 镇党委、镇政府主要领导，东胜区信访局\n")  # fmt: skip


def long_report() -> str:
    return ("文种: 专题报告\n标题: 罕台镇信访工作联席会议办公室关于2026年度信访工作情况的专题报告\n签发人: 刘海涛\n"
            f"主送: 镇党委、镇政府\n正文: |\n{_body(5, 5, 3)}\n  特此报告。\n"
            "署名: 罕台镇信访工作联席会议办公室\n成文日期: 2026-12-08\n联系人: 周强\n联系电话: \"0477-8000002\"\n")  # fmt: skip


def long_request() -> str:
    return ("文种: 请示\n标题: 关于九成功村土地补偿款重新分配方案的请示\n签发人: 李明\n主送: 镇党委\n"
            f"正文: |\n{_body(2, 2, 7)}\n  妥否，请批示。\n附件:\n"
            f"  - 名称: 九成功村土地补偿款重新分配方案\n    正文: |\n{_body(3, 3, 1, '      ')}\n"
            f"  - 名称: 九成功村村民代表会议表决情况\n    正文: |\n{_body(2, 3, 4, '      ')}\n"
            "成文日期: 2026-11-12\n联系人: 周强\n联系电话: \"0477-8000002\"\n")  # fmt: skip


def many_recipients() -> str:
    """So many 主送 that page 1 would show no 正文: the PDF moves them into the 版记 (§7.4.2)."""
    recipients = "、".join(f"第{i}村党支部、村民委员会" for i in range(1, 40))
    return ("文种: 通知\n标题: 关于做好2027年度信访矛盾纠纷排查化解工作并建立健全信访工作长效机制有关事项的通知\n"
            f"主送: {recipients}\n正文: |\n  各单位要高度重视，逐项落实。\n成文日期: 2026-11-12\n")  # fmt: skip


LONG = {"长通知.yaml": long_notice, "长纪要.yaml": long_minutes, "长通报.yaml": long_bulletin,
        "长报告.yaml": long_report, "长请示.yaml": long_request}  # fmt: skip
GENERATED = {**LONG, "多主送.yaml": many_recipients}
NAMES = [p.name for p in example_files(EXAMPLES)] + list(GENERATED)


# ---- rendering and converting everything once ---------------------------------------------------


@dataclass
class Case:
    comp: Composition
    pdf: PdfFacts  # fawen's PDF
    docx: Path
    lo: PdfFacts | None = None  # the DOCX converted by LibreOffice


def follow(workspace, source: Path) -> tuple[Composition, bytes, bytes]:
    """What fawen writes for an input: the PDF, and the DOCX given the PDF's lines."""
    req = run.read_request(source, workspace, TODAY)
    rendered = run.render_request(req, workspace, source.parent)
    template = workspace.template(req.kind.value).read_bytes()
    return rendered.composition, rendered.pdf, render_docx(rendered.composition, template, None, printed_layout(rendered.pdf))


@pytest.fixture(scope="module")
def cases(session_workspace, tmp_path_factory) -> dict[str, Case]:
    out = tmp_path_factory.mktemp("docx-lo")
    inputs = out / "inputs"
    inputs.mkdir()
    for name, make in GENERATED.items():
        (inputs / name).write_text(make(), encoding="utf-8")
    found: dict[str, Case] = {}
    for name in NAMES:
        source = session_workspace.root / "examples" / name if name not in GENERATED else inputs / name
        comp, pdf, docx = follow(session_workspace, source)
        stem = Path(name).stem
        (out / f"{stem}.pdf").write_bytes(pdf)
        (out / f"{stem}.docx").write_bytes(docx)
        found[name] = Case(comp, PdfFacts(out / f"{stem}.pdf"), out / f"{stem}.docx")
    if SOFFICE is not None:
        converted = out / "lo"
        result = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{out}/profile", "--convert-to", "pdf",
                                 "--outdir", str(converted), *[str(c.docx) for c in found.values()]],
                                capture_output=True, timeout=900)  # fmt: skip
        assert result.returncode == 0, result.stderr
        for case in found.values():
            case.lo = PdfFacts(converted / (case.docx.stem + ".pdf"))
    return found


# ---- reading a page back ------------------------------------------------------------------------


def page_lines(pdf: pdfplumber.PDF, page: int) -> list[str]:
    """A page's lines of text top to bottom, page numbers left out: characters whose baselines lie
    within 1.2 mm make a line (a cell's digits and its CJK), read left to right, spaces dropped."""
    chars = [c for c in pdf.pages[page - 1].chars if not c["text"].isspace() and c["top"] / MM < g.BOTTOM + 1.5]
    chars.sort(key=lambda c: c["matrix"][5], reverse=True)
    lines: list[list[dict]] = []
    for c in chars:
        if lines and abs(lines[-1][0]["matrix"][5] - c["matrix"][5]) < 1.2 * MM:
            lines[-1].append(c)
        else:
            lines.append([c])
    return ["".join(c["text"] for c in sorted(line, key=lambda c: c["x0"])) for line in lines]


def squeezed(text: str) -> str:
    return re.sub(r"\s", "", text)


def docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [p.text for t in doc.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    return squeezed("".join(parts))


def foreign_pages(case: Case) -> set[int]:
    """Pages of the PDF that show an attachment file (text the DOCX does not have)."""
    text = docx_text(case.docx)
    return {p for p in range(1, len(case.pdf.pages) + 1)
            if any(squeezed(line) not in text for line in page_lines(case.pdf.pdf, p))}  # fmt: skip


def lines_with(facts: PdfFacts, text: str) -> list:
    return [ln for ln in facts.lines if squeezed(ln.text) == squeezed(text)]


# ---- the DOCX itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_latin_in_times_new_roman_cjk_in_its_face_no_automatic_space(cases, name):
    doc = Document(cases[name].docx)
    normal = doc.styles["Normal"].element
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        assert normal.pPr.find(qn(tag)).get(qn("w:val")) == "0"
    for style, face in (("公文正文", "仿宋_GB2312"), ("公文一级标题", "黑体"), ("公文二级标题", "楷体_GB2312"),
                        ("公文标题", "方正小标宋简体"), ("版记", "仿宋_GB2312"), ("表格文字", "仿宋_GB2312")):  # fmt: skip
        fonts = doc.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == "Times New Roman", style
        assert fonts.get(qn("w:eastAsia")) == face, style


def test_tables_carry_the_pdf_columns_and_never_split_a_row(cases):
    for name in ("005-专项督查通报.yaml", "长通报.yaml"):
        case = cases[name]
        table = next(b.table for b in case.comp.blocks if b.kind == BlockKind.TABLE)
        tbl = Document(case.docx).tables[-1]._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        widths = [int(col.get(qn("w:w"))) for col in tbl.find(qn("w:tblGrid"))]
        want = [w * g.BODY_W / sum(table.widths) * 1440 / 25.4 for w in table.widths]
        assert all(abs(a - b) <= 1 for a, b in zip(widths, want, strict=True)), (widths, want)
        rows = tbl.findall(qn("w:tr"))
        assert len(rows) == 1 + len(table.rows)
        assert rows[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert all(r.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None for r in rows)


def test_fawen_writes_the_docx_that_follows_its_pdf(session_workspace, tmp_path):
    source = session_workspace.root / "examples" / "002-全体会议通知.yaml"
    req = run.read_request(source, session_workspace, TODAY)
    written = run.render_request(req, session_workspace, source.parent).docx
    _, _, followed = follow(session_workspace, source)
    (tmp_path / "a.docx").write_bytes(written)
    (tmp_path / "b.docx").write_bytes(followed)
    xml = [Document(tmp_path / n).element.body.xml for n in ("a.docx", "b.docx")]
    assert xml[0] == xml[1]


# ---- LibreOffice's pages ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_same_pages_and_lines_as_the_pdf(cases, name):
    case = cases[name]
    pages = len(case.pdf.pages)
    assert len(case.lo.pages) == pages
    if name in LONG:
        assert 4 <= pages <= 20, pages
    skip = foreign_pages(case)
    for page in range(1, pages + 1):
        if page not in skip:
            assert page_lines(case.lo.pdf, page) == page_lines(case.pdf.pdf, page), (name, page)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_imprint_ends_at_262_mm_on_an_even_page_clear_of_the_page_number(cases, name):
    lo = cases[name].lo
    last = len(lo.pages)
    assert last % 2 == 0
    printed = lines_with(lo, cases[name].comp.imprint.date)  # 2026年11月12日印发, the 版记's last line
    assert printed and printed[-1].page == last
    rules = [r for r in lo.rules(last) if not is_red(r["colour"][:3]) and r["y"] > printed[-1].top - 12]
    bottom = max(rules, key=lambda r: r["y"])
    assert abs(bottom["y"] - g.BOTTOM) <= 1.0 and bottom["x0"] <= L + 0.5 and bottom["x1"] >= R - 0.5, bottom
    assert printed[-1].bottom < bottom["y"]
    numbers = [ln for ln in lo.lines if ln.page == last and re.fullmatch(r"—\s?\d+\s?—", ln.text.strip())]
    assert all(ln.top > bottom["y"] + 2 for ln in numbers)
    top = [r for r in rules if r["y"] < printed[-1].top]
    assert top and all(r["x0"] <= L + 0.5 and r["x1"] >= R - 0.5 for r in top)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_red_line_spans_the_type_area_where_the_pdf_draws_it(cases, name):
    case = cases[name]
    want = [r for r in case.pdf.rules(1) if is_red(r["colour"][:3])][0]
    red = [r for r in case.lo.rules(1) if is_red(r["colour"][:3])]
    assert red and all(r["x0"] <= L + 0.5 and r["x1"] >= R - 0.5 for r in red)
    assert abs(red[0]["y"] - want["y"]) <= 0.5


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_date_placed_by_the_pdfs_rule(cases, name):
    """Under a seal 右空四字 (as the PDF: a long 署名 may move it up to 1 mm left); without one
    2 字 right of the 署名's start, or 右空二字 when it is the longer."""
    case = cases[name]
    signature = case.comp.signature
    if signature is None:
        pytest.skip("no 署名")
    date = lines_with(case.lo, signature.date)[-1]
    sign = lines_with(case.lo, signature.names[-1])[-1]
    pdf_date = lines_with(case.pdf, signature.date)[-1]
    if signature.seal:
        assert abs(date.x1 - pdf_date.x1) <= 1.0 and R - 4 * C - 1.5 <= date.x1 <= R - 4 * C + 0.5
    elif date.x1 < R - 2 * C - 0.5:
        assert abs(date.x0 - (sign.x0 + 2 * C)) <= 1.0 and abs(sign.x1 - (R - 2 * C)) <= 1.0
    else:
        assert abs(date.x1 - (R - 2 * C)) <= 1.0
    assert abs(date.x0 - pdf_date.x0) <= 1.0 and abs(date.baseline - pdf_date.baseline) <= 1.0


@pytest.mark.parametrize("name", ["005-专项督查通报.yaml", "长通报.yaml"])
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_tables_keep_dates_whole_and_repeat_the_header_never_alone(cases, name):
    case = cases[name]
    table = next(b.table for b in case.comp.blocks if b.kind == BlockKind.TABLE)
    header = "".join(table.header)
    text = {p: page_lines(case.lo.pdf, p) for p in range(1, len(case.lo.pages) + 1)}
    for row in table.rows:
        for cell in row[3:5]:  # the dates: never broken inside a cell
            assert any(cell in line for lines in text.values() for line in lines), cell
    pages = [p for p, lines in text.items() if any(line.startswith(header) for line in lines)]
    assert pages == list(range(pages[0], pages[0] + len(pages)))  # on every page the table reaches
    for p in pages:
        after = text[p][[i for i, line in enumerate(text[p]) if line.startswith(header)][0] + 1 :]
        assert after and after[0][0].isdigit(), (p, after[:1])  # a row under it, on the same page
    lo_cols = sorted({round(ln["x0"] / MM, 1) for p in pages for ln in case.lo.pdf.pages[p - 1].lines
                      if abs(ln["x0"] - ln["x1"]) < 0.5})  # fmt: skip
    edges = [L]
    for w in table.widths:
        edges.append(edges[-1] + w * g.BODY_W / sum(table.widths))
    assert all(any(abs(x - e) <= 0.5 for x in lo_cols) for e in edges), (lo_cols, edges)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_digits_in_times_and_no_space_next_to_cjk(cases, name):
    """Digits are set in Times New Roman's face, and "2026年12月" gets no space between a digit
    and a CJK character (LibreOffice ignores w:autoSpaceDE/DN: the DOCX's hidden marks stop it)."""
    lo = cases[name].lo
    for page in lo.pages:
        rows: dict[int, list[dict]] = {}
        for c in page.chars:
            if c["size"] >= 10 and not c["text"].isspace():
                rows.setdefault(round(c["matrix"][5] * 2), []).append(c)
        for chars in rows.values():
            chars.sort(key=lambda c: c["x0"])
            gaps = [(a["text"] + b["text"], b["x0"] - a["x1"]) for a, b in zip(chars, chars[1:])
                    if b["x0"] - a["x1"] < 3 * MM]  # wider: a tab or separate texts  # fmt: skip
            even = max([gap for pair, gap in gaps if re.fullmatch(r"[\u4e00-\u9fff]{2}", pair)] or [0.0])
            for pair, gap in gaps:
                if re.fullmatch(r"[0-9][\u4e00-\u9fff]|[\u4e00-\u9fff][0-9]", pair):
                    # LibreOffice's automatic space would add 1.2 mm (a fifth of the Latin face's
                    # height); justification adds a little more where a Latin run begins or ends
                    assert gap <= max(even, 0.0) + 0.75 * MM, (pair, gap / MM, even / MM)
        for c in page.chars:
            if c["text"].isdigit() and c["text"].isascii() and c["size"] >= 10:
                assert "Liberation" in c["fontname"] or "Times" in c["fontname"], (
                    c["fontname"], "install fonts-liberation: bash scripts/setup.sh --libreoffice")  # fmt: skip


@pytest.mark.parametrize("name", ["003-全体会议纪要.yaml", "004-专题会议纪要.yaml", "005-专项督查通报.yaml", "长纪要.yaml", "长通报.yaml"])
@pytest.mark.libreoffice
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_serial_head_on_one_line(cases, name):
    case = cases[name]
    head = case.comp.head
    line = next(line for line in page_lines(case.lo.pdf, 1) if line.startswith(squeezed(head.editor)))
    assert line == squeezed(head.editor + head.date)
    issue = next(line for line in page_lines(case.lo.pdf, 1) if squeezed(head.number) in line)
    assert issue == squeezed(head.number)
