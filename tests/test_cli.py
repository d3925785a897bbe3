"""The fawen command: help everywhere, Chinese messages, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.conftest import SEED

COMMANDS = ["init", "render", "validate", "new", "fonts", "demo", "file", "numbers", "numbers void", "archive",
            "archive ls", "archive show", "archive search", "archive history", "archive diff", "archive open",
            "archive catalog", "archive verify", "archive reindex", "watch", "status", "tasks", "tasks ls",
            "tasks show", "tasks rebuild", "tasks update"]  # fmt: skip


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_chinese_help(command):
    result = invoke(*(command.split() if command else []), "--help")
    assert result.exit_code == 0
    assert "用法" in result.output and "选项" in result.output
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output.split("选项")[0])


def _all_commands(group=main, path=()):
    yield path
    for name, sub in getattr(group, "commands", {}).items():
        yield from _all_commands(sub, (*path, name))


# placeholders and words click writes on its own (INTEGER, TEXT, [OPTIONS], COMMAND, [default: …])
ENGLISH = re.compile(r"\b(INTEGER|TEXT|FLOAT|BOOLEAN|PATH|FILES?|FOLDER|DIRECTORY|OPTIONS|COMMAND|ARGS|RANGE|"
                     r"Usage|Options|Commands|Arguments|default|required)\b")  # fmt: skip


def test_no_command_help_holds_english_placeholders():
    commands = list(_all_commands())
    assert len(commands) >= 25  # every command and sub-command, found by walking the group
    for path in commands:
        result = invoke(*path, "--help")
        assert result.exit_code == 0, path
        assert not ENGLISH.search(result.output), (path, ENGLISH.search(result.output)[0])


def test_click_value_errors_are_chinese(workspace):
    result = invoke("-w", str(workspace.root), "archive", "diff", "x", "v1", "2")
    assert result.exit_code == 2 and "'v1' 不是有效的整数" in result.output and "valid" not in result.output


def test_render_writes_docx_and_pdf(workspace, tmp_path):
    out = tmp_path / "out"
    result = invoke("-w", str(workspace.root), "render", str(workspace.root / "examples" / SEED), "-o", str(out))
    assert result.exit_code == 0, result.output
    stem = SEED.rsplit(".", 1)[0]
    assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert (out / f"{stem}.docx").read_bytes().startswith(b"PK")
    assert "已生成" in result.stdout


def test_missing_number_shows_a_visible_placeholder(workspace, tmp_path):
    src = tmp_path / "n.yaml"
    src.write_text("文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n成文日期: 2026-11-12\n", encoding="utf-8")
    assert invoke("-w", str(workspace.root), "render", str(src), "-o", str(tmp_path)).exit_code == 0
    from tests.support import PdfFacts

    assert PdfFacts(tmp_path / "n.pdf").find("罕政发").text == "罕政发〔2026〕□号"


def test_invalid_input_exits_1_with_the_key_and_line(workspace, tmp_path):
    src = tmp_path / "bad.yaml"
    src.write_text("文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n成文日期: 2026-02-30\n", encoding="utf-8")
    result = invoke("-w", str(workspace.root), "render", str(src), "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "bad.yaml" in result.stderr and "第 4 行" in result.stderr and "成文日期" in result.stderr
    assert not (tmp_path / "bad.pdf").exists()


def test_one_bad_file_does_not_stop_the_others(workspace, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("文种: 通知\n", encoding="utf-8")
    good = workspace.root / "examples" / SEED
    result = invoke("-w", str(workspace.root), "render", str(bad), str(good), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert (tmp_path / "o" / (SEED.rsplit(".", 1)[0] + ".pdf")).exists()
    assert "共 2 个文件：成功 1 个，输入有误 1 个" in result.stdout


def test_every_example_renders(workspace, tmp_path):
    files = [str(p) for p in sorted((workspace.root / "examples").glob("0*"))]
    result = invoke("-w", str(workspace.root), "render", *files, "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"共 {len(files)} 个文件：成功 {len(files)} 个" in result.stdout
    assert len(list(tmp_path.glob("*.pdf"))) == len(files) == len(list(tmp_path.glob("*.docx")))


def test_usage_errors_exit_2(workspace):
    assert invoke("-w", str(workspace.root), "render").exit_code == 2
    result = invoke("-w", str(workspace.root), "render", "no-such-file.yaml")
    assert result.exit_code == 2 and "不存在" in result.stderr
    assert invoke("new", "公告").exit_code == 2


def test_without_a_workspace_commands_say_how_to_create_one(tmp_path):
    src = tmp_path / "a.yaml"
    src.write_text("文种: 通知\n", encoding="utf-8")
    result = invoke("-w", str(tmp_path), "validate", str(src))
    assert result.exit_code == 2
    assert "fawen.yaml" in result.stderr and "fawen init" in result.stderr


def test_workspace_from_the_environment(workspace, tmp_path):
    src = workspace.root / "examples" / SEED
    result = invoke("validate", str(src), env={"FAWEN_WORKSPACE": str(workspace.root)})
    assert result.exit_code == 0, result.output


def test_init_creates_a_workspace_once(tmp_path):
    target = tmp_path / "镇政府"
    assert invoke("init", str(target)).exit_code == 0
    assert (target / "fawen.yaml").is_file() and (target / "inbox").is_dir() and (target / "outbox").is_dir()
    again = invoke("init", str(target))
    assert again.exit_code == 2 and "已存在" in again.stderr


def test_validate_json_lists_every_problem(workspace, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("文种: 通知\n发文字号: 罕政发[2026]7号\n", encoding="utf-8")
    good = workspace.root / "examples" / SEED
    result = invoke("-w", str(workspace.root), "validate", "--json", str(good), str(bad))
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert rows[0]["有效"] is True and rows[1]["有效"] is False
    keys = {p["键"] for p in rows[1]["问题"]}
    assert {"标题", "正文", "发文字号"} <= keys
    assert [p for p in rows[1]["问题"] if p["键"] == "发文字号"][0]["行"] == 2


@pytest.mark.parametrize("kind", ["通知", "会议通知", "会议纪要", "督查通报", "专题报告", "请示"])
def test_new_skeleton_validates_and_renders(workspace, tmp_path, kind):
    target = tmp_path / f"新{kind}.yaml"
    assert invoke("-w", str(workspace.root), "new", kind, "-o", str(target)).exit_code == 0
    assert invoke("-w", str(workspace.root), "validate", str(target)).exit_code == 0
    result = invoke("-w", str(workspace.root), "render", str(target), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "草稿" not in result.stdout
    assert invoke("-w", str(workspace.root), "new", kind, "-o", str(target)).exit_code == 2  # never overwrites


def test_demo_renders_the_examples_into_a_fresh_folder(tmp_path):
    out = tmp_path / "demo"
    cwd = os.getcwd()
    os.chdir(tmp_path)  # no workspace here: the demo uses the sample organ
    try:
        result = invoke("demo", "-o", str(out))
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert SEED.replace(".yaml", ".pdf") in pdfs
    assert len(list(out.glob("*.docx"))) == len(pdfs)
    shutil.rmtree(out)


def test_fawen_help_lists_every_command_with_its_own_help_without_loading_them():
    """``fawen --help`` names each command from a table (its module is loaded only when used):
    the table says what each command's own docstring says, and names every command there is."""
    import subprocess
    import sys

    from pipeline.cli import load_all
    from pipeline.cli.common import COMMANDS
    from pipeline.cli.common import main as group

    probe = ("import sys, pipeline.cli, click.testing as t; r = t.CliRunner().invoke(pipeline.cli.main, ['--help']); "
             "print(r.output); print(sorted(m for m in sys.modules if m.startswith(('pipeline.cli.', 'pipeline.run', 'reportlab', 'docx'))))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "['pipeline.cli.common']" in out  # nothing but the group was imported
    load_all()
    assert sorted(COMMANDS) == sorted(group.commands)
    for name, (_modules, short) in COMMANDS.items():
        assert group.commands[name].get_short_help_str(200) == short, name
        assert f"{name}  " in out and short in out


def test_the_fawen_program_ends_validate_at_once_with_every_line_said_and_its_exit_code(workspace, tmp_path):
    """``fawen validate`` ends its process without the interpreter's teardown (cli.common.script):
    what it printed must all be out first, and its exit code kept."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    good = [tmp_path / f"通知{i}.yaml" for i in range(40)]
    for path in good:
        shutil.copyfile(workspace.root / "examples" / SEED, path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("文种: 通知\n发文字号: 罕政发[2026]7号\n", encoding="utf-8")
    fawen = [sys.executable, "-m", "pipeline", "-w", str(workspace.root), "validate"]

    passed = subprocess.run([*fawen, *map(str, good)], capture_output=True, text=True, timeout=120)
    assert passed.returncode == 0, passed.stderr
    assert passed.stdout.count("校验通过") == 40 and passed.stdout.endswith("\n")

    failed = subprocess.run([*fawen, *map(str, good[:2]), str(bad)], capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert failed.stdout.count("校验通过") == 2 and "bad.yaml" in failed.stderr and "标题" in failed.stderr

    listed = subprocess.run([*fawen, "--json", *map(str, good), str(bad)], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 1 and len(json.loads(listed.stdout)) == 41
