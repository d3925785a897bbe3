"""What every page shares: the workspace and its stores, the templates, and how a page's data
becomes a response (HTML, or the same data as JSON) or a Chinese error page. The only place in
the web application where errors become responses."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sized
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from jinja2 import FileSystemLoader
from jinja2 import select_autoescape
from markupsafe import Markup
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.responses import Response

from pipeline import run
from pipeline.store.archive import Archive
from pipeline.store.archive import EntryInfo
from pipeline.store.workspace import Workspace
from pipeline.web.security import HEADERS
from pipeline.web.security import ASGIApp
from pipeline.web.security import Receive
from pipeline.web.security import Scope
from pipeline.web.security import Send
from pipeline.web.security import Sessions

HERE = Path(__file__).resolve().parent
MAX_KEY = 200  # a 档号, 文号 or query longer than this is no key: 400 before any look-up
MAX_IN_FLIGHT = 64  # requests answered at once; the worker threads are fewer (anyio's 40)
MAX_CONNECTIONS = 512  # open connections, idle ones included (those are closed within seconds)
BUSY_RETRY = 5  # seconds a browser is asked to wait when the server is busy
RETENTION_CN = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}


class WebError(Exception):
    """A request that gets an error page: status, a title and what the person can do."""

    def __init__(self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


@dataclass
class Site:
    """One served workspace. SQLite connections belong to the thread that opened them, so each
    worker thread keeps its own Archive."""

    workspace: Workspace
    sessions: Sessions = field(default_factory=Sessions)
    local: threading.local = field(default_factory=threading.local)
    render_lock: threading.Lock = field(default_factory=threading.Lock)  # pdfium is not thread-safe

    @property
    def cache(self) -> Path:
        """Page images: the workspace's cache, never the archive."""
        return self.workspace.root / ".fawen" / "cache" / "pages"

    def archive(self) -> Archive:
        store = getattr(self.local, "archive", None)
        if store is None:
            store = self.local.archive = run.open_archive(self.workspace)
        return store

    def entry(self, key: str) -> EntryInfo:
        """The one 件 a 档号 (or 文号, 期号) names; 404 when none, 300 listing them when several."""
        checked_key(key)
        hits = self.archive().lookup(key)
        if not hits:
            raise WebError(404, f"档案中没有「{key}」", "请检查档号或文号，或在「检索」中查找。")
        if len(hits) > 1:
            raise Ambiguous(key, hits)
        return hits[0]


class Ambiguous(WebError):
    def __init__(self, key: str, hits: list[EntryInfo]) -> None:
        super().__init__(300, f"「{key}」对应 {len(hits)} 件", "请选择其中一件。")
        self.hits = hits


def ascii_number(text: str, most: int) -> int | None:
    """The number ``text`` spells in at most ``most`` ASCII digits, else None: str.isdigit() also
    takes ², ① and the like, which int() refuses, and a number of any length may be typed."""
    return int(text) if 0 < len(text) <= most and text.isascii() and text.isdigit() else None


def checked_key(text: str, what: str = "档号或文号") -> str:
    """Keys come from people: bounded and printable, else 400 before anything looks them up."""
    if len(text) > MAX_KEY or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise WebError(400, f"请求无效：{what}过长或含有控制字符", f"{what}不超过 {MAX_KEY} 个字符。")
    return text


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


class ChineseJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, indent=1, default=str).encode("utf-8")


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters["u"] = lambda s: quote(str(s), safe="")
    env.filters["retention"] = lambda code: RETENTION_CN.get(str(code), str(code))
    env.filters["marked"] = marked
    env.globals["item_url"] = lambda code: "/items/" + quote(str(code), safe="")
    return env


def marked(snippet: str, terms: list[str]) -> Markup:
    """A search snippet with the query's words as <mark>: only 【word】 pairs that enclose a word
    of the query, so brackets the document itself prints stay text."""
    text = str(escape(snippet))
    if not terms:
        return Markup(text)
    words = "|".join(re.escape(str(escape(t))) for t in sorted(terms, key=len, reverse=True))
    return Markup(re.sub(f"【({words})】", r"<mark>\1</mark>", text, flags=re.IGNORECASE))


TEMPLATES = _environment()


def page(request: Request, template: str, data: dict[str, Any], status: int = 200, **extra: Any) -> Response:
    """A page's data as JSON when asked for (Accept: application/json), else as HTML."""
    if wants_json(request):
        return ChineseJSON(data, status_code=status, headers={"cache-control": "no-store", "vary": "accept"})
    site: Site = request.app.state.site
    html = TEMPLATES.get_template(template).render(
        data=data, organ=site.workspace.config.organ.name, path=request.url.path,
        auth=bool(site.workspace.config.web_password_hash), **extra)  # fmt: skip
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store", "vary": "accept"})


def error_page(request: Request, error: WebError) -> Response:
    data: dict[str, Any] = {"错误": error.title, "说明": error.detail, "状态": error.status}
    if isinstance(error, Ambiguous):
        data["候选"] = [e.as_dict() for e in error.hits]
    if isinstance(getattr(error, "problems", None), list):  # a drafting form the validator refused
        data["问题"] = error.problems  # type: ignore[attr-defined]
    response = page(request, "error.html", data, error.status)
    response.headers.update(error.headers)
    return response


def attachment_header(name: str) -> str:
    """Content-Disposition for a download: an ASCII fallback for old clients, the Chinese name
    as RFC 5987 ``filename*`` (quotes, slashes and control characters never pass)."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\/;%' else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class Busy:
    """ASGI middleware around the whole application: beyond ``limit`` requests at once, a request
    gets a Chinese 503 at once instead of waiting for a worker thread behind the others; beyond
    MAX_CONNECTIONS open connections (``connections``: the server's own set of them), the same
    answer, and the connection is closed. uvicorn's own limit for the latter answers in English."""

    def __init__(self, app: ASGIApp, workspace: Workspace, limit: int = MAX_IN_FLIGHT) -> None:
        self.app, self.limit, self.in_flight = app, limit, 0  # counted on the event loop's one thread
        self.connections: Sized = ()
        data = {
            "错误": "服务器繁忙，请稍后再试",
            "说明": f"正在处理的请求太多；请过 {BUSY_RETRY} 秒刷新本页。",
            "状态": 503,
        }
        self.html = TEMPLATES.get_template("error.html").render(
            data=data, organ=workspace.config.organ.name, path="", auth=False).encode("utf-8")  # fmt: skip
        self.json = json.dumps(data, ensure_ascii=False).encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.in_flight >= self.limit:
            await self._refuse(scope, send)
            return
        if scope["type"] == "http" and len(self.connections) >= MAX_CONNECTIONS:
            await self._refuse(scope, send, [(b"connection", b"close")])
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _refuse(self, scope: Scope, send: Send, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        as_json = wants_json(Request(scope))
        body, kind = (self.json, b"application/json") if as_json else (self.html, b"text/html; charset=utf-8")
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"),
                   (b"retry-after", str(BUSY_RETRY).encode()), (b"vary", b"accept"), *HEADERS, *(extra or [])]  # fmt: skip
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})
