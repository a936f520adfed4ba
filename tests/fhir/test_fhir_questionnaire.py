"""DTR: the Questionnaire asks only for the missing facts, typed and cited; the response closes the gap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.code_systems import UCUM

from mednec.errors import CaseFormatError, InputError, UnitError
from mednec.fhir.questionnaire import UNIT_OPTION, apply_response, build_questionnaire
from mednec.intake.fhir import apply_questionnaire_response, bundle_to_case
from mednec.runtime import Runtime


def _items(q: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            out[item["linkId"]] = item
            walk(item.get("item", []))

    walk(q["item"])
    return out


@pytest.fixture
def missing_case(runtime: Runtime, fixture: Callable[[str], Any]) -> dict[str, Any]:
    """The missing-EPO patient, also without an ESA record: EPO, RS, SF3B1 and ESA history to ask."""
    case = bundle_to_case(fixture("bundle-missing-epo"), runtime.dictionary).case
    del case["facts"]["esa_history"]
    return case


def _det(runtime: Runtime, case: dict[str, Any]) -> Any:
    return runtime.evaluate(runtime.parse_case(case).facts, "luspatercept")


def test_questionnaire_asks_only_the_missing_facts(runtime: Runtime, missing_case: dict[str, Any],
    roundtrip: Callable[[dict[str, Any]], None],
) -> None:
    det = _det(runtime, missing_case)
    assert det.determination == "insufficient_information"
    q = build_questionnaire(det, runtime.dictionary)
    roundtrip(q)  # round-trips through fhir.resources R4B
    items = _items(q)
    questions = {k for k, v in items.items() if v["type"] not in ("group", "display") and "." not in k}
    assert questions == {"serum_epo", "ring_sideroblasts_pct", "sf3b1_mutation"}
    assert {k for k, v in items.items() if v["type"] == "group" and v.get("repeats")} == {"esa_history"}
    assert q["url"].endswith(f"/Questionnaire/{q['id']}") and q["version"] == det.policy["version"]
    # spec change (issue 15): the id is content-addressed (policy + hash of what it asks), so its canonical
    # URL always resolves to this content; it no longer carries the determination's input hash
    assert q["id"].startswith(f"mednec-{det.policy['id']}-") and "identifier" not in q


def test_items_are_typed_by_the_dictionary(runtime: Runtime, missing_case: dict[str, Any]) -> None:
    items = _items(build_questionnaire(_det(runtime, missing_case), runtime.dictionary))
    epo = items["serum_epo"]
    assert epo["type"] == "quantity"
    units = [e["valueCoding"] for e in epo["extension"] if e["url"] == UNIT_OPTION]
    assert units[0] == {"system": UCUM, "code": "mU/mL", "display": "mU/mL"}  # canonical first
    assert {"system": UCUM, "code": "m[IU]/mL", "display": "m[IU]/mL"} in units
    assert items["serum_epo.date"]["type"] == "date"
    assert items["serum_epo.date"]["enableWhen"] == [{"question": "serum_epo", "operator": "exists",
                                                     "answerBoolean": True}]
    assert items["sf3b1_mutation"]["type"] == "boolean"
    assert items["esa_history.any"]["type"] == "boolean" and items["esa_history.any"]["required"] is True
    group = items["esa_history"]
    assert group["enableWhen"] == [{"question": "esa_history.any", "operator": "=", "answerBoolean": True}]
    assert [i["linkId"] for i in group["item"]] == ["esa_history.drug", "esa_history.start", "esa_history.end",
                                                    "esa_history.response", "esa_history.reason_stopped",
                                                    "esa_history.dose", "esa_history.dose_unit"]
    assert not any(items[f"esa_history.{f}"]["required"] for f in ("reason_stopped", "dose", "dose_unit"))
    assert items["esa_history.end"]["required"] is False
    assert [o["valueCoding"]["code"] for o in items["esa_history.response"]["answerOption"]] == [
        "none", "partial", "response", "lost_response", "intolerant", "ongoing"]


def test_help_text_cites_the_criteria_and_formats_references(runtime: Runtime, missing_case: dict[str, Any]) -> None:
    det = _det(runtime, missing_case)
    items = _items(build_questionnaire(det, runtime.dictionary))
    help_item = items["serum_epo.help"]
    assert help_item["type"] == "display"
    assert help_item["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "help"
    assert help_item["text"].startswith("Needed for: Serum erythropoietin ≤500 mU/mL [")
    assert "Serum erythropoietin >500 mU/mL" in help_item["text"]
    commands = next(c for c in det.citations if c.ref.id == "commands-2023")
    assert f"[{commands.n}] {commands.ref.formatted()}" in help_item["text"]


def test_categories_are_coded_and_an_undocumented_age_is_presumed(runtime: Runtime,
                                                                   missing_case: dict[str, Any]) -> None:
    # spec change (issue 13): "adult" is presumed when no age or birth date is given (the request
    # attests it), so neither the age nor the birth date is asked any more
    del missing_case["facts"]["diagnosis"]
    del missing_case["patient"]["birth_date"]
    det = _det(runtime, missing_case)
    items = _items(build_questionnaire(det, runtime.dictionary))
    dx = items["diagnosis"]
    assert dx["type"] == "choice"
    codings = [o["valueCoding"] for o in dx["answerOption"]]
    assert {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "D46.1",
            "display": "Refractory anemia with ring sideroblasts"} in codings
    assert "birth_date" not in items and "age" not in items
    assert "adult" in {a.criterion for a in det.assumptions}


def test_ipss_is_asked_only_without_an_ipss_r(runtime: Runtime, missing_case: dict[str, Any]) -> None:
    del missing_case["facts"]["cytogenetic_risk"]
    # a normal karyotype is IPSS-R group good (issue 13): without the group the karyotype goes too
    missing_case["facts"].pop("karyotype", None)
    items = _items(build_questionnaire(_det(runtime, missing_case), runtime.dictionary))
    assert items["ipss_category"]["enableWhen"] == [{"question": "ipss_r_category", "operator": "exists",
                                                    "answerBoolean": False}]


def test_nothing_to_ask_is_an_input_error(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    det = _det(runtime, bundle_to_case(fixture("bundle-first-line"), runtime.dictionary).case)
    with pytest.raises(InputError, match="nothing to ask"):
        build_questionnaire(det, runtime.dictionary)


def test_response_closes_insufficient_information(
    runtime: Runtime, missing_case: dict[str, Any], answer_questionnaire: Callable[..., dict[str, Any]]
, roundtrip: Callable[[dict[str, Any]], None]) -> None:
    q = build_questionnaire(_det(runtime, missing_case), runtime.dictionary)
    qr = answer_questionnaire(q, {
        "serum_epo": {"value": 210, "unit": "mIU/mL", "system": UCUM, "code": "m[IU]/mL"},
        "serum_epo.date": "2026-10-02",
        "ring_sideroblasts_pct": {"value": 4, "unit": "%", "system": UCUM, "code": "%"},
        "sf3b1_mutation": False,
        "esa_history.any": False,
    })
    roundtrip(qr)
    det, merged = apply_response(runtime, missing_case, qr, "luspatercept")
    assert det.determination == "meets_criteria"
    assert det.pathway is not None and det.pathway.id == "esa_naive_first_line"
    assert merged["facts"]["serum_epo"] == {"value": 210, "unit": "mU/mL", "date": "2026-10-02",
                                            "source": "QuestionnaireResponse/qr-1 item serum_epo"}
    assert merged["facts"]["esa_history"] == []
    epo = next(f for f in det.facts if f.fact == "serum_epo")
    assert epo.provenance.source == "QuestionnaireResponse/qr-1 item serum_epo"


def test_response_with_esa_courses(
    runtime: Runtime, missing_case: dict[str, Any], answer_questionnaire: Callable[..., dict[str, Any]]
) -> None:
    q = build_questionnaire(_det(runtime, missing_case), runtime.dictionary)
    qr = answer_questionnaire(q, {
        "serum_epo": {"value": 300, "unit": "mIU/mL", "system": UCUM, "code": "m[IU]/mL"},
        "ring_sideroblasts_pct": {"value": 30, "unit": "%", "system": UCUM, "code": "%"},
        "esa_history.any": True,
        "esa_history": [{"esa_history.drug": "epoetin alfa", "esa_history.start": "2026-03-01",
                         "esa_history.end": "2026-06-01", "esa_history.response": "none"}],
    })
    det, merged = apply_response(runtime, missing_case, qr, "Reblozyl")
    assert merged["facts"]["esa_history"] == [{"drug": "epoetin alfa", "start": "2026-03-01", "end": "2026-06-01",
                                               "response": "none"}]
    assert (det.determination, det.pathway.id if det.pathway else None) == (
        "meets_criteria", "after_esa_ring_sideroblasts")


def test_gate_yes_without_entries_is_an_error(
    runtime: Runtime, missing_case: dict[str, Any], answer_questionnaire: Callable[..., dict[str, Any]]
) -> None:
    q = build_questionnaire(_det(runtime, missing_case), runtime.dictionary)
    qr = answer_questionnaire(q, {"esa_history.any": True})
    with pytest.raises(CaseFormatError) as exc:
        apply_questionnaire_response(missing_case, qr, runtime.dictionary)
    assert exc.value.field == "QuestionnaireResponse/qr-1 item esa_history"


def test_wrong_unit_in_an_answer_names_the_item(
    runtime: Runtime, missing_case: dict[str, Any], answer_questionnaire: Callable[..., dict[str, Any]]
) -> None:
    q = build_questionnaire(_det(runtime, missing_case), runtime.dictionary)
    qr = answer_questionnaire(q, {"serum_epo": {"value": 2, "unit": "ng/mL", "system": UCUM, "code": "ng/mL"}})
    with pytest.raises(UnitError) as exc:
        apply_questionnaire_response(missing_case, qr, runtime.dictionary)
    assert exc.value.field == "QuestionnaireResponse/qr-1 item serum_epo"


def test_response_inside_a_bundle_is_read_with_the_other_resources(
    runtime: Runtime, fixture: Callable[[str], Any], missing_case: dict[str, Any],
    answer_questionnaire: Callable[..., dict[str, Any]],
) -> None:
    q = build_questionnaire(_det(runtime, missing_case), runtime.dictionary)
    qr = answer_questionnaire(q, {"serum_epo": {"value": 210, "unit": "mIU/mL", "system": UCUM,
                                                "code": "m[IU]/mL"}, "serum_epo.date": "2026-10-02"})
    qr["subject"] = {"reference": "Patient/p-missing-epo"}
    b = fixture("bundle-missing-epo")
    b["entry"].append({"resource": qr})
    intake = bundle_to_case(b, runtime.dictionary)
    assert intake.case["facts"]["serum_epo"]["source"] == "QuestionnaireResponse/qr-1 item serum_epo"
