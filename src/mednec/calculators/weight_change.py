"""Percent change from a baseline (weight on a GLP-1 or GLP-1/GIP agonist).

change % = (current − baseline) / baseline × 100; a loss is negative (102 kg → 99 kg is
−2.94 %). For a continuation review the baseline is the weight documented *before any*
GLP-1 or GLP-1/GIP agonist was started, not the weight when the current plan began (payer
wording; the pack's policies cite it). ``percent_loss`` is the same figure with the sign
turned, the way policies state "at least 5 % weight loss".
"""

from __future__ import annotations

__all__ = ["percent_change", "percent_loss"]


def percent_change(baseline: float, current: float) -> float:
    """Percent change from ``baseline`` to ``current`` (negative = a fall).

    >>> round(percent_change(102, 99), 2)
    -2.94
    """
    if baseline <= 0:
        raise ValueError("the baseline must be positive")
    return (current - baseline) / baseline * 100.0


def percent_loss(baseline: float, current: float) -> float:
    """Percent lost from ``baseline`` (positive = a loss): 102 kg → 99 kg is 2.94."""
    return -percent_change(baseline, current)
