"""Commented input skeletons (``fawen new <文种>``): what a clerk fills in.

The names in them are the workspace's own (fawen.yaml: 机关, 联席会议 召集人, 办公室, 成员单位 and
their 联络员), so a skeleton validates against the roster it is written for; a name the roster
does not give is a visible ×××. Pure: the configuration comes in as plain data.
"""

from __future__ import annotations

from string import Template

from pipeline.frozen import frozen
from pipeline.model import MemberUnit
from pipeline.model import WorkspaceConfig

NOTICE = """\
# 通知 — 填写后保存为 .yaml 文件，放入 inbox/ 或用 fawen render 生成。
# 以 # 开头的是说明，可以删除。键名用中文；值照常书写，不必加引号
# （以 0 开头的电话号码请加引号，如 "0477-1234567"）。
文种: 通知
标题: 关于××××的通知                 # 必填；末尾不加句号
# 发文字号: ${code}〔2026〕7号          # 不填则归档时自动编号；用〔〕，序号不加「第」、不编虚位
主送: 各村（社区），各办、中心        # 一个或多个机关，可写成列表
正文: |
  第一段文字。段落之间空一行。

  # 一级标题（自动编为 一、）
  一级标题下的文字。

  ## 二级标题（自动编为 （一））
  二级标题下的文字。
# 附件:                                # 可选；每个附件另起一页
#   - 名称: 附件名称（末尾不加标点）
#     正文: |
#       附件的文字。
#   - 名称: 已有的报告
#     文件: 附件/报告.pdf                # 与本文件放在一起的 PDF 或 DOCX
署名: ${organ}   # 不填则为工作区的发文机关
成文日期: 2026-11-24                  # 不填则为处理当天
印章: false                           # true：按加盖印章的格式排署名和日期
# 附注: 此件公开发布
# 联系人: ${contact}
# 联系电话: "${phone}"
# 抄送: 区信访局                       # 印在版记中
# 印发机关: ${printer}        # 不填则为工作区的印发机关
# 印发日期: 2026-11-24                # 不填则同成文日期
# 紧急程度: 加急                      # 特急 或 加急
# 份号: "000001"
${processing_2026_11_24}"""


MEETING_NOTICE = """\
# 会议通知（联席会议工作制度第七、八条：召开全体会议或专题会议）
# 正文由「会议」信息自动生成：会议时间、地点、主持人、参会人员、议题，再接「正文」中的要求。
文种: 会议通知
标题: 关于召开${meeting}××××的通知
主送: 联席会议各成员单位
会议:
  类型: 全体会议                     # 全体会议 或 专题会议
  时间: 2026-11-20 09:00
  地点: ${place}
  主持: ${chair}
  参会人员: 联席会议召集人、全体成员及各成员单位联络员
  议题:
    - 第一个议题
    - 第二个议题
正文: |
  请各成员单位于×月×日前将参会人员名单报联席会议办公室。
成文日期: 2026-11-12
印章: true
联系人: ${contact}                          # 印在附注中
联系电话: "${phone}"
${processing_2026_11_12}"""

MINUTES = """\
# 会议纪要（第七、八条）。未经召集人「审定」只生成加水印的草稿；
# 专题会议涉及跨分管领域的，须有相关召集人的「会签」。
文种: 会议纪要
会议类型: 全体会议                   # 全体会议 或 专题会议
# 期号: 4                            # 不填则归档时按年度自动编号
标题: ${meeting}××××纪要
会议:
  时间: 2026-11-20 09:00
  地点: ${place}
  主持: ${chair}
  记录: ${contact}
出席:
  - ${chair_label}
  - {单位: ${unit1}, 姓名: ${liaison1}}
请假:
  - {单位: ${unit2}, 姓名: ${liaison2}, 事由: 外出学习}
# 列席:
#   - {单位: 区信访局, 姓名: ×××}
正文: |
  会议情况概述。现将会议议定事项纪要如下。
议定事项:
  - 事项: 议定的事项
    责任单位: ${lead}
    配合单位: [各村（社区）]
    完成时限: 2026-11-30
审定:                                # 召集人审定后方可印发
  审定人: ${chair}
  日期: 2026-11-22
  # 意见: 同意印发                   # 印在发文稿纸上
# 跨分管领域: true                    # 专题会议涉及跨分管领域时
# 会签:
#   - {召集人: ${convener2}, 日期: 2026-11-21}
# 分送: 联席会议各成员单位            # 全体会议不填时分送全体成员单位
${minutes_processing}"""

BULLETIN = """\
# 督查通报（第十二条：全面督查、交办督查、专项督查）。
# 件数、已办结、办理中、超期、办结率由 fawen 根据督查事项计算，不必手填。
文种: 督查通报
督查类型: 专项督查                   # 全面督查、交办督查 或 专项督查
# 期号: 2
标题: 关于××××督查情况的通报
主送: 各村（社区），各办、中心
督查:
  时间: 2027-01-10至2027-01-20
  督查组: 联席会议办公室牵头
正文: |
  # 基本情况
  督查的基本情况。

  # 下步要求
  整改要求。
督查事项:                            # 也可写台账文件：督查事项: 台账/欠薪督查.xlsx（或 .csv）
  - {单位: ${unit1}, 事项: 某事项, 受理日期: 2026-11-02, 办理时限: 2026-12-31, 状态: 已办结}
  - {单位: ${unit2}, 事项: 某事项, 受理日期: 2026-11-15, 办理时限: 2027-01-14, 状态: 办理中}
统计截止日期: 2027-01-20              # 超期 = 办理中且已过办理时限
成文日期: 2027-01-22
# 抄送: 区信访局
${processing_2027_01_22}"""

REPORT = """\
# 专题报告（第十、十一条）：上行文，版头标注签发人。
文种: 专题报告
标题: ${office}关于××××的专题报告
签发人: ${head}                       # 上行文必填
主送: 镇党委、镇政府
正文: |
  报告的缘由。

  # 基本情况
  情况说明。

  特此报告。
署名: ${office}
成文日期: 2026-11-08
联系人: ${contact}
联系电话: "${phone}"
${upward_2026_11_08}"""

REQUEST = """\
# 请示（第九条：“三重一大”事项提交镇党委和政府研究决定）。
# 一文一事，只能主送一个机关；须注明联系人和联系电话。
文种: 请示
标题: 关于××××的请示
签发人: ${convener2}                         # 上行文必填
主送: 镇党委                          # 只写一个机关
正文: |
  请示的缘由和事项。

  妥否，请批示。
# 附件:
#   - 名称: 核查报告
#     文件: 附件/核查报告.pdf         # 与本文件放在一起的 PDF（或 DOCX）
成文日期: 2026-11-12
联系人: ${contact}                          # 必填
联系电话: "${phone}"              # 必填
${upward_2026_11_12}"""

# the 发文稿纸 filed with every version (not printed in the document itself): who drafted, checked,
# signed and produced it
_SIGNING = """\
# 签发意见: 同意印发                 # 须同时写签发人
# 签发日期: {day}                # 不晚于成文日期
"""
_PRODUCTION = """\
# 拟稿单位: {unit}
# 拟稿人: {drafter}
# 核稿人: {reviewer}
# 份数: 30
# 印制: ×××
# 校对: ×××
"""
_HEAD = "# 以下印在归档时生成的发文稿纸上，可不填。\n"


SIGNED = ("2026-11-08", "2026-11-12", "2026-11-24", "2027-01-22")  # each skeleton's 成文日期


def _processing(names: dict[str, str]) -> dict[str, str]:
    """The 发文稿纸 blocks of the skeletons, with the workspace's names, signed on each one's
    成文日期 (${processing_2026_11_24}: with the 签发人, for the kinds that print none)."""
    production = _PRODUCTION.format(unit=names["lead"], drafter=names["contact"], reviewer=names["head"])
    signer = f"# 签发人: {names['chair']}                     # 签发的领导（通知、通报只印在发文稿纸上）\n"
    out = {"minutes_processing": _HEAD + production}
    for day in SIGNED:
        key = day.replace("-", "_")
        out[f"processing_{key}"] = _HEAD + signer + _SIGNING.format(day=day) + production
        out[f"upward_{key}"] = _HEAD + _SIGNING.format(day=day) + production
    return out


KINDS = {"通知": NOTICE, "会议通知": MEETING_NOTICE, "会议纪要": MINUTES, "督查通报": BULLETIN,
         "专题报告": REPORT, "请示": REQUEST}  # fmt: skip
FEEDBACK = """\
# 办理反馈（第五条：督促落实联席会议议定事项）。不是公文：不排版、不编号，登记进督办台账。
# 放入收件箱 inbox/，或用 fawen tasks update 登记；同一文件重复放入不会重复登记。
文种: 办理反馈
事项编号: 纪要2026-4-2             # fawen tasks ls 列出的编号
单位: ${unit1}                     # 须为该事项的责任单位或配合单位
日期: 2026-11-28                   # 不早于会议日期，不晚于今天
状态: 办理中                       # 办理中 / 已办结 / 申请延期
进展: 已完成第一轮排查，下一步逐案落实化解措施。
# 新时限: 2027-01-15               # 仅状态为 申请延期 时填写：申请延到哪一天（待批准；台账的完成时限仍以纪要为准）
# 附件:                            # 证明材料，与本反馈放在同一文件夹
#   - 文件: 现场照片.jpg
"""
PETITION_INFO = """\
# 信访信息（第十条：成员单位向联席会议办公室报送重要敏感信访信息，办公室研判）。不是公文：不排版、不编号，登记进信访信息记录。
# 放入收件箱 inbox/，或用 fawen info add <文件> 登记；同一文件重复放入不会重复登记。
文种: 信访信息
单位: ${unit1}                     # 报送信息的联席会议成员单位
日期: 2026-11-28                   # 报送日期，不晚于今天
类别: 征地拆迁                     # 如 征地拆迁、劳资纠纷、涉法涉诉、其他（不超过 20 字）
敏感程度: 较敏感                   # 一般 / 较敏感 / 敏感
摘要: 某村部分村民反映征地补偿款发放问题，拟于近日集体到镇上访。   # 不超过 500 字
# 信访人数: 12                     # 涉及的人数（正整数），不知道时不写
# 报送人: ${liaison1}
"""
# inputs that are recorded rather than typeset (fawen new shows them too; fawen validate checks them as recording would)
RECORDS = {"办理反馈": FEEDBACK, "信访信息": PETITION_INFO}
UNKNOWN = "×××"
UNKNOWN_PHONE = "××××-×××××××"


def skeleton(kind: str, config: WorkspaceConfig | None) -> str | None:
    """The skeleton of ``kind`` filled with the workspace's names; None for an unknown 文种."""
    text = KINDS.get(kind) or RECORDS.get(kind)
    names = _names(config)
    return None if text is None else Template(text).substitute(names, **_processing(names))


@frozen
class _People:
    conveners: tuple[tuple[str, str], ...]  # (name, title)
    head: str
    members: tuple[MemberUnit, ...]
    host: str  # where the office sits (罕台镇平安建设办公室)


def _people(config: WorkspaceConfig | None) -> _People:
    meeting = config.meeting if config else None
    if meeting is None:
        return _People((), "", (), "")
    head = meeting.office_head.name if meeting.office_head else ""
    return _People(tuple((p.name, p.title) for p in meeting.conveners), head, meeting.members, meeting.office_host)


def _names(config: WorkspaceConfig | None) -> dict[str, str]:
    """Every ${name} of the skeletons, from the configuration; ××× where it says nothing."""
    p = _people(config)
    organ = config.organ if config else None
    name, short = (organ.name, organ.short_name or organ.name) if organ and organ.name else ("××××", "××")
    meeting = config.meeting.name if config and config.meeting and config.meeting.name else f"{short}信访工作联席会议"
    chair, chair_title = p.conveners[0] if p.conveners else (UNKNOWN, "")
    # the contact is the liaison of the unit hosting the office (its staff keep the meeting's papers)
    host = next((m for m in p.members if p.host and p.host.endswith(m.name)), None)
    contact = host or next((m for m in p.members if m.liaison), None)
    others = [m for m in p.members if m is not host] or list(p.members)
    office = MemberUnit("联席会议办公室", UNKNOWN)
    first = others[0] if others else office
    last = others[-1] if len(others) > 1 else office  # never the recorder: one person is in one list
    return {
        "organ": name, "code": (organ.codes.get("通知") if organ else "") or "××发",
        "printer": (organ.issuer if organ else "") or name, "meeting": meeting, "office": f"{meeting}办公室",
        "place": f"{short}会议室", "chair": chair, "chair_label": f"{chair}（{chair_title}）" if chair_title else chair,
        "convener2": p.conveners[1][0] if len(p.conveners) > 1 else chair, "head": p.head or chair,
        "contact": (contact.liaison if contact else "") or UNKNOWN, "phone": (contact.phone if contact else "") or UNKNOWN_PHONE,
        "lead": host.name if host else (p.members[0].name if p.members else "联席会议办公室"),
        "unit1": first.name, "liaison1": first.liaison or UNKNOWN, "unit2": last.name, "liaison2": last.liaison or UNKNOWN,
    }  # fmt: skip


# the skeletons with no workspace: every name a visible ×××
SKELETONS = {kind: skeleton(kind, None) or "" for kind in KINDS}
