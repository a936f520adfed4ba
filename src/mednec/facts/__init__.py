"""The fact dictionary and fact values with provenance."""

from mednec.facts.dictionary import FactDef, FactDictionary, load_dictionary, normalize_unit
from mednec.facts.factset import FactSet, FactValue, Provenance

__all__ = [
    "FactDef",
    "FactDictionary",
    "FactSet",
    "FactValue",
    "Provenance",
    "load_dictionary",
    "normalize_unit",
]
