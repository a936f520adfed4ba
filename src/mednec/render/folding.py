"""Which sections of an article a web page shows open and which it folds into ``<details>``.

The page's article is rendered through ``_web.j2`` (the HTML vocabulary, with sections that
fold); its ``section`` macro asks :data:`FOLD` when a section starts and when it ends. Rules:

- the article's first section (its short answer) and :data:`OPEN_SECTIONS` stay open;
- a top-level (h2) section that holds other sections keeps its heading open and its subsections
  fold one by one; any other section folds whole, its subsections inside it as they are.

A link to something inside a closed section opens it (app.js); printing opens them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["FOLD", "OPEN_SECTIONS", "Folding"]

#: sections that stay open: the short answer and what a reader must see (the rest opens on demand)
OPEN_SECTIONS = frozenset({"bottom-line", "what-decided", "disclaimer"})


@dataclass
class _Frame:
    id: str
    level: int
    first: bool  # the article's first top-level section
    has_child: bool = False

    @property
    def kept_open(self) -> bool:
        """Open when it holds a shown subsection (asked only then)."""
        return self.first or self.id in OPEN_SECTIONS or self.level == 2


@dataclass
class _Article:
    stack: list[_Frame] = field(default_factory=list)
    seen_top: bool = False


_CURRENT: ContextVar[_Article | None] = ContextVar("mednec_folding", default=None)


class Folding:
    """The folding state of the article being rendered (one per render, see :meth:`article`)."""

    @contextmanager
    def article(self) -> Iterator[None]:
        token = _CURRENT.set(_Article())
        try:
            yield
        finally:
            _CURRENT.reset(token)

    def enter(self, id: str, level: int) -> _Frame:  # noqa: A002 - the section's id
        art = _CURRENT.get()
        assert art is not None, "sections fold only inside Folding.article()"
        frame = _Frame(id, int(level), first=not art.stack and not art.seen_top)
        art.stack.append(frame)
        return frame

    def leave(self, frame: _Frame, shown: bool) -> str:
        """How the section is written: ``""`` (empty, not shown), ``"open"`` (a ``<section>``),
        ``"closed"`` (a ``<details>``), or ``"plain"`` (a ``<section>`` inside a folded one)."""
        art = _CURRENT.get()
        assert art is not None and art.stack[-1] is frame
        art.stack.pop()
        if not shown:
            return ""
        if not art.stack:
            art.seen_top = True
        else:
            art.stack[-1].has_child = True
            if not all(a.kept_open for a in art.stack):  # every enclosing section holds this one
                return "plain"
        if frame.first or frame.id in OPEN_SECTIONS or (frame.level == 2 and frame.has_child):
            return "open"
        return "closed"


FOLD = Folding()
