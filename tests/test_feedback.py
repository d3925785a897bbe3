"""办理反馈: units report progress on 议定事项, dropped in the watched inbox or given with
``fawen tasks update``; checked against the 督办台账, kept in the append-only progress log with
their evidence, applied to the ledger, and rebuilt identically from archive + log."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline import tasks
from pipeline.cli import main
from pipeline.store import workspace as ws_store
from pipeline.store.progress import ProgressLog
from tests.conftest import TODAY
from tests.test_watch import Running

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
MINUTES = ("003-全体会议纪要.yaml", "004-专题会议纪要.yaml")  # 纪要2026-4 (held 11-20), 纪要2026-5 (10-15)


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


def ls(workspace: ws_store.Workspace) -> dict[str, dict[str, object]]:
    # as of the day after the last feedback (ls counts the feedback reported by its --at day)
    return {r["编号"]: r for r in json.loads(fawen(workspace, "tasks", "ls", "--json", "--at", "2026-11-30"))}


@pytest.fixture
def minutes(workspace: ws_store.Workspace) -> ws_store.Workspace:
    for name in MINUTES:
        run.file_document(workspace.root / "examples" / name, workspace, TODAY, NOW)
    return workspace


def feedback(item: str, unit: str, day: str, status: str, text: str, extra: str = "") -> str:
    return f"文种: 办理反馈\n事项编号: {item}\n单位: {unit}\n日期: {day}\n状态: {status}\n进展: {text}\n{extra}"


# (item, unit, day, status, new deadline): three per item, their latest (by 日期) decides
GOOD = [
    ("纪要2026-4-1", "平安建设办公室", "2026-11-21", "办理中", ""),
    ("纪要2026-4-1", "各村（社区）", "2026-11-23", "办理中", ""),
    ("纪要2026-4-1", "平安建设办公室", "2026-11-25", "办理中", ""),
    ("纪要2026-4-2", "综合执法局", "2026-11-21", "办理中", ""),
    ("纪要2026-4-2", "社会事务办公室", "2026-11-22", "办理中", ""),
    ("纪要2026-4-2", "平安建设办公室", "2026-11-26", "申请延期", "2027-01-15"),
    ("纪要2026-4-3", "联席会议办公室", "2026-11-21", "办理中", ""),
    ("纪要2026-4-3", "联席会议办公室", "2026-11-24", "办理中", ""),
    ("纪要2026-4-3", "联席会议办公室", "2026-11-27", "申请延期", "2027-02-26"),
    ("纪要2026-5-1", "九成功村", "2026-10-20", "办理中", ""),
    ("纪要2026-5-1", "经济发展办公室", "2026-11-02", "办理中", ""),
    ("纪要2026-5-1", "经济发展办公室", "2026-11-20", "已办结", ""),
    ("纪要2026-5-2", "联席会议办公室", "2026-10-16", "办理中", ""),
    ("纪要2026-5-2", "联席会议办公室", "2026-11-05", "申请延期", "2026-12-15"),
    ("纪要2026-5-2", "联席会议办公室", "2026-11-28", "已办结", ""),
]
EVIDENCE = {0: "证明/排查清单.pdf", 5: "证明/包案方案.docx", 11: "证明/补偿款发放凭证.jpg"}


def good_text(n: int) -> str:
    item, unit, day, status, new = GOOD[n]
    extra = f"新时限: {new}\n" if new else ""
    if n in EVIDENCE:
        extra += f"附件:\n  - 文件: {EVIDENCE[n]}\n"
    return feedback(item, unit, day, status, f"第{n + 1}次反馈：{unit}已按要求推进。", extra)


def test_twenty_dropped_feedbacks_update_the_ledger_exactly_and_rebuild_identically(minutes):
    inbox = minutes.inbox
    (inbox / "证明").mkdir()
    for n, rel in EVIDENCE.items():
        (inbox / rel).write_bytes(f"证明材料 {n}".encode() * 100)
    for n in range(len(GOOD)):
        (inbox / f"反馈{n + 1:02d}.yaml").write_text(good_text(n), encoding="utf-8")
    bad = {
        "反馈16-无此事项.yaml": feedback("纪要2026-4-9", "平安建设办公室", "2026-11-25", "办理中", "已推进"),
        "反馈17-单位不符.yaml": feedback("纪要2026-4-2", "经济发展办公室", "2026-11-25", "办理中", "已推进"),
        "反馈18-早于会议.yaml": feedback("纪要2026-4-1", "平安建设办公室", "2026-11-19", "办理中", "已推进"),
        "反馈19-格式有误.yaml": "文种: 办理反馈\n事项编号: 纪要2026-4-1\n单位: 平安建设办公室\n日期: 2026-11-25\n状态: 完成了\n",
        "反馈20-重复.yaml": good_text(6),  # the same bytes as 反馈07
    }
    for name, text in bad.items():
        (inbox / name).write_text(text, encoding="utf-8")
    started = time.monotonic()
    watcher = Running(minutes)
    try:
        results = {r.name: r for r in watcher.wait(20, timeout=180)}
    finally:
        watcher.stop()
    seconds = time.monotonic() - started
    outcomes = sorted(r.outcome for r in results.values())
    assert outcomes.count("已登记") == 15 and outcomes.count("重复") == 1 and outcomes.count("退回") == 4, results
    twins = {n: results[n].outcome for n in ("反馈07.yaml", "反馈20-重复.yaml")}
    assert sorted(twins.values()) == ["已登记", "重复"]
    duplicate = next(n for n, o in twins.items() if o == "重复")
    note = (inbox / "duplicates" / f"{duplicate}.note.txt").read_text(encoding="utf-8")
    assert "内容相同，未重复登记" in note and "纪要2026-4-3" in note
    reasons = {n: (inbox / "rejected" / f"{n}.error.txt").read_text(encoding="utf-8")
               for n in bad if n != "反馈20-重复.yaml"}  # fmt: skip
    assert "督办台账中没有议定事项「纪要2026-4-9」" in reasons["反馈16-无此事项.yaml"]
    assert "「经济发展办公室」不是议定事项「纪要2026-4-2」的责任单位或配合单位" in reasons["反馈17-单位不符.yaml"]
    assert "责任单位 平安建设办公室，配合单位 综合执法局、社会事务办公室" in reasons["反馈17-单位不符.yaml"]
    assert "反馈日期 2026-11-19 早于会议日期 2026-11-20" in reasons["反馈18-早于会议.yaml"]
    malformed = reasons["反馈19-格式有误.yaml"]
    assert "未知的状态「完成了」" in malformed and "缺少「进展」" in malformed and "第 5 行" in malformed
    assert not [p for p in inbox.rglob("*") if p.is_file() and p.parent in (inbox, inbox / "证明")]  # all taken

    rows = ls(minutes)
    expected = {"纪要2026-4-1": ("办理中", ""), "纪要2026-4-2": ("申请延期", "2027-01-15"),
                "纪要2026-4-3": ("申请延期", "2027-02-26"), "纪要2026-5-1": ("已办结", ""),
                "纪要2026-5-2": ("已办结", "2026-12-15")}  # fmt: skip
    assert {k: (r["办理状态"], r["申请延期至"]) for k, r in rows.items()} == expected
    assert rows["纪要2026-5-1"]["状态"] == "已办结" and not rows["纪要2026-5-1"]["逾期"]  # done: not overdue
    assert rows["纪要2026-4-2"]["截止日期"] == "2026-12-31"  # asked for, not granted: the 纪要's deadline stands
    log = ProgressLog(minutes.outbox).read()
    assert sorted((r["事项编号"], r["单位"], r["日期"], r["状态"], r["新时限"]) for r in log) == sorted(GOOD)
    with_files = [r for r in log if r["附件"]]
    assert len(with_files) == 3
    for r in with_files:
        kept = minutes.outbox / r["附件"][0]["文件"]
        assert kept.read_bytes().startswith("证明材料".encode()) and r["附件"][0]["名称"] in EVIDENCE.values()
    for r in log:  # the input as received, under its digest
        assert (minutes.outbox / r["输入"]["文件"]).read_text(encoding="utf-8").startswith("文种: 办理反馈")

    kept_up = tasks.dump(minutes)
    assert len(kept_up["progress"]) == 15
    assert "15 条办理反馈" in fawen(minutes, "tasks", "rebuild")
    assert tasks.dump(minutes) == kept_up
    watch_log = (minutes.root / ".fawen" / "watch.log").read_text(encoding="utf-8")
    assert "\t已登记\t纪要2026-4-2\t" in watch_log and "办理反馈 申请延期" in watch_log
    print(f"\n20 feedback inputs through the watcher in {seconds:.1f} s (workers' start included)")


def test_tasks_update_records_the_same_record_and_show_lists_the_history(minutes, tmp_path):
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"photo" * 50)
    out = fawen(minutes, "tasks", "update", "纪要2026-4-2", "--单位", "综合执法局", "--日期", "2026-11-25",
                "--状态", "申请延期", "--新时限", "2027-01-15", "--进展", "需协调市级部门", "--附件", str(photo))  # fmt: skip
    assert "已登记 纪要2026-4-2 办理反馈：申请延期（第 1 条）" in out
    again = fawen(minutes, "tasks", "update", "纪要2026-4-2", "--单位", "综合执法局", "--日期", "2026-11-25",
                  "--状态", "申请延期", "--新时限", "2027-01-15", "--进展", "需协调市级部门", "--附件", str(photo))  # fmt: skip
    assert "内容相同，未重复登记" in again
    assert "申请延期" not in fawen(minutes, "tasks", "ls", "--at", "2026-11-24")  # not yet asked for on that day
    text = fawen(minutes, "tasks", "ls", "--at", "2026-11-25")
    assert "剩 26 个工作日（申请延期至 2027-01-15）" in text  # 11-25 (Wed) to 12-31 (Thu): no holiday between
    shown = fawen(minutes, "tasks", "show", "纪要2026-4-2")
    assert "办理反馈：" in shown and "2026-11-25  综合执法局  申请延期，申请延期至 2027-01-15：需协调市级部门" in shown
    assert "附件 1 个：现场照片.jpg" in shown and "待批准" in shown
    item = json.loads(fawen(minutes, "tasks", "show", "纪要2026-4-2", "--json"))[0]
    assert [f["状态"] for f in item["反馈"]] == ["申请延期"] and item["反馈"][0]["附件"][0]["名称"] == "现场照片.jpg"
    record = ProgressLog(minutes.outbox).read()[0]
    assert (minutes.outbox / record["附件"][0]["文件"]).read_bytes() == photo.read_bytes()

    wrong = fawen(minutes, "tasks", "update", "纪要2026-5-1", "--单位", "某某局", "--日期", "2026-10-01",
                  "--状态", "已办结", "--进展", "完成", code=1)  # fmt: skip
    assert "办理反馈未登记，有 2 处问题" in wrong and "早于会议日期 2026-10-15" in wrong and "第 " not in wrong
    late = fawen(minutes, "tasks", "update", "纪要2026-5-1", "--单位", "九成功村", "--日期", "2026-11-25",
                 "--状态", "办理中", "--新时限", "2027-01-01", "--进展", "推进中", code=1)  # fmt: skip
    assert "只有状态为「申请延期」时才写新时限" in late
    assert len(ProgressLog(minutes.outbox).read()) == 1  # nothing bad was recorded
    verified = fawen(minutes, "archive", "verify")
    assert "共检查 3 项，发现问题 0 项" in verified  # two 件 and the log: no stray, its chain checked
    kept = minutes.outbox / record["附件"][0]["文件"]
    kept.chmod(0o644)
    kept.write_bytes(b"changed")
    assert "与记录的摘要不符（被修改）" in fawen(minutes, "archive", "verify", code=1)


def test_a_withdrawn_minutes_takes_no_feedback_and_a_tampered_log_is_refused(minutes):
    fawen(minutes, "tasks", "update", "纪要2026-4-1", "--单位", "平安建设办公室", "--日期", "2026-11-25",
          "--状态", "已办结", "--进展", "已完成排查")  # fmt: skip
    assert ls(minutes)["纪要2026-4-1"]["状态"] == "已办结"
    code = run.open_archive(minutes).find("罕台镇信访工作联席会议纪要 2026年第4期").archive_code
    fawen(minutes, "archive", "withdraw", code, "--reason", "纪要有误，撤销重发")
    refused = fawen(minutes, "tasks", "update", "纪要2026-4-2", "--单位", "综合执法局", "--日期", "2026-11-26",
                    "--状态", "办理中", "--进展", "推进中", code=1)  # fmt: skip
    assert "纪要2026-4-2」已撤销" in refused and "不再督办" in refused

    path = ProgressLog(minutes.outbox).path
    path.chmod(0o644)
    path.write_text(path.read_text(encoding="utf-8").replace("已完成排查", "尚未排查"), encoding="utf-8")
    said = fawen(minutes, "tasks", "rebuild", code=1)
    assert "反馈记录.jsonl 第 1 行的摘要不符" in said
    assert "第 1 行的摘要不符" in fawen(minutes, "tasks", "ls", code=1)


def test_fawen_new_gives_a_feedback_skeleton_that_fawen_file_records(minutes, tmp_path):
    skeleton = tmp_path / "反馈.yaml"
    fawen(minutes, "new", "办理反馈", "-o", str(skeleton))
    text = skeleton.read_text(encoding="utf-8")
    assert "文种: 办理反馈" in text and "事项编号: 纪要2026-4-2" in text
    text = text.replace("单位: ", "单位: 综合执法局  # ", 1).replace("2026-11-28", "2026-11-27")
    skeleton.write_text(text, encoding="utf-8")
    out = fawen(minutes, "file", str(skeleton))
    assert "✓ 反馈.yaml：已登记 纪要2026-4-2 办理反馈：办理中（第 1 条）" in out
    assert "未重复登记" in fawen(minutes, "file", str(skeleton))
    assert ls(minutes)["纪要2026-4-2"]["最近反馈日期"] == "2026-11-27"


def test_the_latest_report_by_date_decides_and_the_check_names_every_problem():
    """Pure: with_progress and stages.feedback.check on plain data."""
    from pipeline.model import RawInput
    from pipeline.stages.feedback import check
    from pipeline.stages.tasks import TaskItem
    from pipeline.stages.tasks import with_progress
    from pipeline.errors import InputError

    item = TaskItem("纪要2026-4-2", "期号:会议纪要:2026:4", "F1", "纪要 2026年第4期", "纪要", 1, 2, "包案",
                    "平安建设办公室", ("综合执法局",), "2026-12-31", dt.date(2026, 12, 31), dt.date(2026, 11, 20))  # fmt: skip
    row = {"status": "", "day": "", "seq": 0, "new_deadline": ""}
    rows = [{**row, "status": "已办结", "day": "2026-11-28", "seq": 1},
            {**row, "status": "申请延期", "day": "2026-11-25", "seq": 2, "new_deadline": "2027-01-15"}]  # fmt: skip
    seen = with_progress(item, rows)  # the 11-25 request arrived after the 11-28 report: 已办结 stands
    assert (seen.progress, seen.progress_day, seen.requested) == ("已办结", "2026-11-28", dt.date(2027, 1, 15))

    data = {"文种": "办理反馈", "事项编号": "纪要2026-4-2", "单位": "综合执法局", "日期": "2026-11-30",
            "状态": "申请延期", "新时限": "2026-12-20", "进展": "x" * 2001, "附件": [{"文件": "../etc/passwd"}], "备注": 1}  # fmt: skip
    with pytest.raises(InputError) as caught:
        check(RawInput("f.yaml", data, {"新时限": 6}), [item], dt.date(2026, 11, 29))
    said = caught.value.message
    for expected in ("办理反馈没有「备注」这一项", "进展有 2001 字，过长", "新时限 2026-12-20 不晚于现在的完成时限 2026-12-31",
                     "第 6 行", "附件应写明文件名，且在本反馈所在的文件夹内", "反馈日期 2026-11-30 晚于今天"):  # fmt: skip
        assert expected in said, said
    del data["备注"]
    ok = check(RawInput("f.yaml", {**data, "日期": "2026年11月28日", "新时限": "2027-01-15", "进展": "推进",
                                   "附件": [{"文件": "证明/照片.jpg"}]}, {}), [item], dt.date(2026, 11, 29))  # fmt: skip
    assert (ok.date, ok.new_deadline, ok.files, ok.unit) == (dt.date(2026, 11, 28), dt.date(2027, 1, 15),
                                                             ("证明/照片.jpg",), "综合执法局")  # fmt: skip


def test_a_line_torn_by_a_crash_is_not_read_and_the_next_append_cuts_it_off(tmp_path):
    log = ProgressLog(tmp_path)
    first = log.append({"事项编号": "纪要2026-4-1", "状态": "办理中"})
    with log.path.open("ab") as fh:
        fh.write('{"事项编号": "纪要2026-4-1", "状态": "已'.encode())  # the crash came mid-line
    assert log.read() == [first] and log.state() == (len(json.dumps(first, ensure_ascii=False, sort_keys=True).encode()) + 1,
                                                     first["摘要"])  # fmt: skip
    second = log.append({"事项编号": "纪要2026-4-1", "状态": "已办结"})
    assert log.read() == [first, second] and second["前摘要"] == first["摘要"]
    assert log.state() == (log.path.stat().st_size, second["摘要"])


def test_validate_checks_feedback_and_liaison_changes_as_recording_would_and_keeps_nothing(minutes, tmp_path):
    good, wrong = tmp_path / "反馈.yaml", tmp_path / "错单位.yaml"
    good.write_text(good_text(0).replace("附件:\n  - 文件: 证明/排查清单.pdf\n", ""), encoding="utf-8")
    wrong.write_text(feedback("纪要2026-4-1", "经济发展办公室", "2026-11-25", "办理中", "已推进。"), encoding="utf-8")
    change = tmp_path / "联络员.yaml"
    change.write_text("文种: 联络员变更\n单位: 综合执法局\n联络员: 高原\n电话: 0477-8000013\n备案日期: 2026-11-01\n",
                      encoding="utf-8")  # fmt: skip
    before = ls(minutes)
    out = fawen(minutes, "validate", str(good), str(change))
    assert "✓" in out and "办理反馈" in out and "纪要2026-4-1" in out and "联络员变更" in out and "高原" in out, out
    refused = CliRunner().invoke(main, ["-w", str(minutes.root), "validate", str(wrong)])
    assert refused.exit_code == 1 and "经济发展办公室" in refused.output and "责任单位或配合单位" in refused.output
    assert ls(minutes) == before  # validated, not recorded
    assert not (minutes.outbox / "督办反馈").exists() and not (minutes.outbox / "联络员备案.jsonl").exists()


def test_an_evidence_file_linked_from_outside_the_feedbacks_folder_is_refused_and_not_kept(minutes, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("不该进入档案的内容", encoding="utf-8")
    folder = tmp_path / "fb"
    folder.mkdir()
    (folder / "证明.jpg").symlink_to(outside / "secret.txt")
    (folder / "反馈.yaml").write_text(good_text(0).split("附件:")[0] + "附件:\n  - 文件: 证明.jpg\n", encoding="utf-8")
    out = fawen(minutes, "file", str(folder / "反馈.yaml"), code=1)
    assert "附件[1]" in out and "证明.jpg" in out and "之外" in out, out
    kept = minutes.outbox / "督办反馈"
    assert not any("不该进入档案".encode() in p.read_bytes() for p in kept.rglob("*") if p.is_file())
