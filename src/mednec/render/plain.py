"""The patient's facts in words: 'Your hemoglobin, the protein in red blood cells that carries
oxygen, was 8.1 on 10 November 2026.' (``templates/phrases.yaml`` ``fact_plain``). A fact without
wording there is not listed: a patient list carries no codes, units or abbreviations it cannot
explain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mednec.engine.determination import Determination
from mednec.facts.dictionary import FactDictionary
from mednec.render.cites import CiteIndex
from mednec.render.model import Cited
from mednec.render.phrases import phrases
from mednec.render.values import long_date

__all__ = ["facts_in_words"]


def _sentence(entry: Any, value: Any, label: str, when: dt.date | None) -> str | None:
    if isinstance(value, bool):
        text = entry.get("yes" if value else "no")
    elif isinstance(value, int | float):
        text = entry.get("any")
    else:
        text = entry.get(str(value)) or entry.get("any")
    if not text:
        return None
    text = str(text)
    if "{date}" in text and when is None:
        text = text.replace(" on {date}", "").replace(" before {date}", "")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    n, n1, n0 = (f"{round(float(value), d):g}" if number else "" for d in (2, 1, 0))
    return text.format(n=n, n1=n1, n0=n0, value=label, date=long_date(when) if when else "")


def facts_in_words(det: Determination, dictionary: FactDictionary, cites: CiteIndex) -> tuple[Cited, ...]:
    """One plain sentence per fact that has wording, in the determination's fact order."""
    words = phrases()["fact_plain"]
    out = []
    for fv in det.facts:
        entry = words.get(fv.fact)
        if not entry:
            continue
        fd = dictionary.facts.get(fv.fact)
        label = fd.values[str(fv.value)].label if fd and fd.values and str(fv.value) in fd.values else str(fv.value)
        text = _sentence(entry, fv.value, label, fv.observed)
        if text:
            out.append(Cited(text))
    return tuple(out)
