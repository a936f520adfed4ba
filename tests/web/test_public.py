"""Public answers (issue 18, item 7): without signing in, every policy's general article at a
stable address, and an anonymous question answered for the reader's audience; nothing stored;
rate-limited."""

from __future__ import annotations

from mednec.web.routes_public import policy_path
from tests.web.conftest import Web, csrf_of, text_of

QUESTION = ("Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, IPSS-R low, normal karyotype, "
            "no del(5q), Hb 8.1 g/dL, EPO 210, needing 2 units every 2 weeks, ESA-naive?")


def test_every_policy_has_a_public_page_at_a_readable_address(web: Web) -> None:
    c = web.client()
    assert policy_path("luspatercept-mds") == "/drugs/luspatercept/mds"
    index = c.get("/drugs").text
    for p in web.service.runtime.catalog.policies():
        path = policy_path(p.id)
        assert f'href="{path}"' in index
        for audience in ("patient", "clinician"):
            r = c.get(f"{path}?audience={audience}")
            assert r.status_code == 200, (path, audience)
            assert "General information, not a coverage decision" in text_of(r.text)
    assert c.get("/drugs/luspatercept/nothing").status_code == 404


def test_an_anonymous_question_is_answered_and_nothing_is_stored(web: Web) -> None:
    c = web.client()
    before = (web.service.cases.list_cases(web.service.accounts.authenticate(web.keys["admin"]))[1])
    r = c.post("/public/ask", data={"csrf": csrf_of(c.get("/public/ask").text), "question": QUESTION,
                                    "audience": "clinician"})
    t = text_of(r.text)
    assert r.status_code == 200 and "Meets criteria" in t and "not a coverage decision" in t
    assert 'href="/drugs/luspatercept/mds?audience=clinician"' in r.text
    assert web.service.cases.list_cases(web.service.accounts.authenticate(web.keys["admin"]))[1] == before
    r = c.post("/public/ask", data={"csrf": csrf_of(c.get("/public/ask").text), "question": ""})
    assert r.status_code == 422 and "Enter your question" in text_of(r.text)


def test_anonymous_questions_are_rate_limited(web: Web) -> None:
    from mednec.web.routes_public import LIMITS

    c = web.client()
    token = csrf_of(c.get("/public/ask").text)
    codes = [c.post("/public/ask", data={"csrf": token, "question": ""}).status_code
             for _ in range(LIMITS["asks"] + 1)]
    assert codes[:-1] == [422] * LIMITS["asks"] and codes[-1] == 429
