"""The input contract's vocabulary: canonical Chinese keys and their English aliases.

Keys are grouped by the key they sit under ("" = top level; ``附件`` = an attachment item).
"""

from __future__ import annotations

TOP = ""

ALIASES: dict[str, dict[str, str]] = {
    TOP: {
        "kind": "文种",
        "title": "标题",
        "number": "发文字号",
        "issue": "期号",
        "to": "主送",
        "body": "正文",
        "attachments": "附件",
        "signature": "署名",
        "date": "成文日期",
        "seal": "印章",
        "signer": "签发人",
        "signers": "签发人",
        "copy_number": "份号",
        "secrecy": "密级",
        "secrecy_period": "保密期限",
        "urgency": "紧急程度",
        "note": "附注",
        "contact": "联系人",
        "phone": "联系电话",
        "cc": "抄送",
        "printer": "印发机关",
        "print_date": "印发日期",
        "retention": "保管期限",
        "problem": "机构问题",
        "id": "标识",
        "meeting": "会议",
        "meeting_type": "会议类型",
        "present": "出席",
        "absent": "请假",
        "attending": "列席",
        "resolutions": "议定事项",
        "approval": "审定",
        "countersign": "会签",
        "cross_domain": "跨分管领域",
        "proposer": "议题提出单位",
        "distribution": "分送",
        "inspection_type": "督查类型",
        "inspection": "督查",
        "items": "督查事项",
        "cutoff": "统计截止日期",
        "organ": "发文机关",
        "organs": "发文机关",
        # the 发文稿纸 (dispatch form) filed with every version: who drafted, checked, signed, printed
        "drafting_unit": "拟稿单位",
        "drafter": "拟稿人",
        "reviewer": "核稿人",
        "sign_opinion": "签发意见",
        "sign_date": "签发日期",
        "copies": "份数",
        "printed_by": "印制",
        "印制人": "印制",
        "proofread_by": "校对",
        "校对人": "校对",
    },
    "附件": {"name": "名称", "body": "正文", "file": "文件"},
    "会议": {
        "type": "类型",
        "time": "时间",
        "place": "地点",
        "chair": "主持",
        "recorder": "记录",
        "attendees": "参会人员",
        "topics": "议题",
    },
    "出席": {"unit": "单位", "name": "姓名", "title": "职务", "reason": "事由"},
    "议定事项": {
        "matter": "事项",
        "lead": "责任单位",
        "partners": "配合单位",
        "deadline": "完成时限",
        "assigned_by": "交办领导",
        "campaign": "专项",
    },
    "审定": {"by": "审定人", "date": "日期", "opinion": "意见"},
    "会签": {"convener": "召集人", "date": "日期", "opinion": "意见"},
    "督查": {"time": "时间", "team": "督查组"},
    # 督查事项 drawn from the 督办台账: {来源: 督办台账, 会议: [...], 单位: [...], 专项: …, 截至: …}
    # 信访信息 counted for a 研判 专题报告: {来源: 信访信息, 起: …, 止: …, 按: [类别, 单位]}
    "信息统计": {"source": "来源", "start": "起", "end": "止", "by": "按"},
    "督查事项来源": {"source": "来源", "meetings": "会议", "units": "单位", "campaign": "专项", "cutoff": "截至"},
    "督查事项": {
        "unit": "单位",
        "matter": "事项",
        "received": "受理日期",
        "deadline": "办理时限",
        "status": "状态",
    },
}
# Attendance lists share one item shape.
ALIASES["请假"] = ALIASES["出席"]
ALIASES["列席"] = ALIASES["出席"]

# Which top-level keys each 文种 may carry beyond the common ones.
COMMON_KEYS = frozenset(
    {
        "文种", "标题", "发文字号", "期号", "主送", "正文", "附件", "署名", "成文日期", "印章",
        "签发人", "份号", "密级", "保密期限", "紧急程度", "附注", "联系人", "联系电话", "抄送",
        "印发机关", "印发日期", "保管期限", "机构问题", "标识", "发文机关", "会议编号",
        "拟稿单位", "拟稿人", "核稿人", "签发意见", "签发日期", "份数", "印制", "校对",
    }
)  # fmt: skip
# Keys a clerk may write at the top level that belong under another key.
NESTED_KEYS = {
    "审定意见": "写在「审定」下：审定: {审定人: …, 日期: …, 意见: 同意印发}",
    "审定日期": "写在「审定」下：审定: {审定人: …, 日期: 2026-11-22}",
    "会签意见": "写在每一项「会签」下：- {召集人: …, 日期: …, 意见: 同意}",
}
KIND_KEYS: dict[str, frozenset[str]] = {
    "通知": frozenset(),
    "会议通知": frozenset({"会议"}),
    "会议纪要": frozenset(
        {
            "会议",
            "会议类型",
            "出席",
            "请假",
            "列席",
            "议定事项",
            "审定",
            "会签",
            "跨分管领域",
            "议题提出单位",
            "分送",
            "会议通知",
        }
    ),
    "督查通报": frozenset({"督查类型", "督查", "督查事项", "统计截止日期"}),
    "专题报告": frozenset({"信息统计"}),
    "请示": frozenset(),
}


def canonical(context: str, key: str) -> str:
    """The canonical Chinese key for ``key`` under ``context`` (unchanged if unknown)."""
    return ALIASES.get(context, {}).get(key, key)


def known_keys(context: str) -> set[str]:
    return set(ALIASES.get(context, {}).values())
