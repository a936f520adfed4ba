"""Schemathesis against the OpenAPI description (bounded): no request may produce a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from mednec.api import Settings, create_app
from mednec.runtime import default_runtime

_state: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    db = tmp_path_factory.mktemp("fuzz") / "mednec.db"
    app = create_app(Settings(database_url=f"sqlite:///{Path(db)}", runtime=default_runtime()))
    svc = app.state.service
    admin = svc.accounts.add_user("plan", "admin", "admin")
    _state["key"] = svc.accounts.create_key(admin.id)
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    app.state.db.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {_state['key']}"}, checks=[not_a_server_error])
