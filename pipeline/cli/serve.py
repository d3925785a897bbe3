"""fawen serve: the archive and the inbox in a browser (pipeline.web), and the 拟文 form whose only
write is an input put into the inbox; and ``--set-password``, which stores the access password hashed in fawen.yaml."""

from __future__ import annotations

import asyncio
import re
import socket
import sys

import click

from pipeline import run
from pipeline.cli.common import EXIT_USAGE
from pipeline.cli.common import _fail
from pipeline.cli.common import _workspace
from pipeline.cli.common import main
from pipeline.errors import FawenError
from pipeline.store import workspace as ws_store

MIN_PASSWORD = 8
REQUEST_SECONDS = 10  # for a request to arrive whole (head and body), from its first byte or the connection
BAD_REQUEST = "请求无效：这不是完整、合法的 HTTP 请求（例如缺少 Host 头，或请求头过长）。\n"


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="监听的地址。默认只有本机能打开；要让局域网中的其他电脑访问（如 0.0.0.0），须先设置访问口令。",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8690, show_default=True, help="端口；0 表示任选一个空闲端口。"
)
@click.option(
    "--set-password",
    "set_password",
    is_flag=True,
    help="设置访问口令（只把散列写入 fawen.yaml 的「网页访问」），然后退出。",
)
@click.option("--password-stdin", is_flag=True, help="与 --set-password 同用：从标准输入读一行作为口令，不提示。")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, set_password: bool, password_stdin: bool) -> None:
    """在浏览器中浏览档案、检索、查看收件箱和编号登记，并可在线拟文（预览后放入收件箱）。打开它显示的地址即可。"""
    workspace = _workspace(ctx)
    if set_password:
        _store_password(workspace, _read_password(password_stdin))
        return
    from pipeline.web.security import is_loopback

    local = is_loopback(host)
    if not local and not workspace.config.web_password_hash:
        click.echo(f"错误：拒绝在 {host} 上启动：这样局域网中的其他电脑也能打开档案，须先设置访问口令：\n"
                   f"  fawen serve --set-password\n然后再用 --host {host} 启动（打开网页时要输入口令）。"
                   f"只在本机使用时不要写 --host。", err=True)  # fmt: skip
        sys.exit(EXIT_USAGE)
    sock = _listen(host, port)
    _run(workspace, sock, local)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("新的访问口令", hide_input=True, confirmation_prompt="再输入一次")
    if len(password) < MIN_PASSWORD:
        click.echo(f"错误：口令太短：至少 {MIN_PASSWORD} 个字符。", err=True)
        sys.exit(EXIT_USAGE)
    return password


def _store_password(workspace: ws_store.Workspace, password: str) -> None:
    """Replace (or add) the 网页访问 block of fawen.yaml, leaving every other line as written, and
    check the result like any configuration before it replaces the file."""
    from pipeline.configuration import read_config
    from pipeline.web.security import hash_password

    path = workspace.root / ws_store.CONFIG_NAME
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    kept, skipping = [], False
    for line in lines:
        if re.match(r"^网页访问\s*:", line):
            skipping = True
            continue
        if skipping and (not line.strip() or line[0] in " \t"):  # the block's own lines
            continue
        skipping = False
        kept.append(line)
    text = "\n".join(kept).rstrip("\n") + "\n"
    text += f"网页访问:          # fawen serve 的访问口令，只存散列；改口令用 fawen serve --set-password\n  口令散列: {hash_password(password)}\n"
    try:
        read_config(str(path), text.encode("utf-8"))
    except FawenError as exc:
        _fail(exc)
    run.write_atomically(path, text.encode("utf-8"))
    click.echo(f"已设置访问口令（散列写入 {path} 的「网页访问」）。用 fawen serve --host 0.0.0.0 让局域网访问。")


def _listen(host: str, port: int) -> socket.socket:
    """Bind here, so a taken port is said in Chinese and --port 0 gets a free one."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        reason = "端口已被占用（另一个 fawen serve 还开着？）" if "in use" in str(exc) else (exc.strerror or str(exc))
        click.echo(f"错误：无法在 {host}:{port} 上监听：{reason}。可用 --port 换一个端口。", err=True)
        sys.exit(EXIT_USAGE)
    return sock


def _run(workspace: ws_store.Workspace, sock: socket.socket, local: bool) -> None:
    import uvicorn

    from pipeline.web import create_app
    from pipeline.web.site import Busy

    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"fawen 档案网页已启动：http://{shown}:{port}/")
    if not local:
        click.echo("  局域网中的其他电脑用本机的地址打开；打开时须输入访问口令。")
    click.echo("  在浏览器中打开上面的地址。按 Ctrl+C 停止。")
    sys.stdout.flush()
    # uvicorn's own lines are English: only its errors reach the console, the rest is said above
    app = Busy(create_app(workspace, local_only=local), workspace)
    config = uvicorn.Config(app, log_level="error", access_log=False, server_header=False, proxy_headers=False,
                            lifespan="off", timeout_keep_alive=5, http=_protocol())  # fmt: skip
    server = uvicorn.Server(config)
    app.connections = server.server_state.connections  # Busy refuses past MAX_CONNECTIONS, in Chinese
    server.run(sockets=[sock])
    click.echo("已停止。")


def _protocol() -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, changed twice. uvicorn (0.55) has no timeout for a request to
    arrive, only for the wait between requests: a connection that sent nothing, half a head or
    half a body stayed open for ever, and enough of them made uvicorn refuse everyone. Here a
    request must arrive whole within REQUEST_SECONDS of its first byte (or of the connection), or
    the connection is closed. And what is no HTTP (no Host header …) is refused in Chinese."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    from pipeline.web.security import HEADERS

    waiting = (h11.IDLE, h11.SEND_BODY)  # the client's states before its request is all there

    class Protocol(H11Protocol):
        deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            super().connection_lost(exc)

        def _watch(self) -> None:
            """Start the clock at a request's first byte; it is not reset by more bytes, so
            dribbling a byte at a time gains nothing. Stop it when the request is all there."""
            if self.conn.their_state not in waiting:
                self._cancel()
            elif self.deadline is None:
                self.deadline = self.loop.call_later(REQUEST_SECONDS, self._expired)

        def _cancel(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def _expired(self) -> None:
            self.deadline = None
            if self.conn.their_state in waiting and not self.transport.is_closing():
                self.transport.close()

        def send_400_response(self, msg: str) -> None:
            body = BAD_REQUEST.encode("utf-8")
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                       (b"connection", b"close"), *HEADERS]  # fmt: skip
            for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                          h11.EndOfMessage()):  # fmt: skip
                self.transport.write(self.conn.send(event) or b"")
            self.transport.close()

    return Protocol
