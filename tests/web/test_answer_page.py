"""A shorter answer page (issue 18, item 5): the decision once, a criteria summary, actions before
the article, the long sections folded, a printable summary, rendered in under 300 ms."""

from __future__ import annotations

import re
import statistics
import time

from tests.web.conftest import Web, example, text_of


def test_the_decision_once_and_a_criteria_summary(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    html = web.client("req").get(f"/answers/{ev}").text
    t = text_of(html)
    bottom = t[t.index("Bottom line"):t.index("1. Medical necessity")]
    assert "Insufficient information" not in bottom  # the article's bottom line does not repeat the verdict
    assert t.count("Insufficient information") == 1 + t.count("Insufficient information [")  # + other drugs' rows
    m = re.search(r"Criteria: (\d+) met · (\d+) not met · (\d+) unknown", t)
    assert m and int(m.group(1)) > 0 and int(m.group(3)) > 0
    assert '<details class="crit-group crit-unknown" open>' in html and '<details class="crit-group crit-met">' in html
    # actions before the article in the page order (a phone shows them first)
    assert html.index('id="documentation-actions"') < html.index('<article class="article"')
    # long sections fold; the bottom line does not
    assert '<details class="art-sec" id="references">' in html and '<details class="art-sec" id="documentation">' in html
    assert '<section id="bottom-line"' in html


def test_the_printable_summary(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    r = web.client("req").get(f"/answers/{ev}/summary")
    t = text_of(r.text)
    assert r.status_code == 200 and "One-page summary" in t and "Recommendation Insufficient information" in t
    assert "Missing: Serum erythropoietin level with date" in t and "Back to the answer" in t
    assert len(t) < 4000  # one page


def test_the_answer_page_renders_in_under_300_ms(web: Web) -> None:
    c = web.client("req")
    ev = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept")
    c.get(f"/answers/{ev}")  # templates compiled
    times = []
    for audience in ("clinician", "payer", "patient", "clinician", "payer"):
        web.app.state.web.articles.clear()  # the article rendered again each time, not from the cache
        t0 = time.perf_counter()
        assert c.get(f"/answers/{ev}?audience={audience}").status_code == 200
        times.append(time.perf_counter() - t0)
    assert statistics.median(times) < 0.3, times
