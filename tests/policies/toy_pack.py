"""A one-policy pack written to a temporary folder, for tests that need their own facts, references
and policy text (the pack is ``toy``, its one policy folder ``toy_drug``)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent


def write_toy_pack(root: Path, *, facts: str, refs: str, policy: str) -> Path:
    """``root`` holding pack ``toy`` with ``facts``, ``refs`` and ``policy`` (YAML, dedented)."""
    pack = root / "toy"
    (pack / "toy_drug" / "cases").mkdir(parents=True)
    (pack / "pack.yaml").write_text('id: toy\ntitle: Toy pack\nversion: "1"\npolicies: [toy_drug]\n')
    (pack / "facts.yaml").write_text(dedent(facts))
    (pack / "references.yaml").write_text(dedent(refs))
    (pack / "toy_drug" / "policy.yaml").write_text(dedent(policy))
    return root
