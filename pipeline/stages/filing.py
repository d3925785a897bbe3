"""Step 10: a rendered, stamped document -> FilingPlan: where it goes in the archive tree (DA/T
22-2015: 年度 / 保管期限 / 机构问题, one folder per 件 named by its 档号 and a short title, one
sub-folder per version), the file names, the metadata record and the manifest. Pure: hashing
bytes needs no disk."""

from __future__ import annotations

import json

from pipeline.dat22 import manifest
from pipeline.dat22 import sha256
from pipeline.dat22 import sm3
from pipeline.frozen import frozen
from pipeline.model import MANIFEST
from pipeline.model import METADATA
from pipeline.model import FilingPlan


@frozen
class Component:
    role: str  # 正本 / 归档件 / 可编辑 / 输入
    name: str
    mime: str
    data: bytes


def plan(class_path: tuple[str, ...], entry: str, version: int, components: list[Component],
         record: dict[str, object]) -> FilingPlan:  # fmt: skip
    """Files of one version: the components, the metadata record listing their digests, the manifest."""
    files = {c.name: c.data for c in components}
    record = dict(record)
    record["组件"] = [
        {"角色": c.role, "文件": c.name, "大小": len(c.data), "类型": c.mime, "SHA256": sha256(c.data),
         **({"SM3": d} if (d := sm3(c.data)) else {})}
        for c in components
    ]  # fmt: skip
    files[METADATA] = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")
    files[MANIFEST] = manifest(files)
    return FilingPlan(class_path, entry, version, files)
