"""The code tables FHIR intake reads (``code_tables.yaml``): each code with its verification status.

Only ``verified`` codes recognise anything; an ``unverified`` code is kept in the table (so a
reviewer can check it and flip its status) but never used, so a wrong code cannot turn a
resource into a fact. Names still recognise a drug or a red-cell product when no verified code does.

* :func:`loinc_alternatives` -- fact -> the LOINC codes an EHR may send for it;
* :func:`transfusion_meaning` -- a procedure coding -> ``red_cells`` | ``blood_product`` | ``other``;
* :func:`rxnorm_drugs` -- RxNorm code -> drug (ingredient or product-level code);
* :func:`rxnorm_brands` -- product-level RxNorm code -> the brand its source names (Ozempic, Zepbound), which
  tells apart two policies of one generic.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, NamedTuple

import yaml

__all__ = ["CodeEntry", "entries", "loinc_alternatives", "rxnorm_brands", "rxnorm_drugs", "transfusion_meaning"]

VERIFIED = "verified"


class CodeEntry(NamedTuple):
    """One code of the tables, with where it was verified (or why it is not)."""

    table: str
    key: str  # the fact, drug or meaning it stands for
    system: str
    code: str
    display: str
    status: str
    source: str
    brand: str = ""  # the marketed product the source names for a product-level RxNorm code


@functools.cache
def _raw() -> Mapping[str, Any]:
    text = resources.files("mednec.intake.fhir").joinpath("code_tables.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@functools.cache
def entries() -> tuple[CodeEntry, ...]:
    """Every code in the tables, verified or not."""
    out: list[CodeEntry] = []
    raw = _raw()
    for fact, codes in raw["loinc"].items():
        for c in codes:
            out.append(CodeEntry("loinc", fact, "http://loinc.org", str(c["code"]), c["display"], c["status"],
                                 c["source"]))
    for c in raw["transfusion"]:
        out.append(CodeEntry("transfusion", c["means"], c["system"], str(c["code"]), c["display"], c["status"],
                             c["source"]))
    for drug, groups in raw["rxnorm"].items():
        for g in groups:
            for code in g["codes"]:
                out.append(CodeEntry("rxnorm", drug, "http://www.nlm.nih.gov/research/umls/rxnorm", str(code),
                                     f"{drug} ({g['tty']})", g["status"], g["source"], str(g.get("brand") or "")))
    return tuple(out)


def _verified(table: str) -> Iterable[CodeEntry]:
    return (e for e in entries() if e.table == table and e.status == VERIFIED)


@functools.cache
def loinc_alternatives() -> Mapping[str, tuple[str, ...]]:
    """Fact -> verified LOINC codes for it."""
    out: dict[str, list[str]] = {}
    for e in _verified("loinc"):
        out.setdefault(e.key, []).append(e.code)
    return {k: tuple(v) for k, v in out.items()}


@functools.cache
def _transfusion() -> Mapping[tuple[str, str], CodeEntry]:
    return {(e.system, e.code): e for e in _verified("transfusion")}


def transfusion_meaning(system: str, code: str) -> CodeEntry | None:
    """The verified transfusion code (its ``key`` says what was transfused), or ``None``."""
    return _transfusion().get((system, code))


@functools.cache
def rxnorm_drugs() -> Mapping[str, str]:
    """Verified RxNorm code -> the drug it is (generic name as in the packs)."""
    return {e.code: e.key for e in _verified("rxnorm")}


@functools.cache
def rxnorm_brands() -> Mapping[str, str]:
    """Verified product-level RxNorm code -> the brand its source names (only codes with a brand)."""
    return {e.code: e.brand for e in _verified("rxnorm") if e.brand}
