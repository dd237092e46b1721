"""What the grammar tests share: two dates and a helper that expects a ParseError."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from bot.values import ParseError

WED = date(2026, 3, 11)  # a Wednesday
MON = date(2026, 3, 16)


def error(func: Callable[..., Any], *args: Any, **kwargs: Any) -> ParseError:
    with pytest.raises(ParseError) as info:
        func(*args, **kwargs)
    return info.value
