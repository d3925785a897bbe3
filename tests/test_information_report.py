"""信息研判 (第十条): a 专题报告 whose 信息统计 counts the recorded 信访信息 of a period — computed,
never typed — prints the counts per 类别 and 单位, keeps them in its record, and rebuilds from the
counts filed with it whatever is recorded later."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

from pipeline import petitioninfo
from pipeline import run
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.run import INFORMATION_SNAPSHOT
from pipeline.store import workspace as ws_store

NOW = dt.datetime(2026, 11, 14, 10, 0, tzinfo=dt.timezone.utc)

# (单位, 日期, 类别, 敏感程度): October has 6 (征地拆迁 3, 劳资纠纷 2, 涉法涉诉 1; 综合执法局 3,
# 罕台村 2, 九成功村 1); the two in September and November are outside the period
RECORDS = [
    ("综合执法局", "2026-10-02", "劳资纠纷", "一般"),
    ("综合执法局", "2026-10-09", "劳资纠纷", "较敏感"),
    ("罕台村", "2026-10-10", "征地拆迁", "敏感"),
    ("罕台村", "2026-10-21", "征地拆迁", "一般"),
    ("九成功村", "2026-10-31", "征地拆迁", "一般"),
    ("综合执法局", "2026-10-01", "涉法涉诉", "一般"),
    ("罕台村", "2026-09-30", "征地拆迁", "一般"),
    ("综合执法局", "2026-11-01", "劳资纠纷", "一般"),
]

REPORT = """---
文种: 专题报告
标题: 关于2026年10月信访形势的分析研判报告
签发人: 刘海涛
主送: 联席会议召集人
成文日期: 2026-11-15
联系人: 周强
联系电话: "0477-8000002"
信息统计:
{query}
---
现将10月全镇信访形势分析研判情况报告如下。

# 总体情况
{marker}

# 下步建议
提前开展冬春季欠薪问题排查。

特此报告。
"""
PERIOD = "  来源: 信访信息\n  起: 2026-10-01\n  止: 2026-10-31"


def record(workspace: ws_store.Workspace, tmp: Path, n: int, values: tuple[str, str, str, str]) -> None:
    unit, day, category, level = values
    path = tmp / f"信息{n}.yaml"
    path.write_text(f"文种: 信访信息\n单位: {unit}\n日期: {day}\n类别: {category}\n摘要: 第{n}条信息。\n敏感程度: {level}\n",
                    encoding="utf-8")  # fmt: skip
    petitioninfo.record_file(path, workspace, NOW)


def report(tmp: Path, query: str = PERIOD, marker: str = "{信息统计}") -> Path:
    path = tmp / "研判报告.md"
    path.write_text(REPORT.format(query=query, marker=marker), encoding="utf-8")
    return path


def tables(pdf: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """{header of the first column: {value: (件数, 占比)}} over every page (a table may run on)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    current = ""
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            for table in page.extract_tables():
                for row in table:
                    if row[1:] == ["件数", "占比"]:
                        current = row[0]
                        out.setdefault(current, {})
                    elif current:
                        out[current][row[0]] = (row[1], row[2])
    return out


@pytest.fixture
def informed(workspace: ws_store.Workspace, tmp_path: Path) -> ws_store.Workspace:
    for n, values in enumerate(RECORDS, 1):
        record(workspace, tmp_path, n, values)
    return workspace


def test_a_report_counts_the_information_of_its_period_and_rebuilds_from_its_folder(informed, tmp_path):
    filed = run.file_document(report(tmp_path), informed, NOW.date(), NOW)
    printed = tables(filed.folder / "正本.pdf")
    assert printed["类别"] == {"征地拆迁": ("3", "50.0%"), "劳资纠纷": ("2", "33.3%"), "涉法涉诉": ("1", "16.7%"),
                             "合计": ("6", "100.0%")}  # fmt: skip
    assert printed["单位"] == {"综合执法局": ("3", "50.0%"), "罕台村": ("2", "33.3%"), "九成功村": ("1", "16.7%"),
                             "合计": ("6", "100.0%")}  # fmt: skip

    said = CliRunner().invoke(main, ["-w", str(informed.root), "info", "stats", "--from", "2026-10-01", "--to", "2026-10-31",
                                     "--by", "类别", "--json"])  # fmt: skip
    assert said.exit_code == 0, said.output
    stats = {r["类别"]: r["件数"] for r in json.loads(said.output)["统计"]}
    assert {k: str(v) for k, v in stats.items()} == {k: v[0] for k, v in printed["类别"].items()}

    content = json.loads((filed.folder / "元数据.json").read_text(encoding="utf-8"))["内容"]
    assert content["信息统计"]["总数"] == 6 and content["信息统计"]["按"] == ["类别", "单位"]
    counted = json.loads((filed.folder / INFORMATION_SNAPSHOT).read_text(encoding="utf-8"))
    assert sorted(r["序号"] for r in counted["记录"]) == [1, 2, 3, 4, 5, 6]

    # another October record arrives later: the filed 报告 still rebuilds exactly from its counts
    record(informed, tmp_path, 9, ("罕台村", "2026-10-15", "征地拆迁", "一般"))
    verified = CliRunner().invoke(main, ["-w", str(informed.root), "archive", "verify", "--rebuild"])
    assert verified.exit_code == 0 and "发现问题 0 项" in verified.output, verified.output
    again = run.read_request(report(tmp_path), informed, NOW.date())
    assert again.information_snapshot["总数"] == 7  # a new report counts it


def test_the_tables_go_before_the_closing_line_when_the_text_has_no_marker(informed, tmp_path):
    req = run.read_request(report(tmp_path, marker="10月信访总量有所下降。"), informed, NOW.date())
    texts = [b.text for b in run.compose_request(req, informed).blocks]
    assert texts[-1] == "特此报告。"
    assert texts[-3:-1] == ["信访信息按类别统计", "信访信息按单位统计"]


def test_a_period_or_a_grouping_that_cannot_be_counted_is_refused_in_chinese(informed, tmp_path):
    cases = {
        "  来源: 手工统计\n  起: 2026-10-01\n  止: 2026-10-31": ("信息统计.来源", "「手工统计」不是可统计的来源"),
        "  来源: 信访信息\n  起: 2026-10-31\n  止: 2026-10-01": ("信息统计.止", "统计期间的止日 2026-10-01 早于起日 2026-10-31"),
        "  来源: 信访信息\n  起: 2026-10-01\n  止: 2026-12-31": ("信息统计.止", "晚于成文日期 2026-11-15"),
        PERIOD + "\n  按: [类别, 乡镇]": ("信息统计.按[2]", "不能按「乡镇」统计"),
        "  来源: 信访信息\n  起: 2026-08-01\n  止: 2026-08-31": ("信息统计", "2026-08-01 至 2026-08-31 没有登记的信访信息"),
        PERIOD + "\n  合计: 6": ("信息统计", "合计"),
    }
    for query, (key, said) in cases.items():
        with pytest.raises(InputError) as refused:
            run.read_request(report(tmp_path, query), informed, NOW.date())
        assert any(p.key.startswith(key) and said in p.problem for p in refused.value.problems), (query, refused.value.problems)
    with pytest.raises(InputError) as twice:
        run.read_request(report(tmp_path, marker="{信息统计}\n\n{信息统计}"), informed, NOW.date())
    assert any("出现了 2 次" in p.problem for p in twice.value.problems)
