"""A value now said before the value it rose from ("Procrit started 9/8/26, Hb now 10.4 from 8.6"; the brief's
renewal example for the ESA course start): the second value is the pre-treatment hemoglobin, so the rise of the
ESA policies' continuation criterion esa_response (>= 1.5 g/dL) is computed. 10.4 - 8.6 = 1.8 meets; 9.6 - 8.6 =
1.0 with nothing said of transfusions is asked, never a "does not meet"."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
START = ["Procrit renewal: Procrit started 9/8/26,", "Aranesp renewal - started Aranesp 09/08/2026;"]
SAID = ["Hb now {now} from {was}.", "Hgb now {now}, up from {was}.", "hemoglobin is now {now} g/dL from {was} g/dL.",
        "Hb currently {now} from {was}."]


@pytest.mark.parametrize(("start", "said"), list(itertools.product(START, SAID)))
def test_now_from(runtime: Runtime, start: str, said: str) -> None:
    a = answer(f"{start} {said.format(now='10.4', was='8.6')}", runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert d.fact_set["hemoglobin"].value == pytest.approx(10.4)
    assert d.fact_set["hemoglobin_baseline"].value == pytest.approx(8.6)
    assert d.fact_set["hemoglobin_rise"].value == pytest.approx(1.8)
    assert d.determination == "meets_criteria"


@pytest.mark.parametrize(("start", "said"), list(itertools.product(START, SAID)))
def test_small_rise_is_asked(runtime: Runtime, start: str, said: str) -> None:
    a = answer(f"{start} {said.format(now='9.6', was='8.6')}", runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None and d.determination == "insufficient_information"
