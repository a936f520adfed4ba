"""`mednec evaluate` and `mednec facts`: one case against one policy, and the fact dictionary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mednec.cli.common import (
    LIST_FORMAT_HELP,
    ListFormat,
    OutFormat,
    Phase,
    as_of_date,
    case_path,
    emit_determination,
    emit_json,
    out,
    runtime,
)
from mednec.errors import InputError

__all__ = ["register"]


def evaluate(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON) or FHIR R4 Bundle.", show_default=False)],
    drug: Annotated[str, typer.Option("--drug", "-d", help="Drug by generic or brand name, e.g. luspatercept or Reblozyl.")],
    phase: Annotated[Phase, typer.Option(help="initial request or continuation (re-authorisation).")] = Phase.initial,
    fmt: Annotated[OutFormat, typer.Option("--format", "-f", help="text (terminal), json or markdown.")] = OutFormat.text,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default: the case's as_of, else today).")] = None,
    variant: Annotated[str | None, typer.Option("--variant", help="A payer variant of the policy (`mednec policies show` lists them).")] = None,
    payer_profile: Annotated[Path | None, typer.Option("--payer-profile", help="The plan (YAML; default $MEDNEC_PAYER_PROFILE): its program and benefit exclusions are applied beside the clinical answer.")] = None,
    program: Annotated[str | None, typer.Option("--program", help="The plan's program (medicare_advantage_part_b, medicare_part_d, commercial, medicaid); overrides the profile's.")] = None,
) -> None:
    """Evaluate one case against one drug's policy and explain every criterion; under a plan
    (--payer-profile, --program), a use its benefit excludes is reported beside the determination."""
    rt = runtime()
    policy = rt.catalog.find_drug(drug).with_variant(variant)
    parsed = rt.read_case(case_path(case), as_of=as_of_date(as_of), drug=policy.drug.generic)
    if phase is Phase.continuation and policy.continuation is None:
        raise InputError(f"policy {policy.id} has no continuation criteria", field="--phase")
    plan_program, exclusions = plan_of(payer_profile, program)
    det = rt.evaluate(parsed.facts, policy, phase=phase.value, program=plan_program, exclusions=exclusions)
    emit_determination(det, fmt.value)


def plan_of(payer_profile: Path | None, program: str | None) -> tuple[str | None, tuple[str, ...]]:
    """The plan's program and named benefit exclusions (a profile given, or $MEDNEC_PAYER_PROFILE)."""
    from mednec.cli.common import payer_profile_option
    from mednec.render.payer import PROGRAMS
    from mednec.settings import current

    if program is not None and program not in PROGRAMS:
        raise InputError(f"program must be one of {', '.join(PROGRAMS)}", field="--program")
    if payer_profile is None and current().payer_profile is None:
        return program, ()
    profile = payer_profile_option(payer_profile)
    return program or profile.program, profile.exclusions


def facts(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help=LIST_FORMAT_HELP)] = ListFormat.text,
) -> None:
    """List every fact a case may give: type, unit, accepted units, range, codes, and the criteria
    that presume or infer it when it is undocumented (every other criterion requires it)."""
    from mednec.policies.describe import undocumented_handling

    rt = runtime()
    d = rt.dictionary
    handling = undocumented_handling(rt.catalog.policies())
    rows = []
    for fd in d.facts.values():
        rows.append({
            "id": fd.id, "label": fd.label, "type": fd.type, "unit": fd.unit,
            "units": list(fd.units), "range": list(fd.range) if fd.range else None,
            "values": list(fd.values), "derived_by": fd.derived_by,
            "codes": [f"{c.system} {c.code}" for c in fd.codes], "document": fd.document,
            "when_undocumented": handling.get(fd.id, []),
        })
    if fmt is ListFormat.json:
        emit_json(rows)
        return
    from rich.table import Table

    table = Table(title=f"Fact dictionary {d.version}", expand=True)
    for col in ("id", "type", "unit / values", "range", "calculated by", "codes", "when undocumented"):
        table.add_column(col)
    for r in rows:
        uv = ", ".join(r["units"]) if r["type"] == "number" else ", ".join(r["values"])
        rng = f"{r['range'][0]:g}–{r['range'][1]:g}" if r["range"] else ""
        table.add_row(r["id"], r["type"], uv, rng, r["derived_by"] or "", "; ".join(r["codes"]),
                      "; ".join(r["when_undocumented"]) or "required")
    out().print(table)



def register(app: typer.Typer) -> None:
    """Add ``evaluate`` and ``facts`` to the mednec app."""
    app.command("evaluate")(evaluate)
    app.command("facts")(facts)
