"""stages.numbering and stages.record as plain data: what numbering decides for a version to
file (keep, claim, allocate), the request and placement once a number is drawn, the 件号 and
档号 of a new 件, and the Filing the record states."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline.errors import FilingError
from pipeline.model import DocumentKind
from pipeline.model import DocumentRequest
from pipeline.model import Placement
from pipeline.stages.numbering import ALLOCATE
from pipeline.stages.numbering import CLAIM
from pipeline.stages.numbering import KEEP
from pipeline.stages.numbering import Continued
from pipeline.stages.numbering import NumberingFacts
from pipeline.stages.numbering import decide_number
from pipeline.stages.numbering import identity_of
from pipeline.stages.numbering import numbered
from pipeline.stages.numbering import shelved
from pipeline.stages.record import Arrival
from pipeline.stages.record import filing_of

NOTICE = DocumentRequest("a.yaml", DocumentKind.NOTICE, "关于开展检查的通知", date=dt.date(2026, 3, 2), retention="30年")
MINUTES = DocumentRequest("m.yaml", DocumentKind.MINUTES, "会议纪要", date=dt.date(2026, 3, 2), retention="永久")
FACTS = NumberingFacts(series="", year=2026, code="罕政发", fonds="F001")
SERIES = NumberingFacts(series="罕台镇信访工作联席会议纪要", year=2026, code="", fonds="F001")


@pytest.mark.parametrize(
    ("req", "facts", "action", "registry", "seq", "number"),
    [
        (NOTICE, FACTS, ALLOCATE, ("发文字号", "罕政发", 2026, 0), 7, "罕政发〔2026〕7号"),
        (dataclasses.replace(NOTICE, number="罕政办发〔2025〕12号"), FACTS, CLAIM, ("发文字号", "罕政办发", 2025, 12), 12,
         "罕政办发〔2025〕12号"),
        (MINUTES, SERIES, ALLOCATE, ("期号", "会议纪要", 2026, 0), 4, "罕台镇信访工作联席会议纪要 2026年第4期"),
        (dataclasses.replace(MINUTES, issue=9), SERIES, CLAIM, ("期号", "会议纪要", 2026, 9), 9,
         "罕台镇信访工作联席会议纪要 2026年第9期"),
    ],
)  # fmt: skip
def test_a_new_document_claims_its_number_or_takes_the_next(req, facts, action, registry, seq, number):
    decided = decide_number(req, None, facts)
    assert decided.action == action
    assert (decided.kind, decided.series, decided.year, decided.seq) == registry
    numbered_req, place = numbered(decided, seq)
    assert place == Placement(number, facts.series, 2026, req.retention, "", 0, 1, "F001")
    assert (numbered_req.issue if facts.series else numbered_req.number) == (seq if facts.series else number)


def test_a_new_version_keeps_its_document_s_number_class_and_item():
    continued = Continued("罕政发〔2025〕3号", 2025, "永久", "办公室", 5, 2, "F001-WS·2025-Y-BGS-0005")
    decided = decide_number(NOTICE, continued, FACTS)
    assert decided.action == KEEP
    req, place = numbered(decided, 0)
    assert req.number == "罕政发〔2025〕3号"
    assert place == Placement("罕政发〔2025〕3号", "", 2025, "永久", "办公室", 5, 3, "F001", "F001-WS·2025-Y-BGS-0005")


def test_a_new_version_of_a_serial_named_in_the_old_way_carries_its_series():
    continued = Continued("第4期", 2025, "永久", "", 1, 1, "F001-WS·2025-Y-0001")
    req, place = numbered(decide_number(MINUTES, continued, SERIES), 0)
    assert req.issue == 4
    assert place.number == "罕台镇信访工作联席会议纪要 2025年第4期"


def test_no_code_for_the_kind_and_no_number_given_is_refused():
    with pytest.raises(FilingError, match="机关代字"):
        decide_number(NOTICE, None, dataclasses.replace(FACTS, code=""))


def test_a_new_document_takes_the_next_item_of_its_class_and_its_code():
    place = Placement("罕政发〔2026〕7号", "", 2026, "30年", "", 0, 1, "F001")
    shelf = shelved(place, 41, "DA/T 22-2015")
    assert (shelf.item, shelf.archive_code) == (42, "F001-WS·2026-30年-0042")
    assert shelf.class_path == ("2026", "30年")


def test_identity_prefers_what_the_input_says_and_falls_back_to_the_file_name():
    assert identity_of(dataclasses.replace(NOTICE, identity="X-1"), "a") == "标识:X-1"
    assert identity_of(dataclasses.replace(NOTICE, number="罕政发〔2026〕1号"), "a") == "文号:罕政发〔2026〕1号"
    assert identity_of(dataclasses.replace(MINUTES, issue=3), "m") == "期号:会议纪要:2026:3"
    assert identity_of(NOTICE, "a") == "文件:通知:a"


def test_the_filing_states_where_the_version_goes_and_how_it_came():
    when = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    place = Placement("罕政发〔2026〕7号", "", 2026, "30年", "", 42, 1, "F001", "F001-WS·2026-D30-0042")
    arrival = Arrival("文件:通知:a", "in", "content", when, "张三", correction="")
    filing = filing_of(place, arrival, pages=3)
    assert (filing.archive_code, filing.number, filing.fonds, filing.item, filing.version, filing.pages) == (
        "F001-WS·2026-D30-0042", "罕政发〔2026〕7号", "F001", 42, 1, 3)  # fmt: skip
    assert (filing.identity, filing.input_sha256, filing.content_sha256, filing.when, filing.by) == (
        "文件:通知:a", "in", "content", when, "张三")  # fmt: skip
    assert filing.previous == 0 and filing.previous_content is None and filing.series == ""
