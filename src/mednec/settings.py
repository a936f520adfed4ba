"""Every environment variable mednec reads, in one object: :class:`Settings`, from :func:`current`.

Nothing else in the package reads these variables; the command line only passes them on to
child processes (``--packs-dir`` sets ``MEDNEC_PACKS_DIR`` for the process and its workers;
``mednec serve --workers N`` gives uvicorn's workers an explicit environment). A value that cannot be read is a
:class:`~mednec.errors.ConfigError` naming the variable (it is not silently replaced by the
default). The README's configuration table lists :data:`VARIABLES` (tests/test_settings.py keeps
them in step).

This is a frozen dataclass, not pydantic-settings: importing pydantic-settings takes about 0.6 s
on the project's machines, and the command line (``mednec evaluate``) must start in under 0.5 s
without importing pydantic at all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from mednec.errors import ConfigError

__all__ = ["DEFAULT_LIMIT_CONCURRENCY", "DEFAULT_MAX_BODY", "DEFAULT_PUBLIC_URL", "VARIABLES", "Settings", "Variable", "cors_origins",
           "current"]

DEFAULT_MAX_BODY = 6 * 1024 * 1024
#: connections and requests one `mednec serve` worker holds at once (uvicorn's limit_concurrency)
DEFAULT_LIMIT_CONCURRENCY = 512
MAX_LIMIT_CONCURRENCY = 65536
#: where notifications link to when ``MEDNEC_PUBLIC_URL`` is not set
DEFAULT_PUBLIC_URL = "http://localhost:8000"


class Variable(NamedTuple):
    """One environment variable: its name, the setting it fills, its default and what it does."""

    name: str
    field: str
    default: str
    meaning: str


VARIABLES = (
    Variable("MEDNEC_DATABASE_URL", "database_url", "a SQLite file in the user data directory",
             "The service's database (SQLAlchemy URL; `postgresql://user@host/db` for PostgreSQL)."),
    Variable("MEDNEC_SECRET_KEY", "secret_key", "a random secret per process",
             "Signs the web app's session cookies; set it when running several workers or to keep "
             "sessions across restarts."),
    Variable("MEDNEC_MAX_BODY_BYTES", "max_body_bytes", "6291456 (6 MiB)",
             "The largest request body the service accepts (larger bodies get 413)."),
    Variable("MEDNEC_PACKS_DIR", "packs_dirs", "none",
             "Folders of packs (or single packs) loaded besides the shipped ones, separated by the path "
             "separator (`:`; `;` on Windows). `--packs-dir` adds to it."),
    Variable("MEDNEC_PAYER_PROFILE", "payer_profile", "none (placeholders)",
             "A payer profile YAML for denial notices (`--payer-profile` overrides it)."),
    Variable("MEDNEC_CDS_CLIENTS", "cds_clients", "none (API keys only)",
             "A JSON file registering the CDS Hooks clients whose signed JWT bearer tokens the service "
             "accepts (issuer, audience, keys or JWKS URL per client)."),
    Variable("MEDNEC_DEBUG", "debug", "off",
             "Any non-empty value: the command line shows tracebacks instead of one-line errors."),
    Variable("MEDNEC_SKIP_MIGRATE", "skip_migrate", "off",
             "Any non-empty value: the service does not run database migrations at start "
             "(`mednec serve` migrates once before starting workers)."),
    Variable("MEDNEC_SMTP_HOST", "smtp_host", "none (e-mail notifications wait in the outbox)",
             "The SMTP server `mednec outbox deliver` sends decision e-mails through."),
    Variable("MEDNEC_SMTP_PORT", "smtp_port", "25",
             "The SMTP server's port (587 with `MEDNEC_SMTP_STARTTLS`)."),
    Variable("MEDNEC_SMTP_STARTTLS", "smtp_starttls", "off",
             "Any non-empty value: upgrade the SMTP connection with STARTTLS before sending."),
    Variable("MEDNEC_SMTP_USER", "smtp_user", "none (no SMTP login)",
             "The SMTP login name (with `MEDNEC_SMTP_PASSWORD`)."),
    Variable("MEDNEC_SMTP_PASSWORD", "smtp_password", "none",
             "The SMTP login password."),
    Variable("MEDNEC_MAIL_FROM", "mail_from", "mednec@localhost",
             "The sender address of notification e-mails."),
    Variable("MEDNEC_PUBLIC_URL", "public_url", "none (notifications link to http://localhost:8000; "
             "single sign-on uses the request's address)",
             "The address people open mednec at; notifications link to the answer page under it, and single "
             "sign-on sends the provider `<MEDNEC_PUBLIC_URL>/sign-in/sso/callback`, and a CDS client's signed JWT "
             "must name `<MEDNEC_PUBLIC_URL>/cds-services/<id>` as its audience (set it behind a proxy, where the "
             "request's own address is not the one people use, and wherever the Host header is not to be trusted)."),
    Variable("MEDNEC_OIDC_ISSUER", "oidc_issuer", "none (no single sign-on)",
             "The OpenID Connect provider people sign in through (its issuer URL; the sign-in page then "
             "offers single sign-on). Link each person with `mednec users link-sso`."),
    Variable("MEDNEC_OIDC_CLIENT_ID", "oidc_client_id", "none",
             "mednec's client id at the OpenID Connect provider."),
    Variable("MEDNEC_OIDC_CLIENT_SECRET", "oidc_client_secret", "none",
             "mednec's client secret at the OpenID Connect provider (the redirect URI to register is "
             "`<MEDNEC_PUBLIC_URL>/sign-in/sso/callback`)."),
    Variable("MEDNEC_AUDIT_KEY", "audit_key", "none (audit entries are plain SHA-256; checkpoints cannot be "
             "written or checked)",
             "The secret that keys the audit log's entries and signs its checkpoints (HMAC-SHA256); keep it "
             "outside the database, give every worker and `mednec audit` the same one, and keep it set once "
             "entries are keyed."),
    Variable("MEDNEC_AUDIT_OLD_KEYS", "audit_old_keys", "none",
             "Retired audit keys, separated by commas or spaces: they verify the entries and checkpoints written "
             "under them and key nothing new. To rotate, set the new secret as `MEDNEC_AUDIT_KEY` and move the "
             "old one here (every worker and `mednec audit` alike)."),
    Variable("MEDNEC_AUDIT_ANCHOR", "audit_anchor", "none",
             "The file `mednec audit checkpoint` appends signed checkpoints of every audit chain to, and "
             "`mednec audit verify` checks; keep it outside the database's storage."),
    Variable("MEDNEC_FHIR_SERVERS", "fhir_servers", "none (any https FHIR server at a public address)",
             "The FHIR servers a CDS Hooks call may make mednec fetch from (`fhirServer`), as URLs separated by "
             "spaces or commas; a server under one of them is fetched (http and internal addresses too), no "
             "other. Without it only https servers at public addresses are."),
    Variable("MEDNEC_CORS_ORIGINS", "cors_origins", "none (no CORS headers: browsers on other sites may not call the API)",
             "The web origins (`https://ehr.example`, scheme, host and port only) whose pages may call the API from "
             "a browser, separated by spaces or commas: their requests get `Access-Control-Allow-Origin` (never a "
             "wildcard, never credentials; the page must send an API key). `*` is refused."),
    Variable("MEDNEC_LIMIT_CONCURRENCY", "limit_concurrency", str(DEFAULT_LIMIT_CONCURRENCY),
             "Connections and requests one `mednec serve` worker holds at once (past it, 503 at once); "
             "`--limit-concurrency` overrides it."),
)


@dataclass(frozen=True)
class Settings:
    """The settings the environment gives (see :data:`VARIABLES` for each one's variable)."""

    database_url: str | None = None
    secret_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY
    packs_dirs: tuple[Path, ...] = ()
    payer_profile: Path | None = None
    cds_clients: Path | None = None
    debug: bool = False
    skip_migrate: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "mednec@localhost"
    public_url: str | None = None
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    audit_key: str | None = None
    audit_anchor: Path | None = None
    audit_old_keys: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] = ()
    limit_concurrency: int = DEFAULT_LIMIT_CONCURRENCY
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read ``environ`` (``os.environ`` by :func:`current`)."""

        def text(name: str) -> str | None:
            value = environ.get(name, "").strip()
            return value or None

        body = text("MEDNEC_MAX_BODY_BYTES")
        if body is not None and not (body.isdigit() and int(body) > 0):
            raise ConfigError(f"must be a whole number of bytes above 0, got {body[:40]!r}",
                              field="MEDNEC_MAX_BODY_BYTES")
        port = text("MEDNEC_SMTP_PORT")
        if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
            raise ConfigError(f"must be a TCP port (1-65535), got {port[:40]!r}", field="MEDNEC_SMTP_PORT")
        public = text("MEDNEC_PUBLIC_URL")
        if public is not None and not public.startswith(("http://", "https://")):
            raise ConfigError(f"must start with http:// or https://, got {public[:40]!r}", field="MEDNEC_PUBLIC_URL")
        limit = text("MEDNEC_LIMIT_CONCURRENCY")
        if limit is not None and not (limit.isdigit() and 0 < int(limit) <= MAX_LIMIT_CONCURRENCY):
            raise ConfigError(f"must be a whole number from 1 to {MAX_LIMIT_CONCURRENCY}, got {limit[:40]!r}",
                              field="MEDNEC_LIMIT_CONCURRENCY")
        servers = _words(text("MEDNEC_FHIR_SERVERS"))
        for url in servers:
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"each server must start with http:// or https://, got {url[:40]!r}",
                                  field="MEDNEC_FHIR_SERVERS")
        profile = text("MEDNEC_PAYER_PROFILE")
        clients = text("MEDNEC_CDS_CLIENTS")
        dirs = environ.get("MEDNEC_PACKS_DIR", "")
        return cls(
            database_url=text("MEDNEC_DATABASE_URL"),
            secret_key=text("MEDNEC_SECRET_KEY"),
            max_body_bytes=int(body) if body is not None else DEFAULT_MAX_BODY,
            packs_dirs=tuple(Path(p.strip()).expanduser() for p in dirs.split(os.pathsep) if p.strip()),
            payer_profile=Path(profile).expanduser() if profile else None,
            cds_clients=Path(clients).expanduser() if clients else None,
            debug=text("MEDNEC_DEBUG") is not None,
            skip_migrate=text("MEDNEC_SKIP_MIGRATE") is not None,
            smtp_host=text("MEDNEC_SMTP_HOST"),
            smtp_port=int(port) if port is not None else 25,
            smtp_starttls=text("MEDNEC_SMTP_STARTTLS") is not None,
            smtp_user=text("MEDNEC_SMTP_USER"),
            smtp_password=text("MEDNEC_SMTP_PASSWORD"),
            mail_from=text("MEDNEC_MAIL_FROM") or "mednec@localhost",
            public_url=public.rstrip("/") if public else None,
            oidc_issuer=(text("MEDNEC_OIDC_ISSUER") or "").rstrip("/") or None,
            oidc_client_id=text("MEDNEC_OIDC_CLIENT_ID"),
            oidc_client_secret=text("MEDNEC_OIDC_CLIENT_SECRET"),
            audit_key=text("MEDNEC_AUDIT_KEY"),
            audit_anchor=Path(anchor).expanduser() if (anchor := text("MEDNEC_AUDIT_ANCHOR")) else None,
            audit_old_keys=_words(text("MEDNEC_AUDIT_OLD_KEYS")),
            fhir_servers=tuple(u.rstrip("/") for u in servers),
            cors_origins=cors_origins(text("MEDNEC_CORS_ORIGINS")),
            limit_concurrency=int(limit) if limit is not None else DEFAULT_LIMIT_CONCURRENCY,
        )


_ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?")


def cors_origins(value: str | None) -> tuple[str, ...]:
    """``MEDNEC_CORS_ORIGINS``: web origins exactly as a browser sends them in ``Origin`` (lower-case scheme and
    host, a port only when not the default, no path); a wildcard or anything else is a ConfigError."""
    out = []
    for origin in _words(value):
        if not _ORIGIN.fullmatch(origin):
            raise ConfigError(f"each origin must be scheme://host[:port] (lower case, no path, no wildcard), got "
                              f"{origin[:40]!r}", field="MEDNEC_CORS_ORIGINS")
        out.append(origin)
    return tuple(out)


def _words(value: str | None) -> tuple[str, ...]:
    """A list setting: items separated by commas or white space."""
    return tuple(w for w in (value or "").replace(",", " ").split() if w)


def audit_key() -> str | None:
    """``MEDNEC_AUDIT_KEY`` alone, as :func:`current` would give it: the audit log asks on every write,
    and one variable is read in about a microsecond where all of them take tens."""
    return os.environ.get("MEDNEC_AUDIT_KEY", "").strip() or None


def audit_old_keys() -> tuple[str, ...]:
    """``MEDNEC_AUDIT_OLD_KEYS`` alone (retired audit keys, for verification only)."""
    return _words(os.environ.get("MEDNEC_AUDIT_OLD_KEYS"))


def current() -> Settings:
    """The settings as the environment gives them now (read on every call: cheap, and tests and
    ``--packs-dir`` may change the environment)."""
    return Settings.from_env(os.environ)
