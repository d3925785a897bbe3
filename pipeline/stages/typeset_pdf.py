"""Step 5: DocumentRequest + fonts -> PDF bytes, typeset with reportlab to GB/T 9704-2012.

The page is the model-B grid: 22 lines of 三号 text filling the 225 mm 版心, 28 characters a
line. Everything in the 主体 is composed into grid-line slots (one slot = one grid line), the
slots are paginated, then the 版记 is set at the bottom of the last (even) page and the page
numbers are added. Every glyph is drawn at an exact position with the canvas, each by a font that
has it (per-glyph fallback), so nothing is ever drawn as an empty box.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import Protocol

from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from pipeline import gbt9704 as g
from pipeline import rltuning
from pipeline.frozen import frozen
from pipeline.gbt9704 import ended
from pipeline.linebreak import BrokenLine
from pipeline.linebreak import break_lines
from pipeline.linebreak import is_wide
from pipeline.linebreak import units
from pipeline.model import AttachmentPage
from pipeline.model import Block
from pipeline.model import BlockKind
from pipeline.model import Composition
from pipeline.model import Head
from pipeline.model import Imprint
from pipeline.model import Signature
from pipeline.model import Table

rltuning.install()
_ESCAPED = [escapePDF(bytes((b,))) for b in range(256)]
_MARK = "\0"  # between escaped codes: no escaped code contains it
_SAME = re.compile(r"(.)\1*", re.DOTALL)  # a stretch of one character

MM = g.MM
BLACK = (0.0, 0.0, 0.0)
DRAFT_GREY = (0.82, 0.82, 0.82)
TABLE_RULE = 0.25  # mm
RED = g.RED_RGB
EPS = 1e-4
JOINT_MARK_PITCH = 1.25  # em: the stacked names of a joint 标志
JOINT_MARK_GAP = 0.5  # em: between the stacked names and 文件


class Fonts(Protocol):
    """What the typesetter needs from the font edge (pipeline.store.fonts.FontSet)."""

    def role_font(self, role: str) -> str: ...
    def font_for(self, char: str, role: str) -> str: ...
    def width(self, name: str, text: str, size: float) -> float: ...
    def descent(self, name: str) -> float: ...
    def ink(self, name: str, char: str) -> tuple[float, float, float, float]: ...
    def glyph(self, char: str, role: str) -> tuple[str, float]: ...
    def glyphs(self, role: str) -> dict[str, tuple[str, float]]: ...


@dataclass
class Run:
    """Glyphs drawn in one go: x and baseline in mm from the page's top-left corner."""

    x: float
    baseline: float
    font: str
    size: float
    text: str
    char_space: float = 0.0  # pt
    color: tuple[float, float, float] = BLACK
    hscale: float = 100.0


@dataclass
class Rule:
    """A straight line from (x1, y1) to (x2, y2), mm from the top-left; ``width`` its stroke."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    color: tuple[float, float, float] = BLACK


def hrule(x1: float, x2: float, y: float, width: float, color: tuple[float, float, float] = BLACK) -> Rule:
    return Rule(x1, y, x2, y, width, color)


@dataclass
class Picture:
    data: bytes
    x: float
    top: float
    w: float
    h: float


@dataclass
class Page:
    runs: list[Run] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    numbered: bool = True
    used: int = 0  # last grid line holding content


@dataclass
class Slot:
    """One grid line of the 主体: ``make(em_top)`` returns what is drawn on it."""

    make: Callable[[float], list[Run]]
    blank: bool = False
    keep_next: bool = False
    break_before: bool = False
    pictures: Callable[[float], list[Picture]] | None = None
    rules: Callable[[float], list[Rule]] | None = None
    header: list[Slot] | None = None  # a table's header row, repeated on a new page
    then_pages: int = 0  # pages of an appended file that follow this slot's page
    holds_file: bool = False  # this slot's page also takes an appended file's first page


def _blank() -> Slot:
    return Slot(lambda top: [], blank=True)


class Typesetter:
    """Composes one document. Not thread-safe; make one per document."""

    def __init__(self, fonts: Fonts) -> None:
        self.fonts = fonts
        self.pages: list[Page] = []
        self.placeholders: list[int] = []  # page indexes reserved for appended attachment files

    # ---- glyph level -------------------------------------------------------------------

    def _narrow(self, role: str, size: float) -> Callable[[str], float]:
        glyph = self.fonts.glyph

        def measure(text: str) -> float:
            return sum(glyph(ch, role)[1] for ch in text) * size / MM

        return measure

    def baseline(self, em_top: float, role: str, size: float) -> float:
        """Baseline (mm) that puts a PDF reader's em box top at ``em_top``."""
        d = self.fonts.descent(self.fonts.role_font(role))
        return em_top + (1 - d) * size / MM

    def glyph_runs(self, pieces: list[tuple[str, float, float]], baseline: float, role: str, size: float,
                   color: tuple[float, float, float] = BLACK) -> list[Run]:  # fmt: skip
        """Runs for (char, x, advance) triples; neighbours with one font and spacing merge."""
        runs: list[Run] = []
        glyph = self.fonts.glyph
        run: Run | None = None
        chars: list[str] = []  # the current run's text, joined once it ends
        last_end = 0.0
        for ch, x, adv in pieces:
            font, em = glyph(ch, role)
            tc = adv * MM - em * size
            if run is not None and run.font == font and abs(run.char_space - tc) < EPS and abs(last_end - x) < EPS:
                chars.append(ch)
            else:
                if run is not None:
                    run.text = "".join(chars)
                run = Run(x, baseline, font, size, ch, tc, color)
                runs.append(run)
                chars = [ch]
            last_end = x + adv
        if run is not None:
            run.text = "".join(chars)
        return runs

    def line_runs(self, line: BrokenLine, left: float, baseline: float, role: str, size: float) -> list[Run]:
        """A broken line's runs: ``glyph_runs`` of its glyphs, in one pass (the typesetter's hot path).
        The current run's font, spacing and end are kept in locals, not read back from it."""
        runs: list[Run] = []
        glyph = self.fonts.glyph
        known = self.fonts.glyphs(role)  # glyph's own table, read here without a call per character
        units, xs = line.units, line.xs
        count = len(units)
        chars: list[str] = []  # the current run's text, joined once it ends
        run_font, run_tc, run_end = "", 0.0, math.inf  # no run yet: nothing continues it
        for k in range(count):
            unit = units[k]
            if unit.space:
                continue
            x = left + xs[k]
            # the justification space after a unit belongs to its advance, so runs stay whole
            end = left + xs[k + 1] if k + 1 < count else x + unit.width - line.squeezes[k]
            text = unit.text
            if len(text) == 1:  # almost every unit: one CJK character, advancing to the next unit
                font, em = known.get(text) or glyph(text, role)
                adv = end - x
                tc = adv * MM - em * size
                if run_font == font and -EPS < run_tc - tc < EPS and -EPS < run_end - x < EPS:
                    chars.append(text)
                else:
                    if runs:
                        runs[-1].text = "".join(chars)
                    runs.append(Run(x, baseline, font, size, text, tc, BLACK))
                    chars = [text]
                    run_font, run_tc = font, tc
                run_end = x + adv
                continue
            # the same run test as above, written out again: a helper called per glyph cost a
            # fifth of this loop, the typesetter's hottest
            for ch, adv in self._advances(text, x, end, unit.wide, role, size):
                font, em = glyph(ch, role)
                tc = adv * MM - em * size
                if run_font == font and -EPS < run_tc - tc < EPS and -EPS < run_end - x < EPS:
                    chars.append(ch)
                else:
                    if runs:
                        runs[-1].text = "".join(chars)
                    runs.append(Run(x, baseline, font, size, ch, tc, BLACK))
                    chars = [ch]
                    run_font, run_tc = font, tc
                x += adv
                run_end = x
        if runs:
            runs[-1].text = "".join(chars)
        return runs

    def _advances(self, text: str, x: float, end: float, wide: bool, role: str, size: float) -> list[tuple[str, float]]:  # fmt: skip
        """Each character of a unit with its advance: a wide unit's share the same, a narrow
        unit's its own width, the last taking what is left up to ``end``."""
        if wide:
            share = (end - x) / len(text)
            return [(ch, share) for ch in text]
        out = []
        final = len(text) - 1
        for i, ch in enumerate(text):
            adv = end - x if i == final else self.fonts.glyph(ch, role)[1] * size / MM
            out.append((ch, adv))
            x += adv
        return out

    def compose(self, text: str, role: str, size: float, first_width: float, rest_width: float,
                pitch: float) -> list[BrokenLine]:  # fmt: skip
        narrow = self._narrow(role, size)
        return break_lines(units(text, pitch, narrow), first_width, rest_width, narrow)

    def text_width(self, text: str, role: str, size: float, pitch: float) -> float:
        """Width in mm of a one-line text on the grid (wide chars at ``pitch``)."""
        narrow = self._narrow(role, size)
        return sum(u.width for u in units(text, pitch, narrow))

    def simple_runs(self, text: str, x: float, baseline: float, role: str, size: float, pitch: float,
                    color: tuple[float, float, float] = BLACK) -> list[Run]:  # fmt: skip
        pieces = []
        for ch in text:
            adv = pitch if is_wide(ch) else self.fonts.width(self.fonts.font_for(ch, role), ch, size) / MM
            pieces.append((ch, x, adv))
            x += adv
        return self.glyph_runs(pieces, baseline, role, size, color)

    # ---- slots ---------------------------------------------------------------------------

    def paragraph_slots(self, text: str, role: str, indent: float = 2 * g.CHAR, hanging: float = 0.0,
                        size: float = g.SIZE_3) -> list[Slot]:  # fmt: skip
        """A paragraph on the grid: first line at ``indent``, the rest at ``hanging``."""
        lines = self.compose(text, role, size, g.BODY_W - indent, g.BODY_W - hanging, g.CHAR)
        slots = []
        for i, line in enumerate(lines):
            left = g.LEFT + (indent if i == 0 else hanging)
            slots.append(Slot(self._line_maker(line, left, role, size)))
        return slots

    def _line_maker(self, line: BrokenLine, left: float, role: str, size: float) -> Callable[[float], list[Run]]:
        def make(top: float) -> list[Run]:
            return self.line_runs(line, left, self.baseline(top, role, size), role, size)

        return make

    def block_slots(self, block: Block) -> list[Slot]:
        if block.kind == BlockKind.BLANK:
            return [_blank()]
        if block.kind == BlockKind.ATTENDANCE:
            return self.attendance_slots(block.label, block.text)
        if block.kind == BlockKind.TABLE and block.table is not None:
            return self.table_slots(block.text, block.table)
        role = g.ROLE_FANGSONG
        if block.kind == BlockKind.HEADING:
            role = g.HEADING_ROLE.get(block.level, g.ROLE_FANGSONG)
        slots = self.paragraph_slots(block.text, role)
        if block.kind == BlockKind.HEADING and slots:
            slots[-1].keep_next = True
        return slots

    def attendance_slots(self, label: str, names: str) -> list[Slot]:
        """纪要 出席/请假/列席 (§10.3): label in 黑体 2 字 in, names in 仿宋 hanging after the colon."""
        label_text = f"{label}："
        x_names = g.LEFT + 2 * g.CHAR + self.text_width(label_text, g.ROLE_HEI, g.SIZE_3, g.CHAR)
        lines = self.compose(names, g.ROLE_FANGSONG, g.SIZE_3, g.RIGHT - x_names, g.RIGHT - x_names, g.CHAR)
        slots = []
        for i, line in enumerate(lines):

            def make(top: float, line: BrokenLine = line, first: bool = i == 0) -> list[Run]:
                runs: list[Run] = []
                if first:
                    runs += self.simple_runs(label_text, g.LEFT + 2 * g.CHAR, self.baseline(top, g.ROLE_HEI, g.SIZE_3),
                                             g.ROLE_HEI, g.SIZE_3, g.CHAR)  # fmt: skip
                return runs + self.line_runs(line, x_names, self.baseline(top, g.ROLE_FANGSONG, g.SIZE_3),
                                             g.ROLE_FANGSONG, g.SIZE_3)  # fmt: skip

            slots.append(Slot(make, keep_next=i < len(lines) - 1))
        return slots

    def table_slots(self, caption: str, table: Table) -> list[Slot]:
        """A table on the grid: each text line of a row takes one grid line; ruled in black; the
        header row is repeated at the top of every page the table continues on."""
        size = g.SIZE_TABLE
        pitch = size / MM
        pad = 0.8
        edges = [g.LEFT]
        for w in table.widths:
            edges.append(edges[-1] + w * g.BODY_W / sum(table.widths))
        gap = (g.PITCH - g.EM_3) / 2

        def row_slots(cells: tuple[str, ...], role: str, header: bool) -> list[Slot]:
            broken = []
            for k, text in enumerate(cells):
                width = edges[k + 1] - edges[k] - 2 * pad
                broken.append(self.compose(text, role, size, width, width, pitch) or [])
            height = max(1, *(len(b) for b in broken))
            slots = []
            for li in range(height):

                def make(top: float, li: int = li) -> list[Run]:
                    base = self.baseline(top + (g.EM_3 - size / MM) / 2, role, size)
                    runs: list[Run] = []
                    for k, lines in enumerate(broken):
                        if li < len(lines):
                            line = lines[li]
                            used = line.end
                            cell_w = edges[k + 1] - edges[k] - 2 * pad
                            x = (
                                edges[k] + pad + (cell_w - used) / 2
                                if header or (len(lines) == 1 and k != 2)
                                else edges[k] + pad
                            )
                            runs += self.line_runs(line, x, base, role, size)
                    return runs

                def rules(top: float, li: int = li) -> list[Rule]:
                    y0, y1 = top - gap, top + g.EM_3 + gap
                    out = [Rule(x, y0, x, y1, TABLE_RULE) for x in edges]
                    if header and li == 0:
                        out.append(hrule(g.LEFT, g.RIGHT, y0, TABLE_RULE))
                    if li == height - 1:
                        out.append(hrule(g.LEFT, g.RIGHT, y1, TABLE_RULE))
                    return out

                slots.append(Slot(make, keep_next=li < height - 1, rules=rules))
            return slots

        header = row_slots(table.header, g.ROLE_HEI, header=True)
        header[-1].keep_next = True
        caption_slots = self.centred_slots([caption], g.ROLE_HEI, g.SIZE_3, g.CHAR) if caption else []
        for s in caption_slots:
            s.keep_next = True
        slots = caption_slots + header
        for row in table.rows:
            body = row_slots(row, g.ROLE_FANGSONG, header=False)
            for s in body:
                s.header = header
            slots += body
        return slots

    def centred_slots(self, lines: list[str], role: str, size: float, pitch: float) -> list[Slot]:
        slots = []
        for text in lines:
            width = self.text_width(text, role, size, pitch)
            x = g.CENTRE_X - width / 2

            def make(top: float, text: str = text, x: float = x) -> list[Run]:
                # a larger size is centred on the grid line's em box
                em_top = top + g.EM_3 / 2 - size / MM / 2
                return self.simple_runs(text, x, self.baseline(em_top, role, size), role, size, pitch)

            slots.append(Slot(make))
        return slots

    # ---- pagination ----------------------------------------------------------------------

    def paginate(self, slots: list[Slot], first_page: Page, first_line: int) -> None:
        page = first_page
        self.pages.append(page)
        line = first_line
        i = 0

        def new_page() -> Page:
            fresh = Page()
            self.pages.append(fresh)
            return fresh

        while i < len(slots):
            slot = slots[i]
            if slot.break_before and (page.used or len(self.pages) > 1 or line > first_line):
                page = new_page()
                line = 1
            if slot.blank and line == 1 and len(self.pages) > 1:
                i += 1
                continue
            chain = 1
            while i + chain - 1 < len(slots) - 1 and slots[i + chain - 1].keep_next:
                chain += 1
            remaining = g.LINES - line + 1
            if (chain > remaining and chain <= g.LINES and line > 1) or line > g.LINES:
                page = new_page()
                line = 1
                if slot.header is not None:  # a table goes on: its header row first
                    for head in slot.header:
                        line = self._place(page, head, line)
                continue
            line = self._place(page, slot, line)
            i += 1
            if slot.holds_file:  # the file's first page goes under this one: nothing else on it
                page.used = g.LINES
                self.placeholders.append(len(self.pages) - 1)
                line = g.LINES + 1
            for _ in range(slot.then_pages):  # room for an attachment file, merged in later
                page = new_page()
                page.used = g.LINES
                self.placeholders.append(len(self.pages) - 1)
                line = g.LINES + 1

    @staticmethod
    def _place(page: Page, slot: Slot, line: int) -> int:
        top = g.line_top(line)
        page.runs.extend(slot.make(top))
        if slot.pictures is not None:
            page.pictures.extend(slot.pictures(top))
        if slot.rules is not None:
            page.rules.extend(slot.rules(top))
        if not slot.blank:
            page.used = line
        return line + 1

    # ---- the 版头 -------------------------------------------------------------------------

    def mark_runs(self, text: str, ink_top: float) -> tuple[list[Run], float]:
        """The red 发文机关标志, ink top at ``ink_top``; returns runs and the ink bottom (mm)."""
        role = g.ROLE_XBS
        size, scale = g.mark_fit(self.text_width(text, role, g.SIZE_0, g.SIZE_0 / MM))
        width = self.text_width(text, role, size, size / MM)
        inks = [self.fonts.ink(self.fonts.font_for(ch, role), ch) for ch in text if not ch.isspace()]
        top_em = max((i[3] for i in inks), default=0.88)
        bottom_em = min((i[1] for i in inks), default=-0.12)
        baseline = ink_top + top_em * size / MM
        x0 = g.CENTRE_X - width * scale / 2
        runs = self.simple_runs(text, x0, baseline, role, size, size / MM, RED)
        for r in runs:  # Tz scales glyphs and spacing alike: only the origins move
            r.x = x0 + (r.x - x0) * scale
            r.hscale = scale * 100
        return runs, baseline - bottom_em * size / MM

    def joint_mark_runs(self, names: tuple[str, ...], suffix: str, ink_top: float) -> tuple[list[Run], float]:
        """A 联合行文's 标志 (GB/T 9704 §7.2.4): the organs' names stacked, the 主办机关 first, each
        spread to the longest name's width; ``suffix`` (文件) to their right, centred on them
        vertically; the whole centred on the 版心 and condensed like a single 标志."""
        role = g.ROLE_XBS
        at_0 = [self.text_width(n, role, g.SIZE_0, g.SIZE_0 / MM) for n in names]
        gap_em = JOINT_MARK_GAP if suffix else 0.0
        suffix_0 = self.text_width(suffix, role, g.SIZE_0, g.SIZE_0 / MM) if suffix else 0.0
        size, scale = g.mark_fit(max(at_0) + gap_em * g.SIZE_0 / MM + suffix_0)
        em = size / MM
        names_w = max(at_0) * size / g.SIZE_0
        total = names_w + gap_em * em + suffix_0 * size / g.SIZE_0
        x0 = g.CENTRE_X - total * scale / 2
        inks = [self.fonts.ink(self.fonts.font_for(ch, role), ch) for n in names for ch in n if not ch.isspace()]
        top_em = max((i[3] for i in inks), default=0.88)
        bottom_em = min((i[1] for i in inks), default=-0.12)
        runs: list[Run] = []
        baseline = ink_top + top_em * em
        for k, name in enumerate(names):
            baseline = ink_top + top_em * em + k * JOINT_MARK_PITCH * em
            pitch = (names_w - em) / (len(name) - 1) if len(name) > 1 else em  # 分散对齐
            runs += self.simple_runs(name, x0, baseline, role, size, pitch, RED)
        ink_bottom = baseline - bottom_em * em
        if suffix:
            s_inks = [self.fonts.ink(self.fonts.font_for(ch, role), ch) for ch in suffix]
            s_top, s_bottom = max(i[3] for i in s_inks), min(i[1] for i in s_inks)
            s_base = (ink_top + ink_bottom) / 2 + (s_top + s_bottom) * em / 2
            runs += self.simple_runs(suffix, x0 + names_w + gap_em * em, s_base, role, size, em, RED)
        for r in runs:  # condensed about the block's left edge, as mark_runs does
            r.x = x0 + (r.x - x0) * scale
            r.hscale = scale * 100
        return runs, ink_bottom

    def head(self, head: Head) -> tuple[Page, int]:
        """Page 1's 版头; returns the page and the first grid line for the title."""
        page = Page()
        line = 1
        for text, role in ((head.copy_number, g.ROLE_FANGSONG), (head.secrecy, g.ROLE_HEI),
                           (head.urgency, g.ROLE_HEI)):  # fmt: skip
            if text:
                top = g.line_top(line)
                page.runs += self.simple_runs(text, g.LEFT, self.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)
                line += 1
        if head.joint:
            runs, ink_bottom = self.joint_mark_runs(head.joint, head.joint_suffix, g.MARK_INK_TOP)
        else:
            runs, ink_bottom = self.mark_runs(head.mark, g.MARK_INK_TOP)
        page.runs += runs
        role = g.ROLE_FANGSONG
        if head.serial:
            # 纪要/简报 head: 第N期 centred one blank line under the mark, then 编发单位 (left, 1 字 in)
            # and the date (right, 1 字 in), then the red line
            n = math.ceil((ink_bottom + g.PITCH - g.TOP) / g.PITCH - 1e-6) + 1
            top = g.line_top(n)
            x = g.CENTRE_X - self.text_width(head.number, role, g.SIZE_3, g.CHAR) / 2
            page.runs += self.simple_runs(head.number, x, self.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)
            number_line = n + 1
            top = g.line_top(number_line)
            base = self.baseline(top, role, g.SIZE_3)
            page.runs += self.simple_runs(head.editor, g.LEFT + g.CHAR, base, role, g.SIZE_3, g.CHAR)
            date_w = self.text_width(head.date, role, g.SIZE_3, g.CHAR)
            page.runs += self.simple_runs(head.date, g.RIGHT - g.CHAR - date_w, base, role, g.SIZE_3, g.CHAR)
        else:
            n = math.ceil((ink_bottom + 2 * g.PITCH - g.TOP) / g.PITCH - 1e-6) + 1
            number_line = n
            if head.signers:
                number_line = n + (len(head.signers) - 1) // 2
                self._signers(page, head.signers, n)
                x = g.LEFT + g.CHAR
            else:
                x = g.CENTRE_X - self.text_width(head.number, role, g.SIZE_3, g.CHAR) / 2
            top = g.line_top(number_line)
            page.runs += self.simple_runs(head.number, x, self.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)
        sep_y = g.line_top(number_line) + g.EM_3 + g.SEPARATOR_GAP
        page.rules.append(hrule(g.LEFT, g.RIGHT, sep_y, g.SEPARATOR_WIDTH, RED))
        page.used = number_line
        return page, number_line + 3

    def _signers(self, page: Page, signers: tuple[str, ...], first_line: int) -> None:
        """签发人: label in 仿宋, names in 楷体, two a line, block right edge 1 字 in."""
        label = "签发人："
        rows = [signers[i : i + 2] for i in range(0, len(signers), 2)]
        names_w = max(self.text_width("　".join(r), g.ROLE_KAI, g.SIZE_3, g.CHAR) for r in rows)
        label_w = self.text_width(label, g.ROLE_FANGSONG, g.SIZE_3, g.CHAR)
        names_x = g.RIGHT - g.CHAR - names_w
        for k, row in enumerate(rows):
            top = g.line_top(first_line + k)
            if k == 0:
                page.runs += self.simple_runs(label, names_x - label_w, self.baseline(top, g.ROLE_FANGSONG, g.SIZE_3),
                                              g.ROLE_FANGSONG, g.SIZE_3, g.CHAR)  # fmt: skip
            page.runs += self.simple_runs("　".join(row), names_x, self.baseline(top, g.ROLE_KAI, g.SIZE_3),
                                          g.ROLE_KAI, g.SIZE_3, g.CHAR)  # fmt: skip

    # ---- 版记 and page numbers ----------------------------------------------------------------

    def imprint_rows(self, imprint: Imprint, moved_recipients: str) -> tuple[list[list[Run]], int]:
        """The 版记 text rows, top first, one grid pitch each; and how many are the 印发 rows."""
        size = g.SIZE_4
        role = g.ROLE_FANGSONG
        pitch = size / MM
        rows: list[tuple[list[Run], str]] = []
        width = g.BODY_W - 2 * g.CHAR_4

        def labelled(label: str, text: str) -> None:
            label_w = self.text_width(label, role, size, pitch)
            lines = self.compose(text, role, size, width - label_w, width - label_w, pitch)
            for i, line in enumerate(lines):
                left = g.LEFT + g.CHAR_4 + label_w
                runs: list[Run] = []
                if i == 0:
                    runs += self.simple_runs(label, g.LEFT + g.CHAR_4, 0.0, role, size, pitch)
                runs += self.line_runs(line, left, 0.0, role, size)
                rows.append((runs, "text"))

        if moved_recipients:
            labelled("主送：", moved_recipients)
        if imprint.copies:
            labelled(f"{imprint.copies_label}：", imprint.copies)
        date = imprint.date
        date_w = self.text_width(date, role, size, pitch)
        room = width - date_w - g.CHAR_4  # 印发机关 wraps rather than run into the date
        printer_lines = self.compose(imprint.printer, role, size, room, room, pitch) if imprint.printer else []
        for i, line in enumerate(printer_lines or [None]):
            runs = self.line_runs(line, g.LEFT + g.CHAR_4, 0.0, role, size) if line is not None else []
            if i == len(printer_lines or [None]) - 1:
                runs += self.simple_runs(date, g.RIGHT - g.CHAR_4 - date_w, 0.0, role, size, pitch)
            rows.append((runs, "imprint"))
        return [r for r, _ in rows], sum(1 for _, kind in rows if kind == "imprint")

    def place_imprint(self, page: Page, rows: list[list[Run]], imprint_rows: int = 1) -> None:
        count = len(rows)
        band = g.PITCH
        role = g.ROLE_FANGSONG
        for k, runs in enumerate(rows):
            band_bottom = g.BOTTOM - (count - 1 - k) * band
            em_top = band_bottom - band / 2 - g.SIZE_4 / MM / 2
            base = self.baseline(em_top, role, g.SIZE_4)
            for r in runs:
                r.baseline = base
            page.runs += runs
        top_y = g.BOTTOM - count * band
        page.rules.append(hrule(g.LEFT, g.RIGHT, top_y, g.FOOTER_RULE_THICK))
        if count > imprint_rows:
            page.rules.append(hrule(g.LEFT, g.RIGHT, g.BOTTOM - imprint_rows * band, g.FOOTER_RULE_THIN))
        page.rules.append(hrule(g.LEFT, g.RIGHT, g.BOTTOM - g.FOOTER_RULE_THICK / 2, g.FOOTER_RULE_THICK))
        # the bottom rule's lower edge sits on the 版心 bottom; its centre just above it

    def add_imprint(self, rows: list[list[Run]], imprint_rows: int = 1) -> None:
        """Put the 版记 on the last page, which must be even; add unnumbered pages if needed."""
        need = len(rows)
        last = self.pages[-1]
        index = len(self.pages)
        if index % 2 == 0 and last.used <= g.LINES - need - 1:  # a blank line above the 版记
            self.place_imprint(last, rows, imprint_rows)
            return
        if index % 2 == 0:  # even but full: a blank odd page, then the 版记 page
            self.pages.append(Page(numbered=False))
        page = Page(numbered=False)
        self.pages.append(page)
        self.place_imprint(page, rows, imprint_rows)
        # the pages added here hold no 主体 text: neither carries a page number (§7.5)

    def number_pages(self) -> None:
        role = g.ROLE_SONG
        size = g.SIZE_4
        dash_font = self.fonts.font_for("—", role)
        ink = self.fonts.ink(dash_font, "—")
        mid = (ink[1] + ink[3]) / 2 * size / MM
        baseline = g.PAGE_NUMBER_DASH_Y + mid
        for i, page in enumerate(self.pages, 1):
            if not page.numbered:
                continue
            text = f"— {i} —"
            width = sum(self.fonts.width(self.fonts.font_for(ch, role), ch, size) for ch in text) / MM
            x = g.RIGHT - g.CHAR_4 - width if i % 2 == 1 else g.LEFT + g.CHAR_4
            pieces = []
            for ch in text:
                adv = self.fonts.width(self.fonts.font_for(ch, role), ch, size) / MM
                pieces.append((ch, x, adv))
                x += adv
            page.runs += self.glyph_runs(pieces, baseline, role, size)

    # ---- output -------------------------------------------------------------------------------

    def render(self, comp: Composition) -> bytes:
        buf = io.BytesIO()
        # the canvas's initial font is one fawen embeds: reportlab's default, Helvetica, is never
        # embedded and a PDF/A file may not reference it
        initial = self.fonts.font_for("一", g.ROLE_FANGSONG)
        c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=initial)
        c.setTitle(comp.title + ("（草稿）" if comp.draft else ""))
        c.setAuthor("、".join(comp.authors))
        c.setSubject(comp.head.number)
        c.setKeywords(comp.keywords)
        c.setCreator("fawen")
        c.setProducer("fawen (reportlab)")
        height = A4[1]
        self._assign_subsets(c)
        codes = _Codes(c._doc)  # noqa: SLF001
        for page in self.pages:
            if comp.draft:
                self._watermark(c)
            for pic in page.pictures:
                c.drawImage(ImageReader(io.BytesIO(pic.data)), pic.x * MM, height - (pic.top + pic.h) * MM,
                            pic.w * MM, pic.h * MM, mask="auto")  # fmt: skip
            for rule in page.rules:
                c.setStrokeColorRGB(*rule.color)
                c.setLineWidth(rule.width * MM)
                c.line(rule.x1 * MM, height - rule.y1 * MM, rule.x2 * MM, height - rule.y2 * MM)
            ops: list[str] = ["BT"]
            colour: tuple[float, float, float] | None = None
            hscale = 100.0
            for run in page.runs:
                if run.color != colour:
                    colour = run.color
                    ops.append(f"{fp_str(*colour)} rg")
                if run.hscale != hscale:
                    hscale = run.hscale
                    ops.append(f"{fp_str(hscale)} Tz")
                ops.append(f"1 0 0 1 {fp_str(run.x * MM, height - run.baseline * MM)} Tm")
                ops.extend(codes.show(run))
            ops.append("ET")
            c._code.append("\n".join(ops))  # noqa: SLF001 — the canvas's page content stream
            c.showPage()
        c.save()
        return buf.getvalue()

    def _watermark(self, c: canvas.Canvas) -> None:
        """草稿: a large grey diagonal mark under the text of every page."""
        text = "草稿"
        font = self.fonts.font_for(text[0], g.ROLE_HEI)
        c.saveState()
        c.setFillColorRGB(*DRAFT_GREY)
        c.translate(g.PAGE_W / 2 * MM, g.PAGE_H / 2 * MM)
        c.rotate(45)
        c.setFont(font, 150)
        c.drawCentredString(0, -50, text)
        c.restoreState()

    def _assign_subsets(self, c: canvas.Canvas) -> None:
        """Give each face's most frequent characters the first 256-glyph subset: lines then
        switch subsets (and fonts) less often."""
        texts: dict[str, list[str]] = {}
        for page in self.pages:
            for run in page.runs:
                per_font = texts.get(run.font)
                if per_font is None:
                    per_font = texts[run.font] = []
                per_font.append(run.text)
        for name, parts in texts.items():
            counts = Counter("".join(parts))  # counted at once: first occurrences keep their order
            ordered = "".join(sorted(counts, key=counts.__getitem__, reverse=True))  # stable, as -count
            pdfmetrics.getFont(name).splitString(ordered, c._doc)  # noqa: SLF001 — assigns codes in this order


class _Face:
    """A face's characters as given out to its subsets: each character's subset as a one-character
    id (a lone high surrogate, which no decoded text holds: a character left untranslated is one
    without a code), so a run's subsets are one ``str.translate`` away; and each character's code
    already escaped for a PDF string, ended with a NUL, which no escaped code contains (the glyph
    spacing replaces it)."""

    __slots__ = ("font", "ids", "marked", "names")

    def __init__(self, font: Any, doc: Any) -> None:
        self.font = font
        assigned = dict(font.state[doc].assignments) if doc in font.state else {}
        if 32 in assigned:
            assigned.setdefault(0xA0, assigned[32])  # reportlab draws a no-break space as a space
        self.marked = {o: _ESCAPED[n & 0xFF] + _MARK for o, n in assigned.items()}
        self.ids = {o: chr(0xD800 + (n >> 8)) for o, n in assigned.items()}
        self.names = {chr(0xD800 + k): font.getSubsetInternalName(k, doc) for k in {n >> 8 for n in assigned.values()}}

    def split(self, text: str) -> list[tuple[str, str]] | None:
        """(subset font name, text) pieces of ``text``, split where the subset changes; None when
        a character has no code yet."""
        ids = text.translate(self.ids)
        names = self.names
        first = ids[0]
        if ids.count(first) == len(ids) and first in names:  # most runs lie within one subset
            return [(names[first], text)]
        pieces = [(m.group(1), m.start(), m.end()) for m in _SAME.finditer(ids)]
        if not all(id_ in names for id_, _, _ in pieces):
            return None
        return [(names[id_], text[start:end]) for id_, start, end in pieces]


class _Codes:
    """Each face's characters as the one-byte codes of its 256-glyph subsets, once the typesetter
    has given them out (``_assign_subsets``): runs are then encoded a string at a time, not
    through reportlab's per-character bookkeeping. The operators are the same."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.faces: dict[str, _Face] = {}
        self.sizes: dict[float, str] = {}  # a run's size as written: a handful per document

    def _face(self, name: str) -> _Face:
        known = self.faces.get(name)
        if known is None:
            known = self.faces[name] = _Face(pdfmetrics.getFont(name), self.doc)
        return known

    def chunks(self, run: Run) -> list[tuple[str, bytes]]:
        """(subset font name, codes) for the run's text, split where the subset changes; a
        character not given out beforehand is assigned by reportlab."""
        face = self._face(run.font)
        font = face.font
        return [(font.getSubsetInternalName(k, self.doc), chunk) for k, chunk in font.splitString(run.text, self.doc)]

    def show(self, run: Run) -> list[str]:
        """Text-showing operators for a run, the way reportlab documents for its dynamic
        (subset) fonts. The spacing goes into TJ adjustments rather than Tc: every reader then
        agrees on each glyph's position, including after a subset change."""
        text = run.text
        if not text:
            return []
        size = self.sizes.get(run.size)
        if size is None:
            size = self.sizes[run.size] = fp_str(run.size)
        face = self.faces.get(run.font) or self._face(run.font)
        pieces = face.split(text)
        spaced = abs(run.char_space) > 1e-6
        if pieces is None:
            return self._show_assigned(run, size, spaced)
        if spaced:
            glue = f") {fp_str(-run.char_space * 1000 / run.size)} ("  # after every glyph, the last's cut at "("
            marked = face.marked
            return [f"{name} {size} Tf [({piece.translate(marked).replace(_MARK, glue)[:-2]}] TJ"
                    for name, piece in pieces]  # fmt: skip
        marked = face.marked
        return [f"{name} {size} Tf ({piece.translate(marked).replace(_MARK, '')}) Tj" for name, piece in pieces]

    def _show_assigned(self, run: Run, size: str, spaced: bool) -> list[str]:
        """``show`` for a run with a character reportlab gives a code to now."""
        adjust = fp_str(-run.char_space * 1000 / run.size) if spaced else ""
        out = []
        for name, chunk in self.chunks(run):
            if adjust:
                body = f") {adjust} (".join([_ESCAPED[b] for b in chunk])
                out.append(f"{name} {size} Tf [({body}) {adjust}] TJ")
            else:
                out.append(f"{name} {size} Tf ({escapePDF(chunk)}) Tj")
        return out


def attachment_note_slots(ts: Typesetter, names: list[str]) -> list[Slot]:
    """附件说明: 附件：name, or 附件：1.name / 2.name with names aligned (GB/T 9704 §7.3.4)."""
    role = g.ROLE_FANGSONG
    label = "附件："
    slots: list[Slot] = []
    base = g.LEFT + 2 * g.CHAR
    label_w = ts.text_width(label, role, g.SIZE_3, g.CHAR)
    for k, name in enumerate(names, 1):
        prefix = f"{k}." if len(names) > 1 else ""
        prefix_w = ts.text_width(prefix, role, g.SIZE_3, g.CHAR) if prefix else 0.0
        x_name = base + label_w + prefix_w
        lines = ts.compose(name, role, g.SIZE_3, g.RIGHT - x_name, g.RIGHT - x_name, g.CHAR)
        for i, line in enumerate(lines):

            def make(top: float, line: BrokenLine = line, first: bool = i == 0, k: int = k,
                     prefix: str = prefix, x_name: float = x_name) -> list[Run]:  # fmt: skip
                base_y = ts.baseline(top, role, g.SIZE_3)
                runs: list[Run] = []
                if first and k == 1:
                    runs += ts.simple_runs(label, base, base_y, role, g.SIZE_3, g.CHAR)
                if first and prefix:
                    runs += ts.simple_runs(prefix, base + label_w, base_y, role, g.SIZE_3, g.CHAR)
                return runs + ts.line_runs(line, x_name, base_y, role, g.SIZE_3)

            slots.append(Slot(make, keep_next=True))
    if slots:
        slots[-1].keep_next = False
    return slots


def _blank_kept() -> Slot:
    return Slot(lambda top: [], blank=True, keep_next=True)


def _text_slot(ts: Typesetter, text: str, x: float, keep_next: bool = True) -> Slot:
    """One grid line holding ``text`` in 三号仿宋 from ``x``."""
    role = g.ROLE_FANGSONG

    def make(top: float) -> list[Run]:
        return ts.simple_runs(text, x, ts.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)

    return Slot(make, keep_next=keep_next)


def _note_after(ts: Typesetter, slots: list[Slot], note: str) -> list[Slot]:
    """附注 on the lines after the date (the last slot), 2 字 in, kept with it."""
    if note:
        slots[-1].keep_next = True
        lines = ts.compose(note, g.ROLE_FANGSONG, g.SIZE_3, g.BODY_W - 2 * g.CHAR, g.BODY_W, g.CHAR)
        for i, line in enumerate(lines):
            slots.append(Slot(ts._line_maker(line, g.LEFT + (2 * g.CHAR if i == 0 else 0), g.ROLE_FANGSONG, g.SIZE_3),
                              keep_next=i < len(lines) - 1))  # fmt: skip
    return slots


def joint_signature_slots(ts: Typesetter, signature: Signature, note: str,
                          seals: tuple[bytes | None, ...]) -> list[Slot]:  # fmt: skip
    """A 联合行文's 署名 (GB/T 9704 §7.3.5.1–2) in issuing order, the 主办机关 first, then the date
    and the 附注."""
    widths = [ts.text_width(n, g.ROLE_FANGSONG, g.SIZE_3, g.CHAR) for n in signature.names]
    date_w = ts.text_width(signature.date, g.ROLE_FANGSONG, g.SIZE_3, g.CHAR)
    if signature.seal:
        slots = _sealed_rows(ts, signature, widths, date_w, seals)
    else:
        slots = _stacked_names(ts, signature, widths, date_w)
    return _note_after(ts, slots, note)


def _stacked_names(ts: Typesetter, signature: Signature, widths: list[float], date_w: float) -> list[Slot]:
    """Without seals: one blank line, the names one under the other, right-aligned 右空二字, the
    date under the last, 2 字 right of its first character (the names move left if it is longer)."""
    sign_x = g.RIGHT - 2 * g.CHAR - widths[-1]
    date_x = sign_x + 2 * g.CHAR
    if date_x + date_w > g.RIGHT - 2 * g.CHAR:
        date_x = g.RIGHT - 2 * g.CHAR - date_w
        sign_x = date_x - 2 * g.CHAR
    right = sign_x + widths[-1]
    slots = [_blank_kept()]
    slots += [_text_slot(ts, n, max(g.LEFT, right - w)) for n, w in zip(signature.names, widths, strict=False)]
    return [*slots, _text_slot(ts, signature.date, date_x, keep_next=False)]


def _sealed_rows(ts: Typesetter, signature: Signature, widths: list[float], date_w: float,
                 seals: tuple[bytes | None, ...]) -> list[Slot]:  # fmt: skip
    """With seals: the names side by side in rows (g.seal_rows), the last of each row centred on
    the date (右空四字), one seal on each, rows far enough apart that no two seals touch."""
    date_x, centre, step, per_row = g.seal_rows(widths, date_w)
    items = list(zip(signature.names, widths, seals + (None,) * (len(widths) - len(seals)), strict=False))
    slots = [_blank_kept(), _blank_kept()]
    for start in range(0, len(items), per_row):
        if start:
            slots += [_blank_kept() for _ in range(g.SEAL_ROW_LINES - 1)]
        slots.append(_seal_row(ts, items[start : start + per_row], centre, step))
    return [*slots, _text_slot(ts, signature.date, date_x, keep_next=False)]


def _seal_row(ts: Typesetter, row: list[tuple[str, float, bytes | None]], centre: float, step: float) -> Slot:
    """One row of sealed 署名, the last centred at ``centre``, the others ``step`` apart to its left;
    each seal centred on its 署名, the 署名 slightly below the seal's centre."""
    role = g.ROLE_FANGSONG
    centres = [centre - (len(row) - 1 - k) * step for k in range(len(row))]

    def make(top: float) -> list[Run]:
        base = ts.baseline(top, role, g.SIZE_3)
        return [run for (name, w, _), cx in zip(row, centres, strict=False)
                for run in ts.simple_runs(name, cx - w / 2, base, role, g.SIZE_3, g.CHAR)]  # fmt: skip

    def pictures(top: float) -> list[Picture]:
        d, cy = g.SEAL_DIAMETER, top + g.EM_3 - 1.5
        return [
            Picture(seal, cx - d / 2, cy - d / 2, d, d) for (_, _, seal), cx in zip(row, centres, strict=False) if seal
        ]

    return Slot(make, keep_next=True, pictures=pictures)


def signature_slots(ts: Typesetter, signature: Signature, note: str, seal_image: bytes | None) -> list[Slot]:
    """署名 and 成文日期 (GB/T 9704 §7.3.5), with or without a seal; the seal slot draws the image."""
    role = g.ROLE_FANGSONG
    date = signature.date
    sign = signature.organ
    sign_w = ts.text_width(sign, role, g.SIZE_3, g.CHAR)
    date_w = ts.text_width(date, role, g.SIZE_3, g.CHAR)
    if signature.seal:
        # date 右空四字, 署名 centred on it; a long 署名 moves the date left by up to 1 mm first
        shift = min(max(sign_w / 2 - date_w / 2 - 4 * g.CHAR, 0.0), 1.0)
        date_x = g.RIGHT - 4 * g.CHAR - date_w - shift
        sign_x = min(date_x + date_w / 2 - sign_w / 2, g.RIGHT - sign_w)
        blanks = 2
    else:
        sign_x = g.RIGHT - 2 * g.CHAR - sign_w
        date_x = sign_x + 2 * g.CHAR
        if date_x + date_w > g.RIGHT - 2 * g.CHAR:
            date_x = g.RIGHT - 2 * g.CHAR - date_w
            sign_x = date_x - 2 * g.CHAR
        blanks = 1
    slots = [Slot(lambda top: [], blank=True, keep_next=True) for _ in range(blanks)]
    limit = g.BODY_W - 2 * g.CHAR
    if sign_w > limit:  # an over-long 署名 wraps, each line 右空二字, the date under it
        lines = ts.compose(sign, role, g.SIZE_3, limit, limit, g.CHAR)
        for line in lines:
            width = line.end
            slots.append(Slot(ts._line_maker(line, g.RIGHT - 2 * g.CHAR - width, role, g.SIZE_3), keep_next=True))
        date_x = g.RIGHT - 2 * g.CHAR - date_w
    else:

        def sign_make(top: float) -> list[Run]:
            return ts.simple_runs(sign, sign_x, ts.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)

        slots.append(Slot(sign_make, keep_next=True))

    def date_make(top: float) -> list[Run]:
        return ts.simple_runs(date, date_x, ts.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)

    date_slot = Slot(date_make)
    slots.append(date_slot)
    if note:
        date_slot.keep_next = True
        lines = ts.compose(note, role, g.SIZE_3, g.BODY_W - 2 * g.CHAR, g.BODY_W, g.CHAR)
        for i, line in enumerate(lines):
            slots.append(Slot(ts._line_maker(line, g.LEFT + (2 * g.CHAR if i == 0 else 0), role, g.SIZE_3),
                              keep_next=i < len(lines) - 1))  # fmt: skip
    if signature.seal and seal_image:
        centre_x = date_x + date_w / 2
        seal = seal_image
        diameter = 42.0

        def seal_picture(top: float) -> list[Picture]:
            # 署名 and date sit slightly below the seal's centre, whose top stays within one line
            # of the body (§7.3.5.1): the centre is just above the 署名's em-bottom
            centre_y = top + g.EM_3 - 1.5
            return [Picture(seal, centre_x - diameter / 2, centre_y - diameter / 2, diameter, diameter)]

        slots[blanks].pictures = seal_picture
    return slots


def attachment_slots(ts: Typesetter, attachment: AttachmentPage, on_file: bool = False) -> list[Slot]:
    """An attachment on new pages: 附件N (黑体) on line 1, its title centred on line 3 (§7.3.7).
    ``on_file``: an attachment file whose first page keeps line 1 clear takes the label itself."""
    label = attachment.label
    role = g.ROLE_HEI

    def label_make(top: float) -> list[Run]:
        return ts.simple_runs(label, g.LEFT, ts.baseline(top, role, g.SIZE_3), role, g.SIZE_3, g.CHAR)

    if on_file and attachment.file_pages and not attachment.body:
        return [Slot(label_make, break_before=True, holds_file=True, then_pages=attachment.file_pages - 1)]
    slots = [Slot(label_make, break_before=True, keep_next=True), Slot(lambda top: [], blank=True, keep_next=True)]
    title = ts.centred_slots(list(attachment.title_lines), g.ROLE_XBS, g.SIZE_2, g.SIZE_2 / MM)
    for s in title:
        s.keep_next = True
    slots += title
    slots.append(_blank())
    for block in attachment.body:
        slots += ts.block_slots(block)
    if attachment.file_pages:
        slots[-1].then_pages = attachment.file_pages
    return slots


@frozen
class Typeset:
    """The typeset PDF, its page count, and the pages left for appended attachment files."""

    pdf: bytes
    pages: int
    placeholders: tuple[int, ...] = ()
    # what each page shows, for the DOCX to follow its lines and pages: (x mm, baseline mm from the
    # top, size pt, text) of each run of text but the page numbers; and which pages are numbered
    printed: tuple[tuple[tuple[float, float, float, str], ...], ...] = ()
    numbered: tuple[bool, ...] = ()
    # everything drawn, page by page (runs, rules, pictures, page numbers included), for other
    # renderings of the same pages (the OFD); the pages reserved for attached files hold nothing
    drawn: tuple[Page, ...] = ()


def typeset(comp: Composition, fonts: Fonts, seal_image: bytes | tuple[bytes | None, ...] | None = None,
            labels_on_files: tuple[bool, ...] = ()) -> Typeset:  # fmt: skip
    """Typeset a composed document. ``seal_image``: the seal, or for a 联合行文 each organ's seal
    in issuing order (None where an organ has no image). ``labels_on_files``: per attachment, whether
    its file's first page takes the 附件N label (else the label gets a page of its own)."""
    seals = (seal_image,) if isinstance(seal_image, bytes) else tuple(seal_image or ())
    ts = Typesetter(fonts)
    page, title_line = ts.head(comp.head)
    recipient_slots = (ts.paragraph_slots(comp.recipients + "：", g.ROLE_FANGSONG, indent=0.0)
                       if comp.recipients else [])  # fmt: skip
    body_line = title_line + len(comp.title_lines) + 1 + len(recipient_slots)
    moved = ""
    if body_line > g.LINES:  # page 1 must show 正文: the 主送 moves into the 版记 (§7.4.2)
        moved = ended(comp.recipients)
        recipient_slots = []
    slots: list[Slot] = []
    slots += ts.centred_slots(list(comp.title_lines), g.ROLE_XBS, g.SIZE_2, g.SIZE_2 / MM)
    slots.append(_blank())
    slots += recipient_slots
    for block in comp.blocks:
        slots += ts.block_slots(block)
    if comp.attachment_names:
        if slots:
            slots[-1].keep_next = True
        slots.append(Slot(lambda top: [], blank=True, keep_next=True))
        slots += attachment_note_slots(ts, list(comp.attachment_names))
    if comp.signature is not None:
        if slots:
            slots[-1].keep_next = True  # the signature never stands alone on a page
        if comp.signature.others:
            slots += joint_signature_slots(ts, comp.signature, comp.note, seals)
        else:
            slots += signature_slots(ts, comp.signature, comp.note, seals[0] if seals else None)
    elif comp.note:
        lines = ts.compose(comp.note, g.ROLE_FANGSONG, g.SIZE_3, g.BODY_W - 2 * g.CHAR, g.BODY_W, g.CHAR)
        for i, line in enumerate(lines):
            slots.append(Slot(ts._line_maker(line, g.LEFT + (2 * g.CHAR if i == 0 else 0), g.ROLE_FANGSONG, g.SIZE_3)))
    for k, attachment in enumerate(comp.attachments):
        if attachment.body or attachment.file_pages:
            slots += attachment_slots(ts, attachment, k < len(labels_on_files) and labels_on_files[k])
    ts.paginate(slots, page, title_line)
    ts.add_imprint(*ts.imprint_rows(comp.imprint, moved))
    printed = tuple(
        tuple((r.x, r.baseline, r.size, r.text.strip()) for r in p.runs if r.text.strip()) for p in ts.pages
    )
    ts.number_pages()
    numbered = tuple(p.numbered for p in ts.pages)
    return Typeset(ts.render(comp), len(ts.pages), tuple(ts.placeholders), printed, numbered, tuple(ts.pages))
