"""The review queue and the policy library."""

from __future__ import annotations

import re

from tests.web.conftest import Web, csrf_of, example, text_of


def test_queue_by_role_and_organisation(web: Web) -> None:
    a = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept", title="Clinic A case")
    b = web.submit_case("req_b", example("luspatercept-missing-epo.yaml"), "luspatercept", title="Clinic B case",
                        urgency="expedited")
    doc = web.client("doc").get("/queue").text
    assert "Review queue" in doc and "Clinic A case" in doc and "Clinic B case" in doc
    assert doc.index("Clinic B case") < doc.index("Clinic A case")  # by due time: expedited first
    assert "pending" in text_of(doc)
    mine = web.client("req").get("/queue").text
    assert "Your requests" in mine and "Clinic A case" in mine and "Clinic B case" not in mine
    assert "Claim" not in text_of(mine)
    assert "Clinic A case" in web.client("auditor").get("/queue").text
    assert "Claim" not in text_of(web.client("auditor").get("/queue").text)
    assert web.client("author").get("/queue").status_code == 403
    # claim from the queue opens the answer
    c = web.client("doc")
    page = c.get("/queue").text
    version = re.search(rf'action="/queue/{b}/claim".*?name="version" value="(\d+)"', page, re.S).group(1)
    r = c.post(f"/queue/{b}/claim", data={"csrf": csrf_of(page), "version": version, "open": "1"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/answers/{b}?done=claim"
    assert "Under review" in text_of(c.get("/queue?show=under_review").text)
    assert a in c.get("/queue?show=submitted").text and b not in c.get("/queue?show=submitted").text
    r = c.post(f"/queue/{b}/claim", data={"csrf": csrf_of(page), "version": version})
    assert r.status_code == 200 and "flash-error" in r.text


def test_library_lists_policies_with_test_results(web: Web) -> None:
    for who in ("req", "doc", "author", "auditor", "admin"):
        assert web.client(who).get("/library").status_code == 200, who
    t = text_of(web.client("author").get("/library").text)
    assert "luspatercept-aamt" in t and "test cases pass" in t
    assert web.client().get("/library", follow_redirects=False).status_code == 303


def test_policy_page_tree_citations_versions_and_cases(web: Web) -> None:
    html = web.client("author").get("/library/luspatercept-mds").text
    t = text_of(html)
    assert "Every pathway requires" in t and "Pathway 1" in t and "Any of" in t or "All of" in t
    assert "Versions and changes" in t and "2026.12.1" in t
    assert "Test cases" in t and "passes" in t and "fails" not in t
    marks = set(re.findall(r'href="#ref-(\d+)"', html))
    refs = set(re.findall(r'id="ref-(\d+)"', html))
    assert marks and marks == refs
    assert web.client("author").get("/library/nope").status_code == 404
