"""render_docx keeps what depends on the template alone (its parts read and parsed, its styles,
its deflated parts): each document must still be its own, whatever was rendered before it."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx.opc.part import XmlPart

from pipeline import run
from pipeline.stages import render_docx as rd
from tests.conftest import SEED
from tests.conftest import TODAY


@pytest.fixture(scope="module")
def notice(session_workspace):
    req = run.read_request(session_workspace.root / "examples" / SEED, session_workspace, TODAY)
    done = run.typeset_request(req, session_workspace, session_workspace.root / "examples")
    return done.composition, session_workspace.template(req.kind.value).read_bytes(), done.layout


def parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        assert z.testzip() is None
        return {name: z.read(name) for name in z.namelist()}


def test_a_document_does_not_depend_on_those_rendered_before(notice):
    comp, template, layout = notice
    plain = parts(rd.render_docx(comp, template))
    followed = parts(rd.render_docx(comp, template, None, layout))
    assert followed["word/styles.xml"] != plain["word/styles.xml"]  # the 版记 style lost its rules
    assert parts(rd.render_docx(comp, template)) == plain
    assert parts(rd.render_docx(comp, template, None, layout)) == followed


def test_changing_a_document_changes_no_other(notice):
    """Every XML part of one document wiped: the template's parts, as read once, are untouched."""
    comp, template, layout = notice
    before = parts(rd.render_docx(comp, template, None, layout))
    tpl = rd._Template(template)
    tpl.render(rd.context(comp), jinja_env=rd._ENV, autoescape=True)
    wiped = 0
    for part in tpl.docx.part.package.iter_parts():
        if isinstance(part, XmlPart):
            part.element.clear()
            wiped += 1
    assert wiped >= 8
    assert parts(rd.render_docx(comp, template, None, layout)) == before


def test_two_documents_share_no_element(notice):
    comp, template, _ = notice
    docs = []
    for _ in range(2):
        tpl = rd._Template(template)
        tpl.render(rd.context(comp), jinja_env=rd._ENV, autoescape=True)
        docs.append(
            {part.partname: part.element for part in tpl.docx.part.package.iter_parts() if isinstance(part, XmlPart)}
        )
    assert docs[0].keys() == docs[1].keys()
    for name, element in docs[0].items():
        assert element.getroottree().getroot() is not docs[1][name].getroottree().getroot(), name


def test_the_compiled_body_follows_the_template_text(notice):
    """The Jinja compiled from a template's XML is kept by that text: a template whose text
    differs renders its own, and the template rendered before it is as it was."""
    comp, template, layout = notice
    before = parts(rd.render_docx(comp, template, None, layout))
    with zipfile.ZipFile(io.BytesIO(template)) as z:
        members = {info.filename: z.read(info.filename) for info in z.infolist()}
    body = members["word/document.xml"].decode("utf-8")
    assert body.count("{{ title }}") == 1
    members["word/document.xml"] = body.replace("{{ title }}", "{{ title }}（另）").encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    other = parts(rd.render_docx(comp, out.getvalue()))["word/document.xml"].decode("utf-8")
    assert "（另）" in other
    assert "（另）" not in before["word/document.xml"].decode("utf-8")
    assert parts(rd.render_docx(comp, template, None, layout)) == before
