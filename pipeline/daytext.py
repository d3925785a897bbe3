"""A day as people write it in a record input (办理反馈, 信访信息): 2026-11-28, 2026/11/28,
2026.11.28 or 2026年11月28日, or a date YAML already read. Shared by the stages that check those
inputs, which may not import each other."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_DAY = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")


def parse_date(value: Any) -> dt.date | None:
    """The day ``value`` says, or None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DAY.match(value.strip()) if isinstance(value, str) else None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None
