"""The ``fawen`` command: a thin shell over pipeline.run, split by what the commands work on.
Errors are printed and turned into exit codes only here. Each command's module is imported when
the command is used (pipeline.cli.common.COMMANDS), so that ``fawen --help`` and a quick command
do not load the typesetter; ``load_all`` imports every one (tests, documentation)."""

from __future__ import annotations

import importlib

from pipeline.cli.common import COMMANDS
from pipeline.cli.common import main
from pipeline.cli.common import script

__all__ = ["load_all", "main", "script"]


def load_all() -> None:
    for modules, _help in COMMANDS.values():
        for module in modules:
            importlib.import_module(module)
