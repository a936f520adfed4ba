"""A hand-written plain-Python version of the luspatercept criteria, for the engine benchmark.

It reads the same derived facts (the calculators run once in both paths) and applies the
same three-valued rules with ``None`` for unknown, so the comparison isolates the engine's
cost: interpreting the compiled policy tree and recording every node's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

T, F, U = True, False, None
LOWER_RISK = {"very_low", "low", "intermediate"}
MDS = {"D46.0", "D46.1", "D46.4", "D46.9", "D46.A", "D46.B", "D46.Z", "D46.20", "D46.21", "D46.22"}


def _and(*xs: bool | None) -> bool | None:
    if F in xs:
        return F
    return U if U in xs else T


def _or(*xs: bool | None) -> bool | None:
    if T in xs:
        return T
    return U if U in xs else F


def _cmp(v: Any, f: Any) -> bool | None:
    if v is None:
        return U
    options = getattr(v, "options", None)  # a value known in part (OneOf / Between)
    if options is None and hasattr(v, "low"):
        options = (v.low, v.high)
    if options is not None:
        hits = {bool(f(o)) for o in options}
        return U if len(hits) == 2 else hits.pop()
    return bool(f(v))


LENALIDOMIDE = {"lenalidomide", "revlimid"}
FAILED = {"inadequate_response", "partial_response", "lost_response", "intolerance", "contraindication"}
_OUTCOME = {"none": "inadequate_response", "partial": "partial_response", "lost_response": "lost_response",
            "intolerant": "intolerance", "contraindicated": "contraindication"}


def _lenalidomide_failed(history: Any) -> bool | None:
    """The del(5q) exception: unknown without a treatment history; met when lenalidomide failed, was not
    tolerated or is contraindicated; not met otherwise."""
    if history is None:
        return U
    return any(str(e.get("drug", "")).strip().lower() in LENALIDOMIDE
               and (e.get("reason_stopped") or _OUTCOME.get(str(e.get("response")), "")) in FAILED for e in history)


def luspatercept(v: Mapping[str, Any]) -> tuple[str, str | None]:
    """Determination and met pathway for the luspatercept policy's initial phase."""
    g = v.get
    ipss_r = g("ipss_r_category")  # a value known in part counts as documented (no IPSS fallback)
    lower = _or(
        _cmp(ipss_r, lambda x: x in LOWER_RISK),
        _and(ipss_r is None, _cmp(g("ipss_category"), lambda x: x in ("low", "intermediate_1"))),
    )
    age, hb, imm = g("age"), g("hemoglobin"), g("immediate_correction_needed")
    # presumed when undocumented: adult; not for immediate correction unless Hb < 6 or acute bleeding
    warning = (hb is not None and hb < 6) or g("acute_bleeding") is True
    len_ok = _lenalidomide_failed(g("medication_history"))  # del(5q) accepted after lenalidomide failure
    common = _and(
        T if age is None else age >= 18,
        lower,
        _or(_cmp(g("del5q"), lambda x: x is False), len_ok),
        _cmp(g("rbc_units_8w"), lambda x: x >= 2),
        _cmp(g("hemoglobin"), lambda x: x < 11.5),
        (U if warning else T) if imm is None else imm is False,
    )
    rs = g("ring_sideroblasts_pct")
    rs_pos = _or(_cmp(rs, lambda x: x >= 15), _and(_cmp(rs, lambda x: x >= 5), _cmp(g("sf3b1_mutation"), lambda x: x is True)))
    epo = g("serum_epo")
    dx = g("diagnosis")
    esa = g("esa_status")
    dx_ok = _or(_cmp(dx, lambda x: x in MDS), _and(_cmp(dx, lambda x: x == "D46.C"), len_ok))
    a = _and(
        dx_ok,
        _cmp(esa, lambda x: x == "naive"),
        _or(_cmp(epo, lambda x: x <= 500), rs_pos),
    )
    b = _and(
        _or(_cmp(dx, lambda x: x in MDS or x == "MDS/MPN-RS-T"), _and(_cmp(dx, lambda x: x == "D46.C"), len_ok)),
        rs_pos,
        _or(_cmp(esa, lambda x: x in ("failed", "lost_response", "intolerant")), _cmp(epo, lambda x: x > 500)),
    )
    # pathway C (off-label): RS-negative, EPO <= 500, ESA failure
    c = _and(
        dx_ok,
        _or(T if rs_pos is F else F if rs_pos is T else U),
        _cmp(epo, lambda x: x <= 500),
        _cmp(esa, lambda x: x in ("failed", "lost_response", "intolerant")),
    )
    pa, pb, pc = _and(common, a), _and(common, b), _and(common, c)
    if pa is T:
        return "meets_criteria", "esa_naive_first_line"
    if pb is T:
        return "meets_criteria", "after_esa_ring_sideroblasts"
    if pc is T:
        return "meets_criteria", "after_esa_rs_negative"
    if U in (pa, pb, pc):
        return "insufficient_information", None
    return "does_not_meet_criteria", None
