"""One truth about a review's status (issue 18, item 1): the same words and meaning in the queue,
the answer page, the documents and the API, and never "Approved" for a denial."""

from __future__ import annotations

import itertools
import re

import pytest

from mednec.documents import review_status
from mednec.store.status import STATUS_FILTERS, status_of
from tests.web.conftest import Web, csrf_of, example, text_of

STATES = ("submitted", "under_review", "approved", "overturned", "changes_requested", "info_requested", "appealed")


@pytest.mark.parametrize(("state", "decision", "appealed"),
                         list(itertools.product(STATES, (None, "approved", "denied"), (False, True))))
def test_every_state_has_one_word_and_a_denial_is_never_approved(state: str, decision: str | None,
                                                                  appealed: bool) -> None:
    st = status_of(state, decision, appealed)
    assert st.label and "_" not in st.label and st.tone in ("neutral", "progress", "action", "success", "danger")
    if decision == "denied" and state in ("approved", "overturned"):
        assert st.final and st.tone == "danger" and "Approved" not in st.label and st.label.startswith("Denied")
        assert review_status(state, decision) == "denied"
    elif decision == "approved" and state in ("approved", "overturned"):
        assert st.final and st.tone == "success" and st.label.startswith("Approved")
        assert st.label.endswith("on appeal") == appealed
    else:
        assert not st.final and st.tone not in ("success", "danger")
        assert review_status(state, decision) not in ("approved", "denied")


def test_filters_use_the_status_words() -> None:
    words = {status_of(s, d, a).label for s, d, a in itertools.product(STATES, ("approved", "denied"), (False,))}
    assert {label for _, label in STATUS_FILTERS} <= words


def _act(web: Web, who: str, ev: str, action: str, **data: str) -> int:
    c = web.client(who)
    page = c.get(f"/answers/{ev}")
    fields = {"csrf": csrf_of(page.text), "action": action, **data}
    m = re.search(r'name="version" value="(\d+)"', page.text)
    if m:
        fields["version"] = m.group(1)
    return c.post(f"/answers/{ev}/review", data=fields, follow_redirects=False).status_code


def test_a_confirmed_denial_reads_denied_everywhere(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-del5q.yaml"), "luspatercept")
    assert _act(web, "doc", ev, "claim") == 303
    assert _act(web, "doc", ev, "approve", signature="Maria Chen, MD", reason="Prior ESA failure not shown") == 303
    page = web.client("req").get(f"/answers/{ev}").text
    t = text_of(page)
    # the page leads with the decision, who and when; the recommendation comes after it
    assert t.index("Final decision Denied by Dr Maria Chen on 20 Nov 2026") < t.index("Recommendation at submission")
    assert "Reason: Prior ESA failure not shown" in t
    assert re.search(r'class="done tone-danger">Denied', page) and ">Approved<" not in page
    assert "Produce the request letter" not in t
    # the queue: the same word, the same colour
    queue = web.client("doc").get("/queue").text
    assert re.search(r'badge-danger">Denied<', queue) and "final: denied" not in queue
    denied = text_of(web.client("doc").get("/queue?show=denied").text)
    approved = text_of(web.client("doc").get("/queue?show=approved").text)
    assert "1 request · Denied" in denied and "No requests in this view" in approved
    # the documents: the article's review label
    doc = web.client("req").get(f"/answers/{ev}/documents/article?format=html").text
    assert "Denied by a physician reviewer" in doc and "Approved by a physician reviewer" not in doc
    # the API
    api = web.client("req").get(f"/evaluations/{ev}", headers={"Authorization": f"Bearer {web.keys['req']}",
                                                                "accept": "application/json"}).json()
    assert api["review"]["status"] == "denied" and api["review"]["status_label"] == "Denied"


def test_an_overturned_insufficient_answer_leads_with_approved(web: Web) -> None:
    ev = web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    assert _act(web, "doc", ev, "claim") == 303
    assert _act(web, "doc", ev, "overturn", decision="approved", reason="EPO on file at the plan") == 303
    t = text_of(web.client("req").get(f"/answers/{ev}").text)
    assert t.index("Final decision Approved by Dr Maria Chen") < t.index("Recommendation at submission "
                                                                          "Insufficient information")
    assert "overturned the recommendation" in t
    assert "documents needed to decide" not in t and "Produce the request letter" not in t
