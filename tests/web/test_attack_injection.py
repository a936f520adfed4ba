"""Attack: stored markup and script in what users type (case titles, questions, notes and their
file names, reviewer reasons, appeal reasons), shown back by the web pages and the documents
(HTML, Markdown, PDF); header injection through values that reach response headers; Typst code in
text that reaches a PDF. SQLite and PostgreSQL.

Every payload must come back as text: never as a tag, an attribute, a script, a header line or a
Typst instruction.
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, example
from tests.web.conftest import sign_in

PAYLOADS = [
    '<script>alert("xss1")</script>',
    '"><img src=x onerror=alert("xss2")>',
    "'><svg onload=alert('xss3')>",
    "javascript:alert('xss4')",
    '<a href="javascript:alert(5)">xss5</a>',
    "{{ 7*7 }}xss6{% if 1 %}",
    '#read("/etc/passwd") xss7',
    ']#panic("xss8")[',
    "xss9\r\nSet-Cookie: evil=1",
    "| xss10 | <b>bold</b> |\n# heading",
    "[xss11](javascript:alert(11))",
]
# what a payload must never become in HTML: an element or an event handler the browser would run
DANGEROUS_HTML = re.compile(r"<script>alert|<img src=x|<svg onload|<a href=\"javascript|<b>bold")
# and in Markdown also a link a reader would make of brackets
DANGEROUS_MD = re.compile(DANGEROUS_HTML.pattern + r"|\]\(javascript")
TITLE = " ".join(PAYLOADS)[:300]


def _browser(w: World, who: str) -> TestClient:
    c = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(c, w.keys[who])
    return c


def _csrf(c: TestClient, page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(page).text)
    assert m, page
    return m.group(1)


def _seed(w: World) -> tuple[str, str]:
    """A case with the payloads in its title, reviewed with the payloads as reasons, appealed."""
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    case["facts"]["serum_epo"]["value"] = 900  # not met: the denial, its appeal, and their reasons
    cid = w.client.post("/cases", json={"case": case, "title": TITLE}, headers=w.h("req")).json()["id"]
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]
    for body in ({"action": "claim"},
                 {"action": "request_info", "reason": " ".join(PAYLOADS)}):
        r = w.client.post(f"/evaluations/{ev}/review", json=body, headers=w.h("doc"))
        assert r.status_code == 200, r.text
    return cid, ev


def _seed_web(w: World) -> str:
    """A question and an uploaded note whose text and file name carry the payloads (the web app)."""
    c = _browser(w, "req")
    text = ("78 year old man with MDS-RS, SF3B1 mutated, hemoglobin 8.1 g/dL, EPO 210, transfusion "
            "dependent, asking for Reblozyl. " + " ".join(PAYLOADS))
    r = c.post("/ask/upload", data={"csrf": _csrf(c, "/ask"), "drug": "reblozyl"},
               files={"upload": ('<img src=x onerror=alert("f")>.txt', text.encode(), "text/plain")},
               follow_redirects=False)
    assert r.status_code < 500, r.text[:300]
    assert not DANGEROUS_HTML.search(r.text), DANGEROUS_HTML.search(r.text)
    r = c.post("/ask", data={"csrf": _csrf(c, "/ask"), "question": text[:3900]}, follow_redirects=False)
    assert r.status_code < 500 and not DANGEROUS_HTML.search(r.text)
    c.close()
    return text


def _pages(cid: str, ev: str) -> list[str]:
    return [
        "/queue", f"/answers/{ev}", f"/answers/{ev}/summary", f"/answers/{ev}/follow-up",
        f"/answers/{ev}/documents/article?format=html", f"/answers/{ev}/documents/info-request?format=html",
        f"/answers/{ev}/documents/request-letter?format=html", "/audit-log", "/metrics",
        f"/cases/{cid}/payer-variants?drug=reblozyl",
    ]


@pytest.mark.parametrize("who", ["req", "doc", "auditor", "admin"])
def test_stored_markup_is_text_on_every_page(world: World, who: str) -> None:
    w = world
    cid, ev = _seed(w)
    _seed_web(w)
    c = _browser(w, who)
    shown = 0
    failures = []
    for path in _pages(cid, ev):
        r = c.get(path, follow_redirects=False)
        if r.status_code >= 500:
            failures.append((path, r.status_code))
            continue
        m = DANGEROUS_HTML.search(r.text)
        if m:
            failures.append((path, r.status_code, r.text[max(0, m.start() - 80):m.end() + 40]))
        shown += "xss1" in r.text
    c.close()
    assert not failures, failures
    assert shown, "the payloads were shown on no page: the test saw nothing"


@pytest.mark.parametrize("fmt", ["html", "markdown", "json"])
def test_documents_show_stored_markup_as_text(world: World, fmt: str) -> None:
    w = world
    _, ev = _seed(w)
    for doc in ("article", "info-request"):
        for audience in ("clinician", "payer", "patient"):
            r = w.client.get(f"/evaluations/{ev}/documents/{doc}", params={"format": fmt, "audience": audience},
                             headers=w.h("doc"))
            assert r.status_code in (200, 409), (doc, audience, r.status_code, r.text[:200])
            if fmt == "json":
                assert json.loads(r.text) is not None  # a JSON string holds any text safely
                continue
            m = (DANGEROUS_MD if fmt == "markdown" else DANGEROUS_HTML).search(r.text)
            assert m is None, (doc, audience, r.text[max(0, m.start() - 80):m.end() + 40])
            assert "\r\n" not in r.headers.get("content-disposition", "")


def test_typst_code_in_user_text_is_not_run(world: World) -> None:
    """A PDF is compiled from Typst markup: user text with #read or #panic prints as text (the
    compile neither fails nor reads a server file)."""
    w = world
    _, ev = _seed(w)
    for doc in ("article",):
        r = w.client.get(f"/evaluations/{ev}/documents/{doc}", params={"format": "pdf"}, headers=w.h("doc"))
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), (doc, r.status_code, r.text[:200])
        text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True).stdout
        assert b"root:" not in text, doc


def test_values_never_become_response_headers(world: World) -> None:
    """Path and query values that reach a header (a download's file name, a redirect's Location)
    cannot add a header line."""
    w = world
    _, ev = _seed(w)
    c = _browser(w, "req")
    attempts: list[tuple[str, dict[str, Any] | None]] = [
        (f"/answers/{ev}/documents/article%0d%0aSet-Cookie:%20evil=1", {"format": "html"}),
        (f"/answers/{ev}/documents/article", {"format": "html\r\nSet-Cookie: evil=1"}),
        (f"/answers/{ev}/documents/article", {"format": "pdf", "audience": "x\r\nSet-Cookie: evil=1"}),
        (f"/evaluations/{ev}/documents/article%0d%0aX-Evil:%201", None),
        ("/sign-in", {"next": "/ask\r\nSet-Cookie: evil=1"}),
        ("/sign-in/sso", {"next": "/ask\r\nSet-Cookie: evil=1"}),
        (f"/answers/{ev}", {"audience": "\r\nSet-Cookie: evil=1"}),
    ]
    failures = []
    for path, params in attempts:
        for client, headers in ((c, {}), (w.client, w.h("req"))):
            r = client.get(path, params=params, headers=headers, follow_redirects=False)
            bad = [k for k in r.headers if k.lower() == "x-evil"] + [
                v for k, v in r.headers.multi_items() if "\n" in v or "\r" in v
                or (k.lower() == "set-cookie" and "evil" in v)]
            if r.status_code >= 500 or bad:
                failures.append((path[-40:], params, r.status_code, bad))
    c.close()
    assert not failures, failures


TRAVERSALS = ["..%2F..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fsettings.py", "....//....//etc/passwd",
              "..%5c..%5cwindows%5cwin.ini", "%252e%252e%252fetc%252fpasswd", "policy.yaml", "__init__.py",
              "..", "%00", "CON", "a" * 3000]
FILE_CONTENT = re.compile(r"root:x:0:0|^import |^from __future__|\[extensions\]|def [a-z_]+\(", re.M)


def test_path_traversal_in_every_web_and_static_path(world: World) -> None:
    """Every GET route with a path parameter (read from the app), and the static files, with
    traversal spellings in each parameter: never a server file, never a 500."""
    from tests.api.test_attack_ids import _walk

    w = world
    _, ev = _seed(w)
    c = _browser(w, "doc")
    failures = []
    templates = [r.path for r in _walk(list(w.client.app.routes)) if "GET" in r.methods and "{" in r.path]
    templates += ["/static/{file}", "/static/swagger/{file}"]
    for template in templates:
        params = re.findall(r"\{([^}]+)\}", template)
        for param in params:
            for bad in TRAVERSALS:
                path = template
                for p in params:
                    path = path.replace("{" + p + "}", bad if p == param else (ev if p == "eval_id" else "x"))
                for client, headers in ((c, {}), (w.client, w.h("doc"))):
                    r = client.get(path, headers=headers, follow_redirects=False)
                    if r.status_code >= 500 or FILE_CONTENT.search(r.text if len(r.content) < 2_000_000 else ""):
                        failures.append((template, param, bad[:30], r.status_code))
    c.close()
    assert not failures, failures
