"""`mednec policies list | show | check`."""

from __future__ import annotations

from typing import Annotated

import typer

from mednec.cli.common import LIST_FORMAT_HELP, ListFormat, emit_json, out, runtime
from mednec.errors import MednecError

__all__ = ["register"]


def policies_list(fmt: Annotated[ListFormat, typer.Option("--format", "-f", help=LIST_FORMAT_HELP)] = ListFormat.text) -> None:
    """List the policies with their drug names, versions and effective dates."""
    rows = [
        {"id": p.id, "drug": p.drug.generic, "brands": list(p.drug.brands), "version": p.version,
         "effective_date": p.effective_date.isoformat(), "pack": p.pack,
         "pathways": [pw.id for pw in p.pathways], "continuation": p.continuation is not None,
         "variants": [v.variant.id for v in p.variants if v.variant]}
        for p in runtime().catalog.policies()
    ]
    if fmt is ListFormat.json:
        emit_json(rows)
        return
    from rich.table import Table

    table = Table(title="Policies")
    for col in ("id", "drug", "brands", "version", "effective", "pathways", "variants"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["drug"], ", ".join(r["brands"]), r["version"], r["effective_date"],
                      ", ".join(r["pathways"]), ", ".join(r["variants"]))
    out().print(table)


def policies_show(
    policy_id: Annotated[str, typer.Argument(help="Policy id or drug name.", show_default=False)],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help=LIST_FORMAT_HELP)] = ListFormat.text,
    variant: Annotated[str | None, typer.Option("--variant", help="Show a payer variant's criteria (its parameter values).")] = None,
) -> None:
    """Show one policy: pathways, criteria trees with citations, authorisation, dosing, parameters, variants."""
    from mednec.policies.describe import describe_policy, print_policy

    rt = runtime()
    try:
        policy = rt.catalog.policy(policy_id)
    except MednecError:
        policy = rt.catalog.find_drug(policy_id)
    policy = policy.with_variant(variant)
    pack = rt.catalog.pack_of(policy)
    if fmt is ListFormat.json:
        emit_json(describe_policy(policy, pack))
    else:
        print_policy(policy, pack, out())


def policies_check(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help=LIST_FORMAT_HELP)] = ListFormat.text,
    record_versions: Annotated[bool, typer.Option(
        "--record-versions",
        help="First record the logic digest of every policy version not yet in its pack's policy-versions.yaml "
             "(a recorded version is never rewritten).")] = False,
) -> None:
    """Validate every policy and run the test cases shipped beside each one; a policy whose logic changed
    while its version stayed the same is a problem."""
    from mednec.packcheck.check import check_all, print_check

    report = check_all(record=record_versions)
    if fmt is ListFormat.json:
        emit_json(report.to_dict())
    else:
        print_check(report, out())
    raise typer.Exit(0 if report.ok else 1)



def register(app: typer.Typer) -> None:
    """Add the ``policies`` command group to the mednec app."""
    policies_app = typer.Typer(help="List, show and check the policies.", no_args_is_help=True)
    app.add_typer(policies_app, name="policies")
    policies_app.command("list")(policies_list)
    policies_app.command("show")(policies_show)
    policies_app.command("check")(policies_check)
