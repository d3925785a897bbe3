"""避头尾 and grid filling, on random Chinese text with punctuation and Latin runs."""

from __future__ import annotations

import random

import pytest

from pipeline.body import chinese_numeral
from pipeline.body import parse_body
from pipeline.gbt9704 import NO_LINE_END
from pipeline.gbt9704 import NO_LINE_START
from pipeline.linebreak import break_lines
from pipeline.linebreak import units

C = 156 / 28


def narrow(text: str) -> float:
    return len(text) * C / 2


def sample(rng: random.Random, n: int) -> str:
    hanzi = "信访工作联席会议制度督查通报落实责任单位群众权益"
    punct = "，。、；：？！）》”（《“"
    out = []
    while len(out) < n:
        r = rng.random()
        if r < 0.15:
            out.append(rng.choice(punct))
        elif r < 0.2:
            out.append(rng.choice(["GB/T", "2026", "A&B", "12.5%", " "]))
        else:
            out.append(rng.choice(hanzi))
    return "".join(out)


@pytest.mark.parametrize("seed", range(40))
def test_no_line_starts_or_ends_with_a_forbidden_character(seed):
    rng = random.Random(seed)
    text = sample(rng, 400)
    lines = break_lines(units(text, C, narrow), 156 - 2 * C, 156, narrow)
    assert "".join(ln.text for ln in lines).replace(" ", "") == text.replace(" ", "")
    for i, ln in enumerate(lines):
        width = 156 - 2 * C if i == 0 else 156
        end = ln.end
        assert end <= width + 1e-6
        if not ln.last:
            assert abs(end - width) < 1e-6  # justified to the edge
            assert ln.text[-1] not in NO_LINE_END, ln.text
        if i > 0:
            assert ln.text[0] not in NO_LINE_START, ln.text


def test_a_pure_line_holds_exactly_28_characters():
    text = "信" * 100
    lines = break_lines(units(text, C, narrow), 156, 156, narrow)
    assert [len(ln.text) for ln in lines] == [28, 28, 28, 16]
    assert all(abs(p.x - i * C) < 1e-9 for i, p in enumerate(lines[0].items))


def test_a_comma_that_would_start_a_line_is_pulled_in():
    text = "信访，工作，" + "联" * 22 + "，制度"  # the 29th character is a comma
    lines = break_lines(units(text, C, narrow), 156, 156, narrow)
    assert lines[0].text.endswith("联，") and len(lines[0].text) == 29
    assert not lines[1].text.startswith("，")


def test_without_room_to_squeeze_the_last_character_is_pushed_down():
    text = "信访工作" + "联" * 24 + "，制度"  # no punctuation inside the line to squeeze
    lines = break_lines(units(text, C, narrow), 156, 156, narrow)
    assert len(lines[0].text) == 27 and lines[1].text.startswith("联，")
    end = lines[0].end
    assert abs(end - 156) < 1e-9  # spread to the edge


def test_an_opening_bracket_never_ends_a_line():
    text = "联" * 27 + "《制度》"
    lines = break_lines(units(text, C, narrow), 156, 156, narrow)
    assert lines[0].text[-1] != "《" and lines[1].text.startswith("《")


def test_chinese_numerals():
    assert [chinese_numeral(n) for n in (1, 10, 11, 20, 21, 99, 100, 105, 110)] == [
        "一", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十"]  # fmt: skip


def test_paragraph_lines_join_and_list_items_stay_apart():
    blocks = parse_body("第一行\n接着写\n\n1. 甲\n2. 乙\n")
    assert [b.text for b in blocks] == ["第一行接着写", "1. 甲", "2. 乙"]


def test_a_comma_squeezed_on_one_line_keeps_its_full_width_elsewhere():
    # units are shared between paragraphs: the squeeze belongs to the line, not to the comma
    squeezed = break_lines(units("信访，工作，" + "联" * 22 + "，制度", C, narrow), 156, 156, narrow)
    assert any(squeezed[0].squeezes)
    plain = break_lines(units("信访，工作，", C, narrow), 156, 156, narrow)
    assert plain[0].squeezes == [0.0] * 6
    assert [round(x, 9) for x in plain[0].xs] == [round(i * C, 9) for i in range(6)]
    assert abs(plain[0].end - 6 * C) < 1e-9
