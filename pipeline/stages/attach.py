"""Step 8: typeset PDF + attachment files -> one PDF (pypdf).

Each page of an attachment file is laid under a page the typesetter reserved for it, which
already carries the continuing page number; a page of another size is scaled to fit A4.
Attachment files come from anyone who can write to the inbox: they are checked when the input
is validated (``pdf_problem``), and only their page content is merged: annotations (links,
actions, form fields, attached files) are left behind, and the document-level parts that
could carry JavaScript, an OpenAction or embedded files are never copied.
"""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf import Transformation
from pypdf.generic import NameObject

A4_W, A4_H = 595.2756, 841.8898
MAX_PAGES = 500
# Page-level entries that act or carry content of their own: links and other annotations,
# page open/close actions.
ACTIVE_PAGE_KEYS = ("/Annots", "/AA")


def _read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data), strict=False)


def pdf_problem(data: bytes) -> str | None:
    """Why a PDF cannot be appended to a 公文, said in Chinese; None when it can."""
    if not data:
        return "是空文件（0 字节）"
    if b"%PDF" not in data[:1024]:
        return "不是 PDF 文件（缺少 %PDF 文件头）"
    try:
        reader = _read(data)
        if reader.is_encrypted:
            return "已加密（设有打开密码或权限密码），无法附在正文后"
        pages = reader.pages
        if len(pages) == 0:
            return "没有页面"
        if len(pages) > MAX_PAGES:
            return f"页数过多（{len(pages)} 页）"
        for number, page in enumerate(pages, 1):
            if "/MediaBox" not in page:
                return f"第 {number} 页没有页面尺寸（/MediaBox）"
            box = page.mediabox
            if not (float(box.width) > 0 and float(box.height) > 0):
                return f"第 {number} 页的页面尺寸无效"
            page.get_contents()
    except MemoryError:
        raise  # over the watcher's memory budget: not a damaged file, and the worker must be replaced
    except Exception:  # noqa: BLE001 — pypdf raises many kinds for a damaged or hostile file
        return "已损坏，无法读取"
    return None


def docx_problem(data: bytes) -> str | None:
    """Why a DOCX cannot be converted, said in Chinese; None when it looks like one."""
    if not data:
        return "是空文件（0 字节）"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            total = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "不是有效的 DOCX 文件（已损坏或不是 Word 文档）"
    if "word/document.xml" not in names:
        return "不是有效的 DOCX 文件（缺少正文部分）"
    if total > 200 * 1024 * 1024:  # a zip bomb unpacks to gigabytes in the converter
        return "解压后过大"
    return None


def merge_attachments(pdf: bytes, placeholders: tuple[int, ...], files: list[bytes]) -> bytes:
    """Fill the reserved pages, in order, with the pages of ``files`` (their content only)."""
    if not files:
        return pdf
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    slots = iter(placeholders)
    for data in files:
        for source in _read(data).pages:
            index = next(slots)
            for key in ACTIVE_PAGE_KEYS:
                if key in source:
                    del source[NameObject(key)]
            width, height, left, bottom = _box(source)
            scale = min(A4_W / width, A4_H / height, 1.0) if width and height else 1.0
            dx = (A4_W - width * scale) / 2 - left * scale
            dy = (A4_H - height * scale) / 2 - bottom * scale
            target = writer.pages[index]
            target.merge_transformed_page(source, Transformation().scale(scale).translate(dx, dy), over=False)
            target.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _box(page: object) -> tuple[float, float, float, float]:
    """width, height, left, bottom of a page; A4 for a page without a usable /MediaBox."""
    try:
        box = page.mediabox  # type: ignore[attr-defined]
        return float(box.width), float(box.height), float(box.left), float(box.bottom)
    except (ValueError, TypeError, KeyError, AttributeError):
        return A4_W, A4_H, 0.0, 0.0


def page_count(data: bytes) -> int:
    return len(_read(data).pages)
