"""Number text as people type it: 发文字号, 期号 and 档号 read forgivingly, for look-ups.

Pure functions, no I/O. Stored numbers are never rewritten here (no NFKC on titles or numbers,
see the archive spec); only the *key a person typed* is normalised, then compared with the
stored text parsed the same way.

Accepted forms (what ``archive show``, ``numbers void`` … take):

- 发文字号: ``罕政发〔2026〕7号`` with any of the brackets ``〔〕 [] () （） 【】 ﹝﹞ ［］``, with or
  without leading zeros (``〔2026〕07号``), spaces anywhere.
- 期号: ``第4期``, ``2026年第4期``, ``纪要第4期``, ``会议纪要 2026年第4期``,
  ``罕台镇信访工作联席会议纪要 2026年第4期``, ``督查通报2026年第2期``; ``第四期`` and ``第04期`` too.
  The series is any part of the series name (``纪要`` finds 会议纪要); without a year every year
  is searched.
- 档号: the parts separated by ``·``, ``-`` or ``.`` in any mix (``F071-WS-2026-Y-XF-0007``),
  the 件号 with or without leading zeros, letters in any case.
"""

from __future__ import annotations

import re

from pipeline.frozen import frozen

_OPEN = "〔[(（【﹝［"
_CLOSE = "〕])）】﹞］"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NUMBER_RE = re.compile(rf"^(?P<code>.+?)[{re.escape(_OPEN)}](?P<year>\d{{4}})[{re.escape(_CLOSE)}]第?(?P<seq>\d+)号?$")
_ISSUE_RE = re.compile(r"^(?P<series>.*?)(?:(?P<year>\d{4})年?)?第?(?P<seq>\d+|[〇零一二三四五六七八九十百]+)期$")
_CODE_SEPARATORS = re.compile(r"[-·.・•．‧]+")
_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


@frozen
class DocNumberKey:
    """发文字号 parts: 机关代字, year, sequence."""

    code: str
    year: int
    seq: int

    def __str__(self) -> str:
        return f"{self.code}〔{self.year}〕{self.seq}号"


@frozen
class IssueKey:
    """期号 parts: series text as typed ('' when none), year (None when none), sequence."""

    series: str
    year: int | None
    seq: int


def _squeeze(text: str) -> str:
    return "".join(text.split()).translate(_FULLWIDTH_DIGITS)


MAX_SEQ_DIGITS = 9  # far past any 序号 (validation allows 999 999), far below what int() refuses


def parse_document_number(text: str) -> DocNumberKey | None:
    """A 发文字号 in any common bracket style, or None."""
    m = _NUMBER_RE.match(_squeeze(text))
    if not m or len(m["seq"]) > MAX_SEQ_DIGITS or int(m["seq"]) == 0:  # int() refuses 4 300 digits and more
        return None
    return DocNumberKey(m["code"], int(m["year"]), int(m["seq"]))


def chinese_number(text: str) -> int:
    """一 … 九百九十九 (issue numbers, day counts); digits pass through; KeyError when it is neither."""
    if text.isdigit():
        return int(text)
    if "百" in text:
        hundreds, _, rest = text.partition("百")
        return _CN_DIGITS.get(hundreds, 1) * 100 + (chinese_number(rest.lstrip("零〇")) if rest else 0)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return int("".join(str(_CN_DIGITS[ch]) for ch in text))


def parse_issue(text: str) -> IssueKey | None:
    """A 期号 with or without its series name and year, or None."""
    m = _ISSUE_RE.match(_squeeze(text))
    if not m:
        return None
    try:
        seq = chinese_number(m["seq"])
    except (KeyError, ValueError):
        return None
    if seq <= 0:
        return None
    return IssueKey(m["series"], int(m["year"]) if m["year"] else None, seq)


def series_matches(given: str, names: tuple[str, ...] | list[str] | set[str]) -> bool:
    """Whether a typed series text names one of a series' names: any part of a name (纪要 →
    会议纪要), or a longer name that contains it (罕台镇…联席会议纪要 → 会议纪要). Empty matches all."""
    given = _squeeze(given)
    if not given:
        return True
    return any(name and (given in _squeeze(name) or _squeeze(name) in given) for name in names)


def names_number(stored: str, year: int, number: tuple[str, str, int, int]) -> bool:
    """Whether a stored 文号/期号 (of a 件 of ``year``) is the registry number (kind, series, year,
    seq); a stored 期号 may be old (``第4期``) or full (``<series> 2026年第4期``)."""
    kind, series, num_year, seq = number
    if kind == "发文字号":
        return parse_document_number(stored) == DocNumberKey(series, num_year, seq)
    issue = parse_issue(stored)
    return (kind == "期号" and issue is not None and issue.seq == seq and (issue.year or year) == num_year
            and series_matches(series, [issue.series] if issue.series else [series]))  # fmt: skip


def archive_code_parts(text: str) -> tuple[str, ...] | None:
    """档号 parts, separators and the 件号's leading zeros dropped, upper case; None if it is not
    shaped like a 档号 (全宗号, 门类, year, 保管期限, [机构问题], 件号)."""
    parts = tuple(p.upper() for p in _CODE_SEPARATORS.split(_squeeze(text)) if p)
    if len(parts) not in (5, 6) or not parts[-1].isdigit() or not re.fullmatch(r"\d{4}", parts[2]):
        return None
    if parts[3] not in ("Y", "D30", "D10"):
        return None
    return (*parts[:-1], str(int(parts[-1])))


def ranges(seqs: list[int] | set[int]) -> str:
    """1, 2, 3, 5, 7, 8 -> '1–3, 5, 7–8'."""
    out: list[str] = []
    ordered = sorted(set(seqs))
    start = prev = None
    for n in [*ordered, None]:
        if start is not None and (n is None or n != prev + 1):  # type: ignore[operator]
            out.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    return ", ".join(out)
