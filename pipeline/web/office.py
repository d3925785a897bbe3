"""/ (the desk), /inbox and /numbers: what the office looks at every morning."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pipeline import intake
from pipeline import run
from pipeline.store import inbox as inbox_store
from pipeline.store.registry import STATUS_CN
from pipeline.store.registry import series_report
from pipeline.web.site import Site
from pipeline.web.site import page

LISTED = 200  # files listed per inbox folder, newest first
NOTE_BYTES = 64 * 1024  # a reason longer than this is cut: it is read by a person
# one problem of an InputError message: "  3. 第 12 行，键「会议.时间」：缺少必填项。应为：…"
PROBLEM_LINE = re.compile(r"^\s*\d+\.\s*(?:第 (?P<line>\d+) 行)?[，,]?\s*(?:键「(?P<key>.+?)」)?[：:]?\s*(?P<what>.*?)"
                          r"(?:。应为：(?P<expected>.*))?$")  # fmt: skip
CODE_IN_TEXT = re.compile(r"[A-Za-z0-9]+-[A-Z]{2}·\d{4}[-·](?:Y|D30|D10)(?:[-·][A-Za-z0-9]+)?-\d{4}")


def desk(request: Request) -> Response:
    site: Site = request.app.state.site
    archive = site.archive()
    year = dt.datetime.now(intake.workspace_zone(site.workspace)).year
    this_year = [row for row in archive.class_counts() if row[0] == year]
    by_kind, by_retention = Counter[str](), Counter[str]()
    for _year, retention, kind, _problem, _status, n in this_year:
        by_kind[kind] += n
        by_retention[retention] += n
    data = {
        "年度": year, "本年度件数": sum(by_kind.values()), "按文种": dict(by_kind.most_common()),
        "按保管期限": {r: by_retention[r] for r in ("Y", "D30", "D10") if by_retention[r]},
        "收件箱": _counts(site.workspace.inbox),
        "最近归档": [{**e.as_dict(), "归档版本": v, "归档时间": t} for e, v, t in archive.recent(10)],
        "撤销或废止": [e.as_dict() for e in archive.disposed()],
    }  # fmt: skip
    return page(request, "desk.html", data)


def inbox(request: Request) -> Response:
    site: Site = request.app.state.site
    return page(request, "inbox.html", _inbox(site.workspace.inbox, intake.workspace_zone(site.workspace)))


def _inbox(root: Path, zone: dt.tzinfo) -> dict[str, Any]:
    """The inbox read as it is: nothing is created, moved or claimed (the watcher owns that)."""
    processing = root / inbox_store.PROCESSING
    return {
        "等待": [_file(f, zone) for f in _inputs(root)],
        "处理中": sum(1 for _ in _children(processing)),
        "退回": [{**_file(f, zone), "原因": _problems(_note(f[0], ".error.txt"))} for f in _inputs(root / inbox_store.REJECTED)],
        "重复": [{**_file(f, zone), "说明": (n := _note(f[0], ".note.txt")), "档号": _code(n)}
                 for f in _inputs(root / inbox_store.DUPLICATES)],
    }  # fmt: skip


def _counts(root: Path) -> dict[str, int]:
    def inputs(folder: Path) -> int:
        return sum(1 for e in _children(folder) if inbox_store.is_input(e.name))

    return {"等待": inputs(root), "处理中": len(_children(root / inbox_store.PROCESSING)),
            "退回": inputs(root / inbox_store.REJECTED), "重复": inputs(root / inbox_store.DUPLICATES)}  # fmt: skip


def _children(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def _inputs(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """The entries named as inputs, newest first, with what ``lstat`` said of each. A link, a
    FIFO or a folder is listed too: the watcher sets it aside, and the clerk who dropped it must
    see it there; nothing here reads it or follows a link. An entry the watcher takes meanwhile
    is left out."""
    found = []
    for entry in _children(folder):
        if inbox_store.is_input(entry.name):
            try:
                found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
            except OSError:
                continue
    found.sort(key=lambda f: f[1].st_mtime, reverse=True)
    return found[:LISTED]


def _file(found: tuple[Path, os.stat_result], zone: dt.tzinfo) -> dict[str, object]:
    path, st = found
    when = dt.datetime.fromtimestamp(st.st_mtime, zone).isoformat(timespec="seconds")
    return {"文件": shown_name(path.name), "大小": st.st_size, "时间": when}


def shown_name(name: str) -> str:
    """A file name as a page can show it. Bytes that are not UTF-8 come from os as lone
    surrogates, which no page can encode: such a name is read as GB 18030 (what a Chinese
    Windows, an old share or a zip from one writes), else its stray bytes are shown as \\xNN."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(encoding)
    return raw.decode("utf-8", "backslashreplace")


def _note(path: Path, suffix: str) -> str:
    note = path.with_name(path.name + suffix)
    try:
        if note.is_symlink() or not note.is_file():
            return ""
        with note.open("rb") as fh:
            return fh.read(NOTE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


def _problems(text: str) -> list[dict[str, str]]:
    """An .error.txt as a list a person reads: each problem with its line, key and what is
    expected; a reason of another form (a filing refused) as one item of text."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    out = []
    for ln in lines[1:] if lines and lines[0].endswith("问题：") else lines:
        m = PROBLEM_LINE.match(ln)
        if m and re.match(r"^\s*\d+\.", ln):
            out.append({"行": m["line"] or "", "键": m["key"] or "", "问题": m["what"], "应为": m["expected"] or ""})
        else:
            out.append({"行": "", "键": "", "问题": ln.strip(), "应为": ""})
    return out


def _code(text: str) -> str:
    m = CODE_IN_TEXT.search(text)
    return m[0] if m else ""


def numbers(request: Request) -> Response:
    site: Site = request.app.state.site
    registry = run.open_registry(site.workspace)
    try:
        records = registry.records()
    finally:
        registry.close()
    series: list[dict[str, object]] = []
    for s in series_report([r for r in records if r.kind != "件号"]):
        mine = [r for r in records if (r.kind, r.series, r.year) == (s["类别"], s["系列"], s["年度"])]
        series.append({**s, "作废": [r.as_dict() for r in mine if r.status == "voided"],
                       "预留": [r.as_dict() for r in mine if r.status == "reserved"],
                       "已使用编号": [r.as_dict() for r in mine if r.status == "issued"]})  # fmt: skip
    return page(request, "numbers.html", {"系列": series, "状态名": STATUS_CN})
