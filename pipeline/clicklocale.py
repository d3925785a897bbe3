"""Chinese for click's own messages (usage errors, help headings).

click marks its strings with gettext's ``_``, looked up in each module's globals at call time;
replacing that name with a dictionary lookup is enough, and needs no .mo files.
"""

from __future__ import annotations

from collections.abc import Callable

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Arguments": "参数",
    "Error": "错误",
    "Error: {message}": "错误：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "Try {command!r} for help.": "运行 {command!r} 查看帮助。",
    "Try '{command} {option}' for help.": "运行「{command} {option}」查看帮助。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing argument {name}.": "缺少参数 {name}。",
    "Missing option {name}.": "缺少选项 {name}。",
    "Missing parameter {name}.": "缺少参数 {name}。",
    "No such option: {name}": "没有这个选项：{name}",
    "No such command {name!r}.": "没有这个命令：{name!r}。",
    "Got unexpected extra argument ({args})": "多余的参数：{args}",
    "Got unexpected extra arguments ({args})": "多余的参数：{args}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "File": "文件",
    "Directory": "文件夹",
    "Path": "路径",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "(DEPRECATED)": "（已弃用）",
    "default": "默认",
    "required": "必填",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是是/否。可用：{states}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "default: {default}": "默认：{default}",
}
# Metavars click prints in help and messages (INTEGER, TEXT …) are its types' names upper-cased.
TYPE_NAMES = {"INT": "整数", "FLOAT": "数字", "STRING": "文字", "BOOL": "是/否", "UUID": "UUID"}
RANGE_NAMES = {"IntRange": "整数", "FloatRange": "数字"}
# the usage line's placeholders, which click writes without gettext
USAGE_WORDS = {"[OPTIONS]": "[选项]", "COMMAND": "命令", "[ARGS]": "[参数]"}


def _usage_in_chinese(write_usage: Callable[..., None]) -> Callable[..., None]:
    def write(self: click.formatting.HelpFormatter, prog: str, args: str = "", prefix: str | None = None) -> None:
        for english, chinese in USAGE_WORDS.items():
            args = args.replace(english, chinese)
        write_usage(self, prog, args, prefix)

    return write


def _translate(message: str) -> str:
    return MESSAGES.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


def install() -> None:
    for attr, name in TYPE_NAMES.items():
        getattr(click.types, attr).name = name
    for attr, name in RANGE_NAMES.items():
        getattr(click.types, attr).name = name
    if not getattr(click.formatting.HelpFormatter.write_usage, "chinese", False):
        click.formatting.HelpFormatter.write_usage = _usage_in_chinese(click.formatting.HelpFormatter.write_usage)  # type: ignore[method-assign]
        click.formatting.HelpFormatter.write_usage.chinese = True  # type: ignore[attr-defined]
    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                   click.termui, click.types):  # fmt: skip
        if hasattr(module, "_"):
            module._ = _translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
