"""The lists an archive office hands over: the 移交清单 of a year (every 件 with its 保管期限, pages,
files, bytes and the digest of its manifests, then the totals and the signature line) as XLSX
and PDF, and the 归档文件目录 in DA/T 22's order with print settings; read back, not assumed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline import run
from pipeline.cli import main
from pipeline.store import workspace as ws_store
from tests.conftest import TODAY
from tests.conftest import example_files
from tests.test_feedback import NOW

ORDER = {"永久": 0, "30年": 1, "10年": 2}


def fawen(workspace: ws_store.Workspace, *args: str) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def archive(workspace: ws_store.Workspace) -> ws_store.Workspace:
    for path in example_files(workspace.root / "examples"):
        run.file_document(path, workspace, TODAY, NOW)
    return workspace


def test_the_handover_list_of_a_year_as_xlsx_and_pdf(archive, tmp_path):
    rows = json.loads(fawen(archive, "archive", "handover", "--year", "2026", "--json"))
    entries = {e["档号"]: e for e in json.loads(fawen(archive, "archive", "ls", "--year", "2026", "--json"))}
    assert sorted(r["档号"] for r in rows) == sorted(entries) and len(rows) == 6  # the 通报 example is of 2027
    assert [ORDER[r["保管期限"]] for r in rows] == sorted(ORDER[r["保管期限"]] for r in rows)  # 永久, 30年, 10年
    for r in rows:  # each row's facts recomputed from the 件's folder
        folder = next(p for p in archive.outbox.rglob("*") if p.is_dir() and p.name.startswith(r["档号"] + " "))
        files = [p for p in folder.rglob("*") if p.is_file()]
        manifests = b"".join((folder / f"v{v}" / "manifest-sha256.txt").read_bytes() for v in range(1, int(r["版本"]) + 1))
        assert (int(r["文件数"]), int(r["字节数"])) == (len(files), sum(p.stat().st_size for p in files))
        assert r["清单摘要（SHA-256）"] == hashlib.sha256(manifests).hexdigest()
        assert r["页数"] == str(entries[r["档号"]]["页数"])

    out = tmp_path / "移交"
    fawen(archive, "archive", "handover", "--year", "2026", "-o", str(out))
    book = load_workbook(out / "2026年度归档文件移交清单.xlsx")
    sheet = book.active
    assert [c.value for c in sheet[1]][:4] == ["序号", "档号", "题名", "保管期限"] and sheet.max_row == 7
    assert [sheet.cell(i + 2, 2).value for i in range(6)] == [r["档号"] for r in rows]
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    pages = sum(int(r["页数"]) for r in rows)
    total = book["汇总"]["A1"].value
    assert total.startswith("共 6 件（永久 5 件，10年 1 件）") and f"{pages} 页" in total
    with pdfplumber.open(out / "2026年度归档文件移交清单.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
        assert pdf.pages[0].width > pdf.pages[0].height  # A4 landscape
    assert "2026年度归档文件移交清单" in text and total.replace(" ", "") in text.replace(" ", "").replace("\n", "")
    assert "接收人" in text and all(r["档号"] in text.replace("\n", "") for r in rows)


def test_the_catalogue_follows_dat22_order_and_prints_landscape_with_its_header(archive, tmp_path):
    fawen(archive, "archive", "catalog", "--year", "2026", "-o", str(tmp_path))
    sheet = load_workbook(tmp_path / "2026年度归档文件目录.xlsx").active
    codes = [sheet.cell(i, 2).value for i in range(2, sheet.max_row + 1)]
    terms = [code.split("-")[2] for code in codes]  # F071-WS·2026-Y-XF-0001 -> Y
    assert terms == sorted(terms, key=lambda t: {"Y": 0, "D30": 1, "D10": 2}[t]) and set(terms) == {"Y", "D10"}
    assert terms[-1] == "D10"  # index order (D10 first, by the code's letters) is not DA/T 22's
    assert [sheet.cell(i, 1).value for i in range(2, sheet.max_row + 1)] == list(range(1, len(codes) + 1))
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert Path(tmp_path / "2026年度归档文件目录.pdf").read_bytes().startswith(b"%PDF")


def test_one_print_file_of_a_years_archival_copies_in_catalogue_order(archive, tmp_path):
    out = tmp_path / "2026归档件.pdf"
    fawen(archive, "archive", "print", "--year", "2026", "-o", str(out))
    rows = json.loads(fawen(archive, "archive", "catalog", "--year", "2026", "--json"))
    expected: list[str] = []  # the text of every page of every 件's own 归档.pdf, in catalogue order
    for r in rows:
        copy = Path(fawen(archive, "archive", "open", r["档号"], "--copy", "归档").strip())
        with pdfplumber.open(copy) as own:
            expected += [page.extract_text() or "" for page in own.pages]
    with pdfplumber.open(out) as pdf:
        assert [page.extract_text() or "" for page in pdf.pages] == expected
    none = CliRunner().invoke(main, ["-w", str(archive.root), "archive", "print", "--year", "1999", "-o", str(tmp_path / "x.pdf")])
    assert none.exit_code == 1 and "1999 年度没有件" in none.output and not (tmp_path / "x.pdf").exists()


def test_boxes_by_class_with_cover_spine_and_notes_page(archive, tmp_path):
    items = json.loads(fawen(archive, "archive", "boxes", "--year", "2026", "--per-box", "2", "--json"))
    assert [(b["保管期限"], b["起件号"], b["止件号"], b["件数"]) for b in items] == [
        ("永久", 1, 2, 2), ("永久", 3, 4, 2), ("永久", 5, 5, 1), ("10年", 1, 1, 1)]  # one class to a box
    assert [b["盒号"] for b in items] == [1, 2, 3, 4]
    fawen(archive, "archive", "boxes", "--year", "2026", "--per-box", "2", "-o", str(tmp_path))
    with pdfplumber.open(tmp_path / "2026年度档案盒封面、脊背和备考表.pdf") as pdf:
        assert len(pdf.pages) == 3 * len(items)
        cover, spine, notes = (pdf.pages[k].extract_text() or "" for k in range(3))
    assert "F071" in cover and "0001—0002" in cover and "盒号" in cover
    assert "第1盒" in spine and "永久" in spine
    assert "本盒共 2 件" in notes and "整理人" in notes and "检查人" in notes


def test_the_catalogue_pdf_has_a_title_block_per_retention_group_in_dat22_order(archive, tmp_path):
    fawen(archive, "archive", "catalog", "--year", "2026", "-o", str(tmp_path))
    with pdfplumber.open(tmp_path / "2026年度归档文件目录.pdf") as pdf:
        texts = [(page.extract_text() or "").replace(" ", "").replace("\u3000", "") for page in pdf.pages]
        assert all(page.width > page.height for page in pdf.pages)  # A4 landscape
    total = len(texts)
    headings = []
    for n, text in enumerate(texts, 1):
        assert "2026年度归档文件目录" in text and f"第{n}页共{total}页" in text, n
        assert "序号" in text and "档号" in text  # the header row on every page
        for term in ("永久", "30年", "10年"):
            if f"保管期限：{term}" in text:
                headings.append(term)
    assert headings[0] == "永久" and headings[-1] == "10年"  # DA/T 22: 永久, 30年, 10年
    assert headings == sorted(headings, key=["永久", "30年", "10年"].index)
    first_d10 = next(n for n, t in enumerate(texts) if "保管期限：10年" in t)
    assert "-Y-" not in texts[first_d10]  # a group starts on its own page: no 永久 件 on it


def test_the_catalogue_shows_the_secrecy_printed_on_the_document(workspace, tmp_path):
    from tests.conftest import with_config
    from tests.conftest import write_input

    workspace = with_config(workspace, "允许涉密: true")
    text = "文种: 通知\n标题: 关于涉密测试的通知\n正文: 请执行。\n密级: 秘密\n保密期限: 1\n成文日期: 2026-11-12\n"
    run.file_document(write_input(tmp_path, "secret.yaml", text), workspace, TODAY, NOW)
    plain = "文种: 通知\n标题: 关于普通测试的通知\n正文: 请执行。\n成文日期: 2026-11-12\n"
    run.file_document(write_input(tmp_path, "plain.yaml", plain), workspace, TODAY, NOW)
    result = CliRunner().invoke(main, ["-w", str(workspace.root), "archive", "catalog", "--year", "2026", "--json",
                                       "-o", str(tmp_path / "cat")])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["题名"]: r["密级"] for r in json.loads(result.output)}
    assert rows == {"关于涉密测试的通知": "秘密", "关于普通测试的通知": ""}
