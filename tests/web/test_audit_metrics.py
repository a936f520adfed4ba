"""The audit log page (with chain verification) and the prior-authorisation metrics page."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.tamper import drop_audit_guard
from tests.web.conftest import Web, example, text_of


def _workflow(web: Web) -> tuple[str, str]:
    """A case, its evaluation, claimed and approved by the reviewer; one expedited request left open.
    The (approved, open) evaluation ids."""
    done = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept", title="Approved case")
    doc = web.service.accounts.authenticate(web.keys["doc"])
    web.clock.t += dt.timedelta(hours=5)
    web.service.reviews.act(doc, done, "claim")
    web.clock.t += dt.timedelta(hours=20)
    web.service.reviews.act(doc, done, "approve")
    still = web.submit_case("req_b", example("luspatercept-missing-epo.yaml"), "luspatercept", title="Open case",
                            urgency="expedited")
    web.clock.t += dt.timedelta(days=4)  # the expedited request is now overdue
    return done, still


def _api(web: Web, who: str) -> TestClient:
    return TestClient(web.app, headers={"authorization": f"Bearer {web.keys[who]}"})


def _actions(html: str) -> list[str]:
    return re.findall(r"<code>([\w.]+)</code>", html.replace("<wbr>", ""))


def _rows(html: str) -> list[str]:
    body = re.search(r'<table class="audit">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, "no audit table"
    return re.findall(r'<tr id="entry-(\d+)">', body.group(1))


def test_audit_log_for_auditor_and_admin_newest_first(web: Web) -> None:
    done, _ = _workflow(web)
    for who in ("auditor", "admin"):
        r = web.client(who).get("/audit-log")
        assert r.status_code == 200, who
        shown = _actions(r.text)
        for action in ("case.create", "evaluation.create", "review.claim", "review.approve", "user.create"):
            assert action in shown, (who, action)
        seqs = [int(s) for s in _rows(r.text)]
        assert seqs == sorted(seqs, reverse=True) and len(seqs) > 5
        assert 'href="/audit-log" aria-current="page"' in r.text  # in the navigation
    html = web.client("auditor").get("/audit-log").text
    approve = re.search(r'<tr id="entry-\d+">(?:(?!</tr>).)*review\.<wbr>approve(?:(?!</tr>).)*</tr>', html, re.S)
    assert approve
    row = approve.group(0)
    assert "Dr Maria Chen" in row and "evaluation/" in row and f'href="/answers/{done}">{done}</a>' in row
    assert "luspatercept-mds</span><wbr>@" in row
    full = re.search(r'title="(sha256:[0-9a-f]{64})"', row)
    assert full, row
    shown = re.search(r'aria-hidden="true">([0-9a-f]+)…<', row)
    assert shown and full.group(1).startswith("sha256:" + shown.group(1)) and len(shown.group(1)) == 8
    assert f'<span class="visually-hidden">{full.group(1)}</span>' in row
    # entries carry no patient facts
    for phi in ("1956-02-14", "8.1 g/dL", "hemoglobin", "Approved case"):
        assert phi not in text_of(html).replace("Dr ", "")


def test_audit_log_filters_by_action_and_entity(web: Web) -> None:
    done, still = _workflow(web)
    c = web.client("auditor")
    page = c.get("/audit-log?action=review.approve").text
    assert _actions(page) == ["review.approve"]
    assert 'value="review.approve"' in page and "Clear filters" in page
    group = _actions(c.get("/audit-log?action=review").text)
    assert group == ["review.approve", "review.claim"]
    one = c.get(f"/audit-log?entity=evaluation/{done}").text
    actions = _actions(one)
    assert actions == ["review.approve", "review.claim", "evaluation.create"]
    assert still not in one
    kinds = c.get("/audit-log?entity=evaluation").text
    assert done in kinds and still in kinds and set(_actions(kinds)) == {"evaluation.create", "review.claim",
                                                                       "review.approve"}
    both = _actions(c.get(f"/audit-log?action=review&entity=evaluation/{still}").text)
    assert both == []
    assert "No entries match these filters" in text_of(c.get("/audit-log?action=nothing.like.this").text)
    # the form offers the known actions to pick from
    assert '<option value="review.approve">' in page and 'list="action-list"' in page


def test_audit_log_pages_like_the_queue(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.web import routes_audit

    monkeypatch.setattr(routes_audit, "PAGE", 3)
    _workflow(web)
    c = web.client("auditor")
    first = c.get("/audit-log").text
    top = [int(s) for s in _rows(first)]
    assert len(top) == 3 and "Newer entries" not in first
    older = re.search(r'href="(/audit-log\?before=\d+)">Older entries', first)
    assert older
    second = c.get(unescape(older.group(1))).text
    nxt = [int(s) for s in _rows(second)]
    assert len(nxt) == 3 and max(nxt) < min(top)
    newer = re.search(r'href="([^"]+)">Newer entries', second)
    assert newer
    assert [int(s) for s in _rows(c.get(unescape(newer.group(1))).text)] == top
    # filters stay on when paging
    page = c.get("/audit-log?entity=evaluation").text
    link = re.search(r'href="([^"]+)">Older entries', page)
    assert link and "entity=evaluation" in unescape(link.group(1))
    # a bad cursor is ignored, not an error
    assert c.get("/audit-log?before=abc&after=99999999999999999999999").status_code == 200


def test_verify_shows_ok_then_the_problem_after_tampering(web: Web) -> None:
    _workflow(web)
    c = web.client("auditor")
    page = c.get("/audit-log").text
    assert "Verify the chain" in text_of(page) and "intact" not in text_of(page)
    ok = text_of(c.get("/audit-log?verify=1").text)
    entries = _api(web, "auditor").get("/audit/verify").json()["entries"]
    assert "The audit log is intact" in ok and f"All {entries} entries checked" in ok
    with web.service.db.engine.begin() as conn:
        drop_audit_guard(conn)
        seq = conn.execute(sa.text("SELECT seq FROM audit_log WHERE action = 'review.approve'")).scalar_one()
        conn.execute(sa.text("UPDATE audit_log SET action = 'review.overturn' WHERE action = 'review.approve'"))
    html = c.get("/audit-log?verify=1").text
    bad = text_of(html)
    api = _api(web, "auditor").get("/audit/verify").json()
    assert api["ok"] is False
    assert "The audit log has been changed" in bad and f"{len(api['problems'])} problem" in bad
    assert re.search(rf"Chain \d+, position \d+ \( entry #{seq} \): content does not match its hash \(edited\)", bad)
    assert f'href="/audit-log?before={seq + 1}#entry-{seq}"' in html
    assert f'id="entry-{seq}"' in c.get(f"/audit-log?before={seq + 1}").text
    # a removed newest entry is named by its chain
    with web.service.db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)"))
    assert re.search(r"Chain \d+: the newest entries were removed", text_of(c.get("/audit-log?verify=1").text))


def test_metrics_page_matches_the_api(web: Web) -> None:
    _workflow(web)
    api = _api(web, "auditor").get("/metrics/prior-auth").json()
    for who in ("auditor", "admin", "doc"):
        r = web.client(who).get("/metrics")
        assert r.status_code == 200, who
        html = r.text
        for table, prefix in (("by-drug", "drug:"), ("by-urgency", "urgency:")):
            section = re.search(rf'<table class="figures" id="{table}">(.*?)</table>', html, re.S)
            assert section, table
            heads = re.findall(r'<th scope="col">([^<]+)</th>', section.group(1))
            assert heads[0] in ("Drug", "Urgency") and "Approved after appeal" in heads
            rows = re.findall(r'<tr>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', section.group(1), re.S)
            groups = {k[len(prefix):]: v for k, v in api["groups"].items() if k.startswith(prefix)}
            assert len(rows) == len(groups) > 0
            for label, cells in rows:
                name = next(g for g in groups if label.lower().startswith(g.lower()))
                values = [text_of(c).strip() for c in re.findall(r'<td class="num"[^>]*>(.*?)</td>', cells, re.S)]
                from mednec.web.routes_audit import FIGURES

                want = [f"{v:g}" if v is not None else "— no decisions yet"
                        for v in (groups[name][k] for k, _ in FIGURES)]
                assert values == want, (who, label)
        t = text_of(html)
        assert f"{api['limits']['expedited_hours']} hours" in t and f"{api['limits']['standard_days']} calendar days" in t
        assert "1 request is overdue" in t and api["groups"]["all"]["overdue"] == 1
        assert 'href="/queue?show=overdue"' in html
        assert "Median decision time" in t and "90th percentile decision time" in t and "appealed" in t
        assert '<caption id="by-drug-caption">' in html
    # the decided request took 25 hours; the figures say so
    assert api["groups"]["all"]["median_decision_hours"] == 25
    assert "Overdue" in text_of(web.client("doc").get("/queue?show=overdue").text)


def test_roles_that_may_not_see_them_are_refused(web: Web) -> None:
    _workflow(web)
    for who in ("req", "doc", "author"):
        api = _api(web, who)
        page = web.client(who).get("/audit-log")
        assert page.status_code == api.get("/audit").status_code == 403, who
        assert "You do not have access to this page" in page.text
        assert 'href="/audit-log"' not in page.text  # no navigation link either
        assert web.client(who).get("/audit-log?verify=1").status_code == 403
    for who in ("req", "author"):
        assert web.client(who).get("/metrics").status_code == _api(web, who).get("/metrics/prior-auth").status_code \
            == 403
        assert 'href="/metrics"' not in web.client(who).get("/library").text
    assert 'href="/metrics"' in web.client("doc").get("/library").text
    for path in ("/audit-log", "/metrics", "/audit-log?verify=1"):
        r = web.client().get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in?next=%2F"), path
