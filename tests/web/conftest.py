"""Web app fixtures: an app on a temporary SQLite database with one user per role, and a
browser-like client per user (signed in through the sign-in form, cookies kept)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from mednec.api import Settings, create_app
from mednec.runtime import default_runtime
from mednec.store.service import Service
from tests.api.conftest import (  # noqa: F401 (a fresh database per backend; the API world on it)
    db_url,
    world,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
USERS = [
    ("req", "clinic-a", "requester", "Dr Ana Ruiz"),
    ("req_b", "clinic-b", "requester", "Dr Ben Okafor"),
    ("doc", "plan", "physician_reviewer", "Dr Maria Chen"),
    ("doc2", "plan", "physician_reviewer", "Dr Sam Patel"),
    ("author", "plan", "policy_author", "Pat Author"),
    ("auditor", "plan", "auditor", "Alex Auditor"),
    ("admin", "plan", "admin", "Ada Admin"),
]


class Clock:
    def __init__(self) -> None:
        self.t = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t


def example(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((EXAMPLES / name).read_text()))


class _Forms(HTMLParser):
    """The fields of every form on a page, as a browser would submit them by default."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get"), "fields": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        f = self._form["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    f[a["name"]] = a.get("value", "on")
            elif kind != "file":
                f[a["name"]] = a.get("value", "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            f.setdefault(self._select, "")
        elif tag == "option" and self._select is not None and "selected" in a:
            f[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            f[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form["fields"][self._textarea] += data


def form_fields(html: str, action: str) -> dict[str, Any]:
    """The default values of the first form posting to ``action``."""
    p = _Forms()
    p.feed(html)
    for f in p.forms:
        if f["action"] == action:
            return dict(f["fields"])
    raise AssertionError(f"no form with action {action!r}")


def text_of(html: str) -> str:
    """The visible text, whitespace collapsed (for assertions)."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&").replace("&#39;", "'")


@dataclass
class Web:
    app: Any
    service: Service
    clock: Clock
    keys: dict[str, str]
    users: dict[str, str]
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, who: str | None = None) -> TestClient:
        """A browser for ``who`` (signed in), or an anonymous one for None."""
        name = who or "anonymous"
        if name not in self.clients:
            c = TestClient(self.app, headers={"accept": "text/html"})
            if who is not None:
                sign_in(c, self.keys[who])
            self.clients[name] = c
        return self.clients[name]

    def submit_case(self, who: str, case: dict[str, Any], drug: str, **kw: Any) -> str:
        """Create a case and its evaluation through the service; the evaluation id."""
        p = self.service.accounts.authenticate(self.keys[who])
        c = self.service.cases.create_case(p, case, title=kw.pop("title", case.get("title", "")))
        return self.service.cases.evaluate(p, c.id, drug=drug, **kw).id


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def sign_in(client: TestClient, key: str) -> None:
    page = client.get("/sign-in")
    r = client.post("/sign-in", data={"csrf": csrf_of(page.text), "api_key": key, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    clock = Clock()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}", runtime=default_runtime(), now=clock))
    service: Service = app.state.service
    keys, users = {}, {}
    for who, org, role, name in USERS:
        u = service.accounts.add_user(org, name, role)
        keys[who], users[who] = service.accounts.create_key(u.id), u.id
    w = Web(app, service, clock, keys, users)
    yield w
    for c in w.clients.values():
        c.close()
    app.state.db.dispose()
