"""The engine benchmark measures every policy of every pack on cases that reach its criteria: for
each policy outside the MDS pack, variations of its own test cases, valid and spread over more than
one determination (a benchmark where every case stops at the first unknown would measure nothing)."""

from __future__ import annotations

import sys
from pathlib import Path

from mednec.engine.evaluate import evaluate
from mednec.runtime import default_runtime

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_engine import policy_cases  # noqa: E402


def test_every_policy_gets_cases_that_reach_its_criteria() -> None:
    rt = default_runtime()
    for policy in rt.catalog.policies():
        cases = policy_cases(rt, policy, 60)
        assert len(cases) == 60, policy.id
        pack = rt.catalog.pack_of(policy)
        verdicts = {evaluate(policy, f, pack, rt.dictionary, derived=True).determination for f in cases}
        assert len(verdicts) >= 2, (policy.id, verdicts)
    a = policy_cases(rt, rt.catalog.find_drug("luspatercept"), 5, seed=1)
    b = policy_cases(rt, rt.catalog.find_drug("luspatercept"), 5, seed=1)
    assert [dict(f.items()) for f in a] == [dict(f.items()) for f in b]  # deterministic
