"""One settings object (mednec.settings) owns every environment variable."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mednec.errors import ConfigError
from mednec.settings import DEFAULT_MAX_BODY, VARIABLES, Settings, current

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "mednec"

#: The only places besides settings.py that touch os.environ: the CLI passing values on to
#: child processes (``--packs-dir`` for the process and its workers; ``serve --workers``).
PASS_ON = {"cli/__init__.py", "cli/service.py"}


def test_defaults() -> None:
    s = Settings.from_env({})
    assert s == Settings()
    assert (s.database_url, s.secret_key, s.max_body_bytes, s.packs_dirs, s.payer_profile, s.debug,
            s.skip_migrate) == (None, None, DEFAULT_MAX_BODY, (), None, False, False)


def test_every_variable_is_read(tmp_path: Path) -> None:
    env = {
        "MEDNEC_DATABASE_URL": "postgresql://u@h/db",
        "MEDNEC_SECRET_KEY": " s3cret ",
        "MEDNEC_MAX_BODY_BYTES": "2048",
        "MEDNEC_PACKS_DIR": os.pathsep.join([str(tmp_path / "a"), " ", str(tmp_path / "b")]),
        "MEDNEC_PAYER_PROFILE": str(tmp_path / "payer.yaml"),
        "MEDNEC_CDS_CLIENTS": str(tmp_path / "clients.json"),
        "MEDNEC_DEBUG": "1",
        "MEDNEC_SKIP_MIGRATE": "yes",
        "MEDNEC_SMTP_HOST": "smtp.plan.example",
        "MEDNEC_SMTP_PORT": "587",
        "MEDNEC_SMTP_STARTTLS": "1",
        "MEDNEC_SMTP_USER": "mednec",
        "MEDNEC_SMTP_PASSWORD": "pw",
        "MEDNEC_MAIL_FROM": "reviews@plan.example",
        "MEDNEC_PUBLIC_URL": "https://mednec.plan.example/",
        "MEDNEC_OIDC_ISSUER": "https://login.plan.example/",
        "MEDNEC_OIDC_CLIENT_ID": "mednec",
        "MEDNEC_OIDC_CLIENT_SECRET": "oidc-secret",
        "MEDNEC_AUDIT_KEY": "audit-key",
        "MEDNEC_AUDIT_ANCHOR": str(tmp_path / "anchor.jsonl"),
        "MEDNEC_AUDIT_OLD_KEYS": "old-1, old-2",
        "MEDNEC_FHIR_SERVERS": "https://ehr.plan.example/fhir/ http://10.0.0.5:8080/fhir",
        "MEDNEC_LIMIT_CONCURRENCY": "64",
        "MEDNEC_CORS_ORIGINS": "https://ehr.plan.example, http://localhost:3000",
    }
    s = Settings.from_env(env)
    assert s == Settings("postgresql://u@h/db", "s3cret", 2048, (tmp_path / "a", tmp_path / "b"),
                         tmp_path / "payer.yaml", tmp_path / "clients.json", True, True,
                         "smtp.plan.example", 587, True, "mednec", "pw", "reviews@plan.example",
                         "https://mednec.plan.example", "https://login.plan.example", "mednec", "oidc-secret",
                         "audit-key", tmp_path / "anchor.jsonl", ("old-1", "old-2"),
                         ("https://ehr.plan.example/fhir", "http://10.0.0.5:8080/fhir"), 64,
                         ("https://ehr.plan.example", "http://localhost:3000"))
    assert {v.name for v in VARIABLES} == set(env)
    assert {v.field for v in VARIABLES} == set(Settings.__dataclass_fields__)


@pytest.mark.parametrize(("name", "raw"), [("MEDNEC_SMTP_PORT", "smtp"), ("MEDNEC_SMTP_PORT", "70000"),
                                           ("MEDNEC_PUBLIC_URL", "mednec.example"), ("MEDNEC_CORS_ORIGINS", "*"),
                                           ("MEDNEC_CORS_ORIGINS", "https://ehr.example/app"),
                                           ("MEDNEC_CORS_ORIGINS", "https://*.example"), ("MEDNEC_CORS_ORIGINS", "null")])
def test_bad_notification_settings_name_their_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.from_env({name: raw})
    assert exc.value.field == name


@pytest.mark.parametrize("raw", ["abc", "0", "-5", "1.5", "6 MiB"])
def test_a_bad_value_names_its_variable(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"MEDNEC_MAX_BODY_BYTES": raw})
    assert info.value.field == "MEDNEC_MAX_BODY_BYTES"


def test_empty_values_are_unset() -> None:
    assert Settings.from_env({v.name: "  " for v in VARIABLES}) == Settings()


def test_current_reads_the_environment_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDNEC_MAX_BODY_BYTES", "4096")
    assert current().max_body_bytes == 4096
    monkeypatch.delenv("MEDNEC_MAX_BODY_BYTES")
    assert current().max_body_bytes == DEFAULT_MAX_BODY


def _environ_uses(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr in ("environ", "getenv")
            and isinstance(n.value, ast.Name) and n.value.id == "os"]


def test_nothing_else_reads_the_environment() -> None:
    found = {str(p.relative_to(SRC)): _environ_uses(p) for p in SRC.rglob("*.py") if "packs" not in p.relative_to(SRC).parts}
    users = {k for k, v in found.items() if v}
    assert users - PASS_ON == {"settings.py"}


def test_the_readme_lists_every_variable() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `MEDNEC_")]
    assert [r.split("`")[1] for r in rows] == [v.name for v in VARIABLES]


def test_serve_with_workers_passes_values_to_the_children_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.cli.service import worker_command

    monkeypatch.delenv("MEDNEC_SKIP_MIGRATE", raising=False)
    before = dict(os.environ)
    argv, env = worker_command("0.0.0.0", 9000, 4, "sqlite:////tmp/x.db")
    assert argv[1:4] == ["-m", "uvicorn", "mednec.api.server:app"] and argv[argv.index("--workers") + 1] == "4"
    assert env["MEDNEC_DATABASE_URL"] == "sqlite:////tmp/x.db" and env["MEDNEC_SKIP_MIGRATE"] == "1"
    assert dict(os.environ) == before


def test_importing_the_server_module_builds_nothing() -> None:
    import mednec.api.server as server

    assert server._app is None  # noqa: SLF001 - built by uvicorn's first getattr
    with pytest.raises(AttributeError):
        _ = server.no_such_name


def test_the_cli_reports_a_bad_setting() -> None:
    env = {**os.environ, "MEDNEC_MAX_BODY_BYTES": "lots", "PYTHONPATH": str(ROOT / "src")}
    env.pop("MEDNEC_DEBUG", None)
    r = subprocess.run([sys.executable, "-m", "mednec", "packs", "list"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 3
    assert "MEDNEC_MAX_BODY_BYTES" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("raw", [None, "", "   ", "k", "  secret with spaces  "])
def test_the_audit_key_alone_reads_as_current_does(raw: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.settings import audit_key

    if raw is None:
        monkeypatch.delenv("MEDNEC_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("MEDNEC_AUDIT_KEY", raw)
    assert audit_key() == current().audit_key
