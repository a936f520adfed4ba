"""Attack: a CDS Hooks call that makes mednec fetch from where the caller says (SSRF).

A CDS client names ``fhirServer`` and hands a ``fhirAuthorization`` token; for every prefetch key it
left out, mednec GETs ``{fhirServer}/{template}`` with that token and follows the Bundle's ``next``
links. A hostile (or compromised) client, or a hostile FHIR server, tries:

- internal addresses (loopback, the cloud metadata address, private ranges, ``localhost``, an IPv4
  address written as one decimal number, an IPv4-mapped IPv6 address) and other schemes
  (``file://``, ``ftp://``, ``gopher://``, ``data:``): nothing is fetched, the hook answers as for
  data it cannot get (412 for required data), never a 500;
- a redirect to another host, and a Bundle whose ``next`` link points at another host: the token is
  never sent anywhere but the ``fhirServer`` it was given for;
- a huge response (declared, or streamed without a length), one dribbled slowly, non-FHIR content
  (HTML, a JSON array, JSON with NaN or nested 10,000 deep): bounded in bytes and time, refused,
  never a 500;
- the token and internal details never appear in the answer.

The local test FHIR server runs on 127.0.0.1, which is internal: tests that need to reach it list
it in ``MEDNEC_FHIR_SERVERS`` (the operator's list of FHIR servers mednec may fetch from).

First contact (2026-12-07, 01:05 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mednec.fhir.crd import HookConfig, PrefetchUnavailableError, handle_hook
from mednec.runtime import Runtime, default_runtime

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
TOKEN = "s3cr3t-ehr-token-for-this-patient"


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return default_runtime()


@dataclass
class Seen:
    path: str
    authorization: str | None


@dataclass
class FakeFhir:
    """A FHIR server on a free local port: ``respond(path) -> (status, headers, body or chunks)``."""

    port: int
    seen: list[Seen] = field(default_factory=list)
    respond: Callable[[str], tuple[int, dict[str, str], Any]] = lambda path: (200, {}, b"{}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/fhir"


def _serve() -> tuple[FakeFhir, ThreadingHTTPServer]:
    fake = FakeFhir(0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            fake.seen.append(Seen(self.path, self.headers.get("Authorization")))
            status, headers, body = fake.respond(self.path)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if isinstance(body, bytes):
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.end_headers()  # an iterable of chunks, with pauses: no length, connection closes
            try:
                for chunk in body:
                    if isinstance(chunk, float):
                        time.sleep(chunk)
                        continue
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.port = int(httpd.server_address[1])
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return fake, httpd


@pytest.fixture
def ehr() -> Iterator[FakeFhir]:
    fake, httpd = _serve()
    yield fake
    httpd.shutdown()


@pytest.fixture
def other() -> Iterator[FakeFhir]:
    """Another host (another origin) that must never see the token."""
    fake, httpd = _serve()
    yield fake
    httpd.shutdown()


def _request(server: str | None) -> dict[str, Any]:
    """The order-sign fixture with its observations not prefetched: mednec must fetch them."""
    req = json.loads((FIXTURES / "cds-order-sign-request.json").read_text())
    req["fhirServer"] = server
    req["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300,
                                "scope": "patient/*.read", "subject": "mednec"}
    del req["prefetch"]["observations"]
    return req


def _bundle(entries: list[dict[str, Any]], next_url: str | None = None) -> bytes:
    b: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in entries]}
    if next_url:
        b["link"] = [{"relation": "next", "url": next_url}]
    return json.dumps(b).encode()


FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _call(req: dict[str, Any], runtime: Runtime, config: HookConfig | None = None) -> tuple[str, Any]:
    """("ok", response) or ("412", message): what the route would answer (anything else fails the test)."""
    try:
        return "ok", handle_hook(req, runtime, config=config or HookConfig())
    except PrefetchUnavailableError as exc:
        return "412", exc.message


@pytest.fixture
def allow(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def allow(url: str) -> None:
        monkeypatch.setenv("MEDNEC_FHIR_SERVERS", url)

    return allow


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every outgoing TCP connection attempted (the attempt is refused here, never made)."""
    tried: list[Any] = []
    real = socket.create_connection

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        tried.append(address)
        if address[0] in ("169.254.169.254", "10.0.0.1", "192.168.1.1", "100.64.0.1"):
            raise OSError("test: no such network")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return tried


# --- where mednec may fetch from -----------------------------------------------------------------


def test_a_loopback_fhir_server_is_not_fetched_unless_listed(ehr: FakeFhir, runtime: Runtime) -> None:
    ehr.respond = lambda path: (200, FHIR_JSON, _bundle([]))
    outcome, answer = _call(_request(ehr.base), runtime)
    assert outcome == "412", answer
    assert ehr.seen == [], "mednec fetched from a loopback address nobody listed"
    assert TOKEN not in json.dumps(answer)


@pytest.mark.parametrize("server", [
    "http://169.254.169.254/latest/meta-data", "https://169.254.169.254/fhir", "http://10.0.0.1/fhir",
    "https://192.168.1.1/fhir", "https://100.64.0.1/fhir", "http://localhost:{port}/fhir",
    "http://2130706433:{port}/fhir", "http://[::ffff:127.0.0.1]:{port}/fhir", "http://0.0.0.0:{port}/fhir",
    "http://[::1]:{port}/fhir", "https://127.1:{port}/fhir",
])
def test_internal_addresses_are_never_connected_to(server: str, ehr: FakeFhir, runtime: Runtime,
                                                   connections: list[Any]) -> None:
    outcome, answer = _call(_request(server.format(port=ehr.port)), runtime)
    assert outcome == "412", answer
    assert connections == [], f"mednec tried to connect to {connections}"
    assert ehr.seen == []


@pytest.mark.parametrize("server", ["file:///etc", "ftp://ehr.example.org/fhir", "gopher://127.0.0.1:70/",
                                    "data:application/json,{}", "//ehr.example.org/fhir", "ehr.example.org/fhir",
                                    "javascript:alert(1)", "https://user:pass@ehr.example.org/fhir"])
def test_other_schemes_and_malformed_servers_are_refused(server: str, runtime: Runtime,
                                                         connections: list[Any]) -> None:
    outcome, answer = _call(_request(server), runtime)
    assert outcome == "412", answer
    assert connections == []
    assert "root:" not in str(answer) and TOKEN not in str(answer)


def test_plain_http_is_refused_even_to_a_public_looking_host(runtime: Runtime, connections: list[Any]) -> None:
    """The token would travel in clear text: only https, unless the operator listed the server."""
    outcome, _ = _call(_request("http://ehr.example.org/fhir"), runtime)
    assert outcome == "412"
    assert connections == []


def test_a_listed_server_is_fetched_with_its_token(ehr: FakeFhir, runtime: Runtime,
                                                  allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    ehr.respond = lambda path: (200, FHIR_JSON, _bundle([]))
    outcome, answer = _call(_request(ehr.base), runtime)
    assert outcome == "ok", answer
    assert ehr.seen and all(s.authorization == f"Bearer {TOKEN}" for s in ehr.seen)
    assert all(s.path.startswith("/fhir/") for s in ehr.seen)


def test_a_server_outside_the_list_is_not_fetched(ehr: FakeFhir, other: FakeFhir, runtime: Runtime,
                                                  allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    outcome, _ = _call(_request(other.base), runtime)
    assert outcome == "412"
    assert other.seen == []
    outcome, _ = _call(_request(ehr.base.rsplit("/", 1)[0] + "/fhirx"), runtime)  # a prefix, not the path
    assert outcome == "412"
    assert ehr.seen == []


# --- where the token goes ------------------------------------------------------------------------


def test_a_redirect_is_not_followed_and_the_token_stays_home(ehr: FakeFhir, other: FakeFhir, runtime: Runtime,
                                                            allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    ehr.respond = lambda path: (302, {"Location": f"{other.base}/steal", "Content-Length": "0"}, b"")
    outcome, answer = _call(_request(ehr.base), runtime)
    assert outcome == "412", answer
    assert other.seen == []


def test_a_next_link_to_another_host_does_not_get_the_token(ehr: FakeFhir, other: FakeFhir, runtime: Runtime,
                                                           allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    other.respond = lambda path: (200, FHIR_JSON, _bundle([]))
    ehr.respond = lambda path: (200, FHIR_JSON, _bundle([], next_url=f"{other.base}/Observation?page=2"))
    _call(_request(ehr.base), runtime)
    assert [s for s in other.seen if s.authorization] == [], "the token was sent to another host"
    assert other.seen == []


def test_a_next_link_with_another_scheme_or_userinfo_is_not_followed(ehr: FakeFhir, runtime: Runtime,
                                                                    allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    nxt = iter([f"http://evil@127.0.0.1:{ehr.port}/fhir/x", "file:///etc/passwd"])
    ehr.respond = lambda path: (200, FHIR_JSON, _bundle([], next_url=next(nxt, None)))
    _call(_request(ehr.base), runtime)
    assert len(ehr.seen) == len({s.path.split("?")[0] for s in ehr.seen}) or all(
        "evil" not in s.path for s in ehr.seen)
    assert not any(s.path.startswith("/fhir/x") for s in ehr.seen)


# --- what comes back -----------------------------------------------------------------------------


def test_a_huge_declared_response_is_refused_without_reading_it(ehr: FakeFhir, runtime: Runtime,
                                                              allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    big = 200 * 1024 * 1024
    ehr.respond = lambda path: (200, {**FHIR_JSON, "Content-Length": str(big)},
                                iter([b'{"resourceType":"Bundle","entry":[' + b" " * 65536] + [b" " * 65536] * 3200))
    t0 = time.monotonic()
    outcome, answer = _call(_request(ehr.base), runtime)
    assert outcome == "412", answer
    assert time.monotonic() - t0 < 10


def test_a_huge_streamed_response_is_cut_off(ehr: FakeFhir, runtime: Runtime,
                                             allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    ehr.respond = lambda path: (200, FHIR_JSON, iter([b'{"resourceType":"Bundle","entry":[' + b" " * 65536]
                                                     + [b" " * 65536] * 3200))  # 200 MiB, no length
    t0 = time.monotonic()
    outcome, answer = _call(_request(ehr.base), runtime)
    assert outcome == "412", answer
    assert time.monotonic() - t0 < 10


def test_a_slowly_dribbled_response_meets_one_deadline(ehr: FakeFhir, runtime: Runtime,
                                                       allow: Callable[[str], None]) -> None:
    """Each byte within the read timeout, the whole response never: bounded by a total deadline."""
    allow(ehr.base)
    body = _bundle([])
    ehr.respond = lambda path: (200, {**FHIR_JSON, "Content-Length": str(len(body))},
                                iter(x for b in body for x in (1.0, bytes([b]))))
    t0 = time.monotonic()
    outcome, answer = _call(_request(ehr.base), runtime, HookConfig(fetch_timeout=2.0))
    took = time.monotonic() - t0
    assert outcome == "412", answer
    assert took < 15, f"the hook waited {took:.0f} s for a dribbled response"


@pytest.mark.parametrize("ctype,body", [
    ("text/html", b"<html><body>login</body></html>"),
    ("application/fhir+json", b"[1, 2, 3]"),
    ("application/fhir+json", b'"just a string"'),
    ("application/fhir+json", b'{"no": "resourceType"}'),
    ("application/fhir+json", b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation",'
                              b' "id": "o", "status": "final", "valueQuantity": {"value": NaN}}}]}'),
    ("application/fhir+json", b'{"resourceType": "Observation", "value": 1e999999}'),
    ("application/fhir+json", b"[" * 10000 + b"]" * 10000),
    ("application/fhir+json", b'{"resourceType": "Bundle", "entry": "not a list"}'),
    ("application/fhir+json", b'{"resourceType": "Bundle", "link": "x", "entry": [1, "a", null]}'),
    ("text/plain", b'{"resourceType": "Bundle", "type": "searchset"}'),
    ("application/fhir+json", b"\xff\xfe not utf-8"),
])
def test_non_fhir_content_is_refused_not_a_500(ctype: str, body: bytes, ehr: FakeFhir, runtime: Runtime,
                                               allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    ehr.respond = lambda path: (200, {"Content-Type": ctype}, body)
    outcome, answer = _call(_request(ehr.base), runtime)
    assert outcome == "412", answer


def test_errors_do_not_echo_the_token_or_internal_urls(ehr: FakeFhir, runtime: Runtime,
                                                       allow: Callable[[str], None]) -> None:
    allow(ehr.base)
    ehr.respond = lambda path: (500, {"Content-Type": "text/plain"}, f"internal error for {TOKEN}".encode())
    outcome, message = _call(_request(ehr.base), runtime)
    assert outcome == "412"
    assert TOKEN not in message and "127.0.0.1" not in message and str(ehr.port) not in message


def test_the_api_answers_412_never_500_for_an_internal_fhir_server(db_url: str, ehr: FakeFhir) -> None:
    from fastapi.testclient import TestClient

    from mednec.api import Settings, create_app

    app = create_app(Settings(database_url=db_url, runtime=default_runtime()))
    service = app.state.service
    key = service.accounts.create_key(service.accounts.add_user("plan", "ehr", "requester").id)
    with TestClient(app) as client:
        r = client.post("/cds-services/mednec-order-sign", json=_request(ehr.base),
                        headers={"Authorization": f"Bearer {key}"})
    app.state.db.dispose()
    assert r.status_code == 412, r.text
    assert ehr.seen == []
    assert TOKEN not in r.text and "Traceback" not in r.text


def test_fetching_logs_no_patient_identifier(ehr: FakeFhir, runtime: Runtime, allow: Callable[[str], None],
                                             caplog: pytest.LogCaptureFixture) -> None:
    """The fetched URLs carry the patient's id (Patient/{id}, ?patient={id}): no log record may
    (httpx logs every request's URL at INFO)."""
    import logging

    allow(ehr.base)
    ehr.respond = lambda path: (200, FHIR_JSON, _bundle([]))
    req = _request(ehr.base)
    req["context"]["patientId"] = "MRN-88231907"
    for e in req["context"]["draftOrders"]["entry"]:  # the orders are that patient's (one patient per request)
        e["resource"]["subject"] = {"reference": "Patient/MRN-88231907"}
    del req["prefetch"]["patient"]
    caplog.set_level(logging.DEBUG)
    _call(req, runtime)
    assert ehr.seen, "nothing was fetched"
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "MRN-88231907" not in text, [r.getMessage() for r in caplog.records if "MRN" in r.getMessage()][:3]
    assert TOKEN not in text
