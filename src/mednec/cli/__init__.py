"""The `mednec` command line.

Exit status: 0 when a determination was made (whatever it is) or a check passed; 1 when
`policies check` or `audit verify` finds problems; 2 on bad input (the message names the field);
3 when a shipped policy or the fact dictionary is broken; 69 when the command needs an optional
extra that is not installed (the message names it); 70 on an internal error. No traceback reaches the user unless
MEDNEC_DEBUG=1 is set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mednec.cli.common import error, escape
from mednec.errors import ConfigError, MednecError

app = typer.Typer(
    name="mednec",
    help="Medical-necessity review engine: is drug X medically necessary for this patient?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    packs_dir: Annotated[list[Path] | None, typer.Option(
        "--packs-dir", help="A folder of packs (or one pack) to load besides the shipped ones; repeatable. "
        "Same as the MEDNEC_PACKS_DIR setting (folders separated by the path separator).")] = None,
) -> None:
    """Medical-necessity review engine: is drug X medically necessary for this patient?"""
    if packs_dir:
        from mednec.packdirs import ENV
        from mednec.runtime import default_runtime

        given = [str(p) for p in packs_dir]
        before = [p for p in os.environ.get(ENV, "").split(os.pathsep) if p]
        os.environ[ENV] = os.pathsep.join(dict.fromkeys(before + given))
        default_runtime.cache_clear()


def _register_commands() -> None:
    """Add the command groups that live in their own modules (each keeps heavy imports lazy)."""
    from mednec.cli import ask, cases, compare, evaluate, fhir, packs, policies, population, report, service

    for module in (evaluate, compare, policies, packs, service, ask, report, cases, fhir, population):
        module.register(app)


_register_commands()
MAX_MESSAGE = 600  # an error message quotes at most this much (messages may quote the input)


def main() -> None:
    """Entry point: run the app, turning mednec errors into clear messages."""
    from mednec.hygiene import bad_char, excerpt
    from mednec.settings import current

    try:
        debug = current().debug
    except ConfigError as exc:  # a setting in the environment that cannot be read
        error(f"[bold red]configuration error:[/bold red] {escape(excerpt(str(exc), MAX_MESSAGE))}")
        sys.exit(3)
    for i, arg in enumerate(sys.argv[1:], 1):
        what = bad_char(arg)
        if what is not None:
            error(f"[bold red]error:[/bold red] argument {i} ({escape(excerpt(arg))}) contains {what}")
            sys.exit(2)
    try:
        # With standalone_mode=False click *returns* the code of a typer.Exit instead of raising it.
        rc = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except MednecError as exc:
        if debug:
            raise
        kind = "policy error" if isinstance(exc, ConfigError) else "error"
        error(f"[bold red]{kind}:[/bold red] {escape(excerpt(str(exc), MAX_MESSAGE))}")
        sys.exit(3 if isinstance(exc, ConfigError) else 2)
    except Exception as exc:  # usage errors from typer/click, and anything unexpected
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):  # click-style usage/parameter errors
            show()
            sys.exit(int(exc.exit_code))
        if type(exc).__name__ == "Abort":
            sys.exit(130)
        if _user_path_error(exc) and not debug:
            assert isinstance(exc, OSError)
            error(f"[bold red]error:[/bold red] {escape(excerpt(str(exc.filename), MAX_MESSAGE))}: "
                  f"{escape(exc.strerror or type(exc).__name__)}")
            sys.exit(2)
        if isinstance(exc, ModuleNotFoundError) and not debug:
            from mednec.extras import MissingExtraError, extra_for

            extra = extra_for(exc)
            if extra is not None:
                error(f"[bold red]error:[/bold red] {escape(str(MissingExtraError(extra, exc.name or '?')))}")
                sys.exit(69)
        if debug:
            raise
        error(f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(excerpt(str(exc), MAX_MESSAGE))} "
              "(set MEDNEC_DEBUG=1 for details)")
        sys.exit(70)
    sys.exit(rc if isinstance(rc, int) else 0)


def _user_path_error(exc: BaseException) -> bool:
    """An operating-system error about a path outside mednec's own files (a file or folder the user
    named, or one under it): bad input (status 2) naming the path, not an internal error."""
    if not isinstance(exc, OSError) or not exc.filename or not isinstance(exc.filename, str | Path):
        return False
    own = Path(__file__).resolve().parents[1]
    return not Path(exc.filename).resolve().is_relative_to(own)
