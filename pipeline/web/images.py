"""Page images of a filed PDF, rendered on the server (an embedded PDF viewer is unreliable in
headless and locked-down browsers) with pdfium, cached in the workspace's ``.fawen/cache``.

The cache is keyed by the file's SHA-256 as its record names it (checked when the bytes are
read), the page and the scale: a filed version never changes, so an image once made is right
for ever, and a file that did change is refused before it is rendered."""

from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

SCALE = 2.0  # 144 dpi: an A4 page 1191 px wide, sharp on screen and on paper, ~100 ms to make
PNG_LEVEL = 3  # zlib level: most of level 9's size at a third of its time
DIGEST = re.compile(r"[0-9a-f]{64}")  # the only text of a record that becomes part of a cache file's name


def cache_path(cache: Path, digest: str, page: int) -> Path:
    return cache / digest[:2] / f"{digest}-{page}-{int(SCALE * 72)}dpi.png"


def page_count(pdf: bytes, lock: threading.Lock) -> int:
    import pypdfium2 as pdfium  # noqa: PLC0415 — loaded with the first image, not with every command

    with lock:
        document = pdfium.PdfDocument(pdf)
        try:
            return len(document)
        finally:
            document.close()


def render_page(pdf: bytes, page: int, lock: threading.Lock, scale: float = SCALE) -> bytes | None:
    """PNG bytes of page ``page`` (1-based) at ``scale`` (1 = 72 dpi); None when the PDF has no such page."""
    import pypdfium2 as pdfium  # noqa: PLC0415

    with lock:
        document = pdfium.PdfDocument(pdf)
        try:
            if not 1 <= page <= len(document):
                return None
            image = document[page - 1].render(scale=scale).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_LEVEL)
    return out.getvalue()


def store(path: Path, data: bytes) -> None:
    """Into the cache under a temporary name, then renamed: a reader never sees half an image,
    and two requests making the same image at once both succeed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
