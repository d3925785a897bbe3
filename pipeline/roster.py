"""The workspace's roster (fawen.yaml 联席会议) as plain data, and what an input may name from it.

Conveners chair meetings, approve (审定) and countersign (会签) minutes; the office director may
chair too (第五条: the office may call 专题会议). 责任单位/配合单位 are member units or the office;
a 分送 name close to a member unit is surely that unit misspelt. The roster is dated: fawen.yaml
plus the 联络员备案 (pipeline.liaisons) filed on or before the document's day. Each check returns
(problem, expected) in Chinese, or None. Pure: imports only the vocabulary.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re

from pipeline.frozen import frozen
from pipeline.model import LiaisonChange
from pipeline.model import WorkspaceConfig

_TITLE = re.compile(r"\s*[（(][^）)]*[）)]\s*$")
_COLLECTIVE = re.compile(r"^(各|全体|相关|有关)|成员单位")
ADD_PERSON = "如确有此人，请先在 fawen.yaml 的「联席会议.{where}」中添加"


@frozen
class Roster:
    conveners: tuple[str, ...] = ()
    office_head: str = ""
    units: tuple[str, ...] = ()  # member units
    offices: tuple[str, ...] = ()  # names of the joint meeting's office
    places: tuple[str, ...] = ()  # what a unit's name may be prefixed with (罕台镇)
    people: tuple[str, ...] = ()  # every person named in fawen.yaml, liaisons included
    liaisons: tuple[tuple[str, str, str], ...] = ()  # (unit, 联络员, 电话) valid on ``day``
    day: dt.date | None = None  # the day the roster is valid on; None: fawen.yaml as written
    changes: tuple[LiaisonChange, ...] = ()  # every 备案, to say when another name was (or will be) the 联络员
    phones: tuple[tuple[str, str], ...] = ()  # (unit, 电话) ever 备案, fawen.yaml's included

    @classmethod
    def of(cls, cfg: WorkspaceConfig, day: dt.date | None = None) -> Roster:
        """The roster of fawen.yaml, or with ``day`` the one valid on that day (its 联络员备案 applied)."""
        phones = tuple((m.name, m.phone) for m in (cfg.meeting.members if cfg.meeting else ()))
        phones += tuple((c.unit, c.phone) for c in cfg.liaison_changes)
        if day is not None:
            cfg = config_on(cfg, day)
        meeting = cfg.meeting
        if meeting is None:
            return cls()
        head = meeting.office_head.name if meeting.office_head else ""
        conveners = tuple(p.name for p in meeting.conveners)
        offices = tuple(n for n in ("联席会议办公室", f"{meeting.name}办公室", meeting.office_host) if n)
        places = tuple(n for n in (cfg.organ.name, cfg.organ.short_name, meeting.name) if n)
        people = conveners + ((head,) if head else ()) + tuple(m.liaison for m in meeting.members if m.liaison)
        liaisons = tuple((m.name, m.liaison, m.phone) for m in meeting.members)
        return cls(conveners, head, tuple(m.name for m in meeting.members), offices, places, people,
                   liaisons, day, cfg.liaison_changes, phones)  # fmt: skip


def config_on(cfg: WorkspaceConfig, day: dt.date) -> WorkspaceConfig:
    """fawen.yaml with each member unit's 联络员 and 电话 as last 备案 on or before ``day``."""
    if cfg.meeting is None or not cfg.liaison_changes:
        return cfg
    latest: dict[str, LiaisonChange] = {}
    for change in sorted(cfg.liaison_changes, key=lambda ch: (ch.filed, ch.seq)):
        if change.filed <= day:
            latest[change.unit] = change
    members = tuple(dataclasses.replace(m, liaison=latest[m.name].liaison, phone=latest[m.name].phone) if m.name in latest else m
                    for m in cfg.meeting.members)  # fmt: skip
    return dataclasses.replace(cfg, meeting=dataclasses.replace(cfg.meeting, members=members))


def liaison_problem(name: str, unit: str, roster: Roster) -> tuple[str, str] | None:
    """Whether ``name``, listed for member unit ``unit``, was that unit's 联络员 at another time
    than the roster's day (a 纪要 dated before a change naming the new one, or after it the old one)."""
    if roster.day is None or not roster.changes:
        return None
    now = next(((n, p) for u, n, p in roster.liaisons if u == unit), None)
    if now is None or now[0] == name:
        return None
    unit_changes = sorted((c for c in roster.changes if c.unit == unit), key=lambda c: (c.filed, c.seq))
    later = next((c for c in unit_changes if c.filed > roster.day and c.liaison == name), None)
    earlier = next((c for c in reversed(unit_changes) if c.filed <= roster.day and c.former == name), None)
    if later is not None:
        problem = f"「{name}」自 {later.filed} 起才备案为{unit}的联络员，{roster.day} 时{unit}的联络员是 {now[0]}"
    elif earlier is not None or any(c.filed <= roster.day and c.liaison == name for c in unit_changes):
        problem = f"「{name}」在 {roster.day} 时已不是{unit}的联络员（联络员备案），当时的联络员是 {now[0]}"
    else:
        return None
    return (
        problem,
        f"{unit}的联络员：{now[0]}（电话 {now[1] or '未备案'}，以 {roster.day} 有效的名册为准；fawen roster --at {roster.day} 查看）",
    )


def contact_problem(name: str, phone: str, roster: Roster) -> tuple[str, str] | None:
    """Whether a 联络员 named as 联系人 comes with a 电话 of their unit 备案 for another time (a
    number not in the roster at all, a mobile, is theirs to give)."""
    if roster.day is None or not phone or not roster.changes:
        return None
    found = next(((u, p) for u, n, p in roster.liaisons if n == name and p), None)
    if found is None or found[1] == phone.strip() or (found[0], phone.strip()) not in roster.phones:
        return None
    return (
        f"联系电话「{quoted(phone)}」不是{found[0]}联络员 {name} 在 {roster.day} 备案的电话",
        f"{found[1]}（fawen roster --at {roster.day} 查看当时的名册）",
    )


def quoted(text: str, limit: int = 30) -> str:
    return text[:limit] + ("…" if len(text) > limit else "")


def person_name(text: str) -> str:
    """王建国（镇党委书记） -> 王建国; 王建国同志 -> 王建国."""
    return _TITLE.sub("", text).strip().removesuffix("同志").strip()


def _suggest(name: str, candidates: tuple[str, ...] | list[str], cutoff: float = 0.5) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=cutoff)
    return f"是否想写「{close[0]}」？" if close else ""


def convener_problem(text: str, roster: Roster, role: str, head_too: bool = False) -> tuple[str, str] | None:
    """Whether ``text`` names a convener (or, with ``head_too``, the office director)."""
    if not roster.conveners:
        return None
    name = person_name(text)
    allowed = roster.conveners + ((roster.office_head,) if head_too and roster.office_head else ())
    if name in allowed:
        return None
    listed = "召集人：" + "、".join(roster.conveners)
    if head_too and roster.office_head:
        listed += f"；或办公室主任 {roster.office_head}"
    if name in roster.people:
        return f"「{name}」不是联席会议召集人，不能{role}", listed
    problem = f"「{quoted(name)}」不在 fawen.yaml 的联席会议召集人名单中，不能{role}"
    return problem, _suggest(name, allowed) + listed + "。" + ADD_PERSON.format(where="召集人")


def unit_known(text: str, roster: Roster) -> bool:
    name = person_name(text) or text
    if name in roster.units or name in roster.offices or _COLLECTIVE.search(name):
        return True
    # 罕台镇平安建设办公室 is the member unit 平安建设办公室
    return any(name.endswith(u) and name[: -len(u)] and any(name[: -len(u)] in p for p in roster.places)
               for u in roster.units + roster.offices)  # fmt: skip


def unit_problem(text: str, roster: Roster, strict: bool = True) -> tuple[str, str] | None:
    """Whether ``text`` names a member unit or the office. Not ``strict`` (分送): a name unlike
    every member unit is another body (相关部门, 第七条) and passes; one close to a unit is a typo."""
    if not roster.units or unit_known(text, roster):
        return None
    suggestion = _suggest(text, roster.units + roster.offices[:1], 0.6 if not strict else 0.4)
    if not strict and not suggestion:
        return None
    units = "、".join(roster.units[:12]) + ("等" if len(roster.units) > 12 else "")
    return (f"「{quoted(text)}」不是 fawen.yaml 中的联席会议成员单位",
            f"{suggestion}成员单位：{units}，或 {roster.offices[0]}；如确为成员单位，请先在 fawen.yaml 的「联席会议.成员单位」中添加")  # fmt: skip
