"""Attack round 5 (helper api5, 2026-12-07): what an outside EHR, payer or hostile caller tries next, each
attack its own test (parametrised), on SQLite and PostgreSQL.

- **Duplicate JSON keys.** A name given twice in one object with two values (RFC 8259 §4: names SHOULD be
  unique; every JSON reader keeps one of them silently, and not all keep the same one): refused with 400
  naming the key, on every JSON endpoint, as case files already refuse it; given twice with the same value it
  has one meaning and is read (as case files do).
- **Draft orders for another patient** than ``context.patientId``: refused (400 ``context.draftOrders``), as a
  prefetched Patient of another patient already is.
- **Coverage out of its period**: a Coverage counts only while in force (status and ``period`` around the
  evaluation date); an ended or future one names no payer variant and gets no coverage assertion.
- **PAS cancellation** carried out for the caller organisation's pended request (audited, out of the review
  queue); a decided request is not withdrawn (409); another organisation's, or none, is a 4xx and changes
  nothing.
- **PAS updates** (the same Claim.identifier again, or Claim.related naming the prior request): the same
  request, one open evaluation; an update naming no request of the caller's organisation, or a cancelled
  one, is refused.
- **Wrong JSON types in PAS Claims and CDS Hooks requests**: a 400 problem document naming the field, never
  a 500.
- **Start-up**: a stored policy version whose logic differs from the shipped file of the same version
  (mednec.policies.logic) stops the service from starting; wording only does not.
- **Credentials**: two Authorization headers, two credentials in one, look-alike schemes, keys with
  invisible characters: 401, never the first or the last silently.
- **Paths**: traversal in static files, document kinds and formats, Questionnaire ids; Unicode look-alikes,
  bidi overrides and NUL in ids.
- **Size, depth, content type** on the FHIR endpoints.

First contact: see the commit that adds this file.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import World, example

HELD = Path(__file__).resolve().parents[1] / "heldout"
_spec = importlib.util.spec_from_file_location("requests4_build_for_attacks", HELD / "requests4" / "build.py")
assert _spec is not None and _spec.loader is not None
r4: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r4)

SIGN = "/cds-services/mednec-order-sign"
SELECT = "/cds-services/mednec-order-select"
SUBMIT = "/fhir/Claim/$submit"
INQUIRE = "/fhir/Claim/$inquire"
TRN = "http://example.org/PATIENT_EVENT_TRACE_NUMBER"
CERT_TYPE = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType"
CANCELLED_FLAG = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-infoCancelledFlag"
UPDATE_PROFILE = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-update"
FHIR = {"content-type": "application/fhir+json"}


def _gap(reason: str) -> Any:
    return pytest.mark.xfail(strict=True, reason=f"first contact: {reason}")


def _gaps(names: Any, reason: str, passing: tuple[str, ...] = ()) -> list[Any]:
    return [n if n in passing else pytest.param(n, marks=_gap(reason)) for n in names]


def _problem(r: Any, status: int | tuple[int, ...], field: str | None = None) -> dict[str, Any]:
    allowed = status if isinstance(status, tuple) else (status,)
    assert r.status_code in allowed, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    body: dict[str, Any] = r.json()
    if field is not None:
        named = [str(body.get("field", ""))] + [str(e.get("field", "")) for e in body.get("errors") or ()]
        assert any(field.lower() in n.lower() for n in named), (field, named, body.get("detail"))
    return body


def _case() -> dict[str, Any]:
    return json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))


@pytest.fixture(autouse=True)
def _on_the_records_day(world: World) -> None:
    """The held-out records (r3-m05, r3-l10, r3-g10) are dated up to 2026-12-06: evaluate them then."""
    world.clock.t = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


def _new_case(w: World, who: str = "req") -> str:
    r = w.client.post("/cases", json={"case": _case(), "title": "round 5"}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _new_evaluation(w: World, who: str = "req") -> str:
    cid = _new_case(w, who)
    r = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# --- duplicate JSON keys -------------------------------------------------------------------------


def _dup(text: str, once: str, twice: str) -> bytes:
    assert once in text, once
    return text.replace(once, twice, 1).encode()


def _dup_bodies(w: World) -> dict[str, tuple[str, str, bytes, str]]:
    """(method, path, body, field): each body holds one name twice with two values."""
    case = json.dumps({"case": _case(), "title": "t"})
    cid = _new_case(w)
    ev = _new_evaluation(w)
    wegovy = json.dumps(r4._wegovy("order-sign", instance="dup"))
    pas = json.dumps(r4._pas_reblozyl("TRN-dup"))
    bundle = json.dumps({"fhir_bundle": r4._load("r3-m05-reblozyl-pas-supportinginfo"), "drug": "Reblozyl"})
    return {
        "case title": ("POST", "/cases", _dup(case, '"title": "t"', '"title": "t", "title": "u"'), "title"),
        "a fact in the case": ("POST", "/cases", _dup(case, '"hemoglobin": {', '"hemoglobin": {"value": 12.9, '
                                                      '"unit": "g/dL", "date": "2026-11-01"}, "hemoglobin": {'),
                               "hemoglobin"),
        "evaluation drug": ("POST", f"/cases/{cid}/evaluations", b'{"drug": "reblozyl", "drug": "epogen"}', "drug"),
        "evaluation phase": ("POST", f"/cases/{cid}/evaluations",
                             b'{"drug": "reblozyl", "phase": "initial", "phase": "continuation"}', "phase"),
        "escaped twin name": ("POST", f"/cases/{cid}/evaluations", b'{"drug": "reblozyl", "dr\\u0075g": "epogen"}',
                              "drug"),
        "CDS hook": ("POST", SIGN, _dup(wegovy, '"hook": "order-sign"', '"hook": "order-select", "hook": "order-sign"'),
                     "hook"),
        "CDS patientId": ("POST", SIGN, _dup(wegovy, '"patientId": "r3g10"',
                                             '"patientId": "other-1", "patientId": "r3g10"'), "patientId"),
        "PAS Claim.status": ("POST", SUBMIT, _dup(pas, '"status": "active"', '"status": "cancelled", "status": "active"'),
                             "status"),
        "PAS Claim.use": ("POST", SUBMIT, _dup(pas, '"use": "preauthorization"',
                                               '"use": "claim", "use": "preauthorization"'), "use"),
        "FHIR bundle in a case": ("POST", "/cases", _dup(bundle, '"resourceType": "Claim"',
                                                         '"resourceType": "Claim", "resourceType": "Basic"'),
                                  "resourceType"),
        "DTR questionnaire": ("POST", "/fhir/questionnaire",
                              _dup(json.dumps({"case": _case(), "drug": "reblozyl"}), '"drug": "reblozyl"',
                                   '"drug": "epogen", "drug": "reblozyl"'), "drug"),
        "review action": ("POST", f"/evaluations/{ev}/review", b'{"action": "claim", "action": "approve"}', "action"),
        "user role": ("POST", "/users", b'{"org": "plan", "name": "x", "role": "requester", "role": "admin"}', "role"),
    }


DUP_NAMES = ["case title", "a fact in the case", "evaluation drug", "evaluation phase", "escaped twin name",
             "CDS hook", "CDS patientId", "PAS Claim.status", "PAS Claim.use", "FHIR bundle in a case",
             "DTR questionnaire", "review action", "user role"]


@pytest.mark.parametrize("which", list(DUP_NAMES))
def test_a_name_given_twice_with_two_values_is_a_400_naming_it(world: World, which: str) -> None:
    method, path, body, field = _dup_bodies(world)[which]
    who = "admin" if path == "/users" else "doc" if "/review" in path else "req"
    before = world.client.get("/cases", headers=world.h("req")).json()["total"]
    r = world.client.request(method, path, content=body, headers={**world.h(who), "content-type": "application/json"})
    _problem(r, 400, field)
    assert world.client.get("/cases", headers=world.h("req")).json()["total"] == before


def test_a_name_given_twice_with_one_value_is_read(world: World) -> None:
    body = json.dumps({"case": _case(), "title": "same"}).replace('"title": "same"', '"title": "same", "title": "same"')
    r = world.client.post("/cases", content=body.encode(), headers={**world.h("req"), "content-type": "application/json"})
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "same"


def test_a_duplicate_keys_message_reaches_no_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Zebulon Quaxwell-Thistle"
    body = json.dumps({"case": _case(), "title": secret}).replace(f'"title": "{secret}"',
                                                                  f'"title": "{secret}", "title": "x"')
    r = world.client.post("/cases", content=body.encode(), headers={**world.h("req"), "content-type": "application/json"})
    assert r.status_code == 400, r.text
    logged = "".join(f"{x.getMessage()}{x.exc_text or ''}" for x in caplog.records if not x.name.startswith("httpx"))
    assert secret not in logged


# --- draft orders for another patient ------------------------------------------------------------


def _hook(**changes: Any) -> dict[str, Any]:
    doc = r4._wegovy("order-sign", instance="r5-attack")
    return doc  # type: ignore[no-any-return]


def _other_subject(doc: dict[str, Any]) -> None:
    doc["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"reference": "Patient/someone-else"}


def _other_absolute(doc: dict[str, Any]) -> None:
    doc["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {
        "reference": "https://ehr.example.org/fhir/Patient/someone-else"}


def _second_draft_other(doc: dict[str, Any]) -> None:
    other = copy.deepcopy(doc["context"]["draftOrders"]["entry"][0]["resource"])
    other["id"], other["subject"] = "draft-other", {"reference": "Patient/someone-else"}
    doc["context"]["draftOrders"]["entry"].append({"resource": other})


def _selected_own_beside_other(doc: dict[str, Any]) -> None:
    _second_draft_other(doc)
    doc["hook"] = "order-select"
    doc["context"]["selections"] = ["MedicationRequest/draft-sema-24"]


def _subject_identifier_only(doc: dict[str, Any]) -> None:
    doc["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {
        "reference": "Patient/r3g10-but-not", "display": "r3g10"}


OTHER_PATIENT = {"subject another patient": _other_subject, "subject another patient, absolute URL": _other_absolute,
                 "a second draft for another patient": _second_draft_other,
                 "order-select of one's own draft beside another patient's": _selected_own_beside_other,
                 "a subject id that starts with the patient's": _subject_identifier_only}


@pytest.mark.parametrize("why", list(OTHER_PATIENT))
def test_a_draft_order_for_another_patient_is_refused(world: World, why: str) -> None:
    doc = _hook()
    OTHER_PATIENT[why](doc)
    path = SELECT if doc["hook"] == "order-select" else SIGN
    _problem(world.client.post(path, json=doc, headers=world.h("req")), 400, "draftOrders")


def test_the_patients_own_draft_by_versioned_reference_is_assessed(world: World) -> None:
    doc = _hook()
    doc["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"reference": "Patient/r3g10/_history/3"}
    r = world.client.post(SIGN, json=doc, headers=world.h("req"))
    assert r.status_code == 200, r.text
    assert "meets criteria" in r.json()["cards"][0]["summary"]


# --- Coverage out of its period ------------------------------------------------------------------


def _covered(body: dict[str, Any]) -> list[str]:
    """The coverage-information `covered` values asserted anywhere in a CDS answer."""
    text = json.dumps(body)
    return [c for c in ("covered", "not-covered", "conditional") if f'"valueCode": "{c}"' in text]


def _repatha(period: Any) -> dict[str, Any]:
    doc = r4._load("r3-l10-repatha-cds-cigna")
    doc["hookInstance"] = "5d1e0c2a-attack"
    doc["prefetch"]["coverage"]["entry"][0]["resource"]["period"] = period
    return doc  # type: ignore[no-any-return]


PERIODS = {"ended last year": {"start": "2025-01-01", "end": "2025-12-31"},
           "starts next year": {"start": "2027-01-01"},
           "ended at an instant this year": {"start": "2025-07-01", "end": "2026-06-30T23:59:59Z"},
           "an end that is not a date": {"start": "2025-01-01", "end": "soon"}}


@pytest.mark.parametrize("why", list(PERIODS))
def test_a_coverage_not_in_force_is_not_asserted_about_nor_names_the_variant(world: World, why: str) -> None:
    r = world.client.post(SIGN, json=_repatha(PERIODS[why]), headers=world.h("req"))
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        body = r.json()
        assert _covered(body) == [], body
        # the default criteria (LDL-C >= 70) apply: LDL-C 62 does not meet them (the Cigna variant's 55 would)
        assert "meets criteria" not in json.dumps(body["cards"]), body["cards"][0]["summary"]


def test_a_coverage_in_force_names_the_variant(world: World) -> None:
    r = world.client.post(SIGN, json=_repatha({"start": "2026-01-01", "end": "2026-12-31"}), headers=world.h("req"))
    assert r.status_code == 200, r.text
    assert "meets criteria" in r.json()["cards"][0]["summary"]


def test_a_pas_request_whose_coverage_ended_is_judged_on_the_default_criteria(world: World) -> None:
    doc = r4._pas_repatha_cigna("TRN-r5-ended")
    for e in doc["entry"]:
        if e["resource"]["resourceType"] == "Coverage":
            e["resource"]["period"] = {"start": "2025-01-01", "end": "2025-12-31"}
        if e["resource"]["resourceType"] == "Claim":
            e["resource"]["insurer"] = {"display": "UM clearing house"}
    r = world.client.post(SUBMIT, json=doc, headers={**world.h("req"), **FHIR})
    assert r.status_code == 200, r.text
    codes, _ = r4_review(r.json())
    assert codes and "A1" not in codes, codes


def r4_review(body: dict[str, Any]) -> tuple[list[str], list[str]]:
    from tests.heldout.run import _review_codes

    return _review_codes(body)


# --- PAS cancellation ----------------------------------------------------------------------------


def _esa(trn: str) -> dict[str, Any]:
    return r4._pas_reblozyl(trn, r4._code("https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J0885",
                                          "Injection, epoetin alfa, 1000 units"))  # type: ignore[no-any-return]


def _claim(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["entry"][0]["resource"]  # type: ignore[no-any-return]


def _cancel(doc: dict[str, Any], how: str = "status") -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    doc["identifier"]["value"] += "-cancel"
    if how == "status":
        _claim(doc)["status"] = "cancelled"
    elif how == "certification":
        _claim(doc)["item"][0]["extension"] = [{"url": CERT_TYPE, "valueCodeableConcept": {"coding": [
            {"system": "https://codesystem.x12.org/005010/1322", "code": "3"}]}}]
    else:
        _claim(doc)["item"][0]["extension"] = [{"url": CANCELLED_FLAG, "valueBoolean": True}]
    return doc


def _statuses(body: dict[str, Any]) -> list[str]:
    return [str(e["resource"].get("status")) for e in body.get("entry") or ()
            if e["resource"].get("resourceType") == "ClaimResponse"]


def _submit(w: World, doc: dict[str, Any], who: str = "req") -> Any:
    return w.client.post(SUBMIT, json=doc, headers={**w.h(who), **FHIR})


def _inquire(w: World, doc: dict[str, Any], who: str = "req") -> Any:
    return w.client.post(INQUIRE, json=doc, headers={**w.h(who), **FHIR})


def _open_queue(w: World, who: str = "req") -> int:
    return int(w.client.get("/evaluations?state=submitted&limit=200", headers=w.h(who)).json()["total"])


@pytest.mark.parametrize("how", ["status", "certification", "flag"])
def test_a_pended_request_of_ones_own_is_cancelled_and_audited(world: World, how: str) -> None:
    doc = _esa(f"TRN-c-{how}")
    assert _submit(world, doc).status_code == 200
    assert _open_queue(world) == 1
    r = _submit(world, _cancel(doc, how))
    assert r.status_code == 200, r.text
    assert _statuses(r.json()) == ["cancelled"]
    assert _statuses(_inquire(world, doc).json()) == ["cancelled"]
    assert _open_queue(world) == 0
    audit = world.client.get("/audit?action=pas.cancel", headers=world.h("auditor")).json()["items"]
    assert len(audit) == 1 and "Qwerty" not in json.dumps(audit)


def test_cancelling_twice_gives_the_cancellation_again(world: World) -> None:
    doc = _esa("TRN-c-twice")
    _submit(world, doc)
    first = _submit(world, _cancel(doc))
    second = _submit(world, _cancel(doc))
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert _statuses(second.json()) == ["cancelled"]


def test_a_certified_request_is_not_withdrawn_through_submit(world: World) -> None:
    doc = r4._pas_reblozyl("TRN-c-certified")
    assert "A1" in r4_review(_submit(world, doc).json())[0]
    _problem(_submit(world, _cancel(doc)), 409, "status")
    assert "A1" in r4_review(_inquire(world, doc).json())[0]


def test_another_organisations_pended_request_is_not_cancelled(world: World) -> None:
    doc = _esa("TRN-c-theirs")
    _submit(world, doc, "req")
    _problem(_submit(world, _cancel(doc), "req_b"), (404, 422))
    assert _statuses(_inquire(world, doc).json()) == ["active"]
    assert "A4" in r4_review(_inquire(world, doc).json())[0]
    assert _open_queue(world) == 1


def test_cancelling_what_nobody_submitted_is_a_4xx(world: World) -> None:
    _problem(_submit(world, _cancel(_esa("TRN-c-none"))), (404, 422))
    assert _open_queue(world) == 0


def test_a_cancelled_request_leaves_nothing_for_a_reviewer_to_claim(world: World) -> None:
    doc = _esa("TRN-c-claim")
    _submit(world, doc)
    ev = world.client.get("/evaluations", headers=world.h("req")).json()["items"][0]["id"]
    assert _submit(world, _cancel(doc)).status_code == 200
    _problem(world.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=world.h("doc")), 409)


def test_a_request_a_physician_denied_is_not_cancelled(world: World) -> None:
    doc = _esa("TRN-c-denied")
    _submit(world, doc)
    ev = world.client.get("/evaluations", headers=world.h("req")).json()["items"][0]["id"]
    c, h = world.client, world.h("doc")
    assert c.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=h).status_code == 200
    r = c.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "doc"}, headers=h)
    assert r.status_code == 200, r.text
    assert "A3" in r4_review(_inquire(world, doc).json())[0]
    _problem(_submit(world, _cancel(doc)), 409, "status")


# --- PAS updates ---------------------------------------------------------------------------------


def _related(doc: dict[str, Any], prior: str) -> dict[str, Any]:
    claim = _claim(doc)
    claim["meta"]["profile"] = [UPDATE_PROFILE]
    claim["related"] = [{"claim": {"identifier": {"system": TRN, "value": prior}}, "relationship": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/related-claim-relationship", "code": "prior"}]}}]
    return doc


def _refs(body: dict[str, Any]) -> list[str]:
    return r4_review(body)[1]


def test_the_same_claim_submitted_again_is_one_request(world: World) -> None:
    doc = _esa("TRN-u-same")
    a, b = _submit(world, doc), _submit(world, doc)
    assert _refs(a.json()) == _refs(b.json())
    assert _open_queue(world) == 1
    assert world.client.get("/cases", headers=world.h("req")).json()["total"] == 1


def test_the_same_claim_with_more_documentation_replaces_its_open_evaluation(world: World) -> None:
    doc = _esa("TRN-u-more")
    a = _submit(world, doc)
    more = copy.deepcopy(doc)
    more["identifier"]["value"] += "-2"
    more["entry"].append({"resource": {"resourceType": "Observation", "id": "wt", "status": "final",
                                       "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                                       "subject": {"reference": "Patient/r3m05"}, "effectiveDateTime": "2026-11-30",
                                       "valueQuantity": {"value": 70, "unit": "kg", "system": "http://unitsofmeasure.org",
                                                         "code": "kg"}}})
    b = _submit(world, more)
    assert b.status_code == 200, b.text
    assert _refs(a.json()) == _refs(b.json())
    assert _open_queue(world) == 1


def test_an_update_by_claim_related_keeps_the_request(world: World) -> None:
    first = _submit(world, _esa("TRN-u-prior"))
    upd = _submit(world, _related(_esa("TRN-u-update"), "TRN-u-prior"))
    assert upd.status_code == 200, upd.text
    assert _refs(first.json()) == _refs(upd.json())
    assert _open_queue(world) == 1


def test_an_update_of_nothing_is_refused(world: World) -> None:
    _problem(_submit(world, _related(_esa("TRN-u-orphan"), "TRN-u-never")), (404, 422), "related")
    assert _open_queue(world) == 0


def test_an_update_of_another_organisations_request_is_refused(world: World) -> None:
    _submit(world, _esa("TRN-u-a"), "req")
    _problem(_submit(world, _related(_esa("TRN-u-b"), "TRN-u-a"), "req_b"), (404, 422), "related")
    assert _open_queue(world, "req_b") == 0
    assert _open_queue(world, "req") == 1


def test_an_update_of_a_cancelled_request_is_refused(world: World) -> None:
    doc = _esa("TRN-u-gone")
    _submit(world, doc)
    assert _submit(world, _cancel(doc)).status_code == 200
    _problem(_submit(world, _related(_esa("TRN-u-after"), "TRN-u-gone")), 409, "related")


# --- wrong JSON types in PAS and CDS Hooks --------------------------------------------------------


def _pas_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = r4._pas_reblozyl("TRN-types")
    target: Any = _claim(doc)
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return doc  # type: ignore[no-any-return]


PAS_TYPES = {
    "item a string": ((("item",), "J0896"), "item"),
    "item[0] a string": ((("item", 0), "J0896"), "item"),
    "item[0].sequence text": ((("item", 0, "sequence"), "one"), "sequence"),
    "item[0].extension a string": ((("item", 0, "extension"), "x"), "extension"),
    "item[0].productOrService a string": ((("item", 0, "productOrService"), "J0896"), "productOrService"),
    "identifier an object": ((("identifier",), {"system": TRN, "value": "x"}), "identifier"),
    "insurance a string": ((("insurance",), "cov-1"), "insurance"),
    "status a number": ((("status",), 3), "status"),
    "patient a string": ((("patient",), "Patient/r3m05"), "patient"),
    "prescription a list": ((("prescription",), ["MedicationRequest/x"]), "prescription"),
    "related a string": ((("related",), "TRN-r3m05"), "related"),
}


@pytest.mark.parametrize("why", list(PAS_TYPES))
def test_a_pas_claim_with_a_wrong_json_type_is_a_400(world: World, why: str) -> None:
    (path, value), field = PAS_TYPES[why]
    _problem(_submit(world, _pas_with(path, value)), (400, 422), field)


def test_an_inquiry_with_a_preauthref_that_is_a_number_is_a_4xx(world: World) -> None:
    doc = r4._pas_reblozyl("TRN-inq")
    _claim(doc)["insurance"][0]["preAuthRef"] = 12345
    _problem(_inquire(world, doc), (400, 404, 422))


def test_a_bundle_whose_entry_is_an_object_is_a_400(world: World) -> None:
    doc = r4._pas_reblozyl("TRN-entry")
    doc["entry"] = {"resource": doc["entry"][0]["resource"]}
    _problem(_submit(world, doc), (400, 422), "entry")


def test_a_claims_patient_not_in_the_bundle_is_refused(world: World) -> None:
    doc = r4._pas_reblozyl("TRN-someone")
    _claim(doc)["patient"] = {"reference": "Patient/someone-else"}
    _problem(_submit(world, doc), (400, 422), "patient")


def _hook_with(change: Any) -> dict[str, Any]:
    doc = _hook()
    change(doc)
    return doc


CDS_TYPES = {
    "draftOrders.entry an object": (lambda d: d["context"]["draftOrders"].__setitem__(
        "entry", {"resource": d["context"]["draftOrders"]["entry"][0]["resource"]}), "draftOrders"),
    "a draft's resource a list": (lambda d: d["context"]["draftOrders"]["entry"][0].__setitem__("resource", []),
                                  "draftOrders"),
    "prefetch a list": (lambda d: d.__setitem__("prefetch", [d["prefetch"]["patient"]]), "prefetch"),
    "a draft's subject a string": (lambda d: d["context"]["draftOrders"]["entry"][0]["resource"].__setitem__(
        "subject", "Patient/r3g10"), "subject"),
    "patientId a number": (lambda d: d["context"].__setitem__("patientId", 77), "patient"),
}


@pytest.mark.parametrize("why", list(CDS_TYPES))
def test_a_cds_request_with_a_wrong_json_type_is_a_400(world: World, why: str) -> None:
    change, field = CDS_TYPES[why]
    _problem(world.client.post(SIGN, json=_hook_with(change), headers=world.h("req")), 400, field)


# --- start-up: stored policy logic against the shipped logic ----------------------------------------


def _stored_text(db_url: str, policy_id: str, change: Any) -> str:
    import sqlalchemy as sa

    from mednec.runtime import default_runtime
    from mednec.store.db import Database
    from mednec.store.models import PolicyVersion

    version = default_runtime().catalog.policy(policy_id).version
    db = Database(db_url)
    with db.session() as s:
        row = s.get(PolicyVersion, (policy_id, version))
        assert row is not None
        row.yaml_text = change(row.yaml_text)
        s.execute(sa.select(PolicyVersion).limit(1))
    db.dispose()
    return version


def _changed_threshold(text: str) -> str:
    import re

    new, n = re.subn(r"(value: )70\b", r"\g<1>7", text, count=1)
    assert n == 1
    return new


def test_a_stored_version_whose_logic_differs_from_the_shipped_file_stops_the_start(world: World,
                                                                                   db_url: str) -> None:
    from mednec.api import Settings, create_app
    from mednec.errors import ConfigError

    pid = world.service.runtime.catalog.policy("evolocumab-repatha").id
    version = _stored_text(db_url, pid, _changed_threshold)
    with pytest.raises(ConfigError) as err:
        create_app(Settings(database_url=db_url, runtime=world.service.runtime))
    assert pid in str(err.value) and version in str(err.value)


def test_a_stored_version_differing_in_wording_only_starts(world: World, db_url: str) -> None:
    from mednec.api import Settings, create_app

    pid = world.service.runtime.catalog.policy("evolocumab-repatha").id
    _stored_text(db_url, pid, lambda t: t + "\n# a comment the operator added\n")
    app = create_app(Settings(database_url=db_url, runtime=world.service.runtime))
    app.state.db.dispose()


# --- credentials ---------------------------------------------------------------------------------


def test_two_authorization_headers_authenticate_nobody(world: World) -> None:
    from starlette.testclient import TestClient  # noqa: F401 - the header list is sent as given

    r = world.client.get("/cases", headers=[("Authorization", f"Bearer {world.keys['req']}"),  # type: ignore[arg-type]
                                            ("Authorization", f"Bearer {world.keys['req_b']}")])
    _problem(r, (400, 401))


AUTH_TRICKS = {
    "two credentials in one header": lambda w: f"Bearer {w.keys['req']}, Bearer {w.keys['req_b']}",
    "a key with a zero-width space": lambda w: f"Bearer {w.keys['req']}\u200b",
    "a fullwidth scheme": lambda w: f"\uff22earer {w.keys['req']}",
    "Basic with the key": lambda w: f"Basic {w.keys['req']}",
    "a JWT-shaped token off the CDS path": lambda w: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
}


@pytest.mark.parametrize("why", list(AUTH_TRICKS))
def test_credential_tricks_are_401(world: World, why: str) -> None:
    value = AUTH_TRICKS[why](world)
    try:
        r = world.client.get("/cases", headers={"Authorization": value})
    except UnicodeEncodeError:
        return  # the client cannot even send it
    _problem(r, 401)


# --- paths and ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/static/..%2F..%2F..%2Fpyproject.toml", "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
                                  "/static/..\\..\\..\\pyproject.toml", "/static/%252e%252e/pyproject.toml"])
def test_no_traversal_out_of_the_static_files(world: World, path: str) -> None:
    r = world.client.get(path)
    assert r.status_code in (400, 404, 422), (path, r.status_code)
    assert "[project]" not in r.text


@pytest.mark.parametrize("kind", ["..%2F..%2Fsecrets", "article%00", "%2e%2e", "article%2F..%2Fletter"])
def test_no_traversal_in_document_kinds(world: World, kind: str) -> None:
    ev = _new_evaluation(world)
    r = world.client.get(f"/evaluations/{ev}/documents/{kind}", headers=world.h("req"))
    assert r.status_code in (400, 404, 405, 422), (kind, r.status_code, r.text[:200])
    assert "Traceback" not in r.text


@pytest.mark.parametrize("fmt", ["../../etc/passwd", "pdf%00", "markdown/../../x"])
def test_no_traversal_in_document_formats(world: World, fmt: str) -> None:
    ev = _new_evaluation(world)
    _problem(world.client.get(f"/evaluations/{ev}/documents/article?format={fmt}", headers=world.h("req")), 422,
             "format")


@pytest.mark.parametrize("suffix", ["\u202e", "\u0301", "\uff10", "%00", "\u200b"])
def test_look_alike_case_ids_find_nothing(world: World, suffix: str) -> None:
    cid = _new_case(world)
    r = world.client.get(f"/cases/{cid}{suffix}", headers=world.h("req"))
    _problem(r, (404, 422))


def test_a_questionnaire_id_with_traversal_finds_nothing(world: World) -> None:
    _problem(world.client.get("/fhir/Questionnaire/..%2F..%2Fpyproject.toml", headers=world.h("req")), (400, 404))


# --- size, depth, content type on the FHIR endpoints ----------------------------------------------


def test_a_prefetch_nested_thousands_deep_is_a_400(world: World) -> None:
    doc = json.dumps(_hook()).replace('"prefetch": {', '"prefetch": {"deep": ' + "[" * 3000 + "]" * 3000 + ", ", 1)
    r = world.client.post(SIGN, content=doc.encode(), headers={**world.h("req"), "content-type": "application/json"})
    _problem(r, 400)


def test_a_huge_pas_body_is_a_413(world: World) -> None:
    doc = r4._pas_reblozyl("TRN-huge")
    doc["entry"].append({"resource": {"resourceType": "Basic", "id": "pad", "text": {"div": "x" * (7 * 1024 * 1024)}}})
    _problem(_submit(world, doc), 413)


@pytest.mark.parametrize("ctype", ["multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                                   "text/xml"])
def test_a_pas_body_under_another_content_type_is_a_4xx(world: World, ctype: str) -> None:
    r = world.client.post(SUBMIT, content=json.dumps(r4._pas_reblozyl("TRN-ct")).encode(),
                          headers={**world.h("req"), "content-type": ctype})
    _problem(r, (400, 415, 422))


def test_a_prefetch_with_thousands_of_unrelated_observations_is_answered(world: World) -> None:
    doc = _hook()
    obs = doc["prefetch"]["observations"]["entry"]
    filler = [{"resource": {"resourceType": "Observation", "id": f"f{i}", "status": "final",
                            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                            "subject": {"reference": "Patient/r3g10"}, "effectiveDateTime": "2026-11-01",
                            "valueQuantity": {"value": 70, "unit": "/min"}}} for i in range(3000)]
    doc["prefetch"]["observations"]["entry"] = obs + filler
    r = world.client.post(SIGN, json=doc, headers=world.h("req"))
    assert r.status_code == 200, r.text[:300]


def test_a_policy_whose_logic_its_pack_does_not_record_is_warned_about_loudly(
        world: World, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import mednec.api.app as app_module
    import mednec.packcheck.versions as versions
    from mednec.api import Settings, create_app

    real = versions.version_problems
    monkeypatch.setattr(versions, "version_problems", lambda pack: [
        (str(Path(pack.path) / "repatha" / "policy.yaml"), "the policy's logic changed but its version is still 1")
        ] if pack.id == "ldl_lowering" else real(pack))
    app_module._RECORD_CHECKED.clear()
    caplog.set_level(logging.ERROR, logger="mednec.api")
    app = create_app(Settings(database_url=db_url, runtime=world.service.runtime))
    app.state.db.dispose()
    app_module._RECORD_CHECKED.clear()
    loud = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and "NOT RECORDED" in r.getMessage()]
    assert loud and "repatha/policy.yaml" in loud[0], loud


# --- amplification: one body, thousands of evaluations ----------------------------------------------
# (added after the first fixes: a 6 MiB PAS Claim holds ~12,000 items, about 40 s of a worker's CPU at
# ~3.5 ms an item; a CDS Hooks call as many drafts, each assessed and echoed, a response of ~40 MB)


def test_a_claim_with_more_items_than_any_request_is_refused(world: World) -> None:
    import time

    doc = r4._pas_reblozyl("TRN-many")
    item = _claim(doc)["item"][0]
    _claim(doc)["item"] = [dict(item, sequence=i + 1) for i in range(2000)]
    started = time.monotonic()
    _problem(_submit(world, doc), (400, 422), "Claim.item")
    assert time.monotonic() - started < 5
    assert _open_queue(world) == 0


def test_a_hook_with_more_draft_orders_than_any_order_set_is_refused(world: World) -> None:
    import time

    doc = _hook()
    order = doc["context"]["draftOrders"]["entry"][0]["resource"]
    doc["context"]["draftOrders"]["entry"] = [{"resource": dict(order, id=f"d{i}")} for i in range(2000)]
    started = time.monotonic()
    _problem(world.client.post(SIGN, json=doc, headers=world.h("req")), 400, "draftOrders")
    assert time.monotonic() - started < 5


def test_a_questionnaire_package_call_with_thousands_of_orders_is_refused(world: World) -> None:
    import time

    order = r4._wegovy("order-sign", instance="dtr")["context"]["draftOrders"]["entry"][0]["resource"]
    body = {"resourceType": "Parameters", "parameter": [{"name": "order", "resource": dict(order, id=f"o{i}")}
                                                        for i in range(2000)]}
    started = time.monotonic()
    _problem(world.client.post("/fhir/Questionnaire/$questionnaire-package", json=body, headers=world.h("req")),
             400, "parameter")
    assert time.monotonic() - started < 5


def test_a_cancellation_racing_a_physicians_decision_leaves_the_decision(world: World,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The physician decides between the cancellation's status check and its write (simulated: the stored
    request not yet brought up to the decision): the cancellation is a 409 and changes nothing."""
    import mednec.claims as claims

    doc = _esa("TRN-c-race")
    _submit(world, doc)
    ev = world.client.get("/evaluations", headers=world.h("req")).json()["items"][0]["id"]
    c, h = world.client, world.h("doc")
    assert c.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=h).status_code == 200
    assert c.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "doc"},
                  headers=h).status_code == 200
    monkeypatch.setattr(claims, "_sync_decision", lambda *a, **k: None)
    _problem(_submit(world, _cancel(doc)), 409, "status")
    monkeypatch.undo()
    assert "A3" in r4_review(_inquire(world, doc).json())[0]
    assert _statuses(_inquire(world, doc).json()) == ["active"]


@pytest.mark.parametrize("where", ["value", "system"])  # first contact: 200 on SQLite, 500 on PostgreSQL
def test_a_claim_identifier_longer_than_any_is_a_4xx_on_every_database(world: World, where: str) -> None:
    doc = r4._pas_reblozyl("TRN-long")
    _claim(doc)["identifier"][0][where] = "x" * 5000
    _problem(_submit(world, doc), (400, 422), "identifier")
    assert _open_queue(world) == 0


def test_a_policy_draft_with_a_version_longer_than_any_is_a_4xx_on_every_database(world: World) -> None:
    # first contact: 201 on SQLite (stored over the column's length), 500 on PostgreSQL
    import re

    shipped = Path(world.service.runtime.catalog.policy("luspatercept-mds").source).read_text("utf-8")
    text, n = re.subn(r'(?m)^version: "[^"]*"', f'version: "{"9" * 60}"', shipped, count=1)
    assert n == 1
    r = world.client.post("/policies/luspatercept-mds/versions", json={"yaml": text}, headers=world.h("author"))
    _problem(r, (400, 422), "version")
