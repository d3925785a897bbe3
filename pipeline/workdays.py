"""Working days: China's public holidays and 调休 make-up working days, and 完成时限 read from text.

Pure: no disk, no clock. The holiday data comes from the ``chinesecalendar`` package (the State
Council's yearly arrangement, compiled in; version 1.11.0 knows 2004-2026) and from fawen.yaml's
``节假日`` section for years the package does not know yet. A year written in fawen.yaml replaces
the package's data for that year. A date in a year neither knows is an error, never a guess:
weekends alone would count the 春节 week as five working days.

Counting rules (what a person counting on a paper calendar does):

- ``会后N个工作日`` / ``N个工作日内``: the Nth working day after the start (the meeting day itself
  is not counted, whether or not it is a working day).
- ``N日内`` / ``会后N日`` / ``N天内``: the Nth calendar day after the start.
- ``working_days_between(a, b)``: the working days in (a, b], negative when b is before a.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from pipeline.frozen import frozen
from pipeline.model import YearDays
from pipeline.numbertext import chinese_number

DEADLINE_EXPECTED = (
    "日期（如 2026-11-12、2026年11月12日，或与会议同年的 11月12日），"
    "或从会议日期起算的时限：会后15个工作日、15个工作日内、30日内、会后30日"
)
DAYS_EXPECTED = "日期或日期范围，如 2027-10-01、2027-10-01 至 2027-10-07、10月1日 至 10月7日"
MAX_COUNT = 366  # a 时限 of more than a year of days is a typing mistake
_ONE_DAY = dt.timedelta(days=1)
_NUMBER = r"(?P<n>\d+|[〇零一二两三四五六七八九十百]+)"
_WORKING = re.compile(rf"^(?:会后)?{_NUMBER}个?工作日(?:内|之内|以内)?$")
_CALENDAR = re.compile(rf"^(?P<after>会后)?{_NUMBER}(?:个自然日|个日历日|日|天)(?P<within>内|之内|以内)?$")
_FULL_DATE = re.compile(
    r"^(?P<y>\d{4})(?:[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日)$"
)
_MONTH_DAY = re.compile(r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})日$")
_RANGE = re.compile(r"至|到|~|～|—+|－－|--")
_BEFORE = re.compile(r"(?:之前|以前|前)$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．／－", "0123456789./-")


class DeadlineError(ValueError):
    """A 完成时限 that cannot be read or counted; ``message`` says why, in Chinese."""

    def __init__(self, message: str, expected: str = DEADLINE_EXPECTED) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected


class UnknownYearError(DeadlineError):
    """Working days asked of a year whose holidays are known neither to the package nor to fawen.yaml."""

    def __init__(self, year: int, known: tuple[int, int] | None) -> None:
        have = f"（已收录 {known[0]}—{known[1]} 年）" if known else ""
        super().__init__(f"{year}年的法定节假日和调休上班日尚未收录{have}，无法按工作日计算", holiday_hint(year))
        self.year = year


def holiday_hint(year: int) -> str:
    """How to add a year's holidays to fawen.yaml, with a small example (the dates show the form
    only; its 调休上班 days are weekend days of that year, so a copied example still loads)."""
    worked = ", ".join(str(_weekend_from(dt.date(year, m, d))) for m, d in ((2, 14), (10, 9)))
    return (
        f"在 fawen.yaml 中按国务院办公厅公布的{year}年节假日安排添加「节假日」，如（日期仅示格式）：\n"
        f"节假日:\n"
        f"  {year}:\n"
        f"    放假: [{year}-01-01, {year}-02-06 至 {year}-02-13, {year}-10-01 至 {year}-10-07]\n"
        f"    调休上班: [{worked}]"
    )


def _weekend_from(day: dt.date) -> dt.date:
    """The first Saturday or Sunday on or after ``day``."""
    while day.weekday() < 5:
        day += _ONE_DAY
    return day


@functools.cache
def _library_years() -> dict[int, YearDays]:
    """The package's arrangement as YearDays, built once: its own is_workday rescans every key on
    each call (3 ms for a 15-working-day count), set look-ups take microseconds. Same rule: a day
    in its ``workdays`` works, else a weekday not in its ``holidays``."""
    import chinese_calendar  # noqa: PLC0415 — its tables load only when days are counted

    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    off: dict[int, set[dt.date]] = {y: set() for y in range(first, last + 1)}
    worked: dict[int, set[dt.date]] = {y: set() for y in range(first, last + 1)}
    for table, days in ((off, chinese_calendar.holidays), (worked, chinese_calendar.workdays)):
        for day in days:
            table.setdefault(day.year, set()).add(day)
    return {y: YearDays(y, frozenset(off[y]), frozenset(worked.get(y, ()))) for y in off}


class WorkCalendar:
    """Working days from the package's data and the years fawen.yaml adds (which take precedence)."""

    def __init__(self, extra: Iterable[YearDays] = (), use_library: bool = True) -> None:
        self.extra: Mapping[int, YearDays] = {y.year: y for y in extra}
        self.use_library = use_library
        self.years: Mapping[int, YearDays] = {**(_library_years() if use_library else {}), **self.extra}

    def known_years(self) -> tuple[int, int] | None:
        """The package's first and last year (None without the package); fawen.yaml's years come on top."""
        library = _library_years() if self.use_library else {}
        return (min(library), max(library)) if library else None

    def knows(self, year: int) -> bool:
        return year in self.years

    def is_workday(self, day: dt.date) -> bool:
        """True on a working day (调休上班 included); UnknownYearError for a year nobody knows."""
        arrangement = self.years.get(day.year)
        if arrangement is None:
            raise UnknownYearError(day.year, self.known_years())
        return arrangement.is_workday(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The nth working day after ``start`` (start itself not counted); n >= 0."""
        day, left = start, n
        while left > 0:
            day += _ONE_DAY
            if self.is_workday(day):
                left -= 1
        return day


def calendar_for(workspace: Any = None) -> WorkCalendar:
    """The calendar of a workspace: a WorkspaceConfig (its 节假日), or the YearDays themselves."""
    extra = getattr(workspace, "holidays", workspace)
    return WorkCalendar(extra or ())


def add_working_days(start: dt.date, n: int, calendar: WorkCalendar) -> dt.date:
    """The nth working day after ``start``, the start day not counted."""
    return calendar.add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date, calendar: WorkCalendar) -> int:
    """Working days in (a, b] when b is after a; minus those in (b, a] when b is before a; 0 on the day."""
    if b < a:
        return -working_days_between(b, a, calendar)
    count, day = 0, a
    while day < b:
        day += _ONE_DAY
        count += calendar.is_workday(day)
    return count


def working_days_left(deadline_day: dt.date, at: dt.date, calendar: WorkCalendar) -> int:
    """Working days from ``at`` to the deadline: 0 on the day itself, negative when overdue
    (-2: two working days past it)."""
    return working_days_between(at, deadline_day, calendar)


def _absolute(text: str, start: dt.date) -> dt.date | None:
    """A written date; 12月31日 takes the year of ``start``. None when the text is no date form."""
    m = _FULL_DATE.match(text)
    if m:
        year, month, day = int(m["y"]), int(m["m"] or m["m2"]), int(m["d"] or m["d2"])
    else:
        m = _MONTH_DAY.match(text)
        if not m:
            return None
        year, month, day = start.year, int(m["m"]), int(m["d"])
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DeadlineError(f"「{text}」不是有效日期") from None


def read_days(text: str, year: int) -> tuple[dt.date, ...]:
    """The days of one 节假日 entry: a date, or a range 「2027-02-06 至 2027-02-13」 (至, 到, ~);
    12月31日 takes ``year``. DeadlineError when unreadable, reversed or outside ``year``."""
    squeezed = "".join(str(text).split()).translate(_FULLWIDTH)
    parts = _RANGE.split(squeezed)
    if len(parts) > 2 or not all(parts):
        raise DeadlineError(f"「{text}」不是日期或日期范围", DAYS_EXPECTED)
    try:
        days = [_absolute(p, dt.date(year, 1, 1)) for p in parts]
    except DeadlineError as exc:
        raise DeadlineError(exc.message, DAYS_EXPECTED) from None
    first, last = days[0], days[-1]  # one or two parts: the first and the last are all of them
    if first is None or last is None:
        raise DeadlineError(f"「{text}」不是日期或日期范围", DAYS_EXPECTED)
    if first.year != year or last.year != year:
        raise DeadlineError(f"「{text}」不在 {year} 年内", f"{year} 年的日期，写在「{year}:」下")
    if last < first:
        raise DeadlineError(f"「{text}」的结束日期早于开始日期", DAYS_EXPECTED)
    return tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))


@frozen
class DeadlineForm:
    """A 完成时限 as read, before a meeting day turns it into a date: ``kind`` is "date" (``day``
    set), "month_day" (12月31日: the year of the meeting), "working" (N working days) or "days"."""

    kind: str
    count: int = 0
    day: dt.date | None = None
    month: int = 0
    day_of_month: int = 0

    @property
    def relative(self) -> bool:
        return self.kind in ("working", "days")


def read_deadline(text: str) -> DeadlineForm:
    """The form of a 完成时限, no calendar needed; DeadlineError when it is none of the accepted forms."""
    squeezed = "".join(str(text).split()).translate(_FULLWIDTH)
    core = _BEFORE.sub("", squeezed) or squeezed
    if _FULL_DATE.match(core):
        return DeadlineForm("date", day=_absolute(core, dt.date.min))
    m = _MONTH_DAY.match(core)
    if m:
        month, day = int(m["m"]), int(m["d"])
        _absolute(core, dt.date(2024, 1, 1))  # a leap year: 2月29日 is refused only when the year has none
        return DeadlineForm("month_day", month=month, day_of_month=day)
    working = _WORKING.match(core)
    days = _CALENDAR.match(core)
    if days and not (days["after"] or days["within"]):
        days = None  # 「30日」 alone may mean the 30th: ask for 30日内 or 会后30日
    match = working or days
    if match is None:
        raise DeadlineError(f"「{text}」不是有效日期，也不是可计算的时限")
    try:
        n = chinese_number(match["n"])
    except KeyError:
        raise DeadlineError(f"无法识别完成时限「{text}」中的天数") from None
    if not 1 <= n <= MAX_COUNT:
        raise DeadlineError(f"完成时限「{text}」的天数应在 1 至 {MAX_COUNT} 之间")
    return DeadlineForm("working" if working else "days", count=n)


def resolve(form: DeadlineForm, start: dt.date, calendar: WorkCalendar) -> dt.date:
    """The day a read 完成时限 falls on, counted from ``start`` (the meeting day, not counted itself)."""
    if form.kind == "date":
        assert form.day is not None
        return form.day
    if form.kind == "month_day":
        try:
            return dt.date(start.year, form.month, form.day_of_month)
        except ValueError:
            raise DeadlineError(f"{start.year}年没有{form.month}月{form.day_of_month}日") from None
    if form.kind == "working":
        return calendar.add_working_days(start, form.count)
    return start + dt.timedelta(days=form.count)


def deadline(text: str, start: dt.date, calendar: WorkCalendar) -> dt.date:
    """The day a 完成时限 falls on, ``start`` being the meeting day; DeadlineError when the text is
    none of the accepted forms, or counts working days into a year the calendar does not know."""
    return resolve(read_deadline(text), start, calendar)
