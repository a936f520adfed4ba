"""Explicit checks of the elements the Da Vinci profiles mednec claims require.

No HL7 FHIR validator (a Java program) can be installed from a package registry here, so the
outputs are checked in two steps: :func:`mednec.intake.fhir.validate.validate_resource`
(fhir.resources, the R4B base models) and the functions below, one per claimed profile, which
list every required element that is missing or wrong (an empty list: conforms).

* :func:`pas_problems` -- PAS STU 2 (2.1.0) response and inquiry-response Bundles and their
  ClaimResponse (profile-claimresponse / profile-claiminquiryresponse), including the
  ``reviewAction`` extension's slices.
* :func:`coverage_information_problems` -- CRD STU 2 (2.2.1, ``input/fsh/extensions/CoverageInformation.fsh``
  of HL7/davinci-crd): the ``ext-coverage-information`` extension's slices, their cardinality and value
  types, the required value sets (coverageInfo, coveragePaDetail, AdditionalDocumentation, DocReason,
  informationNeeded, coverageDetailCategories) and the invariants crd-ci-q1 to crd-ci-q9.
* :func:`hooks_response_problems` -- a CDS Hooks 2.0 response: each card's required summary (under 140
  characters), indicator and source label, the ``source.topic`` CRD requires (resp-5), its links, and each systemAction (type, description, and
  for an update the resource), with every coverage-information extension an action carries checked as above.
* :func:`discovery_problems` -- the CDS Hooks discovery document as CRD 2.2.1 constrains it (deviations.html):
  each service declares its CRD versions (``davinci-crd.version``, dev-1, two-part versions) and a boolean
  configuration option per card type it returns (``davinci-crd.configuration-options``, dev-4/dev-5/dev-8:
  code, type, name, description and default, codes unique).
* :func:`dtr_questionnaire_problems`, :func:`dtr_package_bundle_problems`,
  :func:`dtr_package_output_problems` -- DTR STU 2 (2.1.0, ``input/fsh`` of HL7/davinci-dtr at tag 2.1.0):
  the standard Questionnaire (dtr-std-questionnaire: subjectType 1..1 fixed Patient, text 1..1, every
  answerOption with its value, and the checks of its items mednec can make: each item's linkId and text,
  a choice item with answers, a quantity item with unit options), the questionnaire package Bundle
  (DTR-QPackageBundle: collection, entry 1..*, slices by resource type closed to Questionnaire 1..1,
  QuestionnaireResponse 0..1, ValueSet, Library; dtrb-1: the first entry is the Questionnaire) and the
  operation's output Parameters (dtr-qpackage-output-parameters: parameter 1..*, ``PackageBundle`` with a
  package Bundle resource, ``operationOutcome`` 0..1 with an OperationOutcome).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CRD_CODES",
    "DTR",
    "coverage_information_problems",
    "discovery_problems",
    "dtr_package_bundle_problems",
    "dtr_package_output_problems",
    "dtr_questionnaire_problems",
    "hooks_response_problems",
    "pas_problems",
]

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
_X12_306 = "https://codesystem.x12.org/005010/306"
_REVIEW_ACTION_SLICES = {f"{PAS}/extension-reviewActionCode": "valueCodeableConcept", "number": "valueString",
                         "reasonCode": "valueCodeableConcept", "secondSurgicalOpinionFlag": "valueBoolean"}


def _profiles(resource: Mapping[str, Any]) -> list[str]:
    return list((resource.get("meta") or {}).get("profile") or ())


def _review_action(ext: Mapping[str, Any], where: str) -> list[str]:
    out: list[str] = []
    if ext.get("url") != f"{PAS}/extension-reviewAction":
        return out
    if any(k.startswith("value") for k in ext):
        out.append(f"{where}: reviewAction is a complex extension and has no value[x]")
    for j, part in enumerate(ext.get("extension") or ()):
        at = f"{where}.extension[{j}]"
        kind = _REVIEW_ACTION_SLICES.get(str(part.get("url")))
        if kind is None:
            out.append(f"{at}: url {part.get('url')!r} is not a reviewAction slice (code is the absolute "
                       "extension-reviewActionCode url in PAS STU 2)")
        elif kind not in part:
            out.append(f"{at}: {part.get('url')} takes {kind}")
        elif kind == "valueCodeableConcept" and part["url"].endswith("reviewActionCode") and not any(
                c.get("system") == _X12_306 and c.get("code") for c in part[kind].get("coding") or ()):
            out.append(f"{at}: the review action code is an X12 306 coding")
    return out


def _claim_response(cr: Mapping[str, Any], where: str, profile: str) -> list[str]:
    out: list[str] = []
    if profile not in _profiles(cr):
        out.append(f"{where}.meta.profile: {profile} missing")
    fixed = {"status": "active", "use": "preauthorization"}
    out += [f"{where}.{k}: must be {v!r}" for k, v in fixed.items() if cr.get(k) != v]
    for k in ("type", "patient", "created", "insurer", "outcome", "request"):
        if not cr.get(k):
            out.append(f"{where}.{k}: required")
    for i, item in enumerate(cr.get("item") or ()):
        at = f"{where}.item[{i}]"
        if not item.get("itemSequence"):
            out.append(f"{at}.itemSequence: required")
        if not item.get("adjudication"):
            out.append(f"{at}.adjudication: required (1..*)")
        for a, adj in enumerate(item.get("adjudication") or ()):
            if not adj.get("category"):
                out.append(f"{at}.adjudication[{a}].category: required")
            for e, ext in enumerate(adj.get("extension") or ()):
                out += _review_action(ext, f"{at}.adjudication[{a}].extension[{e}]")
    return out


def pas_problems(bundle: Mapping[str, Any], *, inquiry: bool = False) -> list[str]:
    """What a PAS response (or inquiry response) Bundle lacks against its profiles; empty when it conforms."""
    kind = "inquiry-response" if inquiry else "response"
    out: list[str] = []
    bundle_profile = f"{PAS}/profile-pas-{kind}-bundle"
    if bundle.get("resourceType") != "Bundle":
        return ["resourceType: a PAS response is a Bundle"]
    if bundle_profile not in _profiles(bundle):
        out.append(f"meta.profile: {bundle_profile} missing")
    if bundle.get("type") != "collection":
        out.append("type: must be 'collection'")
    if not bundle.get("timestamp"):
        out.append("timestamp: required")
    entries = list(bundle.get("entry") or ())
    if not entries:
        out.append("entry: required (1..*)")
    responses = 0
    for i, entry in enumerate(entries):
        full = str(entry.get("fullUrl") or "")
        if not (full.startswith("urn:") or "://" in full):
            out.append(f"entry[{i}].fullUrl: required, an absolute URL")
        out += [f"entry[{i}].{k}: not allowed in a PAS Bundle" for k in ("search", "request", "response") if k in entry]
        res = entry.get("resource")
        if not isinstance(res, Mapping):
            out.append(f"entry[{i}].resource: required")
            continue
        if res.get("resourceType") == "ClaimResponse":
            responses += 1
            profile = f"{PAS}/profile-claiminquiryresponse" if inquiry else f"{PAS}/profile-claimresponse"
            out += _claim_response(res, f"entry[{i}].resource", profile)
    if not inquiry and responses != 1:
        out.append(f"entry: exactly one ClaimResponse required, found {responses}")
    return out


# --- CRD STU 2 (2.2.1): the coverage-information extension ---------------------------------------------

CRD = "http://hl7.org/fhir/us/davinci-crd"
COVERAGE_INFORMATION = f"{CRD}/StructureDefinition/ext-coverage-information"
#: The CodeSystem of the extension's codes (CoverageInformationCodes) and the reasons' (CRDTempCodes).
CRD_CODES = f"{CRD}/CodeSystem/coverage-information-codes"
_CRD_TEMP = f"{CRD}/CodeSystem/temp"
_ASSERTION_REASONS = frozenset({"gold-card", "no-member-found", "no-active-coverage", "coverage-not-found",
                                "auth-out-network", "technical"})
#: slice -> (min, max, value type, required codes or None); max None = unbounded
_CI_SLICES: dict[str, tuple[int, int | None, str, frozenset[str] | None]] = {
    "coverage": (1, 1, "valueReference", None),
    "covered": (1, 1, "valueCode", frozenset({"not-covered", "covered", "conditional", "indeterminate"})),
    "pa-needed": (0, 1, "valueCode", frozenset({"no-auth", "auth-needed", "satisfied", "performpa", "conditional",
                                                "indeterminate"})),
    "doc-needed": (0, None, "valueCode", frozenset({"clinical", "admin", "patient", "conditional", "indeterminate"})),
    "doc-purpose": (0, None, "valueCode", frozenset({"withpa", "withclaim", "withorder", "retain-doc", "OTH"})),
    "info-needed": (0, None, "valueCode", frozenset({"performer", "location", "timeframe", "contract-window",
                                                     "detail-code", "OTH"})),
    "billingCode": (0, None, "valueCoding", None),
    "reason": (0, None, "valueCodeableConcept", None),
    "detail": (0, None, "extension", None),
    "dependency": (0, None, "valueReference", None),
    "questionnaire": (0, None, "valueCanonical", None),
    "date": (1, 1, "valueDate", None),
    "coverage-assertion-id": (1, 1, "valueString", None),
    "satisfied-pa-id": (0, 1, "valueString", None),
    "contact": (0, None, "valueContactDetail", None),
    "expiry-date": (0, 1, "valueDate", None),
}
_DETAIL_SLICES: dict[str, tuple[int, tuple[str, ...]]] = {
    "category": (1, ("valueCode",)), "code": (1, ("valueCodeableConcept",)),
    "value": (1, ("valueBoolean", "valueString", "valueUrl", "valueQuantity", "valuePeriod")),
    "qualification": (0, ("valueString",)),
}
_DETAIL_CATEGORIES = frozenset({"cat-limitation", "cat-decisional", "cat-other"})


def _values(parts: list[Mapping[str, Any]], url: str) -> list[Any]:
    kind = _CI_SLICES[url][2]
    return [p.get(kind) for p in parts if p.get("url") == url]


def _detail(part: Mapping[str, Any], at: str) -> list[str]:
    out: list[str] = []
    subs = list(part.get("extension") or ())
    for name, (low, kinds) in _DETAIL_SLICES.items():
        found = [x for x in subs if x.get("url") == name]
        if len(found) < low or len(found) > 1:
            out.append(f"{at}: detail.{name} must occur {low}..1 times, found {len(found)}")
        for x in found:
            if not any(k in x for k in kinds):
                out.append(f"{at}: detail.{name} takes {' or '.join(kinds)}")
            elif name == "category" and x.get("valueCode") not in _DETAIL_CATEGORIES:
                out.append(f"{at}: detail.category {x.get('valueCode')!r} is not in coverageDetailCategories")
    return out


def _slice_problems(parts: list[Mapping[str, Any]], where: str) -> list[str]:
    out: list[str] = []
    for j, part in enumerate(parts):
        at = f"{where}.extension[{j}]"
        url = str(part.get("url"))
        spec = _CI_SLICES.get(url)
        if spec is None:
            out.append(f"{at}: url {url!r} is not a slice of ext-coverage-information")
            continue
        _, _, kind, codes = spec
        if kind == "extension":
            out += _detail(part, at)
            continue
        others = [k for k in part if k.startswith("value") and k != kind]
        if kind not in part or others:
            out.append(f"{at}: {url} takes {kind} only")
        elif codes is not None and part[kind] not in codes:
            out.append(f"{at}: {url} {part[kind]!r} is not in its required value set ({', '.join(sorted(codes))})")
    for url, (low, high, _, _) in _CI_SLICES.items():
        n = sum(1 for p in parts if p.get("url") == url)
        if n < low or (high is not None and n > high):
            out.append(f"{where}: {url} must occur {low}..{high if high is not None else '*'} times, found {n}")
    coverage = _values(parts, "coverage")
    if coverage and str((coverage[0] or {}).get("reference") or "").split("/")[-2:-1] != ["Coverage"]:
        out.append(f"{where}: coverage must reference a Coverage resource")
    return out


def _reason_known(concept: Mapping[str, Any]) -> bool:
    codings = list(concept.get("coding") or ())
    return bool(concept.get("text")) or (bool(codings) and all(
        c.get("system") == _CRD_TEMP and c.get("code") in _ASSERTION_REASONS for c in codings))


def _invariant_problems(parts: list[Mapping[str, Any]], where: str) -> list[str]:
    def has(url: str) -> bool:
        return any(p.get("url") == url for p in parts)

    covered, pa = set(_values(parts, "covered")), set(_values(parts, "pa-needed"))
    doc, purpose = set(_values(parts, "doc-needed")), set(_values(parts, "doc-purpose"))
    checks = [
        ("crd-ci-q1", not has("questionnaire") or has("doc-needed"), "a questionnaire requires doc-needed"),
        ("crd-ci-q2", "not-covered" not in covered or not has("pa-needed"), "not-covered allows no pa-needed"),
        ("crd-ci-q3", ("conditional" in covered | pa | doc) == has("info-needed"),
         "info-needed exists if and only if covered, pa-needed or doc-needed is conditional"),
        ("crd-ci-q4", not (pa & {"satisfied", "no-auth"}) or "withpa" not in purpose,
         "doc-purpose cannot be withpa when pa-needed is satisfied or no-auth"),
        ("crd-ci-q5", ("satisfied" in pa) == has("satisfied-pa-id"),
         "satisfied-pa-id exists if and only if pa-needed is satisfied"),
        ("crd-ci-q6", "OTH" not in set(_values(parts, "info-needed")) or has("reason"), "info-needed OTH needs a reason"),
        ("crd-ci-q7", all(_reason_known(r or {}) for r in _values(parts, "reason")),
         "a reason coded outside coverageAssertionReasons needs its text"),
        ("crd-ci-q8", not (purpose - {"conditional"}) or has("reason"), "doc-purpose needs a reason"),
        ("crd-ci-q9", "indeterminate" not in covered | pa | doc or has("reason"), "indeterminate needs a reason"),
    ]
    return [f"{where}: {name}: {text}" for name, ok, text in checks if not ok]


def coverage_information_problems(ext: Mapping[str, Any], where: str = "extension") -> list[str]:
    """What one coverage-information extension lacks against CRD STU 2 (2.2.1); empty when it conforms."""
    if ext.get("url") != COVERAGE_INFORMATION:
        return [f"{where}.url: must be {COVERAGE_INFORMATION}"]
    out = [f"{where}: a complex extension has no value[x]" for k in ext if k.startswith("value")]
    parts = [p for p in ext.get("extension") or () if isinstance(p, Mapping)]
    out += _slice_problems(parts, where)
    return out + _invariant_problems(parts, where)


#: CDS Hooks Card Types (HL7 Terminology), bound extensibly to Card.source.topic by CRD (cards.html resp-5;
#: ValueSet cardType of CRD 2.2.1, whose first code is coverage-info "Coverage Information"). The binding is
#: extensible, so any coding is accepted; its presence is required.
CARD_TYPES = "http://terminology.hl7.org/CodeSystem/cdshooks-card-type"
_INDICATORS = frozenset({"info", "warning", "critical"})
_LINK_TYPES = frozenset({"absolute", "smart"})
_ACTION_TYPES = frozenset({"create", "update", "delete"})


def _card_problems(card: Mapping[str, Any], at: str) -> list[str]:
    out: list[str] = []
    summary = card.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) >= 140:
        out.append(f"{at}.summary: required, under 140 characters")
    if card.get("indicator") not in _INDICATORS:
        out.append(f"{at}.indicator: one of info, warning, critical")
    source = card.get("source")
    if not isinstance(source, Mapping) or not source.get("label"):
        out.append(f"{at}.source.label: required")
    elif not isinstance(source.get("topic"), Mapping) or not (source["topic"].get("system")
                                                              and source["topic"].get("code")):
        out.append(f"{at}.source.topic: required by CRD (resp-5), a coding (extensible binding to CRD Response "
                   f"Types, {CARD_TYPES})")
    for i, link in enumerate(card.get("links") or ()):
        if not link.get("label") or not link.get("url") or link.get("type") not in _LINK_TYPES:
            out.append(f"{at}.links[{i}]: label, url and type (absolute or smart) are required")
        if "appContext" in link and (link.get("type") != "smart" or not isinstance(link["appContext"], str)):
            out.append(f"{at}.links[{i}].appContext: a string, for a smart link only")
    return out


def hooks_response_problems(response: Mapping[str, Any]) -> list[str]:
    """What a CDS Hooks 2.0 response (cards and systemActions) lacks; every coverage-information extension an
    action's resource carries is checked against CRD (:func:`coverage_information_problems`)."""
    out: list[str] = []
    if not isinstance(response.get("cards"), list):
        return ["cards: required (an array, possibly empty)"]
    for i, card in enumerate(response["cards"]):
        out += _card_problems(card, f"cards[{i}]")
    for i, action in enumerate(response.get("systemActions") or ()):
        at = f"systemActions[{i}]"
        if action.get("type") not in _ACTION_TYPES or not action.get("description"):
            out.append(f"{at}: type (create, update or delete) and description are required")
        resource = action.get("resource")
        if action.get("type") in ("create", "update") and not isinstance(resource, Mapping):
            out.append(f"{at}.resource: required for {action.get('type')}")
            continue
        for j, ext in enumerate((resource or {}).get("extension") or ()):
            if ext.get("url") == COVERAGE_INFORMATION:
                out += coverage_information_problems(ext, f"{at}.resource.extension[{j}]")
    return out


_VERSION = re.compile(r"^[1-9]\d*\.[1-9]\d*$")  # CDSHookServicesExtensionCRDVersion's constraint


def _options_problems(options: Any, at: str, card_types: set[str]) -> list[str]:
    if not isinstance(options, list):
        return [f"{at}: davinci-crd.configuration-options is required (dev-5: one boolean option per card type)"]
    out: list[str] = []
    for i, option in enumerate(options):
        missing = [k for k in ("code", "type", "name", "description", "default") if k not in option]
        if missing:
            out.append(f"{at}.configuration-options[{i}]: {', '.join(missing)} required (dev-4)")
        if option.get("type") not in ("boolean", "integer"):
            out.append(f"{at}.configuration-options[{i}].type: boolean or integer")
    for key in ("code", "name", "description"):
        values = [o.get(key) for o in options]
        if len(values) != len(set(map(str, values))):
            out.append(f"{at}: configuration option {key}s must be unique (dev-8)")
    booleans = {o.get("code") for o in options if o.get("type") == "boolean"}
    out += [f"{at}: no boolean configuration option for the card type {t!r} (dev-5)" for t in sorted(card_types - booleans)]
    return out


def discovery_problems(doc: Mapping[str, Any], card_types: Sequence[str] = ("coverage-info",)) -> list[str]:
    """What a CDS Hooks discovery document lacks against CDS Hooks 2.0 and CRD 2.2.1's declarations;
    ``card_types`` are the CRD response types the services return."""
    services = doc.get("services")
    if not isinstance(services, list) or not services:
        return ["services: required"]
    out: list[str] = []
    for i, svc in enumerate(services):
        at = f"services[{i}]"
        out += [f"{at}.{k}: required" for k in ("hook", "id", "description") if not svc.get(k)]
        ext = svc.get("extension") or {}
        versions = ext.get("davinci-crd.version")
        if not isinstance(versions, list) or not versions:
            out.append(f"{at}.extension: davinci-crd.version must declare at least one CRD version (dev-1)")
        else:
            out += [f"{at}.extension.davinci-crd.version: {v!r} is not a two-part version"
                    for v in versions if not _VERSION.match(str(v))]
        out += _options_problems(ext.get("davinci-crd.configuration-options"), f"{at}.extension", set(card_types))
    return out


# --- DTR STU 2 (2.1.0): the Questionnaire, the package Bundle and the operation's output -----------------

DTR = "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition"
_UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"
_UNIT_VALUESET = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitValueSet"
_ANSWER_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-answerExpression"


def _item_problems(items: list[Mapping[str, Any]], where: str) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        urls = {str(e.get("url")) for e in item.get("extension") or ()}
        if not item.get("linkId") or not item.get("type"):
            out.append(f"{at}: linkId and type are required")
        if item.get("type") != "display" and not item.get("text"):
            out.append(f"{at}.text: required for a question or group")
        if item.get("type") in ("choice", "open-choice") and not (
                item.get("answerOption") or item.get("answerValueSet") or _ANSWER_EXPRESSION in urls):
            out.append(f"{at}: a choice item needs answerOption, answerValueSet or answerExpression (dtrq-2)")
        if item.get("type") == "quantity" and not urls & {_UNIT_OPTION, _UNIT_VALUESET}:
            out.append(f"{at}: a quantity item needs unitOption or unitValueSet (dtrq-3)")
        for k, option in enumerate(item.get("answerOption") or ()):
            if sum(1 for key in option if key.startswith("value")) != 1:
                out.append(f"{at}.answerOption[{k}].value[x]: 1..1")
        out += _item_problems(list(item.get("item") or ()), f"{at}.item")
    return out


def dtr_questionnaire_problems(q: Mapping[str, Any]) -> list[str]:
    """What a Questionnaire lacks against dtr-std-questionnaire (DTR 2.1.0); empty when it conforms."""
    out: list[str] = []
    if q.get("resourceType") != "Questionnaire":
        return ["resourceType: must be Questionnaire"]
    if f"{DTR}/dtr-std-questionnaire" not in _profiles(q):
        out.append(f"meta.profile: {DTR}/dtr-std-questionnaire missing")
    if q.get("subjectType") != ["Patient"]:
        out.append("subjectType: 1..1, fixed to Patient")
    text = q.get("text") or {}
    if not (isinstance(text, Mapping) and text.get("status") and str(text.get("div") or "").startswith("<div")):
        out.append("text: 1..1 (a narrative with status and an XHTML div)")
    if not q.get("url") or not q.get("version"):
        out.append("url and version: required for a canonical a $questionnaire-package request can name")
    if q.get("status") not in ("draft", "active", "retired", "unknown"):
        out.append("status: required")
    return out + _item_problems(list(q.get("item") or ()), "item")


def dtr_package_bundle_problems(bundle: Mapping[str, Any]) -> list[str]:
    """What a questionnaire package Bundle lacks against DTR-QPackageBundle (DTR 2.1.0)."""
    out: list[str] = []
    if f"{DTR}/DTR-QPackageBundle" not in _profiles(bundle):
        out.append(f"meta.profile: {DTR}/DTR-QPackageBundle missing")
    if bundle.get("type") != "collection":
        out.append("type: must be 'collection'")
    entries = [e for e in bundle.get("entry") or () if isinstance(e, Mapping)]
    if not entries:
        return [*out, "entry: 1..*"]
    kinds = [str((e.get("resource") or {}).get("resourceType")) for e in entries]
    if kinds[0] != "Questionnaire":
        out.append("entry[0]: the first resource must be the Questionnaire (dtrb-1)")
    for kind, (low, high) in {"Questionnaire": (1, 1), "QuestionnaireResponse": (0, 1)}.items():
        if not low <= kinds.count(kind) <= high:
            out.append(f"entry: {kind} {low}..{high}, found {kinds.count(kind)}")
    out += [f"entry[{i}]: {k} is not a slice of the package (closed: Questionnaire, QuestionnaireResponse, "
            "ValueSet, Library)" for i, k in enumerate(kinds)
            if k not in ("Questionnaire", "QuestionnaireResponse", "ValueSet", "Library")]
    for i, e in enumerate(entries):
        if kinds[i] == "Questionnaire":
            out += [f"entry[{i}].resource.{p}" for p in dtr_questionnaire_problems(e["resource"])]
    return out


def dtr_package_output_problems(params: Mapping[str, Any]) -> list[str]:
    """What a ``$questionnaire-package`` answer lacks against dtr-qpackage-output-parameters (DTR 2.1.0)."""
    if params.get("resourceType") != "Parameters":
        return ["resourceType: must be Parameters"]
    parameters = [p for p in params.get("parameter") or () if isinstance(p, Mapping)]
    out = [] if parameters else ["parameter: 1..*"]
    outcomes = [p for p in parameters if p.get("name") == "operationOutcome"]
    if len(outcomes) > 1:
        out.append("operationOutcome: 0..1")
    for i, p in enumerate(parameters):
        res = p.get("resource") or {}
        if p.get("name") == "PackageBundle":
            if res.get("resourceType") != "Bundle":
                out.append(f"parameter[{i}].resource: a package Bundle is required")
            else:
                out += [f"parameter[{i}].resource.{x}" for x in dtr_package_bundle_problems(res)]
        elif p.get("name") == "operationOutcome" and (res.get("resourceType") != "OperationOutcome"
                                                     or any(k.startswith("value") for k in p)):
            out.append(f"parameter[{i}]: operationOutcome carries an OperationOutcome resource and no value")
    return out
