"""Why a document would be a 草稿 (watermarked, never filed as issued), or "" when it may be issued.

One function, used by ``compose`` (which marks the draft) and by ``fawen validate`` (which says
beforehand what ``render`` will do), so the two cannot disagree. Pure: imports only the vocabulary.
"""

from __future__ import annotations

from pipeline.model import DocumentKind
from pipeline.model import DocumentRequest
from pipeline.model import WorkspaceConfig


def convener_names(cfg: WorkspaceConfig) -> set[str]:
    return {p.name for p in cfg.meeting.conveners} if cfg.meeting else set()


def draft_reason(req: DocumentRequest, cfg: WorkspaceConfig) -> str:
    """Why the document is a 草稿: only minutes are, until 审定 and every 会签 (seed 第七、八条)."""
    return minutes_draft_reason(req, cfg) if req.kind == DocumentKind.MINUTES else ""


def minutes_draft_reason(req: DocumentRequest, cfg: WorkspaceConfig) -> str:
    """Why minutes may not be issued yet (seed 第七、八条), or "" when they may."""
    reasons = []
    conveners = convener_names(cfg)
    if req.approval is None:
        reasons.append("未经召集人审定（第七条：会议纪要报请召集人审定后印发）")
    elif conveners and req.approval.by not in conveners:
        reasons.append(f"审定人「{req.approval.by}」不是联席会议召集人（召集人：{'、'.join(sorted(conveners))}）")
    if req.cross_domain:
        concerned = [p.name for p in req.present if p.name in conveners]
        if req.meeting and req.meeting.chair in conveners and req.meeting.chair not in concerned:
            concerned.insert(0, req.meeting.chair)
        signed = {s.by for s in req.countersigns}
        missing = [name for name in concerned if name not in signed]
        if missing:
            reasons.append(
                f"涉及跨分管领域，尚缺召集人 {'、'.join(missing)} 的会签（第八条：相关召集人充分沟通、达成一致意见后形成会议纪要）"
            )
    return "；".join(reasons)
