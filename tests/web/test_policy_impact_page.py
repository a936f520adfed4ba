"""The draft's page in the policy library: its impact analysis panel."""

from __future__ import annotations

from tests.population.test_impact import VERSION, draft_yaml
from tests.web.conftest import Web, example, text_of


def test_draft_page_shows_the_impact_panel(web: Web) -> None:
    w = web
    for i, hb in enumerate((7.5, 8.5)):
        case = example("luspatercept-first-line.yaml")
        case["facts"]["hemoglobin"] = {"value": hb, "unit": "g/dL", "date": "2026-11-01"}
        w.submit_case("req", case, "reblozyl", title=f"case {i}")
    author = w.service.accounts.authenticate(w.keys["author"])
    w.service.policy_versions.draft(author, "luspatercept-mds", draft_yaml())
    page = w.client("author").get("/library/luspatercept-mds").text
    assert f"/library/luspatercept-mds/versions/{VERSION}" in page
    t = text_of(w.client("author").get(f"/library/luspatercept-mds/versions/{VERSION}").text)
    assert "Impact analysis" in t and "No impact analysis is recorded yet" in t
    html = w.client("author").get(f"/library/luspatercept-mds/versions/{VERSION}?impact=run").text
    t = text_of(html)
    assert "2 cases compared" in t and "1 would change determination" in t
    assert "hemoglobin_below_hold" in t and "Sample cases are listed for physician reviewers" in t
    assert "/answers/" not in html
    html = w.client("doc").get(f"/library/luspatercept-mds/versions/{VERSION}?impact=run").text
    assert html.count('href="/answers/') == 1
