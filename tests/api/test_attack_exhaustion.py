"""Attack: one user asking for the expensive work over and over (PDFs compiled by Typst, impact
analyses that evaluate every stored case), through the API and the web pages, on SQLite and
PostgreSQL. Past the user's limit each is a 429 with Retry-After (a problem document from the API,
an HTML page on the web), counted for every worker in the database; other users are not slowed;
the window passing lets the user in again.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from fastapi.testclient import TestClient

from mednec.store import ratelimit
from tests.api.conftest import World, example
from tests.web.conftest import sign_in


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[int, float]]:
    """The limits made small, so the test renders few PDFs (the limits are read when first used)."""
    limits = {"pdf": (3, 60.0), "impact": (2, 60.0)}
    monkeypatch.setattr(ratelimit, "EXPENSIVE", limits)
    return limits


def _evaluation(w: World) -> str:
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    cid = w.client.post("/cases", json={"case": case}, headers=w.h("req")).json()["id"]
    return str(w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"])


def test_pdfs_past_the_limit_are_429_across_api_and_web(world: World, small_limits: dict[str, tuple[int, float]]) -> None:
    w = world
    ev = _evaluation(w)
    limit = small_limits["pdf"][0]
    url = f"/evaluations/{ev}/documents/article?format=pdf"
    statuses = [w.client.get(url, headers=w.h("req")).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    r = w.client.get(url, headers=w.h("req"))
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert 1 <= int(r.headers["Retry-After"]) <= 121 and r.json()["code"] == "too_many_requests"
    # the web download counts against the same user's limit
    browser = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(browser, w.keys["req"])
    page = browser.get(f"/answers/{ev}/documents/article?format=pdf")
    assert page.status_code == 429 and "Too many requests" in page.text and page.headers["Retry-After"]
    # other users are not slowed, and cheaper formats are not limited
    assert w.client.get(url, headers=w.h("doc")).status_code == 200
    assert w.client.get(url.replace("pdf", "html"), headers=w.h("req")).status_code == 200
    # a minute later the user may again
    w.clock.t += dt.timedelta(seconds=121)
    assert w.client.get(url, headers=w.h("req")).status_code == 200
    browser.close()


def test_impact_analyses_past_the_limit_are_429(world: World, small_limits: dict[str, tuple[int, float]]) -> None:
    w = world
    _evaluation(w)
    url = "/policies/luspatercept-mds/versions/1/impact"
    versions = w.client.get("/policies/luspatercept-mds", headers=w.h("author")).json()["versions"]
    if versions:
        url = f"/policies/luspatercept-mds/versions/{versions[0]['version']}/impact"
    first = [w.client.get(url, headers=w.h("author")).status_code for _ in range(small_limits["impact"][0])]
    assert all(s < 429 for s in first), first
    r = w.client.get(url, headers=w.h("author"))
    assert r.status_code == 429 and r.headers["Retry-After"], r.text
    assert w.client.get(url, headers=w.h("doc")).status_code < 429


def test_the_default_limits_leave_room_for_real_work() -> None:
    """A reviewer opens a few PDFs a minute; an author re-runs an impact analysis now and then."""
    assert ratelimit.EXPENSIVE["pdf"][0] >= 20 and ratelimit.EXPENSIVE["impact"][0] >= 5
    assert all(window == 60.0 for _, window in ratelimit.EXPENSIVE.values())


def test_counting_costs_milliseconds(world: World) -> None:
    """Counting one piece of work is one upsert; it is small beside the PDF it guards (CPU time)."""
    w = world
    limits = ratelimit.WorkLimits(w.service.db, clock=lambda: w.clock.t.timestamp())
    start = time.process_time()
    for i in range(50):
        limits.take("pdf", f"usr_{i}")
    per = (time.process_time() - start) / 50
    assert per < 0.02, f"{per * 1000:.1f} ms of CPU per count"
