"""No criterion that reads a fact rests on secondary sources alone.

A leaf of a criteria tree (a fact compared with a threshold or a value) decides, so the references it
cites must include one whose ``status`` is ``confirmed`` (read in the source itself: a label, a trial,
a guideline, a payer policy, or mednec's own decision record) -- or one marked ``unverified``, the
project's flag for a criterion knowingly resting on a source not yet verified, which the policy's notes
then explain (as the skeleton of ``mednec packs new`` does). A leaf citing only ``secondary`` references
(seen in someone else's summary, never re-checked) is a problem, except those listed in :data:`PENDING`,
each with what is missing. The list only shrinks: an entry whose criterion now cites another source
(or is gone) is reported too, so it is removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mednec.policies.loader import Catalog

__all__ = ["PENDING", "citation_problems"]

_ACCEPTED = ("confirmed", "unverified")

#: (policy id, criterion id) -> why its only sources are still secondary. Do not add to this list.
PENDING: Mapping[tuple[str, str], str] = {
    ("tirzepatide-mounjaro", "age_label"): "mounjaro-pi: the primary text read (DailyMed, SPL set d2d7da5d version 23, "
                                           "updated 2025-04-08) gives adults only, but it is superseded (FDALabel holds "
                                           "version 36, effective 2026-01-21, whose sections 1 and 8.4 were not readable "
                                           "here) and label mirrors report a newer indication in pediatric patients 10 years "
                                           "and older: neither 18 nor 10 is verified against the current label (2026-12-07, "
                                           "session 8: FDALabel v36 and openFDA store only their headers; no SrLC, pediatric "
                                           "labeling database entry, approval letter or Lilly release is stored; see mounjaro-pi)",
}


def citation_problems(catalog: Catalog) -> list[tuple[str, str]]:
    """(file, problem) for each fact-reading criterion without a confirmed source (see the module)."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    checked: set[str] = set()
    for pack in catalog.packs:
        refs = pack.references
        for policy in pack.policies:
            for variant in (policy, *policy.variants):
                checked.add(variant.id)
                for _, tree in variant.trees():
                    for node in tree.nodes:
                        if not node.fact or not node.cites:
                            continue
                        if any(c.ref in refs and refs[c.ref].status in _ACCEPTED for c in node.cites):
                            continue
                        key = (variant.id, node.id or str(node.index))
                        if key in PENDING:
                            seen.add(key)
                            continue
                        cited = ", ".join(f"{c.ref} ({refs[c.ref].status if c.ref in refs else 'unknown'})"
                                          for c in node.cites)
                        out.append((policy.source, f"{variant.id} criterion {key[1]} ({node.fact}) rests on "
                                                   f"secondary sources alone: {cited}; verify one (or mark it unverified "
                                                   "and say so in the policy's notes)"))
    for policy_id, criterion in sorted(k for k in set(PENDING) - seen if k[0] in checked):
        out.append(("mednec/packcheck/citations.py", f"PENDING lists {policy_id} criterion {criterion}, which now "
                                                       "cites a confirmed source (or is gone): remove it from the list"))
    return out
