"""fawen serve against requests meant to crash it or wear it out: digits that int() refuses, a
件号 no SQLite integer holds, LIKE wildcards, a file name that is no UTF-8 in the inbox, many
catalogue exports at once, and connections that send nothing, half a head or half a body.

One server for the module, on a synthetic archive (benchmarks/archive.py: 3000 件 of metadata,
300 a year, built in seconds), driven over real HTTP as tests/test_web.py does."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import socket
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.store import workspace as ws_store
from pipeline.store.archive import Archive
from tests.test_web import REPO
from tests.test_web import Reply
from tests.test_web import Server
from tests.test_web import get

COUNT = 3000  # 件: 300 a year (2016–2025), a PDF catalogue of a year takes about half a second
ITEM = "F071-WS·2016-Y-XF-0001"
GBK_NAME = "关于通知".encode("gbk") + b".yaml"  # as a Chinese Windows (or a zip from one) writes it: no UTF-8
NO_NAME = b"\xff\xfe\xe9.yaml"  # neither UTF-8 nor GB 18030
REQUEST_SECONDS = 10  # pipeline.cli.serve.REQUEST_SECONDS
MAX_IN_FLIGHT = 64  # pipeline.web.site.MAX_IN_FLIGHT
MAX_CONNECTIONS = 512  # pipeline.web.site.MAX_CONNECTIONS


def synthetic(root: Path) -> Path:
    spec = importlib.util.spec_from_file_location("archive_benchmark", REPO / "benchmarks" / "archive.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    ws_store.init(root)
    module.synthetic_tree(root / "outbox", COUNT, random.Random(9704))
    archive = Archive(root / "outbox")
    archive.reindex()
    archive.close()
    return root


def undecodable_inbox(inbox: Path) -> None:
    """Files named in bytes that are no UTF-8: one in GBK waiting, one in no encoding rejected
    (with its reason), the GBK one again set aside as a duplicate."""
    folder = os.fsencode(inbox)
    for sub, name in ((b"", GBK_NAME), (b"rejected", NO_NAME), (b"rejected", NO_NAME + b".error.txt"),
                      (b"duplicates", GBK_NAME)):  # fmt: skip
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
        with open(os.path.join(folder, sub, name), "wb") as fh:
            fh.write("缺少必填项：标题\n".encode() if name.endswith(b".txt") else "文种: 通知\n".encode())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    root = synthetic(tmp_path_factory.mktemp("hostile") / "ws")
    undecodable_inbox(root / "inbox")
    server = Server(root)
    yield server
    server.stop()


def data(server: Server, path: str) -> tuple[int, dict[str, object]]:
    reply = get(server, path, {"Accept": "application/json"})
    body = reply.json()
    assert isinstance(body, dict), (path, reply.body[:200])
    return reply.status, body


def item(path: str = "") -> str:
    return "/items/" + quote(ITEM, safe="") + path


# ---- numbers as people (or scripts) type them -------------------------------------------------------


def test_digits_that_int_refuses_are_a_chinese_answer_never_a_crash(served):
    """str.isdigit() takes ², ⁰, ①: each was a 500 (ValueError) before the check was ASCII only."""
    expected = {"/items?page=²": (400, "页码「²」无效"), "/search?q=信访&page=²": (400, "页码「²」无效"),
                "/items?年度=²⁰²⁶": (400, "年度「²⁰²⁶」不是四位数字的年份"),
                "/search?q=信访&年度=①②③④": (400, "年度「①②③④」不是四位数字的年份"),
                "/items?年度=٢٠٢٦": (400, "不是四位数字的年份"), "/items?page=0": (400, "页码「0」无效"),
                item("?版本=²"): (404, "没有第²版"), item("?版本=①"): (404, "没有第①版"),
                "/items/F071-WS·2016-Y-XF-²": (404, "档案中没有")}  # fmt: skip
    for path, (status, title) in expected.items():
        got, body = data(served, path)
        assert (got, title in str(body["错误"])) == (status, True), (path, got, body)
    _, hits = data(served, "/search?q=F071-WS·2016-Y-XF-①")
    assert hits["对应"] == []
    assert data(served, "/items?年度=2016&page=2")[1]["共"] == COUNT // 10  # ASCII digits still work


def test_a_version_that_is_not_there_is_refused_never_another_version_shown(served):
    """?版本=999999 and ?版本=abc showed the latest version as if it were the one asked for."""
    for version in ("999999", "99999", "abc", "0", "-1", "1.0", " 1", "99999999999999999999"):
        status, body = data(served, item("?版本=" + quote(version)))
        assert status == 404 and str(body["错误"]).startswith("没有第"), version
        assert "现有版本：第1版" in str(body["说明"]), version
    for asked in ("?版本=1", "?版本=01", "", "?版本="):
        status, body = data(served, item(asked))
        assert status == 200 and body["页面"]["版本"] == 1, asked  # type: ignore[index]


def test_an_item_number_beyond_sqlite_integers_is_no_item(served):
    """A 档号-shaped key with a 20-digit 件号 reached SQLite as an int: 500 OverflowError."""
    huge = "/items/" + quote("F071-WS·2026-Y-XF-99999999999999999999", safe="")
    for path in (huge, huge + "/v1/print", huge + "/v1/files/a", "/items/F071-WS·2016-Y-XF-9223372036854775808"):
        status, body = data(served, path)
        assert status == 404 and str(body["错误"]).startswith("档案中没有"), (path, body)
    status, body = data(served, "/search?q=F071-WS·2026-Y-XF-99999999999999999999")
    assert status == 200 and body["对应"] == [] and body["共"] == 0


def test_like_wildcards_in_a_one_character_query_are_literal(served):
    """/search?q=_ found every 件: the one-character query is a LIKE pattern."""
    for query in ("_", "%25", "\\"):
        status, body = data(served, f"/search?q={query}")
        assert status == 200 and body["共"] == 0 and body["结果"] == [], query
    assert data(served, "/search?q=编")[1]["共"] == 200  # every body says 编号: the newest 200 are read


# ---- the inbox as the file system has it --------------------------------------------------------------


def test_the_inbox_lists_a_file_whose_name_is_not_utf8(served):
    """A GBK-named file made /inbox a 500 (UnicodeEncodeError: surrogates not allowed)."""
    status, body = data(served, "/inbox")
    assert status == 200, body
    assert [f["文件"] for f in body["等待"]] == ["关于通知.yaml"]  # type: ignore[index,union-attr]
    (rejected,) = body["退回"]  # type: ignore[misc]
    assert rejected["文件"] == "\\xff\\xfe\\xe9.yaml" and rejected["原因"][0]["问题"] == "缺少必填项：标题"
    assert [f["文件"] for f in body["重复"]] == ["关于通知.yaml"]  # type: ignore[index,union-attr]
    page = get(served, "/inbox")
    assert page.status == 200 and page.text.count("关于通知.yaml") == 2 and "\\xff\\xfe\\xe9.yaml" in page.text
    assert get(served, "/").status == 200


# ---- load: exports, idle and slow connections, too many requests --------------------------------------


def parallel(server: Server, paths: list[str], headers: dict[str, str] | None = None) -> list[Reply]:
    """The requests sent at the same moment, each on its own connection."""
    start = threading.Barrier(len(paths))
    replies: list[Reply] = []

    def one(path: str) -> None:
        start.wait(timeout=30)
        replies.append(get(server, path, headers))

    threads = [threading.Thread(target=one, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(replies) == len(paths)
    return replies


def test_catalogue_exports_are_made_two_at_a_time_and_the_rest_told_to_come_back(served):
    """45 exports at once each held a worker thread (and memory) for tens of seconds: every page froze."""
    replies = parallel(served, [f"/catalog/{2016 + n % 3}.pdf" for n in range(10)] + ["/catalog/2019.xlsx"] * 2)
    counts = Counter(r.status for r in replies)
    assert set(counts) == {200, 503}, counts  # some made, the others told to come back: none waited in line
    for busy in (r for r in replies if r.status == 503):
        assert busy.headers["retry-after"] == "10" and "正在生成其他目录，请稍后再试" in busy.text
        assert busy.headers["content-security-policy"] and busy.headers["cache-control"] == "no-store"
    as_json = [
        r for r in parallel(served, ["/catalog/2020.pdf"] * 6, {"Accept": "application/json"}) if r.status == 503
    ]
    assert as_json and as_json[0].json()["错误"] == "正在生成其他目录，请稍后再试"  # type: ignore[index]
    after = get(served, "/catalog/2016.csv")  # all done: nothing held on
    assert after.status == 200 and after.body.startswith("\ufeff序号".encode())


def opened(server: Server, first: bytes) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=30)
    if first:
        sock.sendall(first)
    return sock


def closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Whether the server closes the connection before ``deadline`` (what it may send first, a
    400 or nothing, is read and dropped)."""
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(4096):
                return True
        except TimeoutError:
            return False
        except ConnectionError:
            return True
    return False


def until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``condition`` (each poll is a request: no sleep races the server) for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
    return False


def test_idle_slow_and_too_many_connections_neither_lock_others_out_nor_stay_open(served):
    """64 connections that sent nothing made uvicorn answer everyone "Service Unavailable" (English),
    and were never closed. Now: idle ones do not count; a request must arrive whole within
    REQUEST_SECONDS or its connection is closed; beyond MAX_IN_FLIGHT requests at once the answer
    is a Chinese 503 with Retry-After."""
    host = f"Host: 127.0.0.1:{served.port}\r\n".encode()
    started = time.monotonic()
    idle = [opened(served, b"") for _ in range(80)]
    idle += [opened(served, b"GET / HTTP/1.1\r\n" + host) for _ in range(10)]  # half a head, never ended
    page = get(served, "/")
    assert page.status == 200 and "工作台" in page.text, (page.status, page.body[:100])
    body = b"POST /login HTTP/1.1\r\n" + host + b"Content-Length: 1000\r\n\r\npassword=x"
    slow = [opened(served, body) for _ in range(MAX_IN_FLIGHT)]  # /login awaits the rest of its form: in flight
    assert until(lambda: get(served, "/").status == 503, 5)
    busy = get(served, "/")
    assert busy.status == 503 and "服务器繁忙" in busy.text and busy.headers["retry-after"] == "5", busy.text[:300]
    assert json.loads(get(served, "/", {"Accept": "application/json"}).body)["错误"] == "服务器繁忙，请稍后再试"
    deadline = started + REQUEST_SECONDS + 10
    still_open = [n for n, sock in enumerate(idle + slow) if not closed_by_server(sock, deadline)]
    for sock in idle + slow:
        sock.close()
    assert not still_open, f"{len(still_open)} connections still open after {REQUEST_SECONDS + 10} s"
    assert until(lambda: get(served, "/").status == 200, 5)


def test_past_the_connection_limit_the_answer_is_chinese_and_the_connection_closed(served):
    """Past its connection limit uvicorn answered everyone "Service Unavailable", in English."""
    idle = [opened(served, b"") for _ in range(MAX_CONNECTIONS)]
    try:
        assert until(lambda: get(served, "/").status == 503, 5)  # once the server has taken them all in
        busy = get(served, "/")
        assert busy.status == 503 and "服务器繁忙" in busy.text, busy.body[:300]
        assert busy.headers["connection"] == "close" and busy.headers["retry-after"] == "5"
        refused = get(served, "/", {"Accept": "application/json"})
        assert refused.status == 503 and json.loads(refused.body)["错误"] == "服务器繁忙，请稍后再试"
    finally:
        for sock in idle:
            sock.close()
    assert until(lambda: get(served, "/").status == 200, 5)


def test_a_request_without_host_is_refused_in_chinese(served):
    with opened(served, b"GET / HTTP/1.1\r\n\r\n") as sock:
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    head, _, text = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and "请求无效" in text.decode("utf-8"), reply
    assert b"Invalid HTTP request" not in reply and b"content-security-policy" in head.lower()
