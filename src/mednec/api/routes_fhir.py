"""CDS Hooks 2.0 (Da Vinci CRD), the questionnaire for missing documentation (DTR), and PAS."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request
from fastapi.responses import JSONResponse

from mednec.api.cds_trust import CdsTrust, looks_like_jwt
from mednec.api.deps import Auth, Requester, Signed, get_principal, get_service, json_only
from mednec.api.problems import problem
from mednec.api.responses import negotiate
from mednec.engine.determination import Determination
from mednec.errors import CaseFormatError, InputError
from mednec.store.access import Principal
from mednec.store.service import Service

router = APIRouter(tags=["FHIR: CDS Hooks, DTR, PAS"])
Svc = Annotated[Service, Depends(get_service)]
FhirBody = Annotated[dict[str, Any], Body(description="A FHIR R4 JSON resource")]


#: the media types a FHIR answer comes in (FHIR R4 http.html#mime-type); */* gets application/json
FHIR_JSON = {"application/json": "application/json", "application/fhir+json": "application/fhir+json"}
Accept = Annotated[str | None, Header()]


def _fhir_answer(accept: str | None, work: Any) -> JSONResponse:
    """``work()``'s resource in the JSON media type Accept prefers; 406 (before any work) when Accept allows
    neither (application/fhir+xml only: mednec writes JSON, and PAS requires JSON). Every FHIR endpoint (DTR
    and PAS) answers through it; a problem document ``work`` returns is passed on as it is."""
    media = negotiate(accept, FHIR_JSON)
    if media is None:
        return problem(406, "Not acceptable", "mednec answers application/fhir+json or application/json only",
                       code="not_acceptable", field="Accept")
    out = work()
    return out if isinstance(out, JSONResponse) else JSONResponse(out, media_type=media)


@router.get("/cds-services", summary="CDS Hooks discovery: order-select and order-sign with prefetch templates")
def cds_discovery(service: Svc) -> dict[str, Any]:
    from mednec.fhir.crd import discovery

    return discovery(service.runtime.dictionary)


def cds_principal(
    request: Request, service_id: str,
    authorization: Annotated[str | None, Header(description="Bearer <JWT signed by a registered CDS client> "
                                                            "or Bearer <api key>")] = None,
) -> Principal:
    """CDS Hooks clients authenticate with a signed JWT (CDS Hooks 2.0) or a mednec API key."""
    token = authorization[7:].strip() if authorization and authorization.lower().startswith("bearer ") else None
    if token and looks_like_jwt(token):
        base = (getattr(request.app.state, "public_base_url", None) or _public_url() or str(request.base_url)).rstrip("/")
        trust: CdsTrust = request.app.state.cds_trust
        principal = trust.verify(token, f"{base}/cds-services/{service_id}")
    else:
        principal = get_principal(request, authorization)
    json_only(request)
    return principal


def _public_url() -> str | None:
    """``MEDNEC_PUBLIC_URL``: where mednec is, so a JWT's audience never comes from the request's Host header,
    which the caller writes."""
    from mednec.settings import current

    return current().public_url


CdsAuth = Annotated[Principal, Depends(cds_principal)]


@router.post("/cds-services/{service_id}", summary="CDS Hooks call: coverage requirements for a medication order")
def cds_call(service_id: str, body: FhirBody, principal: CdsAuth, service: Svc, request: Request) -> JSONResponse:
    from mednec.fhir.crd import PrefetchUnavailableError, discovery, handle_hook

    services = {s["id"]: s["hook"] for s in discovery(service.runtime.dictionary)["services"]}
    if service_id not in services:
        return problem(404, "Not found", f"no CDS service {service_id}", code="not_found")
    if body.get("hook") != services[service_id]:  # CDS Hooks: a malformed request is 400
        return problem(400, "Bad request", f"service {service_id} answers hook {services[service_id]!r}, "
                       f"not {body.get('hook')!r}", code="wrong_hook", field="hook")
    try:
        from mednec.store.questionnaires import keep

        result = handle_hook(body, service.runtime, config=hook_config(request), as_of=service.now().date(),
                             keep_questionnaire=lambda q, assertion: keep(service.db, q, assertion))
        return JSONResponse(result)
    except PrefetchUnavailableError as exc:  # CDS Hooks: 412 when prefetch is missing and cannot be fetched
        return problem(412, "Precondition failed", exc.message, code="prefetch_unavailable", field=exc.field)
    except CaseFormatError as exc:  # the request's shape: 400 naming the JSON path
        return problem(400, "Bad request", exc.message, code=exc.code, field=exc.field)


@router.post("/fhir/questionnaire", summary="DTR: a Questionnaire asking only for what a case is missing")
def questionnaire(body: FhirBody, principal: Signed, service: Svc, request: Request,
                  accept: Accept = None) -> JSONResponse:
    """Body: ``{"case": {...} | "bundle": {...}, "drug": "reblozyl", "phase": "initial"}``."""
    from mednec.fhir.questionnaire import build_questionnaire
    from mednec.store.questionnaires import keep

    def work() -> dict[str, Any]:
        det = _evaluate_body(service, body)
        q = build_questionnaire(det, service.runtime.dictionary, base=hook_config(request).canonical_base)
        keep(service.db, q, det.input_hash)  # its canonical URL resolves (GET /fhir/Questionnaire?url=)
        return q

    return _fhir_answer(accept, work)


@router.get("/fhir/Questionnaire", summary="DTR: the Questionnaires with a canonical URL (searchset Bundle)")
def questionnaire_search(url: str, principal: Auth, service: Svc, version: str | None = None,
                         accept: Accept = None) -> JSONResponse:
    """``?url={canonical}`` (``url|version`` or ``&version=`` narrows it): every Questionnaire mednec handed out."""
    from mednec.store.questionnaires import by_url

    def work() -> dict[str, Any]:
        found = by_url(service.db, url, version)
        return {"resourceType": "Bundle", "type": "searchset", "total": len(found),
                "entry": [{"fullUrl": q["url"], "resource": q, "search": {"mode": "match"}} for q in found]}

    return _fhir_answer(accept, work)


@router.get("/fhir/Questionnaire/{qid}", summary="DTR: one Questionnaire by id")
def questionnaire_read(qid: str, principal: Auth, service: Svc, accept: Accept = None) -> JSONResponse:
    from mednec.store.questionnaires import by_id

    def work() -> Any:
        q = by_id(service.db, qid)
        if q is None:
            return problem(404, "Not found", f"no Questionnaire {qid}", code="not_found", field="id")
        return q

    return _fhir_answer(accept, work)


@router.post("/fhir/Questionnaire/$questionnaire-package",
             summary="DTR $questionnaire-package: the Questionnaire(s) for an order, a canonical or a CRD assertion")
def questionnaire_package(body: FhirBody, principal: Signed, service: Svc, request: Request,
                          accept: Accept = None) -> JSONResponse:
    """Da Vinci DTR ``$questionnaire-package`` (a Parameters resource in, a Parameters resource out).

    Inputs: ``questionnaire`` (canonical, as a CRD card gives it), ``context`` (the CRD
    coverage-assertion-id), ``order`` (a MedicationRequest) with, optionally, ``bundle`` (the
    patient's record as a FHIR Bundle, a mednec extension) -- the Questionnaire then asks only for
    what the record lacks; ``coverage`` is accepted. Output: one ``PackageBundle`` per Questionnaire.
    """
    from mednec.fhir.dtr import questionnaire_package as package
    from mednec.store.questionnaires import DatabaseQuestionnaires

    def work() -> Any:
        try:
            return package(body, service.runtime, DatabaseQuestionnaires(service.db),
                           base=hook_config(request).canonical_base, now=service.now())
        except CaseFormatError as exc:
            return problem(400, "Bad request", exc.message, code=exc.code, field=exc.field)

    return _fhir_answer(accept, work)


@router.post("/fhir/questionnaire-response", summary="DTR: merge a QuestionnaireResponse and re-evaluate")
def questionnaire_response(body: FhirBody, principal: Signed, service: Svc, accept: Accept = None) -> JSONResponse:
    """Body: ``{"case": {...}, "drug": "...", "response": {QuestionnaireResponse}}``."""
    from mednec.fhir.questionnaire import apply_response

    def work() -> dict[str, Any]:
        drug, phase = _dtr_fields(body, "response")
        case = _case_of(service, body)
        response = body.get("response")
        if not isinstance(response, dict):
            raise InputError("give the QuestionnaireResponse as 'response'", field="response")
        det, merged = apply_response(service.runtime, case, response, drug, phase=phase,
                                     as_of=None if case.get("as_of") else service.now().date())
        return {"case": merged, "determination": det.to_dict()}

    return _fhir_answer(accept, work)


@router.post("/fhir/Claim/$submit", summary="PAS: submit a prior-authorization request (Bundle with a Claim)")
def pas_submit(body: FhirBody, principal: Requester, service: Svc, accept: Accept = None) -> JSONResponse:
    from mednec.claims import pas_submit as submit

    return _fhir_answer(accept, lambda: submit(service, principal, body))


@router.post("/fhir/Claim/$inquire", summary="PAS: the current status of a prior-authorization request")
def pas_inquire(body: FhirBody, principal: Requester, service: Svc, accept: Accept = None) -> JSONResponse:
    from mednec.claims import pas_inquire as inquire

    return _fhir_answer(accept, lambda: inquire(service, principal, body))


def hook_config(request: Request) -> Any:
    """The CDS Hooks configuration the service runs with (``Settings.hook_config``, else the default)."""
    from mednec.fhir.crd import HookConfig

    config = getattr(request.app.state, "hook_config", None)
    return config if isinstance(config, HookConfig) else HookConfig()


#: the fields of a DTR body (README, The service): the record, the drug, the phase; a response adds ``response``
_DTR_FIELDS = ("case", "bundle", "drug", "phase")
PHASES = ("initial", "continuation")


def _dtr_fields(body: dict[str, Any], *extra: str) -> tuple[str, str]:
    """The drug and phase of a DTR body, each checked as ``POST /cases/{id}/evaluations`` checks them; a field the
    body does not have, or a value of the wrong type, is refused naming it (never read as its string)."""
    unknown = sorted(k for k in body if k not in (*_DTR_FIELDS, *extra))
    if unknown:
        name = str(unknown[0])[:60]
        raise InputError(f"unknown field {name!r}; the body has {', '.join((*_DTR_FIELDS, *extra))}", field=name)
    drug = body.get("drug")
    if not isinstance(drug, str) or not drug.strip() or len(drug) > 100:
        raise InputError("give the requested drug's name (a string of at most 100 characters), e.g. \"Reblozyl\"",
                         field="drug")
    phase = body.get("phase")
    if phase is None:
        phase = "initial"
    if phase not in PHASES:
        raise InputError("phase is initial or continuation", field="phase")
    return drug, str(phase)


def _case_of(service: Service, body: dict[str, Any]) -> dict[str, Any]:
    given = [k for k in ("case", "bundle") if body.get(k) is not None]
    if len(given) > 1:
        raise InputError("give 'case' or 'bundle', not both (which record is meant would be a guess)", field="case")
    if isinstance(body.get("case"), dict):
        return body["case"]  # type: ignore[no-any-return]
    if isinstance(body.get("bundle"), dict):
        from mednec.intake.fhir.bundle import bundle_to_case

        drug = str(body.get("drug") or "") or None  # the requested drug: its doses give the treatment course
        return bundle_to_case(body["bundle"], service.runtime.dictionary, service.now().date(), drug=drug,
                              drugs=service.runtime.catalog.calculators.drugs).case
    raise InputError("give 'case' (a case file as a JSON object) or 'bundle' (a FHIR Bundle)", field=given[0] if given else "case")


def _evaluate_body(service: Service, body: dict[str, Any]) -> Determination:
    drug, phase = _dtr_fields(body)
    case = _case_of(service, body)
    facts = service.runtime.parse_case(case, as_of=None if case.get("as_of") else service.now().date()).facts
    return service.runtime.evaluate(facts, drug, phase=phase)
