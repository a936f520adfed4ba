"""Attack: markup smuggled through a CDS Hooks call into the cards mednec returns.

A card's ``detail`` is Markdown the EHR renders for the clinician; what mednec writes there about the
record (a resource that could not be read and why, an error reading the record) quotes the EHR's
data: resource ids, unit codes, texts. A hostile value (``<script>``, ``<img onerror>``, a
``[link](javascript:...)``, a backtick that closes a code span, a line break that starts a heading)
must arrive as text: no raw HTML tag and no link of the caller's making in any card.

First contact (2026-12-07, 01:36 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mednec.fhir.crd import handle_hook
from mednec.runtime import Runtime, default_runtime

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
EVIL = ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>", "[click](javascript:alert(3))",
        "`` <b>x</b> ``", "x\n# Approved by the plan\n"]


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return default_runtime()


def _no_fetch(url: str, token: str | None) -> Any:
    raise TimeoutError("no network in the tests")


def _request() -> dict[str, Any]:
    return json.loads((FIXTURES / "cds-order-sign-request.json").read_text())


def _markup(cards: list[dict[str, Any]]) -> list[str]:
    text = "\n".join(str(c.get(k)) for c in cards for k in ("summary", "detail"))
    return [bad for bad in ("<script", "<img", "<b>", "](javascript:", "\n# Approved") if bad in text]


def _first_observation(req: dict[str, Any]) -> dict[str, Any]:
    return req["prefetch"]["observations"]["entry"][0]["resource"]  # type: ignore[no-any-return]


SETTERS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "resource id": lambda r, v: _first_observation(r).__setitem__("id", v),
    "unit code": lambda r, v: _first_observation(r).__setitem__(
        "valueQuantity", {"value": 81, "unit": v, "system": "http://unitsofmeasure.org", "code": v}),
    "status": lambda r, v: _first_observation(r).__setitem__("status", v),
    "patient birth date": lambda r, v: r["prefetch"]["patient"].__setitem__("birthDate", v),
    "patient gender": lambda r, v: r["prefetch"]["patient"].__setitem__("gender", v),
}


@pytest.mark.parametrize("where", list(SETTERS))
@pytest.mark.parametrize("evil", EVIL)
def test_no_markup_from_the_record_reaches_a_card(runtime: Runtime, where: str, evil: str) -> None:
    req = _request()
    SETTERS[where](req, evil)
    cards = handle_hook(req, runtime, fetch=_no_fetch)["cards"]
    assert cards
    assert _markup(cards) == [], [c["detail"][-400:] for c in cards]
