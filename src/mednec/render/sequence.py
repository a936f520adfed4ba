"""Where a drug's pathways sit in the pack's treatment sequence: one model for the bottom line,
the pathway table and the treatment-sequence table, so they cannot disagree.

The pack lists the guideline sequence as steps, each naming the policies it holds (``pack.yaml``
``sequence``). A pathway's ``line`` is the line of therapy it stands for (1 = first-line). A
policy listed at one step has all its pathways there; a policy listed at several steps has its
line-k pathways at the k-th of those steps (the last one when it has fewer steps than lines).
With the MDS pack: luspatercept's first-line (ESA-naive) pathway is step 2, its after-ESA
pathway step 3; both imetelstat pathways are step 3; lenalidomide is step 1.
"""

from __future__ import annotations

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.policies.model import Pack, Policy

__all__ = ["pathway_steps", "step_verdict"]


def pathway_steps(pack: Pack, policy: Policy) -> dict[str, int]:
    """pathway id -> the 1-based step of the pack's sequence it sits at (none when the pack's
    sequence does not list the policy)."""
    steps = [i for i, s in enumerate(pack.sequence, start=1) if policy.id in s.policies]
    if not steps:
        return {}
    return {p.id: steps[min(max(p.line, 1), len(steps)) - 1] for p in policy.pathways}


def step_verdict(steps: dict[str, int], statuses: dict[str, str], step: int) -> str | None:
    """A drug's result at one step from its pathways' statuses there (met / not_met / unknown):
    meets when a pathway at this step is met, does not meet when every one is not met,
    insufficient information otherwise; None when no pathway sits at this step or none was judged."""
    here = [statuses[p] for p, s in steps.items() if s == step and p in statuses]
    if not here:
        return None
    if "met" in here:
        return MEETS
    if all(v == "not_met" for v in here):
        return NOT_MET
    return INSUFFICIENT
