"""A treatment course reads once: 'atorvastatin from 2026-06-01, ongoing', not '..., ongoing (response: ongoing)'.

Held out (written before the change): the Repatha letter's qualifying facts said 'Treatment history was
atorvastatin from 2026-06-01, ongoing (response: ongoing)'. A course still running whose recorded response
is itself 'ongoing' says so once; any other response is still shown, and a finished course keeps its response.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from mednec.render.article import ArticleSources
from mednec.render.formats import render_markdown
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "repatha-ascvd.yaml"


def _letter(history: list[dict[str, object]]) -> str:
    rt = default_runtime()
    raw = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    raw["facts"]["medication_history"] = history
    case = rt.parse_case(raw, as_of=dt.date(2026, 12, 1))
    policy = rt.catalog.find_drug("repatha")
    det = rt.evaluate(case.facts, policy)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name="c.yaml", case_title="t")
    return render_markdown(build_document(det, src, document="article", audience="clinician"))


def test_an_ongoing_course_says_ongoing_once() -> None:
    md = _letter([{"drug": "atorvastatin", "start": "2026-06-01", "response": "ongoing", "dose": 80, "dose_unit": "mg"}])
    assert "atorvastatin from 2026-06-01, ongoing" in md
    assert "(response: ongoing)" not in md


def test_another_response_is_still_shown() -> None:
    md = _letter([{"drug": "atorvastatin", "start": "2026-06-01", "end": "2026-09-01", "response": "intolerance",
                   "dose": 80, "dose_unit": "mg"}])
    assert "atorvastatin from 2026-06-01 to 2026-09-01 (response: intolerant)" in md
