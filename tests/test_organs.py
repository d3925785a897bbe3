"""Several issuing organs in one workspace (issue 11): 镇党委, 镇政府 and the 联席会议办公室, each
with its own 标志, 机关代字, 印发机关, seal and 署名; an input chooses with 发文机关, one or several
(联合行文, GB/T 9704 §7.2.4, §7.2.5, §7.3.5). Everything is read back from the filed files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from docx import Document

from pipeline import gbt9704 as g
from pipeline import run
from pipeline.configuration import ConfigError
from pipeline.configuration import read_config
from pipeline.store import workspace as ws_store
from tests.conftest import TODAY
from tests.conftest import render
from tests.conftest import write_input
from tests.support import PdfFacts
from tests.support import is_red

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
L, R, C, P = g.LEFT, g.RIGHT, g.CHAR, g.PITCH
PARTY, GOV, OFFICE = "中共罕台镇委员会", "罕台镇人民政府", "罕台镇信访工作联席会议办公室"

CONFIG = """\
# 三个发文机关，第一个为默认
机关:
  - 名称: 中共罕台镇委员会
    标志: 中共罕台镇委员会文件
    简称: 镇党委
    全宗号: F071
    印发机关: 罕台镇党政综合办公室
    印章图片: 印章/镇党委.png
    机关代字: {通知: 罕党发, 会议通知: 罕党发, 专题报告: 罕党报, 请示: 罕党请}
  - 名称: 罕台镇人民政府
    发文机关标志: 罕台镇人民政府文件
    简称: 镇政府
    印发机关: 罕台镇人民政府办公室
    印章图片: 印章/镇政府.png
    机关代字: {通知: 罕政发, 会议通知: 罕政发, 专题报告: 罕政报, 请示: 罕政请}
  - 名称: 罕台镇信访工作联席会议办公室
    标志: 罕台镇信访工作联席会议办公室
    简称: 联席办
    印发机关: 罕台镇平安建设办公室
    机关代字: {专题报告: 罕信联报, 会议通知: 罕信联发}
联席会议:
  名称: 罕台镇信访工作联席会议
  召集人:
    - {姓名: 王建国, 职务: 镇党委书记}
    - {姓名: 李明, 职务: 镇长}
  办公室:
    设在: 罕台镇平安建设办公室
    主任: {姓名: 刘海涛, 职务: 镇党委政法委员}
  成员单位:
    - {名称: 平安建设办公室, 联络员: 周强, 电话: "0477-8000002"}
机构问题: XF
"""

REPORT = """\
文种: 专题报告
发文机关: 联席办
标题: 关于九成功村土地补偿款信访问题的专题报告
签发人: 刘海涛
主送: 镇党委、镇政府
正文: |
  根据联席会议专题会议议定事项，现将有关情况报告如下。

  特此报告。
成文日期: 2026-11-08
联系人: 周强
联系电话: "0477-8000002"
"""

JOINT = """\
文种: 通知
发文机关:
  - 镇党委
  - 罕台镇人民政府
标题: 关于做好冬春季信访矛盾纠纷排查化解工作的通知
主送: 各村（社区）、镇直各单位
正文: |
  为做好冬春季信访工作，现就有关事项通知如下。

  各单位要高度重视，逐项落实。
成文日期: 2026-11-12
"""


def _seal(path: Path) -> None:
    from PIL import Image
    from PIL import ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGBA", (420, 420), (255, 255, 255, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 410, 410), outline=(230, 0, 18, 255), width=18)
    image.save(path)


@pytest.fixture(scope="module")
def township(tmp_path_factory: pytest.TempPathFactory) -> ws_store.Workspace:
    root = tmp_path_factory.mktemp("township")
    for sub in ("inbox", "outbox"):
        (root / sub).mkdir()
    (root / ws_store.CONFIG_NAME).write_text(CONFIG, encoding="utf-8")
    _seal(root / "印章" / "镇党委.png")
    _seal(root / "印章" / "镇政府.png")
    return ws_store.load(root)


def _file(workspace: ws_store.Workspace, name: str, text: str) -> run.Filed:
    src = write_input(workspace.root / "inbox", name, text)
    return run.file_document(src, workspace, TODAY, NOW)


@pytest.fixture(scope="module")
def report(township: ws_store.Workspace) -> tuple[run.Filed, PdfFacts]:
    filed = _file(township, "report.yaml", REPORT)
    return filed, PdfFacts(filed.folder / "正本.pdf")


@pytest.fixture(scope="module")
def joint(township: ws_store.Workspace) -> tuple[run.Filed, PdfFacts]:
    filed = _file(township, "joint.yaml", JOINT.replace("成文日期: 2026-11-12", "成文日期: 2026-11-12\n印章: true"))
    return filed, PdfFacts(filed.folder / "正本.pdf")


def _record(filed: run.Filed) -> dict:
    return json.loads((filed.folder / "元数据.json").read_text(encoding="utf-8"))


# ---- fawen.yaml ----------------------------------------------------------------------------------


def test_the_workspace_lists_its_organs_the_first_the_default(township):
    cfg = township.config
    assert [o.name for o in cfg.organs] == [PARTY, GOV, OFFICE] and cfg.organ.name == PARTY
    assert cfg.organ.fonds == "F071" and cfg.organs[1].mark == "罕台镇人民政府文件"  # 发文机关标志 is 标志
    assert cfg.organ_named("联席办").codes == {"专题报告": "罕信联报", "会议通知": "罕信联发"}
    assert township.seal_path_of(cfg.organs[1]).name == "镇政府.png" and township.seal_path_of(cfg.organs[2]) is None


def test_an_old_single_organ_configuration_still_works(workspace, tmp_path):
    cfg = workspace.config
    assert cfg.organs == (cfg.organ,) and cfg.organ_named("罕台镇人民政府") is cfg.organ
    text = "文种: 通知\n发文机关: 罕台镇人民政府\n标题: 关于测试的通知\n正文: 请执行。\n成文日期: 2026-11-12\n"
    _, pdf = render(workspace, write_input(tmp_path, "old.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    assert facts.find("人民政府文件").text == cfg.organ.mark and facts.find("罕政发〔2026〕")
    assert [ln for ln in facts.lines if ln.text == cfg.organ.name]  # 署名


def _problems(text: str) -> list:
    with pytest.raises(ConfigError) as caught:
        read_config("fawen.yaml", text.encode("utf-8"))
    return caught.value.problems


def test_organ_mistakes_name_the_key_and_line():
    twin = CONFIG.replace("简称: 镇政府", "简称: 镇党委").replace("    全宗号: F071\n", "", 1)
    twin = twin.replace("    印发机关: 罕台镇平安建设办公室", "    全宗号: F072\n    印发机关: 罕台镇平安建设办公室")
    twin = twin.replace("发文机关标志: 罕台镇人民政府文件", "发文机关标识: 罕台镇人民政府文件")
    found = {p.key: p for p in _problems(twin)}
    rows = twin.split("\n")
    assert found["机关[2].简称"].line == rows.index("    简称: 镇党委", 5) + 1
    assert "已是第 1 个发文机关" in found["机关[2].简称"].problem
    assert found["机关[2].发文机关标识"].line == rows.index("    发文机关标识: 罕台镇人民政府文件") + 1
    assert "是否想写「发文机关标志」" in found["机关[2].发文机关标识"].expected
    assert found["机关[3].全宗号"].line == rows.index("    全宗号: F072") + 1 and "第一个" in found["机关[3].全宗号"].problem
    codes = _problems(CONFIG.replace("    机关代字: {通知: 罕党发, 会议通知: 罕党发, 专题报告: 罕党报, 请示: 罕党请}\n", ""))
    assert [p.key for p in codes] == ["机关[1].机关代字"]  # the default organ numbers every kind
    renamed = {p.key: p for p in _problems(CONFIG.replace("机关:\n", "发文机关:\n", 1))}
    assert renamed["发文机关"].line == 2 and "是否想写「机关」" in renamed["发文机关"].expected


def test_an_unknown_organ_is_refused_with_key_line_and_the_list(township, tmp_path):
    text = JOINT.replace("  - 罕台镇人民政府", "  - 镇正府")
    outcome = run.render_file(write_input(tmp_path, "bad.yaml", text), township, tmp_path / "out", TODAY)
    assert not outcome.ok
    assert "第 4 行，键「发文机关[2]」：未知的发文机关「镇正府」" in outcome.message
    assert "是否想写「镇政府」？" in outcome.message and f"{OFFICE}（联席办）" in outcome.message
    minutes = "文种: 督查通报\n发文机关: [镇党委, 镇政府]\n标题: 关于测试的通报\n正文: 请执行。\n"
    outcome = run.render_file(write_input(tmp_path, "bulletin.yaml", minutes), township, tmp_path / "out", TODAY)
    assert not outcome.ok and "不能联合行文" in outcome.message
    notice = "文种: 通知\n发文机关: 联席办\n标题: 关于测试的通知\n正文: 请执行。\n"
    outcome = run.render_file(write_input(tmp_path, "code.yaml", notice), township, tmp_path / "out", TODAY)
    assert not outcome.ok and "没有文种「通知」的机关代字" in outcome.message


# ---- a 专题报告 of the 联席会议办公室 ------------------------------------------------------------------


def test_report_prints_the_office_head_number_and_signature(report):
    filed, facts = report
    assert filed.number == "罕信联报〔2026〕1号"
    mark = facts.find("联席会议办公室")
    assert mark.page == 1 and mark.text == OFFICE and all(is_red(c) for c in mark.colours())
    ink = facts.ink_box(1, 20, 50, 190, mark.bottom + 2, red=True)
    assert abs(ink[1] - 72.0) <= 1.0 and abs((ink[0] + ink[2]) / 2 - g.CENTRE_X) <= 1.0  # R7
    number = facts.find(filed.number)
    assert abs(number.x0 - (L + C)) <= 0.7 and number.text == filed.number  # R11, 上行文
    assert "镇人民政府文件" not in facts.text() and "罕政" not in facts.text()
    sign = [ln for ln in facts.lines if ln.text == OFFICE][-1]  # the 标志 first, the 署名 last
    assert sign is not mark and abs(sign.x1 - (R - 2 * C)) <= 1.0  # R21 without a seal
    assert facts.find("罕台镇平安建设办公室").size == pytest.approx(14, abs=0.5)  # 版记: its 印发机关
    record = _record(filed)
    assert record["责任者"] == [OFFICE] and record["内容"]["发文机关"] == [OFFICE]


def test_report_docx_reads_back_the_same(report):
    filed, _ = report
    doc = Document(filed.folder / "公文.docx")
    styled = {p.style.name: p.text for p in doc.paragraphs if p.text}
    assert styled["发文机关标志"] == OFFICE and styled["发文机关署名"] == OFFICE
    assert filed.number in "".join(p.text for p in doc.paragraphs)
    assert doc.core_properties.author == OFFICE


# ---- a joint 通知 of 镇党委 and 镇政府, sealed ---------------------------------------------------------


def test_joint_head_stacks_the_names_with_the_number_of_the_leading_organ(joint):
    filed, facts = joint
    assert filed.number == "罕党发〔2026〕1号"  # §7.2.5: the 主办机关's 发文字号
    first, second, suffix = facts.find(PARTY), facts.find("罕台镇人民政府"), facts.find("文件")
    assert first.page == second.page == suffix.page == 1 and first.text == PARTY and suffix.text == "文件"
    assert "".join(c["text"] for c in second.chars) == GOV and second.top > first.bottom  # stacked, 主办机关 first
    assert all(is_red(c) for ln in (first, second, suffix) for c in ln.colours())
    assert abs(first.x0 - second.x0) <= 0.5 and abs(first.x1 - second.x1) <= 0.5  # spread to one width
    assert suffix.x0 > first.x1 and abs((suffix.top + suffix.bottom) / 2 - (first.top + second.bottom) / 2) <= 1.5  # 文件 right, centred
    ink = facts.ink_box(1, 20, 50, 190, second.bottom + 2, red=True)
    assert abs(ink[1] - 72.0) <= 1.0 and abs((ink[0] + ink[2]) / 2 - g.CENTRE_X) <= 1.0 and ink[2] <= R + 0.5
    number = facts.find(filed.number)
    assert abs(number.centre - g.CENTRE_X) <= 1.0 and 2 * P <= number.top - ink[3] <= 3 * P  # R11
    separator = [r for r in facts.rules(1) if is_red(r["colour"])][0]
    assert abs(separator["y"] - (number.bottom + g.SEPARATOR_GAP)) <= 1.0  # R13


def test_joint_signatures_side_by_side_under_their_seals(joint):
    _, facts = joint
    signs = [ln for ln in facts.lines if ln.text in (PARTY, GOV) and ln.top > 150]
    date = facts.find("2026年11月12日")
    assert [ln.text for ln in signs] == [PARTY, GOV] and abs(signs[0].baseline - signs[1].baseline) < 0.2
    assert abs(date.x1 - (R - 4 * C)) <= 1.0 and abs(signs[1].centre - date.centre) <= 1.0  # R20, R21
    assert date.top > signs[1].bottom and date.top - signs[1].top <= P + 0.5
    body = facts.find("逐项落实")
    gap = (signs[0].x1 + signs[1].x0) / 2
    left = facts.ink_box(date.page, L - 2, body.bottom + 0.5, gap, 290, red=True)
    right = facts.ink_box(date.page, gap, body.bottom + 0.5, R + 2, 290, red=True)
    assert left and right and left[2] < right[0]  # two seals, not touching
    assert L - 0.5 <= left[0] and right[2] <= R + 0.5  # inside the 版心
    for seal, sign in ((left, signs[0]), (right, signs[1])):
        assert abs((seal[0] + seal[2]) / 2 - sign.centre) <= 1.0 and seal[1] < sign.top < seal[3]  # centred on it
        assert seal[1] - body.bottom <= P  # within one line of the body (R22)
    assert right[3] > date.bottom and right[0] < date.x0  # the last seal presses the date too


def test_joint_record_and_docx_name_both_organs(joint):
    filed, _ = joint
    record = _record(filed)
    assert record["责任者"] == [PARTY, GOV] and record["内容"]["印发机关"] == "罕台镇党政综合办公室"
    doc = Document(filed.folder / "公文.docx")
    cells = doc.tables[0].rows[0].cells
    assert [p.text for p in cells[0].paragraphs] == [PARTY, GOV] and cells[1].text == "文件"
    assert all(p.style.name == "发文机关标志" for c in cells for p in c.paragraphs)
    sign = [p.text for p in doc.paragraphs if p.style.name == "发文机关署名"][0]
    assert sign.index(PARTY) < sign.index(GOV) and "\n" not in sign  # one row under two seals
    assert filed.number in [p.text for p in doc.paragraphs]
    assert doc.core_properties.author == f"{PARTY}、{GOV}"


def test_joint_without_seals_stacks_the_signatures(township, tmp_path):
    docx, pdf = render(township, write_input(tmp_path, "joint.yaml", JOINT), tmp_path / "out")
    facts = PdfFacts(pdf)
    signs = [ln for ln in facts.lines if ln.text in (PARTY, GOV) and ln.top > 150]
    date = facts.find("2026年11月12日")
    assert [ln.text for ln in signs] == [PARTY, GOV] and signs[1].top - signs[0].top == pytest.approx(P, abs=0.2)
    assert abs(signs[0].x1 - signs[1].x1) <= 0.5  # one under the other, aligned
    # §7.3.5.2: the date 2 字 right of the 署名 above it; whichever is longer stands 右空二字
    assert date.top - signs[1].top == pytest.approx(P, abs=0.2) and abs(date.x0 - (signs[1].x0 + 2 * C)) <= 0.7
    assert abs(max(date.x1, signs[1].x1) - (R - 2 * C)) <= 1.0
    doc = Document(docx)
    assert [p.text for p in doc.paragraphs if p.style.name == "发文机关署名"] == [f"{PARTY}\n{GOV}"]


def test_a_serial_head_names_the_chosen_organ_as_editor(township, tmp_path):
    text = ("文种: 督查通报\n发文机关: 联席办\n督查类型: 专项督查\n标题: 关于信访事项办理情况的通报\n"
            "正文: 请各单位抓紧办理。\n成文日期: 2026-11-12\n统计截止日期: 2026-11-12\n")  # fmt: skip
    _, pdf = render(township, write_input(tmp_path, "bulletin.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    editor = facts.find(OFFICE)
    assert editor.page == 1 and abs(editor.x0 - (L + C)) <= 0.5 and editor.text == OFFICE


def test_three_organs_under_seals_take_a_row_each_when_a_name_is_long(township, tmp_path):
    text = JOINT.replace("  - 罕台镇人民政府", "  - 罕台镇人民政府\n  - 联席办") + "印章: true\n"
    _, pdf = render(township, write_input(tmp_path, "three.yaml", text), tmp_path / "out")
    facts = PdfFacts(pdf)
    date = facts.find("2026年11月12日")
    signs = [ln for ln in facts.lines if ln.text in (PARTY, GOV, OFFICE) and not any(map(is_red, ln.colours()))]
    assert [ln.text for ln in signs] == [PARTY, GOV, OFFICE]  # issuing order, one row each
    assert all(abs(ln.centre - date.centre) <= 1.0 for ln in signs) and signs[-1].top < date.top
    assert all(b.top - a.top >= g.SEAL_DIAMETER + 1 for a, b in zip(signs, signs[1:]))  # seals never touch
    party, gov = (facts.ink_box(date.page, L, ln.top - 20, R, ln.bottom + 2, red=True) for ln in signs[:2])
    assert party and gov  # each sealed (the office has no seal image)
    # a band of clear paper between the two seals (42 mm, centred just above each 署名's em-bottom)
    assert facts.ink_box(date.page, L, signs[0].bottom + 20.5, R, signs[1].bottom - 23.5, red=True) is None
