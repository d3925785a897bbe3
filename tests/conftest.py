from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline import run
from pipeline.store import workspace as ws_store
from tests.support import PdfFacts

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED_EXAMPLES = REPO.parent / "shared" / "examples"
TODAY = dt.date(2026, 11, 24)
SEED = "001-印发制度的通知.yaml"


def example_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json", ".md")
                  and not p.name.endswith(".fawen.yaml"))


def file_examples(tmp_path_factory: pytest.TempPathFactory, name: str, now: dt.datetime) -> tuple[ws_store.Workspace, dict[str, run.Filed]]:
    """A fresh workspace (the sample organ, a copy of the examples) with every example filed in
    it: what the modules that read filed copies back share (each its own, module-scoped)."""
    root = tmp_path_factory.mktemp(name) / "ws"
    ws_store.init(root)
    shutil.copytree(EXAMPLES, root / "examples")
    workspace = ws_store.load(root)
    return workspace, {p.name: run.file_document(p, workspace, TODAY, now) for p in example_files(root / "examples")}


@pytest.fixture
def workspace(tmp_path: Path) -> ws_store.Workspace:
    """A fresh workspace with the sample organ and a copy of the examples."""
    root = tmp_path / "ws"
    ws_store.init(root)
    shutil.copytree(EXAMPLES, root / "examples")
    return ws_store.load(root)


@pytest.fixture(scope="session")
def session_workspace(tmp_path_factory: pytest.TempPathFactory) -> ws_store.Workspace:
    root = tmp_path_factory.mktemp("ws")
    ws_store.init(root)
    shutil.copytree(EXAMPLES, root / "examples")
    return ws_store.load(root)


def render(workspace: ws_store.Workspace, source: Path, out: Path) -> tuple[Path, Path]:
    outcome = run.render_file(source, workspace, out, TODAY)
    assert outcome.ok, outcome.message
    docx, pdf = outcome.outputs
    return docx, pdf


@pytest.fixture(scope="session")
def seed(session_workspace: ws_store.Workspace, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, PdfFacts]:
    """The seed notice rendered once: (docx, pdf, facts)."""
    out = tmp_path_factory.mktemp("seed")
    docx, pdf = render(session_workspace, session_workspace.root / "examples" / SEED, out)
    return docx, pdf, PdfFacts(pdf)


def write_input(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def with_config(workspace: ws_store.Workspace, line: str) -> ws_store.Workspace:
    """The workspace with one more line in its fawen.yaml, reloaded."""
    config = workspace.root / ws_store.CONFIG_NAME
    config.write_text(config.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    return ws_store.load(workspace.root)
