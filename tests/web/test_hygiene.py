"""Input hygiene in the web app (issue 12, item 7): NUL and lone surrogates in form fields and
uploads are a 422 page naming the field, deeply nested uploads are refused, nothing is stored,
and no page shows a traceback."""

from __future__ import annotations

import sqlalchemy as sa

from mednec.store.models import Case
from tests.web.conftest import Web, csrf_of, text_of


def _cases(web: Web) -> int:
    with web.service.db.reading() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(Case)).scalar_one())


def test_nul_in_a_form_field_is_a_422_page_naming_it(web: Web) -> None:
    c = web.client("req")
    token = csrf_of(c.get("/ask").text)
    r = c.post("/ask", data={"csrf": token, "question": "Luspatercept for MDS\x00 with Hb 8.1?"})
    assert r.status_code == 422
    page = text_of(r.text)
    assert "question" in page and "NUL" in page
    assert "Traceback" not in r.text
    assert _cases(web) == 0


def test_nul_in_a_url_encoded_form_is_refused(web: Web) -> None:
    c = web.client("req")
    token = csrf_of(c.get("/ask").text)
    r = c.post("/ask", content=f"csrf={token}&question=Hb%208.1%00".encode(),
               headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "NUL" in text_of(r.text)


def test_a_note_upload_with_nul_is_refused(web: Web) -> None:
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    r = c.post("/ask/upload", data={"csrf": token},
               files={"upload": ("note.txt", b"MDS, Hb 8.1 g/dL\x00, 4 units in 8 weeks", "text/plain")})
    assert r.status_code == 422 and "NUL" in text_of(r.text)
    assert _cases(web) == 0


def test_a_deeply_nested_fhir_upload_is_refused(web: Web) -> None:
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    deep = b'{"resourceType": "Bundle", "entry": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    r = c.post("/ask/upload", data={"csrf": token}, files={"upload": ("b.json", deep, "application/json")})
    assert r.status_code == 422, r.text[:300]
    assert "nested" in text_of(r.text)


def test_a_fhir_upload_with_an_escaped_surrogate_is_refused(web: Web) -> None:
    c = web.client("req")
    token = csrf_of(c.get("/ask?mode=upload").text)
    body = b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient",' \
           b' "name": [{"family": "\\ud800"}]}}]}'
    r = c.post("/ask/upload", data={"csrf": token}, files={"upload": ("b.json", body, "application/json")})
    assert r.status_code == 422
    assert "surrogate" in text_of(r.text)
