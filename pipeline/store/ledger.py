"""督查事项 ledgers (台账) named by a 督查通报: a CSV (UTF-8, with or without BOM) or an XLSX
sheet, read into plain rows of text. Validation of the rows is a stage (validate)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from pipeline.errors import InputError
from pipeline.errors import Problem


def read_ledger(path: Path, source: str, key: str = "督查事项") -> list[list[str]]:
    """All rows, the header first, each cell as text (dates as YYYY-MM-DD)."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(source, [Problem(key, f"无法读取台账「{name}」：{exc.strerror}", "与输入文件放在一起的 CSV 或 XLSX 文件")]) from exc
    if path.suffix.lower() == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(source, [Problem(key, f"台账「{name}」不是 UTF-8 编码", "用 UTF-8 编码另存为 CSV")]) from exc
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    from openpyxl import load_workbook  # noqa: PLC0415 — only ledgers in XLSX need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(source, [Problem(key, f"台账「{name}」无法作为 XLSX 打开", "Excel 工作簿（.xlsx）")]) from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
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
        rows.append(cells)
    book.close()
    return rows
