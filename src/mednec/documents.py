"""The documents of a stored evaluation (article, letter, denial notice, information request),
for the web pages and the REST API alike.

A stored evaluation keeps the determination's JSON, not the :class:`Determination` the
renderer needs. Determinations are deterministic, so the stored case is evaluated again at the
evaluation's date under the same policy version, and the result is used only when its input
hash equals the stored one; otherwise the case changed since, and the caller must evaluate it
again (a document never describes other facts than the evaluation it belongs to).
"""

from __future__ import annotations

from typing import Any

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.errors import ConflictError, MednecError, NotFoundError
from mednec.runtime import Runtime
from mednec.store.models import Case, Evaluation

__all__ = ["DOCUMENTS", "DOC_HTML_CSP", "MEDIA", "check_document", "documents_for", "produce", "redetermine", "review_status"]

# document -> (label, the determination it is produced for; None for any)
DOCUMENTS: dict[str, tuple[str, str | None]] = {
    "article": ("Article", None),
    "letter": ("Letter of medical necessity", MEETS),
    "denial": ("Adverse-determination notice (for signature)", NOT_MET),
    "info-request": ("Request for information", INSUFFICIENT),
}
#: an HTML document is self-contained: nothing to load, no scripts, no forms
DOC_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "markdown": "text/markdown; charset=utf-8",
         "json": "application/json"}


def documents_for(determination: str) -> list[tuple[str, str]]:
    """The documents that fit a determination: (document, label)."""
    return [(k, label) for k, (label, need) in DOCUMENTS.items() if need in (None, determination)]


def review_status(state: str) -> str:
    """The renderer's review status for a workflow state."""
    if state == "approved":
        return "approved"
    if state in ("under_review", "appealed"):
        return "under_review"
    return "submitted"


def check_document(ev: Evaluation, doc: str, role: str) -> None:
    """Refuse a document that does not exist (404) or does not fit the determination (409). A
    requester sees a denial notice only once a physician reviewer has decided to deny."""
    if doc not in DOCUMENTS:
        raise NotFoundError(f"no document {doc}")
    label, need = DOCUMENTS[doc]
    if need is not None and need != ev.determination:
        raise ConflictError(f"a {label.lower()} is produced only for “{need.replace('_', ' ')}”; "
                            f"this answer is “{ev.determination.replace('_', ' ')}”")
    if doc == "denial" and role == "requester" and ev.decision != "denied":
        raise NotFoundError("no such document")


def redetermine(runtime: Runtime, ev: Evaluation, case: Case) -> Determination | None:
    """The stored evaluation's determination, recomputed; None when it would differ."""
    try:
        policy = runtime.catalog.policy(ev.policy_id)
    except MednecError:
        return None
    if policy.version != ev.policy_version:
        return None
    try:
        parsed = runtime.parse_case(case.data, as_of=ev.as_of)
        det = runtime.evaluate(parsed.facts, policy, phase=ev.phase)
    except MednecError:
        return None
    return det if det.input_hash == ev.input_hash else None


def produce(runtime: Runtime, det: Determination, doc: str, fmt: str, *, audience: str, state: str,
            case_title: str) -> tuple[bytes, str]:
    """A document from the renderer as (content, media type); ``fmt`` is markdown (or md), html,
    pdf or json. Raises ImportError when the renderer is not installed."""
    from mednec.render.article import ArticleSources
    from mednec.render.formats import render
    from mednec.render.letters import build_document

    fmt = {"md": "markdown"}.get(fmt, fmt)
    policy = runtime.catalog.policy(det.policy["id"])
    src: Any = ArticleSources.of(policy, runtime.catalog.pack_of(policy), runtime.dictionary, case_name="case file",
                                 case_title=case_title)
    built = build_document(det, src, document=doc, audience=audience, review_status=review_status(state))
    out = render(built, fmt)
    return (out if isinstance(out, bytes) else out.encode("utf-8")), MEDIA[fmt]
