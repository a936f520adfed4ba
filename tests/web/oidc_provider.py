"""A small OpenID Connect provider for tests: discovery, an authorization endpoint that signs in
one configured subject at once, a token endpoint checking the client secret and PKCE, and JWKS.
ID tokens are RS256 JWTs (joserfc). ``tamper`` makes it misbehave the ways an attacker or a
misconfigured provider would."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "mednec-test"
CLIENT_SECRET = "client-secret-for-tests"


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.subject = "alice-0001"
        self.tamper: str | None = None  # wrong_aud | wrong_iss | wrong_nonce | bad_signature | expired | deny
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json({"issuer": outer.issuer, "authorization_endpoint": outer.issuer + "/authorize",
                                "token_endpoint": outer.issuer + "/token", "jwks_uri": outer.issuer + "/jwks",
                                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                                "id_token_signing_alg_values_supported": ["RS256"]})
                elif url.path == "/jwks":
                    self._json(KeySet([outer.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    outer.authorize_query = q
                    if outer.tamper == "deny":
                        target = q["redirect_uri"] + "?" + urlencode({"error": "access_denied", "state": q["state"]})
                    else:
                        code = secrets.token_urlsafe(16)
                        outer.codes[code] = q
                        target = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                    self.send_response(302)
                    self.send_header("location", target)
                    self.end_headers()
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                outer.token_requests += 1
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["content-length"])).decode()).items()}
                auth = self.headers.get("authorization", "")
                if auth.startswith("Basic "):
                    cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                else:
                    cid, secret = form.get("client_id", ""), form.get("client_secret", "")
                req = outer.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if (cid, secret) != (CLIENT_ID, CLIENT_SECRET) or req is None or challenge != req["code_challenge"] \
                        or form.get("redirect_uri") != req["redirect_uri"]:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                now = int(time.time())
                claims = {"iss": outer.issuer, "aud": CLIENT_ID, "sub": outer.subject, "iat": now, "exp": now + 300,
                          "nonce": req.get("nonce", "")}
                if outer.tamper == "wrong_aud":
                    claims["aud"] = "someone-else"
                elif outer.tamper == "wrong_iss":
                    claims["iss"] = "http://evil.example"
                elif outer.tamper == "wrong_nonce":
                    claims["nonce"] = "replayed"
                elif outer.tamper == "expired":
                    claims["exp"] = now - 3600
                key = outer.other_key if outer.tamper == "bad_signature" else outer.key
                token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
                self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                            "id_token": token})

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.authorize_query: dict[str, str] = {}
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
