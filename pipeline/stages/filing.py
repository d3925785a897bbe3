"""Step 10: a rendered, stamped document -> FilingPlan: where it goes in the archive tree (DA/T
22-2015: 年度 / 保管期限 / 机构问题, one folder per 件 named by its 档号 and a short title, one
sub-folder per version), the file names, the metadata record and the manifest. Pure: hashing
bytes needs no disk."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.model import FilingPlan

RETENTION_CN = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
ARCHIVE_CODE_RE = re.compile(r"^(?P<fonds>[A-Za-z0-9]+)-(?P<cat>[A-Z]{2})·(?P<year>\d{4})[-·](?P<ret>Y|D30|D10)"
                             r"(?:[-·](?P<prob>[A-Za-z0-9]+))?-(?P<item>\d{4})$")  # fmt: skip
_WINDOWS_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
NAME_LIMIT = 60  # characters of a folder name: Windows paths stay well under 260


def archive_code(fonds: str, year: int, retention: str, problem: str, item: int, profile: str = "DA/T 22-2015") -> str:
    """档号: F071-WS·2026-Y-XF-0007 (DA/T 22-2015) or F071-WS·2026·Y·XF-0007 (DA/T 13-2022)."""
    sep = "·" if "13" in profile else "-"
    middle = sep.join(p for p in (str(year), retention, problem) if p)
    return f"{fonds}-WS·{middle}-{item:04d}"


def safe_name(text: str, limit: int = NAME_LIMIT) -> str:
    """A file or folder name that works on Windows: NFC, no reserved characters, length-limited.
    Never NFKC: that would fold the full-width punctuation of titles and numbers."""
    text = unicodedata.normalize("NFC", text)
    text = _WINDOWS_FORBIDDEN.sub("_", text).strip(" .")
    return text[:limit].rstrip(" .") or "_"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sm3(data: bytes) -> str | None:
    """SM3 (GB/T 32905) where the platform's OpenSSL offers it."""
    try:
        return hashlib.new("sm3", data).hexdigest()
    except ValueError:
        return None


@dataclass(frozen=True)
class Component:
    role: str  # 正本 / 归档件 / 可编辑 / 输入
    name: str
    mime: str
    data: bytes


def manifest(files: dict[str, bytes]) -> bytes:
    """BagIt-style: one ``<sha256>  <name>`` line per file, sorted."""
    return "".join(f"{sha256(data)}  {name}\n" for name, data in sorted(files.items())).encode("utf-8")


def plan(class_path: tuple[str, ...], entry: str, version: int, components: list[Component],
         record: dict[str, object]) -> FilingPlan:  # fmt: skip
    """Files of one version: the components, the metadata record listing their digests, the manifest."""
    files = {c.name: c.data for c in components}
    record = dict(record)
    record["组件"] = [
        {"角色": c.role, "文件": c.name, "大小": len(c.data), "类型": c.mime, "SHA256": sha256(c.data),
         **({"SM3": d} if (d := sm3(c.data)) else {})}
        for c in components
    ]  # fmt: skip
    files[METADATA] = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
    files[MANIFEST] = manifest(files)
    return FilingPlan(class_path, entry, version, files)


def parse_manifest(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            out[name] = digest
    return out
