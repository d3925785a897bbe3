"""Step 1: input bytes -> RawInput (plain data with canonical Chinese keys + a key -> line map).

YAML is read as YAML 1.2 (ruamel.yaml), so ``no`` stays a string and ``09:00`` is not 540.
JSON is read with the standard parser; Markdown is a YAML front matter plus the 正文.

The bytes come from anyone who can write to the inbox, so the reading is bounded: aliases and
merge keys are refused (an alias can stand for billions of nodes), nesting stops at MAX_DEPTH,
a key written twice is refused in every format, and a value Python cannot hold (an integer of
thousands of digits, ``!!float abc``, a custom tag) is a message with its line, not a traceback.
"""

from __future__ import annotations

import binascii
import bisect
import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.composer import Composer
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from pipeline import schema
from pipeline.configuration import _explain as explain_yaml  # one translation of the parser's English
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.model import RawInput
from pipeline.syntaxhints import with_cause
from pipeline.yamlreader import QuickCheckReader

SUFFIXES = (".yaml", ".yml", ".json", ".md", ".markdown")
# A real input is a few KB (the seed notice, with the whole 工作制度 attached, is 10 KB); these
# bounds keep the worst a dropped file can cost the pure-Python YAML reader to a few seconds.
MAX_INPUT_BYTES = 512 * 1024
MAX_YAML_LINES = 5000
MAX_FLOW_ITEMS = 5000
# The deepest key of the contract is 附件[1].名称 (three levels); a little room for mistakes,
# none for a structure built to exhaust the parser or the recursion of the stages after it.
MAX_DEPTH = 12
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(Exception):
    """A construct the reader refuses, with the line it is on (raised inside ruamel)."""

    def __init__(self, problem: str, expected: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem, self.expected, self.line = problem, expected, line


def _line_of(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


class _StrictComposer(Composer):
    """Refuses aliases: an alias lets a few lines stand for a structure of billions of nodes
    (billion laughs), and an input never needs one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            raise _Refused(
                f"不支持 YAML 别名（*{event.anchor}）", "把内容直接写出，不用 & 和 * 引用", _line_of(event.start_mark)
            )
        return super().compose_node(parent, index)


class _StrictConstructor(RoundTripConstructor):
    """Refuses merge keys and turns a value Python cannot hold (``!!float abc``, an integer of
    5 000 digits) into a message naming its line instead of a traceback."""

    def flatten_mapping(self, node: Any) -> Any:
        for key_node, _value in node.value:
            if key_node.tag == _MERGE_TAG:
                raise _Refused("不支持 YAML 合并键「<<」", "把要合并的键逐个写出", _line_of(key_node.start_mark))
        return super().flatten_mapping(node)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (_Refused, MarkedYAMLError):
            raise
        except (ValueError, TypeError, ArithmeticError, IndexError, KeyError, AttributeError, binascii.Error) as exc:
            raise _Refused("这个值无法解读（数字过长，或标签与内容不符，如 !!float abc）",
                           "普通的文字或数字，不加 !! 标签", _line_of(node.start_mark)) from exc  # fmt: skip


def _fail(name: str, problem: str, expected: str = "", line: int | None = None, key: str = "") -> InputError:
    return InputError(name, [Problem(key, problem, expected, line)])


def _shown(text: str, limit: int = 30) -> str:
    """A key or value as a message may quote it: invisible characters named, long text cut."""
    out = "".join(f"〈U+{ord(ch):04X}〉" if not ch.isprintable() else ch for ch in text[:limit])
    return out + ("…" if len(text) > limit else "")


def _decode(name: str, data: bytes) -> str:
    if len(data) > MAX_INPUT_BYTES:
        raise _fail(name, f"文件过大（{len(data) // 1024} KB）", f"不超过 {MAX_INPUT_BYTES // 1024} KB 的文本文件")
    if not data.strip():
        raise _fail(name, "文件是空的", "一份公文的输入内容（可用 fawen new 通知 生成样例）", 1)
    if b"\x00" in data[:4096]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _fail(name, "这不是文本文件（含二进制内容）", "UTF-8 编码的 YAML、JSON 或 Markdown 文本", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            data.decode("gb18030")
            hint = "（看起来是 GBK/GB18030 编码）"
        except UnicodeDecodeError:
            pass
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(name, f"文件不是 UTF-8 编码{hint}", "用 UTF-8 编码另存此文件", line) from exc


class WrittenInt(int):
    """An integer as the input wrote it (04778000002, 1_000, 0x1F): its value where it counts,
    its text where it is printed, so a telephone number keeps its leading 0. A key that takes a
    number (期号) turns it into a plain int."""

    written: str

    def __new__(cls, value: int, written: str) -> WrittenInt:
        self = super().__new__(cls, value)
        self.written = written
        return self

    def __str__(self) -> str:
        return self.written

    def __getnewargs__(self) -> tuple[int, str]:  # type: ignore[override]  # copies and pickles keep the text
        return int(self), self.written


class WrittenFloat(float):
    """A decimal as the input wrote it (1.10, 100.00, 1.5e3), like WrittenInt."""

    written: str

    def __new__(cls, value: float, written: str) -> WrittenFloat:
        self = super().__new__(cls, value)
        self.written = written
        return self

    def __str__(self) -> str:
        return self.written

    def __getnewargs__(self) -> tuple[float, str]:  # type: ignore[override]
        return float(self), self.written


def _written_int(constructor: Any, node: Any) -> WrittenInt:
    return WrittenInt(int(RoundTripConstructor.construct_yaml_int(constructor, node)), str(node.value))


def _written_float(constructor: Any, node: Any) -> WrittenFloat:
    return WrittenFloat(float(RoundTripConstructor.construct_yaml_float(constructor, node)), str(node.value))


def _plain_scalar(node: Any) -> Any:
    """ruamel's round-trip scalars as the plain Python values they stand for."""
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, ScalarBoolean):  # an anchored true/false: an int subclass, not a bool
        return bool(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, (WrittenInt, WrittenFloat)):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, (dt.date, dt.datetime)):
        return node.replace(tzinfo=None) if isinstance(node, dt.datetime) else node
    return _UNSUPPORTED


_UNSUPPORTED = object()


def _canonicalise(name: str, node: Any, context: str, path: str, lines: dict[str, int], depth: int = 1) -> Any:
    """Plain Python data with canonical keys; records the line of every key and item."""
    if depth > MAX_DEPTH:
        raise _fail(name, f"嵌套层次过深（超过 {MAX_DEPTH} 层）", "按样例的层次书写（fawen new 通知）",
                    lines.get(path), path)  # fmt: skip
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_text = str(key).strip()
            if not key_text.isprintable() or len(key_text) > 50:
                shown_key = f"{path}.{_shown(key_text)}" if path else _shown(key_text)
                raise _fail(name, f"键名「{_shown(key_text)}」含不可见字符或过长", "键名如 标题、正文（不超过 50 字）",
                            _key_line(node, key), shown_key)  # fmt: skip
            canon = schema.canonical(context, key_text)
            sub = f"{path}.{canon}" if path else canon
            line = _key_line(node, key)
            if line is not None:
                lines[sub] = line
            if canon in out:
                raise _fail(name, f"键「{sub}」出现了两次", "每个键只写一次", lines.get(sub), sub)
            out[canon] = _canonicalise(name, value, canon, sub, lines, depth + 1)
        return out
    if isinstance(node, (list, tuple)):
        items = []
        for i, value in enumerate(node):
            sub = f"{path}[{i + 1}]"
            if isinstance(node, _LinedList):
                line = node.item_lines[i]
                if line is not None:
                    lines[sub] = line
            elif isinstance(node, CommentedSeq):
                pos = node.lc.item(i)
                if pos is not None:
                    lines[sub] = pos[0] + 1
            items.append(_canonicalise(name, value, context, sub, lines, depth + 1))
        return items
    value = _plain_scalar(node)
    if value is _UNSUPPORTED:
        raise _fail(name, f"不支持这种值（{type(node).__name__}）", "文字、数字、是/否、列表或「键: 值」的组",
                    lines.get(path), path)  # fmt: skip
    return value


def _key_line(node: Any, key: Any) -> int | None:
    if isinstance(node, _LinedDict):
        return node.key_lines.get(key)
    if isinstance(node, CommentedMap):
        pos = node.lc.key(key)
        if pos is not None:
            return int(pos[0]) + 1
    return None


def _timestamp_as_text(constructor: Any, node: Any) -> str:
    return str(constructor.construct_scalar(node))


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    yaml.Reader = QuickCheckReader
    yaml.Composer = _StrictComposer
    yaml.Constructor = _StrictConstructor
    yaml.max_depth = MAX_DEPTH  # ruamel composes recursively: bounded before Python's own limit
    # dates stay text until validation, which names the key and line of an impossible one
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    # numbers keep the text they were written as (a telephone number's leading 0, 1.10)
    yaml.constructor.add_constructor("tag:yaml.org,2002:int", _written_int)
    yaml.constructor.add_constructor("tag:yaml.org,2002:float", _written_float)
    return yaml


def _yaml_problem(exc: MarkedYAMLError) -> tuple[str, str]:
    """The parser's English, said in Chinese."""
    detail = f"{exc.context or ''} {exc.problem or ''}"
    if isinstance(exc, MaxDepthExceededError):
        return f"嵌套层次过深（超过 {MAX_DEPTH} 层）", "按样例的层次书写（fawen new 通知）"
    if "duplicate" in detail.lower():
        found = re.search(r'duplicate key "(.*?)"', detail)
        return (f"键「{_shown(found.group(1))}」出现了两次" if found else "同一个键出现了两次"), "每个键只写一次"
    if "constructor" in detail or "tag" in detail:
        return "不支持的 YAML 标签（!…）", "普通的文字或数字，不加 ! 标签"
    if "anchor" in detail or "alias" in detail:
        return "YAML 别名或锚点（& *）写法不对", "把内容直接写出，不用 & 和 * 引用"
    if "single document" in detail:
        return "YAML 格式错误：文件里有第二份内容（--- 之后）", "一个输入文件只写一份公文，删去 --- 及其后的内容"
    return explain_yaml(exc)


def _too_big_to_parse(text: str) -> tuple[str, str, int] | None:
    """What makes a text too costly to hand to ruamel, which reads YAML in pure Python (some 30 s
    for a 2 MB list): more lines than any input needs, ``[``/``{`` nesting far past MAX_DEPTH, or
    more items in brackets than any list may hold. (problem, expected, line), or None. Brackets
    and commas are counted without regard to quotes: a real input nests two or three deep and
    writes its lists a few items long (Chinese text separates with ，, not a comma)."""
    lines = text.count("\n") + 1
    if lines > MAX_YAML_LINES:
        return (f"行数过多（{lines} 行）", f"不超过 {MAX_YAML_LINES} 行；大量督查事项请放在 CSV 或 XLSX 台账中",
                MAX_YAML_LINES + 1)  # fmt: skip
    depth = items = 0
    for m in re.finditer(r"[\[\]{},]", text):
        mark = m.group()
        if mark == ",":
            items += depth > 0
            if items > MAX_FLOW_ITEMS:
                line = text.count("\n", 0, m.start()) + 1
                return "方括号或花括号中的项过多", f"列表不超过 {MAX_FLOW_ITEMS} 项", line
            continue
        depth = depth + 1 if mark in "[{" else max(0, depth - 1)
        if depth > 4 * MAX_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            return f"嵌套层次过深（超过 {MAX_DEPTH} 层）", "按样例的层次书写（fawen new 通知）", line
    return None


def _load_yaml(name: str, text: str, line_offset: int = 0) -> tuple[Any, dict[str, int]]:
    too_big = _too_big_to_parse(text)
    if too_big is not None:
        problem, expected, at = too_big
        raise _fail(name, problem, expected, at + line_offset)
    try:
        doc = _yaml().load(text)
    except _Refused as exc:
        line = exc.line + line_offset if exc.line is not None else None
        raise _fail(name, exc.problem, exc.expected, line) from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        if "\t" in text and ("tab" in str(exc).lower() or "\\t" in str(exc)):
            raise _fail(name, "YAML 不能用 Tab 缩进", "用空格缩进（每级两个空格）", line) from exc
        problem, expected = _yaml_problem(exc)
        problem = with_cause(problem, text, mark.line + 1 if mark is not None else None, offset=line_offset)
        raise _fail(name, problem, expected, line) from exc
    except ReaderError as exc:  # a character YAML does not allow: the position is all it knows
        line = text[: exc.position].count("\n") + 1 + line_offset
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        raise _fail(name, f"含有不可见的控制字符或非法字符（U+{code:04X}）", "删去这个字符后保存", line) from exc
    except YAMLError as exc:
        raise _fail(
            name, "YAML 格式错误", "合法的 YAML：「键: 值」，冒号后有空格，用空格缩进", 1 + line_offset
        ) from exc
    except RecursionError as exc:  # max_depth bounds the composer; this is the last guard
        raise _fail(name, "嵌套层次过深", "按样例的层次书写（fawen new 通知）", 1 + line_offset) from exc
    lines: dict[str, int] = {}
    if not isinstance(doc, dict):
        raise _fail(name, "内容不是「键: 值」的形式", "以「文种: 通知」这样的键值对开头", 1 + line_offset)
    data = _canonicalise(name, doc, schema.TOP, "", lines)
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return data, lines


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON objects refuse a key written twice, as YAML does (the standard parser keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _json_constant(word: str) -> Any:
    raise ValueError(word)  # NaN and Infinity are no JSON and mean nothing in a 公文


def _load_json(name: str, text: str) -> tuple[Any, dict[str, int]]:
    try:
        doc = json.loads(text, object_pairs_hook=_json_object, parse_constant=_json_constant,
                         parse_int=lambda t: WrittenInt(int(t), t), parse_float=lambda t: WrittenFloat(float(t), t))  # fmt: skip
    except json.JSONDecodeError as exc:
        problem = with_cause("JSON 格式错误：括号、引号或逗号不对", text, exc.lineno, json=True)
        raise _fail(name, problem, '合法的 JSON 对象 {"文种": "通知", …}', exc.lineno) from exc
    except _DuplicateKey as exc:
        raise _fail(
            name, f"键「{_shown(exc.key)}」出现了两次", "每个键只写一次", _json_key_line(text, exc.key), exc.key
        ) from exc
    except RecursionError as exc:
        raise _fail(name, "嵌套层次过深", "按样例的层次书写（fawen new 通知）", 1) from exc
    except ValueError as exc:  # an integer of thousands of digits, NaN, Infinity
        raise _fail(name, "JSON 中有无法使用的数字（过长，或 NaN、Infinity）", "普通的数字或文字", 1) from exc
    if not isinstance(doc, dict):
        raise _fail(name, "JSON 内容不是对象", '{"文种": "通知", …}', 1)
    lines: dict[str, int] = {}
    return _canonicalise(name, _with_lines(doc, _json_positions(text)), schema.TOP, "", lines), lines


class _LinedDict(dict):  # type: ignore[type-arg]
    """A JSON object with the line of each of its keys."""

    key_lines: dict[str, int | None]


class _LinedList(list):  # type: ignore[type-arg]
    """A JSON array with the line of each of its items."""

    item_lines: list[int | None]


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')
_SPACE = re.compile(r"\s*")


def _json_positions(text: str) -> Iterator[int]:
    """The line of every object key and every array item, in document order (one pass of a
    regular expression: the JSON is known to be valid, json.loads read it first)."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    frames: list[str] = []  # "{" or "["
    key_next = False
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if token in "[{" or (token == "," and frames):
            if token != ",":
                frames.append(token)
            if frames[-1] == "{":
                key_next = True
                continue
            item = _SPACE.match(text, m.end()).end()  # type: ignore[union-attr]
            if item < len(text) and text[item] != "]":
                yield bisect.bisect_right(starts, item)
        elif token in "]}":
            frames.pop()
            key_next = False  # an empty object {} had no key to take the line it was waiting for
        elif key_next and token.startswith('"'):
            key_next = False
            yield bisect.bisect_right(starts, m.start())


def _with_lines(doc: Any, lines: Iterator[int], depth: int = 0) -> Any:
    """``doc`` with each object and array holding its lines, taken in document order (as
    json.loads kept it). Below MAX_DEPTH nothing is needed: _canonicalise refuses it there."""
    if depth > MAX_DEPTH:
        return doc
    if isinstance(doc, dict):
        out = _LinedDict()
        out.key_lines = {}
        for key, value in doc.items():
            out.key_lines[key] = next(lines, None)
            out[key] = _with_lines(value, lines, depth + 1)
        return out
    if isinstance(doc, list):
        seq = _LinedList()
        seq.item_lines = []
        for value in doc:
            seq.item_lines.append(next(lines, None))
            seq.append(_with_lines(value, lines, depth + 1))
        return seq
    return doc


def _json_key_line(text: str, key: str) -> int | None:
    """The line of the second occurrence of a key (the one that repeats it)."""
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    found = list(pattern.finditer(text))
    return text[: found[1].start()].count("\n") + 1 if len(found) > 1 else None


def parse_input(name: str, suffix: str, data: bytes) -> RawInput:
    """Parse the bytes of an input file named ``name`` with the given suffix."""
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(name, f"不支持的文件类型「{_shown(suffix)}」", "扩展名为 .yaml、.yml、.json 或 .md")
    text = _decode(name, data)
    if suffix == ".json":
        canon, lines = _load_json(name, text)
        return RawInput(name, canon, lines)
    if suffix in (".md", ".markdown"):
        return _parse_markdown(name, text)
    data_, lines = _load_yaml(name, text)
    return RawInput(name, data_, lines)


def _front_end(rows: list[str]) -> int | None:
    """The row closing a Markdown input's YAML block; None when the block is not closed."""
    for end in range(1, len(rows)):
        # the closing line starts at the margin: an indented --- is a line of a block value
        if rows[end].rstrip() in ("---", "..."):
            return end
    return None


def front_matter(text: str) -> str | None:
    """The YAML block (信息块) of a Markdown input's text, or None when it has no closed one."""
    rows = text.split("\n")
    end = _front_end(rows) if rows[0].strip() == "---" else None
    return None if end is None else "\n".join(rows[1:end])


def _parse_markdown(name: str, text: str) -> RawInput:
    rows = text.split("\n")
    if not rows or rows[0].strip() != "---":
        raise _fail(name, "Markdown 文件缺少开头的 YAML 信息块", "第一行为 ---，其后写 文种、标题 等，再以 --- 结束", 1)
    end = _front_end(rows)
    if end is None:
        raise _fail(name, "YAML 信息块没有结束行 ---", "在信息块后加一行 ---", len(rows))
    front = "\n".join(rows[1:end])
    data, lines = _load_yaml(name, front, line_offset=1) if front.strip() else ({}, {})
    body = "\n".join(rows[end + 1 :]).strip("\n")
    if body.strip():
        if "正文" in data:
            raise _fail(name, "正文既写在信息块里又写在 Markdown 正文中", "只保留一处", lines.get("正文"))
        data["正文"] = body
        lines["正文"] = end + 2
    return RawInput(name, data, lines)
