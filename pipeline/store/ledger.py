"""督查事项 ledgers (台账) named by a 督查通报: a CSV (UTF-8, with or without BOM) or an XLSX
sheet, read into plain rows of text. Validation of the rows is a stage (validate).

The sheet is read as the office keeps it: title rows above the header stay in (validation finds
the header), and a merged cell of an XLSX (a header over two columns, a 单位 merged down its
rows) is read as its top-left value in every cell it covers.

Reading is bounded: the file's size before reading, the unpacked size of an XLSX, the rows and
columns read (a few title rows plus one row more than validation accepts, so it can say the
ledger is too long), the merged ranges applied and the length of a CSV field."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.stages.validate import HEADER_SCAN
from pipeline.stages.validate import MAX_LEDGER_CELL
from pipeline.stages.validate import MAX_LEDGER_ROWS
from pipeline.store.bounded import Unreadable
from pipeline.store.bounded import read_bounded

MAX_LEDGER_BYTES = 10 * 1024 * 1024
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
MAX_COLUMNS = 50  # the ledger has five; more are read as nothing
MAX_ROW_CELLS = 1_000  # cells written in one row (empty ones too); beyond it the sheet is refused
MAX_ROWS_READ = HEADER_SCAN + MAX_LEDGER_ROWS + 1
MAX_MERGES = 2_000  # a real sheet has a few dozen; more are not applied
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\"")
EXPECTED = "与输入文件放在一起的 CSV 或 XLSX 文件"


def read_ledger(path: Path, source: str, key: str = "督查事项") -> list[list[str]]:
    """All rows, the header first, each cell as text (dates as YYYY-MM-DD)."""
    name = path.name
    try:
        data = read_bounded(path, MAX_LEDGER_BYTES)
    except Unreadable as exc:
        raise InputError(source, [Problem(key, f"无法读取台账「{name}」：{exc.reason}", EXPECTED)]) from exc
    if path.suffix.lower() == ".csv":
        return _csv_rows(data, name, source, key)
    return _xlsx_rows(data, name, source, key)


def _csv_rows(data: bytes, name: str, source: str, key: str) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, [Problem(key, f"台账「{name}」不是 UTF-8 编码", "用 UTF-8 编码另存为 CSV")]) from exc
    rows = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row[:MAX_COLUMNS]])
            if len(rows) > MAX_ROWS_READ:
                break
    except csv.Error as exc:  # a field over the csv module's limit (131 072 characters), a stray NUL
        raise InputError(source, [Problem(f"{key}（台账 {name}）第{reader.line_num}行", "这一行无法读取（单元格过长或含有非法字符）",
                                          f"每格不超过 {MAX_LEDGER_CELL} 字的表格")]) from exc  # fmt: skip
    return rows


def _xlsx_rows(data: bytes, name: str, source: str, key: str) -> list[list[str]]:
    from openpyxl import load_workbook  # noqa: PLC0415 — only ledgers in XLSX need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(source, [Problem(key, f"台账「{name}」无法作为 XLSX 打开", "Excel 工作簿（.xlsx）")]) from exc
    if unpacked > MAX_XLSX_UNPACKED:  # a zip bomb: openpyxl would unpack it into memory
        raise InputError(
            source,
            [Problem(key, f"台账「{name}」解压后过大（{unpacked // 1024 // 1024} MB）", "普通大小的 Excel 工作簿")],
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        widest = _widest_row(data, sheet._worksheet_path)  # noqa: SLF001 — read before openpyxl parses a row
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a broken file
        raise InputError(source, [Problem(key, f"台账「{name}」无法作为 XLSX 打开", "Excel 工作簿（.xlsx）")]) from exc
    if widest > MAX_ROW_CELLS:  # openpyxl holds a whole row: six million cells took 2.8 GB
        book.close()
        raise InputError(source, [Problem(key, f"台账「{name}」有一行写了 {widest} 个单元格",
                                          f"每行不超过 {MAX_ROW_CELLS} 个单元格的表格")])  # fmt: skip
    try:
        rows = [_cells(values) for values in sheet.iter_rows(min_row=1, max_row=MAX_ROWS_READ + 1, min_col=1,
                                                              max_col=MAX_COLUMNS, values_only=True)]  # fmt: skip
        sheet_path = sheet._worksheet_path  # noqa: SLF001 — read-only sheets keep no merged ranges
        book.close()
        _fill_merged(rows, _merged_ranges(data, sheet_path))
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many kinds for a broken file
        raise InputError(source, [Problem(key, f"台账「{name}」无法作为 XLSX 打开", "Excel 工作簿（.xlsx）")]) from exc
    return rows


_CELL = re.compile(rb"<(?:\w+:)?(c|row)[\s>/]")


def _widest_row(data: bytes, sheet_path: str) -> int:
    """The most cells any row of the sheet's XML holds, counted while it is unpacked a piece at
    a time (the whole XML may be 100 MB): openpyxl parses a whole row before it yields it."""
    widest = cells = 0
    tail = b""
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(sheet_path.lstrip("/")) as xml:
        while chunk := xml.read(1 << 20):
            text = tail + chunk
            cut = len(text) - 16  # a tag that starts past here may be cut: it is read with the next piece
            for m in _CELL.finditer(text):
                if m.start() >= cut:
                    break
                if m.group(1) == b"row":
                    cells = 0
                else:
                    cells += 1
                    widest = max(widest, cells)
            tail = text[max(0, cut) :]
        for m in _CELL.finditer(tail):
            cells = 0 if m.group(1) == b"row" else cells + 1
            widest = max(widest, cells)
    return widest


def _cells(values: tuple[object, ...]) -> list[str]:
    cells = []
    for v in values:
        if isinstance(v, dt.datetime):
            cells.append(v.date().isoformat())
        elif isinstance(v, dt.date):
            cells.append(v.isoformat())
        elif v is None:
            cells.append("")
        else:
            cells.append(str(v).strip())
    return cells


def _merged_ranges(data: bytes, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """(first row, first column, last row, last column), 0-based, of the sheet's merged cells.
    The read-only reader skips them and the full reader would load the whole sheet into memory,
    so the sheet's XML is scanned for its <mergeCell ref="A1:E1"/> elements, in bounded chunks."""
    found: list[tuple[int, int, int, int]] = []
    tail = b""
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(sheet_path.lstrip("/")) as fh:
        while len(found) < MAX_MERGES:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            text = tail + chunk
            for m in _MERGE.finditer(text):
                found.append((int(m[2]) - 1, _column(m[1]), int(m[4]) - 1, _column(m[3])))
            tail = text[-200:]  # an element cut in two is matched whole next time (twice is harmless)
    return found[:MAX_MERGES]


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _fill_merged(rows: list[list[str]], ranges: list[tuple[int, int, int, int]]) -> None:
    """Every cell a merged range covers takes the range's top-left value (within what was read).
    The cells filled are bounded, so a sheet of many huge overlapping ranges costs no more than
    filling the area read a few times."""
    budget = 4 * MAX_ROWS_READ * MAX_COLUMNS
    for top, left, bottom, right in ranges:
        if top >= len(rows) or left >= MAX_COLUMNS or top > bottom or left > right:
            continue
        budget -= (min(bottom, len(rows) - 1) - top + 1) * (min(right, MAX_COLUMNS - 1) - left + 1)
        if budget < 0:
            break
        value = rows[top][left] if left < len(rows[top]) else ""
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(left, min(right, MAX_COLUMNS - 1) + 1):
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                if not row[c]:
                    row[c] = value
