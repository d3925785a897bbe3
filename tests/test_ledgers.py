"""督查事项 ledgers as offices keep them (issue 11, item 5): title rows above the header, merged
cells, 合计/小计 rows, synonym headers and dates typed as text; and the statistics placed where the
正文 says ({督查统计}, {办结率} …), or before 下步要求 by default. Read back from the rendered PDF."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from pipeline import run
from pipeline.errors import InputError
from pipeline.model import InspectionRow
from tests.conftest import TODAY
from tests.conftest import render
from tests.conftest import write_input
from tests.support import PdfFacts

EXAMPLE = "005-专项督查通报.yaml"  # 统计截止日期 2027-01-20: year-less dates are read in 2027

# What both office-style ledgers below hold, as the document must read it.
EXPECTED_ROWS = (
    InspectionRow("综合执法局", "某建筑工地拖欠农民工工资", dt.date(2026, 10, 8), dt.date(2026, 12, 31), "已办结"),
    InspectionRow("综合执法局", "某物流园装卸工工资纠纷", dt.date(2026, 10, 8), dt.date(2026, 12, 7), "办理中"),
    InspectionRow("社会事务办公室", "保洁人员工资拖欠", dt.date(2027, 1, 5), dt.date(2027, 1, 19), "办理中"),
    InspectionRow("罕台村", "村集体工程尾款纠纷", dt.date(2026, 11, 15), dt.date(2027, 2, 28), "办理中"),
)
EXPECTED_SUMMARY = "本次督查事项共4件，其中已办结1件，办理中3件（超期2件），办结率25.0%"
EXPECTED_UNITS = "综合执法局2件（已办结1件，超期1件）；社会事务办公室1件（已办结0件，超期1件）；罕台村1件（已办结0件）"


def example(workspace) -> str:
    return (workspace.root / "examples" / EXAMPLE).read_text(encoding="utf-8")


def with_ledger(text: str, ledger: str) -> str:
    head, rest = text.split("督查事项:", 1)
    return head + f"督查事项: {ledger}\n统计截止日期:" + rest.split("统计截止日期:", 1)[1]


def flat(pdf) -> str:
    return PdfFacts(pdf).text().replace("\n", "")


def office_xlsx(path) -> None:
    """A sheet as an office keeps it: a merged title, a 填报 line, a header with synonyms and a
    header cell merged over two columns, a 单位 merged down two rows, text dates, a 合计 row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["罕台镇欠薪问题信访事项督查台账"])
    sheet.merge_cells("A1:G1")
    sheet.append(["填报单位：联席会议办公室", None, None, None, "填报日期：2027年1月20日"])
    sheet.append(["序号", "承办单位", "信访事项", None, "交办日期", "完成时限", "办理情况"])
    sheet.merge_cells("C3:D3")
    sheet.append([1, "综合执法局", "某建筑工地拖欠农民工工资", None, "2026.10.08", "2026/12/31", "已办结"])
    sheet.append([2, None, "某物流园装卸工工资纠纷", None, "2026-10-8", "2026年12月7日", "办理中"])
    sheet.merge_cells("B4:B5")
    sheet.append([3, "社会事务办公室", "保洁人员工资拖欠", None, "1月5日", "1月19日", "办理中"])
    sheet.append([4, "罕台村", "村集体工程尾款纠纷", None, dt.date(2026, 11, 15), "2月28日", "办理中"])
    sheet.append(["合  计", None, "4件", None, None, None, "已办结1件"])
    book.save(path)


def office_csv(path) -> None:
    """The same ledger as a CSV: a title, a blank line, other synonyms, 小计 and 总计 rows."""
    rows = [
        ["罕台镇欠薪问题信访事项督查台账"], [],
        ["序号", "单  位", "问题", "受理日期（年月日）", "时限", "办理状态"],
        ["1", "综合执法局", "某建筑工地拖欠农民工工资", "2026年10月8日", "2026-12-31", "已办结"],
        ["2", "综合执法局", "某物流园装卸工工资纠纷", "2026/10/8", "2026.12.07", "办理中"],
        ["小计", "", "2件", "", "", ""],
        ["3", "社会事务办公室", "保洁人员工资拖欠", "1月5日", "2027-1-19", "办理中"],
        ["4", "罕台村", "村集体工程尾款纠纷", "2026.11.15", "2月28日", "办理中"],
        ["总计：4件", "", "", "", "", ""],
    ]  # fmt: skip
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize(("name", "make"), [("台账.xlsx", office_xlsx), ("台账.csv", office_csv)])
def test_an_office_ledger_reads_as_kept(workspace, tmp_path, name, make):
    folder = workspace.root / "examples"
    make(folder / name)
    src = write_input(folder, "ledger.yaml", with_ledger(example(workspace), name))
    assert run.read_request(src, workspace, TODAY).inspection_rows == EXPECTED_ROWS
    _, pdf = render(workspace, src, tmp_path / "out")
    text = flat(pdf)
    assert EXPECTED_SUMMARY in text and EXPECTED_UNITS in text
    for cell in ("2027.01.05", "2027.01.19", "2027.02.28", "2026.10.08"):  # the table prints the dates read
        assert cell in text
    assert "合计" not in text and "小计" not in text and "总计" not in text


def test_a_year_less_date_that_cannot_be_in_the_cutoff_year_asks_for_the_year(workspace):
    folder = workspace.root / "examples"
    with (folder / "y.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["单位", "事项", "受理日期", "办理时限", "状态"],
                                  ["罕台村", "工程尾款", "11月2日", "12月31日", "办理中"]])  # fmt: skip
    src = write_input(folder, "y.yaml", with_ledger(example(workspace), "y.csv"))
    with pytest.raises(InputError) as info:
        run.read_request(src, workspace, TODAY)
    message = info.value.message
    assert "第2行.受理日期（C列）" in message and "未写年份" in message and "2027-11-02" in message
    assert "2026年11月2日" in message


def test_a_bad_cell_names_its_row_and_column_below_a_title(workspace):
    folder = workspace.root / "examples"
    with (folder / "t.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["督查台账"], ["责任单位", "督查事项", "受理时间", "办理时限", "状态"],
                                  ["罕台村", "工程尾款", "2026-11-02", "下月底", "办理中"]])  # fmt: skip
    src = write_input(folder, "t.yaml", with_ledger(example(workspace), "t.csv"))
    with pytest.raises(InputError) as info:
        run.read_request(src, workspace, TODAY)
    assert "第3行.办理时限（D列）" in info.value.message and "「下月底」不是有效日期" in info.value.message


MARKED_BODY = """正文: |
  为落实联席会议议定事项，联席会议办公室开展了专项督查。截至统计截止日期共{件数}件，办结率为{办结率}，超期{超期}件。现将有关情况通报如下。

  # 基本情况
  {督查统计}

  # 存在问题
  个别单位台账更新不及时，备注栏写作{备注}和{{办结率}}的照原样保留。

  # 下步要求
  各责任单位要逐项整改。
"""


def body_replaced(text: str, body: str) -> str:
    head, rest = text.split("正文: |", 1)
    return head + body + "督查事项:" + rest.split("督查事项:", 1)[1]


def test_statistics_go_where_the_marker_is_and_figures_print_in_sentences(workspace, tmp_path):
    src = write_input(workspace.root / "examples", "m.yaml", body_replaced(example(workspace), MARKED_BODY))
    _, pdf = render(workspace, src, tmp_path / "out")
    text = flat(pdf)
    assert "截至统计截止日期共4件，办结率为50.0%，超期2件。" in text
    assert "{备注}和{{办结率}}的照原样保留" in text  # other braces print as written
    order = [text.index(s) for s in ("一、基本情况", "本次督查事项共4件", "分单位情况", "二、存在问题", "三、下步要求")]
    assert order == sorted(order)
    assert "{督查统计}" not in text and "督查事项统计" not in text and "四、" not in text


def test_without_a_marker_the_statistics_come_before_next_steps(workspace, tmp_path):
    _, pdf = render(workspace, workspace.root / "examples" / EXAMPLE, tmp_path / "out")
    text = flat(pdf)
    order = [text.index(s) for s in ("二、存在问题", "三、督查事项统计", "本次督查事项共4件", "四、下步要求", "各责任单位要对照")]
    assert order == sorted(order)


@pytest.mark.parametrize(("line", "needle"), [
    ("{办结 率}", "是否想写「{办结率}」？"),
    ("统计如下：{督查统计}", "须单独成一行"),
])  # fmt: skip
def test_misplaced_or_misspelt_markers_are_reported(workspace, line, needle):
    body = MARKED_BODY.replace("{督查统计}", line)
    src = write_input(workspace.root / "examples", "bad.yaml", body_replaced(example(workspace), body))
    with pytest.raises(InputError) as info:
        run.read_request(src, workspace, TODAY)
    assert needle in info.value.message and "正文" in info.value.message


def test_a_matter_that_begins_with_heji_is_a_row_not_a_total():
    from pipeline.stages.validate import ledger_rows

    table = [["单位", "事项", "受理日期", "办理时限", "状态"],
             ["罕台村", "合计3人工资未发", "2026-11-02", "2026-12-31", "办理中"],
             ["合计", "1件", "", "", ""]]  # fmt: skip
    rows = ledger_rows("x.yaml", "t.csv", table, TODAY, year_from=dt.date(2027, 1, 20))
    assert [r.matter for r in rows] == ["合计3人工资未发"]


def test_a_ledger_too_long_to_typeset_is_refused_before_rendering(workspace):
    folder = workspace.root / "examples"
    rows = [[f"单位{i % 9}", f"第{i}件" + "欠薪事项核查" * 70, "2026-11-01", "2027-01-31", "办理中"] for i in range(1, 201)]
    path = folder / "长台账.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["单位", "事项", "受理日期", "办理时限", "状态"], *rows])
    text = (folder / "005-专项督查通报.yaml").read_text(encoding="utf-8")
    head, rest = text.split("督查事项:", 1)
    src = folder / "长.yaml"
    src.write_text(head + "督查事项: 长台账.csv\n统计截止日期:" + rest.split("统计截止日期:", 1)[1], encoding="utf-8")
    with pytest.raises(InputError, match="督查事项的文字合计过多"):
        run.read_request(src, workspace, TODAY)


def test_a_sheet_row_of_millions_of_cells_is_refused_before_it_is_parsed(tmp_path):
    """A 300 KB workbook whose one row holds three million cells (90 MB unpacked, under the
    unpacked cap): openpyxl would hold the whole row (six million cells took 2.8 GB). Refused
    naming the ledger, with little memory; an ordinary sheet still reads."""
    import subprocess
    import sys
    import zipfile

    from openpyxl import Workbook

    from pipeline.store.ledger import MAX_ROW_CELLS
    from pipeline.store.ledger import read_ledger

    book = Workbook()
    book.active.append(["单位", "事项", "受理日期", "办理时限", "状态"])
    book.active.append(["综合执法局", "欠薪", "2026-11-02", "2026-12-31", "已办结"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    assert read_ledger(plain, "x.yaml")[1][0] == "综合执法局"
    wide = tmp_path / "wide.xlsx"
    row = '<row r="1">' + "<c><v>1</v></c>" * 3_000_000 + "</row>"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(wide, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                data = (text[: text.index("<sheetData>") + 11] + row + text[text.index("</sheetData>") :]).encode()
            out.writestr(item, data)
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts from the forking test process's own
    probe = ("import sys; from pipeline.store.ledger import read_ledger; from pipeline.errors import InputError\n"
             "try:\n    read_ledger(__import__('pathlib').Path(sys.argv[1]), 'x.yaml')\n"
             "except InputError as e:\n    print(e.message)\n"
             "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe, str(wide)], capture_output=True, text=True, timeout=120)
    message, peak_kb = done.stdout.rsplit("\n", 2)[-3], int(done.stdout.split()[-1])
    assert "wide.xlsx" in message and "3000000 个单元格" in message and str(MAX_ROW_CELLS) in message, done.stdout
    assert peak_kb < 400_000, peak_kb
