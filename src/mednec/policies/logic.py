"""A policy's *logic digest*: a canonical SHA-256 of the parts of its file that decide an answer.

"Same policy version + same facts = same answer" holds only if a policy's logic never changes
under one version. Each pack keeps a record of the digest of every policy version
(``<pack>/policy-versions.yaml``, :data:`RECORD_FILE`); ``mednec policies check`` fails when a
policy's digest differs from the one recorded for its version (:mod:`mednec.packcheck.versions`).

**What counts as logic.** Everything in ``policy.yaml`` except the keys in :data:`PROSE_KEYS`:
the criteria trees (structure, criterion ids, facts, operators, operands, units, ``enabled_by``),
``presume`` (that a leaf is presumed, and its ``unless`` warning signs) and ``infer`` rules
(``when``, ``value``, ``between``), ``tried`` steps, parameters and their values, payer variants'
ids and values, pathways (ids, criteria, ``line``, ``enabled_by``), covered conditions (codes),
the drug's names and codes (which records are the drug), authorisation periods, continuation
criteria and dosing rules' numbers. Keys under ``parameters:`` and a variant's ``values:`` are
parameter names and always count. Anything not listed as prose counts, so a new key of the
policy language is logic until it is declared prose here.

**What does not count** (:data:`PROSE_KEYS`): wording and sources -- ``text``, ``cite``, ``note``,
``notes``, ``why``, ``because``, ``attest``, ``if_unmet``, ``documentation`` (the documents a
request is asked for), titles, names, descriptions, a condition's ``display``, a variant's
payer/document/url/seen, the label's regulatory history, the stop rule's wording, the version
itself, its effective date and its ``changes`` log. Rewording a criterion or correcting a citation
does not need a new version; changing what it tests does.

Numbers are compared as numbers (``70`` and ``70.0`` are one value); mapping order does not
matter, list order does (it is the order criteria are reported in). Code outside the policy file
(calculators, the engine, intake) is not covered: it is versioned with mednec itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["PROSE_KEYS", "RECORD_FILE", "logic_digest", "logic_view"]

#: the file beside ``pack.yaml`` that records each policy version's logic digest
RECORD_FILE = "policy-versions.yaml"

#: keys whose values are wording, sources or metadata, not logic (see the module docstring)
PROSE_KEYS = frozenset({
    "text", "cite", "note", "notes", "why", "because", "attest", "if_unmet", "documentation",
    "title", "label_status", "name", "description", "display", "sequence_note", "sequence_cite",
    "changes", "version", "effective_date", "mechanism", "mechanism_cite", "drug_class", "regulatory",
    "payer", "document", "url", "seen", "stop_rule", "stop_cite",
})

#: mappings whose keys are names chosen by the policy (parameter names), never prose keys
_NAMED = frozenset({"parameters", "values"})


def logic_view(raw: Any, *, named: bool = False) -> Any:
    """The logic of a parsed policy file: prose keys dropped at every depth, numbers as floats,
    dates as ISO strings."""
    if isinstance(raw, Mapping):
        return {str(k): logic_view(v, named=str(k) in _NAMED) for k, v in raw.items()
                if named or str(k) not in PROSE_KEYS}
    if isinstance(raw, (list, tuple)):
        return [logic_view(v) for v in raw]
    if isinstance(raw, bool) or raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, (dt.date, dt.datetime)):
        return raw.isoformat()
    return str(raw)


def logic_digest(raw: Any) -> str:
    """The SHA-256 (hex) of :func:`logic_view` of a parsed policy file, as canonical JSON."""
    text = json.dumps(logic_view(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
