"""Every CRD and DTR output checked against the profiles it claims (mednec.fhir.profiles): the CRD STU 2
coverage-information extension and CDS Hooks cards, the DTR STU 2 (2.1.0) standard Questionnaire, package
Bundle and $questionnaire-package output -- on the outputs of every pack, and each check shown to fail on a
broken output (a check that cannot fail proves nothing)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from tests.fhir.new_pack_resources import cond
from tests.fhir.test_fhir_new_packs_hooks import (
    OBESE,
    POST_MI_LDL,
    REPATHA_CODE,
    WEGOVY_TEXT,
    _order,
    _request,
)

from mednec.fhir.crd import COVERAGE_INFORMATION, coverage_information, handle_hook
from mednec.fhir.dtr import questionnaire_package
from mednec.fhir.profiles import (
    coverage_information_problems,
    dtr_package_bundle_problems,
    dtr_package_output_problems,
    dtr_questionnaire_problems,
    hooks_response_problems,
)
from mednec.fhir.questionnaire import build_questionnaire, package_bundle
from mednec.intake.fhir.validate import validate_resource
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
COVERAGE = {"reference": "Coverage/cov-1"}


def _no_fetch(url: str, token: str | None) -> Any:
    raise ConnectionError("no network in the tests")


def _with_bundle(fixture: Callable[[str], Any], name: str) -> dict[str, Any]:
    req = fixture("cds-order-sign-request")
    bundle = fixture(name)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    req["context"]["patientId"] = patient["id"]
    for e in req["context"]["draftOrders"]["entry"]:  # the orders are that patient's too (one patient per request)
        e["resource"]["subject"] = {"reference": f"Patient/{patient['id']}"}
    req["prefetch"] = {"patient": patient, "coverage": req["prefetch"]["coverage"],
                       "conditions": {"resourceType": "Bundle", "type": "searchset",
                                      "entry": [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]}}
    for key in ("observations", "medicationRequests", "medicationStatements", "medicationAdministrations",
                "procedures", "questionnaireResponses", "allergyIntolerances", "familyMemberHistories"):
        req["prefetch"][key] = None
    return req


def _responses(runtime: Runtime, fixture: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    """CRD responses for each determination and pack, with and without a Coverage."""
    out = {"mds documentation needed": handle_hook(fixture("cds-order-sign-request"), runtime, as_of=AS_OF,
                                                   fetch=_no_fetch)}
    for name in ("bundle-first-line", "bundle-del5q", "bundle-continuation"):
        out[f"mds {name}"] = handle_hook(_with_bundle(fixture, name), runtime, as_of=AS_OF, fetch=_no_fetch)
    no_coverage = fixture("cds-order-sign-request")
    no_coverage["prefetch"]["coverage"] = None
    for entry in no_coverage["context"]["draftOrders"]["entry"]:
        entry["resource"].pop("insurance", None)
    out["mds no coverage"] = handle_hook(no_coverage, runtime, as_of=AS_OF, fetch=_no_fetch)
    coverage = fixture("cds-order-sign-request")["prefetch"]["coverage"]
    for hook in ("order-sign", "order-select"):
        wegovy = _request(hook, _order(WEGOVY_TEXT), [cond("ob", "E66.812")], OBESE)
        repatha = _request(hook, _order(REPATHA_CODE), [cond("mi", "I25.2")], POST_MI_LDL, birth="1964-04-18")
        wegovy["prefetch"]["coverage"] = repatha["prefetch"]["coverage"] = coverage
        out[f"wegovy {hook}"] = handle_hook(wegovy, runtime, as_of=dt.date(2026, 12, 1), fetch=_no_fetch)
        out[f"repatha {hook}"] = handle_hook(repatha, runtime, as_of=dt.date(2026, 12, 1), fetch=_no_fetch)
    return out


def test_every_crd_response_conforms(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    responses = _responses(runtime, fixture)
    extensions = 0
    for name, resp in responses.items():
        assert resp["cards"], name
        assert hooks_response_problems(resp) == [], name
        for action in resp.get("systemActions", ()):
            for ext in action["resource"]["extension"]:
                if ext["url"] == COVERAGE_INFORMATION:  # and it parses with fhir.resources R4B on an order (the
                    extensions += 1                     # order itself is the client's, echoed as it was sent)
                    validate_resource({"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
                                       "extension": [ext], "medicationCodeableConcept": {"text": "x"},
                                       "subject": {"reference": "Patient/p"}})
    assert extensions >= 8  # the checks saw coverage-information from every determination and both new packs
    assert "systemActions" not in responses["mds no coverage"]


def _ext(runtime: Runtime, fixture: Callable[[str], Any]) -> dict[str, Any]:
    resp = handle_hook(fixture("cds-order-sign-request"), runtime, as_of=AS_OF, fetch=_no_fetch)
    ext: dict[str, Any] = resp["systemActions"][0]["resource"]["extension"][-1]
    assert coverage_information_problems(ext) == []
    return ext


def _drop(ext: dict[str, Any], url: str) -> dict[str, Any]:
    return {**ext, "extension": [p for p in ext["extension"] if p["url"] != url]}


def _add(ext: dict[str, Any], *parts: dict[str, Any]) -> dict[str, Any]:
    return {**ext, "extension": [*ext["extension"], *parts]}


def _set(ext: dict[str, Any], url: str, **value: Any) -> dict[str, Any]:
    return {**ext, "extension": [({"url": url, **value} if p["url"] == url else p) for p in ext["extension"]]}


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "no date": (lambda e: _drop(e, "date"), "date must occur 1..1"),
    "no assertion id": (lambda e: _drop(e, "coverage-assertion-id"), "coverage-assertion-id must occur 1..1"),
    "two covered": (lambda e: _add(e, {"url": "covered", "valueCode": "covered"}), "covered must occur 1..1"),
    "a code outside the value set": (lambda e: _set(e, "covered", valueCode="yes"), "required value set"),
    "a wrong value type": (lambda e: _set(e, "date", valueDateTime="2026-11-20T10:00:00Z"), "date takes valueDate"),
    "a coverage that is no Coverage": (lambda e: _set(e, "coverage", valueReference={"reference": "Patient/p"}),
                                       "reference a Coverage"),
    "an unknown slice": (lambda e: _add(e, {"url": "decision", "valueCode": "x"}), "not a slice"),
    "q1 questionnaire without doc-needed": (lambda e: _drop(e, "doc-needed"), "crd-ci-q1"),
    "q2 not-covered with pa-needed": (lambda e: _set(e, "covered", valueCode="not-covered"), "crd-ci-q2"),
    "q3 info-needed without conditional": (lambda e: _add(e, {"url": "info-needed", "valueCode": "performer"}),
                                           "crd-ci-q3"),
    "q3 conditional without info-needed": (lambda e: _set(e, "covered", valueCode="conditional"), "crd-ci-q3"),
    "q4 withpa when satisfied": (lambda e: _add(_set(e, "pa-needed", valueCode="satisfied"),
                                                {"url": "satisfied-pa-id", "valueString": "PA1"}), "crd-ci-q4"),
    "q5 satisfied without its id": (lambda e: _set(e, "pa-needed", valueCode="satisfied"), "crd-ci-q5"),
    "q7 a coded reason outside the set without text": (
        lambda e: _set(e, "reason", valueCodeableConcept={"coding": [{"system": "http://example.org", "code": "x"}]}),
        "crd-ci-q7"),
    "q8 doc-purpose without reason": (lambda e: _drop(e, "reason"), "crd-ci-q8"),
    "q9 indeterminate without reason": (lambda e: _drop(_drop(_drop(_set(e, "pa-needed", valueCode="indeterminate"),
                                                                    "reason"), "doc-purpose"), "doc-needed"),
                                        "crd-ci-q9"),
    "a detail without its category": (lambda e: _add(e, {"url": "detail", "extension": [
        {"url": "code", "valueCodeableConcept": {"text": "x"}}, {"url": "value", "valueBoolean": True}]}),
        "detail.category must occur"),
    "a value on the complex extension": (lambda e: {**e, "valueString": "x"}, "no value[x]"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_coverage_information_check_fails_on_a_broken_extension(runtime: Runtime, fixture: Callable[[str], Any],
                                                                    name: str) -> None:
    breaker, message = BROKEN[name]
    problems = coverage_information_problems(breaker(copy.deepcopy(_ext(runtime, fixture))))
    assert any(message in p for p in problems), (name, problems)
    if name == "q9 indeterminate without reason":  # q1 also fires (its questionnaire lost doc-needed)
        assert any("crd-ci-q9" in p for p in problems)


def test_conditional_with_info_needed_conforms(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    from mednec.fhir.crd import assess

    det = assess(fixture("cds-order-sign-request"), runtime, as_of=AS_OF, fetch=_no_fetch).orders[0].determination
    ext = coverage_information(det, coverage=COVERAGE, covered="conditional", info_needed=["detail-code"])
    assert coverage_information_problems(ext) == []


@pytest.mark.parametrize(("broken", "message"), [
    (lambda r: {**r, "cards": [{**r["cards"][0], "summary": "x" * 140}]}, "under 140"),
    (lambda r: {**r, "cards": [{**r["cards"][0], "indicator": "hard-stop"}]}, "indicator"),
    (lambda r: {**r, "cards": [{k: v for k, v in r["cards"][0].items() if k != "source"}]}, "source.label"),
    (lambda r: {**r, "cards": [{**r["cards"][0], "source": {"label": "x"}}]}, "resp-5"),
    (lambda r: {**r, "cards": [{**r["cards"][0], "links": [{"label": "x", "url": "u", "type": "web"}]}]}, "links[0]"),
    (lambda r: {**r, "systemActions": [{"type": "update", "description": "x"}]}, "resource: required"),
    (lambda r: {k: v for k, v in r.items() if k != "cards"}, "cards: required"),
])
def test_each_card_check_fails_on_a_broken_response(runtime: Runtime, fixture: Callable[[str], Any],
                                                     broken: Callable[[dict[str, Any]], dict[str, Any]],
                                                     message: str) -> None:
    resp = handle_hook(fixture("cds-order-sign-request"), runtime, as_of=AS_OF, fetch=_no_fetch)
    assert any(message in p for p in hooks_response_problems(broken(resp)))


# --- DTR -------------------------------------------------------------------------------------------


class _Store:
    def __init__(self) -> None:
        self.kept: list[dict[str, Any]] = []

    def keep(self, questionnaire: Mapping[str, Any], assertion_id: str | None = None) -> None:
        self.kept.append(dict(questionnaire))

    def by_url(self, url: str, version: str | None = None) -> list[dict[str, Any]]:
        return [q for q in self.kept if q["url"] == url.split("|")[0]]

    def by_assertion(self, assertion_id: str) -> dict[str, Any] | None:
        return None


def _questionnaires(runtime: Runtime, fixture: Callable[[str], Any]) -> list[dict[str, Any]]:
    out = []
    for name in ("bundle-missing-epo", "bundle-continuation"):
        from mednec.intake.fhir import bundle_to_case

        case = bundle_to_case(fixture(name), runtime.dictionary, AS_OF, drug="Reblozyl",
                              drugs=runtime.catalog.calculators.drugs).case
        for phase in ("initial", "continuation"):
            det = runtime.evaluate(runtime.parse_case(case, as_of=AS_OF).facts, "luspatercept", phase=phase)
            if det.missing_documentation:
                out.append(build_questionnaire(det, runtime.dictionary))
    for drug in ("Wegovy", "Repatha", "Ozempic", "Leqvio"):  # nothing known: every question of the policy
        det = runtime.evaluate(runtime.parse_case({"facts": {}}, as_of=AS_OF).facts, drug)
        out.append(build_questionnaire(det, runtime.dictionary))
    return out


def test_every_questionnaire_conforms_to_the_dtr_standard_questionnaire(runtime: Runtime,
                                                                        fixture: Callable[[str], Any]) -> None:
    qs = _questionnaires(runtime, fixture)
    assert len(qs) >= 5
    kinds = set()
    for q in qs:
        assert dtr_questionnaire_problems(q) == [], q["url"]
        validate_resource(q)
        stack = list(q["item"])
        while stack:
            item = stack.pop()
            kinds.add(item["type"])
            stack += item.get("item", [])
    assert {"group", "quantity", "choice", "boolean", "date"} <= kinds  # every kind of item was checked


def test_every_package_answer_conforms(runtime: Runtime) -> None:
    store = _Store()
    coverage = {"name": "coverage", "resource": {"resourceType": "Coverage", "id": "c", "status": "active",
                                                 "beneficiary": {"reference": "Patient/p"}, "payor": [{"display": "Plan"}]}}
    answers = [questionnaire_package({"resourceType": "Parameters", "parameter": [coverage, {"name": "order",
                                      "resource": _order(concept)}]}, runtime, store, base="https://payer.example/fhir",
                                     now=NOW)
               for concept in (REPATHA_CODE, WEGOVY_TEXT, {"text": "Reblozyl 1 mg/kg"})]
    canonical = f"{store.kept[0]['url']}|{store.kept[0]['version']}"
    answers.append(questionnaire_package({"resourceType": "Parameters", "parameter": [
        coverage, {"name": "questionnaire", "valueCanonical": canonical},
        {"name": "questionnaire", "valueCanonical": "https://payer.example/fhir/Questionnaire/unknown"}]},
        runtime, store, base="https://payer.example/fhir", now=NOW))
    for out in answers:
        assert dtr_package_output_problems(out) == [], out
        validate_resource(out)
    assert any(p["name"] == "operationOutcome" for p in answers[-1]["parameter"])  # the unknown one is named


def _q(runtime: Runtime) -> dict[str, Any]:
    det = runtime.evaluate(runtime.parse_case({"facts": {}}, as_of=AS_OF).facts, "Repatha")
    return build_questionnaire(det, runtime.dictionary)


def _first_item(q: dict[str, Any], kind: str) -> dict[str, Any]:
    stack = list(q["item"])
    while stack:
        item = stack.pop(0)
        if item["type"] == kind:
            return item
        stack += item.get("item", [])
    raise AssertionError(kind)


def _strip(q: dict[str, Any], kind: str, *keys: str) -> dict[str, Any]:
    q = copy.deepcopy(q)
    item = _first_item(q, kind)
    for k in keys:
        item.pop(k, None)
    return q


@pytest.mark.parametrize(("broken", "message"), [
    (lambda q: {k: v for k, v in q.items() if k != "text"}, "text: 1..1"),
    (lambda q: {**q, "subjectType": ["Patient", "Group"]}, "subjectType"),
    (lambda q: {**q, "meta": {}}, "dtr-std-questionnaire missing"),
    (lambda q: _strip(q, "choice", "answerOption"), "dtrq-2"),
    (lambda q: _strip(q, "quantity", "extension"), "dtrq-3"),
    (lambda q: _strip(q, "boolean", "text"), "text: required"),
])
def test_each_questionnaire_check_fails_on_a_broken_questionnaire(runtime: Runtime, broken: Any, message: str) -> None:
    q = _q(runtime)
    assert dtr_questionnaire_problems(q) == []
    assert any(message in p for p in dtr_questionnaire_problems(broken(q)))


@pytest.mark.parametrize(("broken", "message"), [
    (lambda b: {**b, "type": "searchset"}, "collection"),
    (lambda b: {**b, "entry": []}, "entry: 1..*"),
    (lambda b: {**b, "entry": [*b["entry"], *b["entry"]]}, "Questionnaire 1..1"),
    (lambda b: {**b, "entry": [{"resource": {"resourceType": "Library", "status": "active",
                                            "type": {"text": "x"}}}, *b["entry"]]}, "dtrb-1"),
    (lambda b: {**b, "entry": [*b["entry"], {"resource": {"resourceType": "Patient"}}]}, "not a slice"),
    (lambda b: {**b, "meta": {}}, "DTR-QPackageBundle missing"),
])
def test_each_package_check_fails_on_a_broken_bundle(runtime: Runtime, broken: Any, message: str) -> None:
    bundle = package_bundle([_q(runtime)], timestamp=NOW)
    assert dtr_package_bundle_problems(bundle) == []
    assert any(message in p for p in dtr_package_bundle_problems(broken(bundle)))
    out = {"resourceType": "Parameters", "parameter": [{"name": "PackageBundle", "resource": broken(bundle)}]}
    assert dtr_package_output_problems(out)
    two = {"resourceType": "Parameters", "parameter": [
        {"name": "operationOutcome", "resource": {"resourceType": "OperationOutcome", "issue": []}}] * 2}
    assert any("0..1" in p for p in dtr_package_output_problems(two))


# --- CRD discovery: versions and configuration options (CRD 2.2.1 deviations dev-1, dev-4, dev-5, dev-14) ---


def test_discovery_declares_versions_and_configuration(runtime: Runtime) -> None:
    from mednec.fhir.crd import discovery
    from mednec.fhir.profiles import discovery_problems

    doc = discovery(runtime.dictionary)
    assert discovery_problems(doc) == []
    for svc in doc["services"]:
        assert svc["extension"]["davinci-crd.version"] == ["2.2"]


@pytest.mark.parametrize(("broken", "message"), [
    (lambda s: {**s, "extension": {}}, "dev-1"),
    (lambda s: {**s, "extension": {**s["extension"], "davinci-crd.version": ["2.2.1"]}}, "two-part"),
    (lambda s: {**s, "extension": {**s["extension"], "davinci-crd.configuration-options": []}}, "dev-5"),
    (lambda s: {**s, "extension": {**s["extension"], "davinci-crd.configuration-options": [
        {k: v for k, v in s["extension"]["davinci-crd.configuration-options"][0].items() if k != "default"}]}},
     "dev-4"),
])
def test_each_discovery_check_fails(runtime: Runtime, broken: Any, message: str) -> None:
    from mednec.fhir.crd import discovery
    from mednec.fhir.profiles import discovery_problems

    doc = discovery(runtime.dictionary)
    bad = {"services": [broken(doc["services"][0]), *doc["services"][1:]]}
    assert any(message in p for p in discovery_problems(bad))


def test_coverage_info_switched_off_returns_no_cards(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    """dev-14: the server behaves as the client's configuration says; dev-17: unknown options are ignored."""
    req = fixture("cds-order-sign-request")
    req["extension"] = {"davinci-crd.configuration": {"coverage-info": False}}
    assert handle_hook(req, runtime, as_of=AS_OF, fetch=_no_fetch) == {"cards": []}
    req["extension"] = {"davinci-crd.configuration": {"coverage-info": True, "no-such-option": 3}}
    resp = handle_hook(req, runtime, as_of=AS_OF, fetch=_no_fetch)
    assert resp["cards"] and resp["systemActions"]
