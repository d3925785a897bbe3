"""fawen file: validate, number, render, stamp and file inputs into the archive."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline import run
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import EXIT_OK
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _now
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.errors import FawenError


@main.command("file")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by", metavar="姓名", default="", help="归档人（记入事件）；默认取工作区的「操作员」，再默认系统用户名。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个文件的结果。")
@click.pass_context
def file_(ctx: click.Context, files: tuple[Path, ...], by: str, as_json: bool) -> None:
    """归档：校验、编号、生成 PDF 和 DOCX、加盖归档章、存入 outbox/ 的档案目录。"""
    workspace = _workspace(ctx)
    results = []
    failed = 0
    for i, path in enumerate(files, 1):
        prefix = f"[{i}/{len(files)}] " if len(files) > 1 else ""
        try:
            filed = run.file_document(path, workspace, _today(workspace), _now(), by=by)
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
            if filed.completed:
                text += f"（补全：{'、'.join(filed.completed)}）"
            results.append({"文件": str(path), "结果": "已归档", "档号": filed.archive_code, "文号": filed.number,
                            "版本": filed.version, "路径": str(filed.folder), "补全": list(filed.completed)})  # fmt: skip
        if not as_json:
            click.echo(f"{prefix}{'✓' if not filed.duplicate else '='} {path.name}：{text}")
    if as_json:
        _echo_json(results)
    elif len(files) > 1:
        click.echo(f"共 {len(files)} 个文件：成功 {len(files) - failed} 个" + (f"，失败 {failed} 个" if failed else ""))
    sys.exit(EXIT_INVALID if failed else EXIT_OK)
