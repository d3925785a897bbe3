"""fawen.yaml is checked like an input: every problem, by key and line, in Chinese; a wrong one stops
every command with exit code 2 before anything is written; commands find the workspace upwards."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import configuration
from pipeline.cli import main
from pipeline.store import workspace as ws_store
from tests.conftest import EXAMPLES
from tests.conftest import SEED
from tests.conftest import SHARED_EXAMPLES
from tests.conftest import with_config

SAMPLE = ws_store.SAMPLE_CONFIG.read_text(encoding="utf-8")
FAWEN = Path(sys.executable).with_name("fawen")
# the parser's own words must never reach a clerk
ENGLISH = ("unicode string", "found", "while ", "expected", "mapping", "scanning", "Traceback", "line ")


def line_of(text: str, start: str) -> int:
    """1-based line of the only line of ``text`` starting with ``start``."""
    hits = [i for i, row in enumerate(text.split("\n"), 1) if row.startswith(start)]
    assert len(hits) == 1, (start, hits)
    return hits[0]


def replaced(start: str, new: str) -> str:
    """The sample with the line starting with ``start`` replaced by ``new``."""
    rows = SAMPLE.split("\n")
    rows[line_of(SAMPLE, start) - 1] = new
    return "\n".join(rows)


def appended(line: str) -> str:
    """The sample with one more line at its end (as tests.conftest.with_config writes it)."""
    return SAMPLE.rstrip("\n") + "\n" + line + "\n"


END = len(SAMPLE.rstrip("\n").split("\n")) + 1  # the line appended() writes


@dataclass(frozen=True)
class Bad:
    id: str
    data: bytes
    key: str  # the key path the message must name ("" where the line has no key)
    line: int
    says: str  # a fragment of what is wrong or expected


def bad(id: str, text: str, key: str, line: int, says: str) -> Bad:
    return Bad(id, text.encode("utf-8"), key, line, says)


def _gbk_without_comments() -> Bad:
    text = "\n".join(r for r in SAMPLE.split("\n") if not r.startswith("#"))
    return Bad("gbk-key", text.encode("gb18030"), "机关", 1, "GBK")


CORPUS = [
    bad("retention-typo", replaced("  通知: Y", "  通知: 永久x"), "保管期限.通知", line_of(SAMPLE, "  通知: Y"),
        "是否想写「永久」"),
    bad("retention-number", replaced("  督查通报: D30", "  督查通报: 30"), "保管期限.督查通报",
        line_of(SAMPLE, "  督查通报: D30"), "不是保管期限"),
    bad("retention-unknown-kind", replaced("  会议通知: D10", "  会议通告: D10"), "保管期限.会议通告",
        line_of(SAMPLE, "  会议通知: D10"), "是否想写「会议通知」"),
    bad("unknown-top-key", replaced("保管期限:", "保管期现:"), "保管期现", line_of(SAMPLE, "保管期限:"), "是否想写「保管期限」"),
    bad("unknown-organ-key", replaced("  简称:", "  简写: 罕台镇人民政府"), "机关.简写", line_of(SAMPLE, "  简称:"),
        "是否想写「简称」"),
    bad("unknown-person-key", replaced("    - {姓名: 李明", "    - {姓名: 李明, 职位: 镇长}"), "联席会议.召集人[2].职位",
        line_of(SAMPLE, "    - {姓名: 李明"), "是否想写「职务」"),
    bad("missing-code", replaced("    通知: 罕政发", ""), "机关.机关代字.通知", line_of(SAMPLE, "  机关代字:"), "缺少文种「通知」"),
    bad("code-with-brackets", replaced("    请示: 罕政请", "    请示: 罕政请〔"), "机关.机关代字.请示",
        line_of(SAMPLE, "    请示: 罕政请"), "只写代字"),
    *[bad(f"problem-{n}", replaced("机构问题:", f"机构问题: {code}"), "机构问题", line_of(SAMPLE, "机构问题:"),
          "英文字母或数字")
      for n, code in (("chinese", "信访"), ("dots", '".."'), ("slash", "XF/sub"), ("parent", "../x"))],
    bad("fonds-shape", replaced("  全宗号:", "  全宗号: F-071/x"), "机关.全宗号", line_of(SAMPLE, "  全宗号:"), "F071"),
    bad("fonds-number", replaced("  全宗号:", "  全宗号: 0071"), "机关.全宗号", line_of(SAMPLE, "  全宗号:"), "加引号"),
    bad("profile", replaced("档号格式:", "档号格式: DA/T 22"), "档号格式", line_of(SAMPLE, "档号格式:"),
        "是否想写「DA/T 22-2015」"),
    bad("list-for-text", replaced("  标志:", "  标志: [罕台镇, 文件]"), "机关.标志", line_of(SAMPLE, "  标志:"), "应为文字"),
    bad("timezone-typo", appended("时区: Asia/Shangai"), "时区", END, "是否想写「Asia/Shanghai」"),
    bad("timezone-offset", appended("时区: UTC+8"), "时区", END, "IANA 时区名"),
    bad("operator-list", appended("操作员: [张丽, 周强]"), "操作员", END, "应为文字"),
    bad("tab", replaced("  简称:", "\t简称: 罕台镇人民政府"), "机关.简称", line_of(SAMPLE, "  简称:"), "Tab"),
    bad("syntax", replaced("  简称:", "  简称: 罕台镇: 人民政府"), "机关.简称", line_of(SAMPLE, "  简称:"), "YAML 格式错误"),
    bad("duplicate", replaced("  会议纪要: Y", "  会议纪要: Y\n  通知: D10"), "保管期限.通知",
        line_of(SAMPLE, "  会议纪要: Y") + 1, "出现了两次"),
    Bad("gbk", SAMPLE.encode("gb18030"), "", 1, "看起来是 GBK/GB18030 编码"),
    _gbk_without_comments(),
]

# every command that reads a workspace, with arguments that would write if the configuration were not checked
COMMANDS = [
    ["validate", "{seed}"], ["render", "{seed}", "-o", "{root}/输出"], ["file", "{seed}"], ["watch", "--once"],
    ["status"], ["numbers"], ["numbers", "void", "罕政发〔2026〕1号", "--reason", "误编"], ["archive", "ls"],
    ["archive", "show", "罕政发〔2026〕1号"], ["archive", "search", "通知"], ["archive", "history", "罕政发〔2026〕1号"],
    ["archive", "diff", "罕政发〔2026〕1号", "1", "2"], ["archive", "open", "罕政发〔2026〕1号"],
    ["archive", "catalog", "--year", "2026", "-o", "{root}/目录"], ["archive", "verify"], ["archive", "reindex"],
    ["demo"], ["fonts"], ["new", "通知", "-o", "{root}/新通知.yaml"],
    ["roster"], ["roster", "set", "综合执法局", "--联络员", "高原", "--电话", "0477-8000013"],
]  # fmt: skip


def snapshot(root: Path) -> dict[str, tuple[bool, int, int]]:
    paths = [root, *root.rglob("*")]
    return {str(p.relative_to(root)): (p.is_dir(), p.stat().st_size if p.is_file() else 0, p.stat().st_mtime_ns)
            for p in paths}  # fmt: skip


def bad_workspace(tmp_path: Path, data: bytes) -> tuple[Path, Path]:
    """A workspace with the given fawen.yaml, an input beside it and one waiting in the inbox."""
    root = tmp_path / "ws"
    ws_store.init(root)
    (root / ws_store.CONFIG_NAME).write_bytes(data)
    seed = root / "输入" / SEED
    seed.parent.mkdir()
    shutil.copyfile(EXAMPLES / SEED, seed)
    shutil.copyfile(EXAMPLES / SEED, root / "inbox" / SEED)
    (root / "子目录" / "更深").mkdir(parents=True)
    return root, seed


def assert_names_the_problem(message: str, case: Bad, config: Path) -> None:
    assert "错误：配置文件" in message and str(config) in message, message
    assert f"第 {case.line} 行" in message, message
    if case.key:
        assert f"键「{case.key}」" in message, message
    assert case.says in message, message
    rest = message.replace(str(config), "")
    assert not [w for w in ENGLISH if w in rest], message


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_a_bad_configuration_stops_every_command_and_writes_nothing(case, tmp_path, monkeypatch):
    root, seed = bad_workspace(tmp_path, case.data)
    monkeypatch.chdir(root)  # demo and relative outputs would land in the workspace
    before = snapshot(root)
    for command in COMMANDS:
        args = [a.format(root=root, seed=seed) for a in command]
        result = CliRunner().invoke(main, ["-w", str(root), *args])
        assert result.exit_code == 2, (command, result.output, result.exception)
        assert result.stdout == "", (command, result.stdout)
        assert_names_the_problem(result.stderr, case, root / ws_store.CONFIG_NAME)
    assert snapshot(root) == before


@pytest.mark.parametrize("case", CORPUS[::3], ids=[c.id for c in CORPUS[::3]])
def test_a_real_process_in_a_subfolder_stops_on_the_bad_configuration(case, tmp_path):
    root, seed = bad_workspace(tmp_path, case.data)
    before = snapshot(root)
    env = {k: v for k, v in os.environ.items() if k != "FAWEN_WORKSPACE"}
    done = subprocess.run([str(FAWEN), "file", str(seed)], cwd=root / "子目录" / "更深", env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert_names_the_problem(done.stderr, case, root / ws_store.CONFIG_NAME)
    assert snapshot(root) == before


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    text = replaced("  通知: Y", "  通知: 永久x")
    text = text.replace("机构问题: XF", "机构问题: 信访").replace("    请示: 罕政请", "") + "\n颜色: 红\n"
    with pytest.raises(configuration.ConfigError) as caught:
        configuration.read_config("fawen.yaml", text.encode("utf-8"))
    keys = [p.key for p in caught.value.problems]
    assert keys == ["机关.机关代字.请示", "保管期限.通知", "机构问题", "颜色"], caught.value.message
    assert "有 4 处问题" in caught.value.message


@pytest.mark.parametrize(("written", "code"), [("Y", "Y"), ("永久", "Y"), ("30年", "D30"), ("定期30年", "D30"),
                                               ("D30", "D30"), ("10年", "D10"), ("定期10年", "D10"), ("d10", "D10")])
def test_retention_words_are_normalised_to_codes(written, code):
    config = configuration.read_config("fawen.yaml", replaced("  通知: Y", f"  通知: {written}").encode("utf-8"))
    assert config.retention["通知"] == code


def test_the_serial_kinds_need_no_code_and_may_not_have_one():
    config = configuration.read_config("fawen.yaml", SAMPLE.encode("utf-8"))
    assert set(config.organ.codes) == {"通知", "会议通知", "专题报告", "请示"}
    text = replaced("    请示: 罕政请", "    请示: 罕政请\n    会议纪要: 罕纪")
    with pytest.raises(configuration.ConfigError, match="会议纪要以期号编号"):
        configuration.read_config("fawen.yaml", text.encode("utf-8"))


# the shared examples' configuration when ../shared is beside the clone (a user's clone has none)
SAMPLES = {"root": ws_store.REPO_ROOT / ws_store.CONFIG_NAME, "examples": ws_store.SAMPLE_CONFIG,
           **({"shared": SHARED_EXAMPLES / ws_store.SAMPLE_CONFIG.name} if SHARED_EXAMPLES.is_dir() else {})}


@pytest.mark.parametrize("path", list(SAMPLES.values()), ids=list(SAMPLES))
def test_the_sample_configurations_load_clean(path):
    config = ws_store.load_config_file(path)
    assert config.organ.fonds == "F071" and config.problem_code == "XF" and config.code_profile == "DA/T 22-2015"
    assert config.retention == {"通知": "Y", "会议通知": "D10", "会议纪要": "Y", "督查通报": "D30", "专题报告": "Y",
                                "请示": "Y"}  # fmt: skip
    assert config.timezone == "Asia/Shanghai" and config.operator == ""
    assert len(config.meeting.members) == 8 and config.meeting.office_head.name == "刘海涛"


def test_init_writes_a_valid_configuration_with_chinese_comments(tmp_path):
    target = ws_store.init(tmp_path / "镇政府")
    ws_store.load(target.parent)
    comments = [row.split("#", 1)[1] for row in target.read_text(encoding="utf-8").split("\n") if "#" in row]
    assert len(comments) >= 10
    assert all(re.search(r"[\u4e00-\u9fff]", c) for c in comments), comments


def test_timezone_and_operator_are_read(workspace):
    workspace = with_config(workspace, "操作员: 张丽")
    assert workspace.config.operator == "张丽" and workspace.config.timezone == "Asia/Shanghai"
    config = configuration.read_config("fawen.yaml", appended("时区: Asia/Tokyo").encode("utf-8"))
    assert config.timezone == "Asia/Tokyo"


def test_with_config_still_reports_a_wrong_line(workspace):
    with pytest.raises(configuration.ConfigError, match="键「允许涉密」：「也许」不是是/否"):
        with_config(workspace, "允许涉密: 也许")


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "FAWEN_WORKSPACE"}
    return subprocess.run([str(FAWEN), *args], cwd=cwd, env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_commands_find_the_workspace_from_a_nested_subfolder(workspace, tmp_path):
    deep = workspace.root / "收文" / "2026" / "十一月"
    deep.mkdir(parents=True)
    shutil.copyfile(EXAMPLES / SEED, deep / SEED)
    done = _run(deep, "validate", SEED)
    assert done.returncode == 0, done.stderr
    assert "校验通过" in done.stdout
    broken = tmp_path / "坏工作区"
    broken.mkdir()
    (broken / ws_store.CONFIG_NAME).write_text(replaced("  通知: Y", "  通知: 永久x"), encoding="utf-8")
    env_first = _run(deep, "validate", SEED, env={"FAWEN_WORKSPACE": str(broken)})
    assert env_first.returncode == 2 and str(broken / ws_store.CONFIG_NAME) in env_first.stderr
    option_first = _run(broken, "-w", str(workspace.root), "validate", str(deep / SEED))
    assert option_first.returncode == 0, option_first.stderr


def test_the_nearest_workspace_wins_and_none_found_says_how_to_make_one(workspace, tmp_path):
    inner = workspace.root / "分站"
    ws_store.init(inner)
    (inner / "a" / "b").mkdir(parents=True)
    assert ws_store.find_root(inner / "a" / "b") == inner.resolve()
    assert ws_store.find_root(workspace.root / "examples") == workspace.root.resolve()
    lonely = tmp_path / "别处" / "子"
    lonely.mkdir(parents=True)
    assert ws_store.find_root(lonely) == lonely.resolve()  # nothing above the test folder holds fawen.yaml
    done = _run(lonely, "status")
    assert done.returncode == 2
    assert "不是 fawen 工作区：找不到 fawen.yaml" in done.stderr and "fawen init" in done.stderr
    assert not (lonely / "inbox").exists() and not (lonely / "outbox").exists()


def test_an_input_cannot_put_an_unsafe_problem_code_into_the_archive(workspace, tmp_path):
    src = tmp_path / "越界.yaml"
    src.write_text("文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n成文日期: 2026-11-12\n机构问题: ../信访\n",
                   encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "file", str(src)])
    assert result.exit_code == 1
    assert "第 5 行，键「机构问题」" in result.stderr and "英文字母或数字" in result.stderr
    assert not [p for p in (workspace.root / "outbox").rglob("*") if p.is_file() and "v1" in p.parts]
