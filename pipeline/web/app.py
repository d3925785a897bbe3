"""The application: routes, the login pages, and errors turned into Chinese pages."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from pipeline.store.archive import ComponentChanged
from pipeline.store.workspace import Workspace
from pipeline.web import catalogue
from pipeline.web import form
from pipeline.web import item
from pipeline.web import office
from pipeline.web.security import COOKIE
from pipeline.web.security import Guard
from pipeline.web.security import check_password
from pipeline.web.security import cookie_value
from pipeline.web.security import session_cookie
from pipeline.web.site import HERE
from pipeline.web.site import Site
from pipeline.web.site import WebError
from pipeline.web.site import error_page
from pipeline.web.site import page

HTTP_TITLES = {404: "没有这个页面", 405: "不支持这种请求方式（这个页面只读）", 400: "请求无效"}
POST_ONLY = "不支持这种请求方式：这个地址只接受表单提交（POST）"  # /new/preview, /new/inbox, /logout: they write
MAX_FORM = 4096  # the login form: a password and where to go next
LOGIN_FIELDS = 10  # password, next, and room for what a browser may add
# login attempts checked or waiting at once: past it 429 at once, so queued guesses cannot take all
# the requests the server answers at once (site.Busy) and shut the other pages out
LOGIN_QUEUE = 8


def create_app(workspace: Workspace, local_only: bool = True) -> Guard:
    """The ASGI application serving ``workspace``; ``local_only`` when bound to loopback (only
    this machine's Host names are answered)."""
    site = Site(workspace)
    routes = [
        Route("/", office.desk),
        Route("/items", catalogue.items_page),
        Route("/items/{code}", item.item_page),
        Route("/items/{code}/v{version:int}/files/{name:path}", item.download),
        Route("/items/{code}/v{version:int}/print", item.print_view),
        Route("/items/{code}/v{version:int}/{copy}/{page:int}.png", item.page_image),
        Route("/catalog/{year:int}.{kind}", catalogue.catalog_file),
        Route("/search", catalogue.search_page),
        Route("/inbox", office.inbox),
        Route("/numbers", office.numbers),
        Route("/new", form.form_page),
        Route("/new/preview", form.preview, methods=["POST"]),
        Route("/new/preview/{name}/{page:int}.png", form.preview_image),
        Route("/new/document.{fmt:str}", form.document, methods=["POST"]),
        Route("/new/inbox", form.to_inbox, methods=["POST"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={WebError: _web_error, HTTPException: _http_error,
                                                       ComponentChanged: _changed, Exception: _crash})  # fmt: skip
    app.state.site = site
    app.state.drafting = form.Drafting()  # the 拟文 form's token secret, rendering queue and previews
    app.state.login_lock = asyncio.Lock()  # one password check at a time: parallel guesses queue for the delay
    app.state.login_queue = 0  # attempts holding or waiting for login_lock
    return Guard(app, site.sessions, bool(workspace.config.web_password_hash), local_only)


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    return error_page(request, exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    allowed = (exc.headers or {}).get("Allow", "")  # a route's methods; none from StaticFiles (GET only)
    post_only = exc.status_code == 405 and bool(allowed) and "GET" not in allowed
    title = POST_ONLY if post_only else HTTP_TITLES.get(exc.status_code, "请求无法处理")
    response = error_page(request, WebError(exc.status_code, title))
    if allowed:
        response.headers["allow"] = allowed
    return response


async def _changed(request: Request, exc: Exception) -> Response:
    return error_page(request, WebError(409, "文件与归档记录不符", str(exc)))


async def _crash(request: Request, exc: Exception) -> Response:
    return error_page(
        request, WebError(500, "服务器内部错误", f"{type(exc).__name__}。请把这个地址和时间告诉系统管理员。")
    )


def _next(raw: str) -> str:
    """Where to go after logging in: a path on this site only (never //elsewhere)."""
    return raw if raw.startswith("/") and not raw.startswith("//") and "\\" not in raw else "/"


def login_form(request: Request) -> Response:
    nxt = _next(request.query_params.get("next", "/"))
    if not request.app.state.site.workspace.config.web_password_hash:
        return RedirectResponse(nxt, status_code=303)  # no password: nothing to log in to
    return page(request, "login.html", {"下一步": nxt})


async def login(request: Request) -> Response:
    site: Site = request.app.state.site
    origin = request.headers.get("origin", "")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise WebError(403, "拒绝来自其他网站的登录请求")
    too_big = WebError(413, "登录表单内容过多", f"口令和跳转地址合计不超过 {MAX_FORM} 字节。")
    fields = form.form_fields(await form.read_body(request, MAX_FORM, too_big), LOGIN_FIELDS)
    nxt = _next(fields.get("next", "/"))
    if not await _password_right(request, site, fields.get("password", "")):
        return page(request, "login.html", {"下一步": nxt, "错误": "口令不对，请重新输入。"}, 401)
    response = RedirectResponse(nxt, status_code=303)
    response.headers.append("set-cookie", session_cookie(site.sessions.new()))
    return response


async def _password_right(request: Request, site: Site, password: str) -> bool:
    """The check and a wrong guess's delay under one lock, so parallel guesses wait in turn:
    N guesses take the sum of their delays, not the longest one."""
    state = request.app.state
    if state.login_queue >= LOGIN_QUEUE:
        raise WebError(429, "登录尝试过多，请稍后再试", "正在核对的登录请求太多；请过几秒再输入口令。")
    state.login_queue += 1
    try:
        async with state.login_lock:
            return await _check(site, password)
    finally:
        state.login_queue -= 1


async def _check(site: Site, password: str) -> bool:
    stored = site.workspace.config.web_password_hash
    right = bool(stored) and await asyncio.to_thread(check_password, password, stored)
    if right:
        site.sessions.failures = 0
        return True
    site.sessions.failures += 1
    await asyncio.sleep(min(5.0, 0.5 * site.sessions.failures))  # each wrong guess costs more
    return False


async def logout(request: Request) -> Response:
    site: Site = request.app.state.site
    site.sessions.end(cookie_value(request.scope, COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", session_cookie("", 0))
    return response
