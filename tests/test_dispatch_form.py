"""The 发文稿纸 (GB/T 18894, DA/T 22: the dispatch form filed in each 件 beside the 正本 and the
定稿): its keys validated like every other key, the form drawn on one A4 page and read back
with pdfplumber, filed into every version folder and covered by the record, the manifest and
`archive verify`, shown by `archive show` and `archive open --copy 稿纸`; an archive filed
before the form existed still verifies clean."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pipeline import run
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.stages.dispatch_form import MORE
from pipeline.stages.dispatch_form import FiledAs
from pipeline.stages.dispatch_form import form_of
from pipeline.stages.dispatch_form import render_form
from pipeline.stages.parse import parse_input
from pipeline.store import fonts as font_store
from pipeline.store import workspace as ws_store
from tests.conftest import EXAMPLES
from tests.conftest import TODAY
from tests.conftest import file_examples
from tests.conftest import write_input
from tests.test_tamper import reseal

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
FORM = "发文稿纸.pdf"
MM = 72 / 25.4
REPO = Path(__file__).resolve().parents[1]
BEFORE_THE_FORM = "a6887f4"  # the last commit that filed no 发文稿纸


def cn(day: object) -> str:
    """A date as the form prints it: 2021年9月16日."""
    d = dt.date.fromisoformat(str(day))
    return f"{d.year}年{d.month}月{d.day}日"


def flat(text: object) -> str:
    """A cell's text without the breaks and spaces wrapping put in."""
    return "".join(str(text or "").split())


def read_form(path: Path | bytes) -> dict[str, str]:
    """The form's table read back: label -> value (wrapped lines joined)."""
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with pdfplumber.open(source) as pdf:
        assert len(pdf.pages) == 1
        table = pdf.pages[0].extract_table()
    fields: dict[str, str] = {}
    for row in table:
        cells = [c for c in row if c is not None]
        for label, value in zip(cells[::2], cells[1::2], strict=True):
            fields[flat(label)] = flat(value)
    return fields


def cli(root: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(root), *args])
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.output


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory):
    return file_examples(tmp_path_factory, "form", NOW)


def raw_input(name: str) -> dict[str, object]:
    path = EXAMPLES / name
    return parse_input(name, path.suffix, path.read_bytes()).data


# ---- filed with every version, listed in its record and manifest --------------------------------


def test_every_version_folder_holds_its_form_on_one_page_with_embedded_faces(filed):
    _workspace, results = filed
    for name, r in results.items():
        record = json.loads((r.folder / "元数据.json").read_text(encoding="utf-8"))
        listed = {c["文件"]: c for c in record["组件"]}
        assert listed[FORM]["角色"] == "发文稿纸" and listed[FORM]["类型"] == "application/pdf", name
        assert FORM in (r.folder / "manifest-sha256.txt").read_text(encoding="utf-8"), name
        reader = PdfReader(r.folder / FORM)
        assert len(reader.pages) == 1 and reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)
        info = reader.metadata
        assert info["/FawenArchiveCode"] == r.archive_code and info["/FawenVersion"] == "1"
        assert info["/Subject"] == record["文号"] and info["/FawenState"] == "发文稿纸"
        fonts = reader.pages[0]["/Resources"]["/Font"]
        for font in fonts.values():
            font = font.get_object()
            assert "Helvetica" not in str(font["/BaseFont"]), name  # reportlab's unembedded default
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            assert "/FontFile2" in descendant["/FontDescriptor"], (name, font["/BaseFont"])
        fields = read_form(r.folder / FORM)
        assert fields["文种"] == raw_input(name)["文种"] and flat(record["题名"]) == fields["标题"]
        assert fields.get("文号", fields.get("期号")) == flat(r.number)


def test_every_form_is_pdfa_2b_like_the_copies(filed):
    pikepdf_pdfa = pytest.importorskip("pikepdf.pdfa")
    _workspace, results = filed
    for name, r in results.items():
        report = pikepdf_pdfa.validate_written(io.BytesIO((r.folder / FORM).read_bytes()), "2b")
        assert report.passed, (name, sorted({str(f) for f in report.findings}))
    xmp = PdfReader(results["006-专题报告.yaml"].folder / FORM).xmp_metadata
    assert xmp is not None and xmp.pdfaid_part == "2" and xmp.dc_identifier == results["006-专题报告.yaml"].archive_code


def test_the_notice_form_says_what_its_input_says(filed):
    _workspace, results = filed
    name = "001-印发制度的通知.yaml"
    given, fields = raw_input(name), read_form(results[name].folder / FORM)
    for key in ("拟稿单位", "拟稿人", "核稿人", "签发人", "签发意见", "份数", "印制", "校对", "抄送", "主送"):
        assert fields[key] == flat(given[key]), key
    assert fields["印发机关"] == "罕台镇党政综合办公室"  # supplied from the workspace (补全), as the 版记 prints it
    assert fields["签发日期"] == cn(given["签发日期"]) and fields["印发日期"] == cn(given["印发日期"])
    assert fields["文号"] == "罕政发〔2021〕35号" and fields["附件"] == "罕台镇信访工作联席会议工作制度"
    assert fields["成文日期"] == "2021年9月16日" and "密级" not in fields  # 密级 and 紧急程度 only where given
    record = json.loads((results[name].folder / "元数据.json").read_text(encoding="utf-8"))
    content = record["内容"]
    assert (content["拟稿人"], content["核稿人"], content["份数"], content["签发日期"]) == ("周强", "刘海涛", 60, "2021-09-16")
    assert {"行为": "签发", "时间": "2021-09-16", "人": "李明"} in record["事件"]


def test_the_minutes_forms_carry_the_approval_the_countersigns_and_the_distribution(filed):
    _workspace, results = filed
    whole = read_form(results["003-全体会议纪要.yaml"].folder / FORM)
    given = raw_input("003-全体会议纪要.yaml")
    assert whole["期号"] == flat("罕台镇信访工作联席会议纪要 2026年第4期") and whole["分送"] == "联席会议各成员单位"
    assert (whole["审定人"], whole["审定日期"]) == ("王建国", "2026年11月22日") and "签发人" not in whole
    assert (whole["拟稿人"], whole["核稿人"], whole["份数"]) == (given["拟稿人"], given["核稿人"], str(given["份数"]))
    topical = read_form(results["004-专题会议纪要.yaml"].folder / FORM)
    assert topical["审定意见"] == "同意印发。" and topical["会签"] == "李明（2026年10月16日）赵永刚（2026年10月17日）"
    assert topical["分送"] == "经济发展办公室，九成功村，平安建设办公室"


def test_the_report_form_carries_its_signer_opinion_and_day(filed):
    _workspace, results = filed
    name = "006-专题报告.yaml"
    given, fields = raw_input(name), read_form(results[name].folder / FORM)
    assert (fields["签发人"], fields["签发意见"], fields["签发日期"]) == ("刘海涛", "同意报送。", "2026年11月8日")
    assert fields["份数"] == str(given["份数"]) and fields["主送"] == "镇党委、镇政府"
    assert fields["文号"] == results[name].number
    assert fields["印制"] == "" and fields["校对"] == ""  # not given: left empty, as on paper


def test_secrecy_urgency_and_countersign_opinions_appear_where_given(workspace, tmp_path):
    text = (EXAMPLES / "004-专题会议纪要.yaml").read_text(encoding="utf-8")
    text = text.replace("  - {召集人: 李明, 日期: 2026-10-16}", "  - {召集人: 李明, 日期: 2026-10-16, 意见: 同意}")
    src = write_input(workspace.root / "examples", "会签意见.yaml", text + "紧急程度: 加急\n")
    req = run.read_request(src, workspace, TODAY)
    comp = run.compose_request(req, workspace)
    form = form_of(req, comp, FiledAs("罕台镇信访工作联席会议纪要 2026年第3期", "F071-WS·2026-Y-XF-0009", 2))
    fields = read_form(render_form(form, font_store.font_set(workspace.config.font_dirs)))
    assert fields["会签"] == "李明（2026年10月16日）：同意赵永刚（2026年10月17日）"
    assert (fields["紧急程度"], fields["密级"]) == ("加急", "")


# ---- long inputs: one page, inside the margins --------------------------------------------------


def inside_the_margins(pdf: bytes) -> str:
    """Every character and rule between 20 mm margins on one A4 page; the page's text."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == 1
        page = doc.pages[0]
        for c in page.chars:
            assert c["x0"] >= 19.5 * MM and c["x1"] <= 190.5 * MM, c["text"]
            assert c["top"] >= 19.5 * MM and c["bottom"] <= (297 - 19.5) * MM, c["text"]
        for r in page.rects + page.lines:
            assert r["x0"] >= 19.5 * MM and r["x1"] <= 190.5 * MM and r["bottom"] <= (297 - 19.5) * MM
        return page.extract_text()


LONG = textwrap.dedent("""\
    文种: 通知
    标题: 关于{title}的通知
    主送: [{to}]
    抄送: [{cc}]
    正文: 请认真执行。
    附件: [{attached}]
    成文日期: 2026-11-12
    签发人: [李明, 王建国, 赵永刚]
    签发意见: {opinion}
    签发日期: 2026-11-12
    拟稿单位: {unit}
    拟稿人: {people}
    核稿人: {people}
    份数: 999999
    印制: {people}
    校对: {people}
""")


def long_input(folder: Path, name: str, scale: int) -> Path:
    to = ", ".join(f"第{i}村民委员会" + "和社区居民委员会" * scale for i in range(1, 4 * scale + 1))
    cc = ", ".join(f"区直第{i}部门" + "及其下属单位" * scale for i in range(1, 3 * scale + 1))
    attached = ", ".join(f"{{名称: 第{i}号附件{'相关材料' * min(2 * scale, 22)}, 正文: 见正文}}" for i in range(1, 21))
    text = LONG.format(title="做好冬季信访矛盾纠纷排查化解工作" * 5, to=to, cc=cc, attached=attached,
                       opinion="同意印发，请各单位认真贯彻落实" * 6, unit="平安建设办公室" * 14,
                       people="、".join(["张丽", "周强", "孙浩"] * 5))  # fmt: skip
    return write_input(folder, name, text)


def test_long_values_wrap_inside_their_cells_and_stay_whole_on_one_page(workspace, tmp_path):
    src = long_input(workspace.root / "examples", "长通知.yaml", 2)
    outcome = run.file_document(src, workspace, TODAY, NOW)
    form = (outcome.folder / FORM).read_bytes()
    inside_the_margins(form)
    fields = read_form(form)
    req = run.read_request(src, workspace, TODAY)
    assert fields["主送"] == flat("，".join(req.recipients)) and fields["抄送"] == flat("，".join(req.cc))
    assert fields["签发意见"] == flat(req.dispatch.opinion) and fields["拟稿人"] == flat(req.dispatch.drafter)
    assert fields["附件"] == flat("".join(f"{i}.{a.name}" for i, a in enumerate(req.attachments, 1)))
    assert fields["签发人"] == "李明、王建国、赵永刚" and fields["份数"] == "999999" and MORE not in fields["主送"]


def test_values_too_long_for_any_page_are_cut_visibly_never_off_the_page(workspace, tmp_path):
    src = long_input(workspace.root / "examples", "极长.yaml", 25)
    req = run.read_request(src, workspace, TODAY)
    form = form_of(req, run.compose_request(req, workspace), FiledAs("罕政发〔2026〕9号", "F071-WS·2026-Y-XF-0009", 1))
    pdf = render_form(form, font_store.font_set(workspace.config.font_dirs))
    inside_the_margins(pdf)
    fields = read_form(pdf)
    assert fields["主送"].endswith(flat(MORE)) and fields["主送"].startswith("第1村民委员会")
    assert fields["签发意见"] == flat(req.dispatch.opinion) and fields["校对"] == flat(req.dispatch.proofread_by)


# ---- every new key refused with its key, its line and what is expected ---------------------------

NOTICE = "文种: 通知\n标题: 关于测试的通知\n主送: 各村\n正文: 请执行。\n成文日期: 2026-11-12\n签发人: 李明\n"
MINUTES = (EXAMPLES / "003-全体会议纪要.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("base", "line", "key", "needle"),
    [
        (NOTICE, "拟稿单位: [甲, 乙]", "拟稿单位", "应为文字"),
        (NOTICE, "拟稿人: 12345", "拟稿人", "应为姓名"),
        (NOTICE, "核稿人: {甲: 乙}", "核稿人", "应为文字"),
        (NOTICE, "核稿人: 2026-11-12", "核稿人", "姓名"),
        (NOTICE, "签发意见: " + "同意" * 101, "签发意见", "文字过长"),
        (NOTICE, "签发日期: 2026-13-40", "签发日期", "不是有效日期"),
        (NOTICE, "签发日期: 2026-11-13", "签发日期", "晚于成文日期"),
        (NOTICE, "份数: 三十", "份数", "不是份数"),
        (NOTICE, "份数: 0", "份数", "不是份数"),
        (NOTICE, "份数: true", "份数", "不是份数"),
        (NOTICE, '份号: "000031"\n份数: 30', "份号", "大于份数"),
        (NOTICE, "印制: '123'", "印制", "不是姓名"),
        (NOTICE, "校对: [张丽]", "校对", "应为文字"),
        (NOTICE, "印制人: 12", "印制", "应为姓名"),
        (NOTICE.replace("签发人: 李明\n", ""), "签发意见: 同意", "签发意见", "没有写签发人"),
        (NOTICE.replace("签发人: 李明\n", ""), "签发日期: 2026-11-12", "签发日期", "没有写签发人"),
        (MINUTES, "签发人: 王建国", "签发人", "由召集人审定"),
        (MINUTES, "签发意见: 同意", "签发意见", "由召集人审定"),
        (MINUTES, "审定意见: 同意", "审定意见", "写在「审定」下"),
        (MINUTES.replace("  日期: 2026-11-22\n", "  日期: 2026-11-22\n  意见: [同意]\n"), "# 审定意见写错了", "审定.意见", "应为文字"),
        (MINUTES + "会签:\n  - {召集人: 李明, 日期: 2026-11-21, 意见: {甲: 乙}}\n", "# 会签意见写错了", "会签[1].意见", "应为文字"),
    ],
)
def test_an_invalid_value_of_each_new_key_is_refused_with_key_and_line(workspace, base, line, key, needle):
    text = base + line + "\n"
    src = write_input(workspace.root / "examples", "坏稿纸.yaml", text)
    with pytest.raises(InputError) as info:
        run.read_request(src, workspace, TODAY)
    problem = next((p for p in info.value.problems if p.key == key), None)
    assert problem is not None, info.value.message
    assert needle in info.value.message and "坏稿纸.yaml" in info.value.message and problem.expected
    name = re.escape(key.split(".")[-1].split("]")[-1] or key.split(".")[-1])
    written = re.compile(rf"(?:^|[\s{{,-]){name}人?:\s")  # the key as the input writes it (印制人: an alias)
    expected_line = next(n for n, ln in enumerate(text.splitlines(), 1) if written.search(ln))
    assert problem.line == expected_line, (problem, expected_line)
    assert f"第 {problem.line} 行" in info.value.message


# ---- the CLI: show, open, verify ----------------------------------------------------------------


def test_archive_show_lists_the_form_and_open_prints_its_path(filed):
    workspace, results = filed
    root = workspace.root
    code = results["006-专题报告.yaml"].archive_code
    shown = json.loads(cli(root, "archive", "show", code, "--json"))
    assert shown["发文稿纸"]["路径"].endswith(f"/v1/{FORM}")
    assert any(c["文件"] == FORM and c["角色"] == "发文稿纸" for c in shown["元数据"]["组件"])
    assert f"{FORM}（发文稿纸" in cli(root, "archive", "show", code)
    path = Path(cli(root, "archive", "open", code, "--copy", "稿纸").strip())
    assert path == results["006-专题报告.yaml"].folder / FORM and path.read_bytes().startswith(b"%PDF")
    assert root / "outbox" / shown["发文稿纸"]["路径"] == path


def test_verify_finds_a_changed_byte_and_a_form_swapped_in_from_another_entry(filed, tmp_path):
    workspace, results = filed
    root = tmp_path / "ws"
    shutil.copytree(workspace.root, root, symlinks=True)
    cli(root, "archive", "verify")
    folder = lambda name: root / results[name].folder.relative_to(workspace.root)  # noqa: E731
    changed = folder("001-印发制度的通知.yaml") / FORM
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.chmod(0o644)
    changed.write_bytes(bytes(data))
    changed.chmod(0o444)
    report = cli(root, "archive", "verify", code=1)
    assert f"文件被改动（摘要不符）：{FORM}" in report and results["001-印发制度的通知.yaml"].archive_code in report
    # a careful forger: another 件's form, the digests and the manifest redone
    other = (folder("006-专题报告.yaml") / FORM).read_bytes()
    reseal(folder("007-请示.yaml"), {FORM: other})
    report = cli(root, "archive", "verify", code=1)
    assert f"{FORM} 内嵌的档号" in report and results["007-请示.yaml"].archive_code in report


# ---- an archive filed before the form existed ---------------------------------------------------

OLD_FILER = textwrap.dedent("""
    import datetime as dt, shutil, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import pipeline
    assert pipeline.__file__.startswith(sys.argv[1]), pipeline.__file__
    from pipeline import run
    from pipeline.store import workspace as ws_store
    root = Path(sys.argv[2])
    ws_store.init(root)
    shutil.copytree(sys.argv[3], root / "examples")
    ws = ws_store.load(root)
    now = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.timezone.utc)
    for name in ("001-印发制度的通知.yaml", "002-全体会议通知.yaml"):
        run.file_document(root / "examples" / name, ws, dt.date(2026, 11, 24), now)
""")


def test_an_archive_filed_before_the_form_verifies_clean_and_takes_versions_with_one(tmp_path):
    tree = tmp_path / "before"
    tree.mkdir()
    packed = subprocess.run(["git", "-C", str(REPO), "archive", BEFORE_THE_FORM, "pipeline", "templates", "examples"],
                            check=True, capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
        tar.extractall(tree, filter="data")
    root = tmp_path / "ws"
    subprocess.run([sys.executable, "-c", OLD_FILER, str(tree), str(root), str(tree / "examples")], check=True,
                   capture_output=True, timeout=600)  # fmt: skip
    assert not list((root / "outbox").rglob(FORM))
    cli(root, "archive", "verify")
    assert "尚不生成发文稿纸" in cli(root, "archive", "show", "罕政发〔2026〕1号")
    assert json.loads(cli(root, "archive", "show", "罕政发〔2026〕1号", "--json"))["发文稿纸"] is None
    refused = cli(root, "archive", "open", "罕政发〔2026〕1号", "--copy", "稿纸", code=1)
    assert "没有稿纸" in refused and "还不生成发文稿纸" in refused
    notice = root / "examples" / "002-全体会议通知.yaml"
    notice.write_text(notice.read_text(encoding="utf-8").replace("三楼会议室", "五楼会议室") + "拟稿人: 周强\n",
                      encoding="utf-8")  # fmt: skip
    filed = run.file_document(notice, ws_store.load(root), TODAY, NOW)
    assert filed.version == 2 and (filed.folder / FORM).is_file()
    assert read_form(filed.folder / FORM)["拟稿人"] == "周强"
    cli(root, "archive", "verify")
    assert Path(cli(root, "archive", "open", "罕政发〔2026〕1号", "--copy", "稿纸").strip()) == filed.folder / FORM
