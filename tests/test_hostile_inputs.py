"""A generated corpus of malformed and hostile inputs (issue 9): templates of every 文种 × mutations.

Every input goes through ``run.read_request``: it is refused with a Chinese message naming the
file and a key or line, never a traceback; a sample of the accepted ones is rendered and every
mutated text must be in the PDF as itself. Nothing is written outside the test's folder.
``benchmarks/hostile.py`` runs the same corpus through the CLI in child processes with a time
and memory limit.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf.generic import ArrayObject
from pypdf.generic import DictionaryObject
from pypdf.generic import NameObject
from pypdf.generic import NumberObject
from pypdf.generic import TextStringObject

from pipeline import run
from pipeline import schema
from pipeline.errors import FawenError
from pipeline.store import fonts
from pipeline.store import workspace as ws_store

TODAY = dt.date(2026, 11, 24)
PREFIX = "hx-"  # every corpus file's name starts with it: a file of that name elsewhere escaped
CJK = re.compile(r"[\u4e00-\u9fff]")
RENDER_SAMPLE = 60
# Problems about the file as a whole, where there is no key or line to name.
WHOLE_FILE = ("无法读取输入文件", "文件过大", "不支持的文件类型")

ROW = {"单位": "综合执法局", "事项": "欠薪问题", "受理日期": "2026-11-02", "办理时限": "2026-12-31", "状态": "已办结"}
MEETING = {"时间": "2026-11-20 09:00", "地点": "三楼会议室", "主持": "王建国", "参会人员": "各成员单位", "议题": ["议题一"]}
TEMPLATES: dict[str, dict[str, object]] = {
    "通知": {"文种": "通知", "标题": "关于测试的通知", "主送": "各村（社区）", "正文": "请认真执行。", "成文日期": "2026-11-12"},
    "会议通知": {"文种": "会议通知", "标题": "关于召开会议的通知", "主送": "各成员单位", "正文": "请准时参会。",
                 "会议": MEETING, "成文日期": "2026-11-12"},
    "会议纪要": {"文种": "会议纪要", "标题": "测试会议纪要", "会议类型": "全体会议", "正文": "会议议定如下。", "会议": MEETING,
                 "审定": {"审定人": "王建国", "日期": "2026-11-22"}, "印发日期": "2026-11-23"},
    "督查通报": {"文种": "督查通报", "标题": "关于欠薪问题专项督查情况的通报", "督查类型": "专项督查", "正文": "现将督查情况通报如下。",
                 "督查事项": [ROW], "统计截止日期": "2026-11-20", "成文日期": "2026-11-22"},
    "专题报告": {"文种": "专题报告", "标题": "关于测试情况的报告", "主送": "镇党委", "正文": "特此报告。", "签发人": "刘海涛",
                 "成文日期": "2026-11-12"},
    "请示": {"文种": "请示", "标题": "关于测试事项的请示", "主送": "镇党委", "正文": "妥否，请批示。", "签发人": "刘海涛",
             "联系人": "周强", "联系电话": "0477-8000002", "成文日期": "2026-11-12"},
}  # fmt: skip
# Keys of a 通知 whose text is printed as given (so an accepted value must be found in the PDF).
PRINTED = ("标题", "主送", "正文", "署名", "附注", "抄送", "印发机关")
DATE_KEYS = {("成文日期",): "通知", ("印发日期",): "通知", ("审定", "日期"): "会议纪要",
             ("统计截止日期",): "督查通报"}  # fmt: skip
ODD = {
    "NUL": "\x00", "BEL": "\x07", "ESC": "\x1b", "DEL": "\x7f", "C1": "\x85", "ZWSP": "\u200b", "RLO": "\u202e",
    "BOM": "\ufeff", "FFFF": "\uffff", "FFFE": "\ufffe", "LSEP": "\u2028", "unassigned": "\u0378",
    "emoji": "\U0001f600", "extB": "\U0002a6a5", "plane15": "\U000f0000", "tab": "\t", "newline": "\n", "cr": "\r",
    "surrogate": "\ud800", "circled": "①②", "latin": "ÅéΩ", "ideo": "〇㐀", "fullwidth": "ＡＢ１", "markup": "{{ x }}&<b>",
}  # fmt: skip


@dataclass
class Case:
    """One corpus input: its file, and the texts that must be printed if it is accepted."""

    path: Path
    printed: tuple[str, ...] = ()


class Corpus:
    """Writes inputs (and the files they name) into one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []
        (root / "附件").mkdir(parents=True, exist_ok=True)

    def raw(self, label: str, suffix: str, data: bytes, printed: tuple[str, ...] = ()) -> Path:
        safe = re.sub(r"[^\w.-]", "_", label)[:60]
        path = self.root / f"{PREFIX}{len(self.cases):04d}-{safe}{suffix}"
        path.write_bytes(data)
        self.cases.append(Case(path, printed))
        return path

    def doc(self, label: str, data: dict[str, object], fmt: str = ".json", printed: tuple[str, ...] = ()) -> Path:
        if fmt == ".json":
            text = json.dumps(data, ensure_ascii=False)
        elif fmt == ".yaml":
            text = "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in data.items())
        else:
            front = {k: v for k, v in data.items() if k != "正文"}
            text = "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in front.items())
            text += "---\n" + str(data.get("正文", "")) + "\n"
        return self.raw(label, fmt, text.encode("utf-8", "surrogatepass"), printed)

    def special(self, label: str, suffix: str, make: str) -> None:
        path = self.root / f"{PREFIX}{len(self.cases):04d}-{label}{suffix}"
        if make == "fifo":
            os.mkfifo(path)
        elif make == "zero":
            path.symlink_to("/dev/zero")
        elif make == "dir":
            path.mkdir()
        elif make == "loop":
            path.symlink_to(path.name)
        self.cases.append(Case(path))


def with_key(base: dict[str, object], keys: tuple[str, ...], value: object) -> dict[str, object]:
    data = json.loads(json.dumps(base))
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value
    return data


# ---- mutations --------------------------------------------------------------------------------


def wrong_types(c: Corpus) -> None:
    """Every key a 文种 may carry, given a list, a mapping, a yes/no and a huge number."""
    values = {"list": ["甲乙", "丙丁"], "map": {"甲乙": "丙丁"}, "bool": True, "bigint": 2**70}
    for kind, base in TEMPLATES.items():
        for key in sorted(schema.COMMON_KEYS | schema.KIND_KEYS[kind]):
            for label, value in values.items():
                printed = ("甲乙", "丙丁") if kind == "通知" and key in PRINTED and label == "list" else ()
                c.doc(f"type-{kind}-{key}-{label}", with_key(base, (key,), value), printed=printed)


def odd_characters(c: Corpus) -> None:
    """Invisible, unassigned, astral and merely unusual characters in every printed key."""
    keys = [("标题",), ("正文",), ("主送",), ("附注",), ("署名",), ("抄送",), ("印发机关",)]
    for keys_ in keys:
        for label, ch in ODD.items():
            text = f"测试{ch}文字"
            base = TEMPLATES["通知"]
            data = with_key(base, keys_, text)
            c.doc(f"char-{keys_[-1]}-{label}", data, printed=(text,))
            if label != "surrogate":
                c.doc(f"char-{keys_[-1]}-{label}", data, ".yaml", printed=(text,))
    for label, ch in ODD.items():
        if label != "surrogate":
            c.doc(f"char-md-{label}", with_key(TEMPLATES["通知"], ("正文",), f"第一段{ch}。\n\n第二段"), ".md")
        c.doc(f"char-key-{label}", {**TEMPLATES["通知"], f"键{ch}": "值"})
        c.doc(f"char-meeting-{label}", with_key(TEMPLATES["会议通知"], ("会议", "地点"), f"会议室{ch}"))
        c.doc(f"char-resolution-{label}", with_key(TEMPLATES["会议纪要"], ("议定事项",),
                                                   [{"事项": f"事项{ch}", "责任单位": "办公室", "完成时限": "2026-11-30"}]))  # fmt: skip
        c.doc(f"char-row-{label}", with_key(TEMPLATES["督查通报"], ("督查事项",), [{**ROW, "单位": f"单位{ch}"}]))


def sizes(c: Corpus) -> None:
    """Texts, lists and files far beyond a real 公文."""
    base = TEMPLATES["通知"]
    for n in (201, 256, 300, 5000, 100_000, 1_000_000):
        c.doc(f"size-title-{n}", with_key(base, ("标题",), "关于" * (n // 2)))
    for key, n in (("发文字号", 300), ("署名", 300), ("联系人", 300), ("附注", 600), ("标识", 300), ("印发机关", 300),
                   ("正文", 100_001), ("抄送", 600), ("主送", 600)):  # fmt: skip
        c.doc(f"size-{key}-{n}", with_key(base, (key,), "字" * n))
    c.doc("size-headings-1000", with_key(base, ("正文",), "\n".join(f"# 标题{i}" for i in range(1000))))
    c.doc("size-paragraphs-6000", with_key(base, ("正文",), "\n\n".join("段" for _ in range(6000))))
    c.doc("size-attachments-30", with_key(base, ("附件",), [{"名称": f"附件{i}", "正文": "内容"} for i in range(30)]))
    c.doc("size-recipients-200", with_key(base, ("主送",), [f"单位{i}" for i in range(200)]))
    c.doc("size-rows-1001", with_key(TEMPLATES["督查通报"], ("督查事项",), [ROW] * 1001))
    c.doc("size-long-row", with_key(TEMPLATES["督查通报"], ("督查事项",), [{**ROW, "事项": "字" * 70_000}]))
    c.raw("size-file-3mb", ".yaml", b"a: " + b"x" * (3 * 1024 * 1024))
    body = ("  " + "字" * 60 + "\n") * 2_000  # 370 KB: under the file and line caps, far over the 正文 limit
    c.raw("size-file-370kb", ".yaml", ("文种: 通知\n标题: 关于测试的通知\n正文: |\n" + body).encode())
    c.raw("size-file-600kb", ".yaml", ("文种: 通知\n标题: 关于测试的通知\n正文: |\n" + body * 2).encode())
    # shapes that cost the YAML reader most per byte: refused before it reads them
    c.raw("size-lines-60000", ".yaml", ("文种: 通知\n抄送:\n" + "  - a\n" * 60_000).encode())
    c.raw("size-keys-20000", ".yaml", ("文种: 通知\n" + "".join(f"k{i:06d}: v\n" for i in range(20_000))).encode())
    c.raw("size-flow-100000", ".yaml", ("文种: 通知\n抄送: [" + ",".join(["a"] * 100_000) + "]\n").encode())
    for n in (-1, 0, 10**6, 2**63, 2**64):
        c.doc(f"size-issue-{n}", with_key(TEMPLATES["会议纪要"], ("期号",), n))
    for text in ("²", "٣", "１", "4.5", "9" * 5000):
        c.doc(f"size-issue-text-{len(text)}", with_key(TEMPLATES["会议纪要"], ("期号",), text))
    c.raw("size-int-5000-digits", ".yaml", ("文种: 会议纪要\n期号: " + "9" * 5000 + "\n").encode())
    c.raw("size-int-json-5000", ".json", ('{"文种": "通知", "期号": ' + "9" * 5000 + "}").encode())
    for number in ("罕政发〔2026〕99999999999999999999号", "罕政发〔0001〕1号", "罕政发〔9999〕1号", "罕政发〔2026〕9223372036854775808号"):
        c.doc(f"size-number-{len(number)}", with_key(base, ("发文字号",), number))
    for copy in (2**63, "9" * 30, "０００００１"):
        c.doc(f"size-copy-{str(copy)[:5]}", with_key(base, ("份号",), copy))


def nesting_and_aliases(c: Corpus) -> None:
    for depth in (13, 50, 400, 900, 5000):
        c.raw(f"deep-flow-{depth}", ".yaml", ("文种: 通知\n标题: " + "[" * depth + "]" * depth + "\n").encode())
        c.raw(f"deep-json-{depth}", ".json", ('{"文种": "通知", "附注": ' + "[" * depth + "]" * depth + "}").encode())
        c.raw(f"deep-map-{depth}", ".json", ('{"文种": "通知", "附注": ' + '{"a": ' * depth + "1" + "}" * depth + "}").encode())
    c.raw("deep-block-40", ".yaml", ("文种: 通知\n附注:\n" + "".join("  " * i + "- \n" for i in range(1, 40))).encode())
    c.raw("deep-json-100000", ".json", b"[" * 100_000)
    laughs = "文种: 通知\nl0: &l0 [哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈, 哈]\n"
    for i in range(1, 12):
        laughs += f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n"
    c.raw("alias-billion-laughs", ".yaml", laughs.encode())
    c.raw("alias-simple", ".yaml", "文种: 通知\n标题: &t 关于测试的通知\n附注: *t\n正文: 请执行。\n".encode())
    c.raw("alias-merge", ".yaml", "文种: 通知\nx: &b {附注: 甲}\n会议:\n  <<: *b\n".encode())
    c.raw("alias-merge-inline", ".yaml", "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n会议:\n  <<: {地点: 甲}\n".encode())
    c.raw("alias-undefined", ".yaml", "文种: 通知\n标题: *nope\n".encode())
    c.raw("alias-anchor-only", ".yaml", "文种: 通知\n标题: &t 关于测试的通知\n正文: 请执行。\n".encode(), ("关于测试的通知",))


def duplicates(c: Corpus) -> None:
    c.raw("dup-yaml", ".yaml", "文种: 通知\n标题: 甲\n标题: 乙\n正文: 请执行。\n".encode())
    c.raw("dup-yaml-alias", ".yaml", "文种: 通知\n标题: 甲\ntitle: 乙\n正文: 请执行。\n".encode())
    c.raw("dup-yaml-nested", ".yaml", "文种: 会议通知\n标题: 甲\n正文: 乙\n会议:\n  地点: 甲\n  地点: 乙\n".encode())
    c.raw("dup-json", ".json", '{"文种": "通知", "标题": "甲", "标题": "乙", "正文": "丙"}'.encode())
    c.raw("dup-json-alias", ".json", '{"文种": "通知", "标题": "甲", "title": "乙", "正文": "丙"}'.encode())
    c.raw("dup-json-nested", ".json", '{"文种": "会议通知", "标题": "甲", "正文": "乙", "会议": {"地点": "甲", "地点": "乙"}}'.encode())
    c.raw("dup-json-attachment", ".json", '{"文种": "通知", "标题": "甲", "正文": "乙", "附件": [{"名称": "甲", "名称": "乙", "正文": "丙"}]}'.encode())
    c.raw("dup-md", ".md", "---\n文种: 通知\n标题: 甲\n标题: 乙\n---\n正文\n".encode())
    c.raw("dup-md-body", ".md", "---\n文种: 通知\n标题: 甲\n正文: 乙\n---\n正文\n".encode())


def dates(c: Corpus) -> None:
    bad = ("0001-01-01", "1949-09-30", "9999-12-31", "2040-01-01", "2026-02-30", "2026年2月30日", "2026-13-01",
           "2026-11-12T10:00:00", "明天", "20261112", "2026-11-12 10:00")  # fmt: skip
    for keys, kind in DATE_KEYS.items():
        for text in bad:
            c.doc(f"date-{'.'.join(keys)}-{text}", with_key(TEMPLATES[kind], keys, text))
            c.raw(f"date-yaml-{'.'.join(keys)}-{text}", ".yaml", _yaml_with(TEMPLATES[kind], keys, text))
    for text in bad:
        c.doc(f"date-row-{text}", with_key(TEMPLATES["督查通报"], ("督查事项",), [{**ROW, "受理日期": text}]))
        c.doc(f"date-deadline-{text}", with_key(TEMPLATES["会议纪要"], ("议定事项",),
                                                [{"事项": "甲", "责任单位": "乙", "完成时限": text}]))  # fmt: skip


def _yaml_with(base: dict[str, object], keys: tuple[str, ...], text: str) -> bytes:
    """YAML with an unquoted date (so the YAML timestamp reader sees it)."""
    data = with_key(base, keys, "@@")
    out = json.dumps(data, ensure_ascii=False).replace('"@@"', text)
    return out.encode()


def yaml_oddities(c: Corpus) -> None:
    base = "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n"
    for label, line in (("float-abc", "附注: !!float abc"), ("binary", "附注: !!binary aGVsbG8="),
                        ("python", "附注: !!python/object:os.system ls"), ("custom-tag", "附注: !foo bar"),
                        ("set", "附注: !!set {a, b}"), ("omap", "附注: !!omap [a: 1]"), ("complex-key", "? [a, b]\n: c"),
                        ("int-tag", "附注: !!int 0x"), ("inf", "附注: .inf"), ("nan", "附注: .nan"),
                        ("null", "附注: null"), ("timestamp", "附注: 2026-11-12"), ("hex", "期号: 0x1F"),
                        ("yes", "印章: yes"), ("octal", "份号: 0o17")):  # fmt: skip
        c.raw(f"yaml-{label}", ".yaml", (base + line + "\n").encode())
    for label, data in (("two-docs", (base + "---\n文种: 请示\n").encode()), ("tabs", "文种: 通知\n标题:\n\t子: 1\n".encode()),
                        ("gbk", base.encode("gbk")), ("utf16", base.encode("utf-16")), ("bom", b"\xef\xbb\xbf" + base.encode()),
                        ("crlf", base.replace("\n", "\r\n").encode()), ("binary", bytes(range(256)) * 8),
                        ("empty", b""), ("blank", b"  \n\n"), ("comment", b"# only\n"), ("scalar", b"just text\n"),
                        ("list", b"- a\n- b\n"), ("nul-late", base.encode() + b"\x00" * 5000),
                        ("unclosed", b'{"a": [1, 2'), ("bad-indent", "文种: 通知\n  标题: x\n 正文: y\n".encode()),
                        ("raw-control", (base + "附注: 甲\x07乙\n").encode()), ("raw-ffff", (base + "附注: 甲\uffff乙\n").encode())):  # fmt: skip
        c.raw(f"yaml-file-{label}", ".yaml", data)
    c.raw("json-nan", ".json", '{"文种": "通知", "期号": NaN}'.encode())
    c.raw("json-infinity", ".json", '{"文种": "通知", "期号": -Infinity}'.encode())
    c.raw("json-list", ".json", b"[1, 2]")
    c.raw("json-truncated", ".json", '{"文种": "通知", "标题": "关于'.encode())
    c.raw("json-surrogate-key", ".json", '{"文种": "通知", "\\ud800": 1}'.encode())
    c.raw("md-no-front", ".md", "# 标题\n正文".encode())
    c.raw("md-unclosed", ".md", "---\n文种: 通知\n".encode())
    c.raw("wrong-suffix", ".txt", base.encode())
    for make in ("fifo", "zero", "dir", "loop"):
        c.special(f"file-{make}", ".yaml", make)


# ---- attachment and ledger files ---------------------------------------------------------------


def _pdf(active: bool = False, encrypt: bool = False, no_mediabox: bool = False, embedded: bool = False) -> bytes:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    page = w.pages[0]
    if active:
        link = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                                 NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(500), NumberObject(500)]),
                                 NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                                                     NameObject("/URI"): TextStringObject("http://evil.example/")})})  # fmt: skip
        page[NameObject("/Annots")] = ArrayObject([w._add_object(link)])
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})})
        w._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('open');")})
    if embedded:
        w.add_attachment("evil.exe", b"MZ payload")
    if no_mediabox:
        del page[NameObject("/MediaBox")]
    if encrypt:
        w.encrypt("secret")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def attachment_files(c: Corpus) -> None:
    folder = c.root / "附件"
    good = _pdf()
    files = {
        "empty.pdf": b"", "garbage.pdf": b"%PDF-1.7\n" + os.urandom(3000), "truncated.pdf": good[: len(good) // 2],
        "encrypted.pdf": _pdf(encrypt=True), "nomediabox.pdf": _pdf(no_mediabox=True), "notpdf.pdf": b"hello world",
        "empty.docx": b"", "garbage.docx": b"PK\x03\x04" + os.urandom(500),
    }  # fmt: skip
    for name, data in files.items():
        (folder / f"{PREFIX}{name}").write_bytes(data)
    os.mkfifo(folder / f"{PREFIX}fifo.pdf")
    (folder / f"{PREFIX}loop.pdf").symlink_to(f"{PREFIX}loop.pdf")
    (folder / f"{PREFIX}dir.pdf").mkdir()
    (folder / f"{PREFIX}outside.pdf").symlink_to("/etc/hostname")
    names = [f"附件/{PREFIX}{n}" for n in (*files, "fifo.pdf", "loop.pdf", "dir.pdf", "outside.pdf", "missing.pdf")]
    names += ["../escape.pdf", "/etc/passwd.pdf", "附件/a\x00b.pdf", "附件/" + "长" * 300 + ".pdf", "附件/x.exe",
              "C:\\Windows\\x.pdf", "附件/" + "d/" * 200 + "x.pdf"]  # fmt: skip
    for kind in ("通知", "请示"):
        for name in names:
            data = with_key(TEMPLATES[kind], ("附件",), [{"名称": "附件材料", "文件": name}])
            c.doc(f"att-{kind}-{Path(name).name[:20]}", data)
    for label, kw in (("active", {"active": True}), ("embedded", {"embedded": True})):
        (folder / f"{PREFIX}{label}.pdf").write_bytes(_pdf(**kw))
        data = with_key(TEMPLATES["通知"], ("附件",), [{"名称": "附件材料", "文件": f"附件/{PREFIX}{label}.pdf"}])
        c.doc(f"att-accepted-{label}", data, printed=("附件材料",))


def ledger_files(c: Corpus) -> None:
    folder = c.root / "附件"
    header = "单位,事项,受理日期,办理时限,状态\n"
    row = "综合执法局,欠薪,2026-11-02,2026-12-31,已办结\n"
    csvs = {
        "long-cell.csv": header + "综合执法局," + "字" * 70_000 + ",2026-11-02,2026-12-31,已办结\n",
        "huge-cell.csv": header + "综合执法局," + "字" * 200_000 + ",2026-11-02,2026-12-31,已办结\n",
        "many-rows.csv": header + row * 5000, "nul.csv": header + "综合\x00执法局,欠薪,2026-11-02,2026-12-31,已办结\n",
        "old-date.csv": header + "综合执法局,欠薪,0001-01-01,2026-12-31,已办结\n", "empty.csv": "",
        "control.csv": header + "综合\x07执法局,欠薪,2026-11-02,2026-12-31,已办结\n", "ok.csv": header + row,
        "emoji.csv": header + "综合执法局\U0001f600,欠薪,2026-11-02,2026-12-31,已办结\n", "no-header.csv": row,
        "wide.csv": header.rstrip("\n") + ",x" * 10_000 + "\n" + row,
    }  # fmt: skip
    for name, text in csvs.items():
        (folder / f"{PREFIX}{name}").write_text(text, encoding="utf-8")
    (folder / f"{PREFIX}gbk.csv").write_bytes((header + row).encode("gbk"))
    (folder / f"{PREFIX}long.xlsx").write_bytes(_xlsx([header.strip().split(","), ["单位", "字" * 70_000, "2026-11-02", "2026-12-31", "已办结"]]))
    (folder / f"{PREFIX}garbage.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(300))
    os.mkfifo(folder / f"{PREFIX}fifo.csv")
    (folder / f"{PREFIX}loop.csv").symlink_to(f"{PREFIX}loop.csv")
    names = [*csvs, "gbk.csv", "long.xlsx", "garbage.xlsx", "fifo.csv", "loop.csv", "missing.csv"]
    for name in names:
        c.doc(f"ledger-{name}", with_key(TEMPLATES["督查通报"], ("督查事项",), f"附件/{PREFIX}{name}"))


def build_corpus(root: Path) -> list[Case]:
    """Every hostile input, written under ``root``."""
    c = Corpus(root)
    for make in (wrong_types, odd_characters, sizes, nesting_and_aliases, duplicates, dates, yaml_oddities,
                 attachment_files, ledger_files):  # fmt: skip
        make(c)
    return c.cases


# ---- the test -----------------------------------------------------------------------------------


def squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def refusal_faults(case: Case, exc: FawenError) -> list[str]:
    """What is wrong with a refusal's message (empty: it is right)."""
    message = exc.message
    faults = []
    try:
        message.encode("utf-8")  # a lone surrogate in a message crashes the terminal that prints it
    except UnicodeEncodeError:
        faults.append("message cannot be printed")
    if not CJK.search(message):
        faults.append("message not Chinese")
    if case.path.name not in message:
        faults.append("file not named")
    for p in getattr(exc, "problems", []):
        if not (p.key or p.line is not None or p.problem.startswith(WHOLE_FILE)):
            faults.append(f"neither key nor line: {p.problem}")
    return faults


def escaped_files(roots: list[Path], own: Path) -> set[Path]:
    """Corpus-named files under ``roots`` (the temporary folder only at its top), outside ``own``."""
    found = set()
    for root in roots:
        shallow = root == Path(tempfile.gettempdir())
        for dirpath, dirnames, names in os.walk(root):
            dirnames[:] = [] if shallow else [d for d in dirnames if d not in (".git", ".venv", "node_modules")]
            found |= {Path(dirpath) / n for n in names + dirnames if n.startswith(PREFIX) or "escape" in n}
    return {f for f in found if not f.is_relative_to(own)}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[ws_store.Workspace, list[Case], Path]:
    root = tmp_path_factory.mktemp("hostile")
    ws_store.init(root / "ws")
    fonts.coverage()  # the coverage cache is built once, before anything is watched
    return ws_store.load(root / "ws"), build_corpus(root / "corpus"), root


def test_hostile_corpus_is_refused_in_chinese_or_printed_literally(hostile, monkeypatch):
    workspace, cases, root = hostile
    assert len(cases) >= 1000, len(cases)
    monkeypatch.chdir(root)
    repo = Path(__file__).resolve().parents[1]
    watched = [repo, Path.home() / ".cache", Path(tempfile.gettempdir())]
    before = escaped_files(watched, root)
    tracebacks, faults, accepted = [], [], []
    for case in cases:
        try:
            req = run.read_request(case.path, workspace, TODAY)
        except FawenError as exc:
            faults += [f"{case.path.name}: {f}" for f in refusal_faults(case, exc)]
            continue
        except Exception as exc:  # noqa: BLE001 — the point: nothing but FawenError may escape
            tracebacks.append(f"{case.path.name}: {type(exc).__name__}: {exc}"[:300])
            continue
        accepted.append((case, req))
    assert not tracebacks, "\n".join(tracebacks[:20])
    assert not faults, "\n".join(faults[:20])
    refused = len(cases) - len(accepted)
    assert refused >= 900 and 40 <= len(accepted), (refused, len(accepted))
    rendered = render_sample(workspace, accepted, root / "out")
    assert len(rendered) >= min(RENDER_SAMPLE, len(accepted))
    assert escaped_files(watched, root) - before == set()


def render_sample(workspace: ws_store.Workspace, accepted: list[tuple[Case, object]], out: Path) -> list[Path]:
    """Render the accepted inputs that carry printed texts, then others up to the sample size;
    every printed text must be extractable from the PDF as itself."""
    chosen = [c for c, _ in accepted if c.printed]
    rest = [c for c, _ in accepted if not c.printed]
    step = max(1, len(rest) // max(1, RENDER_SAMPLE - len(chosen)))
    chosen += rest[::step][: max(0, RENDER_SAMPLE - len(chosen))]
    done = []
    for case in chosen:
        outcome = run.render_file(case.path, workspace, out, TODAY)
        assert outcome.ok, outcome.message
        docx, pdf = outcome.outputs
        assert pdf.resolve().is_relative_to(out.resolve()) and docx.resolve().is_relative_to(out.resolve())
        reader = PdfReader(pdf)
        text = squeeze("".join(page.extract_text() for page in reader.pages))
        for printed in case.printed:
            assert squeeze(printed) in text, (case.path.name, printed)
        assert_no_active_content(reader, pdf.read_bytes())
        done.append(pdf)
    return done


def assert_no_active_content(reader: PdfReader, data: bytes) -> None:
    """No action, script, link or embedded file anywhere: in the catalog, the pages, their
    annotations, or any object's dictionary (names are followed by a delimiter; a compressed
    font stream may hold the same letters by chance)."""
    active = re.compile(rb"/(JavaScript|JS|URI|OpenAction|EmbeddedFiles?|Launch)[\s/<>\[\]()]")
    found = active.search(data)
    assert found is None, data[max(0, found.start() - 60) : found.end() + 60]
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root and "/Names" not in root
    for page in reader.pages:
        assert "/AA" not in page
        for annot in page.get("/Annots") or []:
            assert "/A" not in annot.get_object() and "/AA" not in annot.get_object()


def test_an_attached_pdf_loses_its_links_and_scripts(hostile):
    """The active-content PDF itself carries what must be stripped (so the check above can fail)."""
    _workspace, _cases, root = hostile
    data = (root / "corpus" / "附件" / f"{PREFIX}active.pdf").read_bytes()
    assert b"/JavaScript" in data and b"/URI" in data
    with pytest.raises(AssertionError):
        assert_no_active_content(PdfReader(io.BytesIO(data)), data)


def test_corpus_covers_every_optional_key_of_every_kind(hostile):
    _workspace, cases, _root = hostile
    names = {c.path.name for c in cases}
    for kind in TEMPLATES:
        for key in schema.COMMON_KEYS | schema.KIND_KEYS[kind]:
            assert any(f"-type-{kind}-{key}-" in n for n in names), (kind, key)
    assert zipfile.is_zipfile(io.BytesIO(_xlsx([["a"]])))


def test_the_title_breaker_stays_linear_on_a_wall_of_text():
    """Validation refuses such a title; the breaker must not hang when called with one anyway."""
    import time

    from pipeline.stages.compose import break_title

    break_title("关于做好冬季安全生产工作的通知")  # the word segmenter's dictionary loaded first
    start = time.process_time()  # CPU time: a busy machine's waits are not the breaker's
    lines = break_title("关于做好冬季安全生产工作的通知" * 1400)  # 21 000 characters
    assert time.process_time() - start < 2.0  # about 0.1 s; a quadratic breaker takes minutes
    assert "".join(lines) == "关于做好冬季安全生产工作的通知" * 1400
