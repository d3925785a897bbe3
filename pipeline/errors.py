"""Errors that reach people.

Every error carries a Chinese message for the clerk and an exit code for the shell. They are
raised anywhere and printed only at the boundary (the CLI, later the inbox's ``.error.txt``).
"""

from __future__ import annotations

from pipeline.frozen import frozen


class FawenError(Exception):
    """Base class: ``message`` is what a person reads, ``exit_code`` what the shell sees."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@frozen
class Problem:
    """One thing wrong with an input file (输入问题): where, what, and what is expected."""

    key: str  # key path, e.g. ``议定事项[2].完成时限``; "" for the file as a whole
    problem: str
    expected: str = ""
    line: int | None = None  # 1-based

    def describe(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        if self.key:
            where.append(f"键「{self.key}」")
        text = ("，".join(where) + "：" if where else "") + self.problem
        if self.expected:
            text += f"。应为：{self.expected}"
        return text


class InputError(FawenError):
    """An input file that cannot become a correct document (输入文件有误)."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = list(problems)
        lines = [f"输入文件 {file} 有 {len(self.problems)} 处问题："]
        lines += [f"  {i}. {p.describe()}" for i, p in enumerate(self.problems, 1)]
        super().__init__("\n".join(lines))


class FilingError(FawenError):
    """A document that must not go into the archive as it is."""


class WorkspaceError(FawenError):
    """No usable workspace (工作区): missing or broken ``fawen.yaml``."""

    exit_code = 2


class FontError(FawenError):
    """A character no installed font can draw, or no font at all for a role."""
