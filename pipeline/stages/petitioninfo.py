"""Step 12c: a 信访信息 (第十条: a member unit reports important, sensitive 信访信息 to the office,
which 研判s it), checked against the roster; and the counts over a period.

Like a 办理反馈 it is not a 公文: it is recorded (pipeline.petitioninfo keeps it in the append-only
信访信息 log, outbox/信访信息/). An input is a 信访信息 when its 文种 is 信访信息; its keys are 单位
(a member unit of the joint meeting), 日期 (not after today), 类别 (free text, such as 征地拆迁,
劳资纠纷, 涉法涉诉, 其他), 摘要, 敏感程度 (一般 / 较敏感 / 敏感) and, optionally, 信访人数 and 报送人.

Pure: the parsed input, the member units and today in; the 信访信息 (or every problem, with key and
line) out. ``counts`` and ``select`` read the log's records (plain dicts) and nothing else.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from pipeline.daytext import parse_date
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.frozen import frozen
from pipeline.model import RawInput

KIND = "信访信息"
LEVELS = ("一般", "较敏感", "敏感")  # 敏感程度, least to most
KEYS = ("文种", "单位", "日期", "类别", "摘要", "敏感程度", "信访人数", "报送人")
REQUIRED = ("单位", "日期", "类别", "摘要", "敏感程度")
DIMENSIONS = ("类别", "单位", "敏感程度")  # what ``counts`` groups by
TOTAL = "合计"  # the last row of ``counts``; no 类别 may be called so
MAX_CATEGORY = 20  # characters of 类别
MAX_SUMMARY = 500  # characters of 摘要
MAX_REPORTER = 40  # characters of 报送人
MAX_PEOPLE = 100_000  # 信访人数
CATEGORY_EXAMPLES = "征地拆迁、劳资纠纷、涉法涉诉、其他"
SUMMARY_KEY = "信息摘要"  # the input's 摘要 as the log keeps it (摘要 is the chain's)


@frozen
class PetitionInfo:
    """One accepted 信访信息, ready to be recorded."""

    unit: str
    date: dt.date
    category: str
    summary: str
    sensitivity: str  # one of LEVELS
    people: int | None = None  # 信访人数, when given
    reporter: str = ""  # 报送人, when given


def is_petition_info(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("文种", "")).strip() == KIND


class _Check:
    def __init__(self, raw: RawInput) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, key: str, problem: str, expected: str = "") -> None:
        self.problems.append(Problem(key, problem, expected, self.raw.line(key) if key else None))

    def text(self, key: str, expected: str, limit: int, required: bool = True) -> str:
        value = self.raw.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(key, f"缺少「{key}」", expected)
            return ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.add(key, f"「{key}」应为一段文字", expected)
            return ""
        text = str(value).strip()
        if len(text) > limit:
            self.add(key, f"「{key}」有 {len(text)} 字，过长", f"不超过 {limit} 字")
            return ""
        return text


def check(raw: RawInput, units: Sequence[str], today: dt.date) -> PetitionInfo:
    """The 信访信息 the input states, or InputError naming every problem. ``units`` are the joint
    meeting's member units (fawen.yaml 联席会议.成员单位); ``today`` the latest 日期 accepted."""
    if not isinstance(raw.data, dict):
        raise InputError(raw.name, [Problem("", "信访信息应为「键: 值」的组", "、".join(REQUIRED))])
    c = _Check(raw)
    if not is_petition_info(raw.data):
        c.add("文种", f"文种为「{str(raw.data.get('文种', ''))[:20]}」，不是信访信息", f"文种: {KIND}")
    for key in raw.data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.5)
            hint = f"是否想写「{close[0]}」？" if close else ""
            c.add(str(key), f"信访信息没有「{str(key)[:20]}」这一项", f"{hint}可写的项：{'、'.join(KEYS[1:])}")
    unit = _unit(c, units)
    day = _day(c, today)
    category = c.text("类别", f"信访事项的类别，如 {CATEGORY_EXAMPLES}，不超过 {MAX_CATEGORY} 字", MAX_CATEGORY)
    if "\n" in category:
        c.add("类别", "类别应为一行文字", f"如 {CATEGORY_EXAMPLES}")
    elif category == TOTAL:
        c.add("类别", f"「{TOTAL}」不能作类别（统计表的合计行用它）", f"如 {CATEGORY_EXAMPLES}")
    summary = c.text("摘要", f"信访信息的主要内容，不超过 {MAX_SUMMARY} 字", MAX_SUMMARY)
    level = c.text("敏感程度", "、".join(LEVELS) + " 三者之一", 20)
    if level and level not in LEVELS:
        c.add("敏感程度", f"未知的敏感程度「{level}」", f"{'、'.join(LEVELS)} 三者之一（按敏感的程度由低到高）")
    people = _people(c)
    reporter = c.text("报送人", f"报送人的姓名，不超过 {MAX_REPORTER} 字", MAX_REPORTER, required=False)
    if c.problems or day is None:
        raise InputError(raw.name, c.problems)
    return PetitionInfo(unit, day, category, summary, level, people, reporter)


def _unit(c: _Check, units: Sequence[str]) -> str:
    unit = c.text("单位", "报送信息的联席会议成员单位", 60)
    if not unit or unit in units:
        return unit
    if not units:
        c.add("单位", f"「{unit}」无从核对：fawen.yaml 中没有配置联席会议成员单位",
              "先在 fawen.yaml 的「联席会议.成员单位」中列出成员单位")  # fmt: skip
        return unit
    within = [u for u in units if unit.endswith(u) or u.endswith(unit)]  # 罕台镇平安建设办公室 -> 平安建设办公室
    close = within[:1] or difflib.get_close_matches(unit, list(units), n=1, cutoff=0.4)
    hint = f"是否想写「{close[0]}」？" if close else ""
    c.add("单位", f"「{unit}」不是 fawen.yaml 中的联席会议成员单位", f"{hint}成员单位：{'、'.join(units)}")
    return unit


def _day(c: _Check, today: dt.date) -> dt.date | None:
    value = c.raw.data.get("日期")
    if value is None or value == "":
        c.add("日期", "缺少「日期」", "信息报送的日期，如 2026-11-28")
        return None
    day = parse_date(value)
    if day is None:
        c.add("日期", f"「{str(value)[:20]}」不是日期", "信息报送的日期，如 2026-11-28 或 2026年11月28日")
    elif day > today:
        c.add("日期", f"日期 {day} 晚于今天（{today}）", "今天或以前的日期")
    return day


def _people(c: _Check) -> int | None:
    value = c.raw.data.get("信访人数")
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_PEOPLE:
        c.add(
            "信访人数",
            f"「{str(value)[:20]}」不是正整数",
            f"涉及的信访人数，1 到 {MAX_PEOPLE} 的整数，如 12；不知道时不写此项",
        )
        return None
    return value


def record_fields(info: PetitionInfo) -> dict[str, object]:
    """What the log keeps of a 信访信息 besides its place in the chain and its input."""
    return {"单位": info.unit, "日期": info.date.isoformat(), "类别": info.category, SUMMARY_KEY: info.summary,
            "敏感程度": info.sensitivity, "信访人数": info.people, "报送人": info.reporter}  # fmt: skip


def same(record: Mapping[str, Any], info: PetitionInfo) -> bool:
    """Whether a logged record states the same 信访信息 (however the input was written)."""
    fields = record_fields(info)
    return all(record.get(k) == v for k, v in fields.items())


def _in_period(record: Mapping[str, Any], start: dt.date | None, end: dt.date | None) -> bool:
    day = dt.date.fromisoformat(str(record["日期"]))
    return (start is None or start <= day) and (end is None or day <= end)


def select(records: Iterable[Mapping[str, Any]], start: dt.date | None = None, end: dt.date | None = None,
           unit: str = "") -> list[Mapping[str, Any]]:  # fmt: skip
    """The records dated within [start, end] (either open), of ``unit`` when given, by 日期 then 序号."""
    found = [r for r in records if _in_period(r, start, end) and (not unit or r.get("单位") == unit)]
    return sorted(found, key=lambda r: (str(r["日期"]), int(r.get("序号") or 0)))


def counts(records: Iterable[Mapping[str, Any]], start: dt.date, end: dt.date,
           by: tuple[str, ...] = ("类别",)) -> list[dict[str, object]]:  # fmt: skip
    """How many 信访信息 are dated within [start, end] (both included), per value of the ``by``
    fields (any of 类别, 单位, 敏感程度; several: per combination). One row per group, as
    ``{<field>: value, …, "件数": n}``, most first, equal counts by value (code point order);
    then the total row, ``{<first field>: "合计", <other fields>: "", "件数": total}`` (with no
    ``by`` fields, the total row alone: ``{"件数": total}``).
    ``records`` are the log's (store.petitionlog.read_records)."""
    unknown = [k for k in by if k not in DIMENSIONS]
    if unknown or len(set(by)) != len(by):
        raise ValueError(f"by: {by!r}; each of {DIMENSIONS} at most once")
    groups = Counter(tuple(str(r.get(k, "")) for k in by) for r in records if _in_period(r, start, end))
    rows: list[dict[str, object]] = [{**dict(zip(by, key, strict=True)), "件数": n} for key, n in
                                     sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))] if by else []  # fmt: skip
    total = {k: (TOTAL if i == 0 else "") for i, k in enumerate(by)}
    return [*rows, {**total, "件数": sum(groups.values())}]


def counted(records: Iterable[Mapping[str, Any]], start: dt.date, end: dt.date,
            by: tuple[str, ...]) -> dict[str, object]:  # fmt: skip
    """The 信息统计 of a 研判 报告 (what is printed and archived with it): one table of ``counts``
    per field in ``by``, the total, and the records counted (序号 and 摘要: which lines of the log)."""
    chosen = select(records, start, end)
    return {"来源": "信访信息", "起": start.isoformat(), "止": end.isoformat(), "按": list(by), "总数": len(chosen),
            "统计": {field: counts(chosen, start, end, (field,)) for field in by},
            "记录": [{"序号": r.get("序号"), "摘要": r.get("摘要")} for r in chosen]}  # fmt: skip
