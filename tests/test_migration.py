"""Archives made by fawen 0.1 (the first wave, commit 15f06c6) still open, list, verify, rebuild
and take new versions with the current code: the index and the registry are migrated in place."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main

REPO = Path(__file__).resolve().parents[1]
FIRST_WAVE = "15f06c6"
# files every example with the old code (its own package first on the path), then a second
# version of the meeting notice: python -c OLD_FILER <old tree> <workspace>
OLD_FILER = textwrap.dedent("""
    import datetime as dt, shutil, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import pipeline
    assert pipeline.__file__.startswith(sys.argv[1]), pipeline.__file__
    from pipeline import run
    from pipeline.store import workspace as ws_store
    root = Path(sys.argv[2])
    ws_store.init(root)
    shutil.copytree(sys.argv[3], root / "examples")
    ws = ws_store.load(root)
    now = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc)
    for path in sorted((root / "examples").glob("0*")):
        run.file_document(path, ws, dt.date(2026, 11, 24), now)
    notice = root / "examples" / "002-全体会议通知.yaml"
    notice.write_text(notice.read_text(encoding="utf-8").replace("三楼会议室", "五楼会议室"), encoding="utf-8")
    run.file_document(notice, ws, dt.date(2026, 11, 24), now)
""")


@pytest.fixture(scope="module")
def old_workspace(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("migration")
    tree = base / "fawen-0.1"
    tree.mkdir()
    packed = subprocess.run(["git", "-C", str(REPO), "archive", FIRST_WAVE, "pipeline", "templates", "examples"],
                            check=True, capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
        tar.extractall(tree, filter="data")
    root = base / "ws"
    subprocess.run([sys.executable, "-c", OLD_FILER, str(tree), str(root), str(tree / "examples")], check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    return root


def cli(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(root), *args])
    assert result.exit_code == code, result.output
    return result.stdout


def test_an_old_archive_lists_verifies_and_rebuilds(old_workspace):
    listing = json.loads(cli(old_workspace, "archive", "ls", "--json"))
    assert len(listing) == 8
    report = json.loads(cli(old_workspace, "archive", "verify", "--json"))
    assert len(report) == 9 and all(not r["问题"] for r in report), report
    # rebuilt with today's rules: versions whose layout rules changed since (titles broken
    # between words, statistics before 下步要求, a meeting's time printed with its weekday and
    # 上午/下午, an attached file's pages set inside the 版心 with 附件N on its first page) show as
    # differences, never as a crash; the others rebuild identically
    rebuilt = json.loads(cli(old_workspace, "archive", "verify", "--rebuild", "--json", code=1))
    problems = [p for r in rebuilt for p in r["问题"]]
    assert problems and all(p.startswith("重新生成与存档不符：") for p in problems), problems
    same = {r["件"].split(" ", 1)[0].rsplit("/", 1)[-1] for r in rebuilt if not r["问题"]}
    assert {"F071-WS·2021-Y-XF-0001", "F071-WS·2026-Y-XF-0003"} <= same, rebuilt
    attached = next(r for r in rebuilt if "F071-WS·2026-Y-XF-0004" in r["件"])  # the 请示 with a PDF attached
    assert any("第 3 页文字不同" in p for p in attached["问题"]), attached
    hits = json.loads(cli(old_workspace, "archive", "search", "五楼会议室", "--json"))
    assert [h["文种"] for h in hits] == ["会议通知"] and "【五楼会议室】" in hits[0]["摘要"]
    history = json.loads(cli(old_workspace, "archive", "history", "罕政发〔2026〕1号", "--json"))
    assert [h["版本"] for h in history] == [1, 2]  # fawen 0.1 did not see the meeting block change
    cli(old_workspace, "numbers", "--json")


def test_an_old_serial_takes_a_new_version_named_by_its_series(old_workspace):
    minutes = old_workspace / "examples" / "003-全体会议纪要.yaml"
    minutes.write_text(minutes.read_text(encoding="utf-8").replace("三楼会议室", "四楼会议室"), encoding="utf-8")
    out = cli(old_workspace, "file", str(minutes), "--json")
    filed = json.loads(out)[0]
    assert filed["结果"] == "已归档" and filed["版本"] == 2
    assert filed["文号"] == "罕台镇信访工作联席会议纪要 2026年第4期"
    diff = cli(old_workspace, "archive", "diff", filed["档号"], "1", "2")
    assert "四楼会议室" in diff
    report = json.loads(cli(old_workspace, "archive", "verify", "--json"))
    assert all(not r["问题"] for r in report), report
