"""Checks that know the workspace (issue 11, items 3 and 4): people and units against the roster,
dates in order, one person in one attendance list, the meeting time as notices print it, the
draft that ``validate`` foretells, and skeletons written with the workspace's own names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import run
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.meetingtime import printed_meeting_time
from pipeline.model import DocumentKind
from pipeline.skeletons import KINDS
from pipeline.stages.compose import compose
from pipeline.stages.parse import parse_input
from pipeline.stages.validate import validate
from pipeline.store import workspace as ws_store
from tests.conftest import EXAMPLES
from tests.conftest import TODAY
from tests.conftest import example_files

# A second township: none of the sample's names, and a convener 任秀兰 to be misspelt 任秀芝.
OTHER_TOWN = """\
机关:
  名称: 达拉特旗树林召镇人民政府
  简称: 树林召镇人民政府
  全宗号: F099
  印发机关: 树林召镇党政办公室
  机关代字: {通知: 树政发, 会议通知: 树政发, 专题报告: 树政报, 请示: 树政请}
联席会议:
  名称: 树林召镇信访工作联席会议
  召集人:
    - {姓名: 任秀兰, 职务: 镇党委书记}
    - {姓名: 马国庆, 职务: 镇长}
  办公室:
    设在: 树林召镇综治中心
    主任: {姓名: 高峰, 职务: 镇党委副书记}
  成员单位:
    - {名称: 综治中心, 联络员: 白雪, 电话: "0477-5000001"}
    - {名称: 农业服务中心, 联络员: 乔磊, 电话: "0477-5000002"}
    - {名称: 林原村, 联络员: 董梅, 电话: "0477-5000003"}
保管期限: {通知: Y, 会议通知: D10, 会议纪要: Y, 督查通报: D30, 专题报告: Y, 请示: Y}
机构问题: XF
"""
SAMPLE_NAMES = ("罕台", "王建国", "李明", "赵永刚", "刘海涛", "周强", "张丽", "陈刚", "孙浩", "冯军", "褚红", "平安建设办公室",
                "0477-8000002", "罕政")  # fmt: skip

NOTICE = """\
文种: 会议通知
标题: 关于召开信访工作联席会议专题会议的通知
主送: 联席会议各成员单位
会议:
  类型: 专题会议
  时间: 2026-11-20 15:00
  地点: 镇政府二楼会议室
  主持: 王建国
正文: 请准时参会。
成文日期: 2026-11-12
"""

MINUTES = """\
文种: 会议纪要
会议类型: 专题会议
标题: 关于九成功村土地补偿款信访问题的专题会议纪要
会议:
  时间: 2026-10-15 15:00
  地点: 罕台镇人民政府二楼会议室
  主持: 李明
  记录: 周强
跨分管领域: true
出席:
  - 李明（镇长）
  - 赵永刚（镇人大主席）
请假:
  - {单位: 九成功村, 姓名: 陈刚, 事由: 外出学习}
正文: 会议听取了情况汇报，议定如下。
议定事项:
  - 事项: 核实补偿款发放台账。
    责任单位: 经济发展办公室
    配合单位: [九成功村]
    完成时限: 2026-10-31
会签:
  - {召集人: 李明, 日期: 2026-10-16}
  - {召集人: 赵永刚, 日期: 2026-10-17}
审定:
  审定人: 李明
  日期: 2026-10-17
分送: [经济发展办公室, 九成功村]
印发日期: 2026-10-18
"""


def check(config, text: str, name: str = "x.yaml"):
    return validate(parse_input(name, ".yaml", text.encode("utf-8")), config, TODAY)


def refused(config, text: str) -> dict[str, tuple[str, int | None]]:
    """key -> (problem and expected, line) of every problem found."""
    with pytest.raises(InputError) as info:
        check(config, text)
    return {p.key: (f"{p.problem}。应为：{p.expected}", p.line) for p in info.value.problems}


def line_of(text: str, start: str) -> int:
    return next(i for i, row in enumerate(text.split("\n"), 1) if row.lstrip().startswith(start))


@pytest.fixture
def other_town(tmp_path: Path) -> ws_store.Workspace:
    root = tmp_path / "other"
    ws_store.init(root)
    (root / ws_store.CONFIG_NAME).write_text(OTHER_TOWN, encoding="utf-8")
    return ws_store.load(root)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


# ---- the mistakes users found ------------------------------------------------------------------


def test_both_fixtures_are_accepted(workspace):
    assert check(workspace.config, NOTICE).meeting.time == "2026-11-20 15:00"
    assert check(workspace.config, MINUTES).countersigns[1].by == "赵永刚"


def test_a_meeting_notice_needs_a_time_and_a_place(workspace):
    text = NOTICE.replace("  时间: 2026-11-20 15:00\n", "").replace("  地点: 镇政府二楼会议室\n", "")
    found = refused(workspace.config, text)
    assert "会议时间" in found["会议.时间"][0] and "2026-11-20 09:00" in found["会议.时间"][0]
    assert found["会议.时间"][1] == line_of(text, "会议:")  # a missing key is reported where it belongs
    assert "会议地点" in found["会议.地点"][0]


def test_a_meeting_time_must_name_a_real_day_and_its_weekday(workspace):
    found = refused(workspace.config, NOTICE.replace("2026-11-20 15:00", "2026年11月20日（星期四）下午3:00"))
    assert "11月20日是星期五" in found["会议.时间"][0]
    assert "没有写明会议日期" in refused(workspace.config, NOTICE.replace("2026-11-20 15:00", "下午3点"))["会议.时间"][0]


def test_a_meeting_before_its_notice_chaired_by_a_non_convener_is_refused(workspace):
    text = NOTICE.replace("2026-11-20 15:00", "2026-11-10 15:00").replace("主持: 王建国", "主持: 周强")
    found = refused(workspace.config, text)
    problem, line = found["成文日期"]
    assert "成文日期 2026-11-12 晚于会议日期 2026-11-10" in problem and line == line_of(text, "成文日期")
    problem, line = found["会议.主持"]
    assert "「周强」不是联席会议召集人" in problem and "王建国、李明、赵永刚" in problem and line == line_of(text, "主持")


def test_the_office_director_may_chair_and_a_name_outside_the_roster_says_how_to_add_it(workspace):
    assert check(workspace.config, NOTICE.replace("主持: 王建国", "主持: 刘海涛（镇党委政法委员）")).meeting
    problem, _ = refused(workspace.config, NOTICE.replace("主持: 王建国", "主持: 王建军"))["会议.主持"]
    assert "是否想写「王建国」？" in problem and "fawen.yaml 的「联席会议.召集人」中添加" in problem


def test_a_countersign_by_a_near_name_suggests_the_convener(other_town):
    text = (MINUTES.replace("李明", "马国庆").replace("赵永刚（镇人大主席）", "任秀兰（镇党委书记）")
            .replace("{召集人: 赵永刚", "{召集人: 任秀芝").replace("周强", "白雪").replace("陈刚", "董梅")
            .replace("九成功村", "林原村").replace("经济发展办公室", "农业服务中心"))  # fmt: skip
    found = refused(other_town.config, text)
    problem, line = found["会签[2].召集人"]
    assert "「任秀芝」不在 fawen.yaml 的联席会议召集人名单中" in problem and "是否想写「任秀兰」？" in problem
    assert line == line_of(text, "- {召集人: 任秀芝")
    assert set(found) == {"会签[2].召集人"}  # the rest of the other town's minutes is right


def test_approval_by_a_non_convener_is_refused(workspace):
    found = refused(workspace.config, MINUTES.replace("审定人: 李明", "审定人: 刘海涛"))
    assert "「刘海涛」不是联席会议召集人，不能审定会议纪要" in found["审定.审定人"][0]


def test_a_countersign_after_the_approval_and_the_issue_is_refused(workspace):
    text = MINUTES.replace("{召集人: 赵永刚, 日期: 2026-10-17}", "{召集人: 赵永刚, 日期: 2026-10-20}")
    problem, line = refused(workspace.config, text)["会签[2].日期"]
    assert "会签日期 2026-10-20 晚于审定日期 2026-10-17、印发日期 2026-10-18" in problem
    assert line == line_of(text, "- {召集人: 赵永刚")


def test_minutes_dates_follow_the_meeting(workspace):
    text = MINUTES.replace("2026-10-15 15:00", "2026-10-19 15:00")
    found = refused(workspace.config, text)
    assert "会议日期 2026-10-19 晚于会签日期 2026-10-16" in found["会议.时间"][0]
    assert "完成时限 2026-10-31" not in str(found)  # after the meeting: right
    late = refused(workspace.config, MINUTES.replace("完成时限: 2026-10-31", "完成时限: 2026-10-01"))
    assert "早于会议日期 2026-10-15" in late["议定事项[1].完成时限"][0]


def test_the_recorder_on_leave_and_one_person_in_two_lists_are_refused(workspace):
    text = MINUTES.replace("姓名: 陈刚", "姓名: 周强").replace("  - 赵永刚（镇人大主席）\n", "  - 赵永刚（镇人大主席）\n  - 李明\n")
    found = refused(workspace.config, text)
    problem, line = found["请假[1]"]
    assert "「周强」已列在「会议.记录」中，不能又列在「请假」中" in problem and line == line_of(text, "- {单位: 九成功村")
    assert "「李明」已列在" in found["出席[3]"][0]


def test_units_are_member_units_and_a_near_name_in_the_distribution_is_a_typo(workspace):
    text = MINUTES.replace("责任单位: 经济发展办公室", "责任单位: 经发办").replace("分送: [经济发展办公室, 九成功村]",
                                                                      "分送: [经济发展办公室, 九成功村委会, 区信访局]")  # fmt: skip
    found = refused(workspace.config, text)
    assert "是否想写「经济发展办公室」？" in found["议定事项[1].责任单位"][0]
    assert "「联席会议.成员单位」中添加" in found["议定事项[1].责任单位"][0]
    assert "是否想写「九成功村」？" in found["分送[2]"][0]
    assert "分送[3]" not in found  # another body (相关部门, 第七条), not like any member unit


# ---- what is printed -------------------------------------------------------------------------


@pytest.mark.parametrize("written,printed", [
    ("2026-11-20 09:00", "11月20日（星期五）上午9:00"), ("2026/11/20 15:30", "11月20日（星期五）下午3:30"),
    ("2026年11月20日下午3点", "11月20日（星期五）下午3:00"), ("2026-11-22 09:00-11:30", "11月22日（星期日）上午9:00-11:30"),
])  # fmt: skip
def test_meeting_time_is_printed_with_its_weekday_and_half_day(written, printed):
    assert printed_meeting_time(written, with_year=False) == printed
    assert printed_meeting_time(written) == "2026年" + printed


def test_the_notice_opening_names_the_day_as_notices_do(workspace):
    req = check(workspace.config, NOTICE)
    comp = compose(req, workspace.config, "罕政发〔2026〕□号")
    assert comp.blocks[0].text.startswith("经研究，定于11月20日（星期五）下午3:00召开信访工作联席会议专题会议。")
    assert "定于召开" not in " ".join(b.text for b in comp.blocks)


# ---- validate foretells the draft --------------------------------------------------------------


def drafts(folder: Path) -> list[Path]:
    """20 minutes that render as 草稿: no 审定, or a 跨分管领域 meeting short of a 会签."""
    base = json.loads(json.dumps(run_yaml(MINUTES)))
    variants = []
    for chair in ("王建国", "李明", "赵永刚"):
        for kind in ("全体会议", "专题会议"):
            v = dict(base, 会议类型=kind, 会议=dict(base["会议"], 主持=chair))
            v.pop("审定")
            variants.append(v)  # 6: never approved
    for signed in ([], ["李明"], ["赵永刚"]):
        for approved in (True, False):
            v = dict(base, 会签=[{"召集人": s, "日期": "2026-10-16"} for s in signed])
            if not approved:
                v.pop("审定")
            variants.append(v)  # 6: a 会签 missing, approved or not
    for extra in ("王建国（镇党委书记）", "王建国"):
        for approved in (True, False):
            v = dict(base, 出席=[*base["出席"], extra])
            if not approved:
                v.pop("审定")
            variants.append(v)  # 4: a third convener present who did not sign
    for title in ("其一", "其二", "其三", "其四"):
        v = dict(base, 标题=f"{base['标题']}（{title}）", 会签=[base["会签"][0]])
        variants.append(v)  # 4: 赵永刚 present, not signed
    assert len(variants) == 20
    out = []
    for i, v in enumerate(variants, 1):
        path = folder / f"草稿{i:02d}.json"
        path.write_text(json.dumps(v, ensure_ascii=False, indent=1), encoding="utf-8")
        out.append(path)
    return out


def run_yaml(text: str) -> dict:
    return parse_input("x.yaml", ".yaml", text.encode("utf-8")).data


def test_validate_foretells_what_render_does(workspace, tmp_path):
    files = example_files(EXAMPLES) + drafts(tmp_path)
    result = invoke("-w", str(workspace.root), "validate", "--json", *map(str, files))
    foretold = {Path(r["文件"]).name: r["草稿"] for r in json.loads(result.stdout)}
    assert result.exit_code == 3  # every file valid, some drafts
    for path in files:
        outcome = run.render_file(path, workspace, tmp_path / "out", TODAY)
        assert outcome.ok, outcome.message
        assert foretold[path.name] == outcome.draft, path.name
        assert bool(outcome.draft) == path.name.startswith("草稿"), path.name


def test_validate_says_it_will_be_a_draft_and_exits_3(workspace, tmp_path):
    path = tmp_path / "纪要.yaml"
    path.write_text(re.sub(r"审定:\n.*\n.*\n", "", MINUTES), encoding="utf-8")
    result = invoke("-w", str(workspace.root), "validate", str(path))
    assert result.exit_code == 3
    assert "将生成草稿：未经召集人审定" in result.stdout and "校验通过，但" in result.stdout
    both = invoke("-w", str(workspace.root), "validate", str(path), str(EXAMPLES / "001-印发制度的通知.yaml"))
    assert both.exit_code == 3
    bad = tmp_path / "坏.yaml"
    bad.write_text("文种: 通知\n", encoding="utf-8")
    assert invoke("-w", str(workspace.root), "validate", str(path), str(bad)).exit_code == 1


# ---- skeletons from the workspace ----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_skeletons_carry_the_workspaces_own_names(other_town, tmp_path, kind):
    target = tmp_path / f"{kind}.yaml"
    assert invoke("-w", str(other_town.root), "new", kind, "-o", str(target)).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert not [name for name in SAMPLE_NAMES if name in text]
    result = invoke("-w", str(other_town.root), "validate", str(target))
    assert result.exit_code == 0, result.output
    if kind == "会议纪要":
        for name in ("任秀兰（镇党委书记）", "树林召镇信访工作联席会议", "记录: 白雪", "综治中心", "农业服务中心"):
            assert name in text, name
    if kind == "请示":
        assert "签发人: 马国庆" in text and '联系电话: "0477-5000001"' in text


def test_skeletons_without_a_roster_mark_the_names_to_fill(tmp_path):
    root = tmp_path / "bare"
    ws_store.init(root)
    config = re.sub(r"联席会议:\n(  .*\n)+", "", OTHER_TOWN)
    (root / ws_store.CONFIG_NAME).write_text(config, encoding="utf-8")
    for kind in KINDS:
        target = tmp_path / f"{kind}.yaml"
        assert invoke("-w", str(root), "new", kind, "-o", str(target)).exit_code == 0
        text = target.read_text(encoding="utf-8")
        assert not [name for name in SAMPLE_NAMES if name in text]
        result = invoke("-w", str(root), "validate", str(target))
        assert result.exit_code == 0, result.output
    assert "主持: ×××" in (tmp_path / "会议纪要.yaml").read_text(encoding="utf-8")
    assert check(ws_store.load(root).config, (tmp_path / "会议纪要.yaml").read_text(encoding="utf-8")).kind == DocumentKind.MINUTES
