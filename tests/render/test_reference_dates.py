"""A printed reference gives its revision as a date, not as an editor's note.

Held out (written before the change): the GLP-1 and LDL reference lists printed 'Revised openFDA
record: Indications and Usage (1) 03/2024; boxed warning (thyroid C-cell tumors) and contraindication
in personal or family history of MTC or MEN 2', 'Revised SPL version 37, effective 2026-02-25',
'Revised DailyMed label updated 3 February 2025', 'Revised Indications and Usage revised 10/2025 (full
text not seen)'. For every reference of every pack (the family, not the examples): 'Revised' is followed
by a date ('3 February 2025', 'February 2026' or '03/2024'), and no ISO date (2026-02-25) is printed.
"""

from __future__ import annotations

import re

import pytest

from mednec.runtime import default_runtime

_DATE = re.compile(r"((\d{1,2} )?(January|February|March|April|May|June|July|August|September|October|"
                   r"November|December) \d{4}|\d{2}/\d{4})\b")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _refs() -> list[tuple[str, str, str, str]]:
    rt = default_runtime()
    return [(pack.id, rid, ref.revision_date, ref.formatted(with_ids=False)) for pack in rt.catalog.packs
            for rid, ref in sorted(pack.references.items())]


@pytest.mark.parametrize(("pack", "ref", "revision", "text"), _refs(), ids=[f"{p}-{r}" for p, r, _, _ in _refs()])
def test_a_reference_prints_its_revision_as_a_date(pack: str, ref: str, revision: str, text: str) -> None:
    if revision:
        assert _DATE.match(revision), (revision, text)
    assert not _ISO.search(text), text
