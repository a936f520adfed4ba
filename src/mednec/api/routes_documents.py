"""/evaluations/{id}/documents: the article, letter, denial notice or information request of a
stored evaluation, for any audience, as Markdown, HTML, PDF or JSON (see :mod:`mednec.documents`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from mednec.api.deps import CaseReader, get_service
from mednec.api.guard import HEAD_KEY
from mednec.api.problems import problem
from mednec.api.responses import negotiate
from mednec.documents import DOC_HTML_CSP, document_media, stored_document, visible_documents
from mednec.store.service import Service

router = APIRouter(tags=["documents"])
Svc = Annotated[Service, Depends(get_service)]
Document = Literal["article", "letter", "denial", "info-request"]
#: the formats a document comes in, by media type, in the order a wildcard Accept gets them
_OFFERS = {"text/markdown": "markdown", "text/html": "html", "application/pdf": "pdf", "application/json": "json"}


@router.get("/evaluations/{eval_id}/documents", summary="The documents an evaluation can produce")
def list_documents(eval_id: str, principal: CaseReader, service: Svc) -> dict[str, object]:
    ev = service.cases.get_evaluation(principal, eval_id)
    return {"items": [{"document": doc, "label": label, "href": f"/evaluations/{ev.id}/documents/{doc}"}
                      for doc, label in visible_documents(ev, principal.role)]}


@router.get(
    "/evaluations/{eval_id}/documents/{document}",
    summary="An evaluation's document (article, letter, denial notice, information request)",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/pdf": {}, "application/json": {}}},
               406: {"description": "no ?format, and no document type the Accept header allows"},
               409: {"description": "the document does not fit the determination, or the case changed since"}},
)
def get_document(
    eval_id: str,
    document: Annotated[Document, Path(description="a letter fits meets_criteria, a denial notice "
                                                   "does_not_meet_criteria, an information request "
                                                   "insufficient_information; the article fits any")],
    principal: CaseReader, service: Svc, request: Request,
    audience: Annotated[Literal["clinician", "payer", "patient"], Query()] = "clinician",
    format: Annotated[Literal["markdown", "html", "pdf", "json"] | None, Query(  # noqa: A002 - the query name
        description="without it, the type the Accept header prefers (Markdown for */*); 406 when none fits")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    if format is None:
        format = negotiate(accept, _OFFERS)  # type: ignore[assignment]  # noqa: A001
        if format is None:
            return problem(406, "Not acceptable", "no document type the Accept header allows; offered: "
                           + ", ".join(_OFFERS), code="not_acceptable", field="Accept")
    ev = service.cases.get_evaluation(principal, eval_id)
    case = service.cases.get_case(principal, ev.case_id)
    ext = {"markdown": "md"}.get(format, format)
    disposition = "attachment" if format == "pdf" else "inline"
    headers = {"Content-Disposition": f'{disposition}; filename="mednec-{ev.id}-{document}.{ext}"'}
    if format == "html":
        headers["Content-Security-Policy"] = DOC_HTML_CSP
    if request.scope.get(HEAD_KEY):  # a check, not a view: not rendered, not audited, no PDF taken
        return head_response(document_media(ev, document, format, principal.role), headers)
    if format == "pdf":
        service.work_limits.take("pdf", principal.id)  # 429 past the user's limit of PDFs a minute
    content, media = stored_document(service.runtime, ev, case, document, format, audience=audience,
                                     role=principal.role, versions=service.policies)
    service.audit_log.record(principal, "document.produce", "evaluation", ev.id, document=document, format=format,
                   audience=audience, via="api")
    return Response(content, media_type=media, headers=headers)


def head_response(media: str, headers: dict[str, str]) -> Response:
    """The answer to a HEAD of a document: its type and headers, no Content-Length (the document is not
    rendered, so its length is not known; RFC 9110 §8.6 lets a HEAD answer leave it out)."""
    resp = Response(media_type=media, headers=headers)
    del resp.headers["content-length"]
    return resp
