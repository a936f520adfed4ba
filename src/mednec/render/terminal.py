"""A readable, coloured terminal report of a determination (rich)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mednec.engine.determination import INSUFFICIENT, MEETS, Determination
from mednec.render.common import STATUS_WORD, VERDICT_WORD, cite_marks, evidence_text
from mednec.tri import Tri

__all__ = ["print_determination"]

_VERDICT_STYLE = {MEETS: "bold green", "does_not_meet_criteria": "bold red", INSUFFICIENT: "bold yellow"}
_STATUS_STYLE = {Tri.MET: "green", Tri.NOT_MET: "red", Tri.UNKNOWN: "yellow"}
_ICON = {Tri.MET: "✔", Tri.NOT_MET: "✘", Tri.UNKNOWN: "?"}


def _criteria_table(det: Determination, pathway: str | None, title: str) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("", width=2)
    table.add_column("Criterion", ratio=3)
    table.add_column("Status", width=8)
    table.add_column("Evidence", ratio=4)
    table.add_column("Cited", width=9)
    for c in det.criteria:
        if c.pathway != pathway:
            continue
        style = _STATUS_STYLE[c.status]
        text = Text("  " * c.depth + c.text)
        evidence = Text("\n".join(evidence_text(e) for e in c.evidence))  # Text: user data is not markup
        table.add_row(Text(_ICON[c.status], style=style), text,
                      Text(STATUS_WORD[c.status], style=style), evidence, Text(cite_marks(c.citations)))
    return table


def print_determination(det: Determination, console: Console) -> None:
    """Print the whole determination."""
    style = _VERDICT_STYLE[det.determination]
    head = Text(VERDICT_WORD[det.determination].upper(), style=style)
    lines: list[Text] = [head, Text(f"{det.policy['title']}  (policy {det.policy['id']} v{det.policy['version']}, "
                        f"effective {det.policy['effective_date']}; evaluated as of {det.as_of.isoformat()}, "
                        f"{det.phase} review)")]
    if det.pathway:
        lines.append(Text(f"Pathway met: {det.pathway.name} {cite_marks(det.pathway.citations)}"))
    if det.authorization:
        a = det.authorization
        lines.append(Text(f"Authorisation: {a['period']} ({a['start']} to {a['end']}) {cite_marks(a['citations'])}"))
    if det.requires_physician_review:
        lines.append(Text("Recommendation only: an adverse or incomplete determination needs a physician reviewer.",
                          style="italic"))
    console.print(Panel(Group(*lines), title="mednec determination", expand=True))
    for note in det.notes:
        console.print(Text.assemble(("Note: ", "cyan"), note))
    if det.phase == "initial":
        console.print(_criteria_table(det, None, "Criteria every pathway needs"))
        for p in det.pathways:
            console.print(_criteria_table(
                det, p.id, f"Pathway: {p.name} (line {p.line}) — {STATUS_WORD[p.status]} {cite_marks(p.citations)}"))
    else:
        console.print(_criteria_table(det, "continuation", "Continuation criteria"))
    if det.missing_documentation:
        console.print("\n[bold yellow]Missing documentation — please send:[/bold yellow]")
        for m in det.missing_documentation:
            console.print(Text(f"  • {m.description}"))
            for q in m.questions:
                console.print(Text(f"      {q}", style="dim"))
    if det.changes:
        console.print("\n[bold]What would change the answer:[/bold]")
        for ch in det.changes:
            where = f"[{ch.pathway}] " if ch.pathway else ""
            console.print(Text(f"  • {where}{ch.criterion}: {ch.text}"))
    if det.alternatives:
        console.print("\n[bold]Other drugs for this patient (guideline sequence):[/bold]")
        for alt in det.alternatives:
            st = _VERDICT_STYLE[alt.determination]
            console.print(f"  • {alt.drug} ({', '.join(alt.brands)}): [{st}]{VERDICT_WORD[alt.determination]}[/{st}]"
                          f"{f' — line {alt.line}' if alt.line else ''}  [dim]{alt.sequence}[/dim]")
    console.print("\n[bold]References[/bold]")
    for c in det.citations:
        sections = f" (§{', §'.join(c.sections)})" if c.sections else ""
        console.print(Text(f"  [{c.n}] {c.ref.formatted()}{sections}"))
    console.print(f"\n[dim]input hash {det.input_hash}[/dim]")
