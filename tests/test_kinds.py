"""Every document of the joint-meeting work rules, read back: 会议通知, 会议纪要 (审定 and 会签),
督查通报 (computed totals, the table, ledgers), 专题报告 and 请示 (签发人), attachment files."""

from __future__ import annotations

import csv
import os
import re
import shutil

import pytest

from pipeline import run
from pipeline.errors import InputError
from pipeline.gbt9704 import NO_LINE_END
from pipeline.gbt9704 import NO_LINE_START
from tests.conftest import TODAY
from tests.conftest import render
from tests.conftest import write_input
from tests.support import PdfFacts
from tests.support import is_black
from tests.support import is_red

L, R, T, B = 28.0, 184.0, 37.0, 262.0
C = 156 / 28
P = (225 - 16 / (72 / 25.4)) / 21
PAGE_NO = re.compile(r"^—\s?\d+\s?—$")


def rendered(workspace, tmp_path, name: str) -> PdfFacts:
    _, pdf = render(workspace, workspace.root / "examples" / name, tmp_path / "out")
    return PdfFacts(pdf)


def example_text(workspace, name: str) -> str:
    return (workspace.root / "examples" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["002-全体会议通知.yaml", "003-全体会议纪要.yaml", "004-专题会议纪要.yaml",
                                  "005-专项督查通报.yaml", "006-专题报告.yaml", "007-请示.yaml",
                                  "008-信访形势研判.md"])  # fmt: skip
def test_every_kind_keeps_the_common_rules(workspace, tmp_path, name):
    facts = rendered(workspace, tmp_path, name)
    assert len(facts.pages) % 2 == 0
    for ln in facts.lines:
        if PAGE_NO.match(ln.text) or ln.page in _appended_pages(facts):
            continue
        assert L - 0.5 <= ln.x0 and ln.x1 <= R + 0.5, (ln.page, ln.text)
        assert T - 1 <= ln.top and ln.bottom <= B + 1, (ln.page, ln.text)
        assert ln.text[0] not in NO_LINE_START and ln.text[-1] not in NO_LINE_END, ln.text
        for colour in ln.colours():
            assert is_black(colour) or (is_red(colour) and ln.page == 1 and ln.top < 100), (ln.text, colour)
    mark = facts.ink_box(1, 20, 50, 190, 110, red=True)
    assert abs(mark[1] - 72) <= 1.0
    body = [ln for ln in facts.lines if abs(ln.size - 16) < 0.5 and ln.page > 1 and ln.page not in _appended_pages(facts)]
    for ln in body:  # 正文 on the 22-line grid: every em-top on a grid line
        steps = (ln.top - T) / P
        assert abs(steps - round(steps)) * P <= 0.3, (ln.text, ln.top)


def _appended_pages(facts: PdfFacts) -> set[int]:
    return {ln.page for ln in facts.lines if "核查报告（第" in ln.text}


# ---- 会议纪要 -------------------------------------------------------------------------------------


def test_minutes_head_and_attendance(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "003-全体会议纪要.yaml")
    mark = facts.find("纪要")
    assert mark.page == 1 and mark.text == "罕台镇信访工作联席会议纪要" and mark.roles() == {"小标宋"}
    assert all(is_red(c) for c in mark.colours())
    issue = facts.find("第4期")
    assert abs(issue.centre - 106) <= 1.0
    editor = facts.find("罕台镇信访工作联席会议办公室")
    date = [ln for ln in facts.page_lines(1) if ln.text == "2026年11月23日"][0]
    assert abs(editor.x0 - (L + C)) <= 0.7 and abs(date.x1 - (R - C)) <= 0.7
    assert abs(editor.baseline - date.baseline) <= 0.5 and editor.top > issue.top
    red = [r for r in facts.rules(1) if is_red(r["colour"])]
    assert len(red) == 1 and abs(red[0]["y"] - (editor.bottom + 4)) <= 1.0
    # R35: 出席, 请假, 列席 in order; 黑体 labels 2 字 in; 仿宋 names; continuation 5 字 in
    labels = [ln for ln in facts.lines if ln.text in ("出席：", "请假：", "列席：")]
    assert [ln.text for ln in labels] == ["出席：", "请假：", "列席："]
    for ln in labels:
        assert ln.roles() == {"黑体"} and abs(ln.size - 16) <= 0.5 and abs(ln.x0 - (L + 2 * C)) <= 0.7
    names = [ln for ln in facts.lines if ln.page == labels[0].page and ln.x0 > L + 4 * C and abs(ln.size - 16) < 0.5
             and labels[0].top - 1 <= ln.top <= labels[-1].top + 1]  # fmt: skip
    assert names and all(ln.roles() == {"仿宋"} and abs(ln.x0 - (L + 5 * C)) <= 0.7 for ln in names)
    assert len([ln for ln in names if labels[0].top < ln.top < labels[1].top]) >= 1  # 出席 wraps, aligned
    assert "外出学习" in "".join(ln.text for ln in names)
    last_body = [ln for ln in facts.lines if ln.page == labels[0].page and ln.top < labels[0].top - 1 and abs(ln.size - 16) < 0.5][-1]
    assert abs((labels[0].baseline - last_body.baseline) - 2 * P) <= 0.35 * P  # one blank line
    text = facts.text()
    assert "分送：联席会议各成员单位。" in text
    assert "草稿" not in text and "印章" not in text
    assert "1.11月底前完成" in text and "责任单位：平安建设办公室" in text and "完成时限：2026年11月30日前" in text


def test_minutes_without_approval_are_a_watermarked_draft(workspace, tmp_path):
    text = example_text(workspace, "003-全体会议纪要.yaml")
    text = re.sub(r"审定:.*\n  审定人: 王建国\n  日期: 2026-11-22\n", "", text)
    assert "审定" not in text.split("议定事项")[1].split("分送")[0].replace("审定后", "")
    src = write_input(tmp_path, "draft.yaml", text)
    outcome = run.render_file(src, workspace, tmp_path / "out", TODAY)
    assert outcome.ok and outcome.draft and "草稿" in outcome.message and "审定" in outcome.message
    facts = PdfFacts(tmp_path / "out" / "draft.pdf")
    for page in range(1, len(facts.pages) + 1):
        marks = [c for c in facts.pages[page - 1].chars if c["text"] in "草稿" and c["size"] > 100]
        assert len(marks) == 2  # the watermark on every page
        assert all(min(c["non_stroking_color"]) > 0.7 for c in marks)  # light grey, under the text
    from docx import Document

    doc = Document(tmp_path / "out" / "draft.docx")
    assert "草" in doc.sections[0].header.paragraphs[0].text
    assert doc.core_properties.title.endswith("（草稿）")


def test_cross_domain_minutes_need_every_countersign(workspace, tmp_path):
    text = example_text(workspace, "004-专题会议纪要.yaml")
    text = text.replace("  - {召集人: 赵永刚, 日期: 2026-10-17}\n", "")
    src = write_input(tmp_path, "cross.yaml", text)
    outcome = run.render_file(src, workspace, tmp_path / "out", TODAY)
    assert outcome.draft and "赵永刚" in outcome.draft and "会签" in outcome.draft and "李明" not in outcome.draft
    complete = run.render_file(workspace.root / "examples" / "004-专题会议纪要.yaml", workspace, tmp_path / "ok", TODAY)
    assert complete.ok and not complete.draft


def test_a_missing_issue_number_shows_a_placeholder(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "004-专题会议纪要.yaml")
    assert facts.find("第□期").page == 1


# ---- 上行文 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["006-专题报告.yaml", "008-信访形势研判.md", "007-请示.yaml"])
def test_upward_documents_carry_the_signer_on_the_number_line(workspace, tmp_path, name):
    facts = rendered(workspace, tmp_path, name)
    label = facts.find("签发人：")
    chars = label.chars
    label_chars = [c for c in chars if c["text"] in "签发人："]
    name_chars = [c for c in chars if c["text"] not in "签发人："]
    assert {facts_role(c) for c in label_chars} == {"仿宋"}
    assert {facts_role(c) for c in name_chars} == {"楷体"}
    assert abs(label.x1 - (R - C)) <= 0.7
    number = facts.find("〔2026〕")
    assert abs(number.x0 - (L + C)) <= 0.7
    assert abs(number.baseline - label.baseline) <= 0.5


def facts_role(char: dict) -> str | None:
    from tests.support import role_of

    return role_of(char["fontname"])


def test_request_prints_its_contact_in_the_note(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "007-请示.yaml")
    note = facts.find("联系人：")
    assert note.text == "（联系人：周强；联系电话：0477-8000002）"
    assert abs(note.x0 - (L + 2 * C)) <= 0.7


# ---- 会议通知 -------------------------------------------------------------------------------------


def test_meeting_notice_body_is_built_from_the_meeting(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "002-全体会议通知.yaml")
    text = facts.text()
    for expected in ("一、会议时间", "11月20日（星期五）上午9:00", "二、会议地点", "罕台镇人民政府三楼会议室",
                     "三、主持人", "王建国", "四、参会人员", "五、会议议题", "1.通报2026年1至10月全镇信访形势",
                     "六、有关要求", "请各成员单位于11月18日17:00前"):  # fmt: skip
        assert expected in text, expected
    assert facts.find("一、会议时间").roles() == {"黑体"}
    assert "（联系人：周强；联系电话：0477-8000002）" in text


# ---- 督查通报 -------------------------------------------------------------------------------------


def test_bulletin_totals_are_computed_not_copied(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "005-专项督查通报.yaml")
    text = facts.text()
    assert "本次督查事项共4件，其中已办结2件，办理中2件（超期2件），办结率50.0%" in text
    assert "综合执法局2件（已办结1件，超期1件）" in text
    changed = example_text(workspace, "005-专项督查通报.yaml").replace(
        "办理时限: 2026-12-07, 状态: 办理中", "办理时限: 2026-12-07, 状态: 已办结")
    src = write_input(workspace.root / "examples", "005b.yaml", changed)
    _, pdf = render(workspace, src, tmp_path / "b")
    text = PdfFacts(pdf).text()
    assert "共4件，其中已办结3件，办理中1件（超期1件），办结率75.0%" in text


def test_bulletin_head_and_table(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "005-专项督查通报.yaml")
    assert facts.find("督查通报").page == 1 and facts.find("第2期").page == 1
    header = facts.find("序号")
    assert header.roles() == {"黑体"}
    row = "".join(ln.text for ln in facts.lines if ln.page == header.page and abs(ln.baseline - header.baseline) < 0.5)
    assert all(word in row for word in ("序号", "单位", "督查事项", "受理日期", "办理时限", "状态")), row
    rules = facts.rules(header.page)
    horizontal = [r for r in rules if abs(r["x1"] - r["x0"]) > 150 and r["y"] > header.top - 5]
    assert len(horizontal) >= 5  # top, under the header, and one under each of the 4 rows
    assert all(is_black(r["colour"]) for r in horizontal)


def _write_ledger(path, rows):
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位", "事项", "受理日期", "办理时限", "状态"])
        writer.writerows(rows)


def _bulletin_with_ledger(workspace, ledger: str) -> str:
    text = example_text(workspace, "005-专项督查通报.yaml")
    head, rest = text.split("督查事项:", 1)
    rest = rest.split("统计截止日期:", 1)[1]
    return head + f"督查事项: {ledger}\n统计截止日期:" + rest


def test_a_60_row_ledger_spans_pages_with_the_header_repeated(workspace, tmp_path):
    folder = workspace.root / "examples"
    (folder / "台账").mkdir()
    rows = [[f"单位{i % 7}", f"第{i}件欠薪事项的核查与处理", "2026-11-01", "2027-01-31" if i % 3 else "2026-12-01",
             "已办结" if i % 2 else "办理中"] for i in range(1, 61)]  # fmt: skip
    _write_ledger(folder / "台账" / "欠薪.csv", rows)
    src = write_input(folder, "ledger.yaml", _bulletin_with_ledger(workspace, "台账/欠薪.csv"))
    _, pdf = render(workspace, src, tmp_path / "out")
    facts = PdfFacts(pdf)
    table_pages = sorted({ln.page for ln in facts.lines if "欠薪事项" in ln.text})
    assert len(table_pages) >= 2
    for page in table_pages:
        headers = [ln for ln in facts.page_lines(page) if ln.text.startswith("序号")]
        assert headers, page
        first_row = min(ln.top for ln in facts.page_lines(page) if "欠薪事项" in ln.text)
        assert headers[0].top < first_row
    text = facts.text()
    done = sum(1 for r in rows if r[4] == "已办结")
    late = sum(1 for r in rows if r[4] == "办理中" and r[3] < "2027-01-20")
    assert f"共60件，其中已办结{done}件，办理中{60 - done}件（超期{late}件），办结率{done * 100 / 60:.1f}%" in text
    for i in (1, 30, 60):
        assert f"第{i}件欠薪事项" in text.replace("\n", "")


def test_xlsx_ledgers_are_read_too(workspace, tmp_path):
    from openpyxl import Workbook
    import datetime as dt

    folder = workspace.root / "examples"
    book = Workbook()
    sheet = book.active
    sheet.append(["单位", "事项", "受理日期", "办理时限", "状态"])
    sheet.append(["综合执法局", "工地欠薪", dt.date(2026, 11, 2), dt.date(2026, 12, 31), "已办结"])
    sheet.append(["罕台村", "工程尾款", dt.date(2026, 11, 15), dt.date(2026, 12, 14), "办理中"])
    book.save(folder / "台账.xlsx")
    src = write_input(folder, "x.yaml", _bulletin_with_ledger(workspace, "台账.xlsx"))
    _, pdf = render(workspace, src, tmp_path / "out")
    assert "共2件，其中已办结1件，办理中1件（超期1件），办结率50.0%" in PdfFacts(pdf).text()


@pytest.mark.parametrize(
    ("header", "row", "needle"),
    [
        (["单位", "事项", "受理日期", "状态"], ["甲", "乙", "2026-11-01", "已办结"], "缺少列：办理时限"),
        (["单位", "事项", "受理日期", "办理时限", "状态"], ["甲", "乙", "2026-13-01", "2026-12-01", "已办结"], "第2行.受理日期"),
        (["单位", "事项", "受理日期", "办理时限", "状态"], ["甲", "乙", "2026-11-01", "2026-12-01", "搁置"], "第2行.状态"),
    ],
)
def test_ledger_problems_name_the_row(workspace, tmp_path, header, row, needle):
    folder = workspace.root / "examples"
    with (folder / "bad.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    src = write_input(folder, "bad.yaml", _bulletin_with_ledger(workspace, "bad.csv"))
    with pytest.raises(InputError) as info:
        run.read_request(src, workspace, TODAY)
    assert needle in info.value.message and "bad.csv" in info.value.message


# ---- attachment files -----------------------------------------------------------------------------


def test_attachment_files_are_appended_with_continuous_page_numbers(workspace, tmp_path):
    facts = rendered(workspace, tmp_path, "007-请示.yaml")
    appended = sorted(_appended_pages(facts))
    assert len(appended) == 2
    label = [ln for ln in facts.lines if ln.text == "附件"][0]
    assert label.page == appended[0]  # on the file's first page, above its content (the 版心's line 1)
    numbers = {ln.page: int(re.sub(r"\D", "", ln.text)) for ln in facts.lines if PAGE_NO.match(ln.text)}
    for page in range(1, appended[-1] + 1):
        assert numbers.get(page) == page, page
    assert facts.find("印发").page == len(facts.pages)


def test_attachment_outside_the_input_folder_is_refused(workspace, tmp_path):
    outside = tmp_path / "secret.pdf"
    shutil.copyfile(workspace.root / "examples" / "附件" / "核查报告.pdf", outside)
    folder = workspace.root / "examples"
    os.symlink(outside, folder / "link.pdf")
    text = example_text(workspace, "007-请示.yaml").replace("附件/核查报告.pdf", "link.pdf")
    src = write_input(folder, "link.yaml", text)
    with pytest.raises(InputError) as info:
        run.read_request(src, workspace, TODAY)
    assert "输入文件夹之外" in info.value.message
    text = example_text(workspace, "007-请示.yaml").replace("附件/核查报告.pdf", "../../secret.pdf")
    with pytest.raises(InputError) as info:
        run.read_request(write_input(folder, "up.yaml", text), workspace, TODAY)
    assert "超出了输入文件所在的文件夹" in info.value.message


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_docx_attachment_is_converted_and_appended(workspace, tmp_path):
    from docx import Document

    folder = workspace.root / "examples"
    doc = Document()
    for i in range(60):
        doc.add_paragraph(f"核查报告第{i}段：九成功村土地补偿款核查情况记录。")
    doc.save(folder / "附件" / "会议通知.docx")
    text = example_text(workspace, "007-请示.yaml").replace("附件/核查报告.pdf", "附件/会议通知.docx")
    _, pdf = render(workspace, write_input(folder, "docx-att.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    label = [ln for ln in facts.lines if ln.text == "附件"][0]
    after = [ln for ln in facts.lines if ln.page >= label.page]  # the label sits on the document's first page
    assert any("核查报告第1段" in ln.text for ln in after)  # the converted document's text
    numbers = [int(re.sub(r"\D", "", ln.text)) for ln in facts.lines if PAGE_NO.match(ln.text)]
    assert numbers == sorted(numbers) and numbers[0] == 1
