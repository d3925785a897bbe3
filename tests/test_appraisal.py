"""鉴定: the 件 whose 保管期限 ends are listed on their day (a 定期 term counted from the 1st of
January after the 件's 年度), each appraisal is recorded in the chained 鉴定记录 and changes what
is due (延长 moves the end, 继续保存 holds ten years, 拟销毁 stays listed), and nothing is deleted."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline.cli import main
from pipeline.stages.appraisal import term_end
from pipeline.store import workspace as ws_store
from tests.conftest import TODAY
from tests.test_feedback import NOW

LOG = "鉴定/鉴定记录.jsonl"


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


def due(workspace: ws_store.Workspace, at: str) -> dict[str, dict[str, object]]:
    return {r["档号"]: r for r in json.loads(fawen(workspace, "archive", "due", "--at", at, "--json"))}


@pytest.fixture
def filed(workspace: ws_store.Workspace) -> tuple[ws_store.Workspace, str, str]:
    """A 2026 会议通知 kept 10 years (D10) and a 2026 纪要 kept permanently (Y)."""
    notice = run.file_document(workspace.root / "examples" / "002-全体会议通知.yaml", workspace, TODAY, NOW)
    minutes = run.file_document(workspace.root / "examples" / "003-全体会议纪要.yaml", workspace, TODAY, NOW)
    assert "-D10-" in notice.archive_code and "-Y-" in minutes.archive_code
    return workspace, notice.archive_code, minutes.archive_code


def test_terms_end_on_the_last_day_of_the_year_n_years_after_the_items_year():
    assert term_end(2016, "D10") == dt.date(2026, 12, 31)
    assert term_end(2026, "D30") == dt.date(2056, 12, 31)
    assert term_end(2026, "Y") is None


def test_due_items_are_listed_appraisals_recorded_and_nothing_deleted(filed):
    ws, notice, minutes = filed
    assert due(ws, "2036-12-31") == {}  # the last day of its term: not yet due
    listed = due(ws, "2037-01-01")
    assert list(listed) == [notice] and listed[notice]["到期日"] == "2036-12-31"  # the 纪要 is 永久

    early = fawen(ws, "archive", "appraise", notice, "--结论", "拟销毁", "--理由", "无保存价值", "--日期", "2030-01-01", code=1)
    assert "保管期限至 2036-12-31 才满" in early
    shorter = fawen(ws, "archive", "appraise", notice, "--结论", "延长保管期限", "--新保管期限", "D10",
                    "--理由", "仍有查考价值", "--日期", "2037-01-05", code=1)  # fmt: skip
    assert "保管期限 D10 不能延长为「D10」" in shorter and "D30、Y" in shorter
    forever = fawen(ws, "archive", "appraise", minutes, "--结论", "继续保存", "--理由", "查考", "--日期", "2037-01-05", code=1)
    assert "永久保存的件不需鉴定" in forever

    fawen(ws, "archive", "appraise", notice, "--结论", "延长保管期限", "--新保管期限", "D30",
          "--理由", "涉及历史遗留信访问题，仍有查考价值", "--日期", "2037-01-05", "--by", "鉴定小组")  # fmt: skip
    assert due(ws, "2037-01-06") == {}  # extended: now due after 2056
    later = due(ws, "2057-01-01")[notice]
    assert (later["保管期限"], later["原保管期限"], later["到期日"], later["鉴定结论"]) == ("D30", "D10", "2056-12-31", "延长保管期限")
    fawen(ws, "archive", "appraise", notice, "--结论", "拟销毁", "--理由", "已无保存价值", "--日期", "2057-02-01")
    assert due(ws, "2057-03-01")[notice]["鉴定结论"] == "拟销毁"  # listed until destroyed under an approved 销毁清册
    assert run.open_archive(ws).find(notice) is not None  # never deleted
    records = [json.loads(x) for x in (ws.outbox / LOG).read_text(encoding="utf-8").splitlines()]
    assert [r["结论"] for r in records] == ["延长保管期限", "拟销毁"] and records[0]["登记人"] == "鉴定小组"
    verified = fawen(ws, "archive", "verify")
    assert f"✓ {LOG}" in verified and "发现问题 0 项" in verified
