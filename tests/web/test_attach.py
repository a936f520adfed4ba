"""Attach a missing document to an existing request (issue 18, item 3): the answer is evaluated
again in place (same address, same place in the queue), the history keeps what happened, and a
document counts as present only when it was attached."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.web.conftest import Web, csrf_of, example, text_of

FHIR = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
EPO_NOTE = "Hematology clinic 2026-11-18.\nSerum erythropoietin 210 mU/mL (drawn 2026-10-02).\n"


def _attach(web: Web, ev: str, **files: tuple[str, bytes]) -> object:
    c = web.client("req")
    token = csrf_of(c.get(f"/answers/{ev}").text)
    return c.post(f"/answers/{ev}/attach", data={"csrf": token, "audience": "clinician"}, files=files,
                  follow_redirects=False)


def _epo_status(html: str) -> str:
    t = text_of(html)
    m = re.search(r"Serum erythropoietin level with date, drawn before ESA therapy .*? (present \(attached\)|stated, "
                  r"document not attached|MISSING — please send)", t)
    assert m, t[:300]
    return m.group(1)


def test_a_stated_fact_is_not_an_attached_document(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept")
    page = web.client("req").get(f"/answers/{ev}?audience=payer").text
    assert "stated, document not attached" in text_of(page) and "present (attached)" not in text_of(page)


def test_attach_the_missing_note_and_the_request_is_evaluated_again_in_place(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    before = web.client("req").get(f"/answers/{ev}").text
    assert "Insufficient information" in text_of(before) and 'action="/answers/' + ev + '/attach"' in before
    r = _attach(web, ev, upload=("epo-2026-10-02.txt", EPO_NOTE.encode()))
    assert r.status_code == 303 and r.headers["location"].startswith(f"/answers/{ev}?")  # the same request
    after = web.client("req").get(r.headers["location"]).text
    t = text_of(after)
    assert "Document attached" in t and "Insufficient information" not in t.split("Bottom line")[0]
    assert "Dr Ana Ruiz attached a document" in t and "epo-2026-10-02.txt" in t
    assert "insufficient information →" in t  # the history keeps the earlier recommendation
    payer = web.client("req").get(f"/answers/{ev}?audience=payer").text
    assert _epo_status(payer) == "present (attached)"
    assert "from epo-2026-10-02.txt: “" in text_of(payer)
    # the reviewers see the same request, not a new one
    queue = web.client("doc").get("/queue").text
    assert queue.count(f'href="/answers/{ev}"') >= 1
    log = text_of(web.client("auditor").get("/audit-log?action=evaluation.attach").text)
    assert "evaluation.attach" in log


def test_a_fhir_observation_counts_as_attached(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    bundle = json.loads((FHIR / "bundle-first-line.json").read_text())
    epo = next(e["resource"] for e in bundle["entry"] if e["resource"].get("resourceType") == "Observation"
               and "epo" in e["resource"].get("id", "").lower())
    r = _attach(web, ev, upload=("epo.json", json.dumps(epo).encode()))
    assert r.status_code == 303, text_of(r.text)[:500]
    payer = web.client("req").get(f"/answers/{ev}?audience=payer").text
    assert _epo_status(payer) == "present (attached)" and "Observation: serum erythropoietin" in text_of(payer)


def test_an_unreadable_upload_says_so_in_plain_words_and_keeps_the_page(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    r = _attach(web, ev, upload=("x.json", b"{not json"))
    assert r.status_code == 422
    assert "x.json is not a FHIR resource: it is not valid JSON" in text_of(r.text) and 'aria-invalid="true"' in r.text
    r = _attach(web, ev, upload=("nothing.txt", b"Patient seen today. Doing well."))
    assert r.status_code == 422 and "nothing in nothing.txt could be read" in text_of(r.text).lower()


def test_a_decided_request_takes_no_attachment(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept")
    doc = web.service.accounts.authenticate(web.keys["doc"])
    web.service.reviews.act(doc, ev, "claim")
    web.service.reviews.act(doc, ev, "approve")
    page = web.client("req").get(f"/answers/{ev}").text
    assert f'action="/answers/{ev}/attach"' not in page
    assert _attach(web, ev, upload=("a.txt", EPO_NOTE.encode())).status_code == 409
