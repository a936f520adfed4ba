"""Check before submit (issue 18, item 4): "What I understood" says first what the answer is likely
to be and what is still missing, shows the fields of the phase requested, and submits at once."""

from __future__ import annotations

from tests.web.conftest import Web, csrf_of, form_fields, text_of

FULL = ("Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, IPSS-R low, normal karyotype, "
        "no del(5q), SF3B1-mutated, Hb 8.1 g/dL, EPO 210, needing 2 units every 2 weeks, ESA-naive, "
        "not for immediate correction of anemia?")
PARTIAL = "Is Reblozyl medically necessary for a 70-year-old man with lower-risk MDS and Hb 8.1 g/dL?"


def _understood(web: Web, question: str) -> str:
    c = web.client("req")
    r = c.post("/ask", data={"csrf": csrf_of(c.get("/ask").text), "question": question, "audience": "clinician"})
    assert r.status_code == 200
    return r.text


def test_the_likely_answer_comes_first(web: Web) -> None:
    html = _understood(web, FULL)
    t = text_of(html)
    assert t.index("Before you submit") < t.index("From your question")
    assert "Likely answer for luspatercept-aamt: Meets criteria" in t
    assert "Still missing for a decision" not in t and "Nothing is missing for a decision" in t
    assert 'form="case-form"' in html and 'id="case-form"' in html


def test_what_is_missing_is_named_before_submitting(web: Web) -> None:
    t = text_of(_understood(web, PARTIAL))
    assert "Likely answer for luspatercept-aamt: Insufficient information" in t
    assert "Still missing for a decision:" in t and "Once they are documented the answer can be decided" in t
    missing = t[t.index("Still missing for a decision:"):t.index("From your question")]
    assert "Serum erythropoietin" in missing or "RBC" in missing or "transfusion" in missing.lower()


def test_an_initial_request_shows_no_re_authorisation_fields(web: Web) -> None:
    html = _understood(web, FULL)
    assert 'id="group-continuation"' not in html
    fields = form_fields(html, "/ask/evaluate")
    r = web.client("req").post("/ask/evaluate", data=fields, follow_redirects=False)
    assert r.status_code == 303  # the shorter form still submits
    assert 'id="group-continuation"' in web.client("req").get("/ask?mode=case").text  # the full form keeps it
