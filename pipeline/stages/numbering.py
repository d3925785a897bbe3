"""Step 3: document numbers (发文字号, 期号) — their form, parsing and the printed placeholder.

The registry that allocates real numbers lives at the edge (a later stage); here is only the
pure text: 〔〕 brackets, no leading zeros, no 第.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.gbt9704 import NUMBER_FORM
from pipeline.gbt9704 import NUMBER_PLACEHOLDER
from pipeline.model import DocumentRequest
from pipeline.model import Organ



@dataclass(frozen=True)
class DocumentNumber:
    """发文字号: 机关代字〔年份〕序号号."""

    code: str
    year: int
    seq: int | None  # None: not allocated yet

    def __str__(self) -> str:
        seq = str(self.seq) if self.seq is not None else NUMBER_PLACEHOLDER
        return f"{self.code}〔{self.year}〕{seq}号"

    @classmethod
    def parse(cls, text: str) -> DocumentNumber | None:
        m = NUMBER_FORM.match(text)
        if not m:
            return None
        return cls(m["code"], int(m["year"]), int(m["seq"]))


def printed_number(req: DocumentRequest, organ: Organ) -> str:
    """The 发文字号 as printed: the given one, else a visible placeholder (one-off renders)."""
    if req.number:
        return req.number
    year = req.date.year if req.date else 0
    code = organ.codes.get(req.kind.value, "")
    return str(DocumentNumber(code, year, None))
