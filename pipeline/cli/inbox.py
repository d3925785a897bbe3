"""fawen watch and status: the watched inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from pipeline import intake
from pipeline import run
from pipeline.cli.common import _echo_json
from pipeline.cli.common import _today
from pipeline.cli.common import _workspace
from pipeline.cli.common import main


@main.command()
@click.option("--once", is_flag=True, help="处理收件箱中现有的文件后退出。")
@click.option("--polling", is_flag=True, help="轮询文件夹（网络共享、容器卷收不到文件事件时使用）。")
@click.option("--delay", type=float, default=0.25, show_default=True, help="文件保持不变多少秒后才读取。")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.5),
    default=60,
    show_default=True,
    metavar="秒",
    help="每个输入文件最多处理多少秒，超时即停止处理并退回。",
)
@click.option(
    "--memory",
    type=click.IntRange(min=16),
    default=1024,
    show_default=True,
    metavar="MB",
    help="每个输入文件处理时最多另外占用多少 MB 内存，超出即停止处理并退回（Windows 上不限内存）。",
)
@click.option(
    "--rest",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    metavar="秒",
    help="收件箱空闲多少秒后停止预热的归档进程、释放内存（之后放入的第一个文件多等一两秒）。",
)
@click.pass_context
def watch(ctx: click.Context, once: bool, polling: bool, delay: float, timeout: float, memory: int,
          rest: float) -> None:  # fmt: skip
    """监视收件箱 inbox/：放入的输入文件自动归档；出错的移到 inbox/rejected/ 并附说明。"""
    from pipeline.watch import Settings
    from pipeline.watch import Watcher

    workspace = _workspace(ctx)

    def report(result: Any) -> None:
        when = dt.datetime.now(intake.workspace_zone(workspace)).strftime("%H:%M:%S")
        if result.outcome == "已归档":
            note = f"；{result.note}" if result.note else ""
            click.echo(f"{when} 收到 {result.name}：已归档 {result.archive_code}（{result.seconds:.2f} 秒{note}）")
        elif result.outcome == "已登记":
            click.echo(f"{when} 收到 {result.name}：已登记 {result.archive_code} {result.note}")
        elif result.outcome == "重复":
            click.echo(f"{when} 收到 {result.name}：与 {result.archive_code} 内容相同，已移到 inbox/duplicates/")
        else:
            lines = [ln.strip() for ln in result.reason.splitlines() if ln.strip()]
            why = lines[1] if len(lines) > 1 and lines[0].endswith("问题：") else (lines[0] if lines else "")
            click.echo(f"{when} 收到 {result.name}：已退回到 inbox/rejected/（{why}）", err=True)

    watcher = Watcher(
        workspace, Settings(delay=delay, polling=polling, timeout=timeout, memory=memory, rest=rest), report
    )
    if once:
        watcher.run_once()
        return
    how = "文件关闭事件与写入租约" if watcher.inbox.leases else "文件大小和时间保持不变"
    click.echo(
        f"正在监视 {workspace.inbox}（{'轮询' if polling else '文件事件'}；以{how}判断写入完成；按 Ctrl+C 停止）……"
    )
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
    today = _today(workspace).isoformat()
    counts["今天归档"] = sum(1 for e in store.entries() for v in store.versions(e.identity) if v[3].startswith(today))
    store.close()
    if as_json:
        _echo_json(counts)
        return
    click.echo("；".join(f"{k} {v} 件" for k, v in counts.items()))
