"""The OFD-A copy in the archive (issue 14, item 2): every filed version holds 归档.ofd, listed in
its record and manifest, carrying the version's 档号; ``archive open --copy ofd`` finds it and
``archive verify`` finds a changed byte inside it. (The package itself: tests/test_ofd.py.)"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from pipeline.cli import main
from tests.conftest import file_examples

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
OFD = "归档.ofd"
NS = {"ofd": "http://www.ofdspec.org/2016"}


def cli(root, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["-w", str(root), *args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    return file_examples(tmp_path_factory, "ofd", NOW)


def test_every_version_holds_its_ofd_listed_and_carrying_its_archive_code(filed):
    _, results = filed
    assert len(results) == 8
    for name, r in results.items():
        data = (r.folder / OFD).read_bytes()
        record = json.loads((r.folder / "元数据.json").read_text(encoding="utf-8"))
        assert OFD in {c["文件"] for c in record["组件"]}, name
        assert OFD in (r.folder / "manifest-sha256.txt").read_text(encoding="utf-8"), name
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            root = etree.fromstring(package.read("OFD.xml"))
        assert root.get("DocType") == "OFD-A", name
        custom = {c.get("Name"): c.text for c in root.iterfind(".//ofd:CustomData", NS)}
        assert r.archive_code in custom.values(), (name, custom)


def test_open_gives_the_ofd_and_verify_finds_a_changed_byte_in_it(filed, tmp_path):
    workspace, results = filed
    root = tmp_path / "ws"
    shutil.copytree(workspace.root, root, symlinks=True)
    r = results["002-全体会议通知.yaml"]
    folder = root / r.folder.relative_to(workspace.root)
    assert cli(root, "archive", "open", r.archive_code, "--copy", "ofd").strip() == str(folder / OFD)
    cli(root, "archive", "verify")
    changed = folder / OFD
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0x01
    changed.chmod(0o644)
    changed.write_bytes(bytes(data))
    changed.chmod(0o444)
    report = cli(root, "archive", "verify", code=1)
    assert OFD in report and r.archive_code in report
