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
