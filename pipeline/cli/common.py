"""What every ``fawen`` command shares: the group, the workspace option, printing errors and
JSON, exit codes (0 ok, 1 invalid input, 2 usage error, 3 valid but a 草稿: validate only)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import TYPE_CHECKING
from typing import Any
from typing import NoReturn

import click

from pipeline import __version__
from pipeline import clicklocale
from pipeline.errors import FawenError

if TYPE_CHECKING:  # loaded by the commands that use a workspace, not for ``fawen --help``
    from pipeline.store import workspace as ws_store

clicklocale.install()

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_DRAFT = 3  # fawen validate: every file valid, but one at least would be a 草稿


def _today(workspace: ws_store.Workspace | None = None) -> dt.date:
    """Today in the workspace's time zone (a document dated at 7:00 in Ordos is not dated the
    day before because the server keeps UTC)."""
    if workspace is None:
        return dt.date.today()
    from pipeline.intake import workspace_zone  # noqa: PLC0415 — loaded by the commands that use a workspace

    return dt.datetime.now(workspace_zone(workspace)).date()


def _workspace(ctx: click.Context) -> ws_store.Workspace:
    """The workspace (``-w``, ``FAWEN_WORKSPACE``, else found upwards from here), its configuration
    checked: a missing or wrong ``fawen.yaml`` stops the command with exit code 2 before anything is written."""
    from pipeline.store import workspace as ws_store  # noqa: PLC0415

    try:
        return ws_store.load(ws_store.resolve_root(ctx.find_root().obj.get("workspace")))
    except FawenError as exc:
        _fail(exc)


def _workspace_if_any(ctx: click.Context) -> ws_store.Workspace | None:
    """For commands that also work outside a workspace (new, fonts, demo): None when there is none,
    but a wrong ``fawen.yaml`` stops them like every other command."""
    from pipeline.store import workspace as ws_store  # noqa: PLC0415

    root = ws_store.resolve_root(ctx.find_root().obj.get("workspace"))
    return _workspace(ctx) if (root / ws_store.CONFIG_NAME).is_file() else None


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    """A click callback for a date option: 2026-12-01, or a Chinese message saying so."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"「{value}」不是日期，请写成 2026-12-01 的形式") from None


def _fail(exc: FawenError) -> NoReturn:
    click.echo(f"错误：{exc.message}", err=True)
    sys.exit(exc.exit_code)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class LazyGroup(click.Group):
    """The top-level group: a command's module is imported when that command is run (or asked for
    its own help), not for ``fawen --help`` or another command, so the CLI starts at once. Each
    entry names the modules that define the command and its one-line help, as ``fawen --help``
    lists it (tests/test_cli.py checks it against the command's own)."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[tuple[str, ...], str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.lazy, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            import importlib  # noqa: PLC0415

            for module in self.lazy[cmd_name][0]:
                importlib.import_module(module)  # its decorators register the command on this group
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1] if name in self.lazy else self.commands[name].get_short_help_str(200))
                for name in self.list_commands(ctx)]  # fmt: skip
        if rows:
            with formatter.section("命令"):
                formatter.write_dl(rows)


_D, _A = (
    "pipeline.cli.documents",
    ("pipeline.cli.archive", "pipeline.cli.dispositions", "pipeline.cli.lending", "pipeline.cli.appraisal"),
)
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "archive": (_A, "浏览和核验档案（outbox/）。"),
    "demo": ((_D,), "用自带的示例输入生成全部公文，并告诉你放在哪里。"),
    "file": (("pipeline.cli.filing",), "归档：校验、编号、生成 PDF 和 DOCX、加盖归档章、存入 outbox/ 的档案目录。"),
    "fonts": ((_D,), "列出每个字体角色（小标宋、仿宋、黑体、楷体、宋体）实际使用的字体文件。"),
    "info": (("pipeline.cli.petitioninfo",), "信访信息（第十条）：成员单位报送的重要敏感信访信息，登记进档案的信访信息记录（逐条以摘要相连）。"),
    "init": ((_D,), "在「文件夹」创建一个工作区（示例机关的 fawen.yaml，以及 inbox/、outbox/）。"),
    "new": ((_D,), "输出某一文种的输入文件样例（带说明），如：fawen new 通知 -o 新通知.yaml"),
    "numbers": (("pipeline.cli.numbers",), "编号登记簿：已使用、已预留、已跳过、已作废的发文字号、期号和件号。"),
    "render": ((_D,), "把输入文件排成 <名称>.docx 和 <名称>.pdf（一次性生成：不归档，不占用文号）。"),
    "roster": (("pipeline.cli.roster",), "联席会议名册：成员单位及其联络员、电话（fawen.yaml 加上其后的联络员备案）。"),
    "serve": (("pipeline.cli.serve",), "在浏览器中浏览档案、检索、查看收件箱和编号登记，并可在线拟文（预览后放入收件箱）。打开它显示的地址即可。"),
    "status": (("pipeline.cli.inbox",), "收件箱和档案的概况：等待处理、已退回、今天归档的件数。"),
    "tasks": (("pipeline.cli.tasks",), "督办台账：已归档会议纪要的议定事项，及其责任单位、完成时限和变化。"),
    "validate": ((_D,), "检查输入文件，列出每一处问题（文件、键、行号、应为何值）；并预告 render 会不会生成草稿。"),
    "watch": (("pipeline.cli.inbox",), "监视收件箱 inbox/：放入的输入文件自动归档；出错的移到 inbox/rejected/ 并附说明。"),
}  # fmt: skip


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-w",
    "--workspace",
    metavar="文件夹",
    help="工作区（含 fawen.yaml）；默认取环境变量 FAWEN_WORKSPACE，再从当前文件夹向上找含 fawen.yaml 的文件夹。",
)
@click.version_option(__version__, "-V", "--version", prog_name="fawen", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, workspace: str | None) -> None:
    """fawen：把结构化的输入文件排成符合 GB/T 9704-2012 的公文（红头文件）PDF 和 DOCX。"""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


class _Ending:
    """Whether the command that ran may end its process at once (``script``)."""

    quick = False


def end_quickly() -> None:
    """Mark the command as one that only read and holds nothing to close: ``script`` then ends
    the process without the interpreter's teardown of every module it loaded (about 30 M
    instructions, a thirteenth of ``fawen validate``). Tests calling ``main`` are unaffected."""
    _Ending.quick = True


def script() -> None:
    """The ``fawen`` program (and ``python -m pipeline``): ``main``, its process ended at once
    after a command marked by ``end_quickly``, its output flushed first."""
    try:
        main()
    except SystemExit as done:
        if not _Ending.quick or not isinstance(done.code, int | None):
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a closed pipe (fawen validate … | head): nothing left to say
            pass
        os._exit(done.code or 0)


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()
