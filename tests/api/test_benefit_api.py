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

