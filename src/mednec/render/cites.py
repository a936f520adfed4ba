"""Citation numbering for a document: the determination's numbers first, then new ones."""

from __future__ import annotations

from collections.abc import Iterable

from mednec.engine.determination import Determination
from mednec.policies.model import Pack
from mednec.policies.references import Citation, parse_citation
from mednec.render.model import RefRow

__all__ = ["CiteIndex"]


#: what a reference list says of a source its text was not read in (references.yaml ``status``): a reader weighs
#: a statement resting on it knowing that; a confirmed source says nothing
_STATUS_WORDS = {"secondary": " (Read in a copy or a summary, not in the original.)",
                 "unverified": " (Not checked against the original.)"}


class CiteIndex:
    """Numbers references in order of first use, starting from the determination's own numbering.

    The criteria keep the numbers the engine gave them, so a document and ``mednec evaluate``
    agree; statements added by the document (trials, safety, appeal rights) continue the list.
    """

    def __init__(self, det: Determination, pack: Pack) -> None:
        self.pack = pack
        self.order: dict[str, int] = {}
        self.sections: dict[str, list[str]] = {}
        for c in det.citations:
            self.order[c.ref.id] = c.n
            self.sections[c.ref.id] = list(c.sections)

    def nums(self, cites: Iterable[Citation | str]) -> tuple[int, ...]:
        """The numbers of ``cites`` (adding new references as needed), without repeats."""
        out: list[int] = []
        for raw in cites:
            c = parse_citation(raw) if isinstance(raw, str) else raw
            if c.ref not in self.pack.references:
                raise KeyError(f"citation {c.ref!r} is not in the pack's references")
            n = self.order.get(c.ref)
            if n is None:
                n = self.order[c.ref] = max(self.order.values(), default=0) + 1
                self.sections[c.ref] = []
            if c.section and c.section not in self.sections[c.ref]:
                self.sections[c.ref].append(c.section)
            if n not in out:
                out.append(n)
        return tuple(out)

    def ref_id(self, n: int) -> str:
        return next(r for r, k in self.order.items() if k == n)

    def rows(self) -> tuple[RefRow, ...]:
        """The numbered reference list."""
        rows = []
        for rid, n in sorted(self.order.items(), key=lambda kv: kv[1]):
            ref = self.pack.references[rid]
            text = ref.formatted(with_ids=False) + _STATUS_WORDS.get(ref.status, "")
            rows.append(RefRow(n, rid, ref.kind, text, tuple(self.sections[rid]), ref.links(), ref.for_patients))
        return tuple(rows)
