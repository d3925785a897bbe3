"""/new (拟文): a form for each 文种 built from pipeline.web.fields, its pages previewed as the
clerk types (the same validator and typesetter as ``fawen render``), the validator's messages
beside their fields, the PDF or DOCX to download, or the input put into the inbox, where the
watcher files it like any other.

The posted fields become the YAML a clerk would write; that text, and nothing else, is what is
validated, rendered and put into the inbox. POSTs are bounded (size, the time the body may take
to arrive, one rendering at a time, a time limit), UTF-8 only, and carry the form's token
(pipeline.web.security)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode

from starlette.requests import ClientDisconnect
from starlette.requests import Request
from starlette.responses import Response

from pipeline import intake
from pipeline import run
from pipeline import schema
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.inputtext import to_yaml
from pipeline.model import DocumentRequest
from pipeline.stages.parse import MAX_INPUT_BYTES
from pipeline.stages.parse import MAX_YAML_LINES
from pipeline.web import images
from pipeline.web.drafts import Previews
from pipeline.web.drafts import RenderQueue
from pipeline.web.drafts import file_stem
from pipeline.web.drafts import put_in_inbox
from pipeline.web.fields import FIELDS
from pipeline.web.fields import KINDS
from pipeline.web.fields import Draft
from pipeline.web.fields import draft
from pipeline.web.fields import form_key
from pipeline.web.fields import layout
from pipeline.web.security import COOKIE
from pipeline.web.security import cookie_value
from pipeline.web.security import form_token
from pipeline.web.security import same_origin
from pipeline.web.site import ChineseJSON
from pipeline.web.site import Site
from pipeline.web.site import WebError
from pipeline.web.site import attachment_header
from pipeline.web.site import page
from pipeline.web.site import wants_json

MAX_POST = 1024 * 1024  # bytes of form: 100 000 characters of 正文 percent-encoded are ~900 KB
MAX_FIELDS = 5000  # a filled field is a line of YAML at least: more could not pass the reader's MAX_YAML_LINES
BODY_SECONDS = 8.0  # a form crosses a LAN in well under a second; below serve.REQUEST_SECONDS, so the 408 is sent
TOO_MUCH = f"填写的内容合计不超过 {MAX_INPUT_BYTES // 1024} KB（表单发送时不超过 {MAX_POST // 1024} KB）；正文过长时请分成几份公文"
MAX_PAGES = 12  # pages previewed; the count says how many there are
PREVIEW_SCALE = 1.25  # 90 dpi: an A4 page 744 px wide, what the preview column shows
ORGAN_KEY = "发文机关"
WARM_UP = "文种: 通知\n标题: 关于预热排版的通知\n主送: 各成员单位\n正文: |\n  # 一级标题\n  正文文字。\n"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Drafting:
    """The form's state in this server process."""

    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    queue: RenderQueue = field(default_factory=RenderQueue)
    previews: Previews = field(default_factory=Previews)


@dataclass
class Checked:
    """A posted form as the validator sees it: the YAML it makes, the request or the problems."""

    draft: Draft
    text: str
    request: DocumentRequest | None
    problems: list[dict[str, str]]


def _drafting(request: Request) -> Drafting:
    return request.app.state.drafting  # type: ignore[no-any-return]  # made with the application


def _token(request: Request) -> str:
    return form_token(_drafting(request).secret, cookie_value(request.scope, COOKIE))


def _organs(site: Site) -> list[str]:
    config = site.workspace.config
    return [o.name for o in (getattr(config, "organs", None) or [config.organ])]


def _roster(site: Site) -> dict[str, list[str]]:
    """The names the form offers (<datalist>): from fawen.yaml's 联席会议."""
    meeting = site.workspace.config.meeting
    if meeting is None:
        return {"召集人": [], "人员": [], "单位": [], "主送": []}
    conveners = [p.name for p in meeting.conveners]
    head = [meeting.office_head.name] if meeting.office_head else []
    units = [m.name for m in meeting.members]
    return {"召集人": conveners, "人员": list(dict.fromkeys(conveners + head + [m.liaison for m in meeting.members if m.liaison])),
            "单位": list(dict.fromkeys(units + ([meeting.office_host] if meeting.office_host else []))),
            "主送": ["联席会议各成员单位", *units]}  # fmt: skip


def form_page(request: Request) -> Response:
    site: Site = request.app.state.site
    kind = request.query_params.get("文种", "通知")
    if kind not in KINDS:
        raise WebError(404, f"没有「{kind[:20]}」这个文种", "可拟：" + "、".join(KINDS))
    sections = layout(kind)
    data = {"文种": kind, "文种列表": list(KINDS), "发文机关": _organs(site), "名册": _roster(site),
            "字段": [{"节": s.legend, **vars(f)} for s in sections for f in s.fields]}  # fmt: skip
    columns = {f.path: [FIELDS[c] for c in f.columns] for s in sections for f in s.fields if f.columns}
    _drafting(request).queue.warm(lambda: _warm_up(site))
    return page(request, "form.html", data, sections=sections, columns=columns, token=_token(request))


async def read_body(request: Request, limit: int, too_big: WebError) -> bytes:
    """A POST's body, read as it arrives: ``too_big`` past ``limit`` bytes, 408 when it does not
    arrive within BODY_SECONDS, and a client that leaves ends here (WebError: no traceback)."""
    given = request.headers.get("content-length", "")
    if given.isascii() and given.isdigit() and int(given) > limit:
        raise too_big
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise too_big
    except TimeoutError:
        raise WebError(
            408, "请求超时：表单没有发送完", f"{BODY_SECONDS:g} 秒内没有收到全部内容；请检查网络后重新提交。"
        ) from None
    except ClientDisconnect:
        raise WebError(400, "请求不完整：连接已断开", "表单没有发送完，请重新提交。") from None
    return bytes(body)


def form_fields(body: bytes, max_fields: int) -> dict[str, str]:
    """A urlencoded body's fields; UTF-8 only, so nothing is filed with U+FFFD in place of what was typed."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields,
                              encoding="utf-8", errors="strict"))  # fmt: skip
    except UnicodeDecodeError:  # a ValueError too: before the one that says there are too many fields
        raise WebError(
            400, "表单编码无效：内容不是 UTF-8 编码", "UTF-8 编码的表单（网页上的表单都是）；请回到页面重新提交。"
        ) from None
    except ValueError:
        raise WebError(413, "表单项过多", f"一份表单不超过 {max_fields} 项。") from None


async def _posted(request: Request) -> tuple[str, dict[str, str]]:
    """The form's fields, from this site's page only, bounded; the 文种 they are for."""
    body = await read_body(request, MAX_POST, WebError(413, "表单内容过多", TOO_MUCH + "。"))
    posted = form_fields(body, MAX_FIELDS)
    if not same_origin(request.scope) or not hmac.compare_digest(
        posted.pop("_token", "").encode(), _token(request).encode()
    ):
        raise WebError(403, "表单已过期或来自其他网站", "请重新打开「拟文」页面再填写。")
    kind = posted.get("文种", "")
    if kind not in KINDS:
        raise WebError(400, "请求无效：没有这个文种", "可拟：" + "、".join(KINDS))
    return kind, posted


def _today(site: Site) -> dt.date:
    return dt.datetime.now(intake.workspace_zone(site.workspace)).date()


def check(site: Site, kind: str, posted: dict[str, str]) -> Checked:
    """The posted fields as YAML, read by the same code as an input file dropped in the inbox."""
    organs = _organs(site)
    extra = {}
    if len(organs) > 1 and ORGAN_KEY in schema.COMMON_KEYS:
        extra[ORGAN_KEY] = posted.get(ORGAN_KEY) or organs[0]
    made = draft(kind, posted, extra)
    text = to_yaml(made.data, "由 fawen serve「拟文」表单生成；可以像其他输入文件一样修改。")
    problems = [{"键": name, "问题": what, "应为": expected} for name, what, expected in made.problems]
    problems += _too_long(text)
    if problems:
        return Checked(made, text, None, problems)
    inbox = site.workspace.inbox
    try:
        req = intake.read_request(
            inbox / "拟文.yaml", site.workspace, _today(site), data=text.encode("utf-8"), base=inbox
        )
    except InputError as exc:
        found = [{"键": form_key(p.key, made.rows), "问题": p.problem, "应为": p.expected} for p in exc.problems]
        return Checked(made, text, None, found)
    except FawenError as exc:
        return Checked(made, text, None, [{"键": "", "问题": str(exc), "应为": ""}])
    return Checked(made, text, req, [])


def _too_long(text: str) -> list[dict[str, str]]:
    """The reader's bounds on an input file (MAX_INPUT_BYTES, MAX_YAML_LINES) said of the form that
    made it: its words would speak of a file the clerk never uploaded."""
    size, lines = len(text.encode("utf-8")), text.count("\n") + 1
    if size > MAX_INPUT_BYTES:
        return [{"键": "", "问题": f"表单内容过多（{size // 1024} KB）", "应为": TOO_MUCH}]
    if lines > MAX_YAML_LINES:
        return [{"键": "", "问题": f"表单内容行数过多（{lines} 行）",
                 "应为": f"正文、附件正文和各列表合计不超过 {MAX_YAML_LINES} 行（列表每项的每一栏占一行）；内容很多时请分成几份公文"}]  # fmt: skip
    return []


def _warm_up(site: Site) -> None:
    """Typeset a short 通知 once, so the fonts are loaded before the first preview."""
    inbox = site.workspace.inbox
    try:
        req = intake.read_request(inbox / "预热.yaml", site.workspace, _today(site), data=WARM_UP.encode("utf-8"))
        run.typeset_request(req, site.workspace, inbox)
    except Exception:  # noqa: BLE001 — a warm-up that fails costs only the seconds it would have saved
        return


def _client(request: Request) -> str:
    return cookie_value(request.scope, COOKIE) or (request.client.host if request.client else "")


def _refused(checked: Checked, exc: FawenError) -> Checked:
    """A request the validator passed and the typesetter still refused (a table too long …)."""
    return dataclasses.replace(checked, request=None, problems=[{"键": "", "问题": str(exc), "应为": ""}])


def _preview_job(site: Site, kind: str, posted: dict[str, str]) -> tuple[Checked, int, list[bytes]]:
    checked = check(site, kind, posted)
    if checked.request is None:
        return checked, 0, []
    try:
        pdf = run.typeset_request(checked.request, site.workspace, site.workspace.inbox).pdf
    except FawenError as exc:
        return _refused(checked, exc), 0, []
    count = images.page_count(pdf, site.render_lock)
    pngs = [images.render_page(pdf, n, site.render_lock, PREVIEW_SCALE) for n in range(1, min(count, MAX_PAGES) + 1)]
    return checked, count, [p for p in pngs if p is not None]


async def preview(request: Request) -> Response:
    site: Site = request.app.state.site
    kind, posted = await _posted(request)
    drafting = _drafting(request)
    checked, count, pngs = await drafting.queue.run(_client(request), lambda: _preview_job(site, kind, posted))
    data: dict[str, Any] = {"问题": checked.problems, "页数": count, "页面": []}
    if pngs:
        name = drafting.previews.put(pngs)
        data["页面"] = [f"/new/preview/{name}/{n}.png" for n in range(1, len(pngs) + 1)]
    return ChineseJSON(data, headers={"cache-control": "no-store"})


def preview_image(request: Request) -> Response:
    png = _drafting(request).previews.get(request.path_params["name"][:40], request.path_params["page"])
    if png is None:
        raise WebError(404, "预览已过期", "表单页会重新生成预览。")
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=600"})


class Refused(WebError):
    """A form whose input the validator refuses: its problems, on the page or as JSON."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__(422, f"表单有 {len(problems)} 处需要修改", "回到表单，按字段旁的说明改正后再试。")
        self.problems = problems


async def document(request: Request) -> Response:
    """POST /new/document.pdf or .docx: the rendering, to download; nothing is numbered or filed."""
    site: Site = request.app.state.site
    fmt = request.path_params["fmt"]
    if fmt not in ("pdf", "docx"):
        raise WebError(404, "只能下载 PDF 或 DOCX")
    kind, posted = await _posted(request)

    def job() -> tuple[Checked, bytes]:
        checked = check(site, kind, posted)
        if checked.request is None:
            return checked, b""
        try:
            rendered = run.render_request(checked.request, site.workspace, site.workspace.inbox)
        except FawenError as exc:
            return _refused(checked, exc), b""
        return checked, rendered.pdf if fmt == "pdf" else rendered.docx

    checked, data = await _drafting(request).queue.run(_client(request), job)
    if checked.request is None:
        raise Refused(checked.problems)
    name = f"{file_stem(checked.request.title, '草稿')}.{fmt}"
    return Response(data, media_type="application/pdf" if fmt == "pdf" else DOCX_TYPE,
                    headers={"content-disposition": attachment_header(name), "cache-control": "no-store"})  # fmt: skip


async def to_inbox(request: Request) -> Response:
    """POST /new/inbox: the input, once valid, into ``inbox/`` for the watcher to file."""
    site: Site = request.app.state.site
    kind, posted = await _posted(request)

    def job() -> tuple[Checked, Path | None]:
        checked = check(site, kind, posted)
        if checked.request is None:
            return checked, None
        stamp = dt.datetime.now(intake.workspace_zone(site.workspace)).strftime("%Y%m%d-%H%M%S")
        stem = file_stem(checked.request.title, stamp)
        return checked, put_in_inbox(site.workspace.inbox, stem, checked.text.encode("utf-8"))

    checked, path = await _drafting(request).queue.run(_client(request), job)
    if checked.request is None or path is None:
        raise Refused(checked.problems)
    data = {"文件": f"inbox/{path.name}", "标题": checked.request.title, "文种": kind, "收件箱": "/inbox",
            "检索": "/search?" + urlencode({"q": checked.request.title}), "目录": "/items?" + urlencode({"文种": kind}),
            "说明": "fawen watch 归档后，这件公文出现在归档文件目录中；输入有误时退回 inbox/rejected/。"}  # fmt: skip
    return page(request, "form_done.html", data, 201 if wants_json(request) else 200)
