"""Markers a 督查通报's 正文 may carry for its computed statistics.

``{督查统计}`` on a line of its own places the statistics block (summary and per-unit lines);
``{件数}`` ``{已办结}`` ``{办理中}`` ``{超期}`` ``{办结率}`` inside a sentence print the figures. Only
these exact markers are replaced: any other ``{…}``, and a marker written in double braces
(``{{办结率}}``), prints as written, because braces a clerk types are text (README). Validation
reports a near miss (``{完成率}``, ``{办结率 }``) so that a misspelt marker is not printed silently.
A 研判 专题报告's 正文 may carry ``{信息统计}`` on a line of its own, where the counted 信访信息
tables go. Shared by the validate and compose stages, which may not import each other."""

from __future__ import annotations

import difflib
import re

BLOCK = "督查统计"
FIGURES = ("件数", "已办结", "办理中", "超期", "办结率")
BLOCK_MARKER = "{" + BLOCK + "}"
_FIGURE = re.compile(r"(?<!\{)\{(" + "|".join(FIGURES) + r")\}(?!\})")
_BLOCK = re.compile(r"(?<!\{)\{" + BLOCK + r"\}(?!\})")
INFORMATION = "信息统计"
INFORMATION_MARKER = "{" + INFORMATION + "}"
_INFORMATION = re.compile(r"(?<!\{)\{" + INFORMATION + r"\}(?!\})")
_ANY = re.compile(r"(?<!\{)\{([^{}\n]{1,12})\}(?!\})")


def fill_figures(text: str, figures: dict[str, str]) -> str:
    """``text`` with each exact figure marker replaced by its printed value."""
    return _FIGURE.sub(lambda m: figures[m.group(1)], text)


def has_block_marker(text: str) -> bool:
    return _BLOCK.search(text) is not None


def split_at_block_marker(text: str) -> tuple[str, str] | None:
    """(text before, text after) the first block marker, or None when there is none."""
    m = _BLOCK.search(text)
    return (text[: m.start()], text[m.end() :]) if m else None


def split_at_information_marker(text: str) -> tuple[str, str] | None:
    """(text before, text after) the {信息统计} marker, or None when there is none."""
    m = _INFORMATION.search(text)
    return (text[: m.start()], text[m.end() :]) if m else None


def information_marker_problems(body: str) -> list[tuple[str, str]]:
    """(problem, expected) for a misplaced or repeated {信息统计} in a 专题报告's 正文."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    placed = [i for i, line in enumerate(lines, 1) if _INFORMATION.search(line)]
    out = [(f"正文第{i}行：「{INFORMATION_MARKER}」须单独成一行", f"把「{INFORMATION_MARKER}」单独写在一行")
           for i in placed if lines[i - 1].strip() != INFORMATION_MARKER]  # fmt: skip
    if len(placed) > 1:
        out.append(
            (
                f"「{INFORMATION_MARKER}」出现了 {len(placed)} 次（第{'、'.join(map(str, placed))}行）",
                "统计表只能放在一处",
            )
        )
    return out


def marker_problems(body: str) -> list[tuple[str, str]]:
    """(problem, expected) for misplaced, repeated or misspelt markers in a 督查通报's 正文."""
    out: list[tuple[str, str]] = []
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    placed = [i for i, line in enumerate(lines, 1) if _BLOCK.search(line)]
    for i in placed:
        if lines[i - 1].strip() != BLOCK_MARKER:
            out.append((f"正文第{i}行：「{BLOCK_MARKER}」须单独成一行", f"把「{BLOCK_MARKER}」单独写在一行"))
    if len(placed) > 1:
        out.append(
            (f"「{BLOCK_MARKER}」出现了 {len(placed)} 次（第{'、'.join(map(str, placed))}行）", "统计只能放在一处")
        )
    known = (BLOCK, *FIGURES)
    for m in _ANY.finditer(body):
        name = m.group(1)
        if name in known:
            continue
        close = difflib.get_close_matches(name.strip(), known, n=1, cutoff=0.6)
        if close:
            out.append((f"正文中的「{{{name}}}」不是统计标记，会原样印出", f"是否想写「{{{close[0]}}}」？"))
    return out
