"""`mednec report`: the answer as a document (article, letter, denial notice, information request).

Registered on the main app by ``register(app)``. Only typer and the standard library are
imported here; jinja2 (and typst, for PDF) load when a document is rendered, so ``mednec evaluate``
starts no slower.
"""

from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mednec.errors import InputError

if TYPE_CHECKING:
    from mednec.render.formats import Document as Rendered

__all__ = ["register"]


class Audience(str, Enum):
    clinician = "clinician"
    payer = "payer"
    patient = "patient"


class Document(str, Enum):
    article = "article"
    letter = "letter"
    denial = "denial"
    info_request = "info-request"


class DocFormat(str, Enum):
    markdown = "markdown"
    html = "html"
    pdf = "pdf"
    json = "json"


class ReportPhase(str, Enum):
    initial = "initial"
    continuation = "continuation"


def report(
    case: Annotated[Path | None, typer.Argument(
        help="Case file (YAML or JSON) or FHIR R4 Bundle; leave out with --general.", show_default=False)] = None,
    drug: Annotated[str, typer.Option(
        "--drug", "-d", help="Drug by generic or brand name, e.g. luspatercept or Reblozyl.")] = "",
    audience: Annotated[Audience, typer.Option(
        help="clinician, payer or patient (plain language).")] = Audience.clinician,
    document: Annotated[Document, typer.Option(
        help="article, letter (of medical necessity), denial (adverse-determination notice) or info-request."),
    ] = Document.article,
    fmt: Annotated[DocFormat, typer.Option(
        "--format", "-f", help="markdown, html, pdf (needs -o) or json.")] = DocFormat.markdown,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluation date YYYY-MM-DD (default: the case's as_of, else today).")] = None,
    phase: Annotated[ReportPhase, typer.Option(
        help="initial request or continuation (re-authorisation).")] = ReportPhase.initial,
    general: Annotated[bool, typer.Option(
        "--general", help="Describe the policy's criteria in general, without a patient.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of standard output.")] = None,
    payer_profile: Annotated[Path | None, typer.Option(
        "--payer-profile", help="YAML payer profile for the denial notice: plan name, member ID, program, appeal "
        "and peer-to-peer contacts, taglines (default: $MEDNEC_PAYER_PROFILE, else placeholders).")] = None,
) -> None:
    """Write the answer as a document: article, letter, denial notice or information request."""
    if not drug:
        raise InputError("name the drug, e.g. --drug luspatercept", field="--drug")
    if general and case is not None:
        raise InputError("--general describes the policy without a patient; leave out the case file", field="CASE")
    if not general and case is None:
        raise InputError("give a case file, or --general for the criteria in general", field="CASE")
    if fmt is DocFormat.pdf and output is None:
        raise InputError("PDF is binary: give an output file with -o FILE.pdf", field="--format")
    from mednec.cli.common import as_of_date, case_path, runtime
    from mednec.render.article import ArticleSources
    from mednec.render.letters import build_document

    rt = runtime()
    policy = rt.catalog.find_drug(drug)
    if phase is ReportPhase.continuation and policy.continuation is None:
        raise InputError(f"policy {policy.id} has no continuation criteria", field="--phase")
    pack = rt.catalog.pack_of(policy)
    when = as_of_date(as_of)
    if general:
        src = ArticleSources.of(policy, pack, rt.dictionary)
        doc = build_document(None, src, document=document.value, audience=audience.value, general=True,
                             as_of=when or dt.date.today(), phase=phase.value)
    else:
        assert case is not None
        parsed = rt.read_case(case_path(case), as_of=when)
        from mednec.cli.common import payer_profile_option

        profile = payer_profile_option(payer_profile)
        # the plan's benefit exclusions are reported beside the clinical determination, never in place of it
        det = rt.evaluate(parsed.facts, policy, phase=phase.value, program=profile.program,
                          exclusions=profile.exclusions)
        src = ArticleSources.of(policy, pack, rt.dictionary, case_name=case.name, case_title=parsed.title)
        doc = build_document(det, src, document=document.value, audience=audience.value, payer=profile)
    _write(doc, fmt.value, output)


def _write(doc: Rendered, fmt: str, output: Path | None) -> None:
    from mednec.render.formats import render

    data = render(doc, fmt)
    if output is None:
        assert isinstance(data, str)
        sys.stdout.write(data)
        return
    try:
        if isinstance(data, bytes):
            output.write_bytes(data)
        else:
            output.write_text(data, "utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", field=str(output)) from None


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to the mednec app."""
    app.command("report")(report)
