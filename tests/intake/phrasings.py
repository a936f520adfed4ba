"""A seeded grammar of prior-authorization questions about MDS anemia, with known facts.

Written from how clinicians, PA coordinators and EHR copy-paste phrase a case -- not from the
parser's rules: each fact has the surface forms people use (terse form fields, narrative,
abbreviations such as yo / Hgb / sEPO / pRBC / q3w, SI and US units, numbers in words, ISCN
karyotypes, brand and generic names, many ways of saying "no", frequencies and windows), and
the question wraps the clauses in a request, a narrative or a form, in any order, sometimes
with a typo in a common word.

Every item carries its *true* facts in the label format of ``tests/intake/questions.yaml``
(canonical units; transfusions as units in the last 8 and 16 weeks of the schedule stated;
ESA history as its trial status). The determination is what the policies give on those facts
(:func:`mednec.labels.label_determination`), never what the parser gives.

A :class:`Phrased` keeps its clauses apart so metamorphic tests can reorder them, add an
irrelevant one, or swap a unit for its equivalent, and re-render.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from mednec.labels import Case

__all__ = ["IRRELEVANT", "Clause", "Phrased", "cases", "generate", "phrase", "render"]

AS_OF = dt.date(2026, 11, 20)

_ONES = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def words(n: int) -> str:
    """A whole number below 100 in words: 72 -> 'seventy-two'."""
    if n < 20:
        return _ONES[n]
    t, o = divmod(n, 10)
    return _TENS[t] + (f"-{_ONES[o]}" if o else "")


@dataclass(frozen=True)
class Clause:
    """One statement: its text, the facts it gives, and unit-equivalent rewrites of it."""

    text: str
    facts: dict[str, Any]
    variants: tuple[str, ...] = ()  # the same facts with the value in another unit


@dataclass(frozen=True)
class Phrased:
    """A question: a wrapper around clauses (each alone in its slot)."""

    drug_name: str
    policy: str | None
    style: str
    lead: Clause | None  # age / sex / diagnosis as a noun phrase ("a 72-year-old man with MDS")
    clauses: tuple[Clause, ...]
    joiner: str
    answer: str = "determination"
    typo: tuple[str, str] | None = None  # (word, misspelling) applied to the rendered text
    extra: tuple[str, ...] = field(default=())

    @property
    def facts(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in ((self.lead,) if self.lead else ()) + self.clauses:
            out.update(c.facts)
        return out


# ---- drugs -----------------------------------------------------------------------------------

DRUGS: dict[str, tuple[str, ...]] = {
    "luspatercept-mds": ("Reblozyl", "luspatercept", "luspatercept-aamt", "REBLOZYL", "Reblozyl (luspatercept)"),
    "imetelstat-mds": ("Rytelo", "imetelstat", "RYTELO", "imetelstat (Rytelo)"),
    "epoetin-alfa-mds": ("Procrit", "Epogen", "Retacrit", "epoetin alfa", "epoetin alfa-epbx", "Eprex"),
    "darbepoetin-alfa-mds": ("Aranesp", "darbepoetin", "darbepoetin alfa"),
    "lenalidomide-mds": ("Revlimid", "lenalidomide", "REVLIMID"),
}
OUTSIDE = ("Jakafi", "venetoclax", "Vidaza", "azacitidine", "decitabine", "Inqovi", "eltrombopag")
_ESA_NAMES = ("epoetin alfa", "Procrit", "Epogen", "Retacrit", "darbepoetin", "Aranesp", "EPO", "an ESA", "epoetin",
              "Eprex", "darbepoetin alfa")


# ---- clause makers: each returns a Clause ------------------------------------------------------

R = random.Random


def _age_sex(rng: R) -> tuple[Clause, bool]:
    """Age and often sex, as a noun phrase for a narrative lead or a terse field. (clause, is_noun_phrase)"""
    age = rng.randint(45, 92)
    sex = rng.choice(["male", "female", None])
    man = {"male": rng.choice(["man", "male", "gentleman", "male patient"]),
           "female": rng.choice(["woman", "female", "lady", "female patient"]), None: rng.choice(["patient", "pt"])}[sex]
    facts: dict[str, Any] = {"age": age}
    if sex:
        facts["sex"] = sex
    form = rng.randrange(7)
    if form == 0:
        text = f"a {age}-year-old {man}"
    elif form == 1:
        text = f"a {words(age)}-year-old {man}"
    elif form == 2:
        text = f"{age} yo {man if sex else 'pt'}"
    elif form == 3 and sex:
        text = f"{age}{'M' if sex == 'male' else 'F'}"
    elif form == 4:
        text = f"{age} y/o {man if sex else 'patient'}"
    elif form == 5:
        text = f"{'an' if man[0] in 'aeiou' else 'a'} {man} aged {age}"
    else:
        text = f"{age} year old {man}"
    return Clause(text, facts), True


_DX: list[tuple[str, str, dict[str, Any]]] = [
    ("MDS", "D46.9", {}), ("myelodysplastic syndrome", "D46.9", {}), ("myelodysplasia", "D46.9", {}),
    ("MDS", "D46.9", {}), ("lower-risk MDS", "D46.9", {}), ("LR-MDS", "D46.9", {}),
    ("MDS-RS", "D46.1", {}), ("MDS with ring sideroblasts", "D46.1", {}), ("MDS-RS-SLD", "D46.1", {}),
    ("refractory anemia with ring sideroblasts", "D46.1", {}), ("MDS-RS-MLD", "D46.B", {}),
    ("MDS-EB1", "D46.21", {}), ("MDS with excess blasts-1", "D46.21", {}), ("MDS-EB-2", "D46.22", {}),
    ("MDS-MLD", "D46.A", {}), ("myelodysplastic syndromes", "D46.9", {}),
]


def _diagnosis(rng: R) -> Clause:
    text, code, extra = rng.choice(_DX)
    return Clause(text, {"diagnosis": code, **extra})


_IPSS_R = {"very_low": ["very low", "very-low", "VL"], "low": ["low", "Low", "LOW"],
           "intermediate": ["intermediate", "int", "Intermediate"], "high": ["high", "High"],
           "very_high": ["very high", "very-high"]}


def _risk(rng: R) -> Clause:
    if rng.random() < 0.75:
        key = rng.choice(["very_low", "low", "low", "intermediate", "intermediate", "high", "very_high"])
        w = rng.choice([x for x in _IPSS_R[key] if x != "VL"])
        form = rng.randrange(6)
        text = [f"IPSS-R {w}", f"IPSS-R: {w}", f"R-IPSS {w}", f"IPSS-R {w} risk", f"{w} risk by IPSS-R",
                f"revised IPSS {w}"][form]
        return Clause(text, {"ipss_r_category": key})
    key = rng.choice(["low", "intermediate_1", "intermediate_2", "high"])
    w = {"low": ["low", "low-risk", "Low"], "intermediate_1": ["int-1", "intermediate-1", "Int-1"],
         "intermediate_2": ["int-2", "intermediate-2"], "high": ["high", "high-risk"]}[key]
    text = rng.choice([f"IPSS {rng.choice(w)}", f"IPSS: {rng.choice(w)}", f"{rng.choice(w)} by IPSS"])
    if key == "low" and rng.random() < 0.3:
        text = "IPSS low-risk"
    return Clause(text, {"ipss_category": key})


def _hemoglobin(rng: R) -> Clause:
    v = round(rng.uniform(6.0, 12.4), 1)
    name = rng.choice(["Hb", "Hgb", "hemoglobin", "Hgb", "haemoglobin", "hgb", "HGB"])
    sep = rng.choice([" ", " ", ": ", " of ", " is ", " = "]) if name[0] in "hH" else " "
    g_dl = f"{name}{sep}{v:g}" + rng.choice(["", " g/dL", " g/dl", "g/dL"])
    g_l = f"{name}{sep}{round(v * 10):d} g/L"
    mmol = round(v / 1.611, 1)
    mm = f"{name}{sep}{mmol:g} mmol/L"
    forms = [(g_dl, v), (g_l, round(v * 10) / 10), (mm, mmol * 1.611)]
    i = rng.choices([0, 1, 2], weights=[6, 2, 1])[0]
    text, value = forms[i]
    variants = tuple(t for j, (t, val) in enumerate(forms) if j != i and abs(val - value) < 1e-9)
    return Clause(text, {"hemoglobin": round(value, 4)}, variants)


def _epo(rng: R) -> Clause:
    v = rng.choice([rng.randint(10, 499), rng.randint(10, 499), rng.randint(501, 2500), 500, 510, 200])
    name = rng.choice(["EPO", "sEPO", "serum EPO", "serum erythropoietin", "EPO level", "endogenous EPO", "epo", "Epo"])
    sep = rng.choice([" ", " ", ": ", " of ", " = "])
    num = f"{v:,}" if v >= 1000 and rng.random() < 0.5 else str(v)
    units = ["", " mU/mL", " mIU/mL", " IU/L", " U/L", " mU/ml"]
    u = rng.choice(units)
    variants = tuple(f"{name}{sep}{num}{x}" for x in units[1:] if x != u)
    return Clause(f"{name}{sep}{num}{u}", {"serum_epo": v}, variants)


def _platelets(rng: R) -> Clause:
    v = rng.choice([rng.randint(20, 60), rng.randint(60, 400)])
    name = rng.choice(["plt", "PLT", "platelets", "platelet count", "Plt"])
    sep = rng.choice([" ", ": ", " of "])
    forms = [f"{name}{sep}{v}", f"{name}{sep}{v}K", f"{name}{sep}{v} K/uL", f"{name}{sep}{v} x10^9/L",
             f"{name}{sep}{v},000/uL", f"{name}{sep}{v * 1000:,}", f"{name}{sep}{v} x 10^9/L"]
    i = rng.randrange(len(forms))
    return Clause(forms[i], {"platelets": v}, tuple(f for j, f in enumerate(forms) if j != i))


def _anc(rng: R) -> Clause:
    v = round(rng.choice([rng.uniform(0.2, 0.9), rng.uniform(0.5, 4.0)]), 1)
    name = rng.choice(["ANC", "ANC", "absolute neutrophil count", "neutrophils"])
    sep = rng.choice([" ", ": ", " of "])
    forms = [f"{name}{sep}{v:g}", f"{name}{sep}{v:g} K/uL", f"{name}{sep}{v:g} x10^9/L", f"{name}{sep}{int(round(v * 1000)):,}/uL"]
    i = rng.randrange(len(forms))
    return Clause(forms[i], {"anc": v}, tuple(f for j, f in enumerate(forms) if j != i))


def _rs(rng: R) -> Clause:
    v = rng.choice([0, 3, 5, 8, 12, 15, 16, 18, 20, 25, 30, 40, 45, 60])
    if v == 0:
        return Clause(rng.choice(["no ring sideroblasts", "ring sideroblasts absent", "no ring sideroblasts seen"]),
                      {"ring_sideroblasts_pct": 0})
    name = rng.choice(["RS", "ring sideroblasts", "ringed sideroblasts", "ring sideroblasts"])
    text = rng.choice([f"{name} {v}%", f"{v}% {name}", f"{name} ({v}%)", f"{name} {v} percent", f"{name} of {v}%",
                       f"{name}: {v}%"])
    return Clause(text, {"ring_sideroblasts_pct": v})


def _blasts(rng: R) -> Clause:
    v = rng.choice([1, 2, 3, 4, 6, 8, 12, 15])
    text = rng.choice([f"marrow blasts {v}%", f"BM blasts {v}%", f"blasts {v}%", f"{v}% blasts", f"{v}% marrow blasts",
                       f"bone marrow blasts {v}%"])
    return Clause(text, {"marrow_blasts_pct": v})


def _sf3b1(rng: R) -> Clause:
    if rng.random() < 0.6:
        return Clause(rng.choice(["SF3B1 mutated", "SF3B1+", "SF3B1 K700E", "SF3B1-mutant", "SF3B1 positive",
                                  "SF3B1 mutation", "SF3B1 mutation detected", "mutated SF3B1", "SF3B1 mut"]),
                      {"sf3b1_mutation": True})
    return Clause(rng.choice(["SF3B1 wild-type", "SF3B1 negative", "no SF3B1 mutation", "SF3B1 not detected",
                              "SF3B1 wt", "SF3B1 neg", "SF3B1 unmutated", "negative for SF3B1"]), {"sf3b1_mutation": False})


_NORMAL = {"karyotype": "normal", "del5q": False, "chromosome7_abnormality": False, "cytogenetic_risk": "good"}


def _cyto(rng: R) -> Clause:
    form = rng.randrange(10)
    xy = rng.choice(["XY", "XX"])
    if form == 0:
        return Clause(rng.choice(["normal karyotype", "karyotype normal", "cytogenetics normal", "karyotype: normal",
                                  "normal cytogenetics"]), dict(_NORMAL))
    if form == 1:  # the shared ISCN parser counts the abnormalities besides del(5q) of any karyotype
        return Clause(f"karyotype 46,{xy}[20]", {**_NORMAL, "additional_cytogenetic_abnormalities": 0})
    if form == 2:
        return Clause(f"karyotype 46,{xy},del(5)(q13q33)[20]",
                      {"karyotype": "abnormal", "del5q": True, "chromosome7_abnormality": False,
                       "additional_cytogenetic_abnormalities": 0, "cytogenetic_risk": "good"})
    if form == 3:
        return Clause(f"karyotype 45,{xy},-7[18]/46,{xy}[2]",
                      {"karyotype": "abnormal", "del5q": False, "chromosome7_abnormality": True, "cytogenetic_risk": "poor",
                       "additional_cytogenetic_abnormalities": 1})
    if form == 4:
        return Clause(f"karyotype 47,{xy},+8[15]/46,{xy}[5]",
                      {"karyotype": "abnormal", "del5q": False, "chromosome7_abnormality": False,
                       "cytogenetic_risk": "intermediate", "additional_cytogenetic_abnormalities": 1})
    if form == 5:
        return Clause(rng.choice(["no del(5q)", "del(5q) negative", "without del 5q", "no 5q deletion", "negative for del(5q)",
                                  "del(5q) not detected", "no del5q", "5q deletion absent", "no 5q-", "5q- negative",
                                  "del(5q): none"]), {"del5q": False})
    if form == 6:
        return Clause(rng.choice(["del(5q)", "del(5q) present", "5q deletion", "with del 5q", "del(5q) positive",
                                  "5q- detected"]), {"del5q": True})
    if form == 7:
        return Clause(rng.choice(["no monosomy 7", "no -7", "no chromosome 7 abnormality"]), {"chromosome7_abnormality": False})
    if form == 8:
        return Clause(f"karyotype 46,{xy},del(20)(q11.2)[20]",
                      {"karyotype": "abnormal", "del5q": False, "chromosome7_abnormality": False, "cytogenetic_risk": "good",
                       "additional_cytogenetic_abnormalities": 1})
    return Clause(f"karyotype 47,{xy},+8,del(5)(q13q33)[20]",
                  {"karyotype": "abnormal", "del5q": True, "chromosome7_abnormality": False,
                   "additional_cytogenetic_abnormalities": 1, "cytogenetic_risk": "good"})


def _sched(per_period: float, period_days: float, times: int = 0, window: bool = False) -> dict[str, float]:
    """Units in the last 8 and 16 weeks of a schedule sustained up to today: episodes of at most 2
    units (or ``times`` equal episodes) spread evenly over each period; a window places one period."""
    n = times or max(1, math.ceil(per_period / 2))
    sizes = [per_period / n] * n if times else [2.0] * (n - 1) + [per_period - 2.0 * (n - 1)]
    step = period_days / n
    u8 = u16 = 0.0
    k = 0
    while True:
        off = int(round(k * step))
        if off >= (period_days if window else 112):
            break
        u = sizes[k % n]
        u16 += u
        if off < 56:
            u8 += u
        k += 1
    return {"units_8w": u8, "units_16w": u16}


def _units(rng: R, n: int) -> str:
    if n <= 10 and rng.random() < 0.2:
        return f"{words(n)} units"
    return rng.choice([f"{n} units", f"{n} units", f"{n}u", f"{n} U", f"{n} units of PRBC", f"{n} units pRBC",
                       f"{n} units of red cells", f"{n} units of packed red cells", f"{n} units PRBCs"]).replace(
        "1 units", "1 unit")


def _transfusions(rng: R) -> Clause:
    form = rng.randrange(10)
    if form == 0:
        return Clause(rng.choice(["not transfusion dependent", "transfusion-independent", "no transfusions", "never transfused",
                                  "has never been transfused", "no RBC transfusions to date", "no transfusion requirement",
                                  "not transfusion-dependent", "no prior transfusions"]),
                      {"rbc_transfusions": {"units_8w": 0, "units_16w": 0}})
    if form == 1:
        return Clause(rng.choice(["transfusion dependent", "transfusion-dependent", "RBC transfusion dependent"]),
                      {"rbc_transfusions": {"units_8w": 2, "units_16w": 4}})
    if form == 2:  # a window
        n = rng.choice([2, 3, 4, 5, 6, 8])
        w = rng.choice(["in the last 8 weeks", "in the past 8 weeks", "over the last 8 weeks", "in the last 8 wks",
                        "within the past 8 weeks"])
        lead = rng.choice(["", "received ", "has received ", "transfused ", "needed "])
        # the units fall inside the 8 weeks, and nothing is said before them: the record is complete only after
        # the window's start (rbc_transfusions_since), so a 16-week count (imetelstat's busiest 8 weeks of the
        # last 16, a continuation's baseline) is known only from below and asked
        return Clause(f"{lead}{_units(rng, n)} {w}", {"rbc_transfusions": {"units_8w": n, "units_16w": n},
                                                      "rbc_transfusions_since": AS_OF - dt.timedelta(days=56)})
    if form == 3:  # monthly-ish
        n = rng.choice([1, 2, 3, 4])
        f = rng.choice(["monthly", "a month", "per month", "every month", "each month", "/month"])
        sep = "" if f.startswith("/") else " "
        lead = rng.choice(["", "needs ", "requiring ", "transfused ", "getting "])
        return Clause(f"{lead}{_units(rng, n)}{sep}{f}", {"rbc_transfusions": _sched(n, 30)})
    if form == 4:  # twice a month
        n = rng.choice([1, 2])
        f = rng.choice(["twice a month", "twice monthly", "2x/month", "two times a month"])
        return Clause(f"{_units(rng, n)} {f}", {"rbc_transfusions": _sched(n * 2, 30, times=2)})
    if form == 5:  # weekly
        return Clause(rng.choice(["1 unit weekly", "one unit every week", "1 unit q1w", "1 unit every week"]),
                      {"rbc_transfusions": _sched(1, 7)})
    # every P weeks
    n = rng.choice([1, 2, 2, 2, 3, 4])
    p = rng.choice([2, 3, 3, 4, 4, 6, 8])
    f = rng.choice([f"every {p} weeks", f"q{p}w", f"q{p} weeks", f"q{p}wks", f"every {words(p)} weeks", f"q {p} weeks",
                    f"every {p} wks", f"/{p} weeks", f"every {p}wk"])
    sep = "" if f.startswith("/") else " "
    lead = rng.choice(["", "", "needs ", "requiring ", "transfused ", "receives ", "needing ", "transfusion-dependent, "])
    return Clause(f"{lead}{_units(rng, n)}{sep}{f}", {"rbc_transfusions": _sched(n, p * 7)})


def _esa(rng: R, requested: str | None) -> Clause:
    # asking for an ESA, the history names none by brand (it would read as the request)
    esa_asked = requested in ("epoetin-alfa-mds", "darbepoetin-alfa-mds")
    drug = "an ESA" if esa_asked else rng.choice(_ESA_NAMES)
    form = rng.randrange(5)
    if form == 0:
        return Clause(rng.choice(["ESA-naive", "ESA naive", "never received an ESA", "no prior ESA", "hasn't had any ESA",
                                  "has not been treated with an ESA", "no previous ESA therapy", "denies prior ESA use",
                                  "never on ESA", "no hx of ESA", "no ESA exposure", "never had an ESA"]),
                      {"esa_history": "naive"})
    wk = rng.choice([8, 10, 12, 16, 24])
    d = drug if drug != "an ESA" else "ESA"
    if form == 1:
        return Clause(rng.choice([f"failed {d} x {wk} weeks", f"failed {wk} weeks of {d}", f"no response to {wk} weeks of {d}",
                                  f"refractory to {d}", f"{d} for {wk} weeks without response", f"failed {d}",
                                  f"did not respond to {d}", f"{d} x {wk} wks, no response"]),
                      {"esa_history": "failed"})
    if form == 2:
        return Clause(rng.choice([f"lost response to {d}", f"lost her response to {d}", f"loss of response to {d}",
                                  f"relapsed after {d}", f"{d} stopped working"]), {"esa_history": "lost_response"})
    if form == 3:
        return Clause(rng.choice([f"intolerant of {d}", f"could not tolerate {d}", f"intolerant to {d}"]),
                      {"esa_history": "intolerant"})
    return Clause(rng.choice(["ESA-naive", "no prior ESA", "never received ESA therapy", "ESA naïve"]), {"esa_history": "naive"})


def _immediate(rng: R) -> Clause:
    return Clause(rng.choice(["not for immediate correction", "not for immediate correction of anemia",
                              "not needed for immediate correction of anemia",
                              "not requested as a substitute for transfusion for immediate correction",
                              "no need for immediate correction", "not for urgent correction of anemia"]),
                  {"immediate_correction_needed": False})


def _symptomatic(rng: R) -> Clause:
    if rng.random() < 0.8:
        return Clause(rng.choice(["symptomatic", "symptomatic anemia", "fatigue", "dyspnea on exertion", "fatigued",
                                  "short of breath on exertion", "symptomatic anaemia", "c/o fatigue", "exertional dyspnea"]),
                      {"anemia_symptomatic": True})
    return Clause(rng.choice(["asymptomatic", "asymptomatic anemia", "no symptoms of anemia"]), {"anemia_symptomatic": False})


def _concurrent(rng: R) -> Clause:
    return Clause(rng.choice(["no concurrent ESA", "not on an ESA now", "ESA stopped", "no ESA alongside",
                              "off ESA", "ESA discontinued", "not currently on ESA"]), {"concurrent_esa": False})


IRRELEVANT = ("lives with her daughter", "BP 132/78", "allergic to penicillin", "on amlodipine 5 mg daily",
              "creatinine 1.1", "ECOG 1", "ferritin 850", "former smoker", "hx of HTN", "A1c 6.1",
              "retired teacher", "takes metoprolol 25 mg bid", "weight 72 kg", "no bleeding",
              "TSH normal", "B12 and folate normal")

_MAKERS: list[tuple[str, float, Callable[[R], Clause]]] = [
    ("risk", 0.85, _risk), ("hb", 0.8, _hemoglobin), ("epo", 0.7, _epo), ("tx", 0.85, _transfusions),
    ("cyto", 0.75, _cyto), ("sf3b1", 0.35, _sf3b1), ("rs", 0.45, _rs), ("blasts", 0.2, _blasts),
    ("plt", 0.3, _platelets), ("anc", 0.3, _anc), ("imm", 0.35, _immediate), ("sym", 0.35, _symptomatic),
]
_TYPOS = [("patient", "pateint"), ("received", "recieved"), ("medically", "medicaly"), ("necessary", "neccessary"),
          ("covered", "coverd"), ("approved", "aproved"), ("with", "wiht"), ("qualify", "qualfy"),
          ("request", "requets"), ("would", "woudl")]


def phrase(rng: R) -> Phrased:
    """One random question."""
    outside = rng.random() < 0.04
    policy = None if outside else rng.choice(list(DRUGS))
    drug_name = rng.choice(OUTSIDE) if policy is None else rng.choice(DRUGS[policy])
    clauses: list[Clause] = []
    for _name, p, make in _MAKERS:
        if rng.random() < p:
            clauses.append(make(rng))
    if rng.random() < 0.7:
        clauses.append(_esa(rng, policy))
    if policy == "imetelstat-mds" and rng.random() < 0.6:
        clauses.append(_concurrent(rng))
    merged: dict[str, Any] = {}
    kept: list[Clause] = []
    for c in clauses:  # one clause per fact
        if not set(c.facts) & set(merged):
            kept.append(c)
            merged.update(c.facts)
    rng.shuffle(kept)
    lead = None
    demo, _ = _age_sex(rng) if rng.random() < 0.8 else (None, False)
    sex = demo.facts.get("sex") if demo else None
    if sex:  # a karyotype agrees with the sex stated
        xy = "XY" if sex == "male" else "XX"
        kept = [replace(c, text=c.text.replace("XX", xy).replace("XY", xy), variants=()) if "karyotype 4" in c.text else c
                for c in kept]
    dx = _diagnosis(rng) if rng.random() < 0.92 else None
    style = rng.choice(["narrative", "terse", "trailing", "form", "narrative"])
    if demo and dx:
        lead = Clause(f"{demo.text} with {dx.text}", {**demo.facts, **dx.facts})
    elif demo:
        lead = demo
    elif dx:
        lead = Clause(f"a patient with {dx.text}", dx.facts)
    if style == "terse" and lead is not None and lead.text.startswith("a "):
        lead = replace(lead, text=lead.text[2:])
    joiner = rng.choice([", ", ", ", "; ", ". ", ", "])
    typo = rng.choice(_TYPOS) if rng.random() < 0.15 else None
    return Phrased(drug_name, policy, style, lead, tuple(kept), joiner,
                   answer="no_policy" if policy is None else "determination", typo=typo)


def _join(parts: list[str], joiner: str) -> str:
    if len(parts) > 2 and joiner == ", " and parts[-1][:1].islower():
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return joiner.join(parts)


def render(q: Phrased, *, clause_texts: list[str] | None = None) -> str:
    """The question's text (``clause_texts`` replaces the clauses' own text, same order)."""
    parts = list(clause_texts if clause_texts is not None else [c.text for c in q.clauses]) + list(q.extra)
    lead = q.lead.text if q.lead else ""
    body = _join(parts, q.joiner)
    d = q.drug_name
    if q.style == "narrative":
        who = lead or "a patient"
        text = f"Is {d} medically necessary for {who}" + (f", {body}" if body else "") + "?"
        if q.joiner == ". " and body:
            text = f"Is {d} medically necessary for {who}? {body}."
    elif q.style == "terse":
        text = f"{d} request: " + ", ".join(x for x in (lead, body) if x)
    elif q.style == "trailing":
        text = (lead[0].upper() + lead[1:] + (q.joiner if body else "") if lead else "") + body
        text = text.rstrip(" ,;.") + f". Would {d} be covered?"
    else:  # form
        text = f"Can we get {d} approved? " + "; ".join(x for x in (lead, *parts) if x)
    if q.typo:
        word, bad = q.typo
        i = text.find(f" {word} ")
        if i >= 0:
            text = text[:i + 1] + bad + text[i + 1 + len(word):]
    return text


def _case(q: Phrased, i: int, runtime: Any, text: str | None = None) -> Case:
    from mednec.labels import label_determination

    facts = q.facts
    c = Case(id=f"g{i:05d}", text=text or render(q), kind="question", facts=facts, answer=q.answer, drug=q.policy,
             determination=None)
    if q.answer == "determination":
        c = replace(c, determination=label_determination(c, runtime, AS_OF))
    else:
        c = replace(c, drug=None)
    return c


def generate(n: int, seed: int = 14, runtime: Any = None) -> list[Case]:
    """``n`` labelled questions, the same for the same seed."""
    from mednec.runtime import default_runtime

    rt = runtime or default_runtime()
    rng = random.Random(seed)
    return [_case(phrase(rng), i, rt) for i in range(n)]


def cases(n: int, seed: int = 14) -> list[Phrased]:
    """``n`` structured questions (for metamorphic tests), the same for the same seed."""
    rng = random.Random(seed)
    return [phrase(rng) for _ in range(n)]
