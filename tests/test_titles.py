"""Titles break only between words (GB/T 9704 §7.3.1), in a 梯形 or 菱形, the same in PDF and DOCX.

200 titles are built from the parts real 公文 titles are made of (an issuing organ, 关于, a
verb, a subject with long organ and place names, a 文种); each is broken with the workspace's
names and checked against the segmenter's own words, so a break inside a word fails.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
import rjieba
from docx import Document

from pipeline import run
from pipeline.stages.compose import TITLE_CHARS
from pipeline.stages.compose import break_title
from pipeline.errors import InputError
from pipeline.stages.parse import parse_input
from pipeline.stages.validate import validate
from tests.conftest import TODAY
from tests.conftest import render
from tests.conftest import write_input
from tests.support import PdfFacts

ORGANS = ["", "鄂尔多斯市东胜区罕台镇人民政府", "罕台镇信访工作联席会议办公室", "中共罕台镇委员会", "罕台镇人民政府办公室",
          "东胜区人民政府办公室", "罕台镇平安建设办公室"]  # fmt: skip
VERBS = ["印发", "转发", "召开", "开展", "做好", "进一步加强", "切实做好", "深入开展", "报送", "调整"]
SUBJECTS = [
    "九成功村被征地农民补偿款分配信访事项处理情况",
    "《罕台镇信访工作联席会议工作制度》",
    "2026年第四季度信访形势分析研判会议",
    "罕台村集体土地征收补偿安置方案",
    "冬春季矛盾纠纷排查化解专项行动",
    "罕台社区老旧小区改造工程欠薪问题",
    "重复信访积案化解攻坚工作",
    "罕台镇信访工作联席会议成员单位及工作职责",
    "被征地农民养老保险政策落实情况专项督查",
    "九成功村土地承包经营权确权登记颁证工作",
    "信访事项办理质量和群众满意度提升行动",
    "《鄂尔多斯市东胜区信访事项复查复核办法》",
    "农民工工资支付保障和欠薪治理工作",
    "元旦春节期间安全生产和信访稳定工作",
    "第一次全体会议议定事项督办落实情况",
]
KINDS = ["的通知", "的请示", "的报告", "的纪要", "的通报", "的意见", "的批复"]


def titles(count: int = 200) -> list[str]:
    """``count`` distinct titles in the shapes offices write: [organ]关于<verb><subject>的<kind>."""
    rng = random.Random(9704)
    combos = list(itertools.product(ORGANS, VERBS, SUBJECTS, KINDS))
    rng.shuffle(combos)
    out = []
    for organ, verb, subject, kind in combos:
        title = f"{organ}关于{verb}{subject}{kind}"
        if len(title) <= 120 and title not in out:
            out.append(title)
        if len(out) == count:
            break
    return out


@pytest.fixture(scope="module")
def names(session_workspace) -> tuple[str, ...]:
    return run.protected_words(session_workspace)


def inner_positions(title: str, names: tuple[str, ...]) -> set[int]:
    """Every position strictly inside a segmenter word or a workspace name, searched independently."""
    inside: set[int] = set()
    pos = 0
    for word in rjieba.cut(title):
        inside |= set(range(pos + 1, pos + len(word)))
        pos += len(word)
    for name in names:
        start = title.find(name)
        while start >= 0:
            inside |= set(range(start + 1, start + len(name)))
            start = title.find(name, start + 1)
    return inside


def is_trapezoid_or_diamond(lengths: list[int]) -> bool:
    """梯形 (lines widening or narrowing downwards) or 菱形 (widest in the middle): the lengths rise,
    then fall, never rise again (no 沙漏形 long-short-long)."""
    fell = False
    for upper, lower in zip(lengths, lengths[1:]):
        if lower < upper:
            fell = True
        elif lower > upper and fell:
            return False
    return True


def test_two_hundred_titles_break_between_words_in_a_trapezoid_or_diamond(names):
    corpus = titles()
    assert len(corpus) == 200 and len({len(t) > TITLE_CHARS for t in corpus}) == 2
    multi = 0
    for title in corpus:
        lines = break_title(title, TITLE_CHARS, names)
        assert "".join(lines) == title
        assert all(len(line) <= TITLE_CHARS for line in lines), lines
        breaks = set(itertools.accumulate(len(line) for line in lines[:-1]))
        assert not breaks & inner_positions(title, names), (title, lines)
        assert is_trapezoid_or_diamond([len(line) for line in lines]), lines
        multi += len(lines) > 1
    assert multi >= 150  # most titles are long enough to need breaking at all


def test_the_reported_breaks_are_gone(names):
    cases = {
        "关于九成功村被征地农民补偿款分配信访事项的处理情况报告": ("被征地农民", "信访事项"),
        "罕台镇信访工作联席会议办公室关于召开2026年第四季度信访形势分析研判会议的通知": ("联席会议办公室", "2026年"),
    }  # fmt: skip
    for title, phrases in cases.items():
        lines = break_title(title, TITLE_CHARS, names)
        for phrase in phrases:
            assert any(phrase in line for line in lines), (phrase, lines)


def test_a_typed_line_break_forces_a_break(names):
    assert break_title("关于印发\n《罕台镇信访工作联席会议工作制度》的通知", TITLE_CHARS, names) == [
        "关于印发", "《罕台镇信访工作联席会议工作制度》的通知"]  # fmt: skip
    assert break_title("关于做好冬季供暖\n保障工作的通知\n", TITLE_CHARS, names) == ["关于做好冬季供暖", "保障工作的通知"]


def test_a_name_longer_than_a_line_still_breaks_without_error():
    name = "鄂尔多斯市东胜区罕台镇九成功村被征地农民养老保险政策落实工作领导小组"  # 35 characters, one name
    lines = break_title(f"{name}关于报送工作进展情况的报告", TITLE_CHARS, (name,))
    assert "".join(lines) == f"{name}关于报送工作进展情况的报告"
    assert all(len(line) <= TITLE_CHARS for line in lines)


def check(workspace, text: str):
    return validate(parse_input("t.yaml", ".yaml", text.encode("utf-8")), workspace.config, TODAY)


def test_validation_accepts_a_line_break_in_the_title_only(session_workspace):
    good = "文种: 通知\n标题: \"关于印发\\n《某某制度》的通知\"\n正文: 请执行。\n成文日期: 2026-11-12\n"
    assert check(session_workspace, good).title == "关于印发\n《某某制度》的通知"
    for key, value in (("署名", "罕台镇\\n人民政府"), ("标题", "关于印发\\t制度的通知"), ("标题", "关于印发\\r制度的通知")):
        text = f"文种: 通知\n标题: 关于印发制度的通知\n正文: 请执行。\n成文日期: 2026-11-12\n{key}: \"{value}\"\n"
        if key == "标题":
            text = text.replace("标题: 关于印发制度的通知\n", "")
        with pytest.raises(InputError) as info:
            check(session_workspace, text)
        assert any(p.key == key and "换行" in p.problem for p in info.value.problems), info.value.problems


def docx_title_lines(docx: Path) -> list[str]:
    """The title paragraph's explicit lines: its text split at the <w:br/> line breaks."""
    paragraph = next(p for p in Document(docx).paragraphs if p.style.name == "公文标题" and p.text.strip())
    return paragraph.text.split("\n")


@pytest.mark.slow
def test_pdf_and_docx_break_titles_identically(session_workspace, tmp_path, names):
    sample = titles()[::10] + ["关于印发\n《罕台镇信访工作联席会议工作制度》的通知"]  # 20 titles and a forced break
    for i, title in enumerate(sample):
        quoted = title.replace("\n", "\\n")
        src = write_input(tmp_path, f"t{i}.yaml", f"文种: 通知\n标题: \"{quoted}\"\n正文: 请认真贯彻执行。\n成文日期: 2026-11-12\n")
        docx, pdf = render(session_workspace, src, tmp_path / f"out{i}")
        facts = PdfFacts(pdf)
        pdf_lines = [ln.text for ln in facts.lines if ln.page == 1 and abs(ln.size - 22) <= 0.5]
        expected = break_title(title, TITLE_CHARS, names)
        assert pdf_lines == expected, (title, pdf_lines)
        assert docx_title_lines(docx) == pdf_lines, title
