"""联络员备案 (issue 12, item 6): the roster keeps its history; documents are checked against the
roster valid on their own date, skeletons take today's, and ``archive verify`` notices an edited log."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.roster import Roster
from pipeline.stages.parse import parse_input
from pipeline.stages.validate import validate
from pipeline.store import workspace as ws_store
from tests.conftest import TODAY

# a 专题会议 of 2026-10-20 that 综合执法局's 联络员 attended
MINUTES = """\
文种: 会议纪要
会议类型: 专题会议
标题: 关于罕台村道路占用信访问题的专题会议纪要
会议:
  时间: 2026-10-20 15:00
  地点: 罕台镇人民政府二楼会议室
  主持: 李明
出席:
  - 李明（镇长）
  - {单位: 综合执法局, 姓名: NAME}
正文: 会议听取了情况汇报，议定如下。
议定事项:
  - 事项: 核实道路占用情况。
    责任单位: 综合执法局
    完成时限: 2026-10-30
分送: [综合执法局]
"""

REQUEST = """\
文种: 请示
标题: 关于申请信访专项经费的请示
主送: 镇党委
签发人: 李明
正文: 特此请示。
联系人: 孙浩
联系电话: "PHONE"
成文日期: DATE
"""


def fawen(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["-w", str(root), *args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


@pytest.fixture
def changed(workspace: ws_store.Workspace) -> Path:
    """The sample workspace with 综合执法局's 联络员 孙浩 replaced by 高原 on 2026-11-01."""
    code, out = fawen(workspace.root, "roster", "set", "综合执法局", "--联络员", "高原", "--电话", "0477-8000013",
                      "--备案日期", "2026-11-01")  # fmt: skip
    assert code == 0, out
    assert "孙浩 → 高原" in out and "2026-11-01" in out
    return workspace.root


def check(root: Path, text: str):
    return validate(parse_input("x.yaml", ".yaml", text.encode("utf-8")), ws_store.load(root).config, TODAY)


def problems(root: Path, text: str) -> dict[str, str]:
    with pytest.raises(InputError) as info:
        check(root, text)
    return {p.key: f"{p.problem}。应为：{p.expected}" for p in info.value.problems}


def test_roster_at_a_date_shows_the_liaison_then(changed):
    _, before = fawen(changed, "roster", "--at", "2026-10-31")
    _, after = fawen(changed, "roster", "--at", "2026-11-02")
    line = lambda out: next(l for l in out.splitlines() if l.startswith("综合执法局"))  # noqa: E731
    assert "孙浩" in line(before) and "0477-8000003" in line(before) and "高原" not in line(before)
    assert "高原" in line(after) and "0477-8000013" in line(after) and "2026-11-01" in line(after)
    assert "张丽" in before and "张丽" in after  # the other units as in fawen.yaml


def test_roster_json(changed):
    code, out = fawen(changed, "roster", "--at", "2026-10-31", "--json")
    assert code == 0, out
    data = json.loads(out)
    unit = next(u for u in data["成员单位"] if u["名称"] == "综合执法局")
    assert data["日期"] == "2026-10-31" and unit == {"名称": "综合执法局", "联络员": "孙浩", "电话": "0477-8000003", "备案日期": ""}
    data = json.loads(fawen(changed, "roster", "--at", "2026-11-02", "--json")[1])
    unit = next(u for u in data["成员单位"] if u["名称"] == "综合执法局")
    assert unit == {"名称": "综合执法局", "联络员": "高原", "电话": "0477-8000013", "备案日期": "2026-11-01"}


def test_the_change_is_an_append_only_hash_chained_record_in_the_archive(changed):
    log = changed / "outbox" / "联络员备案.jsonl"
    entry = json.loads(log.read_text(encoding="utf-8"))
    assert entry["标识"] == "综合执法局" and entry["原联络员"] == "孙浩" and entry["序号"] == 1 and entry["前摘要"] == "0" * 64
    assert not os.access(log, os.W_OK) or os.geteuid() == 0
    code, out = fawen(changed, "archive", "verify")
    assert code == 0, out
    os.chmod(log, 0o644)
    log.write_text(log.read_text(encoding="utf-8").replace("高原", "高远"), encoding="utf-8")
    os.chmod(log, 0o444)
    code, out = fawen(changed, "archive", "verify")
    assert code == 1 and "联络员备案第 1 行被改动" in out
    code, out = fawen(changed, "roster", "set", "罕台村", "--联络员", "冯兰", "--电话", "0477-8000016")
    assert code == 1 and "联络员备案已被改动" in out


def test_a_minutes_dated_before_the_change_is_checked_against_the_old_roster(changed):
    assert check(changed, MINUTES.replace("NAME", "孙浩")).kind.value == "会议纪要"
    found = problems(changed, MINUTES.replace("NAME", "高原"))
    assert "「高原」自 2026-11-01 起才备案为综合执法局的联络员，2026-10-20 时综合执法局的联络员是 孙浩" in found["出席[2].姓名"]
    after = MINUTES.replace("2026-10-20", "2026-11-20").replace("2026-10-30", "2026-11-30")
    assert check(changed, after.replace("NAME", "高原")).kind.value == "会议纪要"
    found = problems(changed, after.replace("NAME", "孙浩"))
    assert "「孙浩」在 2026-11-20 时已不是综合执法局的联络员" in found["出席[2].姓名"]


def test_a_contact_phone_follows_the_roster_of_the_document_date(changed):
    text = REQUEST.replace("PHONE", "0477-8000003")
    assert check(changed, text.replace("DATE", "2026-10-28")).kind.value == "请示"
    found = problems(changed, text.replace("孙浩", "高原").replace("DATE", "2026-11-10"))
    assert "不是综合执法局联络员 高原 在 2026-11-10 备案的电话" in found["联系电话"] and "0477-8000013" in found["联系电话"]
    mobile = text.replace("孙浩", "高原").replace("0477-8000003", "13904770000").replace("DATE", "2026-11-10")
    assert check(changed, mobile).kind.value == "请示"  # a number never 备案 is the contact's own to give


def test_roster_of_a_date_as_plain_data(changed):
    config = ws_store.load(changed).config
    assert ("综合执法局", "孙浩", "0477-8000003") in Roster.of(config, dt.date(2026, 10, 31)).liaisons
    assert ("综合执法局", "高原", "0477-8000013") in Roster.of(config, dt.date(2026, 11, 1)).liaisons
    assert ("综合执法局", "孙浩", "0477-8000003") in Roster.of(config).liaisons  # fawen.yaml as written


def test_a_change_input_file_and_its_mistakes(workspace, tmp_path):
    root = workspace.root
    good = tmp_path / "变更.yaml"
    good.write_text("文种: 联络员变更\n单位: 罕台社区\n联络员: 白云\n电话: \"0477-8000018\"\n备案日期: 2026-11-05\n原联络员: 褚红\n", encoding="utf-8")
    code, out = fawen(root, "roster", "set", "--from", str(good))
    assert code == 0 and "褚红 → 白云" in out, out
    bad = tmp_path / "错.yaml"
    bad.write_text("单位: 罕台社去\n联络员: 白云\n电话: \"0477\"\n备案日期: 2026-11-06\n原联络员: 褚红\n", encoding="utf-8")
    code, out = fawen(root, "roster", "set", "--from", str(bad))
    assert code == 1 and "「罕台社去」不是 fawen.yaml 中的联席会议成员单位；是否想写「罕台社区」？" in out
    bad.write_text("单位: 罕台社区\n联络员: 李四\n电话: \"0477-1\"\n备案日期: 2026-11-06\n原联络员: 褚红\n", encoding="utf-8")
    code, out = fawen(root, "roster", "set", "--from", str(bad))
    assert code == 1 and "「褚红」不是罕台社区在 2026-11-06 前的联络员；应为「白云」" in out
    bad.write_text("单位: 罕台社区\n联络员: 李四\n备案日期: 十一月\n", encoding="utf-8")
    code, out = fawen(root, "roster", "set", "--from", str(bad))
    assert code == 1 and "错.yaml 第2行「联络员」" not in out and "「电话」：缺少" in out and "第3行「备案日期」" in out
    assert len((root / "outbox" / "联络员备案.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_new_skeletons_take_the_current_roster(workspace, tmp_path):
    root = workspace.root
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    code, out = fawen(root, "roster", "set", "党政综合办公室", "--liaison", "钱进", "--phone", "0477-8000017", "--filed", yesterday)
    assert code == 0, out
    code, out = fawen(root, "new", "会议纪要")
    assert code == 0 and "钱进" in out and "张丽" not in out
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    code, out = fawen(root, "roster", "set", "罕台社区", "--liaison", "冯兰", "--phone", "0477-8000018", "--filed", tomorrow)
    assert code == 0, out
    out = fawen(root, "new", "会议纪要")[1]
    assert "冯兰" not in out and "褚红" in out


def test_a_change_dropped_in_the_inbox_is_recorded_not_filed(workspace):
    inbox = workspace.root / "inbox"
    (inbox / "联络员变更-九成功村.yaml").write_text(
        "文种: 联络员变更\n单位: 九成功村\n联络员: 钱进\n电话: \"0477-8000017\"\n备案日期: 2026-11-03\n", encoding="utf-8")
    (inbox / "联络员变更-错.yaml").write_text("文种: 联络员变更\n单位: 九成公村\n联络员: 钱进\n电话: \"0477-8000017\"\n"
                                              "备案日期: 2026-11-04\n", encoding="utf-8")  # fmt: skip
    code, out = fawen(workspace.root, "watch", "--once")
    log = (workspace.root / "outbox" / "联络员备案.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(log) == 1 and json.loads(log[0])["联络员"] == "钱进", out
    rejected = "".join(p.read_text(encoding="utf-8") for p in workspace.root.rglob("联络员变更-错*.txt"))
    assert "「九成公村」不是 fawen.yaml 中的联席会议成员单位；是否想写「九成功村」？" in rejected, out
    _, shown = fawen(workspace.root, "roster", "--at", "2026-11-03", "--json")
    assert {"名称": "九成功村", "联络员": "钱进", "电话": "0477-8000017", "备案日期": "2026-11-03"} in json.loads(shown)["成员单位"]
