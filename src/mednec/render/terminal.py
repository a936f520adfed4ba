"""A readable, coloured terminal report of a determination (rich).

Plain lines with styles rather than tables: it reads well at any terminal width, copies
cleanly into a note, and keeps `mednec evaluate` quick to start. User-supplied text is
always passed as :class:`rich.text.Text`, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.text import Text

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, CriterionResult, Determination
from mednec.render.common import STATUS_WORD, VERDICT_WORD, cite_marks, evidence_text
from mednec.tri import Tri

__all__ = ["print_determination"]

_VERDICT_STYLE = {MEETS: "bold green", NOT_MET: "bold red", INSUFFICIENT: "bold yellow"}
_STATUS_STYLE = {Tri.MET: "green", Tri.NOT_MET: "red", Tri.UNKNOWN: "yellow"}
_ICON = {Tri.MET: "✔", Tri.NOT_MET: "✘", Tri.UNKNOWN: "?"}


def _criterion(c: CriterionResult, console: Console, labels: Mapping[str, str] | None) -> None:
    pad = "  " * (c.depth + 1)
    style = _STATUS_STYLE[c.status]
    console.print(Text.assemble(pad, (f"{_ICON[c.status]} {STATUS_WORD[c.status]:<8}", style), c.text,
                                (f"  {cite_marks(c.citations)}", "dim")))
    for e in c.evidence:
        console.print(Text(f"{pad}    {evidence_text(e, labels)}", style="dim"))


def _section(title: str, console: Console) -> None:
    console.print()
    console.print(Text(title, style="bold underline"))


def _criteria(det: Determination, console: Console, labels: Mapping[str, str] | None) -> None:
    if det.phase == "initial":
        _section("Criteria every pathway needs", console)
        for c in det.criteria:
            if c.pathway is None:
                _criterion(c, console, labels)
        for pw in det.pathways:
            _section(f"Pathway: {pw.name} (line {pw.line}) — {STATUS_WORD[pw.status]} {cite_marks(pw.citations)}",
                     console)
            for c in det.criteria:
                if c.pathway == pw.id:
                    _criterion(c, console, labels)
    else:
        _section("Continuation criteria", console)
        for c in det.criteria:
            _criterion(c, console, labels)


def _presumed_and_missing(det: Determination, console: Console) -> None:
    """Presumptions, inferences, missing documents and what would change the answer, by their words."""
    texts = {c.id: c.text for c in det.criteria}
    pathways = {pw.id: pw.name for pw in det.pathways}
    if det.assumptions:
        _section("Assumed — the request must attest", console)
        for asm in det.assumptions:
            console.print(Text.assemble(f"  • {asm.attest} ",
                                        (f"({asm.criterion_text}: {asm.why}) {cite_marks(asm.citations)}", "dim")))
    if det.inferences:
        _section("Inferred from other documented facts", console)
        for x in det.inferences:
            console.print(Text(f"  • {x.fact_label}: {x.value}, inferred from {x.because} "
                               f"({texts.get(x.criterion, x.criterion)})"))
    if det.missing_documentation:
        _section("Missing documentation — please send", console)
        for m in det.missing_documentation:
            console.print(Text(f"  • {m.description}"))
            for q in m.questions:
                console.print(Text(f"      {q}", style="dim"))
    if det.changes:
        _section("What would change the answer", console)
        for ch in det.changes:
            where = f"[{pathways.get(ch.pathway, ch.pathway)}] " if ch.pathway else ""
            console.print(Text(f"  • {where}{texts.get(ch.criterion, ch.criterion)}: {ch.text}"))


def print_determination(det: Determination, console: Console, labels: Mapping[str, str] | None = None) -> None:
    """Print the whole determination; ``labels`` (fact id -> the dictionary's label) names the evidence.

    Criteria and pathways are named by their text, never by their ids.
    """
    p = det.policy
    console.print(Text(VERDICT_WORD[det.determination].upper(), style=_VERDICT_STYLE[det.determination]))
    if det.bottom_line:
        console.print(Text(det.bottom_line, style="bold"))
    console.print(Text(f"{p['title']} — policy {p['id']} v{p['version']} (effective {p['effective_date']}); "
                       f"{det.phase} review as of {det.as_of.isoformat()}"))
    if det.pathway:
        console.print(Text(f"Pathway met: {det.pathway.name} {cite_marks(det.pathway.citations)}"))
    if det.authorization:
        a = det.authorization
        console.print(Text(f"Authorisation: {a['period']} ({a['start']} to {a['end']}) {cite_marks(a['citations'])}"))
    if det.benefit is not None:  # a coverage exclusion, worded apart from the clinical answer
        console.print(Text(det.benefit.statement(), style="bold magenta"))
    if det.requires_physician_review:
        console.print(Text("Recommendation only: an adverse or incomplete determination needs a physician reviewer.",
                           style="italic"))
    for note in det.notes:
        console.print(Text.assemble(("Note: ", "cyan"), note))
    _criteria(det, console, labels)
    _presumed_and_missing(det, console)
    if det.alternatives:
        _section("Other drugs for this patient (guideline sequence)", console)
        for alt in det.alternatives:
            console.print(Text.assemble(
                f"  • {alt.drug} ({', '.join(alt.brands)}): ",
                (VERDICT_WORD[alt.determination], _VERDICT_STYLE[alt.determination]),
                f" — line {alt.line}" if alt.line else "",
                (f"  {alt.sequence}", "dim"),
            ))
    _section("References", console)
    for ref in det.citations:
        sections = f" (§{', §'.join(ref.sections)})" if ref.sections else ""
        console.print(Text(f"  [{ref.n}] {ref.ref.formatted()}{sections}"))
    console.print(Text(f"\ninput hash {det.input_hash}", style="dim"))
