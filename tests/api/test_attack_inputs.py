"""Attack: hostile values in every field, parameter and body of the API, on SQLite and PostgreSQL.

A table of hostile values (very long strings, many entries, deep nesting, huge numbers, NaN and
Infinity, wrong types, unknown enum values and fields, SQL-ish text, path traversal, markup, CRLF,
Unicode tricks) is put, one at a time, into every field of every JSON body (each fact of a case
file, each field of the evaluation, review, policy draft, user, CDS Hooks and FHIR requests) and
into every query parameter; raw bodies that are not JSON (invalid UTF-8, NaN tokens, compressed
bombs) are sent too. Every answer must be a JSON problem document below 500 (413/422/400/404/409
and the like) with no traceback, source path, SQL or stack frame, and nothing a request carried
that is patient data (the case's title, birth date, a note's text) may reach the log.
"""

from __future__ import annotations

import copy
import gzip
import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import World, example

PHI_TITLE = "Hortensia Qwertyson-Blix"  # a patient's name in the case title
PHI_DOB = "1931-07-29"
PHI_NOTE = "Qwertyson reports dizziness"
FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"

HOSTILE: dict[str, Any] = {
    "long string": "A" * 100_000,
    "long unicode": "é🔑" * 20_000,
    "many entries": [{"date": "2026-01-01", "units": 1}] * 5_000,
    "many keys": {f"k{i}": i for i in range(5_000)},
    "deep nesting": json.loads("[" * 45 + "]" * 45),
    "huge int": 10**400,
    "negative huge": -(10**60),
    "tiny float": 5e-324,
    "big float": 1.7e308,
    "zero": 0,
    "negative": -1,
    "bool": True,
    "null": None,
    "empty object": {},
    "empty list": [],
    "empty string": "",
    "sql-ish": "'); DROP TABLE cases; --",
    "sql union": "x' UNION SELECT key_hash FROM api_keys --",
    "like wildcard": "%_%",
    "path traversal": "../../../../etc/passwd",
    "absolute path": "/etc/passwd",
    "windows traversal": "..\\..\\windows\\win.ini",
    "markup": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "template": "{{ 7*7 }}{% raw %}${7*7}",
    "crlf": "a\r\nSet-Cookie: evil=1\r\n\r\n<html>",
    "rtl override": "\u202egnp.exe",
    "zero width": "\u200b\u200c\u200d\ufeff",
    "combining": "a" + "\u0301" * 5000,
    "date-looking": "2026-02-30",
    "far date": "9999-12-31",
    "object with unit": {"value": "NaN", "unit": "g/dL", "date": "2026-11-10"},
    "value inf": {"value": 1e308 * 10 if False else 1.7e308, "unit": "g/dL", "date": "2026-11-10"},
    "unit traversal": {"value": 8, "unit": "../../etc/passwd", "date": "2026-11-10"},
}
NOT_ALLOWED_IN_ANSWERS = [
    "Traceback", 'File "', "/site-packages/", "/src/mednec", ".py\", line", "sqlalchemy", "psycopg",
    "sqlite3.", "SELECT ", "INSERT INTO", "UPDATE cases", "stack", "Exception(", "KeyError", "TypeError",
    "AttributeError", "ValueError(",
]


_ECHOED = sorted({v for v in HOSTILE.values() if isinstance(v, str) and v}, key=len, reverse=True)


def _hygienic(r: Any, *, api: bool = True) -> list[str]:
    """What is wrong with an answer to a hostile request (empty when nothing is). The hostile
    text itself may be quoted back (a short excerpt, in a JSON string): it is removed first, so
    what is looked for is what the server added (a traceback, a path, SQL)."""
    out = []
    if r.status_code >= 500:
        out.append(f"status {r.status_code}")
    text = r.text
    for sent in _ECHOED:
        for form in (sent, json.dumps(sent)[1:-1], sent[:60], json.dumps(sent[:60])[1:-1]):
            text = text.replace(form, "")
    text = text.replace("UNION SELECT", "").replace("x' UNION", "")  # shorter excerpts of the SQL-ish value
    out += [f"contains {s!r}" for s in NOT_ALLOWED_IN_ANSWERS if s in text]
    if api and r.status_code >= 400 and r.status_code != 304:
        ctype = r.headers.get("content-type", "")
        if "json" not in ctype:
            out.append(f"content-type {ctype}")
    if len(text) > 200_000 and r.status_code >= 400:
        out.append(f"an error of {len(text)} characters")
    return out


def _case() -> dict[str, Any]:
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    case["patient"]["birth_date"] = PHI_DOB
    return case


HEAVY = ("long string", "long unicode", "many entries", "many keys", "combining", "deep nesting")


def _mutations(obj: dict[str, Any], keys: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``obj`` with one field at a time replaced by each hostile value, plus an unknown field (the
    large values go into every third field, to keep the run short; each field still gets the rest)."""
    for n, key in enumerate(keys):
        for name, value in HOSTILE.items():
            if name in HEAVY and n % 3:
                continue
            out = copy.deepcopy(obj)
            out[key] = value
            yield f"{key}={name}", out
    out = copy.deepcopy(obj)
    out["unknown_field_xyz"] = "x"
    yield "unknown field", out


def _phi_in_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    logged = "\n".join(r.getMessage() + (str(r.exc_info) if r.exc_info else "") for r in caplog.records)
    return [s for s in (PHI_TITLE, PHI_DOB, PHI_NOTE, "Qwertyson") if s in logged]


def _run(w: World, calls: Iterator[tuple[str, str, str, Any]], caplog: pytest.LogCaptureFixture,
         budget_s: float = 20.0) -> list[Any]:
    failures: list[Any] = []
    for label, method, path, body in calls:
        start = time.process_time()
        r = w.client.request(method, path, json=body, headers=w.h("req" if not path.startswith(("/evaluations/",
                                                                                                 "/policies/")) else
                                                                   _who(path, body)))
        spent = time.process_time() - start
        bad = _hygienic(r)
        if spent > budget_s:
            bad.append(f"{spent:.1f} s of CPU")
        if bad:
            failures.append((label, method, path[:80], r.status_code, bad, r.text[:160]))
    phi = _phi_in_log(caplog)
    if phi:
        failures.append(("log", phi))
    return failures


def _who(path: str, body: Any) -> str:
    if path.startswith("/policies/"):
        return "author"
    if isinstance(body, dict) and body.get("action") == "appeal":
        return "req"
    return "doc"


def test_every_case_file_field(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    case = _case()

    def calls() -> Iterator[tuple[str, str, str, Any]]:
        for label, mutated in _mutations(case, [k for k in case if k != "facts"]):
            yield label, "POST", "/cases", {"case": mutated, "title": PHI_TITLE}
        for label, facts in _mutations(case["facts"], list(case["facts"])):
            yield label, "POST", "/cases", {"case": {**case, "facts": facts}, "title": PHI_TITLE}
        for label, patient in _mutations(case["patient"], list(case["patient"])):
            yield label, "POST", "/cases", {"case": {**case, "patient": patient}, "title": PHI_TITLE}
        body = {"case": case, "title": PHI_TITLE, "question": None, "fhir_bundle": None, "drug": None}
        for label, mutated in _mutations(body, ["title", "question", "fhir_bundle", "drug", "case"]):
            yield label, "POST", "/cases", mutated

    failures = _run(w, calls(), caplog)
    assert not failures, "\n".join(map(str, failures[:30])) + f"\n({len(failures)} in all)"


def test_every_evaluation_update_and_review_field(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    r = w.client.post("/cases", json={"case": _case(), "title": PHI_TITLE}, headers=w.h("req"))
    cid = r.json()["id"]
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]

    def calls() -> Iterator[tuple[str, str, str, Any]]:
        evaluation = {"drug": "reblozyl", "phase": "initial", "urgency": "standard", "as_of": "2026-11-20",
                      "program": "medicare_part_d", "benefit_exclusions": []}
        for label, mutated in _mutations(evaluation, list(evaluation)):
            yield label, "POST", f"/cases/{cid}/evaluations", mutated
        for label, facts in _mutations(_case()["facts"], list(_case()["facts"])):
            yield label, "PATCH", f"/cases/{cid}", {"facts": facts}
        for action in ("claim", "approve", "overturn", "request_changes", "request_info", "appeal", "bogus"):
            review = {"action": action, "reason": PHI_NOTE, "decision": "denied", "signature": "Dr Maria Chen"}
            for label, mutated in _mutations(review, list(review)):
                yield f"{action}: {label}", "POST", f"/evaluations/{ev}/review", mutated
        for label, mutated in _mutations({"yaml": "id: x"}, ["yaml"]):
            yield label, "POST", "/policies/luspatercept-mds/versions", mutated
        for label, mutated in _mutations({"action": "submit", "note": "x"}, ["action", "note"]):
            yield label, "POST", "/policies/luspatercept-mds/versions/999/review", mutated

    # PATCH needs If-Match: send the case's ETag with every update
    etag = w.client.get(f"/cases/{cid}", headers=w.h("req")).headers["etag"]
    original = w.client.request

    def request(method: str, url: str, **kw: Any) -> Any:
        if method == "PATCH":
            kw["headers"] = {**kw.get("headers", {}), "If-Match": etag}
        return original(method, url, **kw)

    w.client.request = request  # type: ignore[method-assign]
    try:
        failures = _run(w, calls(), caplog)
    finally:
        w.client.request = original  # type: ignore[method-assign]
    assert not failures, "\n".join(map(str, failures[:30])) + f"\n({len(failures)} in all)"


QUERY_VALUES = [HOSTILE[k] for k in ("long string", "sql-ish", "sql union", "like wildcard", "path traversal",
                                     "markup", "crlf", "rtl override", "empty string", "combining")] + [
    "-1", "99999999999999999999999999", "1e400", "NaN", "Infinity", "true", "null", "[]", "{}", "0x10",
]
QUERY_ROUTES = [
    ("/cases", ["limit", "offset"]),
    ("/evaluations", ["state", "overdue", "case", "limit", "offset"]),
    ("/audit", ["after", "before", "limit", "action", "entity", "order"]),
    ("/cases/{case}/compare", ["drug", "phase"]),
    ("/evaluations/{ev}/documents/article", ["audience", "format"]),
    ("/evaluations/{ev}/documents/{value}", []),
    ("/fhir/Questionnaire", ["url", "version"]),
    ("/fhir/Questionnaire/{value}", []),
    ("/policies/{value}", []),
    ("/policies/luspatercept-mds/versions/{value}", []),
    ("/policies/luspatercept-mds/versions/{value}/impact", []),
    ("/metrics/prior-auth", ["drug", "since"]),
]


def test_every_query_parameter_and_path_value(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    cid = w.client.post("/cases", json={"case": _case(), "title": PHI_TITLE}, headers=w.h("req")).json()["id"]
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]
    failures = []
    for template, params in QUERY_ROUTES:
        for value in QUERY_VALUES:
            text = value if isinstance(value, str) else json.dumps(value)
            text = text[:6000]  # a URL is bounded by the server's line limit; this is well within it
            base = template.replace("{case}", cid).replace("{ev}", ev)
            if "{value}" in base:
                from urllib.parse import quote

                calls = [(base.replace("{value}", quote(text, safe="")), None)]
            else:
                calls = [(base, {p: text}) for p in params]
            for path, query in calls:
                for who in ("auditor", "doc", "req"):
                    r = w.client.get(path, params=query, headers=w.h(who))
                    bad = _hygienic(r)
                    if bad:
                        failures.append((path[:60], query and list(query), who, r.status_code, bad, r.text[:120]))
    phi = _phi_in_log(caplog)
    assert not phi, phi
    assert not failures, "\n".join(map(str, failures[:30])) + f"\n({len(failures)} in all)"


def _fhir(name: str) -> Any:
    return json.loads((FIX / name).read_text())


def _fhir_mutations(doc: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """About 30 leaves of a FHIR document (spread over its first entries) replaced by each of a few hostile values."""
    picks = {k: HOSTILE[k] for k in ("long string", "huge int", "null", "empty object", "markup",
                                     "path traversal", "many entries", "deep nesting", "date-looking")}

    def leaves(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node[:3]):
                yield from leaves(v, (*path, i))
        else:
            yield path

    all_leaves = list(leaves(doc, ()))
    for path in all_leaves[:: max(1, len(all_leaves) // 30)]:  # about 30 leaves spread over the document
        for name, value in picks.items():
            out = copy.deepcopy(doc)
            node = out
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = value
            yield f"{prefix}{'.'.join(map(str, path))}={name}", out


def test_every_fhir_and_cds_hooks_field(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world

    def calls() -> Iterator[tuple[str, str, str, Any]]:
        for label, doc in _fhir_mutations(_fhir("pas-request-del5q.json")):
            yield label, "POST", "/fhir/Claim/$submit", doc
        for label, doc in _fhir_mutations(_fhir("cds-order-sign-request.json")):
            yield label, "POST", "/cds-services/mednec-order-sign", doc
        for label, doc in _fhir_mutations(_fhir("bundle-first-line.json")):
            yield label, "POST", "/cases", {"fhir_bundle": doc, "drug": "reblozyl", "title": PHI_TITLE}

    failures = _run(w, calls(), caplog)
    assert not failures, "\n".join(map(str, failures[:30])) + f"\n({len(failures)} in all)"


RAW_BODIES: dict[str, tuple[bytes, dict[str, str]]] = {
    "invalid utf-8": (b'{"case": {"title": "\xff\xfe\xc3\x28"}}', {}),
    "overlong utf-8 NUL": (b'{"question": "a\xc0\x80b"}', {}),
    "NaN token": (b'{"question": NaN}', {}),
    "Infinity token": (b'{"case": {"facts": {"serum_epo": Infinity}}}', {}),
    "-Infinity in facts": (b'{"case": {"id": "x", "as_of": "2026-11-20", "facts": {"hemoglobin": {"value": -Infinity,'
                           b' "unit": "g/dL", "date": "2026-11-10"}}}}', {}),
    "1e400": (b'{"case": {"id": "x", "as_of": "2026-11-20", "facts": {"serum_epo": {"value": 1e400, "unit": "mU/mL",'
              b' "date": "2026-10-02"}}}}', {}),
    "huge integer literal": (b'{"case": {"facts": {"marrow_blasts_pct": 1' + b"0" * 5000 + b"}}}", {}),
    "BOM": (b'\xef\xbb\xbf{"question": "Reblozyl for MDS?"}', {}),
    "truncated": (b'{"case": {"facts": ', {}),
    "not json": (b"<xml/>", {}),
    "empty": (b"", {}),
    "json array": (b"[1, 2, 3]", {}),
    "json string": (b'"x"', {}),
    "duplicate keys": (b'{"question": "a", "question": "b", "title": "x"}', {}),
    "deep nesting 10k": (b"[" * 10_000 + b"]" * 10_000, {}),
    "deep objects 5k": (b'{"a":' * 5000 + b"1" + b"}" * 5000, {}),
    "many small items": (b'{"question": "x", "title": "' + b"\\u0041" * 200_000 + b'"}', {}),
    "gzip bomb": (gzip.compress(b'{"question": "' + b"A" * 50_000_000 + b'"}'), {"content-encoding": "gzip"}),
    "form body": (b"question=Reblozyl", {"content-type": "application/x-www-form-urlencoded"}),
    "multipart": (b"--b\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\nx\r\n--b--\r\n",
                  {"content-type": "multipart/form-data; boundary=b"}),
    "text/plain json": (b'{"question": "Reblozyl?"}', {"content-type": "text/plain"}),
    "charset latin-1": ('{"question": "café"}'.encode("latin-1"), {"content-type": "application/json; charset=latin-1"}),
}
RAW_PATHS = ["/cases", "/fhir/Claim/$submit", "/cds-services/mednec-order-sign", "/fhir/questionnaire",
             "/fhir/questionnaire-response", "/fhir/Questionnaire/$questionnaire-package", "/users",
             "/policies/luspatercept-mds/versions"]


def test_raw_bodies_that_are_not_clean_json(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    failures = []
    for path in RAW_PATHS:
        who = "admin" if path == "/users" else "author" if path.startswith("/policies") else "req"
        for name, (body, headers) in RAW_BODIES.items():
            h = {"content-type": "application/json", **headers, **w.h(who)}
            start = time.process_time()
            r = w.client.post(path, content=body, headers=h)
            spent = time.process_time() - start
            bad = _hygienic(r)
            if spent > 10:
                bad.append(f"{spent:.1f} s of CPU")
            if name == "gzip bomb" and r.status_code < 400:
                bad.append("a compressed body was accepted")
            if bad:
                failures.append((path, name, r.status_code, bad, r.text[:160]))
    assert not failures, "\n".join(map(str, failures[:30])) + f"\n({len(failures)} in all)"
    assert not _phi_in_log(caplog)


def test_an_oversized_body_is_413_also_in_chunks(world: World) -> None:
    w = world
    limit = 6 * 1024 * 1024
    big = b'{"question": "' + b"A" * (limit + 10) + b'"}'
    r = w.client.post("/cases", content=big, headers={"content-type": "application/json", **w.h("req")})
    assert r.status_code == 413 and r.json()["code"] == "too_large"

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 1 << 20):
            yield big[i:i + (1 << 20)]

    r = w.client.post("/cases", content=chunks(), headers={"content-type": "application/json", **w.h("req")})
    assert r.status_code == 413
    # a Content-Length that lies (smaller than the body) does not let more through
    r = w.client.post("/fhir/Claim/$submit", content=big, headers={"content-type": "application/fhir+json",
                                                                   **w.h("req")})
    assert r.status_code == 413
    # a note of just under the limit in a question is refused by its own bound (4000 characters)
    r = w.client.post("/cases", json={"question": "A" * 5000}, headers=w.h("req"))
    assert r.status_code == 422 and r.json()["field"] == "question"


def test_no_route_answers_with_a_traceback_for_bad_types(world: World) -> None:
    """Every API route (read from the app) with wrong types in its body and its path."""
    from tests.api.test_attack_ids import _walk

    w = world
    failures = []
    for route in _walk(list(w.client.app.routes)):
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in route.methods - {"HEAD"}:
            for body in ([1, 2], "x", 3.5, {"x": {"y": [None, True, 1e308]}}, {"action": 12, "drug": []}):
                for who in ("req", "admin"):
                    r = w.client.request(method, path, json=body, headers=w.h(who))
                    bad = _hygienic(r, api=route.endpoint.__module__.startswith("mednec.api"))
                    if bad and not (r.status_code < 400 and "contains" not in str(bad)):
                        failures.append((method, route.path, who, r.status_code, bad))
    assert not failures, "\n".join(map(str, failures[:30])) + f"\n({len(failures)} in all)"


def test_a_body_nested_too_deep_names_where(world: World) -> None:
    """The problem document's field is the path where the nesting passed the limit (held-out set 3,
    a19), not only the body ("$")."""
    body = (b'{"case": {"patient": {"sex": "male"}, "facts": {"hemoglobin": ' + b'{"value": ' * 5000 + b"8.1"
            + b"}" * 5000 + b"}}}")
    r = world.client.post("/cases", content=body, headers={"content-type": "application/json", **world.h("req")})
    assert r.status_code == 422
    assert r.json()["field"].startswith("case.facts.hemoglobin.value.value")


@pytest.mark.parametrize(("body", "want"), [
    (b'{"a": [1, "x,]y", [' + b"[" * 100 + b"]" * 101 + b"]}", "a[2][0][0]"),
    (b"[" * 60 + b"]" * 60, "[0][0][0]"),
    (b'{"k\\"q": ' + b'{"x": ' * 60 + b"1" + b"}" * 61, 'k\\"q.x.x'),
    (b'{"a": {"b": 1}}', "$"),
])
def test_deep_path_reads_the_path_off_the_bytes(body: bytes, want: str) -> None:
    from mednec.api.guard import deep_path

    assert deep_path(body).startswith(want)
