"""Input files: YAML, JSON, Markdown; aliases; every rejection names file, key, line, expectation."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import InputError
from pipeline.model import BlockKind
from pipeline.model import DocumentKind
from pipeline.stages.parse import parse_input
from pipeline.stages.validate import validate
from tests.conftest import EXAMPLES
from tests.conftest import SHARED_EXAMPLES
from tests.conftest import TODAY
from tests.conftest import example_files

MINIMAL = "文种: 通知\n标题: 关于测试的通知\n正文: 请执行。\n"


def check(workspace, name: str, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    suffix = "." + name.rsplit(".", 1)[1]
    return validate(parse_input(name, suffix, data), workspace.config, TODAY)


def problems(workspace, name: str, text: str | bytes) -> InputError:
    with pytest.raises(InputError) as info:
        check(workspace, name, text)
    return info.value


@pytest.mark.parametrize("path", example_files(EXAMPLES), ids=lambda p: p.name)
def test_every_bundled_example_validates(workspace, path):
    req = check(workspace, path.name, path.read_bytes())
    assert req.title and req.kind in DocumentKind


@pytest.mark.skipif(not SHARED_EXAMPLES.is_dir(), reason="../shared/examples is not beside this clone")
def test_every_shared_example_validates(workspace):
    files = example_files(SHARED_EXAMPLES)
    assert len(files) >= 8
    for path in files:
        req = check(workspace, path.name, path.read_bytes())
        assert req.title


def test_yaml_json_and_markdown_say_the_same(workspace):
    yaml_req = check(workspace, "a.yaml", MINIMAL + "主送: 各村（社区）\n")
    json_req = check(workspace, "a.json", json.dumps({"kind": "通知", "title": "关于测试的通知", "body": "请执行。",
                                                      "to": "各村（社区）"}, ensure_ascii=False))  # fmt: skip
    md_req = check(workspace, "a.md", "---\n文种: 通知\n标题: 关于测试的通知\n主送: 各村（社区）\n---\n请执行。\n")
    assert yaml_req.title == json_req.title == md_req.title
    assert yaml_req.recipients == json_req.recipients == md_req.recipients == ("各村（社区）",)
    assert yaml_req.body == json_req.body == md_req.body


def test_yaml_12_keeps_times_and_words_as_text(workspace):
    req = check(workspace, "m.yaml", "文种: 会议通知\n标题: 关于开会的通知\n正文: 请参会。\n会议:\n  时间: 2026-11-20 09:00\n"
                                     "  地点: no\n  参会人员: 09:00\n")  # fmt: skip
    assert req.meeting is not None
    assert req.meeting.attendees == "09:00" and req.meeting.place == "no"


def test_defaults_come_from_the_workspace(workspace):
    req = check(workspace, "a.yaml", MINIMAL)
    assert req.signature == workspace.config.organ.name
    assert req.printer == workspace.config.organ.issuer
    assert req.date == TODAY and req.print_date == TODAY
    assert req.retention == "Y"


def test_body_headings_are_numbered(workspace):
    body = "导语。\n\n# 甲\n内容\n\n# 乙\n## 子一\n## 子二\n### 细一\n#### 末一\n\n# 三、自带编号\n"
    req = check(workspace, "a.yaml", "文种: 通知\n标题: 关于测试的通知\n正文: |\n" + "".join(f"  {ln}\n" for ln in body.splitlines()))
    texts = [(b.kind, b.level, b.text) for b in req.body]
    assert (BlockKind.HEADING, 1, "一、甲") in texts
    assert (BlockKind.HEADING, 1, "二、乙") in texts
    assert (BlockKind.HEADING, 2, "（一）子一") in texts and (BlockKind.HEADING, 2, "（二）子二") in texts
    assert (BlockKind.HEADING, 3, "1.细一") in texts and (BlockKind.HEADING, 4, "（1）末一") in texts
    assert (BlockKind.HEADING, 1, "三、自带编号") in texts
    assert (BlockKind.PARAGRAPH, 0, "内容") in texts


@pytest.mark.parametrize(
    ("text", "key", "needle"),
    [
        ("文种: 通知\n正文: 请执行。\n", "标题", "缺少必填项"),
        ("文种: 通告\n标题: 关于测试的通知\n正文: 请执行。\n", "文种", "未知的文种"),
        (MINIMAL + "发文字号: 罕政发[2026]7号\n", "发文字号", "六角括号"),
        (MINIMAL + "发文字号: 罕政发〔2026〕第7号\n", "发文字号", "第"),
        (MINIMAL + "发文字号: 罕政发〔2026〕07号\n", "发文字号", "虚位"),
        (MINIMAL + "成文日期: 2026-13-40\n", "成文日期", "不是有效日期"),
        (MINIMAL + "标提: 错字\n", "标提", "是否想写「标题」"),
        (MINIMAL + "紧急程度: 很急\n", "紧急程度", "特急 或 加急"),
        (MINIMAL + "密级: 秘密\n", "密级", "涉密"),
        (MINIMAL + "附件:\n  - 名称: 报告。\n    正文: 内容\n", "附件[1].名称", "不加标点"),
        (MINIMAL + "附件:\n  - 名称: 报告\n    文件: ../外面/报告.pdf\n", "附件[1].文件", "超出"),
        (MINIMAL + "附件:\n  - 名称: 报告\n    文件: /etc/passwd.pdf\n", "附件[1].文件", "超出"),
        (MINIMAL + "出席: [王建国]\n", "出席", "只用于文种 会议纪要"),
        (MINIMAL + "附注: [甲, 乙]\n", "附注", "应为文字"),
        (MINIMAL + "署名: {甲: 乙}\n", "署名", "应为文字"),
        (MINIMAL + "抄送: {甲: 乙}\n", "抄送", "应为文字或列表"),
        (MINIMAL + "印发日期: 2026年2月30日\n", "印发日期", "不是有效日期"),
        (MINIMAL + "成文日期: 0001-01-01\n", "成文日期", "超出合理范围"),
        ("文种: 会议纪要\n标题: 测试纪要\n会议类型: 全体会议\n正文: 议定。\n签发人: 李明\n", "签发人", "由召集人审定"),
        (MINIMAL + "签发意见: 同意\n", "签发意见", "没有写签发人"),
        (MINIMAL + "期号: \"²\"\n", "期号", "不是正整数"),
        (MINIMAL + "附注: \"甲\\x00乙\"\n", "附注", "控制字符"),
    ],
)
def test_rejections_name_the_key_the_line_and_the_expectation(workspace, text, key, needle):
    err = problems(workspace, "bad.yaml", text)
    match = [p for p in err.problems if p.key == key]
    assert match, err.message
    assert needle in err.message
    assert "bad.yaml" in err.message
    if "缺少" in match[0].problem:
        return  # an absent key has no line
    assert match[0].line is not None and match[0].line >= 1
    expected_line = next((i for i, ln in enumerate(text.splitlines(), 1) if ln.lstrip("- ").startswith(key.split("[")[0].split(".")[-1] + ":")), None)
    if "[" not in key:
        assert match[0].line == expected_line


def test_nested_key_paths_and_lines(workspace):
    text = (
        "文种: 会议纪要\n标题: 测试纪要\n会议类型: 全体会议\n正文: 内容。\n议定事项:\n"
        "  - 事项: 甲\n    责任单位: 办公室\n    完成时限: 2026-11-30\n"
        "  - 事项: 乙\n    责任单位: 办公室\n    完成时限: 下周\n"
    )
    err = problems(workspace, "m.yaml", text)
    assert err.problems[0].key == "议定事项[2].完成时限"
    assert err.problems[0].line == 11
    assert "不是有效日期" in err.message and "2026-11-12" in err.message


def test_all_problems_are_listed_at_once(workspace):
    err = problems(workspace, "many.yaml", "文种: 通知\n发文字号: 罕政发(2026)7号\n成文日期: 明天\n")
    keys = {p.key for p in err.problems}
    assert {"标题", "正文", "发文字号", "成文日期"} <= keys


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.yaml", b"", "空的"),
        ("blank.yaml", b"  \n\n", "空的"),
        ("tabs.yaml", "文种: 通知\n标题:\n\t子: 1\n".encode(), "Tab"),
        ("gbk.yaml", "文种: 通知\n标题: 关于测试的通知\n".encode("gbk"), "GBK"),
        ("binary.yaml", bytes(range(256)) * 4, "二进制"),
        ("trunc.json", '{"文种": "通知", "标题": "关于'.encode(), "JSON"),
        ("list.yaml", b"- a\n- b\n", "键: 值"),
        ("dup.yaml", "文种: 通知\n文种: 请示\n".encode(), "两次"),
        ("big.yaml", b"a: " + b"x" * (3 * 1024 * 1024), "过大"),
        ("x.txt", b"a: 1", "不支持的文件类型"),
        ("nofront.md", "# 标题\n正文".encode(), "信息块"),
    ],
)
def test_unreadable_files_are_refused_in_chinese(workspace, name, data, needle):
    err = problems(workspace, name, data)
    assert needle in err.message, err.message
    assert name in err.message


def test_line_numbers_in_markdown_front_matter(workspace):
    err = problems(workspace, "a.md", "---\n文种: 通知\n标题: 关于测试的通知\n成文日期: 昨天\n---\n正文。\n")
    assert err.problems[0].key == "成文日期" and err.problems[0].line == 4


def test_an_indented_dash_line_in_a_front_matter_block_value_is_kept_in_it(workspace):
    # only a --- at the margin closes the front matter: one inside a block value is its text
    raw = parse_input("a.md", ".md", "---\n文种: 通知\n标题: 关于测试的通知\n附注: |\n  第一行\n  ---\n  第三行\n---\n正文。\n".encode())
    assert raw.data["附注"] == "第一行\n---\n第三行" and raw.data["正文"] == "正文。"
    crlf = parse_input("b.md", ".md", "---\r\n文种: 通知\r\n---  \r\n正文。\r\n".encode())
    assert crlf.data["文种"] == "通知" and crlf.data["正文"].strip() == "正文。"


def test_numbers_keep_the_text_they_were_written_as_where_they_are_text(workspace):
    """A telephone number keeps its leading 0, 1.10 its last 0; a key that takes a number reads
    its value (期号 04 is 4)."""
    text = (EXAMPLES / "007-请示.yaml").read_text(encoding="utf-8").replace('联系电话: "0477-8000002"', "联系电话: 04778000002")
    req = check(workspace, "q.yaml", text + "附注: 1.10\n")
    assert req.phone == "04778000002" and req.note == "1.10"
    for written in ("1_000", "0x1F", "1.5e3", ".5", "100.00"):
        raw = parse_input("n.yaml", ".yaml", f"附注: {written}\n".encode())
        assert str(raw.data["附注"]) == written
    raw = parse_input("n.json", ".json", '{"附注": 1.10, "份数": 0}'.encode())
    assert str(raw.data["附注"]) == "1.10" and raw.data["附注"] == 1.1
    minutes = (EXAMPLES / "003-全体会议纪要.yaml").read_text(encoding="utf-8")
    assert "期号: 4" in minutes
    assert check(workspace, "m.yaml", minutes.replace("期号: 4", "期号: 04")).issue == 4


def test_a_second_yaml_document_is_refused_with_advice_for_an_input():
    with pytest.raises(InputError) as caught:
        parse_input("two.yaml", ".yaml", "文种: 通知\n标题: 甲\n---\n文种: 通知\n".encode())
    assert "第二份内容" in caught.value.message and "fawen.yaml" not in caught.value.message
    assert caught.value.problems[0].line == 3


def test_request_kind_rules(workspace):
    err = problems(workspace, "q.yaml", "文种: 请示\n标题: 关于测试的请示\n正文: 妥否，请批示。\n签发人: 李明\n主送: [镇党委, 镇政府]\n")
    text = err.message
    assert "主送" in text and "只能主送一个" in text
    assert "联系人" in text and "联系电话" in text
    err = problems(workspace, "r.yaml", "文种: 专题报告\n标题: 关于测试的报告\n正文: 特此报告。\n")
    assert "签发人" in err.message and "上行文" in err.message


def test_the_quick_character_check_refuses_exactly_what_ruamel_refuses():
    """fawen's reader lists the characters YAML does not allow instead of negating the allowed
    ones; on every code point it must agree with ruamel's own class."""
    from ruamel.yaml.reader import Reader

    from pipeline.yamlreader import QuickCheckReader

    ours, theirs = QuickCheckReader.NON_PRINTABLE, Reader.NON_PRINTABLE
    assert ours.pattern != theirs.pattern
    differing = [c for c in range(0x110000) if bool(ours.match(chr(c))) != bool(theirs.match(chr(c)))]
    assert differing == []


@pytest.mark.parametrize("char", ["\x07", "\x85\x07", "\ud7ff\x1f", "\ufffe", "\U0001f600\x0b"])
def test_a_character_yaml_refuses_is_named_with_its_line(workspace, char):
    err = problems(workspace, "bad.yaml", MINIMAL + f"附注: 甲{char}乙\n")
    code = f"U+{ord(char[-1]):04X}"
    assert any(code in p.problem and p.line == 4 for p in err.problems), err.message


def test_an_empty_object_in_a_json_list_does_not_shift_the_lines_after_it(workspace):
    text = ('{\n  "文种": "通知",\n  "标题": "关于测试的通知",\n  "主送": [{}, "各单位"],\n  "正文": "请执行。",\n'
            '  "附件": [{}, {"名称": "表。"}],\n  "成文日期": "2026-13-01"\n}\n')  # fmt: skip
    err = problems(workspace, "bad.json", text)
    lines = {p.key: p.line for p in err.problems}
    assert lines["主送[1]"] == 4 and lines["成文日期"] == 7, err.message
    assert lines["附件[2].名称"] == 6, err.message


def test_a_key_written_as_empty_text_is_named_on_its_line(workspace):
    err = problems(workspace, "bad.json", '{\n  "文种": "通知",\n  "标题": "关于测试的通知",\n  "": "x",\n  "正文": "请执行。"\n}\n')
    (problem,) = [p for p in err.problems if p.key == ""]
    assert problem.line == 4 and "未知的键「」" in problem.problem, err.message


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_the_likely_cause_is_named_on_the_line_the_reader_counts(workspace, newline):
    text = newline.join(["文种: 通知", "标题: 关于测试的通知", "正文: [请执行。", ""])
    err = problems(workspace, "bad.yaml", text)
    (problem,) = err.problems
    assert "第 3 行「[」没有对应的「]」" in problem.problem, err.message
