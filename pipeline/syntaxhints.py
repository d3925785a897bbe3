"""Why a YAML or JSON file does not parse, as a clerk would look for it: the parser reports where
it gave up, which is often a line or two after the mistake (an unclosed ``[`` on line 3 is reported
on line 4). These checks read the lines up to that point and name the likely cause. Pure."""

from __future__ import annotations

import re

_KEY_WITHOUT_SPACE = re.compile(r"^\s*(?:-\s+)?[^\s#:'\"\[{][^:#'\"]*?:(?=[^\s:/])")
_PAIRS = {"[": "]", "{": "}"}


def _outside_quotes(line: str) -> str:
    """The line without its quoted parts and comment (brackets inside quotes do not count)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", line)
    return text.split(" #", 1)[0]


def _line_cause(line: str, json: bool) -> str:
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return "用 Tab 缩进了（应使用空格）"
    bare = _outside_quotes(line)
    if re.sub(r"\\.", "", line).count('"') % 2:
        return '引号「"」没有配对'
    for opening, closing in _PAIRS.items():
        if bare.count(opening) > bare.count(closing):
            return f"「{opening}」没有对应的「{closing}」"
        if bare.count(closing) > bare.count(opening):
            return f"多了一个「{closing}」"
    if not json and _KEY_WITHOUT_SPACE.match(line):
        return "冒号「:」后面缺少空格"
    return ""


# the line breaks ruamel counts in YAML 1.2 (LF, CR LF, a lone CR), so that a cause is named on
# the line the reader's error names; JSON counts LF only
_YAML_LINE_BREAK = re.compile("\r\n|\r|\n")


def likely_cause(text: str, error_line: int | None, json: bool = False) -> tuple[int, str] | None:
    """(line, cause) of the nearest suspicious line at or before the line the parser named."""
    lines = text.split("\n") if json else _YAML_LINE_BREAK.split(text)
    last = min(error_line or len(lines), len(lines))
    if json:
        return _json_cause(text, lines, last)
    # the sure signs first (a quote, a bracket, a tab, a colon), anywhere before the error: an
    # unclosed quote is reported at the end of the file; then indentation near the error
    for number in range(last, 0, -1):
        cause = _line_cause(lines[number - 1], json=False)
        if cause:
            return number, cause
    for number in range(last, max(0, last - 3), -1):
        cause = _indent_cause(lines, number)
        if cause:
            return number, cause
    return None


def _json_cause(text: str, lines: list[str], last: int) -> tuple[int, str] | None:
    """A JSON object spans lines: quotes and tabs per line, brackets over the whole text."""
    for number in range(last, 0, -1):
        cause = _line_cause(lines[number - 1], json=True)
        if cause and "「[」" not in cause and "「{」" not in cause and "多了" not in cause:
            return number, cause
    bare = _outside_quotes(text.replace("\n", " "))
    for opening, closing in _PAIRS.items():
        if bare.count(opening) > bare.count(closing):
            last_written = max((i for i, ln in enumerate(lines, 1) if ln.strip()), default=1)
            return last_written, f"缺少「{closing}」"
    return None


def _indent_cause(lines: list[str], number: int) -> str:
    """A line indented under a key that already has its value on its own line."""
    line = lines[number - 1]
    before = [ln for ln in lines[: number - 1] if ln.strip() and not ln.lstrip().startswith("#")]
    indent = len(line) - len(line.lstrip(" "))
    if not line.strip() or indent == 0:
        return ""
    if not before:
        return "第一个键前面不应有空格"
    previous = before[-1]
    if indent <= len(previous) - len(previous.lstrip(" ")):
        return ""
    _head, colon, value = _outside_quotes(previous).partition(": ")
    value = value.strip()
    complete = value and value[0] not in "|>" and not any(value.count(o) > value.count(c) for o, c in _PAIRS.items())
    return "比上一行多缩进了（上一行的键已经写了值）" if colon and complete else ""


def with_cause(problem: str, text: str, error_line: int | None, json: bool = False, offset: int = 0) -> str:
    """The parser's problem, said in Chinese, with the likely cause and its line added
    (``offset``: lines before ``text`` in the file, as for a Markdown front matter)."""
    found = likely_cause(text, error_line, json)
    if found is None:
        return problem
    number, cause = found
    return f"{problem}（可能的原因：第 {number + offset} 行{cause}）"
