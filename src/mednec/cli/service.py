"""Service commands: `mednec serve`, `users add`, `keys create`, `audit verify`, `db upgrade`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from mednec.errors import InputError
from mednec.settings import current

__all__ = ["register", "worker_command"]


def worker_command(host: str, port: int, workers: int, database_url: str | None,
                   limit_concurrency: int | None = None) -> tuple[list[str], dict[str, str]]:
    """uvicorn with several workers (they import ``mednec.api.server:app``): the command and the
    environment it runs in. The values reach the workers through that child environment, passed
    explicitly; this process's own environment is not changed."""
    argv = [sys.executable, "-m", "uvicorn", "mednec.api.server:app", "--host", host, "--port", str(port),
            "--workers", str(workers), "--log-level", "info", "--no-access-log", *_http_option(),
            "--limit-concurrency", str(limit_concurrency or current().limit_concurrency)]
    env = {**os.environ, "MEDNEC_SKIP_MIGRATE": "1"}  # migrated once, before the workers start
    if database_url:
        env["MEDNEC_DATABASE_URL"] = database_url
    return argv, env


def _http_option() -> list[str]:
    """uvicorn's ``--http`` for the workers: the protocol of :func:`mednec.api.server.uvicorn_options`."""
    from mednec.api.server import HTTP_PROTOCOL, uvicorn_options

    return ["--http", HTTP_PROTOCOL] if uvicorn_options()["http"] != "h11" else ["--http", "h11"]


def _service(database_url: str | None):  # type: ignore[no-untyped-def]
    from mednec.runtime import default_runtime
    from mednec.store.db import Database
    from mednec.store.service import Service

    db = Database(database_url)
    db.upgrade()
    return Service(db, default_runtime())


DbOpt = Annotated[str | None, typer.Option("--database-url", envvar="MEDNEC_DATABASE_URL",
                                           help="SQLAlchemy URL (default: SQLite in the user data directory).")]


def register(app: typer.Typer) -> None:
    """Add the service commands to the CLI."""
    users = typer.Typer(help="Manage users of the service.", no_args_is_help=True)
    keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
    audit = typer.Typer(help="The audit log.", no_args_is_help=True)
    db = typer.Typer(help="The database.", no_args_is_help=True)
    app.add_typer(users, name="users")
    app.add_typer(keys, name="keys")
    app.add_typer(audit, name="audit")
    app.add_typer(db, name="db")
    register_outbox(app)

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
        workers: Annotated[int, typer.Option(help="Worker processes: keep 1 on SQLite (one writer at a time); about one per core on PostgreSQL.")] = 1,
        database_url: DbOpt = None,
        limit_concurrency: Annotated[int | None, typer.Option(
            min=1, max=65536, help="Connections and requests each worker holds at once; past it, 503 "
                                  "(default: MEDNEC_LIMIT_CONCURRENCY, else 512).")] = None,
    ) -> None:
        """Run the REST API (and, where installed, the CDS Hooks service and web app)."""
        from mednec.store.db import Database

        limit = limit_concurrency or current().limit_concurrency  # a bad setting stops here, before anything runs
        Database(database_url).upgrade()  # migrate once, before workers start
        if workers == 1:
            import uvicorn

            from mednec.api.app import Settings
            from mednec.api.server import build, uvicorn_options

            uvicorn.run(build(Settings(database_url=database_url, migrate=False)), host=host, port=port,
                        log_level="info", access_log=False, **uvicorn_options(limit))
            return
        from mednec.api.app import Settings, create_app

        # the checks every worker makes at start (a stored policy version with other logic stops it), made
        # once here so the command fails with the reason instead of each worker failing
        create_app(Settings(database_url=database_url, migrate=False)).state.db.dispose()
        argv, env = worker_command(host, port, workers, database_url, limit)
        raise typer.Exit(subprocess.call(argv, env=env))

    @users.command("add")
    def users_add(
        org: Annotated[str, typer.Option(help="Organisation id (created if new).")],
        name: Annotated[str, typer.Option(help="Display name.")],
        role: Annotated[str, typer.Option(help="requester | physician_reviewer | policy_author | auditor | admin")],
        system: Annotated[bool, typer.Option("--system", help="An admin of every organisation (else an admin "
                                                              "manages its own organisation's users only).")] = False,
        database_url: DbOpt = None,
    ) -> None:
        """Create a user; prints its id."""
        u = _service(database_url).accounts.add_user(org, name, role, system_admin=system)
        sys.stdout.write(json.dumps({"id": u.id, "org": u.org_id, "name": u.name, "role": u.role,
                                     "system_admin": u.system_admin}) + "\n")

    @users.command("set-password")
    def users_set_password(
        user_id: Annotated[str, typer.Argument(help="User id from `mednec users add`.")],
        username: Annotated[str, typer.Option(help="The name the person signs in with (lower-cased, no spaces).")],
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the password from standard input instead of asking twice.")] = False,
        database_url: DbOpt = None,
    ) -> None:
        """Give a person a username and password for the web pages (at least 12 characters; replaces
        an earlier one, ends its browser sessions and clears a lockout). Only the Argon2id hash is stored."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        _service(database_url).accounts.set_password(user_id, username, password)
        sys.stdout.write(json.dumps({"id": user_id, "username": username.strip().lower()}) + "\n")

    @users.command("link-sso")
    def users_link_sso(
        user_id: Annotated[str, typer.Argument(help="User id from `mednec users add`.")],
        subject: Annotated[str, typer.Option(help="The person's subject ('sub') at the OpenID Connect provider.")],
        issuer: Annotated[str | None, typer.Option(help="The provider's issuer URL (default: MEDNEC_OIDC_ISSUER).")] = None,
        database_url: DbOpt = None,
    ) -> None:
        """Let a person sign in through single sign-on: link their OpenID Connect identity to the user."""
        import datetime as dt

        from mednec.settings import current
        from mednec.store import identities

        iss = (issuer or current().oidc_issuer or "").rstrip("/")
        identities.link(_db(database_url), user_id, iss, subject, now=dt.datetime.now(dt.UTC))
        sys.stdout.write(json.dumps({"id": user_id, "issuer": iss, "subject": subject}) + "\n")

    @users.command("list")
    def users_list(database_url: DbOpt = None) -> None:
        """List users."""
        for u in _service(database_url).accounts.list_users():
            sys.stdout.write(json.dumps({"id": u.id, "org": u.org_id, "name": u.name, "role": u.role}) + "\n")

    @keys.command("create")
    def keys_create(
        user_id: Annotated[str, typer.Argument(help="User id from `mednec users add`.")],
        database_url: DbOpt = None,
    ) -> None:
        """Create an API key for a user; the key is shown once, only its hash is stored (its id, for
        `keys revoke`, goes to standard error)."""
        key_id, key = _service(database_url).accounts.issue_key(user_id)
        sys.stdout.write(key + "\n")
        sys.stderr.write(f"key id: {key_id}\n")

    @keys.command("list")
    def keys_list(
        user_id: Annotated[str, typer.Argument(help="User id.")],
        database_url: DbOpt = None,
    ) -> None:
        """A user's API keys: id, first characters, created, revoked (never the key)."""
        for k in _service(database_url).accounts.user_keys(user_id):
            sys.stdout.write(json.dumps({"id": k.id, "prefix": k.prefix, "created_at": k.created_at.isoformat(),
                                         "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None}) + "\n")

    @keys.command("revoke")
    def keys_revoke(
        key_id: Annotated[str, typer.Argument(help="Key id (from `keys create` or `keys list`).")],
        database_url: DbOpt = None,
    ) -> None:
        """Revoke an API key; it stops working at once (also in running servers), and browser
        sessions of its user end."""
        k = _service(database_url).accounts.revoke_key(key_id)
        sys.stdout.write(json.dumps({"id": k.id, "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None})
                         + "\n")

    @audit.command("verify")
    def audit_verify(
        database_url: DbOpt = None,
        anchor: Annotated[Path | None, typer.Option(
            help="Signed checkpoints to check the chains against (default: MEDNEC_AUDIT_ANCHOR; needs MEDNEC_AUDIT_KEY).")] = None,
    ) -> None:
        """Check the audit hash chains (keyed entries under MEDNEC_AUDIT_KEY), and the signed checkpoints kept
        outside the database when an anchor file is given or set; exit 1 if any entry was edited, deleted or
        reordered, a keyed entry cannot be checked, or an anchored entry is gone."""
        from mednec.settings import current
        from mednec.store.audit import schemes

        service = _service(database_url)
        count, problems = service.audit_log.verify()
        for p in problems:
            sys.stdout.write(f"seq {p.seq}: {p.problem}\n")
        sys.stdout.write(f"{count} entries; {'chain intact' if not problems else f'{len(problems)} problem(s)'}\n")
        with service.db.reading() as session:
            kinds = schemes(session)
        sys.stdout.write(f"{kinds['keyed']} keyed (HMAC-SHA256), {kinds['plain']} unkeyed (plain SHA-256: whoever can "
                         "write to the database can recompute them)\n" if kinds["plain"] else
                         f"{kinds['keyed']} keyed (HMAC-SHA256)\n")
        if not current().audit_key:
            sys.stdout.write("MEDNEC_AUDIT_KEY is not set: new entries are written unkeyed\n")
        anchor = anchor or current().audit_anchor
        if anchor is not None and str(anchor) == "-":
            from mednec.cli.common import case_path

            case_path(anchor, "--anchor")
        bad = len(problems)
        if anchor is not None:
            from mednec.store.anchor import verify_anchor

            with service.db.reading() as session:
                retired = [k.encode() for k in current().audit_old_keys]
                checkpoints, anchored = verify_anchor(session, [_audit_key(), *retired], anchor)
            for a in anchored:
                sys.stdout.write(f"{a.problem}\n")
            sys.stdout.write(f"{checkpoints} checkpoint(s) in {anchor}; "
                             f"{'every anchored entry present' if not anchored else f'{len(anchored)} problem(s)'}\n")
            bad += len(anchored)
        raise typer.Exit(0 if not bad else 1)

    @audit.command("checkpoint")
    def audit_checkpoint(
        database_url: DbOpt = None,
        anchor: Annotated[Path | None, typer.Option(
            help="The anchor file to append to (default: MEDNEC_AUDIT_ANCHOR).")] = None,
    ) -> None:
        """Append a signed checkpoint of every audit chain's newest entry to the anchor file (run it
        often, e.g. every minute from cron; needs MEDNEC_AUDIT_KEY)."""
        import datetime as dt

        from mednec.settings import current
        from mednec.store.anchor import write_checkpoint

        path = anchor or current().audit_anchor
        if path is None:
            raise InputError("give --anchor FILE or set MEDNEC_AUDIT_ANCHOR", field="--anchor")
        service = _service(database_url)
        with service.db.reading() as session:
            cp = write_checkpoint(session, _audit_key(), path, dt.datetime.now(dt.UTC))
        sys.stdout.write(f"checkpoint of {cp['entries']} entries written to {path}\n")

    @db.command("upgrade")
    def db_upgrade(database_url: DbOpt = None) -> None:
        """Apply the database migrations (also done by `serve`)."""
        from mednec.store.db import Database

        d = Database(database_url)
        d.upgrade()
        sys.stdout.write(f"database at revision {d.current_revision()}\n")


def _audit_key() -> bytes:
    from mednec.settings import current

    key = current().audit_key
    if not key:
        raise InputError("set MEDNEC_AUDIT_KEY (the secret that signs audit checkpoints)", field="MEDNEC_AUDIT_KEY")
    return key.encode()


def _db(database_url: str | None):  # type: ignore[no-untyped-def]
    from mednec.store.db import Database

    d = Database(database_url)
    d.upgrade()
    return d


def register_outbox(app: typer.Typer) -> None:
    """``mednec outbox configure`` and ``mednec outbox deliver``: notifications of decisions."""
    outbox_app = typer.Typer(help="Notifications when a decision is made (e-mail and signed webhooks).",
                             no_args_is_help=True)
    app.add_typer(outbox_app, name="outbox")

    @outbox_app.command("configure")
    def outbox_configure(
        org: Annotated[str, typer.Argument(help="Organisation id.")],
        email: Annotated[str | None, typer.Option(help="Address that gets an e-mail per decision.")] = None,
        webhook_url: Annotated[str | None, typer.Option(help="URL that gets a signed JSON POST per decision.")] = None,
        secret_stdin: Annotated[bool, typer.Option(
            "--webhook-secret-stdin", help="Read the webhook's signing secret (16+ characters) from standard input.")] = False,
        database_url: DbOpt = None,
    ) -> None:
        """Set where an organisation hears of decisions (an option left out clears that channel)."""
        from mednec.store import outbox

        webhook_secret = sys.stdin.readline().strip() if secret_stdin else None

        outbox.configure(_db(database_url), org, email_to=email, webhook_url=webhook_url, webhook_secret=webhook_secret)
        sys.stdout.write(json.dumps({"org": org, "email": bool(email), "webhook": bool(webhook_url)}) + "\n")

    @outbox_app.command("deliver")
    def outbox_deliver(
        loop: Annotated[float, typer.Option(help="Keep delivering, checking every this many seconds (0: once).")] = 0.0,
        database_url: DbOpt = None,
    ) -> None:
        """Send the notifications that are due: e-mail through MEDNEC_SMTP_HOST, webhooks signed with
        HMAC-SHA256; failures are retried with growing waits. Prints the counts as JSON."""
        import datetime as dt
        import time

        from mednec.settings import current
        from mednec.store import outbox

        d = _db(database_url)
        while True:
            counts = outbox.deliver(d, current(), lambda: dt.datetime.now(dt.UTC))
            sys.stdout.write(json.dumps(counts) + "\n")
            sys.stdout.flush()
            if loop <= 0:
                return
            time.sleep(loop)
