"""The text report (``mednec evaluate``, ``mednec ask``) names facts, criteria and pathways in
words (helper docs7, following the README's first command).

Seen on ``mednec evaluate examples/luspatercept-first-line.yaml --drug Reblozyl``: evidence lines
"ipss r category = low", "rbc units 8w = 4 units", "esa status = naive" (the fact ids with spaces),
"calculated: esa_response: ...", the assumptions' "(not_immediate_correction: ...)", the inferences'
"(symptomatic_anemia)" and "What would change the answer" as "[first_line] epo_or_rs_first_line: ...".
For every policy's first test case of each determination: no snake_case word in the report.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from mednec.render.terminal import print_determination
from mednec.runtime import default_runtime

from .test_every_policy_letter import CASES

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


@pytest.mark.parametrize(("policy_id", "want", "path"), CASES, ids=[f"{p}-{w}" for p, w, _ in CASES])
def test_text_report_has_no_ids(policy_id: str, want: str, path: Path) -> None:
    rt = default_runtime()
    raw = yaml.safe_load(path.read_text("utf-8"))
    as_of = raw.get("as_of")
    case = rt.parse_case(raw["case"], as_of=as_of if isinstance(as_of, dt.date) else None)
    det = rt.evaluate(case.facts, rt.catalog.policy(policy_id), phase=raw.get("phase", "initial"),
                      variant=raw.get("variant"))
    console = Console(record=True, width=400, color_system=None)
    print_determination(det, console, {k: fd.label for k, fd in rt.dictionary.facts.items()})
    text = console.export_text()
    text = re.sub(r"https?://\S+|\S+\.(?:yaml|json)\b", "FILE", text)  # file names and addresses may have them
    assert SNAKE.findall(text) == [], sorted(set(SNAKE.findall(text)))[:10]
