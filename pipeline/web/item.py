"""/items/<档号>: one 件 — its metadata, versions with what changed, events, relations, the
pages of its 正本 and 归档 copy as images, its files to download, and a print view.

Files are reached only as (档号, version, name listed in the version's 组件): Archive.component
reads them; nothing from the request is ever joined to a path."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.responses import RedirectResponse
from starlette.responses import Response

from pipeline import disposition
from pipeline import meetingchain
from pipeline.model import DISPATCH_FORM_ROLE
from pipeline.stages.record import changed_fields
from pipeline.store.archive import EntryInfo
from pipeline.web import images
from pipeline.web.site import Site
from pipeline.web.site import WebError
from pipeline.web.site import ascii_number
from pipeline.web.site import attachment_header
from pipeline.web.site import page

# the DA/T 46 elements a record carries, in the order an archivist reads them
METADATA = ("档号", "全宗号", "门类", "年度", "保管期限", "机构问题", "件号", "题名", "文号", "责任者", "成文日期", "文种",
            "密级", "保密期限", "紧急程度", "主送", "抄送", "附件", "签发人", "页数", "稿本", "版本", "归档时间", "归档人",
            "时区", "UUID", "内容SHA256", "生成器")  # fmt: skip
COPIES = {
    "正本": "正本",
    "归档": "归档件",
    "稿纸": DISPATCH_FORM_ROLE,
}  # the copy as the URL names it -> its role in 组件
DOWNLOAD_TYPES = ("application/pdf", "text/csv", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


def base_url(entry: EntryInfo) -> str:
    return "/items/" + quote(entry.archive_code, safe="")


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "、".join(_shown(v) for v in value)
    return "" if value is None else str(value)


def _files(entry: EntryInfo, version: int, record: dict[str, Any]) -> list[dict[str, object]]:
    out = []
    for c in record.get("组件", []):
        if isinstance(c, dict) and c.get("文件"):
            url = f"{base_url(entry)}/v{version}/files/" + quote(str(c["文件"]))
            out.append({"文件": c["文件"], "角色": c.get("角色", ""), "大小": c.get("大小", 0), "下载": url})
    return out


def _version(entry: EntryInfo, version: int, filed: str, record: dict[str, Any]) -> dict[str, object]:
    return {"版本": version, "归档时间": filed, "归档人": record.get("归档人", ""), "页数": record.get("页数", 0),
            "变更": changed_fields(record), "补全": record.get("补全", []), "关系": record.get("关系", []),
            "文件": _files(entry, version, record), "打印": f"{base_url(entry)}/v{version}/print"}  # fmt: skip


def _events(records: dict[int, dict[str, Any]], dispositions: list[dict[str, object]]) -> list[dict[str, object]]:
    """Every version's events once (审定, 会签, 印发 repeat in each record), then the dispositions."""
    seen: dict[tuple[object, ...], dict[str, object]] = {}
    for version, record in sorted(records.items()):
        for e in record.get("事件", []):
            if isinstance(e, dict):
                seen.setdefault((e.get("行为"), e.get("时间"), e.get("人")), {**e, "版本": version})
    events = list(seen.values())
    for d in dispositions:
        events.append({"行为": d.get("行为"), "时间": d.get("时间"), "人": d.get("人"), "原因": d.get("原因", ""),
                       "版本": d.get("版本", ""), "处置": True, "说明": disposition.describe(d)})  # fmt: skip
    return sorted(events, key=lambda e: str(e.get("时间", "")))


def _chosen(request: Request, versions: list[int]) -> tuple[int, str]:
    """The version and copy whose pages are shown (?版本=2&副本=归档); default: latest, 正本."""
    raw = request.query_params.get("版本", "")
    version = ascii_number(raw, 6) if raw else versions[-1]  # a bad or unknown number shows no other version
    if version is None or version not in versions:
        raise WebError(404, f"没有第{raw[:20]}版", "现有版本：" + "、".join(f"第{v}版" for v in versions))
    copy = request.query_params.get("副本", "正本")
    if copy not in COPIES:
        raise WebError(404, f"没有「{copy[:20]}」这一份", "可看：正本、归档、稿纸")
    return version, copy


def _copies(record: dict[str, Any]) -> list[str]:
    """The copies a version has pages of: 正本 and 归档 always, the 发文稿纸 when it was filed with one."""
    roles = {c.get("角色") for c in record.get("组件", []) if isinstance(c, dict)}
    return [copy for copy, role in COPIES.items() if copy != "稿纸" or role in roles]


def _pages(record: dict[str, Any], version: int, copy: str) -> int:
    """Pages of the copy shown: the document's for 正本 and 归档, the one page of the 发文稿纸."""
    if copy not in _copies(record):
        raise WebError(404, f"第{version}版没有发文稿纸", "这一版归档时还不生成发文稿纸；可看：正本、归档")
    return 1 if copy == "稿纸" else int(record.get("页数") or 0)


def item_page(request: Request) -> Response:
    site: Site = request.app.state.site
    key = request.path_params["code"]
    entry = site.entry(key)
    if key != entry.archive_code:  # a 文号 or a loosely typed 档号: the 件 has one address
        query = ("?" + request.url.query) if request.url.query else ""
        return RedirectResponse(base_url(entry) + query, status_code=303)
    archive = site.archive()
    filed = {v: t for v, _d, _p, t in archive.versions(entry.identity)}
    records: dict[int, dict[str, Any]] = {v: archive.version_record(entry, v) or {} for v in filed}  # JSON as filed
    version, copy = _chosen(request, sorted(filed))
    latest = records[max(records)]
    events = archive.dispositions(entry)
    pages = _pages(records[version], version, copy)
    data = {
        "件": {**entry.as_dict(), "状态": archive.status(entry) or "有效"},
        "元数据": [{"项": k, "值": _shown(latest[k])} for k in METADATA if _shown(latest.get(k))],
        "版本": [_version(entry, v, filed[v], records[v]) for v in sorted(records, reverse=True)],
        "事件": _events(records, events),
        "关系": [{**r, "版本": v} for v, rec in sorted(records.items()) for r in rec.get("关系", []) if isinstance(r, dict)],
        "会议编号": str(latest.get("会议编号", "") or ""),
        "关联": meetingchain.related(archive, entry),
        "页面": {"版本": version, "副本": copy, "页数": pages,
                 "图像": [f"{base_url(entry)}/v{version}/{quote(copy)}/{p}.png" for p in range(1, pages + 1)],
                 "切换": {c: base_url(entry) + "?" + urlencode({"版本": version, "副本": c}) + "#pages"
                        for c in _copies(records[version])}},
    }  # fmt: skip
    return page(request, "item.html", data)


def _version_of(site: Site, request: Request) -> tuple[EntryInfo, int, dict[str, Any]]:
    entry = site.entry(request.path_params["code"])
    version = request.path_params["version"]
    record = site.archive().version_record(entry, version) if version < 10**6 else None
    if record is None:
        raise WebError(404, f"{entry.archive_code} 没有第{version}版")
    return entry, version, record


def download(request: Request) -> Response:
    site: Site = request.app.state.site
    entry, version, record = _version_of(site, request)
    name = request.path_params["name"]
    data = site.archive().component(entry, version, name)
    if data is None:
        raise WebError(404, f"{entry.archive_code} 第{version}版中没有「{name[:60]}」这个文件")
    listed = next(c for c in record["组件"] if c.get("文件") == name)
    kind = listed.get("类型") if listed.get("类型") in DOWNLOAD_TYPES else "application/octet-stream"
    shown = f"{entry.archive_code} 第{version}版 {PurePosixPath(name).name}"
    return Response(data, media_type=kind, headers={"content-disposition": attachment_header(shown),
                                                     "cache-control": "private, max-age=3600"})  # fmt: skip


def page_image(request: Request) -> Response:
    site: Site = request.app.state.site
    entry, version, record = _version_of(site, request)
    copy, number = request.path_params["copy"], request.path_params["page"]
    role = COPIES.get(copy)
    listed = [c for c in record.get("组件", []) if isinstance(c, dict) and c.get("角色") == role]
    if role is None or not listed or not 1 <= number <= 9999:
        raise WebError(404, f"{entry.archive_code} 第{version}版没有「{copy[:20]}」的第{number}页")
    digest = str(listed[0].get("SHA256", ""))
    cached = images.cache_path(site.cache, digest, number) if images.DIGEST.fullmatch(digest) else None
    headers = {"cache-control": "private, max-age=86400"}  # a filed version never changes
    if cached is not None and cached.is_file():
        return FileResponse(cached, media_type="image/png", headers=headers)
    pdf = site.archive().component(entry, version, str(listed[0]["文件"]))
    png = images.render_page(pdf, number, site.render_lock) if pdf else None
    if png is None:
        raise WebError(404, f"{entry.archive_code} 第{version}版「{copy}」没有第{number}页")
    if cached is not None:  # a record whose digest is no digest names no cache file
        images.store(cached, png)
    return Response(png, media_type="image/png", headers=headers)


def print_view(request: Request) -> Response:
    """The 归档 copy, one image per sheet of A4: what a person prints is the archival copy."""
    site: Site = request.app.state.site
    entry, version, record = _version_of(site, request)
    pages = int(record.get("页数") or 0)
    data = {"件": entry.as_dict(), "版本": version, "副本": "归档",
            "图像": [f"{base_url(entry)}/v{version}/{quote('归档')}/{p}.png" for p in range(1, pages + 1)]}  # fmt: skip
    return page(request, "print.html", data)
