"""Numbers and 件 tell one story (issue 8, parts 5 and 8): voids that refuse what they must,
dispositions (撤销, 废止, 更正) marked everywhere and witnessed, gaps explained, look-ups that
forgive typing. Real workspaces, real filings, the real ``fawen`` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import sqlite3
import stat

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from pipeline import run
from pipeline.cli import main
from pipeline.errors import FawenError
from pipeline.numbertext import ranges
from tests.conftest import TODAY

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
OFFSET = re.compile(r"[+-]\d\d:\d\d$")


def fawen(workspace, *args, ok=True):
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    if ok is not None:
        assert (result.exit_code == 0) == ok, (args, result.exit_code, result.output, result.exception)
    return result


def as_json(workspace, *args):
    return json.loads(fawen(workspace, *args, "--json").stdout)


def notice(workspace, name, text="", number=""):
    """A small 通知, filed for real; returns what file_document returned."""
    path = workspace.root / f"{name}.yaml"
    given = f"发文字号: {number}\n" if number else ""
    path.write_text(f"文种: 通知\n{given}标题: 关于{name}工作的通知\n正文: 请落实{name}工作。{text}\n"
                    f"成文日期: 2026-11-24\n", encoding="utf-8")  # fmt: skip
    return run.file_document(path, workspace, TODAY, NOW, by="测试员")


def check(workspace, kind="发文字号", series="罕政发", year=2026):
    result = fawen(workspace, "numbers", "--check", "--json")
    return next(s for s in json.loads(result.stdout) if (s["类别"], s["系列"], s["年度"]) == (kind, series, year))


def gaps_per_number(series_report):
    return {n: (g["状态"], g["原因"]) for g in series_report["空号"] for n in range(g["起"], g["止"] + 1)}


def test_void_refuses_a_number_never_issued_and_nothing_is_skipped(workspace):
    assert notice(workspace, "甲").number == "罕政发〔2026〕1号"
    refused = fawen(workspace, "numbers", "void", "罕政发〔2026〕9号", "--reason", "误编", ok=False)
    assert refused.exit_code == 1 and "从未发出" in refused.stderr and "下一个是罕政发〔2026〕2号" in refused.stderr
    assert notice(workspace, "乙").number == "罕政发〔2026〕2号"
    series = check(workspace)
    assert series["已使用"] == "1–2" and series["空号"] == [] and series["下一个"] == "罕政发〔2026〕3号"


def test_a_given_number_above_the_next_records_the_skipped_ones_and_a_second_void_is_refused(workspace):
    notice(workspace, "甲", number="罕政发〔2026〕4号")
    series = check(workspace)
    assert series["已使用"] == "4" and {g["状态"] for g in series["空号"]} == {"跳过"}
    assert "罕政发〔2026〕4号" in series["空号"][0]["原因"] and series["空号"][0]["编号"] == "罕政发〔2026〕1–3号"
    fawen(workspace, "numbers", "void", "罕政发[2026]02号", "--reason", "误编", "--by", "张三")
    again = fawen(workspace, "numbers", "void", "罕政发（2026）2号", "--reason", "另一个原因", ok=False)
    assert "不能重复作废" in again.stderr and "误编" in again.stderr and "张三" in again.stderr
    rows = {r["序号"]: r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号"}
    assert rows[2]["状态"] == "已作废" and rows[2]["原因"] == "误编" and rows[2]["经办人"] == "张三"
    assert OFFSET.search(rows[2]["时间"])
    assert gaps_per_number(check(workspace)) == {1: ("跳过", rows[1]["原因"]), 2: ("作废", "误编"), 3: ("跳过", rows[3]["原因"])}
    # a skipped number may still be filed by an input that gives it (an older document filed late)
    assert notice(workspace, "乙", number="罕政发〔2026〕3号").number == "罕政发〔2026〕3号"
    assert notice(workspace, "丙").number == "罕政发〔2026〕5号"


def test_issue_numbers_are_voided_with_a_forgiving_syntax(workspace):
    run.file_document(workspace.root / "examples" / "003-全体会议纪要.yaml", workspace, TODAY, NOW)  # 第4期 given
    fawen(workspace, "numbers", "void", "会议纪要 2026年第2期", "--reason", "误编")
    fawen(workspace, "numbers", "void", "纪要第3期", "--reason", "误编")
    fawen(workspace, "numbers", "void", "罕台镇信访工作联席会议纪要2026年第1期", "--reason", "误编")
    never = fawen(workspace, "numbers", "void", "督查通报2026年第2期", "--reason", "误编", ok=False)
    assert "从未发出" in never.stderr and "下一个是督查通报 2026年第1期" in never.stderr
    filed = fawen(workspace, "numbers", "void", "第4期", "--reason", "误编", ok=False)
    assert "archive withdraw" in filed.stderr and "F071-WS·2026-Y-XF-0001" in filed.stderr
    series = check(workspace, "期号", "会议纪要")
    assert series["已使用"] == "4" and set(gaps_per_number(series).values()) == {("作废", "误编")}


def test_withdraw_marks_the_entry_everywhere_voids_its_number_and_refuses_reuse(workspace, tmp_path):
    meeting = workspace.root / "examples" / "002-全体会议通知.yaml"
    run.file_document(meeting, workspace, TODAY, NOW)
    notice(workspace, "甲")
    done = fawen(workspace, "archive", "withdraw", "罕政发(2026)1号", "--reason", "会议取消", "--by", "李四")
    assert "已撤销 F071-WS·2026-D10-XF-0001" in done.stdout
    line = next(ln for ln in fawen(workspace, "archive", "ls").stdout.splitlines() if "罕政发〔2026〕1号" in ln)
    assert "〔已撤销〕" in line
    states = {e["文号"]: e["状态"] for e in as_json(workspace, "archive", "ls")}
    assert states == {"罕政发〔2026〕1号": "撤销", "罕政发〔2026〕2号": "有效"}
    shown = fawen(workspace, "archive", "show", "罕政发〔2026〕1号").stdout
    assert "状态：撤销" in shown and "李四：会议取消" in shown
    event = as_json(workspace, "archive", "show", "罕政发〔2026〕1号")["处置"][0]
    assert (event["行为"], event["人"], event["原因"]) == ("撤销", "李四", "会议取消") and OFFSET.search(event["时间"])
    assert "〔已撤销〕" in fawen(workspace, "archive", "search", "全体会议").stdout
    assert {h["状态"] for h in as_json(workspace, "archive", "search", "全体会议")} == {"撤销"}
    remarks = {r["文号"]: r["备注"] for r in as_json(workspace, "archive", "catalog", "--year", "2026")}
    assert remarks == {"罕政发〔2026〕1号": "已撤销", "罕政发〔2026〕2号": ""}
    fawen(workspace, "archive", "catalog", "--year", "2026", "-o", str(tmp_path / "目录"))
    table = list(csv.reader(io.StringIO((tmp_path / "目录" / "2026年度归档文件目录.csv").read_text(encoding="utf-8-sig"))))
    assert [r[8] for r in table[1:] if r[2] == "罕政发〔2026〕1号"] == ["已撤销"]
    sheet = load_workbook(tmp_path / "目录" / "2026年度归档文件目录.xlsx").active
    assert [row[8].value for row in sheet.iter_rows(min_row=2) if row[2].value == "罕政发〔2026〕1号"] == ["已撤销"]
    catalogue = PdfReader(tmp_path / "目录" / "2026年度归档文件目录.pdf")
    assert "已撤销" in "".join(page.extract_text() for page in catalogue.pages)  # its 保管期限 group, on its own page
    number = next(r for r in as_json(workspace, "numbers") if r["编号"] == "罕政发〔2026〕1号")
    assert (number["状态"], number["原因"], number["经办人"]) == ("已作废", "撤销：会议取消", "李四")
    twice = fawen(workspace, "numbers", "void", "罕政发〔2026〕1号", "--reason", "再作废", ok=False)
    assert "撤销：会议取消" in twice.stderr
    assert "已撤销" in fawen(workspace, "archive", "withdraw", "罕政发〔2026〕1号", "--reason", "再撤", ok=False).stderr
    meeting.write_text(meeting.read_text(encoding="utf-8").replace("三楼会议室", "二楼会议室"), encoding="utf-8")
    with pytest.raises(FawenError, match="已撤销，不能再归档新的版本"):
        run.file_document(meeting, workspace, TODAY, NOW)
    assert notice(workspace, "乙").number == "罕政发〔2026〕3号"  # the voided 1号 is never printed again
    fawen(workspace, "archive", "verify")
    _drop_index(workspace)
    assert {e["文号"]: e["状态"] for e in as_json(workspace, "archive", "ls")}["罕政发〔2026〕1号"] == "撤销"


def _drop_index(workspace):
    for name in ("index.db", "index.db-wal", "index.db-shm"):
        (workspace.outbox / ".fawen" / name).unlink(missing_ok=True)
    fawen(workspace, "archive", "reindex")


def test_repeal_marks_the_entry_and_keeps_its_number_issued(workspace):
    notice(workspace, "甲")
    fawen(workspace, "archive", "repeal", "罕政发〔2026〕01号", "--reason", "已被新制度取代")
    entry = as_json(workspace, "archive", "ls")[0]
    assert entry["状态"] == "废止"
    assert as_json(workspace, "archive", "catalog", "--year", "2026")[0]["备注"] == "已废止"
    assert next(r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号")["状态"] == "已使用"
    assert "已废止" in fawen(workspace, "archive", "repeal", "罕政发〔2026〕1号", "--reason", "再次", ok=False).stderr
    with pytest.raises(FawenError, match="已废止"):
        notice(workspace, "甲", text="改了一句。")
    # 撤销 outranks 废止: a repealed 件 found void from the start may still be withdrawn
    fawen(workspace, "archive", "withdraw", entry["档号"], "--reason", "发现自始无效")
    assert as_json(workspace, "archive", "ls")[0]["状态"] == "撤销"
    fawen(workspace, "archive", "verify")


def test_correct_files_a_new_version_of_that_entry_naming_what_it_corrects(workspace):
    first = notice(workspace, "甲")
    fixed = workspace.root / "甲-更正.yaml"
    fixed.write_text((workspace.root / "甲.yaml").read_text(encoding="utf-8").replace("请落实", "请认真落实"), encoding="utf-8")
    done = fawen(workspace, "archive", "correct", "罕政发[2026]1号", str(fixed), "--reason", "漏了“认真”二字", "--by", "王五")
    assert "第2版" in done.stdout
    shown = as_json(workspace, "archive", "show", first.archive_code)
    assert shown["件"]["版本"] == 2 and shown["件"]["文号"] == "罕政发〔2026〕1号" and shown["件"]["状态"] == "有效"
    assert [(e["行为"], e["版本"], e["人"]) for e in shown["处置"]] == [("更正", 2, "王五")]
    assert "漏了“认真”二字" in json.dumps(shown["元数据"], ensure_ascii=False)  # the version names its correction
    assert (first.folder.parent / "v2").is_dir() and first.folder.is_dir()
    assert notice(workspace, "乙").number == "罕政发〔2026〕2号"  # the correction took no new number
    fawen(workspace, "archive", "verify")


@pytest.fixture(scope="module")
def looked_up(tmp_path_factory):
    """The examples filed once, with the 督查通报 as 第4期 too (a 2027 issue beside the 2026 纪要)."""
    import shutil

    from pipeline.store import workspace as ws_store
    from tests.conftest import EXAMPLES

    root = tmp_path_factory.mktemp("lookup") / "ws"
    ws_store.init(root)
    shutil.copytree(EXAMPLES, root / "examples")
    bulletin = root / "examples" / "005-专项督查通报.yaml"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace("期号: 2", "期号: 4"), encoding="utf-8")
    workspace = ws_store.load(root)
    for name in ("002-全体会议通知.yaml", "003-全体会议纪要.yaml", "005-专项督查通报.yaml", "007-请示.yaml"):
        run.file_document(root / "examples" / name, workspace, TODAY, NOW)
    return workspace


@pytest.mark.parametrize("key, number", [
    ("罕政发〔2026〕1号", "罕政发〔2026〕1号"), ("罕政发[2026]1号", "罕政发〔2026〕1号"),
    ("罕政发(2026)1号", "罕政发〔2026〕1号"), ("罕政发（2026）1号", "罕政发〔2026〕1号"),
    ("罕政发【2026】1号", "罕政发〔2026〕1号"), ("罕政发﹝2026﹞1号", "罕政发〔2026〕1号"),
    ("罕政发〔2026〕01号", "罕政发〔2026〕1号"), ("罕政请 [2026] 001号", "罕政请〔2026〕1号"),
    ("F071-WS·2026-D10-XF-0001", "罕政发〔2026〕1号"), ("F071-WS-2026-D10-XF-0001", "罕政发〔2026〕1号"),
    ("F071.WS.2026.D10.XF.0001", "罕政发〔2026〕1号"), ("f071-ws·2026·d10·xf-1", "罕政发〔2026〕1号"),
    ("2026年第4期", "纪要"), ("纪要第4期", "纪要"), ("会议纪要 2026年第4期", "纪要"),
    ("罕台镇信访工作联席会议纪要 2026年第4期", "纪要"), ("罕台镇信访工作联席会议纪要第四期", "纪要"),
    ("督查通报第4期", "督查通报"), ("督查通报2027年第4期", "督查通报"), ("2027年第04期", "督查通报"),
])  # fmt: skip
def test_every_lookup_form_finds_its_entry(looked_up, key, number):
    for command in ("show", "history", "open"):
        fawen(looked_up, "archive", command, key)
    shown = as_json(looked_up, "archive", "show", key)["件"]
    assert number in shown["文号"], (key, shown["文号"])


def test_an_ambiguous_lookup_lists_the_candidates_and_picks_none(looked_up):
    result = fawen(looked_up, "archive", "show", "第4期", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert "对应 2 件" in result.stderr and "F071-WS·2026-Y-XF-0001" in result.stderr
    assert "F071-WS·2027-D30-XF-0001" in result.stderr and "关于冬季欠薪问题" in result.stderr
    assert fawen(looked_up, "archive", "withdraw", "第4期", "--reason", "x", ok=False).exit_code == 1
    assert all(e["状态"] == "有效" for e in as_json(looked_up, "archive", "ls"))
    assert "没有" in fawen(looked_up, "archive", "show", "罕政发〔2026〕9号", ok=False).stderr


def test_serials_filed_with_the_old_number_form_are_found_and_told_apart(looked_up, tmp_path):
    """Archives filed before serials were named by their series hold 文号 = 第N期: both read 第1期."""
    import shutil

    from pipeline.store import workspace as ws_store

    root = tmp_path / "old"
    shutil.copytree(looked_up.root, root)
    workspace = ws_store.load(root)
    db = sqlite3.connect(workspace.outbox / ".fawen" / "index.db")
    db.execute("UPDATE entries SET number='第1期' WHERE kind IN ('会议纪要', '督查通报')")
    db.commit()
    db.close()
    listed = fawen(workspace, "archive", "show", "第1期", ok=False).stderr
    assert "对应 2 件" in listed and "F071-WS·2026-Y-XF-0001" in listed and "F071-WS·2027-D30-XF-0001" in listed
    assert as_json(workspace, "archive", "show", "纪要第1期")["件"]["文种"] == "会议纪要"
    assert as_json(workspace, "archive", "show", "罕台镇信访工作联席会议纪要 2026年第1期")["件"]["文种"] == "会议纪要"
    assert as_json(workspace, "archive", "show", "督查通报第1期")["件"]["文种"] == "督查通报"


def test_verify_finds_an_edited_truncated_or_removed_disposition_log(workspace):
    notice(workspace, "甲")
    fawen(workspace, "archive", "repeal", "罕政发〔2026〕1号", "--reason", "已过时")
    fawen(workspace, "archive", "withdraw", "罕政发〔2026〕1号", "--reason", "自始无效")
    log = next(workspace.outbox.rglob("处置记录.jsonl"))
    assert not log.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only between appends
    assert fawen(workspace, "archive", "verify").exit_code == 0
    original = log.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)

    def verify_with(text):
        log.chmod(0o644)
        log.write_text(text, encoding="utf-8")
        result = fawen(workspace, "archive", "verify", ok=False)
        log.write_text(original, encoding="utf-8")
        log.chmod(0o444)  # a write bit left on is a finding of its own
        assert result.exit_code == 1, result.stdout
        return result.stdout

    assert "被改动" in verify_with(original.replace("已过时", "已过期"))
    assert "少了 1 条" in verify_with(lines[0])  # the 撤销 cut off: the chain alone cannot tell
    assert "不完整" in verify_with(original[:-40])
    assert "接不上" in verify_with(lines[1] + lines[0])
    assert "少了 2 条" in verify_with("")
    assert fawen(workspace, "archive", "verify").exit_code == 0


def test_numbers_check_after_random_operations_reports_exactly_the_gaps_given(workspace):
    rng = random.Random(20261124)
    issued: set[int] = set()
    gaps: dict[int, tuple[str, str]] = {}  # number -> (状态, 原因), what --check must report
    filed: dict[int, str] = {}  # number -> 档号 of a 件 in force
    top, refused = 0, 0
    for step in range(50):
        op = rng.choice(["file", "file", "given", "void", "withdraw", "bad-void"])
        if op == "file" or (op == "given" and top > 40):
            result = notice(workspace, f"第{step}项")
        elif op == "given":
            jump = rng.randint(2, 4)
            result = notice(workspace, f"第{step}项", number=f"罕政发〔2026〕{top + jump}号")
            for n in range(top + 1, top + jump):
                gaps[n] = ("跳过", f"输入直接给定了罕政发〔2026〕{top + jump}号（关于第{step}项工作的通知），此前的编号未经登记簿发出")
        if op in ("file", "given"):
            top = int(re.search(r"〕(\d+)号", result.number)[1])
            issued.add(top)
            filed[top] = result.archive_code
        elif op == "void" and [n for n, g in gaps.items() if g[0] == "跳过"]:
            n = rng.choice(sorted(n for n, g in gaps.items() if g[0] == "跳过"))
            fawen(workspace, "numbers", "void", f"罕政发[2026]{n:02d}号", "--reason", f"第{step}步作废")
            gaps[n] = ("作废", f"第{step}步作废")
        elif op == "withdraw" and filed:
            n = rng.choice(sorted(filed))
            fawen(workspace, "archive", "withdraw", filed.pop(n), "--reason", f"第{step}步撤销")
            issued.discard(n)
            gaps[n] = ("作废", f"撤销：第{step}步撤销")
        elif op == "bad-void":
            n = rng.choice([top + 1, top + 5, *sorted(filed)[:1]])
            fawen(workspace, "numbers", "void", f"罕政发〔2026〕{n}号", "--reason", "不该成功", ok=False)
            refused += 1
    series = check(workspace)
    assert series["已使用"] == ranges(issued) and series["下一个"] == f"罕政发〔2026〕{top + 1}号"
    assert gaps_per_number(series) == gaps and series["未说明"] == 0
    assert len(gaps) >= 5 and refused >= 3 and {g[0] for g in gaps.values()} == {"跳过", "作废"}
    assert all(status == "撤销" for status in {e["状态"] for e in as_json(workspace, "archive", "ls")} - {"有效"})
    fawen(workspace, "archive", "verify")


def test_a_disposition_interrupted_after_its_log_line_is_completed_by_the_next_command(workspace):
    filed = notice(workspace, "甲")
    store = run.open_archive(workspace)
    entry = store.entry(next(e.identity for e in store.entries()))
    with store.locked():  # what a crash leaves: the line written, the registry not yet told
        store.append_disposition(entry, "撤销", {"时间": NOW.isoformat(), "人": "赵六", "原因": "会议取消"})
    store.close()
    found = fawen(workspace, "archive", "verify", ok=False).stdout
    assert "多出 1 条" in found and "没有作废" in found
    again = fawen(workspace, "archive", "withdraw", filed.archive_code, "--reason", "会议取消", ok=False)
    assert "已撤销" in again.stderr
    fawen(workspace, "archive", "verify")
    number = next(r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号")
    assert (number["状态"], number["原因"], number["经办人"]) == ("已作废", "撤销：会议取消", "赵六")


def test_a_disposition_interrupted_before_its_register_line_is_completed_by_the_next_command(workspace):
    """Killed after the registry recorded the 撤销 but before the register line (found by killing
    the command at its second rename): the next disposition of the 件 writes the line."""
    from pipeline.cli.dispositions import disposition_fields
    from pipeline.store.register import Register

    filed = notice(workspace, "甲")
    store, registry = run.open_archive(workspace), run.open_registry(workspace)
    entry = store.entry(next(e.identity for e in store.entries()))
    with store.locked():  # what the crash leaves: the log line and the registry's record, no register line
        event = store.append_disposition(entry, "撤销", {"时间": NOW.isoformat(), "人": "赵六", "原因": "会议取消"})
        registry.record_disposition(event, registry.number_of(entry.identity))
        assert disposition_fields(event, entry.path)["处置序号"] == 1
    before = len(Register(store.root, registry).entries())
    registry.close()
    store.close()
    assert "不在归档登记簿中" in fawen(workspace, "archive", "verify", ok=False).stdout
    again = fawen(workspace, "archive", "withdraw", filed.archive_code, "--reason", "会议取消", ok=False)
    assert "已撤销" in again.stderr
    fawen(workspace, "archive", "verify")
    store, registry = run.open_archive(workspace), run.open_registry(workspace)
    assert len(Register(store.root, registry).entries()) == before + 1
    registry.close()
    store.close()


def test_a_typed_number_whose_filing_fails_is_released_not_voided(workspace, monkeypatch):
    """A 发文字号 the input gives is the document's own: a filing that fails after claiming it
    (here the disk fills while typesetting) releases it for the corrected input, where an
    allocated number would be voided for good."""

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(run, "typeset_request", disk_full)
        with pytest.raises(OSError):
            notice(workspace, "甲", number="罕政发〔2026〕3号")
        with pytest.raises(OSError):
            notice(workspace, "乙")  # allocated: 罕政发〔2026〕4号, voided
    rows = {r["序号"]: r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号"}
    assert rows[3]["状态"] == "已跳过" and "归档失败" in rows[3]["原因"] and "仍可由输入给定" in rows[3]["原因"], rows[3]
    assert rows[4]["状态"] == "已作废" and rows[4]["原因"] == "归档失败，编号作废不再使用", rows[4]
    assert notice(workspace, "甲", number="罕政发〔2026〕3号").number == "罕政发〔2026〕3号"
    assert notice(workspace, "丙").number == "罕政发〔2026〕5号"
    gaps = gaps_per_number(check(workspace))
    assert [n for n, (status, _why) in gaps.items() if status == "作废"] == [4] and 3 not in gaps


def test_a_typed_number_left_reserved_by_a_killed_filer_is_released_at_the_next_filing(workspace):
    """The inbox stops a worker over its budget (SIGKILL): the number it had claimed from its
    input must not be voided, or that document could never be filed under its own number."""
    import subprocess
    import sys

    from tests.test_watch import REPO

    registry = workspace.root / ".fawen" / "registry.db"
    claim = ("import sys, os; from pathlib import Path; from pipeline.store.registry import Registry; "
             "r = Registry(Path(sys.argv[1])); r.claim('发文字号', '罕政发', 2026, 2, '甲', '关于甲工作的通知'); "
             "r.reserve('发文字号', '罕政发', 2026, '乙'); os._exit(9)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", claim, str(registry)], cwd=REPO, timeout=60, check=False)
    assert done.returncode == 9
    assert notice(workspace, "甲", number="罕政发〔2026〕2号").number == "罕政发〔2026〕2号"
    rows = {r["序号"]: r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号"}
    assert rows[2]["状态"] == "已使用" and rows[3]["状态"] == "已作废" and "处理中断" in rows[3]["原因"], rows
    assert rows[1]["状态"] == "已跳过"
    assert fawen(workspace, "archive", "verify").exit_code == 0


def test_a_registry_made_before_given_numbers_were_marked_gains_the_column(workspace):
    from pipeline.store.registry import Registry

    path = workspace.root / "old-registry.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE numbers (series TEXT NOT NULL, kind TEXT NOT NULL, year INTEGER NOT NULL, "
               "seq INTEGER NOT NULL, status TEXT NOT NULL, identity TEXT NOT NULL DEFAULT '', "
               "title TEXT NOT NULL DEFAULT '', pid INTEGER NOT NULL DEFAULT 0, host TEXT NOT NULL DEFAULT '', "
               "reason TEXT NOT NULL DEFAULT '', changed TEXT NOT NULL, PRIMARY KEY (kind, series, year, seq))")  # fmt: skip
    db.execute("INSERT INTO numbers (series, kind, year, seq, status, identity, title, changed) "
               "VALUES ('罕政发', '发文字号', 2026, 1, 'issued', '甲', '关于甲的通知', '2026-11-24T10:00:00+08:00')")  # fmt: skip
    db.commit()
    db.close()
    registry = Registry(path)
    try:
        (old,) = registry.records()
        assert (old.status, old.given, old.person) == ("issued", False, "")
        registry.claim("发文字号", "罕政发", 2026, 2, "乙", "关于乙的通知")
        assert registry.get("发文字号", "罕政发", 2026, 2).given is True
    finally:
        registry.close()


def dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    return int(proc.stdout)


def test_a_reservation_made_on_another_machine_is_not_voided_as_crashed(workspace):
    """A process id means something only on the machine that gave it: a reservation a filer on
    another machine (or container) sharing the workspace holds is left alone, where one of a
    dead process of this machine is settled; a person may still void it."""
    from pipeline.store.registry import Registry
    from pipeline.store.registry import this_host

    registry = Registry(workspace.root / ".fawen" / "registry.db")
    try:
        for seq in (1, 2):
            registry.reserve("发文字号", "罕政发", 2026, f"件{seq}", f"关于件{seq}的通知")
    finally:
        registry.close()
    pid = dead_pid()
    with sqlite3.connect(workspace.root / ".fawen" / "registry.db") as db:  # as the other machine's filer wrote them
        db.execute("UPDATE numbers SET pid=?, host=? WHERE seq=1", (pid, "另一台机器"))
        db.execute("UPDATE numbers SET pid=?, host=? WHERE seq=2", (pid, this_host()))
    assert notice(workspace, "甲").number == "罕政发〔2026〕3号"  # the next filing settles this machine's only
    rows = {r["序号"]: r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号"}
    assert rows[1]["状态"] == "已预留" and rows[2]["状态"] == "已作废" and "处理中断" in rows[2]["原因"], rows
    fawen(workspace, "numbers", "void", "罕政发〔2026〕1号", "--reason", "那台机器已停用", "--by", "张三")
    rows = {r["序号"]: r for r in as_json(workspace, "numbers") if r["类别"] == "发文字号"}
    assert rows[1]["状态"] == "已作废" and rows[1]["原因"] == "那台机器已停用"


def test_a_number_of_thousands_of_digits_is_refused_in_words_not_a_traceback(workspace):
    for typed in (f"罕政发〔2026〕{'1' * 5000}号", "罕政发〔2026〕²号"):
        result = fawen(workspace, "numbers", "void", typed, "--reason", "误编", ok=None)
        assert result.exit_code != 0 and result.stderr.startswith("错误：「"), result.output[:300]
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "编号的写法" in result.stderr, result.stderr[:300]


def test_archive_ls_text_takes_like_wildcards_literally(workspace):
    notice(workspace, "甲")
    notice(workspace, "乙")
    rows = as_json(workspace, "archive", "ls", "--text", "甲")
    assert [r["题名"] for r in rows] == ["关于甲工作的通知"], rows
    for typed in ("_", "%", "\\", "关于_工作"):
        assert as_json(workspace, "archive", "ls", "--text", typed) == [], typed
