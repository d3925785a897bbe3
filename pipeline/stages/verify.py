"""Step 12: the 四性 checks of one filed version, from its bytes alone (DA/T 70-2018 as the
pipeline can run them): digests, completeness against the manifest, metadata well-formed,
page counts, every file opening."""

from __future__ import annotations

import codecs
import io
import json
import re
import zipfile
from typing import Any
from typing import cast
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject
from pypdf.generic import NumberObject

from pipeline.dat22 import ARCHIVE_CODE_RE
from pipeline.dat22 import parse_manifest
from pipeline.dat22 import safe_name
from pipeline.dat22 import sha256
from pipeline.model import DISPATCH_FORM
from pipeline.model import DISPATCH_FORM_ROLE
from pipeline.model import MANIFEST
from pipeline.model import METADATA

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def altered(name: str) -> str:
    """The finding on a file of a version whose bytes are not those its manifest lists."""
    return f"文件被改动（摘要不符）：{name}"


def check_version(files: dict[str, bytes], version_dir: str) -> tuple[list[str], dict[str, object]]:
    """Problems found (Chinese, one per line) and the metadata record when it could be read."""
    problems: list[str] = []
    if MANIFEST not in files:
        return ["缺少清单文件 " + MANIFEST], {}
    listed = parse_manifest(files[MANIFEST].decode("utf-8", "replace"))
    digests = {name: sha256(data) for name, data in files.items()}  # once per file: hashing is most of the work
    for name, digest in listed.items():
        if name not in files:
            problems.append(f"缺少文件：{name}")
        elif digests[name] != digest:
            problems.append(altered(name))
    for name in files:
        if name != MANIFEST and name not in listed:
            problems.append(f"多出的文件：{name}")
    record: dict[str, object] = {}
    if METADATA in files:
        try:
            record = json.loads(files[METADATA].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problems.append("元数据无法读取")
    if record:
        code = str(record.get("档号", ""))
        if not ARCHIVE_CODE_RE.match(code):
            problems.append(f"档号格式不对：{code}")
        if f"v{record.get('版本')}" != version_dir:
            problems.append(f"版本号与目录不符：{record.get('版本')} / {version_dir}")
        if str(record.get("保管期限")) not in ("Y", "D30", "D10"):
            problems.append(f"保管期限代码不对：{record.get('保管期限')}")
        date = str(record.get("成文日期", ""))
        if date and not DATE_RE.match(date):
            problems.append(f"成文日期格式不对：{date}")
        components = record.get("组件", []) or []
        for component in components if isinstance(components, list) else []:
            name = component.get("文件")
            if name in files and digests[name] != component.get("SHA256"):
                problems.append(f"元数据中的摘要与文件不符：{name}")
    for name, data in files.items():
        if name.endswith(".pdf"):
            problems += _pdf_problems(name, data, record)
        elif name.endswith(".docx"):
            problems += _docx_problems(name, data, record)
    return problems, record


def _pdf_problems(name: str, data: bytes, record: dict[str, object]) -> list[str]:
    """A PDF opens; the two copies also have the recorded page count (the page tree's /Count, as
    viewers read it: walking every page would halve verify's speed) and carry the record inside;
    so does the 发文稿纸, on its one page."""
    try:
        pages, info = _pdf_facts(data, name in STATES)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        return [f"PDF 无法打开：{name}（{exc}）"]
    if not record or name not in STATES:
        return []
    if name in COPIES:
        found = (
            [] if pages == record.get("页数") else [f"页数不符：{name} 有 {pages} 页，元数据记 {record.get('页数')} 页"]
        )
    else:
        found = [] if pages == 1 else [f"页数不符：{name} 有 {pages} 页，发文稿纸只有 1 页"]
    return found + _embedded(name, {k: str(info.get(k, "")) for k in PDF_KEYS}, _expected_pdf(record, name))


COPIES = {"正本.pdf": "正本", "归档.pdf": "归档件"}  # the PDFs that carry the version's metadata, and their 稿本
STATES = {**COPIES, DISPATCH_FORM: DISPATCH_FORM_ROLE}  # and the 发文稿纸, which carries it too
PDF_KEYS = ("/Title", "/Subject", "/FawenArchiveCode", "/FawenVersion", "/FawenInputSHA256", "/FawenState")
FIELD_CN = {"/Title": "题名", "/Subject": "文号", "/FawenArchiveCode": "档号", "/FawenVersion": "版本",
            "/FawenInputSHA256": "内容摘要", "/FawenState": "稿本", "title": "题名", "subject": "文号",
            "identifier": "档号", "version": "版本", "description": "内容摘要"}  # fmt: skip


_LITERAL = re.compile(rb"/(\w+)\s*\(((?:\\.|[^\\()])*)\)", re.S)
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_OTHER_ESCAPE = re.compile(rb"\\[^0-7\\]|\\$")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"\n": b""}


def _pdf_facts(data: bytes, with_info: bool) -> tuple[int, dict[str, str]]:
    """Page count and document information. Strict first: it trusts the cross-reference offsets, which
    fawen's own files have right, and is three times faster; a file it refuses is read again the
    forgiving way, so only a file that cannot be read at all is reported."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        return _page_count(reader), _info(reader, data) if with_info else {}
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        reader = PdfReader(io.BytesIO(data))
        return _page_count(reader), _info(reader, data) if with_info else {}


def _page_count(reader: PdfReader) -> int:
    """/Root /Pages /Count of the trailer. pypdf resolves each lookup but types it a bare PdfObject."""
    root = cast(DictionaryObject, reader.trailer["/Root"])
    pages = cast(DictionaryObject, root["/Pages"])
    return int(cast(NumberObject, pages["/Count"]))


def _info(reader: PdfReader, data: bytes) -> dict[str, str]:
    """The document information dictionary. Read straight from its object when it is a plain one
    of literal strings, as fawen writes it (pypdf reads strings a byte at a time: that alone would
    halve verify's speed); otherwise, or when a key is missing, the general (slow) way."""
    try:
        ref = reader.trailer.raw_get("/Info")
        start = reader.xref[ref.generation][ref.idnum]
        raw = data[start : data.index(b"endobj", start)]
        found = {f"/{k.decode('ascii')}": _literal(v) for k, v in _LITERAL.findall(raw)}
        if set(PDF_KEYS) <= found.keys():
            return found
    except (AttributeError, KeyError, TypeError, ValueError, UnicodeDecodeError):
        pass
    return {k: str(v) for k, v in (reader.metadata or {}).items()}


def _literal(raw: bytes) -> str:
    """A PDF literal string: escapes undone, UTF-16BE with its BOM or PDFDocEncoding (Latin-1 for
    the characters compared here)."""
    try:  # only octal escapes and \\ (how pypdf writes every non-ASCII byte): Python's decoder agrees, in C
        text = codecs.escape_decode(raw)[0] if not _OTHER_ESCAPE.search(raw) else b""
    except ValueError:
        text = b""
    if not text and raw:
        text = _ESCAPE.sub(
            lambda m: bytes([int(m[1], 8) & 0xFF]) if m[1][:1].isdigit() else _ESCAPED.get(m[1], m[1]), raw
        )
    return text[2:].decode("utf-16-be") if text.startswith(b"\xfe\xff") else text.decode("latin-1")


def _digest_of(record: dict[str, object]) -> str:
    """The digest the files carry: of everything the version was made from (fawen 0.1: the input)."""
    return str(record.get("内容SHA256") or record.get("输入SHA256") or "")


def _expected_pdf(record: dict[str, object], name: str) -> dict[str, str]:
    return {"/Title": str(record.get("题名", "")), "/Subject": str(record.get("文号", "")),
            "/FawenArchiveCode": str(record.get("档号", "")), "/FawenVersion": str(record.get("版本", "")),
            "/FawenInputSHA256": _digest_of(record), "/FawenState": STATES[name]}  # fmt: skip


def _embedded(name: str, found: dict[str, str], expected: dict[str, str]) -> list[str]:
    """What a file says about itself against the record: a file swapped in from another 件 or
    version, or a record edited after filing, shows here even when every digest was redone."""
    return [f"{name} 内嵌的{FIELD_CN[k]}「{found.get(k, '')}」与元数据「{v}」不符" for k, v in expected.items()
            if found.get(k, "") != v]  # fmt: skip


def _docx_problems(name: str, data: bytes, record: dict[str, object]) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                return [f"DOCX 不完整：{name}"]
            core = z.read("docProps/core.xml") if "docProps/core.xml" in z.namelist() else b""
    except (zipfile.BadZipFile, OSError, ValueError):
        return [f"DOCX 无法打开：{name}"]
    if not record or name != "公文.docx":
        return []
    try:
        props = {el.tag.rsplit("}", 1)[-1]: el.text or "" for el in ElementTree.fromstring(core)} if core else {}
    except ElementTree.ParseError:
        return [f"DOCX 的文档属性无法读取：{name}"]
    expected = {"title": str(record.get("题名", "")), "subject": str(record.get("文号", "")),
                "identifier": str(record.get("档号", "")), "version": str(record.get("版本", ""))}  # fmt: skip
    found = _embedded(name, props, expected)
    if _digest_of(record) not in props.get("description", ""):
        found.append(f"{name} 内嵌的内容摘要与元数据「{_digest_of(record)}」不符")
    return found


def _page_facts(pdf: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Per page: the extracted text and the faces it is drawn in (subset tags dropped)."""
    facts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}) if "/Resources" in page else {}
        # fawen draws with embedded faces only: an unembedded one in a file filed before the copies
        # were PDF/A is reportlab's idle initial font (Helvetica), which drew nothing
        drawn = [f for f in (ref.get_object() for ref in fonts.values()) if _described(f)]
        names = sorted({str(f.get("/BaseFont", "")).split("+", 1)[-1] for f in drawn})
        facts.append((page.extract_text(), tuple(names)))
    return facts


def _described(font: Any) -> bool:
    """A font that carries (or, for a composite or Type 3 font, leads to) its own description."""
    return "/FontDescriptor" in font or "/DescendantFonts" in font or font.get("/Subtype") == "/Type3"


def compare_renderings(archived: bytes, rebuilt: bytes) -> list[str]:
    """What differs between the archived 正本 and the same input rendered again today: page
    count, the text of each page, the faces each page is drawn in."""
    old, new = _page_facts(archived), _page_facts(rebuilt)
    found = []
    if len(old) != len(new):
        found.append(f"页数不同：存档 {len(old)} 页，重新生成 {len(new)} 页")
    for n, ((old_text, old_fonts), (new_text, new_fonts)) in enumerate(zip(old, new, strict=False), 1):
        if old_text != new_text:
            found.append(f"第 {n} 页文字不同：{_first_difference(old_text, new_text)}")
        if old_fonts != new_fonts:
            found.append(f"第 {n} 页字体不同：存档 {'、'.join(old_fonts)}；重新生成 {'、'.join(new_fonts)}")
    return found


def _first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"存档「{a[max(0, i - 8) : i + 12].strip()}」，重新生成「{b[max(0, i - 8) : i + 12].strip()}」"


# ---- the archive as a whole: layout, register, registry, index (plain data in, findings out) ----

Findings = dict[str, list[str]]  # the file, folder or 件 named -> what is wrong with it
INDEX_LABELS = (
    "档号",
    "文号",
    "题名",
    "文种",
    "年度",
    "保管期限",
    "机构问题",
    "件号",
    "路径",
    "版本",
    "成文日期",
    "责任者",
    "页数",
)


def add(found: Findings, name: str, problems: list[str]) -> None:
    if problems:
        found.setdefault(name, []).extend(problems)


def entry_place(rel_entry: str, records: dict[int, dict[str, object]]) -> list[str]:
    """A 件 folder against its records: it must be ``<年度>/<保管期限>/<机构问题>/<档号> <题名>`` as
    the first version records it, and every version must be the same 件."""
    first_version = min(records)
    first = records[first_version]
    code = str(first.get("档号", ""))
    where = "/".join(
        p for p in (str(first.get("年度", "")), str(first.get("保管期限", "")), str(first.get("机构问题", ""))) if p
    )
    found_content = first.get("内容")
    content: dict[str, object] = found_content if isinstance(found_content, dict) else {}
    titles = {str(t) for t in (first.get("题名"), content.get("标题")) if t}
    names = sorted({safe_name(f"{code} {safe_name(t, 30)}") for t in titles})
    parent, _, name = rel_entry.rpartition("/")
    found = []
    if parent != where:
        found.append(
            f"件的位置不对：元数据记为 {where}/（年度/保管期限/机构问题），实际在 {parent or '档案根目录'}/（被移动）"
        )
    if name not in names:
        found.append(f"件夹名称不对：应为「{names[0] if names else code}」（被改名）")
    for version, record in sorted(records.items()):
        if record.get("档号") != code or record.get("标识") != first.get("标识"):
            found.append(
                f"v{version} 的档号或标识（{record.get('档号')}）与 v{first_version}（{code}）不同：混入了另一件的文件"
            )
    return found


def missing_versions(present: set[int], known: int) -> list[str]:
    """Versions run v1…vN without a gap; N is at least what the register and the index know."""
    top = max(present | {known})
    gone = [v for v in range(1, top + 1) if v not in present]
    return [f"缺少版本：{'、'.join(f'v{v}' for v in gone)}（已归档，但不见了或没有元数据）"] if gone else []


def duplicates(held: dict[str, list[str]], what: str) -> Findings:
    """The same 件 (by 标识 or 档号) in more than one folder: a copied or swapped folder."""
    found: Findings = {}
    for key, folders in held.items():
        if len(folders) > 1:
            for folder in folders:
                others = "、".join(f for f in folders if f != folder)
                add(found, folder, [f"与 {others} 是同一{what}（{key}）：件夹被复制或调换"])
    return found


def register_findings(entries: list[dict[str, object]], versions: dict[str, tuple[dict[str, object], str]],
                      logs: dict[str, list[tuple[object, object]]]) -> Findings:  # fmt: skip
    """The register against the tree: every version it records is there with the manifest it had
    when filed, every version there is recorded once, and so is every 处置记录 line."""
    found: Findings = {}
    seen: dict[str, int] = {}
    lines: dict[tuple[str, object], tuple[int, object]] = {}
    for n, e in enumerate(entries, 1):
        path = str(e.get("路径", ""))
        if "清单SHA256" in e:
            if path in seen:
                add(found, path, [f"归档登记簿第 {n} 条与第 {seen[path]} 条记的是同一版本"])
            seen[path] = n
            add(found, path or f"归档登记簿第 {n} 条", _against_version(n, e, versions.get(path)))
        elif "处置摘要" in e:
            lines[(path, e.get("处置序号"))] = (n, e.get("处置摘要"))
    for path in sorted(versions.keys() - seen.keys()):
        add(found, path, ["归档登记簿中没有这一版本（未经归档放入，或登记簿被删改）"])
    for path, events in logs.items():
        for seq, digest in events:
            n, recorded = lines.pop((path, seq), (0, None))
            if recorded != digest:
                add(
                    found,
                    path,
                    [f"处置记录第 {seq} 行" + (f"与归档登记簿第 {n} 条记下的摘要不符" if n else "不在归档登记簿中")],
                )
    for (path, seq), (n, _d) in sorted(lines.items(), key=lambda kv: kv[1][0]):
        add(found, path, [f"归档登记簿第 {n} 条记有处置记录第 {seq} 行，处置记录中没有这一行（被删除或截断）"])
    return found


def _against_version(n: int, entry: dict[str, object], held: tuple[dict[str, object], str] | None) -> list[str]:
    if held is None:
        return [
            f"归档登记簿第 {n} 条记有 {entry.get('档号')} 第{entry.get('版本')}版，档案中没有这一版本（被删除、移动或改名）"
        ]
    record, manifest = held
    found = []
    if manifest != entry.get("清单SHA256"):
        found.append(f"清单与归档登记簿第 {n} 条记下的不符：归档后文件或元数据被改动（摘要和清单即使随之改过也查得出）")
    if (record.get("档号"), str(record.get("版本")), record.get("标识")) != (
        entry.get("档号"),
        str(entry.get("版本")),
        entry.get("标识"),
    ):
        found.append(
            f"元数据的档号、版本或标识与归档登记簿第 {n} 条（{entry.get('档号')} 第{entry.get('版本')}版）不符"
        )
    return found


_ITEM_STATUS = {"reserved": "预留中", "skipped": "已跳过", "voided": "已作废"}


def registry_findings(items: list[tuple[str, int, str, str]], held: dict[str, tuple[str, int, str]]) -> Findings:
    """Every 件号 the number registry issued names a 件 in the tree, in its class, under that 件号;
    and no 件 in the tree holds a 件号 the registry records as not used. ``items``: (class,
    件号, status, identity) of each 件号 row; ``held``: identity -> (class, 件号, folder). A 件号
    with no row at all is let be: registries older than 件号 registration have none."""
    found: Findings = {}
    status_of: dict[tuple[str, int], str] = {}
    for series, seq, status, identity in items:
        status_of[(series, seq)] = status
        if status != "issued" or not identity:
            continue
        label = f"{series}-{seq:04d}"
        if identity not in held:
            add(found, label, [f"编号登记簿记有这一件已归档（{identity}），档案中找不到（被删除、移走或改名）"])
        elif held[identity][:2] != (series, seq):
            add(found, held[identity][2], [f"类别或件号与编号登记簿（{label}）不符"])
    for series, seq, folder in held.values():
        recorded = status_of.get((series, seq), "")
        if recorded in _ITEM_STATUS:
            add(
                found,
                folder,
                [f"编号登记簿把件号 {series}-{seq:04d} 记为「{_ITEM_STATUS[recorded]}」，而档案中这一件用着它"],
            )
    return found


_NUMBERED = {"文号": "发文字号", "期号": "期号"}  # a 件's identity prefix -> the registry's kind of number


def number_findings(rows: list[tuple[str, str, str, str]], held: dict[str, tuple[str, int, str]]) -> Findings:
    """Every 发文字号 and 期号 the registry records as used names a 件 in the tree, and every 件
    in the tree that bears one is recorded as using it: a row deleted or changed would let the
    next filing issue the number again. ``rows``: (kind, number as printed, status, identity) of
    each 发文字号 and 期号 row; ``held``: identity -> (class, 件号, folder)."""
    found: Findings = {}
    recorded: dict[str, list[tuple[str, str, str]]] = {}
    for kind, label, status, identity in rows:
        if identity:
            recorded.setdefault(identity, []).append((kind, label, status))
        if status != "issued":
            continue
        if not identity:
            add(found, label, [f"编号登记簿记有 {label} 已使用，却没有记下用在哪一件上（登记簿被改动）"])
        elif identity not in held:
            add(
                found, label, [f"编号登记簿记有 {label} 已使用（{identity}），档案中找不到这一件（被删除、移走或改名）"]
            )
    for identity, (_class, _item, folder) in held.items():
        rows_of = recorded.get(identity, [])
        # a withdrawn or voided 件 stays in the tree with its number voided (a recorded event)
        if any(status in ("issued", "voided") for _kind, _label, status in rows_of):
            continue
        if rows_of:
            kind, label, status = rows_of[-1]
            said = _ITEM_STATUS.get(status, status)
            add(found, folder, [f"编号登记簿把{kind} {label} 记为「{said}」，而档案中这一件用着它（登记簿被改动）"])
        elif identity.split(":", 1)[0] in _NUMBERED:  # a 件 known by its number has a row for it
            kind = _NUMBERED[identity.split(":", 1)[0]]
            add(found, folder, [f"编号登记簿中没有这一件的{kind}（{identity.split(':', 1)[1]}）：登记簿被改动，"
                                f"此号可能被再次发出"])  # fmt: skip
    return found


def index_findings(actual: tuple[dict, dict], expected: tuple[dict, dict], where: dict[str, str],  # type: ignore[type-arg]
                   records_altered: set[str]) -> list[str]:  # fmt: skip
    """The index against the tree (it is a cache: ``fawen archive reindex`` rebuilds it). Where a
    件's 元数据.json was altered (``records_altered``: identities) the index still holds what was
    filed: that difference is the 元数据's, and rebuilding the index would adopt the altered values."""
    found = []
    for identity, values in expected[0].items():
        row = actual[0].get(identity)
        if row is None:
            found.append(f"索引中缺少 {where.get(identity, identity)}")
        elif tuple(row) != tuple(values):
            wrong = [
                f"{label}「{a}」≠「{b}」" for label, a, b in zip(INDEX_LABELS, row, values, strict=False) if a != b
            ]
            found.append(f"索引中 {where.get(identity, identity)} 的{'，'.join(wrong)}（索引被改动）")
    found += [
        f"索引中有档案里没有的件：{actual[0][i][0]}（{i}）" for i in sorted(actual[0].keys() - expected[0].keys())
    ]
    for key, values in expected[1].items():
        if tuple(actual[1].get(key, ())) != tuple(values):
            found.append(f"索引中 {where.get(key[0], key[0])} 第{key[1]}版的记录缺失或被改动")
    found += [f"索引中有档案里没有的版本：{k[0]} 第{k[1]}版" for k in sorted(actual[1].keys() - expected[1].keys())]
    told = {where.get(i, i) for i in records_altered}
    return [_index_advice(f, told) for f in found]


def _index_advice(finding: str, told: set[str]) -> str:
    for folder in told:
        if f"索引中 {folder} " in finding:
            return (finding.replace("（索引被改动）", "").replace("缺失或被改动", "与元数据不符")
                    + f"：索引记的是归档时的值，是 {folder} 的元数据.json 被改动了（见该版本的问题）；"
                    "不要重建索引，重建会采用改动后的值")  # fmt: skip
    return f"{finding}（可运行 fawen archive reindex 重建）"


def stray_folders(dirs: list[str], files: dict[str, bytes]) -> list[str]:
    """Sub-folders of a version that hold no file of it (源文件/附件 holds the files an input names)."""
    return [f"多出的文件夹：{d}" for d in dirs if not any(name.startswith(d + "/") for name in files)]


def class_gaps(items: dict[tuple[str, ...], list[int]]) -> Findings:
    """件号 run 1…N in each class (DA/T 22: no gaps)."""
    found: Findings = {}
    for key, numbers in sorted(items.items()):
        numbers.sort()
        expected = list(range(1, len(numbers) + 1))
        if numbers != expected:
            missing = sorted(set(expected) - set(numbers))
            add(
                found,
                "/".join(key),
                [f"件号不连续：缺 {', '.join(f'{n:04d}' for n in missing) or '—'}，现有 {numbers}"],
            )
    return found
