"""Words of a 标题: where a title line may end (GB/T 9704 §7.3.1: 回行时词意完整).

The words come from a Chinese word segmenter (rjieba, the Rust build of jieba: the same
dictionary and algorithm, compiled into the extension, so loading reads no file, writes no
cache and logs nothing) plus the workspace's own names, which are never split. Two joins the
segmenter does not make are added because a title line must not end inside a proper name:
a place suffix after its name (罕台 + 镇, 九成功 + 村) and an organ suffix after the body it
belongs to (联席会议 + 办公室, 罕台镇 + 人民政府).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

PLACE_SUFFIXES = frozenset({"省", "市", "区", "县", "旗", "镇", "乡", "村", "苏木", "嘎查", "社区", "街道"})
ORGAN_SUFFIXES = frozenset({"办公室", "委员会", "人民政府", "政府", "党委", "党支部", "党工委", "办事处", "领导小组",
                            "工作组", "指挥部", "村民委员会", "居民委员会", "服务中心", "管理站"})  # fmt: skip
# Tokens a break may sit next to cheaply: prepositions, conjunctions, particles, punctuation, numerals.
FUNCTION_TAGS = ("p", "c", "u", "x", "m", "r")
FUNCTION_WORDS = frozenset({"关于", "的", "和", "与", "及", "对", "在", "为", "等"})
PREFIXES = frozenset({"被"})  # a passive prefix forms one term with the verb after it
NAME_TAG = "nt"  # the tag given to a workspace name and to a joined name


@functools.cache
def _tagger() -> Callable[[str], list[tuple[str, str]]]:
    """The segmenter, imported once per process: building its dictionary takes about 0.3 s, so
    commands that never typeset a title do not pay for it."""
    import rjieba

    return rjieba.tag


def is_function(word: str, tag: str) -> bool:
    return word in FUNCTION_WORDS or tag.startswith(FUNCTION_TAGS) or not word.strip()


def words(text: str, protected: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(word, tag) tokens that cover ``text`` exactly: workspace names whole, the rest segmented."""
    out: list[tuple[str, str]] = []
    pos = 0
    for start, end in _name_spans(text, protected):
        if start > pos:
            out += _tagger()(text[pos:start])
        out.append((text[start:end], NAME_TAG))
        pos = end
    if pos < len(text):
        out += _tagger()(text[pos:])
    return _join_suffixes(out)


def boundaries(text: str, protected: tuple[str, ...] = ()) -> list[int]:
    """Positions (0 < i < len) between two words: the only places a title line may end."""
    cuts, pos = [], 0
    for word, _ in words(text, protected)[:-1]:
        pos += len(word)
        cuts.append(pos)
    return cuts


def _name_spans(text: str, protected: tuple[str, ...]) -> list[tuple[int, int]]:
    """Non-overlapping occurrences of the names, longest names first (罕台镇人民政府 before 罕台镇)."""
    taken = [False] * len(text)
    spans = []
    for name in sorted({p for p in protected if p}, key=len, reverse=True):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(taken[start:end]):
                spans.append((start, end))
                taken[start:end] = [True] * len(name)
            start = text.find(name, start + 1)
    return sorted(spans)


def _join_suffixes(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A place or organ suffix joins the name before it (罕台 + 镇, 罕台镇信访工作联席会议 + 办公室)."""
    merged: list[tuple[str, str]] = []
    for word, tag in tokens:
        suffix = word in PLACE_SUFFIXES or word in ORGAN_SUFFIXES
        if suffix and merged and not is_function(*merged[-1]) and not merged[-1][0].isascii():
            merged[-1] = (merged[-1][0] + word, NAME_TAG)
        elif merged and merged[-1][0] in PREFIXES and not is_function(word, tag):
            merged[-1] = (merged[-1][0] + word, tag)  # 被 + 征地: the term is 被征地 (农民)
        else:
            merged.append((word, tag))
    return merged
