"""Dutch Lipid Clinic Network (DLCN) score for heterozygous familial hypercholesterolemia.

Nordestgaard BG, Chapman MJ, Humphries SE, et al. Familial hypercholesterolaemia is
underdiagnosed and undertreated in the general population. Eur Heart J 2013;34(45):3478-3490
(Table 1). Only the highest-scoring item of each group counts:

============================  =========================================================  ======
group                         item                                                        points
============================  =========================================================  ======
family history                first-degree relative with premature coronary or vascular     1
                              disease (men < 55, women < 60 years), or with LDL-C above
                              the 95th percentile
                              first-degree relative with tendon xanthoma or arcus           2
                              cornealis, or a child under 18 with LDL-C above the 95th
                              percentile
clinical history              premature coronary heart disease (men < 55, women < 60)       2
                              premature cerebral or peripheral vascular disease             1
physical examination          tendon xanthoma                                               6
                              arcus cornealis before age 45                                 4
untreated LDL-C (mmol/L)      ≥ 8.5                                                          8
                              6.5 – 8.4                                                      5
                              5.0 – 6.4                                                      3
                              4.0 – 4.9                                                      1
DNA analysis                  causative variant in LDLR, APOB or PCSK9                      8
============================  =========================================================  ======

Diagnosis: definite > 8, probable 6 – 8, possible 3 – 5, unlikely < 3.

The score is computed in mmol/L (the canonical unit of the table); a value in mg/dL is
divided by 38.67. Each band starts at its printed lower bound and a value between two printed
bands takes the lower one (8.45 mmol/L scores 5, exactly 8.5 scores 8; 4.96 scores 1), so the
mmol/L bands fall at 154.7, 193.4, 251.4 and 328.7 mg/dL (mednec editorial decision: the two
published mg/dL versions of the table disagree at these edges).

Undocumented items: :func:`dlcn` returns the lowest and highest score the documented items
allow (an undocumented item counts 0 for the minimum and its full points for the maximum), so
a policy can decide "score ≥ 6" when the documented items already reach it and ask for the
rest only when they could change the answer.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["DLCN_CITATION", "DlcnItems", "DlcnScore", "dlcn", "dlcn_category", "ldl_points"]

DLCN_CITATION = "nordestgaard-2013"
_MG_PER_MMOL = 38.67


class DlcnItems(NamedTuple):
    """The DLCN items; ``None`` means not documented."""

    relative_premature_cvd_or_high_ldl: bool | None = None
    relative_xanthoma_or_child_high_ldl: bool | None = None
    premature_chd: bool | None = None
    premature_cerebral_or_peripheral_vd: bool | None = None
    tendon_xanthoma: bool | None = None
    arcus_before_45: bool | None = None
    untreated_ldl_mmol: float | None = None
    causative_variant: bool | None = None


class DlcnScore(NamedTuple):
    """The score's bounds: equal when every item is documented."""

    minimum: int
    maximum: int

    @property
    def complete(self) -> bool:
        return self.minimum == self.maximum


def ldl_points(ldl_mmol: float) -> int:
    """Points for an untreated LDL-C in mmol/L."""
    x = ldl_mmol + 1e-9
    if x >= 8.5:
        return 8
    if x >= 6.5:
        return 5
    if x >= 5.0:
        return 3
    if x >= 4.0:
        return 1
    return 0


def ldl_mmol_from_mg(mg_dl: float) -> float:
    """mg/dL -> mmol/L for cholesterol (÷ 38.67)."""
    return mg_dl / _MG_PER_MMOL


def _group(items: list[tuple[bool | None, int]]) -> tuple[int, int]:
    low = max((p for v, p in items if v is True), default=0)
    high = max((p for v, p in items if v is not False), default=0)
    return low, high


def dlcn(items: DlcnItems) -> DlcnScore:
    """The DLCN score's lowest and highest possible value given the documented items.

    >>> dlcn(DlcnItems(False, False, False, False, True, False, 6.7, False))
    DlcnScore(minimum=11, maximum=11)
    """
    groups = [
        _group([(items.relative_premature_cvd_or_high_ldl, 1), (items.relative_xanthoma_or_child_high_ldl, 2)]),
        _group([(items.premature_chd, 2), (items.premature_cerebral_or_peripheral_vd, 1)]),
        _group([(items.tendon_xanthoma, 6), (items.arcus_before_45, 4)]),
        _group([(items.causative_variant, 8)]),
    ]
    if items.untreated_ldl_mmol is None:
        groups.append((0, 8))
    else:
        p = ldl_points(items.untreated_ldl_mmol)
        groups.append((p, p))
    return DlcnScore(sum(lo for lo, _ in groups), sum(hi for _, hi in groups))


def dlcn_category(score: int) -> str:
    """``definite`` (> 8), ``probable`` (6-8), ``possible`` (3-5) or ``unlikely`` (< 3)."""
    if score > 8:
        return "definite"
    if score >= 6:
        return "probable"
    if score >= 3:
        return "possible"
    return "unlikely"
