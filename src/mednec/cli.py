"""The `mednec` command line.

Exit status: 0 when a determination was made (whatever it is) or a check passed; 1 when
`policies check` or `audit verify` finds problems; 2 on bad input (the message names the field);
3 when a shipped policy or the fact dictionary is broken; 69 when the command needs an optional
extra that is not installed (the message names it); 70 on an internal error. No traceback reaches the user unless
MEDNEC_DEBUG=1 is set.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from mednec.errors import ConfigError, InputError, MednecError
from mednec.intake.values import parse_date

app = typer.Typer(
    name="mednec",
    help="Medical-necessity review engine: is drug X medically necessary for this patient?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
policies_app = typer.Typer(help="List, show and check the policies.", no_args_is_help=True)
app.add_typer(policies_app, name="policies")


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


def _out() -> Any:
    from rich.console import Console  # lazy: JSON output does not need rich

    return Console(highlight=False, soft_wrap=False)


def _error(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(message, soft_wrap=True)


def _runtime() -> Any:
    from mednec.runtime import default_runtime

    return default_runtime()


def _as_of(value: str | None) -> dt.date | None:
    return parse_date(value, path="--as-of") if value else None


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.command()
def evaluate(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON).", show_default=False)],
    drug: Annotated[str, typer.Option("--drug", "-d", help="Drug by generic or brand name, e.g. luspatercept or Reblozyl.")],
    phase: Annotated[Phase, typer.Option(help="initial request or continuation (re-authorisation).")] = Phase.initial,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="text (terminal), json or markdown.")] = OutFormat.text,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default: the case's as_of, else today).")] = None,
) -> None:
    """Evaluate one case against one drug's policy and explain every criterion."""
    rt = _runtime()
    policy = rt.catalog.find_drug(drug)
    parsed = rt.read_case(case, as_of=_as_of(as_of), drug=policy.drug.generic)
    if phase is Phase.continuation and policy.continuation is None:
        raise InputError(f"policy {policy.id} has no continuation criteria", field="--phase")
    det = rt.evaluate(parsed.facts, policy, phase=phase.value)
    if fmt is OutFormat.json:
        _emit_json(det.to_dict())
    elif fmt is OutFormat.markdown:
        from mednec.render.markdown import determination_markdown

        sys.stdout.write(determination_markdown(det))
    else:
        from mednec.render.terminal import print_determination

        print_determination(det, _out())


@app.command()
def facts(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
) -> None:
    """List every fact a case may give: type, unit, accepted units, range and codes."""
    d = _runtime().dictionary
    rows = []
    for fd in d.facts.values():
        rows.append({
            "id": fd.id, "label": fd.label, "type": fd.type, "unit": fd.unit,
            "units": list(fd.units), "range": list(fd.range) if fd.range else None,
            "values": list(fd.values), "derived_by": fd.derived_by,
            "codes": [f"{c.system} {c.code}" for c in fd.codes], "document": fd.document,
        })
    if fmt is ListFormat.json:
        _emit_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"Fact dictionary {d.version}", expand=True)
    for col in ("id", "type", "unit / values", "range", "calculated by", "codes"):
        table.add_column(col)
    for r in rows:
        uv = ", ".join(r["units"]) if r["type"] == "number" else ", ".join(r["values"])
        rng = f"{r['range'][0]:g}–{r['range'][1]:g}" if r["range"] else ""
        table.add_row(r["id"], r["type"], uv, rng, r["derived_by"] or "", "; ".join(r["codes"]))
    _out().print(table)


@policies_app.command("list")
def policies_list(fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text) -> None:
    """List the policies with their drug names, versions and effective dates."""
    rows = [
        {"id": p.id, "drug": p.drug.generic, "brands": list(p.drug.brands), "version": p.version,
         "effective_date": p.effective_date.isoformat(), "pack": p.pack,
         "pathways": [pw.id for pw in p.pathways], "continuation": p.continuation is not None}
        for p in _runtime().catalog.policies()
    ]
    if fmt is ListFormat.json:
        _emit_json(rows)
        return
    from rich.table import Table

    table = Table(title="Policies")
    for col in ("id", "drug", "brands", "version", "effective", "pathways"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["drug"], ", ".join(r["brands"]), r["version"], r["effective_date"],
                      ", ".join(r["pathways"]))
    _out().print(table)


@policies_app.command("show")
def policies_show(
    policy_id: Annotated[str, typer.Argument(help="Policy id or drug name.", show_default=False)],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text,
) -> None:
    """Show one policy: pathways, criteria trees with citations, authorisation, dosing."""
    from mednec.policies.describe import describe_policy, print_policy

    rt = _runtime()
    try:
        policy = rt.catalog.policy(policy_id)
    except MednecError:
        policy = rt.catalog.find_drug(policy_id)
    pack = rt.catalog.pack_of(policy)
    if fmt is ListFormat.json:
        _emit_json(describe_policy(policy, pack))
    else:
        print_policy(policy, pack, _out())


@policies_app.command("check")
def policies_check(fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.text) -> None:
    """Validate every policy and run the test cases shipped beside each one."""
    from mednec.policies.check import check_all, print_check

    report = check_all()
    if fmt is ListFormat.json:
        _emit_json(report.to_dict())
    else:
        print_check(report, _out())
    raise typer.Exit(0 if report.ok else 1)


def escape(text: str) -> str:
    """Escape rich markup in user-supplied text (a field name like ``facts[0]``)."""
    from rich.markup import escape as _escape

    return str(_escape(text))


def _register_commands() -> None:
    """Add the command groups that live in their own modules (each keeps heavy imports lazy)."""
    from mednec import cli_ask, cli_cases, cli_fhir, cli_report, cli_service

    for module in (cli_service, cli_ask, cli_report, cli_cases, cli_fhir):
        module.register(app)


_register_commands()


def main() -> None:
    """Entry point: run the app, turning mednec errors into clear messages."""
    try:
        # With standalone_mode=False click *returns* the code of a typer.Exit instead of raising it.
        rc = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except MednecError as exc:
        if os.environ.get("MEDNEC_DEBUG"):
            raise
        kind = "policy error" if isinstance(exc, ConfigError) else "error"
        _error(f"[bold red]{kind}:[/bold red] {escape(str(exc))}")
        sys.exit(3 if isinstance(exc, ConfigError) else 2)
    except Exception as exc:  # usage errors from typer/click, and anything unexpected
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):  # click-style usage/parameter errors
            show()
            sys.exit(int(exc.exit_code))
        if type(exc).__name__ == "Abort":
            sys.exit(130)
        if isinstance(exc, ModuleNotFoundError) and not os.environ.get("MEDNEC_DEBUG"):
            from mednec.extras import MissingExtraError, extra_for

            extra = extra_for(exc)
            if extra is not None:
                _error(f"[bold red]error:[/bold red] {escape(str(MissingExtraError(extra, exc.name or '?')))}")
                sys.exit(69)
        if os.environ.get("MEDNEC_DEBUG"):
            raise
        _error(f"[bold red]internal error:[/bold red] {type(exc).__name__}: {escape(str(exc))} (set MEDNEC_DEBUG=1 for details)")
        sys.exit(70)
    sys.exit(rc if isinstance(rc, int) else 0)
