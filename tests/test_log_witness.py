"""The archive's chained logs (办理反馈, 信访信息, 联络员备案) are witnessed outside the archive: a
hash chain cannot show its own last lines cut off, removed whole, or replaced by a re-chained
copy, but `archive verify` does, from the registry's record of each log's last line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline.cli import main
from pipeline.store import workspace as ws_store
from pipeline.store.progress import line_digest
from tests.conftest import TODAY
from tests.test_feedback import NOW

FEEDBACK = "督办反馈/反馈记录.jsonl"
INFORMATION = "信访信息/信访信息记录.jsonl"
LIAISONS = "联络员备案.jsonl"


def fawen(workspace: ws_store.Workspace, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def logged(workspace: ws_store.Workspace, tmp_path: Path) -> ws_store.Workspace:
    """Two lines in each log, every one written by fawen."""
    run.file_document(workspace.root / "examples" / "003-全体会议纪要.yaml", workspace, TODAY, NOW)
    for day, status in (("2026-11-21", "办理中"), ("2026-11-23", "已办结")):
        fawen(workspace, "tasks", "update", "纪要2026-4-1", "--单位", "平安建设办公室", "--日期", day, "--状态", status,
              "--进展", f"{day}的进展")  # fmt: skip
    for n, day in enumerate(("2026-11-02", "2026-11-09"), 1):
        source = tmp_path / f"信息{n}.yaml"
        source.write_text(f"文种: 信访信息\n单位: 罕台村\n日期: {day}\n类别: 征地拆迁\n摘要: 第{n}条。\n敏感程度: 一般\n",
                          encoding="utf-8")  # fmt: skip
        fawen(workspace, "info", "add", str(source))
    for unit, person, phone in (("综合执法局", "高原", "0477-8000013"), ("罕台村", "冯兰", "0477-8000016")):
        fawen(workspace, "roster", "set", unit, "--联络员", person, "--电话", phone, "--备案日期", "2026-11-01")
    assert "发现问题 0 项" in fawen(workspace, "archive", "verify")
    return workspace


def findings(workspace: ws_store.Workspace) -> dict[str, list[str]]:
    report = json.loads(fawen(workspace, "archive", "verify", "--json", code=1))
    return {str(r["件"]): list(r["问题"]) for r in report if r["问题"]}


def writable(path: Path) -> Path:
    path.chmod(0o644)
    return path


def rechained(lines: list[dict[str, object]]) -> str:
    """The lines chained again as a forger would (序号, 前摘要, 摘要 recomputed): the chain holds."""
    out, previous = [], ""
    for n, line in enumerate(lines, 1):
        fields = {k: v for k, v in line.items() if k not in ("序号", "前摘要", "摘要")}
        record = {**fields, "序号": n, "前摘要": previous}
        record["摘要"] = line_digest(record)  # the published rule: anyone can chain lines again
        previous = str(record["摘要"])
        out.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("name", [FEEDBACK, INFORMATION, LIAISONS])
def test_a_log_cut_short_is_found(logged, name):
    log = writable(logged.outbox / name)
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(lines[:-1]), encoding="utf-8")  # the chain of what is left is intact
    found = findings(logged)
    assert any("记录被截短：编号登记簿见证到第 2 条，现只有 1 条" in p for p in found[name]), found


@pytest.mark.parametrize("name", [FEEDBACK, INFORMATION])
def test_a_log_removed_whole_is_found(logged, name):
    writable(logged.outbox / name).unlink()
    found = findings(logged)
    assert any("现只有 0 条" in p for p in found[name]), found


def test_a_log_rewritten_and_chained_again_is_found(logged):
    log = writable(logged.outbox / FEEDBACK)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    lines[1]["进展"] = "改写后的进展"
    log.write_text(rechained(lines), encoding="utf-8")
    found = findings(logged)
    assert found[FEEDBACK] == ["第 2 条记录与编号登记簿见证的摘要不符（被改写）"], found


def test_lines_added_outside_fawen_are_found(logged):
    log = writable(logged.outbox / INFORMATION)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    log.write_text(rechained([*lines, {**lines[1], "类别": "劳资纠纷"}, {**lines[1], "类别": "其他"}]), encoding="utf-8")
    found = findings(logged)
    assert found[INFORMATION] == ["第 3—4 条记录未经 fawen 登记（编号登记簿只见证到第 2 条）"], found
