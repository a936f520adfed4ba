"""Letters built on the article: medical necessity, adverse determination, request for information.

Each letter only fits one verdict, and asking for another is an input error, not a silent
empty document:

* ``letter`` (prescriber -> health plan) needs ``meets_criteria``;
* ``denial`` (adverse-determination notice, to be signed by a physician reviewer) needs
  ``does_not_meet_criteria``;
* ``info-request`` needs ``insufficient_information``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.errors import InputError
from mednec.render.article import ArticleSources, build_article, general_article
from mednec.render.common import VERDICT_WORD
from mednec.render.model import Article, CriteriaGroup, CriterionRow, DocumentRow, MissingRow, RefRow, to_data

__all__ = ["DOCUMENTS", "Letter", "Reason", "build_document"]

DOCUMENTS = ("article", "letter", "denial", "info-request")
_NEEDS = {"letter": MEETS, "denial": NOT_MET, "info-request": INSUFFICIENT}
_INSTEAD = {MEETS: "article or letter", NOT_MET: "article or denial", INSUFFICIENT: "article or info-request"}
_SIGNATURES = {
    "letter": ("Prescriber name and credentials", "NPI", "Practice and telephone", "Signature", "Date"),
    "denial": ("Physician reviewer name and credentials", "Specialty", "Signature", "Date of determination"),
    "info-request": ("Utilisation review contact", "Telephone or fax for documents", "Date sent"),
}


class Reason(NamedTuple):
    """One unmet criterion in a denial: the criterion, its unmet parts, what would change it, its sources."""

    group: str
    group_plain: str
    criterion: CriterionRow
    parts: tuple[CriterionRow, ...]
    change: str
    sources: tuple[RefRow, ...]


class Letter(NamedTuple):
    """A letter: the article it rests on plus what the letter itself needs."""

    document: str
    audience: str
    date: str
    article: Article
    groups: tuple[CriteriaGroup, ...]
    reasons: tuple[Reason, ...]
    documents: tuple[DocumentRow, ...]
    requests: tuple[MissingRow, ...]
    signature: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_data(self)
        return out


def build_document(det: Determination | None, src: ArticleSources, *, document: str = "article",
                   audience: str = "clinician", review_status: str = "submitted", general: bool = False,
                   as_of: Any = None, phase: str = "initial") -> Article | Letter:
    """The requested document for ``det`` (or, with ``general``, for the policy in general)."""
    if document not in DOCUMENTS:
        raise InputError(f"document must be one of {', '.join(DOCUMENTS)}", field="--document")
    if general:
        if document != "article":
            raise InputError(f"a {document} is about one patient; --general gives the article only",
                             field="--document")
        return general_article(src, as_of=as_of, phase=phase, audience=audience, review_status=review_status)
    assert det is not None
    article = build_article(det, src, audience=audience, review_status=review_status)
    if document == "article":
        return article
    if det.determination != _NEEDS[document]:
        raise InputError(
            f"a {document} is only produced for {_NEEDS[document]}; this case is {det.determination} "
            f"({VERDICT_WORD[det.determination].lower()}), so ask for the {_INSTEAD[det.determination]} instead",
            field="--document",
        )
    return Letter(
        document=document,
        audience=audience,
        date=article.last_updated,
        article=article,
        groups=_met_groups(article) if document == "letter" else (),
        reasons=_reasons(article, det) if document == "denial" else (),
        documents=_documents(article, document),
        requests=article.missing if document == "info-request" else (),
        signature=_SIGNATURES[document],
    )


def _met_groups(a: Article) -> tuple[CriteriaGroup, ...]:
    """The common criteria and the met pathway (or the continuation criteria), met rows only."""
    pathway = a.determination["pathway"]
    keep = {"common", "continuation"} | ({pathway["id"]} if pathway else set())
    return tuple(g._replace(criteria=tuple(c for c in g.criteria if c.status == "met"))
                 for g in a.groups if g.id in keep)


def _reasons(a: Article, det: Determination) -> tuple[Reason, ...]:
    changes = {(ch.criterion, ch.pathway): ch.text for ch in det.changes}
    refs = {r.n: r for r in a.references}
    out = []
    for g in a.groups:
        rows = list(g.criteria)
        for i, c in enumerate(rows):
            if c.depth != 0 or c.status != "not_met":
                continue
            parts = []
            for sub in rows[i + 1:]:
                if sub.depth == 0:
                    break
                if sub.status == "not_met":
                    parts.append(sub)
            change = changes.get((c.id, None if g.id == "common" else g.id)) or c.if_unmet or ""
            out.append(Reason(g.title, g.title_plain, c, tuple(parts), change,
                              tuple(refs[n] for n in sorted(set(c.cites)))))
    return tuple(out)


def _documents(a: Article, document: str) -> tuple[DocumentRow, ...]:
    if document == "letter":
        return tuple(d for d in a.documents if d.status == "present")
    if document == "denial":
        wanted: list[str] = []
        for g in a.groups:
            for c in g.criteria:
                if c.status == "not_met" and c.depth == 0:
                    wanted += [d for d in c.documentation if d not in wanted]
        by_id = {d.id: d for d in a.documents}
        return tuple(by_id[d] for d in wanted if d in by_id)
    return ()
