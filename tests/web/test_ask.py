"""Ask: question -> what I understood -> evaluate; the case form with field messages; uploads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.web.conftest import Web, csrf_of, form_fields, text_of

QUESTION = ("Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, IPSS-R low, normal karyotype, "
            "no del(5q), SF3B1-mutated, Hb 8.1 g/dL, EPO 210, needing 2 units every 2 weeks, ESA-naive, "
            "not for immediate correction of anemia?")


def _ask(web: Web, who: str, question: str) -> str:
    c = web.client(who)
    r = c.post("/ask", data={"csrf": csrf_of(c.get("/ask").text), "question": question, "audience": "clinician"})
    assert r.status_code == 200, r.text
    return r.text


def test_question_shows_what_was_understood_then_answers(web: Web) -> None:
    html = _ask(web, "req", QUESTION)
    t = text_of(html)
    assert "What I understood" in t
    assert "Hemoglobin: 8.1 g/dL — from Hb 8.1 g/dL" in t or "Hemoglobin : 8.1 g/dL" in t
    fields = form_fields(html, "/ask/evaluate")
    assert fields["drug"] == "luspatercept-aamt" and fields["f.hemoglobin"] == "8.1"
    assert fields["origin"] == "question" and fields["e.esa_history.none"] == "on"
    c = web.client("req")
    r = c.post("/ask/evaluate", data=fields, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    answer = c.get(r.headers["location"])
    assert answer.status_code == 200
    t = text_of(answer.text)
    assert "Meets criteria" in t and "You asked" in t and "Submitted" in t
    rows = web.service.cases.list_cases(web.service.accounts.authenticate(web.keys["req"]))[0]
    assert rows[0].source == "question" and rows[0].data["facts"]["hemoglobin"]["source"].startswith("question")


def test_edited_value_drops_the_question_as_its_source(web: Web) -> None:
    fields = form_fields(_ask(web, "req", QUESTION), "/ask/evaluate")
    fields["f.hemoglobin"] = "7.9"
    r = web.client("req").post("/ask/evaluate", data=fields, follow_redirects=False)
    assert r.status_code == 303
    case = web.service.cases.list_cases(web.service.accounts.authenticate(web.keys["req"]))[0][0]
    assert case.data["facts"]["hemoglobin"] == {"value": 7.9, "unit": "g/dL"}
    assert "source" in case.data["facts"]["serum_epo"]


def test_question_outside_the_pack(web: Web) -> None:
    t = text_of(_ask(web, "req", "Is Humira medically necessary for rheumatoid arthritis?"))
    assert "No computable policy" in t and "Questions mednec can answer" in t


def test_empty_question(web: Web) -> None:
    c = web.client("req")
    r = c.post("/ask", data={"csrf": csrf_of(c.get("/ask").text), "question": "  "})
    assert r.status_code == 422 and "Enter your question" in r.text


def test_case_form_lists_the_fact_dictionary_with_units(web: Web) -> None:
    html = web.client("req").get("/ask?mode=case").text
    fields = form_fields(html, "/ask/evaluate")
    for name in ("f.hemoglobin", "f.hemoglobin.unit", "f.hemoglobin.date", "f.serum_epo", "f.del5q",
                 "f.ipss_r_category", "e.rbc_transfusions-0-date", "e.esa_history-0-response", "f.birth_date"):
        assert name in fields, name
    assert fields["f.hemoglobin.unit"] == "g/dL" and ">mmol/L<" in html
    assert 'for="f.hemoglobin"' in html


def _case_form(web: Web, **values: str) -> dict[str, str]:
    fields = form_fields(web.client("req").get("/ask?mode=case").text, "/ask/evaluate")
    fields.update(values)
    return fields


def test_bad_values_get_their_message_next_to_the_field(web: Web) -> None:
    c = web.client("req")
    data = _case_form(web, drug="luspatercept", **{"f.hemoglobin": "81", "f.serum_epo": "abc",
                                                   "e.rbc_transfusions-1-date": "2026-13-40",
                                                   "e.rbc_transfusions-1-units": "2"})
    r = c.post("/ask/evaluate", data=data)
    assert r.status_code == 422
    html = r.text
    assert 'id="f.hemoglobin-error"' in html and "not a plausible hemoglobin" in text_of(html)
    assert 'id="f.serum_epo" name="f.serum_epo" type="text" inputmode="decimal" autocomplete="off" value="abc"' \
        ' aria-invalid="true"' in html
    assert "expected a number" in text_of(html)
    assert 'id="e.rbc_transfusions-0-date-error"' in html  # rows are renumbered without gaps
    assert "There is a problem" in html and 'href="#f.hemoglobin"' in html
    assert form_fields(html, "/ask/evaluate")["f.hemoglobin"] == "81"  # kept for correction


def test_wrong_unit_and_missing_drug(web: Web) -> None:
    data = _case_form(web, **{"f.hemoglobin": "8", "f.hemoglobin.unit": "mg"})
    r = web.client("req").post("/ask/evaluate", data=data)
    assert r.status_code == 422
    t = text_of(r.text)
    assert "Choose the drug" in t and "not accepted for Hemoglobin" in t


def test_contradiction_is_shown_at_both_fields(web: Web) -> None:
    r = web.client("req").post("/ask/evaluate", data=_case_form(
        web, drug="lenalidomide", **{"f.del5q": "true", "f.karyotype": "normal"}))
    assert r.status_code == 422
    assert 'id="f.del5q-error"' in r.text and 'id="f.karyotype-error"' in r.text


def test_future_date(web: Web) -> None:
    r = web.client("req").post("/ask/evaluate", data=_case_form(
        web, drug="luspatercept", **{"f.hemoglobin": "8", "f.hemoglobin.date": "2030-01-01"}))
    assert r.status_code == 422 and 'id="f.hemoglobin.date"' in r.text and "after the evaluation date" in r.text


def test_valid_case_form_creates_case_and_evaluation(web: Web) -> None:
    data = _case_form(web, drug="luspatercept", title="Form case", **{
        "f.birth_date": "1956-02-14", "f.sex": "male", "f.diagnosis": "D46.1", "f.cytogenetic_risk": "good",
        "f.marrow_blasts_pct": "3", "f.hemoglobin": "8.1", "f.hemoglobin.date": "2026-11-10", "f.platelets": "180",
        "f.anc": "2.1", "f.serum_epo": "210", "f.ring_sideroblasts_pct": "22", "f.sf3b1_mutation": "true",
        "f.del5q": "false", "e.esa_history.none": "on",
        "e.rbc_transfusions-0-date": "2026-09-27", "e.rbc_transfusions-0-units": "2",
        "e.rbc_transfusions-1-date": "2026-10-28", "e.rbc_transfusions-1-units": "2",
        "e.rbc_transfusions-2-date": "2026-11-12", "e.rbc_transfusions-2-units": "2",
    })
    c = web.client("req")
    r = c.post("/ask/evaluate", data=data, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:3000]
    page = c.get(r.headers["location"])
    assert page.status_code == 200 and "Form case" not in text_of(page.text).split("You asked")[0][:0]


def test_roles_that_may_not_ask(web: Web) -> None:
    for who in ("doc", "author", "auditor"):
        r = web.client(who).get("/ask")
        assert r.status_code == 403 and "You do not have access" in r.text
    assert web.client().get("/ask", follow_redirects=False).status_code == 303


def test_upload_fhir_bundle(web: Web) -> None:
    bundle = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "bundle-first-line.json"
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    r = c.post("/ask/upload", data={"csrf": token}, files={"upload": (bundle.name, bundle.read_bytes(),
                                                                     "application/json")})
    assert r.status_code == 200, text_of(r.text)[:2000]
    assert "What I understood" in r.text and "Patient/" in r.text
    fields = form_fields(r.text, "/ask/evaluate")
    assert fields["origin"] == "fhir" and fields["f.hemoglobin"]
    fields["drug"] = "luspatercept"
    r = c.post("/ask/evaluate", data=fields, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    assert web.service.cases.list_cases(web.service.accounts.authenticate(web.keys["req"]))[0][0].source == "fhir"


def test_upload_fhir_bundle_with_the_requested_drug_reads_its_doses(web: Web) -> None:
    """The upload form's drug: the bundle's administrations of it give the treatment course, and
    the understood case form has the drug chosen; without it those facts are not read."""
    bundle = Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "bundle-continuation.json"
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    r = c.post("/ask/upload", data={"csrf": token, "drug": "Reblozyl"},
               files={"upload": (bundle.name, bundle.read_bytes(), "application/json")})
    assert r.status_code == 200, text_of(r.text)[:2000]
    assert "Start of the requested treatment" in r.text
    fields = form_fields(r.text, "/ask/evaluate")
    assert fields["drug"].startswith("luspatercept") and fields["f.treatment_start"]
    r = c.post("/ask/evaluate", data={**fields, "phase": "continuation"}, follow_redirects=False)
    assert r.status_code == 303, text_of(r.text)[:2000]
    svc = web.service
    p = svc.accounts.authenticate(web.keys["req"])
    ev = svc.cases.get_evaluation(p, r.headers["location"].rsplit("/", 1)[-1].split("?")[0])
    assert (ev.phase, ev.determination) == ("continuation", "meets_criteria")
    r = c.post("/ask/upload", data={"csrf": token},
               files={"upload": (bundle.name, bundle.read_bytes(), "application/json")})
    assert r.status_code == 200 and not form_fields(r.text, "/ask/evaluate").get("f.treatment_start")


def test_upload_a_note(web: Web) -> None:
    note = ("Date of service: 2026-11-18\nDx: MDS with ring sideroblasts (D46.1). IPSS-R low.\n"
            "Hgb 8.2 g/dL on 2026-11-15. Serum EPO 180 mU/mL.\nSF3B1 mutated. No del(5q).\n"
            "Plan: request luspatercept.\n")
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    r = c.post("/ask/upload", data={"csrf": token}, files={"upload": ("note.txt", note.encode(), "text/plain")})
    assert r.status_code == 200, text_of(r.text)[:2000]
    fields = form_fields(r.text, "/ask/evaluate")
    assert fields["origin"] == "note" and fields["f.hemoglobin"] == "8.2"


def test_upload_bad_json_and_empty(web: Web) -> None:
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    r = c.post("/ask/upload", data={"csrf": token, "pasted": "{not json"})
    assert r.status_code == 422 and "not valid JSON" in r.text
    r = c.post("/ask/upload", data={"csrf": token, "pasted": ""})
    assert r.status_code == 422 and "Choose a file" in r.text
    r = c.post("/ask/upload", data={"csrf": token, "pasted": json.dumps({"resourceType": "Patient"})})
    assert r.status_code == 422
