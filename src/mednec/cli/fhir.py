"""`mednec fhir`: FHIR R4 in and out -- Bundle to case, DTR questionnaire, QuestionnaireResponse.

Registered on the main app by ``register(app)``. Only typer and the standard library are
imported here; the FHIR modules (and ``fhir.resources``) load when a command runs, so
``mednec evaluate`` on a YAML case starts no slower.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from mednec.errors import CaseFormatError, InputError
from mednec.hygiene import load_json

__all__ = ["register"]

fhir_app = typer.Typer(help="FHIR R4: Bundle to case, DTR questionnaire, QuestionnaireResponse.",
                       no_args_is_help=True)


class CaseFormat(str, Enum):
    yaml = "yaml"
    json = "json"


class ResultFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class FhirPhase(str, Enum):
    initial = "initial"
    continuation = "continuation"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _dates(value: Any) -> Any:
    """ISO date strings -> dates, so the YAML case reads like a hand-written one."""
    if isinstance(value, str) and _DATE.match(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, dict):
        return {k: _dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v) for v in value]
    return value


def _read_json(path: Path) -> Any:
    from mednec.cli.common import case_path

    case_path(path, str(path))
    try:
        return load_json(path.read_text("utf-8"), str(path))
    except FileNotFoundError:
        raise CaseFormatError("no such file", field=str(path)) from None
    except json.JSONDecodeError as exc:
        raise CaseFormatError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                              field=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFormatError(f"cannot read: {exc}", field=str(path)) from None


def _provenance_comment(intake: Any) -> str:
    lines = ["", "# Where each fact came from:"]
    for p in intake.provenance:
        extra = f"; superseded: {', '.join(p.superseded)}" if p.superseded else ""
        lines.append(f"#   {p.fact} <- {', '.join(p.resources)}{extra}")
        if p.detail:
            lines.append(f"#       {p.detail}")
    if intake.unmapped:
        lines.append("# Not used:")
        lines += [f"#   entry[{u.entry}] {u.resource}: {u.reason}" for u in intake.unmapped]
    return "\n".join(lines) + "\n"


@fhir_app.command("to-case")
def to_case(
    bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (JSON): collection, searchset or transaction.",
                                           show_default=False)],
    fmt: Annotated[CaseFormat, typer.Option("--format", "-f", help="yaml (a case file) or json.")] = CaseFormat.yaml,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluation date YYYY-MM-DD (default: the Bundle's timestamp, else today).")] = None,
    drug: Annotated[str | None, typer.Option(
        "--drug", "-d", help="The requested drug: its doses give treatment_start and treatment_doses.")] = None,
) -> None:
    """Print the case a Bundle gives, each fact with the resource it came from."""
    from mednec.cli.common import as_of_date, emit_json, runtime
    from mednec.intake.fhir import bundle_to_case

    rt = runtime()
    generic = rt.catalog.find_drug(drug).drug.generic if drug else None
    intake = bundle_to_case(_read_json(bundle), rt.dictionary, as_of_date(as_of), drug=generic,
                            drugs=rt.catalog.calculators.drugs)
    if fmt is CaseFormat.json:
        emit_json(intake.to_dict())
        return
    import yaml

    sys.stdout.write(f"# Case derived from the FHIR Bundle {bundle.name} by mednec\n")
    sys.stdout.write(yaml.safe_dump(_dates(intake.case), sort_keys=False, allow_unicode=True, width=120,
                                    default_flow_style=None))
    sys.stdout.write(_provenance_comment(intake))


def _load(case: Path, as_of: dt.date | None, drug: str) -> Any:
    from mednec.cli.common import case_path, runtime
    from mednec.intake.case_file import check_limits
    from mednec.intake.loader import load_any

    rt = runtime()
    data = load_any(case_path(case), rt.dictionary, as_of=as_of, drug=rt.catalog.find_drug(drug).drug.generic)
    check_limits(data, rt.dictionary)  # as `mednec evaluate` does: a huge case is refused before it is used
    return data


@fhir_app.command("questionnaire")
def questionnaire(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON) or FHIR Bundle.", show_default=False)],
    drug: Annotated[str, typer.Option("--drug", "-d", help="Drug by generic or brand name.")],
    phase: Annotated[FhirPhase, typer.Option(help="initial request or continuation.")] = FhirPhase.initial,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD.")] = None,
    base: Annotated[str | None, typer.Option(
        "--base", help="Canonical base URL of the Questionnaire (default: the mednec placeholder).")] = None,
) -> None:
    """Print a FHIR R4 Questionnaire asking only for what the determination is missing."""
    from mednec.cli.common import as_of_date, emit_json, runtime
    from mednec.fhir.questionnaire import build_questionnaire
    from mednec.intake.fhir.codes import MEDNEC_BASE

    rt = runtime()
    when = as_of_date(as_of)
    parsed = rt.parse_case(_load(case, when, drug), as_of=when, source=f"case file {case.name}")
    det = rt.evaluate(parsed.facts, drug, phase=phase.value)
    emit_json(build_questionnaire(det, rt.dictionary, base=base or MEDNEC_BASE))


@fhir_app.command("apply-response")
def apply_response(
    case: Annotated[Path, typer.Argument(help="Case file (YAML or JSON) or FHIR Bundle.", show_default=False)],
    response: Annotated[Path, typer.Argument(help="QuestionnaireResponse (JSON).", show_default=False)],
    drug: Annotated[str, typer.Option("--drug", "-d", help="Drug by generic or brand name.")],
    phase: Annotated[FhirPhase, typer.Option(help="initial request or continuation.")] = FhirPhase.initial,
    fmt: Annotated[ResultFormat, typer.Option("--format", "-f", help="text, json or markdown.")] = ResultFormat.text,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD.")] = None,
    save_case: Annotated[Path | None, typer.Option(
        "--save-case", help="Also write the case with the answers merged in (YAML).")] = None,
) -> None:
    """Merge a QuestionnaireResponse into the case and evaluate again."""
    from mednec.cli.common import as_of_date, emit_determination, runtime
    from mednec.fhir.questionnaire import apply_response as apply

    rt = runtime()
    when = as_of_date(as_of)
    det, merged = apply(rt, _load(case, when, drug), _read_json(response), drug, phase=phase.value, as_of=when)
    if save_case is not None:
        import yaml

        try:
            save_case.write_text(yaml.safe_dump(_dates(merged), sort_keys=False, allow_unicode=True,
                                                default_flow_style=None), "utf-8")
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", field=str(save_case)) from None
    emit_determination(det, fmt.value)


def register(app: typer.Typer) -> None:
    """Add the ``fhir`` command group to the mednec app."""
    app.add_typer(fhir_app, name="fhir")
