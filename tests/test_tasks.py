"""The 督办台账: filed 会议纪要 register their 议定事项; new versions change them with history; a
撤销 withdraws them; the ledger rebuilt from the archive is the ledger kept while filing."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline import tasks
from pipeline.cli import main
from pipeline.store import workspace as ws_store
from pipeline.workdays import calendar_for
from pipeline.workdays import deadline
from tests.conftest import EXAMPLES
from tests.conftest import TODAY
from tests.conftest import example_files

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
MINUTES = "003-全体会议纪要.yaml"


def fawen(workspace: ws_store.Workspace, *args: str) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def ls(workspace: ws_store.Workspace, *args: str) -> dict[str, dict[str, object]]:
    return {row["编号"]: row for row in json.loads(fawen(workspace, "tasks", "ls", "--json", "--at", "2026-11-24", *args))}


def show(workspace: ws_store.Workspace, item: str) -> dict[str, object]:
    found = json.loads(fawen(workspace, "tasks", "show", item, "--json"))
    assert len(found) == 1
    return found[0]


def snapshot(workspace: ws_store.Workspace, to: Path) -> None:
    """A consistent copy of the ledger file (WAL included)."""
    src, dst = sqlite3.connect(workspace.root / ".fawen" / "tasks.db"), sqlite3.connect(to)
    src.backup(dst)
    src.close()
    dst.close()


def restore(workspace: ws_store.Workspace, copy: Path) -> None:
    src, dst = sqlite3.connect(copy), sqlite3.connect(workspace.root / ".fawen" / "tasks.db")
    src.backup(dst)
    src.close()
    dst.close()


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> ws_store.Workspace:
    """Every example filed into one fresh workspace (made by ``fawen init``)."""
    root = tmp_path_factory.mktemp("tasks") / "ws"
    result = CliRunner().invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    shutil.copytree(EXAMPLES, root / "examples")
    workspace = ws_store.load(root)
    for path in example_files(root / "examples"):
        run.file_document(path, workspace, TODAY, NOW)
    return workspace


def test_filing_the_minutes_lists_their_items_with_ids_units_and_deadlines(filed):
    rows = ls(filed)
    # 003 is 2026年第4期; 004 (专题会议, no 期号 given) took the next issue of the one 纪要 series
    assert sorted(rows) == ["纪要2026-4-1", "纪要2026-4-2", "纪要2026-4-3", "纪要2026-5-1", "纪要2026-5-2"]
    first = rows["纪要2026-4-1"]
    assert first["责任单位"] == "平安建设办公室" and first["配合单位"] == ["各村（社区）"]
    assert first["完成时限"] == first["截止日期"] == "2026-11-30"
    assert first["来源"] == "罕台镇信访工作联席会议纪要 2026年第4期" and first["版本"] == 1
    # (11-24, 11-30]: 25, 26, 27 and 30 November are working days
    assert first["剩余工作日"] == 4 and first["剩余天数"] == 6 and first["状态"] == "办理中"
    assert rows["纪要2026-4-2"]["配合单位"] == ["综合执法局", "社会事务办公室"]
    assert rows["纪要2026-4-2"]["截止日期"] == "2026-12-31"
    overdue = rows["纪要2026-5-1"]  # 专题会议 of October: 2026-10-31 has passed
    assert overdue["逾期"] is True and overdue["状态"] == "已逾期" and overdue["剩余工作日"] < 0
    assert overdue["会议日期"] == "2026-10-15"


def test_a_year_without_holiday_data_says_so_rather_than_guessing(filed):
    row = ls(filed)["纪要2026-4-3"]  # 2027-01-31: the holiday package knows 2026 at most
    if calendar_for(filed.config).knows(2027):
        pytest.skip("the installed calendar knows 2027")
    assert row["剩余工作日"] is None and row["剩余天数"] == 68 and "2027" in row["说明"]
    text = fawen(filed, "tasks", "ls", "--at", "2026-11-24")
    assert "纪要2026-4-3" in text and "工作日无法计算" in text and "注：" in text


def test_filters_unit_overdue_due_within_and_at(filed):
    assert set(ls(filed, "--unit", "联席会议办公室")) == {"纪要2026-4-3", "纪要2026-5-2"}
    assert set(ls(filed, "--unit", "九成功村")) == {"纪要2026-5-1"}  # 配合单位 counts
    assert set(ls(filed, "--overdue")) == {"纪要2026-5-1", "纪要2026-5-2"}
    assert set(ls(filed, "--due-within", "4")) == {"纪要2026-4-1"}
    assert set(ls(filed, "--due-within", "3")) == set()
    later = json.loads(fawen(filed, "tasks", "ls", "--json", "--at", "2026-12-01", "--overdue"))
    assert {r["编号"] for r in later} == {"纪要2026-4-1", "纪要2026-5-1", "纪要2026-5-2"}
    assert next(r for r in later if r["编号"] == "纪要2026-4-1")["剩余工作日"] == -1


def test_ls_prints_a_chinese_table_and_show_an_unknown_id_is_an_error(filed):
    text = fawen(filed, "tasks", "ls", "--at", "2026-11-24")
    assert text.splitlines()[0].split()[:4] == ["编号", "截止日期", "剩余", "责任单位"]
    assert "剩 4 个工作日" in text and "逾期" in text and "共 5 项，其中逾期 2 项" in text
    result = CliRunner().invoke(main, ["-w", str(filed.root), "tasks", "show", "纪要2026-4-9"])
    assert result.exit_code == 1 and "台账中没有议定事项「纪要2026-4-9」" in result.output
    result = CliRunner().invoke(main, ["-w", str(filed.root), "tasks", "ls", "--at", "明天"])
    assert result.exit_code == 2 and "不是日期" in result.output


def test_rebuild_gives_the_ledger_kept_while_filing(filed):
    before = tasks.dump(filed)
    assert len(before["items"]) == 5
    assert "重建督办台账" in fawen(filed, "tasks", "rebuild")
    assert tasks.dump(filed) == before
    (filed.root / ".fawen" / "tasks.db").unlink()  # lost altogether: the next read builds it again
    for suffix in ("-wal", "-shm"):
        (filed.root / ".fawen" / f"tasks.db{suffix}").unlink(missing_ok=True)
    assert len(ls(filed)) == 5 and tasks.dump(filed) == before


def _second_version(workspace: ws_store.Workspace, folder: Path) -> Path:
    """The 纪要 again (same 期号: the same 件) with item 2's deadline moved."""
    folder.mkdir()
    text = (workspace.root / "examples" / MINUTES).read_text(encoding="utf-8")
    assert text.count("完成时限: 2026-12-31") == 1
    path = folder / MINUTES
    path.write_text(text.replace("完成时限: 2026-12-31", "完成时限: 2027-01-15"), encoding="utf-8")
    return path


def test_a_new_version_changes_one_deadline_and_a_withdrawal_withdraws_the_items(workspace, tmp_path):
    first = run.file_document(workspace.root / "examples" / MINUTES, workspace, TODAY, NOW)
    kept = tmp_path / "ledger-before-v2.db"
    snapshot(workspace, kept)
    second = run.file_document(_second_version(workspace, tmp_path / "v2"), workspace, TODAY, NOW + dt.timedelta(hours=2))
    assert second.version == 2 and second.archive_code == first.archive_code
    item = show(workspace, "纪要2026-4-2")
    assert item["截止日期"] == "2027-01-15" and item["版本"] == 2 and item["状态"] == "办理中"
    history = item["历史"]
    assert [h["行为"] for h in history] == ["登记", "修改", "修改"]
    assert {(h["字段"], h["原值"], h["新值"], h["版本"]) for h in history[1:]} == {
        ("完成时限", "2026-12-31", "2027-01-15", 2), ("截止日期", "2026-12-31", "2027-01-15", 2)}
    assert history[1]["时间"] == "2026-11-24T20:00:00+08:00"  # the version's 归档时间, in the workspace's zone
    assert [h["行为"] for h in show(workspace, "纪要2026-4-1")["历史"]] == ["登记"]  # untouched items keep theirs
    text = fawen(workspace, "tasks", "show", "纪要2026-4-2")
    assert "修改 完成时限：2026-12-31 → 2027-01-15" in text and "第2版" in text

    kept_up = tasks.dump(workspace)
    restore(workspace, kept)  # as a crash between the version's landing and the ledger's write leaves it
    assert tasks.dump(workspace) != kept_up
    archive = run.open_archive(workspace)
    assert tasks.sync(workspace, archive) == 1  # caught up from the filing register: that one 件 again
    archive.close()
    assert ls(workspace)["纪要2026-4-2"]["截止日期"] == "2027-01-15"
    assert tasks.dump(workspace) == kept_up

    fawen(workspace, "archive", "withdraw", first.archive_code, "--reason", "会议纪要内容有误，撤销重发")
    assert ls(workspace) == {}  # withdrawn items leave the working list …
    withdrawn = ls(workspace, "--all")
    assert set(withdrawn) == {"纪要2026-4-1", "纪要2026-4-2", "纪要2026-4-3"}
    assert {r["状态"] for r in withdrawn.values()} == {"已撤销"} and not any(r["逾期"] for r in withdrawn.values())
    last = show(workspace, "纪要2026-4-2")["历史"][-1]
    assert (last["行为"], last["字段"], last["原值"], last["新值"]) == ("撤销", "状态", "办理中", "已撤销")
    assert last["说明"] == "会议纪要内容有误，撤销重发"
    kept_up = tasks.dump(workspace)
    fawen(workspace, "tasks", "rebuild")
    assert tasks.dump(workspace) == kept_up


def test_a_relative_deadline_is_kept_as_written_and_counted_in_working_days(workspace, tmp_path):
    text = (workspace.root / "examples" / MINUTES).read_text(encoding="utf-8")
    text = text.replace("期号: 4 ", "期号: 6 ").replace("2026年第四季度全体会议纪要", "2026年第四季度第二次全体会议纪要")
    text = text.replace("完成时限: 2026-12-31", "完成时限: 会后15个工作日")
    (tmp_path / "in").mkdir()
    source = tmp_path / "in" / "relative.yaml"
    source.write_text(text, encoding="utf-8")
    run.file_document(source, workspace, TODAY, NOW)
    row = ls(workspace)["纪要2026-6-2"]
    # meeting on Friday 2026-11-20; the 15th working day after it (the meeting day not counted)
    expected = deadline("会后15个工作日", dt.date(2026, 11, 20), calendar_for(workspace.config))
    assert expected == dt.date(2026, 12, 11)
    assert row["完成时限"] == "会后15个工作日" and row["截止日期"] == "2026-12-11"
    assert row["剩余工作日"] == 13  # 25 Nov – 11 Dec
    before = tasks.dump(workspace)
    fawen(workspace, "tasks", "rebuild")
    assert tasks.dump(workspace) == before


def test_documents_other_than_minutes_have_no_items(workspace):
    run.file_document(workspace.root / "examples" / "005-专项督查通报.yaml", workspace, TODAY, NOW)
    assert ls(workspace, "--all") == {}
    assert "没有符合条件的议定事项" in fawen(workspace, "tasks", "ls")


def test_items_removed_restored_repealed_then_withdrawn(filed):
    """The pure fold over a filed 纪要's real record: a version without item 3 removes it, the next
    restores it with its new deadline; a 废止 then a 撤销 move every item in force."""
    from pipeline.stages.tasks import ledger_of

    archive = run.open_archive(filed)
    entry = archive.find("罕台镇信访工作联席会议纪要 2026年第4期")
    v1 = archive.version_record(entry, 1)
    archive.close()
    items = v1["内容"]["议定事项"]
    v2 = {**v1, "版本": 2, "归档时间": "2026-11-25T09:00:00+08:00", "内容": {**v1["内容"], "议定事项": items[:2]}}
    moved = {**items[2], "完成时限": "2027-02-26"}
    v3 = {**v1, "版本": 3, "归档时间": "2026-11-26T09:00:00+08:00", "内容": {**v1["内容"], "议定事项": [*items[:2], moved]}}
    events = [{"行为": "废止", "时间": "2026-12-01T09:00:00+08:00", "原因": "已被新纪要取代"},
              {"行为": "撤销", "时间": "2026-12-02T09:00:00+08:00", "原因": "误发"}]  # fmt: skip
    found, changes = ledger_of([v3, v1, v2], events, calendar_for(filed.config))  # versions in any order
    assert [i.id for i in found] == ["纪要2026-4-1", "纪要2026-4-2", "纪要2026-4-3"]
    assert {i.status for i in found} == {"已撤销"} and found[2].deadline == dt.date(2027, 2, 26)
    third = [(c.action, c.field, c.old, c.new, c.version) for c in changes if c.item == "纪要2026-4-3"]
    assert third == [("登记", "", "", "责任单位 联席会议办公室，完成时限 2027-01-31", 1), ("删除", "", "", "", 2),
                     ("恢复", "", "", "责任单位 联席会议办公室，完成时限 2027-02-26", 3),
                     ("修改", "完成时限", "2027-01-31", "2027-02-26", 3), ("修改", "截止日期", "2027-01-31", "2027-02-26", 3),
                     ("废止", "状态", "办理中", "已废止", 3), ("撤销", "状态", "已废止", "已撤销", 3)]  # fmt: skip
    assert [c.seq for c in changes if c.item == "纪要2026-4-3"] == list(range(1, 8))


def test_remind_addresses_exactly_the_units_with_overdue_items_with_their_liaisons_of_that_day(tmp_path):
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    workspace = ws_store.load(root)
    for name in (MINUTES, "004-专题会议纪要.yaml"):
        run.file_document(EXAMPLES / name, workspace, TODAY, NOW)
    fawen(workspace, "roster", "set", "平安建设办公室", "--联络员", "贺兰", "--电话", "0477-8000022", "--备案日期", "2026-12-03")
    for day, liaison in (("2026-12-05", "贺兰"), ("2026-12-02", "周强")):
        overdue = json.loads(fawen(workspace, "tasks", "ls", "--overdue", "--json", "--at", day))
        assert overdue, day
        out = tmp_path / f"催办-{day}.yaml"
        fawen(workspace, "tasks", "remind", "--at", day, "--within", "0", "-o", str(out))
        text = out.read_text(encoding="utf-8")
        addressed = next(line for line in text.splitlines() if line.startswith("主送:")).split(":", 1)[1].strip()
        assert set(addressed.split("、")) == {row["责任单位"] for row in overdue}, (day, addressed, overdue)
        for row in overdue:
            assert row["编号"] in text and f"完成时限{int(row['截止日期'][:4])}年" in text
        assert any(row["责任单位"] == "平安建设办公室" for row in overdue), overdue
        assert f"平安建设办公室（联络员：{liaison}，" in text, (day, text)  # as 备案 on that day
        assert text.count("\n文种: 通知\n") == 1
        assert "校验通过" in fawen(workspace, "validate", str(out))
        fawen(workspace, "render", str(out), "-o", str(tmp_path / f"out-{day}"))
        assert (tmp_path / f"out-{day}" / f"{out.stem}.pdf").is_file()
    refused = CliRunner().invoke(main, ["-w", str(root), "tasks", "remind", "--at", "2026-12-05", "-o", str(out)])
    assert refused.exit_code != 0 and "不覆盖" in refused.output  # an existing file is never overwritten
