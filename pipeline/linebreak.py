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
from itertools import accumulate
from operator import attrgetter

from pipeline.gbt9704 import NO_LINE_END
from pipeline.gbt9704 import NO_LINE_START
from pipeline.gbt9704 import SQUEEZABLE

OPENING = set("（《「『【〔〈“‘［｛")
_WIDTH = attrgetter("width")
EPS = 1e-6


@functools.lru_cache(maxsize=65536)
def is_wide(ch: str) -> bool:
    """Full-width (set on the character grid) rather than proportional."""
    if ch in "“”‘’—…·":
        return True
    return unicodedata.east_asian_width(ch) in ("W", "F")


@dataclass(frozen=True, slots=True)
class Unit:
    """What a line break may not split. Immutable, so a CJK character's unit is made once and
    shared by every paragraph; how much a line squeezes it is the line's business."""

    text: str
    width: float  # natural advance on the grid, mm
    wide: bool
    space: bool = False

    @property
    def no_start(self) -> bool:
        return self.text[0] in NO_LINE_START

    @property
    def no_end(self) -> bool:
        return self.text[-1] in NO_LINE_END

    @property
    def squeezable(self) -> bool:
        return self.wide and len(self.text) == 1 and self.text in SQUEEZABLE


@dataclass(frozen=True, slots=True)
class Placed:
    """A unit placed on a line: x offset from the line's left edge and width taken off, in mm."""

    unit: Unit
    x: float
    squeeze: float = 0.0

    @property
    def placed(self) -> float:
        """The advance the unit takes on its line."""
        return self.unit.width - self.squeeze


@dataclass
class BrokenLine:
    """One line of a paragraph: its units, each one's x offset (mm from the line's left edge) and
    the width squeezed off it (half-width punctuation), in parallel lists."""

    units: list[Unit]
    xs: list[float]
    squeezes: list[float]
    width: float  # space available
    last: bool  # last line of its paragraph

    @property
    def items(self) -> list[Placed]:
        return [Placed(u, x, s) for u, x, s in zip(self.units, self.xs, self.squeezes, strict=True)]

    @property
    def text(self) -> str:
        return "".join(u.text for u in self.units)

    @property
    def end(self) -> float:
        """Where the line's last glyph ends, mm from its left edge (0 for an empty line)."""
        if not self.units:
            return 0.0
        return self.xs[-1] + (self.units[-1].width - self.squeezes[-1])


# per grid pitch: each character's unit (None: not wide, so it joins a half-width run)
_SHARED: dict[float, dict[str, Unit | None]] = {}
_SHARED_MAX = 20_000  # characters per pitch (GB 2312 has 7 445); past it units are made afresh
_UNSEEN = Unit("", 0.0, False)


def _shared(pitch: float) -> dict[str, Unit | None]:
    table = _SHARED.get(pitch)
    if table is None:
        table = {}
        if len(_SHARED) < 64:  # the grid pitches of the sizes in use: a handful
            _SHARED[pitch] = table
    return table


def units(text: str, wide_width: float, narrow_width: Callable[[str], float]) -> list[Unit]:
    """Cut ``text`` into units. ``wide_width`` is the grid pitch; ``narrow_width`` measures a run."""
    known = _shared(wide_width)
    # the characters already known as wide, up to the first that is not (or a ——/…… pair), in one pass
    out: list[Unit] = list(map(known.get, text))  # type: ignore[arg-type]
    i = n = len(text)
    if None in out:
        i = out.index(None)  # type: ignore[arg-type]
    for pair in "—…":
        if pair in text:
            i = min(i, text.index(pair))
    del out[i:]
    append, wide = out.append, is_wide
    while i < n:
        ch = text[i]
        unit = known.get(ch, _UNSEEN)
        if unit is _UNSEEN:  # not seen at this pitch yet
            unit = Unit(ch, wide_width, True) if ch != " " and wide(ch) else None
            if len(known) < _SHARED_MAX:
                known[ch] = unit
        if unit is not None and not (ch in "—…" and i + 1 < n and text[i + 1] == ch):
            append(unit)
            i += 1
        elif ch == " ":
            append(Unit(" ", narrow_width(" "), False, space=True))
            i += 1
        elif unit is not None:  # a ——/…… pair: one unit
            append(Unit(ch * 2, 2 * wide_width, True))
            i += 2
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


def _push_in(line: list[Unit], pulled: list[Unit], width: float) -> list[float] | None:
    """The squeeze of each unit of ``line`` that lets ``pulled`` fit at its end (full-width
    punctuation set at half width), or None when there is not room enough."""
    need = sum(u.width for u in line) + sum(u.width for u in pulled) - width
    # squeeze inside the line first: the line's last glyph then keeps its full box on the edge
    candidates = [k for k in range(len(line) - 1, -1, -1) if line[k].squeezable]
    room = sum(line[k].width / 2 for k in candidates)
    if room + EPS < need:
        return None
    squeezes = [0.0] * len(line)
    for k in candidates:
        if need <= EPS:
            break
        take = min(line[k].width / 2, need)
        squeezes[k] = take
        need -= take
    return squeezes


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
        squeezes = _fix_kinsoku(line, queue, width) if queue else None
        while line and line[-1].space:
            line.pop()
        if squeezes is None:
            squeezes = [0.0] * len(line)
        else:
            del squeezes[len(line) :]
        lines.append(BrokenLine(line, _place(line, squeezes, width, justify=bool(queue)), squeezes, width, not queue))
    return lines


def _fix_kinsoku(line: list[Unit], queue: list[Unit], width: float) -> list[float] | None:
    """Adjust the break between ``line`` and ``queue`` so neither rule is broken; the squeezes of
    the line's units when punctuation was pulled in, else None."""
    if queue[0].no_start and not queue[0].space:
        pulled = []
        k = 0
        while k < len(queue) and k < 2 and queue[k].no_start:
            pulled.append(queue[k])
            k += 1
        squeezes = _push_in(line, pulled, width)
        if squeezes is not None:
            line.extend(pulled)
            squeezes += [0.0] * len(pulled)
            del queue[:k]
            if not queue or not queue[0].no_start:
                return squeezes
    # push out: move units down until the next line may start and this one may end
    for _ in range(4):
        bad_start = queue and queue[0].no_start and not queue[0].space
        bad_end = line and line[-1].no_end
        if not (bad_start or bad_end) or len(line) <= 1:
            return None
        queue.insert(0, line.pop())
    return None


def _place(line: list[Unit], squeezes: list[float], width: float, justify: bool) -> list[float]:
    """Each unit's x offset on its line; a justified line ends on its right edge."""
    squeezed = any(squeezes)
    advances = list(map(_WIDTH, line))
    if squeezed:
        advances = [a - s for a, s in zip(advances, squeezes, strict=True)]
    natural = sum(advances)
    gaps = len(line) - 1
    extra = (width - natural) / gaps if justify and gaps > 0 and width > natural else 0.0
    del advances[-1:]
    xs = list(accumulate(map(extra.__add__, advances), initial=0.0))  # IEEE addition commutes exactly
    if squeezed:  # an opening bracket set at half width gives up its left half
        for k, (u, s) in enumerate(zip(line, squeezes, strict=True)):
            if s and u.text in OPENING:
                xs[k] -= s
    return xs
