"""The meeting chain (DA/T 46 关联): a 会议通知, its 纪要 (which names it and takes its 会议编号),
the 督查通报 that checks the 纪要's 议定事项 and a 专题报告 arising from the meeting are linked both
ways in the records, in `archive show` and on the web page, and the links survive a reindex."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.store import workspace as ws_store
from tests.test_web import Server
from tests.test_web import get
from tests.test_web import get_json

FILED = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2027, 1, 5, 10, 0, tzinfo=dt.timezone.utc)
MEETING = "2026-全体-4"
BULLETIN = """文种: 督查通报
督查类型: 全面督查
标题: 关于第四季度全体会议议定事项落实情况的督查通报
主送: 各成员单位
正文: 现将督查情况通报如下。
督查事项: {来源: 督办台账, 会议: [纪要2026-4]}
统计截止日期: 2026-12-28
成文日期: 2026-12-29
"""


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


def with_line(example: Path, after: str, line: str, out: Path) -> Path:
    text = example.read_text(encoding="utf-8")
    assert after in text
    out.write_text(text.replace(after, f"{after}\n{line}", 1), encoding="utf-8")
    return out


def shown(workspace: ws_store.Workspace, code: str) -> dict[str, str]:
    """`archive show --json`'s 关联 as {档号: 关系}."""
    data = json.loads(fawen(workspace, "archive", "show", code, "--json"))
    return {r["档号"]: r["关系"] for r in data["关联"]}


@pytest.fixture
def chain(workspace: ws_store.Workspace, tmp_path: Path) -> dict[str, object]:
    examples = workspace.root / "examples"
    notice = run.file_document(with_line(examples / "002-全体会议通知.yaml", "文种: 会议通知", f"会议编号: {MEETING}",
                                         tmp_path / "通知.yaml"), workspace, FILED.date(), FILED)  # fmt: skip
    minutes = run.file_document(with_line(examples / "003-全体会议纪要.yaml", "文种: 会议纪要", f"会议通知: {notice.number}",
                                          tmp_path / "纪要.yaml"), workspace, FILED.date(), FILED)  # fmt: skip
    report = run.file_document(with_line(examples / "006-专题报告.yaml", "文种: 专题报告", f"会议编号: {MEETING}",
                                         tmp_path / "报告.yaml"), workspace, FILED.date(), FILED)  # fmt: skip
    other = run.file_document(examples / "004-专题会议纪要.yaml", workspace, FILED.date(), FILED)  # another meeting
    (tmp_path / "通报.yaml").write_text(BULLETIN, encoding="utf-8")
    bulletin = run.file_document(tmp_path / "通报.yaml", workspace, LATER.date(), LATER)
    return {"ws": workspace, "notice": notice, "minutes": minutes, "report": report, "other": other, "bulletin": bulletin}


def test_the_chain_is_recorded_and_shown_both_ways(chain):
    ws = chain["ws"]
    notice, minutes, report, bulletin = (chain[k].archive_code for k in ("notice", "minutes", "report", "bulletin"))
    record = json.loads((chain["minutes"].folder / "元数据.json").read_text(encoding="utf-8"))
    assert record["会议编号"] == MEETING  # taken from the 会议通知 it names
    assert {"字段": "会议编号", "值": MEETING, "来源": f"会议通知 {notice}"} in record["补全"]
    assert [(r["类型"], r["档号"]) for r in record["关系"]] == [("会议通知", notice)]
    checked = json.loads((chain["bulletin"].folder / "元数据.json").read_text(encoding="utf-8"))["关系"]
    assert [(r["类型"], r["档号"], r["说明"]) for r in checked] == [("督查", minutes, "本通报督查其议定事项的会议纪要")]

    assert shown(ws, minutes) == {notice: "本纪要的会议通知", bulletin: "督查本纪要议定事项的通报",
                                  report: "本次会议引出的专题报告"}  # fmt: skip
    assert shown(ws, notice) == {minutes: "本次会议的纪要", bulletin: "督查本次会议议定事项的通报",
                                 report: "本次会议引出的专题报告"}  # fmt: skip
    assert shown(ws, bulletin) == {minutes: "本通报督查其议定事项的纪要", notice: "所督查会议的会议通知",
                                   report: "所督查会议引出的专题报告"}  # fmt: skip
    assert shown(ws, report) == {minutes: "引出本文的会议纪要", notice: "引出本文的会议的通知",
                                 bulletin: "督查该会议议定事项的通报"}  # fmt: skip
    assert shown(ws, chain["other"].archive_code) == {}  # another meeting, unlinked

    text = fawen(ws, "archive", "show", minutes)
    assert f"会议编号：{MEETING}" in text and f"本纪要的会议通知：{notice}" in text
    assert f"督查本纪要议定事项的通报：{bulletin}" in text

    (ws.outbox / ".fawen" / "index.db").unlink()  # the index is a cache: the chain comes back from the records
    assert shown(ws, notice)[bulletin] == "督查本次会议议定事项的通报"


def test_a_notice_named_wrongly_or_a_meeting_id_that_disagrees_is_refused(chain, tmp_path):
    ws, examples = chain["ws"], chain["ws"].root / "examples"
    cases = {
        "会议通知: 罕政发〔2026〕99号": ("会议通知", "档案中找不到「罕政发〔2026〕99号」"),
        f"会议通知: {chain['report'].number}": ("会议通知", "是专题报告"),
        f"会议通知: {chain['notice'].number}\n会议编号: 2026-专题-9": ("会议编号", f"与会议通知 {chain['notice'].archive_code} 的「{MEETING}」不同"),
        "会议编号: 第四季度 全体会议": ("会议编号", "不能作会议编号"),
    }  # fmt: skip
    for line, (key, said) in cases.items():
        source = with_line(examples / "003-全体会议纪要.yaml", "文种: 会议纪要", line, tmp_path / "错.yaml")
        with pytest.raises(InputError) as refused:
            run.read_request(source, ws, FILED.date())
        problems = refused.value.problems
        assert any(p.key == key and said in p.problem for p in problems), (line, problems)


def test_the_web_page_lists_the_chain_with_links(chain):
    ws = chain["ws"]
    notice, minutes, bulletin = (chain[k].archive_code for k in ("notice", "minutes", "bulletin"))
    server = Server(ws.root)
    try:
        data = get_json(server, f"/items/{minutes}")
        assert {r["档号"]: r["关系"] for r in data["关联"]}[bulletin] == "督查本纪要议定事项的通报"
        assert data["会议编号"] == MEETING
        page = get(server, f"/items/{notice}").text
        assert "会议关联（会议编号 2026-全体-4）" in page
        assert "本次会议的纪要" in page and f'href="/items/{minutes.replace("·", "%C2%B7")}"' in page
    finally:
        server.stop()
