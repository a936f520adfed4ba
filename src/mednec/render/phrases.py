"""The document sentences (``templates/phrases.yaml``), loaded once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["phrase", "phrases"]


@cache
def phrases() -> dict[str, Any]:
    """The whole phrase table."""
    from mednec.policies.loader import read_yaml

    path = Path(str(resources.files("mednec.render").joinpath("templates", "phrases.yaml")))
    data: dict[str, Any] = read_yaml(path)
    return data


def phrase(key: str, **values: Any) -> str:
    """``phrase("bottom.meets", drug=...)``: the sentence at a dotted key, filled in."""
    node: Any = phrases()
    for part in key.split("."):
        node = node[part]
    text = " ".join(str(node).split())
    return text.format(**values) if values else text
