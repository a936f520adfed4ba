"""Letters built on the article: medical necessity, adverse determination, request for information.

Each letter only fits one verdict, and asking for another is an input error, not a silent
empty document:

* ``letter`` (prescriber -> health plan) needs ``meets_criteria``;
* ``denial`` (adverse-determination notice, to be signed by a physician reviewer) needs
  ``does_not_meet_criteria``;
* ``info-request`` needs ``insufficient_information``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.errors import InputError
from mednec.render.article import ArticleSources, build_article, general_article
from mednec.render.common import VERDICT_WORD
from mednec.render.evidence import Program
from mednec.render.model import Article, Cited, CriteriaGroup, CriterionRow, DocumentRow, MissingRow, to_data
from mednec.render.payer import PROGRAM_LABELS, PayerProfile
from mednec.render.phrases import phrase, phrases
from mednec.render.request import attestations, enclosures, qualifying_facts, request_details, response_on_treatment
from mednec.render.values import long_date
from mednec.states import DocumentReview

__all__ = ["DOCUMENTS", "Letter", "Reason", "benefit_excluded", "build_document", "fits"]

DOCUMENTS = ("article", "letter", "denial", "info-request")
_NEEDS = {"letter": MEETS, "denial": NOT_MET, "info-request": INSUFFICIENT}
_INSTEAD = {MEETS: "article or letter", NOT_MET: "article or denial", INSUFFICIENT: "article or info-request"}
_SIGNATURES = {
    "letter": ("Prescriber name and credentials", "NPI", "Practice and telephone", "Signature", "Date"),
    "denial": ("Physician reviewer name and credentials", "Specialty", "Signature", "Date of determination"),
    "info-request": ("Utilisation review contact", "Telephone or fax for documents", "Date sent"),
}


class Reason(NamedTuple):
    """One reason of a denial: in plain words, the rule as written with its source by name, and
    what the records show. ``criterion`` is None for "no pathway is met" (``parts`` then holds
    each pathway's unmet criteria)."""

    group: str
    group_plain: str
    plain: str
    criterion: CriterionRow | None
    parts: tuple[CriterionRow, ...]
    found: tuple[Cited, ...]
    source_names: tuple[str, ...]
    cites: tuple[int, ...]
    rule: str = ""  # a coverage rule's wording (a benefit exclusion), when there is no criterion


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
    payer: dict[str, Any] = {}
    program: dict[str, Any] = {}
    glossary: tuple[tuple[str, str], ...] = ()
    request: tuple[tuple[str, Cited | str], ...] = ()
    qualifying: tuple[Cited, ...] = ()
    response: tuple[Cited, ...] = ()
    attestations: tuple[str, ...] = ()
    #: a denial a physician reviewer has signed: {"name": as signed, "date": ISO date}; else empty
    signed: dict[str, str] = {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_data(self)
        return out


def build_document(det: Determination | None, src: ArticleSources, *, document: str = "article",
                   audience: str = "clinician", review_status: str = "submitted", general: bool = False,
                   as_of: Any = None, phase: str = "initial", payer: PayerProfile | None = None,
                   signed: Mapping[str, str] | None = None) -> Article | Letter:
    """The requested document for ``det`` (or, with ``general``, for the policy in general);
    ``payer`` fills the plan's details in a denial notice (placeholders without one). ``signed``
    ({"name", "date"}) is the physician reviewer's signature of a decided denial: the notice is
    then the final notice, naming the reviewer, rather than the draft for signature."""
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
    if not fits(document, det):
        raise InputError(
            f"a {document} is only produced for {_NEEDS[document]}; this case is {det.determination} "
            f"({VERDICT_WORD[det.determination].lower()}), so ask for the {_INSTEAD[det.determination]} instead",
            field="--document",
        )
    profile = payer or PayerProfile()
    reasons = _reasons(article, src, det) if document == "denial" else ()
    letter = Letter(
        document=document,
        audience=audience,
        date=article.last_updated,
        article=article,
        groups=_met_groups(article) if document == "letter" else (),
        reasons=reasons,
        documents=enclosures(article, det, src) if document == "letter" else (),
        requests=article.missing if document == "info-request" else (),
        signature=_SIGNATURES[document],
        payer=_payer(profile) if document == "denial" else {},
        program=_program(article, src, profile) if document == "denial" else {},
        signed=_signed(signed, review_status) if document == "denial" else {},
    )
    if document == "denial":
        letter = letter._replace(glossary=glossary_for(to_data(letter.reasons), letter.program, article.drug))
    if document == "letter":
        rq = src.evidence.policy(src.policy.id).request
        letter = letter._replace(request=request_details(article, det, src), qualifying=qualifying_facts(letter.groups),
                                 response=response_on_treatment(article, det, rq.unit if rq else ""),
                                 attestations=attestations(letter.groups, det))
    return letter


def _met_groups(a: Article) -> tuple[CriteriaGroup, ...]:
    """The common criteria and the met pathway (or the continuation criteria), met rows only."""
    pathway = a.determination["pathway"]
    keep = {"common", "continuation"} | ({pathway["id"]} if pathway else set())
    return tuple(g._replace(criteria=tuple(c for c in g.criteria if c.status == "met"))
                 for g in a.groups if g.id in keep)


def fits(document: str, det: Determination) -> bool:
    """Whether ``document`` can be produced for ``det``: the letter for a met case, the denial for
    an unmet one, the information request for an open one; and a denial notice for any case whose
    use the plan's benefit excludes outright (a coverage denial, whatever the medical need)."""
    if document == "denial" and benefit_excluded(det):
        return True
    return det.determination == _NEEDS[document]


def benefit_excluded(det: Determination) -> bool:
    """The plan's benefit excludes every use the request can qualify by (``benefit: excluded``)."""
    return det.benefit is not None and det.benefit.status == "excluded"


def _benefit_reason(a: Article, src: ArticleSources, det: Determination) -> Reason:
    """The reason of a coverage denial: the benefit excludes the use. Its source is the rule's
    (statute, regulation), never a clinical criterion; the clinical determination is not changed."""
    b = det.benefit
    assert b is not None
    refs = src.pack.references
    by_n = {r.n: r.id for r in a.references}
    ids = [by_n[n] for n in a.benefit_cites if n in by_n]
    if a.audience == "patient":
        ids = [i for i in ids if refs[i].for_patients]
    names = tuple(dict.fromkeys(next(s["text"] for s in b.sources if s["id"] == i) for i in ids))
    uses = "; ".join(b.pathway_names or b.pathways)
    plain = src.evidence.policy(src.policy.id).plain
    found = (Cited(phrase("denial.benefit_use", uses=uses)),) if uses else ()
    return Reason("Benefit", phrase("denial.benefit_group"),
                  phrase("denial.benefit", benefit=b.benefit, drug=plain.name, text=b.text.rstrip(".")),
                  None, (), found, names, a.benefit_cites, rule=f"{b.benefit}: {b.text.rstrip('.')}.")


def _reasons(a: Article, src: ArticleSources, det: Determination) -> tuple[Reason, ...]:
    """The reasons of a denial, decisive first. A use the plan's benefit excludes is a coverage
    denial: that reason comes first, and the clinical reasons follow only when the case is also
    unmet. A common (or continuation) criterion that is not met denies on its own: each one is a
    reason, in policy order. With none, the denial rests on "no pathway is met": one reason
    listing each pathway's unmet criteria."""
    first = (_benefit_reason(a, src, det),) if benefit_excluded(det) else ()
    if det.determination != NOT_MET:
        return first
    return first + _clinical_reasons(a, src)


def _clinical_reasons(a: Article, src: ArticleSources) -> tuple[Reason, ...]:
    plain = src.evidence.policy(src.policy.id).plain
    refs = src.pack.references
    out = []
    for g in a.groups:
        if g.id not in ("common", "continuation"):
            continue
        for c in g.criteria:
            if c.depth == 0 and c.status == "not_met":
                text = plain.unmet.get(c.id) or phrase("denial.fallback", rule=c.plain)
                out.append(Reason(g.title, g.title_plain, text, c, _unmet_parts(g, c), _found(c),
                                  _names(c, a, refs), c.cites))
    if out:
        return tuple(out)
    parts = tuple(c for g in a.groups if g.id not in ("common", "continuation")
                  for c in g.criteria if c.depth == 0 and c.status == "not_met")
    nums = tuple(dict.fromkeys(n for c in parts for n in c.cites))
    names = tuple(dict.fromkeys(n for c in parts for n in _names(c, a, refs)))
    found = tuple(dict.fromkeys(f for c in parts for f in _found(c)))
    return (Reason("Pathways", "Ways to qualify", phrase("denial.no_pathway", drug=plain.name), None, parts, found,
                   names, nums),)


def _unmet_parts(g: CriteriaGroup, c: CriterionRow) -> tuple[CriterionRow, ...]:
    rows = list(g.criteria)
    i = rows.index(c)
    out = []
    for sub in rows[i + 1:]:
        if sub.depth == 0:
            break
        if sub.status == "not_met":
            out.append(sub)
    return tuple(out)


_ICD = re.compile(r"^[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?\s+—\s+")


def _found(c: CriterionRow) -> tuple[Cited, ...]:
    """What the records show for ``c``: label and value in words (no diagnosis codes) and the date."""
    out = []
    for e in c.evidence:
        if e.missing:
            out.append(Cited(phrase("denial_found.missing", label=e.label)))
        else:
            when = f" ({long_date(e.date)})" if e.date else ""
            out.append(Cited(f"{e.label}: {_ICD.sub('', e.value)}{when}.", e.cites))
    return tuple(out)


def _names(c: CriterionRow, a: Article, refs: Any) -> tuple[str, ...]:
    """The sources of a criterion by name ('REBLOZYL prescribing information', 'MEDALIST trial')."""
    by_n = {r.n: r.id for r in a.references}
    ids = [by_n[n] for n in c.cites if n in by_n]
    if a.audience == "patient":  # only what the patient's reference list keeps (trim: for_patients)
        ids = [i for i in ids if refs[i].for_patients]
    return tuple(dict.fromkeys(refs[i].short() for i in ids))


def _signed(signed: Mapping[str, str] | None, review_status: str) -> dict[str, str]:
    """The signature of a denial the physician reviewer decided: "denied", or "under_review" when
    the member appealed the signed denial (it stands until the appeal is decided). Before a
    decision, or after an approval (an overturn on appeal), there is no signed denial to show."""
    if review_status not in (DocumentReview.DENIED, DocumentReview.UNDER_REVIEW) or not signed or not str(signed.get("name") or "").strip():
        return {}
    return {"name": str(signed["name"]).strip(), "date": str(signed.get("date") or "")}


def _payer(profile: PayerProfile) -> dict[str, Any]:
    data = {f: getattr(profile, f) for f in ("plan_name", "member_id", "member_name", "member_services_phone", "tty",
                                              "appeal_address", "appeal_fax", "appeal_portal", "reviewer_name",
                                              "reviewer_phone", "reviewer_hours")}
    data["taglines"] = [profile.fill(t) for t in profile.taglines]
    return data


def _program(a: Article, src: ArticleSources, profile: PayerProfile) -> dict[str, Any]:
    """The timeframes that apply: the profile's program row, the profile's own figures where the
    row has none."""
    pid = profile.program_for(bool(a.drug["hcpcs"]))
    label, label_plain = PROGRAM_LABELS.get(pid, (pid.replace("_", " "), phrase("timeframe.plan_plain")))
    p = src.evidence.programs.get(pid) or Program(pid, label, label_plain, "", "", "", "", phrase("timeframe.external"),
                                                  phrase("timeframe.external_plain"), ())
    by_id = {r.id: r.n for r in a.references}
    cites = [by_id[c.ref] for c in p.cites if c.ref in by_id]
    return {
        "id": pid, "label": p.label, "label_plain": p.label_plain,
        "standard": profile.standard_decision or p.standard,
        "expedited": profile.expedited_decision or p.expedited,
        "appeal_deadline": profile.appeal_deadline or p.appeal_deadline,
        "appeal_expedited": p.appeal_expedited,
        "external_review": p.external_review, "external_review_plain": p.external_review_plain,
        "cites": cites,
    }


_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*\b")


def acronyms(text: str) -> list[str]:
    """The abbreviations in ``text`` (two or more capitals or digits, e.g. ESA, IPSS-R, SF3B1)."""
    return [m for m in dict.fromkeys(_ACRONYM.findall(text)) if len(m.replace("-", "")) >= 2 and not m.isdigit()]


def glossary_for(*parts: Any) -> tuple[tuple[str, str], ...]:
    """(abbreviation, meaning) for every glossary abbreviation that occurs in ``parts``, in the
    notice's fixed text (TTY, ID) or in the meanings already chosen (MEDALIST's names MDS)."""
    words = phrases()["glossary"]
    found = set(acronyms(" ".join(str(p) for p in parts) + " TTY ID")) & set(words)
    while more := set(acronyms(" ".join(str(words[k]) for k in found))) & set(words) - found:
        found |= more
    return tuple((k, str(words[k])) for k in sorted(found))
