"""拟文 (/new) over real HTTP and as units: the form's description against the validator's schema
and the skeletons, form fields -> YAML -> the same values, previews, messages keyed to the
form's rows, downloads, the inbox written atomically, and the bounds and the token on POSTs."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import re
import threading
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlencode

import pytest
from PIL import Image

from pipeline import inputtext
from pipeline import run
from pipeline import schema
from pipeline import skeletons
from pipeline.stages.parse import parse_input
from pipeline.store import workspace as ws_store
from pipeline.web import fields
from pipeline.web import form
from pipeline.web.drafts import RenderQueue
from pipeline.web.drafts import file_stem
from pipeline.web.drafts import put_in_inbox
from pipeline.web.site import WebError
from tests.conftest import EXAMPLES
from tests.test_web import Server
from tests.test_web import fawen
from tests.test_web import get
from tests.test_web import ok

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
NOTICE = {"文种": "会议通知", "标题": "关于召开罕台镇信访工作联席会议2026年第四季度全体会议的通知", "主送": "联席会议各成员单位",
          "会议.类型": "全体会议", "会议.时间": "2026-11-20 09:00", "会议.地点": "罕台镇人民政府三楼会议室", "会议.主持": "王建国",
          "会议.参会人员": "联席会议召集人、全体成员及各成员单位联络员", "会议.议题": "通报信访形势\r\n\r\n研究部署排查化解工作",
          "正文": "请各成员单位于11月18日前将参会人员名单报联席会议办公室。", "成文日期": "2026-11-12", "印章": "true",
          "联系人": "周强", "联系电话": "0477-8000002", "附件[1].名称": "", "附件[1].正文": ""}  # fmt: skip


# ---- the description: one per kind, checked against the schema and the skeletons -------------


def key_paths(node: object, path: str = "") -> set[str]:
    """Every key path of an input but those of mappings (会议), list positions left out (议定事项.完成时限)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            sub = f"{path}.{k}" if path else k
            out |= (set() if isinstance(v, dict) else {sub}) | key_paths(v, sub)
    elif isinstance(node, list):
        for item in node:
            out |= key_paths(item, path)
    return out


@pytest.mark.parametrize("kind", list(fields.KINDS))
def test_every_field_of_the_form_is_a_key_the_validator_reads(kind):
    allowed = schema.COMMON_KEYS | schema.KIND_KEYS[kind]
    for path in fields.all_paths(kind):
        top, _, sub = path.partition(".")
        assert top in allowed, (kind, path)
        assert not sub or sub in schema.known_keys(top), (kind, path)
        assert fields.FIELDS[path].label and fields.FIELDS[path].widget in (
            "text", "area", "lines", "units", "date", "number", "check", "choice", "rows"), path  # fmt: skip


@pytest.mark.parametrize("kind", list(fields.KINDS))
def test_every_key_a_skeleton_shows_has_a_place_in_the_form(kind):
    raw = parse_input("skeleton.yaml", ".yaml", skeletons.SKELETONS[kind].encode("utf-8"))
    assert key_paths(raw.data) - {"文种"} <= set(fields.all_paths(kind)), kind
    assert set(fields.KINDS) == set(schema.KIND_KEYS)


def test_form_fields_become_the_yaml_a_clerk_writes_and_read_back_the_same():
    posted = {**NOTICE, "标题": "true", "主送": "{{ 主送 }} & <b>", "正文": "  缩进的首行\r\n\r\n# 一级标题 #\r\n尾行  ",
              "会议.地点": "null", "发文字号": "# 7", "附件[3].名称": "名单", "附件[3].正文": "甲\n乙", "未知": "x"}  # fmt: skip
    made = fields.draft("会议通知", posted)
    text = inputtext.to_yaml(made.data, "由表单生成")
    assert text.startswith("# 由表单生成\n文种: 会议通知\n标题: 'true'\n") and "未知" not in text
    assert "正文: |" in text and "印章: true" in text
    assert parse_input("x.yaml", ".yaml", text.encode("utf-8")).data == made.data
    assert made.data["会议"]["议题"] == ["通报信访形势", "研究部署排查化解工作"]
    assert made.data["正文"] == "  缩进的首行\n\n# 一级标题 #\n尾行" and made.data["附件"] == [{"名称": "名单", "正文": "甲\n乙"}]
    assert made.rows == {"附件": [3]} and fields.form_key("附件[1].名称", made.rows) == "附件[3].名称"
    assert fields.form_key("会议.议题[2]", made.rows) == "会议.议题[2]"


def test_a_control_character_is_said_beside_its_field_not_written():
    made = fields.draft("通知", {"标题": "关于\x07的通知", "正文": "a\tb"})
    assert "标题" not in made.data and made.data["正文"] == "a\tb"
    assert made.problems[0][0] == "标题" and "U+0007" in made.problems[0][1]


def test_the_inbox_is_written_atomically_and_never_over_a_file(tmp_path):
    stem = file_stem("关于../../etc/passwd的通知", "20261112-090000")
    assert "/" not in stem and stem.endswith("-20261112-090000")
    (tmp_path / f"{stem}.yaml").write_text("已有的文件", encoding="utf-8")
    first = put_in_inbox(tmp_path, stem, b"a")
    second = put_in_inbox(tmp_path, stem, b"b")
    assert (first.name, second.name) == (f"{stem}-2.yaml", f"{stem}-3.yaml")
    assert (tmp_path / f"{stem}.yaml").read_text(encoding="utf-8") == "已有的文件"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"{stem}.yaml", first.name, second.name])  # no temp left


def test_one_rendering_at_a_time_and_one_per_client():
    queue = RenderQueue(depth=2, seconds=5)
    release = threading.Event()

    async def scenario() -> list[object]:
        slow = asyncio.ensure_future(queue.run("a", lambda: release.wait(5) and "a"))
        await asyncio.sleep(0.05)
        outcomes: list[object] = []
        for client in ("a", "b", "c"):
            try:
                outcomes.append(await asyncio.wait_for(queue.run(client, lambda: "done"), 0.2))
            except WebError as exc:
                outcomes.append(exc.status)
            except TimeoutError:
                outcomes.append("waiting")  # b waits behind a: one rendering at a time
        release.set()
        outcomes.append(await slow)
        return outcomes

    assert asyncio.run(scenario()) == [429, "waiting", 503, "a"]


# ---- over HTTP, on a fresh workspace ------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("form") / "ws"
    ok(fawen("init", root))
    server = Server(root)
    yield server, root
    server.stop()


def test_the_warm_up_input_is_valid_so_the_fonts_load_before_the_first_preview(served):
    _server, root = served
    req = run.read_request(root / "inbox" / "预热.yaml", ws_store.load(root), dt.date(2026, 11, 12), data=form.WARM_UP.encode())
    assert req.title == "关于预热排版的通知"


def token(server: Server, kind: str = "会议通知", headers: dict[str, str] | None = None) -> str:
    reply = get(server, "/new?文种=" + quote(kind), headers)
    assert reply.status == 200, reply.text[:500]
    return re.search(r'name="_token" value="([0-9a-f]{64})"', reply.text)[1]  # type: ignore[index]


def post(server: Server, path: str, form: dict[str, str], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return get(server, path, {**FORM, **(headers or {})}, "POST", urlencode(form).encode("utf-8"))


@pytest.mark.parametrize("kind", list(fields.KINDS))
def test_each_kind_has_its_form_with_labels_help_and_the_roster(served, kind):
    server, _root = served
    page = get(server, "/new?文种=" + quote(kind)).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and not re.search(r"\son\w+=|\sstyle=", page)
    for path in fields.KINDS[kind]:
        assert f'data-field="{path}"' in page and f'data-for="{path}"' in page, path
    assert '<datalist id="roster-召集人"><option value="王建国">' in page and '<option value="平安建设办公室">' in page
    assert 'name="发文机关"' not in page  # one organ: nothing to choose
    data = get(server, "/new?文种=" + quote(kind), {"Accept": "application/json"}).json()
    assert data["文种"] == kind and [f["path"] for f in data["字段"]] == list(fields.KINDS[kind])  # type: ignore[index]
    assert "周强" in data["名册"]["人员"] and data["发文机关"] == ["鄂尔多斯市东胜区罕台镇人民政府"]  # type: ignore[index]


def test_a_preview_is_the_pages_as_images_and_problems_name_the_forms_rows(served):
    server, _root = served
    reply = post(server, "/new/preview", {**NOTICE, "_token": token(server)})
    assert reply.status == 200, reply.text
    data = reply.json()
    assert data["问题"] == [] and data["页数"] >= 1 and len(data["页面"]) == data["页数"]  # type: ignore[index]
    image = get(server, data["页面"][0])  # type: ignore[index]
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.body)).size[0] in (744, 745)  # A4 at 90 dpi
    minutes = {"文种": "会议纪要", "_token": token(server, "会议纪要"), "会议类型": "全体会议", "标题": "罕台镇信访工作联席会议纪要",
               "正文": "现将议定事项纪要如下。", "议定事项[1].事项": "", "议定事项[3].事项": "排查", "议定事项[3].责任单位": "平安建设办公室",
               "议定事项[3].完成时限": "2026-02-30", "成文日期": "2026年13月1日"}  # fmt: skip
    problems = {p["键"]: p["问题"] for p in post(server, "/new/preview", minutes).json()["问题"]}  # type: ignore[index]
    assert "不是有效日期" in problems["议定事项[3].完成时限"] and "成文日期" in problems


def test_posts_need_the_forms_token_from_this_site_and_are_bounded(served):
    server, root = served
    good = {**NOTICE, "_token": token(server)}
    assert post(server, "/new/preview", {**NOTICE, "_token": "0" * 64}).status == 403
    assert post(server, "/new/preview", {**NOTICE, "_token": "令牌"}).status == 403
    assert post(server, "/new/preview", NOTICE).status == 403
    assert post(server, "/new/inbox", good, {"Origin": "http://evil.example"}).status == 403
    assert post(server, "/new/inbox", good, {"Sec-Fetch-Site": "cross-site"}).status == 403
    assert post(server, "/new/preview", {**good, "文种": "布告"}).status == 400
    assert post(server, "/new/preview", {**good, "正文": "字" * 120_000}).status == 413
    assert post(server, "/new/preview", {**good, **{f"出席[{i}].姓名": "张" for i in range(5001)}}).status == 413
    assert get(server, "/new/preview", {}).status == 405 and get(server, "/new?文种=布告").status == 404
    assert get(server, "/new/preview/nothing/1.png").status == 404
    assert post(server, "/new/document.exe", good).status == 404
    assert not any(p.suffix == ".yaml" for p in (root / "inbox").iterdir())


def test_download_the_pdf_and_the_docx_without_filing(served):
    server, root = served
    good = {**NOTICE, "_token": token(server)}
    pdf, docx = post(server, "/new/document.pdf", good), post(server, "/new/document.docx", good)
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
    assert docx.status == 200 and docx.body.startswith(b"PK") and "attachment" in docx.headers["content-disposition"]
    refused = post(server, "/new/document.pdf", {**good, "成文日期": "2026-02-30"}, {"Accept": "text/html"})
    assert refused.status == 422 and "不是有效日期" in refused.text
    assert not (root / "outbox" / "2026").exists()


def test_put_in_the_inbox_writes_the_same_yaml_and_a_refused_form_writes_nothing(served):
    server, root = served
    good = {**NOTICE, "_token": token(server)}
    refused = post(server, "/new/inbox", {**good, "会议.主持": "", "标题": ""})
    assert refused.status == 422 and any(p["键"] == "标题" for p in refused.json()["问题"])  # type: ignore[index,union-attr]
    before = set((root / "inbox").iterdir())
    first, second = post(server, "/new/inbox", good), post(server, "/new/inbox", good)
    assert first.status == second.status == 201
    names = [first.json()["文件"], second.json()["文件"]]  # type: ignore[index]
    assert names[0] != names[1] and all(n.startswith("inbox/关于召开罕台镇信访工作联席会议") for n in names)
    written = root / names[0]
    assert set((root / "inbox").iterdir()) - before == {root / n for n in names}
    data = parse_input(written.name, ".yaml", written.read_bytes()).data
    assert data == fields.draft("会议通知", NOTICE).data
    html = post(server, "/new/inbox", good, {"Accept": "text/html"})
    assert html.status == 200 and "已放入收件箱" in html.text and 'href="/search?q=' in html.text


def test_with_a_password_the_form_asks_for_the_login(tmp_path):
    root = tmp_path / "ws"
    ok(fawen("init", root))
    ok(fawen("-w", root, "serve", "--set-password", "--password-stdin", stdin="罕台镇档案2026\n"))
    server = Server(root)
    try:
        for method, path in (("GET", "/new"), ("POST", "/new/preview"), ("POST", "/new/inbox")):
            reply = get(server, path, FORM, method, b"x=1")
            assert reply.status == 303 and reply.headers["location"].startswith("/login"), path
        assert not any(Path(root / "inbox").glob("*.yaml"))
    finally:
        server.stop()


def two_organs(config: str) -> str:
    """fawen.yaml's 机关 as a list: the default organ first, then the joint meeting's office."""
    lines, out, inside = config.splitlines(), [], False
    for line in lines:
        if line.startswith("机关:"):
            inside = True
            out.append("机关:")
            continue
        if inside and line.startswith("  "):
            out.append(("  - " + line[2:]) if out[-1] == "机关:" else "  " + line)
            continue
        if inside:
            out += ["  - 名称: 罕台镇信访工作联席会议办公室", "    标志: 罕台镇信访工作联席会议办公室文件", "    机关代字: {通知: 罕联办发}"]
            inside = False
        out.append(line)
    return "\n".join(out) + "\n"


def test_with_several_organs_the_form_offers_them_and_writes_the_chosen_one(tmp_path):
    root = tmp_path / "ws"
    ok(fawen("init", root))
    config = root / "fawen.yaml"
    config.write_text(two_organs(config.read_text(encoding="utf-8")), encoding="utf-8")
    server = Server(root)
    try:
        page = get(server, "/new?文种=通知").text
        assert '<select id="f-发文机关" name="发文机关"><option>鄂尔多斯市东胜区罕台镇人民政府</option><option>罕台镇信访工作联席会议办公室</option>' in page
        notice = {"文种": "通知", "_token": token(server, "通知"), "发文机关": "罕台镇信访工作联席会议办公室",
                  "标题": "关于报送信访矛盾排查情况的通知", "主送": "联席会议各成员单位", "正文": "请于月底前报送。", "成文日期": "2026-11-12"}  # fmt: skip
        preview = post(server, "/new/preview", notice).json()
        assert preview["问题"] == [] and preview["页面"], preview  # type: ignore[index]
        written = root / post(server, "/new/inbox", notice).json()["文件"]  # type: ignore[index]
        assert "发文机关: 罕台镇信访工作联席会议办公室\n" in written.read_text(encoding="utf-8")
    finally:
        server.stop()
    assert "- 名称: 鄂尔多斯市东胜区罕台镇人民政府" in config.read_text(encoding="utf-8")


def as_form(data: dict[str, object]) -> dict[str, str]:
    """An input as a clerk would type it into the form: 议题 one a line, 配合单位 joined with 、, a
    list of recipients as the line it prints (joined with ，), records as rows, a person written
    姓名（职务） as its two columns."""
    posted: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            posted |= {f"{key}.{k}": typed(fields.FIELDS[f"{key}.{k}"], v) for k, v in value.items()}
        elif isinstance(value, list) and fields.FIELDS.get(key, fields.Field(key, "")).widget == "rows":
            for i, item in enumerate(value, 1):
                row = item if isinstance(item, dict) else person(str(item))
                posted |= {f"{key}[{i}].{k}": typed(fields.FIELDS[f"{key}.{k}"], v) for k, v in row.items()}
        else:
            posted[key] = typed(fields.FIELDS.get(key, fields.Field(key, "")), value)
    return posted


def typed(spec: fields.Field, value: object) -> str:
    if isinstance(value, list):
        return {"units": "、", "lines": "\n"}.get(spec.widget, "，").join(map(str, value))  # 主送 prints its list joined by ，
    return "true" if value is True else str(value)


def person(text: str) -> dict[str, str]:
    m = re.fullmatch(r"(.+?)（(.+)）", text)
    return {"姓名": m[1], "职务": m[2]} if m else {"姓名": text}


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("0*")))
def test_every_example_can_be_typed_into_its_form_and_previews_as_the_cli_renders_it(served, example):
    server, root = served
    source = EXAMPLES / example
    raw = parse_input(example, source.suffix, source.read_bytes())
    kind = str(raw.data["文种"])
    if any(isinstance(a, dict) and "文件" in a for a in raw.data.get("附件", [])):
        pytest.skip("附件「文件」: a file the form cannot upload")
    posted = as_form(raw.data)
    assert fields.draft(kind, posted).data.keys() == raw.data.keys()
    reply = post(server, "/new/preview", {**posted, "_token": token(server, kind)})
    assert reply.status == 200 and reply.json()["问题"] == [], reply.text[:800]  # type: ignore[index]
    workspace = ws_store.load(root)
    req = run.read_request(source, workspace, dt.date(2026, 12, 1))
    assert reply.json()["页数"] == run.typeset_request(req, workspace, source.parent).pages  # type: ignore[index]
