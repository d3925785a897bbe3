"""Architecture rules as tests: stages are pure and independent; the CLI is the only printer."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_stages_do_not_touch_edges_or_each_other():
    stages = sorted((PACKAGE / "stages").glob("*.py"))
    assert len(stages) >= 5
    for path in stages:
        found = imports(path)
        for name in found:
            assert not name.startswith(("pipeline.store", "pipeline.run", "pipeline.cli", "click", "watchdog",
                                        "shutil", "tempfile")), (path.name, name)  # fmt: skip
            if name.startswith("pipeline.stages."):
                raise AssertionError(f"{path.name} imports the stage {name}")


def test_vocabulary_imports_nothing_from_the_package():
    """The model leans on ``pipeline.frozen`` alone, which itself imports nothing of the package."""
    assert {n for n in imports(PACKAGE / "model.py") if n.startswith("pipeline")} == {"pipeline.frozen"}
    assert not {n for n in imports(PACKAGE / "frozen.py") if n.startswith("pipeline")}


def test_only_the_cli_prints():
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py",):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                # the font conversion notice goes to stderr: it can take half a minute
                assert path.name == "fonts.py", path
