"""Step 12: the 四性 checks of one filed version, from its bytes alone (DA/T 70-2018 as the
pipeline can run them): digests, completeness against the manifest, metadata well-formed,
page counts, every file opening."""

from __future__ import annotations

import io
import json
import re
import zipfile

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.dat22 import ARCHIVE_CODE_RE
from pipeline.dat22 import parse_manifest
from pipeline.dat22 import sha256

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_version(files: dict[str, bytes], version_dir: str) -> tuple[list[str], dict[str, object]]:
    """Problems found (Chinese, one per line) and the metadata record when it could be read."""
    problems: list[str] = []
    if MANIFEST not in files:
        return ["缺少清单文件 " + MANIFEST], {}
    listed = parse_manifest(files[MANIFEST].decode("utf-8", "replace"))
    for name, digest in listed.items():
        if name not in files:
            problems.append(f"缺少文件：{name}")
        elif sha256(files[name]) != digest:
            problems.append(f"文件被改动（摘要不符）：{name}")
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
        for component in record.get("组件", []) or []:  # type: ignore[union-attr]
            name = component.get("文件")
            if name in files and sha256(files[name]) != component.get("SHA256"):
                problems.append(f"元数据中的摘要与文件不符：{name}")
    for name, data in files.items():
        if name.endswith(".pdf"):
            try:
                pages = len(PdfReader(io.BytesIO(data)).pages)
            except (PdfReadError, ValueError, KeyError) as exc:
                problems.append(f"PDF 无法打开：{name}（{exc}）")
                continue
            if record and name in ("正本.pdf", "归档.pdf") and pages != record.get("页数"):
                problems.append(f"页数不符：{name} 有 {pages} 页，元数据记 {record.get('页数')} 页")
        elif name.endswith(".docx"):
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    if "word/document.xml" not in z.namelist():
                        problems.append(f"DOCX 不完整：{name}")
            except zipfile.BadZipFile:
                problems.append(f"DOCX 无法打开：{name}")
    return problems, record


def _page_facts(pdf: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Per page: the extracted text and the faces it is drawn in (subset tags dropped)."""
    facts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}) if "/Resources" in page else {}
        names = sorted({str(f.get_object().get("/BaseFont", "")).split("+", 1)[-1] for f in fonts.values()})
        facts.append((page.extract_text(), tuple(names)))
    return facts


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
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"存档「{a[max(0, i - 8):i + 12].strip()}」，重新生成「{b[max(0, i - 8):i + 12].strip()}」"
