"""正文 text -> blocks: paragraphs, numbered headings (一、（一）1.（1）) and list items.

Markdown ``#``..``####`` become levels 1–4 and are numbered automatically; a line that already
starts with such a number keeps it. Paragraphs are separated by blank lines; the lines of one
paragraph are joined (CJK text has no spaces to keep).
"""

from __future__ import annotations

import re

from pipeline.model import Block
from pipeline.model import BlockKind

_DIGITS = "零一二三四五六七八九"

_HEADING_MD = re.compile(r"^(#{1,4})\s+(.*\S)\s*$")
_LEVEL_PATTERNS = (
    (1, re.compile(r"^[一二三四五六七八九十百]+、")),
    (2, re.compile(r"^（[一二三四五六七八九十百]+）")),
    (3, re.compile(r"^\d+[.．](?!\d)")),
    (4, re.compile(r"^（\d+）")),
)
_LIST_ITEM = re.compile(r"^(\d+[.．](?!\d)|（\d+）|[-*]\s)")


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五."""
    if n <= 0:
        raise ValueError(n)
    if n >= 1000:  # validation allows far fewer headings; never an IndexError if called anyway
        return str(n)
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    head = _DIGITS[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + _DIGITS[rest]
    if rest < 20:
        return head + "一" + chinese_numeral(rest)
    return head + chinese_numeral(rest)


def heading_number(level: int, n: int) -> str:
    """The GB/T 9704 §7.3.3 marker for the n-th heading of a level."""
    if level == 1:
        return f"{chinese_numeral(n)}、"
    if level == 2:
        return f"（{chinese_numeral(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def numbered_level(text: str) -> int:
    """The heading level a text's own number implies (0 if it starts with none)."""
    for level, pattern in _LEVEL_PATTERNS:
        if pattern.match(text):
            return level
    return 0


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if out and line and out[-1].isascii() and out[-1].isalnum() and line[0].isascii():
            out += " "
        out += line
    return out


def parse_body(text: str) -> tuple[Block, ...]:
    """Turn a 正文 string into blocks."""
    blocks: list[Block] = []
    counters = [0, 0, 0, 0, 0]
    pending: list[str] = []

    def flush() -> None:
        if pending:
            joined = _join(pending)
            level = numbered_level(joined)
            if level in (1, 2):
                blocks.append(Block(BlockKind.HEADING, joined, level))
            else:
                blocks.append(Block(BlockKind.PARAGRAPH, joined, 0))
            pending.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip().replace("\t", " ")
        if not line:
            flush()
            continue
        m = _HEADING_MD.match(line)
        if m:
            flush()
            level = len(m.group(1))
            content = m.group(2)
            counters[level] += 1
            for deeper in range(level + 1, 5):
                counters[deeper] = 0
            if numbered_level(content) != level:
                content = heading_number(level, counters[level]) + content
            blocks.append(Block(BlockKind.HEADING, content, level))
            continue
        if _LIST_ITEM.match(line):
            flush()
            item = line[2:].strip() if line[0] in "-*" else line
            blocks.append(Block(BlockKind.ITEM, item, numbered_level(item)))
            continue
        pending.append(line)
    flush()
    return tuple(blocks)
