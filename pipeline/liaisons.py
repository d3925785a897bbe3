"""The 联络员备案 log (第六条: a member unit's change of 联络员 is 备案 with the office), as plain data.

fawen.yaml is the roster as configured; each change after it is one line of
``<archive>/联络员备案.jsonl``, append-only and hash-chained like a 件's 处置记录 (pipeline.disposition):
``序号``, ``前摘要`` (the line before's digest, 64 zeros for the first) and ``摘要``. It lives in the
archive, not the registry DB, because it is one of the office's records: kept with the documents,
checked by ``fawen archive verify``, never rebuilt from anything else. A ``联络员变更`` input
(单位, 联络员, 电话, 备案日期, optional 原联络员) is the same record as a file. Pure: no I/O here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from pipeline import disposition
from pipeline.model import LiaisonChange
from pipeline.model import WorkspaceConfig
from pipeline.roster import config_on

LOG_NAME = "联络员备案.jsonl"
KIND = "联络员变更"
ACTION = "备案"
KEYS = ("文种", "单位", "联络员", "电话", "备案日期", "原联络员")
_PHONE = re.compile(r"^[0-9０-９\-－+ ()（）]{5,20}$")


def record(previous: list[dict[str, object]], change: LiaisonChange, when: str, person: str) -> dict[str, object]:
    """The next line of the log: the change, when (ISO time) and by whom it was recorded."""
    fields: dict[str, object] = {"联络员": change.liaison, "电话": change.phone, "备案日期": change.filed.isoformat(),
                                 "原联络员": change.former, "时间": when, "人": person}  # fmt: skip
    return disposition.new_event(previous, change.unit, ACTION, fields)


def changes(entries: list[dict[str, object]]) -> tuple[LiaisonChange, ...]:
    """The changes a log's lines record (lines that cannot be read are left out: verify says so)."""
    out = []
    for e in entries:
        try:
            filed = dt.date.fromisoformat(str(e.get("备案日期", "")))
        except ValueError:
            continue
        out.append(LiaisonChange(str(e.get("标识", "")), str(e.get("联络员", "")), str(e.get("电话", "")), filed,
                                 str(e.get("原联络员", "")), int(e.get("序号", 0) or 0)))  # type: ignore[call-overload]  # fmt: skip
    return tuple(out)


def problems(text: str) -> list[str]:
    """What is wrong with the log's chain (Chinese, one finding per item)."""
    found: list[str] = []
    if text and not text.endswith("\n"):
        found.append(f"{LOG_NAME} 最后一行不完整（被截断）")
    for n, entry, common in disposition.chain_walk(disposition.parse(text), "联络员备案", "行"):
        found += common
        if entry and entry.get("行为") != ACTION:
            found.append(f"联络员备案第 {n} 行的行为不对：{entry.get('行为')}")
    return found


def _at(source: str, key: str, lines: dict[str, int]) -> str:
    """Where a key is: 变更.yaml 第3行「电话」."""
    line = lines.get(key)
    return f"{source}" + (f" 第{line}行" if line else "") + f"「{key}」"


def read_change(data: Any, source: str, lines: dict[str, int] | None = None) -> tuple[LiaisonChange | None, list[str]]:
    """A ``联络员变更`` input (a mapping) as a change, or the problems (文件 行「键」：问题；应为…)."""
    if not isinstance(data, dict):
        return None, [f"{source}：应为键值对（单位、联络员、电话、备案日期），实为 {type(data).__name__}"]
    at = lines or {}
    found = [f"{_at(source, k, at)}：未知的键；可用：{'、'.join(KEYS)}" for k in data if k not in KEYS]
    if data.get("文种", KIND) != KIND:
        found.append(f"{_at(source, '文种', at)}：应为「{KIND}」，实为「{data.get('文种')}」")
    text = {k: str(data.get(k) or "").strip() for k in KEYS}
    for key, expected in (
        ("单位", "成员单位名称，如 综合执法局"),
        ("联络员", "新联络员姓名"),
        ("电话", '电话，如 "0477-8000003"'),
    ):
        if not text[key]:
            found.append(f"{_at(source, key, at)}：缺少；应为{expected}")
    filed = data.get("备案日期")
    if not isinstance(filed, dt.date):
        try:
            filed = dt.date.fromisoformat(text["备案日期"])
        except ValueError:
            found.append(f"{_at(source, '备案日期', at)}：「{text['备案日期']}」不是日期；应为如 2026-11-01")
            filed = None
    if found or filed is None:
        return None, found
    return LiaisonChange(text["单位"], text["联络员"], text["电话"], filed, text["原联络员"]), []


def check(change: LiaisonChange, cfg: WorkspaceConfig) -> tuple[LiaisonChange | None, list[str]]:
    """A change against the roster: a member unit, a phone, and the 原联络员 (filled in when not
    given) the one valid the day before. Returns the change to record, or the problems."""
    members = cfg.meeting.members if cfg.meeting else ()
    names = [m.name for m in members]
    if change.unit not in names:
        close = difflib.get_close_matches(change.unit, names, n=1, cutoff=0.4)
        hint = f"是否想写「{close[0]}」？" if close else ""
        return None, [
            f"单位：「{change.unit}」不是 fawen.yaml 中的联席会议成员单位；{hint}成员单位：{'、'.join(names) or '（未配置）'}"
        ]
    found = []
    if not _PHONE.match(change.phone):
        found.append(f"电话：「{change.phone}」不像电话号码；应为如 0477-8000003")
    before = config_on(cfg, change.filed - dt.timedelta(days=1))
    was, was_phone = next(
        (m.liaison, m.phone) for m in (before.meeting.members if before.meeting else ()) if m.name == change.unit
    )
    if change.former and change.former != was:
        found.append(
            f"原联络员：「{change.former}」不是{change.unit}在 {change.filed} 前的联络员；应为「{was}」（fawen roster --at {change.filed - dt.timedelta(days=1)} 查看）"
        )
    if change.liaison == was and change.phone == was_phone:
        found.append(
            f"联络员：「{change.liaison}」（电话 {was_phone}）已是{change.unit}在 {change.filed} 前的联络员，无需变更"
        )
    if found:
        return None, found
    return LiaisonChange(change.unit, change.liaison, change.phone, change.filed, was), []
