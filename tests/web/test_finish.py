"""Finishing touches (issue 18, item 8): turnaround in hours and days, queue rows that say who the
patient is, /docs served from this server."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from mednec.web.labels import duration, patient_descriptor
from tests.web.conftest import Web, csrf_of, example, text_of


@pytest.mark.parametrize(("hours", "want"), [(None, "—"), (0.01, "1 minute"), (0.5, "30 minutes"), (1, "1 hour"),
                                             (5.25, "5.2 hours"), (47.9, "47.9 hours"), (72, "3 days"),
                                             (84, "3.5 days")])
def test_turnaround_in_words(hours: float | None, want: str) -> None:
    assert duration(hours) == want


@pytest.mark.parametrize(("patient", "want"), [
    ({"birth_date": "1956-02-14", "sex": "male"}, "70-year-old man"),
    ({"birth_date": {"value": "1950-11-21"}, "sex": {"value": "female"}}, "75-year-old woman"),
    ({"age": 72, "sex": "female", "name": "Maria Lopez"}, "Maria Lopez, 72-year-old woman"),
    ({"age": {"value": 15}, "sex": "male"}, "15-year-old boy"),
    ({"sex": "male"}, "man"),
    ({}, "patient, age not given"),
    ({"birth_date": "not a date", "sex": "other"}, "patient, age not given"),
])
def test_patient_descriptor(patient: dict[str, object], want: str) -> None:
    assert patient_descriptor({"patient": patient}, dt.date(2026, 11, 20)) == want


def test_queue_rows_name_the_patient_and_the_drug(web: Web) -> None:
    for name in ("luspatercept-first-line.yaml", "luspatercept-del5q.yaml"):
        web.submit_case("req", example(name), "luspatercept", title="Same title for both")
    t = text_of(web.client("doc").get("/queue").text)
    assert "70-year-old man · luspatercept-aamt" in t and "-year-old woman · luspatercept-aamt" in t
    assert "median time to decision" in t and "median hours" not in t


def test_docs_are_served_from_this_server(web: Web) -> None:
    r = web.client().get("/docs")
    assert r.status_code == 200 and "cdn" not in r.text.lower() and "http" not in r.text.replace("http-equiv", "")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assets = ["/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css", "/static/docs-init.js"]
    for a in assets:
        assert a in r.text and web.client().get(a).status_code == 200


@pytest.mark.parametrize("label", ["Needs immediate correction of anemia", "Serum erythropoietin",
                                   "IPSS-R risk category", "del(5q)", "ESA trial status"])
def test_what_if_questions_read_well_for_any_label(label: str) -> None:
    from mednec.web.answer_view import what_if_question

    q = what_if_question(label)
    assert q.startswith("What would change if the records documented “") and q.endswith("”?")
    assert "the needs" not in q.lower() and "the del" not in q.lower()


def test_related_questions_keep_the_audience(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    html = web.client("req").get(f"/answers/{ev}?audience=payer").text
    import re

    links = re.findall(r'<ul class="related-list">(.*?)</ul>', html, re.S)[0]
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert hrefs and all("audience=payer" in h.split("#")[0] for h in hrefs if "audience=patient" not in h)
    assert any("#follow-up" in h for h in hrefs)


def test_documents_open_with_a_header_and_a_way_back(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept")
    r = web.client("req").get(f"/answers/{ev}/documents/letter?format=html&audience=payer")
    assert r.status_code == 200 and int(r.headers["content-length"]) == len(r.content)
    assert f'href="/answers/{ev}?audience=payer"' in r.text and "Back to the answer" in r.text
    assert r.text.index("Back to the answer") < r.text.index("Letter of medical necessity", r.text.index("<body"))
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_a_bad_fhir_upload_says_so_plainly_and_keeps_the_choices(web: Web) -> None:
    c = web.client("req")
    token = csrf_of_page(c)
    bad = b'{"resourceType": "Bundle", "type": "history", "entry": []}'
    r = c.post("/ask/upload", data={"csrf": token, "drug": "luspatercept-aamt", "question": "Is it needed?",
                                    "audience": "payer"}, files={"upload": ("labs.json", bad)})
    t = text_of(r.text)
    assert r.status_code == 422 and "labs.json could not be read as a FHIR R4 bundle" in t
    assert "Traceback" not in t and "pydantic" not in t.lower()
    assert '<option value="luspatercept-aamt" selected>' in r.text and 'value="Is it needed?"' in r.text
    assert 'value="payer" checked' in r.text
    r = c.post("/ask/upload", data={"csrf": token, "drug": "imetelstat"}, files={"upload": ("x.json", b"{oops")})
    assert r.status_code == 422 and "x.json is not valid JSON" in text_of(r.text)
    assert '<option value="imetelstat" selected>' in r.text


def csrf_of_page(c: object) -> str:
    from tests.web.conftest import csrf_of

    return csrf_of(c.get("/ask?mode=upload").text)  # type: ignore[attr-defined]


_WRAPS = re.compile(r'<div class="table-wrap"([^>]*)>(.*?)</table>', re.S)


def test_every_table_that_may_scroll_is_a_labelled_keyboard_region(web: Web) -> None:
    """Issue 18, item 5: no table scrolls sideways without a keyboard-reachable, labelled region (a
    table of form fields is reachable through its fields)."""
    from mednec.web.routes_public import policy_path

    c = web.client("req")
    r = c.post("/ask", data={"csrf": csrf_of(c.get("/ask").text), "audience": "clinician",
                             "question": "72-year-old man with MDS, IPSS-R low, Hb 8.1 g/dL, EPO 210"})
    pages = {"no drug named": r.text, "/ask case form": c.get("/ask?mode=form").text}
    catalog = list(web.service.runtime.catalog.policies())
    for path in ("/editorial-policy", "/library", "/queue", *(f"/library/{p.id}" for p in catalog)):
        pages[path] = c.get(path).text
    admin = web.client("admin")
    for path in ("/metrics", "/audit"):
        pages[path] = admin.get(path).text
    pages.update({path: web.client().get(path).text for path in ("/drugs", policy_path(catalog[0].id))})
    seen = 0
    for name, html in pages.items():
        for attrs, inside in _WRAPS.findall(html):
            seen += 1
            if re.search(r"<(input|select|textarea)\b", inside):
                continue
            assert 'role="region"' in attrs and 'tabindex="0"' in attrs and "aria-label" in attrs, (name, attrs)
    assert seen >= 6


def test_queue_cells_say_what_they_are_on_a_phone(web: Web) -> None:
    """On a phone the queue's rows stack; each cell carries its column's name (shown before it there),
    and an unclaimed request says so instead of a bare dash."""
    web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    html = web.client("doc").get("/queue").text
    for label in ("Due", "Recommendation at submission", "Status", "Reviewer"):
        assert f'<td data-label="{label}">' in html, label
    assert '<td data-label="Reviewer">not claimed yet</td>' in html


def test_the_answer_pages_compare_link_opens_the_payer_variants_page(web: Web) -> None:
    """The answer page offers 'Compare this patient under each' payer variant; the link opens the web
    page (it pointed at the API's /cases/<id>/compare, which answered a browser with a 401 problem)."""
    ev = web.submit_case("req", example("repatha-ascvd.yaml"), "evolocumab")
    c = web.client("req")
    m = re.search(r'<a href="([^"]+)">Compare this patient under each</a>', c.get(f"/answers/{ev}").text)
    assert m, "no compare link"
    r = c.get(m.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (r.status_code, r.text[:200])
    assert "payer variants compared" in text_of(r.text)


def test_the_payer_variants_page_names_things_in_words(web: Web) -> None:
    """The comparison said 'ascvd' under an answer and 'default met; cigna met; caremark not met':
    pathways and variants by name, statuses in words, and a criterion's pathway when two read alike."""
    from tests.web.test_leftovers import leftovers

    ev = web.submit_case("req", example("repatha-ascvd.yaml"), "evolocumab")
    case = web.service.cases.get_evaluation(web.service.accounts.authenticate(web.keys["req"]), ev).case_id
    html = web.client("req").get(f"/cases/{case}/payer-variants?drug=evolocumab").text
    t = text_of(html)
    policy = next(p for p in web.service.runtime.catalog.policies() if p.id == "evolocumab-repatha")
    assert any(pw.name in t for pw in policy.pathways)
    assert not re.search(r"\b(default|cigna|caremark) (met|not met|unknown)\b", t), t[t.find("disagree"):][:400]
    assert "Policy defaults — met" in t or "Policy defaults — not met" in t
    assert not re.search(r'<span class="muted">[a-z_]+</span>', html)  # no bare pathway id
    assert not leftovers(html), leftovers(html)[:3]


def test_an_editorial_decision_page_folds_by_drug(web: Web) -> None:
    """The MDS decision record is cited by five drugs' criteria (12,700 px on a phone when all were
    open): each drug folds with its criteria count, and ?drug= (generic or brand) opens that one."""
    c = web.client()
    html = c.get("/editorial-policy/decisions/mednec-mds-decisions").text
    folds = re.findall(r'<details class="decision-drug" id="([a-z0-9-]+)"( open)?>', html)
    assert len(folds) >= 2 and not any(is_open for _, is_open in folds)
    assert "luspatercept-mds" in [f for f, _ in folds] and re.search(r"· \d+ criteri(a|on)</span>", html)
    for drug in ("luspatercept", "Reblozyl"):
        html = c.get(f"/editorial-policy/decisions/mednec-mds-decisions?drug={drug}").text
        opened = [f for f, is_open in re.findall(r'<details class="decision-drug" id="([a-z0-9-]+)"( open)?>', html) if is_open]
        assert opened == ["luspatercept-mds"], (drug, opened)
