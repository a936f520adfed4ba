"""The answer page for each role and audience, documents, follow-up questions, review actions."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from mednec.store.models import AuditEntry
from tests.web.conftest import Web, csrf_of, example, form_fields, text_of


@pytest.fixture
def first_line(web: Web) -> str:
    return web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept")


@pytest.fixture
def missing_epo(web: Web) -> str:
    return web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")


@pytest.fixture
def after_esa(web: Web) -> str:
    return web.submit_case("req", example("luspatercept-del5q.yaml"), "luspatercept")


def test_answer_page_has_every_part(web: Web, first_line: str) -> None:
    r = web.client("req").get(f"/answers/{first_line}")
    assert r.status_code == 200
    html, t = r.text, text_of(r.text)
    assert t.count("Is luspatercept-aamt (Reblozyl) medically necessary") >= 1
    for words in ("Review status", "Submitted", "Under review", "Decision", "Last updated",
                  "View editorial policy", "Which best describes you?", "Meets criteria", "Bottom line",
                  "Criteria for this patient", "References", "Related questions", "Have a follow-up question?",
                  "Downloads", "History", "Recommendation" if "does_not" in html else "Pending physician review"):
        assert words in t, words
    assert 'aria-current="step"' in html
    # every citation mark links to an entry of the reference list
    marks = set(re.findall(r'href="#ref-(\d+)"', html))
    refs = set(re.findall(r'id="ref-(\d+)"', html))
    assert marks and marks <= refs
    # criteria statuses with evidence
    assert "st-met" in html and "Hemoglobin" in t
    # links that run related questions
    assert f"/answers/{first_line}/follow-up?drug=" in html
    assert f'href="/answers/{first_line}/json"' in html
    assert "Letter of medical necessity" in t


def test_audiences(web: Web, first_line: str) -> None:
    c = web.client("req")
    patient = text_of(c.get(f"/answers/{first_line}?audience=patient").text)
    assert "Is Reblozyl the right medicine for you" in patient and "What was decided" in patient
    payer = text_of(c.get(f"/answers/{first_line}?audience=payer").text)
    assert "1. Criteria review" in payer
    assert 'value="patient" checked' in c.get(f"/answers/{first_line}?audience=patient").text


def test_insufficient_shows_missing_documents_and_the_request_letter(web: Web, missing_epo: str) -> None:
    c = web.client("req")
    html = c.get(f"/answers/{missing_epo}").text
    t = text_of(html)
    assert "Insufficient information" in t and "Serum erythropoietin level" in t
    assert "Produce the request letter" in t
    href = re.search(r'href="(/answers/[^"]+/documents/info-request[^"]*)"', html).group(1).replace("&amp;", "&")
    letter = c.get(href)
    assert letter.status_code == 200 and "erythropoietin" in letter.text.lower()
    assert "style-src 'unsafe-inline'" in letter.headers["content-security-policy"]
    with web.service.db.reading() as s:
        assert "document.produce" in [e.action for e in s.execute(sa.select(AuditEntry)).scalars()]


def test_pdf_and_json_downloads(web: Web, first_line: str) -> None:
    c = web.client("req")
    pdf = c.get(f"/answers/{first_line}/documents/letter?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    data = json.loads(c.get(f"/answers/{first_line}/json").text)
    assert data["id"] == first_line and data["result"]["determination"] == "meets_criteria"
    r = c.get(f"/answers/{first_line}/documents/denial")
    assert r.status_code in (404, 409)
    assert c.get(f"/answers/{first_line}/documents/nonsense").status_code == 404


def test_other_organisation_gets_404_and_wrong_role_403(web: Web, first_line: str) -> None:
    r = web.client("req_b").get(f"/answers/{first_line}")
    assert r.status_code == 404 and "Page not found" in r.text
    assert web.client("req_b").get(f"/answers/{first_line}/json").status_code == 404
    assert web.client("req_b").get(f"/answers/{first_line}/follow-up?drug=imetelstat").status_code == 404
    r = web.client("author").get(f"/answers/{first_line}")
    assert r.status_code == 403 and "You do not have access" in r.text
    assert web.client("author").get("/queue").status_code == 403
    for who in ("doc", "auditor", "admin"):
        assert web.client(who).get(f"/answers/{first_line}").status_code == 200, who
    assert web.client().get(f"/answers/{first_line}", follow_redirects=False).status_code == 303
    # the reviewer-only actions are not offered to the requester or the auditor, and refused if posted
    assert "Claim for review" not in web.client("req").get(f"/answers/{first_line}").text
    assert "Claim for review" not in web.client("auditor").get(f"/answers/{first_line}").text
    c = web.client("req")
    token = csrf_of(c.get(f"/answers/{first_line}").text)
    assert c.post(f"/answers/{first_line}/review", data={"csrf": token, "action": "claim"}).status_code == 403
    assert web.client("req_b").post(f"/answers/{first_line}/review",
                                    data={"csrf": csrf_of(web.client("req_b").get("/queue").text),
                                          "action": "appeal", "reason": "x"}).status_code == 404


def _act(web: Web, who: str, ev: str, action: str, **data: str) -> object:
    c = web.client(who)
    page = c.get(f"/answers/{ev}")
    fields = {"csrf": csrf_of(page.text), "action": action, **data}
    m = re.search(r'name="version" value="(\d+)"', page.text)
    if m:
        fields["version"] = m.group(1)
    return c.post(f"/answers/{ev}/review", data=fields, follow_redirects=False)


def test_reviewer_approves_and_requester_sees_approved(web: Web, first_line: str) -> None:
    doc = web.client("doc")
    assert "Claim for review" in doc.get(f"/answers/{first_line}").text
    r = _act(web, "doc", first_line, "claim")
    assert r.status_code == 303
    page = doc.get(r.headers["location"])
    assert "You claimed this request" in page.text and "Approve" in text_of(page.text)
    assert _act(web, "doc2", first_line, "approve").status_code == 409  # claimed by another reviewer
    r = _act(web, "doc", first_line, "approve")
    assert r.status_code == 303
    t = text_of(web.client("req").get(f"/answers/{first_line}").text)
    assert "Final decision Approved by Dr Maria Chen" in t and "Recommendation at submission Meets criteria" in t
    assert "Dr Maria Chen claimed the request for review" in t and "Dr Maria Chen confirmed the recommendation" in t


def test_adverse_approval_needs_a_signature(web: Web, after_esa: str) -> None:
    ev = web.service.cases.get_evaluation(web.service.accounts.authenticate(web.keys["doc"]), after_esa)
    assert ev.determination == "does_not_meet_criteria"
    _act(web, "doc", after_esa, "claim")
    r = _act(web, "doc", after_esa, "approve")
    assert r.status_code == 422
    assert "signature" in text_of(r.text) and 'id="approve-signature"' in r.text and 'aria-invalid="true"' in r.text
    r = _act(web, "doc", after_esa, "approve", signature="Maria Chen, MD")
    assert r.status_code == 303
    t = text_of(web.client("req").get(f"/answers/{after_esa}").text)
    assert "Final decision Denied by Dr Maria Chen" in t and "signed by the physician reviewer" in t
    assert "Approved" not in t.split("Recommendation at submission")[0]  # never "Approved" for a denial
    assert "Appeal this denial" in t
    r = _act(web, "req", after_esa, "appeal")
    assert r.status_code == 422
    r = _act(web, "req", after_esa, "appeal", reason="New marrow report shows no del(5q)")
    assert r.status_code == 303
    assert "Appeal submitted" in text_of(web.client("doc").get("/queue").text)


def test_overturn_and_request_info(web: Web, missing_epo: str, first_line: str) -> None:
    _act(web, "doc", missing_epo, "claim")
    assert _act(web, "doc", missing_epo, "approve").status_code in (409, 422)  # insufficient cannot be approved
    r = _act(web, "doc", missing_epo, "request_info", reason="Please send the serum EPO level")
    assert r.status_code == 303
    t = text_of(web.client("req").get(f"/answers/{missing_epo}").text)
    assert "Information requested" in t and "Please send the serum EPO level" in t
    _act(web, "doc", first_line, "claim")
    r = _act(web, "doc", first_line, "overturn", decision="denied", reason="")
    assert r.status_code == 422 and "reason" in text_of(r.text)
    r = _act(web, "doc", first_line, "overturn", decision="denied", reason="Alternative preferred",
             signature="Maria Chen, MD")
    assert r.status_code == 303
    t = text_of(web.client("req").get(f"/answers/{first_line}").text)
    assert "Final decision Denied by Dr Maria Chen" in t and "overturned the recommendation" in t


def test_stale_version_is_a_conflict(web: Web, first_line: str) -> None:
    c = web.client("doc")
    token = csrf_of(c.get(f"/answers/{first_line}").text)
    r = c.post(f"/answers/{first_line}/review", data={"csrf": token, "action": "claim", "version": "99"})
    assert r.status_code == 409 and "changed" in r.text


def test_follow_up_another_drug_and_what_if(web: Web, first_line: str) -> None:
    c = web.client("req")
    r = c.get(f"/answers/{first_line}/follow-up", params={"q": "What about imetelstat?"})
    assert r.status_code == 200
    t = text_of(r.text)
    assert "What-if answer" in t and "Drug: luspatercept-aamt → imetelstat" in t
    r = c.get(f"/answers/{first_line}/follow-up", params={"q": "What if the serum EPO were 600 mU/mL?"})
    t = text_of(r.text)
    assert "Serum erythropoietin: 210 mU/mL → 600 mU/mL" in t
    fields = form_fields(r.text, f"/answers/{first_line}/follow-up")
    assert fields["facts_changed"] == "1"
    r = c.post(f"/answers/{first_line}/follow-up", data=fields, follow_redirects=False)
    assert r.status_code == 303
    new = r.headers["location"].split("/answers/")[1].split("?")[0]
    ev = web.service.cases.get_evaluation(web.service.accounts.authenticate(web.keys["req"]), new)
    case = web.service.cases.get_case(web.service.accounts.authenticate(web.keys["req"]), ev.case_id)
    assert case.data["facts"]["serum_epo"]["value"] == 600.0
    # structured change, and a bad value is shown next to the field
    r = c.get(f"/answers/{first_line}/follow-up", params={"fact": "hemoglobin", "value": "99"})
    assert r.status_code == 422 and 'id="fu-value-error"' in r.text
    r = c.get(f"/answers/{first_line}/follow-up", params={"drug": "darbepoetin alfa"})
    assert r.status_code == 200 and "Drug: luspatercept-aamt → darbepoetin alfa" in text_of(r.text)
    r = c.get(f"/answers/{first_line}/follow-up", params={"q": "hello"})
    assert r.status_code == 200 and "did not find a drug or a fact" in text_of(r.text)


def test_related_question_links_run(web: Web, first_line: str) -> None:
    c = web.client("req")
    html = c.get(f"/answers/{first_line}").text
    links = [h.replace("&amp;", "&") for h in re.findall(r'<li><a href="(/answers/[^"]+)">', html)]
    assert len(links) >= 3
    for href in links:
        assert c.get(href).status_code == 200, href


def test_reviewer_can_preview_but_not_submit_a_what_if(web: Web, first_line: str) -> None:
    r = web.client("doc").get(f"/answers/{first_line}/follow-up", params={"drug": "imetelstat"})
    assert r.status_code == 200 and "Submit this as a new request" not in r.text


def test_the_stored_answer_is_shown_after_the_case_changed(web: Web, first_line: str) -> None:
    """The page and its documents show the stored determination, not a re-evaluation of the edited case."""
    p = web.service.accounts.authenticate(web.keys["req"])
    ev = web.service.cases.get_evaluation(p, first_line)
    case = web.service.cases.get_case(p, ev.case_id)
    web.service.cases.update_case(p, case.id, {"hemoglobin": {"value": 9.5, "unit": "g/dL", "date": "2026-11-15"}},
                            if_match=case.version)
    r = web.client("req").get(f"/answers/{first_line}")
    assert r.status_code == 200
    t = text_of(r.text)
    assert "Meets criteria" in t and "Criteria for this patient" in t and "References" in t
    assert "8.1 g/dL" in t and "9.5 g/dL" not in t
    letter = web.client("req").get(f"/answers/{first_line}/documents/letter")
    assert letter.status_code == 200 and "8.1 g/dL" in letter.text and "9.5 g/dL" not in letter.text


def test_overdue_is_flagged(web: Web, first_line: str) -> None:
    web.clock.t += dt.timedelta(days=8)
    t = text_of(web.client("doc").get("/queue").text)
    assert "Overdue" in t
    assert "Overdue by" in text_of(web.client("req").get(f"/answers/{first_line}").text)
    assert first_line in web.client("doc").get("/queue?show=overdue").text


def test_answer_page_renders_in_under_300_ms(web: Web, first_line: str) -> None:
    """Server-side time of the answer page without the article cache (benchmarks/bench_web.py measures more)."""
    import time

    c = web.client("req")
    c.get(f"/answers/{first_line}")  # templates compiled
    times = []
    for audience in ("clinician", "payer", "patient") * 3:
        web.app.state.web.articles.clear()
        t = time.perf_counter()
        assert c.get(f"/answers/{first_line}?audience={audience}").status_code == 200
        times.append(time.perf_counter() - t)
    assert sorted(times)[len(times) // 2] < 0.3, times
