"""The workspace (工作区): a folder with ``fawen.yaml``, ``inbox/``, ``outbox/`` and optional
``templates/`` overrides. This module alone reads it from disk."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from pipeline.errors import WorkspaceError
from pipeline.model import JointMeeting
from pipeline.model import MemberUnit
from pipeline.model import Organ
from pipeline.model import Person
from pipeline.model import WorkspaceConfig

CONFIG_NAME = "fawen.yaml"
REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_TEMPLATES = REPO_ROOT / "templates"
EXAMPLES = REPO_ROOT / "examples"
SAMPLE_CONFIG = EXAMPLES / "罕台镇.fawen.yaml"


@dataclass(frozen=True)
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
        if not self.config.seal_image:
            return None
        path = self.root / self.config.seal_image
        return path if path.is_file() else None


def resolve_root(option: str | None) -> Path:
    """``--workspace``, else ``FAWEN_WORKSPACE``, else the current directory."""
    return Path(option or os.environ.get("FAWEN_WORKSPACE") or Path.cwd()).expanduser().resolve()


def _person(item: Any) -> Person:
    if isinstance(item, dict):
        return Person(str(item.get("姓名", "")), str(item.get("职务", "")))
    return Person(str(item))


def config_from_data(data: dict[str, Any], where: str) -> WorkspaceConfig:
    """Build the configuration from the parsed ``fawen.yaml``."""
    organ = data.get("机关")
    if not isinstance(organ, dict) or not organ.get("名称"):
        raise WorkspaceError(f"{where} 缺少「机关: {{名称, 标志, …}}」，无法确定发文机关。")
    meeting_data = data.get("联席会议")
    meeting = None
    if isinstance(meeting_data, dict):
        office = meeting_data.get("办公室") or {}
        meeting = JointMeeting(
            name=str(meeting_data.get("名称", "")),
            conveners=tuple(_person(p) for p in meeting_data.get("召集人") or ()),
            office_host=str(office.get("设在", "")),
            office_head=_person(office["主任"]) if office.get("主任") else None,
            members=tuple(
                MemberUnit(str(m.get("名称", "")), str(m.get("联络员", "")), str(m.get("电话", "")))
                if isinstance(m, dict)
                else MemberUnit(str(m))
                for m in meeting_data.get("成员单位") or ()
            ),
        )
    fonts = data.get("字体目录") or ()
    if isinstance(fonts, str):
        fonts = [fonts]
    return WorkspaceConfig(
        organ=Organ(
            name=str(organ["名称"]),
            mark=str(organ.get("标志") or f"{organ['名称']}文件"),
            short_name=str(organ.get("简称", "")),
            fonds=str(organ.get("全宗号", "")),
            issuer=str(organ.get("印发机关", "")),
            codes={str(k): str(v) for k, v in (organ.get("机关代字") or {}).items()},
        ),
        meeting=meeting,
        retention={str(k): str(v) for k, v in (data.get("保管期限") or {}).items()},
        problem_code=str(data.get("机构问题", "")),
        code_profile=str(data.get("档号格式", "DA/T 22-2015")),
        seal_image=str(data["印章图片"]) if data.get("印章图片") else None,
        font_dirs=tuple(str(f) for f in fonts),
        allow_classified=bool(data.get("允许涉密", False)),
    )


def load(root: Path) -> Workspace:
    """Read the workspace at ``root``; a missing ``fawen.yaml`` is an error that says how to make one."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise WorkspaceError(
            f"{root} 不是 fawen 工作区：找不到 {CONFIG_NAME}。\n"
            f"  用 fawen init <文件夹> 创建一个工作区（含示例机关的 {CONFIG_NAME}），"
            f"或用 -w <工作区> / 环境变量 FAWEN_WORKSPACE 指定已有的工作区。"
        )
    config = load_config_file(path)
    font_dirs = tuple(str((root / d).resolve()) for d in config.font_dirs)
    config = WorkspaceConfig(**{**config.__dict__, "font_dirs": font_dirs})
    return Workspace(root, config)


def load_config_file(path: Path) -> WorkspaceConfig:
    """Read one ``fawen.yaml``-shaped file."""
    try:
        yaml = YAML(typ="safe", pure=True)
        data = yaml.load(path.read_text(encoding="utf-8-sig"))
    except (YAMLError, UnicodeDecodeError, OSError) as exc:
        raise WorkspaceError(f"{path} 无法读取：{exc}") from exc
    if not isinstance(data, dict):
        raise WorkspaceError(f"{path} 的内容不是「键: 值」的配置。")
    return config_from_data(data, str(path))


def init(root: Path) -> Path:
    """Create a workspace with the sample organ; never overwrites an existing ``fawen.yaml``."""
    root.mkdir(parents=True, exist_ok=True)
    target = root / CONFIG_NAME
    if target.exists():
        raise WorkspaceError(f"{target} 已存在，未做改动。")
    shutil.copyfile(SAMPLE_CONFIG, target)
    for sub in ("inbox", "outbox"):
        (root / sub).mkdir(exist_ok=True)
    return target
