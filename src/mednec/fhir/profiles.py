"""Explicit checks of the elements the Da Vinci profiles mednec claims require.

No HL7 FHIR validator (a Java program) can be installed from a package registry here, so the
outputs are checked in two steps: :func:`mednec.intake.fhir.validate.validate_resource`
(fhir.resources, the R4B base models) and the functions below, one per claimed profile, which
list every required element that is missing or wrong (an empty list: conforms).

* :func:`pas_problems` -- PAS STU 2 (2.1.0) response and inquiry-response Bundles and their
  ClaimResponse (profile-claimresponse / profile-claiminquiryresponse), including the
  ``reviewAction`` extension's slices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["pas_problems"]

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
