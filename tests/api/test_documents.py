"""GET /evaluations/{id}/documents: the documents of a stored evaluation, in every format,
fitted to the determination, audited, rendered from the stored determination."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import World, example


def _evaluate(w: World, name: str) -> tuple[str, str]:
    body = {"case": json.loads(json.dumps(example(name), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    r = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
    return case, r.json()["id"]


@pytest.mark.parametrize(("fmt", "media", "start"), [
    ("markdown", "text/markdown", b"# Is luspatercept"),
    ("html", "text/html", b"<!DOCTYPE html>"),
    ("pdf", "application/pdf", b"%PDF"),
    ("json", "application/json", b"{"),
])
def test_the_article_in_every_format(world: World, fmt: str, media: str, start: bytes) -> None:
    w = world
    _, ev = _evaluate(w, "luspatercept-first-line.yaml")
    r = w.client.get(f"/evaluations/{ev}/documents/article?format={fmt}&audience=payer", headers=w.h("req"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(media) and r.content.startswith(start)
    if fmt == "html":
        assert "default-src 'none'" in r.headers["content-security-policy"]
    entries = w.client.get(f"/audit?action=document.produce&entity={ev}", headers=w.h("auditor")).json()["items"]
    assert [(e["detail"]["format"], e["detail"]["audience"], e["detail"]["via"]) for e in entries] == [(fmt, "payer", "api")]


def test_documents_fit_the_determination(world: World) -> None:
    w = world
    _, met = _evaluate(w, "luspatercept-first-line.yaml")
    _, unmet = _evaluate(w, "luspatercept-del5q.yaml")
    listed = w.client.get(f"/evaluations/{met}/documents", headers=w.h("req")).json()["items"]
    assert [d["document"] for d in listed] == ["article", "letter"]
    letter = w.client.get(f"/evaluations/{met}/documents/letter", headers=w.h("req"))
    assert letter.status_code == 200 and b"medical necessity" in letter.content.lower()
    r = w.client.get(f"/evaluations/{met}/documents/denial", headers=w.h("doc"))
    assert r.status_code == 409 and "does not meet criteria" in r.json()["detail"]
    # a denial notice is for the physician reviewer; the requester sees it once a denial is decided
    assert [d["document"] for d in w.client.get(f"/evaluations/{unmet}/documents", headers=w.h("req")).json()["items"]] \
        == ["article"]
    assert w.client.get(f"/evaluations/{unmet}/documents/denial", headers=w.h("req")).status_code == 404
    notice = w.client.get(f"/evaluations/{unmet}/documents/denial?audience=patient", headers=w.h("doc"))
    assert notice.status_code == 200 and b"signature" in notice.content.lower()
    assert w.client.get(f"/evaluations/{met}/documents/memo", headers=w.h("req")).status_code == 422
    assert w.client.get(f"/evaluations/{met}/documents/article?format=docx", headers=w.h("req")).status_code == 422


def test_documents_describe_the_stored_evaluation_after_the_case_changed(world: World) -> None:
    """A document describes the facts its evaluation was made from: the stored determination is
    rendered, not a re-evaluation of the edited case (which would describe other facts)."""
    w = world
    case, ev = _evaluate(w, "luspatercept-first-line.yaml")
    before = w.client.get(f"/evaluations/{ev}/documents/article?format=json", headers=w.h("req")).json()
    r = w.client.patch(f"/cases/{case}", json={"facts": {"serum_epo": 700}}, headers=w.h("req", **{"If-Match": '"v1"'}))
    assert r.status_code == 200
    r = w.client.get(f"/evaluations/{ev}/documents/article?format=json", headers=w.h("req"))
    assert r.status_code == 200 and r.json() == before
    epo = next(f for f in r.json()["facts"] if f["fact"] == "serum_epo")
    assert epo["value"].startswith("210 "), epo
    letter = w.client.get(f"/evaluations/{ev}/documents/letter", headers=w.h("req"))
    assert letter.status_code == 200 and b"700" not in letter.content


def test_a_signed_denial_is_the_final_notice_naming_the_reviewer(world: World) -> None:
    """Issue 18: after the physician reviewer decides and signs, the notice is the plan's final
    notice with the reviewer's name and credentials as signed, not the draft 'not valid until ...'."""
    w = world
    _, ev = _evaluate(w, "luspatercept-del5q.yaml")
    draft = w.client.get(f"/evaluations/{ev}/documents/denial?format=markdown", headers=w.h("doc")).text
    assert "not valid until the physician reviewer" in draft and "This is the plan's decision" not in draft
    w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc"))
    r = w.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "Dr doc, MD"},
                      headers=w.h("doc"))
    assert r.status_code == 200 and r.json()["review"]["decision"] == "denied"
    listed = w.client.get(f"/evaluations/{ev}/documents", headers=w.h("req")).json()["items"]
    assert ("denial", "Notice of denial (signed by the physician reviewer)") in \
        [(d["document"], d["label"]) for d in listed]
    for who in ("req", "doc"):
        final = w.client.get(f"/evaluations/{ev}/documents/denial?format=markdown&audience=patient",
                             headers=w.h(who)).text
        assert "This is the plan's decision. Dr doc, MD" in final
        assert "**Physician reviewer:** Dr doc, MD" in final and "Signed electronically" in final
        assert "not valid until" not in final.lower() and "Draft for the physician reviewer" not in final
