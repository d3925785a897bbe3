"""The drafting form's one description of each 文种's fields, and the two conversions it needs:
posted form fields -> the input a clerk would write (YAML, Chinese keys), and the validator's key
paths -> the names of the form's fields.

Every field is named by its key path in the input contract (``会议.时间``; a list of records
``议定事项[n].完成时限``, n the form's row); tests check each path against pipeline.schema and
each kind's skeleton (``fawen new``), so the form cannot drift from what the validator reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from pipeline.frozen import frozen

ROW_NAME = re.compile(r"^(?P<list>[^\[\].]{1,20})\[(?P<n>\d{1,4})\]\.(?P<col>[^\[\].]{1,20})$")
SPLIT_UNITS = re.compile(r"[、，,；;\n]")


@frozen
class Field:
    """One entry of the form. ``widget``: text, area (multi-line), lines (a list, one item a
    line), units (a list typed as 甲、乙), date, number, check, choice, rows (a list of records
    whose columns are ``columns``, paths under this one)."""

    path: str
    label: str
    help: str = ""
    widget: str = "text"
    example: str = ""
    choices: tuple[str, ...] = ()
    roster: str = ""  # the <datalist> offered: 召集人, 人员, 单位, 主送
    columns: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return self.path.rsplit(".", 1)[-1]


MEETING_TYPES = ("全体会议", "专题会议")
_PERSON_COLUMNS = ("单位", "姓名", "职务", "事由")
FIELDS: dict[str, Field] = {
    f.path: f
    for f in (
        Field("标题", "标题", "必填；末尾不加句号", example="关于召开……的通知"),
        Field("发文字号", "发文字号", "不填则归档时自动编号；用〔〕，如 罕政发〔2026〕7号"),
        Field("期号", "期号", "不填则归档时按年度自动编号", "number"),
        Field("会议类型", "会议类型", "", "choice", choices=MEETING_TYPES),
        Field("督查类型", "督查类型", "", "choice", choices=("全面督查", "交办督查", "专项督查")),
        Field("签发人", "签发人", "签发的领导；上行文必填并印在版头，其他文种只印在发文稿纸上", roster="召集人"),
        Field("主送", "主送机关", "请示只写一个机关", example="联席会议各成员单位", roster="主送"),
        Field("会议.类型", "会议类型", "", "choice", choices=MEETING_TYPES),
        Field("会议.时间", "会议时间", "如 2026-11-20 09:00", example="2026-11-20 09:00"),
        Field("会议.地点", "会议地点", example="罕台镇人民政府三楼会议室"),
        Field("会议.主持", "主持人", "联席会议召集人", roster="召集人"),
        Field("会议.记录", "记录人", roster="人员"),
        Field("会议.参会人员", "参会人员", example="联席会议召集人、全体成员及各成员单位联络员"),
        Field("会议.议题", "议题", "每行一个议题", "lines"),
        Field("督查.时间", "督查时间", example="2027-01-10至2027-01-20"),
        Field("督查.督查组", "督查组", example="联席会议办公室牵头"),
        Field("出席", "出席", "每行一人", "rows", columns=tuple(f"出席.{c}" for c in _PERSON_COLUMNS[:3])),
        Field("请假", "请假", "每行一人", "rows", columns=tuple(f"请假.{c}" for c in _PERSON_COLUMNS)),
        Field("列席", "列席", "每行一人", "rows", columns=tuple(f"列席.{c}" for c in _PERSON_COLUMNS[:3])),
        *(Field(f"{k}.单位", "单位", roster="单位") for k in ("出席", "请假", "列席")),
        *(Field(f"{k}.姓名", "姓名", roster="人员") for k in ("出席", "请假", "列席")),
        *(Field(f"{k}.职务", "职务") for k in ("出席", "请假", "列席")),
        Field("请假.事由", "事由"),
        Field("正文", "正文", "段落之间空一行；# 开头的行是一级标题（自动编为 一、），## 是二级标题", "area"),
        Field(
            "议定事项",
            "议定事项",
            "每行一项",
            "rows",
            columns=(
                "议定事项.事项",
                "议定事项.责任单位",
                "议定事项.配合单位",
                "议定事项.完成时限",
                "议定事项.交办领导",
                "议定事项.专项",
            ),
        ),
        Field("议定事项.事项", "事项"),
        Field("议定事项.责任单位", "责任单位", roster="单位"),
        Field("议定事项.配合单位", "配合单位", "多个用「、」分隔", "units", roster="单位"),
        Field("议定事项.完成时限", "完成时限", "", "date", example="2026-11-30"),
        Field("议定事项.交办领导", "交办领导", "领导交办的事项填交办领导（交办督查）", roster="召集人"),
        Field("议定事项.专项", "专项", "属于某项专项工作时填其名称（专项督查）", example="冬季欠薪治理"),
        Field(
            "督查事项",
            "督查事项",
            "每行一件",
            "rows",
            columns=("督查事项.单位", "督查事项.事项", "督查事项.受理日期", "督查事项.办理时限", "督查事项.状态"),
        ),
        Field("督查事项.单位", "单位", roster="单位"),
        Field("督查事项.事项", "事项"),
        Field("督查事项.受理日期", "受理日期", "", "date"),
        Field("督查事项.办理时限", "办理时限", "", "date"),
        Field("督查事项.状态", "状态", "", "choice", choices=("已办结", "办理中")),
        Field("统计截止日期", "统计截止日期", "超期 = 办理中且已过办理时限", "date"),
        Field("审定.审定人", "审定人", "召集人审定后方可印发；不填则生成草稿", roster="召集人"),
        Field("审定.日期", "审定日期", "", "date"),
        Field("审定.意见", "审定意见", "印在发文稿纸上", example="同意印发"),
        Field("跨分管领域", "跨分管领域", "专题会议涉及跨分管领域时勾选，并填写会签", "check"),
        Field("会签", "会签", "", "rows", columns=("会签.召集人", "会签.日期", "会签.意见")),
        Field("会签.召集人", "召集人", roster="召集人"),
        Field("会签.日期", "日期", "", "date"),
        Field("会签.意见", "意见", example="同意"),
        Field("议题提出单位", "议题提出单位", roster="单位"),
        Field("分送", "分送", "全体会议不填时分送全体成员单位", roster="主送"),
        Field(
            "附件",
            "附件",
            "每个附件另起一页；已有的 PDF 或 DOCX 作附件时，请在输入文件中用「文件」写明",
            "rows",
            columns=("附件.名称", "附件.正文"),
        ),
        Field("附件.名称", "附件名称", "末尾不加标点"),
        Field("附件.正文", "附件正文", "", "area"),
        Field("署名", "署名", "不填则为发文机关"),
        Field("成文日期", "成文日期", "不填则为处理当天", "date", example="2026-11-12"),
        Field("印发日期", "印发日期", "不填则同成文日期", "date"),
        Field("印章", "加盖印章", "按加盖印章的格式排署名和日期", "check"),
        Field("联系人", "联系人", "印在附注中", roster="人员"),
        Field("联系电话", "联系电话", example="0477-8000002"),
        Field("附注", "附注", example="此件公开发布"),
        Field("抄送", "抄送", "印在版记中", roster="主送"),
        Field("紧急程度", "紧急程度", "", "choice", choices=("特急", "加急")),
        Field("签发意见", "签发意见", "须同时写签发人", example="同意印发"),
        Field("签发日期", "签发日期", "不晚于成文日期", "date"),
        Field("拟稿单位", "拟稿单位", "拟稿的单位或科室", roster="单位"),
        Field("拟稿人", "拟稿人", roster="人员"),
        Field("核稿人", "核稿人", roster="人员"),
        Field("份数", "份数", "印制的份数", "number"),
        Field("印制", "印制", "印制人", roster="人员"),
        Field("校对", "校对", "校对人", roster="人员"),
        Field(
            "会议编号",
            "会议编号",
            "同一次会议的通知、纪要、督查通报和报告填同一编号，档案中互相关联",
            example="2026-全体-4",
        ),
        Field(
            "会议通知",
            "会议通知",
            "本次会议已归档的会议通知的文号或档号；不填会议编号时取它的",
            example="罕政发〔2026〕1号",
        ),
    )
}

_TAIL = ("成文日期", "印发日期", "联系人", "联系电话", "附注", "抄送")
_PROCESSING = ("拟稿单位", "拟稿人", "核稿人", "份数", "印制", "校对")  # the 发文稿纸 filed with the document
_SIGNING = ("签发意见", "签发日期")
_MEETING = ("会议.类型", "会议.时间", "会议.地点", "会议.主持", "会议.参会人员", "会议.议题")
KINDS: dict[str, tuple[str, ...]] = {
    "通知": ("标题", "发文字号", "主送", "正文", "附件", "署名", "印章", *_TAIL, "紧急程度", "会议编号", "签发人", *_SIGNING,
             *_PROCESSING),
    "会议通知": ("标题", "发文字号", "主送", *_MEETING, "正文", "附件", "印章", *_TAIL, "紧急程度", "会议编号", "签发人",
                 *_SIGNING, *_PROCESSING),
    "会议纪要": ("会议类型", "期号", "标题", "会议.时间", "会议.地点", "会议.主持", "会议.记录", "出席", "请假", "列席",
                 "正文", "议定事项", "审定.审定人", "审定.日期", "审定.意见", "跨分管领域", "会签", "议题提出单位", "分送", "成文日期",
                 "印发日期", "会议通知", "会议编号", *_PROCESSING),
    "督查通报": ("督查类型", "期号", "标题", "主送", "督查.时间", "督查.督查组", "正文", "督查事项", "统计截止日期",
                 "成文日期", "印发日期", "抄送", "会议编号", "签发人", *_SIGNING, *_PROCESSING),
    "专题报告": ("标题", "签发人", "主送", "正文", "附件", "署名", *_TAIL, "会议编号", *_SIGNING, *_PROCESSING),
    "请示": ("标题", "签发人", "主送", "正文", "附件", *_TAIL, "会议编号", *_SIGNING, *_PROCESSING),
}  # fmt: skip
GROUPS = {"会议": "会议", "督查": "督查", "审定": "审定", "发文稿纸": "发文稿纸"}  # a group -> its fieldset's legend
# top-level keys shown together: the 发文稿纸's (签发人 too where it is not in the 版头)
SECTION_OF = dict.fromkeys(_PROCESSING + _SIGNING, "发文稿纸")


@dataclass
class Section:
    """What the template draws: a field alone, or the fields of one mapping (会议) in a fieldset."""

    legend: str
    key: str = ""  # the mapping's key: its own messages (会议通知缺少「会议」) go beside the legend
    fields: list[Field] = field(default_factory=list)


def layout(kind: str) -> list[Section]:
    out: list[Section] = []
    for path in KINDS[kind]:
        group = path.split(".", 1)[0] if "." in path else SECTION_OF.get(path, "")
        if path == "签发人" and kind in ("通知", "会议通知", "督查通报"):
            group = "发文稿纸"
        if not (out and group and out[-1].legend == GROUPS[group]):
            out.append(Section(GROUPS[group], group) if group else Section(""))
        out[-1].fields.append(FIELDS[path])
    return out


def all_paths(kind: str) -> list[str]:
    """Every key path the form of ``kind`` writes (columns of lists included)."""
    return [p for top in KINDS[kind] for p in (top, *FIELDS[top].columns)]


@dataclass
class Draft:
    """The input the form's fields make, and for each list which form row became which item."""

    data: dict[str, Any]
    rows: dict[str, list[int]]
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (form name, problem, expected)


def draft(kind: str, posted: dict[str, str], extra: dict[str, str] | None = None) -> Draft:
    """The input ``posted`` describes: 文种 first, then the kind's fields in the form's order;
    empty fields and empty rows left out, as a clerk leaves them out. Names the kind's form does
    not have are ignored. ``extra``: keys written as given after 文种 (发文机关)."""
    data: dict[str, Any] = {"文种": kind, **(extra or {})}
    rows: dict[str, list[int]] = {}
    refused = _unprintable(kind, posted)
    posted = {k: v for k, v in posted.items() if k not in refused}
    for path in KINDS[kind]:
        spec = FIELDS[path]
        if spec.widget == "rows":
            items, numbers = _rows(spec, posted)
            if items:
                data[path], rows[path] = items, numbers
            continue
        value = _value(spec, posted.get(path, ""))
        if value is not None:
            head, _, sub = path.partition(".")
            (data.setdefault(head, {}) if sub else data)[sub or head] = value
    return Draft(data, rows, [(name, problem, "删去这个字符（可重新输入这一项）") for name, problem in refused.items()])


def _unprintable(kind: str, posted: dict[str, str]) -> dict[str, str]:
    """Form fields holding a character YAML cannot carry (a control character pasted from
    elsewhere): said beside the field instead of breaking the whole input."""
    names = set(KINDS[kind])
    out = {}
    for name, text in posted.items():
        m = ROW_NAME.match(name)
        if name in names or (m and m["list"] in names):
            bad = next((ch for ch in text if _control(ch)), None)
            if bad is not None:
                out[name] = f"含有不可见的控制字符（U+{ord(bad):04X}）"
    return out


def _control(ch: str) -> bool:
    code = ord(ch)
    return (
        (code < 32 and ch not in "\t\n\r")
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF)
    )


def _rows(spec: Field, posted: dict[str, str]) -> tuple[list[dict[str, Any]], list[int]]:
    found: dict[int, dict[str, Any]] = {}
    for name, text in posted.items():
        m = ROW_NAME.match(name)
        if m and m["list"] == spec.path and f"{spec.path}.{m['col']}" in spec.columns:
            value = _value(FIELDS[f"{spec.path}.{m['col']}"], text)
            if value is not None:
                found.setdefault(int(m["n"]), {})[m["col"]] = value
    numbers = sorted(found)  # all of them: past its limit the validator names the list (列表过长), nothing is cut
    order = [c.rsplit(".", 1)[1] for c in spec.columns]
    return [{c: found[n][c] for c in order if c in found[n]} for n in numbers], numbers


def _value(spec: Field, text: str) -> Any:
    """A field's text as the input holds it; None when empty (the key is left out)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if spec.widget == "check":
        return True if text in ("on", "true", "1") else None
    if spec.widget == "area":
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
        return text if text.strip() else None
    if spec.widget == "lines":
        items = [line.strip() for line in text.split("\n") if line.strip()]
        return items or None
    if spec.widget == "units":
        items = [u.strip() for u in SPLIT_UNITS.split(text) if u.strip()]
        return items or None
    text = text.strip()
    if spec.widget == "number" and text.isdecimal() and len(text) < 10:
        return int(text)  # isdecimal: what int() reads (１２ too); ² or ① stays text for the validator to name
    return text or None


def form_key(key: str, rows: dict[str, list[int]]) -> str:
    """A validator's key path in the form's numbering: 议定事项[2] is the second row written,
    which is row n of the form when rows before it were left empty."""
    m = re.match(r"^([^\[\].]+)\[(\d+)\]", key)
    if m and m[1] in rows and 1 <= int(m[2]) <= len(rows[m[1]]):
        return f"{m[1]}[{rows[m[1]][int(m[2]) - 1]}]{key[m.end() :]}"
    return key
