"""Fetching what a CDS client did not prefetch, from its ``fhirServer``, without being turned against
the network mednec runs in (server-side request forgery) or leaking the client's token.

A CDS Hooks call names the FHIR server and hands a bearer token (``fhirAuthorization``); mednec
GETs ``{fhirServer}/{prefetch template}`` and follows the Bundle's ``next`` links. The rules:

- **Where.** ``https`` only, no user name or password in the URL. Without a list of FHIR servers
  (``MEDNEC_FHIR_SERVERS``, or ``HookConfig.fhir_servers``), the host must resolve to public
  addresses only (no loopback, private, link-local such as the cloud metadata address
  169.254.169.254, carrier-grade NAT, multicast, site-local or reserved ranges, also written as one
  decimal number, or carried in an IPv6 address: IPv4-mapped, NAT64, 6to4, Teredo), and the
  connection goes to the address that was checked (a second DNS answer cannot swap in an internal
  one). The look-up counts against the fetch's deadline (a name server that never answers costs no
  more). With a list, only a server under one of the listed URLs is fetched (``http`` too, and
  internal addresses: the operator said so). "Under" is a path boundary, and no fetched URL's path
  may hold a ``.`` or ``..`` segment (also percent-encoded): servers resolve them, so
  ``{listed}/../admin`` is not under ``{listed}``.
- **The token stays home.** Redirects are not followed; a ``next`` link is followed only under the
  ``fhirServer`` it came from. So the token goes nowhere but the server it was given for.
- **What comes back.** JSON (``application/fhir+json`` or ``application/json``), at most
  :data:`MAX_RESPONSE_BYTES` per response (a larger ``Content-Length`` is refused unread), read
  within one deadline per response however slowly it is sent, parsed as strictly as a request body
  (:func:`mednec.hygiene.load_json`: no NaN, no 1e999999, at most 48 levels), and a FHIR resource
  (an object with a ``resourceType``).

httpx's own log records of these requests keep only the URL's origin (the path and query hold the
patient's id). Every refusal is a :class:`FetchRefused` whose message names the rule, never the token, the URL or
what the server answered, so nothing of it is echoed to the caller or logged.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MAX_RESPONSE_BYTES", "FetchRefused", "allowed_servers", "check_server", "fetch_json", "get_json",
           "same_server"]

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
JSON_TYPES = ("application/fhir+json", "application/json")


class _OriginOnly(logging.Filter):
    """httpx logs every request's URL at INFO; a fetched URL holds the patient's id (``Patient/{id}``,
    ``?patient={id}``), so its records keep the URL's origin only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_origin(a) for a in record.args)
        return True


def _origin(arg: object) -> object:
    text = str(arg)
    if not text.startswith(("http://", "https://")):
        return arg
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError:
        return "(a URL)"
    return f"{parts.scheme}://{parts.hostname or ''}{f':{port}' if port else ''}/…"


_FILTER = _OriginOnly()
for _name in ("httpx", "httpcore"):
    if _FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_FILTER)


class FetchRefused(Exception):  # noqa: N818 (a refusal, not an error of mednec's)
    """A fetch mednec will not make or whose answer it will not use; the message is safe to show."""


def allowed_servers(configured: Iterable[str] = ()) -> tuple[str, ...]:
    """The listed FHIR servers: ``configured`` (``HookConfig.fhir_servers``), else
    ``MEDNEC_FHIR_SERVERS`` (URLs separated by spaces or commas)."""
    listed = tuple(configured)
    if not listed:
        from mednec.settings import current

        listed = current().fhir_servers
    return tuple(u.rstrip("/") for u in listed)


def _under(url: str, base: str) -> bool:
    """``url`` is ``base`` or below it (same scheme, host and port; a path boundary, not a prefix)."""
    u, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    if (u.scheme.lower(), (u.hostname or "").lower(), u.port) != (b.scheme.lower(), (b.hostname or "").lower(), b.port):
        return False
    if u.username is not None or u.password is not None or _leaves_path(u.path):
        return False
    path, root = u.path.rstrip("/"), b.path.rstrip("/")
    return path == root or path.startswith(root + "/")


def _leaves_path(path: str) -> bool:
    """Whether ``path`` holds a dot segment (``.`` or ``..``), also percent-encoded, behind an encoded
    slash or backslash, or with path parameters (``..;x``): HTTP clients and servers resolve them, so
    the path fetched is not the one a prefix check saw. No FHIR URL needs one."""
    decoded = urllib.parse.unquote(path).replace("\\", "/")
    return any(seg.split(";", 1)[0] in (".", "..") for seg in decoded.split("/"))


def same_server(url: str, server: str) -> bool:
    """Whether a ``next`` link ``url`` lies under the ``fhirServer`` the token was given for."""
    return _under(url, server)


def _public(addr: str) -> bool:
    """Whether ``addr`` is a public (globally reachable, unicast) address; an IPv6 address that
    carries an IPv4 one (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) only when the
    IPv4 address is public too, and never a deprecated site-local one (fec0::/10)."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if ip.is_site_local or (inner is not None and not _public(str(inner))):
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local
                                       or ip.is_private or ip.is_unspecified)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address hands traffic to, if it carries one."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


#: look-ups run here, so a name server that never answers costs a fetch its deadline, not the
#: resolver's own timeouts; at most this many hang at once (later look-ups wait, then time out)
_RESOLVERS = 4
_resolver_pool: concurrent.futures.ThreadPoolExecutor | None = None
_resolver_lock = threading.Lock()


def _lookup(host: str, port: int, seconds: float) -> list[Any]:
    global _resolver_pool
    with _resolver_lock:
        if _resolver_pool is None:
            _resolver_pool = concurrent.futures.ThreadPoolExecutor(_RESOLVERS, thread_name_prefix="mednec-resolve")
        pool = _resolver_pool
    future = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=max(seconds, 0.0))
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise FetchRefused("the FHIR server's host name did not resolve in time") from None
    except (OSError, UnicodeError):
        raise FetchRefused("the FHIR server's host name does not resolve") from None


def _resolve(host: str, port: int, seconds: float) -> str:
    """The one address to connect to: every address the host resolves to (within ``seconds``) must be public."""
    addrs = [str(i[4][0]) for i in _lookup(host, port, seconds)]
    if not addrs or not all(_public(a) for a in addrs):
        raise FetchRefused("the FHIR server is not at a public address (list it in MEDNEC_FHIR_SERVERS to allow it)")
    return addrs[0]


def check_server(server: str, listed: tuple[str, ...]) -> None:
    """Refuse a ``fhirServer`` mednec may not fetch from (the rules in the module doc)."""
    try:
        parts = urllib.parse.urlsplit(server)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise FetchRefused("fhirServer is not a URL") from None
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        raise FetchRefused("fhirServer must be an https URL")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("fhirServer may not carry a user name or password")
    if _leaves_path(parts.path):
        raise FetchRefused("fhirServer's path may not hold . or .. segments")
    if listed:
        if not any(_under(server, base) for base in listed):
            raise FetchRefused("fhirServer is not one of the FHIR servers this service fetches from")
        return
    if parts.scheme.lower() != "https":
        raise FetchRefused("fhirServer must be an https URL (list it in MEDNEC_FHIR_SERVERS to allow http)")


def fetch_json(url: str, token: str | None, *, listed: tuple[str, ...], timeout: float,
               deadline: float | None = None) -> Mapping[str, Any]:
    """GET ``url`` (under a server :func:`check_server` passed) with the bearer ``token``: the FHIR
    resource it answers, or :class:`FetchRefused`. ``deadline``: a ``time.monotonic()`` past which
    the whole response must have arrived (default ``timeout`` from now, and never later than that)."""
    data = get_json(url, token, listed=listed, timeout=timeout, deadline=deadline)
    if not isinstance(data, Mapping) or not isinstance(data.get("resourceType"), str):
        raise FetchRefused("the FHIR server's answer is not a FHIR resource")
    if data["resourceType"] == "Bundle" and not all(
            isinstance(data.get(k, []), list) and all(isinstance(x, Mapping) for x in data.get(k, []))
            for k in ("entry", "link")):
        raise FetchRefused("the FHIR server's answer is not a valid Bundle (entry and link are lists of objects)")
    return data


def get_json(url: str, token: str | None, *, listed: tuple[str, ...], timeout: float,
             deadline: float | None = None, types: tuple[str, ...] = JSON_TYPES,
             what: str = "the FHIR server") -> Any:
    """GET ``url`` under the rules of the module doc (where, redirects, bytes, time) and parse the
    answer strictly: the JSON, or :class:`FetchRefused`. ``types``: the content types accepted;
    ``what``: who answers, in the refusal messages. :func:`fetch_json` and the JWKS of a registered
    CDS client (:mod:`mednec.api.cds_trust`) use it."""
    import httpx

    from mednec.errors import InputError
    from mednec.hygiene import load_json

    check_server(url, listed)
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    headers = {"Accept": types[0], "Accept-Encoding": "identity"}
    extensions: dict[str, Any] = {}
    target = url
    end = time.monotonic() + timeout
    if deadline is not None:
        end = min(end, deadline)
    if not listed:  # connect to the address that was checked; the certificate is checked for the name
        addr = _resolve(host, port, end - time.monotonic())
        netloc = f"[{addr}]" if ":" in addr else addr
        target = urllib.parse.urlunsplit((parts.scheme, f"{netloc}:{port}", parts.path, parts.query, ""))
        headers["Host"] = parts.netloc
        extensions["sni_hostname"] = host
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with httpx.Client(follow_redirects=False, timeout=timeout, trust_env=False) as client, \
                client.stream("GET", target, headers=headers, extensions=extensions) as response:
            if response.status_code != 200:
                raise FetchRefused(f"{what} answered HTTP {response.status_code}")
            ctype = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if ctype not in types:
                raise FetchRefused(f"{what} did not answer {types[0]}")
            if response.headers.get("content-encoding", "identity").strip().lower() not in ("identity", ""):
                raise FetchRefused(f"{what}'s answer is compressed (it was asked for it plain)")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
                raise FetchRefused(f"{what}'s answer is larger than {MAX_RESPONSE_BYTES} bytes")
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise FetchRefused(f"{what}'s answer is larger than {MAX_RESPONSE_BYTES} bytes")
                if time.monotonic() > end:
                    raise FetchRefused(f"{what} did not answer in time")
    except httpx.HTTPError as exc:
        raise FetchRefused(f"could not reach {what} ({type(exc).__name__})") from None
    try:
        return load_json(bytes(body), "fhirServer")
    except InputError:
        raise FetchRefused(f"{what}'s answer is not valid JSON") from None
