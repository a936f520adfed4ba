"""`mednec compare`: one patient against every payer variant of a drug's policy, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mednec.cli.common import OutFormat, Phase, as_of_date, case_path, emit_json, out, runtime
from mednec.errors import InputError
from mednec.states import Verdict

__all__ = ["register"]

_VERDICT: dict[str, str] = {Verdict.MEETS: "[green]meets criteria[/green]",
                             Verdict.NOT_MET: "[red]does not meet criteria[/red]",
                             Verdict.INSUFFICIENT: "[yellow]insufficient information[/yellow]"}


def compare(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON) or FHIR R4 Bundle.", show_default=False)],
    drug: Annotated[str, typer.Option("--drug", "-d", help="Drug by generic or brand name.")],
    phase: Annotated[Phase, typer.Option(help="initial request or continuation (re-authorisation).")] = Phase.initial,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="text (terminal), json or markdown.")] = OutFormat.text,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD.")] = None,
) -> None:
    """Evaluate one case under the policy's defaults and every payer variant, side by side."""
    from mednec.compare import compare as run_compare

    rt = runtime()
    policy = rt.catalog.find_drug(drug)
    if phase is Phase.continuation and policy.continuation is None:
        raise InputError(f"policy {policy.id} has no continuation criteria", field="--phase")
    parsed = rt.read_case(case_path(case), as_of=as_of_date(as_of), drug=policy.drug.generic)
    result = run_compare(rt, parsed.facts, policy, phase=phase.value)
    data = result.to_dict()
    if fmt is OutFormat.json:
        emit_json(data)
    elif fmt is OutFormat.markdown:
        import sys

        sys.stdout.write(comparison_markdown(data))
    else:
        _print(data)


def _cell_list(items: list[str]) -> str:
    return "\n".join(f"• {i}" for i in items) if items else "—"


def _print(data: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    pol = data["policy"]
    table = Table(title=f"{pol['title']} ({pol['id']} v{pol['version']}), {data['phase']}, as of {data['as_of']}",
                  show_lines=True, expand=True)
    table.add_column("")
    for v in data["variants"]:
        table.add_column(escape(v["name"]))
    rows: list[tuple[str, list[str]]] = [
        ("models", [escape(f"{v['source']['document']} (seen {v['source']['seen']})") if v["source"]
                    else "the policy's own parameters" for v in data["variants"]]),
        ("determination", [_VERDICT[v["determination"]] for v in data["variants"]]),
        ("pathway", [v["pathway"] or "—" for v in data["variants"]]),
        ("parameters", [escape(_cell_list([f"{p['text']}: {p['value']} (default {p['default']})"
                                           for p in v["parameters"]])) for v in data["variants"]]),
        ("not met", [escape(_cell_list([c["text"] for c in v["not_met"]])) for v in data["variants"]]),
        ("still needs", [escape(_cell_list([n["description"] for n in v["needs"]])) for v in data["variants"]]),
    ]
    for label, cells in rows:
        table.add_row(label, *cells)
    console = out()
    console.print(table)
    if data["differs"]:
        console.print("[bold]Criteria that differ between variants[/bold]")
        for d in data["differs"]:
            st = ", ".join(f"{k}: {v.replace('_', ' ')}" for k, v in d["status"].items())
            console.print(f"  {escape(d['text'])} — {st}")


def comparison_markdown(data: dict[str, Any]) -> str:
    """The comparison as a Markdown table (variants as columns)."""
    pol = data["policy"]
    head = ["", *[v["name"] for v in data["variants"]]]
    words: dict[str, str] = {Verdict.MEETS: "**meets criteria**", Verdict.NOT_MET: "does not meet criteria",
                             Verdict.INSUFFICIENT: "insufficient information"}

    def cell(items: list[str]) -> str:
        return "<br>".join(items) if items else "—"

    rows = [
        ["models", *[f"{v['source']['document']} (seen {v['source']['seen']})" if v["source"] else "policy defaults"
                     for v in data["variants"]]],
        ["determination", *[words[v["determination"]] for v in data["variants"]]],
        ["parameters", *[cell([f"{p['text']}: {p['value']}" for p in v["parameters"]]) for v in data["variants"]]],
        ["not met", *[cell([c["text"] for c in v["not_met"]]) for v in data["variants"]]],
        ["still needs", *[cell([n["description"] for n in v["needs"]]) for v in data["variants"]]],
    ]
    lines = [f"# {pol['title']}: payer variants compared", "",
             f"Policy {pol['id']} v{pol['version']}, {data['phase']}, as of {data['as_of']}.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    """Add ``compare`` to the mednec app."""
    app.command("compare")(compare)
