"""``fawen.yaml`` checked like an input: bytes -> WorkspaceConfig, or ConfigError listing every problem.

Pure (no disk, no stages): the store reads the bytes, this module says what they mean. Messages
follow the inputs' style: file, 第 N 行, 键「路径」, what is wrong, what is expected, 是否想写「…」？
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.error import YAMLError
from ruamel.yaml.reader import ReaderError

from pipeline.errors import Problem
from pipeline.errors import WorkspaceError
from pipeline.model import DocumentKind
from pipeline.model import JointMeeting
from pipeline.model import MemberUnit
from pipeline.model import Organ
from pipeline.model import Person
from pipeline.model import WorkspaceConfig
from pipeline.model import YearDays
from pipeline.syntaxhints import with_cause
from pipeline.workdays import DeadlineError
from pipeline.workdays import read_days
from pipeline.yamlreader import QuickCheckReader

KINDS = tuple(k.value for k in DocumentKind)
NEEDS_CODE = tuple(k.value for k in DocumentKind if not k.serial)  # the serial kinds use 期号
RETENTION = {"Y": "Y", "永久": "Y", "D30": "D30", "30年": "D30", "定期30年": "D30",
             "D10": "D10", "10年": "D10", "定期10年": "D10"}  # fmt: skip
RETENTION_EXPECTED = "Y（永久）、D30（定期30年）或 D10（定期10年）；也可写 永久、30年、10年、定期30年、定期10年"
PROFILES = ("DA/T 22-2015", "DA/T 13-2022")
DEFAULT_TIMEZONE = "Asia/Shanghai"
TOP_KEYS = (
    "机关",
    "联席会议",
    "保管期限",
    "机构问题",
    "档号格式",
    "印章图片",
    "字体目录",
    "允许涉密",
    "时区",
    "操作员",
    "网页访问",
    "节假日",
)
WEB_KEYS = ("口令散列",)
# fawen serve --set-password writes scrypt$<n>$<r>$<p>$<salt hex>$<key hex>; pbkdf2_sha256$<rounds>$<salt hex>$<key hex> is read too
PASSWORD_HASH = re.compile(r"^(scrypt\$\d+\$\d+\$\d+|pbkdf2_sha256\$\d+)\$[0-9a-f]{16,128}\$[0-9a-f]{32,128}$")
ORGAN_KEYS = ("名称", "标志", "发文机关标志", "简称", "全宗号", "印发机关", "机关代字", "印章图片", "署名")
MEETING_KEYS = ("名称", "召集人", "办公室", "成员单位")
OFFICE_KEYS = ("设在", "主任")
PERSON_KEYS = ("姓名", "职务")
MEMBER_KEYS = ("名称", "联络员", "电话")
# both codes become part of a 档号 and of folder names: ASCII letters and digits only, short
_FONDS_RE = re.compile(r"^[A-Za-z0-9]{1,8}$")
PROBLEM_CODE = re.compile(r"^[A-Za-z0-9]{1,6}$")
PROBLEM_CODE_EXPECTED = "机构（问题）代码：1–6 个英文字母或数字，如 XF（信访）"
# a 机关代字 is followed by 〔年份〕序号号: brackets, 号 or spaces in it would break the number's form
_CODE_FORBIDDEN = re.compile(r"[\s〔〕\[\]【】()（）﹝﹞{}号]")
_RAW_KEY_RE = re.compile(r"^\s*(?:-\s+)?([^\s:#'\"{\[-][^:#]*?)\s*:(?:\s|$)")


class ConfigError(WorkspaceError):
    """A ``fawen.yaml`` that cannot describe a workspace (exit code 2, like any workspace error)."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = list(problems)
        lines = [f"配置文件 {file} 有 {len(self.problems)} 处问题："]
        lines += [f"  {i}. {p.describe()}" for i, p in enumerate(self.problems, 1)]
        super().__init__("\n".join(lines))


def read_config(name: str, data: bytes) -> WorkspaceConfig:
    """The configuration in the bytes of a ``fawen.yaml`` named ``name``; ConfigError lists every problem."""
    return check_config(name, *parse_config(name, data))


def parse_config(name: str, data: bytes) -> tuple[dict[str, Any], dict[str, int]]:
    """The YAML of a ``fawen.yaml`` as plain data (JSON-shaped) and the line of every key path;
    ConfigError when it is not YAML of that shape."""
    text = _decode(name, data)
    _refuse_tabs(name, text)
    return _load_yaml(name, text)


# --- reading ---------------------------------------------------------------------------------


def _fail(name: str, problem: str, expected: str = "", line: int | None = None, key: str = "") -> ConfigError:
    return ConfigError(name, [Problem(key, problem, expected, line)])


def _decode(name: str, data: bytes) -> str:
    if not data.strip():
        raise _fail(name, "配置文件是空的", "机关、机关代字、保管期限等设置（fawen init <文件夹> 可生成示例）")
    if b"\x00" in data[:4096]:
        raise _fail(name, "这不是文本文件（含二进制内容）", "UTF-8 编码的 YAML 文本")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            key = _key_at(data.decode("gb18030"), line)
        except UnicodeDecodeError:
            raise _fail(name, "文件不是 UTF-8 编码", "用 UTF-8 编码另存此文件", line) from exc
        raise _fail(name, "文件不是 UTF-8 编码（看起来是 GBK/GB18030 编码）",
                    "用 UTF-8 编码另存此文件（记事本、WPS：另存为 → 编码选 UTF-8）", line, key) from exc  # fmt: skip


def _refuse_tabs(name: str, text: str) -> None:
    """YAML forbids tabs in indentation; every such line is named, not only the first the parser meets."""
    rows = text.split("\n")
    bad = [i for i, row in enumerate(rows, 1) if row.strip() and "\t" in row[: len(row) - len(row.lstrip())]]
    if bad:
        problems = [Problem(_key_at(text, i), "用了 Tab 缩进", "用空格缩进（每级两个空格）", i) for i in bad]
        raise ConfigError(name, problems)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)  # `no` stays text, `09:00` is not 540
    yaml.Reader = QuickCheckReader
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", lambda c, node: str(c.construct_scalar(node)))
    return yaml


def _load_yaml(name: str, text: str) -> tuple[Any, dict[str, int]]:
    try:
        doc = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem, expected = _explain(exc)
        problem = with_cause(problem, text, line)
        raise _fail(name, problem, expected, line, _raw_key(text, line)) from exc
    except ReaderError as exc:  # a control character: the position is all the reader knows
        line = text[: exc.position].count("\n") + 1
        raise _fail(name, "含有不可见的控制字符", "删去这个字符后保存", line, _raw_key(text, line)) from exc
    except YAMLError as exc:
        raise _fail(name, "YAML 格式错误", "合法的 YAML：「键: 值」，冒号后有空格，用空格缩进") from exc
    except RecursionError as exc:
        raise _fail(name, "括号嵌套过深", "「键: 值」的配置，括号成对且不超过几层") from exc
    if not isinstance(doc, dict):
        raise _fail(name, "内容不是「键: 值」的形式", "以「机关:」这样的键值对开头", 1)
    lines: dict[str, int] = {}
    return _plain(doc, "", lines), lines


def _explain(exc: MarkedYAMLError) -> tuple[str, str]:
    """The parser's English, said in Chinese; the English itself is never shown."""
    detail = f"{exc.context or ''} {exc.problem or ''}"
    found = re.search(r'found duplicate key "(.*?)"', detail)
    if found:
        return f"键「{found.group(1)}」在同一层出现了两次", "每个键只写一次"
    if "\\t" in detail or "'\t'" in detail:
        return "用了 Tab", "用空格缩进（每级两个空格）"
    if "single document" in detail:
        return "YAML 格式错误：文件里有第二份内容（--- 之后）", "一个 fawen.yaml 只写一份配置，删去 --- 及其后的内容"
    if "mapping values are not allowed" in detail:
        return "YAML 格式错误：此处不能有「:」", "冒号后加空格；值中含冒号时整个值加引号；子项比上一级多缩进两个空格"
    if "quoted scalar" in detail or "flow" in detail:
        return "YAML 格式错误：引号或括号没有配对", '引号 "…"、方括号 […]、花括号 {…} 成对出现'
    if "could not find expected ':'" in detail or "simple key" in detail:
        return "YAML 格式错误：缺少「:」", "每行写成「键: 值」，冒号后有空格"
    return "YAML 格式错误：缩进或写法不对", "合法的 YAML：「键: 值」，冒号后有空格，同一层的键缩进相同"


def _plain(node: Any, path: str, lines: dict[str, int]) -> Any:
    """Plain Python data; records the line of every key and list item by its path."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            text = str(key).strip()
            sub = f"{path}.{text}" if path else text
            if isinstance(node, CommentedMap) and node.lc.key(key) is not None:
                lines[sub] = node.lc.key(key)[0] + 1
            out[text] = _plain(value, sub, lines)
        return out
    if isinstance(node, list):
        items = []
        for i, value in enumerate(node):
            sub = f"{path}[{i + 1}]"
            if isinstance(node, CommentedSeq) and node.lc.item(i) is not None:
                lines[sub] = node.lc.item(i)[0] + 1
            items.append(_plain(value, sub, lines))
        return items
    if isinstance(node, str):
        return str(node)
    return node


def _raw_key(text: str, line: int | None) -> str:
    """The key path of a line judged by indentation alone (for a file that does not parse):
    the key written there, under each less-indented key above it."""
    rows = text.split("\n")
    if line is None or not 0 < line <= len(rows):
        return ""
    m = _RAW_KEY_RE.match(rows[line - 1].expandtabs(2))
    if not m:
        return ""
    parts, indent = [m.group(1).strip()], m.start(1)
    for row in reversed(rows[: line - 1]):
        above = _RAW_KEY_RE.match(row.expandtabs(2))
        if above and above.start(1) < indent:
            parts.insert(0, above.group(1).strip())
            indent = above.start(1)
    return ".".join(parts)


def _key_at(text: str, line: int) -> str:
    """The key path written on a line: the file parsed with its tabs read as spaces, else the raw key."""
    for size in (4, 2, 8):  # a tab most often stands for one level of four columns
        expanded = "\n".join(r.expandtabs(size) for r in text.split("\n"))
        try:
            lines: dict[str, int] = {}
            _plain(_yaml().load(expanded), "", lines)
        except (YAMLError, RecursionError):
            continue
        found = [k for k, n in lines.items() if n == line and not k.endswith("]")]
        if found:
            return found[-1]
    return _raw_key(text, line)


# --- checking --------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "是/否"
    if isinstance(value, dict):
        return "键值组"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, (int, float)):
        return "数字"
    return "空值" if value is None else "文字"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Checker:
    def __init__(self, lines: dict[str, int]) -> None:
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, key: str) -> int | None:
        """The key's line, else its nearest written ancestor's (a missing key is reported where it belongs)."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", key) if re.search(r"[.\[]", key) else ""
        return None

    def add(self, key: str, problem: str, expected: str = "") -> None:
        self.problems.append(Problem(key, problem, expected, self.line(key)))

    def unknown(self, data: dict[str, Any], allowed: tuple[str, ...], path: str, what: str = "键") -> list[str]:
        """Report keys not in ``allowed``; returns the keys that are."""
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.4)
                hint = f"是否想写「{close[0]}」？" if close else f"可用的{what}：" + "、".join(allowed)
                self.add(_join(path, key), f"未知的{what}「{key}」", hint)
        return [k for k in data if k in allowed]

    def text(self, data: dict[str, Any], key: str, path: str = "", required: bool = False,
             expected: str = "文字", digits_matter: bool = False) -> str:  # fmt: skip
        sub, value = _join(path, key), data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(sub, "缺少必填项", expected)
            return ""
        if isinstance(value, (bool, dict, list)):
            self.add(sub, f"应为文字，实际是{type_name(value)}", expected)
            return ""
        if digits_matter and not isinstance(value, str):
            # YAML reads 0071 as the number 71: the leading zeros would be lost
            self.add(sub, f"写成了数字（读作 {value}，开头的 0 会丢失）", f"加引号写成文字；{expected}")
            return ""
        return str(value).strip()

    def mapping(self, data: dict[str, Any], key: str, path: str = "", expected: str = "") -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.add(_join(path, key), f"应为「键: 值」的组，实际是{type_name(value)}", expected)
            return None
        return value

    def items(self, data: dict[str, Any], key: str, path: str = "", expected: str = "") -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(_join(path, key), f"应为列表（每项以 - 开头），实际是{type_name(value)}", expected)
            return []
        return value


def check_config(name: str, data: dict[str, Any], lines: dict[str, int]) -> WorkspaceConfig:
    """Every problem of a parsed ``fawen.yaml`` at once, or the configuration it describes."""
    c = _Checker(lines)
    c.unknown(data, TOP_KEYS, "")
    organ, more_organs = _organs(c, data)
    meeting = _meeting(c, data)
    config = WorkspaceConfig(
        organ=organ,
        more_organs=more_organs,
        meeting=meeting,
        retention=_retention(c, data),
        problem_code=_problem_code(c, data),
        code_profile=_profile(c, data),
        seal_image=c.text(data, "印章图片", expected="印章图片文件，相对于工作区，如 印章.png") or None,
        font_dirs=_font_dirs(c, data),
        allow_classified=_boolean(c, data, "允许涉密"),
        timezone=_timezone(c, data),
        operator=c.text(data, "操作员", expected="收件箱自动归档时记为经办人的姓名，如 张丽"),
        web_password_hash=_web_access(c, data),
        holidays=_holidays(c, data),
    )
    if c.problems:  # in the order of the file, as a person reads it
        raise ConfigError(name, sorted(c.problems, key=lambda p: (p.line is None, p.line or 0)))
    return config


ORGANS_EXAMPLE = (
    "机关: 下写 名称、标志、全宗号、机关代字 等；几个发文机关时写成列表，每项以「- 名称:」开头，第一个为默认"
)


def _organs(c: _Checker, data: dict[str, Any]) -> tuple[Organ, tuple[Organ, ...]]:
    """机关: one mapping (the old layout), or a list of them: the organs the workspace issues
    for (镇党委, 镇政府, 联席会议办公室 …), the first the default."""
    value = data.get("机关")
    if value is None:
        c.add("机关", "缺少必填项「机关」", ORGANS_EXAMPLE)
        return Organ("", ""), ()
    if isinstance(value, list):
        if not value:
            c.add("机关", "机关列表是空的", ORGANS_EXAMPLE)
            return Organ("", ""), ()
        organs = [_organ(c, item, f"机关[{i}]", i == 1) for i, item in enumerate(value, 1)]
        _distinct_organs(c, organs)
        return organs[0], tuple(organs[1:])
    return _organ(c, value, "机关", True), ()


def _organ(c: _Checker, organ: Any, path: str, first: bool) -> Organ:
    """One 发文机关; the first (default) one carries the workspace's 全宗号 and every 机关代字."""
    if not isinstance(organ, dict):
        c.add(
            path,
            f"应为「键: 值」的组，实际是{type_name(organ)}",
            "{名称, 标志, 简称, 机关代字, 印发机关, 印章图片, 署名}",
        )
        return Organ("", "")
    c.unknown(organ, ORGAN_KEYS, path)
    name = c.text(organ, "名称", path, required=True, expected="发文机关全称，如 鄂尔多斯市东胜区罕台镇人民政府")
    fonds = c.text(organ, "全宗号", path, expected="全宗号：英文字母和数字，如 F071", digits_matter=True)
    if fonds and not first:
        c.add(f"{path}.全宗号", "全宗号只写在第一个（默认）发文机关下：一个工作区的文件归入一个全宗", "删去此项")
    elif fonds and not _FONDS_RE.match(fonds):
        c.add(f"{path}.全宗号", f"全宗号「{fonds}」不能用在档号中", "全宗号：1–8 个英文字母或数字，如 F071")
    if organ.get("标志") is not None and organ.get("发文机关标志") is not None:
        c.add(f"{path}.发文机关标志", "「标志」和「发文机关标志」是同一项，只写一个", "删去其中一个")
    mark_key = "发文机关标志" if organ.get("发文机关标志") is not None else "标志"
    return Organ(
        name=name,
        mark=c.text(organ, mark_key, path, expected="发文机关标志，如 罕台镇人民政府文件") or f"{name}文件",
        short_name=c.text(organ, "简称", path),
        fonds=fonds if first else "",
        issuer=c.text(organ, "印发机关", path),
        codes=_codes(c, organ, path, first),
        seal_image=c.text(organ, "印章图片", path, expected="本机关的印章图片文件，相对于工作区，如 印章/镇政府.png"),
        signature=c.text(organ, "署名", path, expected="落款的机关名称，如 罕台镇人民政府"),
    )


def _distinct_organs(c: _Checker, organs: list[Organ]) -> None:
    """No two organs answer to one name: an input's 发文机关 must mean exactly one of them."""
    seen: dict[str, int] = {}
    for i, organ in enumerate(organs, 1):
        for key, text in (("名称", organ.name), ("简称", organ.short_name), ("署名", organ.signature)):
            if text and seen.get(text, i) != i:
                c.add(f"机关[{i}].{key}", f"「{text}」已是第 {seen[text]} 个发文机关的名称或简称",
                      "每个发文机关的名称、简称各不相同（输入的「发文机关」据此选定机关）")  # fmt: skip
            elif text:
                seen[text] = i


def _codes(c: _Checker, organ: dict[str, Any], path: str = "机关", required: bool = True) -> dict[str, str]:
    """机关代字 per 文种: one for every kind numbered by 发文字号 (the default organ must have all of
    them; another organ those it issues), none for the serial kinds."""
    example = "机关代字: {通知: 罕政发, 会议通知: 罕政发, 专题报告: 罕政报, 请示: 罕政请}"
    where = f"{path}.机关代字"
    codes = c.mapping(organ, "机关代字", path, expected=example)
    if codes is None:
        if organ.get("机关代字") is None and required:
            c.add(where, f"缺少机关代字（{'、'.join(NEEDS_CODE)} 编发文字号要用）", example)
        return {}
    out = {}
    for kind in c.unknown(codes, KINDS, where, what="文种"):
        key = f"{where}.{kind}"
        if kind not in NEEDS_CODE:
            c.add(key, f"{kind}以期号编号，不用机关代字", "删去这一行")
            continue
        code = c.text(codes, kind, where, expected="机关代字，如 罕政发")
        if code and _CODE_FORBIDDEN.search(code):
            c.add(
                key, f"机关代字「{code}」含有括号、空格或「号」", "只写代字，如 罕政发（〔年份〕和序号由 fawen 编排）"
            )
        if code:
            out[kind] = code
    for kind in NEEDS_CODE if required else ():
        if kind not in codes:
            c.add(f"{where}.{kind}", f"缺少文种「{kind}」的机关代字（编发文字号要用）", f"{kind}: 罕政发 这样的代字")
    return out


def _person(c: _Checker, item: Any, path: str) -> Person | None:
    if isinstance(item, dict):
        c.unknown(item, PERSON_KEYS, path)
        name = c.text(item, "姓名", path, required=True, expected="姓名，如 王建国")
        return Person(name, c.text(item, "职务", path)) if name else None
    if isinstance(item, str) and item.strip():
        return Person(item.strip())
    c.add(path, f"应为人员（姓名或 {{姓名, 职务}}），实际是{type_name(item)}", "{姓名: 王建国, 职务: 镇党委书记}")
    return None


def _member(c: _Checker, item: Any, path: str) -> MemberUnit | None:
    if isinstance(item, dict):
        c.unknown(item, MEMBER_KEYS, path)
        name = c.text(item, "名称", path, required=True, expected="成员单位名称，如 平安建设办公室")
        phone = c.text(item, "电话", path, expected='电话，如 "0477-8000001"', digits_matter=True)
        return MemberUnit(name, c.text(item, "联络员", path), phone) if name else None
    if isinstance(item, str) and item.strip():
        return MemberUnit(item.strip())
    c.add(
        path,
        f"应为成员单位（名称或 {{名称, 联络员, 电话}}），实际是{type_name(item)}",
        "{名称: 平安建设办公室, 联络员: 周强}",
    )
    return None


def _meeting(c: _Checker, data: dict[str, Any]) -> JointMeeting | None:
    meeting = c.mapping(data, "联席会议", expected="联席会议: {名称, 召集人, 办公室, 成员单位}")
    if meeting is None:
        return None
    c.unknown(meeting, MEETING_KEYS, "联席会议")
    office = c.mapping(meeting, "办公室", "联席会议", expected="办公室: {设在, 主任}") or {}
    c.unknown(office, OFFICE_KEYS, "联席会议.办公室")
    head = _person(c, office["主任"], "联席会议.办公室.主任") if office.get("主任") is not None else None
    conveners = [
        _person(c, p, f"联席会议.召集人[{i}]") for i, p in enumerate(c.items(meeting, "召集人", "联席会议"), 1)
    ]
    members = [
        _member(c, m, f"联席会议.成员单位[{i}]") for i, m in enumerate(c.items(meeting, "成员单位", "联席会议"), 1)
    ]
    return JointMeeting(
        name=c.text(meeting, "名称", "联席会议", required=True, expected="如 罕台镇信访工作联席会议"),
        conveners=tuple(p for p in conveners if p),
        office_host=c.text(office, "设在", "联席会议.办公室"),
        office_head=head,
        members=tuple(m for m in members if m),
    )


def _retention(c: _Checker, data: dict[str, Any]) -> dict[str, str]:
    """保管期限 per 文种, normalised to the DA/T 22 codes that go into a 档号."""
    table = c.mapping(data, "保管期限", expected="每个文种一行，如 通知: Y") or {}
    out = {}
    for kind in c.unknown(table, KINDS, "保管期限", what="文种"):
        value = table[kind]
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        code = RETENTION.get(text) or RETENTION.get(text.upper())
        if code:
            out[kind] = code
            continue
        close = difflib.get_close_matches(text, list(RETENTION), n=1, cutoff=0.5) if text else []
        hint = f"是否想写「{close[0]}」？" if close else ""
        c.add(
            f"保管期限.{kind}",
            "没有写保管期限" if value is None else f"「{value}」不是保管期限",
            hint + RETENTION_EXPECTED,
        )
    return out


def _problem_code(c: _Checker, data: dict[str, Any]) -> str:
    code = c.text(data, "机构问题", expected=PROBLEM_CODE_EXPECTED, digits_matter=True)
    if code and not PROBLEM_CODE.match(code):
        c.add("机构问题", f"「{code}」不能用在档号和文件夹名中", PROBLEM_CODE_EXPECTED)
        return ""
    return code


def _profile(c: _Checker, data: dict[str, Any]) -> str:
    text = c.text(data, "档号格式", expected=" 或 ".join(PROFILES))
    if not text:
        return PROFILES[0]
    for profile in PROFILES:
        if text.replace(" ", "").upper() == profile.replace(" ", ""):
            return profile
    close = difflib.get_close_matches(text, PROFILES, n=1, cutoff=0.5)
    c.add(
        "档号格式",
        f"「{text}」不是已知的档号格式",
        (f"是否想写「{close[0]}」？" if close else "") + " 或 ".join(PROFILES),
    )
    return PROFILES[0]


def _font_dirs(c: _Checker, data: dict[str, Any]) -> tuple[str, ...]:
    value = data.get("字体目录")
    if isinstance(value, str):
        value = [value]
    if value is None:
        return ()
    if not isinstance(value, list):
        c.add("字体目录", f"应为文件夹或文件夹列表，实际是{type_name(value)}", "字体目录: [字体]")
        return ()
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        else:
            c.add(f"字体目录[{i}]", f"应为文件夹路径，实际是{type_name(item)}", "如 字体 或 C:/Windows/Fonts")
    return tuple(out)


def _boolean(c: _Checker, data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).strip() in ("是", "否"):
        return str(value).strip() == "是"
    c.add(key, f"「{value}」不是是/否", "true 或 false")
    return False


def _timezone(c: _Checker, data: dict[str, Any]) -> str:
    expected = "IANA 时区名，如 Asia/Shanghai"
    name = c.text(data, "时区", expected=expected)
    if not name:
        return DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(name)
        return name
    except (ValueError, KeyError, OSError):  # unknown name, a path, a folder such as "Asia"
        close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1, cutoff=0.8)
        c.add("时区", f"「{name}」不是时区名", (f"是否想写「{close[0]}」？" if close else "") + expected)
        return DEFAULT_TIMEZONE


def _web_access(c: _Checker, data: dict[str, Any]) -> str:
    """网页访问.口令散列: the access password of ``fawen serve``, only ever stored hashed."""
    expected = "由 fawen serve --set-password 写入的散列（scrypt$…），不是口令本身"
    section = c.mapping(data, "网页访问", expected="网页访问: {口令散列: …}")
    if section is None:
        return ""
    c.unknown(section, WEB_KEYS, "网页访问")
    value = c.text(section, "口令散列", "网页访问", expected=expected)
    if value and not PASSWORD_HASH.match(value):
        c.add("网页访问.口令散列", "不是 fawen 认得的口令散列（口令不能直接写在配置文件中）", expected)
        return ""
    return value


HOLIDAY_KEYS = ("放假", "调休上班")
HOLIDAYS_EXAMPLE = "每年一组，如 2027: {放假: [2027-01-01, 2027-10-01 至 2027-10-07], 调休上班: [2027-10-09]}"


def _holidays(c: _Checker, data: dict[str, Any]) -> tuple[YearDays, ...]:
    """节假日: per year the days off and the 调休 weekend days worked, for years the chinesecalendar
    package does not know yet (a year written here replaces the package's data for that year)."""
    section = c.mapping(data, "节假日", expected=HOLIDAYS_EXAMPLE)
    out = []
    for key, value in (section or {}).items():
        path = f"节假日.{key}"
        if not re.fullmatch(r"(19|20)\d\d", key):
            c.add(path, f"「{key}」不是年份", "四位年份，如 2027:")
            continue
        if not isinstance(value, dict):
            c.add(path, f"应为「键: 值」的组，实际是{type_name(value)}", HOLIDAYS_EXAMPLE)
            continue
        c.unknown(value, HOLIDAY_KEYS, path)
        off = _day_list(c, value, "放假", path, int(key))
        worked = _day_list(c, value, "调休上班", path, int(key))
        if not value.get("放假"):
            c.add(
                f"{path}.放假",
                "缺少「放假」：每年都有法定节假日",
                "按国务院办公厅公布的安排填写，如 放假: [1月1日, 10月1日 至 10月7日]",
            )
        for day in sorted(worked):
            if day.weekday() < 5:
                c.add(f"{path}.调休上班", f"{day} 不是周六或周日，本来就是工作日", "只写调休上班的周末日期")
            if day in off:
                c.add(f"{path}.调休上班", f"{day} 同时写在「放假」中", "一天只写在其中一处")
        out.append(YearDays(int(key), frozenset(off), frozenset(worked)))
    return tuple(out)


def _day_list(c: _Checker, data: dict[str, Any], key: str, path: str, year: int) -> set[dt.date]:
    """The days of a 放假 or 调休上班 list (one text is a list of one); each problem at its item."""
    value = data.get(key)
    if isinstance(value, str):
        value = [value]
    days: set[dt.date] = set()
    for i, item in enumerate(c.items({key: value}, key, path, expected="日期列表，如 [2027-10-01 至 2027-10-07]"), 1):
        try:
            days.update(read_days(item if isinstance(item, str) else "", year))
        except DeadlineError as exc:
            c.add(f"{path}.{key}[{i}]", exc.message if isinstance(item, str) else f"「{item}」不是日期", exc.expected)
    return days
