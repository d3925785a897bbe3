"""Step 13: archive entries -> 归档文件目录 (DA/T 22-2015 catalogue): rows, and the same rows as
CSV, XLSX and a printable A4 landscape PDF (bytes; the caller writes them)."""

from __future__ import annotations

import csv
import io
from typing import Protocol

from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape
from reportlab.pdfgen import canvas

from pipeline import gbt9704 as g

COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
WIDTHS_MM = (12, 46, 38, 38, 88, 20, 12, 12, 21)  # 287 mm across A4 landscape less margins


class CatalogueFonts(Protocol):
    def font_for(self, char: str, role: str) -> str: ...


def rows(entries: list[dict[str, object]]) -> list[list[str]]:
    """One row per 件, in 件号 order: 日期 as YYYYMMDD (DA/T 22)."""
    out = []
    for i, e in enumerate(entries, 1):
        date = str(e.get("日期", "")).replace("-", "")
        remark = remarks(e)
        out.append([str(i), str(e["档号"]), str(e["文号"]), str(e["责任者"]), str(e["题名"]), date,
                    str(e.get("密级", "") or ""), str(e["页数"]), remark])  # fmt: skip
    return out


def remarks(entry: dict[str, object]) -> str:
    """备注: a disposition first (已撤销 / 已废止: the 件 stays, listed, marked), then the version."""
    parts = []
    if entry.get("状态") in ("撤销", "废止"):
        parts.append(f"已{entry['状态']}")
    if int(entry.get("版本", 1) or 1) > 1:  # type: ignore[call-overload]
        parts.append(f"第{entry['版本']}版")
    return "；".join(parts)


def to_csv(table: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(table)
    return buf.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def to_xlsx(table: list[list[str]], year: int) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年度"
    sheet.append(list(COLUMNS))
    for row in table:
        sheet.append([int(row[0]), *row[1:7], int(row[7]), row[8]])
    for col, width in zip("ABCDEFGHI", WIDTHS_MM, strict=True):
        sheet.column_dimensions[col].width = width / 2.2
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def to_pdf(table: list[list[str]], title: str, fonts: CatalogueFonts) -> bytes:
    """A4 landscape, the header row on every page, long titles wrapped in their cell."""
    mm = g.MM
    page_w, page_h = landscape(A4)
    left, top, bottom = 5 * mm, page_h - 15 * mm, 15 * mm
    size = 9.0
    line = size * 1.35
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(page_w, page_h), invariant=1)
    c.setTitle(title)

    def text(x: float, y: float, s: str, role: str = g.ROLE_SONG) -> None:
        run, run_font = "", ""
        for ch in s + "\0":
            font = fonts.font_for(ch, role) if ch != "\0" else ""
            if font != run_font and run:
                c.setFont(run_font, size)
                c.drawString(x, y, run)
                x += c.stringWidth(run, run_font, size)
                run = ""
            run_font = font
            run += ch if ch != "\0" else ""

    def wrap(s: str, width: float) -> list[str]:
        lines, cur, w = [], "", 0.0
        for ch in s:
            cw = c.stringWidth(ch, fonts.font_for(ch, g.ROLE_SONG), size)
            if cur and w + cw > width:
                lines.append(cur)
                cur, w = "", 0.0
            cur += ch
            w += cw
        return [*lines, cur] if cur else lines or [""]

    def header(y: float) -> float:
        c.setFont(fonts.font_for(title[0], g.ROLE_HEI), 14)
        text(left, page_h - 10 * mm, title, g.ROLE_HEI)
        return row(list(COLUMNS), y, g.ROLE_HEI)

    def row(cells: list[str], y: float, role: str = g.ROLE_SONG) -> float:
        wrapped = [wrap(cell, w * mm - 2 * mm) for cell, w in zip(cells, WIDTHS_MM, strict=True)]
        height = max(len(w) for w in wrapped) * line + 2 * mm
        x = left
        for lines, w in zip(wrapped, WIDTHS_MM, strict=True):
            c.rect(x, y - height, w * mm, height)
            for k, s in enumerate(lines):
                text(x + 1 * mm, y - 1 * mm - (k + 1) * line + 2, s, role)
            x += w * mm
        return y - height

    y = header(top)
    for cells in table:
        lines = max(len(wrap(cell, w * mm - 2 * mm)) for cell, w in zip(cells, WIDTHS_MM, strict=True))
        if y - lines * line - 2 * mm < bottom:
            c.showPage()
            y = header(top)
        y = row(cells, y)
    c.showPage()
    c.save()
    return buf.getvalue()
