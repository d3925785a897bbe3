"""借阅和利用登记: each 借阅 and 归还 of a 件 is a line of the hash-chained 利用登记 log, checked
(a 件 lent out is lent once at a time; a return needs a loan), listed per 件 and per person, and
covered by `archive verify` like the other logs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline.cli import main
from pipeline.store import workspace as ws_store
from tests.conftest import TODAY
from tests.test_feedback import NOW

LOG = "利用登记/利用登记.jsonl"


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def filed(workspace: ws_store.Workspace) -> tuple[ws_store.Workspace, str, str]:
    minutes = run.file_document(workspace.root / "examples" / "003-全体会议纪要.yaml", workspace, TODAY, NOW)
    notice = run.file_document(workspace.root / "examples" / "002-全体会议通知.yaml", workspace, TODAY, NOW)
    return workspace, minutes.archive_code, notice.archive_code


def test_lend_return_and_list_per_item_and_person(filed):
    ws, minutes, notice = filed
    out = fawen(ws, "archive", "lend", minutes, "--借阅人", "张三", "--目的", "工作查考", "--方式", "借出",
                "--单位", "综合执法局", "--日期", "2026-11-25", "--应还日期", "2026-12-02", "--by", "王档案")  # fmt: skip
    assert "已登记借阅（第 1 条）" in out and "张三，借出，工作查考，应还日期 2026-12-02" in out
    again = fawen(ws, "archive", "lend", minutes, "--借阅人", "李四", "--目的", "核对", "--方式", "借出", code=1)
    assert "此件已于 2026-11-25 借给 张三（第 1 条），尚未归还" in again
    fawen(ws, "archive", "lend", minutes, "--借阅人", "李四", "--目的", "核对", "--日期", "2026-11-26")  # 查阅 on site
    fawen(ws, "archive", "lend", notice, "--借阅人", "张三", "--目的", "编史修志", "--方式", "复制", "--日期", "2026-11-26")

    open_loans = json.loads(fawen(ws, "archive", "loans", "--未还", "--json"))
    assert [(x["档号"], x["借阅人"], x["状态"]) for x in open_loans] == [(minutes, "张三", "未还")]
    back = fawen(ws, "archive", "return", minutes, "--日期", "2026-11-30")
    assert "张三 2026-11-25 借出，2026-11-30 归还" in back
    assert "没有未归还的借出记录" in fawen(ws, "archive", "return", minutes, code=1)

    per_item = json.loads(fawen(ws, "archive", "loans", "--档号", minutes, "--json"))
    assert [(x["借阅人"], x["方式"], x["状态"], x["归还日期"]) for x in per_item] == [
        ("张三", "借出", "已还", "2026-11-30"), ("李四", "查阅", "已利用", "")]  # fmt: skip
    per_person = json.loads(fawen(ws, "archive", "loans", "--借阅人", "张三", "--json"))
    assert sorted(x["档号"] for x in per_person) == sorted([minutes, notice])
    assert json.loads(fawen(ws, "archive", "loans", "--未还", "--json")) == []

    records = [json.loads(line) for line in (ws.outbox / LOG).read_text(encoding="utf-8").splitlines()]
    assert [r["行为"] for r in records] == ["借阅", "借阅", "借阅", "归还"] and records[0]["登记人"] == "王档案"
    assert records[3]["借阅序号"] == 1
    verified = fawen(ws, "archive", "verify")
    assert f"✓ {LOG}" in verified and "发现问题 0 项" in verified


def test_what_cannot_be_recorded_is_refused_and_a_changed_log_is_found(filed):
    ws, minutes, _notice = filed
    unknown = fawen(ws, "archive", "lend", "F071-WS·2026-Y-XF-9999", "--借阅人", "张三", "--目的", "查考", code=1)
    assert "档案中没有「F071-WS·2026-Y-XF-9999」" in unknown
    early = fawen(ws, "archive", "lend", minutes, "--借阅人", "张三", "--目的", "查考", "--方式", "借出",
                  "--日期", "2026-11-25", "--应还日期", "2026-11-20", code=1)  # fmt: skip
    assert "应还日期 2026-11-20 早于借阅日期 2026-11-25" in early
    on_site = fawen(ws, "archive", "lend", minutes, "--借阅人", "张三", "--目的", "查考", "--应还日期", "2026-12-20", code=1)
    assert "查阅当场利用，不写应还日期" in on_site
    assert not (ws.outbox / LOG).exists()  # nothing refused was recorded

    fawen(ws, "archive", "lend", minutes, "--借阅人", "张三", "--目的", "查考", "--日期", "2026-11-25")
    fawen(ws, "archive", "lend", minutes, "--借阅人", "李四", "--目的", "查考", "--日期", "2026-11-26")
    log = ws.outbox / LOG
    log.chmod(0o644)
    log.write_text(log.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")  # the last line cut
    report = json.loads(fawen(ws, "archive", "verify", "--json", code=1))
    found = {r["件"]: r["问题"] for r in report if r["问题"]}
    assert found[LOG] == ["记录被截短：编号登记簿见证到第 2 条，现只有 1 条"], found
