"""/cases and /cases/{id}/evaluations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mednec.api.conditional import if_match_versions, none_match
from mednec.api.deps import CaseReader, Paging, Requester, get_service, idempotent
from mednec.errors import InputError, PreconditionFailedError
from mednec.store.service import Service
from mednec.store.views import case_view, etag, evaluation_view

router = APIRouter(tags=["cases"])
Svc = Annotated[Service, Depends(get_service)]


class CaseCreate(BaseModel):
    """Exactly one of ``case`` (a case file as JSON), ``fhir_bundle`` or ``question``."""

    model_config = ConfigDict(extra="forbid")
    case: dict[str, Any] | None = None
    fhir_bundle: dict[str, Any] | None = None
    question: str | None = Field(default=None, max_length=4000)
    title: str = Field(default="", max_length=300)
    drug: str | None = Field(
        default=None, min_length=1, max_length=100,
        description="With fhir_bundle: the requested drug, whose administrations in the bundle give the "
                    "treatment course (first dose, doses) that re-authorisation criteria need.")


class CaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facts: dict[str, Any]
    replace: bool = False


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    drug: str = Field(min_length=1, max_length=100)
    phase: Literal["initial", "continuation"] = "initial"
    urgency: Literal["standard", "expedited"] = "standard"
    as_of: dt.date | None = None
    #: the plan's program and the benefit exclusions it applies by id: a use its benefit excludes is
    #: reported as ``benefit`` beside the unchanged determination (README, Benefit versus necessity)
    program: Literal["medicare_advantage_part_b", "medicare_part_d", "commercial", "medicaid"] | None = None
    benefit_exclusions: list[str] = Field(default_factory=list, max_length=20)


def _parse_if_match(value: str | None) -> frozenset[int] | Literal["*"] | None:
    """The versions ``If-Match`` accepts (RFC 9110 §13.1.1: ``*``, or any listed strong tag); None when absent."""
    if value is None:
        return None
    accepted = if_match_versions(value)
    if not accepted:
        raise PreconditionFailedError("If-Match must be * or the case's ETag, a strong tag such as \"v3\"", field="If-Match")
    return accepted


def _case_data(body: CaseCreate, service: Service) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """(case data, source, what intake reports): for a question what was understood, for a FHIR
    bundle where each fact came from and the resources that gave none."""
    given = [k for k in ("case", "fhir_bundle", "question") if getattr(body, k) is not None]
    if len(given) != 1:
        raise InputError("give exactly one of case, fhir_bundle or question", field="body")
    if body.drug is not None and body.fhir_bundle is None:
        raise InputError("drug is read only with fhir_bundle (a case file states its facts itself)", field="drug")
    if body.case is not None:
        return body.case, "case", {}
    if body.fhir_bundle is not None:
        from mednec.intake.fhir.bundle import bundle_to_case

        intake = bundle_to_case(body.fhir_bundle, service.runtime.dictionary, drug=body.drug,
                                drugs=service.runtime.catalog.calculators.drugs)
        report = intake.to_dict()
        del report["case"]
        return intake.case, "fhir", {"intake": report}
    from mednec.intake.question import understand

    text = (body.question or "").strip()
    if not text:
        raise InputError("the question is empty", field="question")
    u = understand(text, service.runtime.catalog, service.runtime.dictionary, service.now().date())
    return u.case, "question", {"understood": u.to_dict()}


@router.post("/cases", status_code=201, summary="Create a case")
def create_case(
    body: CaseCreate, principal: Requester, service: Svc, request: Request,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        data, source, report = _case_data(body, service)
        title = body.title or (body.question or "").strip()[:300]
        c = service.cases.create_case(principal, data, source=source, title=title)
        return 201, {**case_view(c), **report}, {"ETag": etag(c.version), "Location": f"/cases/{c.id}"}

    return idempotent(service, principal, idempotency_key, body.model_dump(mode="json"), run)


@router.get("/cases", summary="List cases (paginated)")
def list_cases(principal: CaseReader, service: Svc, paging: Annotated[Paging, Depends()]) -> dict[str, Any]:
    rows, total = service.cases.list_cases(principal, limit=paging.limit, offset=paging.offset)
    return paging.page([case_view(c) for c in rows], total, "/cases")


@router.get("/cases/{case_id}", summary="Read a case (ETag; If-None-Match gives 304)")
def get_case(
    case_id: str, principal: CaseReader, service: Svc,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    c = service.cases.get_case(principal, case_id)
    tag = etag(c.version)
    if if_none_match and none_match(if_none_match, c.version):  # RFC 9110 §13.1.2: weak comparison, * matches
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(case_view(c), headers={"ETag": tag})


@router.patch("/cases/{case_id}", summary="Update a case's facts (If-Match required)")
def update_case(
    case_id: str, body: CaseUpdate, principal: Requester, service: Svc,
    if_match: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    c = service.cases.update_case(principal, case_id, body.facts, if_match=_parse_if_match(if_match), replace=body.replace)
    return JSONResponse(case_view(c), headers={"ETag": etag(c.version)})


@router.get("/cases/{case_id}/compare", summary="The case under every payer variant of a drug's policy, side by side")
def compare_case(
    case_id: str, principal: CaseReader, service: Svc,
    drug: Annotated[str, Query(min_length=1, max_length=100)],
    phase: Literal["initial", "continuation"] = "initial",
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Nothing is stored: for each variant (the policy's defaults first) the determination, the
    met pathway, the parameter values that differ from the defaults, the criteria not met and
    the documents still needed; ``differs`` lists the criteria on which the variants disagree."""
    return service.cases.compare(principal, case_id, drug=drug, phase=phase, as_of=as_of)


@router.post("/cases/{case_id}/evaluations", status_code=201, summary="Evaluate a case against a drug's policy")
def create_evaluation(
    case_id: str, body: EvaluationCreate, principal: Requester, service: Svc,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    def run() -> tuple[int, dict[str, Any], dict[str, str]]:
        ev = service.cases.evaluate(principal, case_id, drug=body.drug, phase=body.phase, urgency=body.urgency,
                              as_of=body.as_of, program=body.program,
                              exclusions=tuple(body.benefit_exclusions))
        return 201, evaluation_view(ev, service), {"Location": f"/evaluations/{ev.id}"}

    return idempotent(service, principal, idempotency_key,
                      {"case": case_id, **body.model_dump(mode="json")}, run)
