"""Policy versions: drafted, reviewed by another author, published; never edited in place;
evaluations keep the version they used."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.conftest import World, example

SHIPPED = Path(__file__).resolve().parents[2] / "src/mednec/packs/mds_anemia/luspatercept/policy.yaml"


def _new_version_yaml() -> str:
    text = SHIPPED.read_text()
    assert 'version: "2026.12.2"' in text and "lt: 11.5" in text
    # a test-only revision: the hemoglobin ceiling moves from 11.5 to 8.0 g/dL
    return text.replace('version: "2026.12.2"', 'version: "2026.11.2-test"').replace("lt: 11.5", "lt: 8.0")


def _author2(w: World) -> str:
    u = w.service.accounts.add_user("plan", "author2", "policy_author")
    return w.service.accounts.create_key(u.id)


def test_draft_review_publish_and_old_evaluations_keep_their_version(world: World) -> None:
    w = world
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    before = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()
    assert before["policy"]["version"] == "2026.12.2" and before["determination"] == "meets_criteria"

    r = w.client.post("/policies/luspatercept-mds/versions", json={"yaml": _new_version_yaml()}, headers=w.h("author"))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "draft"
    review = "/policies/luspatercept-mds/versions/2026.11.2-test/review"
    assert w.client.post(review, json={"action": "publish"}, headers=w.h("author")).status_code == 409  # not submitted
    assert w.client.post(review, json={"action": "submit"}, headers=w.h("author")).json()["status"] == "in_review"
    assert w.client.post(review, json={"action": "publish"}, headers=w.h("author")).status_code == 403  # own draft
    other = {"Authorization": f"Bearer {_author2(w)}"}
    r = w.client.post(review, json={"action": "publish", "note": "reviewed"}, headers=other)
    assert r.status_code == 200 and r.json()["status"] == "published"

    w.service.policies._expires = 0.0  # do not wait for the refresh interval in the test
    after = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()
    assert after["policy"]["version"] == "2026.11.2-test"
    assert after["determination"] == "does_not_meet_criteria"  # Hb 8.1 is not below 8.0
    old = w.client.get(f"/evaluations/{before['id']}", headers=w.h("req")).json()
    assert old["policy"]["version"] == "2026.12.2" and old["determination"] == "meets_criteria"

    versions = w.client.get("/policies/luspatercept-mds", headers=w.h("req")).json()["versions"]
    assert {v["version"]: v["status"] for v in versions} == {"2026.12.2": "retired", "2026.11.2-test": "published"}
    items = w.client.get("/audit?limit=500", headers=w.h("auditor")).json()["items"]
    assert {"policy.draft", "policy.submit", "policy.publish"} <= {i["action"] for i in items}


def test_versions_are_never_edited_and_bad_drafts_are_refused(world: World) -> None:
    w = world
    url = "/policies/luspatercept-mds/versions"
    r = w.client.post(url, json={"yaml": SHIPPED.read_text()}, headers=w.h("author"))
    assert r.status_code == 409 and "never edited" in r.json()["detail"]
    r = w.client.post(url, json={"yaml": _new_version_yaml().replace("fact: hemoglobin\n", "fact: hemoglobn\n")},
                      headers=w.h("author"))
    assert r.status_code == 422 and "hemoglobin" in r.json()["detail"]
    assert w.client.post(url, json={"yaml": _new_version_yaml()}, headers=w.h("req")).status_code == 403
    r = w.client.post("/policies/imetelstat-mds/versions", json={"yaml": _new_version_yaml()}, headers=w.h("author"))
    assert r.status_code == 409


def test_documents_come_from_the_version_each_evaluation_used(world: World) -> None:
    """After a new version is published, an evaluation under it has its documents (built from that
    version's text), and one under the old version still has its own."""
    w = world
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    before = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()
    w.client.post("/policies/luspatercept-mds/versions", json={"yaml": _new_version_yaml()}, headers=w.h("author"))
    review = "/policies/luspatercept-mds/versions/2026.11.2-test/review"
    w.client.post(review, json={"action": "submit"}, headers=w.h("author"))
    other = {"Authorization": f"Bearer {_author2(w)}"}
    assert w.client.post(review, json={"action": "publish"}, headers=other).status_code == 200
    w.service.policies._expires = 0.0
    after = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()
    assert after["policy"]["version"] == "2026.11.2-test"
    new_doc = w.client.get(f"/evaluations/{after['id']}/documents/article", headers=w.h("doc"))
    assert new_doc.status_code == 200, new_doc.text
    assert "version 2026.11.2-test" in new_doc.text and "**Does not meet criteria**" in new_doc.text
    old_doc = w.client.get(f"/evaluations/{before['id']}/documents/article", headers=w.h("req"))
    assert old_doc.status_code == 200, old_doc.text
    assert "version 2026.12.2" in old_doc.text and "2026.11.2-test" not in old_doc.text
    assert "**Meets criteria**" in old_doc.text
