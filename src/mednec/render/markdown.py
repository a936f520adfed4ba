"""A Markdown summary of a determination (the full article lives in the documents module)."""

from __future__ import annotations

from mednec.engine.determination import Determination
from mednec.render.common import STATUS_WORD, VERDICT_WORD, cite_marks, evidence_text

__all__ = ["determination_markdown"]


def determination_markdown(det: Determination) -> str:
    """Render the determination as Markdown with numbered citations and a reference list."""
    p = det.policy
    out = [
        f"# {p['title']}",
        "",
        f"**Determination: {VERDICT_WORD[det.determination]}** ({det.phase} review, as of {det.as_of.isoformat()})",
        "",
        *([det.bottom_line, ""] if det.bottom_line else []),
        f"Policy `{p['id']}` version {p['version']}, effective {p['effective_date']}. Input hash `{det.input_hash}`.",
        "",
    ]
    if det.pathway:
        out += [f"Pathway met: **{det.pathway.name}** {cite_marks(det.pathway.citations)}", ""]
    if det.authorization:
        a = det.authorization
        out += [f"Authorisation: {a['period']}, {a['start']} to {a['end']} {cite_marks(a['citations'])}", ""]
    if det.benefit is not None:  # a coverage exclusion, worded apart from the clinical answer
        out += [f"> **{det.benefit.statement()}**", ""]
    if det.requires_physician_review:
        out += ["> Recommendation only: an adverse or incomplete determination needs a physician reviewer's approval.", ""]
    for note in det.notes:
        out += [f"- Note: {note}"]
    out += ["", "## Criteria", "", "| Pathway | Criterion | Status | Evidence | Cited |", "|---|---|---|---|---|"]
    for c in det.criteria:
        ev = "<br>".join(evidence_text(e) for e in c.evidence).replace("|", "\\|")
        indent = "&nbsp;&nbsp;" * c.depth
        out.append(f"| {c.pathway or 'all'} | {indent}{c.text} | {STATUS_WORD[c.status]} | {ev} | {cite_marks(c.citations)} |")
    if det.assumptions:
        out += ["", "## Assumed — the request must attest", ""]
        out += [f"- {a.attest} ({a.criterion}: {a.why}) {cite_marks(a.citations)}".rstrip() for a in det.assumptions]
    if det.inferences:
        out += ["", "## Inferred from other documented facts", ""]
        out += [f"- {x.fact_label}: {x.value}, inferred from {x.because} ({x.criterion})" for x in det.inferences]
    if det.missing_documentation:
        out += ["", "## Missing documentation", ""]
        out += [f"- {m.description}" for m in det.missing_documentation]
    if det.changes:
        out += ["", "## What would change the answer", ""]
        out += [f"- {c.criterion}{f' ({c.pathway})' if c.pathway else ''}: {c.text}" for c in det.changes]
    if det.alternatives:
        out += ["", "## Other drugs for this patient", ""]
        out += [f"- {a.drug}: {VERDICT_WORD[a.determination]} — {a.sequence}" for a in det.alternatives]
    out += ["", "## References", ""]
    out += [f"{c.n}. {c.ref.formatted()}" for c in det.citations]
    return "\n".join(out) + "\n"
