"""QuestionnaireResponse (the answers to mednec's DTR questionnaire) -> facts.

Item linkIds follow :mod:`mednec.fhir.questionnaire`: an item whose linkId is a fact id holds
that fact's answer, ``<fact>.date`` its date, ``<fact>.any`` the yes/no gate of an events fact
("Has the patient received an ESA?"), and each repeat of the group ``<fact>`` one event with
its fields as ``<fact>.<field>`` (``esa_history.start``). Each fact's provenance is
``QuestionnaireResponse/<id> item <linkId>``.

A payer's own items (linkIds mednec did not write: a payer's DTR questionnaire) are read only where
the item's text names one fact unambiguously and its answer settles it (:data:`_PAYER_ITEMS`):
"Is the patient currently pregnant?" yes / no is ``pregnant``; "How many months has the patient
participated in a reduced-calorie diet ... program?" 6 is ``lifestyle_program_months`` 6, and "...
program for at least 3 months?" yes is at least 3 (no: fewer than 3). A compound question ("pregnant
or breastfeeding"), a yes without a duration ("Lifestyle modification program?"), or two items
reading one fact differently give nothing: the criterion is asked. Other linkIds (document groups,
help text) are ignored.

Answers are user input: a wrong type, unit or value fails naming the item, like a case file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

from mednec.errors import CaseFormatError
from mednec.facts.dictionary import FactDef
from mednec.intake.fhir.common import (
    Context,
    EventList,
    Finding,
    NotMapped,
    Source,
    fhir_datetime,
    validated_value,
)
from mednec.intake.fhir.units import quantity_unit

__all__ = ["map_questionnaire_response"]

_USABLE = {"completed", "amended", "in-progress"}
_VALUE_KEYS = ("valueBoolean", "valueDecimal", "valueInteger", "valueDate", "valueDateTime", "valueTime",
               "valueString", "valueUri", "valueCoding", "valueQuantity", "valueReference", "valueAttachment")


def _walk(items: Any) -> Iterator[Mapping[str, Any]]:
    for item in items or ():
        yield item
        yield from _walk(item.get("item"))
        for answer in item.get("answer") or ():
            yield from _walk(answer.get("item"))


def _answer(item: Mapping[str, Any]) -> tuple[str, Any] | None:
    for answer in item.get("answer") or ():
        for key in _VALUE_KEYS:
            if answer.get(key) is not None:
                return key, answer[key]
    return None


def _first_answer(items: list[Mapping[str, Any]]) -> tuple[str, Any] | None:
    return next((a for i in items if (a := _answer(i)) is not None), None)


def _scalar(fd: FactDef, key: str, raw: Any, where: str) -> tuple[Any, str | None]:
    if key == "valueQuantity":
        if raw.get("value") is None:
            raise CaseFormatError("the quantity has no value", field=where)
        return raw["value"], quantity_unit(fd, raw, path=where)
    if key == "valueCoding":
        code = str(raw.get("code") or "")
        if fd.type == "category":
            return next((k for k in (code, str(raw.get("display") or "")) if fd.category_key(k)), code), None
        return code or raw.get("display"), None
    if key in ("valueDate", "valueDateTime"):
        when = fhir_datetime(raw, path=where)
        return (when.date().isoformat() if when else None), None
    return raw, None


def _event(fd: FactDef, group: Mapping[str, Any], where: str) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for child in _walk(group.get("item")):
        link = str(child.get("linkId") or "")
        name = link.removeprefix(f"{fd.id}.")
        spec = fd.fields.get(name)
        got = _answer(child)
        if spec is None or got is None:
            continue
        key, raw = got
        if key in ("valueDate", "valueDateTime"):
            when = fhir_datetime(raw, path=f"{where} item {link}")
            event[name] = when.date().isoformat() if when else None
        elif key == "valueCoding":
            event[name] = raw.get("code") if spec.type == "category" else (raw.get("display") or raw.get("code"))
        elif key == "valueQuantity":
            event[name] = raw.get("value")
        else:
            event[name] = raw
    return event


def _events(fd: FactDef, items: dict[str, list[Mapping[str, Any]]], ref: str, src: Source,
            authored: dt.datetime | None) -> EventList | None:
    fid = fd.id
    where = f"{ref} item {fid}"
    gate = _first_answer(items.get(f"{fid}.any", []))
    groups = [g for g in items.get(fid, []) if g.get("item")]
    events = tuple(e for i, g in enumerate(groups) if (e := _event(fd, g, f"{where}[{i}]")))
    if gate is not None and gate[1] is False:
        return EventList(fid, (), authored, src, f"{ref} item {fid}.any")
    if events:
        return EventList(fid, events, authored, src, where)
    if gate is not None and gate[1] is True:
        raise CaseFormatError("answered yes but no entry was filled in", field=where)
    return None


_LIFESTYLE = re.compile(r"\b(lifestyle|reduced[- ]calorie|diet|physical activity|exercise)\b", re.I)
_PROGRAM = re.compile(r"\bprogram(me)?s?\b", re.I)
_COUNT_MONTHS = re.compile(r"\b(how many months|number of months|months of|months in|duration)\b|\(months?\)", re.I)
_AT_LEAST = re.compile(r"\bat least (\d{1,2}|three|six|twelve) (consecutive )?months?\b", re.I)
_WORDS = {"three": 3, "six": 6, "twelve": 12}
_PREGNANT = re.compile(r"^\s*(?:(?:is|are) (?:the )?(?:patient|member|beneficiary|she) )?(?:currently )?pregnant\s*\??\s*$",
                       re.I)
_COMPOUND = re.compile(r"\b(or|and/or)\b", re.I)
_YES = frozenset({"y", "yes", "true", "la33-6", "373066001"})
_NO = frozenset({"n", "no", "false", "la32-8", "373067005"})


def _yes_no(got: tuple[str, Any]) -> bool | None:
    """A yes / no answer (valueBoolean, a Yes / No coding -- HL7 v2 0136, LOINC LA33-6 / LA32-8, SNOMED CT -- or the
    words), else None."""
    key, raw = got
    if key == "valueBoolean":
        return bool(raw)
    words = [str(raw.get("code") or ""), str(raw.get("display") or "")] if key == "valueCoding" else [str(raw)]
    for w in (x.strip().lower() for x in words if x):
        if w in _YES:
            return True
        if w in _NO:
            return False
    return None


def _months(got: tuple[str, Any]) -> float | None:
    key, raw = got
    if key in ("valueInteger", "valueDecimal") and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if key == "valueQuantity" and isinstance(raw.get("value"), int | float):
        unit = str(raw.get("code") or raw.get("unit") or "mo").lower()
        return float(raw["value"]) if unit in ("mo", "month", "months") else None
    return None


def _payer_reading(text: str, got: tuple[str, Any]) -> tuple[str, float | bool, str] | None:
    """What one payer item says, by its text: (fact, value, comparator), or None when it says nothing certain."""
    if _PREGNANT.match(text):
        answer = _yes_no(got)
        return None if answer is None else ("pregnant", answer, "")
    if not (_LIFESTYLE.search(text) and _PROGRAM.search(text)) or _COMPOUND.search(text.replace("diet and", "")):
        return None
    least = _AT_LEAST.search(text)
    if least is not None:
        n, answer = least.group(1).lower(), _yes_no(got)
        months = float(_WORDS.get(n) or int(n))
        return None if answer is None else ("lifestyle_program_months", months, ">=" if answer else "<")
    months_ = _months(got) if _COUNT_MONTHS.search(text) else None
    return None if months_ is None else ("lifestyle_program_months", months_, "")


def _payer_findings(items: dict[str, list[Mapping[str, Any]]], src: Source, ctx: Context, authored: dt.datetime | None,
                    answered: set[str]) -> list[Finding]:
    """The facts a payer's own items state unambiguously (module docstring), none a mednec item already answered."""
    facts = ctx.dictionary.facts
    said: dict[str, list[tuple[float | bool, str, str]]] = {}
    for link, group in items.items():
        if link.split(".", 1)[0] in facts:
            continue
        for item in group:
            got = _answer(item)
            reading = _payer_reading(str(item.get("text") or ""), got) if got is not None else None
            if reading is not None and reading[0] in facts and reading[0] not in answered:
                said.setdefault(reading[0], []).append((reading[1], reading[2], link))
    out = []
    for fid, readings in said.items():
        if len({(v, c) for v, c, _ in readings}) != 1:  # two items reading one fact differently: nothing certain
            continue
        value, comparator, link = readings[0]
        fd, where = facts[fid], f"{src.ref} item {link}"
        canonical, unit = validated_value(fd, value, fd.unit if fd.type == "number" else None, authored, path=where)
        out.append(Finding(fid, canonical, unit, authored, src, f"payer's item {link}: {fid}", rank=2, label=where,
                           comparator=comparator))
    return out


def map_questionnaire_response(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Any]:
    """Every answered fact of a mednec QuestionnaireResponse."""
    status = resource.get("status")
    if status not in _USABLE:
        raise NotMapped(f"status is {status}")
    ref = src.ref
    authored = fhir_datetime(resource["authored"], path=f"{src.path}.authored") if resource.get("authored") else None
    items: dict[str, list[Mapping[str, Any]]] = {}
    for item in _walk(resource.get("item")):
        items.setdefault(str(item.get("linkId") or ""), []).append(item)
    out: list[Any] = []
    for fid, fd in ctx.dictionary.facts.items():
        if not fd.may_give:
            continue
        if fd.type == "events":
            lst = _events(fd, items, ref, src, authored)
            if lst is not None:
                out.append(lst)
            continue
        got = _first_answer(items.get(fid, []))
        if got is None:
            continue
        where = f"{ref} item {fid}"
        value, unit = _scalar(fd, got[0], got[1], where)
        dated = _first_answer(items.get(f"{fid}.date", []))
        when = fhir_datetime(dated[1], path=f"{ref} item {fid}.date") if dated is not None else authored
        try:
            canonical, canonical_unit = validated_value(fd, value, unit, when, path=where)
        except NotMapped:  # an empty answer: this item documents nothing, the others stand
            continue
        out.append(Finding(fid, canonical, canonical_unit, when, src, f"answer to {fid}", rank=2, label=where))
    out.extend(_payer_findings(items, src, ctx, authored, {f.fact for f in out if isinstance(f, Finding)}))
    if not out:
        raise NotMapped("no item linkId names a mednec fact, nor does a payer item's text unambiguously")
    return out
