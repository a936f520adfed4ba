"""What every command module of the CLI shares: option types, output helpers and the runtime.

Only the standard library and typer are imported here at module level; rich, the runtime and
the document stack load when a command needs them, so ``mednec evaluate`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from mednec.errors import ConfigError, InputError
from mednec.intake.values import parse_date

__all__ = ["LIST_FORMAT_HELP", "ListFormat", "OutFormat", "Phase", "as_of_date", "case_path", "input_file", "output_folder", "text_or_json", "payer_profile_option", "emit_determination", "emit_json", "error", "escape", "out", "runtime"]


class OutFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ListFormat(str, Enum):
    text = "text"
    json = "json"


LIST_FORMAT_HELP = "text (a table on the terminal) or json (for scripts)."


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


def emit_determination(det: Any, fmt: str) -> None:
    """A determination on standard output as ``fmt`` (``text``, ``json`` or ``markdown``)."""
    if fmt == "json":
        emit_json(det.to_dict())
    elif fmt == "markdown":
        from mednec.render.markdown import determination_markdown

        sys.stdout.write(determination_markdown(det))
    else:
        from mednec.render.terminal import print_determination

        print_determination(det, out(), fact_labels())


def fact_labels() -> dict[str, str]:
    """Each fact's label in the fact dictionary (the words the text reports show, never the ids)."""
    return {k: fd.label for k, fd in runtime().dictionary.facts.items()}


def emit_json(data: Any) -> None:
    """Write JSON (indented, UTF-8) to standard output."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_iso) + "\n")


def _iso(value: Any) -> str:
    """Dates and times (a treatment history entry's start and end) as ISO 8601."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def input_file(path: Path, option: str, *, max_bytes: int | None = None) -> Path:
    """``path`` when it is a readable file (at most ``max_bytes``), else bad input naming ``option`` and the
    file: ``-`` (standard input) is not read by this command, a folder is not a file, a missing file."""
    if str(path) == "-":
        raise InputError("this command does not read standard input ('-'): give a file path", field=option)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file", field=option)
    if not path.is_file():
        raise InputError(f"{path}: no such file", field=option)
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise InputError(f"{path.name} is {path.stat().st_size:,} bytes, more than the {max_bytes:,} mednec reads",
                         field=option)
    return path


def payer_profile_option(path: Path | None) -> Any:
    """The plan given with ``--payer-profile`` (else ``$MEDNEC_PAYER_PROFILE``'s): a bad file given on the
    command line is bad input (status 2), not a broken installation."""
    from mednec.render.payer import load_payer_profile

    if path is None:
        return load_payer_profile(None)
    input_file(path, "--payer-profile")
    try:
        return load_payer_profile(path)
    except ConfigError as exc:
        raise InputError(str(exc), field="--payer-profile") from None
    except UnicodeDecodeError:
        raise InputError(f"{path.name} is not UTF-8 text (a YAML payer profile)", field="--payer-profile") from None


def case_path(path: Path, option: str = "CASE") -> Path:
    """An input file or folder argument: ``-`` (standard input) is refused with a message saying so, and a
    file larger than the service's body limit (``MEDNEC_MAX_BODY_BYTES``' default) is refused before it is
    read."""
    from mednec.settings import DEFAULT_MAX_BODY

    if str(path) == "-":
        raise InputError("this command does not read standard input ('-'): give a file path", field=option)
    if path.is_file() and path.stat().st_size > DEFAULT_MAX_BODY:
        raise InputError(f"{path.name} is {path.stat().st_size:,} bytes, more than the {DEFAULT_MAX_BODY:,} "
                         "mednec reads from one file", field=option)
    return path


def output_folder(path: Path, option: str = "--out") -> Path:
    """An output folder: refused (bad input naming ``option`` and the path) when it is a file, or it (or the
    folder it would be created in) cannot be written. Nothing is created here."""
    import os

    if path.exists() and not path.is_dir():
        raise InputError(f"{path} is a file; {option} names a folder", field=option)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"cannot create {path}: {existing} is a file", field=option)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"cannot write into {existing}", field=option)
    return path


def text_or_json(fmt: str) -> str:
    """A ``--format`` option that takes text or json."""
    if fmt not in ("text", "json"):
        raise InputError(f"'{fmt}' is not text or json", field="--format")
    return fmt
