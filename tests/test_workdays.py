"""完成时限 on working days: China's 2026 中秋/国庆 arrangement and its 调休 make-up days, counted
as a person counts on a paper calendar; a year nobody knows is refused with the way to add it.

The 2026 arrangement (国务院办公厅, as compiled in chinesecalendar 1.11.0):
  中秋节 9月25日（周五）至27日（周日）放假；国庆节 10月1日（周四）至7日（周三）放假；
  9月20日（周日）、10月10日（周六）上班。

    September 2026                 October 2026
    Mo Tu We Th Fr Sa Su           Mo Tu We Th Fr Sa Su
        1  2  3  4  5  6                     1* 2* 3* 4*
     7  8  9 10 11 12 13            5* 6* 7*  8  9 10+ 11
    14 15 16 17 18 19 20+          12 13 14 15 16 17 18
    21 22 23 24 25* 26* 27*        19 20 21 22 23 24 25
    28 29 30                       26 27 28 29 30 31
    (* 放假, + 调休上班)
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline import configuration
from pipeline.errors import InputError
from pipeline.model import YearDays
from pipeline.stages.parse import parse_input
from pipeline.stages.validate import validate
from pipeline.store import workspace as ws_store
from pipeline.workdays import DeadlineError
from pipeline.workdays import UnknownYearError
from pipeline.workdays import WorkCalendar
from pipeline.workdays import calendar_for
from pipeline.workdays import deadline
from pipeline.workdays import read_days
from pipeline.workdays import working_days_between
from pipeline.workdays import working_days_left

D = dt.date
CAL = calendar_for()
SAMPLE = ws_store.SAMPLE_CONFIG.read_text(encoding="utf-8")
# a made-up 2027 (the dates show the form; they are no official arrangement)
YEAR_2027 = "节假日:\n  2027:\n    放假: [2027-01-01 至 2027-01-03, 2027-10-01 至 2027-10-07]\n    调休上班: [2027-10-09]\n"
EXTRA_2027 = YearDays(2027, frozenset([D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)]), frozenset([D(2027, 10, 9)]))


# --- the calendar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2026, 9, 24), True),  # Thursday before 中秋
        (D(2026, 9, 25), False),  # 中秋 (a Friday)
        (D(2026, 9, 20), True),  # Sunday worked for 国庆
        (D(2026, 9, 28), True),  # Monday between the two holidays
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),  # Wednesday, last day of 国庆
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday worked for 国庆
        (D(2026, 10, 11), False),  # an ordinary Sunday
    ],
)
def test_the_2026_arrangement(day, working):
    assert CAL.is_workday(day) is working


@pytest.mark.parametrize(
    "meeting, n, due",
    [
        # 9/28 29 30 (3) · 10/8 9 10+ (6) · 10/12-16 (11) · 10/19 20 21 22 (15)
        (D(2026, 9, 25), 15, D(2026, 10, 22)),
        # 10/8 9 10+ (3) · 10/12-16 (8) · 10/19-23 (13) · 10/26 27 (15)
        (D(2026, 9, 30), 15, D(2026, 10, 27)),
        # 10/9 10+ (2) · 10/12-16 (7) · 10/19-23 (12) · 10/26 27 28 (15)
        (D(2026, 10, 8), 15, D(2026, 10, 28)),
        # the make-up Sunday counts: 9/20+ (1) · 9/21 22 23 24 (5)
        (D(2026, 9, 18), 5, D(2026, 9, 24)),
        # the make-up Saturday is the first working day after Friday 10/9
        (D(2026, 10, 9), 1, D(2026, 10, 10)),
        # a meeting on a holiday: counting starts the day after, 9/28 is the first
        (D(2026, 9, 27), 1, D(2026, 9, 28)),
    ],
)
def test_working_days_after_a_meeting(meeting, n, due):
    assert deadline(f"会后{n}个工作日", meeting, CAL) == due
    assert deadline(f"{n}个工作日内", meeting, CAL) == due


def test_weekends_alone_would_be_a_week_early():
    """What the holidays change: Monday-to-Friday counting from 9/25 ends on 10/16, six days early."""
    weekdays_only = WorkCalendar([YearDays(2026)], use_library=False)
    assert deadline("会后15个工作日", D(2026, 9, 25), weekdays_only) == D(2026, 10, 16)
    assert deadline("会后15个工作日", D(2026, 9, 25), CAL) == D(2026, 10, 22)


@pytest.mark.parametrize(
    "text, due",
    [
        ("30日内", D(2026, 10, 25)),  # calendar days: 9/25 + 30, a Sunday, is not moved
        ("会后30日", D(2026, 10, 25)),
        ("30天内", D(2026, 10, 25)),
        ("三十日内", D(2026, 10, 25)),
        ("会后十五个工作日", D(2026, 10, 22)),
        ("会后 15 个工作日内", D(2026, 10, 22)),
        ("2026-12-31", D(2026, 12, 31)),
        ("2026年12月31日", D(2026, 12, 31)),
        ("2026.12.31", D(2026, 12, 31)),
        ("12月31日", D(2026, 12, 31)),  # the year of the meeting
        ("12月31日前", D(2026, 12, 31)),
        ("２０２６年１２月３１日之前", D(2026, 12, 31)),
    ],
)
def test_the_written_forms(text, due):
    assert deadline(text, D(2026, 9, 25), CAL) == due


@pytest.mark.parametrize("text", ["尽快", "下周", "30日", "会后0个工作日", "会后400日", "月底前", "2026-02-30", "2月30日"])
def test_other_texts_are_refused_in_chinese(text):
    with pytest.raises(DeadlineError) as info:
        deadline(text, D(2026, 9, 25), CAL)
    assert text in info.value.message
    assert isinstance(info.value, ValueError)
    if "天数" not in info.value.message and "有效的日期" not in info.value.message:
        assert "会后15个工作日" in info.value.expected


def test_working_days_between_is_signed():
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8), CAL) == 1
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 12), CAL) == 4  # 10/8 9 10+ 12
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 30), CAL) == -4
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7), CAL) == 0  # all holiday
    assert working_days_between(D(2026, 10, 22), D(2026, 10, 22), CAL) == 0


@pytest.mark.parametrize(
    "at, left",
    [
        (D(2026, 9, 30), 12),  # 10/8 9 10+ · 10/12-16 · 10/19 20 21 22
        (D(2026, 10, 21), 1),
        (D(2026, 10, 22), 0),  # due today
        (D(2026, 10, 24), -1),  # Saturday after: 10/23 is past
        (D(2026, 10, 26), -2),  # 10/23 and 10/26
    ],
)
def test_working_days_left_and_overdue(at, left):
    assert working_days_left(D(2026, 10, 22), at, CAL) == left


# --- a year nobody knows ------------------------------------------------------------------------


def test_a_year_the_package_does_not_know_is_refused_with_the_way_to_add_it():
    # 12/21-25, 12/28-31 are nine working days; the tenth would be in 2027
    assert deadline("会后9个工作日", D(2026, 12, 20), CAL) == D(2026, 12, 31)
    with pytest.raises(UnknownYearError) as info:
        deadline("会后15个工作日", D(2026, 12, 20), CAL)
    err = info.value
    assert isinstance(err, DeadlineError) and err.year == 2027
    assert "2027年" in err.message and "尚未收录" in err.message
    assert "fawen.yaml" in err.expected and "节假日:" in err.expected and "2027:" in err.expected
    assert "放假:" in err.expected and "调休上班:" in err.expected
    with pytest.raises(UnknownYearError):
        CAL.is_workday(D(2027, 3, 1))  # never weekends alone


def test_a_year_from_fawen_yaml_is_counted():
    cal = calendar_for([EXTRA_2027])
    # 12/21-25 (5) · 12/28-31 (9) · 1/1-3 off · 1/4-8 (14) · 1/11 (15)
    assert deadline("会后15个工作日", D(2026, 12, 20), cal) == D(2027, 1, 11)
    assert cal.is_workday(D(2027, 10, 9)) and not cal.is_workday(D(2027, 10, 10))
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 4), cal) == 1


def test_a_year_in_fawen_yaml_replaces_the_package():
    moved = YearDays(2026, frozenset([D(2026, 10, 8)]))  # a year's own arrangement, 10/10 no longer worked
    cal = calendar_for([moved])
    assert not cal.is_workday(D(2026, 10, 8)) and not cal.is_workday(D(2026, 10, 10))
    assert cal.is_workday(D(2026, 10, 1))  # only what fawen.yaml says counts for that year


def test_the_workspace_configuration_gives_the_calendar():
    config = configuration.read_config("fawen.yaml", (SAMPLE + YEAR_2027).encode("utf-8"))
    assert config.holidays == (YearDays(2027, EXTRA_2027.holidays | _days(2027, 10, 1, 7), EXTRA_2027.workdays),)
    assert deadline("会后15个工作日", D(2026, 12, 20), calendar_for(config)) == D(2027, 1, 11)


def _days(year: int, month: int, first: int, last: int) -> frozenset[dt.date]:
    return frozenset(D(year, month, d) for d in range(first, last + 1))


# --- fawen.yaml's 节假日 ---------------------------------------------------------------------------


def test_holiday_entries_are_days_or_ranges():
    assert read_days("2027-02-06 至 2027-02-09", 2027) == (D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8), D(2027, 2, 9))
    assert read_days("10月1日到10月2日", 2027) == (D(2027, 10, 1), D(2027, 10, 2))
    assert read_days("2027年1月1日", 2027) == (D(2027, 1, 1),)


def _config_problems(section: str) -> configuration.ConfigError:
    with pytest.raises(configuration.ConfigError) as info:
        configuration.read_config("fawen.yaml", (SAMPLE + section).encode("utf-8"))
    return info.value


END = len(SAMPLE.rstrip("\n").split("\n"))  # the last line of the sample


@pytest.mark.parametrize(
    "section, key, line, says",
    [
        ("节假日:\n  2027:\n    放假: [2027-01-01, 2026-10-01]\n", "节假日.2027.放假[2]", 3, "不在 2027 年内"),
        ("节假日:\n  2027:\n    放假: [10月7日 至 10月1日]\n", "节假日.2027.放假[1]", 3, "结束日期早于开始日期"),
        ("节假日:\n  2027:\n    放假: [国庆]\n", "节假日.2027.放假[1]", 3, "不是日期或日期范围"),
        ("节假日:\n  2027:\n    放假: [2027-01-01]\n    调休上班: [2027-02-15]\n", "节假日.2027.调休上班", 4, "不是周六或周日"),
        ("节假日:\n  2027:\n    放假: [2027-01-01]\n    调休: [2027-02-14]\n", "节假日.2027.调休", 4, "是否想写「调休上班」"),
        ("节假日:\n  2027:\n    调休上班: [2027-02-14]\n", "节假日.2027.放假", 2, "缺少「放假」"),
        ("节假日:\n  明年:\n    放假: [2027-01-01]\n", "节假日.明年", 2, "不是年份"),
        ("节假日:\n  2027: [2027-01-01]\n", "节假日.2027", 2, "应为「键: 值」的组"),
        ("节假月:\n  2027:\n    放假: [2027-01-01]\n", "节假月", 1, "是否想写「节假日」"),
    ],
)
def test_holiday_mistakes_name_key_and_line(section, key, line, says):
    err = _config_problems(section)
    match = [p for p in err.problems if p.key == key]
    assert match, str(err)
    assert match[0].line == END + line
    assert says in str(err)


def test_the_init_template_shows_the_section_commented_out():
    rows = SAMPLE.split("\n")
    start = rows.index("# 节假日:")
    block = [rows[start]] + [r for r in rows[start + 1 :] if r.startswith("#   ")]
    assert len(block) == 4, block
    assert configuration.read_config("fawen.yaml", SAMPLE.encode("utf-8")).holidays == ()
    uncommented = "\n".join(r[2:] for r in block) + "\n"
    (year,) = configuration.read_config("fawen.yaml", (SAMPLE + uncommented).encode("utf-8")).holidays
    assert year.year == 2027 and D(2027, 2, 14) in year.workdays and len(year.holidays) == 1 + 8 + 7


# --- 议定事项.完成时限 in a 纪要 ------------------------------------------------------------------------

TODAY = D(2026, 11, 24)


def minutes(meeting_day: str, *deadlines: str) -> str:
    items = "".join(f"  - 事项: 事项{i}\n    责任单位: 平安建设办公室\n    完成时限: {d}\n" for i, d in enumerate(deadlines, 1))
    return (f"文种: 会议纪要\n会议类型: 全体会议\n标题: 测试纪要\n会议:\n  时间: {meeting_day} 9:00\n"
            f"  地点: 罕台镇人民政府三楼会议室\n正文: 会议研究了有关事项。\n议定事项:\n{items}")  # fmt: skip


def check(text: str, config_text: str = SAMPLE):
    config = configuration.read_config("fawen.yaml", config_text.encode("utf-8"))
    return validate(parse_input("纪要.yaml", ".yaml", text.encode("utf-8")), config, TODAY)


def test_relative_deadlines_in_minutes_become_days():
    req = check(minutes("2026-09-30", "会后15个工作日", "30日内", "12月31日", "2026-11-30"))
    assert [r.deadline for r in req.resolutions] == [D(2026, 10, 27), D(2026, 10, 30), D(2026, 12, 31), D(2026, 11, 30)]
    assert [r.deadline_text for r in req.resolutions] == ["会后15个工作日", "30日内", "12月31日", ""]


def test_an_unreadable_deadline_names_key_line_and_the_forms():
    text = minutes("2026-09-30", "2026-11-30", "尽快")
    with pytest.raises(InputError) as info:
        check(text)
    (problem,) = info.value.problems
    assert problem.key == "议定事项[2].完成时限"
    assert problem.line == text.split("\n").index("    完成时限: 尽快") + 1
    assert "「尽快」不是有效日期" in problem.problem
    assert "会后15个工作日" in problem.expected and "30日内" in problem.expected


def test_a_relative_deadline_into_an_unknown_year_asks_for_its_holidays():
    text = minutes("2026-12-20", "会后15个工作日")
    with pytest.raises(InputError) as info:
        check(text)
    (problem,) = info.value.problems
    assert problem.key == "议定事项[1].完成时限"
    assert "2027年的法定节假日" in problem.problem and "节假日:" in problem.expected
    assert check(text, SAMPLE + YEAR_2027).resolutions[0].deadline == D(2027, 1, 11)


def test_a_dated_deadline_in_a_later_year_needs_no_calendar():
    assert check(minutes("2026-12-20", "2027-03-31")).resolutions[0].deadline == D(2027, 3, 31)


def test_a_month_and_day_before_the_meeting_is_refused():
    with pytest.raises(InputError) as info:
        check(minutes("2026-09-30", "9月1日"))
    assert "早于会议日期" in info.value.problems[0].problem


def test_a_relative_deadline_needs_the_meeting_time():
    text = minutes("2026-09-30", "会后15个工作日").replace("  时间: 2026-09-30 9:00\n", "")
    with pytest.raises(InputError) as info:
        check(text)
    assert any(p.key == "议定事项[1].完成时限" and "会议时间" in p.problem for p in info.value.problems)


@pytest.mark.parametrize("year", [2027, 2028])
def test_the_hint_copied_into_fawen_yaml_loads(year):
    """The example in the refusal is valid as it stands (its 调休上班 days are that year's weekend days)."""
    hint = UnknownYearError(year, (2004, 2026)).expected
    section = hint[hint.index("节假日:"):] + "\n"
    (days,) = configuration.read_config("fawen.yaml", (SAMPLE + section).encode("utf-8")).holidays
    assert days.year == year and len(days.workdays) == 2


def test_a_bare_number_is_no_deadline():
    with pytest.raises(InputError) as info:
        check(minutes("2026-09-30", "30"))
    (problem,) = info.value.problems
    assert problem.key == "议定事项[1].完成时限" and "只是一个数字" in problem.problem and "30日内" in problem.expected
