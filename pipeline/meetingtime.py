"""会议.时间: read as clerks write it, printed as notices print it.

``2026-11-20 09:00``, ``2026年11月20日（星期五）上午9:00``, ``2026/11/20 15:30`` are read to a date
and a clock time; a time is printed with its weekday and 上午/下午, as notices usually do:
``11月20日（星期五）上午9:00``. Pure: no package imports but the vocabulary.
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.frozen import frozen

WEEKDAYS = "一二三四五六日"
MEETING_TIME_EXPECTED = "日期和时刻，如 2026-11-20 09:00 或 2026年11月20日上午9:00"
_WHEN = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?[T\s]*"
    r"(?:[（(]\s*(?P<wd>(?:星期|周)[一二三四五六日天])\s*[）)])?\s*"
    r"(?P<part>凌晨|早上|上午|中午|下午|晚上)?\s*"
    r"(?:(?P<h>\d{1,2})\s*(?:[:：]\s*(?P<mi>\d{2})|[时点](?:\s*(?P<mi2>\d{1,2})\s*分)?))?"
    r"(?::\d{2})?(?P<rest>.*)$",
    re.S,
)
_AFTERNOON = ("中午", "下午", "晚上")


@frozen
class MeetingTime:
    date: dt.date
    hour: int | None = None
    minute: int = 0
    rest: str = ""  # what follows the time as written (至11:30), printed unchanged


def read_meeting_time(text: str) -> tuple[MeetingTime | None, str]:
    """(the time, "") or (None, why it cannot be read) for a 会议.时间 as written."""
    m = _WHEN.match(text.strip())
    if not m:
        return None, f"「{text[:30]}」没有写明会议日期"
    try:
        date = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return None, f"「{text[:30]}」中的日期不存在"
    if m["wd"] and m["wd"][-1].replace("天", "日") != WEEKDAYS[date.weekday()]:
        return None, f"{date.month}月{date.day}日是星期{WEEKDAYS[date.weekday()]}，不是{m['wd']}"
    if m["h"] is None:
        return MeetingTime(date, None, 0, (m["part"] or "") + m["rest"].rstrip()), ""
    hour, minute = int(m["h"]), int(m["mi"] or m["mi2"] or 0)
    if m["part"] in _AFTERNOON and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None, f"「{text[:30]}」中的时刻不存在"
    if m["part"] in ("凌晨", "早上", "上午") and hour >= 12:
        return None, f"「{m['part']}」与时刻 {hour}:{minute:02d} 矛盾"
    return MeetingTime(date, hour, minute, m["rest"].rstrip()), ""


def day_part(hour: int) -> str:
    if hour < 6:
        return "凌晨"
    if hour < 12:
        return "上午"
    if hour < 13:
        return "中午"
    return "下午" if hour < 18 else "晚上"


def printed_meeting_time(text: str, with_year: bool = True) -> str:
    """2026-11-20 09:00 -> 2026年11月20日（星期五）上午9:00 (11月20日… without the year); text
    that is not a meeting time is printed as written."""
    when, _ = read_meeting_time(text)
    if when is None:
        return text
    d = when.date
    out = (f"{d.year}年" if with_year else "") + f"{d.month}月{d.day}日（星期{WEEKDAYS[d.weekday()]}）"
    if when.hour is not None:
        hour = when.hour if when.hour <= 12 else when.hour - 12
        out += f"{day_part(when.hour)}{hour}:{when.minute:02d}"
    return out + when.rest
