"""Every standard code that decides a fact rests on a primary source.

A code in the fact dictionary (``facts/dictionary.yaml`` or a pack's ``facts.yaml``) turns a FHIR
resource or a coded diagnosis into a fact, so it decides as much as a criterion's threshold does. Its
``status`` says how far it is verified:

* ``confirmed`` -- read in a primary source (the code system's own release, or a value set published
  with the code system's release, such as an NLM VSAC expansion); ``source:`` names that source, a
  reference of the pack's ``references.yaml`` (the core dictionary's codes: ``facts/references.yaml``)
  whose own status is ``confirmed``. Codes confirmed before sources were recorded carry no ``source``;
* ``secondary`` -- seen only in a secondary place (a code list, a blog, an example). Such a code must
  be verified before it decides: ``mednec policies check`` fails on it, except for the codes listed in
  :data:`PENDING`, each with the places searched in vain. The list only shrinks: a listed code that is
  no longer secondary (or no longer in the dictionary) is reported too, so the entry is removed;
* ``local`` -- mednec's own code system (``system: mednec``): nothing to verify.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

from mednec.policies.references import Reference, parse_references
from mednec.yaml_loader import SafeLoader

if TYPE_CHECKING:
    from mednec.facts.dictionary import Code, FactDictionary
    from mednec.policies.loader import Catalog

__all__ = ["PENDING", "STATUSES", "code_problems", "core_references", "dictionary_codes"]

STATUSES = ("confirmed", "secondary", "local")
LOCAL_SYSTEMS = frozenset({"mednec"})

#: Codes still resting on a secondary source, with why each is not verified yet. Do not add to this list:
#: verify a new code against a primary source (or leave it out of the dictionary).
PENDING: Mapping[tuple[str, str, str], str] = {  # (pack, "" for the core dictionary; system; code) -> why
    ("", "SNOMED CT", "1755008"): "Old myocardial infarction: not in the VSAC Myocardial Infarction expansions read "
                              "(eCQM QI-Core 2024/2025 content); the HL7 CREDS value set is defined by a filter "
                              "(is-a 22298006), which lists no codes; 2026-12-07: not in the cqframework eCQM R4, "
                              "QI-Core 2024/2025, CMS 2025 or opioid-cds-r4 snapshots (files under 4 MiB); seen only (display 'Healed "
                              "coronary') in a third-party copy of the FHIR R4 example value set "
                              "medication-as-needed-reason, not the code system's release; session 8: absent from every "
                              "VSAC file of the eCQM QI-Core 2024 snapshot (git grep, commit 9ebd48ff); found only in "
                              "application code and mapping tables",
    ("ldl_lowering", "LOINC", "2571-8"): "Triglyceride [Mass/volume] in Serum or Plasma: no VSAC expansion or LOINC table release "
                         "carrying it was found (eCQM QI-Core 2024/2025, CMS 2025 and R4 content searched; "
                         "2026-12-07: also not in the cqframework snapshots (files under 4 MiB); seen only in application code, test "
                         "fixtures and national IG profiles; session 8: not in any VSAC file of the eCQM QI-Core 2024 "
                         "snapshot (git grep), no loinc.org page for it or for a lipid panel stored; a Taiwanese IG "
                         "value set and lab test catalogues list it, which are not releases)",
    ("mds_anemia", "LOINC", "26445-7"): "bone marrow blasts: no LOINC release or VSAC expansion found; the descriptor itself is "
                          "uncertain (the dictionary and code_tables.yaml spell it differently); 2026-12-07: seen only "
                          "in an Uzbek (uz/ru) lab IG's ConceptMaps/CodeSystems (FSH), which give 'Myeloblasts/100 "
                          "leukocytes in Bone marrow by Manual count' as the dictionary does; code_tables.yaml's "
                          "entry (which cited the dictionary itself) is now unverified; session 8: no loinc.org page stored, "
                          "not in the eCQM QI-Core 2024 VSAC files (git grep)",
    ("mds_anemia", "LOINC", "751-8"): "Neutrophils [#/volume] in Blood by Automated count: seen only in IG examples and code lists, "
                        "not in a LOINC release or VSAC expansion (2026-12-07: not in the cqframework eCQM or "
                        "opioid-cds-r4 snapshots either; code_tables.yaml's entry, an IG example, is now unverified; "
                        "session 8: not in the eCQM QI-Core 2024 VSAC files (git grep); loinc.org's stored page for the "
                        "CBC panel 58410-2 does not list it, and no page for 751-8 or 57021-8 is stored)",
}

_CORE_FILE = "facts/dictionary.yaml"


@cache
def core_references() -> Mapping[str, Reference]:
    """The references the core dictionary's codes cite (``facts/references.yaml``)."""
    text = resources.files("mednec.facts").joinpath("references.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=SafeLoader) or {}  # noqa: S506 (safe loader)
    return parse_references(data, source="facts/references.yaml")


def dictionary_codes(dictionary: FactDictionary) -> Iterator[tuple[str, str, Code]]:
    """(pack, where, code) for every code of every fact and category value; pack ``""`` is the core."""
    for fid, fd in dictionary.facts.items():
        for c in fd.codes:
            yield fd.pack, f"fact {fid}", c
        for r in fd.code_ranges:
            yield fd.pack, f"fact {fid} code_ranges", r.code
        for key, value in fd.values.items():
            for c in value.codes:
                yield value.pack or fd.pack, f"fact {fid} value {key}", c


def code_problems(dictionary: FactDictionary, catalog: Catalog) -> list[tuple[str, str]]:
    """(file, problem) for each code whose verification is not what it must be (see the module)."""
    packs = {p.id: p for p in catalog.packs}
    out: list[tuple[str, str]] = []
    seen_pending: set[tuple[str, str, str]] = set()
    for pack_id, where, c in dictionary_codes(dictionary):
        pack = packs.get(pack_id)
        file = f"{pack.path}/facts.yaml" if pack is not None else _CORE_FILE
        refs: Mapping[str, Reference] = pack.references if pack is not None else core_references()
        label = f"{where}: {c.system} {c.code}"
        if c.status not in STATUSES:
            out.append((file, f"{label}: status {c.status!r} is not one of {', '.join(STATUSES)}"))
        elif c.status == "local" and c.system not in LOCAL_SYSTEMS:
            out.append((file, f"{label}: only mednec's own codes are local"))
        elif c.status == "secondary":
            if (pack_id, c.system, c.code) in PENDING:
                seen_pending.add((pack_id, c.system, c.code))
            else:
                out.append((file, f"{label} rests on a secondary source; verify it against a primary source "
                                  "(the code system's release or a VSAC expansion) and name it in source:, "
                                  "or leave the code out"))
        if c.source:
            ref = refs.get(c.source)
            if ref is None:
                out.append((file, f"{label}: source {c.source!r} is not in "
                                  f"{'references.yaml' if pack is not None else 'facts/references.yaml'}"))
            elif ref.status != "confirmed":
                out.append((file, f"{label}: source {c.source!r} is itself {ref.status}"))
    loaded = {"", *packs}  # a pack not checked (another packs folder) leaves its entries alone
    for _pack, system, code in sorted(k for k in set(PENDING) - seen_pending if k[0] in loaded):
        out.append(("mednec/packcheck/codes.py", f"PENDING lists {system} {code}, which no fact codes as secondary "
                                                   "any more: remove it from the list"))
    return out
