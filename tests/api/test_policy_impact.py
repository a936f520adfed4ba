"""Impact analysis through the API: computed on demand, recorded in a draft's review when it is
submitted and published, sample cases only for those who may open them."""

from __future__ import annotations

import json

from tests.api.conftest import World, example
from tests.population.test_impact import VERSION, draft_yaml


def _stored_cases(w: World, n: int) -> list[str]:
    """Cases evaluated against luspatercept: the first-line example (Hb 8.1) and variants."""
    ids = []
    for i in range(n):
        case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
        case["facts"]["hemoglobin"] = {"value": 7.5 + i * 0.5, "unit": "g/dL", "date": "2026-11-01"}
        cid = w.client.post("/cases", json={"case": case}, headers=w.h("req")).json()["id"]
        r = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
        assert r.status_code == 201, r.text
        ids.append(cid)
    return ids


def test_api_impact_and_the_review_records_it(world: World) -> None:
    w = world
    cases = _stored_cases(w, 4)  # Hb 7.5, 8.0, 8.5, 9.0: three no longer below 8.0
    assert w.client.post("/policies/luspatercept-mds/versions", json={"yaml": draft_yaml()},
                         headers=w.h("author")).status_code == 201
    url = f"/policies/luspatercept-mds/versions/{VERSION}"
    r = w.client.get(f"{url}/impact", headers=w.h("author"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["published"] == "2026.12.2" and report["patients"] == 4 and report["moved"] == 3
    meets = next(row for row in report["table"] if row["from"] == "meets_criteria")
    assert meets["to"]["meets_criteria"] == 1 and meets["to"]["does_not_meet_criteria"] == 3
    (move,) = report["moves"]
    assert move["drivers"][0]["criterion"] == "hemoglobin_below_hold" and move["drivers"][0]["now"] == "not_met"
    assert "samples" not in move  # a policy author may not open cases
    doc = w.client.get(f"{url}/impact", headers=w.h("doc")).json()
    assert set(doc["moves"][0]["samples"]) <= set(cases[1:]) and doc["moves"][0]["samples"]
    assert w.client.get(f"{url}/impact", headers=w.h("req")).status_code == 403
    assert w.client.get(f"{url}", headers=w.h("author")).json()["impact"] is None  # nothing recorded yet

    assert w.client.post(f"{url}/review", json={"action": "submit"}, headers=w.h("author")).status_code == 200
    recorded = w.client.get(url, headers=w.h("author")).json()["impact"]
    assert recorded["action"] == "submit" and recorded["moved"] == 3 and "samples" not in recorded["moves"][0]
    u = w.service.accounts.add_user("plan", "author2", "policy_author")
    other = {"Authorization": f"Bearer {w.service.accounts.create_key(u.id)}"}
    assert w.client.post(f"{url}/review", json={"action": "publish"}, headers=other).status_code == 200
    recorded = w.client.get(url, headers=w.h("admin")).json()["impact"]
    assert recorded["action"] == "publish" and recorded["moves"][0]["samples"]
    audit = w.client.get("/audit?action=policy&limit=50", headers=w.h("auditor")).json()["items"]
    publish = next(i for i in audit if i["action"] == "policy.publish")
    assert publish["detail"]["impact"] == {"compared_with": "2026.12.2", "organisation": None,
                                           "patients": 4, "moved": 3}


