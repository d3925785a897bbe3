"""Step 13: archive entries -> 归档文件目录 (DA/T 22-2015 catalogue): rows, and the same rows as
CSV, XLSX and a printable A4 landscape PDF (bytes; the caller writes them)."""

from __future__ import annotations

import csv
import io
from typing import Any
from typing import Protocol

from pypdf import PdfReader
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.pagesizes import landscape
from reportlab.pdfgen import canvas

from pipeline import gbt9704 as g

COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
WIDTHS_MM = (12, 46, 38, 38, 88, 20, 12, 12, 21)  # 287 mm across A4 landscape less margins


TableLayout = tuple[tuple[str, ...], tuple[float, ...]]  # column names, widths in mm


class CatalogueFonts(Protocol):
    def font_for(self, char: str, role: str) -> str: ...


RETENTION_ORDER = {"Y": 0, "D30": 1, "D10": 2}  # DA/T 22: 永久, 定期30年, 定期10年


def in_order(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """DA/T 22's order: by 年度, then 保管期限 (永久, 30年, 10年), 机构问题 and 件号."""
    return sorted(entries, key=lambda e: (int(str(e.get("年度", 0) or 0)), RETENTION_ORDER.get(str(e.get("保管期限")), 9),
                                          str(e.get("机构问题", "")), int(str(e.get("件号", 0) or 0))))  # fmt: skip


def rows(entries: list[dict[str, object]]) -> list[list[str]]:
    """One row per 件, in DA/T 22's order (in_order): 日期 as YYYYMMDD."""
    out = []
    for i, e in enumerate(in_order(entries), 1):
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
    rows = [[int(row[0]), *row[1:7], int(row[7]), row[8]] for row in table]
    return _saved(_workbook(f"{year}年度", (COLUMNS, WIDTHS_MM), rows))


def _workbook(title: str, layout: TableLayout, rows: list[list[object]]) -> Any:
    """A workbook whose one sheet holds the header and rows, columns sized, set up to print."""
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    sheet.title = title
    columns, widths = layout
    sheet.append(list(columns))
    for row in rows:
        sheet.append(row)
    for col, width in zip("ABCDEFGHIJKLMNOP", widths, strict=False):
        sheet.column_dimensions[col].width = width / 2.2
    printable(sheet)
    return book


def _saved(book: Any) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def printable(sheet: Any) -> None:
    """Print settings an archive office expects: A4 landscape, the header row on every page,
    the columns fitted to the page width."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


Section = tuple[str, list[list[str]]]  # a heading under the title, and the rows under it


def sections(entries: list[dict[str, object]], fonds: str) -> list[Section]:
    """The catalogue's rows grouped as DA/T 22 lists them: per 年度 and 保管期限 (永久, 30年, 10年),
    each group under its own heading (全宗号, 年度, 保管期限, how many 件)."""
    table = rows(entries)
    ordered = in_order(entries)
    out: list[Section] = []
    for entry, row in zip(ordered, table, strict=True):
        term = TERMS.get(str(entry.get("保管期限")), str(entry.get("保管期限", "")))
        heading = f"全宗号：{fonds}　　年度：{entry.get('年度', '')}　　保管期限：{term}"
        if not out or out[-1][0] != heading:
            out.append((heading, []))
        out[-1][1].append(row)
    return [(f"{heading}　　（共 {len(group)} 件）", group) for heading, group in out]


def to_pdf(table: list[list[str]], title: str, fonts: CatalogueFonts, layout: TableLayout | None = None,
           closing: tuple[str, ...] = ()) -> bytes:  # fmt: skip
    """A4 landscape, the header row on every page, long titles wrapped in their cell; ``layout``
    the columns and widths (default: the catalogue's), ``closing`` lines printed after the table
    (a 移交清单's totals and signatures)."""
    return sections_pdf([("", table)], title, fonts, layout, closing)


def sections_pdf(parts: list[Section], title: str, fonts: CatalogueFonts, layout: TableLayout | None = None,
                 closing: tuple[str, ...] = ()) -> bytes:  # fmt: skip
    """``to_pdf`` for rows in sections: each section starts on a new page under the title block
    (the title, the section's heading) and the header row; pages are numbered 第 n 页 / 共 m 页."""
    sheet = _Sheet(title, fonts, layout or (COLUMNS, WIDTHS_MM))
    for k, (heading, table) in enumerate(parts):
        if k:
            sheet.new_page()
        sheet.heading = heading
        sheet.start()
        for cells in table:
            sheet.row(cells)
    sheet.close(closing)
    return sheet.finish()


class _Sheet:
    """A landscape table being drawn: rows flow onto new pages under the title block."""

    SIZE = 9.0

    def __init__(self, title: str, fonts: CatalogueFonts, layout: TableLayout) -> None:
        self.title, self.fonts, self.heading = title, fonts, ""
        self.columns, self.widths = layout
        self.page_w, self.page_h = landscape(A4)
        self.left, self.bottom = 5 * g.MM, 15 * g.MM
        self.line = self.SIZE * 1.35
        self.buf = io.BytesIO()
        initial = fonts.font_for("一", g.ROLE_SONG)  # not reportlab's unembedded Helvetica
        self.c = canvas.Canvas(self.buf, pagesize=(self.page_w, self.page_h), invariant=1, initialFontName=initial)
        self.c.setTitle(title)
        self.pages: list[int] = [1]
        self.y = 0.0

    def text(self, x: float, y: float, s: str, role: str = g.ROLE_SONG, size: float = SIZE) -> None:
        for font, run in _runs(s, role, self.fonts):
            self.c.setFont(font, size)
            self.c.drawString(x, y, run)
            x += self.c.stringWidth(run, font, size)

    def wrap(self, s: str, width: float) -> list[str]:
        lines, cur, w = [], "", 0.0
        for ch in s:
            cw = self.c.stringWidth(ch, self.fonts.font_for(ch, g.ROLE_SONG), self.SIZE)
            if cur and w + cw > width:
                lines.append(cur)
                cur, w = "", 0.0
            cur += ch
            w += cw
        return [*lines, cur] if cur else lines or [""]

    def start(self) -> None:
        """The title block and the header row at the top of the page."""
        top = self.page_h - 10 * g.MM
        self.text(self.left, top, self.title, g.ROLE_HEI, 14)
        self.y = self.page_h - 15 * g.MM
        if self.heading:
            self.text(self.left, top - 7 * g.MM, self.heading, g.ROLE_SONG, 10.5)
            self.y -= 5 * g.MM
        self._cells(list(self.columns), g.ROLE_HEI)

    def row(self, cells: list[str]) -> None:
        lines = max(len(self.wrap(cell, w * g.MM - 2 * g.MM)) for cell, w in zip(cells, self.widths, strict=True))
        if self.y - lines * self.line - 2 * g.MM < self.bottom:
            self.new_page()
            self.start()
        self._cells(cells, g.ROLE_SONG)

    def _cells(self, cells: list[str], role: str) -> None:
        wrapped = [self.wrap(cell, w * g.MM - 2 * g.MM) for cell, w in zip(cells, self.widths, strict=True)]
        height = max(len(w) for w in wrapped) * self.line + 2 * g.MM
        x = self.left
        for lines, w in zip(wrapped, self.widths, strict=True):
            self.c.rect(x, self.y - height, w * g.MM, height)
            for k, s in enumerate(lines):
                self.text(x + 1 * g.MM, self.y - 1 * g.MM - (k + 1) * self.line + 2, s, role)
            x += w * g.MM
        self.y -= height

    def new_page(self) -> None:
        self.c.showPage()
        self.pages.append(len(self.pages) + 1)

    def close(self, closing: tuple[str, ...]) -> None:
        for closing_line in closing:
            if self.y - 2 * self.line < self.bottom:
                self.new_page()
                self.y = self.page_h - 15 * g.MM
            self.y -= 1.6 * self.line
            self.text(self.left, self.y, closing_line)

    def finish(self) -> bytes:
        """Number the pages (第 n 页 共 m 页) and return the file."""
        self.c.showPage()
        writer = PdfWriter(clone_from=io.BytesIO(self._saved()))
        total = len(writer.pages)
        for n, page in enumerate(writer.pages, 1):
            page.merge_page(PdfReader(io.BytesIO(self._folio(n, total))).pages[0])
        writer.add_metadata({"/Title": self.title})
        numbered = io.BytesIO()
        writer.write(numbered)
        return numbered.getvalue()

    def _saved(self) -> bytes:
        self.c.save()
        return self.buf.getvalue()

    def _folio(self, n: int, total: int) -> bytes:
        buf = io.BytesIO()
        initial = self.fonts.font_for("一", g.ROLE_SONG)
        c = canvas.Canvas(buf, pagesize=(self.page_w, self.page_h), invariant=1, initialFontName=initial)
        label = f"第 {n} 页　共 {total} 页"
        x = self.page_w / 2 - sum(c.stringWidth(t, f, 9) for f, t in _runs(label, g.ROLE_SONG, self.fonts)) / 2
        for font, run in _runs(label, g.ROLE_SONG, self.fonts):
            c.setFont(font, 9)
            c.drawString(x, 7 * g.MM, run)
            x += c.stringWidth(run, font, 9)
        c.showPage()
        c.save()
        return buf.getvalue()


def _runs(s: str, role: str, fonts: CatalogueFonts) -> list[tuple[str, str]]:
    """(font, text) runs of ``s``: each character in the face that draws it."""
    runs: list[tuple[str, str]] = []
    for ch in s:
        font = fonts.font_for(ch, role)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


# ---- 移交清单 (DA/T 22: the list that goes with a year's 件 to the archive) ----------------------

HANDOVER_COLUMNS = ("序号", "档号", "题名", "保管期限", "版本", "页数", "文件数", "字节数", "清单摘要（SHA-256）")
HANDOVER_WIDTHS = (12, 46, 80, 16, 12, 12, 14, 22, 73)  # 287 mm
TERMS = {"Y": "永久", "D30": "30年", "D10": "10年"}


def handover_rows(entries: list[dict[str, object]], facts: dict[str, tuple[int, int, str]]) -> list[list[str]]:
    """One row per 件 in DA/T 22's order; ``facts`` per 档号: (files, bytes, the digest of its
    versions' manifests), what the receiving archive checks the transfer against."""
    out = []
    for i, e in enumerate(in_order(entries), 1):
        files, size, digest = facts.get(str(e["档号"]), (0, 0, ""))
        out.append([str(i), str(e["档号"]), str(e["题名"]), TERMS.get(str(e["保管期限"]), str(e["保管期限"])),
                    str(e.get("版本", 1)), str(e["页数"]), str(files), str(size), digest])  # fmt: skip
    return out


def handover_totals(table: list[list[str]]) -> list[str]:
    """The counts a 移交清单 ends with: 件 per 保管期限, pages, files and bytes."""
    per_term = {t: sum(1 for r in table if r[3] == t) for t in TERMS.values()}
    terms = "，".join(f"{t} {n} 件" for t, n in per_term.items() if n)
    pages, files, size = (sum(int(r[k]) for r in table) for k in (5, 6, 7))
    return [f"共 {len(table)} 件（{terms or '无'}），{pages} 页，{files} 个文件，{size} 字节。",
            "移交单位（盖章）：　　　　　　　移交人：　　　　　　　接收单位（盖章）：　　　　　　　接收人：　　　　　　　日期："]  # fmt: skip


def handover_xlsx(table: list[list[str]], year: int) -> bytes:
    rows: list[list[object]] = [[int(r[0]), r[1], r[2], r[3], *(int(v) for v in r[4:8]), r[8]] for r in table]
    book = _workbook(f"{year}年度移交清单", (HANDOVER_COLUMNS, HANDOVER_WIDTHS), rows)
    totals = book.create_sheet("汇总")
    for line in handover_totals(table):
        totals.append([line])
    return _saved(book)


# ---- 档案盒 (boxes): cover, spine and 备考表 ------------------------------------------------------


def boxes(entries: list[dict[str, object]], per_box: int) -> list[dict[str, object]]:
    """The year's 件 in DA/T 22's order put into boxes of at most ``per_box`` 件, one class (年度,
    保管期限, 机构问题) to a box, numbered from 1: each with its 件号 range, counts and the notes its
    备考表 carries (件 撤销 or 废止, later versions)."""
    out: list[dict[str, object]] = []
    current: list[dict[str, object]] = []

    def close() -> None:
        if current:
            first, last = current[0], current[-1]
            notes = [f"{e['档号']}：{remarks(e)}" for e in current if remarks(e)]
            out.append({"盒号": len(out) + 1, "年度": first["年度"], "保管期限": TERMS.get(str(first["保管期限"]), first["保管期限"]),
                        "机构问题": first.get("机构问题", ""), "起件号": int(str(first["件号"])), "止件号": int(str(last["件号"])),
                        "起档号": first["档号"], "止档号": last["档号"], "件数": len(current),
                        "页数": sum(int(str(e.get("页数", 0) or 0)) for e in current), "说明": notes})  # fmt: skip
            current.clear()

    for e in in_order(entries):
        if current and (len(current) >= per_box or _class(current[-1]) != _class(e)):
            close()
        current.append(e)
    close()
    return out


def _class(e: dict[str, object]) -> tuple[object, object, object]:
    return e.get("年度"), e.get("保管期限"), e.get("机构问题", "")


def boxes_pdf(items: list[dict[str, object]], fonds: tuple[str, str], fonts: CatalogueFonts) -> bytes:
    """Per box, on A4: the cover, the spine label (cut out along its frame) and the 备考表.
    ``fonds``: (全宗名称, 全宗号)."""
    mm = g.MM
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"{fonds[0]} 档案盒封面、脊背和备考表")

    def text(x: float, y: float, s: str, size: float, role: str = g.ROLE_SONG, centre: bool = False) -> None:
        runs = _runs(s, role, fonts)
        if centre:
            x -= sum(c.stringWidth(t, f, size) for f, t in runs) / 2
        for font, t in runs:
            c.setFont(font, size)
            c.drawString(x, y, t)
            x += c.stringWidth(t, font, size)

    for box in items:
        span = f"{box['起件号']:04d}—{box['止件号']:04d}"
        # cover
        text(105 * mm, 250 * mm, fonds[0], 22, g.ROLE_HEI, centre=True)
        text(105 * mm, 225 * mm, "文书档案", 28, g.ROLE_XBS, centre=True)
        for k, (label, value) in enumerate((("全宗号", fonds[1]), ("年度", str(box["年度"])), ("保管期限", str(box["保管期限"])),
                                            ("机构（问题）", str(box["机构问题"])), ("件号", span), ("盒号", str(box["盒号"])))):  # fmt: skip
            y = (170 - 16 * k) * mm
            text(55 * mm, y, f"{label}：", 16, g.ROLE_HEI)
            text(95 * mm, y, value, 16)
            c.line(93 * mm, y - 2 * mm, 160 * mm, y - 2 * mm)
        c.showPage()
        # spine: 40 mm wide (a 4 cm box), its fields top to bottom
        c.rect(85 * mm, 30 * mm, 40 * mm, 240 * mm)
        lines = (fonds[1], str(box["年度"]), str(box["保管期限"]), str(box["机构问题"]), span, f"第{box['盒号']}盒")
        for k, value in enumerate(lines):
            text(105 * mm, (250 - 36 * k) * mm, value, 16, g.ROLE_HEI, centre=True)
        text(105 * mm, 22 * mm, "（沿框线剪下，贴于档案盒脊背）", 10, centre=True)
        c.showPage()
        # 备考表
        text(105 * mm, 265 * mm, "备考表", 22, g.ROLE_HEI, centre=True)
        text(25 * mm, 245 * mm, f"盒内文件情况说明：本盒共 {box['件数']} 件，{box['页数']} 页（件号 {span}）。", 14)
        y = 233 * mm
        for note in box["说明"]:  # type: ignore[attr-defined]
            text(30 * mm, y, str(note), 12)
            y -= 8 * mm
        c.rect(20 * mm, 60 * mm, 170 * mm, 195 * mm)
        for k, label in enumerate(("整理人：", "检查人：", "立表日期：")):
            text(110 * mm, (48 - 12 * k) * mm, label, 14)
        c.showPage()
    c.save()
    return buf.getvalue()
