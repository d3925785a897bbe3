"""催办: a 通知 input to the units whose 议定事项 are overdue or nearly due, as of a day.

Pure: standings (pipeline.stages.tasks) and the roster valid on that day in, the input's data
out (the keys a clerk would write), ready to render or drop into the inbox.
"""

from __future__ import annotations

import datetime as dt

from pipeline.body import chinese_numeral
from pipeline.frozen import frozen
from pipeline.model import WorkspaceConfig
from pipeline.stages.tasks import Standing

TITLE = "关于督促办理联席会议议定事项的通知"


@frozen
class Reminder:
    """What the 催办 says: the units addressed (in the order their items come), and the data."""

    units: tuple[str, ...]
    data: dict[str, object]


def due(standings: list[Standing], within: int) -> list[Standing]:
    """Items in force, not reported done, overdue or due within ``within`` working days."""
    out = []
    for s in standings:
        if s.item.status or s.state() == "已办结" or s.days is None:
            continue
        left = s.working_days if s.working_days is not None else s.days
        if s.overdue or left <= within:
            out.append(s)
    return out


def reminder(standings: list[Standing], cfg: WorkspaceConfig, at: dt.date) -> Reminder | None:
    """The 通知 for the items ``standings`` (already chosen by ``due``); None when there are none.
    ``cfg``: the configuration with the roster valid on ``at`` (pipeline.roster.config_on)."""
    if not standings:
        return None
    by_unit: dict[str, list[Standing]] = {}
    for s in standings:
        by_unit.setdefault(s.item.lead, []).append(s)
    members = {m.name: m for m in (cfg.meeting.members if cfg.meeting else ())}
    lines = [f"截至{_day(at)}，联席会议议定事项中有以下事项已逾期或即将到期。请各责任单位抓紧办理，"
             f"并由联络员及时报送办理反馈（办结的附办结材料，需要延期的说明理由和新的完成时限）。"]  # fmt: skip
    for k, (unit, items) in enumerate(by_unit.items()):
        member = members.get(unit)
        contact = f"（联络员：{member.liaison}，电话：{member.phone}）" if member and member.liaison else ""
        lines.append(f"{chinese_numeral(k + 1)}、{unit}{contact}")
        for n, s in enumerate(items):
            lines.append(f"（{chinese_numeral(n + 1)}）{s.item.id}：{s.item.matter.rstrip('。')}。"
                         f"完成时限{_day(s.item.deadline)}，{_standing(s)}。")  # fmt: skip
    data: dict[str, object] = {"文种": "通知", "标题": TITLE, "主送": "、".join(by_unit), "正文": "\n".join(lines),
                               "成文日期": at.isoformat()}  # fmt: skip
    office = [o for o in cfg.organs if o.name.endswith("联席会议办公室")]
    if office and office[0] is not cfg.organ:  # issued by the office where it is an organ of its own
        data = {"文种": "通知", "发文机关": office[0].name, **{k: v for k, v in data.items() if k != "文种"}}
    return Reminder(tuple(by_unit), data)


def _day(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "（未定）"


def _standing(s: Standing) -> str:
    if s.days == 0:
        return "今日到期"
    if s.working_days is None:
        return f"已逾期{-s.days}天" if s.overdue and s.days is not None else f"还剩{s.days}天"  # overdue: days known
    return f"已逾期{-s.working_days}个工作日" if s.overdue else f"还剩{s.working_days}个工作日"
