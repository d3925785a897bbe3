"""Filing one inbox input in a child process, within a time and memory budget.

The inbox is writable by anyone, and although validation bounds sizes, aliases and depth, the
watcher does not rely on it: a pathological attachment or a plain bug must cost one input, never
the inbox. Each input is filed by a worker process (``python -m pipeline.worker``) that has fonts
and templates loaded already; before each input it limits its own address space to what it uses
now plus the memory budget (RLIMIT_AS, where the system has it), and the watcher kills it when the
time budget is spent. A standby worker warms up meanwhile, so a kill costs no start-up delay.

A worker killed mid-filing leaves no half version: versions are built in the archive's staging
folder and renamed into place, SQLite drops a dead process's locks, and ``run.recover_filing``
(called at once, under the archive lock) clears the staging folder and settles the numbers the
dead worker had reserved (issued if its version landed, else voided).

Messages are JSON lines on the worker's stdin and stdout (no multiprocessing: ``python -m
pipeline`` has an unguarded ``__main__`` that a spawned child would run again).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import queue
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline import intake
from pipeline.frozen import frozen

try:
    import resource
except ImportError:  # Windows: no RLIMIT_AS; the time budget still holds
    resource = None  # type: ignore[assignment]

MB = 1024 * 1024
START_SECONDS = 180.0  # a cold worker imports and loads fonts: seconds, far more on a busy machine


@frozen
class Reply:
    """How one input ended in a worker: 已归档, 已登记 (a 办理反馈), 重复 or 退回 (with the message a
    person reads; for 重复, the note when the worker gives one)."""

    outcome: str
    archive_code: str = ""
    version: int = 0
    completed: tuple[str, ...] = ()
    reason: str = ""
    note: str = ""  # what was recorded, for an input that is recorded rather than filed (已登记)


class Worker:
    """One child process, seen from the watcher."""

    def __init__(self, root: Path, megabytes: int) -> None:
        package_home = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (package_home, os.environ.get("PYTHONPATH"))))}
        env["MALLOC_ARENA_MAX"] = "2"  # glibc reserves 64 MB of address space per thread otherwise
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.worker", str(root), str(megabytes), str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, **_detached(),
        )  # fmt: skip
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.ready = False
        self.idle_since = time.monotonic()
        threading.Thread(target=self._read, daemon=True, name=f"fawen-worker-{self.process.pid}").start()

    def _read(self) -> None:
        """Pipes cannot be waited on with a timeout everywhere (Windows): a thread reads them."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                self.replies.put(json.loads(line))
            except ValueError:
                continue  # not ours (a library printing to stdout)
        self.replies.put(None)

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.ready:
            message = self._next(deadline)
            if message is None:
                return False
            self.ready = bool(message.get("ready"))
        return True

    def _next(self, deadline: float) -> dict[str, Any] | None:
        try:
            message = self.replies.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        if message is None:
            self.replies.put(None)  # the pipe closed: every later look sees it too
        return message

    def send(self, job: dict[str, Any]) -> bool:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode("ascii"))
            self.process.stdin.flush()
        except OSError:  # it died between jobs
            return False
        return True

    def stop(self) -> int:
        """Kill it and reap it: a zombie would still count as alive to the number registry."""
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()  # type: ignore[union-attr]
            except OSError:
                pass
        return code


def _detached() -> dict[str, Any]:
    """Ctrl+C in a terminal reaches the whole process group: the worker must finish the input in
    hand (the watcher stops it when it is done), so it gets a group of its own."""
    if sys.platform == "win32":  # os.name == "nt", in the form type checkers follow
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


class _Spawner:
    """Workers are started from one thread that lives as long as the watcher: on Linux a child's
    parent-death signal (``_orphan_guard``) fires when the *thread* that started it ends, and the
    watcher's threads for inputs in hand are short-lived."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[Callable[[], Worker], queue.Queue[Worker | BaseException]]] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self, make: Callable[[], Worker]) -> Worker:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, daemon=True, name="fawen-spawner")
                self.thread.start()
        box: queue.Queue[Worker | BaseException] = queue.Queue(1)
        self.jobs.put((make, box))
        made = box.get()
        if isinstance(made, BaseException):
            raise made
        return made

    def _run(self) -> None:
        while True:
            make, box = self.jobs.get()
            try:
                box.put(make())
            except BaseException as exc:  # noqa: BLE001 — handed to the caller
                box.put(exc)


_SPAWNER = _Spawner()


class Pool:
    """Warm workers for up to ``lanes`` inputs at once, and a standby warm beside them; a
    worker over budget is killed and replaced. Thread-safe: the watcher calls it from one thread
    per input in hand."""

    IDLE = 120.0  # seconds after which a worker beyond ``spare`` is stopped, its memory returned

    def __init__(self, workspace: Any, seconds: float, megabytes: int, lanes: int = 1) -> None:
        self.workspace = workspace
        self.seconds = seconds
        self.megabytes = megabytes
        self.lanes = max(1, lanes)
        self.spare = self.lanes + 1  # warm workers kept: one per lane and one standby
        self.idle: list[Worker] = []  # the longest idle last
        self.busy = 0
        self.closed = False
        self.cond = threading.Condition()

    def _spawn(self) -> Worker:
        return _SPAWNER.start(lambda: Worker(self.workspace.root, self.megabytes))

    def start(self) -> None:
        """Start warming now: the first input should not wait for fonts to load."""
        with self.cond:
            self.closed = False
            while len(self.idle) < self.spare:
                self.idle.append(self._spawn())

    def file(self, path: Path) -> Reply:
        message = self._call({"path": str(path)}, path.name)
        if isinstance(message, str):
            return Reply("退回", reason=message)
        return Reply(message["outcome"], message.get("code", ""), message.get("version", 0),
                     tuple(message.get("completed", ())), message.get("reason", ""), message.get("note", ""))  # fmt: skip

    def named_files(self, name: str, suffix: str, data: bytes) -> list[str] | str | None:
        """The files an input's bytes name (attachments, ledger); None when they do not parse;
        a reason (str) when parsing them ran over the budget. Parsed in a worker too: the watcher
        trusts no input's bytes in its own process."""
        message = self._call({"parse": base64.b64encode(data).decode("ascii"), "name": name, "suffix": suffix}, name)
        return message if isinstance(message, str) else message.get("names")

    def _call(self, job: dict[str, Any], name: str) -> dict[str, Any] | str:
        """One job in a ready worker: its reply, or why it gave none (a reason a person reads)."""
        worker = self._take()
        if worker is None:
            return f"{name}：无法启动归档进程，未处理。请把此文件交给系统管理员。"
        if not worker.send(job):
            return self._lost(worker, name, "")
        message = worker._next(time.monotonic() + self.seconds)
        if message is None:
            return self._lost(worker, name, f"处理超时（超过 {self.seconds:g} 秒），已停止处理")
        if message.get("memory"):
            return self._lost(worker, name, f"占用内存超过 {self.megabytes} MB，已停止处理")
        self._give(worker)
        return message

    def _take(self) -> Worker | None:
        """A ready worker of this caller's own (the oldest idle one, else a new one), with a
        standby started whenever none is left idle; None when none would start."""
        for _attempt in range(2):
            with self.cond:
                while self.busy >= self.lanes:
                    self.cond.wait()
                ready = [w for w in self.idle if w.wait_ready(0)]  # a warm one, else the one warming longest
                worker = ready[0] if ready else self.idle[0] if self.idle else self._spawn()
                if worker in self.idle:
                    self.idle.remove(worker)
                self.busy += 1
                if not self.idle:
                    self.idle.append(self._spawn())  # warming for the next input
            if worker.process.poll() is None and worker.wait_ready(START_SECONDS):
                return worker
            worker.stop()
            self._release()
        return None

    def _release(self) -> None:
        with self.cond:
            self.busy -= 1
            self.cond.notify()

    def _give(self, worker: Worker) -> None:
        """Back to the idle workers, first in line (warm already); workers beyond the spares
        that have not been needed for ``IDLE`` seconds are stopped."""
        worker.idle_since = time.monotonic()
        with self.cond:
            stale: list[Worker] = [worker] if self.closed else []
            if not self.closed:
                self.idle.insert(0, worker)
                while len(self.idle) > self.spare and time.monotonic() - self.idle[-1].idle_since > self.IDLE:
                    stale.append(self.idle.pop())
        for old in stale:
            old.stop()
        self._release()

    def _lost(self, worker: Worker, name: str, why: str) -> str:
        """The worker ran over budget or died: stop it, settle what it left, reject the input."""
        code = worker.stop()
        with self.cond:
            if not self.closed:
                self.idle.append(self._spawn())  # warming at once: a kill costs the next input no start-up
        from pipeline import run  # noqa: PLC0415 — the watcher imports run anyway; kept local to this path

        run.recover_filing(self.workspace)
        self._release()
        if not why:
            why = f"处理进程意外退出（退出码 {code}），可能占用内存过多"
        return (f"{name}：{why}，已退回。\n这个文件可能已损坏或构造异常（例如附件 PDF 过于复杂）；"
                f"请检查后重新放入，或把它交给系统管理员。")  # fmt: skip

    def rest(self, quiet: float) -> int:
        """Stop every warm worker once none has been needed for ``quiet`` seconds (an idle watcher
        holds only its own memory); the next input starts one. The number stopped."""
        now = time.monotonic()
        with self.cond:
            if self.busy or not self.idle or any(now - w.idle_since < quiet for w in self.idle):
                return 0
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.stop()
        return len(idle)

    def close(self) -> None:
        with self.cond:
            idle, self.idle, self.closed = self.idle, [], True
        for worker in idle:
            worker.stop()


# ---- the child ------------------------------------------------------------------------------------


def _address_space() -> int:
    """This process's address space in bytes (what RLIMIT_AS counts); 0 where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    if resource is not None:  # macOS: max RSS (bytes there), a lower bound good enough for a budget
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return 0


def _limit_memory(megabytes: int) -> None:
    """Allow this input what the process holds now plus the budget; over it, MemoryError."""
    if resource is None or not hasattr(resource, "RLIMIT_AS"):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + megabytes * MB
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass  # some systems (macOS) refuse: the time budget still holds


def _orphan_guard(parent: int) -> None:
    """Die with the watcher: a worker left filing after it was killed would race the next one."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes  # noqa: PLC0415

            ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: at once, from the kernel
        except (OSError, AttributeError):
            pass
    from pipeline.store.registry import _alive  # noqa: PLC0415 — the package's one liveness test

    def watch() -> None:
        while _alive(parent) and (os.name == "nt" or os.getppid() == parent):
            time.sleep(0.2)
        os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _warm_up(workspace: Any) -> None:
    """Fonts, their coverage, the templates and the renderers load once per worker, not on a
    clerk's input."""
    from pipeline import run  # noqa: PLC0415

    run.load_renderers()  # filing's too (the stamps, the 发文稿纸, the OFD): the sample below only renders
    # in memory: a worker is killed at once when its watcher stops, often while warming up, and a
    # temporary folder would be left behind each time
    sample = "文种: 通知\n标题: 关于预热的通知\n主送: 各单位\n正文: 请知悉。\n".encode()
    try:
        req = intake.read_request(Path("预热.yaml"), workspace, dt.date.today(), data=sample)
        run.render_request(req, workspace)
    except Exception:  # noqa: BLE001 — best effort: a worker that could not warm up still works
        pass


def _file_one(path: Path, workspace: Any) -> dict[str, Any]:
    from pipeline import feedback  # noqa: PLC0415
    from pipeline import liaisonfile  # noqa: PLC0415
    from pipeline import petitioninfo  # noqa: PLC0415
    from pipeline import run  # noqa: PLC0415
    from pipeline.errors import FawenError  # noqa: PLC0415

    name = path.name
    kind = _not_a_file(path)
    if kind:  # the watcher claims regular files only; something swapped in after its look is not read
        from pipeline.inbox.outcome import misplaced_reason  # noqa: PLC0415

        return {"outcome": "退回", "reason": misplaced_reason(name, kind)}
    if intake.name_not_utf8(name):  # checked before the 办理反馈 and the other records read it too
        return {"outcome": "退回", "reason": intake.name_not_utf8(name)}
    try:
        now = dt.datetime.now(intake.workspace_zone(workspace))
        recorded = feedback.inbox_reply(path, workspace, now)  # a 办理反馈 is recorded, not filed
        recorded = recorded or liaisonfile.inbox_reply(path, workspace, now)  # so is a 联络员变更 (备案)
        recorded = recorded or petitioninfo.inbox_reply(path, workspace, now)  # and a 信访信息 (第十条)
        if recorded is not None:
            return recorded
        filed = run.file_document(path, workspace, now.date(), now)
    except FawenError as exc:
        return {"outcome": "退回", "reason": exc.message}
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 — one bad file never stops the others
        return {"outcome": "退回", "reason": f"处理 {name} 时出现意外错误：{type(exc).__name__}: {exc}\n"
                                             f"请把此文件和这段说明交给系统管理员。"}  # fmt: skip
    if filed.duplicate:
        return {"outcome": "重复", "code": filed.archive_code, "version": filed.version}
    return {
        "outcome": "已归档",
        "code": filed.archive_code,
        "version": filed.version,
        "completed": list(filed.completed),
    }


def _not_a_file(path: Path) -> str:
    """What a claimed input is when it is no regular file (a link, a FIFO …); '' for a file."""
    from pipeline.store.regular import kind_of  # noqa: PLC0415

    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return ""  # gone or unreadable: filing says so in its own words
    return "" if stat.S_ISREG(mode) else kind_of(mode)


def _named(job: dict[str, Any]) -> dict[str, Any]:
    """The files an input names, for the watcher to take along with it; None: it does not parse."""
    from pipeline.stages.parse import parse_input  # noqa: PLC0415

    try:
        raw = parse_input(job["name"], job["suffix"], base64.b64decode(job["parse"]))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 — FawenError, or a bug: filing it says what is wrong
        return {"names": None}
    found = raw.data.get("附件")
    items = found if isinstance(found, list) else []
    names = [str(a["文件"]) for a in items if isinstance(a, dict) and a.get("文件")]
    ledger = raw.data.get("督查事项")
    return {"names": names + ([ledger] if isinstance(ledger, str) else [])}


def serve(root: Path, megabytes: int, parent: int) -> None:
    """The worker's loop: one JSON job per line on stdin, one JSON reply per line on stdout."""
    from pipeline.store import workspace as ws_store  # noqa: PLC0415

    _orphan_guard(parent)
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies on the pipe
    workspace = ws_store.load(root)
    _warm_up(workspace)
    _send(out, {"ready": True})
    while line := sys.stdin.buffer.readline():  # empty: the watcher closed the pipe
        _limit_memory(megabytes)
        try:
            job = json.loads(line)
            reply = _named(job) if "parse" in job else _file_one(Path(job["path"]), workspace)
        except MemoryError:
            out.write(b'{"memory": true}\n')
            out.flush()
            os._exit(4)  # its heap may be in any state: the watcher starts another
        _send(out, reply)


def _send(out: Any, message: dict[str, Any]) -> None:
    out.write((json.dumps(message) + "\n").encode("ascii"))  # escaped: even a lone surrogate travels
    out.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
