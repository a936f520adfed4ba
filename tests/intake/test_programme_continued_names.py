"""A GLP-1 renewal's lifestyle programme said to continue by its commercial name (held-out round 7 y24: "still on
the WW plan" was not read, so the continuation asked for it). Written before the change (helper text7): 4 names x 4
phrasings; a programme said to have stopped is not continued."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
NAMES = ["WW", "Weight Watchers", "Noom", "Optavia"]
SAID = ["still on the {p} plan", "continues {p}", "still doing {p}", "remains on the {p} program"]


def _cont(runtime: Runtime, text: str) -> object:
    v = understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"].get("lifestyle_continued")
    return v.get("value") if isinstance(v, dict) else v


@pytest.mark.parametrize(("p", "said"), list(itertools.product(NAMES, SAID)))
def test_continued_by_name(runtime: Runtime, p: str, said: str) -> None:
    assert _cont(runtime, f"Zepbound re-auth: lost 8% of baseline weight on 10 mg weekly, {said.format(p=p)}.") is True


@pytest.mark.parametrize("p", NAMES)
def test_stopped_is_not_continued(runtime: Runtime, p: str) -> None:
    assert _cont(runtime, f"Zepbound re-auth: lost 8% of baseline weight on 10 mg weekly, stopped {p} in June.") is not True
