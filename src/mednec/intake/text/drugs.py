"""Drug names in text: the catalog's generic, brand and other names, each pack's
``vocabulary.yaml`` (aliases, class words such as "an ESA", drugs outside the packs), and
near-misses by fuzzy match (difflib).

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
from mednec.policies.vocabulary import Product

__all__ = ["find_drugs"]

_FUZZY_SKIP = frozenset(["patient", "patients", "platelets", "platelet", "hemoglobin", "haemoglobin", "transfusion", "transfusions", "transfused", "erythropoietin", "syndrome", "syndromes", "treatment", "treatments", "appropriate", "necessary", "medically", "myelodysplastic", "sideroblasts", "sideroblast", "thrombocytopenia", "neutrophil", "neutrophils", "receiving", "received", "required", "requiring", "response", "responded", "approved", "approval", "coverage", "criteria", "deletion", "mutation", "mutated", "karyotype", "cytogenetics", "anemia", "anaemia", "symptomatic", "previously", "protein", "reduced", "approve", "retained"])


def _aliases(catalog: Catalog, generic: str) -> tuple[str, ...]:
    return tuple(a for pack in catalog.packs for a in pack.vocabulary.drug_aliases.get(generic, ()))


@cache
def _table(catalog: Catalog) -> tuple[re.Pattern[str] | None, dict[str, str], dict[str, str], dict[str, tuple[str, str]],
                                      dict[str, str]]:
    """(regex of every name, folded name -> policy id, single-word names for fuzzy matching,
    folded class word -> (policy id, note), folded name -> note), from the policies' names and the
    packs' ``vocabulary.yaml``."""
    names: dict[str, str] = {}
    every: set[str] = set()
    for p in catalog.policies():
        for n in (*p.names(), *_aliases(catalog, p.drug.generic)):
            names[_fold(n)] = p.id
            every.add(n)
    for pack in catalog.packs:
        for n in pack.vocabulary.outside_drugs:
            names.setdefault(_fold(n), "")
            every.add(n)
    classes = {_fold(w): (r.policy, r.note) for pack in catalog.packs for r in pack.vocabulary.class_requests
               for w in r.words}
    notes = {_fold(k): v for pack in catalog.packs for k, v in pack.vocabulary.drug_notes.items()}
    alts = sorted(every, key=len, reverse=True)
    body = "|".join(r"[\s-]*".join(re.escape(w) for w in re.split(r"[\s-]+", a)) for a in alts)
    cls = "|".join(r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", c))
                   for c in sorted(classes, key=len, reverse=True))
    parts = ([rf"(?<![\w-])(?:{body})(?![\w])"] if body else []) + ([rf"(?<![\w-])(?P<cls>{cls})(?![\w-])"] if cls else [])
    rx = re.compile("|".join(parts), re.I) if parts else None
    single = {k: v for k, v in names.items() if v and " " not in k and len(k) >= 6}
    return rx, names, single, classes, notes


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


@cache
def _products(catalog: Catalog) -> tuple[dict[str, tuple[Product, ...]], dict[str, re.Pattern[str]]]:
    """(folded generic name or alias -> its products, when an ingredient is sold as several; indication ->
    the regex of its words), from the packs' ``vocabulary.yaml``."""
    by_generic: dict[str, list[Product]] = {}
    words: dict[str, set[str]] = {}
    for pack in catalog.packs:
        for pr in pack.vocabulary.products:
            generic = catalog.policy(pr.policy).drug.generic
            for n in (generic, *_aliases(catalog, generic)):
                by_generic.setdefault(_fold(n), []).append(pr)
        for ind, ws in pack.vocabulary.indications.items():
            words.setdefault(ind, set()).update(ws)
    rx = {ind: re.compile(r"(?<![\w-])(?:" + "|".join(r"[\s-]+".join(map(re.escape, w.split())) for w in sorted(ws, key=len, reverse=True))
                          + r")(?![\w-])", re.I) for ind, ws in words.items()}
    return {k: tuple(v) for k, v in by_generic.items() if len(v) > 1}, rx


_DOSE_AFTER = re.compile(r"\s*(\d+(?:\.\d+)?)\s*mg\b", re.I)


def _product(text: str, end: int, products: tuple[Product, ...], indications: dict[str, re.Pattern[str]]) -> str:
    """The policy of the product a shared generic name at ``text[:end]`` names: by a dose only one product has
    right after it, else by the one product whose indication the text states; "" when that does not decide."""
    dose = _DOSE_AFTER.match(text, end, min(len(text), end + 16))
    if dose is not None:
        by_dose = [p for p in products if float(dose.group(1)) in p.doses]
        if len(by_dose) == 1:
            return by_dose[0].policy
    said = {ind for ind, rx in indications.items() if rx.search(text)}
    by_use = [p for p in products if said & set(p.indications)]
    return by_use[0].policy if len(by_use) == 1 else ""


def find_drugs(text: str, catalog: Catalog, *, source_offset: int = 0) -> list[DrugMention]:
    """Every drug mentioned in ``text``, in order: exact names first, then near-misses."""
    rx, names, single, classes, notes = _table(catalog)
    out: list[DrugMention] = []
    taken: list[tuple[int, int]] = []
    for m in rx.finditer(text) if rx is not None else ():
        span = TextSpan(m.start() + source_offset, m.end() + source_offset, m.group(0))
        taken.append((m.start(), m.end()))
        key = _fold(m.group(0))
        if m.groupdict().get("cls"):
            policy, note = classes[key]
            out.append(DrugMention(m.group(0), span, policy, "class", note))
            continue
        pid = names.get(key) or None
        shared, indications = _products(catalog)
        if key in shared:  # "semaglutide": Wegovy or Ozempic, by the dose or the indication said
            pid = _product(text, m.end(), shared[key], indications)
            if not pid:
                brands = " or ".join(b for p in shared[key] for b in catalog.policy(p.policy).drug.brands[:1])
                out.append(DrugMention(m.group(0), span, "", "ambiguous",
                                       f"{m.group(0)} is {brands}: say the product, its dose or what it is for"))
                continue
        out.append(DrugMention(m.group(0), span, pid, "exact" if pid else "outside",
                               notes.get(key, "" if pid else "not in any pack")))
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
