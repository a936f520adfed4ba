"""The pack's evidence file: validated against the policies and the reference library."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mednec.errors import ConfigError
from mednec.policies.loader import read_yaml
from mednec.render.evidence import load_evidence, parse_evidence
from mednec.runtime import default_runtime


@pytest.fixture(scope="module")
def pack_and_raw() -> tuple[Any, dict[str, Any]]:
    rt = default_runtime()
    pack = next(p for p in rt.catalog.packs if p.id == "mds_anemia")
    from pathlib import Path

    return pack, read_yaml(Path(pack.path) / "evidence.yaml")


def test_shipped_evidence_loads_for_every_policy(pack_and_raw: tuple[Any, dict[str, Any]]) -> None:
    pack, _ = pack_and_raw
    ev = load_evidence(pack)
    assert set(ev.policies) == {p.id for p in pack.policies}
    for p in pack.policies:
        e = ev.policy(p.id)
        assert e.key_trials and e.safety and e.monitoring and e.pitfalls and e.guideline


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d["policies"]["luspatercept-mds"].update(trials=[]), "unknown key(s) trials"),
        (lambda d: d["policies"]["luspatercept-mds"]["safety"][0].update(cite=["no-such-ref"]), "no-such-ref"),
        (lambda d: d["policies"]["luspatercept-mds"]["plain"]["criteria"].pop("adult"), "missing entries for adult"),
        (lambda d: d["policies"]["luspatercept-mds"]["plain"]["criteria"].update(bogus="x"), "unknown key(s) bogus"),
        (lambda d: d["policies"].pop("imetelstat-mds"), "no evidence for policies"),
        (lambda d: d["common"]["timeframes"][0].update(status="maybe"), "status must be one of"),
    ],
    ids=["unknown-key", "unknown-reference", "missing-plain-criterion", "unknown-criterion", "missing-policy",
         "bad-status"],
)
def test_bad_evidence_is_rejected_with_its_place(pack_and_raw: tuple[Any, dict[str, Any]], mutate: Any,
                                                 needle: str) -> None:
    pack, raw = pack_and_raw
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(ConfigError) as exc:
        parse_evidence(data, pack)
    assert needle in str(exc.value)
