"""Step 3: document numbers (发文字号, 期号) and where a version goes.

Their form, parsing and the printed placeholder (〔〕 brackets, no leading zeros, no 第), and, for
filing, the decisions: what keeps a document the same document across versions (its identity);
whether a version keeps the number of the 件 it continues, claims the number its input gives or
takes the next of its series (``decide_number``); then, once the registry at the edge has drawn
that number, the request as numbered and its placement (``numbered``); and the 件号 and 档号 of a
new 件 (``shelved``). Plain data in, plain data out: the registry and the archive stay at the edge.
"""

from __future__ import annotations

import dataclasses
import re

from pipeline.dat22 import archive_code
from pipeline.errors import FilingError
from pipeline.frozen import frozen
from pipeline.gbt9704 import NUMBER_FORM
from pipeline.gbt9704 import NUMBER_PLACEHOLDER
from pipeline.model import DocumentRequest
from pipeline.model import Organ
from pipeline.model import Placement


@frozen
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


def serial_label(series: str, year: int, issue: int) -> str:
    """How a serial document is named everywhere: 罕台镇信访工作联席会议纪要 2026年第4期."""
    return f"{series} {year}年第{issue}期"


def identity_of(req: DocumentRequest, stem: str) -> str:
    """What keeps a document the same document across versions (``stem``: the input's file name
    without its suffix, the last resort)."""
    if req.identity:
        return f"标识:{req.identity}"
    if req.number:
        return f"文号:{req.number}"
    if req.kind.serial and req.issue is not None and req.date is not None:
        return f"期号:{req.kind.value}:{req.date.year}:{req.issue}"
    return f"文件:{req.kind.value}:{stem}"


# ---- numbering a version to file --------------------------------------------------------------

KEEP = "keep"  # a new version of a 件: the 件's number
CLAIM = "claim"  # the number the input gives, claimed in the registry
ALLOCATE = "allocate"  # the next number of the series, reserved in the registry


@frozen
class Continued:
    """The 件 a new version continues, as the archive holds it."""

    number: str
    year: int
    retention: str
    problem: str
    item: int
    latest: int  # its latest version
    archive_code: str


@frozen
class NumberingFacts:
    """What the number of a new 件 depends on besides its request, looked up by the caller."""

    series: str  # the series name of a serial document (its red mark), '' for a 发文字号
    year: int  # the year it is numbered in: that of the printed date
    code: str  # the 机关代字 of its first organ for its 文种, '' when none is set
    fonds: str  # 全宗号


@frozen
class NumberPlan:
    """What numbering decided for one version, for the edge to carry out against the registry:
    KEEP draws nothing; CLAIM claims ``seq`` of (``kind``, ``series``, ``year``); ALLOCATE reserves
    the next of them. ``numbered`` then puts the number drawn into the request and placement."""

    action: str
    request: DocumentRequest  # a kept number already in it
    placement: Placement  # its number and 件号 filled in later (``numbered``, ``shelved``)
    kind: str = ""  # the registry's kind: 发文字号 or 期号
    series: str = ""  # the registry's series: the 机关代字, or the 文种 of a serial document
    year: int = 0
    seq: int = 0  # the number claimed


def decide_number(req: DocumentRequest, continued: Continued | None, facts: NumberingFacts) -> NumberPlan:
    """The number, class and 件号 of the version to file: those of its 件 when it continues one,
    else the number the input gives (claimed) or the next of its 机关代字 or series and year
    (allocated). The 件号 of a new 件 stays 0 until the version lands (``shelved``), so a filer
    that fails leaves no gap (DA/T 22: no gaps, no reuse)."""
    if continued is not None:
        return _keep(req, continued, facts)
    place = Placement("", facts.series, facts.year, req.retention, req.problem, 0, 1, facts.fonds)
    if facts.series:
        if req.issue is None:
            return NumberPlan(ALLOCATE, req, place, "期号", req.kind.value, facts.year)
        return NumberPlan(CLAIM, req, place, "期号", req.kind.value, facts.year, req.issue)
    parsed = DocumentNumber.parse(req.number) if req.number else None
    if parsed is not None:
        return NumberPlan(CLAIM, req, place, "发文字号", parsed.code, parsed.year, parsed.seq or 0)
    if not facts.code:
        raise FilingError(f"{req.source}：工作区没有为文种「{req.kind.value}」设置机关代字，无法编发文字号。"
                          f"请在 fawen.yaml 的「机关代字」中补充，或在输入中写明发文字号。")  # fmt: skip
    return NumberPlan(ALLOCATE, req, place, "发文字号", facts.code, facts.year)


def _keep(req: DocumentRequest, continued: Continued, facts: NumberingFacts) -> NumberPlan:
    """A new version of a 件: the 件's number, class, 件号 and 档号, the version after its latest."""
    number = continued.number
    if facts.series:  # fawen 0.1 named a serial 第4期 only: a new version carries the series
        m = re.search(r"第(\d+)期", continued.number)
        req = dataclasses.replace(req, issue=int(m[1]) if m else req.issue)
        number = serial_label(facts.series, continued.year, req.issue or 0)
    else:
        req = dataclasses.replace(req, number=continued.number)
    place = Placement(number, facts.series, continued.year, continued.retention, continued.problem, continued.item,
                      continued.latest + 1, facts.fonds, continued.archive_code)  # fmt: skip
    return NumberPlan(KEEP, req, place)


def numbered(plan: NumberPlan, seq: int) -> tuple[DocumentRequest, Placement]:
    """The request as numbered and its placement, given the number the registry drew (``seq``;
    ignored when the 件's number is kept)."""
    req, place = plan.request, plan.placement
    if plan.action == KEEP:
        return req, place
    if plan.kind == "期号":
        req = dataclasses.replace(req, issue=seq)
        return req, dataclasses.replace(place, number=serial_label(place.series, place.year, seq))
    if plan.action == ALLOCATE:
        req = dataclasses.replace(req, number=str(DocumentNumber(plan.series, plan.year, seq)))
    return req, dataclasses.replace(place, number=req.number or "")


def shelved(place: Placement, highest_item: int, profile: str) -> Placement:
    """A new 件's 件号 (the next after the highest of its class) and its 档号, taken as it lands."""
    item = highest_item + 1
    code = archive_code(place.fonds, place.year, place.retention, place.problem, item, profile)
    return dataclasses.replace(place, item=item, archive_code=code)
