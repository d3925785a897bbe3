"""The meeting chain (DA/T 46 关联): a 会议通知, its 纪要, the 督查通报 that checks its 议定事项 and
the 专题报告 or 请示 arising from it, each named from the 件 being looked at ("本纪要的会议通知",
"督查本纪要议定事项的通报"). The archive finds the 件 (Archive.chain); this says what each is."""

from __future__ import annotations

from typing import Any

NOTICE, MINUTES, BULLETIN = "会议通知", "会议纪要", "督查通报"
ARISING = ("专题报告", "请示", "通知")

# (the kind looked at, the other's kind) -> what the other is to it
LABELS = {
    (MINUTES, NOTICE): "本纪要的会议通知",
    (MINUTES, BULLETIN): "督查本纪要议定事项的通报",
    (MINUTES, MINUTES): "同一会议的其他纪要",
    (NOTICE, MINUTES): "本次会议的纪要",
    (NOTICE, BULLETIN): "督查本次会议议定事项的通报",
    (NOTICE, NOTICE): "同一会议的其他会议通知",
    (BULLETIN, MINUTES): "本通报督查其议定事项的纪要",
    (BULLETIN, NOTICE): "所督查会议的会议通知",
    (BULLETIN, BULLETIN): "督查同一会议的其他通报",
}


def label(looked_at: str, other: str) -> str:
    """What a 件 of kind ``other`` in the chain is to one of kind ``looked_at``."""
    if (looked_at, other) in LABELS:
        return LABELS[(looked_at, other)]
    if looked_at in ARISING:
        return {MINUTES: "引出本文的会议纪要", NOTICE: "引出本文的会议的通知",
                BULLETIN: "督查该会议议定事项的通报"}.get(other, f"同一会议引出的{other}")  # fmt: skip
    if other in ARISING:
        return {MINUTES: f"本次会议引出的{other}", NOTICE: f"本次会议引出的{other}",
                BULLETIN: f"所督查会议引出的{other}"}.get(looked_at, f"同一会议的{other}")  # fmt: skip
    return f"同一会议的{other}"


def related(archive: Any, entry: Any) -> list[dict[str, object]]:
    """The chain of one 件 as rows for ``archive show`` and the web page (JSON with Chinese keys)."""
    order = {NOTICE: 0, MINUTES: 1, BULLETIN: 2}
    chain = sorted(archive.chain(entry.identity), key=lambda e: (order.get(e.kind, 3), e.date, e.archive_code))
    return [{"关系": label(entry.kind, e.kind), "档号": e.archive_code, "文号": e.number, "题名": e.title,
             "文种": e.kind, "成文日期": e.date, "状态": e.status or "有效"} for e in chain]  # fmt: skip
