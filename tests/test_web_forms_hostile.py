"""The POSTs of fawen serve (the login form and 拟文) against clients that do not play along: bodies
too big, never finished or abandoned, bytes that are not UTF-8, parallel password guesses, and
form contents past the reader's bounds; each said in Chinese, nothing dropped or filed silently."""

from __future__ import annotations

import asyncio
import http.client
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn

from pipeline.stages.parse import parse_input
from pipeline.stages.validate import LIST_LIMITS
from pipeline.store import workspace as ws_store
from pipeline.web import app as web_app
from pipeline.web import create_app
from pipeline.web import fields
from pipeline.web import form
from pipeline.web.app import MAX_FORM
from tests.conftest import EXAMPLES
from tests.test_web import Reply
from tests.test_web import Server
from tests.test_web import fawen
from tests.test_web import get
from tests.test_web import ok
from tests.test_web import url
from tests.test_web_form import FORM
from tests.test_web_form import NOTICE
from tests.test_web_form import as_form
from tests.test_web_form import post
from tests.test_web_form import token

POSTS = ("/login", "/new/preview", "/new/inbox", "/new/document.pdf")
PASSWORD = "罕台镇档案2026"
WAIT = 30  # seconds any one reply may take on a loaded machine


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile") / "ws"
    ok(fawen("init", root))
    server = Server(root)
    yield server, root
    server.stop()


def send(server: Any, path: str, headers: dict[str, str], body: bytes) -> Reply:
    """A POST written by hand: these headers (Content-Length may promise more than ``body``),
    then the reply, read as soon as the server gives it."""
    lines = [f"POST {url(path)} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection((server.host, server.port), timeout=WAIT) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Reply(response.status, response.headers, response.read())


def inbox_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "inbox").iterdir() if p.suffix == ".yaml")


# ---- 1. a login body is read as a stream and stops at the form's limit --------------------------------


def test_a_login_body_past_the_limit_is_refused_before_it_is_read(served):
    server, _root = served
    huge = send(server, "/login", {**FORM, "Content-Length": str(600 * 1024 * 1024)}, b"pas")
    assert huge.status == 413 and "登录表单内容过多" in huge.text  # answered without waiting for 600 MB
    chunk = b"password=" + b"a" * 8192
    chunked = b"%x\r\n%s\r\n" % (len(chunk), chunk) * 8 + b"0\r\n\r\n"  # no Content-Length to judge it by
    reply = send(server, "/login", {**FORM, "Transfer-Encoding": "chunked"}, chunked)
    assert reply.status == 413 and f"不超过 {MAX_FORM} 字节" in reply.text


# ---- 2. parallel password guesses wait their turn -------------------------------------------------------


def test_parallel_password_guesses_take_the_sum_of_their_delays_and_pages_still_answer(tmp_path):
    root = tmp_path / "ws"
    ok(fawen("init", root))
    ok(fawen("-w", root, "serve", "--set-password", "--password-stdin", stdin=PASSWORD + "\n"))
    server = Server(root)
    try:
        ended: list[float] = []
        first_back = threading.Event()
        start = threading.Barrier(3)

        def guess(n: int) -> None:
            start.wait(WAIT)
            reply = get(server, "/login", {"Content-Type": FORM["Content-Type"]}, "POST", f"password=wrong{n}".encode())
            assert reply.status == 401 and "口令不对" in reply.text
            ended.append(time.monotonic())
            first_back.set()

        began = time.monotonic()
        guesses = [threading.Thread(target=guess, args=(n,)) for n in range(3)]
        for thread in guesses:
            thread.start()
        assert first_back.wait(WAIT)
        login_page = get(server, "/login")  # two guesses still queued: 1.0 s and 1.5 s of delay
        answered = time.monotonic()
        for thread in guesses:
            thread.join(WAIT)
        assert login_page.status == 200 and "访问口令" in login_page.text
        assert len(ended) == 3 and answered < max(ended)  # the page did not wait behind the guesses
        assert max(ended) - began >= 0.5 + 1.0 + 1.5 - 0.05  # one at a time: the delays add up
        form_ = urlencode({"password": PASSWORD, "next": "/items"})
        right = get(server, "/login", {"Content-Type": FORM["Content-Type"]}, "POST", form_.encode("utf-8"))
        assert right.status == 303 and right.headers["location"] == "/items"
    finally:
        server.stop()


# ---- 3. a client that leaves mid-POST ends the request quietly --------------------------------------------


def test_a_client_that_leaves_mid_post_leaves_no_traceback_on_the_console(served):
    server, root = served
    for path in POSTS:
        with socket.create_connection((server.host, server.port), timeout=WAIT) as sock:
            head = f"POST {url(path)} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 1000\r\n\r\nabc"
            sock.sendall(head.encode("utf-8"))
    assert get(server, "/").status == 200  # served after the four handlers met their disconnects
    console = server.stderr()
    assert "Traceback" not in console and "ClientDisconnect" not in console, console[-2000:]
    assert not inbox_files(root)


async def asgi_post(app: Any, path: str, messages: list[dict[str, Any]], length: int = 1000) -> list[dict[str, Any]]:
    """One POST straight into the application, its body the ``messages`` (after them receive()
    never returns, as a client that stops sending); what it sent. An exception escaping the
    application is what uvicorn prints as "Exception in ASGI application"."""
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-length", str(length).encode()),
        (b"content-type", FORM["Content-Type"].encode()),
    ]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": url(path).encode(), "query_string": b"", "root_path": "", "client": ("127.0.0.1", 9),
             "server": ("127.0.0.1", 80), "headers": headers}  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send_(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, receive, send_), WAIT)
    return sent


@pytest.mark.parametrize("path", POSTS)
def test_a_disconnect_while_the_body_is_read_never_escapes_the_application(served, path):
    _server, root = served
    app = create_app(ws_store.load(root))
    body = [{"type": "http.request", "body": b"abc", "more_body": True}, {"type": "http.disconnect"}]
    assert asyncio.run(asgi_post(app, path, body))[0]["status"] == 400


def test_past_the_login_queue_a_guess_is_refused_at_once_not_queued(served, monkeypatch):
    """Queued guesses would each hold one of the requests the server answers at once (site.Busy)."""
    _server, root = served
    monkeypatch.setattr(web_app, "LOGIN_QUEUE", 2)
    app = create_app(ws_store.load(root))
    guess = b"password=wrong&next=%2F"

    async def three_at_once() -> list[int]:
        posts = [asgi_post(app, "/login", [{"type": "http.request", "body": guess}], len(guess)) for _ in range(3)]
        return [sent[0]["status"] for sent in await asyncio.gather(*posts)]

    assert sorted(asyncio.run(three_at_once())) == [401, 401, 429]


# ---- 4. a body that never completes is answered 408 -------------------------------------------------------


class InProcess:
    """uvicorn on a free port in a thread of this process, so a test can shorten form.BODY_SECONDS."""

    def __init__(self, root: Path) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.host, self.port = sock.getsockname()
        config = uvicorn.Config(create_app(ws_store.load(root)), log_level="error", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + WAIT
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(WAIT)


def test_a_body_that_never_completes_is_answered_408_in_bounded_time(served, monkeypatch):
    _server, root = served
    monkeypatch.setattr(form, "BODY_SECONDS", 0.5)
    server = InProcess(root)
    try:
        for path in POSTS:
            began = time.monotonic()
            reply = send(server, path, {**FORM, "Content-Length": "100"}, b"abc")  # and the connection stays open
            assert reply.status == 408 and "请求超时" in reply.text and "0.5 秒" in reply.text, path
            assert time.monotonic() - began < WAIT
    finally:
        server.stop()
    assert not inbox_files(root)


# ---- 5. bytes that are not UTF-8 are refused, not filed as U+FFFD ------------------------------------------


def test_a_form_that_is_not_utf8_is_refused_and_nothing_is_filed(served):
    server, root = served
    good = urlencode({**NOTICE, "_token": token(server)}).encode("utf-8")
    for body in (good.replace(b"_token=", b"%FF%FE=1&_token="), good + b"&" + urlencode({"附注": "此件"}).encode() + b"%C3%28",
                 good + "&附注=此件".encode() + b"\xff\xfe"):  # fmt: skip
        reply = get(server, "/new/inbox", FORM, "POST", body)
        assert reply.status == 400, reply.text[:300]
        assert reply.json()["错误"].startswith("表单编码无效") and "UTF-8" in reply.json()["说明"]  # type: ignore[index]
    assert not inbox_files(root)
    login = get(server, "/login", {"Content-Type": FORM["Content-Type"]}, "POST", b"password=%FF&next=%2F")
    assert login.status == 400 and "表单编码无效" in login.text


# ---- 6. no row of a list is dropped ------------------------------------------------------------------------


def inspection(rows: int) -> dict[str, str]:
    """The 督查通报 example as typed into the form, with ``rows`` rows of 督查事项."""
    raw = parse_input("005.yaml", ".yaml", next(EXAMPLES.glob("005-*.yaml")).read_bytes())
    posted = {k: v for k, v in as_form(raw.data).items() if not k.startswith("督查事项[")}
    for n in range(1, rows + 1):
        posted |= {f"督查事项[{n}].单位": "综合执法局", f"督查事项[{n}].事项": f"第{n}件欠薪信访事项", f"督查事项[{n}].受理日期": "2026-11-02",
                   f"督查事项[{n}].办理时限": "2026-12-31", f"督查事项[{n}].状态": "已办结"}  # fmt: skip
    return posted


def test_every_row_of_a_list_reaches_the_inbox_and_a_list_past_its_limit_is_named(served):
    server, root = served
    assert len(fields.draft("督查通报", inspection(320)).data["督查事项"]) == 320
    reply = post(server, "/new/inbox", {**inspection(320), "_token": token(server, "督查通报")})
    assert reply.status == 201, reply.text[:800]
    written = root / reply.json()["文件"]  # type: ignore[index]
    assert len(parse_input(written.name, ".yaml", written.read_bytes()).data["督查事项"]) == 320
    written.unlink()
    limit = LIST_LIMITS["附件"]
    attachments = {f"附件[{n}].{c}": f"名单{n}" for n in range(1, limit + 2) for c in ("名称", "正文")}
    problems = post(server, "/new/preview", {**NOTICE, **attachments, "_token": token(server)}).json()["问题"]  # type: ignore[index]
    assert {"键": "附件", "问题": f"列表过长（{limit + 1} 项）", "应为": f"不超过 {limit} 项"} in problems  # type: ignore[operator]


# ---- 7. number fields with digits int() does not read ------------------------------------------------------


def test_a_number_field_with_other_digits_is_a_problem_beside_it_not_a_crash(served):
    server, _root = served
    for typed in ("²", "①", "Ⅻ", "3²"):
        reply = post(server, "/new/preview", {**NOTICE, "份数": typed, "_token": token(server)})
        assert reply.status == 200, (typed, reply.text[:300])
        problems = {p["键"]: p for p in reply.json()["问题"]}  # type: ignore[index,union-attr]
        assert "份数" in problems and "整数" in problems["份数"]["应为"], (typed, problems)
    assert fields.draft("会议通知", {"份数": "１２"}).data["份数"] == 12  # full-width digits are digits
    minutes = post(server, "/new/preview", {"文种": "会议纪要", "期号": "⁴", "_token": token(server, "会议纪要")})
    assert minutes.status == 200 and any(p["键"] == "期号" for p in minutes.json()["问题"])  # type: ignore[index,union-attr]


# ---- 8. the reader's bounds said of the form, not of a file ----------------------------------------------


def test_a_form_past_the_readers_bounds_is_told_about_the_form_not_a_file(served):
    server, _root = served
    lines = post(server, "/new/preview", {**NOTICE, "正文": "甲\n" * 49_000, "_token": token(server)})
    assert lines.status == 200
    (problem,) = lines.json()["问题"]  # type: ignore[index]
    assert problem["问题"].startswith("表单内容行数过多") and "5000 行" in problem["应为"]  # type: ignore[index]
    assert "台账" not in problem["应为"] and "文件" not in problem["问题"] + problem["应为"]  # type: ignore[index,operator]
    big = {f"附件[{n}].{c}": v for n in range(1, 7) for c, v in (("名称", f"名单{n}"), ("正文", "a" * 99_000))}
    size = post(server, "/new/preview", {**NOTICE, **big, "_token": token(server)})
    assert size.status == 200
    (problem,) = size.json()["问题"]  # type: ignore[index]
    assert re.fullmatch(r"表单内容过多（\d+ KB）", problem["问题"]) and "512 KB" in problem["应为"]  # type: ignore[index]
    assert "文件" not in problem["问题"] + problem["应为"]  # type: ignore[index,operator]


def test_the_form_may_post_as_many_fields_as_it_may_write_lines():
    assert form.MAX_FIELDS <= form.MAX_YAML_LINES and form.MAX_POST >= 900 * 1024  # 100 000 字 of 正文, encoded


# ---- 9. GET on a route that writes does not say the system is read-only ------------------------------------


def test_get_on_a_route_that_writes_says_it_takes_form_posts(served):
    server, _root = served
    for path in ("/new/preview", "/new/inbox", "/logout"):
        reply = get(server, path, {"Accept": "application/json"})
        title = reply.json()["错误"]  # type: ignore[index]
        assert reply.status == 405 and "只接受表单提交" in title and "只读" not in title, path
        assert reply.headers["allow"] == "POST" and "只接受表单提交" in get(server, path).text, path
    put = get(server, "/numbers", {"Accept": "application/json"}, "PUT", b"x")
    assert put.status == 405 and "只读" in put.json()["错误"]  # type: ignore[index,operator]
