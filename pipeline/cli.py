"""The ``fawen`` command: a thin shell over pipeline.run. The only place errors are printed and
turned into exit codes (0 ok, 1 invalid input, 2 usage error)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from pipeline import __version__
from pipeline import clicklocale
from pipeline import run
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.errors import UnsupportedKindError
from pipeline.errors import WorkspaceError
from pipeline.skeletons import SKELETONS
from pipeline.store import fonts as font_store
from pipeline.store import workspace as ws_store

clicklocale.install()

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _today() -> dt.date:
    return dt.date.today()


def _workspace(ctx: click.Context) -> ws_store.Workspace:
    try:
        return ws_store.load(ws_store.resolve_root(ctx.obj.get("workspace")))
    except FawenError as exc:
        _fail(exc)


def _fail(exc: FawenError) -> Any:
    click.echo(f"错误：{exc.message}", err=True)
    sys.exit(exc.exit_code)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-w", "--workspace", metavar="文件夹", help="工作区（含 fawen.yaml）；默认取环境变量 FAWEN_WORKSPACE，再默认当前文件夹。")
@click.version_option(__version__, "-V", "--version", prog_name="fawen", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """fawen：把结构化的输入文件排成符合 GB/T 9704-2012 的公文（红头文件）PDF 和 DOCX。"""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """在 FOLDER 创建一个工作区（示例机关的 fawen.yaml，以及 inbox/、outbox/）。"""
    try:
        target = ws_store.init(folder)
    except FawenError as exc:
        _fail(exc)
    click.echo(f"已创建工作区：{folder.resolve()}\n  请按本机关的实际情况修改 {target}。")


def _report(outcomes: list[run.Outcome]) -> int:
    failed = [o for o in outcomes if not o.ok]
    invalid = [o for o in failed if isinstance(o.error, InputError)]
    unsupported = [o for o in failed if isinstance(o.error, UnsupportedKindError)]
    if len(outcomes) > 1:
        click.echo(
            f"共 {len(outcomes)} 个文件：成功 {len(outcomes) - len(failed)} 个"
            + (f"，输入有误 {len(invalid)} 个" if invalid else "")
            + (f"，暂不支持 {len(unsupported)} 个" if unsupported else "")
            + (f"，其他失败 {len(failed) - len(invalid) - len(unsupported)} 个" if len(failed) > len(invalid) + len(unsupported) else "")
        )
    return EXIT_INVALID if failed else EXIT_OK


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹。")  # fmt: skip
@click.pass_context
def render(ctx: click.Context, files: tuple[Path, ...], out_dir: Path) -> None:
    """把输入文件排成 <名称>.docx 和 <名称>.pdf（一次性生成：不归档，不占用文号）。"""
    workspace = _workspace(ctx)
    outcomes = []
    for i, path in enumerate(files, 1):
        prefix = f"[{i}/{len(files)}] " if len(files) > 1 else ""
        outcome = run.render_file(path, workspace, out_dir, _today())
        outcomes.append(outcome)
        if outcome.ok:
            click.echo(f"{prefix}{path.name}：{outcome.message}")
        else:
            click.echo(f"{prefix}{path.name}：{outcome.message}", err=True)
    sys.exit(_report(outcomes))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """检查输入文件，列出每一处问题（文件、键、行号、应为何值）。"""
    workspace = _workspace(ctx)
    results = []
    for path in files:
        try:
            req = run.read_request(path, workspace, _today())
            results.append({"文件": str(path), "有效": True, "文种": req.kind.value, "标题": req.title, "问题": []})
        except InputError as exc:
            problems = [{"键": p.key, "行": p.line, "问题": p.problem, "应为": p.expected} for p in exc.problems]
            results.append({"文件": str(path), "有效": False, "问题": problems, "说明": exc.message})
    if as_json:
        _echo_json(results)
    else:
        for r in results:
            if r["有效"]:
                click.echo(f"✓ {r['文件']}：{r['文种']}《{r['标题']}》，校验通过")
            else:
                click.echo(f"✗ {r['说明']}", err=True)
    sys.exit(EXIT_OK if all(r["有效"] for r in results) else EXIT_INVALID)


@main.command()
@click.argument("kind", metavar="文种")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="写入此文件（默认输出到屏幕）。")
def new(kind: str, output: Path | None) -> None:
    """输出某一文种的输入文件样例（带说明），如：fawen new 通知 -o 新通知.yaml"""
    text = SKELETONS.get(kind)
    if text is None:
        click.echo(f"错误：没有文种「{kind}」的样例。可用：{'、'.join(SKELETONS)}", err=True)
        sys.exit(EXIT_USAGE)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists():
        click.echo(f"错误：{output} 已存在，未覆盖。", err=True)
        sys.exit(EXIT_USAGE)
    output.write_text(text, encoding="utf-8")
    click.echo(f"已写入 {output}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--install", is_flag=True, help="把开源替代字体（Fandol，OpenType-CFF）转换为 TrueType 并缓存。")
@click.option("--from", "sources", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="--install 时查找 Fandol 字体的文件夹（可多次给出）。")  # fmt: skip
@click.pass_context
def fonts(ctx: click.Context, as_json: bool, install: bool, sources: tuple[Path, ...]) -> None:
    """列出每个字体角色（小标宋、仿宋、黑体、楷体、宋体）实际使用的字体文件。"""
    try:
        if install:
            done = font_store.install_open_fonts(sources)
            if not as_json:
                for path in done:
                    click.echo(f"已就绪：{path}")
        root = ws_store.resolve_root(ctx.obj.get("workspace"))
        extra = ws_store.load(root).config.font_dirs if (root / ws_store.CONFIG_NAME).is_file() else ()
        choices = font_store.resolve(extra)
        if install:
            conf = font_store.install_fontconfig(choices)
            if conf is not None and not as_json:
                click.echo(f"已写入字体别名（供 LibreOffice 显示 DOCX）：{conf}")
    except WorkspaceError as exc:
        _fail(exc)
    except FawenError as exc:
        _fail(exc)
    if as_json:
        _echo_json([c.as_dict() for c in choices.values()])
        return
    for c in choices.values():
        state = f"替代字体（未安装标准字体 {c.wanted}）" if c.fallback else "标准字体"
        click.echo(f"{c.role}：{c.path}" + (f"[{c.subfont}]" if c.subfont else "") + f"  —  {c.family}，{state}")


@main.command()
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹（默认在当前文件夹新建 fawen-demo-<时间>）。")  # fmt: skip
@click.pass_context
def demo(ctx: click.Context, out_dir: Path | None) -> None:
    """用自带的示例输入生成全部公文，并告诉你放在哪里。"""
    root = ws_store.resolve_root(ctx.obj.get("workspace"))
    try:
        if (root / ws_store.CONFIG_NAME).is_file():
            workspace = ws_store.load(root)
        else:
            workspace = _sample_workspace()
    except FawenError as exc:
        _fail(exc)
    examples = sorted(p for p in ws_store.EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml", ".json", ".md")
                      and not p.name.endswith(".fawen.yaml"))  # fmt: skip
    if out_dir is None:
        out_dir = Path.cwd() / f"fawen-demo-{dt.datetime.now():%Y%m%d-%H%M%S}"
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for i, path in enumerate(examples, 1):
        outcome = run.render_file(path, workspace, out_dir, _today())
        outcomes.append(outcome)
        mark = "✓" if outcome.ok else ("…" if isinstance(outcome.error, UnsupportedKindError) else "✗")
        text = f"{path.name}：{outcome.pages} 页" if outcome.ok else outcome.message
        click.echo(f"[{i}/{len(examples)}] {mark} {text}")
    made = [o for o in outcomes if o.ok]
    broken = [o for o in outcomes if not o.ok and not isinstance(o.error, UnsupportedKindError)]
    click.echo(f"已在 {out_dir.resolve()} 生成 {len(made)} 份公文（每份一个 PDF 和一个 DOCX）。")
    sys.exit(EXIT_INVALID if broken or not made else EXIT_OK)


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


@main.command("file")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个文件的结果。")
@click.pass_context
def file_(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """归档：校验、编号、生成 PDF 和 DOCX、加盖归档章、存入 outbox/ 的档案目录。"""
    workspace = _workspace(ctx)
    results = []
    failed = 0
    for i, path in enumerate(files, 1):
        prefix = f"[{i}/{len(files)}] " if len(files) > 1 else ""
        try:
            filed = run.file_document(path, workspace, _today(), _now())
        except FawenError as exc:
            failed += 1
            results.append({"文件": str(path), "结果": "失败", "说明": exc.message})
            if not as_json:
                click.echo(f"{prefix}✗ {exc.message}", err=True)
            continue
        if filed.duplicate:
            text = f"与已归档的 {filed.archive_code} 第{filed.version}版内容相同，未重复归档"
            results.append({"文件": str(path), "结果": "重复", "档号": filed.archive_code, "版本": filed.version})
        else:
            text = f"已归档：{filed.archive_code}（{filed.number}）第{filed.version}版 → {filed.folder}"
            results.append({"文件": str(path), "结果": "已归档", "档号": filed.archive_code, "文号": filed.number,
                            "版本": filed.version, "路径": str(filed.folder)})  # fmt: skip
        if not as_json:
            click.echo(f"{prefix}{'✓' if not filed.duplicate else '='} {path.name}：{text}")
    if as_json:
        _echo_json(results)
    elif len(files) > 1:
        click.echo(f"共 {len(files)} 个文件：成功 {len(files) - failed} 个" + (f"，失败 {failed} 个" if failed else ""))
    sys.exit(EXIT_INVALID if failed else EXIT_OK)


@main.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.option("--year", type=int, help="只看某一年度。")
@click.pass_context
def numbers(ctx: click.Context, as_json: bool, year: int | None) -> None:
    """编号登记簿：已使用、已预留、已作废的发文字号、期号和件号。"""
    if ctx.invoked_subcommand is not None:
        return
    workspace = _workspace(ctx)
    registry = run.open_registry(workspace)
    records = registry.records(year=year)
    registry.close()
    if as_json:
        _echo_json([r.as_dict() for r in records])
        return
    if not records:
        click.echo("登记簿中还没有编号。")
    for r in records:
        d = r.as_dict()
        click.echo(f"{d['类别']}  {d['系列']} {d['年度']} 第{d['序号']}号  {d['状态']}  {d['标题'] or d['原因']}")


@numbers.command("void")
@click.argument("number", metavar="编号")
@click.option("--reason", required=True, help="作废原因。")
@click.pass_context
def numbers_void(ctx: click.Context, number: str, reason: str) -> None:
    """作废一个发文字号（如 罕政发〔2026〕7号），记录原因；作废的编号不再使用。"""
    from pipeline.stages.numbering import DocumentNumber

    parsed = DocumentNumber.parse(number)
    if parsed is None or parsed.seq is None:
        click.echo(f"错误：「{number}」不是发文字号。应为：机关代字〔年份〕序号号，如 罕政发〔2026〕7号", err=True)
        sys.exit(EXIT_USAGE)
    workspace = _workspace(ctx.parent) if ctx.parent else _workspace(ctx)
    registry = run.open_registry(workspace)
    registry.void("发文字号", parsed.code, parsed.year, parsed.seq, reason)
    registry.close()
    click.echo(f"已作废 {number}：{reason}")


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
    if as_json:
        _echo_json([e.as_dict() for e in rows])
        return
    for e in rows:
        click.echo(f"{e.archive_code}  {e.number}  {e.title}  （第{e.latest}版，{e.pages}页）")
    click.echo(f"共 {len(rows)} 件。")


@archive.command("show")
@click.argument("key", metavar="档号或文号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_show(ctx: click.Context, key: str, as_json: bool) -> None:
    """一件的元数据、文件、版本和事件。"""
    store = _archive(ctx)
    entry = store.find(key)
    if entry is None:
        store.close()
        click.echo(f"错误：档案中没有「{key}」。可用 fawen archive ls 查看已归档的件。", err=True)
        sys.exit(EXIT_INVALID)
    versions = store.versions(entry.identity)
    record = json.loads((store.root / versions[-1][2] / "元数据.json").read_text(encoding="utf-8"))
    store.close()
    if as_json:
        _echo_json({"件": entry.as_dict(), "版本": [{"版本": v, "输入SHA256": d, "路径": p, "归档时间": t}
                                                   for v, d, p, t in versions], "元数据": record})  # fmt: skip
        return
    click.echo(f"{entry.archive_code}  {entry.title}")
    click.echo(f"  文号：{entry.number}  文种：{entry.kind}  成文日期：{entry.date}  页数：{entry.pages}")
    for v, _d, path, t in versions:
        click.echo(f"  第{v}版  {t}  {path}")
    for c in record.get("组件", []):
        click.echo(f"    {c['文件']}（{c['角色']}，{c['大小']} 字节，SHA-256 {c['SHA256'][:16]}…）")
    for e in record.get("事件", []):
        click.echo(f"  事件：{e['行为']} {e['时间']} {e['人']}")


@archive.command("verify")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_verify(ctx: click.Context, as_json: bool) -> None:
    """四性检测：摘要、完整性（缺失、多余、被改动的文件）、件号连续、元数据、页数、文件可打开。"""
    store = _archive(ctx)
    report = run.verify_archive(store)
    store.close()
    problems = [r for r in report if r["问题"]]
    if as_json:
        _echo_json(report)
    else:
        for r in report:
            mark = "✓" if not r["问题"] else "✗"
            click.echo(f"{mark} {r['件']}" + ("" if not r["问题"] else "：" + "；".join(r["问题"])))
        click.echo(f"共检查 {len(report)} 项，发现问题 {len(problems)} 项。")
    sys.exit(EXIT_INVALID if problems else EXIT_OK)


@archive.command("search")
@click.argument("text", metavar="文字")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_search(ctx: click.Context, text: str, as_json: bool) -> None:
    """全文检索题名、文号和正文（中文任意长度的片段）。"""
    store = _archive(ctx)
    hits = store.search(text)
    store.close()
    if as_json:
        _echo_json([e.as_dict() for e in hits])
        return
    for e in hits:
        click.echo(f"{e.archive_code}  {e.number}  {e.title}")
    click.echo(f"找到 {len(hits)} 件。")


@archive.command("history")
@click.argument("key", metavar="档号或文号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def archive_history(ctx: click.Context, key: str, as_json: bool) -> None:
    """一件的各个版本：归档时间、输入摘要、改动了什么。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    rows = []
    for version, digest, path, filed in store.versions(entry.identity):
        record = json.loads((store.root / path / "元数据.json").read_text(encoding="utf-8"))
        rows.append({"版本": version, "归档时间": filed, "输入SHA256": digest, "变更": record.get("变更", []),
                     "关系": record.get("关系", []), "路径": path})  # fmt: skip
    store.close()
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        change = "、".join(r["变更"]) if r["变更"] else ("首次归档" if r["版本"] == 1 else "无文字改动")
        click.echo(f"第{r['版本']}版  {r['归档时间']}  改动：{change}")


@archive.command("diff")
@click.argument("key", metavar="档号或文号")
@click.argument("v1", type=int)
@click.argument("v2", type=int)
@click.pass_context
def archive_diff(ctx: click.Context, key: str, v1: int, v2: int) -> None:
    """两个版本的文字差异。"""
    import difflib

    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    paths = {v: p for v, _d, p, _t in store.versions(entry.identity)}
    texts = []
    for v in (v1, v2):
        if v not in paths:
            store.close()
            click.echo(f"错误：{entry.archive_code} 没有第{v}版（现有：{', '.join(map(str, sorted(paths)))}）。", err=True)
            sys.exit(EXIT_USAGE)
        record = json.loads((store.root / paths[v] / "元数据.json").read_text(encoding="utf-8"))
        content = record.get("内容", {})
        texts.append([f"{k}：{line}" for k, value in content.items() for line in str(value).splitlines() or [""]])
    store.close()
    for line in difflib.unified_diff(texts[0], texts[1], f"第{v1}版", f"第{v2}版", lineterm=""):
        click.echo(line)


@archive.command("open")
@click.argument("key", metavar="档号或文号")
@click.option("--launch", is_flag=True, help="用系统默认程序打开 PDF。")
@click.pass_context
def archive_open(ctx: click.Context, key: str, launch: bool) -> None:
    """输出最新版本正本 PDF 的路径（或直接打开）。"""
    store = _archive(ctx)
    entry = _entry_or_exit(store, key)
    path = store.root / entry.path / f"v{entry.latest}" / "正本.pdf"
    store.close()
    click.echo(str(path))
    if launch:
        click.launch(str(path))


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
    entries = [e.as_dict() for e in store.entries(year=year)]
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
               ".pdf": catalogue.to_pdf(table, f"{workspace.config.organ.name} {name}", fonts)}  # fmt: skip
    for suffix, data in outputs.items():
        run.write_atomically(out_dir / f"{name}{suffix}", data)
    click.echo(f"已生成 {name}（{len(table)} 件）：" + "、".join(str(out_dir / f"{name}{s}") for s in outputs))


def _entry_or_exit(store: Any, key: str) -> Any:
    entry = store.find(key)
    if entry is None:
        store.close()
        click.echo(f"错误：档案中没有「{key}」。可用 fawen archive ls 查看已归档的件。", err=True)
        sys.exit(EXIT_INVALID)
    return entry


@archive.command("reindex")
@click.pass_context
def archive_reindex(ctx: click.Context) -> None:
    """从档案目录重建索引（索引只是缓存）。"""
    store = _archive(ctx)
    count = store.reindex()
    store.close()
    click.echo(f"已从档案目录重建索引：{count} 个版本。")


@main.command()
@click.option("--once", is_flag=True, help="处理收件箱中现有的文件后退出。")
@click.option("--polling", is_flag=True, help="轮询文件夹（网络共享、容器卷收不到文件事件时使用）。")
@click.option("--delay", type=float, default=0.25, show_default=True, help="文件保持不变多少秒后才读取。")
@click.pass_context
def watch(ctx: click.Context, once: bool, polling: bool, delay: float) -> None:
    """监视收件箱 inbox/：放入的输入文件自动归档；出错的移到 inbox/rejected/ 并附说明。"""
    from pipeline.watch import Settings
    from pipeline.watch import Watcher

    workspace = _workspace(ctx)

    def report(result: Any) -> None:
        when = dt.datetime.now().strftime("%H:%M:%S")
        if result.outcome == "已归档":
            click.echo(f"{when} 收到 {result.name}：已归档 {result.archive_code}（{result.seconds:.2f} 秒）")
        elif result.outcome == "重复":
            click.echo(f"{when} 收到 {result.name}：与 {result.archive_code} 内容相同，已移到 inbox/duplicates/")
        else:
            lines = [ln.strip() for ln in result.reason.splitlines() if ln.strip()]
            why = lines[1] if len(lines) > 1 and lines[0].endswith("问题：") else (lines[0] if lines else "")
            click.echo(f"{when} 收到 {result.name}：已退回到 inbox/rejected/（{why}）", err=True)

    watcher = Watcher(workspace, Settings(delay=delay, polling=polling), report)
    if once:
        watcher.run_once()
        return
    click.echo(f"正在监视 {workspace.inbox}（按 Ctrl+C 停止）……")
    watcher.run()
    click.echo("已停止监视。")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """收件箱和档案的概况：等待处理、已退回、今天归档的件数。"""
    from pipeline.store.inbox import Inbox

    workspace = _workspace(ctx)
    counts = Inbox(workspace.inbox).counts()
    store = run.open_archive(workspace)
    today = _today().isoformat()
    counts["今天归档"] = sum(1 for e in store.entries() for v in store.versions(e.identity) if v[3].startswith(today))
    store.close()
    if as_json:
        _echo_json(counts)
        return
    click.echo("；".join(f"{k} {v} 件" for k, v in counts.items()))


def _sample_workspace() -> ws_store.Workspace:
    config = ws_store.load_config_file(ws_store.SAMPLE_CONFIG)
    return ws_store.Workspace(ws_store.SAMPLE_CONFIG.parent, config)


if __name__ == "__main__":
    main()
