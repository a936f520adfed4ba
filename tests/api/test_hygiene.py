"""Input hygiene at the edge (issue 12, item 7): NUL characters and lone surrogates are refused
with a 422 naming the field wherever they come in (JSON bodies, path, query, headers), deep
nesting is refused, a database error is a generic 500 with no traceback or input in the body,
and patient data never reaches the logs (SQL parameters are hidden)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import sqlalchemy as sa

from mednec.store.models import Case
from mednec.store.service import Principal
from tests.api.conftest import World, example

PHI = "Jane-Q-Patient-4711"


def _post(world: World, path: str, raw: bytes, who: str = "req", **headers: str) -> Any:
    return world.client.post(path, content=raw, headers=world.h(who, **{"Content-Type": "application/json",
                                                                        **headers}))


def _cases(world: World) -> int:
    with world.service.db.reading() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one())


def _case_json() -> str:
    return json.dumps(example("luspatercept-first-line.yaml"), default=str)


@pytest.mark.parametrize(("raw", "field"), [
    ('{"case": %s, "title": "%s\\u0000"}', "title"),
    ('{"question": "%s \\u0000 anaemia"}', "question"),
    ('{"question": "%s \\ud800 anaemia"}', "question"),
    ('{"question": "%s \\udfff"}', "question"),
    ('{"case": {"patient": {"sex": "male"}, "facts": {"\\ud800x": 1}}, "title": "%s"}', "case.facts.\\ud800x"),
    ('{"case": {"patient": {"sex": "ma\\u0000le"}, "facts": {}}, "title": "%s"}', "case.patient.sex"),
    ('{"case": {"patient": {}, "facts": {"rbc_transfusions": [{"date": "2026-01-01", "units": 1},'
     ' {"date": "\\u00002026"}]}}, "title": "%s"}', "case.facts.rbc_transfusions[1].date"),
])
def test_refused_characters_in_a_json_body_name_the_field(world: World, raw: str, field: str) -> None:
    body = raw % ((_case_json(), PHI) if raw.count("%s") == 2 else (PHI,))
    r = _post(world, "/cases", body.encode())
    assert r.status_code == 422, r.text
    doc = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert doc["field"] == field
    assert "NUL" in doc["detail"] or "surrogate" in doc["detail"]
    assert _cases(world) == 0


def test_refused_characters_in_path_query_and_headers(world: World) -> None:
    r = world.client.get("/cases/case_%00abc", headers=world.h("req"))
    assert r.status_code == 422 and r.json()["field"] == "path"
    r = world.client.get("/audit?action=review%00x", headers=world.h("auditor"))
    assert r.status_code == 422 and r.json()["field"] == "action"
    r = _post(world, "/cases", json.dumps({"question": "anaemia"}).encode(), **{"Idempotency-Key": "k\x00ey"})
    assert r.status_code == 422 and r.json()["field"].lower() == "idempotency-key"
    assert _cases(world) == 0


@pytest.mark.parametrize("depth", [49, 200, 5000, 100_000])
def test_deeply_nested_json_is_refused(world: World, depth: int) -> None:
    r = _post(world, "/cases", b'{"case": {"patient": {}, "facts": {"x": ' + b"[" * depth + b"]" * depth + b"}}}")
    assert r.status_code == 422, r.text
    assert "nested" in r.json()["detail"]


def test_nesting_within_the_limit_reaches_validation(world: World) -> None:
    r = _post(world, "/cases", b'{"case": {"patient": {}, "facts": {"x": ' + b"[" * 20 + b"]" * 20 + b"}}}")
    assert r.status_code == 422
    assert "nested" not in r.json()["detail"]


def test_an_ordinary_request_passes_the_edge(world: World) -> None:
    r = _post(world, "/cases", json.dumps({"case": example("luspatercept-first-line.yaml"),
                                            "title": "ordinary é ü 😀"}, default=str).encode())
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "ordinary é ü 😀"


def test_a_database_error_is_a_generic_500_and_no_phi_is_logged(world: World, caplog: pytest.LogCaptureFixture,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A principal of an organisation that does not exist: inserting its case violates a foreign key."""
    ghost = Principal("usr_ghost", "org-ghost", "requester", "Ghost")
    monkeypatch.setattr(world.service.accounts, "authenticate", lambda key, **_: ghost)
    caplog.set_level(logging.DEBUG)
    body = {"case": example("luspatercept-first-line.yaml"), "title": f"{PHI} title"}
    r = _post(world, "/cases", json.dumps(body, default=str).encode())
    assert r.status_code == 500
    doc = r.json()
    assert doc["code"] == "internal" and doc["detail"] == "the server could not complete the request"
    assert PHI not in r.text and "Traceback" not in r.text and "INSERT" not in r.text
    assert "IntegrityError" in caplog.text  # the error is logged, by type ...
    assert PHI not in caplog.text  # ... but never its parameters


def test_engines_hide_sql_parameters(world: World) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as info, world.service.db.session() as s:
        s.execute(sa.insert(Case).values(id="c1", org_id="org-ghost", created_by="usr_ghost", title=PHI,
                                         source="case", data={}, created_at=world.clock(), updated_at=world.clock(),
                                         version=1))
    assert PHI not in str(info.value)
    assert "hidden" in str(info.value)


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))


@pytest.mark.parametrize("where", ["top", "notes"])
def test_a_yaml_alias_bomb_in_a_policy_draft_is_refused_quickly_and_briefly(world: World, where: str) -> None:
    import time

    from tests.api.test_policy_versions import _new_version_yaml

    text = BOMB + _new_version_yaml() if where == "top" else _new_version_yaml() + "\nnotes:\n" + "".join(
        "  " + line + "\n" for line in BOMB.splitlines())
    started = time.monotonic()
    r = world.client.post("/policies/luspatercept-mds/versions", json={"yaml": text}, headers=world.h("author"))
    assert time.monotonic() - started < 10
    assert r.status_code == 422, r.text[:500]
    assert "aliases" in r.json()["detail"] and len(r.content) < 2000


def test_a_plain_policy_draft_with_ampersands_and_asterisks_in_text_is_still_read(world: World) -> None:
    from tests.api.test_policy_versions import _new_version_yaml

    text = _new_version_yaml().replace('version: "2026.11.2-test"', 'version: "2026.11.3-test"')
    text += "\n# R&D note: *not* an alias\n"
    r = world.client.post("/policies/luspatercept-mds/versions", json={"yaml": text}, headers=world.h("author"))
    assert r.status_code == 201, r.text[:500]


def test_error_details_quote_only_a_short_excerpt(world: World) -> None:
    long_drug = "x" * 90 + "y" * 5000
    r = world.client.get("/cases/case_x/compare", params={"drug": long_drug[:100]}, headers=world.h("req"))
    assert r.status_code in (404, 422)
    r = _post(world, "/cases", json.dumps({"case": {"patient": {}, "facts": {"z" * 20_000: 1}}}).encode())
    assert r.status_code == 422
    assert len(r.content) < 3000, len(r.content)


def test_a_body_over_the_limit_is_413_with_or_without_content_length(world: World) -> None:
    from mednec.api.guard import DEFAULT_MAX_BODY

    big = b'{"question": "' + b"a" * (DEFAULT_MAX_BODY + 10) + b'"}'
    r = _post(world, "/cases", big)
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert r.headers["content-type"].startswith("application/problem+json")

    def chunks() -> Any:
        yield b'{"question": "'
        for _ in range(DEFAULT_MAX_BODY // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    r = world.client.post("/cases", content=chunks(), headers=world.h("req", **{"Content-Type": "application/json"}))
    assert r.status_code == 413 and r.json()["status"] == 413
    assert _cases(world) == 0


def test_the_body_limit_is_configurable(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from mednec.api import Settings, create_app
    from mednec.runtime import default_runtime

    monkeypatch.setenv("MEDNEC_MAX_BODY_BYTES", "2048")
    app = create_app(Settings(database_url=db_url, runtime=default_runtime()))
    with TestClient(app) as c:
        r = c.post("/cases", json={"question": "a" * 3000})
        assert r.status_code == 413
        r = c.post("/cases", json={"question": "a" * 1000})
        assert r.status_code == 401  # under the limit: on to authentication
    app.state.db.dispose()


def test_list_and_text_limits_come_from_the_fact_dictionary(world: World) -> None:
    """200,000 transfusions were stored once; now a list past the fact's max_items is bad input."""
    fd = world.service.runtime.dictionary.facts["rbc_transfusions"]
    case = example("luspatercept-first-line.yaml")
    case["facts"]["rbc_transfusions"] = [{"date": "2026-09-01", "units": 1}] * (fd.max_items + 1)
    r = _post(world, "/cases", json.dumps({"case": case}, default=str).encode())
    assert r.status_code == 422 and r.json()["field"] == "facts.rbc_transfusions", r.text[:300]
    assert str(fd.max_items) in r.json()["detail"]
    case["facts"]["rbc_transfusions"] = [{"date": "2026-09-01", "units": 1}] * fd.max_items
    assert _post(world, "/cases", json.dumps({"case": case}, default=str).encode()).status_code == 201

    case = example("luspatercept-first-line.yaml")
    case["facts"]["esa_history"] = [{"drug": "epoetin alfa" + "x" * 5000, "start": "2025-01-01",
                                     "response": "none"}]
    r = _post(world, "/cases", json.dumps({"case": case}, default=str).encode())
    assert r.status_code == 422 and r.json()["field"] == "facts.esa_history[0].drug"

    case = example("luspatercept-first-line.yaml")
    case["title"] = "t" * 5000  # the stored title column holds 300: a 422, not a database error
    r = _post(world, "/cases", json.dumps({"case": case}, default=str).encode())
    assert r.status_code == 422 and r.json()["field"] == "title"
    case = example("luspatercept-first-line.yaml")
    case["facts"]["diagnosis"] = "D46" * 100_000
    r = _post(world, "/cases", json.dumps({"case": case}, default=str).encode())
    assert r.status_code == 422 and len(r.content) < 3000
    assert _cases(world) == 1
