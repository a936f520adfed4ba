"""Attack: a policy impact analysis must not reveal another organisation's cases (issue #20 item 4).

An impact analysis re-evaluates stored cases with the published version and a draft and reports
counts, a transition table, driving criteria and sample case ids. Counts over a few cases are as
revealing as the cases (one clinic-a patient whose hemoglobin moved the determination is that
patient), so the population is the reader's: every organisation's cases only for the staff of a
reviewing organisation (or a system administrator); the staff of any other organisation get their
own organisation's cases, counts included. Sample case ids only for roles that may open the cases,
and only cases they may open. The analysis recorded in a draft's review says which population it
used, and is shown only to readers who may see that population.

The draft here is clinic-b's author's: since tests/api/test_attack_policy_drafts.py, clinic-b
no longer sees the plan's drafts at all (first written with the plan's author drafting).

Found by these tests on first contact (2026-12-06): the live analysis counted every organisation's
cases for clinic-b's reviewer and author, and listed clinic-a's case ids to clinic-b's reviewer
through the recorded analysis and the draft's page.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.api.conftest import World, example
from tests.population.test_impact import VERSION, draft_yaml
from tests.web.conftest import sign_in, text_of

URL = f"/policies/luspatercept-mds/versions/{VERSION}"
PAGE = f"/library/luspatercept-mds/versions/{VERSION}"


def _cases(w: World, who: str, hbs: tuple[float, ...]) -> list[str]:
    ids = []
    for hb in hbs:
        case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
        case["facts"]["hemoglobin"] = {"value": hb, "unit": "g/dL", "date": "2026-11-01"}
        cid = w.client.post("/cases", json={"case": case}, headers=w.h(who)).json()["id"]
        r = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h(who))
        assert r.status_code == 201, r.text
        ids.append(cid)
    return ids


def _clinic_b_staff(w: World) -> None:
    """clinic-b (not a reviewing organisation): its admin, and the reviewer and author it makes."""
    admin = w.service.accounts.add_user("clinic-b", "B admin", "admin")
    w.keys["b_admin"] = w.service.accounts.create_key(admin.id)
    r = w.client.post("/users", json={"org": "clinic-b", "name": "B physician_reviewer", "role": "physician_reviewer"},
                      headers=w.h("b_admin"))
    assert r.status_code == 201, r.text
    w.keys["b_physician_reviewer"] = w.service.accounts.create_key(r.json()["id"])
    # since test_attack_role_grants.py a clinic's admin no longer makes policy authors: the operator places one
    author = w.service.accounts.add_user("clinic-b", "B policy_author", "policy_author")
    w.keys["b_policy_author"] = w.service.accounts.create_key(author.id)


def _world(w: World) -> tuple[list[str], list[str]]:
    _clinic_b_staff(w)
    a = _cases(w, "req", (7.5, 8.5, 9.0))  # clinic-a: two move (no longer below 8.0)
    b = _cases(w, "req_b", (8.5,))  # clinic-b: one moves
    # clinic-b's author drafts it (the plan's drafts are not clinic-b's to see:
    # tests/api/test_attack_policy_drafts.py); clinic-b and the plan both see it
    assert w.client.post("/policies/luspatercept-mds/versions", json={"yaml": draft_yaml()},
                         headers=w.h("b_policy_author")).status_code == 201
    return a, b


def _publish(w: World) -> None:
    """clinic-b's author submits the draft (recording clinic-b's cases), the plan's publishes it
    (recording every organisation's)."""
    assert w.client.post(f"{URL}/review", json={"action": "submit"}, headers=w.h("b_policy_author")).status_code == 200
    assert w.client.post(f"{URL}/review", json={"action": "publish"}, headers=w.h("author")).status_code == 200


def _samples(report: dict[str, object]) -> set[str]:
    return {c for m in report["moves"] for c in m.get("samples", [])}  # type: ignore[attr-defined]


def test_live_analysis_counts_only_the_readers_organisation(world: World) -> None:
    w = world
    a, b = _world(w)
    for who in ("b_physician_reviewer", "b_policy_author", "b_admin"):
        r = w.client.get(f"{URL}/impact", headers=w.h(who))
        assert r.status_code == 200, (who, r.text)
        report = r.json()
        assert report["patients"] == 1 and report["moved"] == 1, (who, report["patients"], report["moved"])
        assert report["organisation"] == "clinic-b" and "clinic-b" in report["population"]
        assert not _samples(report) & set(a), who
        assert "Traceback" not in r.text
    assert _samples(w.client.get(f"{URL}/impact", headers=w.h("b_physician_reviewer")).json()) == set(b)
    assert not _samples(w.client.get(f"{URL}/impact", headers=w.h("b_policy_author")).json())  # may not open cases
    # the plan's staff weigh every organisation's cases; its reviewer sees every sample
    plan = w.client.get(f"{URL}/impact", headers=w.h("doc")).json()
    assert plan["patients"] == 4 and plan["moved"] == 3 and plan["organisation"] is None
    assert _samples(plan) == set(a[1:]) | set(b)
    assert w.client.get(f"{URL}/impact", headers=w.h("author")).json()["patients"] == 4


def test_recorded_analysis_is_shown_only_to_readers_of_its_population(world: World) -> None:
    w = world
    a, b = _world(w)
    _publish(w)
    recorded = w.client.get(URL, headers=w.h("doc")).json()["impact"]
    assert recorded["organisation"] is None and "every organisation" in recorded["population"]
    assert recorded["patients"] == 4 and _samples(recorded) == set(a[1:]) | set(b)
    for who in ("b_physician_reviewer", "b_policy_author", "b_admin"):
        r = w.client.get(URL, headers=w.h(who))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["impact"] is None, (who, body["impact"])  # computed over cases clinic-b may not see
        assert body["impact_withheld"] is True
        assert not any(c in r.text for c in a)


def test_a_provider_authors_recorded_analysis_is_its_own_organisations(world: World) -> None:
    """A draft submitted by clinic-b's author records clinic-b's cases only, and says so."""
    w = world
    a, b = _world(w)
    r = w.client.post("/policies/luspatercept-mds/versions", json={"yaml": draft_yaml().replace(VERSION, VERSION + "b")},
                      headers=w.h("b_policy_author"))
    assert r.status_code == 201, r.text
    url = f"{URL}b"
    assert w.client.post(f"{url}/review", json={"action": "submit"}, headers=w.h("b_policy_author")).status_code == 200
    mine = w.client.get(url, headers=w.h("b_physician_reviewer")).json()["impact"]
    assert mine["organisation"] == "clinic-b" and mine["patients"] == 1 and _samples(mine) == set(b)
    assert "clinic-b" in mine["population"]
    # the plan reads clinic-b's cases: it sees the analysis and its samples
    assert _samples(w.client.get(url, headers=w.h("doc")).json()["impact"]) == set(b)
    audit = w.client.get("/audit?action=policy&limit=50", headers=w.h("auditor")).json()["items"]
    submit = next(i for i in audit if i["action"] == "policy.submit" and i["policy_version"].endswith("b"))
    assert submit["detail"]["impact"]["organisation"] == "clinic-b"


def test_the_drafts_page_links_only_the_readers_cases(world: World) -> None:
    w = world
    a, b = _world(w)
    evs = {e["case"]: e["id"] for who in ("doc",) for e in
           w.client.get("/evaluations?limit=100", headers=w.h(who)).json()["items"]}
    c = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(c, w.keys["b_physician_reviewer"])
    live = c.get(f"{PAGE}?impact=run")
    assert w.client.post(f"{URL}/review", json={"action": "submit"}, headers=w.h("b_policy_author")).status_code == 200
    submitted = c.get(PAGE)
    assert w.client.post(f"{URL}/review", json={"action": "publish"}, headers=w.h("author")).status_code == 200
    published = c.get(PAGE)
    c.close()
    for r in (live, submitted, published):
        assert r.status_code == 200 and "Traceback" not in r.text
        assert "4 cases compared" not in r.text
        for case in a:
            assert case not in r.text and evs[case] not in r.text
    for r in (live, submitted):
        assert "1 case compared" in text_of(r.text) and "organisation clinic-b" in text_of(r.text)
        assert f'href="/answers/{evs[b[0]]}"' in r.text
    assert "computed over cases your organisation may not see" in text_of(published.text)


def test_the_cli_analyses_one_organisations_cases_with_org(world: World, db_url: str) -> None:
    """`mednec impact` is the operator's (it opens the database): every organisation's cases by
    default, one organisation's with --org, and the report says which."""
    from typer.testing import CliRunner

    from mednec.cli import app

    w = world
    _world(w)
    runner = CliRunner()
    base = ["impact", "--policy", "luspatercept-mds", "--draft", VERSION, "--database-url", db_url, "--format", "json"]
    every = json.loads(runner.invoke(app, base).output)
    assert every["patients"] == 4 and every["organisation"] is None
    r = runner.invoke(app, [*base, "--org", "clinic-b"])
    assert r.exit_code == 0, r.output
    one = json.loads(r.output)
    assert one["patients"] == 1 and one["organisation"] == "clinic-b" and "organisation clinic-b" in one["population"]
