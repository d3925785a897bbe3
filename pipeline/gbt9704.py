"""GB/T 9704-2012 geometry and typography as named constants (mm unless the name says pt).

One source for the PDF typesetter, the DOCX template builder and the tests. Model B grid:
22 lines fill the 225 mm 版心 (first em-top on the 版心 top, last em-bottom on its bottom).
"""

from __future__ import annotations

import re

MM = 72 / 25.4  # points per mm

PAGE_W = 210.0
PAGE_H = 297.0
TOP = 37.0  # 天头
LEFT = 28.0  # 订口
BODY_W = 156.0
BODY_H = 225.0
RIGHT = LEFT + BODY_W  # 184
BOTTOM = TOP + BODY_H  # 262
CENTRE_X = LEFT + BODY_W / 2  # 106

LINES = 22
CHARS = 28
SIZE_3 = 16.0  # 三号, pt
SIZE_4 = 14.0  # 四号
SIZE_2 = 22.0  # 二号
SIZE_0 = 42.0  # 初号
SIZE_TABLE = 12.0  # 小四, for table cells
EM_3 = SIZE_3 / MM  # 5.644 mm
CHAR = BODY_W / CHARS  # 1 字 = 5.571 mm
PITCH = (BODY_H - EM_3) / (LINES - 1)  # 10.4455 mm
CHAR_4 = SIZE_4 / MM  # 1 字 in the 版记 and page numbers: a 四号 character, 4.94 mm

MARK_INK_TOP = TOP + 35.0  # 发文机关标志 / 纪要标志 ink top, 72 mm
SEPARATOR_GAP = 4.0  # red line below the 发文字号 em-bottom
SEPARATOR_WIDTH = 0.5
FOOTER_RULE_THICK = 0.35
FOOTER_RULE_THIN = 0.25
PAGE_NUMBER_DASH_Y = BOTTOM + 7.0  # 269 mm

RED_RGB = (230 / 255, 0.0, 18 / 255)  # #E60012

# 归档章 (DA/T 22): a red 2 x 3 box on the archival copy's first page, in the blank above the 版心
ARCHIVE_STAMP_W, ARCHIVE_STAMP_H = 45.0, 16.0  # mm
ARCHIVE_STAMP_TOP = 12.0  # mm from the page top (the 版心 starts at 37 mm)
ARCHIVE_STAMP_SIZE = 10.0  # pt, the cells' text
ARCHIVE_STAMP_OUTER, ARCHIVE_STAMP_INNER = 0.5, 0.3  # mm: the box's outline, the lines between cells
RED_HEX = "E60012"

# Word/WPS implementation of model B (GB/T 33476.2 figures).
DOCX_MARGIN_TOP = 34.6
DOCX_MARGIN_BOTTOM = 32.6
DOCX_MARGIN_LEFT = 28.0
DOCX_MARGIN_RIGHT = 26.0
DOCX_LINE_PT = 29.6


def line_top(n: int) -> float:
    """Em-top (mm from the page top) of grid line ``n`` (1-based; may exceed 22 for maths)."""
    return TOP + (n - 1) * PITCH


# Font roles: the standard face names a DOCX asks for, per role.
ROLE_XBS = "小标宋"
ROLE_FANGSONG = "仿宋"
ROLE_HEI = "黑体"
ROLE_KAI = "楷体"
ROLE_SONG = "宋体"
ROLES = (ROLE_XBS, ROLE_FANGSONG, ROLE_HEI, ROLE_KAI, ROLE_SONG)

DOCX_FONT = {
    ROLE_XBS: "方正小标宋简体",
    ROLE_FANGSONG: "仿宋_GB2312",
    ROLE_HEI: "黑体",
    ROLE_KAI: "楷体_GB2312",
    ROLE_SONG: "宋体",
}

HEADING_ROLE = {1: ROLE_HEI, 2: ROLE_KAI, 3: ROLE_FANGSONG, 4: ROLE_FANGSONG}

# 避头尾 (GB/T 15834 and common practice): characters that may not start / end a line.
NO_LINE_START = set("，。、；：？！）》」』】〕〉］｝”’…—·％‰℃°,.;:?!)]}>%〗〙〛｠｡､ー々〻ゝゞ・")
NO_LINE_END = set("（《「『【〔〈［｛“‘([{<〖〘〚｟")
# Full-width punctuation that may be set at half width to pull a forbidden character in.
SQUEEZABLE = set("，。、；：？！）》」』】〕〉（《「『【〔〈“”‘’")

NUMBER_PLACEHOLDER = "□"
# 发文字号 (§7.2.5): 〔〕 brackets, four-digit year, no leading zero, no 第.
NUMBER_FORM = re.compile(r"^(?P<code>\S+?)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


SEAL_DIAMETER = 42.0  # a seal image as printed
SEAL_GAP = 4.0  # between two seals side by side: they never touch (§7.3.5.1)
SEAL_ROW_LINES = 5  # grid lines from one row of sealed 署名 to the next: 52 mm > one seal


def seal_rows(widths: list[float], date_w: float) -> tuple[float, float, float, int]:
    """A sealed 联合行文's 署名 (§7.3.5.1): the date 右空四字 at x ``date_x``; the last 署名 of a row
    centred on it at ``centre``; the others ``step`` apart to its left (seals never touch, a
    署名 never meets the next); ``per_row`` of them fit in the 版心. Widths in mm."""
    date_x = RIGHT - 4 * CHAR - date_w
    centre = date_x + date_w / 2
    step = max(SEAL_DIAMETER + SEAL_GAP, max(widths) + 2 * CHAR)
    per_row = max(1, 1 + int((centre - max(SEAL_DIAMETER, max(widths)) / 2 - LEFT) // step))
    return date_x, centre, step, per_row


def mark_fit(width_at_42: float) -> tuple[float, float]:
    """Size (pt) and horizontal scale of a 发文机关标志 whose width at 初号 is ``width_at_42`` mm.

    初号 if it fits the 版心; else condensed, but never below 70 %: the size shrinks first.
    """
    scale = min(1.0, BODY_W / width_at_42) if width_at_42 else 1.0
    size = SIZE_0
    if scale < 0.7:
        size = SIZE_0 * scale / 0.7
        scale = 0.7
    return size, scale


def cn_date(d: object) -> str:
    """2021-09-16 -> 2021年9月16日 (§7.3.5.4: Arabic numerals, no leading zeros)."""
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"  # type: ignore[attr-defined]


def ended(text: str) -> str:
    """A 版记 list ends with 。 (§7.4.2)."""
    return text if text.endswith("。") else text.rstrip("，,;；、") + "。"
