"""Code systems and the codes FHIR intake recognises, with how far each is verified.

System URIs are the ones FHIR R4 names for each terminology. ``MEDNEC_BASE`` is the
placeholder canonical base for mednec's own artefacts (local code systems, Questionnaires);
``.example`` is reserved (RFC 2606), so nothing mistakes it for a published URL until the
real canonical base is chosen.

Verification status (from the pack's gathered clinical facts and the sources named beside each code):

* LOINC 718-7, 15061-5, 26445-7, 777-3, 751-8: as in the fact dictionary.
* Genomics Reporting IG (HL7, STU3) variant pattern -- CONFIRMED in its published examples:
  Observation.code LOINC 69548-6 "Genetic variant assessment", value LA9633-4 "Present" /
  LA9634-2 "Absent", component LOINC 48018-6 "Gene studied [ID]" valued with an HGNC code
  (system http://www.genenames.org/geneId). SF3B1 is HGNC:10768.
* SNOMED CT 116859006 "Transfusion of blood product (procedure)" -- CONFIRMED (BFDR IGs). No
  red-cell-specific procedure code is verified, so a red-cell transfusion is recognised from
  the text (red cells, RBC, PRBC, packed cells) of the procedure or of the product it used.
* RxNorm codes come from the code tables (``code_tables.yaml``, :mod:`code_tables`): the
  product-level codes openFDA's NDC directory maps each marketed product to (Reblozyl, Rytelo,
  Revlimid and generic lenalidomide, Epogen, Procrit, Retacrit, Aranesp) are verified there and
  recognise the drug; the ingredient codes recalled from memory (epoetin alfa 105694,
  darbepoetin alfa 283838, lenalidomide 342369) are marked unverified and are NOT used. The
  drug's name always suffices (epoetin, darbepoetin, Epogen, Procrit, Retacrit, Aranesp;
  luspatercept, Reblozyl, ACE-536; imetelstat, Rytelo; lenalidomide, Revlimid).
* A requested drug is recognised through the packs' drug vocabulary (its policy's names and the
  RxNorm and HCPCS codes its ``drug:`` section gives, e.g. HCPCS J0896 for luspatercept), see
  :mod:`treatment`; no drug table is repeated here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mednec.intake.fhir.code_tables import rxnorm_drugs

__all__ = [
    "ABSENT_CODES",
    "CPT",
    "ESA_CLASS",
    "ESA_NAMES",
    "ESA_RXNORM",
    "GENE_STUDIED",
    "HCPCS",
    "HGNC",
    "ICD10CM",
    "LOCAL_SYSTEM",
    "LOINC",
    "MEDNEC_BASE",
    "PRESENT_CODES",
    "RXNORM",
    "SF3B1_HGNC",
    "SNOMED",
    "SYSTEM_URIS",
    "UCUM",
    "VARIANT_ASSESSMENT",
    "codings",
    "concept_texts",
    "esa_drug",
    "fold",
    "is_red_cell_text",
    "names_esa_class",
    "system_uri",
]

MEDNEC_BASE = "https://mednec.example/fhir"
LOCAL_SYSTEM = f"{MEDNEC_BASE}/CodeSystem/mednec"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
HCPCS = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
UCUM = "http://unitsofmeasure.org"
HGNC = "http://www.genenames.org/geneId"

#: How the fact dictionary names a code system -> the FHIR system URI.
SYSTEM_URIS: Mapping[str, str] = {
    "LOINC": LOINC,
    "SNOMED CT": SNOMED,
    "ICD-10-CM": ICD10CM,
    "RxNorm": RXNORM,
    "HCPCS": HCPCS,
    "mednec": LOCAL_SYSTEM,
}
#: Spellings of the local system accepted on input (the dictionary writes ``mednec``).
LOCAL_SYSTEM_ALIASES = frozenset({LOCAL_SYSTEM, "mednec", "urn:mednec"})

VARIANT_ASSESSMENT = "69548-6"
GENE_STUDIED = "48018-6"
SF3B1_HGNC = "HGNC:10768"
#: Yes/no answers as (system, code). The LOINC answers are CONFIRMED (Genomics Reporting IG);
#: the SNOMED CT qualifier values (present, positive, detected / absent, negative, not
#: detected) are widely used but not verified here -- their display text is matched anyway.
#: The answers of a pregnancy-status Observation (LOINC 82810-3), SNOMED CT 77386006 "Patient currently
#: pregnant" / 60001007 "Not pregnant" -- CONFIRMED: the US Core Observation Pregnancy Status profile's
#: example and the Pregnancy Status value set (HL7 COVID-19 FHIR Profile Library IG 1.0.0). "Pregnancy not
#: yet confirmed" and "possible pregnancy" are neither and give nothing.
PRESENT_CODES = frozenset({(LOINC, "LA9633-4"), (SNOMED, "52101004"), (SNOMED, "10828004"), (SNOMED, "260373001"),
                           (SNOMED, "77386006")})
ABSENT_CODES = frozenset({(LOINC, "LA9634-2"), (SNOMED, "2667000"), (SNOMED, "260385009"), (SNOMED, "260415000"),
                          (SNOMED, "60001007")})
BLOOD_PRODUCT_TRANSFUSION = "116859006"
CPT = "http://www.ama-assn.org/go/cpt"

_ESAS = ("epoetin alfa", "darbepoetin alfa")
#: Verified RxNorm codes of the ESAs (from the code tables; see the module docstring).
ESA_RXNORM: Mapping[str, str] = {c: d for c, d in rxnorm_drugs().items() if d in _ESAS}
#: Name fragments (folded) -> the drug recorded in esa_history; longest match first.
ESA_NAMES: tuple[tuple[str, str], ...] = (
    ("darbepoetinalfa", "darbepoetin alfa"),
    ("darbepoetin", "darbepoetin alfa"),
    ("aranesp", "darbepoetin alfa"),
    ("epoetinalfaepbx", "epoetin alfa"),
    ("epoetinalfa", "epoetin alfa"),
    ("retacrit", "epoetin alfa"),
    ("procrit", "epoetin alfa"),
    ("epogen", "epoetin alfa"),
    ("epoetinbeta", "epoetin beta"),
    ("mircera", "epoetin beta"),
    ("epoetin", "epoetin alfa"),
)

_RED_CELL = re.compile(r"\b(red (blood )?cells?|rbcs?|prbcs?|packed (red )?cells?|erythrocytes?)\b", re.I)


def system_uri(name: str) -> str:
    """The FHIR URI for a code system as the fact dictionary names it."""
    return SYSTEM_URIS.get(name, name)


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case letters and digits only: 'Epoetin Alfa-epbx' -> 'epoetinalfaepbx' (remembered: medication
    texts repeat across a population)."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def codings(concept: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """(system, code, display) of each coding of a CodeableConcept, local system normalised.

    A list, not a generator, and a string taken as it is: read several times for every resource."""
    if not concept:
        return []
    out = []
    for c in concept.get("coding") or ():
        system, code, display = c.get("system"), c.get("code"), c.get("display")
        system = system if system.__class__ is str else str(system or "")
        if system in LOCAL_SYSTEM_ALIASES:
            system = LOCAL_SYSTEM
        out.append((system, code if code.__class__ is str else str(code or ""),
                    display if display.__class__ is str else str(display or "")))
    return out


def concept_texts(concept: Mapping[str, Any] | None,
                  coded: list[tuple[str, str, str]] | None = None) -> list[str]:
    """The text and every coding display of a CodeableConcept (``coded``: its :func:`codings`, when
    the caller has them)."""
    if not concept:
        return []
    out = [str(concept["text"])] if concept.get("text") else []
    out += [d for _, _, d in (codings(concept) if coded is None else coded) if d]
    return out


#: The drug recorded for a medication named only by its class ("ESA").
ESA_CLASS = "erythropoiesis-stimulating agent"


def esa_drug(codes: Iterable[tuple[str, str, str]], texts: Iterable[str]) -> str | None:
    """The ESA a medication is (by RxNorm ingredient or by name), or ``None``.

    A medication named only by class ("erythropoiesis-stimulating agent", "ESA") gives
    :data:`ESA_CLASS`.
    """
    for system, code, _ in codes:
        if system == RXNORM and code in ESA_RXNORM:
            return ESA_RXNORM[code]
    folded_texts = [fold(t) for t in texts]
    for folded in folded_texts:
        for fragment, drug in ESA_NAMES:
            if fragment in folded:
                return drug
    if names_esa_class(texts):
        return ESA_CLASS
    return None


def names_esa_class(texts: Iterable[str]) -> bool:
    """True when a text names ESAs as a class ("erythropoiesis-stimulating agent", "ESA")."""
    return any(f in ("esa", "esas") or "erythropoiesisstimulating" in f for f in map(fold, texts))


def is_red_cell_text(texts: Iterable[str]) -> bool:
    """True when any text names red cells (red blood cells, RBC, PRBC, packed cells)."""
    return any(_names_red_cells(t) if t.__class__ is str else _RED_CELL.search(t) for t in texts)


@functools.lru_cache(maxsize=4096)
def _names_red_cells(text: str) -> bool:
    """Whether one text names red cells (remembered: the pattern's search is slow, and product and procedure
    texts repeat across a population)."""
    return _RED_CELL.search(text) is not None
