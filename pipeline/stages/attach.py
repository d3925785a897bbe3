"""Step 8: typeset PDF + attachment files -> one PDF (pypdf).

Each page of an attachment file is laid under a page the typesetter reserved for it, which
already carries the continuing page number; a page of another size is scaled to fit A4.
"""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf import Transformation

A4_W, A4_H = 595.2756, 841.8898


def merge_attachments(pdf: bytes, placeholders: tuple[int, ...], files: list[bytes]) -> bytes:
    """Fill the reserved pages, in order, with the pages of ``files``."""
    if not files:
        return pdf
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    slots = iter(placeholders)
    for data in files:
        for source in PdfReader(io.BytesIO(data)).pages:
            index = next(slots)
            box = source.mediabox
            width, height = float(box.width), float(box.height)
            scale = min(A4_W / width, A4_H / height, 1.0) if width and height else 1.0
            dx = (A4_W - width * scale) / 2 - float(box.left) * scale
            dy = (A4_H - height * scale) / 2 - float(box.bottom) * scale
            target = writer.pages[index]
            target.merge_transformed_page(source, Transformation().scale(scale).translate(dx, dy), over=False)
            target.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
