"""/items (the 归档文件目录 as a table: facets, sorting, paging), /catalog/<年度>.xlsx|.csv|.pdf
(the same files ``fawen archive catalog`` writes) and /search (full text with snippets, and
文号/档号 look-ups)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from pipeline.model import DocumentKind
from pipeline.stages import catalogue
from pipeline.store import fonts as font_store
from pipeline.store.archive import PAGE_FILTERS
from pipeline.store.archive import PAGE_ORDERS
from pipeline.store.archive import query_terms
from pipeline.web.site import Site
from pipeline.web.site import WebError
from pipeline.web.site import ascii_number
from pipeline.web.site import attachment_header
from pipeline.web.site import checked_key
from pipeline.web.site import page

FACETS = tuple(PAGE_FILTERS)  # 年度, 保管期限, 文种, 机构问题: the columns of Archive.class_counts, in order
PAGE_SIZE = 50
SEARCH_PAGE = 20
SEARCH_LIMIT = 200  # newest hits read per query: filters and pages work within them
CATALOG_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}  # fmt: skip
_reportlab = threading.Lock()  # reportlab's font registry is process-wide
# exports made at once: each holds a worker thread and, for a big year, seconds of CPU and
# hundreds of MB; more waiting in line would take every thread and stall every page
EXPORTS = 2
_exports = threading.BoundedSemaphore(EXPORTS)
RETRY_SECONDS = 10


def filters_of(request: Request) -> dict[str, object]:
    """年度, 保管期限, 文种, 机构问题 from the query: empty ones left out, a bad 年度 is 400."""
    out: dict[str, object] = {}
    for name in FACETS:
        value = checked_key(request.query_params.get(name, "").strip(), name)
        if not value:
            continue
        out[name] = _year(value) if name == "年度" else value
    return out


def _year(value: str) -> int:
    year = ascii_number(value, 4) if len(value) == 4 else None
    if year is None:
        raise WebError(400, f"年度「{value[:20]}」不是四位数字的年份", "如 年度=2026")
    return year


def page_of(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    number = ascii_number(raw, 6)
    if not number:  # None (not digits, ², too long) or 0
        raise WebError(400, f"页码「{raw[:20]}」无效", "页码是从 1 开始的整数")
    return number


def facets(counts: list[tuple[Any, ...]], filters: dict[str, object]) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """For each facet, every value with how many 件 it has under the other filters (so a choice
    can be changed without first undoing it); and how many match all of them."""

    def matches(row: tuple[Any, ...], skip: str = "") -> bool:
        return all(row[FACETS.index(k)] == v for k, v in filters.items() if k != skip)

    out = {}
    for i, name in enumerate(FACETS):
        tally: Counter[Any] = Counter()
        for row in counts:
            if matches(row, name):
                tally[row[i]] += row[5]
        ordered = sorted(tally.items(), key=lambda kv: (-kv[0], 0) if name == "年度" else (-kv[1], str(kv[0])))
        out[name] = [{"值": v, "件数": n, "选中": filters.get(name) == v} for v, n in ordered]
    return out, sum(row[5] for row in counts if matches(row))


def _link(filters: dict[str, object], **change: object) -> str:
    merged = {**filters, **change}
    return "/items?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def items_page(request: Request) -> Response:
    site: Site = request.app.state.site
    filters, number = filters_of(request), page_of(request)
    order = request.query_params.get("排序", "档号")
    if order.lstrip("-") not in PAGE_ORDERS:
        raise WebError(400, f"不能按「{order[:20]}」排序", "可按：" + "、".join(PAGE_ORDERS) + "（前加 - 为倒序）")
    archive = site.archive()
    counts, total = facets(archive.class_counts(), filters)
    rows = archive.entries_page(filters, order.lstrip("-"), order.startswith("-"), (number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    year = filters.get("年度")
    data = {"筛选": filters, "排序": order, "页": number, "页数": pages, "共": total, "分面": counts,
            "件": [e.as_dict() for e in rows],
            "目录下载": {f: f"/catalog/{year}.{f}" for f in CATALOG_TYPES} if year else {}}  # fmt: skip
    links = {"上一页": _link(filters, 排序=order, page=number - 1) if number > 1 else "",
             "下一页": _link(filters, 排序=order, page=number + 1) if number < pages else ""}  # fmt: skip
    return page(request, "items.html", data, link=lambda **c: _link(filters, **c), links=links,
                sort_link=lambda col: _link(filters, 排序=("-" + col) if order == col else col))  # fmt: skip


def catalog_file(request: Request) -> Response:
    """One year's 归档文件目录, made now; a request while others are being made is told to come back."""
    site: Site = request.app.state.site
    year, kind = request.path_params["year"], request.path_params["kind"]
    if kind not in CATALOG_TYPES or year > 9999:
        raise WebError(404, "没有这种目录文件", "可下载：/catalog/<年度>.xlsx、.csv、.pdf")
    if not _exports.acquire(blocking=False):
        raise WebError(503, "正在生成其他目录，请稍后再试", f"同时最多生成 {EXPORTS} 份目录文件；请过 {RETRY_SECONDS} 秒再下载。",
                       headers={"retry-after": str(RETRY_SECONDS)})  # fmt: skip
    try:
        return _catalog(site, year, kind)
    finally:
        _exports.release()


def _catalog(site: Site, year: int, kind: str) -> Response:
    entries = site.archive().catalogue_entries(year)
    if not entries:
        raise WebError(404, f"{year}年度没有归档的件")
    table = catalogue.rows(entries)
    name = f"{year}年度归档文件目录"
    if kind == "xlsx":
        data = catalogue.to_xlsx(table, year)
    elif kind == "csv":
        data = catalogue.to_csv(table)
    else:
        config = site.workspace.config
        with _reportlab:
            parts = catalogue.sections(entries, config.organ.fonds or "F000")
            data = catalogue.sections_pdf(parts, f"{config.organ.name} {name}", font_store.font_set(config.font_dirs))
    return Response(data, media_type=CATALOG_TYPES[kind],
                    headers={"content-disposition": attachment_header(f"{name}.{kind}"), "cache-control": "no-store"})  # fmt: skip


def search_page(request: Request) -> Response:
    site: Site = request.app.state.site
    query = checked_key(request.query_params.get("q", "").strip(), "检索词")
    filters, number = filters_of(request), page_of(request)
    archive = site.archive()
    found = [h for h in archive.search_hits(query, SEARCH_LIMIT)
             if all(getattr(h.entry, _ATTR[k]) == v for k, v in filters.items())] if query else []  # fmt: skip
    named = archive.lookup(query) if query else []
    start = (number - 1) * SEARCH_PAGE
    pages = max(1, -(-len(found) // SEARCH_PAGE))
    data = {"检索词": query, "词": query_terms(query), "筛选": filters, "页": number, "共": len(found),
            "已截断": len(found) >= SEARCH_LIMIT, "页数": pages,
            "对应": [e.as_dict() for e in named],
            "结果": [{**h.entry.as_dict(), "摘要": h.snippet} for h in found[start:start + SEARCH_PAGE]]}  # fmt: skip
    base = {"q": query, **filters}
    links = {"上一页": "/search?" + urlencode({**base, "page": number - 1}) if number > 1 else "",
             "下一页": "/search?" + urlencode({**base, "page": number + 1}) if number < pages else ""}  # fmt: skip
    kinds = [k.value for k in DocumentKind]
    return page(request, "search.html", data, links=links, kinds=kinds, retentions=("Y", "D30", "D10"))


_ATTR = {"年度": "year", "保管期限": "retention", "文种": "kind", "机构问题": "problem"}
