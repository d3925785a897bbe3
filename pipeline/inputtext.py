"""An input written as a clerk would write it (YAML, Chinese keys in order, 正文 as a block):
what the 拟文 form puts in the inbox and what ``fawen tasks remind`` writes."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import LiteralScalarString


def to_yaml(data: dict[str, Any], heading: str = "") -> str:
    """The input as a clerk would write it: Chinese keys in the form's order, 正文 as a block."""
    yaml = YAML()
    yaml.allow_unicode = True
    yaml.width = 4096  # a long 标题 stays on one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    if heading:
        out.write("".join(f"# {line}\n" for line in heading.splitlines()))
    yaml.dump(_styled(data), out)
    return out.getvalue()


def _styled(node: Any) -> Any:
    if isinstance(node, dict):
        styled = CommentedMap()
        for k, v in node.items():
            styled[k] = _styled(v)
        return styled
    if isinstance(node, list):
        return [_styled(v) for v in node]
    if isinstance(node, str) and "\n" in node:
        return LiteralScalarString(node)
    return node
