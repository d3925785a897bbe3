"""What every ``fawen`` command shares: the group, the workspace option, printing errors and
JSON, exit codes (0 ok, 1 invalid input, 2 usage error, 3 valid but a 草稿: validate only)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from pipeline import __version__
from pipeline import clicklocale
from pipeline.errors import FawenError
from pipeline.store import workspace as ws_store

clicklocale.install()

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_DRAFT = 3  # fawen validate: every file valid, but one at least would be a 草稿


def _today(workspace: ws_store.Workspace | None = None) -> dt.date:
    """Today in the workspace's time zone (a document dated at 7:00 in Ordos is not dated the
    day before because the server keeps UTC)."""
    if workspace is None:
        return dt.date.today()
    from pipeline.run import workspace_zone  # noqa: PLC0415 — run imports the stages; load it only when needed

    return dt.datetime.now(workspace_zone(workspace)).date()


def _workspace(ctx: click.Context) -> ws_store.Workspace:
    """The workspace (``-w``, ``FAWEN_WORKSPACE``, else found upwards from here), its configuration
    checked: a missing or wrong ``fawen.yaml`` stops the command with exit code 2 before anything is written."""
    try:
        return ws_store.load(ws_store.resolve_root(ctx.find_root().obj.get("workspace")))
    except FawenError as exc:
        _fail(exc)


def _workspace_if_any(ctx: click.Context) -> ws_store.Workspace | None:
    """For commands that also work outside a workspace (new, fonts, demo): None when there is none,
    but a wrong ``fawen.yaml`` stops them like every other command."""
    root = ws_store.resolve_root(ctx.find_root().obj.get("workspace"))
    return _workspace(ctx) if (root / ws_store.CONFIG_NAME).is_file() else None


def _fail(exc: FawenError) -> Any:
    click.echo(f"错误：{exc.message}", err=True)
    sys.exit(exc.exit_code)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-w", "--workspace", metavar="文件夹",
              help="工作区（含 fawen.yaml）；默认取环境变量 FAWEN_WORKSPACE，再从当前文件夹向上找含 fawen.yaml 的文件夹。")
@click.version_option(__version__, "-V", "--version", prog_name="fawen", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """fawen：把结构化的输入文件排成符合 GB/T 9704-2012 的公文（红头文件）PDF 和 DOCX。"""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


