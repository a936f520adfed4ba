"""DTR: a FHIR R4 Questionnaire asking only for what a determination is missing, and back.

::

    q = build_questionnaire(det, runtime.dictionary)          # Questionnaire JSON
    det2, case2 = apply_response(runtime, case, response, "Reblozyl")

Which facts: ``det.missing_documentation[*].facts``, grouped by the document that establishes
them (one ``group`` item per document). Each question's linkId is the fact id and its text the
dictionary's question; its type follows the dictionary:

* number -> ``quantity`` with the accepted UCUM units as ``questionnaire-unitOption`` (a count
  -> ``integer``; a number with no UCUM unit, such as a score -> ``decimal``), followed by ``<fact>.date`` ("Date of the result") for results that have one;
* boolean -> ``boolean``; date -> ``date``;
* category -> ``choice`` with coded answers (ICD-10-CM for diagnoses; otherwise a mednec code
  system per fact, ``{MEDNEC_BASE}/CodeSystem/<fact>``);
* events -> a required yes/no gate ``<fact>.any`` ("Has the patient received an ESA?") and a
  repeating group ``<fact>`` shown only when the gate is yes (``enableWhen``), one entry per
  transfusion or ESA course with the fields ``<fact>.<field>``.

``age`` is asked as ``birth_date``; ``ipss_category`` is shown only when no IPSS-R category is
given. The Questionnaire claims DTR STU 2 (2.1.0) ``dtr-std-questionnaire`` in ``meta.profile`` with a
generated narrative (the profile's ``text`` 1..1). Every question carries a help item (``questionnaire-itemControl`` = help) naming the
criteria that need the answer and their references, formatted in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mednec.engine.determination import Determination, MissingFact
from mednec.errors import InputError
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.intake.fhir.codes import MEDNEC_BASE, UCUM, system_uri
from mednec.intake.fhir.units import UCUM_TO_DICTIONARY

if TYPE_CHECKING:
    from mednec.runtime import Runtime

__all__ = [
    "ITEM_CONTROL",
    "UNIT_OPTION",
    "apply_response",
    "build_questionnaire",
    "package_bundle",
    "questionnaire_id",
    "questionnaire_url",
]

UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"
#: The DTR STU 2 (2.1.0) profile mednec's Questionnaires claim (checked in :mod:`mednec.fhir.profiles`).
DTR_STD_QUESTIONNAIRE = "http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/dtr-std-questionnaire"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
_ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
#: facts asked through another fact, and facts shown only when another is left unanswered
_ASK_INSTEAD = {"age": "birth_date"}
_ONLY_IF_UNANSWERED = {"ipss_category": "ipss_r_category"}
#: documents that state a result with a date (a prescriber's statement or a list has none)
_UNDATED_DOCUMENTS = {"prescriber_attestation", "medication_list", "demographics"}
_GATE_TEXT = {
    "rbc_transfusions": "Has the patient received any RBC transfusions in the last 16 weeks?",
    "esa_history": "Has the patient ever received an ESA (epoetin alfa or darbepoetin alfa)?",
    "treatment_doses": "Has the patient received any doses of the requested drug?",
}
_FIELD_TEXT = {
    "date": "Date", "units": "Units of red cells", "drug": "Drug", "start": "Start date",
    "end": "Stop date (leave empty if still on it)", "response": "Response", "dose": "Dose level",
    "unit": "Dose unit", "reason_stopped": "Why it was stopped", "dose_unit": "Dose unit",
    "intensity": "Intensity",
}
_ESA_DRUGS = ("epoetin alfa", "darbepoetin alfa")


def questionnaire_id(questionnaire: Mapping[str, Any], policy_id: str) -> str:
    """A content-addressed id: the policy and 12 hex digits of the SHA-256 of what the Questionnaire
    asks (its items, version and title). The same canonical URL therefore always resolves to the
    same Questionnaire, and two patients missing the same facts share one."""
    content = {k: questionnaire.get(k) for k in ("item", "version", "title", "description")}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"mednec-{policy_id}-{digest[:12]}"[:64]


def questionnaire_url(det: Determination, dictionary: FactDictionary, base: str = MEDNEC_BASE) -> str:
    """The canonical URL (``{base}/Questionnaire/{id}``) of the Questionnaire for ``det``'s missing facts."""
    return str(build_questionnaire(det, dictionary, base=base)["url"])


def _computer_name(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return ("Q" + name if not name[:1].isalpha() else name)[:255]


def _help(linkid: str, text: str) -> dict[str, Any]:
    return {
        "linkId": f"{linkid}.help", "type": "display", "text": text,
        "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [
            {"system": _ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}]}}],
    }


def _unit_options(fd: FactDef) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for ucum, key in UCUM_TO_DICTIONARY.items():
        if key in fd.units and key not in seen:
            seen[key] = {"system": UCUM, "code": ucum, "display": key}
    canonical = next((k for k in seen if k == fd.unit), None)
    ordered = ([seen[canonical]] if canonical else []) + [v for k, v in seen.items() if k != canonical]
    return [{"url": UNIT_OPTION, "valueCoding": c} for c in ordered]


def _answer_options(fd: FactDef) -> list[dict[str, Any]]:
    out = []
    for key, cv in fd.values.items():
        code = next((c for c in cv.codes if c.system == "ICD-10-CM"), cv.codes[0] if cv.codes else None)
        coding = ({"system": system_uri(code.system), "code": code.code, "display": cv.label} if code
                  else {"system": f"{MEDNEC_BASE}/CodeSystem/{fd.id}", "code": key, "display": cv.label})
        out.append({"valueCoding": coding})
    return out


def _scalar_items(fd: FactDef, text: str, help_text: str) -> list[dict[str, Any]]:
    item: dict[str, Any] = {"linkId": fd.id, "text": text, "required": False}
    if fd.type == "number":
        units = _unit_options(fd)
        if fd.unit in ("count", "episodes", "doses"):
            item["type"] = "integer"
        elif units:
            item["type"] = "quantity"
            item["extension"] = units
        else:  # no UCUM unit to offer (a score): a number in the fact's own unit (DTR dtrq-3)
            item["type"] = "decimal"
    elif fd.type == "boolean":
        item["type"] = "boolean"
    elif fd.type == "category":
        item["type"] = "choice"
        item["answerOption"] = _answer_options(fd)
    else:
        item["type"] = "date"
    if fd.id in _ONLY_IF_UNANSWERED:
        item["enableWhen"] = [{"question": _ONLY_IF_UNANSWERED[fd.id], "operator": "exists", "answerBoolean": False}]
    item["item"] = [_help(fd.id, help_text)]
    items = [item]
    if fd.type != "date" and fd.document not in _UNDATED_DOCUMENTS:
        items.append({
            "linkId": f"{fd.id}.date", "text": f"Date of the result ({fd.label})", "type": "date",
            "required": False,
            "enableWhen": [{"question": fd.id, "operator": "exists", "answerBoolean": True}],
        })
    return items


def _field_item(fd: FactDef, name: str) -> dict[str, Any]:
    spec = fd.fields[name]
    item: dict[str, Any] = {"linkId": f"{fd.id}.{name}", "text": _FIELD_TEXT.get(name, name),
                            "required": not spec.optional}
    if spec.type == "date":
        item["type"] = "date"
    elif spec.type == "number":
        integral = spec.range is not None and all(float(x).is_integer() for x in spec.range) and name == "units"
        item["type"] = "integer" if integral else "decimal"
    elif spec.type == "category":
        item["type"] = "choice"
        item["answerOption"] = [{"valueCoding": {"system": f"{MEDNEC_BASE}/CodeSystem/{fd.id}.{name}", "code": v,
                                                 "display": v.replace("_", " ")}} for v in spec.values]
    elif fd.id == "esa_history" and name == "drug":
        item["type"] = "open-choice"
        item["answerOption"] = [{"valueString": d} for d in _ESA_DRUGS]
    else:
        item["type"] = "string"
    return item


def _event_items(fd: FactDef, help_text: str) -> list[dict[str, Any]]:
    gate_id = f"{fd.id}.any"
    gate_text = _GATE_TEXT.get(fd.id) or f"Are there any {fd.label.lower()} to report?"
    gate = {"linkId": gate_id, "text": gate_text, "type": "boolean", "required": True,
            "item": [_help(gate_id, help_text)]}
    group = {
        "linkId": fd.id, "text": fd.question or fd.label, "type": "group", "repeats": True, "required": True,
        "enableWhen": [{"question": gate_id, "operator": "=", "answerBoolean": True}],
        "item": [_field_item(fd, name) for name in fd.fields],
    }
    return [gate, group]


def _criteria_for(det: Determination, fid: str, fallback: Sequence[str]) -> list[Any]:
    """The criteria that could not be judged without ``fid``: the most specific ones first."""
    needing = [c for c in det.criteria if c.status.value == "unknown"
               and any(isinstance(e, MissingFact) and e.fact == fid for e in c.evidence)]
    if not needing:
        wanted = set(fallback)
        needing = [c for c in det.criteria if c.id in wanted]
    parents = {c.parent for c in needing if c.parent}
    leaves = [c for c in needing if c.id not in parents]
    return leaves + [c for c in needing if c.id in parents]


def _help_text(det: Determination, fid: str, fallback: Sequence[str]) -> str:
    refs = {c.n: c for c in det.citations}
    criteria = _criteria_for(det, fid, fallback)
    leaves = [c for c in criteria if c.id not in {p.parent for p in criteria if p.parent}]
    needed = [f"{c.text} [{', '.join(str(n) for n in c.citations)}]" if c.citations else c.text for c in leaves]
    cited = sorted({n for c in criteria for n in c.citations})
    lines = [f"Needed for: {'; '.join(needed)}."] if needed else []
    for n in cited:
        ref = refs.get(n)
        if ref is None:
            continue
        sections = f" (section {', '.join(ref.sections)})" if ref.sections else ""
        lines.append(f"[{n}] {ref.ref.formatted()}{sections}")
    return "\n".join(lines)


def build_questionnaire(
    det: Determination, dictionary: FactDictionary, *, base: str = MEDNEC_BASE
) -> dict[str, Any]:
    """A Questionnaire for the facts ``det`` is missing (raises when nothing is missing)."""
    groups: list[dict[str, Any]] = []
    asked: set[str] = set()
    for doc in det.missing_documentation:
        items: list[dict[str, Any]] = []
        for missing in doc.facts:
            fid = _ASK_INSTEAD.get(missing, missing)
            fd = dictionary.facts.get(fid)
            if fd is None or not fd.may_give or fid in asked:
                continue
            asked.add(fid)
            help_text = _help_text(det, missing, doc.criteria)
            if fd.type == "events":
                items += _event_items(fd, help_text)
            else:
                items += _scalar_items(fd, fd.question or fd.label, help_text)
        if items:
            groups.append({"linkId": f"document.{doc.document}", "text": doc.description, "type": "group",
                           "item": items})
    if not groups:
        raise InputError(
            f"nothing to ask: the determination is {det.determination} with no missing documentation",
            field="determination",
        )
    policy = det.policy
    out: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "version": str(policy.get("version", "")),
        "name": _computer_name(f"Mednec {policy['id']} documentation"),
        "title": f"Documentation needed: {policy.get('title', policy['id'])}",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "mednec",
        "description": (
            f"Asks only what a {policy.get('drug', '')} medical-necessity review could not find in the record. "
            "Each question says which criteria need it and cites their sources."
        ),
        "item": groups,
    }
    qid = questionnaire_id(out, str(policy["id"]))
    return {"resourceType": "Questionnaire", "id": qid, "meta": {"profile": [DTR_STD_QUESTIONNAIRE]},
            "text": _narrative(out), "url": f"{base.rstrip('/')}/Questionnaire/{qid}",
            **{k: v for k, v in out.items() if k != "resourceType"}}


def _narrative(q: Mapping[str, Any]) -> dict[str, str]:
    """The generated narrative DTR's standard Questionnaire requires (text 1..1): its title and the questions."""
    questions = "".join(f"<li>{html.escape(str(i.get('text', '')))}</li>" for g in q["item"] for i in g.get("item", ())
                        if i.get("type") != "display" and not str(i.get("linkId", "")).endswith(".date"))
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(str(q["title"]))}'
                                          f"</p><ul>{questions}</ul></div>"}


def apply_response(
    runtime: Runtime,
    case: Mapping[str, Any],
    response: Mapping[str, Any],
    drug: str,
    *,
    phase: str = "initial",
    as_of: dt.date | None = None,
) -> tuple[Determination, dict[str, Any]]:
    """Merge a QuestionnaireResponse into ``case``, re-evaluate, and return both."""
    from mednec.intake.fhir import apply_questionnaire_response

    merged, _ = apply_questionnaire_response(case, response, runtime.dictionary, as_of=as_of)
    parsed = runtime.parse_case(merged, as_of=as_of)
    return runtime.evaluate(parsed.facts, drug, phase=phase), merged


def package_bundle(questionnaires: Sequence[Mapping[str, Any]], *, timestamp: dt.datetime) -> dict[str, Any]:
    """A DTR questionnaire package: a collection Bundle of Questionnaires, each under its canonical URL."""
    return {
        "resourceType": "Bundle",
        "meta": {"profile": ["http://hl7.org/fhir/us/davinci-dtr/StructureDefinition/DTR-QPackageBundle"]},
        "type": "collection",
        "timestamp": timestamp.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "entry": [{"fullUrl": str(q["url"]), "resource": dict(q)} for q in questionnaires],
    }
