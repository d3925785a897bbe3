"""What keeps the archive's window closed: who may listen where, the access password (hashed
only), sessions, and the headers every response carries.

The rules (issue 10): loopback by default; any other address only with a password configured;
with a password, every page but the login page asks for it. Pages are read-only GETs, so the
session cookie is SameSite=Strict and HttpOnly; the login form itself checks Origin. The one
form that writes (拟文, /new: it puts an input into the inbox) checks Origin too and carries a
token (form_token) that only a page of this server, in this session, can have read. A server on loopback answers only Host names of this machine, so a
web page elsewhere cannot reach it by rebinding a DNS name to 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import quote

Scope = MutableMapping[str, Any]  # as ASGI servers and Starlette give them
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "fawen_session"
SESSION_SECONDS = 12 * 3600  # a working day: the office's machines are shared
OPEN_PATHS = ("/login", "/static/")  # what a visitor without a session may load
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]", "::1")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 16 MiB, ~50 ms: slow for a guesser, quick for a person
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")  # fmt: skip
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def is_loopback(host: str) -> bool:
    """Whether an address to listen on reaches this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to a LAN address


def hash_password(password: str) -> str:
    """scrypt$n$r$p$salt$key (hex): what fawen.yaml keeps instead of the password."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    """The password against a stored scrypt or PBKDF2 hash, in constant time."""
    parts = stored.split("$")
    given = password.encode("utf-8")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            salt, key = bytes.fromhex(parts[4]), bytes.fromhex(parts[5])
            derived = hashlib.scrypt(given, salt=salt, n=n, r=r, p=p, dklen=len(key), maxmem=256 * 1024 * 1024)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            salt, key = bytes.fromhex(parts[2]), bytes.fromhex(parts[3])
            derived = hashlib.pbkdf2_hmac("sha256", given, salt, int(parts[1]), dklen=len(key))
        else:
            return False
    except (ValueError, OverflowError, MemoryError):
        return False
    return hmac.compare_digest(derived, key)


class Sessions:
    """Session tokens kept in this process only: a restart asks everyone to log in again."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self.failures = 0  # wrong passwords since the last right one: each costs the guesser more

    def new(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._expiry = {t: e for t, e in self._expiry.items() if e > now}
            self._expiry[token] = now + SESSION_SECONDS
        return token

    def valid(self, token: str | None) -> bool:
        with self._lock:
            return bool(token) and self._expiry.get(token or "", 0) > time.monotonic()

    def end(self, token: str | None) -> None:
        with self._lock:
            self._expiry.pop(token or "", None)


def form_token(secret: bytes, session: str | None) -> str:
    """The token a drafting form's POSTs carry: made by this server process for this session
    (a page elsewhere cannot read it, and without a password there is no session to steal)."""
    return hmac.new(secret, (session or "").encode("latin-1", "replace"), hashlib.sha256).hexdigest()


def same_origin(scope: Scope) -> bool:
    """A POST sent by a page of this site: Origin, when the browser sends it, names this Host;
    without Origin, Sec-Fetch-Site must not say another site sent it."""
    origin, host = header(scope, b"origin"), header(scope, b"host")
    if origin:
        return origin.split("://", 1)[-1] == host
    return header(scope, b"sec-fetch-site") in ("", "same-origin", "none")


def session_cookie(token: str, max_age: int = SESSION_SECONDS) -> str:
    return f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"


def cookie_value(scope: Scope, name: str = COOKIE) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def header(scope: Scope, name: bytes) -> str:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", [])
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return ""


class Guard:
    """ASGI middleware around the whole application (its error pages included): the Host check,
    the login gate, and the security headers on every response."""

    def __init__(self, app: ASGIApp, sessions: Sessions, password: bool, local_only: bool) -> None:
        self.app, self.sessions, self.password, self.local_only = app, sessions, password, local_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await _plain_response(send_with_headers, *refusal)
            return
        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """(status, text, headers) when the request goes no further."""
        host = header(scope, b"host").lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if self.local_only and name not in LOCAL_NAMES:
            return 421, "只接受本机的访问（请用 http://127.0.0.1 打开）。", []
        path = scope.get("path", "")
        if not self.password or path.startswith(OPEN_PATHS) or self.sessions.valid(cookie_value(scope)):
            return None
        target = path + (("?" + scope["query_string"].decode("latin-1")) if scope.get("query_string") else "")
        location = "/login?next=" + quote(target, safe="")
        return 303, "请先登录。", [(b"location", location.encode("ascii"))]


async def _plain_response(send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
