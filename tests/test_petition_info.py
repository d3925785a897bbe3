"""信访信息 (第十条): member units report important, sensitive 信访信息 to the office. Recorded like
a 办理反馈 — checked against the roster, kept with the input in an append-only hash-chained log
(outbox/信访信息/), never twice — from the inbox, ``fawen info add`` or ``fawen file``; listed and
counted over a period by ``fawen info``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.model import RawInput
from pipeline.stages.petitioninfo import check
from pipeline.stages.petitioninfo import counts
from pipeline.store import workspace as ws_store
from pipeline.store.petitionlog import PetitionLog
from pipeline.store.petitionlog import read_records
from tests.test_watch import Running

UNITS = ("党政综合办公室", "平安建设办公室", "综合执法局", "社会事务办公室", "经济发展办公室", "罕台村", "九成功村", "罕台社区")


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


def info(unit: str, day: str, category: str, level: str, summary: str, extra: str = "") -> str:
    return f"文种: 信访信息\n单位: {unit}\n日期: {day}\n类别: {category}\n敏感程度: {level}\n摘要: {summary}\n{extra}"


GOOD = info("九成功村", "2026-11-20", "征地拆迁", "敏感", "部分村民反映征地补偿款未足额发放，拟集体到镇上访。", "信访人数: 12\n报送人: 陈刚\n")


def test_a_valid_record_lands_in_the_log_with_its_chain_and_verify_checks_it(workspace, tmp_path):
    first, second = tmp_path / "信息1.yaml", tmp_path / "信息2.yaml"
    first.write_text(GOOD, encoding="utf-8")
    second.write_text(info("罕台社区", "2026年11月22日", "劳资纠纷", "一般", "某工地拖欠工资。"), encoding="utf-8")
    assert "已登记信访信息：九成功村 征地拆迁，敏感（第 1 条）" in fawen(workspace, "info", "add", str(first), "--by", "周强")
    assert "（第 2 条）" in fawen(workspace, "info", "add", str(second))
    log = PetitionLog(workspace.outbox)
    assert log.path == workspace.outbox / "信访信息" / "信访信息记录.jsonl"
    one, two = read_records(workspace.outbox)
    assert (one["序号"], one["前摘要"], two["序号"], two["前摘要"]) == (1, "", 2, one["摘要"])
    assert {k: one[k] for k in ("单位", "日期", "类别", "敏感程度", "信访人数", "报送人", "信息摘要", "登记人")} == {
        "单位": "九成功村", "日期": "2026-11-20", "类别": "征地拆迁", "敏感程度": "敏感", "信访人数": 12,
        "报送人": "陈刚", "信息摘要": "部分村民反映征地补偿款未足额发放，拟集体到镇上访。", "登记人": "周强"}  # fmt: skip
    assert (two["日期"], two["信访人数"], two["报送人"]) == ("2026-11-22", None, "")
    assert (workspace.outbox / one["输入"]["文件"]).read_text(encoding="utf-8") == GOOD  # the input as received
    out = fawen(workspace, "archive", "verify")
    assert "✓ 信访信息/信访信息记录.jsonl" in out and "发现问题 0 项" in out  # checked, and no stray in the archive

    listed = json.loads(fawen(workspace, "info", "ls", "--json"))
    assert [(r["序号"], r["单位"], r["日期"]) for r in listed] == [(1, "九成功村", "2026-11-20"), (2, "罕台社区", "2026-11-22")]
    assert [r["序号"] for r in json.loads(fawen(workspace, "info", "ls", "--unit", "罕台社区", "--json"))] == [2]
    assert [r["序号"] for r in json.loads(fawen(workspace, "info", "ls", "--to", "2026-11-21", "--json"))] == [1]
    table = fawen(workspace, "info", "ls", "--from", "2026-11-21")
    assert "罕台社区" in table and "九成功村" not in table and "共 1 条" in table


BAD = {  # name: (input, key, what the reason says)
    "单位不符.yaml": (info("罕台镇综合执法局", "2026-11-20", "其他", "一般", "略"), "单位",
                      "「罕台镇综合执法局」不是 fawen.yaml 中的联席会议成员单位。应为：是否想写「综合执法局」？"),
    "日期未到.yaml": (info("罕台村", "2099-01-05", "其他", "一般", "略"), "日期", "日期 2099-01-05 晚于今天"),
    "敏感程度.yaml": (info("罕台村", "2026-11-20", "其他", "高度敏感", "略"), "敏感程度",
                      "未知的敏感程度「高度敏感」。应为：一般、较敏感、敏感 三者之一"),
    "缺摘要.yaml": ("文种: 信访信息\n单位: 罕台村\n日期: 2026-11-20\n类别: 其他\n敏感程度: 一般\n", "摘要", "缺少「摘要」"),
    "多余键.yaml": (info("罕台村", "2026-11-20", "其他", "一般", "略", "信访人数: 0\n备注: 请研判\n"), "备注",
                    "信访信息没有「备注」这一项"),
    "类别过长.yaml": (info("罕台村", "2026-11-20", "其" * 21, "一般", "略"), "类别", "「类别」有 21 字，过长"),
}


def test_bad_inputs_are_refused_with_the_key_the_line_and_what_is_expected(workspace, tmp_path):
    for name, (text, key, said) in BAD.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        out = fawen(workspace, "info", "add", str(path), code=1)
        line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(key)) if key != "摘要" else None
        assert said in out and f"键「{key}」" in out, (name, out)
        if line is not None:
            assert f"第 {line} 行，键「{key}」" in out, (name, out)
        refused = CliRunner().invoke(main, ["-w", str(workspace.root), "validate", str(path)])
        assert refused.exit_code == 1 and said in refused.output, refused.output
    assert "信访人数" in fawen(workspace, "info", "add", str(tmp_path / "多余键.yaml"), code=1)  # 0 is no count
    assert not PetitionLog(workspace.outbox).path.exists()  # nothing bad was recorded


def test_the_pure_check_names_every_problem_at_once():
    data = {"文种": "信访信息", "单位": "平安办", "日期": "2026-13-01", "类别": "合计", "摘要": "x" * 501,
            "敏感程度": "一般", "信访人数": "十二", "附件": []}  # fmt: skip
    with pytest.raises(InputError) as caught:
        check(RawInput("f.yaml", data, {"附件": 9}), UNITS, dt.date(2026, 11, 24))
    said = caught.value.message
    for expected in ("「平安办」不是 fawen.yaml 中的联席会议成员单位", "「2026-13-01」不是日期", "「合计」不能作类别",
                     "「摘要」有 501 字，过长", "「十二」不是正整数", "第 9 行，键「附件」：信访信息没有「附件」这一项"):  # fmt: skip
        assert expected in said, said
    del data["附件"]  # an unknown key is a problem even when empty: nothing is dropped without a word
    ok = check(RawInput("f.yaml", {**data, "单位": "平安建设办公室", "日期": dt.date(2026, 11, 24), "类别": "涉法涉诉",
                                   "摘要": "  略  ", "信访人数": "3"}, {}), UNITS, dt.date(2026, 11, 24))  # fmt: skip
    assert (ok.unit, ok.date, ok.category, ok.summary, ok.people, ok.reporter) == (
        "平安建设办公室", dt.date(2026, 11, 24), "涉法涉诉", "略", 3, "")  # fmt: skip


def test_the_same_information_is_not_recorded_twice(workspace, tmp_path):
    path, again = tmp_path / "信息.yaml", tmp_path / "信息.json"
    path.write_text(GOOD, encoding="utf-8")
    fawen(workspace, "info", "add", str(path))
    assert "与已登记的第 1 条信访信息（九成功村，征地拆迁）内容相同，未重复登记" in fawen(workspace, "info", "add", str(path))
    same = {"文种": "信访信息", "报送人": "陈刚", "单位": "九成功村", "日期": "2026/11/20", "类别": "征地拆迁",
            "敏感程度": "敏感", "信访人数": 12, "摘要": "部分村民反映征地补偿款未足额发放，拟集体到镇上访。"}  # fmt: skip
    again.write_text(json.dumps(same, ensure_ascii=False), encoding="utf-8")  # other bytes, the same information
    assert "= 信息.json：与已登记的第 1 条信访信息内容相同，未重复登记" in fawen(workspace, "file", str(again))
    assert len(read_records(workspace.outbox)) == 1


def _record(seq: int, day: str, unit: str, category: str, level: str) -> dict[str, object]:
    return {"序号": seq, "日期": day, "单位": unit, "类别": category, "敏感程度": level}


HAND_MADE = [
    _record(1, "2026-10-31", "罕台村", "征地拆迁", "敏感"),  # before the period
    _record(2, "2026-11-01", "罕台村", "征地拆迁", "敏感"),  # its first day
    _record(3, "2026-11-03", "九成功村", "劳资纠纷", "一般"),
    _record(4, "2026-11-05", "罕台村", "劳资纠纷", "较敏感"),
    _record(5, "2026-11-10", "罕台社区", "涉法涉诉", "一般"),
    _record(6, "2026-11-12", "九成功村", "征地拆迁", "较敏感"),
    _record(7, "2026-11-20", "罕台村", "其他", "一般"),
    _record(8, "2026-11-30", "九成功村", "劳资纠纷", "敏感"),  # its last day
    _record(9, "2026-12-01", "罕台社区", "征地拆迁", "一般"),  # after it
]


def test_counts_over_a_period_hand_checked():
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)  # records 2..8: seven
    assert counts(HAND_MADE, start, end) == [
        {"类别": "劳资纠纷", "件数": 3}, {"类别": "征地拆迁", "件数": 2},  # 3, 4, 8; 2, 6
        {"类别": "其他", "件数": 1}, {"类别": "涉法涉诉", "件数": 1},  # equal counts: by name (code points: 其 < 涉)
        {"类别": "合计", "件数": 7}]  # fmt: skip
    assert counts(HAND_MADE, start, end, ("单位",)) == [
        {"单位": "九成功村", "件数": 3}, {"单位": "罕台村", "件数": 3}, {"单位": "罕台社区", "件数": 1},
        {"单位": "合计", "件数": 7}]  # fmt: skip
    assert counts(HAND_MADE, start, end, ("敏感程度",)) == [
        {"敏感程度": "一般", "件数": 3}, {"敏感程度": "敏感", "件数": 2}, {"敏感程度": "较敏感", "件数": 2},
        {"敏感程度": "合计", "件数": 7}]  # fmt: skip
    assert counts(HAND_MADE, start, end, ("单位", "类别"))[:2] == [
        {"单位": "九成功村", "类别": "劳资纠纷", "件数": 2}, {"单位": "九成功村", "类别": "征地拆迁", "件数": 1}]  # fmt: skip
    assert counts(HAND_MADE, start, end, ("单位", "类别"))[-1] == {"单位": "合计", "类别": "", "件数": 7}
    assert counts(HAND_MADE, dt.date(2026, 12, 2), dt.date(2026, 12, 31)) == [{"类别": "合计", "件数": 0}]
    assert counts(HAND_MADE, dt.date(2026, 10, 31), dt.date(2026, 10, 31), ()) == [{"件数": 1}]
    with pytest.raises(ValueError):
        counts(HAND_MADE, start, end, ("摘要",))


def test_stats_counts_what_was_recorded(workspace, tmp_path):
    for n, (unit, day, category, level) in enumerate([("罕台村", "2026-11-02", "征地拆迁", "敏感"),
                                                      ("罕台村", "2026-11-03", "劳资纠纷", "一般"),
                                                      ("九成功村", "2026-11-04", "征地拆迁", "较敏感")]):  # fmt: skip
        path = tmp_path / f"{n}.yaml"
        path.write_text(info(unit, day, category, level, f"第{n}条"), encoding="utf-8")
        fawen(workspace, "info", "add", str(path))
    found = json.loads(fawen(workspace, "info", "stats", "--from", "2026-11-01", "--to", "2026-11-30", "--by", "单位", "--json"))
    assert found["统计"] == [{"单位": "罕台村", "件数": 2}, {"单位": "九成功村", "件数": 1}, {"单位": "合计", "件数": 3}]
    table = fawen(workspace, "info", "stats", "--from", "2026-11-03", "--to", "2026-11-30")
    assert "2026-11-03 至 2026-11-30" in table and "劳资纠纷" in table and "合计" in table
    assert "晚于截止日期" in fawen(workspace, "info", "stats", "--from", "2026-11-30", "--to", "2026-11-01", code=2)


def test_verify_finds_a_changed_byte_and_nothing_is_appended_to_a_broken_log(workspace, tmp_path):
    path = tmp_path / "信息.yaml"
    path.write_text(GOOD, encoding="utf-8")
    fawen(workspace, "info", "add", str(path))
    log = PetitionLog(workspace.outbox)
    data = log.path.read_bytes()
    log.path.write_bytes(data.replace('"信访人数": 12'.encode(), '"信访人数": 13'.encode()))  # one byte
    out = fawen(workspace, "archive", "verify", code=1)
    assert "✗ 信访信息/信访信息记录.jsonl：信访信息/信访信息记录.jsonl 第 1 行的摘要不符（记录被修改）" in out
    assert "第 1 行的摘要不符" in fawen(workspace, "info", "ls", code=1)
    other = tmp_path / "其他.yaml"
    other.write_text(info("罕台村", "2026-11-21", "其他", "一般", "略"), encoding="utf-8")
    assert "第 1 行的摘要不符" in fawen(workspace, "info", "add", str(other), code=1)
    log.path.write_bytes(data)  # restored: the chain reads again; now the kept input is changed
    kept = workspace.outbox / read_records(workspace.outbox)[0]["输入"]["文件"]
    kept.chmod(0o644)
    kept.write_bytes(kept.read_bytes().replace("信访人数: 12".encode(), "信访人数: 13".encode()))
    assert "与记录的摘要不符（被修改）" in fawen(workspace, "archive", "verify", code=1)


def test_new_validate_file_and_render_know_it_is_a_record(workspace, tmp_path):
    skeleton = tmp_path / "信息.yaml"
    fawen(workspace, "new", "信访信息", "-o", str(skeleton))
    assert "文种: 信访信息" in skeleton.read_text(encoding="utf-8")
    assert "✓" in fawen(workspace, "validate", str(skeleton)) and not PetitionLog(workspace.outbox).path.exists()
    assert "✓ 信息.yaml：已登记 信访信息：党政综合办公室 征地拆迁，较敏感（第 1 条）" in fawen(workspace, "file", str(skeleton))
    out = CliRunner().invoke(main, ["-w", str(workspace.root), "render", str(skeleton), "-o", str(tmp_path)])
    assert out.exit_code == 1 and "信访信息不是公文" in out.output and "fawen info add" in out.output


def test_dropped_in_the_inbox_they_are_recorded_rejected_or_left_as_duplicates(workspace):
    inbox = workspace.inbox
    drops = {
        "信息1.yaml": GOOD,
        "信息2.yaml": info("综合执法局", "2026-11-21", "涉法涉诉", "较敏感", "某当事人不服行政处罚。"),
        "信息3-重复.yaml": GOOD,
        "信息4-单位不符.yaml": info("某某局", "2026-11-21", "其他", "一般", "略"),
        "信息5-敏感程度.yaml": info("罕台村", "2026-11-21", "其他", "特别敏感", "略"),
    }
    for name, text in drops.items():
        (inbox / name).write_text(text, encoding="utf-8")
    watcher = Running(workspace)
    try:
        results = {r.name: r for r in watcher.wait(len(drops), timeout=120)}
    finally:
        watcher.stop()
    outcomes = sorted(r.outcome for r in results.values())
    assert outcomes == ["已登记", "已登记", "退回", "退回", "重复"], results
    assert {results[n].outcome for n in ("信息1.yaml", "信息3-重复.yaml")} == {"已登记", "重复"}
    duplicate = next(n for n in ("信息1.yaml", "信息3-重复.yaml") if results[n].outcome == "重复")
    note = (inbox / "duplicates" / f"{duplicate}.note.txt").read_text(encoding="utf-8")
    assert "信访信息（九成功村，征地拆迁）内容相同，未重复登记" in note
    unit = (inbox / "rejected" / "信息4-单位不符.yaml.error.txt").read_text(encoding="utf-8")
    assert "第 2 行，键「单位」：「某某局」不是 fawen.yaml 中的联席会议成员单位" in unit
    level = (inbox / "rejected" / "信息5-敏感程度.yaml.error.txt").read_text(encoding="utf-8")
    assert "未知的敏感程度「特别敏感」" in level and "一般、较敏感、敏感" in level
    records = read_records(workspace.outbox)
    assert sorted(r["单位"] for r in records) == ["九成功村", "综合执法局"]
    assert results["信息2.yaml"].note == "信访信息 涉法涉诉，较敏感（第 {} 条）".format(
        next(r["序号"] for r in records if r["单位"] == "综合执法局"))  # fmt: skip
    watch_log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8")
    assert "\t已登记\t综合执法局\t" in watch_log


def test_only_a_top_level_kind_makes_an_input_a_record(tmp_path):
    from pipeline.intake import record_kind

    notice = tmp_path / "n.yaml"  # the English alias for 文种, and a body line that reads like a record's
    notice.write_text("kind: 通知\n标题: 关于测试的通知\n正文: |\n  文种: 信访信息\n  其余说明。\n成文日期: 2026-11-24\n",
                      encoding="utf-8")  # fmt: skip
    assert record_kind(notice) == ""
    record = tmp_path / "r.yaml"
    record.write_text("文种: 信访信息\n", encoding="utf-8")
    assert record_kind(record) == "信访信息"
    indented = tmp_path / "r.json"  # JSON indents its keys: parsed, still recognised
    indented.write_text(json.dumps({"文种": "办理反馈", "正文": "文种: 信访信息"}, ensure_ascii=False, indent=2), encoding="utf-8")
    assert record_kind(indented) == "办理反馈"


def test_a_markdown_input_is_a_record_by_its_yaml_block_alone(tmp_path):
    from pipeline.intake import record_kind

    notice = tmp_path / "n.md"  # a body line at the margin that reads like a record's 文种
    notice.write_text("---\n文种: 通知\n标题: 关于测试的通知\n---\n文种: 信访信息\n\n其余说明。\n", encoding="utf-8")
    assert record_kind(notice) == ""
    record = tmp_path / "r.md"
    record.write_text("---\n文种: 信访信息\n单位: 九成功村\n---\n摘要写在这里。\n", encoding="utf-8")
    assert record_kind(record) == "信访信息"
    aliased = tmp_path / "a.md"  # no 文种 line in the block: parsed, and the body is not read for one
    aliased.write_text("---\nkind: 通知\n---\n文种: 办理反馈\n", encoding="utf-8")
    assert record_kind(aliased) == ""
    unclosed = tmp_path / "u.md"  # the block never ends: parsed, refused there, so not a record
    unclosed.write_text("---\n文种: 办理反馈\n", encoding="utf-8")
    assert record_kind(unclosed) == ""
