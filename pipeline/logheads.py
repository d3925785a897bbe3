"""Witnesses of the archive's chained logs (办理反馈, 信访信息, 联络员备案), kept in the workspace's
registry, outside the archive. A hash chain shows a changed or removed line inside a log, but not
its last lines cut off: each append records the new last line (序号, 摘要) in the registry, and
``archive verify`` checks that the log still reaches it unchanged.

One crash between an append and its witness leaves one line unwitnessed; the next append moves
the witness over it. More than one line past the witness were put there by something else."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from pipeline.store.registry import Registry
from pipeline.store.workspace import Workspace

PROGRESS, PETITIONS, LIAISONS = "督办反馈/反馈记录.jsonl", "信访信息/信访信息记录.jsonl", "联络员备案.jsonl"


def witness(workspace: Workspace, name: str, written: Mapping[str, Any]) -> None:
    """Record a log's new last line (the caller has just appended it, under the archive lock)."""
    from pipeline import run  # noqa: PLC0415 — the registry is opened where the workspace says

    registry = run.open_registry(workspace)
    try:
        registry.set_log_head(name, int(written["序号"]), str(written["摘要"]))
    finally:
        registry.close()


def problems(registry: Registry, name: str, records: Sequence[Mapping[str, Any]]) -> list[str]:
    """What the log's lines (read and chained) say against its witness: cut short, its last lines
    rewritten, or lines added past it. A log never witnessed (kept by an older fawen) has none."""
    head = registry.log_head(name)
    if head is None:
        return []
    seq, digest = head
    if len(records) < seq:
        return [f"记录被截短：编号登记簿见证到第 {seq} 条，现只有 {len(records)} 条"]
    if str(records[seq - 1].get("摘要", "")) != digest:
        return [f"第 {seq} 条记录与编号登记簿见证的摘要不符（被改写）"]
    if len(records) > seq + 1:
        return [f"第 {seq + 1}—{len(records)} 条记录未经 fawen 登记（编号登记簿只见证到第 {seq} 条）"]
    return []
