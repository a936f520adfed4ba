"""The document sentences (``templates/phrases.yaml``), loaded once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["document_plain", "phrase", "phrases"]


@cache
def phrases() -> dict[str, Any]:
    """The whole phrase table."""
    from mednec.policies.loader import read_yaml

    path = Path(str(resources.files("mednec.render").joinpath("templates", "phrases.yaml")))
    data: dict[str, Any] = read_yaml(path)
    return data


_FRAGMENTS = ("patient", "event.", "related.cmd_", "document_plain.", "alt_plain.", "guideline_source", "condition",
              "letter.dose_start", "letter.dose_current", "letter.first_dose", "letter.dose_run", "letter.units",
              "timeframe.by_plan")


def phrase(key: str, **values: Any) -> str:
    """``phrase("bottom.meets", drug=...)``: the text at a dotted key, filled in.

    Sentences are capitalised; fragments (patient descriptions, event summaries, commands,
    document names) are not.
    """
    node: Any = phrases()
    for part in key.split("."):
        node = node[part]
    text = " ".join(str(node).split())
    text = text.format(**values) if values else text
    if key.startswith(_FRAGMENTS):
        return text
    return text[:1].upper() + text[1:]


def document_plain(doc: str) -> str:
    """A document's name for a patient ('latest cholesterol test'); its id in words when unnamed."""
    try:
        return phrase(f"document_plain.{doc}")
    except KeyError:
        return doc.replace("_", " ")
