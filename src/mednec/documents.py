"""The documents of a stored evaluation (article, letter, denial notice, information request),
for the web pages and the REST API alike.

A stored evaluation keeps the determination's JSON, not the :class:`Determination` the
renderer needs. Determinations are deterministic, so the stored case is evaluated again at the
evaluation's date under the same policy version, and the result is used only when its input
hash equals the stored one; otherwise the case changed since, and the caller must evaluate it
again (a document never describes other facts than the evaluation it belongs to).
"""

from __future__ import annotations

from typing import Any, Protocol

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.engine.evaluate import evaluate
from mednec.errors import ConflictError, MednecError, NotFoundError
from mednec.policies.model import Pack, Policy
from mednec.runtime import Runtime
from mednec.store.models import Case, Evaluation

__all__ = ["DOCUMENTS", "DOC_HTML_CSP", "MEDIA", "Versions", "check_document", "documents_for", "may_see",
           "policy_and_pack", "produce", "redetermine", "review_status", "sources", "stored_document",
           "visible_documents"]

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


def may_see(ev: Evaluation, doc: str, role: str) -> bool:
    """A requester sees a denial notice only once a physician reviewer has decided to deny."""
    return doc != "denial" or role != "requester" or ev.decision == "denied"


def visible_documents(ev: Evaluation, role: str) -> list[tuple[str, str]]:
    """The documents ``ev`` can produce that ``role`` may see: (document, label)."""
    return [(doc, label) for doc, label in documents_for(ev.determination) if may_see(ev, doc, role)]


def check_document(ev: Evaluation, doc: str, role: str) -> None:
    """Refuse a document that does not exist (404) or does not fit the determination (409), and a
    denial notice a requester may not see yet (404, see :func:`may_see`)."""
    if doc not in DOCUMENTS:
        raise NotFoundError(f"no document {doc}")
    label, need = DOCUMENTS[doc]
    if need is not None and need != ev.determination:
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


def redetermine(runtime: Runtime, ev: Evaluation, case: Case, versions: Versions | None = None) -> Determination | None:
    """The stored evaluation's determination, recomputed under the policy version it used; None
    when that version cannot be found or the result would differ (the case changed)."""
    found = policy_and_pack(runtime, ev.policy_id, ev.policy_version, versions)
    if found is None:
        return None
    policy, pack = found
    try:
        parsed = runtime.parse_case(case.data, as_of=ev.as_of)
        det = evaluate(policy, parsed.facts, pack, runtime.dictionary, phase=ev.phase)
    except MednecError:
        return None
    return det if det.input_hash == ev.input_hash else None


def sources(runtime: Runtime, det: Determination, case_title: str, versions: Versions | None = None) -> Any:
    """The renderer's sources for ``det``: the policy version it was made under, its pack, evidence."""
    from mednec.render.article import ArticleSources

    found = policy_and_pack(runtime, det.policy["id"], det.policy["version"], versions)
    if found is None:
        raise NotFoundError(f"no policy {det.policy['id']} version {det.policy['version']}")
    policy, pack = found
    return ArticleSources.of(policy, pack, runtime.dictionary, case_name="case file", case_title=case_title)


def produce(runtime: Runtime, det: Determination, doc: str, fmt: str, *, audience: str, state: str,
            case_title: str, versions: Versions | None = None) -> tuple[bytes, str]:
    """A document from the renderer as (content, media type); ``fmt`` is markdown (or md), html,
    pdf or json. Raises ImportError when the renderer is not installed."""
    from mednec.render.formats import render
    from mednec.render.letters import build_document

    fmt = {"md": "markdown"}.get(fmt, fmt)
    built = build_document(det, sources(runtime, det, case_title, versions), document=doc, audience=audience,
                           review_status=review_status(state))
    out = render(built, fmt)
    return (out if isinstance(out, bytes) else out.encode("utf-8")), MEDIA[fmt]


def stored_document(runtime: Runtime, ev: Evaluation, case: Case, doc: str, fmt: str, *, audience: str, role: str,
                    versions: Versions | None = None) -> tuple[bytes, str]:
    """A stored evaluation's document for ``role``: checked (:func:`check_document`), its
    determination recomputed (:func:`redetermine`; 409 when the case or policy changed since),
    rendered (:func:`produce`). Raises ImportError when the renderer is not installed."""
    check_document(ev, doc, role)
    det = redetermine(runtime, ev, case, versions)
    if det is None:
        raise ConflictError("the case or its policy changed after this evaluation; evaluate it again to "
                            "produce documents")
    return produce(runtime, det, doc, fmt, audience=audience, state=ev.state, case_title=case.title,
                   versions=versions)
