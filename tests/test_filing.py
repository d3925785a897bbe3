"""E-filing: numbers, the versioned archive tree, stamps, metadata, fixity, verification."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from pipeline import run
from pipeline.cli import main
from pipeline.dat22 import ARCHIVE_CODE_RE
from tests.conftest import TODAY
from tests.conftest import example_files
from tests.conftest import file_examples
from tests.support import PdfFacts

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
REPO = Path(__file__).resolve().parents[1]
# a separate process that files every input of a folder: python -c FILER <workspace> <folder>
FILER = textwrap.dedent(f"""
    import datetime as dt, sys
    from pathlib import Path
    sys.path.insert(0, {str(REPO)!r})
    from pipeline import run
    from pipeline.store import workspace as ws_store
    ws = ws_store.load(Path(sys.argv[1]))
    for path in sorted(Path(sys.argv[2]).glob("*.yaml")):
        run.file_document(path, ws, dt.date(2026, 11, 24), dt.datetime.now().astimezone())
""")


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    return file_examples(tmp_path_factory, "archive", NOW)


def test_every_example_becomes_one_entry_with_its_files(filed):
    workspace, results = filed
    assert len(results) == 8 and all(not r.duplicate and r.version == 1 for r in results.values())
    codes = [r.archive_code for r in results.values()]
    assert len(set(codes)) == 8
    for name, r in results.items():
        assert ARCHIVE_CODE_RE.match(r.archive_code), r.archive_code
        files = sorted(p.name for p in r.folder.iterdir())
        suffix = Path(name).suffix
        assert {"正本.pdf", "归档.pdf", "公文.docx", f"输入{suffix}", "元数据.json", "manifest-sha256.txt"} <= set(files)
        assert (r.folder / f"输入{suffix}").read_bytes() == (workspace.root / "examples" / name).read_bytes()
        for p in r.folder.rglob("*"):
            if p.is_file():
                assert not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), p  # read-only
        record = json.loads((r.folder / "元数据.json").read_text(encoding="utf-8"))
        assert record["档号"] == r.archive_code and record["版本"] == 1 and record["题名"]
        assert {c["文件"] for c in record["组件"]} >= {"正本.pdf", "归档.pdf", "公文.docx"}
        assert record["页数"] == len(PdfReader(r.folder / "正本.pdf").pages)
    assert results["001-印发制度的通知.yaml"].number == "罕政发〔2021〕35号"
    assert results["002-全体会议通知.yaml"].number == "罕政发〔2026〕1号"
    assert results["003-全体会议纪要.yaml"].number == "罕台镇信访工作联席会议纪要 2026年第4期"


def test_item_numbers_run_without_gaps_in_each_class(filed):
    _, results = filed
    by_class: dict[str, list[int]] = {}
    for r in results.values():
        m = ARCHIVE_CODE_RE.match(r.archive_code)
        by_class.setdefault(f"{m['year']}-{m['ret']}-{m['prob']}", []).append(int(m["item"]))
    for items in by_class.values():
        assert sorted(items) == list(range(1, len(items) + 1))


def test_the_archive_stamp_is_on_the_archival_copy_only(filed):
    _, results = filed
    r = results["001-印发制度的通知.yaml"]
    archival = PdfFacts(r.folder / "归档.pdf")
    box = archival.ink_box(1, 0, 0, 210, 36.5, red=True)
    assert box is not None
    x0, y0, x1, y1 = box
    assert abs((x1 - x0) - 45) <= 1.0 and abs((y1 - y0) - 16) <= 1.0 and abs((x0 + x1) / 2 - 105) <= 1.0
    from tests.support import is_red

    for ln in archival.lines:  # never over the document's own text
        if ln.page == 1 and ln.top < y1 + 1 and not all(is_red(c) for c in ln.colours()):
            assert ln.bottom < y0 or ln.top > y1 or ln.x1 < x0 or ln.x0 > x1, ln.text
    assert "2021" in "".join(c["text"] for c in archival.pages[0].chars if c["top"] < 37 * 72 / 25.4)
    distribution = PdfFacts(r.folder / "正本.pdf")
    assert distribution.ink_box(1, 0, 0, 210, 36.5, red=True) is None


def test_version_metadata_is_in_both_pdfs_and_the_docx(filed):
    _, results = filed
    r = results["002-全体会议通知.yaml"]
    for name in ("正本.pdf", "归档.pdf"):
        reader = PdfReader(r.folder / name)
        info = reader.metadata
        assert info["/Subject"] == r.number and info["/FawenArchiveCode"] == r.archive_code
        assert info["/FawenVersion"] == "1" and len(info["/FawenInputSHA256"]) == 64
        xmp = reader.xmp_metadata
        assert xmp is not None and xmp.dc_title["x-default"].startswith("关于召开")
        assert reader.trailer["/Root"]["/Metadata"]["/Subtype"] == "/XML"
    props = Document(r.folder / "公文.docx").core_properties
    assert props.identifier == r.archive_code and props.version == "1" and props.subject == r.number


def test_the_digest_each_file_carries_is_named_for_what_it_covers(filed):
    """For an input with an attached file the digest the files carry covers the input and its
    files (内容SHA256), not the input alone: the DOCX and the OFD used to call it 「输入 SHA-256」."""
    import re
    import zipfile

    _, results = filed
    r = results["007-请示.yaml"]
    record = json.loads((r.folder / "元数据.json").read_text(encoding="utf-8"))
    content = record["内容SHA256"]
    assert content != record["输入SHA256"]  # it has an attached file
    for name in ("正本.pdf", "归档.pdf", "发文稿纸.pdf"):
        assert PdfReader(r.folder / name).metadata["/FawenInputSHA256"] == content, name
    comments = Document(r.folder / "公文.docx").core_properties.comments
    assert f"内容 SHA-256 {content}" in comments and "输入 SHA-256" not in comments, comments
    with zipfile.ZipFile(r.folder / "归档.ofd") as package:
        (doc,) = [package.read(n).decode("utf-8") for n in package.namelist() if n.endswith("OFD.xml")]
    assert re.search(rf'Name="内容 SHA-256">{content}<', doc) and "输入 SHA-256" not in doc, doc[:3000]


def test_refiling_makes_a_new_version_and_keeps_the_old_one(tmp_path, workspace):
    src = workspace.root / "examples" / "006-专题报告.yaml"
    first = run.file_document(src, workspace, TODAY, NOW)
    before = {p.name: p.read_bytes() for p in first.folder.iterdir()}
    again = run.file_document(src, workspace, TODAY, NOW)
    assert again.duplicate and again.archive_code == first.archive_code
    src.write_text(src.read_text(encoding="utf-8").replace("特此报告。", "妥否，请指示。"), encoding="utf-8")
    second = run.file_document(src, workspace, TODAY, NOW + dt.timedelta(hours=1))
    assert not second.duplicate and second.version == 2 and second.archive_code == first.archive_code
    assert second.number == first.number and second.folder.parent == first.folder.parent
    assert {p.name: p.read_bytes() for p in first.folder.iterdir()} == before  # v1 untouched
    record = json.loads((second.folder / "元数据.json").read_text(encoding="utf-8"))
    assert record["关系"][0]["类型"] == "替代"
    changed = [c for c in record["变更"] if c["字段"].startswith("正文")]
    assert changed and "特此报告。" in changed[0]["原值"] and "妥否，请指示。" in changed[0]["新值"]


def test_verify_finds_changed_missing_and_unexpected_files(tmp_path, workspace):
    for p in example_files(workspace.root / "examples")[:3]:
        run.file_document(p, workspace, TODAY, NOW)
    runner = CliRunner()
    clean = runner.invoke(main, ["-w", str(workspace.root), "archive", "verify", "--json"])
    assert clean.exit_code == 0, clean.output
    folders = sorted(p.parent for p in workspace.outbox.rglob("元数据.json"))
    changed = folders[0] / "正本.pdf"
    changed.chmod(0o644)
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0xFF
    changed.write_bytes(bytes(data))
    missing = folders[1] / "公文.docx"
    missing.chmod(0o644)
    missing.unlink()
    (folders[2] / "多余.txt").write_text("x", encoding="utf-8")
    result = runner.invoke(main, ["-w", str(workspace.root), "archive", "verify", "--json"])
    assert result.exit_code == 1
    problems = " ".join(" ".join(r["问题"]) for r in json.loads(result.stdout))
    assert "文件被改动（摘要不符）：正本.pdf" in problems
    assert "缺少文件：公文.docx" in problems
    assert "多出的文件：多余.txt" in problems


def test_reindex_rebuilds_the_index_from_the_tree(tmp_path, workspace):
    for p in example_files(workspace.root / "examples")[:2]:
        run.file_document(p, workspace, TODAY, NOW)
    (workspace.outbox / ".fawen" / "index.db").unlink()
    for extra in ("index.db-wal", "index.db-shm"):
        (workspace.outbox / ".fawen" / extra).unlink(missing_ok=True)
    runner = CliRunner()
    assert runner.invoke(main, ["-w", str(workspace.root), "archive", "reindex"]).exit_code == 0
    listing = runner.invoke(main, ["-w", str(workspace.root), "archive", "ls", "--json"])
    assert len(json.loads(listing.stdout)) == 2


def test_numbers_are_listed_and_a_number_never_issued_is_not_voided(tmp_path, workspace):
    run.file_document(workspace.root / "examples" / "002-全体会议通知.yaml", workspace, TODAY, NOW)
    runner = CliRunner()
    result = runner.invoke(main, ["-w", str(workspace.root), "numbers", "void", "罕政发〔2026〕9号", "--reason", "误编"])
    assert result.exit_code == 1 and "从未发出" in result.stderr and "下一个是罕政发〔2026〕2号" in result.stderr
    rows = json.loads(runner.invoke(main, ["-w", str(workspace.root), "numbers", "--json"]).stdout)
    states = {(r["类别"], r["系列"], r["序号"]): r["状态"] for r in rows}
    assert states[("发文字号", "罕政发", 1)] == "已使用"
    assert ("发文字号", "罕政发", 9) not in states


def test_a_given_number_held_by_another_document_is_refused(tmp_path, workspace):
    run.file_document(workspace.root / "examples" / "001-印发制度的通知.yaml", workspace, TODAY, NOW)
    other = workspace.root / "examples" / "clash.yaml"
    other.write_text("文种: 通知\n发文字号: 罕政发〔2021〕35号\n标题: 关于另一件事的通知\n正文: 内容不同。\n"
                     "成文日期: 2021-10-01\n标识: 另一件\n", encoding="utf-8")  # fmt: skip
    from pipeline.errors import FawenError

    with pytest.raises(FawenError, match="已被另一份公文使用"):
        run.file_document(other, workspace, TODAY, NOW)


def test_drafts_are_not_filed(tmp_path, workspace):
    src = workspace.root / "examples" / "003-全体会议纪要.yaml"
    text = src.read_text(encoding="utf-8")
    src.write_text(text.split("审定:")[0] + "分送: 联席会议各成员单位\n", encoding="utf-8")
    from pipeline.errors import FawenError

    with pytest.raises(FawenError, match="草稿"):
        run.file_document(src, workspace, TODAY, NOW)
    # refused before numbering: the 第4期 it bears is not burnt, and the minutes once 审定 take it
    assert run.open_registry(workspace).records() == []
    src.write_text(text, encoding="utf-8")
    filed = run.file_document(src, workspace, TODAY, NOW)
    assert "第4期" in filed.number
    rows = run.open_registry(workspace).records(kind="期号")
    assert [(r.seq, r.status) for r in rows] == [(1, "skipped"), (2, "skipped"), (3, "skipped"), (4, "issued")]


@pytest.mark.slow
def test_eight_processes_filing_fifty_each_get_distinct_gapless_numbers(tmp_path, workspace):
    script = FILER
    for proc in range(8):
        folder = tmp_path / f"p{proc}"
        folder.mkdir()
        for i in range(50):
            (folder / f"n{i:02d}.yaml").write_text(
                f"文种: 通知\n标题: 关于第{proc}组第{i}项工作的通知\n正文: 请第{proc}组落实第{i}项工作。\n"
                f"成文日期: 2026-11-24\n标识: 并发-{proc}-{i}\n", encoding="utf-8")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(workspace.root), str(tmp_path / f"p{k}")], env=env,
                              stderr=subprocess.PIPE) for k in range(8)]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err.decode("utf-8", "replace")[-2000:]
    rows = [r for r in run.open_registry(workspace).records() if r.kind == "发文字号"]
    seqs = sorted(r.seq for r in rows if r.series == "罕政发" and r.year == 2026)
    assert seqs == list(range(1, 401))
    assert all(r.status == "issued" for r in rows)
    assert len({r.identity for r in rows}) == 400
    entries = list(workspace.outbox.rglob("元数据.json"))
    assert len(entries) == 400


def test_browsing_search_history_diff_open_and_catalogue(tmp_path, workspace):
    for p in example_files(workspace.root / "examples"):
        run.file_document(p, workspace, TODAY, NOW)
    src = workspace.root / "examples" / "001-印发制度的通知.yaml"
    src.write_text(src.read_text(encoding="utf-8").replace("认真贯彻执行", "认真贯彻落实"), encoding="utf-8")
    run.file_document(src, workspace, TODAY, NOW)
    runner = CliRunner()
    w = ["-w", str(workspace.root)]

    def call(*args):
        result = runner.invoke(main, [*w, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    # 欠薪: the bulletin, the 研判 report and the 纪要 whose 议定事项 orders the 欠薪 督查
    for query, expected in (("补偿款", 3), ("信访", 7), ("欠薪", 3), ("罕政报", 2)):
        hits = json.loads(call("archive", "search", query, "--json"))
        assert len(hits) == expected, (query, [h["题名"] for h in hits])
    assert json.loads(call("archive", "search", "不存在的词语", "--json")) == []
    listing = json.loads(call("archive", "ls", "--year", "2026", "--retention", "Y", "--json"))
    assert len(listing) == 5 and all(e["年度"] == 2026 and e["保管期限"] == "Y" for e in listing)
    assert len(json.loads(call("archive", "ls", "--kind", "会议纪要", "--json"))) == 2
    history = json.loads(call("archive", "history", "罕政发〔2021〕35号", "--json"))
    assert [h["版本"] for h in history] == [1, 2] and [c["字段"][:3] for c in history[1]["变更"]] == ["正文["]
    diff = call("archive", "diff", "罕政发〔2021〕35号", "1", "2")
    assert "正文[" in diff and "贯彻执行" in diff and "→" in diff and "贯彻落实" in diff
    shown = json.loads(call("archive", "show", "罕政发〔2021〕35号", "--json"))
    assert len(shown["版本"]) == 2 and shown["元数据"]["版本"] == 2
    path = Path(call("archive", "open", "罕政发〔2021〕35号").strip())
    assert path.name == "正本.pdf" and path.parent.name == "v2" and path.is_file()
    stamped = Path(call("archive", "open", "罕政发〔2021〕35号", "--copy", "归档", "--version", "1").strip())
    assert stamped.name == "归档.pdf" and stamped.parent.name == "v1" and stamped.read_bytes().startswith(b"%PDF")
    editable = Path(call("archive", "open", "罕政发〔2021〕35号", "--copy", "docx").strip())
    assert editable.name == "公文.docx" and editable.parent.name == "v2" and editable.is_file()
    rows = json.loads(call("archive", "catalog", "--year", "2026", "--json"))
    assert [r["序号"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)] and len(rows) == 6
    assert all(len(r["日期"]) == 8 and r["日期"].isdigit() for r in rows)
    out = tmp_path / "目录"
    call("archive", "catalog", "--year", "2026", "-o", str(out))
    from openpyxl import load_workbook

    sheet = load_workbook(out / "2026年度归档文件目录.xlsx").active
    assert [c.value for c in sheet[1]] == ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注"]
    assert sheet.max_row == 7
    assert (out / "2026年度归档文件目录.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    pdf = PdfReader(out / "2026年度归档文件目录.pdf")
    box = pdf.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    assert "F071-WS·2026-Y-XF-0001" in pdf.pages[0].extract_text()


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_leaves_no_half_entry(tmp_path, workspace):
    import random
    import signal
    import time

    script = FILER
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(200):
        (inputs / f"n{i:03d}.yaml").write_text(
            f"文种: 通知\n标题: 关于第{i}项工作的通知\n正文: 请落实第{i}项工作。\n成文日期: 2026-11-24\n", encoding="utf-8")
    rng = random.Random(20261124)
    kills = 0
    for _attempt in range(200):
        proc = subprocess.Popen([sys.executable, "-c", script, str(workspace.root), str(inputs)],
                                stderr=subprocess.PIPE)  # fmt: skip
        if kills < 25:
            time.sleep(rng.uniform(0.8, 2.5))  # past the imports, somewhere inside a filing
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
        _, err = proc.communicate(timeout=600)
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL, err.decode("utf-8", "replace")[-2000:]
    assert kills >= 10
    # one more run after the last kill settles whatever it left
    subprocess.run([sys.executable, "-c", script, str(workspace.root), str(inputs)], check=True)
    runner = CliRunner()
    result = runner.invoke(main, ["-w", str(workspace.root), "archive", "verify", "--json"])
    assert result.exit_code == 0, result.stdout[-3000:]
    assert not list((workspace.outbox / ".staging").iterdir())
    metas = list(workspace.outbox.rglob("元数据.json"))
    identities = [json.loads(m.read_text(encoding="utf-8"))["标识"] for m in metas]
    assert len(identities) == len(set(identities)) == 200  # each input filed exactly once
    rows = run.open_registry(workspace).records()
    numbers = [r for r in rows if r.kind == "发文字号"]
    assert not [r for r in rows if r.status not in ("issued", "voided")]  # the rows themselves when it fails
    assert sorted(r.seq for r in numbers) == list(range(1, len(numbers) + 1))  # nothing skipped
    issued = [r for r in numbers if r.status == "issued"]
    assert len(issued) == 200
    archived = {json.loads(m.read_text(encoding="utf-8"))["文号"] for m in metas}
    assert archived == {f"罕政发〔2026〕{r.seq}号" for r in issued}


# a filer that dies (as under SIGKILL: no cleanup) once its version is in the tree, before the
# numbers drawn for it are issued: python -c DYING_FILER <workspace> <input>
DYING_FILER = textwrap.dedent(f"""
    import datetime as dt, os, sys
    from pathlib import Path
    sys.path.insert(0, {str(REPO)!r})
    from pipeline import run
    from pipeline.store import workspace as ws_store
    run._issue_numbers = lambda *args: os._exit(137)
    ws = ws_store.load(Path(sys.argv[1]))
    run.file_document(Path(sys.argv[2]), ws, dt.date(2026, 11, 24), dt.datetime.now().astimezone())
""")


def test_a_filer_dead_between_landing_and_issuing_its_numbers_is_settled_by_the_next(tmp_path, workspace):
    """The 件 it put in place keeps its 发文字号 and its 件号 in the registry, issued: the next new
    件's 件号 is no longer recorded as having skipped it (found by the SIGKILL test)."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(2):
        (inputs / f"n{i}.yaml").write_text(
            f"文种: 通知\n标题: 关于第{i}项工作的通知\n正文: 请落实第{i}项工作。\n成文日期: 2026-11-24\n", encoding="utf-8")
    died = subprocess.run([sys.executable, "-c", DYING_FILER, str(workspace.root), str(inputs / "n0.yaml")],
                          capture_output=True)  # fmt: skip
    assert died.returncode == 137, died.stderr.decode("utf-8", "replace")[-2000:]
    landed = [m.parent.parent.name for m in workspace.outbox.rglob("元数据.json")]
    assert len(landed) == 1 and landed[0].startswith("F071-WS·2026-Y-XF-0001 "), landed
    before = {(r.kind, r.seq): r.status for r in run.open_registry(workspace).records()}
    assert before == {("发文字号", 1): "reserved"}  # what the dead filer left
    subprocess.run([sys.executable, "-c", FILER, str(workspace.root), str(inputs)], check=True)  # n1 filed, n0 again
    rows = run.open_registry(workspace).records()
    assert {(r.kind, r.seq): (r.status, r.identity) for r in rows} == {
        ("发文字号", 1): ("issued", "文件:通知:n0"), ("发文字号", 2): ("issued", "文件:通知:n1"),
        ("件号", 1): ("issued", "文件:通知:n0"), ("件号", 2): ("issued", "文件:通知:n1")}  # fmt: skip
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "verify"])
    assert result.exit_code == 0, result.output[-3000:]


def test_verify_reports_a_filed_item_number_the_registry_records_as_unused(filed):
    """A 件号 a 件 holds, recorded in the registry as skipped (or voided, or reserved), is a
    disagreement between the registry and the archive: verify names the 件 and the status."""
    import sqlite3

    workspace, results = filed
    db = sqlite3.connect(workspace.root / ".fawen" / "registry.db")
    try:
        with db:
            db.execute("UPDATE numbers SET status='skipped' WHERE kind='件号' AND seq=1")
        result = CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "verify"])
        assert result.exit_code == 1
        assert "件号" in result.output and "0001" in result.output and "已跳过" in result.output
    finally:
        with db:
            db.execute("UPDATE numbers SET status='issued' WHERE kind='件号' AND seq=1")
        db.close()
    assert CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "verify"]).exit_code == 0


def test_a_warm_worker_files_its_first_input_without_importing_a_renderer(workspace):
    """The inbox worker warms up (pipeline.worker._warm_up) before any input's time budget starts:
    the first filing then imports no stage of its own (the renderers behind them, reportlab,
    pypdf, docxtpl, fontTools and lxml, take about a second), while a command that only reads
    imports none of them at all."""
    script = textwrap.dedent(f"""
        import datetime as dt, json, sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO)!r})
        from pipeline import run, worker
        from pipeline.store import workspace as ws_store
        heavy = ("reportlab", "pypdf", "docx", "docxtpl", "fontTools", "lxml")
        renderers = ("pipeline.stages.attach", "pipeline.stages.typeset_pdf", "pipeline.stages.render_docx",
                     "pipeline.stages.stamp", "pipeline.stages.dispatch_form", "pipeline.stages.ofd",
                     "pipeline.ofdfonts", "pipeline.pdfa", "pipeline.store.convert")
        ws = ws_store.load(Path(sys.argv[1]))
        run.open_registry(ws).records()  # what fawen numbers does
        before_warm = {{m for m in sys.modules if m.split(".")[0] in heavy or m in renderers}}
        worker._warm_up(ws)
        warm = set(sys.modules)
        run.file_document(Path(sys.argv[2]), ws, dt.date(2026, 11, 24), dt.datetime.now().astimezone())
        late = {{m for m in set(sys.modules) - warm if m.startswith("pipeline.stages.") or m in renderers}}
        print(json.dumps([sorted(before_warm), sorted(late)]))
    """)
    source = workspace.root / "examples" / "001-印发制度的通知.yaml"
    out = subprocess.run([sys.executable, "-c", script, str(workspace.root), str(source)],
                         capture_output=True, check=True, text=True)  # fmt: skip
    before_warm, late = json.loads(out.stdout.strip().splitlines()[-1])
    assert before_warm == [], before_warm
    assert late == [], late


def test_archive_names_are_safe_on_windows_and_never_nfkc_folded():
    from pipeline.dat22 import safe_name

    name = safe_name('关于“A/B:C*D?”<测试>|的通知\\（〔2026〕）' + "很长" * 40)
    assert not set('\\/:*?"<>|') & set(name) and len(name) <= 60
    assert "〔2026〕" in name and "（" in name  # full-width punctuation kept (no NFKC)
    composed = safe_name("e\u0301")  # decomposed é
    assert composed == "\u00e9"


def test_file_command_reports_each_file_and_goes_on_after_a_bad_one(tmp_path, workspace):
    bad = workspace.root / "examples" / "bad.yaml"
    bad.write_text("文种: 通知\n", encoding="utf-8")
    good = workspace.root / "examples" / "002-全体会议通知.yaml"
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "file", str(bad), str(good)])
    assert result.exit_code == 1
    assert "[1/2]" in result.output and "[2/2]" in result.output and "已归档" in result.stdout
    assert "标题" in result.stderr and "共 2 个文件：成功 1 个，失败 1 个" in result.stdout


def test_verify_reports_a_document_number_row_deleted_changed_or_made_up(filed):
    """The registry's 发文字号 rows against the tree: a row deleted (the next filing would issue
    the number again), a row changed to 已跳过, a used number no 件 holds — each named."""
    import sqlite3

    workspace, _results = filed
    db = sqlite3.connect(workspace.root / ".fawen" / "registry.db")
    kept = db.execute("SELECT * FROM numbers").fetchall()
    try:
        rows = db.execute("SELECT series, year, seq, identity FROM numbers WHERE kind='发文字号' AND status='issued' "
                          "ORDER BY year, seq").fetchall()  # fmt: skip
        assert len(rows) >= 2
        (s1, y1, q1, i1), (_s2, _y2, q2, _i2) = rows[:2]
        with db:
            db.execute("DELETE FROM numbers WHERE kind='发文字号' AND series=? AND year=? AND seq=?", (s1, y1, q1))
            db.execute("UPDATE numbers SET status='skipped' WHERE kind='发文字号' AND seq=? AND identity=?", (q2, _i2))
            db.execute("INSERT INTO numbers (series, kind, year, seq, status, identity, title, changed) "
                       "VALUES (?, '发文字号', ?, 99, 'issued', '文件:通知:ghost', '', '2026-11-24')", (s1, y1))  # fmt: skip
        result = CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "verify"])
    finally:
        with db:
            db.execute("DELETE FROM numbers")
            db.executemany(f"INSERT INTO numbers VALUES ({', '.join('?' * len(kept[0]))})", kept)
        db.close()
    assert result.exit_code == 1, result.output[-3000:]
    out = result.output
    assert "已跳过" in out and f"{q2}号" in out  # the changed row, on the 件 that holds the number
    assert "99号" in out and "找不到这一件" in out  # the made-up one
    assert i1.startswith("文号:") and "没有这一件的发文字号" in out  # a 件 known by its number lost its row
    assert CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "verify"]).exit_code == 0
