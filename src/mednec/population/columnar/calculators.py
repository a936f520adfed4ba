"""The calculators over whole columns, applied exactly as :meth:`mednec.calculators.registry.CalculatorSet.derive`
applies them row by row.

``CalculatorSet.derive`` runs a pack's calculators in order; one runs for a patient when every input
is present and not every output is, and adds only the outputs the patient does not have (given
values win). :func:`derive_columns` does the same with masks. Each calculator has a columnar
twin here, registered with the digest of the row-wise code it reproduces (its ``run`` function and
the code that reaches, :func:`source_digest`): when that code changes, or a calculator has no twin, the calculator runs
patient by patient through its own ``run`` for the rows that need it (exact, slower), and the
run reports it. Sums follow the row-wise order (``np.bincount`` adds in array order), and a
window sum that prefix sums would reorder is only vectorised when every value is a multiple
of 1/1024 (then every order gives the same float); otherwise those rows are summed in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mednec.calculators.registry import Calculator, CalculatorSet
from mednec.facts.dictionary import FactDictionary
from mednec.facts.factset import FactValue, Provenance
from mednec.facts.partial import is_partial
from mednec.population.columnar.digests import code_digest
from mednec.population.columnar.frame import Bools, Codes, Events, Frame, Ints, Scalar, Values, date_of

__all__ = ["TWINS", "derive_columns", "source_digest", "twin_for"]

Twin = Callable[[Frame, Bools, FactDictionary], dict[str, Scalar]]


_DIGESTS: dict[Any, str] = {}


def source_digest(calc: Calculator) -> str:
    """SHA-256 (16 hex) of the row-wise code a calculator runs: its ``run`` function and the mednec
    code it reaches (:func:`mednec.population.columnar.digests.code_digest`: the functions and
    classes it names, their methods, the module constants they read -- not whole modules), computed
    once per function and process."""
    fn = calc.run_drugs or calc.run
    known = _DIGESTS.get(fn)
    if known is None:
        known = _DIGESTS[fn] = code_digest(fn)
    return known


def _cat(dictionary: FactDictionary, fact: str, keys: Iterable[str]) -> Codes:
    codes = {k: i for i, k in enumerate(dictionary.facts[fact].values)}
    return np.array([codes[k] for k in keys], dtype=np.int16)


def _num(frame: Frame, fact: str) -> Values:
    col = frame.facts[fact]
    assert isinstance(col, Scalar)
    return col.values


def _ymd(days: Values) -> tuple[Ints, Ints, Ints]:
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y, m, dd


def _age(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    bd = frame.facts["birth_date"]
    assert isinstance(bd, Scalar)
    by, bm, bdd = _ymd(bd.values)
    oy, om, od = _ymd(frame.as_of)
    years = oy - by - ((om < bm) | ((om == bm) & (od < bdd)))
    return {"age": Scalar("number", years.astype(np.float64), rows)}


def _karyotype_group(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    """A normal karyotype -> IPSS-R cytogenetic group good; no group otherwise."""
    k = frame.facts["karyotype"]
    assert isinstance(k, Scalar)
    normal = list(dictionary.facts["karyotype"].values).index("normal")
    good = list(dictionary.facts["cytogenetic_risk"].values).index("good")
    return {"cytogenetic_risk": Scalar("category", np.full(frame.n, good, dtype=np.int16),
                                       rows & (k.values == normal))}


_CYTO_POINTS = {"very_good": 0.0, "good": 1.0, "intermediate": 2.0, "poor": 3.0, "very_poor": 4.0}
_IPSS_BANDS = (1.5, 3.0, 4.5, 6.0)
_IPSS_NAMES = ("very_low", "low", "intermediate", "high", "very_high")


def _ipss_category(score: Values, dictionary: FactDictionary) -> Codes:
    band = np.searchsorted(np.array(_IPSS_BANDS), score, side="left")  # score <= 1.5 -> 0, ...
    return _cat(dictionary, "ipss_r_category", _IPSS_NAMES)[band]


def _ipss_r(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    cyto_keys = list(dictionary.facts["cytogenetic_risk"].values)
    table = np.array([_CYTO_POINTS.get(k, np.nan) for k in cyto_keys], dtype=np.float64)
    cyto = frame.facts["cytogenetic_risk"]
    assert isinstance(cyto, Scalar)
    c = table[np.maximum(cyto.values, 0)]
    b = _num(frame, "marrow_blasts_pct")
    hb = _num(frame, "hemoglobin")
    plt = _num(frame, "platelets")
    anc = _num(frame, "anc")
    bp = np.where(b <= 2, 0.0, np.where(b < 5, 1.0, np.where(b <= 10, 2.0, 3.0)))
    hp = np.where(hb >= 10, 0.0, np.where(hb >= 8, 1.0, 1.5))
    pp = np.where(plt >= 100, 0.0, np.where(plt >= 50, 0.5, 1.0))
    ap = np.where(anc >= 0.8, 0.0, 0.5)
    score = 0.0 + c + bp + hp + pp + ap  # Python's sum() order; every term is a multiple of 0.5
    return {"ipss_r_score": Scalar("number", score, rows),
            "ipss_r_category": Scalar("category", _ipss_category(score, dictionary), rows)}


def _ipss_from_score(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    return {"ipss_r_category": Scalar("category", _ipss_category(_num(frame, "ipss_r_score"), dictionary), rows)}


_IPSS_PARTS = ("cytogenetic_risk", "marrow_blasts_pct", "hemoglobin", "platelets", "anc")


_IPSS_RANGES = {"hemoglobin": 1.5, "platelets": 1.0, "anc": 0.5}  # the highest points (the lowest: 0)


def _ipss_points(frame: Frame, dictionary: FactDictionary) -> list[Any]:
    """Each IPSS-R component's points (as ``mednec.calculators.ipss_r``), NaN where absent."""
    cyto_keys = list(dictionary.facts["cytogenetic_risk"].values)
    table = np.array([_CYTO_POINTS.get(k, np.nan) for k in cyto_keys], dtype=np.float64)
    cyto = frame.facts["cytogenetic_risk"]
    assert isinstance(cyto, Scalar)
    b, hb = _num(frame, "marrow_blasts_pct"), _num(frame, "hemoglobin")
    plt, anc = _num(frame, "platelets"), _num(frame, "anc")
    points = [table[np.maximum(cyto.values, 0)],
              np.where(b <= 2, 0.0, np.where(b < 5, 1.0, np.where(b <= 10, 2.0, 3.0))),
              np.where(hb >= 10, 0.0, np.where(hb >= 8, 1.0, 1.5)),
              np.where(plt >= 100, 0.0, np.where(plt >= 50, 0.5, 1.0)),
              np.where(anc >= 0.8, 0.0, 0.5)]
    return [np.where(frame.has(f), p, np.nan) for f, p in zip(_IPSS_PARTS, points, strict=True)]


def _ipss_bounds(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    """``_run_ipss_r_bounds``: nothing when an IPSS-R category is known, the cytogenetic group or
    the blasts are missing, or more than two components are; otherwise the score interval over
    every value of the missing blood counts (known only in part) and the categories it spans (one
    of several, or one)."""
    absent = [~frame.has(f) for f in _IPSS_PARTS]
    count = sum(a.astype(np.int8) for a in absent)
    rows = rows & ~frame.has("ipss_r_category") & ~absent[0] & ~absent[1] & (count <= 2)
    if not rows.any():
        return {}
    frame.mark(rows & (count == 0))  # not reached: the IPSS-R itself ran (row-wise then)
    points = _ipss_points(frame, dictionary)
    frame.mark(rows & (np.isnan(points[0]) | np.isnan(points[1])))  # a group without points
    rows = rows & ~frame.bad
    low: Any = 0.0  # Python's sum() order; every term is a multiple of 0.5
    high: Any = 0.0
    missing = np.zeros(frame.n, dtype=np.int64)
    for j, (f, p) in enumerate(zip(_IPSS_PARTS, points, strict=True)):
        gone = absent[j]
        low = low + np.where(gone, 0.0, np.nan_to_num(p))
        high = high + np.where(gone, _IPSS_RANGES.get(f, 0.0), np.nan_to_num(p))
        missing |= np.where(gone, np.int64(1) << j, 0)
    codes = _cat(dictionary, "ipss_r_category", _IPSS_NAMES)
    first = np.searchsorted(np.array(_IPSS_BANDS), low, side="left")
    last = np.searchsorted(np.array(_IPSS_BANDS), high, side="left")
    options = np.zeros(frame.n, dtype=np.int64)
    for band in range(len(_IPSS_NAMES)):
        options |= np.where((first <= band) & (band <= last), np.int64(1) << int(codes[band]), 0)
    score = Scalar("number", low, rows, rows & (low != high), np.where(rows, high, low), None, missing, _IPSS_PARTS)
    category = Scalar("category", codes[first], rows, rows & (first != last), None, options, missing, _IPSS_PARTS)
    return {"ipss_r_score": score, "ipss_r_category": category}


def _dyadic(x: Any) -> bool:
    """Every value a multiple of 1/1024 (sums of such numbers are exact in any order)."""
    scaled = x * 1024.0
    return bool(np.all(scaled == np.floor(scaled)) and np.all(np.abs(x) < 2.0**30))


def _window_sum(row: Any, keep: Any, weights: Any, n: int) -> Any:
    """Per-row sums of ``weights`` where ``keep``, in event order (as Python's ``sum``)."""
    return np.bincount(row[keep], weights=weights[keep], minlength=n).astype(np.float64)


def _transfusions(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    ev = frame.facts["rbc_transfusions"]
    assert isinstance(ev, Events)
    n = frame.n
    row, date, units = ev.row, ev.fields["date"], ev.fields["units"]
    as_of = frame.as_of[row]
    in16 = (date > as_of - 112) & (date <= as_of) & rows[row]
    units16 = _window_sum(row, in16, units, n)
    units8 = _window_sum(row, in16 & (date > as_of - 56), units, n)
    first = np.ones(len(row), dtype=bool)
    if len(row):
        first[1:] = (row[1:] != row[:-1]) | (date[1:] != date[:-1]) | ~in16[:-1]
    episodes = np.bincount(row[in16 & first], minlength=n).astype(np.float64)
    peak = np.zeros(n, dtype=np.float64)
    idx = np.flatnonzero(in16)
    if len(idx):
        if _dyadic(units[idx]):
            # the window events of a row are contiguous and date-sorted: for each anchor, the events
            # dated anchor .. anchor+55 are a contiguous run [lo, hi)
            key = row[idx].astype(np.int64) * (1 << 32) + date[idx]
            lo = np.searchsorted(key, row[idx].astype(np.int64) * (1 << 32) + date[idx], side="left")
            hi = np.searchsorted(key, row[idx].astype(np.int64) * (1 << 32) + date[idx] + 56, side="left")
            cum = np.concatenate([[0.0], np.cumsum(units[idx])])
            totals = cum[hi] - cum[lo]
            np.maximum.at(peak, row[idx], totals)
        else:
            for r in np.unique(row[idx]):
                sel = idx[row[idx] == r]
                ds, us = date[sel].tolist(), units[sel].tolist()
                best = 0.0
                for a in ds:
                    best = max(best, sum(u for d, u in zip(ds, us, strict=True) if a <= d < a + 56))
                peak[r] = float(best)
    names = np.array(["ntd", "htb", "ltb", "unclassified"])
    choice = np.where(units16 == 0, 0, np.where((units16 >= 8) & (peak >= 4), 1,
                      np.where((units16 >= 3) & (units16 <= 7) & (episodes >= 2) & (peak <= 3), 2, 3)))
    burden = _cat(dictionary, "transfusion_burden", names)[choice]
    return {"rbc_units_8w": Scalar("number", units8, rows), "rbc_units_16w": Scalar("number", units16, rows),
            "rbc_episodes_16w": Scalar("number", episodes, rows),
            "rbc_max_units_any_8w": Scalar("number", peak, rows),
            "transfusion_burden": Scalar("category", burden, rows)}


def _since_given(frame: Frame) -> Bools:
    """Rows whose transfusion record is complete only after a date (``rbc_transfusions_since``): whether the
    16 weeks before treatment are known depends on it, so the calculator's own code answers them."""
    return frame.has("rbc_transfusions_since")


def _tx_minimum(frame: Frame) -> Bools:
    """Rows with a transfusion whose units are a minimum (``count: at_least``), or whose record is
    complete only after a date (``rbc_transfusions_since``): their counts are known only from below
    (intervals), so the calculator's own code (and then the row-wise engine) answers them."""
    ev = frame.facts.get("rbc_transfusions")
    assert ev is None or isinstance(ev, Events)
    out = np.zeros(frame.n, dtype=bool)
    if ev is not None and "count" in ev.fields:
        hit = ev.valid["count"] & (ev.fields["count"] == 1)  # codes index facts.yaml's values: exact, at_least
        out[ev.row[hit]] = True
    # a record complete only after a date, or transfusions whose dates are not said (rbc_transfusions_within):
    # counts known in part
    return out | frame.has("rbc_transfusions_since") | frame.has("rbc_transfusions_within") | frame.has("rbc_peak_8w_stated_max")


_ESA_PRIORITY = ("failed", "lost_response", "intolerant", "ongoing", "responding", "too_short")


_ESA_SETTLE = ("esa_history", "rbc_transfusions", "hemoglobin")  # the order the columns name them in


def _esa_options(frame: Frame, ev: Events, dictionary: FactDictionary) -> tuple[Any, Any, Any, Any]:
    """Per course (``course_options``): the statuses it may have as a bit mask over priorities,
    the facts that would decide between several (bit mask over ``_ESA_SETTLE``), and whether it
    is a partial response awaiting the transfusion record or hemoglobin (not a 6-8 week course)."""
    spec = dictionary.facts["esa_history"].fields["response"].values
    resp = np.array(spec, dtype=object)[np.maximum(ev.fields["response"], 0)] if len(ev.row) else np.array([], object)
    end = np.where(ev.valid["end"], ev.fields["end"], frame.as_of[ev.row])
    days = end - ev.fields["start"]
    adequate = days >= 56  # max(0, days / 7) >= 8 weeks
    ended = ev.valid["end"]
    judged = days >= 42  # 6 weeks: a finished course of 6 to < 8 weeks is undecided
    u8, hb = frame.facts.get("rbc_units_8w"), frame.facts.get("hemoglobin")
    has8 = u8.has[ev.row] if isinstance(u8, Scalar) else np.zeros(len(ev.row), dtype=bool)
    hashb = hb.has[ev.row] if isinstance(hb, Scalar) else np.zeros(len(ev.row), dtype=bool)
    transfused = has8 & (u8.values[ev.row] >= 2) if isinstance(u8, Scalar) else has8
    anemic = hashb & (hb.values[ev.row] < 10.0) if isinstance(hb, Scalar) else hashb
    bit = {name: np.int64(1) << k for k, name in enumerate(_ESA_PRIORITY)}
    opts = np.zeros(len(ev.row), dtype=np.int64)
    for r, status in (("lost_response", "lost_response"), ("intolerant", "intolerant"), ("response", "responding"),
                      ("ongoing", "ongoing")):
        opts[resp == r] = bit[status]
    none, partial = resp == "none", resp == "partial"
    opts[none & adequate] = bit["failed"]
    opts[none & ~adequate & ~ended] = bit["ongoing"]
    opts[none & ~adequate & ended & ~judged] = bit["too_short"]
    six_to_eight = none & ~adequate & ended & judged
    opts[six_to_eight] = bit["failed"] | bit["too_short"]
    # a partial response: failure once ended, or while >= 2 units in 8 weeks or Hb < 10 g/dL
    opts[partial & (ended | transfused | anemic)] = bit["failed"]
    open_ = partial & ~ended & ~transfused & ~anemic
    opts[open_ & has8 & hashb] = bit["responding"]
    waiting = open_ & ~(has8 & hashb)
    opts[waiting] = bit["failed"] | bit["responding"]
    settle = np.where(six_to_eight, 1, 0) | np.where(waiting & ~has8, 2, 0) | np.where(waiting & ~hashb, 4, 0)
    return opts, settle.astype(np.int64), waiting, resp


def _lowest_bit(x: Any) -> Any:
    """The index of the lowest set bit of each (non-zero) mask."""
    return np.log2((x & -x).astype(np.float64)).astype(np.int64)


def _esa(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    """``assess_esa``: the status of the highest priority among the courses' statuses; courses
    that may have one of two statuses make it one of the statuses some choice gives (known in
    part, settled by the facts those courses name)."""
    ev = frame.facts["esa_history"]
    assert isinstance(ev, Events)
    n = frame.n
    opts, settle, waiting, resp = _esa_options(frame, ev, dictionary)
    row = ev.row
    frame.mark(rows & (np.bincount(row[opts == 0], minlength=n) > 0))  # a response the columns do not know
    k = len(_ESA_PRIORITY)
    # the highest index each course may take; a status s of course e is some choice's result when
    # every other course may take s or a lower priority (an index >= s's)
    top = np.full(len(row), -1, dtype=np.int64)
    for j in range(k):
        top = np.where((opts >> j) & 1 == 1, j, top)
    first = np.full(n, k, dtype=np.int64)  # the smallest "top" of each row, its count, and the next
    np.minimum.at(first, row, top)
    at_first = np.bincount(row[top == first[row]], minlength=n)
    second = np.full(n, k, dtype=np.int64)
    above = top > first[row]
    np.minimum.at(second, row[above], top[above])
    second = np.where(at_first > 1, first, second)
    others = np.where((top == first[row]) & (at_first[row] == 1), second[row], first[row])
    reach = np.zeros(n, dtype=np.int64)
    for j in range(k):
        hit = ((opts >> j) & 1 == 1) & (j <= others)
        np.bitwise_or.at(reach, row[hit], np.int64(1) << j)
    several = (reach & (reach - 1)) != 0
    # the settling facts, in the order assess_esa names them (course by course): the columns name
    # them in _ESA_SETTLE's order, which is that order unless a course awaiting the transfusion
    # record or hemoglobin comes before a 6-8 week course -- those rows are the row-wise engine's
    multi = (opts & (opts - 1)) != 0
    first_wait = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    first_short = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    idx = np.arange(len(row))
    np.minimum.at(first_wait, row[waiting], idx[waiting])
    short = multi & ~waiting
    np.minimum.at(first_short, row[short], idx[short])
    frame.mark(rows & several & (first_wait < first_short) & (first_short < np.iinfo(np.int64).max))
    missing = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(missing, row[multi], settle[multi])
    codes = _cat(dictionary, "esa_status", (*_ESA_PRIORITY, "naive"))
    status = np.where(reach == 0, codes[k], codes[_lowest_bit(np.where(reach == 0, 1, reach))])
    options = np.zeros(n, dtype=np.int64)
    for j in range(k):
        options |= np.where((reach >> j) & 1 == 1, np.int64(1) << int(codes[j]), 0)
    running = np.bincount(row[~ev.valid["end"] | (resp == "ongoing")], minlength=n) > 0
    return {"esa_status": Scalar("category", status.astype(np.int16), rows, rows & several, None, options,
                                 np.where(several, missing, 0), _ESA_SETTLE),
            "esa_running": Scalar("boolean", running, rows)}


def _round(values: Any, digits: int) -> Any:
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([round(float(v), digits) for v in uniq], dtype=np.float64)[inverse]


def _treatment(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    n = frame.n
    start = _num(frame, "treatment_start").astype(np.int64)
    as_of = frame.as_of.astype(np.int64)
    days = np.maximum(0, as_of - start)
    out: dict[str, Scalar] = {"treatment_weeks": Scalar("number", _round(days / 7, 1), rows)}
    doses = frame.facts.get("treatment_doses")
    if isinstance(doses, Events):
        with_doses = rows & doses.has
        count = np.diff(doses.offsets).astype(np.float64)
        out["treatment_dose_count"] = Scalar("number", count, with_doses)
        top = np.full(n, -np.inf)
        d = doses.fields["dose"]
        if len(d):
            np.maximum.at(top, doses.row, d)
        at_max = np.zeros(n, dtype=np.float64)
        for r in np.flatnonzero(with_doses & (count > 0)):  # trailing doses at the highest level
            seq = d[doses.offsets[r]:doses.offsets[r + 1]]
            k = 0
            for x in seq[::-1]:
                if abs(x - top[r]) > 1e-9:
                    break
                k += 1
            at_max[r] = k
        nonempty = with_doses & (count > 0)
        out["treatment_max_dose"] = Scalar("number", np.where(nonempty, top, 0.0), nonempty)
        out["treatment_doses_at_max"] = Scalar("number", at_max, nonempty)
    tx = frame.facts.get("rbc_transfusions")
    if isinstance(tx, Events):
        with_tx = rows & tx.has
        r, date, units = tx.row, tx.fields["date"], tx.fields["units"]
        pre_keep = (date > start[r] - 113) & (date <= start[r] - 1)
        pre = _window_sum(r, pre_keep, units, n)
        judged = with_tx & (days >= 56)
        window_start = np.maximum(start - 1, as_of - 112)
        window_days = as_of - window_start
        raw = _window_sum(r, (date > window_start[r]) & (date <= as_of[r]), units, n)
        on = np.zeros(n, dtype=np.float64)
        if judged.any():
            on[judged] = _round(raw[judged] * 112 / window_days[judged], 2)
        out["rbc_units_16w_pretreatment"] = Scalar("number", pre, with_tx)
        out["rbc_units_16w_on_treatment"] = Scalar("number", on, judged)
        # no transfusion up to the review for 8 weeks, or at least one-third fewer units (row-wise:
        # treatment_course); days since the last transfusion in the window, else since it opened
        in_window = (date > window_start[r]) & (date <= as_of[r])
        last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last, r[in_window], date[in_window].astype(np.int64))
        free = np.where(last > np.iinfo(np.int64).min, as_of - last, as_of - window_start)
        reduced = (pre > 0) & ((free >= 56) | (3 * on <= 2 * pre + 1e-9))
        out["transfusion_burden_reduced"] = Scalar("boolean", reduced, judged)
    hb, base = frame.facts.get("hemoglobin"), frame.facts.get("hemoglobin_baseline")
    if isinstance(hb, Scalar) and isinstance(base, Scalar):
        both = rows & hb.has & base.has
        rise = np.zeros(n, dtype=np.float64)
        if both.any():
            rise[both] = _round(hb.values[both] - base.values[both], 2)
        out["hemoglobin_rise"] = Scalar("number", rise, both)
    return out


@dataclass(frozen=True)
class TwinSpec:
    """A columnar twin: the calculator it reproduces (inputs, outputs and source digest), and the
    rows it leaves to the calculator's own ``run`` (``slow``)."""

    fn: Twin
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    digest: str
    any_of: tuple[str, ...] = ()
    slow: Callable[[Frame], Any] | None = None
    #: outputs the twin may know only in part, with the facts that would settle them (in order)
    partial: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _none(frame: Frame, rows: Bools, dictionary: FactDictionary) -> dict[str, Scalar]:
    """No column-wise path: every patient goes through the calculator's own code (``slow``) --
    a medication_history entry is recognised through the pack's drug vocabulary, and an IPSS-R
    from incomplete components may be known only in part."""
    return {}


#: The columnar twins, with the digest of the row-wise source each was written against.
TWINS: dict[str, TwinSpec] = {
    "age": TwinSpec(_age, ("birth_date",), ("age",), "344ec35dc26b36dd"),
    "karyotype_group": TwinSpec(_karyotype_group, ("karyotype",), ("cytogenetic_risk",), "4bc148797cf4fa1c"),
    "ipss_r": TwinSpec(_ipss_r, ("cytogenetic_risk", "marrow_blasts_pct", "hemoglobin", "platelets", "anc"),
                       ("ipss_r_score", "ipss_r_category"), "90e364cacc41773e"),
    # an IPSS-R from incomplete components is an interval (known only in part): those patients go
    # to the row-wise engine; the others get nothing from this calculator
    "ipss_r_bounds": TwinSpec(_ipss_bounds, (), ("ipss_r_score", "ipss_r_category"), "3d6412b93aa54d02",
                              _IPSS_PARTS, partial=(("ipss_r_score", _IPSS_PARTS), ("ipss_r_category", _IPSS_PARTS))),
    "ipss_r_from_score": TwinSpec(_ipss_from_score, ("ipss_r_score",), ("ipss_r_category",), "8ee8683651dc66c8"),
    # rows with rbc_transfusions_since (a record complete only after a date, alone or with the list) or
    # rbc_transfusions_within (transfusions whose dates are not said)
    # go through the calculator's own code; the twin answers rows with the list alone
    "transfusion_burden": TwinSpec(_transfusions, (),
                                   ("rbc_units_8w", "rbc_units_16w", "rbc_episodes_16w", "rbc_max_units_any_8w",
                                    "transfusion_burden"), "66946f06ed57ed10", ("rbc_transfusions", "rbc_transfusions_since"),
                                   slow=_tx_minimum),
    # ESA entries of medication_history are recognised through the pack's drug vocabulary:
    # those patients go through the calculator's own code
    "esa_response": TwinSpec(_esa, (), ("esa_status", "esa_running"), "2eb044e2b749fe03", ("esa_history", "medication_history"),
                             lambda frame: frame.has("medication_history"), partial=(("esa_status", _ESA_SETTLE),)),
    "treatment_course": TwinSpec(_treatment, ("treatment_start",),
                                 ("treatment_weeks", "treatment_dose_count", "treatment_max_dose",
                                  "treatment_doses_at_max", "rbc_units_16w_pretreatment",
                                  "rbc_units_16w_on_treatment", "transfusion_burden_reduced", "hemoglobin_rise"),
                                 "7b438b5e502fd59a", slow=_since_given),
}


def twin_for(calc: Calculator) -> TwinSpec | None:
    """The columnar twin of a registered calculator, when it still matches the row-wise code."""
    twin = _twin_or_reason(calc)
    return twin if isinstance(twin, TwinSpec) else None


def _twin_or_reason(calc: Calculator) -> TwinSpec | str:
    """The calculator's current twin, or why it has none (said in the run's notes)."""
    twin = TWINS.get(calc.name)
    if twin is None:
        return f"calculator {calc.name} has no columnar twin"
    if (twin.inputs, twin.outputs, twin.any_of) != (calc.inputs, calc.outputs, calc.any_of):
        return f"calculator {calc.name} reads or writes other facts than its columnar twin"
    if twin.digest != source_digest(calc):
        return f"calculator {calc.name} changed since its columnar twin was written"
    return twin


# ---- per-patient fallback ---------------------------------------------------------------

def _fact_value(frame: Frame, fact: str, i: int, dictionary: FactDictionary) -> FactValue:
    fd = dictionary.facts[fact]
    col = frame.facts[fact]
    value: Any
    if isinstance(col, Events):
        lo, hi = col.offsets[i], col.offsets[i + 1]
        events = []
        for j in range(lo, hi):
            e: dict[str, Any] = {}
            for name, spec in fd.fields.items():
                if not col.valid[name][j]:
                    continue
                v = col.fields[name][j]
                if spec.type == "date":
                    e[name] = date_of(v)
                elif spec.type == "number":
                    e[name] = float(v)
                elif spec.type == "category":
                    e[name] = spec.values[int(v)]
                else:
                    e[name] = v
            events.append(e)
        value = tuple(events)
    elif fd.type == "category":
        value = list(fd.values)[int(col.values[i])]
    elif fd.type == "date":
        value = date_of(col.values[i])
    elif fd.type == "boolean":
        value = bool(col.values[i])
    else:
        value = float(col.values[i])
    return FactValue(fact, value, fd.unit, None, Provenance("table"))


def _per_patient(calc: Calculator, calculators: CalculatorSet, frame: Frame, rows: Any,
                 dictionary: FactDictionary) -> dict[str, Scalar]:
    """A calculator with no (current) twin: its own code for each row that needs it."""
    n = frame.n
    cols: dict[str, Scalar] = {}
    for i in np.flatnonzero(rows):
        facts = {f: _fact_value(frame, f, int(i), dictionary) for f in calc.reads if bool(frame.has(f)[i])}
        try:
            values, _ = calc.compute(facts, date_of(frame.as_of[i]), calculators.drugs)
        except Exception:  # noqa: BLE001 - the row-wise engine gives this patient its answer
            frame.bad[i] = True
            continue
        if any(is_partial(v) for v in values.values()):  # known only in part: the row-wise engine
            frame.bad[i] = True
            continue
        for k, v in values.items():
            fd = dictionary.facts[k]
            col = cols.get(k)
            if col is None:
                dtype: Any = {"number": np.float64, "boolean": bool, "category": np.int16, "date": np.int32}[fd.type]
                col = cols[k] = Scalar(fd.type, np.zeros(n, dtype=dtype), np.zeros(n, dtype=bool))
            col.has[i] = True
            if fd.type == "category":
                col.values[i] = list(fd.values).index(v)
            elif fd.type == "date":
                col.values[i] = (v - dt.date(1970, 1, 1)).days
            else:
                col.values[i] = v
    return cols


def derive_columns(frame: Frame, dictionary: FactDictionary, calculators: CalculatorSet) -> list[str]:
    """Add every derivable fact column, as :meth:`CalculatorSet.derive` does per row; returns why
    each calculator that ran patient by patient (for all the rows it ran on) did so."""
    slow: list[str] = []
    for calc in calculators:
        ready = np.ones(frame.n, dtype=bool)
        for f in calc.inputs:
            ready &= frame.has(f)
        if calc.any_of:
            some = np.zeros(frame.n, dtype=bool)
            for f in calc.any_of:
                some |= frame.has(f)
            ready &= some
        has_out = np.ones(frame.n, dtype=bool)
        for f in calc.outputs:
            has_out &= frame.has(f)
        rows = ready & ~has_out & ~frame.bad
        # a calculator reading a value known only in part: the row-wise engine's
        frame.mark(rows & _partial_rows(frame, calc.reads))
        rows &= ~frame.bad
        if not rows.any():
            continue
        twin = _twin_or_reason(calc)
        produced: list[dict[str, Scalar]] = []
        if isinstance(twin, str):
            slow.append(twin)
            produced.append(_per_patient(calc, calculators, frame, rows, dictionary))
        else:
            by_row = twin.slow(frame) & rows if twin.slow is not None else np.zeros(frame.n, dtype=bool)
            if by_row.any():
                produced.append(_per_patient(calc, calculators, frame, by_row, dictionary))
            if (rows & ~by_row).any():
                produced.append(twin.fn(frame, rows & ~by_row, dictionary))
        merged: dict[str, Scalar] = {}
        for part in produced:
            for k, col in part.items():
                merged[k] = merged[k].overlay(col, col.has & ~merged[k].has) if k in merged else col
        for k, col in merged.items():
            add = col.has & rows
            existing = frame.facts.get(k)
            if existing is None:
                existing = Scalar(col.kind, col.values * 0, np.zeros(frame.n, dtype=bool))
            assert isinstance(existing, Scalar)
            # given values win; a new column object (frames share the old)
            frame.facts[k] = existing.overlay(col, add & ~existing.has)
    return slow


def _partial_rows(frame: Frame, facts: tuple[str, ...]) -> Bools:
    """Rows where one of ``facts`` is known only in part."""
    out = np.zeros(frame.n, dtype=bool)
    for f in facts:
        col = frame.facts.get(f)
        if isinstance(col, Scalar) and col.part is not None:
            out |= col.part
    return out
