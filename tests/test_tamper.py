"""Tampering with a filed archive: every change `fawen archive verify` must find and name (issue 9),
the filing register (归档登记簿) and its chain, and the archive writer's refusal to leave the archive.

The archive of every example (with a second version of the meeting notice) is filed once per
module; each case works on a copy of the whole workspace (the outbox, links kept as links, and the
workspace's .fawen/ registry)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline.cli import main
from pipeline.errors import FawenError
from pipeline.model import FilingPlan
from pipeline.store import workspace as ws_store
from pipeline.store.archive import Archive
from pipeline.store.archive import ArchivePathError
from pipeline.store.register import REGISTER_NAME
from pipeline.store.register import digest
from tests.conftest import EXAMPLES
from tests.conftest import TODAY
from tests.conftest import example_files

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
NOTICE = "F071-WS·2026-D10-XF-0001"  # the meeting notice: v1 and v2, alone in its class
LAST = "F071-WS·2026-Y-XF-0005"  # the last 件 of 2026/Y/XF
OTHER = "F071-WS·2026-Y-XF-0003"
FOURTH = "F071-WS·2026-Y-XF-0004"  # has 源文件/附件/核查报告.pdf


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tamper") / "ws"
    ws_store.init(root)
    shutil.copytree(EXAMPLES, root / "examples")
    workspace = ws_store.load(root)
    for path in example_files(root / "examples"):
        run.file_document(path, workspace, TODAY, NOW)
    notice = root / "examples" / "002-全体会议通知.yaml"
    notice.write_text(notice.read_text(encoding="utf-8").replace("三楼会议室", "五楼会议室"), encoding="utf-8")
    assert run.file_document(notice, workspace, TODAY, NOW + dt.timedelta(hours=1)).version == 2
    return root


@pytest.fixture
def copy(filed: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(filed, root, symlinks=True)
    return root


def verify(root: Path) -> tuple[int, list[str]]:
    """Exit code and the lines that report a problem (✗ <name>：<problems>)."""
    result = CliRunner().invoke(main, ["-w", str(root), "archive", "verify"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, [ln for ln in result.stdout.splitlines() if ln.startswith("✗")]


def entry(root: Path, code: str) -> Path:
    return next((root / "outbox").glob(f"*/*/*/{code} *"))


def writable(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def read_only(path: Path) -> None:
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def reseal(version: Path, changed: dict[str, bytes], record_edit: Callable[[dict], None] | None = None) -> None:
    """A careful forger: change files, then the record's digests and the manifest to match, and put
    the write bits back."""
    for name, data in changed.items():
        writable(version / name)
        (version / name).write_bytes(data)
    meta = version / "元数据.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    if record_edit:
        record_edit(record)
    for component in record["组件"]:
        component["SHA256"] = hashlib.sha256((version / component["文件"]).read_bytes()).hexdigest()
        component.pop("SM3", None)
    writable(meta)
    meta.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    files = sorted(p for p in version.rglob("*") if p.is_file() and p.name != "manifest-sha256.txt")
    manifest = version / "manifest-sha256.txt"
    writable(manifest)
    manifest.write_text("".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(version).as_posix()}\n"
                                for p in files), encoding="utf-8")  # fmt: skip
    for p in [*files, manifest]:
        read_only(p)


# ---- the tampers: each returns what the report must name ----------------------------------------


def deleted_metadata_of_last_entry(root: Path) -> str:
    (entry(root, LAST) / "v1" / "元数据.json").unlink()
    return f"{entry(root, LAST).name}/v1"


def stray_folder_in_a_version(root: Path) -> str:
    (entry(root, OTHER) / "v1" / "草稿").mkdir()
    return f"{entry(root, OTHER).name}/v1"


def stray_file_in_an_entry(root: Path) -> str:
    (entry(root, OTHER) / "说明.txt").write_text("后来放进来的", encoding="utf-8")
    return f"{entry(root, OTHER).name}/说明.txt"


def empty_v9_in_an_entry(root: Path) -> str:
    (entry(root, OTHER) / "v9").mkdir()
    return f"{entry(root, OTHER).name}/v9"


def stray_file_at_the_root(root: Path) -> str:
    (root / "outbox" / "readme.txt").write_text("x", encoding="utf-8")
    return "readme.txt"


def deleted_v2(root: Path) -> str:
    shutil.rmtree(entry(root, NOTICE) / "v2")
    return f"{entry(root, NOTICE).name}"


def deleted_v1_with_v2_kept(root: Path) -> str:
    shutil.rmtree(entry(root, NOTICE) / "v1")
    return f"{entry(root, NOTICE).name}"


def deleted_last_entry_of_a_class(root: Path) -> str:
    shutil.rmtree(entry(root, LAST))
    return LAST


def renamed_entry(root: Path) -> str:
    old = entry(root, OTHER)
    old.rename(old.with_name(f"{OTHER} 改过的名字"))
    return f"{OTHER} 改过的名字"


def entry_moved_to_another_class(root: Path) -> str:
    old = entry(root, OTHER)
    old.rename(root / "outbox" / "2026" / "D10" / "XF" / old.name)
    return f"2026/D10/XF/{old.name}"


def duplicated_entry(root: Path) -> str:
    old = entry(root, OTHER)
    shutil.copytree(old, old.with_name(old.name + " 副本"), symlinks=True)
    return old.name + " 副本"


def index_rows_deleted(root: Path) -> str:
    with sqlite3.connect(root / "outbox" / ".fawen" / "index.db") as db:
        db.execute("DELETE FROM entries WHERE archive_code=?", (OTHER,))
    return ".fawen/index.db"


def index_row_edited(root: Path) -> str:
    with sqlite3.connect(root / "outbox" / ".fawen" / "index.db") as db:
        db.execute("UPDATE entries SET title='被改过的题名' WHERE archive_code=?", (OTHER,))
    return ".fawen/index.db"


def index_version_row_edited(root: Path) -> str:
    with sqlite3.connect(root / "outbox" / ".fawen" / "index.db") as db:
        db.execute("UPDATE versions SET input_sha256=? WHERE version=2", ("0" * 64,))
    return ".fawen/index.db"


def index_deleted(root: Path) -> str:
    for name in ("index.db", "index.db-wal", "index.db-shm"):
        (root / "outbox" / ".fawen" / name).unlink(missing_ok=True)
    return ".fawen/index.db"


def changed_pdf_with_digests_and_manifest(root: Path) -> str:
    version = entry(root, OTHER) / "v1"
    data = (version / "正本.pdf").read_bytes()
    reseal(version, {"正本.pdf": data.replace(b"/FawenState", b"/FawenStatX", 1) + b"\n% forged\n"})
    return f"{entry(root, OTHER).name}/v1"


def changed_title(root: Path) -> str:
    version = entry(root, OTHER) / "v1"
    reseal(version, {}, lambda r: r.update({"题名": "关于另一件事的专题报告"}))
    return f"{entry(root, OTHER).name}/v1"


def another_entrys_files_swapped_in(root: Path) -> str:
    target, source = entry(root, OTHER) / "v1", entry(root, LAST) / "v1"
    for p in target.iterdir():
        writable(p)
        p.unlink()
    for p in source.iterdir():
        shutil.copy2(p, target / p.name)
    return f"{entry(root, OTHER).name}/v1"


def back_dated_filing(root: Path) -> str:
    version = entry(root, OTHER) / "v1"
    reseal(version, {}, lambda r: r.update({"归档时间": "2020-01-01T09:00:00+08:00"}))
    return f"{entry(root, OTHER).name}/v1"


def write_bit_restored(root: Path) -> str:
    (entry(root, OTHER) / "v1" / "公文.docx").chmod(0o644)
    return f"{entry(root, OTHER).name}/v1/公文.docx"


def original_replaced_by_a_link_out(root: Path) -> str:
    original = entry(root, OTHER) / "v1" / "正本.pdf"
    outside = root / "elsewhere.pdf"
    shutil.copyfile(original, outside)
    writable(original)
    original.unlink()
    original.symlink_to(outside)
    return f"{entry(root, OTHER).name}/v1/正本.pdf"


def source_file_swapped(root: Path) -> str:
    version = entry(root, FOURTH) / "v1"
    attached = "源文件/附件/核查报告.pdf"
    reseal(version, {attached: (entry(root, OTHER) / "v1" / "正本.pdf").read_bytes()})
    return f"{entry(root, FOURTH).name}/v1"


def register_deleted(root: Path) -> str:
    path = root / "outbox" / REGISTER_NAME
    path.unlink()
    return REGISTER_NAME


TAMPERS = [deleted_metadata_of_last_entry, stray_folder_in_a_version, stray_file_in_an_entry, empty_v9_in_an_entry,
           stray_file_at_the_root, deleted_v2, deleted_v1_with_v2_kept, deleted_last_entry_of_a_class, renamed_entry,
           entry_moved_to_another_class, duplicated_entry, index_rows_deleted, index_row_edited,
           index_version_row_edited, index_deleted, changed_pdf_with_digests_and_manifest, changed_title,
           another_entrys_files_swapped_in, back_dated_filing, write_bit_restored, original_replaced_by_a_link_out,
           source_file_swapped, register_deleted]  # fmt: skip


def test_a_clean_copy_verifies_clean(copy: Path) -> None:
    code, problems = verify(copy)
    assert code == 0 and problems == []


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__)
def test_every_tamper_is_found_and_named(copy: Path, tamper: Callable[[Path], str]) -> None:
    named = tamper(copy)
    code, problems = verify(copy)
    assert code == 1, problems
    assert any(named in line for line in problems), (named, problems)


# ---- the register (归档登记簿) --------------------------------------------------------------------


def register_json(root: Path, code: int = 0) -> list[dict[str, object]]:
    result = CliRunner().invoke(main, ["-w", str(root), "archive", "register", "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def test_the_register_holds_every_filing_chained_and_witnessed(copy: Path) -> None:
    entries = register_json(copy)
    assert [e["行为"] for e in entries] == ["归档"] * 8 + ["新版本"]
    assert [e["序号"] for e in entries] == list(range(1, 10))
    assert all(e["时间"].endswith("+08:00") and e["摘要"] == digest(e) for e in entries)
    assert all(b["前摘要"] == a["摘要"] for a, b in zip(entries, entries[1:]))
    manifest = entry(copy, NOTICE) / "v2" / "manifest-sha256.txt"
    assert entries[-1]["清单SHA256"] == hashlib.sha256(manifest.read_bytes()).hexdigest()
    head = sqlite3.connect(copy / ".fawen" / "registry.db").execute("SELECT seq, digest FROM register_head").fetchone()
    assert head == (9, entries[-1]["摘要"])
    assert not (copy / "outbox" / REGISTER_NAME).stat().st_mode & 0o222  # read-only between appends


def rewrite_register(root: Path, edit: Callable[[list[dict]], list[dict]], rechain: bool = False) -> None:
    path = root / "outbox" / REGISTER_NAME
    entries = edit([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()])
    if rechain:  # a forger who recomputes every digest after the edit: only the head outside tells
        previous = "0" * 64
        for n, e in enumerate(entries, 1):
            e.update({"序号": n, "前摘要": previous})
            e["摘要"] = previous = digest(e)
    writable(path)
    path.write_text("".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries), encoding="utf-8")
    read_only(path)


def _edit(entries: list[dict]) -> list[dict]:
    entries[3]["档号"] = "F071-WS·2026-Y-XF-0099"
    return entries


def _back_date(entries: list[dict]) -> list[dict]:
    entries[-1]["时间"] = "2020-01-01T09:00:00+08:00"
    return entries


REGISTER_TAMPERS = {
    "edited": (_edit, False, "第 4 条被改动"),
    "deleted": (lambda es: es[:2] + es[3:], False, "第 3 条与上一条接不上"),
    "reordered": (lambda es: [es[1], es[0], *es[2:]], False, "第 1 条与上一条接不上"),
    "back-dated": (_back_date, False, "第 9 条被改动"),
    "back-dated and rechained": (_back_date, True, "时间被改早"),
    "deleted and rechained": (lambda es: es[:2] + es[3:], True, "工作区登记簿"),
    "cut short": (lambda es: es[:-1], False, "有条目被删除或截断"),
}


@pytest.mark.parametrize("case", REGISTER_TAMPERS, ids=str)
def test_the_register_chain_finds_an_edited_deleted_reordered_or_back_dated_entry(copy: Path, case: str) -> None:
    edit, rechain, expected = REGISTER_TAMPERS[case]
    rewrite_register(copy, edit, rechain)
    result = CliRunner().invoke(main, ["-w", str(copy), "archive", "register", "--json"])
    assert result.exit_code == 1 and expected in result.stderr, result.output
    code, problems = verify(copy)
    assert code == 1 and any(line.startswith(f"✗ {REGISTER_NAME}") and expected in line for line in problems), problems


@pytest.mark.parametrize("case", ["cut short", "deleted and rechained"])
def test_nothing_is_appended_to_a_register_that_disagrees_with_its_head(copy: Path, case: str) -> None:
    edit, rechain, _expected = REGISTER_TAMPERS[case]
    rewrite_register(copy, edit, rechain)
    before = (copy / "outbox" / REGISTER_NAME).read_bytes()
    src = copy / "examples" / "x.yaml"
    src.write_text("文种: 通知\n标题: 关于某项工作的通知\n正文: 请落实。\n成文日期: 2026-11-24\n", encoding="utf-8")
    with pytest.raises(FawenError, match="归档登记簿.*fawen archive verify"):
        run.file_document(src, ws_store.load(copy), TODAY, NOW)
    skipped = CliRunner().invoke(main, ["-w", str(copy), "archive", "repeal", "罕政发〔2026〕1号", "--reason", "试"])
    assert skipped.exit_code == 1 and "archive verify" in skipped.stderr
    assert (copy / "outbox" / REGISTER_NAME).read_bytes() == before


def test_withdrawal_void_and_correction_are_registered(copy: Path) -> None:
    cli = CliRunner()
    w = ["-w", str(copy)]
    assert cli.invoke(main, [*w, "archive", "withdraw", "罕政发〔2026〕1号", "--reason", "会议取消"]).exit_code == 0
    assert cli.invoke(main, [*w, "archive", "repeal", "罕政报〔2026〕1号", "--reason", "已过时"]).exit_code == 0
    config = ws_store.load(copy)
    src = copy / "examples" / "x.yaml"
    src.write_text("文种: 通知\n发文字号: 罕政发〔2026〕5号\n标题: 关于某项工作的通知\n正文: 请落实。\n成文日期: 2026-11-24\n",
                   encoding="utf-8")  # fmt: skip
    run.file_document(src, config, TODAY, NOW)  # 2–4号 skipped
    assert cli.invoke(main, [*w, "numbers", "void", "罕政发〔2026〕3号", "--reason", "误编"]).exit_code == 0
    actions = [(e["行为"], e.get("编号") or e.get("档号")) for e in register_json(copy)[9:]]
    assert actions == [("撤销", NOTICE), ("废止", OTHER), ("归档", "F071-WS·2026-Y-XF-0006"), ("作废", "罕政发〔2026〕3号")]
    code, problems = verify(copy)
    assert code == 0, problems


def test_an_archive_filed_before_the_register_is_adopted_on_first_use(copy: Path) -> None:
    path = copy / "outbox" / REGISTER_NAME
    writable(path)
    path.unlink()
    with sqlite3.connect(copy / ".fawen" / "registry.db") as db:
        db.execute("DELETE FROM register_head")
    entries = register_json(copy)
    assert [e["行为"] for e in entries] == ["接管"] * 9 and all(e["原归档时间"] for e in entries)
    assert verify(copy) == (0, [])


# ---- the writer: nothing outside the archive ----------------------------------------------------


@pytest.mark.parametrize("class_path, entry_name, files", [
    (("..", "..", ".."), "escape", {"a.txt": b"x"}),
    (("2026", "Y", "../../../../escape-rel"), "F071-WS·2026-Y-XF-0001 x", {"a.txt": b"x"}),
    (("2026", "Y", "XF"), "/tmp/absolute", {"a.txt": b"x"}),
    (("2026", "Y", "XF"), "F071-WS·2026-Y-XF-0001 x", {"../../../../../escape.txt": b"x"}),
    (("2026", "Y", "XF"), "F071-WS·2026-Y-XF-0001 x", {"/tmp/escape.txt": b"x"}),
], ids=["dots", "relative-problem", "absolute-entry", "file-name", "absolute-file"])  # fmt: skip
def test_the_writer_refuses_paths_outside_the_archive(tmp_path: Path, class_path, entry_name, files) -> None:
    archive = Archive(tmp_path / "deep" / "er" / "outbox")

    def tree() -> list[Path]:  # the index's own files change when it is closed
        return sorted(p for p in tmp_path.rglob("*") if ".fawen" not in p.parts)

    before = tree()
    with pytest.raises(ArchivePathError, match="拒绝写入档案"):
        archive.write(FilingPlan(class_path, entry_name, 1, files), {})
    archive.close()
    assert tree() == before
    assert not Path("/tmp/absolute").exists() and not Path("/tmp/escape.txt").exists()


def test_the_writer_refuses_a_class_folder_linked_out_of_the_archive(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    archive = Archive(outbox)
    (tmp_path / "outside").mkdir()
    (outbox / "2026").symlink_to(tmp_path / "outside", target_is_directory=True)
    with pytest.raises(ArchivePathError, match="之外"):
        archive.write(FilingPlan(("2026", "Y", "XF"), "F071-WS·2026-Y-XF-0001 x", 1, {"a.txt": b"x"}), {})
    archive.close()
    assert not any((tmp_path / "outside").iterdir())


def test_an_edited_record_is_not_blamed_on_the_index_and_reindex_is_not_advised(copy: Path) -> None:
    """元数据.json edited by hand: the index still holds what was filed. verify used to call it an
    edited index and advise `archive reindex`, which would adopt the edited values."""
    meta = entry(copy, OTHER) / "v1" / "元数据.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    record["题名"] = "被改过的题名"
    writable(meta)
    meta.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    read_only(meta)
    code, problems = verify(copy)
    assert code == 1
    (index,) = [ln for ln in problems if ln.startswith("✗ .fawen/index.db")]
    assert "被改过的题名" in index and "元数据.json 被改动" in index and "不要重建索引" in index, index
    assert "reindex" not in index and "索引被改动" not in index, index
    assert any("文件被改动（摘要不符）：元数据.json" in ln for ln in problems), problems


def test_an_edited_index_row_is_still_called_so_and_reindex_advised(copy: Path) -> None:
    index_row_edited(copy)
    _code, problems = verify(copy)
    (index,) = [ln for ln in problems if ln.startswith("✗ .fawen/index.db")]
    assert "索引被改动" in index and "fawen archive reindex" in index, index


def test_reindex_refuses_to_adopt_an_edited_record_unless_forced(copy: Path) -> None:
    meta = entry(copy, OTHER) / "v1" / "元数据.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    record["题名"] = "被改过的题名"
    writable(meta)
    meta.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    index = copy / "outbox" / ".fawen" / "index.db"
    refused = CliRunner().invoke(main, ["-w", str(copy), "archive", "reindex"])
    assert refused.exit_code == 1 and "元数据.json 与其清单不符" in refused.stderr and "--force" in refused.stderr
    assert entry(copy, OTHER).name in refused.stderr
    with sqlite3.connect(index) as db:  # the index still holds what was filed
        (title,) = db.execute("SELECT title FROM entries WHERE archive_code=?", (OTHER,)).fetchone()
    assert title != "被改过的题名"
    forced = CliRunner().invoke(main, ["-w", str(copy), "archive", "reindex", "--force"])
    assert forced.exit_code == 0, forced.output
    with sqlite3.connect(index) as db:
        (title,) = db.execute("SELECT title FROM entries WHERE archive_code=?", (OTHER,)).fetchone()
    assert title == "被改过的题名"
