"""The caches every command reads at start (the parsed fawen.yaml, the fonts' coverage) are named
by a CRC, not a cryptographic digest: a cache file under the same name that was made from other
input must never be taken for this input's."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from pipeline.store import fonts
from pipeline.store import workspace


def test_a_config_cache_made_from_another_file_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = tmp_path / "fawen.yaml"
    config.write_bytes(workspace.SAMPLE_CONFIG.read_bytes())
    first = workspace.load_config_file(config)
    kept = list(workspace.config_cache().glob("*.json"))
    assert len(kept) == 1  # the parse is kept

    entry = json.loads(kept[0].read_text(encoding="utf-8"))
    assert entry["source"] == config.read_text(encoding="utf-8")
    entry["source"] += "\n# another file whose CRC and length clashed"
    entry["tree"]["机关"]["名称"] = "冒名机关"
    kept[0].write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    assert workspace.load_config_file(config).organ.name == first.organ.name != "冒名机关"

    entry = json.loads(kept[0].read_text(encoding="utf-8"))  # parsed again and kept again
    assert entry["source"] == config.read_text(encoding="utf-8")


def test_a_coverage_cache_made_from_other_fonts_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    converted = fonts.cache_dir()
    (tmp_path / "fonts").mkdir()
    for face in converted.glob("*.ttf"):  # faces converted once, seconds each: lent, not remade
        (tmp_path / "fonts" / face.name).symlink_to(face)
    monkeypatch.setenv("FAWEN_FONT_CACHE", str(tmp_path / "fonts"))
    monkeypatch.setattr(fonts, "_COVERAGE", {})
    assert ord("中") in fonts.coverage()
    [kept] = (tmp_path / "fonts").glob("coverage-*.json")
    saved = json.loads(kept.read_text(encoding="utf-8"))
    assert kept.name == f"coverage-{zlib.crc32(saved['fonts'].encode('utf-8', 'surrogateescape')):08x}.json"

    kept.write_text(json.dumps({"fonts": saved["fonts"] + "\nother.ttf|1|1", "ranges": [[65, 90]]}), encoding="utf-8")
    monkeypatch.setattr(fonts, "_COVERAGE", {})
    assert ord("中") in fonts.coverage()  # counted again from the faces, not the clashing file
    assert json.loads(kept.read_text(encoding="utf-8"))["fonts"] == saved["fonts"]
