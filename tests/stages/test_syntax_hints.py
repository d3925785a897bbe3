"""Broken YAML and JSON: every message is Chinese, names the line, and says the likely cause."""

from __future__ import annotations

import re

import pytest

from pipeline.errors import InputError
from pipeline.stages.parse import parse_input

GOOD = ["文种: 通知", "标题: 关于开展信访矛盾纠纷排查的通知", "主送: [各村（社区）, 镇直各部门]",
        "签发人: 李明", "正文: |", "  现将有关事项通知如下。", "  请认真落实。", "附注: 联系人：张丽"]  # fmt: skip


def broken_yaml() -> list[tuple[str, str, int, str]]:
    """(name, text, line of the mistake, words of the cause), each mistake on each suitable line."""
    cases = []
    for i, line in enumerate(GOOD, 1):
        key, sep, value = line.partition(": ")
        if not sep or line.startswith(" "):
            continue
        variants = {
            "缺空格": (f"{key}:{value}", "冒号「:」后面缺少空格"),
            "引号": (f'{key}: "{value}', "引号"),
        }
        previous = GOOD[i - 2] if i > 1 else ""
        if not previous.startswith(" ") and not previous.endswith("|"):  # after block text it is text
            variants["多缩进"] = (f"    {line}", "缩进")
        if value.startswith("["):
            variants["括号"] = (f"{key}: {value[:-1]}", "「[」没有对应的「]」")
        for what, (bad, cause) in variants.items():
            lines = list(GOOD)
            lines[i - 1] = bad
            cases.append((f"{what}-{i}", "\n".join(lines) + "\n", i, cause))
    tab = list(GOOD)
    tab[5] = "\t现将有关事项通知如下。"
    cases.append(("tab", "\n".join(tab) + "\n", 6, "Tab"))
    return cases


def broken_json() -> list[tuple[str, str, int, str]]:
    lines = ['{', '  "文种": "通知",', '  "标题": "关于开展排查的通知",', '  "正文": "现将有关事项通知如下。"', '}']
    cases = []
    for i in (2, 3, 4):
        quote = list(lines)
        quote[i - 1] = quote[i - 1].replace('"', "", 1)
        cases.append((f"json-quote-{i}", "\n".join(quote) + "\n", i, "引号"))
    cases.append(("json-brace", "\n".join(lines[:-1]) + "\n", 4, "缺少「}」"))
    return cases


CASES = broken_yaml() + broken_json()


def test_the_corpus_covers_each_kind_of_mistake():
    assert len(CASES) >= 20
    assert {c[0].split("-")[0] for c in CASES} >= {"缺空格", "引号", "多缩进", "括号", "tab", "json"}


@pytest.mark.parametrize(("name", "text", "line", "cause"), CASES, ids=[c[0] for c in CASES])
def test_a_syntax_error_names_its_line_and_cause(name, text, line, cause):
    suffix = ".json" if name.startswith("json") else ".yaml"
    with pytest.raises(InputError) as caught:
        parse_input(f"{name}{suffix}", suffix, text.encode("utf-8"))
    message = caught.value.message
    assert not re.search(r"[A-Za-z]{4,}", message.replace(f"{name}{suffix}", "").replace("JSON", "").replace("YAML", "")
                         .replace("Tab", "")), message  # fmt: skip
    problem = caught.value.problems[0]
    assert problem.line is not None
    said = re.search(r"可能的原因：第 (\d+) 行", message)
    if name == "tab":  # a tab is named by the parser itself, on its own line
        assert "Tab" in message and problem.line == line
        return
    assert said and int(said[1]) == line and cause in message, message
