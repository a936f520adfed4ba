"""PAS: Da Vinci Prior Authorization Support ``Claim/$submit`` and ``Claim/$inquire``.

::

    store = InMemoryClaimStore()
    response_bundle = submit(request_bundle, runtime, store=store)
    status_bundle = inquire(inquiry_bundle, store)

Conformance: Da Vinci PAS STU 2 (2.1.0). The item-level ``reviewAction`` extension sits on
``ClaimResponse.item.adjudication`` with its ``code`` slice as the absolute
``extension-reviewActionCode`` extension (valueCodeableConcept, X12 306) and its ``number`` slice
as a ``valueString`` (STU 1 used a relative ``code`` url and an integer number); the response
Bundle and ClaimResponse carry the PAS profiles in ``meta.profile`` (the inquiry response its
inquiry profiles), and :func:`mednec.fhir.profiles.pas_problems` checks their required elements.
The preAuthRef is unique per submitting organisation (:class:`ClaimStore` ``scope``).

``submit`` reads the PAS request Bundle: the Claim (``use`` = preauthorization), its items'
product codes (HCPCS, RxNorm) or the MedicationRequest an item or ``Claim.prescription``
points to -- which picks the policy -- and every clinical resource in the bundle, including a
DTR QuestionnaireResponse (through :func:`mednec.intake.fhir.bundle_to_case`, told the item's
drug so that its administrations give the treatment course a renewal is judged on). Each item is
evaluated and answered in a ClaimResponse item with the PAS ``reviewAction`` extension on its
adjudication (X12 306 codes, as in the PAS STU 2 examples):

* meets criteria -> ``A1`` "Certified in total", with the authorisation number, the
  ``itemPreAuthPeriod`` from the determination's authorisation and ``itemPreAuthIssueDate``;
* does not meet criteria, or insufficient information -> ``A4`` "Pending": per the product
  rules an adverse or incomplete determination is only a recommendation until a physician
  reviewer approves it, so mednec never denies (``A3``) on its own. The reasons (unmet or
  undocumented criteria) go in ``processNote`` and the documents to send in a
  CommunicationRequest, as PAS does for requests for additional information.

``outcome`` is ``complete`` in both cases (as in the PAS pended example); ``preAuthRef`` is
assigned either way so ``$inquire`` can find the request, and is kept when the same Claim
(same identifier) is submitted again with more documentation. A physician's decision on a
pended request is recorded with :func:`record_decision`.

The certification type (X12 1322) on an item selects the phase: ``I`` initial (default),
``R`` renewal or ``4`` extension -> continuation. Those two codes are from the X12 list as
recalled, UNCONFIRMED against the TR3; pass ``phase=`` to override.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from mednec.engine.determination import MEETS, Determination
from mednec.errors import CaseFormatError, InputError
from mednec.intake.fhir.codes import MEDNEC_BASE, codings, concept_texts
from mednec.states import ClaimStatus

if TYPE_CHECKING:
    from mednec.runtime import Runtime

__all__ = [
    "PAS_VERSION",
    "REVIEW_ACTION",
    "REVIEW_ACTION_CODE",
    "ClaimRecord",
    "ClaimStore",
    "InMemoryClaimStore",
    "assess_claim",
    "cancellation_field",
    "cancelled",
    "identifier_of",
    "inquire",
    "patient_record",
    "read_claim",
    "reidentified",
    "record_decision",
    "related_requests",
    "request_digest",
    "restamped",
    "submit",
]

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
REVIEW_ACTION = f"{PAS}/extension-reviewAction"
REVIEW_ACTION_CODE = f"{PAS}/extension-reviewActionCode"
PAS_VERSION = "2.1.0"
PROFILE_RESPONSE_BUNDLE = f"{PAS}/profile-pas-response-bundle"
PROFILE_CLAIM_RESPONSE = f"{PAS}/profile-claimresponse"
PROFILE_INQUIRY_RESPONSE_BUNDLE = f"{PAS}/profile-pas-inquiry-response-bundle"
PROFILE_CLAIM_INQUIRY_RESPONSE = f"{PAS}/profile-claiminquiryresponse"
PREAUTH_PERIOD = f"{PAS}/extension-itemPreAuthPeriod"
PREAUTH_ISSUE_DATE = f"{PAS}/extension-itemPreAuthIssueDate"
CERTIFICATION_TYPE = f"{PAS}/extension-certificationType"
REQUESTED_SERVICE = f"{PAS}/extension-requestedService"
X12_306 = "https://codesystem.x12.org/005010/306"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
_ACTIONS = {"A1": "Certified in total", "A3": "Not Certified", "A4": "Pending"}
_CONTINUATION_CERTIFICATIONS = {"R", "4"}
#: X12 1322 certification type 3: Cancel; PAS marks a cancelled item with extension-infoCancelledFlag
_CANCEL_CERTIFICATIONS = {"3"}
_INFO_CANCELLED = f"{PAS}/extension-infoCancelledFlag"
_NOT_ACTIVE_CLAIM = {"cancelled", "draft", "entered-in-error"}


class ClaimRecord(NamedTuple):
    """One prior-authorization request as stored: its number, status and response."""

    pre_auth_ref: str
    claim_system: str
    claim_value: str
    status: ClaimStatus
    response: Mapping[str, Any]  # the ClaimResponse Bundle last returned
    determinations: tuple[Mapping[str, Any], ...]
    updated: dt.datetime
    #: SHA-256 of the request's resources as sent (:func:`request_digest`): an identical resubmission has the same
    request_digest: str = ""


class ClaimStore(Protocol):
    """Where one organisation's prior-authorization requests are kept (the service plugs in its database).

    ``scope`` names the organisation: the preAuthRef is derived from it and the Claim.identifier,
    so two organisations submitting the same identifier get two requests, never one shared record.
    """

    @property
    def scope(self) -> str: ...

    def put(self, record: ClaimRecord) -> None: ...

    def get(self, pre_auth_ref: str) -> ClaimRecord | None: ...

    def find(self, system: str, value: str) -> ClaimRecord | None: ...


class InMemoryClaimStore:
    """A :class:`ClaimStore` in a dict (one organisation's), for tests and the command line."""

    def __init__(self, scope: str = "") -> None:
        self.scope = scope
        self._by_ref: dict[str, ClaimRecord] = {}

    def put(self, record: ClaimRecord) -> None:
        self._by_ref[record.pre_auth_ref] = record

    def get(self, pre_auth_ref: str) -> ClaimRecord | None:
        return self._by_ref.get(pre_auth_ref)

    def find(self, system: str, value: str) -> ClaimRecord | None:
        return next((r for r in self._by_ref.values() if (r.claim_system, r.claim_value) == (system, value)), None)


# --- reading the request ------------------------------------------------------------------------


def _entries(bundle: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(str(e.get("fullUrl") or ""), e["resource"]) for e in bundle.get("entry") or ()
            if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)]


def _claim(bundle: Any) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise CaseFormatError("expected a PAS request Bundle", field="resourceType")
    claims = [(url, r) for url, r in _entries(bundle) if r.get("resourceType") == "Claim"]
    if not claims:
        raise CaseFormatError("the Bundle holds no Claim", field="entry")
    url, claim = claims[0]
    if claim.get("use") != "preauthorization":
        raise CaseFormatError(f"Claim.use is {claim.get('use')!r}, not 'preauthorization'", field="Claim.use")
    _check_shape(claim)
    _check_patient(bundle, claim)
    return url, claim


#: the Claim elements mednec reads, by their JSON type in FHIR R4 (the request is untrusted JSON: a wrong type is
#: a 400 naming the element, never read as something else)
_LISTS = ("identifier", "item", "insurance", "related", "supportingInfo", "diagnosis", "extension")
_OBJECTS = ("patient", "prescription", "insurer", "provider", "type", "priority", "meta")
_ITEM_OBJECTS = ("productOrService", "quantity")


#: the most items one Claim may ask for: far above any prior-authorization request (a handful of services or
#: drugs), far below the ~12,000 a 6 MiB body holds (each item is one evaluation, ~3.5 ms: one request must not
#: take a worker for a minute)
MAX_ITEMS = 50
#: the longest Claim.identifier system and value a request is kept under (the prior-authorization store's columns)
MAX_IDENTIFIER_SYSTEM, MAX_IDENTIFIER_VALUE = 300, 200


def _check_shape(claim: Mapping[str, Any]) -> None:
    """Raise CaseFormatError naming the first Claim element whose JSON type is not R4's (or that has more
    than :data:`MAX_ITEMS` items)."""
    if isinstance(claim.get("item"), list) and len(claim["item"]) > MAX_ITEMS:
        raise CaseFormatError(f"a Claim may ask for at most {MAX_ITEMS} items; send the request in several Claims",
                              field="Claim.item")
    if not isinstance(claim.get("status", ""), str):
        raise CaseFormatError("Claim.status must be a code (a string)", field="Claim.status")
    for key in _OBJECTS:
        if key in claim and not isinstance(claim[key], Mapping):
            raise CaseFormatError(f"Claim.{key} must be an object", field=f"Claim.{key}")
    for key in _LISTS:
        _objects(claim, key, f"Claim.{key}")
    for i, item in enumerate(claim.get("item") or ()):
        _check_item(item, f"Claim.item[{i}]")
    system, value = _identifier(claim)
    if len(system) > MAX_IDENTIFIER_SYSTEM or len(value) > MAX_IDENTIFIER_VALUE:
        raise CaseFormatError(f"Claim.identifier's system is at most {MAX_IDENTIFIER_SYSTEM} characters and its value "
                              f"at most {MAX_IDENTIFIER_VALUE}", field="Claim.identifier")
    for i, ins in enumerate(claim.get("insurance") or ()):
        refs = ins.get("preAuthRef")
        if "preAuthRef" in ins and not (isinstance(refs, list) and all(isinstance(r, str) for r in refs)):
            raise CaseFormatError("must be a list of strings", field=f"Claim.insurance[{i}].preAuthRef")
    for i, rel in enumerate(claim.get("related") or ()):
        if "claim" in rel and not isinstance(rel["claim"], Mapping):
            raise CaseFormatError("must be a Reference (an object)", field=f"Claim.related[{i}].claim")


def _objects(owner: Mapping[str, Any], key: str, where: str) -> None:
    """``owner[key]``, when present, is a list of objects (else CaseFormatError naming ``where``)."""
    if key not in owner:
        return
    value = owner[key]
    if not isinstance(value, list):
        raise CaseFormatError(f"{where} must be a list", field=where)
    for i, element in enumerate(value):
        if not isinstance(element, Mapping):
            raise CaseFormatError(f"{where}[{i}] must be an object", field=f"{where}[{i}]")


def _check_item(item: Mapping[str, Any], where: str) -> None:
    seq = item.get("sequence")
    if "sequence" in item and (isinstance(seq, bool) or not isinstance(seq, int) or seq < 1):
        raise CaseFormatError("must be a positive integer", field=f"{where}.sequence")
    for key in _ITEM_OBJECTS:
        if key in item and not isinstance(item[key], Mapping):
            raise CaseFormatError("must be an object", field=f"{where}.{key}")
    _objects(item, "extension", f"{where}.extension")


def _check_patient(bundle: Mapping[str, Any], claim: Mapping[str, Any]) -> None:
    """The Bundle's record must be the Claim's patient: a Claim naming no patient (R4 Claim.patient is 1..1), or a
    patient the Bundle does not hold (beside another Patient, or with no Patient at all), is refused -- another
    patient's record is never used for it, and a request about no one is not evaluated."""
    ref = claim.get("patient", {}).get("reference")
    patients = [(url, r) for url, r in _entries(bundle) if r.get("resourceType") == "Patient"]
    if not isinstance(ref, str) or not ref:
        raise CaseFormatError("Claim.patient names no patient (a reference to the Patient the request is for is "
                              "required)", field="Claim.patient")
    if not patients:
        raise CaseFormatError(f"Claim.patient names {ref}, but the Bundle holds no Patient: the request's patient "
                              "must be sent with it", field="Claim.patient")
    if _claim_patient(ref, patients) is None:
        raise CaseFormatError("Claim.patient names a patient the Bundle does not hold, and the Bundle's record is "
                              "another Patient's: another patient's record is never used for a claim",
                              field="Claim.patient")


def _claim_patient(ref: str, patients: list[tuple[str, Mapping[str, Any]]]) -> tuple[str, Mapping[str, Any]] | None:
    tail = "/".join(ref.split("/_history/")[0].rstrip("/").split("/")[-2:])
    return next(((url, r) for url, r in patients if ref == url or tail == f"Patient/{r.get('id')}"), None)


def _references(value: Any) -> set[str]:
    """Every ``reference`` string inside a resource (untrusted JSON, walked without recursion)."""
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, Mapping):
            ref = v.get("reference")
            if isinstance(ref, str):
                out.add(ref)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


#: the elements through which a PAS request may name another person who is not the patient: the Coverage's
#: subscriber or policy holder (PAS Subscriber profile; X12 278's subscriber when the patient is a dependent)
_PARTY_ONLY = {"Coverage"}


def patient_record(bundle_json: Mapping[str, Any]) -> Mapping[str, Any]:
    """The PAS request Bundle as the Claim's patient's record: a second Patient named only as the Coverage's
    subscriber or policy holder (the PAS Subscriber profile: a dependent's request carries the subscriber) is left
    out; a second Patient with clinical resources of its own is refused (whose record the request is cannot be
    told from the Bundle alone); a Claim naming no patient, or one the Bundle does not hold, is refused."""
    _, claim = _claim(bundle_json)
    entries = _entries(bundle_json)
    patients = [(url, r) for url, r in entries if r.get("resourceType") == "Patient"]
    if len(patients) < 2:
        return bundle_json
    ours = _claim_patient(str(claim["patient"]["reference"]), patients)
    assert ours is not None  # _claim checked it
    others = {url or f"Patient/{r.get('id')}": {f"Patient/{r.get('id')}", url} - {""} for url, r in patients
              if r is not ours[1]}
    for name, refs in others.items():
        used = sorted(f"{r.get('resourceType')}/{r.get('id')}" for _, r in entries
                      if r.get("resourceType") not in ("Patient", *_PARTY_ONLY)
                      and any(x == y or x.endswith("/" + y) for x in _references(r) for y in refs))
        if used:
            raise CaseFormatError(f"the Bundle holds a second patient's record ({name}: {', '.join(used[:3])}"
                                  f"{' ...' if len(used) > 3 else ''}) beside the Claim's patient; a prior-"
                                  "authorization request carries one patient's record", field="entry")
    drop = {id(r) for url, r in patients if r is not ours[1]}
    return {**bundle_json, "entry": [e for e in bundle_json.get("entry") or ()
                                     if not (isinstance(e, Mapping) and id(e.get("resource")) in drop)]}


def _find(bundle: Mapping[str, Any], reference: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    ref = str((reference or {}).get("reference") or "")
    if not ref:
        return None
    for url, r in _entries(bundle):
        if url == ref or url.endswith("/" + ref) or f"{r.get('resourceType')}/{r.get('id')}" == ref:
            return r
    return None


def _item_order(bundle: Mapping[str, Any], claim: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """A MedicationRequest-shaped view of what an item asks for (for the policy lookup)."""
    for ext in item.get("extension") or ():
        if ext.get("url") == REQUESTED_SERVICE:
            target = _find(bundle, ext.get("valueReference"))
            if target is not None and target.get("resourceType") == "MedicationRequest":
                return dict(target)
    prescription = _find(bundle, claim.get("prescription"))
    if prescription is not None and prescription.get("resourceType") == "MedicationRequest" \
            and len(claim.get("item") or ()) == 1:
        return dict(prescription)
    return {"resourceType": "MedicationRequest", "id": f"item-{item.get('sequence')}",
            "medicationCodeableConcept": item.get("productOrService") or {}}


def _phase(item: Mapping[str, Any]) -> str:
    for ext in item.get("extension") or ():
        if ext.get("url") == CERTIFICATION_TYPE:
            codes = {c for _, c, _ in codings(ext.get("valueCodeableConcept"))}
            if codes & _CONTINUATION_CERTIFICATIONS:
                return "continuation"
    return "initial"


def _refuse_cancellation(claim: Mapping[str, Any], items: list[Any]) -> None:
    """A cancellation (Claim.status cancelled, draft or entered-in-error; an item with certification type 3 or
    infoCancelledFlag) is refused with a clear error: evaluating a request never certifies a cancellation as a
    new request. The service carries out a cancellation of a pended request before it gets here
    (:mod:`mednec.claims`, :func:`cancellation_field`); a draft or entered-in-error Claim is no request."""
    status = claim.get("status")
    if isinstance(status, str) and status in _NOT_ACTIVE_CLAIM:
        raise CaseFormatError(f"Claim.status is {status!r}: only an active Claim is evaluated; a cancellation is "
                              "not evaluated as a request and changes nothing here (the request's state is given "
                              "by $inquire)", field="Claim.status")
    for i, item in enumerate(items):
        exts = item.get("extension") if isinstance(item, Mapping) else None
        for ext in exts if isinstance(exts, list) else ():
            if not isinstance(ext, Mapping):
                continue
            cancel = ext.get("url") == _INFO_CANCELLED and ext.get("valueBoolean") is True
            cancel = cancel or (ext.get("url") == CERTIFICATION_TYPE and bool(
                {c for _, c, _ in codings(ext.get("valueCodeableConcept"))} & _CANCEL_CERTIFICATIONS))
            if cancel:
                raise CaseFormatError(f"Claim.item[{i}] is a cancellation (certification type Cancel or "
                                      "infoCancelledFlag): a cancellation is not evaluated as a request and "
                                      "changes nothing here", field=f"Claim.item[{i}]")


def read_claim(bundle: Any) -> Mapping[str, Any]:
    """The request's Claim, its shape checked (CaseFormatError naming what is wrong)."""
    return _claim(bundle)[1]


def cancellation_field(claim: Mapping[str, Any]) -> str | None:
    """Where a Claim asks to cancel the request it names: ``Claim.status`` (cancelled) or ``Claim.item[i]``
    (certification type 3, Cancel, or infoCancelledFlag true); None when it does not."""
    if claim.get("status") == "cancelled":
        return "Claim.status"
    try:
        _refuse_cancellation({}, list(claim.get("item") or ()))
    except CaseFormatError as exc:
        return exc.field
    return None


_PRIOR_RELATIONSHIPS = {"prior", "replaced"}
PROFILE_CLAIM_UPDATE = f"{PAS}/profile-claim-update"


def related_requests(claim: Mapping[str, Any]) -> tuple[list[tuple[str, str]], bool]:
    """The Claim.identifiers (system, value) that ``Claim.related`` names, and whether the Claim says it is an
    update of them (the PAS update profile, or a relationship ``prior`` / ``replaced``)."""
    found: list[tuple[str, str]] = []
    update = PROFILE_CLAIM_UPDATE in ((claim.get("meta") or {}).get("profile") or ())
    for rel in claim.get("related") or ():
        ident = (rel.get("claim") or {}).get("identifier")
        if isinstance(ident, Mapping) and isinstance(ident.get("value"), str):
            found.append((str(ident.get("system") or ""), ident["value"]))
        update = update or bool({c for _, c, _ in codings(rel.get("relationship"))} & _PRIOR_RELATIONSHIPS)
    return found, update


def request_digest(bundle: Mapping[str, Any]) -> str:
    """SHA-256 of what a PAS request says: its entries (the Claim and every resource), not the Bundle's own id,
    timestamp or identifier, which a client may make anew for each send. Two sends with one digest are one
    request sent twice (a retry after a lost response), whatever the day."""
    blob = json.dumps(bundle.get("entry") or [], sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()


def identifier_of(claim: Mapping[str, Any]) -> tuple[str, str]:
    """The Claim's identifier as (system, value): how the request is found again."""
    return _identifier(claim)


def cancelled(record: ClaimRecord, *, now: dt.datetime) -> ClaimRecord:
    """A pended request cancelled at its organisation's request: the ClaimResponse's status ``cancelled``, a
    disposition and a process note saying so (its items keep the reviewAction they had: nothing was decided)."""
    response = copy.deepcopy(dict(record.response))
    response["timestamp"] = _instant(now)
    for entry in response.get("entry") or ():
        cr = entry.get("resource") or {}
        if cr.get("resourceType") == "ClaimResponse":
            cr["status"] = "cancelled"
            cr["disposition"] = "Cancelled at the requester's request before a decision; nothing was decided."
            notes = list(cr.get("processNote") or ())
            notes.append({"number": len(notes) + 1, "type": "display", "text": cr["disposition"]})
            cr["processNote"] = notes
        elif cr.get("resourceType") == "CommunicationRequest":
            cr["status"] = "revoked"
    return record._replace(status=ClaimStatus.CANCELLED, response=response, updated=now)


def restamped(response: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A stored response Bundle as it is given again (a repeat, an unchanged resubmission): its timestamp now."""
    out = copy.deepcopy(dict(response))
    out["timestamp"] = _instant(now)
    return out


def _identifier(claim: Mapping[str, Any]) -> tuple[str, str]:
    ident = next(iter(claim.get("identifier") or ()), None) or {}
    return str(ident.get("system") or ""), str(ident.get("value") or claim.get("id") or "")


# --- building the response ----------------------------------------------------------------------


def _instant(moment: dt.datetime) -> str:
    """A FHIR instant: seconds, and ``Z`` for UTC (as fhir.resources writes it back)."""
    text = moment.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _review_action(code: str, number: str | None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": REVIEW_ACTION_CODE, "valueCodeableConcept": {
        "coding": [{"system": X12_306, "code": code, "display": _ACTIONS[code]}]}}]
    if number:
        parts.insert(0, {"url": "number", "valueString": number})
    return {"url": REVIEW_ACTION, "extension": parts}


def _attested(det: Determination) -> list[str]:
    """A process note per presumption: what the request attested by being submitted."""
    return [f"Attested by the request (not documented; presumed for criterion {a.criterion}): {a.attest}"
            for a in det.assumptions]


def _reasons(det: Determination) -> list[str]:
    if det.determination == MEETS:
        return [f"Meets {det.policy['id']} {det.policy.get('version', '')}: {det.pathway.name if det.pathway else ''}",
                *_attested(det)]
    top = [c for c in det.criteria if c.depth == 0]
    out = [f"Not met: {c.text}" for c in top if c.status.value == "not_met"]
    out += [f"Not documented: {c.text}" for c in top if c.status.value == "unknown"]
    out += _attested(det)
    out.append("Pended for physician review: an adverse or incomplete determination is a recommendation "
               "until a physician reviewer approves it.")
    return out


def _pre_auth_ref(scope: str, system: str, value: str) -> str:
    """The request's number: from the submitting organisation and the Claim.identifier, so it is
    stable across resubmissions and never the same for two organisations' identical identifiers."""
    return "MN-" + hashlib.sha256(f"{scope}|{system}|{value}".encode()).hexdigest()[:16].upper()


def _item_response(seq: int, det: Determination | None, ref: str, note_numbers: list[int]) -> dict[str, Any]:
    approved = det is not None and det.determination == MEETS
    adjudication = {
        "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
        "extension": [_review_action("A1" if approved else "A4", ref)],
    }
    item: dict[str, Any] = {"itemSequence": seq, "adjudication": [adjudication]}
    if note_numbers:
        item["noteNumber"] = note_numbers
    if approved and det is not None and det.authorization:
        item["extension"] = [
            {"url": PREAUTH_ISSUE_DATE, "valueDate": det.as_of.isoformat()},
            {"url": PREAUTH_PERIOD, "valuePeriod": {"start": det.authorization["start"],
                                                    "end": det.authorization["end"]}},
        ]
    return item


def submit(
    bundle_json: Mapping[str, Any],
    runtime: Runtime,
    *,
    store: ClaimStore | None = None,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
    phase: str | None = None,
) -> dict[str, Any]:
    """``Claim/$submit``: evaluate each item of a PAS request and return the ClaimResponse Bundle (kept in
    ``store`` under the preAuthRef of the same Claim.identifier submitted before, else a new one)."""
    previous = None
    if store is not None:
        previous = store.find(*_identifier(_claim(bundle_json)[1]))
    response, record = assess_claim(bundle_json, runtime, scope=store.scope if store is not None else "",
                                    pre_auth_ref=previous.pre_auth_ref if previous else None, as_of=as_of, now=now,
                                    phase=phase)
    if store is not None:
        store.put(record)
    return response


def assess_claim(
    bundle_json: Mapping[str, Any],
    runtime: Runtime,
    *,
    scope: str = "",
    pre_auth_ref: str | None = None,
    as_of: dt.date | None = None,
    now: dt.datetime | None = None,
    phase: str | None = None,
) -> tuple[dict[str, Any], ClaimRecord]:
    """Evaluate each item of a PAS request: the ClaimResponse Bundle and the record to keep (under
    ``pre_auth_ref``, else the one derived from ``scope`` and the Claim.identifier). A cancellation is refused
    (:func:`cancellation_field` says which requests are; :func:`cancelled` carries one out)."""
    from mednec.fhir.coverage import payer_names
    from mednec.fhir.crd import index_resources, names_disagree, policy_for_order
    from mednec.intake.fhir import bundle_to_case
    from mednec.policies.payer_match import variant_named

    claim_url, claim = _claim(bundle_json)
    now = now or dt.datetime.now(dt.UTC)
    when = as_of or now.date()
    items = list(claim.get("item") or ())
    if not items:
        raise CaseFormatError("the Claim has no item", field="Claim.item")
    _refuse_cancellation(claim, items)
    known = index_resources(bundle_json)
    policies = [policy_for_order(_item_order(bundle_json, claim, item), runtime.catalog, known) for item in items]
    record = patient_record(bundle_json)  # the Claim's patient's resources (a subscriber left out)
    cases = {  # per requested drug: its doses in the bundle are read for it (continuation)
        drug: runtime.parse_case(bundle_to_case(record, runtime.dictionary, when, drug=drug,
                                                 drugs=runtime.catalog.calculators.drugs).case, as_of=when,
                                 source="FHIR (PAS request)")
        for drug in dict.fromkeys(p.drug.generic if p is not None else None for p in policies)
    }
    payers = payer_names(known, claims=(claim,), on=when)
    system, value = _identifier(claim)
    ref = pre_auth_ref or _pre_auth_ref(scope, system, value)
    notes: list[dict[str, Any]] = []
    response_items: list[dict[str, Any]] = []
    determinations: list[Determination | None] = []
    for i, (item, policy) in enumerate(zip(items, policies, strict=True)):
        seq = int(item.get("sequence") or i + 1)
        if policy is None:
            texts = concept_texts(item.get("productOrService")) or ["the requested item"]
            why = names_disagree(_item_order(bundle_json, claim, item), runtime.catalog, known)
            said = f"{why}" if why else f"no mednec policy covers {texts[0]}"
            notes.append({"number": len(notes) + 1, "type": "display",
                          "text": f"Item {seq}: {said}; pended for a reviewer."})
            response_items.append(_item_response(seq, None, ref, [len(notes)]))
            determinations.append(None)
            continue
        item_phase = phase or _phase(item)
        if item_phase == "continuation" and policy.continuation is None:
            raise InputError(f"policy {policy.id} has no continuation criteria", field=f"Claim.item[{i}]")
        policy = policy.with_variant(variant_named(policy, payers))  # the member's payer's criteria, if modelled
        det = runtime.evaluate(cases[policy.drug.generic].facts, policy, phase=item_phase)
        numbers = []
        for text in _reasons(det):
            notes.append({"number": len(notes) + 1, "type": "display", "text": f"Item {seq}: {text}"})
            numbers.append(len(notes))
        response_items.append(_item_response(seq, det, ref, numbers))
        determinations.append(det)
    approved = all(d is not None and d.determination == MEETS for d in determinations)
    response = _response_bundle(bundle_json, claim_url, claim, ref, response_items, notes, determinations,
                                approved, now)
    return response, ClaimRecord(ref, system, value, ClaimStatus.APPROVED if approved else ClaimStatus.PENDED,
                                 response, tuple(_summary(d) for d in determinations if d is not None), now,
                                 request_digest(bundle_json))


def _summary(det: Determination) -> dict[str, Any]:
    out: dict[str, Any] = {"policy": det.policy["id"], "phase": det.phase, "determination": det.determination,
           "pathway": det.pathway.id if det.pathway else None, "input_hash": det.input_hash}
    variant = det.policy.get("variant")
    if isinstance(variant, Mapping) and variant.get("id"):
        out["variant"] = variant["id"]
    return out


def _request_identifier(claim: Mapping[str, Any]) -> dict[str, str]:
    """The Claim.identifier a ClaimResponse answers (PAS: sent so the response can be matched to its Claim)."""
    system, value = _identifier(claim)
    return {"system": system, "value": value} if system else {"value": value}


def reidentified(response: Mapping[str, Any], system: str, value: str, now: dt.datetime) -> dict[str, Any]:
    """A stored response given for an update sent under its own identifier that changed nothing: the same
    answer, now answering the update's Claim.identifier."""
    out = restamped(response, now)
    for entry in out.get("entry") or ():
        cr = entry.get("resource") or {}
        if cr.get("resourceType") == "ClaimResponse" and isinstance(cr.get("request"), dict):
            cr["request"]["identifier"] = {"system": system, "value": value} if system else {"value": value}
    return out


def _response_bundle(
    request: Mapping[str, Any], claim_url: str, claim: Mapping[str, Any], ref: str, items: list[dict[str, Any]],
    notes: list[dict[str, Any]], determinations: list[Determination | None], approved: bool, now: dt.datetime,
) -> dict[str, Any]:
    cr_id = ref.lower()
    request_ref = claim_url or f"Claim/{claim.get('id')}"
    cr: dict[str, Any] = {
        "resourceType": "ClaimResponse", "id": cr_id, "meta": {"profile": [PROFILE_CLAIM_RESPONSE]},
        "identifier": [{"system": f"{MEDNEC_BASE}/prior-authorization", "value": ref}],
        "status": "active",
        "type": claim.get("type") or {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                                                   "code": "pharmacy"}]},
        "use": "preauthorization",
        "patient": claim.get("patient"),
        "created": _instant(now),
        "insurer": claim.get("insurer") or {"display": "mednec"},
        "request": {"reference": request_ref, "identifier": _request_identifier(claim)},
        "outcome": "complete",
        "disposition": ("Certified: meets the medical-necessity criteria." if approved else
                        "Pended for physician review: mednec does not deny on its own; see the notes."),
        "preAuthRef": ref,
        "item": items,
    }
    if claim.get("provider"):
        cr["requestor"] = claim["provider"]
    periods = [d.authorization for d in determinations if d is not None and d.determination == MEETS
               and d.authorization]
    if approved and periods:
        cr["preAuthPeriod"] = {"start": min(p["start"] for p in periods), "end": max(p["end"] for p in periods)}
    if notes:
        cr["processNote"] = notes
    entries: list[dict[str, Any]] = [{"fullUrl": f"{MEDNEC_BASE}/ClaimResponse/{cr_id}", "resource": cr}]
    comm = _documents_request(claim, cr_id, request_ref, determinations, now)
    if comm is not None:
        cr["communicationRequest"] = [{"reference": f"CommunicationRequest/{comm['id']}"}]
        entries.append({"fullUrl": f"{MEDNEC_BASE}/CommunicationRequest/{comm['id']}", "resource": comm})
    entries += _parties(request, claim)
    bundle: dict[str, Any] = {"resourceType": "Bundle",
                              "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"mednec:pas:{ref}:{now.isoformat()}")),
                              "meta": {"profile": [PROFILE_RESPONSE_BUNDLE]},
                              "type": "collection", "timestamp": _instant(now),
                              "entry": entries}
    if request.get("identifier"):
        bundle["identifier"] = copy.deepcopy(request["identifier"])
    return bundle


def _documents_request(claim: Mapping[str, Any], cr_id: str, request_ref: str,
                       determinations: list[Determination | None], now: dt.datetime) -> dict[str, Any] | None:
    """The CommunicationRequest for the documents a pended request lacks, or ``None``."""
    missing = [m for d in determinations if d is not None and d.determination != MEETS
               for m in d.missing_documentation]
    if not missing:
        return None
    comm: dict[str, Any] = {
        "resourceType": "CommunicationRequest", "id": f"{cr_id}-documents", "status": "active",
        "subject": claim.get("patient"), "about": [{"reference": request_ref}],
        "authoredOn": _instant(now),
        "payload": [{"contentString": f"{m.description} ({', '.join(m.facts)})"} for m in dict.fromkeys(missing)],
    }
    if claim.get("provider"):
        comm["recipient"] = [claim["provider"]]
    return comm


def _parties(request: Mapping[str, Any], claim: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's patient, insurer and provider resources, under absolute fullUrls."""
    wanted = {str((claim.get(k) or {}).get("reference") or "") for k in ("patient", "insurer", "provider")} - {""}
    out = []
    for url, r in _entries(request):
        if url in wanted or f"{r.get('resourceType')}/{r.get('id')}" in wanted:
            full = url if "://" in url or url.startswith("urn:") else f"{MEDNEC_BASE}/{r['resourceType']}/{r.get('id')}"
            out.append({"fullUrl": full, "resource": copy.deepcopy(r)})
    return out


# --- inquiry and the reviewer's decision ---------------------------------------------------------


def inquire(bundle_json: Mapping[str, Any], store: ClaimStore, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """``Claim/$inquire``: the stored ClaimResponse Bundle for the Claim's preAuthRef or identifier."""
    _, claim = _claim(bundle_json)
    record = None
    for ins in claim.get("insurance") or ():
        for ref in ins.get("preAuthRef") or ():
            record = record or store.get(str(ref))
    if record is None:
        system, value = _identifier(claim)
        record = store.find(system, value)
    if record is None:
        raise InputError("no prior-authorization request matches this Claim's preAuthRef or identifier",
                         field="Claim.identifier")
    out = copy.deepcopy(dict(record.response))
    out["timestamp"] = _instant(now or dt.datetime.now(dt.UTC))
    out["meta"] = {"profile": [PROFILE_INQUIRY_RESPONSE_BUNDLE]}
    for entry in out.get("entry") or ():
        if entry["resource"].get("resourceType") == "ClaimResponse":
            entry["resource"]["meta"] = {"profile": [PROFILE_CLAIM_INQUIRY_RESPONSE]}
    return out


def record_decision(
    store: ClaimStore, pre_auth_ref: str, *, approved: bool, reviewer: str, note: str = "",
    now: dt.datetime | None = None,
) -> ClaimRecord:
    """Record a physician reviewer's decision on a pended request (A1 certified or A3 not certified)."""
    record = store.get(pre_auth_ref)
    if record is None:
        raise InputError(f"no prior-authorization request {pre_auth_ref}", field="preAuthRef")
    now = now or dt.datetime.now(dt.UTC)
    response = copy.deepcopy(dict(record.response))
    cr = response["entry"][0]["resource"]
    code = "A1" if approved else "A3"
    for item in cr.get("item") or ():
        for adj in item.get("adjudication") or ():
            adj["extension"] = [e for e in adj.get("extension") or () if e.get("url") != REVIEW_ACTION] + [
                _review_action(code, pre_auth_ref)]
    cr["disposition"] = (f"{'Certified' if approved else 'Not certified'} by physician reviewer {reviewer}"
                         + (f": {note}" if note else "."))
    notes = list(cr.get("processNote") or ())
    notes.append({"number": len(notes) + 1, "type": "display", "text": cr["disposition"]})
    cr["processNote"] = notes
    response["timestamp"] = _instant(now)
    updated = record._replace(status=ClaimStatus.APPROVED if approved else ClaimStatus.DENIED, response=response,
                              updated=now)
    store.put(updated)
    return updated
