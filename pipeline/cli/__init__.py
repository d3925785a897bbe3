"""The ``fawen`` command: a thin shell over pipeline.run, split by what the commands work on.
Errors are printed and turned into exit codes only here."""

from __future__ import annotations

from pipeline.cli import documents  # noqa: F401 — registers its commands
from pipeline.cli import archive  # noqa: F401
from pipeline.cli import dispositions  # noqa: F401 — withdraw, repeal, correct on the archive group
from pipeline.cli import filing  # noqa: F401
from pipeline.cli import inbox  # noqa: F401
from pipeline.cli import numbers  # noqa: F401
from pipeline.cli import serve  # noqa: F401 — fawen serve (pipeline.web)
from pipeline.cli import tasks  # noqa: F401 — fawen tasks: the 督办台账
from pipeline.cli import roster  # noqa: F401 — fawen roster: 成员单位、联络员 and their 备案
from pipeline.cli import petitioninfo  # noqa: F401 — fawen info: 信访信息 (第十条)
from pipeline.cli.common import main

__all__ = ["main"]
