"""The workspace (工作区): a folder with ``fawen.yaml``, ``inbox/``, ``outbox/`` and optional
``templates/`` overrides. This module alone reads it from disk."""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path
from typing import Any

from pipeline import configuration
from pipeline.errors import WorkspaceError
from pipeline.frozen import frozen
from pipeline.model import Organ
from pipeline.model import WorkspaceConfig
from pipeline.store import liaisonlog

CONFIG_NAME = "fawen.yaml"
REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_TEMPLATES = REPO_ROOT / "templates"
EXAMPLES = REPO_ROOT / "examples"
SAMPLE_CONFIG = EXAMPLES / "罕台镇.fawen.yaml"


@frozen
class Workspace:
    root: Path
    config: WorkspaceConfig

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    def template(self, kind: str) -> Path:
        """The DOCX template for a 文种: the workspace's own if it has one, else the bundled one."""
        own = self.root / "templates" / f"{kind}.docx"
        return own if own.is_file() else PACKAGE_TEMPLATES / f"{kind}.docx"

    @property
    def seal_path(self) -> Path | None:
        """The default organ's seal image (印章图片), if the file is there."""
        return self.seal_path_of(self.config.organ)

    def seal_path_of(self, organ: Organ) -> Path | None:
        """An organ's own 印章图片; the default organ may use the workspace-wide one."""
        name = organ.seal_image or (self.config.seal_image if organ == self.config.organ else None)
        if not name:
            return None
        path = self.root / name
        return path if path.is_file() else None


def resolve_root(option: str | None) -> Path:
    """``--workspace``, else ``FAWEN_WORKSPACE``, else the nearest folder holding ``fawen.yaml`` from the
    current directory upwards (like git), else the current directory (whose load then says how to make one)."""
    given = option or os.environ.get("FAWEN_WORKSPACE")
    if given:
        return Path(given).expanduser().resolve()
    return find_root(Path.cwd())


def find_root(start: Path) -> Path:
    """The nearest of ``start`` and its parents that holds ``fawen.yaml``; ``start`` when none does."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return start


def load(root: Path) -> Workspace:
    """Read the workspace at ``root``; a missing ``fawen.yaml`` is an error that says how to make one,
    a wrong one an error that lists every problem (key, line, what is expected)."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise WorkspaceError(
            f"{root} 不是 fawen 工作区：找不到 {CONFIG_NAME}。\n"
            f"  用 fawen init <文件夹> 创建一个工作区（含示例机关的 {CONFIG_NAME}），"
            f"或用 -w <工作区> / 环境变量 FAWEN_WORKSPACE 指定已有的工作区。"
        )
    config = load_config_file(path)
    font_dirs = tuple(str((root / d).resolve()) for d in config.font_dirs)
    changes = liaisonlog.read_changes(root / "outbox")  # the 联络员备案 after fawen.yaml: pipeline.roster dates them
    config = WorkspaceConfig(**{**config.__dict__, "font_dirs": font_dirs, "liaison_changes": changes})
    return Workspace(root, config)


def load_config_file(path: Path) -> WorkspaceConfig:
    """Read and check one ``fawen.yaml``-shaped file (pipeline.configuration says what is wrong)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkspaceError(f"{path} 无法读取（{exc.strerror or '读取失败'}）。") from exc
    return configuration.check_config(str(path), *_parsed(str(path), data))


def _parsed(name: str, data: bytes) -> tuple[dict[str, Any], dict[str, int]]:
    """A ``fawen.yaml`` parsed, kept by its digest in the user's cache folder: ruamel reads YAML in
    pure Python (about 90 ms for the sample) and every command reads it. Only a file that parses
    is kept; what it says is checked every time (configuration.check_config).

    Kept under a CRC of the file, with the file's text, which must match: a clash of CRCs only
    costs a parse, and hashlib would load OpenSSL for it in every command."""
    source = data.decode("utf-8", "surrogateescape")
    cache = config_cache() / f"{zlib.crc32(data):08x}-{len(data)}.json"
    try:
        kept = json.loads(cache.read_text(encoding="utf-8", errors="surrogateescape"))
        same = isinstance(kept, dict) and kept.get("source") == source
        if same and isinstance(kept.get("tree"), dict) and isinstance(kept.get("lines"), dict):
            return kept["tree"], kept["lines"]
    except (OSError, ValueError):
        pass
    tree, lines = configuration.parse_config(name, data)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        part = cache.with_name(f"{cache.name}.{os.getpid()}.part")
        entry = {"source": source, "tree": tree, "lines": lines}
        part.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8", errors="surrogateescape")
        os.replace(part, cache)
    except (OSError, TypeError, ValueError):  # a read-only home, or a value JSON cannot hold: parse next time
        pass
    return tree, lines


def config_cache() -> Path:
    """``$XDG_CACHE_HOME/fawen/config`` (``~/.cache/fawen/config``; on Windows under LOCALAPPDATA)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "fawen" / "config"


def init(root: Path) -> Path:
    """Create a workspace with the sample organ; never overwrites an existing ``fawen.yaml``."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / CONFIG_NAME
    if target.exists():
        raise WorkspaceError(f"{target} 已存在，未做改动。")
    target.write_bytes(SAMPLE_CONFIG.read_bytes())
    for sub in ("inbox", "outbox"):
        (root / sub).mkdir(exist_ok=True)
    return target
