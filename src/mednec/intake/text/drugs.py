"""Drug names in text: the catalog's generic, brand and other names, a small alias list,
near-misses by fuzzy match (difflib), and known drugs outside the pack.

>>> from mednec.runtime import default_runtime
>>> [d.policy_id for d in find_drugs("can he get reblozil?", default_runtime().catalog)]
['luspatercept-mds']
"""

# ruff: noqa: E501  (regex tables read best one alternative per line, unbroken)

from __future__ import annotations

import difflib
import re
from functools import cache, lru_cache

from mednec.intake.text.model import DrugMention, TextSpan
from mednec.policies.loader import Catalog

__all__ = ["ALIASES", "OUTSIDE_PACK", "find_drugs"]

# extra names by generic name (the catalog already knows generic, brands and `names`)
ALIASES: dict[str, tuple[str, ...]] = {
    "luspatercept-aamt": ("luspatercept", "luspatercept-aamt", "ACE-536", "ACE 536", "ACE536"),
    "imetelstat": ("GRN163L", "imetelstat sodium"),
    "epoetin alfa": ("epoetin alpha", "epoetin alfa-epbx", "epo alfa", "epo alpha", "Eprex", "epoetin zeta", "rhEPO",
                     "recombinant erythropoietin", "recombinant human erythropoietin"),
    "darbepoetin alfa": ("darbepoetin", "darbepoetin alpha", "darbe"),
    "lenalidomide": ("CC-5013",),
}
_NOTES = {
    "epoetin zeta": "epoetin zeta (an EU biosimilar of epoetin alfa) is evaluated under the epoetin alfa policy",
    "eprex": "Eprex is the EU brand of epoetin alfa",
}
# generic ESA words: a request for "an ESA" is read as epoetin alfa (darbepoetin alfa has the same criteria)
_CLASS = r"ESAs?|erythropoiesis[\s-]+stimulating\s+agents?"
OUTSIDE_PACK: tuple[str, ...] = (
    "azacitidine", "Vidaza", "decitabine", "Dacogen", "Inqovi", "venetoclax", "Venclexta", "hydroxyurea", "eltrombopag",
    "romiplostim", "deferasirox", "Exjade", "Jadenu", "filgrastim", "G-CSF", "cyclosporine", "antithymocyte globulin",
    "vitamin D", "cholecalciferol", "ergocalciferol", "methotrexate", "adalimumab", "thalidomide", "pomalidomide",
    "ivosidenib", "enasidenib", "olutasidenib", "imatinib", "roxadustat", "daprodustat", "antipsychotic", "antipsychotics",
    "olanzapine", "risperidone", "methimazole", "propylthiouracil", "ceftriaxone", "meropenem", "levofloxacin",
    "ruxolitinib", "Jakafi", "Mircera", "methoxy polyethylene glycol-epoetin beta", "sotatercept", "bone marrow transplant", "stem cell transplant", "allogeneic transplant", "HSCT", "chemotherapy",
)
_FUZZY_SKIP = frozenset(["patient", "patients", "platelets", "platelet", "hemoglobin", "haemoglobin", "transfusion", "transfusions", "transfused", "erythropoietin", "syndrome", "syndromes", "treatment", "treatments", "appropriate", "necessary", "medically", "myelodysplastic", "sideroblasts", "sideroblast", "thrombocytopenia", "neutrophil", "neutrophils", "receiving", "received", "required", "requiring", "response", "responded", "approved", "approval", "coverage", "criteria", "deletion", "mutation", "mutated", "karyotype", "cytogenetics", "anemia", "anaemia", "symptomatic", "previously", "protein", "reduced", "approve", "retained"])


@cache
def _table(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, str], dict[str, str]]:
    """(regex of every name, folded name -> policy id, single-word names for fuzzy matching)."""
    names: dict[str, str] = {}
    for p in catalog.policies():
        for n in (*p.names(), *ALIASES.get(p.drug.generic, ())):
            names[_fold(n)] = p.id
    for n in OUTSIDE_PACK:
        names.setdefault(_fold(n), "")
    alts = sorted({n for p in catalog.policies() for n in (*p.names(), *ALIASES.get(p.drug.generic, ()))} | set(OUTSIDE_PACK),
                  key=len, reverse=True)
    body = "|".join(r"[\s-]*".join(re.escape(w) for w in re.split(r"[\s-]+", a)) for a in alts)
    rx = re.compile(rf"(?<![\w-])(?:{body})(?![\w])|(?<![\w-])(?P<cls>{_CLASS})(?![\w-])", re.I)
    single = {k: v for k, v in names.items() if v and " " not in k and len(k) >= 6}
    return rx, names, single


@lru_cache(maxsize=4096)
def _near(word: str, names: tuple[str, ...]) -> str | None:
    """The drug name ``word`` is a misspelling of (similarity >= 0.8), if any."""
    if word in _FUZZY_SKIP or any(ch.isdigit() for ch in word):
        return None
    best, best_ratio = None, 0.8
    for name in names:
        if abs(len(name) - len(word)) > 3:
            continue
        sm = difflib.SequenceMatcher(None, word, name)
        if sm.real_quick_ratio() >= best_ratio and sm.quick_ratio() >= best_ratio:
            r = sm.ratio()
            if r >= best_ratio:
                best, best_ratio = name, r
    return best


def _fold(name: str) -> str:
    return re.sub(r"[\s-]+", " ", name.strip().lower())


def find_drugs(text: str, catalog: Catalog, *, source_offset: int = 0) -> list[DrugMention]:
    """Every drug mentioned in ``text``, in order: exact names first, then near-misses."""
    rx, names, single = _table(catalog)
    epoetin = next((p.id for p in catalog.policies() if p.drug.generic == "epoetin alfa"), None)
    out: list[DrugMention] = []
    taken: list[tuple[int, int]] = []
    for m in rx.finditer(text):
        span = TextSpan(m.start() + source_offset, m.end() + source_offset, m.group(0))
        taken.append((m.start(), m.end()))
        if m.group("cls"):
            out.append(DrugMention(m.group(0), span, epoetin, "class",
                                   "an ESA is evaluated as epoetin alfa (darbepoetin alfa has the same criteria)"))
            continue
        key = _fold(m.group(0))
        pid = names.get(key) or None
        out.append(DrugMention(m.group(0), span, pid, "exact" if pid else "outside",
                               _NOTES.get(key, "" if pid else "not in the MDS anemia pack")))
    covered = bytearray(len(text) + 1)
    for a, b in taken:
        covered[a:b] = b"\x01" * (b - a)
    for w in re.finditer(r"[A-Za-z][A-Za-z0-9]{5,}", text):
        if covered[w.start()]:
            continue
        near = _near(w.group(0).lower(), tuple(single))
        if near:
            span = TextSpan(w.start() + source_offset, w.end() + source_offset, w.group(0))
            out.append(DrugMention(w.group(0), span, single[near], "fuzzy", f"read as {near}"))
    return sorted(out, key=lambda d: d.span.start)
