"""fawen init, render, validate, new, fonts, demo: documents without the archive."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from pipeline import intake
from pipeline.cli.common import EXIT_DRAFT
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import EXIT_OK
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _fail
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import _workspace_if_any
from pipeline.cli.common import end_quickly
from pipeline.cli.common import main
from pipeline.drafts import draft_reason
from pipeline.errors import FawenError
from pipeline.errors import InputError
from pipeline.errors import WorkspaceError
from pipeline.roster import config_on
from pipeline.store import fonts as font_store
from pipeline.store import workspace as ws_store
from pipeline.store.workspace import Workspace


def _run() -> Any:
    """pipeline.run (the typesetters and the DOCX renderer): loaded by the commands that render."""
    from pipeline import run  # noqa: PLC0415

    return run


@main.command()
@click.argument("folder", metavar="文件夹", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """在「文件夹」创建一个工作区（示例机关的 fawen.yaml，以及 inbox/、outbox/）。"""
    try:
        target = ws_store.init(folder)
    except FawenError as exc:
        _fail(exc)
    click.echo(f"已创建工作区：{folder.resolve()}\n  请按本机关的实际情况修改 {target}。")


def _report(outcomes: list[Any]) -> int:
    failed = [o for o in outcomes if not o.ok]
    invalid = [o for o in failed if isinstance(o.error, InputError)]
    if len(outcomes) > 1:
        click.echo(
            f"共 {len(outcomes)} 个文件：成功 {len(outcomes) - len(failed)} 个"
            + (f"，输入有误 {len(invalid)} 个" if invalid else "")
            + (f"，其他失败 {len(failed) - len(invalid)} 个" if len(failed) > len(invalid) else "")
        )
    return EXIT_INVALID if failed else EXIT_OK


@main.command()
@click.argument(
    "files", metavar="输入文件…", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹。")  # fmt: skip
@click.pass_context
def render(ctx: click.Context, files: tuple[Path, ...], out_dir: Path) -> None:
    """把输入文件排成 <名称>.docx 和 <名称>.pdf（一次性生成：不归档，不占用文号）。"""
    workspace = _workspace(ctx)
    outcomes = []
    for i, path in enumerate(files, 1):
        prefix = f"[{i}/{len(files)}] " if len(files) > 1 else ""
        outcome = _run().render_file(path, workspace, out_dir, _today(workspace))
        outcomes.append(outcome)
        if outcome.ok:
            click.echo(f"{prefix}{path.name}：{outcome.message}")
        else:
            click.echo(f"{prefix}{path.name}：{outcome.message}", err=True)
    sys.exit(_report(outcomes))


@main.command()
@click.argument(
    "files", metavar="输入文件…", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果。")
@click.pass_context
def validate(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """检查输入文件，列出每一处问题（文件、键、行号、应为何值）；并预告 render 会不会生成草稿。

    退出码：0 全部通过；1 有文件输入有误；3 全部通过，但有文件将生成草稿（如纪要未经审定）。"""
    workspace = _workspace(ctx)
    results = []
    for path in files:
        try:
            results.append(_record_result(path, workspace) or _document_result(path, workspace))
        except InputError as exc:
            problems = [{"键": p.key, "行": p.line, "问题": p.problem, "应为": p.expected} for p in exc.problems]
            results.append({"文件": str(path), "有效": False, "问题": problems, "说明": exc.message})
    if as_json:
        _echo_json(results)
    else:
        for r in results:
            if r["有效"] and r["草稿"]:
                click.echo(f"! {r['文件']}：{r['文种']}《{r['标题']}》，校验通过，但将生成草稿：{r['草稿']}"
                           "。草稿加水印，不能归档为正式文件")  # fmt: skip
            elif r["有效"]:
                click.echo(f"✓ {r['文件']}：{r['文种']}《{r['标题']}》，校验通过")
            else:
                click.echo(f"✗ {r['说明']}", err=True)
    end_quickly()
    sys.exit(_validate_exit(results))


def _document_result(path: Path, workspace: Workspace) -> dict[str, object]:
    req = intake.read_request(path, workspace, _today(workspace))
    return {"文件": str(path), "有效": True, "文种": req.kind.value, "标题": req.title, "问题": [],
            "草稿": draft_reason(req, workspace.config)}  # fmt: skip


def _record_result(path: Path, workspace: Workspace) -> dict[str, object] | None:
    """办理反馈, 联络员变更 and 信访信息 are records, not 公文: checked as recording them would check them."""
    kind = intake.record_kind(path)
    if kind == "办理反馈":
        from pipeline import feedback  # noqa: PLC0415 — only these inputs need them

        f = feedback.checked_file(path, workspace, _today(workspace))
        what = f"{f.item} {f.unit} {f.status}"
    elif kind == "联络员变更":
        from pipeline import liaisonfile  # noqa: PLC0415

        c = liaisonfile.checked_file(path, workspace)
        what = f"{c.unit} 联络员 {c.liaison}（{c.filed} 起）"
    elif kind == "信访信息":
        from pipeline import petitioninfo  # noqa: PLC0415

        p = petitioninfo.checked_file(path, workspace, _today(workspace))
        what = f"{p.unit} {p.date} {p.category}（{p.sensitivity}）"
    else:
        return None
    return {"文件": str(path), "有效": True, "文种": kind, "标题": what, "问题": [], "草稿": ""}


def _validate_exit(results: list[dict[str, Any]]) -> int:
    """1 when any file is invalid; else 3 when any would be a 草稿; else 0."""
    if not all(r["有效"] for r in results):
        return EXIT_INVALID
    return EXIT_DRAFT if any(r["草稿"] for r in results) else EXIT_OK


@main.command()
@click.argument("kind", metavar="文种")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="写入此文件（默认输出到屏幕）。")
@click.pass_context
def new(ctx: click.Context, kind: str, output: Path | None) -> None:
    """输出某一文种的输入文件样例（带说明），如：fawen new 通知 -o 新通知.yaml

    样例中的机关、召集人、成员单位、联络员取自本工作区的 fawen.yaml；未配置的写作 ×××。"""
    from pipeline.skeletons import KINDS  # noqa: PLC0415 — the samples' text, for this command only
    from pipeline.skeletons import skeleton  # noqa: PLC0415

    workspace = _workspace_if_any(ctx)  # inside a workspace, a wrong fawen.yaml is said first
    config = config_on(workspace.config, _today(workspace)) if workspace else None  # today's 联络员 (备案 included)
    text = skeleton(kind, config)  # the workspace's own names
    if text is None:
        click.echo(f"错误：没有文种「{kind}」的样例。可用：{'、'.join(KINDS)}", err=True)
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
    workspace = _workspace_if_any(ctx)  # before --install writes anything
    extra = workspace.config.font_dirs if workspace else ()
    try:
        if install:
            done = font_store.install_open_fonts(sources)
            if not as_json:
                for path in done:
                    click.echo(f"已就绪：{path}")
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
    try:
        workspace = _workspace_if_any(ctx) or _sample_workspace()
    except FawenError as exc:
        _fail(exc)
    examples = sorted(p for p in ws_store.EXAMPLES.iterdir() if p.suffix in (".yaml", ".yml", ".json", ".md")
                      and not p.name.endswith(".fawen.yaml"))  # fmt: skip
    if out_dir is None:
        out_dir = Path.cwd() / f"fawen-demo-{dt.datetime.now():%Y%m%d-%H%M%S}"
    out_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for i, path in enumerate(examples, 1):
        outcome = _run().render_file(path, workspace, out_dir, _today(workspace))
        outcomes.append(outcome)
        mark = "✓" if outcome.ok else "✗"
        text = f"{path.name}：{outcome.pages} 页" if outcome.ok else outcome.message
        click.echo(f"[{i}/{len(examples)}] {mark} {text}")
    made = [o for o in outcomes if o.ok]
    broken = [o for o in outcomes if not o.ok]
    click.echo(f"已在 {out_dir.resolve()} 生成 {len(made)} 份公文（每份一个 PDF 和一个 DOCX）。")
    sys.exit(EXIT_INVALID if broken or not made else EXIT_OK)


def _sample_workspace() -> ws_store.Workspace:
    config = ws_store.load_config_file(ws_store.SAMPLE_CONFIG)
    return ws_store.Workspace(ws_store.SAMPLE_CONFIG.parent, config)
