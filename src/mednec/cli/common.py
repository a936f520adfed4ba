"""What every command module of the CLI shares: option types, output helpers and the runtime.

Only the standard library and typer are imported here at module level; rich, the runtime and
the document stack load when a command needs them, so ``mednec evaluate`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import Enum
from typing import Any

from mednec.intake.values import parse_date

__all__ = ["ListFormat", "OutFormat", "Phase", "as_of_date", "emit_json", "error", "escape", "out", "runtime"]


class OutFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


class Phase(str, Enum):
    initial = "initial"
    continuation = "continuation"


def out() -> Any:
    """A rich console on standard output (lazy: JSON output does not need rich)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def error(message: str) -> None:
    """Print a (rich-markup) message on standard error."""
    from rich.console import Console

    Console(stderr=True, highlight=False).print(message, soft_wrap=True)


def escape(text: str) -> str:
    """Escape rich markup in user-supplied text (a field name like ``facts[0]``)."""
    from rich.markup import escape as _escape

    return str(_escape(text))


def runtime() -> Any:
    """The process's runtime (fact dictionary and policy catalog), loaded once."""
    from mednec.runtime import default_runtime

    return default_runtime()


def as_of_date(value: str | None) -> dt.date | None:
    """The ``--as-of`` option as a date (None when not given)."""
    return parse_date(value, path="--as-of") if value else None


def emit_json(data: Any) -> None:
    """Write JSON (indented, UTF-8) to standard output."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_iso) + "\n")


def _iso(value: Any) -> str:
    """Dates and times (a treatment history entry's start and end) as ISO 8601."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
