"""Da Vinci DTR ``Questionnaire/$questionnaire-package`` (DTR STU 2): Parameters in, Parameters out.

Each Questionnaire is built by :func:`mednec.fhir.questionnaire.build_questionnaire` -- the
adaptive "ask only what is missing" flow -- under a content-addressed canonical URL, and kept in
a :class:`QuestionnaireStore` (the service's database) so that ``GET /fhir/Questionnaire?url=`` resolves it.

* ``questionnaire`` (canonical ``url|version``): the Questionnaire mednec handed out under it;
* ``context`` (the CRD coverage-assertion-id, a determination's input hash): the Questionnaire
  that determination asked for;
* ``order`` (a MedicationRequest): the policy for its drug, evaluated on ``bundle`` (the patient's
  record, a mednec extension) when given -- asking only what it lacks -- else on nothing, asking
  everything the policy needs;
* ``coverage`` is accepted (DTR requires it); mednec does not need it to build a Questionnaire.

Unknown canonicals or assertions, and an order no policy covers, are listed in an
``operationOutcome`` parameter; a request with none of ``questionnaire``, ``context``, ``order``
(DTR's dtr-1) is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from mednec.errors import CaseFormatError, InputError
from mednec.fhir.questionnaire import build_questionnaire, package_bundle

if TYPE_CHECKING:
    from mednec.runtime import Runtime

__all__ = ["QuestionnaireStore", "questionnaire_package"]


class QuestionnaireStore(Protocol):
    """Where handed-out Questionnaires are kept (the service plugs in its database)."""

    def keep(self, questionnaire: Mapping[str, Any], assertion_id: str | None = None) -> None: ...

    def by_url(self, url: str, version: str | None = None) -> list[dict[str, Any]]: ...

    def by_assertion(self, assertion_id: str) -> dict[str, Any] | None: ...


def _issue(severity: str, text: str, where: str) -> dict[str, Any]:
    return {"severity": severity, "code": "not-found" if severity == "error" else "informational",
            "diagnostics": text, "expression": [where]}


#: the most parameters one call may give: each order is evaluated on the record, so thousands of them in one
#: 6 MiB body would take a worker for minutes; a real call names one order or a few canonicals
MAX_PARAMETERS = 50


def _params(body: Any) -> list[Mapping[str, Any]]:
    if not isinstance(body, Mapping) or body.get("resourceType") != "Parameters":
        raise CaseFormatError("$questionnaire-package takes a FHIR Parameters resource", field="resourceType")
    params = body.get("parameter")
    if not isinstance(params, list) or not all(isinstance(p, Mapping) for p in params):
        raise CaseFormatError("Parameters.parameter must be a list of parameters", field="parameter")
    if len(params) > MAX_PARAMETERS:
        raise CaseFormatError(f"at most {MAX_PARAMETERS} parameters per call", field="parameter")
    names = {p.get("name") for p in params}
    if not names & {"questionnaire", "context", "order"}:
        raise CaseFormatError("give at least one of 'order', 'questionnaire' and 'context' (DTR dtr-1)",
                              field="parameter")
    return params


def _from_order(i: int, order: Any, record: Mapping[str, Any] | None, runtime: Runtime, base: str,
                now: dt.datetime) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    from mednec.fhir.crd import index_resources, policy_for_order
    from mednec.intake.fhir import bundle_to_case

    where = f"parameter[{i}].resource"
    if not isinstance(order, Mapping) or order.get("resourceType") != "MedicationRequest":
        raise CaseFormatError("an 'order' is a MedicationRequest", field=where)
    policy = policy_for_order(order, runtime.catalog, index_resources(record) if record else None)
    if policy is None:
        return None, _issue("error", "no mednec policy covers the ordered medication", where)
    when = now.date()
    case = bundle_to_case(record, runtime.dictionary, when, drug=policy.drug.generic,
                          drugs=runtime.catalog.calculators.drugs).case if record else {"facts": {}}
    facts = runtime.parse_case(case, as_of=when, source="FHIR (DTR questionnaire-package)").facts
    det = runtime.evaluate(facts, policy)
    try:
        return build_questionnaire(det, runtime.dictionary, base=base), None
    except InputError:
        return None, _issue("information", f"nothing to ask: the record {det.determination.replace('_', ' ')}",
                            where)


def questionnaire_package(body: Any, runtime: Runtime, store: QuestionnaireStore, *, base: str,
                          now: dt.datetime) -> dict[str, Any]:
    """Answer ``$questionnaire-package`` (see the module docstring)."""
    params = _params(body)
    record = next((p.get("resource") for p in params if p.get("name") == "bundle"), None)
    if record is not None and not isinstance(record, Mapping):
        raise CaseFormatError("'bundle' is a FHIR Bundle", field="parameter.bundle")
    found: dict[str, dict[str, Any]] = {}
    issues: list[dict[str, Any]] = []
    for i, p in enumerate(params):
        name = p.get("name")
        if name == "questionnaire":
            canonical = str(p.get("valueCanonical") or p.get("valueUri") or p.get("valueString") or "")
            hits = store.by_url(canonical)
            found.update({q["id"]: q for q in hits[-1:]})
            if not hits:
                issues.append(_issue("error", f"no Questionnaire {canonical}", f"parameter[{i}]"))
        elif name == "context":
            assertion = str(p.get("valueString") or p.get("valueId") or "")
            q = store.by_assertion(assertion)
            if q is None:
                issues.append(_issue("error", f"no Questionnaire for coverage assertion {assertion}",
                                     f"parameter[{i}]"))
            else:
                found[q["id"]] = q
        elif name == "order":
            q, issue = _from_order(i, p.get("resource"), record, runtime, base, now)
            if q is not None:
                store.keep(q)
                found[q["id"]] = q
            if issue is not None:
                issues.append(issue)
    out: list[dict[str, Any]] = [{"name": "PackageBundle", "resource": package_bundle([q], timestamp=now)}
                                 for q in found.values()]
    if issues:
        out.append({"name": "operationOutcome", "resource": {"resourceType": "OperationOutcome", "issue": issues}})
    return {"resourceType": "Parameters", "parameter": out}
