"""fawen file: validate, number, render, stamp and file inputs into the archive."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pipeline import feedback
from pipeline import petitioninfo
from pipeline import run
from pipeline.cli.common import EXIT_INVALID
from pipeline.cli.common import EXIT_OK
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _now
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.errors import FawenError


@main.command("file")
@click.argument(
    "files", metavar="输入文件…", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--by", "by", metavar="姓名", default="", help="归档人（记入事件）；默认取工作区的「操作员」，再默认系统用户名。"
)
@click.option(
    "--as-version-of",
    "version_of",
    metavar="档号或文号",
    default="",
    help="把这份输入归为已归档的某件的新版本（如修改稿另存了文件名）。",
)
@click.option("--new", "new", is_flag=True, help="即使当年已有同名同文种的件，也作为另一份新公文归档。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出每个文件的结果。")
@click.pass_context
def file_(ctx: click.Context, files: tuple[Path, ...], by: str, version_of: str, new: bool, as_json: bool) -> None:
    """归档：校验、编号、生成 PDF 和 DOCX、加盖归档章、存入 outbox/ 的档案目录。"""
    workspace = _workspace(ctx)
    target = _target(workspace, version_of, len(files)) if version_of else ""
    results = []
    failed = 0
    for i, path in enumerate(files, 1):
        prefix = f"[{i}/{len(files)}] " if len(files) > 1 else ""
        try:
            if feedback.is_feedback_file(path):  # a 办理反馈 is recorded in the 督办台账, not filed
                results.append(_feedback(path, workspace, by, prefix, as_json))
                continue
            if petitioninfo.is_petition_info_file(path):  # so is a 信访信息, in the 信访信息 log
                results.append(_petition_info(path, workspace, by, prefix, as_json))
                continue
            filed = run.file_document(path, workspace, _today(workspace), _now(), by=by, target=target, new=new)
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


def _feedback(path: Path, workspace: Any, by: str, prefix: str, as_json: bool) -> dict[str, object]:
    done = feedback.record_file(path, workspace, _now(), by)
    said = "重复" if done.duplicate else "已登记"
    if not as_json:
        text = (f"与已登记的第 {done.seq} 条办理反馈内容相同，未重复登记" if done.duplicate
                else f"已登记 {done.item} 办理反馈：{done.status}（第 {done.seq} 条）")  # fmt: skip
        click.echo(f"{prefix}{'=' if done.duplicate else '✓'} {path.name}：{text}")
    return {"文件": str(path), "结果": said, "事项编号": done.item, "状态": done.status, "序号": done.seq}


def _petition_info(path: Path, workspace: Any, by: str, prefix: str, as_json: bool) -> dict[str, object]:
    done = petitioninfo.record_file(path, workspace, _now(), by)
    if not as_json:
        text = (f"与已登记的第 {done.seq} 条信访信息内容相同，未重复登记" if done.duplicate
                else f"已登记 信访信息：{done.unit} {done.category}，{done.sensitivity}（第 {done.seq} 条）")  # fmt: skip
        click.echo(f"{prefix}{'=' if done.duplicate else '✓'} {path.name}：{text}")
    return {"文件": str(path), "结果": "重复" if done.duplicate else "已登记", "单位": done.unit, "类别": done.category,
            "敏感程度": done.sensitivity, "序号": done.seq}  # fmt: skip


def _target(workspace: Any, key: str, count: int) -> str:
    """The identity of the one 件 ``--as-version-of`` names."""
    if count != 1:
        click.echo("错误：--as-version-of 只能用于一个输入文件。", err=True)
        sys.exit(EXIT_USAGE)
    store = run.open_archive(workspace)
    hits = store.lookup(key)
    store.close()
    if len(hits) != 1:
        listed = "".join(f"\n  {e.archive_code}  {e.number}  {e.title}" for e in hits)
        click.echo(
            f"错误：「{key}」" + (f"对应 {len(hits)} 件，请写档号：{listed}" if hits else "在档案中找不到。"), err=True
        )
        sys.exit(EXIT_INVALID)
    return str(hits[0].identity)
