"""The DTR request bodies (``POST /fhir/questionnaire``, ``POST /fhir/questionnaire-response``), table-driven
(helper cases7, 2026-12-07).

The family requests7 f02 found: these bodies are plain JSON objects the handler read untyped, so ``phase:
"renewal"`` reached the engine and came back a 500, a ``drug`` list or number was turned into its string, an
unknown key was dropped in silence and a ``case`` beside a ``bundle`` won without a word. The documented body
(README, The service; the handlers' docstrings) is ``case`` or ``bundle``, ``drug``, optional ``phase``
(``initial`` | ``continuation``, as in ``POST /cases/{id}/evaluations``) and, for a response, ``response``: a
field of the wrong type or value, or one the body does not have, is a 422 problem naming it (as the rest of the
API refuses unknown fields: requests4 q40/q41), never a 5xx and never guessed.

First contact (on 636547b): 20 of the 36 cases failed on SQLite (a 500 for every bad phase); 0 after.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World

CASE: dict[str, Any] = {"as_of": "2026-12-06", "patient": {"birth_date": "1992-10-02", "sex": "F"},
                        "facts": {"bmi": 35.2, "lifestyle_program_months": 4, "mtc_men2_history": "N",
                                  "concurrent_glp1": "N", "pregnant": "not yet confirmed"}}
RESPONSE: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "status": "completed",
                            "item": [{"linkId": "pregnant", "answer": [{"valueBoolean": False}]}]}
BUNDLE: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": []}

#: (changes to the valid body {"case": CASE, "drug": "Wegovy"}, expected status, field the problem names)
BAD: list[tuple[dict[str, Any], int, str | None]] = [
    ({}, 200, None),
    ({"phase": "initial"}, 200, None),
    ({"phase": "continuation"}, 200, None),
    ({"phase": "renewal"}, 422, "phase"),
    ({"phase": "Continuation"}, 422, "phase"),
    ({"phase": 2}, 422, "phase"),
    ({"phase": ["initial"]}, 422, "phase"),
    ({"drug": ["Wegovy"]}, 422, "drug"),
    ({"drug": 5}, 422, "drug"),
    ({"drug": ""}, 422, "drug"),
    ({"drug": None}, 422, "drug"),
    ({"drug": "W" * 1000}, 422, "drug"),
    ({"variant": "aetna-2022"}, 422, "variant"),
    ({"Drug": "Wegovy"}, 422, "Drug"),
    ({"case": "patient: {sex: F}"}, 422, "case"),
    ({"case": [CASE]}, 422, "case"),
    ({"bundle": BUNDLE}, 422, "case"),
    ({"case": None, "bundle": "x"}, 422, "bundle"),
]


def _body(changes: dict[str, Any], **base: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"case": CASE, "drug": "Wegovy", **base}
    for key, value in changes.items():
        if key == "drug" and value is None:
            body.pop("drug")
        elif key == "case" and value is None:
            body.pop("case")
        else:
            body[key] = value
    return body


def _check(r: Any, status: int, field: str | None) -> None:
    assert r.status_code == status, r.text[:400]
    assert "Traceback" not in r.text
    if status >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        named = [str(e.get("field")) for e in [r.json(), *(r.json().get("errors") or [])]]
        assert field in named, named
        assert "W" * 200 not in r.text  # a hostile value is not echoed whole


@pytest.mark.parametrize(("changes", "status", "field"), BAD, ids=[repr(c)[:40] for c, _, _ in BAD])
def test_questionnaire_body(world: World, changes: dict[str, Any], status: int, field: str | None) -> None:
    r = world.client.post("/fhir/questionnaire", json=_body(changes), headers=world.h("req"))
    _check(r, status, field)
    if status == 200:
        assert r.json()["resourceType"] == "Questionnaire"


@pytest.mark.parametrize(("changes", "status", "field"), BAD, ids=[repr(c)[:40] for c, _, _ in BAD])
def test_questionnaire_response_body(world: World, changes: dict[str, Any], status: int, field: str | None) -> None:
    r = world.client.post("/fhir/questionnaire-response", json=_body(changes, response=RESPONSE),
                          headers=world.h("req"))
    _check(r, status, field)
    if status == 200:
        assert "determination" in r.json()
