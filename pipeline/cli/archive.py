"""fawen archive …: browsing, verifying and re-indexing the archive (outbox/)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any
from typing import cast

import click

from pipeline import logheads
from pipeline import meetingchain
from pipeline import run
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import EXIT_OK
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _fail
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.model import ARCHIVAL_OFD
from pipeline.model import DISPATCH_FORM
from pipeline.store import fonts as font_store
from pipeline.store.register import REGISTER_NAME
from pipeline.store.register import Register


@main.group()
def archive() -> None:
    """浏览和核验档案（outbox/）。"""


def _archive(ctx: click.Context) -> Any:
    root_ctx = ctx.find_root()
    workspace = _workspace(root_ctx)
    return run.open_archive(workspace)


@archive.command("ls")
@click.option("--year", type=int, help="年度。")
@click.option("--kind", help="文种。")
@click.option("--retention", help="保管期限：Y、D30、D10。")
@click.option("--text", help="题名或文号中含有的文字。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_ls(ctx: click.Context, year: int | None, kind: str | None, retention: str | None, text: str | None,
               as_json: bool) -> None:  # fmt: skip
    """列出已归档的件。"""
    store = _archive(ctx)
    rows = store.entries(year=year, kind=kind, retention=retention, text=text)
    store.close()
    _list_entries(rows, as_json, "共 {n} 件。")


def _list_entries(rows: list[Any], as_json: bool, footer: str) -> None:
    if as_json:
        _echo_json([e.as_dict() for e in rows])
        return
    for e in rows:
        click.echo(f"{e.archive_code}  {e.number}  {e.title}{_mark(e)}  （第{e.latest}版，{e.pages}页）")
    click.echo(footer.format(n=len(rows)))


def _mark(entry: Any) -> str:
    """How a disposed 件 is marked wherever it is listed: 〔已撤销〕 or 〔已废止〕."""
    return f"  〔已{entry.status}〕" if entry.status else ""


@archive.command("show")
@click.argument("key", metavar="档号或文号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_show(ctx: click.Context, key: str, as_json: bool) -> None:
    """一件的元数据、文件、版本和事件。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    versions = store.versions(entry.identity)
    record = json.loads((store.root / versions[-1][2] / "元数据.json").read_text(encoding="utf-8"))
    events = store.dispositions(entry)
    chain = meetingchain.related(store, entry)
    store.close()
    form = _form_of(record, versions[-1][2])
    if as_json:
        _echo_json({"件": entry.as_dict(), "版本": [{"版本": v, "输入SHA256": d, "路径": p, "归档时间": t}
                                                   for v, d, p, t in versions], "元数据": record, "处置": events,
                    "关联": chain, "发文稿纸": form})  # fmt: skip
        return
    from pipeline.disposition import describe

    click.echo(f"{entry.archive_code}  {entry.title}{_mark(entry)}")
    click.echo(f"  文号：{entry.number}  文种：{entry.kind}  成文日期：{entry.date}  页数：{entry.pages}"
               f"  状态：{entry.status or '有效'}")  # fmt: skip
    for event in events:
        click.echo(f"  处置：{describe(event)}")
    for v, _d, path, t in versions:
        click.echo(f"  第{v}版  {t}  {path}")
    for c in record.get("组件", []):
        click.echo(f"    {c['文件']}（{c['角色']}，{c['大小']} 字节，SHA-256 {c['SHA256'][:16]}…）")
    click.echo(f"  发文稿纸：{form['路径']}" if form else "  发文稿纸：最新版本归档时尚不生成发文稿纸")
    for e in record.get("事件", []):
        click.echo(f"  事件：{e['行为']} {e['时间']} {e['人']}")
    if record.get("会议编号"):
        click.echo(f"  会议编号：{record['会议编号']}")
    for link in chain:
        state = "" if link["状态"] == "有效" else f"〔已{link['状态']}〕"
        click.echo(f"  {link['关系']}：{link['档号']}  {link['文号']}  {link['题名']}{state}")


def _form_of(record: dict[str, Any], version_path: str) -> dict[str, object] | None:
    """The 发文稿纸 of a version as its record lists it (path relative to outbox/), or None for a
    version filed before fawen made one."""
    listed = next((c for c in record.get("组件", []) if c.get("文件") == DISPATCH_FORM), None)
    if listed is None:
        return None
    return {"路径": f"{version_path}/{DISPATCH_FORM}", "大小": listed.get("大小"), "SHA256": listed.get("SHA256")}


@archive.command("verify")
@click.option("--rebuild", is_flag=True, help="再按每个版本存档的输入和文件重新生成，逐页比对文字、字体和页数。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_verify(ctx: click.Context, rebuild: bool, as_json: bool) -> None:
    """四性检测：摘要、完整性（缺失、多余、被改动的文件）、件号连续、元数据、页数、文件可打开；
    整个档案目录（多余或缺失的件、版本、文件和文件夹，件的位置和名称，只读和符号链接）；
    文件内嵌的题名、文号、档号、版本和内容摘要；归档登记簿的链、编号登记簿和索引；办理反馈记录和信访信息记录的链及其保存的文件。"""
    workspace = _workspace(ctx.find_root())
    store = run.open_archive(workspace)
    registry = run.open_registry(workspace)
    with store.locked():  # an archive filed before the register existed is adopted on first use
        Register(store.root, registry).adopt_if_new(store)
    total = sum(1 for _ in store.version_records()) if rebuild else 0  # a second walk only when it is shown
    done = [0]

    def progress(rel: str) -> None:
        done[0] += 1
        if rebuild and not as_json:
            click.echo(f"[{done[0]}/{total}] {rel}", err=True)

    report = run.verify_archive(store, workspace if rebuild else None, progress, registry)
    from pipeline.cli.dispositions import disposition_report  # the 处置记录 chains against the registry

    report += disposition_report(store, workspace)
    report += _liaison_report(store.root, registry)
    report += _chained_logs_report(store.root, registry)
    registry.close()
    store.close()
    problems = [r for r in report if r["问题"]]
    if as_json:
        _echo_json(report)
    else:
        for r in report:
            mark = "✓" if not r["问题"] else "✗"
            said = cast("list[str]", r["问题"])  # every check reports its problems as texts
            click.echo(f"{mark} {r['件']}" + ("" if not said else "：" + "；".join(said)))
        click.echo(f"共检查 {len(report)} 项，发现问题 {len(problems)} 项。")
    sys.exit(EXIT_INVALID if problems else EXIT_OK)


def _liaison_report(root: Any, registry: Any) -> list[dict[str, object]]:
    """The 联络员备案's chain (pipeline.liaisons) and its witnessed last line, when there is one."""
    from pipeline import liaisons  # noqa: PLC0415
    from pipeline.store import liaisonlog  # noqa: PLC0415
    from pipeline.store import regular  # noqa: PLC0415

    try:
        text = liaisonlog.read_text(root)
    except regular.NotRegularFile as exc:  # a FIFO, a device …: never read
        return [{"件": liaisons.LOG_NAME, "问题": [regular.not_regular(exc.kind)]}]
    if not text and registry.log_head(logheads.LIAISONS) is None:
        return []
    found = liaisons.problems(text)
    if not found:
        found = logheads.problems(registry, logheads.LIAISONS, liaisonlog.read_entries(root))
    return [{"件": liaisons.LOG_NAME, "问题": found}]


def _chained_logs_report(root: Any, registry: Any) -> list[dict[str, object]]:
    """The 办理反馈 and 信访信息 logs (their chains, the files they keep, their witnessed last
    lines), where there are any (or were: a log removed whole is missed by its witness)."""
    from pipeline.errors import FawenError  # noqa: PLC0415
    from pipeline.store.appraisallog import AppraisalLog  # noqa: PLC0415
    from pipeline.store.loanlog import LoanLog  # noqa: PLC0415
    from pipeline.store.petitionlog import PetitionLog  # noqa: PLC0415
    from pipeline.store.progress import ProgressLog  # noqa: PLC0415

    out: list[dict[str, object]] = []
    for log in (ProgressLog(root), PetitionLog(root), LoanLog(root), AppraisalLog(root)):
        name = f"{log.folder_name}/{log.log_name}"
        if not log.path.exists() and registry.log_head(name) is None:
            continue
        found = log.problems()
        if not found:
            try:
                found = logheads.problems(registry, name, log.read())
            except FawenError as exc:
                found = [exc.message]
        out.append({"件": name, "问题": found})
    return out


@archive.command("register")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（每条一个对象）。")
@click.pass_context
def archive_register(ctx: click.Context, as_json: bool) -> None:
    """归档登记簿：每次归档、新版本、撤销、废止、更正和编号作废各一条，逐条以摘要相连；
    末条的序号和摘要另记在工作区登记簿中。有问题时列出并以退出码 1 结束。"""
    workspace = _workspace(ctx.find_root())
    store, registry = run.open_archive(workspace), run.open_registry(workspace)
    try:
        register = Register(store.root, registry)
        with store.locked():
            register.adopt_if_new(store)
        entries, problems = register.entries(), register.problems()
    finally:
        registry.close()
        store.close()
    if as_json:
        _echo_json(entries)
    else:
        for e in entries:
            what = e.get("编号") or (f"{e.get('档号', '')} 第{e.get('版本')}版" if e.get("版本") else e.get("档号", ""))
            click.echo(f"{e.get('序号')}  {e.get('时间')}  {e.get('行为')}  {what}  {str(e.get('摘要', ''))[:16]}…")
        click.echo(f"{REGISTER_NAME}：共 {len(entries)} 条。")
    for problem in problems:
        click.echo(f"✗ {problem}", err=True)
    sys.exit(EXIT_INVALID if problems else EXIT_OK)


@archive.command("search")
@click.argument("text", metavar="文字")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_search(ctx: click.Context, text: str, as_json: bool) -> None:
    """全文检索：题名、文号和每个字段（会议地点、台账、计算出的统计句子），中文任意长度的片段；
    用空格分开的几个词须同时出现。每条结果附一段摘要，检索词用【】标出。"""
    store = _archive(ctx)
    hits = store.search_hits(text)
    store.close()
    if as_json:
        _echo_json([{**h.entry.as_dict(), "摘要": h.snippet} for h in hits])
        return
    for h in hits:
        e = h.entry
        click.echo(f"{e.archive_code}  {e.number}  {e.title}{_mark(e)}  （第{e.latest}版，{e.pages}页）")
        click.echo(f"    {h.snippet}")
    click.echo(f"找到 {len(hits)} 件。")


def _version_records(store: Any, entry: Any) -> list[tuple[int, str, str, str, dict[str, Any]]]:
    out = []
    for version, digest, path, filed in store.versions(entry.identity):
        record = json.loads((store.root / path / "元数据.json").read_text(encoding="utf-8"))
        out.append((version, digest, path, filed, record))
    return out


@archive.command("history")
@click.argument("key", metavar="档号或文号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_history(ctx: click.Context, key: str, as_json: bool) -> None:
    """一件的各个版本：归档时间、归档人、改动了哪些字段（原值 → 新值）、补全了哪些字段。"""
    from pipeline.stages.record import changed_fields

    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    rows = []
    for version, digest, path, filed, record in _version_records(store, entry):
        rows.append({"版本": version, "归档时间": filed, "归档人": record.get("归档人", ""), "输入SHA256": digest,
                     "变更": changed_fields(record), "补全": record.get("补全", []), "关系": record.get("关系", []),
                     "路径": path})  # fmt: skip
    store.close()
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        who = f"  {r['归档人']}" if r["归档人"] else ""
        relation = "；".join(str(x.get("说明", "")) for x in r["关系"] if x.get("类型") == "更正")
        click.echo(f"第{r['版本']}版  {r['归档时间']}{who}" + (f"  {relation}" if relation else ""))
        if r["版本"] == 1:
            click.echo("    首次归档")
        elif not r["变更"]:
            click.echo("    内容无改动（所附文件或格式不同）")
        for change in r["变更"]:
            click.echo("    " + _change_line(change))
        if r["补全"]:
            click.echo("    补全：" + "、".join(f"{c['字段']}={c['值']}（{c['来源']}）" for c in r["补全"]))


def _change_line(change: dict[str, str]) -> str:
    old, new = change.get("原值", ""), change.get("新值", "")
    if not old and not new:
        return f"改动：{change['字段']}"
    return f"{change['字段']}：{old or '（无）'} → {new or '（无）'}"


@archive.command("diff")
@click.argument("key", metavar="档号或文号")
@click.argument("v1", type=int, metavar="版本1")
@click.argument("v2", type=int, metavar="版本2")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_diff(ctx: click.Context, key: str, v1: int, v2: int, as_json: bool) -> None:
    """两个版本逐字段的差异：每个改动的字段及其原值和新值。"""
    from pipeline.stages.record import changes

    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    records = {version: record for version, _d, _p, _t, record in _version_records(store, entry)}
    store.close()
    for v in (v1, v2):
        if v not in records:
            click.echo(
                f"错误：{entry.archive_code} 没有第{v}版（现有：{', '.join(map(str, sorted(records)))}）。", err=True
            )
            sys.exit(EXIT_USAGE)
    rows = changes(records[v1].get("内容") or {}, records[v2].get("内容") or {})
    if as_json:
        _echo_json(rows)
        return
    click.echo(f"{entry.archive_code} 第{v1}版 → 第{v2}版：{len(rows)} 处改动")
    for change in rows:
        click.echo("  " + _change_line(change))


# `archive open --copy`
COPIES = {"正本": "正本.pdf", "归档": "归档.pdf", "ofd": ARCHIVAL_OFD, "docx": "公文.docx", "稿纸": DISPATCH_FORM}


@archive.command("open")
@click.argument("key", metavar="档号或文号")
@click.option("--copy", "copy", type=click.Choice(sorted(COPIES)), default="正本", show_default=True,
              help="哪一份：正本（分发的原样）、归档（带归档章的归档件）、ofd（归档件的 OFD 版）、docx（可编辑的定稿）、"
                   "稿纸（发文稿纸）。")  # fmt: skip
@click.option("--version", "version", type=click.IntRange(min=1), metavar="N", help="第几版，默认最新版本。")
@click.option("--launch", is_flag=True, help="用系统默认程序打开。")
@click.pass_context
def archive_open(ctx: click.Context, key: str, copy: str, version: int | None, launch: bool) -> None:
    """输出一件某一版本的正本、归档件（PDF 或 OFD）、DOCX 或发文稿纸的路径（或直接打开）。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    store.close()
    chosen = version or entry.latest
    if chosen > entry.latest:
        click.echo(f"错误：{entry.archive_code} 只有 {entry.latest} 个版本。", err=True)
        sys.exit(EXIT_USAGE)
    path = store.root / entry.path / f"v{chosen}" / COPIES[copy]
    if not path.is_file():
        click.echo(f"错误：{entry.archive_code} 第{chosen}版没有{copy}（{path.name}）：{_why_missing(copy)}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(str(path))
    if launch:
        click.launch(str(path))


def _why_missing(copy: str) -> str:
    """A version filed before fawen made the 发文稿纸 (or the OFD) has none; any other copy missing is
    a fault."""
    made_later = {"稿纸": "发文稿纸", "ofd": "OFD 版"}
    if copy in made_later:
        return f"在归档时还不生成{made_later[copy]}的版本没有这一份；否则用 fawen archive verify 查明。"
    return "用 fawen archive verify 查明。"


@archive.command("catalog")
@click.option("--year", type=int, required=True, help="年度。")
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹。")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出目录行。")
@click.pass_context
def archive_catalog(ctx: click.Context, year: int, out_dir: Path, as_json: bool) -> None:
    """归档文件目录：XLSX、CSV 和可打印的 A4 横向 PDF。"""
    from pipeline.stages import catalogue

    store = _archive(ctx)
    entries = store.catalogue_entries(year)
    store.close()
    table = catalogue.rows(entries)
    if as_json:
        _echo_json([dict(zip(catalogue.COLUMNS, r, strict=True)) for r in table])
        return
    workspace = _workspace(ctx.find_root())
    fonts = font_store.font_set(workspace.config.font_dirs)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{year}年度归档文件目录"
    outputs = {".xlsx": catalogue.to_xlsx(table, year), ".csv": catalogue.to_csv(table),
               ".pdf": catalogue.sections_pdf(catalogue.sections(entries, workspace.config.organ.fonds or "F000"),
                                              f"{workspace.config.organ.name} {name}", fonts)}  # fmt: skip
    for suffix, data in outputs.items():
        run.write_atomically(out_dir / f"{name}{suffix}", data)
    click.echo(f"已生成 {name}（{len(table)} 件）：" + "、".join(str(out_dir / f"{name}{s}") for s in outputs))


@archive.command("handover")
@click.option("--year", type=int, required=True, help="年度。")
@click.option(
    "-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="输出文件夹。",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出清单行。")
@click.pass_context
def archive_handover(ctx: click.Context, year: int, out_dir: Path, as_json: bool) -> None:
    """移交清单（DA/T 22）：一个年度的件，每件的保管期限、页数、文件数、字节数和清单摘要，以及合计；XLSX 和 PDF。"""
    from pipeline.stages import catalogue

    store = _archive(ctx)
    entries = store.entries(year=year)
    facts = {e.archive_code: _entry_facts(store.root / e.path) for e in entries}
    store.close()
    table = catalogue.handover_rows([e.as_dict() for e in entries], facts)
    if as_json:
        _echo_json([dict(zip(catalogue.HANDOVER_COLUMNS, r, strict=True)) for r in table])
        return
    workspace = _workspace(ctx.find_root())
    fonts = font_store.font_set(workspace.config.font_dirs)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"{year}年度归档文件移交清单"
    layout = (catalogue.HANDOVER_COLUMNS, catalogue.HANDOVER_WIDTHS)
    outputs = {
        ".xlsx": catalogue.handover_xlsx(table, year),
        ".pdf": catalogue.to_pdf(table, f"{workspace.config.organ.name} {name}", fonts, layout,
                                 tuple(catalogue.handover_totals(table))),
    }  # fmt: skip
    for suffix, data in outputs.items():
        run.write_atomically(out_dir / f"{name}{suffix}", data)
    click.echo(f"已生成 {name}（{len(table)} 件）：" + "、".join(str(out_dir / f"{name}{s}") for s in outputs))


@archive.command("print")
@click.option("--year", type=int, required=True, help="年度。")
@click.option("--retention", type=click.Choice(["Y", "D30", "D10"]), help="只印此保管期限的件。")
@click.option("--copy", "copy", type=click.Choice(["归档", "正本"]), default="归档", show_default=True, help="哪一份。")
@click.option(
    "-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="输出的 PDF 文件。"
)
@click.pass_context
def archive_print(ctx: click.Context, year: int, retention: str | None, copy: str, out: Path) -> None:
    """把一个年度（或某一保管期限）各件最新版本的归档件按目录顺序合成一个 PDF，便于打印装盒。"""
    from pypdf import PdfReader
    from pypdf import PdfWriter

    from pipeline.stages import catalogue

    store = _archive(ctx)
    entries = catalogue.in_order(
        [e.as_dict() | {"_path": e.path} for e in store.entries(year=year, retention=retention)]
    )
    store.close()
    if not entries:
        click.echo(f"错误：{year} 年度没有{'保管期限为 ' + retention + ' 的' if retention else ''}件。", err=True)
        sys.exit(EXIT_INVALID)
    writer = PdfWriter()
    for n, e in enumerate(entries, 1):
        source = store.root / str(e["_path"]) / f"v{e['版本']}" / COPIES[copy]
        for page in PdfReader(source).pages:
            writer.add_page(page)
        click.echo(f"[{n}/{len(entries)}] {e['档号']}", err=True)
    writer.add_metadata({"/Title": f"{year}年度{retention or ''}{copy}件（{len(entries)} 件）"})
    buf = io.BytesIO()
    writer.write(buf)
    run.write_atomically(out, buf.getvalue())
    click.echo(f"已合成 {out}：{len(entries)} 件，{len(writer.pages)} 页。")


@archive.command("boxes")
@click.option("--year", type=int, required=True, help="年度。")
@click.option("--per-box", type=click.IntRange(min=1, max=500), default=30, show_default=True, metavar="件数",
              help="每盒最多装多少件（同一类别装一盒）。")  # fmt: skip
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹。")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出各盒。")
@click.pass_context
def archive_boxes(ctx: click.Context, year: int, per_box: int, out_dir: Path, as_json: bool) -> None:
    """档案盒：按类别和件号装盒，生成每盒的封面、脊背标签和备考表（可打印的 PDF）。"""
    from pipeline.stages import catalogue

    store = _archive(ctx)
    items = catalogue.boxes([e.as_dict() for e in store.entries(year=year)], per_box)
    store.close()
    if as_json:
        _echo_json(items)
        return
    workspace = _workspace(ctx.find_root())
    fonts = font_store.font_set(workspace.config.font_dirs)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{year}年度档案盒封面、脊背和备考表.pdf"
    run.write_atomically(
        path, catalogue.boxes_pdf(items, (workspace.config.organ.name, workspace.config.organ.fonds or "F000"), fonts)
    )
    click.echo(f"已生成 {path}：{len(items)} 盒。")


def _entry_facts(folder: Path) -> tuple[int, int, str]:
    """A 件's files (every version, its 处置记录), their bytes, and the SHA-256 of its versions'
    manifests in version order: what the receiving archive checks the transfer against."""
    import hashlib

    files = size = 0
    digest = hashlib.sha256()
    versions = sorted((p for p in folder.glob("v*") if p.name[1:].isdigit()), key=lambda p: int(p.name[1:]))
    for version in versions:
        manifest = version / "manifest-sha256.txt"
        if manifest.is_file():
            digest.update(manifest.read_bytes())
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size, digest.hexdigest()


def _entry_or_exit(store: Any, key: str) -> Any:
    """The one 件 a typed 档号/文号/期号 names (Archive.lookup); with none or several, say so
    (listing the candidates) and exit 1: an ambiguous key never picks one."""
    hits = store.lookup(key)
    if len(hits) == 1:
        return hits[0]
    store.close()
    if not hits:
        click.echo(f"错误：档案中没有「{key}」。可用 fawen archive ls 查看已归档的件。", err=True)
    else:
        click.echo(f"错误：「{key}」对应 {len(hits)} 件，请用档号，或写全文号、系列和年度：", err=True)
        for e in hits:
            click.echo(f"  {e.archive_code}  {e.number}  {e.title}{_mark(e)}", err=True)
    sys.exit(EXIT_INVALID)


@archive.command("reindex")
@click.option("--force", is_flag=True, help="元数据.json 在归档后被改动过，也按现有元数据重建")
@click.pass_context
def archive_reindex(ctx: click.Context, force: bool) -> None:
    """从档案目录重建索引（索引只是缓存）。元数据.json 与清单不符时不重建：索引中还留着归档时的记录。"""
    from pipeline.errors import FawenError  # noqa: PLC0415

    store = _archive(ctx)
    try:
        count = store.reindex(refuse_altered=not force)
    except FawenError as exc:
        _fail(exc)
    finally:
        store.close()
    click.echo(f"已从档案目录重建索引：{count} 个版本。")
