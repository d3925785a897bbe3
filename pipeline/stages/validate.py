"""Step 2: RawInput + workspace + today -> DocumentRequest, or InputError listing every problem.

Each problem names the key path, the line, what is wrong and what a correct value looks like.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
import unicodedata
from collections.abc import Container
from typing import Any
from typing import TypeVar

from pipeline import schema
from pipeline.body import parse_body
from pipeline.configuration import PROBLEM_CODE
from pipeline.configuration import PROBLEM_CODE_EXPECTED
from pipeline.configuration import RETENTION
from pipeline.configuration import RETENTION_EXPECTED
from pipeline.configuration import type_name
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.gbt9704 import NUMBER_FORM
from pipeline.inspection_markers import information_marker_problems
from pipeline.inspection_markers import marker_problems
from pipeline.meetingtime import MEETING_TIME_EXPECTED
from pipeline.meetingtime import read_meeting_time
from pipeline.model import Approval
from pipeline.model import Attachment
from pipeline.model import Block
from pipeline.model import BlockKind
from pipeline.model import Dispatch
from pipeline.model import DocumentKind
from pipeline.model import DocumentRequest
from pipeline.model import InformationQuery
from pipeline.model import InspectionRow
from pipeline.model import LedgerQuery
from pipeline.model import Meeting
from pipeline.model import Person
from pipeline.model import RawInput
from pipeline.model import Resolution
from pipeline.model import WorkspaceConfig
from pipeline.relpath import safe_relative_path
from pipeline.roster import Roster
from pipeline.roster import contact_problem
from pipeline.roster import convener_problem
from pipeline.roster import liaison_problem
from pipeline.roster import person_name
from pipeline.roster import unit_problem
from pipeline.workdays import DEADLINE_EXPECTED
from pipeline.workdays import DeadlineError
from pipeline.workdays import WorkCalendar
from pipeline.workdays import calendar_for
from pipeline.workdays import deadline
from pipeline.workdays import read_deadline

_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
DATE_EXPECTED = "日期，如 2026-11-12 或 2026年11月12日"
SECRECY = ("绝密", "机密", "秘密")
URGENCY = ("特急", "加急", "平急", "特提")
MEETING_TYPES = ("全体会议", "专题会议")
INSPECTION_TYPES = ("全面督查", "交办督查", "专项督查")
STATUSES = ("已办结", "办理中")
_PERSON_RE = re.compile(r"^(?P<name>[^（(]+?)\s*[（(](?P<title>[^）)]*)[）)]\s*$")
_TRAILING_PUNCT = "。，；：、,.;:"

# Every text is bounded (characters), by its key path without list positions: a title of
# thousands of characters is a mistake or an attack, and each costs the typesetter and the
# DOCX (whose core properties hold 255 characters) far more than its bytes.
TEXT_LIMITS = {
    "标题": 200, "发文字号": 40, "正文": 100_000, "附件.正文": 100_000, "附件.名称": 100, "附件.文件": 200,
    "主送": 2000, "抄送": 2000, "分送": 2000, "署名": 200, "印发机关": 100, "附注": 500, "标识": 100,
    "联系电话": 40, "份号": 10, "会议.参会人员": 1000, "会议.议题": 200, "议定事项.事项": 1000,
    "督查事项": 200, "督查事项.事项": 500, "签发意见": 200, "审定.意见": 200, "会签.意见": 200,
    "拟稿人": 50, "核稿人": 50, "印制": 50, "校对": 50,
}  # fmt: skip
DEFAULT_TEXT_LIMIT = 100
LIST_LIMITS = {"附件": 20, "督查事项": 1000, "出席": 300, "请假": 300, "列席": 300, "议定事项": 200,
               "签发人": 10, "会签": 20, "主送": 100, "抄送": 100, "分送": 200}  # fmt: skip
DEFAULT_LIST_LIMIT = 50
MULTILINE = frozenset({"正文", "附件.正文"})  # the only texts where line breaks and tabs belong
LINE_BREAKS = frozenset({"标题"})  # a typed line break forces a title line break (GB/T 9704 §7.3.1); no tabs
MAX_HEADINGS = 300  # 正文 headings, each level numbered up to 九百九十九
MAX_BLOCKS = 5000  # 正文 paragraphs, headings and list items
MAX_NUMBER = 10**12  # no key needs a bigger number; SQLite stops at 2**63
MAX_ISSUE = 999_999  # 期号 and the 序号 of a 发文字号
FIRST_DATE = dt.date(1949, 10, 1)
FUTURE_YEARS = 5
# Characters that print nothing or something else: controls, format characters (zero-width
# joiners, bidi overrides), surrogates, unassigned code points and noncharacters (U+FFFF),
# line and paragraph separators.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})


def shown(value: Any, limit: int = 30) -> str:
    """A value as a message quotes it: invisible characters named by code point, long text cut."""
    text = str(value)
    out = "".join(f"〈U+{ord(ch):04X}〉" if unicodedata.category(ch) in _INVISIBLE else ch for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


def date_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a document may carry: from the founding of the PRC to a few years ahead."""
    last = dt.date(min(today.year + FUTURE_YEARS, dt.MAXYEAR), 12, 31)
    return FIRST_DATE, last


def character_problems(text: str, multiline: bool, coverage: Container[int] | None) -> list[tuple[str, str]]:
    """(problem, expected) for the characters of ``text`` that cannot be printed as themselves."""
    hidden: list[str] = []
    missing: list[str] = []
    for ch in dict.fromkeys(text):  # each distinct character once, in order of appearance
        if ch in "\n\r\t":
            if not multiline:
                hidden.append(ch)
        elif unicodedata.category(ch) in _INVISIBLE:
            hidden.append(ch)
        elif coverage is not None and ord(ch) not in coverage and ch != " ":
            missing.append(ch)
    out = []
    if hidden:
        names = "、".join(f"U+{ord(ch):04X}" for ch in hidden[:5])
        out.append((f"含有不可见的控制字符或换行（{names}）", "删去这些字符；只有「正文」可以分行"))
    if missing:
        names = "、".join(f"「{ch}」（U+{ord(ch):04X}）" for ch in missing[:5])
        out.append(
            (
                f"字符{names}没有已安装的字体能正确显示（打印出来或复制出来会是别的字）",
                "改用常用字，或安装包含此字的字体（fawen.yaml 的「字体目录」）",
            )
        )
    return out


def parse_date(value: Any) -> dt.date | None:
    """A date from YAML (already a date) or one of the usual written forms; None if invalid."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for form in _DATE_FORMS:
            m = form.match(text)
            if m:
                try:
                    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError:
                    return None
    return None


def describe_number_mistake(text: str) -> str:
    """Why a 发文字号 is malformed, naming the usual mistakes (GB/T 9704 §7.2.5)."""
    if re.search(r"[\[\]【】()（）﹝﹞{}]", text):
        return "年份须用六角括号〔〕括入，不能用 [] 【】 () ﹝﹞"
    if "第" in text:
        return "发文字号中不加「第」字"
    if re.search(r"〕0\d*号$", text):
        return "序号不编虚位（不写 01、001）"
    if re.search(r"〔\d{2}〕", text):
        return "年份须写全四位"
    if not text.endswith("号"):
        return "发文字号以「号」结尾"
    return "格式不对"


class _Checker:
    def __init__(self, raw: RawInput, today: dt.date) -> None:
        self.raw = raw
        self.today = today
        self.problems: list[Problem] = []

    def add(self, key: str, problem: str, expected: str = "") -> None:
        self.problems.append(Problem(shown(key, 80), problem, expected, self.raw.line(key)))

    def values(self, node: Any, path: str, coverage: Container[int] | None) -> None:
        """Every value of the input, known key or not: lengths, list sizes, numbers, characters."""
        if isinstance(node, dict):
            for key, value in node.items():
                self.values(value, f"{path}.{key}" if path else key, coverage)
        elif isinstance(node, list):
            pattern = re.sub(r"\[\d+\]", "", path)
            limit = LIST_LIMITS.get(pattern, DEFAULT_LIST_LIMIT)
            if len(node) > limit:
                self.add(path, f"列表过长（{len(node)} 项）", f"不超过 {limit} 项")
                return
            for i, item in enumerate(node, 1):
                self.values(item, f"{path}[{i}]", coverage)
        elif isinstance(node, str):
            pattern = re.sub(r"\[\d+\]", "", path)
            limit = TEXT_LIMITS.get(pattern, DEFAULT_TEXT_LIMIT)
            if len(node) > limit:
                self.add(path, f"文字过长（{len(node)} 字）", f"不超过 {limit} 字")
                return
            shown = node.replace("\n", "") if pattern in LINE_BREAKS else node
            for problem, expected in character_problems(shown, pattern in MULTILINE, coverage):
                self.add(path, problem, expected)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) >= MAX_NUMBER:
            self.add(path, "数字过大", "合理大小的数字，或写成文字")

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], path: str, hint: str = "") -> None:
        for key in data:
            if key in allowed:
                continue
            sub = f"{path}.{key}" if path else key
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.4) if len(key) <= 50 else []
            expected = f"是否想写「{close[0]}」？" if close else ""
            where = [k for k, keys in schema.KIND_KEYS.items() if key in keys]
            if where and not path:
                expected = f"「{key}」只用于文种 {'、'.join(where)}"
            if key in schema.NESTED_KEYS and not path:
                expected = schema.NESTED_KEYS[key]
            self.add(sub, f"未知的键「{shown(key)}」{hint}", expected or "可用的键：" + "、".join(sorted(allowed)))

    def text(self, data: dict[str, Any], key: str, path: str = "", required: bool = False,
             expected: str = "文字") -> str:  # fmt: skip
        sub = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(sub, "缺少必填项", expected)
            return ""
        if isinstance(value, (bool, dict, list)):
            self.add(sub, f"应为文字，实际是{type_name(value)}", expected)
            return ""
        if isinstance(value, float) and not math.isfinite(value):
            self.add(sub, f"「{value}」不是可用的值", expected)
            return ""
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value).strip()

    def texts(self, data: dict[str, Any], key: str, path: str = "", required: bool = False,
              expected: str = "文字，或文字列表") -> tuple[str, ...]:  # fmt: skip
        sub = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None or value == "" or value == []:
            if required:
                self.add(sub, "缺少必填项", expected)
            return ()
        if isinstance(value, list):
            out = []
            for i, item in enumerate(value, 1):
                if isinstance(item, (dict, list, bool)) or item is None:
                    self.add(f"{sub}[{i}]", f"应为文字，实际是{type_name(item)}", expected)
                    continue
                if str(item).strip():
                    out.append(str(item).strip())
            return tuple(out)
        if isinstance(value, (dict, bool)):
            self.add(sub, f"应为文字或列表，实际是{type_name(value)}", expected)
            return ()
        return (str(value).strip(),) if str(value).strip() else ()

    def date(self, data: dict[str, Any], key: str, path: str = "", required: bool = False) -> dt.date | None:
        sub = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(sub, "缺少必填项", DATE_EXPECTED)
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.add(sub, f"「{shown(value)}」不是有效日期", DATE_EXPECTED)
            return None
        first, last = date_range(self.today)
        if not first <= parsed <= last:
            self.add(
                sub, f"日期「{shown(value)}」超出合理范围", f"{first.isoformat()} 至 {last.isoformat()} 之间的日期"
            )
            return None
        return parsed

    def boolean(self, data: dict[str, Any], key: str, path: str = "") -> bool:
        value = data.get(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if str(value).strip() in ("是", "true", "True", "yes"):
            return True
        if str(value).strip() in ("否", "false", "False", "no"):
            return False
        self.add(f"{path}.{key}" if path else key, f"「{shown(value)}」不是是/否", "true 或 false")
        return False

    def integer(self, data: dict[str, Any], key: str, path: str = "") -> int | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ISSUE:
            return int(value)  # the number, whatever the input wrote (04)
        # ASCII digits only: "²".isdigit() is true, int("²") is not
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value.strip()) and int(value) > 0:
            return int(value)
        self.add(f"{path}.{key}" if path else key, f"「{shown(value)}」不是正整数", f"1 至 {MAX_ISSUE} 的整数，如 4")
        return None

    def mapping(self, data: dict[str, Any], key: str, path: str = "") -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(f"{path}.{key}" if path else key, f"应为「键: 值」的组，实际是{type_name(value)}")
            return None
        return value

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if value is None or value == "":
            return []
        if not isinstance(value, list):
            self.add(key, f"应为列表（每项以 - 开头），实际是{type_name(value)}")
            return []
        return value


def _long_part(rel: str) -> bool:
    """A folder or file name longer than file systems take (255 bytes)."""
    return any(len(part.encode("utf-8", "surrogatepass")) > 240 for part in rel.split("/"))


def _attachments(c: _Checker, data: dict[str, Any]) -> tuple[Attachment, ...]:
    out = []
    for i, item in enumerate(c.items(data, "附件"), 1):
        path = f"附件[{i}]"
        if isinstance(item, str):
            item = {"名称": item}
        if not isinstance(item, dict):
            c.add(path, "附件项应为「名称 + 正文」或「名称 + 文件」", "- 名称: …\n    正文: …")
            continue
        c.unknown_keys(item, schema.known_keys("附件"), path)
        name = c.text(item, "名称", path, required=True, expected="附件名称，如 罕台镇信访工作联席会议工作制度")
        if name and name[-1] in _TRAILING_PUNCT:
            c.add(f"{path}.名称", "附件名称后不加标点", f"「{shown(name.rstrip(_TRAILING_PUNCT))}」")
        body_text = c.text(item, "正文", path)
        file_text = c.text(item, "文件", path)
        file_rel: str | None = None
        if body_text and file_text:
            c.add(path, "附件不能同时有「正文」和「文件」", "二者选一")
        elif not body_text and not file_text:
            c.add(path, "附件缺少「正文」或「文件」", "正文: 附件的文字；或 文件: 附件/报告.pdf")
        if file_text:
            file_rel = safe_relative_path(file_text)
            if file_rel is not None and _long_part(file_rel):
                c.add(f"{path}.文件", f"路径「{shown(file_text)}」中的文件夹名或文件名过长", "每一级名称不超过 80 字")
                file_rel = None
            elif file_rel is None:
                c.add(f"{path}.文件", f"路径「{shown(file_text)}」超出了输入文件所在的文件夹",
                      "相对于输入文件、不含 .. 的路径，如 附件/报告.pdf")  # fmt: skip
            elif not file_rel.lower().endswith((".pdf", ".docx")):
                c.add(
                    f"{path}.文件", f"附件文件「{shown(file_text)}」不是 PDF 或 DOCX", "扩展名为 .pdf 或 .docx 的文件"
                )
        out.append(Attachment(name, _body(c, f"{path}.正文", body_text), file_rel))
    return tuple(out)


def _people(c: _Checker, data: dict[str, Any], key: str) -> tuple[Person, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in re.split(r"[、，,；;]", value) if v.strip()]
    if not isinstance(value, list):
        c.add(key, f"应为人员列表，实际是{type_name(value)}", "- 王建国（镇党委书记）")
        return ()
    out = []
    for i, item in enumerate(value, 1):
        path = f"{key}[{i}]"
        if isinstance(item, dict):
            c.unknown_keys(item, schema.known_keys(key), path)
            name = c.text(item, "姓名", path, required=True, expected="姓名，如 张丽")
            out.append(Person(name, c.text(item, "职务", path), c.text(item, "单位", path),
                              c.text(item, "事由", path)))  # fmt: skip
        elif isinstance(item, str) and item.strip():
            m = _PERSON_RE.match(item.strip())
            out.append(Person(m["name"].strip(), m["title"].strip()) if m else Person(item.strip()))
        else:
            c.add(path, "人员应写成「姓名（职务）」或 {单位, 姓名, 职务}", "王建国（镇党委书记）")
    return tuple(out)


def _meeting(c: _Checker, data: dict[str, Any]) -> Meeting | None:
    m = c.mapping(data, "会议")
    if m is None:
        return None
    c.unknown_keys(m, schema.known_keys("会议"), "会议")
    kind = c.text(m, "类型", "会议")
    if kind and kind not in MEETING_TYPES:
        c.add("会议.类型", f"「{shown(kind)}」不是会议类型", "全体会议 或 专题会议")
    return Meeting(
        type=kind,
        time=c.text(m, "时间", "会议"),
        place=c.text(m, "地点", "会议"),
        chair=c.text(m, "主持", "会议"),
        recorder=c.text(m, "记录", "会议"),
        attendees=c.text(m, "参会人员", "会议"),
        topics=c.texts(m, "议题", "会议"),
    )


def _minutes(c: _Checker, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["meeting_type"] = c.text(data, "会议类型", required=True, expected="全体会议 或 专题会议")
    if out["meeting_type"] and out["meeting_type"] not in MEETING_TYPES:
        c.add("会议类型", f"「{shown(out['meeting_type'])}」不是会议类型", "全体会议 或 专题会议")
    out["present"] = _people(c, data, "出席")
    out["absent"] = _people(c, data, "请假")
    out["attending"] = _people(c, data, "列席")
    res = []
    for i, item in enumerate(c.items(data, "议定事项"), 1):
        path = f"议定事项[{i}]"
        if not isinstance(item, dict):
            c.add(
                path, "议定事项应包含 事项、责任单位、完成时限", "- 事项: …\n    责任单位: …\n    完成时限: 2026-11-30"
            )
            continue
        c.unknown_keys(item, schema.known_keys("议定事项"), path)
        res.append(
            Resolution(
                c.text(item, "事项", path, required=True, expected="议定的事项"),
                c.text(item, "责任单位", path, required=True, expected="牵头负责的单位"),
                c.texts(item, "配合单位", path),
                *_deadline_given(c, item, path),
                c.text(item, "交办领导", path),
                c.text(item, "专项", path),
            )
        )
    out["resolutions"] = tuple(res)
    approval = c.mapping(data, "审定")
    if approval is not None:
        c.unknown_keys(approval, schema.known_keys("审定"), "审定")
        out["approval"] = Approval(
            c.text(approval, "审定人", "审定", required=True, expected="审定的召集人姓名"),
            c.date(approval, "日期", "审定"),
            c.text(approval, "意见", "审定", expected=OPINION_EXPECTED),
        )
    signs = []
    for i, item in enumerate(c.items(data, "会签"), 1):
        path = f"会签[{i}]"
        if isinstance(item, str):
            item = {"召集人": item}
        if not isinstance(item, dict):
            c.add(path, "会签项应为 {召集人, 日期}", "- {召集人: 李明, 日期: 2026-10-16}")
            continue
        c.unknown_keys(item, schema.known_keys("会签"), path)
        signs.append(Approval(c.text(item, "召集人", path, required=True, expected="召集人姓名"),
                              c.date(item, "日期", path), c.text(item, "意见", path, expected=OPINION_EXPECTED)))  # fmt: skip
    out["countersigns"] = tuple(signs)
    out["cross_domain"] = c.boolean(data, "跨分管领域")
    out["proposer"] = c.text(data, "议题提出单位")
    out["distribution"] = c.texts(data, "分送")
    out["meeting_notice"] = c.text(data, "会议通知", expected="已归档的会议通知的档号或文号，如 罕联办发〔2026〕3号")
    return out


def _bulletin(c: _Checker, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kind = c.text(data, "督查类型", required=True, expected="全面督查、交办督查 或 专项督查")
    if kind and kind not in INSPECTION_TYPES:
        c.add("督查类型", f"「{shown(kind)}」不是督查类型", "全面督查、交办督查 或 专项督查")
    out["inspection_type"] = kind
    team = c.mapping(data, "督查")
    if team is not None:
        c.unknown_keys(team, schema.known_keys("督查"), "督查")
        out["inspection_time"] = c.text(team, "时间", "督查")
        out["inspection_team"] = c.text(team, "督查组", "督查")
    drawn = data.get("督查事项")
    out["cutoff"] = c.date(data, "统计截止日期", required=not (isinstance(drawn, dict) and "截至" in drawn))
    body = data.get("正文")
    for problem, expected in marker_problems(body) if isinstance(body, str) else ():
        c.add("正文", problem, expected)
    rows_value = data.get("督查事项")
    if isinstance(rows_value, dict):
        out["inspection_query"] = _ledger_query(c, rows_value, out["cutoff"], kind)
        if out["cutoff"] is None and out["inspection_query"] is not None:
            out["cutoff"] = out["inspection_query"].cutoff
        return out
    if isinstance(rows_value, str):
        rel = safe_relative_path(rows_value.strip())
        if rel is not None and _long_part(rel):
            c.add("督查事项", f"台账路径「{shown(rows_value)}」中的文件夹名或文件名过长", "每一级名称不超过 80 字")
            rel = None
        elif rel is None:
            c.add(
                "督查事项",
                f"台账路径「{shown(rows_value)}」超出了输入文件所在的文件夹",
                "相对路径，如 台账/欠薪督查.xlsx",
            )
        elif not rel.lower().endswith((".csv", ".xlsx")):
            c.add("督查事项", f"台账「{shown(rows_value)}」不是 CSV 或 XLSX 文件", "扩展名为 .csv 或 .xlsx")
        out["inspection_ledger"] = rel or ""
        return out
    rows = []
    for i, item in enumerate(c.items(data, "督查事项"), 1):
        path = f"督查事项[{i}]"
        if not isinstance(item, dict):
            c.add(path, "督查事项每行应包含 单位、事项、受理日期、办理时限、状态")
            continue
        c.unknown_keys(item, schema.known_keys("督查事项"), path)
        status = c.text(item, "状态", path, required=True, expected="已办结 或 办理中")
        if status and status not in STATUSES:
            c.add(f"{path}.状态", f"「{shown(status)}」不是办理状态", "已办结 或 办理中")
        received = c.date(item, "受理日期", path, required=True)
        deadline = c.date(item, "办理时限", path, required=True)
        unit = c.text(item, "单位", path, required=True, expected="责任单位")
        matter = c.text(item, "事项", path, required=True, expected="督查的事项")
        if received and deadline and status:
            rows.append(InspectionRow(unit, matter, received, deadline, status))
    too_much = table_text_problem(rows, "督查事项")
    if too_much is not None:
        c.add(too_much.key, too_much.problem, too_much.expected)
    out["inspection_rows"] = tuple(rows)
    return out


# 会议编号: one meeting's identifier, carried by its 会议通知, 纪要, the 通报 that checks it and the
# 报告/请示 arising from it (DA/T 46 关联); letters, digits, CJK and - _ · only, as typed in a search
MEETING_ID = re.compile(r"[0-9A-Za-z\u3400-\u9fff\-_·]{1,40}")
MEETING_ID_EXPECTED = "会议的编号，如 2026-全体-4（字母、数字、汉字和 - _ ·，不超过 40 个字符）"
LEDGER_SOURCE = "督办台账"


def _ledger_query(c: _Checker, query: dict[str, Any], cutoff: dt.date | None, kind: str) -> LedgerQuery | None:
    """督查事项 as a mapping: the rows come from the 督办台账 (resolved at the edge, as of 截至)."""
    c.unknown_keys(query, schema.known_keys("督查事项来源"), "督查事项")
    source = c.text(query, "来源", "督查事项", required=True, expected=f"「{LEDGER_SOURCE}」")
    if source and source != LEDGER_SOURCE:
        c.add("督查事项.来源", f"「{shown(source)}」不是可用的督查事项来源",
              f"「{LEDGER_SOURCE}」；或把督查事项逐行写出，或写台账文件的路径（CSV/XLSX）")  # fmt: skip
    meetings = c.texts(query, "会议", "督查事项")
    for i, m in enumerate(meetings, 1):
        if not re.fullmatch(r"[^\s]{1,40}", m):
            c.add(f"督查事项.会议[{i}]", f"「{shown(m)}」不是会议的编号", "议定事项编号去掉末尾的项号，如 纪要2026-4")
    units = c.texts(query, "单位", "督查事项")
    campaign = c.text(query, "专项", "督查事项")
    if campaign and kind != "专项督查":
        c.add(
            "督查事项.专项",
            f"「专项」只用于专项督查，本通报的督查类型是「{shown(kind)}」",
            "删去「专项」，或把督查类型改为 专项督查",
        )
    until = c.date(query, "截至", "督查事项")
    if until and cutoff and until != cutoff:
        c.add("督查事项.截至", f"截至日期 {until} 与统计截止日期 {cutoff} 不同", "两者相同（或只写统计截止日期）")
    day = cutoff or until
    if day is None or (source and source != LEDGER_SOURCE):
        return None
    return LedgerQuery(day, tuple(meetings), tuple(units), campaign)


def validate(raw: RawInput, workspace: WorkspaceConfig, today: dt.date,
             coverage: Container[int] | None = None) -> DocumentRequest:  # fmt: skip
    """Check a parsed input against the contract and the workspace; build the request.
    ``coverage`` holds the code points the installed fonts draw (None: not checked). Every key is
    checked before anything is built, so no value is dropped or replaced without a word."""
    c = _Checker(raw, today)
    data = raw.data
    c.values(data, "", coverage)
    kind_text = c.text(data, "文种", required=True, expected="、".join(k.value for k in DocumentKind))
    kind: DocumentKind | None = None
    if kind_text:
        try:
            kind = DocumentKind(kind_text)
        except ValueError:
            close = difflib.get_close_matches(kind_text, [k.value for k in DocumentKind], n=1, cutoff=0.3)
            record = {
                "联络员变更": "联络员变更不是公文，不排版归档：用 fawen roster set --from <文件> 备案，或放入收件箱。",
                "信访信息": "信访信息不是公文，不排版归档：用 fawen info add <文件> 登记，或放入收件箱。",
            }.get(kind_text, "")
            c.add("文种", f"未知的文种「{shown(kind_text)}」",
                  record + (f"是否想写「{close[0]}」？" if close and not record else "") + "可用：" + "、".join(k.value for k in DocumentKind))  # fmt: skip
    allowed = set(schema.COMMON_KEYS) | (
        set(schema.KIND_KEYS[kind.value]) if kind else set().union(*schema.KIND_KEYS.values())
    )
    c.unknown_keys(data, allowed, "")
    fields = _head_fields(c, data, workspace)
    fields.update(_foot_fields(c, data, workspace))
    fields["dispatch"] = _dispatch(c, data, fields["copy_number"])
    extra = _kind_fields(c, data, kind, fields) if kind is not None else {}
    fields["organs"] = _issuing_organs(c, data, workspace, kind, fields) if kind is not None else ()
    if kind is not None:
        extra.update(_workspace_rules(c, kind, {**fields, **extra}, workspace))
    if c.problems:
        raise InputError(raw.name, c.problems)
    assert kind is not None
    return _request(raw.name, kind, fields, extra, _Completion(workspace, today))


def _head_fields(c: _Checker, data: dict[str, Any], workspace: WorkspaceConfig) -> dict[str, Any]:
    """标题, 发文字号, 期号, 主送, 正文, 附件 and the 版头 marks (份号, 密级, 紧急程度, 签发人)."""
    f: dict[str, Any] = {}
    f["title"] = title = c.text(data, "标题", required=True, expected="公文标题，如 关于召开……的通知")
    if title.endswith("。"):
        c.add("标题", "标题末尾不加句号", title.rstrip("。"))
    f["number"] = number = c.text(data, "发文字号")
    m = NUMBER_FORM.match(number) if number else None
    first, last = date_range(c.today)
    if number and not m:
        c.add(
            "发文字号",
            f"「{shown(number)}」{describe_number_mistake(number)}",
            "机关代字〔年份〕序号号，如 罕政发〔2026〕7号",
        )
    elif m and not (first.year <= int(m["year"]) <= last.year and len(m["seq"]) <= 6):
        c.add("发文字号", f"「{shown(number)}」的年份或序号超出合理范围",
              f"年份 {first.year}–{last.year}，序号 1–{MAX_ISSUE}，如 罕政发〔2026〕7号")  # fmt: skip
    f["issue"] = c.integer(data, "期号")
    f["recipients"] = c.texts(data, "主送")
    body_text = c.text(data, "正文", required=True, expected="正文文字（段落之间空一行）")
    f["body"] = _body(c, "正文", body_text)
    f["attachments"] = _attachments(c, data)
    f["date"] = c.date(data, "成文日期")
    f["signers"] = c.texts(data, "签发人")
    f["copy_number"] = copy_number = c.text(data, "份号")
    if copy_number and not (re.fullmatch(r"[0-9]{1,6}", copy_number)):
        c.add("份号", f"「{shown(copy_number)}」不是份号", "1 至 6 位阿拉伯数字，如 000001")
    f["secrecy"] = secrecy = c.text(data, "密级")
    if secrecy and secrecy not in SECRECY:
        c.add("密级", f"「{shown(secrecy)}」不是密级", "绝密、机密 或 秘密")
    elif secrecy and not workspace.allow_classified:
        c.add(
            "密级",
            "本工作区不处理涉密公文",
            "涉密公文不得用本系统处理；如确需处理，须在 fawen.yaml 中设置 允许涉密: true",
        )
    f["secrecy_period"] = c.text(data, "保密期限")
    if f["secrecy_period"].isdigit():
        f["secrecy_period"] += "年"
    f["urgency"] = urgency = c.text(data, "紧急程度")
    if urgency and urgency not in URGENCY:
        c.add("紧急程度", f"「{shown(urgency)}」不是紧急程度", "特急 或 加急")
    return f


def _foot_fields(c: _Checker, data: dict[str, Any], workspace: WorkspaceConfig) -> dict[str, Any]:
    """署名, 印章, 附注, 抄送, 印发机关/日期 and the filing keys; each checked even when optional."""
    f: dict[str, Any] = {}
    f["signature"] = c.text(data, "署名", expected="署名机关名称")
    f["seal"] = c.boolean(data, "印章")
    f["note"] = c.text(data, "附注", expected="附注文字，如 此件公开发布")
    f["contact"] = c.text(data, "联系人", expected="联系人姓名")
    f["phone"] = c.text(data, "联系电话", expected="电话号码，如 0477-8000002")
    f["cc"] = c.texts(data, "抄送", expected="抄送机关，或机关列表")
    f["printer"] = c.text(data, "印发机关", expected="印发机关名称")
    f["print_date"] = c.date(data, "印发日期")
    f["identity"] = c.text(data, "标识", expected="一个文字标识")
    f["meeting_id"] = c.text(data, "会议编号", expected=MEETING_ID_EXPECTED)
    if f["meeting_id"] and not MEETING_ID.fullmatch(f["meeting_id"]):
        c.add("会议编号", f"「{shown(f['meeting_id'])}」不能作会议编号", MEETING_ID_EXPECTED)
    retention_text = c.text(data, "保管期限")
    f["retention"] = RETENTION.get(retention_text.upper(), RETENTION.get(retention_text, "")) if retention_text else ""
    if retention_text and not f["retention"]:
        c.add("保管期限", f"「{shown(retention_text)}」不是保管期限", RETENTION_EXPECTED)
    f["problem"] = problem_text = c.text(data, "机构问题")
    if problem_text and not PROBLEM_CODE.match(problem_text):  # it names a folder of the archive tree
        c.add("机构问题", f"「{shown(problem_text)}」不能用在档号和文件夹名中", PROBLEM_CODE_EXPECTED)
    return f


# ---- the 发文稿纸: 拟稿, 核稿, 签发, 份数, 印制, 校对 ------------------------------------------------

OPINION_EXPECTED = "签署的意见，如 同意印发"
PERSON_EXPECTED = "姓名，如 张丽（几人时用「、」分隔）"
COPIES_EXPECTED = f"印制的份数：1 至 {MAX_ISSUE} 的整数，如 30"
# a 纪要 is approved (审定) by the convener, not signed: where each 签发 key's content belongs
MINUTES_SIGNING = {
    "签发人": "审定的召集人写在「审定」下：审定: {审定人: …, 日期: …}",
    "签发意见": "写在「审定」下：审定: {审定人: …, 日期: …, 意见: 同意印发}",
    "签发日期": "写在「审定」下：审定: {审定人: …, 日期: 2026-11-22}",
}


def _dispatch(c: _Checker, data: dict[str, Any], copy_number: str) -> Dispatch:
    """The 发文稿纸's own keys (all optional), each checked like every other key."""
    copies = _copies(c, data)
    if copies is not None and re.fullmatch(r"[0-9]{1,6}", copy_number) and int(copy_number) > copies:
        c.add("份号", f"份号「{shown(copy_number)}」大于份数 {copies}", f"1 至 {copies} 之间的份号，或改正份数")
    return Dispatch(
        unit=c.text(data, "拟稿单位", expected="拟稿的单位或科室，如 党政综合办公室"),
        drafter=_person(c, data, "拟稿人"),
        reviewer=_person(c, data, "核稿人"),
        opinion=c.text(data, "签发意见", expected=OPINION_EXPECTED),
        signed=c.date(data, "签发日期"),
        copies=copies,
        printed_by=_person(c, data, "印制"),
        proofread_by=_person(c, data, "校对"),
    )


def _person(c: _Checker, data: dict[str, Any], key: str) -> str:
    """A person's name (or names joined by 、): text with a letter in it, never a number or a date."""
    value = data.get(key)
    if isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        kind = "日期" if isinstance(value, dt.date) else type_name(value)
        c.add(key, f"应为姓名，实际是{kind}「{shown(value)}」", PERSON_EXPECTED)
        return ""
    text = c.text(data, key, expected=PERSON_EXPECTED)
    if text and not re.search(r"[^\W\d_]|×", text):  # ××× is a blank still to fill (fawen new)
        c.add(key, f"「{shown(text)}」不是姓名", PERSON_EXPECTED)
        return ""
    return text


def _copies(c: _Checker, data: dict[str, Any]) -> int | None:
    """份数: a whole number of copies (30, or as text 30 / 30份)."""
    value = data.get("份数")
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ISSUE:
        return value
    m = re.fullmatch(r"([0-9]{1,6})\s*份?", value.strip()) if isinstance(value, str) else None
    if m and int(m[1]) > 0:
        return int(m[1])
    c.add("份数", f"「{shown(value)}」不是份数", COPIES_EXPECTED)
    return None


def _signing_rules(c: _Checker, data: dict[str, Any], kind: DocumentKind, signers: tuple[str, ...]) -> None:
    """签发人 is printed in the 版头 of a 上行文 only (GB/T 9704 §7.2.6) and on every 发文稿纸; a
    纪要 is approved (审定) instead; a 签发意见 or 签发日期 needs the 签发人 it belongs to."""
    if kind == DocumentKind.MINUTES:
        for key, where in MINUTES_SIGNING.items():
            if data.get(key) not in (None, "", []):
                c.add(key, "会议纪要由召集人审定，不签发（工作制度第七条：报请召集人审定后印发）", where)
        return
    for key in ("签发意见", "签发日期"):
        if data.get(key) not in (None, "") and not signers:
            c.add(key, f"写了{key}，但没有写签发人", "同时写明 签发人：签发的领导姓名，如 李明")


def _kind_fields(c: _Checker, data: dict[str, Any], kind: DocumentKind, f: dict[str, Any]) -> dict[str, Any]:
    """The rules of one 文种 (上行文, 请示, meetings, 纪要, 通报) and the keys only it has."""
    extra: dict[str, Any] = {}
    if kind.upward and not f["signers"]:
        c.add("签发人", f"{kind.value}是上行文，须标注签发人（GB/T 9704 §7.2.6）", "签发人姓名，如 刘海涛")
    _signing_rules(c, data, kind, f["signers"])
    if not _signs(kind, f["number"]):
        for key in ("署名", "印章"):
            if data.get(key) not in (None, "", False):
                c.add(key, f"{kind.value}不署名、不加盖印章（编发单位和日期印在版头）", "删去此项")
    if kind == DocumentKind.MINUTES and f["cc"]:
        c.add("抄送", "会议纪要用「分送」列出发送范围，不用「抄送」", "分送: 联席会议各成员单位")
    if kind == DocumentKind.REQUEST:
        recipients = f["recipients"]
        if len(recipients) != 1 or re.search(r"[、，,；;]", recipients[0] if recipients else ""):
            c.add("主送", "请示只能主送一个上级机关（《党政机关公文处理工作条例》第十五条：请示应当一文一事，一般只写一个主送机关）",
                  "一个机关名称，如 镇党委")  # fmt: skip
        if not f["contact"]:
            c.add("联系人", "请示须在附注中注明联系人（GB/T 9704 §7.3.6，条例第十五条）", "联系人姓名")
        if not f["phone"]:
            c.add(
                "联系电话", "请示须在附注中注明联系电话（GB/T 9704 §7.3.6，条例第十五条）", "电话号码，如 0477-8000002"
            )
    if kind in (DocumentKind.MEETING_NOTICE, DocumentKind.MINUTES):
        extra["meeting"] = _meeting(c, data)
        if kind == DocumentKind.MEETING_NOTICE and extra["meeting"] is None:
            c.add("会议", "会议通知缺少「会议」信息", "会议: {类型, 时间, 地点, 主持, 参会人员, 议题}")
    if kind == DocumentKind.MINUTES:
        extra.update(_minutes(c, data))
    if kind == DocumentKind.BULLETIN:
        extra.update(_bulletin(c, data))
    if kind == DocumentKind.REPORT:
        extra["information_query"] = _information_query(c, data, f["date"])
    return extra


INFORMATION_SOURCE = "信访信息"
INFORMATION_DIMENSIONS = ("类别", "单位", "敏感程度")


def _information_query(c: _Checker, data: dict[str, Any], signed: dt.date | None) -> InformationQuery | None:
    """信息统计 of a 研判 专题报告 (第十条): which period of the recorded 信访信息, counted how."""
    body = data.get("正文")
    marked = isinstance(body, str) and "{信息统计}" in body
    query = c.mapping(data, "信息统计")
    if query is None:
        if marked:
            c.add(
                "正文",
                "正文中有「{信息统计}」，但没有「信息统计」",
                "信息统计: {来源: 信访信息, 起: 2026-01-01, 止: 2026-10-31}",
            )
        return None
    for problem, expected in information_marker_problems(body) if isinstance(body, str) else ():
        c.add("正文", problem, expected)
    c.unknown_keys(query, schema.known_keys("信息统计"), "信息统计")
    source = c.text(query, "来源", "信息统计", required=True, expected=f"「{INFORMATION_SOURCE}」")
    if source and source != INFORMATION_SOURCE:
        c.add("信息统计.来源", f"「{shown(source)}」不是可统计的来源", f"「{INFORMATION_SOURCE}」（已登记的信访信息）")
    start = c.date(query, "起", "信息统计", required=True)
    end = c.date(query, "止", "信息统计", required=True)
    if start and end and start > end:
        c.add("信息统计.止", f"统计期间的止日 {end} 早于起日 {start}", "不早于起日的日期")
    if end and signed and end > signed:
        c.add("信息统计.止", f"统计期间的止日 {end} 晚于成文日期 {signed}", "成文日期当天或以前")
    by = c.texts(query, "按", "信息统计") or ("类别", "单位")
    for i, name in enumerate(by, 1):
        if name not in INFORMATION_DIMENSIONS:
            c.add(f"信息统计.按[{i}]", f"不能按「{shown(name)}」统计", "、".join(INFORMATION_DIMENSIONS))
    if len(set(by)) != len(by):
        c.add("信息统计.按", "同一统计项写了两次", "每项只写一次")
    if not (start and end) or (source and source != INFORMATION_SOURCE):
        return None
    return InformationQuery(start, end, tuple(dict.fromkeys(b for b in by if b in INFORMATION_DIMENSIONS)))


# ---- checks that know the workspace: the roster's people and units, dates in order ----------

PLACE_EXPECTED = "会议地点，如 罕台镇人民政府三楼会议室"
# people who may be named in two of the 纪要's lists: the chair and the recorder are present
ATTENDANCE_PAIRS = frozenset({("主持", "出席"), ("记录", "出席"), ("记录", "列席"), ("主持", "记录")})
# the order of a 纪要's dates: 会议 ≤ 成文 ≤ 会签 ≤ 审定 ≤ 印发 (第八条: the conveners concerned agree
# before the 纪要 is formed; 第七条: it is issued after the convener's 审定)
MINUTES_ORDER = ("会议.时间", "成文日期", "会签", "审定.日期", "印发日期")
NOTICE_ORDER = ("成文日期", "印发日期", "会议.时间")  # a notice goes out before its meeting
DATE_LABELS = {
    "签发日期": "签发日期",
    "会议.时间": "会议日期",
    "成文日期": "成文日期",
    "会签": "会签日期",
    "审定.日期": "审定日期",
    "印发日期": "印发日期",
}


def _workspace_rules(c: _Checker, kind: DocumentKind, f: dict[str, Any], workspace: WorkspaceConfig) -> dict[str, Any]:
    """People and units against the roster (fawen.yaml 联席会议), a 会议通知's time and place,
    one person in one attendance list, and the document's dates in their order. Returns the
    fields it completes: a 纪要's 议定事项 with their 完成时限 counted from the meeting day."""
    done: dict[str, Any] = {}
    meeting: Meeting | None = f.get("meeting")
    held = _meeting_date(c, kind, meeting)
    roster = Roster.of(workspace, _roster_day(kind, f, held, c.today))  # the 联络员 备案 on the document's day
    _liaisons(c, f, roster)
    if meeting is not None and meeting.chair:
        _roster_check(c, "会议.主持", convener_problem(meeting.chair, roster, "主持会议", head_too=True))
    if kind == DocumentKind.MINUTES:
        approval: Approval | None = f.get("approval")
        if approval is not None and approval.by:
            _roster_check(c, "审定.审定人", convener_problem(approval.by, roster, "审定会议纪要"))
        for i, sign in enumerate(f["countersigns"], 1):
            if sign.by:
                _roster_check(c, f"会签[{i}].召集人", convener_problem(sign.by, roster, "会签"))
        _attendance(c, meeting, f)
        _units(c, f, roster, held)
        done["resolutions"] = _deadlines(c, f["resolutions"], meeting, held, calendar_for(workspace))
    _dates_in_order(c, kind, f, held)
    return done


def _roster_day(kind: DocumentKind, f: dict[str, Any], held: dt.date | None, today: dt.date) -> dt.date:
    """The day whose roster a document is checked against: a 纪要's meeting day, else its 成文日期, else today."""
    date = f.get("date")
    if kind == DocumentKind.MINUTES and held is not None:
        return held
    return date if isinstance(date, dt.date) else today


def _liaisons(c: _Checker, f: dict[str, Any], roster: Roster) -> None:
    """Member units' people in 出席/请假/列席 and the 联系人's 电话 follow the roster valid that day."""
    for field, label in (("present", "出席"), ("absent", "请假"), ("attending", "列席")):
        for i, p in enumerate(f.get(field) or (), 1):
            if p.unit and p.name:
                _roster_check(c, f"{label}[{i}].姓名", liaison_problem(person_name(p.name), p.unit.strip(), roster))
    if f.get("contact"):
        _roster_check(c, "联系电话", contact_problem(person_name(f["contact"]), f.get("phone") or "", roster))


def _roster_check(c: _Checker, key: str, found: tuple[str, str] | None) -> None:
    if found is not None:
        c.add(key, *found)


def _meeting_date(c: _Checker, kind: DocumentKind, meeting: Meeting | None) -> dt.date | None:
    """The day of 会议.时间 (required, with 地点, in a 会议通知); None when not given or unreadable."""
    if kind == DocumentKind.MEETING_NOTICE and meeting is not None:
        if not meeting.time:
            c.add("会议.时间", "会议通知缺少会议时间（否则正文只能写「定于召开」）", MEETING_TIME_EXPECTED)
        if not meeting.place:
            c.add("会议.地点", "会议通知缺少会议地点", PLACE_EXPECTED)
    if meeting is None or not meeting.time:
        return None
    when, why = read_meeting_time(meeting.time)
    if when is None:
        c.add("会议.时间", why, MEETING_TIME_EXPECTED)
        return None
    first, last = date_range(c.today)
    if not first <= when.date <= last:
        c.add("会议.时间", f"会议日期「{when.date}」超出合理范围", f"{first} 至 {last} 之间的日期")
        return None
    return when.date


def _attendance(c: _Checker, meeting: Meeting | None, f: dict[str, Any]) -> None:
    """One person in one of 出席, 请假, 列席 (the chair and the recorder count as present)."""
    entries = []
    if meeting is not None:
        entries += [
            (f"会议.{label}", label, person_name(name))
            for label, name in (("主持", meeting.chair), ("记录", meeting.recorder))
        ]
    for label, people in (("出席", f["present"]), ("请假", f["absent"]), ("列席", f["attending"])):
        entries += [(f"{label}[{i}]", label, p.name) for i, p in enumerate(people, 1)]
    seen: dict[str, list[tuple[str, str]]] = {}
    for key, label, name in entries:
        if not name.strip("×"):  # ××× is a blank still to fill (fawen new without a roster)
            continue
        clash = next((k for k, other in seen.get(name, []) if (other, label) not in ATTENDANCE_PAIRS), None)
        if clash is not None:
            c.add(key, f"「{shown(name)}」已列在「{clash}」中，不能又列在「{label}」中",
                  "一人只列一处：出席、请假、列席三者选一（主持人、记录人不能请假）")  # fmt: skip
        seen.setdefault(name, []).append((key, label))


def _units(c: _Checker, f: dict[str, Any], roster: Roster, held: dt.date | None) -> None:
    """责任单位 and 配合单位 are member units (or the office); a 分送 name close to a member unit
    is that unit misspelt."""
    for i, r in enumerate(f["resolutions"], 1):
        path = f"议定事项[{i}]"
        if r.lead:
            _roster_check(c, f"{path}.责任单位", unit_problem(r.lead, roster))
        for j, unit in enumerate(r.partners, 1):
            _roster_check(c, f"{path}.配合单位[{j}]", unit_problem(unit, roster))
    for k, unit in enumerate(f["distribution"], 1):
        _roster_check(c, f"分送[{k}]", unit_problem(unit, roster, strict=False))


def _deadline_given(c: _Checker, item: dict[str, Any], path: str) -> tuple[dt.date | None, str]:
    """完成时限 as written: a date (checked like every date), or a text the meeting day will turn
    into one (会后15个工作日, 30日内, 12月31日): kept as text once its form is known."""
    value = item.get("完成时限")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        c.add(f"{path}.完成时限", f"「{shown(value)}」只是一个数字，不是日期或时限", DEADLINE_EXPECTED)
        return None, ""
    if value is None or value == "" or parse_date(value) is not None or not isinstance(value, str):
        return c.date(item, "完成时限", path), ""
    try:
        read_deadline(value)
    except DeadlineError as exc:
        c.add(f"{path}.完成时限", exc.message, exc.expected)
        return None, ""
    return None, value.strip()


def _deadlines(c: _Checker, resolutions: tuple[Resolution, ...], meeting: Meeting | None, held: dt.date | None,
               calendar: WorkCalendar) -> tuple[Resolution, ...]:  # fmt: skip
    """Each 完成时限 as a day: a written one counted from the meeting day on the working-day
    calendar; every one after the meeting."""
    out = []
    for i, r in enumerate(resolutions, 1):
        key, when = f"议定事项[{i}].完成时限", r.deadline
        if r.deadline_text and held is None and (meeting is None or not meeting.time):
            c.add(
                key,
                f"「{shown(r.deadline_text)}」要从会议日期起算，但没有写会议时间",
                "写明 会议.时间，或把完成时限写成日期，如 2026-11-30",
            )
        elif r.deadline_text and held is not None:
            try:
                when = deadline(r.deadline_text, held, calendar)
            except DeadlineError as exc:
                c.add(key, exc.message, exc.expected)
            first, last = date_range(c.today)
            if when and not first <= when <= last:
                c.add(
                    key, f"完成时限「{shown(r.deadline_text)}」即 {when}，超出合理范围", f"{first} 至 {last} 之间的日期"
                )
                when = None
        if held and when and when < held:
            c.add(key, f"完成时限 {when} 早于会议日期 {held}", f"{held} 之后的日期")
        out.append(dataclasses.replace(r, deadline=when))
    return tuple(out)


def _dates_in_order(c: _Checker, kind: DocumentKind, f: dict[str, Any], held: dt.date | None) -> None:
    """Each date no later than the dates that must follow it; said once, where the early one is."""
    order = MINUTES_ORDER if kind == DocumentKind.MINUTES else NOTICE_ORDER if held else NOTICE_ORDER[:2]
    signed = f["dispatch"].signed if kind != DocumentKind.MINUTES else None
    order = ("签发日期", *order) if signed else order  # 成文日期 is the day it was signed (条例第九条), not before
    approval = f.get("approval")
    given = {"签发日期": [("签发日期", signed)], "会议.时间": [("会议.时间", held)], "成文日期": [("成文日期", f["date"])],
             "印发日期": [("印发日期", f["print_date"])],
             "审定.日期": [("审定.日期", approval.date if approval else None)],
             "会签": [(f"会签[{i}].日期", s.date) for i, s in enumerate(f.get("countersigns", ()), 1)]}  # fmt: skip
    for rank, step in enumerate(order):
        for key, date in given[step]:
            later = [(DATE_LABELS[s], d) for s in order[rank + 1 :] for _, d in given[s] if date and d and d < date]
            if later:
                words = "、".join(f"{label} {d}" for label, d in later)
                c.add(
                    key,
                    f"{DATE_LABELS[step]} {date} 晚于{words}",
                    "日期先后应为：" + " ≤ ".join(DATE_LABELS[s] for s in order),
                )


def _body(c: _Checker, key: str, text: str) -> tuple[Block, ...]:
    """正文 as blocks, bounded: every heading level is numbered in words (一、…九百九十九、)."""
    if not text or len(text) > TEXT_LIMITS["正文"]:
        return ()
    blocks = parse_body(text)
    headings = sum(1 for b in blocks if b.kind == BlockKind.HEADING)
    if len(blocks) > MAX_BLOCKS or headings > MAX_HEADINGS:
        c.add(
            key,
            f"正文过长（{len(blocks)} 段，其中标题 {headings} 个）",
            f"不超过 {MAX_BLOCKS} 段、{MAX_HEADINGS} 个标题",
        )
    return blocks


def _request(source: str, kind: DocumentKind, f: dict[str, Any], extra: dict[str, Any],
             completed: _Completion) -> DocumentRequest:  # fmt: skip
    """The request from checked fields; every value the pipeline supplies is noted (补全)."""
    ws = completed.workspace
    date = completed.date(f["date"], kind, f["print_date"])
    main = ws.chosen_organs(f["organs"])[0]
    if _signs(kind, f["number"]):
        signature = completed.text("署名", f["signature"], main.sign_name,
                                   "所选发文机关的署名" if f["organs"] else "工作区的机关名称")  # fmt: skip
    else:
        signature = f["signature"] or main.sign_name
    return DocumentRequest(
        source=source,
        kind=kind,
        title=f["title"],
        number=f["number"] or None,
        issue=f["issue"],
        recipients=f["recipients"],
        body=f["body"],
        attachments=f["attachments"],
        signature=signature,
        date=date,
        seal=f["seal"],
        signers=f["signers"],
        copy_number=f["copy_number"].zfill(6) if f["copy_number"] else "",
        secrecy=f["secrecy"],
        secrecy_period=f["secrecy_period"],
        urgency=f["urgency"],
        note=f["note"],
        contact=f["contact"],
        phone=f["phone"],
        cc=f["cc"],
        printer=completed.text(
            "印发机关",
            f["printer"],
            main.issuer or main.name,
            "所选发文机关的印发机关" if f["organs"] else "工作区的印发机关",
        ),
        organs=f["organs"],
        print_date=f["print_date"] or completed.note("印发日期", date, "同成文日期"),
        retention=f["retention"]
        or completed.note("保管期限", ws.retention.get(kind.value) or "Y", "工作区按文种的默认值"),
        problem=completed.text("机构问题", f["problem"], ws.problem_code, "工作区的默认值"),
        identity=f["identity"],
        meeting_id=f["meeting_id"],
        completed=tuple(completed.fields),
        dispatch=f["dispatch"],
        **extra,
    )


def _issuing_organs(c: _Checker, data: dict[str, Any], workspace: WorkspaceConfig, kind: DocumentKind,
                    f: dict[str, Any]) -> tuple[str, ...]:  # fmt: skip
    """发文机关: one of the workspace's organs, or several for a 联合行文 (主办机关 first); their 名称."""
    given = c.texts(data, "发文机关", expected="本工作区的发文机关（名称或简称），联合行文时写成列表，主办机关在前")
    chosen: list[str] = []
    for i, text in enumerate(given, 1):
        key = f"发文机关[{i}]" if isinstance(data.get("发文机关"), list) else "发文机关"
        organ = workspace.organ_named(text)
        if organ is None:
            c.add(key, f"未知的发文机关「{shown(text)}」", _organ_hint(text, workspace))
        elif organ.name in chosen:
            c.add(key, f"发文机关「{shown(text)}」写了两次", "每个发文机关只写一次")
        else:
            chosen.append(organ.name)
    if len(chosen) > 1 and not _signs(kind, f["number"]):
        c.add("发文机关", f"{kind.value}由一个机关编发（编发单位印在版头），不能联合行文", "只写一个发文机关")
    if len(chosen) > 1 and f["signature"]:
        c.add("署名", "联合行文的署名取自各发文机关在 fawen.yaml 中的「署名」（或名称），不在输入中写", "删去此项")
    main = workspace.organ_named(chosen[0]) if chosen else None
    if main is not None and not f["number"] and not kind.serial and kind.value not in main.codes:
        c.add("发文机关", f"发文机关「{main.name}」没有文种「{kind.value}」的机关代字，无法编发文字号",
              "在 fawen.yaml 该机关的「机关代字」下补充，或在输入中写明发文字号")  # fmt: skip
    return tuple(chosen)


def _organ_hint(text: str, workspace: WorkspaceConfig) -> str:
    """是否想写「…」？ and the organs the workspace issues for."""
    names = [n for o in workspace.organs for n in (o.name, o.short_name, o.signature) if n]
    close = difflib.get_close_matches(text, names, n=1, cutoff=0.4) if len(text) <= 50 else []
    listed = "、".join(o.name + (f"（{o.short_name}）" if o.short_name else "") for o in workspace.organs)
    return (f"是否想写「{close[0]}」？" if close else "") + f"本工作区的发文机关：{listed}"


def _signs(kind: DocumentKind, number: str) -> bool:
    """Whether the document prints a 署名: a 纪要 or a serial 通报 carries its 编发单位 instead."""
    return not (kind == DocumentKind.MINUTES or (kind == DocumentKind.BULLETIN and not number))


_T = TypeVar("_T")


class _Completion:
    """Values the pipeline supplies for keys an input left out, each noted so that the record
    can say the document was completed (补全), never hiding it."""

    def __init__(self, workspace: WorkspaceConfig, today: dt.date) -> None:
        self.workspace = workspace
        self.today = today
        self.fields: list[tuple[str, str, str]] = []  # (key, value used, where it came from)

    def note(self, key: str, value: _T, source: str) -> _T:
        if value not in (None, ""):
            self.fields.append((key, value.isoformat() if isinstance(value, dt.date) else str(value), source))
        return value

    def text(self, key: str, given: str, default: str, source: str) -> str:
        """The checked value when the input gave one, else the default (noted)."""
        return given if given else self.note(key, default, source)

    def date(self, given: dt.date | None, kind: DocumentKind, printed: dt.date | None) -> dt.date:
        """成文日期: as given; a 纪要 without one is dated as its head prints it (its 印发日期)."""
        if given is not None:
            return given
        if kind == DocumentKind.MINUTES and printed is not None:
            return self.note("成文日期", printed, "印发日期")
        return self.note("成文日期", self.today, "处理当天")


# Each column and the header texts offices use for it (compared without spaces and without a
# trailing bracketed note, so 「单  位」 and 「受理日期（年月日）」 match too).
LEDGER_COLUMNS = {"单位": ("单位", "责任单位", "承办单位", "办理单位", "牵头单位", "unit"),
                  "事项": ("事项", "督查事项", "信访事项", "问题", "事项内容", "问题内容", "matter"),
                  "受理日期": ("受理日期", "受理时间", "交办日期", "交办时间", "received"),
                  "办理时限": ("办理时限", "时限", "完成时限", "办结时限", "deadline"),
                  "状态": ("状态", "办理状态", "办理情况", "status")}  # fmt: skip
LEDGER_HEADER_EXPECTED = (
    "表头含 单位、事项、受理日期、办理时限、状态（或 责任单位、信访事项、交办日期、完成时限、办理情况 等）"
)
HEADER_SCAN = 10  # rows searched for the header: a sheet may open with a title and a 填报单位 line
_TOTAL_ROW = re.compile(r"^(合计|小计|总计)(?:[:：（(\d].*)?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})月(\d{1,2})日$")
_TIME_SUFFIX = re.compile(r"\s+\d{1,2}:\d{2}(?::\d{2})?$")


MAX_LEDGER_ROWS = 1000
MAX_LEDGER_CELL = 500  # characters: a 事项 is a sentence or two, never a document
# all the 督查事项 together: each character of the table is set in a narrow cell, so 1 000 rows of
# long 事项 would be thousands of pages and minutes of typesetting
MAX_TABLE_TEXT = 40_000


def table_text_problem(rows: tuple[InspectionRow, ...] | list[InspectionRow], key: str) -> Problem | None:
    """The whole 督查事项 table is bounded, not only each cell."""
    total = sum(len(r.unit) + len(r.matter) for r in rows)
    if total <= MAX_TABLE_TEXT:
        return None
    return Problem(
        key,
        f"督查事项的文字合计过多（{total} 字）",
        f"单位和事项合计不超过 {MAX_TABLE_TEXT} 字；事项可写得简短些，或分几期通报",
    )


def ledger_rows(source: str, ledger: str, table: list[list[str]], today: dt.date,
                coverage: Container[int] | None = None, *, year_from: dt.date | None = None) -> tuple[InspectionRow, ...]:  # fmt: skip
    """Rows of a 督查事项 ledger as the sheet holds them (title rows, then the header) ->
    InspectionRows. Rows 合计/小计/总计 and repeats of the header are skipped (not counted); a
    date written without its year (10月8日) takes the year of ``year_from`` (the 统计截止日期).
    Every problem names the sheet's row and column."""
    key = f"督查事项（台账 {shown(ledger, 60)}）"
    if not any(any(cell.strip() for cell in row) for row in table[:HEADER_SCAN]):
        raise InputError(source, [Problem(key, "台账是空的", LEDGER_HEADER_EXPECTED)])
    at, index = _ledger_header(table)
    missing = [c for c in LEDGER_COLUMNS if c not in index]
    if missing:
        header = [h.strip() for h in table[at]]
        found = "、".join(shown(h, 20) for h in header[:20] if h) or "无"
        raise InputError(source, [Problem(key, f"台账缺少列：{'、'.join(missing)}（前 {HEADER_SCAN} 行中最像表头的第{at + 1}行：{found}）",
                                          LEDGER_HEADER_EXPECTED)])  # fmt: skip
    if len(table) - at - 1 > MAX_LEDGER_ROWS:
        raise InputError(
            source, [Problem(key, f"台账过长（表头下超过 {MAX_LEDGER_ROWS} 行）", f"不超过 {MAX_LEDGER_ROWS} 行")]
        )
    header_cells = {c: table[at][i].strip() for c, i in index.items()}
    problems: list[Problem] = []
    rows = []
    for number, raw in enumerate(table[at + 1 :], at + 2):
        cells = {c: (raw[i].strip() if i < len(raw) else "") for c, i in index.items()}
        if not any(cell.strip() for cell in raw) or cells == header_cells or _total_row(raw, index["事项"]):
            continue
        where = {c: f"{key}第{number}行.{c}（{_column_letter(i)}列）" for c, i in index.items()}
        row = _ledger_row(where, cells, today, coverage, problems, year_from)
        if row is not None:
            rows.append(row)
    too_much = table_text_problem(rows, key)
    if too_much is not None:
        problems.append(too_much)
    if problems:
        raise InputError(source, problems)
    return tuple(rows)


def _header_name(text: str) -> str:
    """A header cell as compared: no spaces, no trailing bracketed note (受理日期（年月日）)."""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[（(][^）)]*[）)]$", "", text) or text


def _ledger_header(table: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The row (0-based, among the first HEADER_SCAN) holding the most known headers, and the
    column of each header found there: the first row with all of them wins."""
    best: tuple[int, dict[str, int]] = (0, {})
    for at, row in enumerate(table[:HEADER_SCAN]):
        names = [_header_name(cell) for cell in row]
        index: dict[str, int] = {}
        for column, synonyms in LEDGER_COLUMNS.items():
            found = next((i for i, name in enumerate(names) if name in synonyms and i not in index.values()), None)
            if found is not None:
                index[column] = found
        if len(index) == len(LEDGER_COLUMNS):
            return at, index
        if len(index) > len(best[1]):
            best = (at, index)
    return best


def _total_row(raw: list[str], matter: int) -> bool:
    """A 合计/小计/总计 line, in whichever column the sheet writes it (合  计, 合计：4件 included).
    In the 事项 column only the bare word counts: a matter may begin 「合计3人工资未发」."""
    for i, cell in enumerate(raw):
        text = re.sub(r"\s+", "", cell)
        if (text in ("合计", "小计", "总计")) if i == matter else _TOTAL_ROW.match(text):
            return True
    return False


def _column_letter(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as the spreadsheet names it."""
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _ledger_date(text: str, year_from: dt.date | None) -> tuple[dt.date | None, bool]:
    """(date, written without its year): 2026-10-8, 2026/10/8, 2026.10.08, 2026年10月8日 (a time
    after it ignored), or 10月8日 in the year of ``year_from``; (None, False) if not a date."""
    text = _TIME_SUFFIX.sub("", text.strip())
    m = _MONTH_DAY.match(text)
    if m and year_from is not None:
        try:
            return dt.date(year_from.year, int(m.group(1)), int(m.group(2))), True
        except ValueError:
            return None, False
    return parse_date(text), False


def _ledger_row(where: dict[str, str], cells: dict[str, str], today: dt.date, coverage: Container[int] | None,
                problems: list[Problem], year_from: dt.date | None = None) -> InspectionRow | None:  # fmt: skip
    """One ledger row, or None with its problems added (``where``: each column's row-and-column key)."""
    before = len(problems)
    for c, text in cells.items():
        if len(text) > MAX_LEDGER_CELL:
            problems.append(Problem(where[c], f"内容过长（{len(text)} 字）", f"不超过 {MAX_LEDGER_CELL} 字"))
        else:
            problems += [Problem(where[c], pr, ex) for pr, ex in character_problems(text, False, coverage)]
    for c in ("单位", "事项"):
        if not cells[c]:
            problems.append(Problem(where[c], "不能为空", "填写" + c))
    dates = _ledger_dates(where, cells, today, year_from, problems)
    if cells["状态"] not in STATUSES:
        problems.append(Problem(where["状态"], f"「{shown(cells['状态'])}」不是办理状态", "已办结 或 办理中"))
    if len(problems) > before:
        return None
    return InspectionRow(cells["单位"], cells["事项"], dates["受理日期"], dates["办理时限"], cells["状态"])  # type: ignore[arg-type]


def _ledger_dates(where: dict[str, str], cells: dict[str, str], today: dt.date, year_from: dt.date | None,
                  problems: list[Problem]) -> dict[str, dt.date | None]:  # fmt: skip
    """受理日期 and 办理时限 of a row. A date written without its year is read in the year of the
    统计截止日期; when that reading is impossible for the row (a 受理日期 after the 截止日期, a 办理时限
    before the 受理日期) the year was surely another, so the clerk is asked to write it."""
    dates: dict[str, dt.date | None] = {}
    yearless: dict[str, bool] = {}
    first, last = date_range(today)
    for c in ("受理日期", "办理时限"):
        dates[c], yearless[c] = _ledger_date(cells[c][:40], year_from)
        if dates[c] is None:
            problems.append(
                Problem(where[c], f"「{shown(cells[c])}」不是有效日期", DATE_EXPECTED + "；本年的日期也可写作 10月8日")
            )
        elif not first <= dates[c] <= last:  # type: ignore[operator]
            problems.append(
                Problem(where[c], f"日期「{shown(cells[c])}」超出合理范围", f"{first} 至 {last} 之间的日期")
            )
    received, deadline = dates["受理日期"], dates["办理时限"]
    year_hint = "写明年份，如 " + (f"{year_from.year - 1}年" if year_from else "") + cells["受理日期"]
    if yearless["受理日期"] and received and year_from and received > year_from:
        problems.append(
            Problem(
                where["受理日期"],
                f"「{cells['受理日期']}」未写年份，按统计截止日期的年份读作{received}，晚于统计截止日期",
                year_hint,
            )
        )
    if yearless["办理时限"] and received and deadline and deadline < received:
        problems.append(Problem(where["办理时限"], f"「{cells['办理时限']}」未写年份，按统计截止日期的年份读作{deadline}，早于受理日期",
                                "写明年份，如 " + f"{deadline.year + 1}年" + cells["办理时限"]))  # fmt: skip
    return dates
