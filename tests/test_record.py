"""An archive that tells the truth: every file a version is made from, every field in its record,
diffs and search over every field, metadata as printed, rebuilds from the version's own folder."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from pipeline import run
from pipeline.cli import main
from pipeline.gbt9704 import cn_date
from pipeline.store import fonts as font_store
from tests.conftest import TODAY
from tests.conftest import with_config
from tests.conftest import write_input

NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 in Asia/Shanghai


def record_of(folder: Path) -> dict:
    return json.loads((folder / "元数据.json").read_text(encoding="utf-8"))


def cli(workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.stdout


def example(workspace, name: str) -> Path:
    return workspace.root / "examples" / name


def _ledger(path: Path, done: int) -> None:
    """A 15-row ledger with ``done`` rows 已办结."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位", "事项", "受理日期", "办理时限", "状态"])
        for i in range(1, 16):
            status = "已办结" if i <= done else "办理中"
            writer.writerow([f"单位{i % 4}", f"第{i}件保洁工资拖欠", "2026-11-01", "2027-03-31", status])


def _bulletin_with_ledger(workspace, ledger: str) -> str:
    text = example(workspace, "005-专项督查通报.yaml").read_text(encoding="utf-8")
    head, rest = text.split("督查事项:", 1)
    return head + f"督查事项: {ledger}\n统计截止日期:" + rest.split("统计截止日期:", 1)[1]


def test_a_changed_ledger_is_a_new_version_that_carries_it(workspace):
    folder = example(workspace, "")
    _ledger(folder / "台账" / "欠薪.csv", 6)
    src = write_input(folder, "通报.yaml", _bulletin_with_ledger(workspace, "台账/欠薪.csv"))
    first = run.file_document(src, workspace, TODAY, NOW)
    _ledger(folder / "台账" / "欠薪.csv", 7)  # one more row 已办结: 40.0 % -> 46.7 %
    second = run.file_document(src, workspace, TODAY, NOW + dt.timedelta(hours=1))
    assert not second.duplicate and second.version == 2 and second.archive_code == first.archive_code
    old, new = record_of(first.folder), record_of(second.folder)
    assert old["内容"]["统计"]["办结率"] == 40.0 and new["内容"]["统计"]["办结率"] == 46.7
    for version, done in ((first.folder, 6), (second.folder, 7)):
        kept = (version / "源文件" / "台账" / "欠薪.csv").read_text(encoding="utf-8-sig")
        assert kept.count("已办结") == done
        assert any(c["文件"] == "源文件/台账/欠薪.csv" and c["角色"] == "台账" for c in record_of(version)["组件"])
    printed = "".join(p.extract_text() for p in PdfReader(second.folder / "正本.pdf").pages).replace("\n", "")
    assert "办结率46.7%" in printed
    fields = {c["字段"]: (c["原值"], c["新值"]) for c in new["变更"]}
    assert fields["督查事项[7].状态"] == ("办理中", "已办结")
    assert fields["统计.办结率"] == ("40.0", "46.7")
    again = run.file_document(src, workspace, TODAY, NOW + dt.timedelta(hours=2))
    assert again.duplicate and again.version == 2
    # the 件 rebuilds from its own folders, the ledger there: the inbox copy no longer matters
    (folder / "台账" / "欠薪.csv").unlink()
    report = json.loads(cli(workspace, "archive", "verify", "--rebuild", "--json"))
    assert report and all(not r["问题"] for r in report), report


def test_history_and_diff_name_every_changed_field(workspace):
    src = example(workspace, "002-全体会议通知.yaml")
    run.file_document(src, workspace, TODAY, NOW)
    text = src.read_text(encoding="utf-8")
    assert "三楼会议室" in text
    src.write_text(text.replace("三楼会议室", "二楼会议室"), encoding="utf-8")
    second = run.file_document(src, workspace, TODAY, NOW + dt.timedelta(days=1))
    diff = cli(workspace, "archive", "diff", second.number, "1", "2")
    assert "会议.地点：罕台镇人民政府三楼会议室 → 罕台镇人民政府二楼会议室" in diff
    rows = json.loads(cli(workspace, "archive", "diff", second.number, "1", "2", "--json"))
    assert [r["字段"] for r in rows] == ["会议.地点"]
    history = cli(workspace, "archive", "history", second.number)
    assert "会议.地点：罕台镇人民政府三楼会议室 → 罕台镇人民政府二楼会议室" in history


def test_search_finds_every_field_with_marked_snippets(workspace):
    for name in ("003-全体会议纪要.yaml", "005-专项督查通报.yaml"):
        run.file_document(example(workspace, name), workspace, TODAY, NOW)
    report = example(workspace, "006-专题报告.yaml")
    text = report.read_text(encoding="utf-8")
    write_input(report.parent, "补偿.yaml", text.replace("标题: ", "标题: 关于征地问题的", 1).replace("签发人:", "标识: 征地报告\n签发人:", 1))
    run.file_document(report.parent / "补偿.yaml", workspace, TODAY, NOW)

    def search(query: str) -> list[dict]:
        return json.loads(cli(workspace, "archive", "search", query, "--json"))

    place = search("三楼会议室")  # the 纪要's 会议.地点
    assert [h["文种"] for h in place] == ["会议纪要"] and "【三楼会议室】" in place[0]["摘要"]
    ledger = search("保洁人员工资拖欠")  # a row of the bulletin's 督查事项
    assert [h["文种"] for h in ledger] == ["督查通报"] and "【保洁人员工资拖欠】" in ledger[0]["摘要"]
    rate = search("办结率")  # the computed sentence
    assert [h["文种"] for h in rate] == ["督查通报"] and "【办结率】50.0%" in rate[0]["摘要"]
    both = search("征地 补偿")  # two words: both must occur
    assert [h["标识"] for h in both] == ["标识:征地报告"]
    assert "【征地】" in both[0]["摘要"] and "【补偿】" in both[0]["摘要"]
    assert search("征地 不存在的词") == []
    shown = cli(workspace, "archive", "search", "三楼会议室")
    assert "【三楼会议室】" in shown and "找到 1 件" in shown


@pytest.mark.parametrize("name", ["003-全体会议纪要.yaml", "004-专题会议纪要.yaml", "005-专项督查通报.yaml",
                                  "006-专题报告.yaml", "007-请示.yaml"])  # fmt: skip
def test_metadata_is_what_is_printed(workspace, name):
    filed = run.file_document(example(workspace, name), workspace, TODAY, NOW, by="张丽")
    record = record_of(filed.folder)
    printed = "".join(p.extract_text() for p in PdfReader(filed.folder / "正本.pdf").pages).replace("\n", "")
    date = dt.date.fromisoformat(record["成文日期"])
    author = record["责任者"][0]
    assert cn_date(date) in printed and author.replace(" ", "") in printed
    if record["系列"]:  # 罕台镇信访工作联席会议纪要 2026年第4期: the series is the red mark
        assert record["文号"] == f"{record['系列']} {record['年度']}年第{record['期号']}期"
        assert record["系列"] in printed and f"第{record['期号']}期" in printed and author.endswith("办公室")
    else:
        assert record["文号"] in printed
    assert record["年度"] == date.year
    info = PdfReader(filed.folder / "正本.pdf").metadata
    assert info["/Author"] == author and info["/Subject"] == record["文号"]
    assert info["/CreationDate"] == "D:20261124100000+08'00'"  # the real time, in the workspace's zone
    props = Document(filed.folder / "公文.docx").core_properties
    assert props.author == author and props.subject == record["文号"]
    assert props.created == NOW  # DOCX stores UTC
    rows = json.loads(cli(workspace, "archive", "catalog", "--year", str(date.year), "--json"))
    row = next(r for r in rows if r["档号"] == filed.archive_code)
    assert (row["文号"], row["责任者"], row["日期"]) == (record["文号"], author, date.strftime("%Y%m%d"))
    assert record["归档时间"] == "2026-11-24T10:00:00+08:00" and record["归档人"] == "张丽"
    assert record["事件"][-1] == {"行为": "归档", "时间": "2026-11-24T10:00:00+08:00", "人": "张丽"}


def test_minutes_are_dated_as_their_head_prints(workspace):
    filed = run.file_document(example(workspace, "003-全体会议纪要.yaml"), workspace, TODAY, NOW)
    record = record_of(filed.folder)
    assert record["成文日期"] == "2026-11-23"  # 印发日期, printed in the head; not the filing day
    assert {"字段": "成文日期", "值": "2026-11-23", "来源": "印发日期"} in record["补全"]


def test_completed_fields_are_named_in_the_record(workspace):
    text = example(workspace, "006-专题报告.yaml").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.startswith(("署名:", "成文日期:"))]
    src = write_input(example(workspace, ""), "无署名.yaml", "\n".join(lines) + "\n")
    filed = run.file_document(src, workspace, TODAY, NOW)
    completed = {c["字段"]: c for c in record_of(filed.folder)["补全"]}
    assert completed["成文日期"]["值"] == TODAY.isoformat()
    assert completed["署名"]["值"] == workspace.config.organ.name
    assert {"署名", "成文日期"} <= set(filed.completed)
    plain = run.file_document(example(workspace, "006-专题报告.yaml"), workspace, TODAY, NOW, new=True)
    assert not {"署名", "成文日期"} & {c["字段"] for c in record_of(plain.folder)["补全"]}


def test_rebuild_reports_a_swapped_font(workspace):
    for name in ("002-全体会议通知.yaml", "006-专题报告.yaml"):
        run.file_document(example(workspace, name), workspace, TODAY, NOW)
    assert "发现问题 0 项" in cli(workspace, "archive", "verify", "--rebuild")
    fonts = workspace.root / "字体"
    fonts.mkdir()
    # a face installed since filing takes over the 黑体 role (headings): the rebuild differs
    shutil.copy(font_store.cache_dir() / "FandolFang-Regular.ttf", fonts / "simhei.ttf")
    changed = with_config(workspace, "字体目录: [字体]")
    out = cli(changed, "archive", "verify", "--rebuild", code=1)
    assert "字体不同" in out and "重新生成与存档不符" in out


def test_a_new_document_with_a_filed_title_asks_which_it_is(workspace):
    src = example(workspace, "006-专题报告.yaml")
    first = run.file_document(src, workspace, TODAY, NOW)
    text = src.read_text(encoding="utf-8").replace("特此报告。", "特此报告，请审阅。")
    twin = write_input(src.parent, "专题报告（修改稿）.yaml", text.replace("签发人:", "标识: 修改稿\n签发人:", 1))
    refused = cli(workspace, "file", str(twin), code=1)
    out = CliRunner().invoke(main, ["-w", str(workspace.root), "file", str(twin)])
    assert first.archive_code in out.output and "--as-version-of" in out.output and "--new" in out.output
    assert refused == "" and len(json.loads(cli(workspace, "archive", "ls", "--json"))) == 1
    as_version = json.loads(cli(workspace, "file", str(twin), "--as-version-of", first.archive_code, "--json"))[0]
    assert (as_version["档号"], as_version["版本"], as_version["文号"]) == (first.archive_code, 2, first.number)
    other = write_input(src.parent, "另一份.yaml", text.replace("特此报告，请审阅。", "另报。").replace("签发人:", "标识: 另一份\n签发人:", 1))
    cli(workspace, "file", str(other), code=1)
    second = json.loads(cli(workspace, "file", str(other), "--new", "--json"))[0]
    assert second["结果"] == "已归档" and second["档号"] != first.archive_code and second["文号"] != first.number


def test_another_document_given_a_filed_number_is_refused_not_made_its_next_version(workspace):
    """A mistyped 发文字号 (or 期号) equal to a filed 件's: the input's title or 文种 differs, so
    it is refused naming that 件; ``--as-version-of`` says it is a revised title after all."""
    base = "文种: 通知\n发文字号: 罕政发〔2026〕9号\n正文: 请落实。\n成文日期: 2026-11-24\n"
    a = write_input(workspace.root, "a.yaml", base + "标题: 关于甲项工作的通知\n")
    b = write_input(workspace.root, "b.yaml", base.replace("请落实。", "请办理。") + "标题: 关于乙项工作的通知\n")
    first = json.loads(cli(workspace, "file", str(a), "--json"))[0]
    out = CliRunner().invoke(main, ["-w", str(workspace.root), "file", str(b)])
    assert out.exit_code == 1 and first["档号"] in out.output and "关于甲项工作的通知" in out.output, out.output
    assert "--as-version-of" in out.output and "标题" in out.output
    listed = json.loads(cli(workspace, "archive", "ls", "--json"))
    assert [(e["题名"], e["版本"]) for e in listed] == [("关于甲项工作的通知", 1)]
    again = json.loads(cli(workspace, "file", str(b), "--as-version-of", first["档号"], "--json"))[0]
    assert (again["档号"], again["版本"]) == (first["档号"], 2)
    edited = write_input(workspace.root, "b2.yaml", base.replace("请落实。", "请抓紧办理。") + "标题: 关于乙项工作的通知\n")
    assert json.loads(cli(workspace, "file", str(edited), "--json"))[0]["版本"] == 3  # its latest title: an edit


def test_a_new_version_that_gives_another_number_is_refused_not_filed_under_the_kept_one(workspace):
    base = "文种: 通知\n标题: 关于甲项工作的通知\n正文: 请落实。\n成文日期: 2026-11-24\n"
    first = json.loads(cli(workspace, "file", str(write_input(workspace.root, "a.yaml", base)), "--json"))[0]
    other = write_input(workspace.root, "a2.yaml", base.replace("请落实。", "请抓紧落实。") + "发文字号: 罕政发〔2026〕10号\n")
    out = CliRunner().invoke(main, ["-w", str(workspace.root), "file", str(other), "--as-version-of", first["档号"]])
    assert out.exit_code == 1 and "罕政发〔2026〕10号" in out.output and first["文号"] in out.output, out.output
    same = write_input(workspace.root, "a3.yaml", base.replace("请落实。", "请抓紧落实。") + f"发文字号: {first['文号']}\n")
    again = json.loads(cli(workspace, "file", str(same), "--as-version-of", first["档号"], "--json"))[0]
    assert (again["版本"], again["文号"]) == (2, first["文号"])


def test_a_new_version_of_minutes_that_gives_another_issue_is_refused(workspace):
    src = example(workspace, "003-全体会议纪要.yaml")
    text = src.read_text(encoding="utf-8")
    src.write_text(text.replace("期号: 4", "期号: 14"), encoding="utf-8")
    first = run.file_document(src, workspace, TODAY, NOW)
    assert first.number.endswith("第14期")
    other = write_input(src.parent, "m4.yaml", text.replace("会议室", "会议厅", 1))  # 期号: 4, as 第14期's text ends
    out = CliRunner().invoke(main, ["-w", str(workspace.root), "file", str(other), "--as-version-of", first.archive_code])
    assert out.exit_code == 1 and "「第4期」" in out.output, out.output
