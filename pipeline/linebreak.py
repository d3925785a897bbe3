"""CJK line breaking on a fixed character grid, with 避头尾 (kinsoku).

Text is cut into units: one CJK character (or a ``——``/``……`` pair), one run of half-width
letters and digits (never split unless longer than a line), or a space. Lines are filled
greedily; a line that would start with a no-start character (，。、；：？！）》” …) first tries to
pull it in by setting full-width punctuation at half width (推入), else pushes the last unit
down (推出); a line never ends with a no-end character (（《“〔 …). Non-final lines are justified
so the last glyph ends on the right edge.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.gbt9704 import NO_LINE_END
from pipeline.gbt9704 import NO_LINE_START
from pipeline.gbt9704 import SQUEEZABLE

OPENING = set("（《「『【〔〈“‘［｛")
EPS = 1e-6


@functools.lru_cache(maxsize=65536)
def is_wide(ch: str) -> bool:
    """Full-width (set on the character grid) rather than proportional."""
    if ch in "“”‘’—…·":
        return True
    return unicodedata.east_asian_width(ch) in ("W", "F")


@dataclass(slots=True)
class Unit:
    text: str
    width: float  # natural advance on the grid, mm
    wide: bool
    space: bool = False
    squeeze: float = 0.0  # mm taken off (half-width punctuation)

    @property
    def no_start(self) -> bool:
        return self.text[0] in NO_LINE_START

    @property
    def no_end(self) -> bool:
        return self.text[-1] in NO_LINE_END

    @property
    def squeezable(self) -> bool:
        return self.wide and len(self.text) == 1 and self.text in SQUEEZABLE

    @property
    def placed(self) -> float:
        return self.width - self.squeeze


@dataclass(slots=True)
class Placed:
    """A unit placed on a line: x offset from the line's left edge, in mm."""

    unit: Unit
    x: float


@dataclass
class BrokenLine:
    items: list[Placed]
    width: float  # space available
    last: bool  # last line of its paragraph

    @property
    def text(self) -> str:
        return "".join(p.unit.text for p in self.items)


def units(text: str, wide_width: float, narrow_width: Callable[[str], float]) -> list[Unit]:
    """Cut ``text`` into units. ``wide_width`` is the grid pitch; ``narrow_width`` measures a run."""
    out: list[Unit] = []
    append, wide = out.append, is_wide
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == " ":
            append(Unit(" ", narrow_width(" "), False, space=True))
            i += 1
        elif wide(ch):
            if ch in "—…" and i + 1 < n and text[i + 1] == ch:
                append(Unit(ch * 2, 2 * wide_width, True))
                i += 2
            else:
                append(Unit(ch, wide_width, True))
                i += 1
        else:
            j = i + 1
            while j < n and text[j] != " " and not wide(text[j]):
                j += 1
            run = text[i:j]
            append(Unit(run, narrow_width(run), False))
            i = j
    return out


def _split_long(unit: Unit, width: float, narrow_width: Callable[[str], float]) -> list[Unit]:
    """A half-width run longer than a line is cut by characters."""
    pieces: list[Unit] = []
    current = ""
    for ch in unit.text:
        if current and narrow_width(current + ch) > width + EPS:
            pieces.append(Unit(current, narrow_width(current), False))
            current = ""
        current += ch
    if current:
        pieces.append(Unit(current, narrow_width(current), False))
    return pieces


def _try_push_in(line: list[Unit], pulled: list[Unit], width: float) -> bool:
    """Squeeze full-width punctuation so ``pulled`` fits at the end of ``line``."""
    need = sum(u.width for u in line) + sum(u.width for u in pulled) - width
    # squeeze inside the line first: the line's last glyph then keeps its full box on the edge
    candidates = [u for u in reversed(line) if u.squeezable]
    room = sum(u.width / 2 for u in candidates)
    if room + EPS < need:
        return False
    for u in candidates:
        if need <= EPS:
            break
        take = min(u.width / 2, need)
        u.squeeze = take
        need -= take
    return True


def break_lines(
    items: list[Unit],
    first_width: float,
    rest_width: float,
    narrow_width: Callable[[str], float],
) -> list[BrokenLine]:
    """Break a paragraph's units into justified lines of the given widths (mm)."""
    lines: list[BrokenLine] = []
    queue = list(items)
    while queue:
        width = first_width if not lines else rest_width
        while queue and queue[0].space:  # no leading spaces
            queue.pop(0)
        if not queue:
            break
        used, taken, limit = 0.0, 0, width + EPS
        for u in queue:  # as many as fit, taken off the queue at once
            if used + u.width > limit:
                break
            used += u.width
            taken += 1
        line = queue[:taken]
        del queue[:taken]
        if not line:  # a single unit wider than the line
            head = queue.pop(0)
            pieces = _split_long(head, width, narrow_width)
            queue[0:0] = pieces
            continue
        while queue and queue[0].space:  # a space at a break disappears
            queue.pop(0)
        if queue:
            _fix_kinsoku(line, queue, width)
        while line and line[-1].space:
            line.pop()
        lines.append(BrokenLine(_place(line, width, justify=bool(queue)), width, last=not queue))
    return lines


def _fix_kinsoku(line: list[Unit], queue: list[Unit], width: float) -> None:
    """Adjust the break between ``line`` and ``queue`` so neither rule is broken."""
    if queue[0].no_start and not queue[0].space:
        pulled = []
        k = 0
        while k < len(queue) and k < 2 and queue[k].no_start:
            pulled.append(queue[k])
            k += 1
        if _try_push_in(line, pulled, width):
            line.extend(pulled)
            del queue[:k]
            if not queue or not queue[0].no_start:
                return
        for u in line:
            u.squeeze = 0.0
    # push out: move units down until the next line may start and this one may end
    for _ in range(4):
        bad_start = queue and queue[0].no_start and not queue[0].space
        bad_end = line and line[-1].no_end
        if not (bad_start or bad_end) or len(line) <= 1:
            return
        queue.insert(0, line.pop())


def _place(line: list[Unit], width: float, justify: bool) -> list[Placed]:
    advances = [u.width - u.squeeze for u in line]
    natural = sum(advances)
    gaps = len(line) - 1
    extra = (width - natural) / gaps if justify and gaps > 0 and width > natural else 0.0
    placed = []
    x = 0.0
    for u, advance in zip(line, advances, strict=True):
        squeeze = u.squeeze
        placed.append(Placed(u, x - squeeze if squeeze and u.text in OPENING else x))
        x += advance + extra
    return placed
