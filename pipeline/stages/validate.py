"""Step 2: RawInput + workspace + today -> DocumentRequest, or InputError listing every problem.

Each problem names the key path, the line, what is wrong and what a correct value looks like.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import PurePosixPath
from pathlib import PureWindowsPath
from typing import Any

from pipeline import schema
from pipeline.configuration import RETENTION
from pipeline.configuration import RETENTION_EXPECTED
from pipeline.body import parse_body
from pipeline.configuration import PROBLEM_CODE
from pipeline.configuration import PROBLEM_CODE_EXPECTED
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.gbt9704 import NUMBER_FORM
from pipeline.model import Approval
from pipeline.model import Attachment
from pipeline.model import DocumentKind
from pipeline.model import DocumentRequest
from pipeline.model import InspectionRow
from pipeline.model import Meeting
from pipeline.model import Person
from pipeline.model import RawInput
from pipeline.model import Resolution
from pipeline.model import WorkspaceConfig

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
    def __init__(self, raw: RawInput) -> None:
        self.raw = raw
        self.problems: list[Problem] = []

    def add(self, key: str, problem: str, expected: str = "") -> None:
        self.problems.append(Problem(key, problem, expected, self.raw.line(key)))

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], path: str, hint: str = "") -> None:
        for key in data:
            if key in allowed:
                continue
            sub = f"{path}.{key}" if path else key
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.4)
            expected = f"是否想写「{close[0]}」？" if close else ""
            where = [k for k, keys in schema.KIND_KEYS.items() if key in keys]
            if where and not path:
                expected = f"「{key}」只用于文种 {'、'.join(where)}"
            self.add(sub, f"未知的键「{key}」{hint}", expected or "可用的键：" + "、".join(sorted(allowed)))

    def text(self, data: dict[str, Any], key: str, path: str = "", required: bool = False,
             expected: str = "文字") -> str:  # fmt: skip
        sub = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(sub, "缺少必填项", expected)
            return ""
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            self.add(sub, f"应为文字，实际是{_type_name(value)}", expected)
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
                    self.add(f"{sub}[{i}]", f"应为文字，实际是{_type_name(item)}", expected)
                    continue
                if str(item).strip():
                    out.append(str(item).strip())
            return tuple(out)
        if isinstance(value, (dict, bool)):
            self.add(sub, f"应为文字或列表，实际是{_type_name(value)}", expected)
            return ()
        return (str(value).strip(),)

    def date(self, data: dict[str, Any], key: str, path: str = "", required: bool = False) -> dt.date | None:
        sub = f"{path}.{key}" if path else key
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.add(sub, "缺少必填项", DATE_EXPECTED)
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.add(sub, f"「{value}」不是有效日期", DATE_EXPECTED)
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
        self.add(f"{path}.{key}" if path else key, f"「{value}」不是是/否", "true 或 false")
        return False

    def integer(self, data: dict[str, Any], key: str, path: str = "") -> int | None:
        value = data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
            return int(value)
        self.add(f"{path}.{key}" if path else key, f"「{value}」不是正整数", "如 4")
        return None

    def mapping(self, data: dict[str, Any], key: str, path: str = "") -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(f"{path}.{key}" if path else key, f"应为「键: 值」的组，实际是{_type_name(value)}")
            return None
        return value

    def items(self, data: dict[str, Any], key: str) -> list[Any]:
        value = data.get(key)
        if value is None or value == "":
            return []
        if not isinstance(value, list):
            self.add(key, f"应为列表（每项以 - 开头），实际是{_type_name(value)}")
            return []
        return value


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "是/否"
    if isinstance(value, dict):
        return "键值组"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, (int, float)):
        return "数字"
    if value is None:
        return "空值"
    return "文字"


def safe_relative_path(text: str) -> str | None:
    """The path as POSIX text if it stays inside its base folder, else None."""
    if PureWindowsPath(text).is_absolute() or PureWindowsPath(text).drive or text.startswith(("/", "\\")):
        return None
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(p for p in parts if p != ".")


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
            c.add(f"{path}.名称", "附件名称后不加标点", f"「{name.rstrip(_TRAILING_PUNCT)}」")
        body_text = c.text(item, "正文", path)
        file_text = c.text(item, "文件", path)
        file_rel: str | None = None
        if body_text and file_text:
            c.add(path, "附件不能同时有「正文」和「文件」", "二者选一")
        elif not body_text and not file_text:
            c.add(path, "附件缺少「正文」或「文件」", "正文: 附件的文字；或 文件: 附件/报告.pdf")
        if file_text:
            file_rel = safe_relative_path(file_text)
            if file_rel is None:
                c.add(f"{path}.文件", f"路径「{file_text}」超出了输入文件所在的文件夹",
                      "相对于输入文件、不含 .. 的路径，如 附件/报告.pdf")  # fmt: skip
            elif not file_rel.lower().endswith((".pdf", ".docx")):
                c.add(f"{path}.文件", f"附件文件「{file_text}」不是 PDF 或 DOCX", "扩展名为 .pdf 或 .docx 的文件")
        out.append(Attachment(name, parse_body(body_text) if body_text else (), file_rel))
    return tuple(out)


def _people(c: _Checker, data: dict[str, Any], key: str) -> tuple[Person, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in re.split(r"[、，,；;]", value) if v.strip()]
    if not isinstance(value, list):
        c.add(key, f"应为人员列表，实际是{_type_name(value)}", "- 王建国（镇党委书记）")
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
        c.add("会议.类型", f"「{kind}」不是会议类型", "全体会议 或 专题会议")
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
        c.add("会议类型", f"「{out['meeting_type']}」不是会议类型", "全体会议 或 专题会议")
    out["present"] = _people(c, data, "出席")
    out["absent"] = _people(c, data, "请假")
    out["attending"] = _people(c, data, "列席")
    res = []
    for i, item in enumerate(c.items(data, "议定事项"), 1):
        path = f"议定事项[{i}]"
        if not isinstance(item, dict):
            c.add(path, "议定事项应包含 事项、责任单位、完成时限", "- 事项: …\n    责任单位: …\n    完成时限: 2026-11-30")
            continue
        c.unknown_keys(item, schema.known_keys("议定事项"), path)
        res.append(
            Resolution(
                c.text(item, "事项", path, required=True, expected="议定的事项"),
                c.text(item, "责任单位", path, required=True, expected="牵头负责的单位"),
                c.texts(item, "配合单位", path),
                c.date(item, "完成时限", path),
            )
        )
    out["resolutions"] = tuple(res)
    approval = c.mapping(data, "审定")
    if approval is not None:
        c.unknown_keys(approval, schema.known_keys("审定"), "审定")
        out["approval"] = Approval(
            c.text(approval, "审定人", "审定", required=True, expected="审定的召集人姓名"),
            c.date(approval, "日期", "审定"),
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
                              c.date(item, "日期", path)))  # fmt: skip
    out["countersigns"] = tuple(signs)
    out["cross_domain"] = c.boolean(data, "跨分管领域")
    out["proposer"] = c.text(data, "议题提出单位")
    out["distribution"] = c.texts(data, "分送")
    return out


def _bulletin(c: _Checker, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kind = c.text(data, "督查类型", required=True, expected="全面督查、交办督查 或 专项督查")
    if kind and kind not in INSPECTION_TYPES:
        c.add("督查类型", f"「{kind}」不是督查类型", "全面督查、交办督查 或 专项督查")
    out["inspection_type"] = kind
    team = c.mapping(data, "督查")
    if team is not None:
        c.unknown_keys(team, schema.known_keys("督查"), "督查")
        out["inspection_time"] = c.text(team, "时间", "督查")
        out["inspection_team"] = c.text(team, "督查组", "督查")
    out["cutoff"] = c.date(data, "统计截止日期", required=True)
    rows_value = data.get("督查事项")
    if isinstance(rows_value, str):
        rel = safe_relative_path(rows_value.strip())
        if rel is None:
            c.add("督查事项", f"台账路径「{rows_value}」超出了输入文件所在的文件夹", "相对路径，如 台账/欠薪督查.xlsx")
        elif not rel.lower().endswith((".csv", ".xlsx")):
            c.add("督查事项", f"台账「{rows_value}」不是 CSV 或 XLSX 文件", "扩展名为 .csv 或 .xlsx")
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
            c.add(f"{path}.状态", f"「{status}」不是办理状态", "已办结 或 办理中")
        received = c.date(item, "受理日期", path, required=True)
        deadline = c.date(item, "办理时限", path, required=True)
        unit = c.text(item, "单位", path, required=True, expected="责任单位")
        matter = c.text(item, "事项", path, required=True, expected="督查的事项")
        if received and deadline and status:
            rows.append(InspectionRow(unit, matter, received, deadline, status))
    out["inspection_rows"] = tuple(rows)
    return out


def validate(raw: RawInput, workspace: WorkspaceConfig, today: dt.date) -> DocumentRequest:
    """Check a parsed input against the contract and the workspace; build the request."""
    c = _Checker(raw)
    data = raw.data
    kind_text = c.text(data, "文种", required=True, expected="、".join(k.value for k in DocumentKind))
    kind: DocumentKind | None = None
    if kind_text:
        try:
            kind = DocumentKind(kind_text)
        except ValueError:
            close = difflib.get_close_matches(kind_text, [k.value for k in DocumentKind], n=1, cutoff=0.3)
            c.add("文种", f"未知的文种「{kind_text}」",
                  (f"是否想写「{close[0]}」？" if close else "") + "可用：" + "、".join(k.value for k in DocumentKind))  # fmt: skip
    allowed = set(schema.COMMON_KEYS) | (set(schema.KIND_KEYS[kind.value]) if kind else set().union(*schema.KIND_KEYS.values()))
    c.unknown_keys(data, allowed, "")

    title = c.text(data, "标题", required=True, expected="公文标题，如 关于召开……的通知")
    if title.endswith("。"):
        c.add("标题", "标题末尾不加句号", title.rstrip("。"))
    number = c.text(data, "发文字号")
    if number and not NUMBER_FORM.match(number):
        c.add("发文字号", f"「{number}」{describe_number_mistake(number)}", "机关代字〔年份〕序号号，如 罕政发〔2026〕7号")
    issue = c.integer(data, "期号")
    recipients = c.texts(data, "主送")
    body_text = c.text(data, "正文", required=True, expected="正文文字（段落之间空一行）")
    attachments = _attachments(c, data)
    given_date = c.date(data, "成文日期")
    signers = c.texts(data, "签发人")
    copy_number = c.text(data, "份号")
    if copy_number and not (copy_number.isdigit() and len(copy_number) <= 6):
        c.add("份号", f"「{copy_number}」不是份号", "1 至 6 位阿拉伯数字，如 000001")
    secrecy = c.text(data, "密级")
    if secrecy and secrecy not in SECRECY:
        c.add("密级", f"「{secrecy}」不是密级", "绝密、机密 或 秘密")
    elif secrecy and not workspace.allow_classified:
        c.add("密级", "本工作区不处理涉密公文", "涉密公文不得用本系统处理；如确需处理，须在 fawen.yaml 中设置 允许涉密: true")
    secrecy_period = c.text(data, "保密期限")
    if secrecy_period.isdigit():
        secrecy_period += "年"
    urgency = c.text(data, "紧急程度")
    if urgency and urgency not in URGENCY:
        c.add("紧急程度", f"「{urgency}」不是紧急程度", "特急 或 加急")
    retention_text = c.text(data, "保管期限")
    retention = RETENTION.get(retention_text.upper(), RETENTION.get(retention_text, "")) if retention_text else (workspace.retention.get(kind_text) or "Y")
    if retention_text and not retention:
        c.add("保管期限", f"「{retention_text}」不是保管期限", RETENTION_EXPECTED)
    problem_text = c.text(data, "机构问题")
    if problem_text and not PROBLEM_CODE.match(problem_text):  # it names a folder of the archive tree
        c.add("机构问题", f"「{problem_text}」不能用在档号和文件夹名中", PROBLEM_CODE_EXPECTED)
    contact = c.text(data, "联系人")
    phone = c.text(data, "联系电话")
    c.boolean(data, "印章")

    extra: dict[str, Any] = {}
    if kind is not None:
        if kind.upward and not signers:
            c.add("签发人", f"{kind.value}是上行文，须标注签发人（GB/T 9704 §7.2.6）", "签发人姓名，如 刘海涛")
        if kind == DocumentKind.REQUEST:
            if len(recipients) != 1 or re.search(r"[、，,；;]", recipients[0] if recipients else ""):
                c.add("主送", "请示只能主送一个上级机关（《党政机关公文处理工作条例》第十五条：请示应当一文一事，一般只写一个主送机关）",
                      "一个机关名称，如 镇党委")  # fmt: skip
            if not contact:
                c.add("联系人", "请示须在附注中注明联系人（GB/T 9704 §7.3.6，条例第十五条）", "联系人姓名")
            if not phone:
                c.add("联系电话", "请示须在附注中注明联系电话（GB/T 9704 §7.3.6，条例第十五条）", "电话号码，如 0477-8000002")
        if kind in (DocumentKind.MEETING_NOTICE, DocumentKind.MINUTES):
            extra["meeting"] = _meeting(c, data)
            if kind == DocumentKind.MEETING_NOTICE and extra["meeting"] is None:
                c.add("会议", "会议通知缺少「会议」信息", "会议: {类型, 时间, 地点, 主持, 参会人员, 议题}")
        if kind == DocumentKind.MINUTES:
            extra.update(_minutes(c, data))
        if kind == DocumentKind.BULLETIN:
            extra.update(_bulletin(c, data))

    if c.problems:
        raise InputError(raw.name, c.problems)
    assert kind is not None
    completed = _Completion(data, workspace, today)
    date = completed.date(given_date, kind, c.date(data, "印发日期"))
    return DocumentRequest(
        source=raw.name,
        kind=kind,
        title=title,
        number=number or None,
        issue=issue,
        recipients=recipients,
        body=parse_body(body_text),
        attachments=attachments,
        signature=completed.text("署名", workspace.organ.name, "工作区的机关名称") if _signs(kind, number)
        else c.text(data, "署名") or workspace.organ.name,
        date=date,
        seal=c.boolean(data, "印章"),
        signers=signers,
        copy_number=copy_number.zfill(6) if copy_number else "",
        secrecy=secrecy,
        secrecy_period=secrecy_period,
        urgency=urgency,
        note=c.text(data, "附注"),
        contact=contact,
        phone=phone,
        cc=c.texts(data, "抄送"),
        printer=completed.text("印发机关", workspace.organ.issuer or workspace.organ.name, "工作区的印发机关"),
        print_date=c.date(data, "印发日期") or completed.note("印发日期", date, "同成文日期"),
        retention=retention if retention_text else completed.note("保管期限", retention, "工作区按文种的默认值"),
        problem=completed.text("机构问题", workspace.problem_code, "工作区的默认值"),
        identity=c.text(data, "标识"),
        completed=tuple(completed.fields),
        **extra,
    )


def _signs(kind: DocumentKind, number: str) -> bool:
    """Whether the document prints a 署名: a 纪要 or a serial 通报 carries its 编发单位 instead."""
    return not (kind == DocumentKind.MINUTES or (kind == DocumentKind.BULLETIN and not number))


class _Completion:
    """Values the pipeline supplies for keys an input left out, each noted so that the record
    can say the document was completed (补全), never hiding it."""

    def __init__(self, data: dict[str, Any], workspace: WorkspaceConfig, today: dt.date) -> None:
        self.data = data
        self.today = today
        self.fields: list[tuple[str, str, str]] = []  # (key, value used, where it came from)

    def note(self, key: str, value: Any, source: str) -> Any:
        if value not in (None, ""):
            self.fields.append((key, value.isoformat() if isinstance(value, dt.date) else str(value), source))
        return value

    def text(self, key: str, default: str, source: str) -> str:
        value = self.data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        return self.note(key, default, source)

    def date(self, given: dt.date | None, kind: DocumentKind, printed: dt.date | None) -> dt.date:
        """成文日期: as given; a 纪要 without one is dated as its head prints it (its 印发日期)."""
        if given is not None:
            return given
        if kind == DocumentKind.MINUTES and printed is not None:
            return self.note("成文日期", printed, "印发日期")
        return self.note("成文日期", self.today, "处理当天")


LEDGER_COLUMNS = {"单位": ("单位", "责任单位", "unit"), "事项": ("事项", "督查事项", "matter"),
                  "受理日期": ("受理日期", "受理时间", "received"), "办理时限": ("办理时限", "时限", "deadline"),
                  "状态": ("状态", "办理状态", "status")}  # fmt: skip


def ledger_rows(source: str, ledger: str, table: list[list[str]]) -> tuple[InspectionRow, ...]:
    """Rows of a 督查事项 ledger (header first) -> InspectionRows; every problem names the row."""
    key = f"督查事项（台账 {ledger}）"
    if not table or not any(table[0]):
        raise InputError(source, [Problem(key, "台账是空的", "第一行为表头：单位、事项、受理日期、办理时限、状态")])
    header = [h.strip() for h in table[0]]
    index: dict[str, int] = {}
    for column, names in LEDGER_COLUMNS.items():
        for i, h in enumerate(header):
            if h in names:
                index[column] = i
                break
    missing = [c for c in LEDGER_COLUMNS if c not in index]
    if missing:
        raise InputError(source, [Problem(key, f"台账缺少列：{'、'.join(missing)}（现有表头：{'、'.join(h for h in header if h) or '无'}）",
                                          "第一行为表头：单位、事项、受理日期、办理时限、状态")])  # fmt: skip
    problems = []
    rows = []
    for number, raw in enumerate(table[1:], 2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = {c: (raw[i].strip() if i < len(raw) else "") for c, i in index.items()}
        where = f"{key}第{number}行"
        bad = False
        for c in ("单位", "事项"):
            if not cells[c]:
                problems.append(Problem(f"{where}.{c}", "不能为空", "填写" + c))
                bad = True
        dates = {}
        for c in ("受理日期", "办理时限"):
            dates[c] = parse_date(cells[c])
            if dates[c] is None:
                problems.append(Problem(f"{where}.{c}", f"「{cells[c]}」不是有效日期", DATE_EXPECTED))
                bad = True
        if cells["状态"] not in STATUSES:
            problems.append(Problem(f"{where}.状态", f"「{cells['状态']}」不是办理状态", "已办结 或 办理中"))
            bad = True
        if not bad:
            rows.append(InspectionRow(cells["单位"], cells["事项"], dates["受理日期"], dates["办理时限"], cells["状态"]))  # type: ignore[arg-type]
    if problems:
        raise InputError(source, problems)
    return tuple(rows)
