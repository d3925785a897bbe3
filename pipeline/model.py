"""The vocabulary: frozen dataclasses every stage speaks. Imports nothing from ``pipeline`` but ``frozen``."""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from enum import StrEnum
from typing import Any

from pipeline.frozen import frozen


class DocumentKind(StrEnum):
    """文种."""

    NOTICE = "通知"
    MEETING_NOTICE = "会议通知"
    MINUTES = "会议纪要"
    BULLETIN = "督查通报"
    REPORT = "专题报告"
    REQUEST = "请示"

    @property
    def upward(self) -> bool:
        """上行文: 签发人 in the 版头."""
        return self in (DocumentKind.REPORT, DocumentKind.REQUEST)

    @property
    def serial(self) -> bool:
        """Kinds numbered by 期号 within a series rather than by 发文字号."""
        return self in (DocumentKind.MINUTES, DocumentKind.BULLETIN)


class BlockKind(StrEnum):
    PARAGRAPH = "paragraph"
    HEADING = "heading"  # 一、 （一） 1. （1）
    ITEM = "item"  # a list item numbered as written
    ATTENDANCE = "attendance"  # 纪要: 出席 / 请假 / 列席 label (黑体) + names, hanging indent
    TABLE = "table"  # 督查事项 and the like
    BLANK = "blank"  # one empty grid line


@frozen
class Table:
    """A table on the grid: column widths in 字 (full-width characters), adding up to 28."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...]


@frozen
class Block:
    """One paragraph of a body (正文段落). ``level`` 1–4 for headings, 0 otherwise."""

    kind: BlockKind
    text: str
    level: int = 0
    label: str = ""  # ATTENDANCE: 出席 / 请假 / 列席
    table: Table | None = None


@frozen
class Attachment:
    """附件: either a body typeset on new pages, or an existing file appended."""

    name: str
    body: tuple[Block, ...] = ()
    file: str | None = None  # relative to the input file


@frozen
class Person:
    name: str
    title: str = ""
    unit: str = ""
    reason: str = ""  # 请假事由

    def label(self) -> str:
        """How a person is printed in a 纪要 attendance line."""
        text = self.name
        if self.unit:
            text = f"{self.unit}{self.name}"
        if self.title:
            text += f"（{self.title}）"
        if self.reason:
            text += f"（{self.reason}）"
        return text


@frozen
class MemberUnit:
    """联席会议成员单位."""

    name: str
    liaison: str = ""
    phone: str = ""


@frozen
class LiaisonChange:
    """One 联络员变更 备案 (第六条): from ``filed`` on, ``unit``'s 联络员 is ``liaison`` at ``phone``."""

    unit: str
    liaison: str
    phone: str
    filed: dt.date  # 备案日期
    former: str = ""  # 原联络员, as the unit reported it
    seq: int = 0  # its line in the 联络员备案 log


@frozen
class Organ:
    """发文机关."""

    name: str
    mark: str  # 发文机关标志, printed in red
    short_name: str = ""
    fonds: str = ""  # 全宗号
    issuer: str = ""  # 印发机关
    codes: dict[str, str] = field(default_factory=dict)  # 文种 -> 机关代字
    seal_image: str = ""  # 印章图片, relative to the workspace
    signature: str = ""  # 署名 as printed; the 名称 when empty

    @property
    def sign_name(self) -> str:
        return self.signature or self.name

    @property
    def mark_name(self) -> str:
        """The 标志 without its 文件: what a joint 版头 stacks (GB/T 9704 §7.2.4)."""
        return self.mark.removesuffix("文件") or self.name

    def known_as(self, text: str) -> bool:
        """Whether an input naming ``text`` means this organ (名称, 简称, 署名 or 标志)."""
        text = text.strip()
        return bool(text) and text in (self.name, self.short_name, self.signature, self.mark)


@frozen
class JointMeeting:
    """信访工作联席会议: the body whose rules (the seed) fawen implements."""

    name: str
    conveners: tuple[Person, ...] = ()
    office_host: str = ""
    office_head: Person | None = None
    members: tuple[MemberUnit, ...] = ()


@frozen
class YearDays:
    """One year of fawen.yaml's 节假日: the days off (放假) and the weekend days worked instead
    (调休上班). Every other weekday is a working day, every other weekend day is not."""

    year: int
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@frozen
class WorkspaceConfig:
    """What ``fawen.yaml`` says: the organ and its rules."""

    organ: Organ
    meeting: JointMeeting | None
    retention: dict[str, str] = field(default_factory=dict)  # 文种 -> Y / D30 / D10
    problem_code: str = ""  # 机构问题
    code_profile: str = "DA/T 22-2015"
    seal_image: str | None = None  # relative to the workspace
    font_dirs: tuple[str, ...] = ()
    allow_classified: bool = False
    timezone: str = "Asia/Shanghai"  # 时区: IANA name; the archive's times carry it
    operator: str = ""  # 操作员: whom the inbox watcher's events are recorded as
    web_password_hash: str = ""  # 网页访问.口令散列: fawen serve asks for the password it hashes
    more_organs: tuple[Organ, ...] = ()  # 机关 as a list: the organs after the first (default) one
    holidays: tuple[
        YearDays, ...
    ] = ()  # 节假日: years whose holidays the chinesecalendar package does not know (or overrides)
    liaison_changes: tuple[
        LiaisonChange, ...
    ] = ()  # 联络员备案 (the archive's log), oldest first: pipeline.roster dates the roster

    @property
    def organs(self) -> tuple[Organ, ...]:
        """Every organ the workspace issues for, the default (``organ``) first."""
        return (self.organ, *self.more_organs)

    def organ_named(self, text: str) -> Organ | None:
        """The organ an input means by ``text`` (名称, 简称, 署名 or 标志), or None."""
        return next((o for o in self.organs if o.known_as(text)), None)

    def chosen_organs(self, names: tuple[str, ...]) -> tuple[Organ, ...]:
        """The organs of a request's 发文机关 (主办机关 first); the default organ when none is named."""
        found = tuple(o for o in (self.organ_named(n) for n in names) if o is not None)
        return found or (self.organ,)


@frozen
class Meeting:
    """会议 block of a 会议通知 or 会议纪要."""

    type: str = ""  # 全体会议 / 专题会议
    time: str = ""
    place: str = ""
    chair: str = ""
    recorder: str = ""
    attendees: str = ""
    topics: tuple[str, ...] = ()


@frozen
class Resolution:
    """议定事项."""

    matter: str
    lead: str
    partners: tuple[str, ...] = ()
    deadline: dt.date | None = None  # the day, relative forms counted from the meeting day
    deadline_text: str = ""  # 完成时限 as written when it is not a plain date: 会后15个工作日, 30日内, 12月31日
    assigned_by: str = ""  # 交办领导: a matter a leader assigned (checked by 交办督查, 第十二条)
    campaign: str = ""  # 专项: the 专项工作 it belongs to (checked by 专项督查)


@frozen
class Approval:
    """审定 (the convener's approval) or one 会签 entry."""

    by: str
    date: dt.date | None = None
    opinion: str = ""  # 意见: what the convener wrote (the 发文稿纸 shows it)


@frozen
class Dispatch:
    """What the 发文稿纸 (dispatch form) records beyond the document itself: who drafted and
    checked it, the 签发 opinion and day, and how it was produced. Every field optional."""

    unit: str = ""  # 拟稿单位
    drafter: str = ""  # 拟稿人
    reviewer: str = ""  # 核稿人
    opinion: str = ""  # 签发意见 (a 纪要's 审定 carries its own 意见)
    signed: dt.date | None = None  # 签发日期
    copies: int | None = None  # 份数
    printed_by: str = ""  # 印制
    proofread_by: str = ""  # 校对


@frozen
class InspectionRow:
    """One row of a 督查事项 table."""

    unit: str
    matter: str
    received: dt.date
    deadline: dt.date
    status: str
    item_id: str = ""  # the 督办台账 item it was drawn from (纪要2026-4-2); '' for typed or CSV rows


@frozen
class InformationQuery:
    """信息统计 of a 研判 专题报告 (第十条): the 信访信息 recorded for a period, counted per 类别,
    单位 or 敏感程度 (resolved at the edge; the counts are computed, never typed)."""

    start: dt.date  # 起
    end: dt.date  # 止
    by: tuple[str, ...] = ("类别", "单位")  # 按: one table per dimension


@frozen
class LedgerQuery:
    """督查事项 drawn from the 督办台账 instead of typed rows: which items, as of which day.
    The 通报's 督查类型 chooses the kind of item (第十二条 keeps the three apart)."""

    cutoff: dt.date  # 截至: progress reported after it does not count
    meetings: tuple[str, ...] = ()  # 会议: 纪要2026-4 (an item id's meeting part); () = every meeting
    units: tuple[str, ...] = ()  # 单位: 责任单位 among these; () = every unit
    campaign: str = ""  # 专项: for 专项督查, the 专项工作 checked; '' = every 专项


@frozen
class DocumentRequest:
    """A validated input: everything needed to typeset one document (公文)."""

    source: str  # file name, for messages
    kind: DocumentKind
    title: str
    number: str | None = None  # 发文字号 as given
    issue: int | None = None  # 期号 as given
    recipients: tuple[str, ...] = ()  # 主送
    body: tuple[Block, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    signature: str = ""  # 署名
    date: dt.date | None = None  # 成文日期
    seal: bool = False
    signers: tuple[str, ...] = ()  # 签发人
    copy_number: str = ""  # 份号
    secrecy: str = ""  # 密级
    secrecy_period: str = ""  # 保密期限
    urgency: str = ""  # 紧急程度
    note: str = ""  # 附注
    contact: str = ""
    phone: str = ""
    cc: tuple[str, ...] = ()  # 抄送
    printer: str = ""  # 印发机关
    print_date: dt.date | None = None  # 印发日期
    retention: str = ""  # 保管期限
    problem: str = ""  # 机构问题
    identity: str = ""  # 标识
    organs: tuple[str, ...] = ()  # 发文机关 (名称 each, 主办机关 first); () = the workspace's default organ
    meeting_id: str = ""  # 会议编号: the meeting this document belongs to (the meeting chain)
    meeting_notice: str = ""  # 会议通知 (纪要 only): the 档号 or 文号 of its filed notice, as typed
    links: tuple[dict[str, str], ...] = ()  # 关联 to other 件, resolved at the edge: {类型, 对象, 档号, 题名}
    # kind-specific
    meeting: Meeting | None = None
    meeting_type: str = ""
    present: tuple[Person, ...] = ()  # 出席
    absent: tuple[Person, ...] = ()  # 请假
    attending: tuple[Person, ...] = ()  # 列席
    resolutions: tuple[Resolution, ...] = ()
    approval: Approval | None = None  # 审定
    countersigns: tuple[Approval, ...] = ()  # 会签
    cross_domain: bool = False  # 跨分管领域
    proposer: str = ""  # 议题提出单位
    distribution: tuple[str, ...] = ()  # 分送
    inspection_type: str = ""
    inspection_time: str = ""
    inspection_team: str = ""
    inspection_rows: tuple[InspectionRow, ...] = ()
    inspection_ledger: str = ""  # path of a CSV/XLSX ledger
    inspection_query: LedgerQuery | None = None  # rows drawn from the 督办台账 (resolved at the edge)
    inspection_snapshot: dict[str, Any] | None = None  # the ledger as drawn: archived with the 通报
    information_query: InformationQuery | None = None  # 信息统计 (专题报告)
    information_snapshot: dict[str, Any] | None = None  # the counts as computed: archived with the 报告
    cutoff: dt.date | None = None  # 统计截止日期
    completed: tuple[tuple[str, str, str], ...] = ()  # 补全: (key, value supplied, where from)
    dispatch: Dispatch = Dispatch()  # 发文稿纸: 拟稿, 核稿, 签发意见/日期, 份数, 印制, 校对

    @property
    def plain_title(self) -> str:
        """题名 as one line: a line break typed in the title only forces where it is broken."""
        return self.title.replace("\r", "").replace("\n", "")


@frozen
class Head:
    """版头: the red mark and what stands under it."""

    mark: str  # 发文机关标志, or 纪要标志 / 督查通报
    number: str = ""  # 发文字号, or 第N期 for a serial head
    serial: bool = False  # 纪要/简报 head: 第N期, then 编发单位 and date over a red line
    editor: str = ""  # 编发单位 (serial head)
    date: str = ""  # printed date (serial head)
    signers: tuple[str, ...] = ()  # 签发人 (上行文)
    joint: tuple[str, ...] = ()  # 联合行文: the organs' names, stacked; ``mark`` is them joined plus the suffix
    copy_number: str = ""
    secrecy: str = ""  # 密级 with 保密期限, e.g. 机密★1年
    urgency: str = ""

    @property
    def joint_suffix(self) -> str:
        """What stands to the right of a joint 版头's stacked names (文件), or ""."""
        return self.mark.removeprefix("".join(self.joint)) if self.joint else ""


@frozen
class Signature:
    """署名 and 成文日期."""

    organ: str  # the 主办机关's 署名
    date: str
    seal: bool = False
    others: tuple[str, ...] = ()  # 联合行文: the other organs' 署名, in issuing order

    @property
    def names(self) -> tuple[str, ...]:
        return (self.organ, *self.others)


@frozen
class AttachmentPage:
    """An attachment typeset after the body: 附件N label, title, body."""

    label: str
    title_lines: tuple[str, ...]
    body: tuple[Block, ...]
    file: str | None = None  # an existing document appended after this label page
    file_pages: int = 0


@frozen
class Imprint:
    """版记: 主送 moved here when page 1 would hold no 正文, 抄送 (or 分送), 印发."""

    copies_label: str = "抄送"
    copies: str = ""
    recipients: str = ""
    printer: str = ""
    date: str = ""


@frozen
class Composition:
    """A document laid out in words, before either renderer draws it: what goes where."""

    kind: DocumentKind
    head: Head
    title: str
    title_lines: tuple[str, ...]
    recipients: str = ""  # 主送, joined, without the colon
    blocks: tuple[Block, ...] = ()
    attachment_names: tuple[str, ...] = ()
    signature: Signature | None = None
    note: str = ""  # 附注 in （）
    attachments: tuple[AttachmentPage, ...] = ()
    imprint: Imprint = field(default_factory=Imprint)
    draft: str = ""  # why this is a 草稿 (watermarked); empty for an issued document
    author: str = ""
    co_authors: tuple[str, ...] = ()  # 联合行文: the other organs (责任者 after ``author``)
    keywords: str = ""
    date: dt.date | None = None  # 成文日期, for the document properties

    @property
    def authors(self) -> tuple[str, ...]:
        """责任者: the 主办机关 (or 编发单位), then the co-issuing organs."""
        return tuple(a for a in (self.author, *self.co_authors) if a)


@frozen
class Rendered:
    """The two renderings of one document."""

    name: str
    pdf: bytes
    docx: bytes
    pages: int
    draft: str = ""
    composition: Composition | None = None


@frozen
class RawInput:
    """A parsed input file before validation."""

    name: str
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # key path -> 1-based line

    def line(self, path: str) -> int | None:
        if not path:  # the key written as "" (JSON allows it): its own line, never another's
            return self.lines.get(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


METADATA = "元数据.json"
MANIFEST = "manifest-sha256.txt"
DISPATCH_FORM = "发文稿纸.pdf"  # the 发文稿纸 of a version (versions filed before it have none)
ARCHIVAL_OFD = "归档.ofd"  # the 归档件 as OFD-A (versions filed before it have none)
DISPATCH_FORM_ROLE = "发文稿纸"  # its role in the record's 组件 and its 稿本 in its own metadata


@frozen
class FilingPlan:
    """What to write for one version of one 件, relative to the archive root."""

    class_path: tuple[str, ...]  # 年度, 保管期限, 机构问题
    entry: str  # folder of the 件: 档号 and short title
    version: int
    files: dict[str, bytes] = field(default_factory=dict)  # name -> bytes, metadata and manifest included

    @property
    def version_dir(self) -> str:
        return f"v{self.version}"


@frozen
class Placement:
    """Where one version of a 件 goes (decided by stages.numbering, stated by stages.record): its
    number as printed and named, its 全宗, class, 件号 and 档号, and its version."""

    number: str  # 发文字号, or the series label of a serial document
    series: str  # series name of a serial document, else ''
    year: int
    retention: str
    problem: str
    item: int  # 件号: 0 for a new 件 until it lands (no gaps, no reuse)
    version: int
    fonds: str = ""  # 全宗号
    archive_code: str = ""  # 档号: the 件's own when it continues one; else set with the 件号

    @property
    def class_path(self) -> tuple[str, ...]:
        """年度, 保管期限, 机构问题 as folders (the empty ones left out)."""
        return tuple(p for p in (str(self.year), self.retention, self.problem) if p)
