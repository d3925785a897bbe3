"""A FIFO (named pipe), or a socket, put in the archive: `fawen archive verify` never opens it (a
FIFO would block it forever) and names it as a finding, whatever it takes the place of: a filed
file, an extra file in a version, the filing register (归档登记簿), a metadata record the index is
rebuilt from, a 处置记录, the 联络员备案 or the 办理反馈 log.

Every case runs the real command in a child process with a timeout: a hang fails the test
instead of hanging the run. A few examples are filed once per module; each case works on a copy of
the whole workspace (its outbox and the workspace's .fawen/ registry)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import run
from pipeline.store import workspace as ws_store
from tests.conftest import EXAMPLES
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone.utc)
FILED = ("001-印发制度的通知.yaml", "002-全体会议通知.yaml")
GUARD = 120  # seconds: verify of two 件 takes a second or two; a FIFO opened would block it forever
FIFO = "不是普通文件（命名管道），档案中只应有普通文件"


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The workspace with the examples filed, and the first 件's folder relative to outbox/."""
    root = tmp_path_factory.mktemp("special") / "ws"
    ws_store.init(root)
    shutil.copytree(EXAMPLES, root / "examples")
    workspace = ws_store.load(root)
    versions = [run.file_document(root / "examples" / name, workspace, TODAY, NOW).folder for name in FILED]
    first = versions[0]
    assert first is not None and first.name == "v1"
    return root, first.parent.relative_to(root / "outbox").as_posix()


@pytest.fixture
def copy(filed: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "ws"
    shutil.copytree(filed[0], root, symlinks=True)
    return root, filed[1]


def verify(root: Path) -> tuple[int, list[str]]:
    """Exit code and the lines that report a problem (✗ <name>：<problems>), from the real command."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}
    done = subprocess.run([sys.executable, "-m", "pipeline", "-w", str(root), "archive", "verify"], cwd=root, env=env,
                          capture_output=True, encoding="utf-8", timeout=GUARD)  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [ln for ln in done.stdout.splitlines() if ln.startswith("✗")]


def replace_with_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


# ---- the cases: each puts something that is not a regular file in the archive, and returns the
# ---- line the report must hold (the path named, then what it is)


def original_replaced_by_a_fifo(outbox: Path, entry: str) -> str:
    replace_with_fifo(outbox / entry / "v1" / "正本.pdf")
    return f"✗ {entry}/v1/正本.pdf：{FIFO}"


def fifo_added_to_a_version(outbox: Path, entry: str) -> str:
    os.mkfifo(outbox / entry / "v1" / "说明.pdf")
    return f"✗ {entry}/v1/说明.pdf：{FIFO}"


def register_replaced_by_a_fifo(outbox: Path, entry: str) -> str:
    replace_with_fifo(outbox / "归档登记簿.jsonl")
    return f"✗ 归档登记簿.jsonl：{FIFO}"


def metadata_replaced_by_a_fifo_and_the_index_deleted(outbox: Path, entry: str) -> str:
    replace_with_fifo(outbox / entry / "v1" / "元数据.json")
    for index in (outbox / ".fawen").glob("index.db*"):  # opening the archive rebuilds it from the records
        index.unlink()
    return f"✗ {entry}/v1/元数据.json：{FIFO}"


def disposition_log_as_a_fifo(outbox: Path, entry: str) -> str:
    os.mkfifo(outbox / entry / "处置记录.jsonl")
    return f"✗ {entry}/处置记录.jsonl：{FIFO}"


def liaison_log_as_a_fifo(outbox: Path, entry: str) -> str:
    os.mkfifo(outbox / "联络员备案.jsonl")  # read with the workspace by every command, verify included
    return f"✗ 联络员备案.jsonl：{FIFO}"


def progress_log_as_a_fifo(outbox: Path, entry: str) -> str:
    (outbox / "督办反馈").mkdir()
    os.mkfifo(outbox / "督办反馈" / "反馈记录.jsonl")
    return f"✗ 督办反馈/反馈记录.jsonl：督办反馈/反馈记录.jsonl {FIFO}"


def socket_added_to_a_version(outbox: Path, entry: str) -> str:
    here = Path.cwd()
    os.chdir(outbox / entry / "v1")  # a socket's path is limited to about 100 bytes: bound by a relative one
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind("通信.sock")
    finally:
        os.chdir(here)
    return f"✗ {entry}/v1/通信.sock：不是普通文件（套接字），档案中只应有普通文件"


CASES = [original_replaced_by_a_fifo, fifo_added_to_a_version, register_replaced_by_a_fifo,
         metadata_replaced_by_a_fifo_and_the_index_deleted, disposition_log_as_a_fifo, liaison_log_as_a_fifo,
         progress_log_as_a_fifo, socket_added_to_a_version]  # fmt: skip


def test_the_copy_verifies_clean(copy: tuple[Path, str]) -> None:
    assert verify(copy[0]) == (0, [])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_a_special_file_is_named_never_opened(copy: tuple[Path, str], case: Callable[[Path, str], str]) -> None:
    root, entry = copy
    expected = case(root / "outbox", entry)
    code, problems = verify(root)
    assert code == 1, problems
    assert any(line.startswith(expected) for line in problems), (expected, problems)
