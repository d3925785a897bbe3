"""Step 1: input bytes -> RawInput (plain data with canonical Chinese keys + a key -> line map).

YAML is read as YAML 1.2 (ruamel.yaml), so ``no`` stays a string and ``09:00`` is not 540.
JSON is read with the standard parser; Markdown is a YAML front matter plus the 正文.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.error import YAMLError

from pipeline import schema
from pipeline.errors import InputError
from pipeline.errors import Problem
from pipeline.model import RawInput

SUFFIXES = (".yaml", ".yml", ".json", ".md", ".markdown")
MAX_INPUT_BYTES = 2 * 1024 * 1024


def _fail(name: str, problem: str, expected: str = "", line: int | None = None) -> InputError:
    return InputError(name, [Problem("", problem, expected, line)])


def _decode(name: str, data: bytes) -> str:
    if len(data) > MAX_INPUT_BYTES:
        raise _fail(name, f"文件过大（{len(data) // 1024} KB）", "不超过 2048 KB 的文本文件")
    if not data.strip():
        raise _fail(name, "文件是空的", "一份公文的输入内容（可用 fawen new 通知 生成样例）")
    if b"\x00" in data[:4096]:
        raise _fail(name, "这不是文本文件（含二进制内容）", "UTF-8 编码的 YAML、JSON 或 Markdown 文本")
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


def _canonicalise(name: str, node: Any, context: str, path: str, lines: dict[str, int]) -> Any:
    """Plain Python data with canonical keys; records the line of every key and item."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            key_text = str(key).strip()
            canon = schema.canonical(context, key_text)
            sub = f"{path}.{canon}" if path else canon
            if isinstance(node, CommentedMap):
                pos = node.lc.key(key)
                if pos is not None:
                    lines[sub] = pos[0] + 1
            if canon in out:
                raise _fail(name, f"键「{sub}」出现了两次", "每个键只写一次", lines.get(sub))
            out[canon] = _canonicalise(name, value, canon, sub, lines)
        return out
    if isinstance(node, list):
        items = []
        for i, value in enumerate(node):
            sub = f"{path}[{i + 1}]"
            if isinstance(node, CommentedSeq):
                pos = node.lc.item(i)
                if pos is not None:
                    lines[sub] = pos[0] + 1
            items.append(_canonicalise(name, value, context, sub, lines))
        return items
    if isinstance(node, dt.datetime):
        return node.replace(tzinfo=None)
    if isinstance(node, str):
        return str(node)
    return node


def _timestamp_as_text(constructor: Any, node: Any) -> str:
    return str(constructor.construct_scalar(node))


def _load_yaml(name: str, text: str, line_offset: int = 0) -> tuple[Any, dict[str, int]]:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    # dates stay text until validation, which names the key and line of an impossible one
    yaml.constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        detail = (exc.problem or exc.context or "").strip()
        if "\t" in text and ("tab" in str(exc).lower() or "\\t" in str(exc)):
            raise _fail(name, "YAML 不能用 Tab 缩进", "用空格缩进（每级两个空格）", line) from exc
        if "duplicate" in str(exc).lower():
            raise _fail(name, "同一个键出现了两次", "每个键只写一次", line) from exc
        raise _fail(name, f"YAML 格式错误：{detail}", "合法的 YAML（键: 值，用空格缩进）", line) from exc
    except YAMLError as exc:
        raise _fail(name, f"YAML 格式错误：{exc}", "合法的 YAML") from exc
    lines: dict[str, int] = {}
    if not isinstance(doc, dict):
        raise _fail(name, "内容不是「键: 值」的形式", "以「文种: 通知」这样的键值对开头", 1 + line_offset)
    data = _canonicalise(name, doc, schema.TOP, "", lines)
    if line_offset:
        lines = {k: v + line_offset for k, v in lines.items()}
    return data, lines


def _canonical_tree(node: Any, context: str) -> Any:
    if isinstance(node, dict):
        return {
            schema.canonical(context, str(k).strip()): _canonical_tree(
                v, schema.canonical(context, str(k).strip())
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_canonical_tree(v, context) for v in node]
    return node


def parse_input(name: str, suffix: str, data: bytes) -> RawInput:
    """Parse the bytes of an input file named ``name`` with the given suffix."""
    suffix = suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(name, f"不支持的文件类型「{suffix}」", "扩展名为 .yaml、.yml、.json 或 .md")
    text = _decode(name, data)
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(name, f"JSON 格式错误：{exc.msg}", "合法的 JSON 对象", exc.lineno) from exc
        if not isinstance(doc, dict):
            raise _fail(name, "JSON 内容不是对象", '{"文种": "通知", …}', 1)
        canon = _canonical_tree(doc, schema.TOP)
        try:  # JSON is YAML 1.2: reuse the YAML reader for line numbers, best effort
            _, lines = _load_yaml(name, text)
        except InputError:
            lines = {}
        return RawInput(name, canon, lines)
    if suffix in (".md", ".markdown"):
        return _parse_markdown(name, text)
    data_, lines = _load_yaml(name, text)
    return RawInput(name, data_, lines)


def _parse_markdown(name: str, text: str) -> RawInput:
    rows = text.split("\n")
    if not rows or rows[0].strip() != "---":
        raise _fail(name, "Markdown 文件缺少开头的 YAML 信息块", "第一行为 ---，其后写 文种、标题 等，再以 --- 结束", 1)
    for end in range(1, len(rows)):
        if rows[end].strip() in ("---", "..."):
            break
    else:
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
