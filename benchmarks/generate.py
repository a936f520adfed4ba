"""Deterministic generator of varied MDS cases for the benchmarks (not for clinical use)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

AS_OF = dt.date(2026, 11, 20)


def _maybe(rng: random.Random, p: float = 0.85) -> bool:
    return rng.random() < p


def generate_case(rng: random.Random) -> dict[str, Any]:
    """One case mapping in the case-file format; each fact present with some probability."""
    facts: dict[str, Any] = {}
    if _maybe(rng):
        facts["diagnosis"] = rng.choice(["D46.0", "D46.1", "D46.9", "D46.B", "D46.C", "D46.Z", "MDS"])
    if _maybe(rng, 0.5):
        facts["ipss_r_category"] = rng.choice(["very_low", "low", "intermediate", "high"])
    else:
        facts["cytogenetic_risk"] = rng.choice(["very_good", "good", "good", "intermediate", "poor"])
        facts["marrow_blasts_pct"] = rng.choice([1, 2, 3, 4, 6, 12])
        facts["platelets"] = rng.choice([40, 80, 150, 250])
        facts["anc"] = rng.choice([0.6, 1.2, 2.5])
    if _maybe(rng, 0.95):
        facts["hemoglobin"] = {"value": round(rng.uniform(6.5, 12.5), 1), "unit": "g/dL", "date": AS_OF}
    del5q = rng.random() < 0.15
    if _maybe(rng):
        facts["del5q"] = del5q
        facts["additional_cytogenetic_abnormalities"] = rng.choice([0, 0, 1, 2])
        facts["chromosome7_abnormality"] = rng.random() < 0.1
    if _maybe(rng):
        facts["serum_epo"] = rng.choice([40, 150, 320, 480, 650, 1200])
    if _maybe(rng):
        facts["ring_sideroblasts_pct"] = rng.choice([0, 3, 7, 15, 30])
    if _maybe(rng):
        facts["sf3b1_mutation"] = rng.random() < 0.4
    if _maybe(rng, 0.9):
        n = rng.randint(0, 8)
        facts["rbc_transfusions"] = [
            {"date": AS_OF - dt.timedelta(days=rng.randint(0, 130)), "units": rng.choice([1, 2])}
            for _ in range(n)
        ]
    if _maybe(rng):
        if rng.random() < 0.5:
            facts["esa_history"] = []
        else:
            start = AS_OF - dt.timedelta(days=rng.randint(30, 300))
            end = start + dt.timedelta(days=rng.randint(20, 120))
            facts["esa_history"] = [{
                "drug": "epoetin alfa", "start": start, "end": min(end, AS_OF),
                "response": rng.choice(["none", "lost_response", "response", "intolerant"]),
            }]
    for k in ("immediate_correction_needed", "anemia_symptomatic", "concurrent_esa"):
        if _maybe(rng):
            facts[k] = rng.random() < (0.1 if k != "anemia_symptomatic" else 0.9)
    patient = {"birth_date": dt.date(rng.randint(1930, 1975), rng.randint(1, 12), rng.randint(1, 28)), "sex": "male"}
    return {"patient": patient, "facts": facts}


def generate_cases(n: int, seed: int = 2026) -> list[dict[str, Any]]:
    """``n`` cases, the same ones for the same seed."""
    rng = random.Random(seed)
    return [generate_case(rng) for _ in range(n)]
