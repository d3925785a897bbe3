"""督查通报 from the 督办台账 (第十二条 checks what 第五条 tracks): the rows, totals and overdue count
are the ledger's as of the 截至 day (what ``tasks ls --at`` says), the three 督查类型 draw their
own kind of item, and the snapshot filed with the 通报 rebuilds it exactly whatever the ledger
says later."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

from pipeline import feedback
from pipeline import run
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.intake import TASKS_SNAPSHOT as SNAPSHOT_NAME
from pipeline.store import workspace as ws_store

FILED = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2027, 1, 5, 10, 0, tzinfo=dt.timezone.utc)
CUTOFF = "2026-12-28"

BULLETIN = """文种: 督查通报
督查类型: {kind}
标题: 关于联席会议议定事项落实情况的{kind}通报
主送: 各成员单位
督查:
  时间: 2026-12-20至2026-12-25
  督查组: 联席会议办公室
正文: |
  现将督查情况通报如下。

  # 基本情况
  {{督查统计}}

  # 下步要求
  请各单位抓紧办理。
督查事项:
{query}
统计截止日期: {cutoff}
成文日期: 2026-12-29
"""

# a 专题会议 whose 议定事项 are of all three kinds (督办类别): 议定事项, 领导交办, 专项工作
MIXED = """文种: 会议纪要
会议类型: 专题会议
标题: 关于冬季信访稳定工作的专题会议纪要
会议:
  时间: 2026-11-10 15:00
  地点: 罕台镇人民政府二楼会议室
  主持: 李明
出席: [李明（镇长）]
正文: 会议研究了冬季信访稳定工作，议定如下。
议定事项:
  - {事项: 排查在建项目欠薪隐患, 责任单位: 综合执法局, 完成时限: 2026-11-20, 专项: 冬季欠薪治理}
  - {事项: 化解王某重复信访问题, 责任单位: 平安建设办公室, 完成时限: 2026-12-10, 交办领导: 李明}
  - {事项: 更新信访矛盾纠纷排查台账, 责任单位: 社会事务办公室, 完成时限: 2026-12-31}
  - {事项: 清理物流园欠薪问题, 责任单位: 综合执法局, 完成时限: 2026-12-31, 专项: 冬季欠薪治理}
审定: {审定人: 李明, 日期: 2026-11-11}
会签: [{召集人: 李明, 日期: 2026-11-11}]
"""


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


def report(workspace: ws_store.Workspace, tmp: Path, item: str, unit: str, day: str, status: str) -> None:
    path = tmp / f"反馈-{item}-{day}.yaml"
    path.write_text(f"文种: 办理反馈\n事项编号: {item}\n单位: {unit}\n日期: {day}\n状态: {status}\n进展: 已推进。\n",
                    encoding="utf-8")  # fmt: skip
    feedback.record_file(path, workspace, LATER)


def bulletin(workspace: ws_store.Workspace, tmp: Path, kind: str, query: str, cutoff: str = CUTOFF) -> Path:
    path = tmp / f"{kind}通报.yaml"
    path.write_text(BULLETIN.format(kind=kind, query=query, cutoff=cutoff), encoding="utf-8")
    return path


def ledger(workspace: ws_store.Workspace, *args: str) -> list[dict[str, object]]:
    return json.loads(fawen(workspace, "tasks", "ls", "--json", "--at", CUTOFF, *args))


def record_of(folder: Path) -> dict[str, object]:
    return json.loads((folder / "元数据.json").read_text(encoding="utf-8"))


def table_rows(pdf: Path) -> list[list[str]]:
    with pdfplumber.open(pdf) as doc:
        rows = [r for page in doc.pages for t in page.extract_tables() for r in t]
    return [[(c or "").replace("\n", "") for c in r] for r in rows if r and r[0] and r[0].isdigit()]


@pytest.fixture
def minutes(workspace: ws_store.Workspace, tmp_path: Path) -> ws_store.Workspace:
    for name in ("003-全体会议纪要.yaml", "004-专题会议纪要.yaml"):  # 纪要2026-4 (11-20), 纪要2026-5 (10-15)
        run.file_document(workspace.root / "examples" / name, workspace, FILED.date(), FILED)
    report(workspace, tmp_path, "纪要2026-4-1", "平安建设办公室", "2026-11-28", "已办结")
    report(workspace, tmp_path, "纪要2026-5-1", "经济发展办公室", "2026-11-20", "已办结")
    report(workspace, tmp_path, "纪要2026-4-2", "平安建设办公室", "2026-12-30", "已办结")  # after 截至: not counted
    return workspace


def test_a_bulletin_drawn_from_the_ledger_equals_tasks_ls_on_its_day_and_rebuilds_from_its_folder(minutes, tmp_path):
    source = bulletin(minutes, tmp_path, "全面督查", "  来源: 督办台账\n  会议: [纪要2026-4, 纪要2026-5]")
    filed = run.file_document(source, minutes, LATER.date(), LATER)
    folder = filed.folder
    record = record_of(folder)
    stats = record["内容"]["统计"]

    listed = ledger(minutes, "--meeting", "纪要2026-4", "--meeting", "纪要2026-5", "--type", "全面督查")
    assert stats["件数"] == len(listed) == 5
    assert stats["已办结"] == sum(1 for r in listed if r["状态"] == "已办结") == 2  # 4-1 and 5-1; 4-2 reported later
    assert stats["超期"] == sum(1 for r in listed if r["逾期"]) == 1  # 5-2 (2026-11-10); 4-1 done in time
    assert stats["办结率"] == 40.0

    rows = table_rows(folder / "正本.pdf")
    assert len(rows) == 5
    by_id = {r["编号"]: r for r in listed}
    drawn = json.loads((folder / SNAPSHOT_NAME).read_text(encoding="utf-8"))
    assert [e["编号"] for e in drawn["事项"]] == [r["编号"] for r in listed]
    for row, entry in zip(rows, drawn["事项"], strict=True):
        item = by_id[entry["编号"]]
        assert row[1] == item["责任单位"]
        assert row[4] == item["截止日期"].replace("-", ".")
        assert row[5] == ("超期" if item["逾期"] else item["状态"] if item["状态"] == "已办结" else "办理中")
    assert [r["编号"] for r in record["内容"]["督查事项"]] == [r["编号"] for r in listed]
    assert record["内容"]["督查事项"][0]["单位"] == "经济发展办公室"  # meeting order: 纪要2026-5 was held first

    # the ledger moves on; the filed 通报 still rebuilds from the snapshot in its folder
    report(minutes, tmp_path, "纪要2026-5-2", "联席会议办公室", "2026-12-20", "已办结")
    assert sum(1 for r in ledger(minutes, "--meeting", "纪要2026-5") if r["状态"] == "已办结") == 2
    verified = fawen(minutes, "archive", "verify", "--rebuild")
    assert "发现问题 0 项" in verified

    snapshot = folder / SNAPSHOT_NAME
    snapshot.chmod(0o644)
    snapshot.write_text(snapshot.read_text(encoding="utf-8").replace("办理中", "已办结"), encoding="utf-8")
    tampered = fawen(minutes, "archive", "verify", code=1)
    assert SNAPSHOT_NAME in tampered


def test_the_three_inspection_types_draw_their_own_kind_of_item(workspace, tmp_path):
    mixed = tmp_path / "专题会议纪要.yaml"
    mixed.write_text(MIXED, encoding="utf-8")
    run.file_document(mixed, workspace, FILED.date(), FILED)
    meeting = "纪要2026-1"  # the first issue of the 纪要 series in this workspace
    items = {r["编号"]: r for r in ledger(workspace)}
    assert {k: v["督办类别"] for k, v in items.items()} == {
        f"{meeting}-1": "专项工作", f"{meeting}-2": "领导交办", f"{meeting}-3": "议定事项", f"{meeting}-4": "专项工作"}
    assert items[f"{meeting}-2"]["交办领导"] == "李明" and items[f"{meeting}-1"]["专项"] == "冬季欠薪治理"

    drawn = {}
    for kind, extra in (("全面督查", ""), ("交办督查", ""), ("专项督查", "\n  专项: 冬季欠薪治理")):
        req = run.read_request(bulletin(workspace, tmp_path, kind, "  来源: 督办台账" + extra), workspace, LATER.date())
        drawn[kind] = [(r.item_id, r.unit) for r in req.inspection_rows]
        assert req.inspection_snapshot["督查类型"] == kind
    assert drawn == {"全面督查": [(f"{meeting}-3", "社会事务办公室")],
                     "交办督查": [(f"{meeting}-2", "平安建设办公室")],
                     "专项督查": [(f"{meeting}-1", "综合执法局"), (f"{meeting}-4", "综合执法局")]}  # fmt: skip
    assert [r["编号"] for r in ledger(workspace, "--type", "专项督查")] == [f"{meeting}-1", f"{meeting}-4"]

    with pytest.raises(InputError) as none:
        run.read_request(bulletin(workspace, tmp_path, "交办督查", "  来源: 督办台账\n  单位: [综合执法局]"),
                         workspace, LATER.date())  # fmt: skip
    assert "督办台账中没有（单位 综合执法局）属于交办督查（督办类别「领导交办」）的在办议定事项" in none.value.message


def test_a_query_that_cannot_be_answered_is_refused_in_chinese(minutes, tmp_path):
    cases = {
        "  来源: 督办台账\n  会议: [纪要2026-9]": ("督查事项.会议[1]", "督办台账中没有会议「纪要2026-9」的议定事项"),
        "  来源: 手工台账": ("督查事项.来源", "「手工台账」不是可用的督查事项来源"),
        "  来源: 督办台账\n  专项: 冬季欠薪治理": ("督查事项.专项", "「专项」只用于专项督查"),
        "  来源: 督办台账\n  截至: 2026-12-20": ("督查事项.截至", "截至日期 2026-12-20 与统计截止日期 2026-12-28 不同"),
        "  来源: 督办台账\n  会议: 纪要2026-4\n  督查组: 办公室": ("督查事项", "督查组"),
    }
    for query, (key, said) in cases.items():
        with pytest.raises(InputError) as refused:
            run.read_request(bulletin(minutes, tmp_path, "全面督查", query), minutes, LATER.date())
        problems = refused.value.problems
        assert any(p.key.startswith(key) and said in p.problem for p in problems), (query, problems)
        assert all(p.line for p in problems if p.key.startswith("督查事项.") and "会议[" not in p.key), problems
    with pytest.raises(InputError) as near:
        run.read_request(bulletin(minutes, tmp_path, "全面督查", "  来源: 督办台账\n  会议: [纪要2026-44]"),
                         minutes, LATER.date())  # fmt: skip
    assert "是否想写「纪要2026-4」？" in near.value.problems[0].expected
