"""Family test (held-out round 4, f01, fn04, fn05): transfusion logs written as clinicians write them.
"sEPO 500 U/L. Hb 84 g/L. PRBC 1u on 10/20/26 and 1u on 11/17/26" lost the serum EPO, the hemoglobin and the
first transfusion (the rule for "N units ... on DATE" took "500 U" of the EPO's "U/L" as units of blood and
ran across the sentence end to the date), giving a confident "does not meet" for Reblozyl with 2 units in 8
weeks; "11/01/2026 - PRBC x2" (fn04, a wrong "does not meet" for Revlimid) and "02/20/2026 2u" (fn05) were
not read. Every form below gives the dated units; a concentration in U/L or an ESA dose on a date is no
transfusion."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
D1, D2 = dt.date(2026, 10, 20), dt.date(2026, 11, 17)
DATE_FORMS = ["{m}/{d}/2026", "{m}/{d}/26", "2026-{m:02d}-{d:02d}"]
#: a transfusion log entry: (form, units) with {date}
ENTRIES = [("{date} {n}u", None), ("{date} {n} units", None), ("{date} - PRBC x{n}", None), ("{date}: pRBC x {n}", None),
           ("{date} PRBC ×{n}", None), ("{n}u on {date}", None), ("{n} units PRBC on {date}", None)]
LEADS = ["Reblozyl for MDS IPSS-R low, sEPO 500 U/L. Hb 84 g/L. Transfusions: ",
         "Reblozyl for MDS IPSS-R low. EPO 210 mU/mL, Hb 8.1 g/dL. PRBC ",
         "Reblozyl for MDS IPSS-R low, s-EPO 90 IU/L, Hgb 8.0; transfusion log: "]


def _read(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return dict(u.case["facts"])


def _date(form: str, d: dt.date) -> str:
    return form.format(m=d.month, d=d.day)


CASES = [(lead + entry.format(date=_date(df, D1), n=n) + " and " + entry.format(date=_date(df, D2), n=n), n)
         for lead, (entry, _), df, n in itertools.product(LEADS, ENTRIES, DATE_FORMS, (1, 2))]


@pytest.mark.parametrize(("text", "n"), CASES)
def test_each_dated_entry_is_read_with_the_labs_before_it(runtime: Runtime, text: str, n: int) -> None:
    facts = _read(text, runtime)
    events = sorted((e["date"], e["units"]) for e in facts.get("rbc_transfusions") or [])  # type: ignore[attr-defined]
    assert events == [(D1, n), (D2, n)]
    assert "serum_epo" in facts and "hemoglobin" in facts


@pytest.mark.parametrize("text", [
    "Procrit for MDS IPSS-R low: EPO 500 U/L on 10/20/2026, Hb 8.1",
    "Procrit for MDS IPSS-R low: Procrit 40000 units on 10/20/2026, Hb 8.1",
    "Aranesp for MDS: 10/20/2026 EPO 48 U/L, Hb 9.1",
])
def test_concentrations_and_esa_doses_are_no_transfusions(runtime: Runtime, text: str) -> None:
    assert not _read(text, runtime).get("rbc_transfusions")
