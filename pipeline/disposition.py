"""The disposition log of a 件 (处置记录): 撤销, 废止 and 更正 after filing, as plain data.

Version folders are immutable, so what happens to a 件 later lives beside them in
``<件 folder>/处置记录.jsonl``: one JSON object per line, append-only, each line naming the digest
of the one before (``前摘要``; the first names 64 zeros) and its own (``摘要`` = SHA-256 of the line's
canonical JSON without ``摘要``). An edited line breaks its own digest, a removed or reordered one
breaks the chain, and a cut tail is caught against the witness the number registry keeps (count
and last digest per 件). Pure: no I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

LOG_NAME = "处置记录.jsonl"
WITHDRAW, REPEAL, CORRECT = "撤销", "废止", "更正"
ACTIONS = (WITHDRAW, REPEAL, CORRECT)
GENESIS = "0" * 64


def _digest(event: dict[str, object]) -> str:
    import hashlib  # noqa: PLC0415 — OpenSSL loads when a chain is hashed, not for every command that imports this

    body = {k: v for k, v in event.items() if k != "摘要"}
    return hashlib.sha256(
        json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()


digest = _digest  # one digest for every hash-chained log: 处置记录 and the 归档登记簿


def chain_walk(
    entries: list[dict[str, object]], name: str, unit: str
) -> Iterator[tuple[int, dict[str, object], list[str]]]:
    """Each line of a hash-chained log with the findings every such chain shares: unreadable,
    changed (its own digest), not linked to the line before (deleted, inserted, swapped).
    ``name`` and ``unit`` word the findings (处置记录 … 行, 归档登记簿 … 条)."""
    previous = GENESIS
    for n, entry in enumerate(entries, 1):
        found: list[str] = []
        if not entry:
            found.append(f"{name}第 {n} {unit}无法读取")
            previous = ""
            yield n, entry, found
            continue
        if entry.get("摘要") != _digest(entry):
            found.append(f"{name}第 {n} {unit}被改动（摘要不符）")
        if entry.get("前摘要") != previous or entry.get("序号") != n:
            found.append(f"{name}第 {n} {unit}与上一{unit}接不上（被删除、插入或调换）")
        previous = str(entry.get("摘要", ""))
        yield n, entry, found


def new_event(
    previous: list[dict[str, object]], identity: str, action: str, fields: dict[str, object]
) -> dict[str, object]:
    """The next event of a log: ``fields`` carries 时间, 人, 原因 and whatever the action adds."""
    event: dict[str, object] = {"序号": len(previous) + 1, "行为": action, "标识": identity, **fields,
                                "前摘要": str(previous[-1]["摘要"]) if previous else GENESIS}  # fmt: skip
    event["摘要"] = _digest(event)
    return event


def line(event: dict[str, object]) -> str:
    return json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n"


def parse(text: str) -> list[dict[str, object]]:
    """The events of a log as written (unchecked); a line that is not JSON becomes {}."""
    out: list[dict[str, object]] = []
    for raw in text.splitlines():
        if raw.strip():
            try:
                value = json.loads(raw)
            except ValueError:
                value = {}
            out.append(value if isinstance(value, dict) else {})
    return out


def problems(text: str, identity: str) -> list[str]:
    """What is wrong with a log's own chain (Chinese, one finding per item)."""
    found: list[str] = []
    if text and not text.endswith("\n"):
        found.append("处置记录最后一行不完整（被截断）")
    for n, event, common in chain_walk(parse(text), "处置记录", "行"):
        found += common
        if not event:
            continue
        if event.get("标识") != identity:
            found.append(f"处置记录第 {n} 行属于另一件（{event.get('标识')}）")
        if event.get("行为") not in ACTIONS:
            found.append(f"处置记录第 {n} 行的行为不对：{event.get('行为')}")
    return found


def status(events: list[dict[str, object]]) -> str:
    """'' in force, else 撤销 or 废止: a 撤销 outranks a 废止 (void from the start vs from now)."""
    actions = {e.get("行为") for e in events}
    return WITHDRAW if WITHDRAW in actions else REPEAL if REPEAL in actions else ""


def describe(event: dict[str, object]) -> str:
    """One event in a sentence: 撤销 2026-11-24T10:00:00+08:00 张三：原因."""
    extra = f"（第{event['版本']}版）" if event.get("版本") else ""
    return f"{event.get('行为')}{extra} {event.get('时间')} {event.get('人')}：{event.get('原因')}"
