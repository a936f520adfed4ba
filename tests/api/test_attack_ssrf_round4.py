"""Attack round 4: server-side request forgery through CDS Hooks ``fhirServer`` and ``next`` links,
past what tests/api/test_attack_prefetch_ssrf.py covers.

- **DNS rebinding.** A name that resolves to a public address when checked and to an internal one
  the next time it is asked (a resolver patched here): the connection must go to the address that
  was checked, never to the second answer. A name with one public and one internal address is
  refused.
- **Addresses that hide an internal IPv4 address** in an IPv6 one: IPv4-mapped and IPv4-compatible,
  NAT64 (64:ff9b::/96), 6to4 (2002::/16, which embeds an IPv4 address), Teredo; link-local with a
  zone (fe80::1%eth0), unique-local (fc00::/7), the unspecified address. Whether a name resolves to
  one or the URL names it.
- **Spellings of 127.0.0.1** a resolver accepts: octal, hex, short and one-number forms, a trailing
  dot, percent-encoding, user-info and fragment tricks (``https://public@127.0.0.1``,
  ``https://127.0.0.1#@public``), ports out of range.
- **A listed server left by its path.** With ``MEDNEC_FHIR_SERVERS`` listing ``…/fhir``, a
  ``fhirServer`` or a ``next`` link ``…/fhir/../admin`` (or ``%2e%2e``) must not reach ``/admin``:
  HTTP clients and servers remove dot segments, so the string check "starts with /fhir/" is not
  the path that is fetched.
- **A slow resolver.** A name whose DNS answer never comes must not hold the hook past its fetch
  deadline.

No test here connects anywhere but the local fake FHIR server: outgoing connections are
recorded and refused.

First contact (2026-12-07, 04:30 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mednec.fhir.crd import HookConfig
from mednec.runtime import Runtime, default_runtime
from tests.api.test_attack_prefetch_ssrf import FHIR_JSON, TOKEN, FakeFhir, _bundle, _call, _request, _serve

PUBLIC = "93.184.216.34"  # a public address (example.org's); never actually connected to here


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return default_runtime()


@pytest.fixture
def ehr() -> Iterator[FakeFhir]:
    fake, httpd = _serve()
    yield fake
    httpd.shutdown()


@pytest.fixture
def tried(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every outgoing TCP connection attempted to anything but the local fake servers' ports is
    recorded and refused (nothing leaves the machine)."""
    attempts: list[Any] = []
    real = socket.create_connection

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append(address)
        if getattr(create_connection, "allow_local", False) and address[0] == "127.0.0.1":
            return real(address, *args, **kwargs)
        raise OSError("test: no network")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return attempts


def _resolver(monkeypatch: pytest.MonkeyPatch, answers: dict[str, Callable[[], list[str]]]) -> list[str]:
    """Patch ``socket.getaddrinfo``: a name in ``answers`` resolves to what its function returns
    (called on every look-up); every other name resolves as usual. Returns the names looked up."""
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in answers:
            asked.append(name)
            out = []
            for addr in answers[name]():
                fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
                sockaddr: tuple[Any, ...] = (addr, int(port or 443), 0, 0) if fam == socket.AF_INET6 else (
                    addr, int(port or 443))
                out.append((fam, socket.SOCK_STREAM, 6, "", sockaddr))
            return out
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


# --- DNS rebinding -------------------------------------------------------------------------------


def test_a_rebinding_name_is_connected_at_the_checked_address(monkeypatch: pytest.MonkeyPatch, runtime: Runtime,
                                                              tried: list[Any]) -> None:
    """First answer public, every later one 127.0.0.1: whatever mednec connects to is the public one."""
    calls = {"n": 0}

    def answer() -> list[str]:
        calls["n"] += 1
        return [PUBLIC] if calls["n"] == 1 else ["127.0.0.1"]

    _resolver(monkeypatch, {"rebind.attacker.example": answer})
    outcome, answer_ = _call(_request("https://rebind.attacker.example/fhir"), runtime,
                             HookConfig(fetch_timeout=1.0, fetch_deadline=3.0))
    assert outcome == "412", answer_  # nothing reachable (the test refuses every connection)
    hosts = {a[0] for a in tried}
    assert hosts <= {PUBLIC}, f"mednec connected to {hosts} after checking {PUBLIC}"


def test_a_name_with_a_public_and_an_internal_address_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                                 runtime: Runtime, tried: list[Any]) -> None:
    _resolver(monkeypatch, {"split.attacker.example": lambda: [PUBLIC, "10.0.0.5"],
                            "split6.attacker.example": lambda: ["2606:4700::1111", "::1"]})
    for host in ("split.attacker.example", "split6.attacker.example"):
        outcome, answer = _call(_request(f"https://{host}/fhir"), runtime)
        assert outcome == "412", answer
    assert tried == []


HIDDEN_INTERNAL = {
    "loopback v6": "::1",
    "unspecified v6": "::",
    "link-local with zone": "fe80::1%1",
    "unique-local fc00": "fc00::1",
    "unique-local fd": "fd12:3456::1",
    "v4-mapped loopback": "::ffff:127.0.0.1",
    "v4-mapped metadata": "::ffff:169.254.169.254",
    "v4-compatible loopback": "::127.0.0.1",
    "NAT64 of loopback": "64:ff9b::7f00:1",
    "NAT64 of private": "64:ff9b::a00:1",
    "NAT64 local-use of private": "64:ff9b:1::a00:1",
    "6to4 of loopback": "2002:7f00:1::1",
    "6to4 of metadata": "2002:a9fe:a9fe::1",
    "6to4 of private": "2002:c0a8:101::1",
    "Teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "documentation v6": "2001:db8::1",
    "site-local (deprecated)": "fec0::1",
}


@pytest.mark.parametrize("why", list(HIDDEN_INTERNAL))
def test_a_name_resolving_to_an_internal_ipv6_address_is_refused(why: str, monkeypatch: pytest.MonkeyPatch,
                                                                 runtime: Runtime, tried: list[Any]) -> None:
    addr = HIDDEN_INTERNAL[why]
    _resolver(monkeypatch, {"v6.attacker.example": lambda: [addr]})
    outcome, answer = _call(_request("https://v6.attacker.example/fhir"), runtime)
    assert outcome == "412", answer
    assert tried == [], f"{why}: mednec connected to {tried}"


@pytest.mark.parametrize("why", list(HIDDEN_INTERNAL))
def test_an_internal_ipv6_literal_is_refused(why: str, runtime: Runtime, tried: list[Any]) -> None:
    addr = HIDDEN_INTERNAL[why].replace("%", "%25")
    outcome, answer = _call(_request(f"https://[{addr}]/fhir"), runtime)
    assert outcome == "412", answer
    assert tried == [], f"{why}: mednec connected to {tried}"


SPELLINGS = [
    "https://0177.0.0.1/fhir", "https://0x7f.1/fhir", "https://0x7f000001/fhir", "https://017700000001/fhir",
    "https://2130706433/fhir", "https://127.1/fhir", "https://0/fhir", "https://0.0.0.0/fhir",
    "https://localhost./fhir", "https://127.0.0.1./fhir", "https://LOCALHOST/fhir", "https://%31%32%37.0.0.1/fhir",
    "https://127.0.0.1%2f@public.example/fhir", "https://public.example@127.0.0.1/fhir",
    "https://public.example:443@127.0.0.1:443/fhir", "https://127.0.0.1#@public.example/fhir",
    "https://127.0.0.1?@public.example/fhir", "https://127.0.0.1\\@public.example/fhir",
    "https://127.0.0.1:0/fhir", "https://127.0.0.1:65536/fhir", "https://127.0.0.1:-1/fhir",
    "https://[::ffff:7f00:1]/fhir", "https://[0:0:0:0:0:ffff:127.0.0.1]/fhir", "https://169.254.169.254./latest",
    "https://instance-data/fhir", "https://metadata.google.internal./computeMetadata/v1",
    "https:/127.0.0.1/fhir", "https:\\\\127.0.0.1\\fhir", " https://127.0.0.1/fhir", "https://127.0.0.1\t/fhir",
    "https://127.0.0.1\r\nHost: public.example/fhir",
]


@pytest.mark.parametrize("server", SPELLINGS)
def test_spellings_of_an_internal_address_are_never_connected_to(server: str, runtime: Runtime,
                                                                 tried: list[Any]) -> None:
    outcome, answer = _call(_request(server), runtime)
    assert outcome == "412", answer
    internal = [a for a in tried if a[0] != PUBLIC]
    assert internal == [], f"{server!r}: mednec connected to {internal}"
    assert TOKEN not in str(answer)


# --- a listed server left by its path ------------------------------------------------------------


ESCAPES = ["/../admin", "/%2e%2e/admin", "/%2E%2E/admin", "/.%2e/admin", "/./../admin", "/x/../../admin",
           "/..%2fadmin", "/..;/admin", "%2f..%2fadmin"]


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_fhir_server_under_a_listed_one_by_dot_segments_is_refused(escape: str, ehr: FakeFhir, runtime: Runtime,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Listed ``…/fhir``; ``fhirServer`` ``…/fhir/../admin``: the server sees ``/admin`` (HTTP clients
    and servers remove dot segments), a path the operator never listed."""
    monkeypatch.setenv("MEDNEC_FHIR_SERVERS", ehr.base)
    ehr.respond = lambda path: (200, FHIR_JSON, _bundle([]))
    _call(_request(ehr.base + escape), runtime)
    outside = [s.path for s in ehr.seen if not s.path.startswith("/fhir/") or ".." in s.path
               or "%2e" in s.path.lower() or ";" in s.path]
    assert outside == [], f"{escape!r}: fetched outside the listed /fhir: {outside}"


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_next_link_leaving_the_server_by_dot_segments_is_not_followed(escape: str, ehr: FakeFhir,
                                                                       runtime: Runtime,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDNEC_FHIR_SERVERS", ehr.base)
    first = {"done": False}

    def respond(path: str) -> tuple[int, dict[str, str], Any]:
        if first["done"]:
            return 200, FHIR_JSON, _bundle([])
        first["done"] = True
        return 200, FHIR_JSON, _bundle([], next_url=f"{ehr.base}{escape}?steal=1")

    ehr.respond = respond
    _call(_request(ehr.base), runtime)
    assert ehr.seen, "nothing was fetched"
    stolen = [s.path for s in ehr.seen if "steal" in s.path]
    assert stolen == [], f"{escape!r}: followed a next link outside /fhir: {stolen}"


# --- a slow resolver ------------------------------------------------------------------------------


def test_a_name_that_never_resolves_does_not_hold_the_hook(monkeypatch: pytest.MonkeyPatch, runtime: Runtime,
                                                           tried: list[Any]) -> None:
    """The resolver is asked outside httpx's timeouts; a hostile name server that never answers
    must cost no more than the fetch deadline."""
    release = threading.Event()

    def never() -> list[str]:
        release.wait(20)
        return [PUBLIC]

    _resolver(monkeypatch, {"slow-dns.attacker.example": never})
    t0 = time.monotonic()
    try:
        outcome, answer = _call(_request("https://slow-dns.attacker.example/fhir"), runtime,
                                HookConfig(fetch_timeout=1.0, fetch_deadline=2.0))
    finally:
        took = time.monotonic() - t0
        release.set()
    assert outcome == "412", answer
    assert took < 6, f"the hook waited {took:.1f} s for a DNS answer"
    assert tried == []


# --- a registered client's JWKS URL ---------------------------------------------------------------


JWKS_ANSWERS: dict[str, tuple[int, dict[str, str], Any]] = {
    "200 MiB streamed": (200, {"Content-Type": "application/json"},
                         iter([b'{"keys": [' + b" " * 65536] + [b" " * 65536] * 3200)),
    "a byte a second": (200, {"Content-Type": "application/json", "Content-Length": "40"},
                        iter(x for b in b'{"keys": []}' + b" " * 28 for x in (1.0, bytes([b])))),
    "nested 10,000 deep": (200, {"Content-Type": "application/json"}, b'{"keys": ' + b"[" * 10000 + b"]" * 10000 + b"}"),
    "a redirect elsewhere": (302, {"Location": "http://169.254.169.254/latest", "Content-Length": "0"}, b""),
}


@pytest.mark.parametrize("why", list(JWKS_ANSWERS))
def test_a_hostile_jwks_endpoint_is_bounded(why: str, ehr: FakeFhir) -> None:
    """The JWKS URL is the operator's (a registered client's), but the server behind it is the
    client's: what it answers is bounded in bytes, time and depth like a FHIR server's answer."""
    import tracemalloc

    from joserfc.errors import JoseError

    from mednec.api.cds_trust import _fetch_jwks
    from mednec.errors import AuthError

    ehr.respond = lambda path: JWKS_ANSWERS[why]
    t0 = time.monotonic()
    tracemalloc.start()
    try:
        keys = _fetch_jwks(f"{ehr.base}/jwks.json")
    except (AuthError, JoseError, ValueError, OSError, RecursionError) as exc:
        refused: BaseException | None = exc
    except Exception as exc:  # noqa: BLE001 - any refusal is fine; what matters is time and the kind
        refused = exc
    else:
        refused = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    took = time.monotonic() - t0
    assert took < 10, f"{why}: {took:.0f} s"
    assert peak < 40 * 1024 * 1024, f"{why}: {peak / 2**20:.0f} MiB held"
    assert refused is not None, f"{why}: accepted {str(keys)[:100]}"
    assert not isinstance(refused, RecursionError), why
    assert [s.path for s in ehr.seen if "latest" in s.path] == []
