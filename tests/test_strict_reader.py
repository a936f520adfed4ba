"""One strict reader: every mapping a mednec reader takes from YAML or JSON is checked by
mednec.yaml_loader.strict_mapping, with one error shape naming the place and the allowed keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from mednec.errors import CaseFormatError, ConfigError
from mednec.yaml_loader import strict_mapping

SRC = Path(__file__).resolve().parents[1] / "src" / "mednec"

#: Readers that still word the message themselves. intake/values.py and intake/case_file.py are
#: fingerprinted by the columnar engine (population/columnar/digests.py): changing them sends
#: population runs row-wise until the digests are re-recorded. benefits.py reports unknown and
#: missing keys in one message.
OWN_WORDS = {"intake/values.py", "intake/case_file.py", "policies/benefits.py", "yaml_loader.py"}


def test_a_mapping_with_allowed_keys_passes() -> None:
    raw = {"a": 1}
    assert strict_mapping(raw, ("a", "b"), field="x") is raw


def test_an_unknown_key_names_the_place_the_key_and_the_allowed_keys() -> None:
    with pytest.raises(ConfigError) as info:
        strict_mapping({"titel": 1, "zzz": 2}, ("title", "year"), field="references.yaml:smith-2020")
    assert info.value.message == "unknown key(s) titel, zzz (did you mean 'title'?); allowed: title, year"
    assert info.value.field == "references.yaml:smith-2020"
    with pytest.raises(ConfigError) as info:
        strict_mapping({"zzz": 2}, ("title",), field="pathways[0]", at_key=True)
    assert info.value.field == "pathways[0].zzz" and "did you mean" not in info.value.message
    with pytest.raises(ConfigError) as info:
        strict_mapping({"zzz": 2}, ("title",), field="", at_key=True)
    assert info.value.field == "zzz"


def test_not_a_mapping() -> None:
    with pytest.raises(CaseFormatError) as info:
        strict_mapping([1, 2], ("a", "b"), field="case", error=CaseFormatError)
    assert info.value.message == "expected a mapping (keys: a, b), got list" and info.value.field == "case"


def test_the_readers_use_it() -> None:
    own = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
           if "packs" not in p.relative_to(SRC).parts and "unknown key(s)" in p.read_text(encoding="utf-8")}
    assert own - OWN_WORDS == set()
