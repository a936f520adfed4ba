"""One reading of a MedicationRequest (intake.fhir.medication.read_order) serves both the ESA courses
and the treatment history: the same orders refused, the same period and reasons, and the same error
path naming the dosage instruction that holds a bad date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.errors import CaseFormatError
from mednec.intake.fhir.common import NotMapped, Source
from mednec.intake.fhir.medication import Order, read_order

SRC = Source(3, "MedicationRequest/r")


def _order(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"resourceType": "MedicationRequest", "id": "r", "status": "stopped", "intent": "order",
                            "authoredOn": "2026-01-05", "statusReason": {"text": "no response"}}  # 0..1 in R4
    return {**base, **over}


@pytest.mark.parametrize("status", ["draft", "cancelled", "entered-in-error"])
def test_orders_never_given_are_refused(status: str) -> None:
    with pytest.raises(NotMapped, match=f"status is {status}: never given"):
        read_order(_order(status=status), SRC)


@pytest.mark.parametrize("intent", ["proposal", "plan"])
def test_proposals_and_plans_are_refused(intent: str) -> None:
    with pytest.raises(NotMapped, match=f"intent is {intent}: not an order"):
        read_order(_order(intent=intent), SRC)


def test_the_period_is_the_first_bounds_given_else_authored_on() -> None:
    two = [{"timing": {"repeat": {}}},
           {"timing": {"repeat": {"boundsPeriod": {"start": "2026-02-01", "end": "2026-04-30"}}}}]
    assert read_order(_order(dosageInstruction=two), SRC) == Order(
        "stopped", dt.datetime(2026, 2, 1), dt.datetime(2026, 4, 30), ["no response"])
    assert read_order(_order(), SRC) == Order("stopped", dt.datetime(2026, 1, 5), None, ["no response"])
    assert read_order(_order(status="active", statusReason=None, authoredOn=None), SRC) == Order(
        "active", None, None, [])


def test_a_bad_date_names_its_dosage_instruction() -> None:
    bad = [{"timing": {"repeat": {"boundsPeriod": {"start": "2026-02-01"}}}},
           {"timing": {"repeat": {"boundsPeriod": {"end": "31/04/2026"}}}}]
    with pytest.raises(CaseFormatError) as err:
        read_order(_order(dosageInstruction=bad), SRC)
    assert err.value.field == "entry[3].resource(MedicationRequest/r).dosageInstruction[1]"
