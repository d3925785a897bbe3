"""User text is data: template syntax, markup, ampersands, quotes and backslashes print as written."""

from __future__ import annotations

import json
import re

from docx import Document

from tests.conftest import render
from tests.conftest import write_input
from tests.support import PdfFacts

NASTY = "{{ x }}{% if 1 %}<b>A&B</b>&amp;\"双\"'单'\\n\\反斜杠{# c #}{%p endif %}"


def test_every_field_prints_literally_in_both_formats(workspace, tmp_path):
    fields = {
        "文种": "通知",
        "标题": f"关于{NASTY}的通知",
        "主送": f"主送{NASTY}",
        "正文": f"正文{NASTY}\n\n# 标题{NASTY}\n内容{NASTY}",
        "附件": [{"名称": f"附件{NASTY}", "正文": f"附件正文{NASTY}"}],
        "署名": f"署名{NASTY}",
        "成文日期": "2026-11-12",
        "附注": f"附注{NASTY}",
        "抄送": f"抄送{NASTY}",
        "印发机关": f"印发{NASTY}",
    }
    src = write_input(tmp_path, "nasty.json", json.dumps(fields, ensure_ascii=False))
    docx, pdf = render(workspace, src, tmp_path / "out")
    squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731 — the PDF draws no spaces
    facts = PdfFacts(pdf)
    printed = squeeze("".join(ln.text for ln in facts.lines if not re.match(r"^—\s?\d+\s?—$", ln.text)))
    doc = Document(docx)
    written = squeeze("".join(p.text for p in doc.paragraphs))
    for prefix in ("关于", "主送", "正文", "标题", "内容", "附件", "附件正文", "署名", "附注", "抄送", "印发"):
        assert squeeze(prefix + NASTY) in printed, (prefix, printed)
        assert squeeze(prefix + NASTY) in written, prefix
    assert Document(docx).core_properties.title == fields["标题"]  # not escaped twice


def test_minutes_and_bulletins_print_user_text_literally(workspace, tmp_path):
    minutes = {
        "文种": "会议纪要", "会议类型": "专题会议", "标题": f"纪要{NASTY}",
        "会议": {"时间": "2026-11-20 09:00", "地点": f"地点{NASTY}", "主持": "李明"},
        "出席": [f"出席{NASTY}（职务&<>）"], "正文": f"正文{NASTY}",
        "议定事项": [{"事项": f"事项{NASTY}", "责任单位": "平安建设办公室", "完成时限": "2026-11-30"}],
        "议题提出单位": f"单位{NASTY}",  # 责任单位 must be a member unit of the roster
        "审定": {"审定人": "李明", "日期": "2026-11-22"},
    }  # fmt: skip
    bulletin = {
        "文种": "督查通报", "督查类型": "专项督查", "标题": f"通报{NASTY}", "正文": f"正文{NASTY}",
        "督查事项": [{"单位": f"单位{NASTY}", "事项": f"事项{NASTY}", "受理日期": "2026-11-02",
                      "办理时限": "2026-12-31", "状态": "已办结"}],
        "统计截止日期": "2027-01-20", "成文日期": "2027-01-22",
    }  # fmt: skip
    squeeze = lambda s: re.sub(r"\s", "", s)  # noqa: E731
    for name, fields, prefixes in (("m.json", minutes, ("地点", "出席", "正文", "事项", "单位")),
                                   ("b.json", bulletin, ("正文",))):  # fmt: skip
        src = write_input(tmp_path, name, json.dumps(fields, ensure_ascii=False))
        docx, pdf = render(workspace, src, tmp_path / "out")
        facts = PdfFacts(pdf)
        printed = squeeze("".join(ln.text for ln in facts.lines if not re.match(r"^—\s?\d+\s?—$", ln.text)))
        written = squeeze("".join(p.text for p in Document(docx).paragraphs))
        for prefix in prefixes:
            assert squeeze(prefix + NASTY) in printed, (name, prefix)
            assert squeeze(prefix + NASTY) in written, (name, prefix)
        for char in "{}%<>&\"'\\#":
            assert char in printed
