"""The files an input names are taken along from the inbox only when they are plainly the
input's own: anyone on the office network may drop an input, and the names in it must never move
a file from elsewhere — the archive, fawen.yaml, a folder a link points to, another input."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from pipeline.store.inbox import Inbox
from tests.conftest import EXAMPLES
from tests.support import filed_records

PDF = (EXAMPLES / "附件" / "核查报告.pdf").read_bytes()


@pytest.fixture
def inbox(tmp_path):
    root = tmp_path / "ws" / "inbox"
    root.mkdir(parents=True)
    (root / "附件").mkdir()
    (root / "附件" / "报告.pdf").write_bytes(PDF)
    (root / "a.yaml").write_text("文种: 通知\n", encoding="utf-8")
    return Inbox(root)


def test_the_inputs_own_files_are_taken_along_whichever_slash_it_writes(inbox):
    assert inbox.takeable("附件/报告.pdf") == (inbox.root / "附件" / "报告.pdf", "附件/报告.pdf")
    assert inbox.takeable("附件\\报告.pdf") == (inbox.root / "附件" / "报告.pdf", "附件/报告.pdf")
    assert inbox.takeable("./附件/报告.pdf") == (inbox.root / "附件" / "报告.pdf", "附件/报告.pdf")


@pytest.mark.parametrize(
    "name",
    ["../fawen.yaml", "../../victim/secret.txt", "附件/../../fawen.yaml", "..\\fawen.yaml", "/etc/hostname",
     "C:\\Windows\\win.ini", "C:附件.pdf", "\\\\server\\share\\a.pdf", "rejected/x.pdf", ".processing/1-a/x.pdf",
     "duplicates/x.pdf", "other.yaml", "附件", "附件/missing.pdf", "附件/\0.pdf", ""],
)  # fmt: skip
def test_a_name_outside_the_inbox_or_in_fawens_own_folders_is_never_taken(inbox, name):
    (inbox.root.parent / "fawen.yaml").write_text("机关: 甲\n", encoding="utf-8")
    (inbox.root / "other.yaml").write_text("文种: 通知\n", encoding="utf-8")
    (inbox.root / "rejected" / "x.pdf").write_bytes(PDF)
    assert inbox.takeable(name) is None


def test_links_and_special_files_are_never_taken(inbox, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "重要文件.pdf").write_bytes(PDF)
    (inbox.root / "链接").symlink_to(outside, target_is_directory=True)
    (inbox.root / "附件" / "链接.pdf").symlink_to(outside / "重要文件.pdf")
    os.mkfifo(inbox.root / "附件" / "管道.pdf")
    for name in ("链接/重要文件.pdf", "附件/链接.pdf", "附件/管道.pdf"):
        assert inbox.takeable(name) is None, name


def test_a_claim_moves_the_input_and_its_own_files_and_nothing_else(inbox, tmp_path):
    workspace = inbox.root.parent
    (workspace / "fawen.yaml").write_text("机关: 甲\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("秘密", encoding="utf-8")
    (inbox.root / "链接").symlink_to(outside, target_is_directory=True)
    names = ["附件/报告.pdf", "../fawen.yaml", "../../outside/secret.txt", str(outside / "secret.txt"), "链接/secret.txt"]
    claim = inbox.claim(inbox.root / "a.yaml", names)
    assert claim is not None
    assert [rel.relative_to(claim.folder).as_posix() for _source, rel in claim.moved] == ["附件/报告.pdf"]
    assert (workspace / "fawen.yaml").is_file() and (outside / "secret.txt").read_text(encoding="utf-8") == "秘密"
    assert not (inbox.root / "附件" / "报告.pdf").exists()


def test_an_input_naming_the_archive_and_the_configuration_takes_neither(workspace):
    """The watcher, end to end: the input is refused for its attachment names, and the files it
    named are where they were, byte for byte; the archive still verifies."""
    fawen = [sys.executable, "-m", "pipeline"]
    first = workspace.inbox / "first.yaml"
    first.write_text("文种: 通知\n标题: 关于正常工作的通知\n正文: 请落实。\n成文日期: 2026-11-24\n", encoding="utf-8")
    subprocess.run([*fawen, "watch", "--once"], cwd=workspace.root, capture_output=True, check=True, timeout=300)
    (record,) = filed_records(workspace.outbox)
    pdf = record.parent / "正本.pdf"
    config, register = workspace.root / "fawen.yaml", workspace.outbox / "归档登记簿.jsonl"
    before = {p: p.read_bytes() for p in (pdf, config, register)}
    outside = workspace.root.parent / "victim"
    outside.mkdir()
    (outside / "secret.txt").write_text("秘密", encoding="utf-8")
    hostile = (f"文种: 通知\n标题: 关于附件的通知\n正文: 请查收。\n成文日期: 2026-11-24\n附件:\n"
               f"  - {{名称: 正本, 文件: \"../{pdf.relative_to(workspace.root).as_posix()}\"}}\n"
               f"  - {{名称: 配置, 文件: ../fawen.yaml}}\n  - {{名称: 外部, 文件: ../../victim/secret.txt}}\n"
               f"  - {{名称: 绝对, 文件: {outside / 'secret.txt'}}}\n"
               f"督查事项: ../outbox/归档登记簿.jsonl\n")  # fmt: skip
    (workspace.inbox / "hostile.yaml").write_text(hostile, encoding="utf-8")
    done = subprocess.run([*fawen, "watch", "--once"], cwd=workspace.root, capture_output=True, text=True, timeout=300)
    assert {p: p.read_bytes() for p in before} == before
    assert (outside / "secret.txt").read_text(encoding="utf-8") == "秘密"
    reason = (workspace.inbox / "rejected" / "hostile.yaml.error.txt").read_text(encoding="utf-8")
    assert "附件" in reason and "Traceback" not in reason and "Error" not in reason, reason
    assert not any((workspace.inbox / ".processing").iterdir())
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and "ValueError" not in log, log
    verify = subprocess.run([*fawen, "archive", "verify"], cwd=workspace.root, capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr + done.stdout
    shutil.rmtree(outside)


def test_a_file_an_input_names_but_cannot_be_taken_is_refused_on_its_line(workspace):
    from pipeline import run
    from pipeline.errors import InputError
    from tests.conftest import TODAY

    head = "文种: 通知\n标题: 关于测试的通知\n正文: 请落实。\n成文日期: 2026-11-24\n附件:\n  - 名称: 甲\n"
    for name, line in (("附件/没有.pdf", 7), ("../fawen.yaml", 7)):
        path = workspace.root / "att.yaml"
        path.write_text(head + f"    文件: {name}\n", encoding="utf-8")
        with pytest.raises(InputError) as caught:
            run.read_request(path, workspace, TODAY)
        assert [(p.key, p.line) for p in caught.value.problems] == [("附件[1].文件", line)], caught.value.message


def test_a_file_name_with_a_line_break_makes_one_log_line(workspace):
    from tests.test_watch import Running
    from tests.test_watch import notice

    r = Running(workspace)
    try:
        (workspace.inbox / "甲\n2026-11-24T09:00:00+08:00\tforged.yaml").write_text(notice(1), encoding="utf-8")
        (result,) = r.wait(1, timeout=60)
    finally:
        r.stop()
    assert result.outcome == "已归档", result.reason
    lines = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and "甲\\x0a2026-11-24T09:00:00+08:00\\x09forged.yaml" in lines[0], lines


def test_entries_named_as_inputs_that_are_no_files_are_set_aside_unread(workspace, tmp_path):
    """A link named like an input may point at any file of this machine: the watcher used to
    follow it and file what it pointed at. Links, FIFOs and folders are moved to rejected/ as
    they are, with a reason and a log line, and nothing they point at is read or archived."""
    from tests.test_watch import Running
    from tests.test_watch import notice

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "别人的通知.yaml"
    secret.write_text(notice(9), encoding="utf-8")
    inbox = workspace.inbox
    (inbox / "链接.yaml").symlink_to(secret)
    (inbox / "断链.json").symlink_to(outside / "没有.json")
    os.mkfifo(inbox / "管道.md")
    (inbox / "文件夹.yaml").mkdir()
    (inbox / "文件夹.yaml" / "里面.txt").write_text("内容", encoding="utf-8")
    (inbox / "正常.yaml").write_text(notice(1), encoding="utf-8")
    r = Running(workspace)
    try:
        results = {x.name: x for x in r.wait(5, timeout=60)}
    finally:
        r.stop()
    assert results["正常.yaml"].outcome == "已归档", results["正常.yaml"]
    kinds = {"链接.yaml": "符号链接", "断链.json": "符号链接", "管道.md": "命名管道", "文件夹.yaml": "文件夹"}
    rejected = inbox / "rejected"
    for name, kind in kinds.items():
        assert results[name].outcome == "退回" and f"而是{kind}" in results[name].reason, results[name]
        note = (rejected / f"{name}.error.txt").read_text(encoding="utf-8")
        assert name in note and "应为" in note, note
        assert not os.path.lexists(inbox / name)
    assert os.readlink(rejected / "链接.yaml") == str(secret) and os.readlink(rejected / "断链.json") == str(outside / "没有.json")
    assert stat.S_ISFIFO(os.lstat(rejected / "管道.md").st_mode)
    assert (rejected / "文件夹.yaml" / "里面.txt").read_text(encoding="utf-8") == "内容"
    assert secret.read_text(encoding="utf-8") == notice(9)
    assert len(list(filed_records(workspace.outbox))) == 1  # what the link pointed at was not filed
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("\t")[1] for line in log) == sorted([*kinds, "正常.yaml"])


def test_a_link_or_fifo_swapped_in_after_the_listing_is_never_read(inbox, tmp_path):
    """Between the watcher's listing and its reading, or once claimed, the input may be
    replaced: a link is not followed and a FIFO not opened for reading, by the watcher or by the
    worker that files it."""
    from pipeline import worker

    target = tmp_path / "别处.yaml"
    target.write_text("文种: 通知\n标题: 别处\n正文: 别处。\n", encoding="utf-8")
    (inbox.root / "a.yaml").unlink()
    (inbox.root / "a.yaml").symlink_to(target)
    os.mkfifo(inbox.root / "b.yaml")
    assert inbox.snapshot(inbox.root / "a.yaml") is None
    assert inbox.snapshot(inbox.root / "b.yaml") is None
    reply = worker._file_one(inbox.root / "a.yaml", None)
    assert reply["outcome"] == "退回" and "符号链接" in reply["reason"], reply
    reply = worker._file_one(inbox.root / "b.yaml", None)
    assert reply["outcome"] == "退回" and "命名管道" in reply["reason"], reply


def test_a_claim_of_a_watcher_on_another_machine_is_not_taken_up_as_abandoned(inbox):
    """Watchers on two machines may share an inbox on the network: a claim folder of the other
    machine's watcher names a process id that means nothing here, and is left to it."""
    from pipeline.store import inbox as inbox_store

    pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()  # fmt: skip
    for name in (f"{pid}-aaaaaaaaaaaa-{inbox_store._HOST_TAG}", f"{pid}-bbbbbbbbbbbb-0123abcd", f"{pid}-cccccccccccc"):
        folder = inbox.root / inbox_store.PROCESSING / name
        folder.mkdir(parents=True)
        (folder / "a.yaml").write_text("文种: 通知\n", encoding="utf-8")
    taken = sorted(c.folder.name for c in inbox.abandoned())
    assert taken == [f"{pid}-aaaaaaaaaaaa-{inbox_store._HOST_TAG}", f"{pid}-cccccccccccc"]  # this machine's, and the old form
    claim = inbox.claim(inbox.root / "a.yaml", [])
    assert claim is not None and claim.folder.name.endswith("-" + inbox_store._HOST_TAG)


def test_a_file_name_that_is_not_utf8_is_refused_in_words_and_the_watcher_goes_on(workspace):
    """An input unzipped from a Windows archive keeps its GBK name, which the system hands over as
    lone surrogates: writing it to watch.log stopped `fawen watch` altogether (anyone on the
    network could), and filing it failed with an English UnicodeEncodeError."""
    from tests.test_watch import Running
    from tests.test_watch import notice

    inbox = os.fsencode(workspace.inbox)
    gbk = inbox + b"/" + "关于通知".encode("gbk") + b".yaml"
    with open(gbk, "wb") as fh:
        fh.write(notice(1).encode("utf-8"))
    with open(inbox + b"/" + "坏的".encode("gbk") + b".yaml", "wb") as fh:
        fh.write(b"x: [")
    r = Running(workspace)
    try:
        first = r.wait(2, timeout=60)
        (workspace.inbox / "正常.yaml").write_text(notice(2), encoding="utf-8")  # the watcher is still there
        (after,) = r.wait(1, timeout=60)
    finally:
        r.stop()
    assert after.name == "正常.yaml" and after.outcome == "已归档", after
    assert all(x.outcome == "退回" and "\\x" in x.name for x in first), first
    reasons = " ".join(x.reason for x in first)
    assert "不是 UTF-8 编码" in reasons and "Error" not in reasons, reasons
    rejected = os.fsencode(workspace.inbox / "rejected")
    assert os.path.exists(rejected + b"/" + "关于通知".encode("gbk") + b".yaml")  # kept, name and bytes as dropped
    log = (workspace.root / ".fawen" / "watch.log").read_text(encoding="utf-8").splitlines()
    assert len(log) == 3 and "正常.yaml" in log[-1], log


def test_fawen_file_refuses_a_name_that_is_not_utf8_in_words(workspace):
    from tests.test_watch import notice

    gbk = os.fsencode(workspace.root) + b"/" + "关于通知".encode("gbk") + b".yaml"
    with open(gbk, "wb") as fh:
        fh.write(notice(1).encode("utf-8"))
    done = subprocess.run([sys.executable, "-m", "pipeline", "-w", str(workspace.root), "file", os.fsdecode(gbk)],
                          capture_output=True, timeout=300, check=False)  # fmt: skip
    err = done.stderr.decode("utf-8")
    assert done.returncode != 0 and "不是 UTF-8 编码" in err and "Traceback" not in err, err
    assert not list(filed_records(workspace.outbox))
