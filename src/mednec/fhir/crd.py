"""CRD: CDS Hooks 2.0 services for ``order-select`` and ``order-sign`` (Da Vinci CRD).

::

    discovery(runtime.dictionary)                  # GET  {base}/cds-services
    handle_hook(request_json, runtime)             # POST {base}/cds-services/{id}

For every draft MedicationRequest whose drug a policy covers (RxNorm or HCPCS code, else the
drug's name in the order's text), mednec builds the patient's case from the prefetched data
(or, for prefetch keys the client left out, from ``fhirServer`` with the token in
``fhirAuthorization``), evaluates the policy, and answers with:

* a **card** -- summary under 140 characters, indicator ``info`` (meets criteria),
  ``warning`` (documentation needed) or ``critical`` (criteria not met: a recommendation until
  a physician reviewer decides), ``source`` {label, url}, Markdown ``detail`` listing the unmet
  and unknown criteria and the documents to send, and a SMART ``link`` launching the DTR
  questionnaire when something can be asked;
* a **systemAction** updating the order with the CRD coverage-information extension
  (:func:`coverage_information`).

The card and the extension are built in :mod:`mednec.fhir.cards`, which documents the
coverage-information values chosen for each determination.

No HTTP server lives here: the API wraps these functions. :class:`PrefetchUnavailableError`
is the case for HTTP 412 (required data neither prefetched nor fetchable).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from mednec.engine.determination import MEETS, Determination
from mednec.errors import CaseFormatError, InputError
from mednec.facts.dictionary import FactDictionary
from mednec.fhir.cards import (
    COVERAGE_INFORMATION,
    build_card,
    coverage_information,
    drug_name,
    error_card,
    md_text,
    unresolved_card,
)
from mednec.intake.fhir.codes import HCPCS, LOCAL_SYSTEM, LOINC, MEDNEC_BASE, RXNORM, VARIANT_ASSESSMENT, fold
from mednec.intake.fhir.codes import codings as _codings
from mednec.intake.fhir.codes import concept_texts as _texts
from mednec.intake.fhir.codes import system_uri as _system_uri

if TYPE_CHECKING:
    from mednec.policies.model import Policy
    from mednec.runtime import Runtime


if TYPE_CHECKING:
    from mednec.policies.loader import Catalog

__all__ = [
    "index_resources",
    "COVERAGE_INFORMATION",
    "HOOKS",
    "Fetch",
    "HookAssessment",
    "HookConfig",
    "OrderAssessment",
    "PrefetchUnavailableError",
    "assess",
    "build_card",
    "coverage_information",
    "discovery",
    "handle_hook",
    "http_fetch",
    "names_disagree",
    "policy_for_order",
    "prefetch_templates",
]

HOOKS = ("order-select", "order-sign")
#: prefetch keys without which no determination is worth making (412 when unobtainable)
REQUIRED_PREFETCH = ("patient", "conditions", "observations")

Fetch = Callable[[str, "str | None"], Any]


class PrefetchUnavailableError(InputError):
    """Required data was neither prefetched nor fetchable from ``fhirServer`` (HTTP 412)."""

    code = "prefetch_unavailable"


@dataclass(frozen=True)
class HookConfig:
    """Where cards point: the card source, the DTR launch URL and the canonical base."""

    source_label: str = "mednec medical-necessity review"
    source_url: str = "https://mednec.example/policies"
    dtr_launch_url: str = "https://mednec.example/dtr/launch"
    canonical_base: str = MEDNEC_BASE
    fetch_timeout: float = 2.0
    max_pages: int = 10
    #: the FHIR servers (URLs) mednec may fetch from; empty: MEDNEC_FHIR_SERVERS, else any https server at a
    #: public address (mednec.fhir.fetching)
    fhir_servers: tuple[str, ...] = ()
    #: all fetches of one hook call finish within this many seconds
    fetch_deadline: float = 10.0
    #: a Reference to the Coverage to assume when a request identifies none -- only for a service run
    #: by one payer for its own members; without it (the default) no coverage is ever assumed
    assumed_coverage: Mapping[str, Any] | None = None


def http_fetch(url: str, token: str | None, *, timeout: float = 2.0, servers: tuple[str, ...] = (),
               deadline: float | None = None) -> Any:
    """GET a FHIR URL with a bearer token (the default ``fetch``), under the rules of
    :mod:`mednec.fhir.fetching` (public https servers or listed ones, bounded size and time, FHIR JSON)."""
    from mednec.fhir.fetching import allowed_servers, fetch_json

    return fetch_json(url, token, listed=allowed_servers(servers), timeout=timeout, deadline=deadline)


# --- discovery -------------------------------------------------------------------------------


def _observation_codes(dictionary: FactDictionary) -> list[str]:
    """Standard codes only (no EHR has mednec's local ones): the dictionary's LOINC codes, the verified
    alternatives of the code tables, and the genetic-variant assessment code."""
    from mednec.intake.fhir.code_tables import loinc_alternatives

    codes: dict[str, None] = {f"{LOINC}|{VARIANT_ASSESSMENT}": None}
    for fd in dictionary.facts.values():
        for c in fd.codes:
            if _system_uri(c.system) != LOCAL_SYSTEM:
                codes[f"{_system_uri(c.system)}|{c.code}"] = None
        for code in loinc_alternatives().get(fd.id, ()):
            codes[f"{LOINC}|{code}"] = None
    return list(codes)


def _transfusion_codes() -> list[str]:
    from mednec.intake.fhir.code_tables import entries

    return [f"{e.system}|{e.code}" for e in entries()
            if e.table == "transfusion" and e.status == "verified" and e.key in ("red_cells", "blood_product")]


def _procedure_codes(dictionary: FactDictionary) -> list[str]:
    """The transfusion codes, and the SNOMED CT codes of the past events a completed Procedure documents
    (``fhir_history`` facts: a coronary intervention or bypass is a revascularisation)."""
    past = [f"{_system_uri(c.system)}|{c.code}" for fd in dictionary.facts.values() if fd.fhir_history
            for c in fd.codes if c.system == "SNOMED CT"]
    return list(dict.fromkeys(_transfusion_codes() + past))


def prefetch_templates(dictionary: FactDictionary) -> dict[str, str]:
    """The prefetch templates, within what major EHRs' prefetch supports: the patient token and plain
    token searches by code (no ``_include``, no chained or combo parameters).

    Observations by the LOINC codes of the labs the packs read (from the fact dictionary and the
    code tables); Procedures by the verified red-cell and blood-product transfusion codes and the SNOMED CT
    codes of the past events a Procedure documents (a coronary revascularisation; R4's
    BiologicallyDerivedProduct has no patient search parameter: a product is read through the
    Procedure's ``usedReference`` when it is in the record, and a red-cell code needs no product).
    AllergyIntolerances (a statin intolerance is treatment history) and FamilyMemberHistories (a relative's
    medullary thyroid carcinoma) are read by the bundle intake like the rest; a key left out or null gives
    no resource, so what they would document stays unknown, never "none".
    """
    patient = "patient={{context.patientId}}"
    return {
        "patient": "Patient/{{context.patientId}}",
        "coverage": f"Coverage?{patient}&status=active",
        "conditions": f"Condition?{patient}",
        "observations": f"Observation?{patient}&code={','.join(_observation_codes(dictionary))}",
        "medicationRequests": f"MedicationRequest?{patient}",
        "medicationStatements": f"MedicationStatement?{patient}",
        "medicationAdministrations": f"MedicationAdministration?{patient}",
        "procedures": f"Procedure?{patient}&code={','.join(_procedure_codes(dictionary))}",
        "questionnaireResponses": f"QuestionnaireResponse?{patient}&status=completed",
        "allergyIntolerances": f"AllergyIntolerance?{patient}",
        "familyMemberHistories": f"FamilyMemberHistory?{patient}",
    }


def discovery(dictionary: FactDictionary | None = None) -> dict[str, Any]:
    """The CDS Hooks discovery document: one service per hook, with prefetch templates."""
    if dictionary is None:
        from mednec.facts.dictionary import load_dictionary

        dictionary = load_dictionary()
    prefetch = prefetch_templates(dictionary)
    what = ("Checks a medication order against mednec's medical-necessity policies and returns "
            "coverage requirements (Da Vinci CRD): whether prior authorization is needed, what "
            "documentation is missing, and a questionnaire to complete it.")
    return {"services": [
        {"hook": hook, "id": f"mednec-{hook}", "title": f"mednec coverage requirements ({hook})",
         "description": what, "prefetch": dict(prefetch),
         "usageRequirements": "Send the draft MedicationRequest in draftOrders; prefetch or a fhirServer token.",
         "extension": {"davinci-crd.version": list(CRD_VERSIONS),
                       "davinci-crd.configuration-options": [dict(o) for o in CONFIGURATION_OPTIONS]}}
        for hook in HOOKS
    ]}


#: The CRD versions the services implement (CRD 2.2.1 deviations dev-1: two-part versions).
CRD_VERSIONS = ("2.2",)
#: One boolean option per card type returned (dev-5): coverage-info, the type of every card and systemAction
#: mednec returns; false -> no cards (dev-14). Text after the CDS Hooks Card Types definition of coverage-info.
CONFIGURATION_OPTIONS: tuple[Mapping[str, Any], ...] = (
    {"code": "coverage-info", "type": "boolean", "name": "Coverage Information",
     "description": "Whether the ordered drug needs prior authorization or documentation under mednec's "
                    "medical-necessity policies, with a questionnaire for what is missing.",
     "default": True},
)


def _configured_off(request_json: Mapping[str, Any]) -> bool:
    """The client switched coverage-info off (``extension["davinci-crd.configuration"]``, dev-12/dev-14);
    options mednec does not offer are ignored (dev-17)."""
    ext = request_json.get("extension")
    conf = ext.get("davinci-crd.configuration") if isinstance(ext, Mapping) else None
    return isinstance(conf, Mapping) and conf.get("coverage-info") is False


# --- the hook ----------------------------------------------------------------------------------


def index_resources(*bundles: Any) -> dict[str, Mapping[str, Any]]:
    """Resources of Bundles by every name a reference may use: fullUrl and ``Type/id``."""
    out: dict[str, Mapping[str, Any]] = {}
    for bundle in bundles:
        if not isinstance(bundle, Mapping):
            continue
        for e in bundle.get("entry") or ():
            r = e.get("resource") if isinstance(e, Mapping) else None
            if isinstance(r, Mapping):
                if e.get("fullUrl"):
                    out[str(e["fullUrl"])] = r
                if r.get("id"):
                    out[f"{r.get('resourceType')}/{r['id']}"] = r
    return out


def _medication(order: Mapping[str, Any], target: str, resources: Mapping[str, Mapping[str, Any]]) -> Any:
    """The Medication a medicationReference names: contained (``#id``), by fullUrl, relative or absolute URL."""
    if target.startswith("#"):
        return next((c for c in order.get("contained") or () if c.get("id") == target[1:]), None)
    target = target.split("/_history/")[0]
    return resources.get(target) or resources.get("/".join(target.rstrip("/").split("/")[-2:]))


def _order_texts(order: Mapping[str, Any], resources: Mapping[str, Mapping[str, Any]] | None = None,
                 ) -> tuple[list[tuple[str, str, str]], list[str]]:
    concept = order.get("medicationCodeableConcept")
    texts: list[str] = []
    ref = order.get("medicationReference")
    if concept is None and isinstance(ref, Mapping):
        if ref.get("display"):
            texts.append(str(ref["display"]))
        med = _medication(order, str(ref.get("reference") or ""), resources or {})
        concept = (med or {}).get("code")
        for ing in (med or {}).get("ingredient") or ():
            texts += _texts(ing.get("itemCodeableConcept"))
    return list(_codings(concept)), _texts(concept) + texts


def policy_for_order(order: Mapping[str, Any], catalog: Catalog,
                     resources: Mapping[str, Mapping[str, Any]] | None = None) -> Policy | None:
    """The policy covering a MedicationRequest's drug: by RxNorm / HCPCS code (the policy's, or a
    verified code of the code tables), else by name. ``resources`` (see :func:`index_resources`)
    resolves a ``medicationReference`` to a Medication elsewhere in the request.

    A verified product code names a brand (:func:`~mednec.intake.fhir.code_tables.rxnorm_brands`):
    where several policies share the generic (Wegovy and Ozempic are both semaglutide) the code picks
    the policy of that brand; a code of another brand, or one without a brand, picks a policy only
    when it is the generic's only one -- otherwise the order's names decide, and with no
    name that tells, no policy is chosen rather than the wrong one."""
    codes, texts = _order_texts(order, resources)
    policies = list(catalog.policies())
    folded = [fold(t) for t in texts]
    by_code, named = _coded_and_named(codes, folded, policies)
    if by_code is not None:
        # the code names one product and the order's words another (Repatha's code written "Praluent"): a
        # reviewer asks which drug is meant, so no policy is chosen rather than either one guessed
        return by_code if not named or by_code in named else None
    best: tuple[tuple[bool, int], Policy] | None = None
    for policy in policies:
        brands = {fold(b) for b in policy.drug.brands}
        for name in policy.names():
            n = fold(name)
            score = (n in brands, len(n))  # a brand named ("... [Mounjaro]") beats a longer generic name
            if len(n) >= 4 and any(n in t for t in folded) and (best is None or score > best[0]):
                best = (score, policy)
    if best is None:
        return None
    if not best[0][0]:  # only a generic name: an ingredient sold as several products is told by its dose
        return _product_by_dose(best[1], order, resources or {}, catalog) or best[1]
    return best[1]


def _coded_and_named(codes: list[tuple[str, str, str]], folded: list[str],
                     policies: list[Policy]) -> tuple[Policy | None, list[Policy]]:
    """The policy an order's codes identify (its own codes, else a verified code of the code tables) and the
    policies whose brand its words name."""
    by_code = next((p for p in policies if _coded_for(p, codes)), None) or \
        _policy_by_verified_code([c for s, c, _ in codes if s == RXNORM], policies)
    return by_code, _brands_named(folded, policies) if by_code is not None else []


def names_disagree(order: Mapping[str, Any], catalog: Catalog,
                   resources: Mapping[str, Mapping[str, Any]] | None = None) -> str | None:
    """Why no policy was chosen for an order whose code names one product and whose words another (see
    :func:`policy_for_order`), said for the requester to answer; ``None`` when they do not disagree."""
    codes, texts = _order_texts(order, resources)
    folded = [fold(t) for t in texts]
    by_code, named = _coded_and_named(codes, folded, list(catalog.policies()))
    if by_code is None or not named or by_code in named:
        return None
    code = next((f"{c}" for s, c, _ in codes if s in (RXNORM, HCPCS)), "")
    said = " or ".join(dict.fromkeys(b for p in named for b in p.drug.brands if any(fold(b) in t for t in folded)))
    return (f"the order's code {code} is {drug_name(by_code)} but its name says {said}: which drug is meant is "
            "not guessed -- correct the code or the name and ask again")


def _coded_for(policy: Policy, codes: Iterable[tuple[str, str, str]]) -> bool:
    """Whether one of an order's codings is one of the policy's own RxNorm or HCPCS codes."""
    rxnorm = set(policy.drug.rxnorm)
    hcpcs = {str(h.get("code")) for h in policy.drug.hcpcs}
    return any((s == RXNORM and c in rxnorm) or (s == HCPCS and c in hcpcs) for s, c, _ in codes)


def _brands_named(folded: list[str], policies: list[Policy]) -> list[Policy]:
    """The policies whose brand an order's (folded) words name."""
    return [p for p in policies if any(len(b) >= 4 and any(b in t for t in folded) for b in map(fold, p.drug.brands))]


def _order_doses_mg(order: Mapping[str, Any], resources: Mapping[str, Mapping[str, Any]]) -> set[float]:
    """The amounts in mg an order states: its doses (``dosageInstruction.doseAndRate.doseQuantity``) and its
    Medication's ingredient strength numerators (``2.4 mg`` / 0.75 mL: a single-dose pen's dose)."""
    def items(value: Any) -> list[Mapping[str, Any]]:  # untrusted JSON: only a list's objects
        return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []

    out: set[float] = set()
    quantities: list[Any] = [dr.get("doseQuantity") for di in items(order.get("dosageInstruction"))
                             for dr in items(di.get("doseAndRate"))]
    ref = order.get("medicationReference")
    med = _medication(order, str(ref.get("reference") or ""), resources) if isinstance(ref, Mapping) else None
    for ing in items(med.get("ingredient") if isinstance(med, Mapping) else None):
        strength = ing.get("strength")
        if isinstance(strength, Mapping):
            quantities.append(strength.get("numerator"))
    scale = {"mg": 1.0, "g": 1000.0, "ug": 0.001, "mcg": 0.001}
    for q in quantities:
        if isinstance(q, Mapping) and isinstance(q.get("value"), int | float) and not q.get("comparator"):
            factor = scale.get(str(q.get("code") or q.get("unit") or "").lower())
            if factor is not None:
                out.add(round(float(q["value"]) * factor, 3))
    return out


def _product_by_dose(named: Policy, order: Mapping[str, Any], resources: Mapping[str, Mapping[str, Any]],
                     catalog: Catalog) -> Policy | None:
    """Where the order names only an ingredient sold as several products (semaglutide: Wegovy and Ozempic), the
    one product whose label dose steps (the packs' ``vocabulary.yaml`` ``products``) include an amount the order
    states; ``None`` when none or several do (the name's policy stands)."""
    generic = fold(named.drug.generic)
    products = [pr for pack in catalog.packs for pr in pack.vocabulary.products
                if fold(catalog.policy(pr.policy).drug.generic) == generic]
    if len(products) < 2:
        return None
    doses = _order_doses_mg(order, resources)
    if not doses:
        return None
    hits = {pr.policy for pr in products if doses & {round(d, 3) for d in pr.doses}}
    return catalog.policy(hits.pop()) if len(hits) == 1 else None


def _policy_by_verified_code(rxcuis: Iterable[str], policies: list[Policy]) -> Policy | None:
    """The policy a verified RxNorm code of the code tables identifies (see :func:`policy_for_order`)."""
    from mednec.intake.fhir.code_tables import rxnorm_brands, rxnorm_drugs

    drugs, brands = rxnorm_drugs(), rxnorm_brands()
    for code in rxcuis:
        generic = drugs.get(code)
        if generic is None:
            continue
        same = [p for p in policies if fold(p.drug.generic) == fold(generic)]
        brand = fold(brands.get(code, ""))
        branded = [p for p in same if brand and brand in {fold(b) for b in p.drug.brands}]
        if branded:
            return branded[0]
        if len(same) == 1:
            return same[0]
    return None


def _resources(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, Mapping):
        return []
    if value.get("resourceType") == "Bundle":
        return [e["resource"] for e in value.get("entry") or () if isinstance(e, Mapping) and e.get("resource")]
    return [value]


def _render(template: str, context: Mapping[str, Any]) -> str:
    out = template
    for key, val in context.items():
        if isinstance(val, str | int | float):
            out = out.replace("{{context." + key + "}}", str(val))
    return out


def _fetch_all(url: str, token: str | None, fetch: Fetch, max_pages: int, server: str) -> list[Mapping[str, Any]]:
    """Every page of a search; a ``next`` link is followed only under ``server`` (the token goes nowhere else)."""
    from mednec.fhir.fetching import same_server

    out: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    next_url: str | None = url
    while next_url and next_url not in seen and len(seen) < max_pages and same_server(next_url, server):
        seen.add(next_url)
        page = fetch(next_url, token)
        out += _resources(page)
        links = page.get("link") or () if isinstance(page, Mapping) else ()
        links = links if isinstance(links, list) else ()
        next_url = next((str(lk.get("url")) for lk in links
                         if isinstance(lk, Mapping) and lk.get("relation") == "next"), None)
    return out


def _gather(request: Mapping[str, Any], dictionary: FactDictionary, fetch: Fetch | None,
            config: HookConfig) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The prefetched and fetched resources, and the optional keys that could not be had."""
    prefetch = request.get("prefetch") or {}
    context = request["context"]
    server = str(request.get("fhirServer") or "").rstrip("/")
    auth = request.get("fhirAuthorization")
    token = auth.get("access_token") if isinstance(auth, Mapping) else None
    token = token if isinstance(token, str) else None
    refused = _refused_server(server, config) if server and fetch is not None else None
    out: list[Mapping[str, Any]] = []
    unavailable: list[str] = []
    for key, template in prefetch_templates(dictionary).items():
        if key in prefetch:  # null: the client has no such data
            out += _resources(prefetch[key])
            continue
        if server and fetch is not None:
            url = f"{server}/{_render(template, context)}"
            try:
                if refused is not None:
                    raise refused
                out += _fetch_all(url, token, fetch, config.max_pages, server)
            except Exception as exc:  # any transport or HTTP error: the data is unobtainable
                why = _why(exc)
                if key in REQUIRED_PREFETCH:
                    raise PrefetchUnavailableError(f"could not fetch {key} from the FHIR server: {why}",
                                                   field=f"prefetch.{key}") from None
                unavailable.append(f"{key} (fetch failed: {why})")
            continue
        if key in REQUIRED_PREFETCH:
            raise PrefetchUnavailableError(f"{key} was not prefetched and no fhirServer was given",
                                           field=f"prefetch.{key}")
        unavailable.append(f"{key} (not prefetched)")
    return out, unavailable


def _refused_server(server: str, config: HookConfig) -> Exception | None:
    """The refusal of a ``fhirServer`` mednec may not fetch from (:mod:`mednec.fhir.fetching`), or None."""
    from mednec.fhir.fetching import FetchRefused, allowed_servers, check_server

    try:
        check_server(server, allowed_servers(config.fhir_servers))
    except FetchRefused as exc:
        return exc
    return None


def _why(exc: Exception) -> str:
    """Why a fetch failed, safe to show and log: a refusal's own words, else the kind of error only
    (a transport error's text may hold the URL, an address or what the server sent)."""
    from mednec.fhir.fetching import FetchRefused

    if isinstance(exc, FetchRefused):
        return str(exc)
    return "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__


def _collection(resources: Iterable[Mapping[str, Any]], exclude: set[str]) -> dict[str, Any]:
    seen: dict[str, Mapping[str, Any]] = {}
    for r in resources:
        key = f"{r.get('resourceType')}/{r.get('id')}" if r.get("id") else f"#{len(seen)}"
        if key not in exclude:
            seen.setdefault(key, r)
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in seen.values()]}


def _check_request(request: Any) -> tuple[str, Mapping[str, Any], list[Mapping[str, Any]]]:
    if not isinstance(request, Mapping):
        raise CaseFormatError("a CDS Hooks request is a JSON object", field="body")
    hook = request.get("hook")
    if hook not in HOOKS:
        raise CaseFormatError(f"hook {hook!r} is not served; use one of: {', '.join(HOOKS)}", field="hook")
    context = request.get("context")
    if not isinstance(context, Mapping) or not context.get("patientId"):
        raise CaseFormatError("context.patientId is required", field="context.patientId")
    if not isinstance(context["patientId"], str):
        raise CaseFormatError("context.patientId must be a FHIR id (a string)", field="context.patientId")
    draft = context.get("draftOrders")
    if not isinstance(draft, Mapping) or draft.get("resourceType") != "Bundle":
        raise CaseFormatError("context.draftOrders must be a FHIR Bundle", field="context.draftOrders")
    if not isinstance(request.get("prefetch", {}), Mapping | None):
        raise CaseFormatError("prefetch must be an object (key -> FHIR resource)", field="prefetch")
    _check_drafts(draft, str(context["patientId"]))
    drafts = _resources(draft)
    orders = [r for r in drafts if r.get("resourceType") == "MedicationRequest"]
    if hook == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list):
            raise CaseFormatError("order-select needs context.selections", field="context.selections")
        # CDS Hooks 2.0 order-select: selections reference resources in the draftOrders Bundle
        named = {f"{r.get('resourceType')}/{r.get('id')}" for r in drafts}
        strays = [s for s in selections if not isinstance(s, str) or s not in named]
        if strays:
            said = f"names {str(strays[0])[:80]!r}, which is not an order in context.draftOrders"
            raise CaseFormatError(f"context.selections {said} (selections are the ids of draft orders, "
                                  "e.g. MedicationRequest/103)", field="context.selections")
        orders = [o for o in orders if f"MedicationRequest/{o.get('id')}" in selections]
    _check_one_patient(str(context["patientId"]), request.get("prefetch"))
    return str(hook), context, orders


#: the most entries a draftOrders Bundle may hold: far above any order set a clinician signs at once, far
#: below the thousands a 6 MiB request holds (each draft is assessed and echoed back: a response 7 times the
#: request's size)
MAX_DRAFT_ORDERS = 50


def _check_drafts(draft: Mapping[str, Any], patient_id: str) -> None:
    """Each draft order is an object in a list of entries, and for the hook's patient: a subject naming
    another Patient (or a Group) is refused, as a prefetched record of another patient is. A subject without
    a reference, or one that cannot be told (``urn:uuid:``), is taken as the hook's patient."""
    entries = draft.get("entry", [])
    if not isinstance(entries, list):
        raise CaseFormatError("context.draftOrders.entry must be a list", field="context.draftOrders.entry")
    if len(entries) > MAX_DRAFT_ORDERS:
        raise CaseFormatError(f"at most {MAX_DRAFT_ORDERS} draft orders per call", field="context.draftOrders.entry")
    for i, e in enumerate(entries):
        where = f"context.draftOrders.entry[{i}]"
        if not isinstance(e, Mapping) or not isinstance(e.get("resource"), Mapping):
            raise CaseFormatError("each entry must be an object holding a resource", field=where)
        subject = e["resource"].get("subject")
        if subject is None:
            continue
        if not isinstance(subject, Mapping):
            raise CaseFormatError("subject must be a Reference (an object)", field=f"{where}.resource.subject")
        ref = subject.get("reference")
        if not isinstance(ref, str) or ref.startswith(("urn:", "#")):
            continue
        kind, _, rid = "/".join(ref.split("/_history/")[0].rstrip("/").split("/")[-2:]).partition("/")
        if kind != "Patient" or rid != patient_id:
            raise CaseFormatError(f"draft order {i + 1} is for another patient than context.patientId (or not for a "
                                  "Patient): an order for another patient is never assessed",
                                  field=f"{where}.resource.subject")


def _check_one_patient(patient_id: str, prefetch: Any) -> None:
    """The prefetched Patient must be the hook's patient: a record of another patient is never assessed
    (refused, not filtered: the EHR sent a wrong or mixed record)."""
    if isinstance(prefetch, Mapping):
        for r in _resources(prefetch.get("patient")):
            if r.get("resourceType") == "Patient" and r.get("id") is not None and str(r.get("id")) != patient_id:
                raise CaseFormatError("prefetch.patient is a different Patient than context.patientId; a record "
                                      "of another patient is never assessed", field="prefetch.patient")


class OrderAssessment(NamedTuple):
    """One draft order, its policy, the determination and the coverage it was assessed for."""

    order: Mapping[str, Any]
    policy: Policy
    determination: Determination
    coverage: Mapping[str, Any] | None  # None: no Coverage identified, so nothing is asserted about it
    questionnaire: str | None  # its canonical URL|version
    questionnaire_resource: Mapping[str, Any] | None = None


class HookAssessment(NamedTuple):
    """Everything a hook call decided: per order, plus the case and the bundle it came from.

    ``error`` is set (and ``orders`` empty) when the record could not be read; the API can keep
    ``case`` to answer the DTR questionnaire request for ``coverage-assertion-id`` later.
    """

    orders: tuple[OrderAssessment, ...]
    matched: tuple[tuple[Mapping[str, Any], Any], ...]
    case: dict[str, Any] | None
    bundle: dict[str, Any] | None
    error: InputError | None = None
    unavailable: tuple[str, ...] = ()
    unresolved: tuple[tuple[Mapping[str, Any], str], ...] = ()  # orders whose code and name disagree, and why


def assess(
    request_json: Mapping[str, Any],
    runtime: Runtime,
    *,
    fetch: Fetch | None = None,
    as_of: dt.date | None = None,
    config: HookConfig | None = None,
) -> HookAssessment:
    """Check the request, gather the record and evaluate each draft order a policy covers."""
    config = config or HookConfig()
    _, context, orders = _check_request(request_json)
    known = index_resources(context.get("draftOrders"), *(v for v in (request_json.get("prefetch") or {}).values()))
    matched = tuple((o, p) for o in orders if (p := policy_for_order(o, runtime.catalog, known)) is not None)
    unresolved = tuple((o, why) for o in orders if not any(o is m for m, _ in matched)
                       and (why := names_disagree(o, runtime.catalog, known)) is not None)
    if not matched:
        return HookAssessment((), (), None, None, unresolved=unresolved)
    if fetch is None:
        timeout, servers = config.fetch_timeout, config.fhir_servers
        deadline = time.monotonic() + config.fetch_deadline  # for every fetch of this call together
        fetch = lambda url, token: http_fetch(url, token, timeout=timeout, servers=servers,  # noqa: E731
                                              deadline=deadline)
    resources, unavailable = _gather(request_json, runtime.dictionary, fetch, config)
    bundle = _collection(resources, {f"MedicationRequest/{o.get('id')}" for o in orders})
    when = as_of or dt.date.today()
    inactive = _inactive_coverages(resources, when)
    cases: dict[str, tuple[dict[str, Any], Any]] = {}  # per requested drug: its doses are read for it
    try:
        from mednec.intake.fhir import bundle_to_case

        for _, policy in matched:
            if policy.id not in cases:
                intake = bundle_to_case(bundle, runtime.dictionary, when, drug=policy.drug.generic,
                                        drugs=runtime.catalog.calculators.drugs)
                case_map = intake.case
                cases[policy.id] = case_map, runtime.parse_case(case_map, as_of=when,
                                                                source="FHIR (CDS Hooks prefetch)")
                # a resource that could not be read (a bad unit, an invalid element) is named on the card
                unavailable += [f"{u.resource} could not be read ({u.reason})" for u in intake.unmapped
                                if "entry[" in u.reason and f"{u.resource} could not be read ({u.reason})"
                                not in unavailable]
    except InputError as exc:
        return HookAssessment((), matched, None, bundle, exc, tuple(unavailable))
    from mednec.fhir.coverage import payer_names
    from mednec.policies.payer_match import variant_named

    payers = payer_names(index_resources(bundle, *(v for v in (request_json.get("prefetch") or {}).values())),
                         on=when)
    out = []
    for order, default in matched:
        policy = default.with_variant(variant_named(default, payers))  # the member's payer's criteria, if modelled
        det = runtime.evaluate(cases[default.id][1].facts, policy)
        order_coverage = _order_coverage(order, resources, inactive, config)
        q = _questionnaire(det, runtime.dictionary, config)
        out.append(OrderAssessment(order, policy, det, order_coverage,
                                   f"{q['url']}|{q['version']}" if q else None, q))
    return HookAssessment(tuple(out), matched, cases[matched[0][1].id][0], bundle, None, tuple(unavailable),
                          unresolved)


def _inactive_coverages(resources: Iterable[Mapping[str, Any]], on: dt.date) -> set[str]:
    """``Coverage/<id>`` of each cancelled, draft or entered-in-error Coverage, or one not in force ``on``
    (outside its period): no coverage to assert about."""
    from mednec.fhir.coverage import is_active

    return {f"Coverage/{r.get('id')}" for r in resources
            if r.get("resourceType") == "Coverage" and not is_active(r, on)}


def _order_coverage(order: Mapping[str, Any], resources: list[Mapping[str, Any]], inactive: set[str],
                    config: HookConfig) -> Mapping[str, Any] | None:
    """The Coverage an order is assessed for: the record's first active Coverage, else the active one the order
    names, else the configured assumption, else None (nothing is asserted)."""
    active = next(({"reference": f"Coverage/{r['id']}"} for r in resources if r.get("resourceType") == "Coverage"
                   and r.get("id") and f"Coverage/{r['id']}" not in inactive), None)
    insurance = order.get("insurance")
    named: list[Any] = insurance if isinstance(insurance, list) else []
    return active or next((i for i in named if _coverage_key(i) not in inactive), None) or (
        dict(config.assumed_coverage) if config.assumed_coverage else None)


def _coverage_key(ref: Any) -> str:
    """``Coverage/<id>`` of an order's insurance reference (relative or absolute), else the reference as given."""
    text = ref.get("reference") if isinstance(ref, Mapping) else None
    return "/".join(text.split("/")[-2:]) if isinstance(text, str) else ""


def handle_hook(
    request_json: Mapping[str, Any],
    runtime: Runtime,
    *,
    fetch: Fetch | None = None,
    as_of: dt.date | None = None,
    config: HookConfig | None = None,
    keep_questionnaire: Callable[[Mapping[str, Any], str], None] | None = None,
) -> dict[str, Any]:
    """Answer an ``order-select`` / ``order-sign`` request with cards and coverage information.

    ``fetch(url, token)`` gets FHIR JSON for prefetch keys the client left out (default:
    :func:`http_fetch`); ``as_of`` is the evaluation date (default today).
    ``keep_questionnaire(questionnaire, coverage_assertion_id)`` is called for each DTR
    Questionnaire a card points to, so the service can resolve its canonical URL later. A client that
    switches the ``coverage-info`` configuration option off gets no cards (CRD dev-14).
    """
    config = config or HookConfig()
    if _configured_off(request_json):
        return {"cards": []}
    result = assess(request_json, runtime, fetch=fetch, as_of=as_of, config=config)
    if result.error is not None:
        return {"cards": [error_card(o, p, result.error, hook_instance=str(request_json.get("hookInstance") or ""),
                                     source_label=config.source_label, source_url=config.source_url)
                          for o, p in result.matched]}
    hook_instance = str(request_json.get("hookInstance") or "")
    cards: list[dict[str, Any]] = [unresolved_card(o, why, hook_instance=hook_instance, source_label=config.source_label,
                                                   source_url=config.source_url) for o, why in result.unresolved]
    if not result.orders:
        return {"cards": cards}
    actions: list[dict[str, Any]] = []
    for a in result.orders:
        if keep_questionnaire is not None and a.questionnaire_resource is not None:
            keep_questionnaire(a.questionnaire_resource, a.determination.input_hash)
        card = build_card(a.determination, a.order, a.policy, source_label=config.source_label,
                          source_url=config.source_url, dtr_launch_url=config.dtr_launch_url,
                          questionnaire=a.questionnaire, hook_instance=hook_instance, dictionary=runtime.dictionary,
                          coverage_known=a.coverage is not None)
        if result.unavailable:
            card["detail"] += "\n\nNot available from the EHR: " + "; ".join(map(md_text, result.unavailable)) + "."
        cards.append(card)
        if a.coverage is None:  # honest: no Coverage, no coverage assertion (the card says so)
            continue
        ext = coverage_information(a.determination, coverage=a.coverage, questionnaire=a.questionnaire,
                                   dictionary=runtime.dictionary)
        updated = dict(a.order)
        updated["extension"] = [e for e in a.order.get("extension") or () if e.get("url") != COVERAGE_INFORMATION
                                or not _same_coverage(e, a.coverage)] + [ext]
        actions.append({"type": "update", "description": f"Record coverage requirements for {drug_name(a.policy)}",
                        "resource": updated})
    return {"cards": cards, "systemActions": actions} if actions else {"cards": cards}


def _same_coverage(ext: Mapping[str, Any], coverage: Mapping[str, Any]) -> bool:
    return any(e.get("url") == "coverage" and e.get("valueReference") == coverage for e in ext.get("extension") or ())


def _questionnaire(det: Determination, dictionary: FactDictionary, config: HookConfig) -> dict[str, Any] | None:
    """The DTR Questionnaire for what ``det`` is missing (``None`` when it meets criteria or asks nothing)."""
    from mednec.fhir.questionnaire import build_questionnaire

    if det.determination == MEETS or not any(
        dictionary.facts.get(f) is not None for m in det.missing_documentation for f in m.facts
    ):
        return None
    try:
        return build_questionnaire(det, dictionary, base=config.canonical_base)
    except InputError:  # nothing the record can be asked for
        return None
