"""The documents of a stored evaluation (article, letter, denial notice, information request),
for the web pages and the REST API alike.

A stored evaluation keeps the determination's JSON; :func:`stored_determination` reads it back
(:meth:`Determination.from_dict`, the exact inverse of ``to_dict``) and the documents render
that. Nothing is evaluated again: a document describes the evaluation it belongs to, with the
facts it was made from, also after the case was edited (a new evaluation gets new documents).
"""

from __future__ import annotations

from typing import Any, Protocol

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.errors import ConflictError, MednecError, NotFoundError
from mednec.policies.model import Pack, Policy
from mednec.runtime import Runtime
from mednec.states import Decision, DocumentReview, ReviewState
from mednec.store.models import Case, Evaluation

__all__ = ["DOCUMENTS", "DOC_HTML_CSP", "MEDIA", "Versions", "check_document", "document_media", "documents_for", "excluded_by_benefit",
           "may_see", "policy_and_pack", "produce", "review_status", "signature_of", "sources", "stored_determination",
           "stored_document", "visible_documents"]

# document -> (label, the determination it is produced for; None for any)
DOCUMENTS: dict[str, tuple[str, str | None]] = {
    "article": ("Article", None),
    "letter": ("Letter of medical necessity", MEETS),
    "denial": ("Adverse-determination notice (for signature)", NOT_MET),
    "info-request": ("Request for information", INSUFFICIENT),
}
#: the denial notice once the physician reviewer has decided and signed it
_SIGNED_LABEL = "Notice of denial (signed by the physician reviewer)"
#: an HTML document is self-contained: nothing to load, no scripts, no forms
DOC_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "markdown": "text/markdown; charset=utf-8",
         "json": "application/json"}


def documents_for(determination: str, benefit_excluded: bool = False) -> list[tuple[str, str]]:
    """The documents that fit a determination: (document, label). A use the plan's benefit
    excludes outright also gets the denial notice (a coverage denial), whatever the determination."""
    return [(k, label) for k, (label, need) in DOCUMENTS.items()
            if need in (None, determination) or (k == "denial" and benefit_excluded)]


def excluded_by_benefit(ev: Evaluation) -> bool:
    """The stored determination says the plan's benefit excludes every use requested."""
    benefit = ev.result.get("benefit")
    return isinstance(benefit, dict) and benefit.get("status") == "excluded"


def review_status(state: str, decision: str | None = None) -> DocumentReview:
    """The renderer's review status for a workflow state and its final decision: a confirmed or
    overturned recommendation reads as the decision made ("approved" or "denied"), never as the
    workflow's "approved" for a denial (:func:`mednec.store.status.status_of`)."""
    s = ReviewState
    if state in (s.APPROVED, s.OVERTURNED) and decision in (Decision.APPROVED, Decision.DENIED):
        return DocumentReview(decision)
    if state == s.WITHDRAWN:  # withdrawn before a decision: no review follows, never "pending review"
        return DocumentReview.WITHDRAWN
    if state in (s.UNDER_REVIEW, s.APPEALED):
        return DocumentReview.UNDER_REVIEW
    if state in (s.INFO_REQUESTED, s.CHANGES_REQUESTED):
        return DocumentReview.INFO_REQUESTED
    return DocumentReview.SUBMITTED


def may_see(ev: Evaluation, doc: str, role: str) -> bool:
    """A requester sees a denial notice only once a physician reviewer has decided to deny."""
    return doc != "denial" or role != "requester" or ev.decision == Decision.DENIED


def visible_documents(ev: Evaluation, role: str) -> list[tuple[str, str]]:
    """The documents ``ev`` can produce that ``role`` may see: (document, label)."""
    return [(doc, _SIGNED_LABEL if doc == "denial" and signature_of(ev) else label)
            for doc, label in documents_for(ev.determination, excluded_by_benefit(ev)) if may_see(ev, doc, role)]


def check_document(ev: Evaluation, doc: str, role: str) -> None:
    """Refuse a document that does not exist (404) or does not fit the determination (409), and a
    denial notice a requester may not see yet (404, see :func:`may_see`)."""
    if doc not in DOCUMENTS:
        raise NotFoundError(f"no document {doc}")
    label, need = DOCUMENTS[doc]
    if need is not None and need != ev.determination and not (doc == "denial" and excluded_by_benefit(ev)):
        raise ConflictError(f"a {label.lower()} is produced only for “{need.replace('_', ' ')}”; "
                            f"this answer is “{ev.determination.replace('_', ' ')}”")
    if not may_see(ev, doc, role):
        raise NotFoundError("no such document")


class Versions(Protocol):
    """Where policy versions published after the shipped one live (the store's PolicyRegistry)."""

    def compiled(self, policy_id: str, version: str) -> Policy: ...

    def current(self, shipped: Policy) -> tuple[Policy, Pack]: ...


def policy_and_pack(runtime: Runtime, policy_id: str, version: str,
                    versions: Versions | None = None) -> tuple[Policy, Pack] | None:
    """The policy version an evaluation used, with its pack; None when it cannot be found
    (without ``versions`` only the shipped version is known)."""
    try:
        shipped = runtime.catalog.policy(policy_id)
        if versions is None:
            return (shipped, runtime.catalog.pack_of(shipped)) if shipped.version == version else None
        return versions.compiled(policy_id, version), versions.current(shipped)[1]
    except MednecError:
        return None


def stored_determination(runtime: Runtime, ev: Evaluation) -> Determination:
    """The determination the evaluation stored, read back from its JSON (not recomputed)."""
    return Determination.from_dict(ev.result, runtime.dictionary)


def sources(runtime: Runtime, det: Determination, case_title: str, versions: Versions | None = None) -> Any:
    """The renderer's sources for ``det``: the policy version it was made under, its pack, evidence."""
    from mednec.render.article import ArticleSources

    found = policy_and_pack(runtime, det.policy["id"], det.policy["version"], versions)
    if found is None:
        raise NotFoundError(f"no policy {det.policy['id']} version {det.policy['version']}")
    policy, pack = found
    return ArticleSources.of(policy, pack, runtime.dictionary, case_name="case file", case_title=case_title)


def produce(runtime: Runtime, det: Determination, doc: str, fmt: str, *, audience: str, state: str,
            case_title: str, versions: Versions | None = None, decision: str | None = None,
            signed: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A document from the renderer as (content, media type); ``fmt`` is markdown (or md), html,
    pdf or json. ``signed`` is the physician reviewer's signature of a decided denial
    (:func:`signature_of`). Raises ImportError when the renderer is not installed."""
    from mednec.render.formats import render
    from mednec.render.letters import build_document
    from mednec.render.payer import load_payer_profile

    fmt = {"md": "markdown"}.get(fmt, fmt)
    built = build_document(det, sources(runtime, det, case_title, versions), document=doc, audience=audience,
                           review_status=review_status(state, decision), payer=load_payer_profile(),
                           signed=signed if doc == "denial" else None)
    out = render(_without_commands(built), fmt)
    return (out if isinstance(out, bytes) else out.encode("utf-8")), MEDIA[fmt]


def signature_of(ev: Evaluation) -> dict[str, str] | None:
    """The signature of a denial a physician reviewer decided: the name as signed (the reviewer's
    registered name, checked when signing) and the date of the decision; None otherwise."""
    if ev.decision != Decision.DENIED or not ev.signature:
        return None
    return {"name": ev.signature, "date": ev.decided_at.date().isoformat() if ev.decided_at else ""}


def _without_commands(built: Any) -> Any:
    """A document served to people: without the "related questions" as ``mednec`` commands (the
    pages link to those questions instead; the CLI's ``mednec report`` keeps them)."""
    if hasattr(built, "related"):
        return built._replace(related=())
    if hasattr(built, "article"):
        return built._replace(article=built.article._replace(related=()))
    return built


def document_media(ev: Evaluation, doc: str, fmt: str, role: str) -> str:
    """What a HEAD request of a stored document answers: the checks of :func:`stored_document` (404, 409), then
    the media type, without rendering the document (a HEAD is a check, not a view: neither rendered nor
    audited as ``document.produce``)."""
    check_document(ev, doc, role)
    return MEDIA[{"md": "markdown"}.get(fmt, fmt)]


def stored_document(runtime: Runtime, ev: Evaluation, case: Case, doc: str, fmt: str, *, audience: str, role: str,
                    versions: Versions | None = None) -> tuple[bytes, str]:
    """A stored evaluation's document for ``role``: checked (:func:`check_document`), rendered
    (:func:`produce`) from the stored determination (:func:`stored_determination`). Raises
    ImportError when the renderer is not installed."""
    check_document(ev, doc, role)
    det = stored_determination(runtime, ev)
    return produce(runtime, det, doc, fmt, audience=audience, state=ev.state, case_title=case.title,
                   versions=versions, decision=ev.decision, signed=signature_of(ev))
