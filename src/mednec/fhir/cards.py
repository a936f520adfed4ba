"""CDS Hooks cards and the Da Vinci CRD coverage-information extension for a determination.

Coverage-information per determination (CRD STU 2 value sets):

======================== ========= =========== ========== =========== ==============
determination            covered   pa-needed   doc-needed doc-purpose questionnaire
======================== ========= =========== ========== =========== ==============
meets_criteria           covered   auth-needed --         --          --
insufficient_information covered   auth-needed clinical   withpa      yes
does_not_meet_criteria   covered   auth-needed clinical   withpa      if facts missing
======================== ========= =========== ========== =========== ==============

The drug stays a covered benefit in every row: whether *this* patient meets the policy is the
prior authorization's question, and an adverse answer is only a recommendation until a
physician approves it, so mednec never asserts ``not-covered``. ``conditional`` (and with it
``info-needed``, whose codes are performer / location / timeframe / contract-window /
detail-code) is for orders lacking detail, which does not arise here; the builder accepts it.
The assertion id is the determination's input hash; the date its evaluation date.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET, Determination
from mednec.facts.dictionary import FactDictionary

if TYPE_CHECKING:
    from mednec.policies.model import Policy

__all__ = [
    "COVERAGE_INFORMATION",
    "INDICATORS",
    "build_card",
    "coverage_information",
    "drug_name",
    "error_card",
    "md_text",
    "missing_labels",
]

COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
#: Card.source.topic, which CRD requires (cards.html resp-5): the CDS Hooks Card Type "coverage-info" (HL7
#: Terminology, in CRD 2.2.1's ValueSet cardType) -- mednec's cards say what coverage, prior authorization and
#: documentation a drug needs.
TOPIC = {"system": "http://terminology.hl7.org/CodeSystem/cdshooks-card-type", "code": "coverage-info",
         "display": "Coverage Information"}
INDICATORS = {MEETS: "info", INSUFFICIENT: "warning", NOT_MET: "critical"}


def drug_name(policy: Policy) -> str:
    """``Reblozyl (luspatercept-aamt)``: the first brand and the generic name."""
    brand = policy.drug.brands[0] if policy.drug.brands else ""
    return f"{brand} ({policy.drug.generic})" if brand else policy.drug.generic


def _fit(text: str, limit: int = 139) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip(" ,;:-") + "…"


def _summary(det: Determination, policy: Policy, missing_labels: Sequence[str], coverage_known: bool = True) -> str:
    brand = policy.drug.brands[0] if policy.drug.brands else policy.drug.generic
    if det.determination == MEETS:
        then = "; submit prior authorization" if coverage_known else ""
        full = f"{brand}: meets criteria ({det.pathway.name if det.pathway else 'policy'}){then}"
        return full if len(full) <= 139 else f"{brand}: meets medical-necessity criteria{then}"
    if det.determination == INSUFFICIENT:
        return _fit(f"{brand}: documentation needed ({len(missing_labels)}): {', '.join(missing_labels)}")
    unmet = sum(1 for c in det.criteria if c.depth == 0 and c.status.value == "not_met")
    return _fit(f"{brand}: criteria not met ({unmet} unmet); recommendation pending physician review")


def missing_labels(det: Determination, dictionary: FactDictionary | None = None) -> list[str]:
    """Short names of the facts to document: the dictionary's labels when given."""
    labels: dict[str, None] = {}
    for doc in det.missing_documentation:
        for fact in doc.facts:
            fd = dictionary.facts.get(fact) if dictionary is not None else None
            labels[fd.label if fd is not None else fact.replace("_", " ")] = None
    return list(labels)


def _detail(det: Determination, policy: Policy) -> str:
    label = det.determination.replace("_", " ")
    lines = [f"**mednec determination: {label}**"] + ([det.bottom_line] if det.bottom_line else [])
    if det.determination == MEETS and det.pathway is not None:
        lines.append(f"Pathway: {det.pathway.name}.")
        if det.authorization:
            lines.append(f"Recommended authorization: {det.authorization.get('period')}, "
                         f"{det.authorization.get('start')} to {det.authorization.get('end')}.")
    top = [c for c in det.criteria if c.depth == 0]
    unmet = [c for c in top if c.status.value == "not_met"]
    unknown = [c for c in top if c.status.value == "unknown"]
    if det.determination != MEETS:
        if unmet:
            lines += ["", "**Not met:**"] + [f"- {c.text}" + (f" ({_path_name(det, c.pathway)})" if c.pathway else "")
                                             for c in unmet]
        if unknown:
            lines += ["", "**Not documented:**"] + [
                f"- {c.text}" + (f" ({_path_name(det, c.pathway)})" if c.pathway else "") for c in unknown]
        if det.missing_documentation:
            lines += ["", "**Documents to send:**"] + [f"- {m.description}" for m in det.missing_documentation]
    if det.assumptions:
        lines += ["", "**Assumed — the request must attest:**"] + [f"- {a.attest}" for a in det.assumptions]
    if det.inferences:
        lines += ["", "**Inferred from documented facts:**"] + [
            f"- {x.fact_label}: {x.value}, inferred from {x.because}" for x in det.inferences]
    if det.requires_physician_review:
        lines += ["", "_This is a recommendation: an adverse or incomplete determination is final only when a "
                      "physician reviewer approves it._"]
    lines += ["", f"Policy: {policy.title} (version {policy.version}, effective {policy.effective_date.isoformat()})."]
    return "\n".join(lines)


def _path_name(det: Determination, pathway_id: str | None) -> str:
    return next((p.name for p in det.pathways if p.id == pathway_id), pathway_id or "")


def build_card(
    det: Determination,
    order: Mapping[str, Any],
    policy: Policy,
    *,
    source_label: str,
    source_url: str,
    dtr_launch_url: str,
    questionnaire: str | None = None,
    hook_instance: str = "",
    dictionary: FactDictionary | None = None,
    coverage_known: bool = True,
) -> dict[str, Any]:
    """The CDS Hooks card for one order's determination.

    ``coverage_known`` False (the request identified no Coverage): the card gives the clinical
    answer only and says that nothing is asserted about coverage or prior authorization.
    """
    order_ref = f"MedicationRequest/{order.get('id')}"
    detail = _detail(det, policy)
    if policy.variant is not None:  # chosen from the payer the request's Coverage names (mednec.fhir.coverage)
        detail += (f"\n\nJudged on the criteria of {policy.variant.name} ({policy.variant.payer}), the payer the "
                   "request's Coverage names.")
    if not coverage_known:
        detail += ("\n\nNo Coverage was identified in the request (no Coverage resource and no insurance on the "
                   "order), so this is the clinical answer only: mednec asserts nothing about coverage or prior "
                   "authorization.")
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mednec:{hook_instance}:{order_ref}:{det.input_hash}")),
        "summary": _summary(det, policy, missing_labels(det, dictionary), coverage_known),
        "indicator": INDICATORS[det.determination],
        "detail": detail,
        "source": {"label": source_label, "url": f"{source_url.rstrip('/')}/{policy.id}", "topic": dict(TOPIC)},
        "links": [],
    }
    if questionnaire:
        context = {"coverageAssertionId": det.input_hash, "questionnaire": [questionnaire], "order": order_ref}
        card["links"].append({"label": "Complete the documentation questionnaire (DTR)",
                              "url": dtr_launch_url, "type": "smart",
                              "appContext": json.dumps(context, separators=(",", ":"))})
    card["links"].append({"label": f"Policy: {policy.title}", "url": card["source"]["url"], "type": "absolute"})
    return card


def coverage_information(
    det: Determination,
    *,
    coverage: Mapping[str, Any],
    questionnaire: str | None = None,
    covered: str | None = None,
    pa_needed: str | None = None,
    info_needed: Sequence[str] = (),
    dictionary: FactDictionary | None = None,
) -> dict[str, Any]:
    """The CRD coverage-information extension for a determination (see the module table).

    ``covered`` / ``pa_needed`` override the table; ``info_needed`` requires one of them to be
    ``conditional`` (CRD invariant crd-ci-q3), and a questionnaire requires documentation
    (crd-ci-q1).
    """
    covered = covered or "covered"
    pa_needed = pa_needed or "auth-needed"
    doc_needed = None if det.determination == MEETS else "clinical"
    if info_needed and "conditional" not in (covered, pa_needed, doc_needed):
        raise ValueError("info-needed is only allowed when covered, pa-needed or doc-needed is conditional")
    if questionnaire and doc_needed is None:
        raise ValueError("a questionnaire is only allowed when documentation is needed")
    parts: list[dict[str, Any]] = [
        {"url": "coverage", "valueReference": dict(coverage)},
        {"url": "covered", "valueCode": covered},
        {"url": "pa-needed", "valueCode": pa_needed},
    ]
    if doc_needed:
        parts += [{"url": "doc-needed", "valueCode": doc_needed}, {"url": "doc-purpose", "valueCode": "withpa"}]
    parts += [{"url": "info-needed", "valueCode": code} for code in info_needed]
    reason = {
        MEETS: f"Meets mednec policy {det.policy['id']} {det.policy.get('version', '')}".strip(),
        INSUFFICIENT: "Documentation needed: " + ", ".join(missing_labels(det, dictionary)),
        NOT_MET: "Criteria not met on the record: recommendation pending physician review",
    }[det.determination]
    parts.append({"url": "reason", "valueCodeableConcept": {"text": reason}})
    if questionnaire:
        parts.append({"url": "questionnaire", "valueCanonical": questionnaire})
    parts += [
        {"url": "date", "valueDate": det.as_of.isoformat()},
        {"url": "coverage-assertion-id", "valueString": det.input_hash},
    ]
    return {"url": COVERAGE_INFORMATION, "extension": parts}


# What the caller's record says (a resource id, a unit, an error quoting them) in a card's Markdown: the
# EHR's Markdown reader passes HTML through and makes links of brackets, so these become entities or
# escapes (parentheses too: no link target), and a line break a space (it could start a heading).
_MD_TEXT = str.maketrans({"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`", "(": "\\(", ")": "\\)",
                             "\n": " ", "\r": " "})


def md_text(text: object) -> str:
    """``text`` from the caller's record, shown as text in a card's Markdown (never markup or a link)."""
    return str(text).translate(_MD_TEXT)


def error_card(order: Mapping[str, Any], policy: Policy, exc: Exception, *, hook_instance: str, source_label: str,
               source_url: str) -> dict[str, Any]:
    """A warning card for an order whose patient record could not be read."""
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mednec:{hook_instance}:error:{order.get('id')}")),
        "summary": _fit(f"{drug_name(policy)}: mednec could not read the patient record"),
        "indicator": "warning",
        "detail": f"The record could not be evaluated, so no coverage requirement was determined.\n\n{md_text(exc)}",
        "source": {"label": source_label, "url": f"{source_url.rstrip('/')}/{policy.id}", "topic": dict(TOPIC)},
    }


def unresolved_card(order: Mapping[str, Any], why: str, *, hook_instance: str, source_label: str,
                    source_url: str) -> dict[str, Any]:
    """An information card for an order mednec did not assess because which drug it is for is not clear (its
    code names one product, its name another): the requester is asked, nothing is asserted about coverage."""
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mednec:{hook_instance}:unresolved:{order.get('id')}")),
        "summary": _fit("mednec cannot tell which drug this order is for"),
        "indicator": "info",
        "detail": f"No coverage requirement was determined: {md_text(why)}.",
        "source": {"label": source_label, "url": source_url, "topic": dict(TOPIC)},
    }
