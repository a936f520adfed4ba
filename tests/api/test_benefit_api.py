"""POST /cases/{id}/evaluations under a plan: a use the plan's benefit excludes is stored and returned as
``benefit`` beside the unchanged determination (README, Benefit versus necessity)."""

from __future__ import annotations

import json

from tests.api.conftest import World, example


def test_part_d_weight_loss_is_reported_beside_the_determination(world: World) -> None:
    w = world
    body = {"case": json.loads(json.dumps(example("wegovy-weight-adult.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    plain = w.client.post(f"/cases/{case}/evaluations", json={"drug": "Wegovy"}, headers=w.h("req"))
    under = w.client.post(f"/cases/{case}/evaluations", json={"drug": "Wegovy", "program": "medicare_part_d"},
                          headers=w.h("req"))
    assert plain.status_code == under.status_code == 201, under.text
    a, b = plain.json(), under.json()
    assert json.dumps(a).count('"benefit"') == 0
    stored = w.client.get(f"/evaluations/{b['id']}", headers=w.h("req")).json()
    text = json.dumps(stored)
    assert "not covered by this plan's benefit" in text and "medicare_part_d_weight_loss" in text
    assert a["determination"] == b["determination"] == "meets_criteria"
    bad = w.client.post(f"/cases/{case}/evaluations", json={"drug": "Wegovy", "program": "part_z"}, headers=w.h("req"))
    assert bad.status_code in (400, 422)



def test_an_excluded_use_has_a_denial_notice(world: World) -> None:
    """A coverage denial gets the notice with appeal rights: listed for the physician reviewer (the
    requester sees it once a denial is decided, as for any denial); not for the plain evaluation."""
    w = world
    body = {"case": json.loads(json.dumps(example("wegovy-weight-adult.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    plain = w.client.post(f"/cases/{case}/evaluations", json={"drug": "Wegovy"}, headers=w.h("req")).json()["id"]
    under = w.client.post(f"/cases/{case}/evaluations", json={"drug": "Wegovy", "program": "medicare_part_d"},
                          headers=w.h("req")).json()["id"]
    docs = {ev: [d["document"] for d in w.client.get(f"/evaluations/{ev}/documents", headers=w.h("doc")).json()["items"]]
            for ev in (plain, under)}
    assert docs == {plain: ["article", "letter"], under: ["article", "letter", "denial"]}
    assert w.client.get(f"/evaluations/{plain}/documents/denial", headers=w.h("doc")).status_code == 409
    assert w.client.get(f"/evaluations/{under}/documents/denial", headers=w.h("req")).status_code == 404
    notice = w.client.get(f"/evaluations/{under}/documents/denial?format=markdown&audience=payer", headers=w.h("doc"))
    assert notice.status_code == 200, notice.text
    text = notice.text
    assert "Medicare Part D does not cover drugs when used for weight loss" in text
    assert "Social Security Act section 1860D-2(e)(2)(A)" in text and "You can appeal this decision" in text
