"""The reference list a document prints: exactly the sources it cites, numbered in order of use.

A built document carries every reference its parts could cite, numbered as the determination
numbered them. Before it is printed, :func:`trim` (called by every renderer)

* drops, in a patient document, every citation of a source a patient cannot read (only labels,
  patient guidelines and plain-language summaries stay, ``Reference.for_patients``);
* finds the citations the document's template actually prints (a dry Markdown render that
  records every citation mark, :func:`record`);
* renumbers those 1..N in order of first use and drops every other reference.

The result is an equal document, so trimming twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from mednec.render.model import RefRow

__all__ = ["record", "recording", "references_of", "renumber", "trim"]

_USED: ContextVar[list[int] | None] = ContextVar("mednec_render_used_citations", default=None)


def record(nums: Iterable[int]) -> None:
    """Note citation numbers a renderer prints (only while :func:`recording`)."""
    used = _USED.get()
    if used is not None:
        used.extend(nums)


@contextmanager
def recording() -> Iterator[list[int]]:
    """Collect the citation numbers printed inside the block, in order."""
    used: list[int] = []
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


def references_of(doc: Any) -> tuple[RefRow, ...]:
    """The reference list of an article or a letter."""
    refs: tuple[RefRow, ...] = doc.article.references if hasattr(doc, "article") else doc.references
    return refs


def trim(doc: Any, dry_render: Callable[[Any], object]) -> Any:
    """``doc`` with only the references it prints (see the module docstring)."""
    refs = references_of(doc)
    keep = {r.n: r.n for r in refs if doc.audience != "patient" or r.for_patients}
    readable = renumber(doc, keep) if len(keep) < len(refs) else doc
    with recording() as used:
        dry_render(readable)
    order: dict[int, int] = {}
    for n in used:
        if n in keep and n not in order:
            order[n] = len(order) + 1
    if all(k == v for k, v in order.items()) and len(order) == len(references_of(readable)):
        return readable
    return renumber(readable, order)


def renumber(value: Any, numbers: dict[int, int]) -> Any:
    """``value`` with every citation number mapped through ``numbers``; a number that is not in
    ``numbers`` is dropped, and so is its reference."""
    if isinstance(value, RefRow):
        return value._replace(n=numbers[value.n])
    if hasattr(value, "_fields"):
        changed = {f: _cites(v, numbers) if f.endswith("cites") else renumber(v, numbers)
                   for f, v in zip(value._fields, value, strict=True)}
        return value._replace(**changed)
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, RefRow) for v in value):
            rows = sorted((renumber(r, numbers) for r in value if r.n in numbers), key=lambda r: r.n)
            return type(value)(rows)
        return type(value)(renumber(v, numbers) for v in value)
    if isinstance(value, dict):
        return {k: _cites(v, numbers) if _is_cites_key(k) else renumber(v, numbers) for k, v in value.items()}
    return value


def _is_cites_key(key: object) -> bool:
    return isinstance(key, str) and (key.endswith("cites") or key == "citations")


def _cites(nums: Any, numbers: dict[int, int]) -> Any:
    if not isinstance(nums, tuple | list):
        return nums
    out = tuple(dict.fromkeys(numbers[n] for n in nums if isinstance(n, int) and n in numbers))
    return out if isinstance(nums, tuple) else list(out)
