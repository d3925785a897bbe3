"""fawen serve over real HTTP: the server runs as `fawen serve --port 0` in its own process, on an
archive made by `fawen file` from every example (plus a correction, a withdrawal, and an inbox
with a rejected file, a duplicate and a waiting one), and is asked as a browser or a script would."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from tests.conftest import EXAMPLES
from tests.conftest import example_files

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60  # seconds for `fawen serve` to print its address on a loaded machine
BAD_INPUT = "文种: 通知\n主送: 各村民委员会\n正文: 请按时报送。\n成文日期: 2026-13-01\n"
CORRECTED = ("会议:\n  类型: 全体会议\n  时间: 2026-11-20 09:00\n  地点: 罕台镇人民政府三楼会议室", "地点: 罕台镇人民政府三楼会议室",
             "地点: 罕台镇人民政府二楼会议室")  # fmt: skip


def fawen(*args: object, stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process, as a clerk runs it."""
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def make_archive(root: Path) -> Path:
    """A workspace whose archive `fawen file` made from every example; 罕政发〔2026〕1号 corrected
    (v2: 会议.地点 changed), 罕政报〔2026〕2号 withdrawn; in the inbox a rejected input, a
    duplicate of 纪要第4期 and one file waiting."""
    ok(fawen("init", root))
    shutil.copytree(EXAMPLES, root / "examples")
    ok(fawen("-w", root, "file", *example_files(root / "examples")))
    notice = (root / "examples" / "002-全体会议通知.yaml").read_text(encoding="utf-8")
    assert CORRECTED[1] in notice
    (root / "更正.yaml").write_text(notice.replace(CORRECTED[1], CORRECTED[2]), encoding="utf-8")
    ok(fawen("-w", root, "archive", "correct", "罕政发〔2026〕1号", root / "更正.yaml", "--reason", "会议地点有误", "--by", "张丽"))
    ok(fawen("-w", root, "archive", "withdraw", "罕政报〔2026〕2号", "--reason", "内容与第1号重复", "--by", "张丽"))
    (root / "inbox" / "缺标题.yaml").write_text(BAD_INPUT, encoding="utf-8")
    shutil.copyfile(root / "examples" / "003-全体会议纪要.yaml", root / "inbox" / "纪要副本.yaml")
    fawen("-w", root, "watch", "--once")  # exits 0 or 1 by what it met; the folders say what happened
    assert (root / "inbox" / "rejected" / "缺标题.yaml.error.txt").is_file()
    assert (root / "inbox" / "duplicates" / "纪要副本.yaml.note.txt").is_file()
    (root / "inbox" / "待办通知.yaml").write_text("文种: 通知\n", encoding="utf-8")
    return root


class Server:
    """`fawen serve --port 0` in a process of its own: the OS picks a free port at bind time (no
    race with other tests), the address is read from what the command prints."""

    def __init__(self, root: Path, *args: str) -> None:
        self.errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server never blocks on it
        self.proc = subprocess.Popen([sys.executable, "-m", "pipeline", "-w", str(root), "serve", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.errors, text=True, cwd=REPO)  # fmt: skip
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(ln) for ln in self.proc.stdout], daemon=True).start()  # type: ignore[union-attr]
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise AssertionError(f"fawen serve printed no address: {self.stderr()}") from None
        m = re.search(r"http://([^/:]+):(\d+)/", first)
        assert m, first
        self.host, self.port = m[1], int(m[2])
        self.base = f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # what Ctrl+C does: uvicorn shuts down cleanly
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read().decode("utf-8", "replace")


class Reply:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> object:
        return json.loads(self.body)


def url(path: str) -> str:
    """A path as a browser sends it: non-ASCII percent-encoded, everything else as written."""
    return quote(path, safe="/?=&%:-_.~·!$'()*+,;@[]") if not path.isascii() else path


def get(server: Server, path: str, headers: dict[str, str] | None = None, method: str = "GET", body: bytes | None = None) -> Reply:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        conn.request(method, url(path), body=body, headers={"Host": f"127.0.0.1:{server.port}", **(headers or {})})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def get_json(server: Server, path: str) -> dict[str, object]:
    reply = get(server, path, {"Accept": "application/json"})
    assert reply.status == 200, (path, reply.status, reply.body[:300])
    assert reply.headers["content-type"].startswith("application/json")
    data = reply.json()
    assert isinstance(data, dict)
    return data


def raw(server: Server, request: bytes) -> int:
    """Bytes no client library would send (a NUL, a bare ..): the status line the server answers."""
    data = b""
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        try:
            sock.sendall(request)
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionError:  # the server may answer and close before an overlong request is sent
            pass
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


def tree_state(outbox: Path) -> dict[str, tuple[int, int, int]]:
    """Every path in the archive but its index cache: size, mode and mtime."""
    out = {}
    for p in sorted(outbox.rglob("*")):
        rel = p.relative_to(outbox)
        if rel.parts[0] != ".fawen":
            st = p.lstat()
            out[rel.as_posix()] = (st.st_size, st.st_mode, st.st_mtime_ns)
    return out


_BUILT: dict[str, tuple[Path, dict[str, tuple[int, int, int]]]] = {}


def built_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[int, int, int]]]:
    """The archive of make_archive, made once per test run (the browser tests share it: the
    server only reads it), with the state of its tree right after it was made."""
    if "root" not in _BUILT:
        root = make_archive(tmp_path_factory.mktemp("web") / "ws")
        _BUILT["root"] = (root, tree_state(root / "outbox"))
    return _BUILT["root"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root, before = built_archive(tmp_path_factory)
    server = Server(root)
    entries = get_json(server, "/items")["件"]
    yield server, root, {e["文号"]: e for e in entries}, before  # type: ignore[index,union-attr]
    server.stop()


def item_path(entry: dict[str, object]) -> str:
    return "/items/" + quote(str(entry["档号"]), safe="")


# ---- every page: 200, Chinese content, the same data as JSON -----------------------------------


def test_the_desk_counts_this_years_filings_the_inbox_and_the_withdrawn(site):
    server, _root, entries, _ = site
    page = get(server, "/")
    assert page.status == 200 and "工作台" in page.text and "最近归档" in page.text
    data = get_json(server, "/")
    assert data["收件箱"] == {"等待": 1, "处理中": 0, "退回": 1, "重复": 1}
    assert [e["文号"] for e in data["撤销或废止"]] == ["罕政报〔2026〕2号"]
    assert "已撤销" in page.text and entries["罕政报〔2026〕2号"]["档号"] in page.text
    latest = max(data["最近归档"], key=lambda e: e["归档时间"])  # the correction came last
    assert latest["归档时间"] == data["最近归档"][0]["归档时间"]
    assert any(e["文号"] == "罕政发〔2026〕1号" and e["归档版本"] == 2 for e in data["最近归档"])
    if data["年度"] == 2026:  # the examples are dated 2026: the desk's year is the workspace's today
        assert data["本年度件数"] == 6 and data["按文种"]["会议纪要"] == 2


def test_the_catalogue_table_has_facets_sorting_and_paging(site):
    server, _root, _entries, _ = site
    data = get_json(server, "/items")
    assert data["共"] == 8 and len(data["件"]) == 8
    years = {f["值"]: f["件数"] for f in data["分面"]["年度"]}
    assert years == {2027: 1, 2026: 6, 2021: 1}
    chosen = get_json(server, "/items?年度=2026&文种=会议纪要")
    assert chosen["共"] == 2 and {e["文种"] for e in chosen["件"]} == {"会议纪要"}
    kinds = {f["值"]: f["件数"] for f in chosen["分面"]["文种"]}  # counted under the other filters only
    assert kinds["专题报告"] == 2 and kinds["会议纪要"] == 2
    assert set(chosen["目录下载"]) == {"xlsx", "csv", "pdf"}
    by_date = get_json(server, "/items?排序=-日期")["件"]
    assert [e["日期"] for e in by_date] == sorted((e["日期"] for e in by_date), reverse=True)
    page = get(server, "/items?年度=2026")
    assert page.status == 200 and "归档文件目录" in page.text and "共 6 件" in page.text
    assert "已撤销" in page.text  # the withdrawn 件 stays listed, marked
    assert get(server, "/items?page=2").status == 200 and get_json(server, "/items?page=2")["件"] == []


def test_catalogue_files_are_the_ones_fawen_exports(site):
    server, _root, _entries, _ = site
    listed = [e["档号"] for e in get_json(server, "/items?年度=2026")["件"]]
    xlsx = get(server, "/catalog/2026.xlsx")
    assert xlsx.status == 200 and "attachment" in xlsx.headers["content-disposition"]
    assert quote("2026年度归档文件目录.xlsx", safe="") in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "档号", "文号") and [r[1] for r in rows[1:]] == listed
    withdrawn = [r for r in rows if r[2] == "罕政报〔2026〕2号"]
    assert withdrawn and "已撤销" in withdrawn[0][8]
    csv = get(server, "/catalog/2026.csv")
    assert csv.status == 200 and csv.body.startswith("\ufeff序号,档号".encode("utf-8"))
    pdf = get(server, "/catalog/2026.pdf")
    assert pdf.status == 200 and "2026年度归档文件目录" in PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text()
    assert get(server, "/catalog/1999.xlsx").status == 404
    assert "没有归档的件" in get(server, "/catalog/1999.xlsx").text


def test_search_marks_the_words_and_looks_up_numbers(site):
    server, _root, entries, _ = site
    data = get_json(server, "/search?q=补偿款")
    assert data["共"] == 3 and all("【补偿款】" in h["摘要"] for h in data["结果"])
    page = get(server, "/search?q=补偿款")
    assert page.status == 200 and "<mark>补偿款</mark>" in page.text and "找到 3 件" in page.text
    both = get_json(server, "/search?q=补偿款 请示")  # several words: all must occur
    assert [h["文号"] for h in both["结果"]] == ["罕政请〔2026〕1号"]
    typed = get_json(server, "/search?q=罕政发[2026]01号")  # brackets and zeros forgiven (Archive.lookup)
    assert [e["文号"] for e in typed["对应"]] == ["罕政发〔2026〕1号"]
    code = str(entries["罕政请〔2026〕1号"]["档号"]).replace("·", "-")
    assert [e["文号"] for e in get_json(server, f"/search?q={quote(code)}")["对应"]] == ["罕政请〔2026〕1号"]
    assert get_json(server, "/search?q=补偿款&文种=请示")["共"] == 1
    assert "没有找到" in get(server, "/search?q=不存在的词语甲乙丙").text


def test_the_item_page_shows_metadata_versions_changes_events_and_files(site):
    server, _root, entries, _ = site
    entry = entries["罕政发〔2026〕1号"]
    data = get_json(server, item_path(entry))
    meta = {m["项"]: m["值"] for m in data["元数据"]}
    assert meta["档号"] == entry["档号"] and meta["文种"] == "会议通知" and meta["保管期限"] == "D10"
    v2, v1 = data["版本"]
    assert (v2["版本"], v1["版本"]) == (2, 1)
    assert {"字段": "会议.地点", "原值": "罕台镇人民政府三楼会议室", "新值": "罕台镇人民政府二楼会议室"} in v2["变更"]
    assert any(r["类型"] == "更正" and "会议地点有误" in r["说明"] for r in data["关系"])
    assert {"正本.pdf", "归档.pdf", "公文.docx", "输入.yaml"} <= {f["文件"] for f in v2["文件"]}
    assert [e["行为"] for e in data["事件"] if e.get("处置")] == ["更正"]
    assert data["页面"]["版本"] == 2 and len(data["页面"]["图像"]) == data["页面"]["页数"] > 0
    page = get(server, item_path(entry)).text
    assert "罕台镇人民政府三楼会议室" in page and "罕台镇人民政府二楼会议室" in page and "会议地点有误" in page
    assert "归档件（带归档章）" in page and "正本" in page


def test_every_item_page_answers_and_a_withdrawn_one_says_so(site):
    server, _root, entries, _ = site
    for number, entry in entries.items():
        page = get(server, item_path(entry))
        assert page.status == 200 and entry["题名"] in page.text, number
    withdrawn = get_json(server, item_path(entries["罕政报〔2026〕2号"]))
    assert withdrawn["件"]["状态"] == "撤销"
    assert any(e.get("处置") and e["原因"] == "内容与第1号重复" and e["人"] == "张丽" for e in withdrawn["事件"])
    assert "已撤销" in get(server, item_path(entries["罕政报〔2026〕2号"])).text


def test_a_number_as_typed_leads_to_the_item(site):
    server, _root, entries, _ = site
    for typed in ("罕政发[2026]01号", "纪要第4期", str(entries["罕政请〔2026〕1号"]["档号"]).replace("·", ".")):
        reply = get(server, "/items/" + quote(typed, safe=""))
        assert reply.status == 303, typed
        assert unquote(reply.headers["location"]).startswith("/items/F071-WS·"), reply.headers["location"]


def test_page_images_of_both_copies_are_rendered_and_cached_outside_the_archive(site):
    server, root, entries, _ = site
    entry = entries["罕台镇信访工作联席会议纪要 2026年第5期"]
    base = item_path(entry) + "/v1"
    images = {}
    for copy in ("正本", "归档"):
        reply = get(server, f"{base}/{copy}/1.png")
        assert reply.status == 200 and reply.headers["content-type"] == "image/png"
        images[copy] = Image.open(io.BytesIO(reply.body)).convert("RGB")
        assert images[copy].width > 1000 and images[copy].height > images[copy].width
    top = (0, 0, images["归档"].width, int(images["归档"].height * 36.5 / 297))  # where the 归档章 goes
    assert red_pixels(images["归档"].crop(top)) > 500 and red_pixels(images["正本"].crop(top)) == 0
    cached = list((root / ".fawen" / "cache" / "pages").rglob("*.png"))
    assert len(cached) >= 2 and not list((root / "outbox").rglob("*.png"))
    again = get(server, f"{base}/归档/1.png")
    assert again.status == 200 and Image.open(io.BytesIO(again.body)).convert("RGB").tobytes() == images["归档"].tobytes()
    assert get(server, f"{base}/正本/99.png").status == 404


def test_the_dispatch_form_is_a_tab_and_a_download_of_its_version(site):
    server, root, entries, _ = site
    entry = entries["罕政报〔2026〕1号"]
    data = get_json(server, item_path(entry) + "?副本=稿纸")
    assert data["页面"]["副本"] == "稿纸" and data["页面"]["页数"] == 1 and "稿纸" in data["页面"]["切换"]
    files = {f["文件"]: f for f in data["版本"][0]["文件"]}
    assert files["发文稿纸.pdf"]["角色"] == "发文稿纸"
    download = get(server, unquote(files["发文稿纸.pdf"]["下载"]))
    assert download.status == 200 and download.body == (root / "outbox" / entry["路径"] / "v1" / "发文稿纸.pdf").read_bytes()
    image = get(server, unquote(data["页面"]["图像"][0]))
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert get(server, f"{item_path(entry)}/v1/稿纸/2.png").status == 404
    page = get(server, item_path(entry) + "?副本=稿纸").text
    assert 'id="tab-稿纸"' in page and "发文稿纸" in page


def red_pixels(image: Image.Image) -> int:
    data = image.convert("RGB").tobytes()
    return sum(1 for i in range(0, len(data), 3) if data[i] > 150 and data[i + 1] < 90 and data[i + 2] < 90)


def test_downloads_are_the_filed_bytes_with_a_safe_chinese_name(site):
    server, root, entries, _ = site
    entry = entries["罕政请〔2026〕1号"]  # the 请示 with 附件/核查报告.pdf among its 源文件
    data = get_json(server, item_path(entry))
    files = {f["文件"]: f["下载"] for f in data["版本"][0]["文件"]}
    assert "源文件/附件/核查报告.pdf" in files
    folder = root / "outbox" / entry["路径"] / "v1"
    for name, link in files.items():
        reply = get(server, unquote(link))
        assert reply.status == 200, name
        assert reply.body == (folder / name).read_bytes()
        disposition = reply.headers["content-disposition"]
        shown = f"{entry['档号']} 第1版 {name.rsplit('/', 1)[-1]}"
        assert disposition.startswith('attachment; filename="') and f"filename*=UTF-8''{quote(shown, safe='')}" in disposition
        assert disposition.split('"')[1].isascii() and "/" not in disposition.split('"')[1]
    print_view = get(server, data["版本"][0]["打印"])
    assert print_view.status == 200 and print_view.text.count('class="sheet"') == data["页面"]["页数"]


def test_the_inbox_lists_reasons_key_by_key(site):
    server, _root, entries, _ = site
    data = get_json(server, "/inbox")
    assert [f["文件"] for f in data["等待"]] == ["待办通知.yaml"]
    (rejected,) = data["退回"]
    assert rejected["文件"] == "缺标题.yaml"
    reasons = {r["键"]: r for r in rejected["原因"]}
    assert reasons["标题"]["问题"] == "缺少必填项" and reasons["标题"]["应为"]
    assert reasons["成文日期"]["行"] == "4" and "不是有效日期" in reasons["成文日期"]["问题"]
    (duplicate,) = data["重复"]
    assert duplicate["档号"] == entries["罕台镇信访工作联席会议纪要 2026年第4期"]["档号"]
    page = get(server, "/inbox").text
    assert "缺少必填项" in page and "不是有效日期" in page and item_path(entries["罕台镇信访工作联席会议纪要 2026年第4期"]) in page


def test_the_numbers_page_shows_each_series_with_voids(site):
    server, _root, _entries, _ = site
    data = get_json(server, "/numbers")
    series = {(s["系列"], s["年度"]): s for s in data["系列"]}
    notices = series[("罕政发", 2026)]
    assert notices["已使用数"] == 1 and notices["下一个"] == "罕政发〔2026〕2号"
    reports = series[("罕政报", 2026)]
    assert [(v["编号"], v["原因"]) for v in reports["作废"]] == [("罕政报〔2026〕2号", "撤销：内容与第1号重复")]
    page = get(server, "/numbers").text
    assert "编号登记" in page and "撤销：内容与第1号重复" in page and "罕政发〔2021〕" in page


# ---- errors, hostile requests, headers ------------------------------------------------------------


def test_an_unknown_item_is_a_chinese_404(site):
    server, _root, _entries, _ = site
    page = get(server, "/items/F071-WS·2026-Y-XF-9999")
    assert page.status == 404 and "档案中没有「F071-WS·2026-Y-XF-9999」" in page.text and 'lang="zh-CN"' in page.text
    data = get(server, "/items/F071-WS·2026-Y-XF-9999", {"Accept": "application/json"})
    assert data.status == 404 and data.json()["错误"].startswith("档案中没有")
    assert "没有这个页面" in get(server, "/nowhere").text


def hostile_paths(code: str) -> list[str]:
    """100 URLs that try to leave the archive or name what is not there."""
    item = "/items/" + quote(code, safe="")
    escapes = ["..", "../..", "../../../../../../etc/passwd", "%2e%2e", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2ffawen.yaml",
               "%2fetc%2fpasswd", "....//....//etc/passwd", "..%5c..%5cfawen.yaml", "%252e%252e%252f", "%c0%ae%c0%ae%c0%af",
               "%ef%bc%8e%ef%bc%8e%ef%bc%8f", "%00", "a%00b", "..%00", "~root", "C:%5cWindows%5cwin.ini", "file:%2f%2f%2fetc%2fpasswd",
               "%2e", ".%2e", "%2e%2e%5c", "x" * 3000]  # fmt: skip
    components = ["元数据.json", "manifest-sha256.txt", "../处置记录.jsonl", "../../../../归档登记簿.jsonl", "../v2/正本.pdf",
                  "源文件/../正本.pdf", "./正本.pdf", "正本.pdf/", "正本.PDF", "正本.pdf%00.png", "..%2f..%2f..%2f..%2ffawen.yaml",
                  "%2fetc%2fpasswd", "源文件", "源文件/", "/etc/passwd", "../../../../../../../../etc/passwd", "正本.pdf%2f..%2f..%2f..",
                  "源文件/附件/../../../../fawen.yaml", "源文件/附件/核查报告.pdf/..", "源文件%2f..%2f..%2f元数据.json", "%2e%2e/%2e%2e/fawen.yaml",
                  "正本.pdf%5c..%5c..%5cfawen.yaml", "归档.pdf%20", "%20正本.pdf", "正本.pdf.", "源文件/附件/%2e%2e%2f%2e%2e%2f正本.pdf"]  # fmt: skip
    paths = [f"/items/{p}" for p in escapes]
    paths += [f"{item}/v1/files/{p}" for p in components]
    paths += [f"{item}/v{v}/files/正本.pdf" for v in ("0", "9", "99999999999999999999", "1%2f..", "-1")]
    paths += [f"{item}/v1/{c}/1.png" for c in ("..", "%2e%2e", "元数据", "正本.pdf", "%00", "..%2f..%2fetc", "公文")]
    paths += [f"{item}/v1/正本/{n}.png" for n in ("0", "10000", "99999999999999999999", "1%00", "..%2f1", "-1", "1.png%2f..")]
    paths += [f"{item}/v{v}/print" for v in ("7", "0", "99999999")]
    paths += [f"/catalog/{c}" for c in ("..%2f..%2ffawen.yaml", "2026.yaml", "2026.xlsx%00", "99999999999999999999.csv", "..",
                                        "2026", "%2e%2e%2f2026.csv", "1999.pdf")]  # fmt: skip
    paths += [f"/static/{s}" for s in ("..%2f..%2fsite.py", "../../site.py", "%2e%2e/%2e%2e/app.py", "..%2f..%2f..%2f..%2ffawen.yaml",
                                       "/etc/passwd", "%00", "nothing.css", "..%5c..%5csite.py")]  # fmt: skip
    paths += [f"/{p}" for p in ("etc/passwd", "fawen.yaml", "outbox", ".fawen/registry.db", "inbox/rejected/缺标题.yaml",
                                "..%2ffawen.yaml", "%2e%2e%2f%2e%2e%2f", "items/..%2f..%2ffawen.yaml", "search/..%2f..%2f")]  # fmt: skip
    paths += ["/" + "a" * 9000, "/items/" + "码" * 2000, "/search?q=" + "%E7%A0%81" * 300, "/items?年度=../../etc",
              "/items?page=99999999999999", "/items?排序=../../x", "/items?年度=2026%00"]  # fmt: skip
    return paths


def test_a_hundred_hostile_urls_get_400_or_404_and_nothing_outside_the_archive(site):
    server, root, entries, _ = site
    secrets = [b"root:x:0:", b"SQLite format 3", (root / "fawen.yaml").read_bytes()[:60], b"class WebError", b"def create_app",
               BAD_INPUT.encode("utf-8")[:20], b'"\xe6\xa0\x87\xe8\xaf\x86"']  # fmt: skip # … and no record (元数据.json: "标识")
    paths = hostile_paths(str(entries["罕政请〔2026〕1号"]["档号"]))
    assert len(paths) >= 100
    for path in paths:
        reply = get(server, path)
        assert reply.status in (400, 404), (path, reply.status)
        assert not any(s in reply.body for s in secrets), path
    for request in (b"GET /items/a\x00b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"GET ../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                    b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"):  # fmt: skip
        assert raw(server, request) in (400, 404, 414, 431, 0), request[:40]
    assert get(server, "/").status == 200  # and the server is still serving


def test_every_response_carries_the_security_headers_and_pages_no_inline_script(site):
    server, _root, entries, _ = site
    item = item_path(entries["罕政发〔2026〕1号"])
    for path in ("/", "/items", "/search?q=通知", item, "/inbox", "/numbers", "/nowhere", "/static/fawen.css",
                 f"{item}/v1/正本/1.png", f"{item}/v1/files/正本.pdf", "/items/罕政发[2026]1号"):  # fmt: skip
        reply = get(server, path)
        csp = reply.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp, path
        assert reply.headers["x-content-type-options"] == "nosniff", path
        if reply.headers.get("content-type", "").startswith("text/html"):
            assert not re.search(r"<script(?![^>]*\bsrc=)", reply.text) and not re.search(r"\son\w+=|\sstyle=", reply.text), path


def test_a_loopback_server_refuses_other_host_names(site):
    server, _root, _entries, _ = site
    assert get(server, "/", {"Host": "fawen.example.com"}).status == 421  # DNS rebinding gets nothing
    assert get(server, "/", {"Host": f"localhost:{server.port}"}).status == 200


def test_post_and_other_methods_change_nothing(site):
    server, _root, entries, _ = site
    item = item_path(entries["罕政发〔2026〕1号"])
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        reply = get(server, f"{item}/v1/files/正本.pdf", method=method, body=b"x")
        assert reply.status == 405 and "只读" in reply.text


# ---- closed by default ------------------------------------------------------------------------------


def test_a_non_loopback_host_without_a_password_refuses_to_start(tmp_path):
    ok(fawen("init", tmp_path / "ws"))
    for host in ("0.0.0.0", "::", "192.168.1.10", "fawen-server"):
        result = fawen("-w", tmp_path / "ws", "serve", "--host", host, "--port", "0", timeout=60)
        assert result.returncode == 2 and "拒绝" in result.stderr and "--set-password" in result.stderr, host
        assert "已启动" not in result.stdout


def test_with_a_password_every_page_but_login_redirects_until_logged_in(site, tmp_path):
    _server, source, entries, _ = site
    root = tmp_path / "ws"
    shutil.copytree(source, root, symlinks=True)
    ok(fawen("-w", root, "serve", "--set-password", "--password-stdin", stdin="罕台镇档案2026\n"))
    config = (root / "fawen.yaml").read_text(encoding="utf-8")
    assert "口令散列: scrypt$" in config and "罕台镇档案2026" not in config
    assert "短" in fawen("-w", root, "serve", "--set-password", "--password-stdin", stdin="123\n").stderr
    server = Server(root)
    try:
        item = item_path(entries["罕政发〔2026〕1号"])
        pages = ["/", "/items", "/items?年度=2026", "/search?q=补偿款", item, f"{item}/v1/正本/1.png", f"{item}/v1/files/正本.pdf",
                 f"{item}/v1/print", "/catalog/2026.xlsx", "/inbox", "/numbers", "/nowhere", "/items/..%2f.."]  # fmt: skip
        for path in pages:
            for cookie in ({}, {"Cookie": "fawen_session=guessed"}):
                reply = get(server, path, cookie)
                assert reply.status == 303 and reply.headers["location"].startswith("/login?next="), (path, cookie)
        assert get(server, "/login").status == 200 and "访问口令" in get(server, "/login").text
        wrong = get(server, "/login", {"Content-Type": "application/x-www-form-urlencoded"}, "POST", b"password=wrong&next=%2F")
        assert wrong.status == 401 and "口令不对" in wrong.text and "set-cookie" not in wrong.headers
        form = "password=" + quote("罕台镇档案2026") + "&next=" + quote("/items?年度=2026", safe="")
        right = get(server, "/login", {"Content-Type": "application/x-www-form-urlencoded"}, "POST", form.encode())
        assert right.status == 303 and unquote(right.headers["location"]) == "/items?年度=2026"
        cookie = right.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        session = {"Cookie": cookie.split(";", 1)[0]}
        assert get(server, "/items?年度=2026", session).status == 200 and get(server, item, session).status == 200
        evil = get(server, "/login", {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"}, "POST", form.encode())
        assert evil.status == 403
    finally:
        server.stop()


def test_a_changed_archive_file_is_refused_not_shown(site, tmp_path):
    _server, source, entries, _ = site
    root = tmp_path / "ws"
    shutil.copytree(source, root, symlinks=True)
    shutil.rmtree(root / ".fawen" / "cache", ignore_errors=True)
    entry = entries["罕政请〔2026〕1号"]
    pdf = root / "outbox" / entry["路径"] / "v1" / "归档.pdf"
    pdf.chmod(stat.S_IRUSR | stat.S_IWUSR)
    pdf.write_bytes(pdf.read_bytes() + b"%tampered\n")
    server = Server(root)
    try:
        for path in (f"{item_path(entry)}/v1/归档/1.png", f"{item_path(entry)}/v1/files/归档.pdf"):
            reply = get(server, path)
            assert reply.status == 409 and "与归档时记录的 SHA-256 不符" in reply.text, path
    finally:
        server.stop()


def test_the_password_is_hashed_and_checked_in_constant_form():
    from pipeline.configuration import PASSWORD_HASH
    from pipeline.web.security import check_password
    from pipeline.web.security import hash_password

    stored = hash_password("罕台镇档案2026")
    assert PASSWORD_HASH.match(stored) and "罕台镇档案2026" not in stored
    assert check_password("罕台镇档案2026", stored) and not check_password("罕台镇档案2027", stored)
    pbkdf2 = f"pbkdf2_sha256$1000${'ab' * 16}${hashlib.pbkdf2_hmac('sha256', b'pw-12345', bytes.fromhex('ab' * 16), 1000).hex()}"
    assert PASSWORD_HASH.match(pbkdf2) and check_password("pw-12345", pbkdf2)
    assert not check_password("x", "plain-text-password") and not check_password("x", "scrypt$1$1$1$zz$zz")


def test_a_password_written_in_clear_in_fawen_yaml_is_refused(tmp_path):
    ok(fawen("init", tmp_path / "ws"))
    config = tmp_path / "ws" / "fawen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "网页访问:\n  口令散列: 罕台镇档案2026\n", encoding="utf-8")
    result = fawen("-w", tmp_path / "ws", "serve", "--port", "0", timeout=60)
    assert result.returncode == 2 and "网页访问.口令散列" in result.stderr and "不是 fawen 认得的口令散列" in result.stderr


def test_setting_the_password_again_replaces_it_and_keeps_the_rest_of_fawen_yaml(tmp_path):
    ok(fawen("init", tmp_path / "ws"))
    config = tmp_path / "ws" / "fawen.yaml"
    original = config.read_text(encoding="utf-8")
    for password in ("第一个口令abc", "第二个口令xyz"):
        ok(fawen("-w", tmp_path / "ws", "serve", "--set-password", "--password-stdin", stdin=password + "\n"))
    text = config.read_text(encoding="utf-8")
    assert text.startswith(original.rstrip("\n")) and text.count("网页访问:") == 1 and text.count("口令散列:") == 1
    from pipeline.store import workspace as ws_store
    from pipeline.web.security import check_password

    stored = ws_store.load(tmp_path / "ws").config.web_password_hash
    assert check_password("第二个口令xyz", stored) and not check_password("第一个口令abc", stored)


def test_a_port_in_use_is_said_in_chinese(tmp_path):
    ok(fawen("init", tmp_path / "ws"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = fawen("-w", tmp_path / "ws", "serve", "--port", taken.getsockname()[1], timeout=60)
    assert result.returncode == 2 and "端口已被占用" in result.stderr


def test_serving_never_wrote_to_the_archive(site):
    """Last in this module: after every request above, the archive is as `fawen file` left it."""
    server, root, _entries, before = site
    assert get(server, "/").status == 200
    assert tree_state(root / "outbox") == before
    assert (root / ".fawen" / "cache" / "pages").is_dir() and os.listdir(root / ".fawen" / "cache" / "pages")


def test_the_inbox_lists_links_fifos_and_folders_set_aside_without_reading_them(tmp_path):
    """What the watcher set aside unread (a dangling link, a FIFO, a folder) is listed with its
    reason; listing it neither follows the link nor opens the FIFO (which would block)."""
    import datetime as dt

    from pipeline.inbox.outcome import misplaced_reason
    from pipeline.web import office

    root = tmp_path / "inbox"
    rejected = root / "rejected"
    rejected.mkdir(parents=True)
    (rejected / "断链.yaml").symlink_to(tmp_path / "没有.yaml")
    os.mkfifo(rejected / "管道.yaml")
    (rejected / "文件夹.yaml").mkdir()
    for name, kind in (("断链.yaml", "符号链接"), ("管道.yaml", "命名管道"), ("文件夹.yaml", "文件夹")):
        (rejected / f"{name}.error.txt").write_text(misplaced_reason(name, kind), encoding="utf-8")
    (root / "等待.yaml").write_text("文种: 通知\n", encoding="utf-8")
    listed = office._inbox(root, dt.timezone(dt.timedelta(hours=8)))
    assert [f["文件"] for f in listed["等待"]] == ["等待.yaml"]
    reasons = {f["文件"]: " ".join(r["问题"] for r in f["原因"]) for f in listed["退回"]}
    assert set(reasons) == {"断链.yaml", "管道.yaml", "文件夹.yaml"}
    assert "符号链接" in reasons["断链.yaml"] and "命名管道" in reasons["管道.yaml"], reasons
    assert office._counts(root)["退回"] == 3
