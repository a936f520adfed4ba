"""A pack's words: how questions and notes name its drugs and conditions (``vocabulary.yaml``).

Everything here is optional; a pack without the file is read by its policies' drug names, its
diagnoses' labels and synonyms (``facts.yaml``) and its facts' ``names``. The file::

    drug_aliases:            # more names for a policy's drug, by generic name
      luspatercept-aamt: [luspatercept, ACE-536]
    drug_notes:              # a note shown when a question uses this name
      epoetin zeta: epoetin zeta (an EU biosimilar of epoetin alfa) is evaluated under the epoetin alfa policy
    class_requests:          # a class word that asks for one policy's drug
      - {words: [ESA, ESAs, erythropoiesis-stimulating agent], policy: epoetin-alfa-mds,
         note: an ESA is evaluated as epoetin alfa}
    outside_drugs: [azacitidine, Vidaza]   # drugs read as named but outside every pack
    conditions:              # more words for the pack's diagnoses (diagnosis value -> phrases)
      D46.9: [myelodysplastic syndrome, MDS]
    outside_conditions: [beta thalassemia, myelofibrosis]  # conditions outside this pack
    signal_facts: [ipss_r_category, del5q]   # facts that show a question is about this pack when it
                                             # names no diagnosis (default: every fact the pack declares)
    products:                # one ingredient, several products (policies): which one a text names by its
      - {policy: semaglutide-wegovy, doses: [1.7, 2.4], indications: [weight], cite: [wegovy-pi]}
    indications:             # the words of each indication a product lists
      weight: [weight loss, obesity]

A generic name shared by several products is the product whose own dose (mg, a dose no other
product of the ingredient has) follows the name, else the one product whose indication the text
states; when neither or several fit, no product is guessed (the answer asks which).

Phrases match case-insensitively with any run of spaces or hyphens between their words.
A phrase one pack lists as outside that another pack reads as its own diagnosis is its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mednec.errors import ConfigError
from mednec.yaml_loader import strict_mapping

__all__ = ["ClassRequest", "PackVocabulary", "Product", "parse_vocabulary"]

_KEYS = ("drug_aliases", "drug_notes", "class_requests", "outside_drugs", "conditions", "outside_conditions",
         "signal_facts", "products", "indications")


@dataclass(frozen=True, slots=True)
class ClassRequest:
    """A class word ("an ESA") that asks for one policy's drug."""

    words: tuple[str, ...]
    policy: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Product:
    """One product of an ingredient sold as several: its policy, the doses (mg) only it has, and the
    indications (keys of ``indications``) it is for."""

    policy: str
    doses: tuple[float, ...] = ()
    indications: tuple[str, ...] = ()
    cite: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PackVocabulary:
    """The words of one pack (see the module docstring)."""

    drug_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    drug_notes: Mapping[str, str] = field(default_factory=dict)
    class_requests: tuple[ClassRequest, ...] = ()
    outside_drugs: tuple[str, ...] = ()
    conditions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    outside_conditions: tuple[str, ...] = ()
    signal_facts: tuple[str, ...] | None = None
    products: tuple[Product, ...] = ()
    indications: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _products(raw: Any, where: str, policies: set[str], indications: Mapping[str, tuple[str, ...]]) -> tuple[Product, ...]:
    out = []
    for i, r in enumerate(raw or []):
        at = f"{where}:products[{i}]"
        if not isinstance(r, Mapping) or str(r.get("policy")) not in policies:
            raise ConfigError("expected {policy: ID of this pack, doses: [mg], indications: [...], cite: [...]}", field=at)
        said = _strings(r.get("indications"), f"{at}.indications")
        if set(said) - set(indications):
            raise ConfigError(f"not an indication listed under indications: {sorted(set(said) - set(indications))}", field=at)
        out.append(Product(str(r["policy"]), tuple(float(d) for d in _strings(r.get("doses"), f"{at}.doses")), said,
                           _strings(r.get("cite"), f"{at}.cite")))
    return tuple(out)


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, (str, int, float)) for x in raw):
        raise ConfigError("expected a list of words", field=where)
    return tuple(str(x) for x in raw)


def _lists(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError("expected a mapping of name -> list of words", field=where)
    return {str(k): _strings(v, f"{where}.{k}") for k, v in raw.items()}


def parse_vocabulary(raw: Any, *, where: str, policies: set[str], diagnoses: set[str],
                     facts: set[str]) -> PackVocabulary:
    """Check and read a ``vocabulary.yaml`` mapping (``policies``: the pack's policy ids;
    ``diagnoses``: the diagnosis values the dictionary knows; ``facts``: the pack's own facts)."""
    if raw is None:
        return PackVocabulary()
    strict_mapping(raw, _KEYS, field=where)
    requests = []
    for i, r in enumerate(raw.get("class_requests") or []):
        at = f"{where}:class_requests[{i}]"
        if not isinstance(r, Mapping) or not r.get("words") or "policy" not in r:
            raise ConfigError("expected {words: [...], policy: ID, note: ...}", field=at)
        if str(r["policy"]) not in policies:
            raise ConfigError(f"policy {r['policy']!r} is not in this pack", field=at)
        requests.append(ClassRequest(_strings(r["words"], f"{at}.words"), str(r["policy"]), str(r.get("note", ""))))
    conditions = _lists(raw.get("conditions"), f"{where}:conditions")
    unknown = sorted(set(conditions) - diagnoses)
    if unknown:
        raise ConfigError(f"not a diagnosis value of the fact dictionary: {', '.join(unknown)}",
                          field=f"{where}:conditions")
    notes = raw.get("drug_notes") or {}
    if not isinstance(notes, Mapping):
        raise ConfigError("expected a mapping of name -> note", field=f"{where}:drug_notes")
    signals = None
    if raw.get("signal_facts") is not None:
        signals = _strings(raw.get("signal_facts"), f"{where}:signal_facts")
        bad = sorted(set(signals) - facts)
        if bad:
            raise ConfigError(f"not a fact this pack declares: {', '.join(bad)}", field=f"{where}:signal_facts")
    indications = _lists(raw.get("indications"), f"{where}:indications")
    return PackVocabulary(
        products=_products(raw.get("products"), where, policies, indications),
        indications=indications,
        drug_aliases=_lists(raw.get("drug_aliases"), f"{where}:drug_aliases"),
        drug_notes={str(k).lower(): str(v) for k, v in notes.items()},
        class_requests=tuple(requests),
        outside_drugs=_strings(raw.get("outside_drugs"), f"{where}:outside_drugs"),
        conditions=conditions,
        outside_conditions=_strings(raw.get("outside_conditions"), f"{where}:outside_conditions"),
        signal_facts=signals,
    )
