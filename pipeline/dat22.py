"""DA/T 22-2015 归档文件整理规则 and the fixity rules of the archive, as plain functions: the
档号 form, safe folder names, digests and the BagIt-style manifest. One source for filing,
verification and the tests."""

from __future__ import annotations

import hashlib
import re
import unicodedata

RETENTION_CN = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
ARCHIVE_CODE_RE = re.compile(r"^(?P<fonds>[A-Za-z0-9]+)-(?P<cat>[A-Z]{2})·(?P<year>\d{4})[-·](?P<ret>Y|D30|D10)"
                             r"(?:[-·](?P<prob>[A-Za-z0-9]+))?-(?P<item>\d{4})$")  # fmt: skip
_WINDOWS_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
NAME_LIMIT = 60  # characters of a folder name: Windows paths stay well under 260


def archive_code(fonds: str, year: int, retention: str, problem: str, item: int, profile: str = "DA/T 22-2015") -> str:
    """档号: F071-WS·2026-Y-XF-0007 (DA/T 22-2015) or F071-WS·2026·Y·XF-0007 (DA/T 13-2022)."""
    sep = "·" if profile.replace(" ", "").startswith("DA/T13") else "-"
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


def manifest(files: dict[str, bytes]) -> bytes:
    """BagIt-style: one ``<sha256>  <name>`` line per file, sorted."""
    return "".join(f"{sha256(data)}  {name}\n" for name, data in sorted(files.items())).encode("utf-8")


def parse_manifest(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            out[name] = digest
    return out


def content_digest(input_data: bytes, files: dict[str, bytes]) -> str:
    """The digest of everything a version is made from: the input and every file it names
    (台账, 附件), by the names it uses. A change to any of them is a new version."""
    if not files:  # the input alone: the digest fawen 0.1 recorded, so its duplicates are still found
        return sha256(input_data)
    parts = [f"输入\0{sha256(input_data)}"] + [f"{name}\0{sha256(data)}" for name, data in sorted(files.items())]
    return sha256("\n".join(parts).encode("utf-8"))
