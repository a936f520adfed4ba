"""PAS $submit / $inquire: certified when criteria are met, pended (never denied) otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from mednec.errors import CaseFormatError, InputError
from mednec.fhir.pas import (
    PREAUTH_PERIOD,
    REVIEW_ACTION,
    REVIEW_ACTION_CODE,
    InMemoryClaimStore,
    inquire,
    record_decision,
    submit,
)
from mednec.runtime import Runtime

NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


def _claim_response(bundle: dict[str, Any]) -> dict[str, Any]:
    first = bundle["entry"][0]["resource"]
    assert first["resourceType"] == "ClaimResponse"
    return first


def _action(cr: dict[str, Any], item: int = 0) -> tuple[str, str | None]:
    ext = next(e for e in cr["item"][item]["adjudication"][0]["extension"] if e["url"] == REVIEW_ACTION)
    sub = {e["url"]: e for e in ext["extension"]}
    return sub[REVIEW_ACTION_CODE]["valueCodeableConcept"]["coding"][0]["code"], sub.get("number", {}).get("valueString")


def test_meets_criteria_is_certified(runtime: Runtime, fixture: Callable[[str], Any],
    roundtrip: Callable[[dict[str, Any]], None],
) -> None:
    store = InMemoryClaimStore()
    bundle = submit(fixture("pas-request-first-line"), runtime, store=store, now=NOW)
    roundtrip(bundle)  # round-trips through fhir.resources R4B
    cr = _claim_response(bundle)
    assert cr["outcome"] == "complete" and cr["use"] == "preauthorization"
    assert _action(cr) == ("A1", cr["preAuthRef"])
    assert cr["preAuthPeriod"] == {"start": "2026-11-20", "end": "2027-05-06"}  # 24 weeks
    period = next(e for e in cr["item"][0]["extension"] if e["url"] == PREAUTH_PERIOD)
    assert period["valuePeriod"] == cr["preAuthPeriod"]
    # the Claim and the identifier it was sent under (PAS spec-35: so the response is matched to its Claim; an
    # update under its own identifier is answered under that one)
    assert cr["request"] == {"reference": "https://ehr.example.org/fhir/Claim/pa-first-line",
                             "identifier": {"system": "https://ehr.example.org/prior-auth", "value": "PA-2026-1101"}}
    assert bundle["identifier"] == {"system": "https://ehr.example.org/submissions", "value": "SUB-1101"}
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "ClaimResponse", "Patient", "Organization", "Practitioner"]
    record = store.get(cr["preAuthRef"])
    assert record is not None and record.status == "approved"
    assert record.determinations[0]["pathway"] == "esa_naive_first_line"


def test_not_met_is_pended_for_a_physician_not_denied(runtime: Runtime, fixture: Callable[[str], Any],
    roundtrip: Callable[[dict[str, Any]], None],
) -> None:
    bundle = submit(fixture("pas-request-del5q"), runtime, now=NOW)
    roundtrip(bundle)
    cr = _claim_response(bundle)
    code, number = _action(cr)
    assert code == "A4" and number == cr["preAuthRef"]
    assert "preAuthPeriod" not in cr
    notes = [n["text"] for n in cr["processNote"]]
    assert any("Not met: No del(5q)" in n for n in notes)
    assert any("Pended for physician review" in n for n in notes)
    assert cr["item"][0]["noteNumber"] == [n["number"] for n in cr["processNote"]]
    assert "A3" not in str(bundle)


def test_insufficient_information_is_pended_with_a_request_for_documents(
    runtime: Runtime, fixture: Callable[[str], Any]
, roundtrip: Callable[[dict[str, Any]], None]) -> None:
    request = fixture("pas-request-first-line")
    request["entry"] = [e for e in request["entry"] if not e["resource"]["id"].startswith(("epo-", "rs-", "sf3b1"))]
    bundle = submit(request, runtime, now=NOW)
    roundtrip(bundle)
    cr = _claim_response(bundle)
    assert _action(cr)[0] == "A4"
    comm = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CommunicationRequest")
    assert cr["communicationRequest"] == [{"reference": f"CommunicationRequest/{comm['id']}"}]
    asked = " ".join(p["contentString"] for p in comm["payload"])
    assert "serum_epo" in asked and "ring_sideroblasts_pct" in asked and "sf3b1_mutation" in asked


def test_inquire_by_pre_auth_ref_and_by_identifier(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    store = InMemoryClaimStore()
    submitted = submit(fixture("pas-request-del5q"), runtime, store=store, now=NOW)
    ref = _claim_response(submitted)["preAuthRef"]
    inquiry = fixture("pas-request-del5q")
    claim = next(e["resource"] for e in inquiry["entry"] if e["resource"]["resourceType"] == "Claim")
    by_identifier = inquire(inquiry, store, now=NOW)
    # the inquiry response carries the PAS inquiry profile (spec change: issue 15); otherwise the same
    assert {**_claim_response(by_identifier), "meta": None} == {**_claim_response(submitted), "meta": None}
    claim["identifier"] = [{"system": "https://other.example/ids", "value": "unrelated"}]
    claim["insurance"][0]["preAuthRef"] = [ref]
    assert _action(_claim_response(inquire(inquiry, store, now=NOW))) == ("A4", ref)
    claim["insurance"][0]["preAuthRef"] = ["MN-NOPE"]
    with pytest.raises(InputError, match="no prior-authorization request matches"):
        inquire(inquiry, store)


def test_physician_decision_updates_the_stored_status(runtime: Runtime, fixture: Callable[[str], Any],
    roundtrip: Callable[[dict[str, Any]], None],
) -> None:
    store = InMemoryClaimStore()
    ref = _claim_response(submit(fixture("pas-request-del5q"), runtime, store=store, now=NOW))["preAuthRef"]
    record = record_decision(store, ref, approved=False, reviewer="Dr. R. Patel", note="del(5q): lenalidomide first",
                             now=NOW)
    assert record.status == "denied"
    cr = _claim_response(inquire(fixture("pas-request-del5q"), store, now=NOW))
    assert _action(cr) == ("A3", ref)
    assert "Not certified by physician reviewer Dr. R. Patel" in cr["disposition"]
    roundtrip(record.response)


def test_resubmission_keeps_the_reference(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    store = InMemoryClaimStore()
    request = fixture("pas-request-first-line")
    partial = {**request, "entry": [e for e in request["entry"] if not e["resource"]["id"].startswith("epo-")]}
    partial["entry"] = [e for e in partial["entry"] if not e["resource"]["id"].startswith(("rs-", "sf3b1"))]
    first = _claim_response(submit(partial, runtime, store=store, now=NOW))
    second = _claim_response(submit(request, runtime, store=store, now=NOW))
    assert first["preAuthRef"] == second["preAuthRef"]
    assert (_action(first)[0], _action(second)[0]) == ("A4", "A1")
    record = store.get(first["preAuthRef"])
    assert record is not None and record.status == "approved"


def test_continuation_certification_type(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    request = fixture("pas-request-first-line")
    claim = next(e["resource"] for e in request["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["item"][0]["extension"][1]["valueCodeableConcept"]["coding"][0]["code"] = "R"
    store = InMemoryClaimStore()
    ref = _claim_response(submit(request, runtime, store=store, now=NOW))["preAuthRef"]
    record = store.get(ref)
    assert record is not None and record.determinations[0]["phase"] == "continuation"


def test_item_no_policy_covers_is_pended(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    request = fixture("pas-request-first-line")
    claim = next(e["resource"] for e in request["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["item"].append({"sequence": 2, "productOrService": {"text": "Filgrastim 480 mcg"}})
    cr = _claim_response(submit(request, runtime, now=NOW))
    assert [_action(cr, i)[0] for i in range(2)] == ["A1", "A4"]
    assert any("no mednec policy covers Filgrastim" in n["text"] for n in cr["processNote"])
    assert "preAuthPeriod" not in cr


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda c: c.update(use="claim"), "Claim.use"),
    (lambda c: c.update(item=[]), "Claim.item"),
])
def test_malformed_claims(runtime: Runtime, fixture: Callable[[str], Any], mutate: Callable[[dict[str, Any]], Any],
                          field: str) -> None:
    request = fixture("pas-request-first-line")
    claim = next(e["resource"] for e in request["entry"] if e["resource"]["resourceType"] == "Claim")
    mutate(claim)
    with pytest.raises(CaseFormatError) as exc:
        submit(request, runtime, now=NOW)
    assert exc.value.field == field


def test_bundle_without_claim(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    with pytest.raises(CaseFormatError, match="no Claim"):
        submit(fixture("bundle-first-line"), runtime, now=NOW)


def test_the_pre_auth_ref_is_scoped_by_organisation(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    """The same Claim.identifier from two organisations gives two references; each is stable on resubmission."""
    refs = {}
    for scope in ("clinic-a", "clinic-b"):
        store = InMemoryClaimStore(scope)
        refs[scope] = _claim_response(submit(fixture("pas-request-del5q"), runtime, store=store, now=NOW))["preAuthRef"]
        again = _claim_response(submit(fixture("pas-request-del5q"), runtime, store=store, now=NOW))["preAuthRef"]
        assert again == refs[scope]
    assert refs["clinic-a"] != refs["clinic-b"]


@pytest.mark.parametrize("request_name", ["pas-request-first-line", "pas-request-del5q", "pas-request-continuation"])
def test_responses_conform_to_the_pas_profiles(runtime: Runtime, fixture: Callable[[str], Any], request_name: str,
                                               roundtrip: Callable[[dict[str, Any]], None]) -> None:
    """PAS STU 2 (2.1.0): profiles in meta.profile, required elements, reviewAction slices with the
    absolute extension-reviewActionCode url and a string number -- for submit, inquire and a decision."""
    from mednec.fhir.profiles import pas_problems

    store = InMemoryClaimStore("clinic-a")
    submitted = submit(fixture(request_name), runtime, store=store, now=NOW)
    roundtrip(submitted)
    assert pas_problems(submitted) == []
    ref = _claim_response(submitted)["preAuthRef"]
    ext = next(e for e in _claim_response(submitted)["item"][0]["adjudication"][0]["extension"]
               if e["url"] == REVIEW_ACTION)
    assert {p["url"] for p in ext["extension"]} == {REVIEW_ACTION_CODE, "number"}
    assert next(p for p in ext["extension"] if p["url"] == "number")["valueString"] == ref
    inquired = inquire(fixture(request_name), store, now=NOW)
    assert pas_problems(inquired, inquiry=True) == [] and pas_problems(inquired) != []
    decided = record_decision(store, ref, approved=False, reviewer="Dr R", now=NOW).response
    assert pas_problems(decided) == []


def test_the_profile_checks_catch_what_stu1_wrote(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    from mednec.fhir.profiles import pas_problems

    bundle = submit(fixture("pas-request-del5q"), runtime, store=InMemoryClaimStore(), now=NOW)
    ext = next(e for e in _claim_response(bundle)["item"][0]["adjudication"][0]["extension"]
               if e["url"] == REVIEW_ACTION)
    for part in ext["extension"]:
        if part["url"] == REVIEW_ACTION_CODE:
            part["url"] = "code"  # the STU 1 relative slice url
        else:
            part["valueInteger"] = 1  # STU 1's integer number
            del part["valueString"]
    del bundle["entry"][0]["resource"]["meta"]
    problems = "\n".join(pas_problems(bundle))
    assert "'code' is not a reviewAction slice" in problems and "number takes valueString" in problems
    assert "profile-claimresponse missing" in problems
