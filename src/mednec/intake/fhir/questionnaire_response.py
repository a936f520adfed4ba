"""QuestionnaireResponse (the answers to mednec's DTR questionnaire) -> facts.

Item linkIds follow :mod:`mednec.fhir.questionnaire`: an item whose linkId is a fact id holds
that fact's answer, ``<fact>.date`` its date, ``<fact>.any`` the yes/no gate of an events fact
("Has the patient received an ESA?"), and each repeat of the group ``<fact>`` one event with
its fields as ``<fact>.<field>`` (``esa_history.start``). Other linkIds (document groups, help
text, a payer's own items) are ignored. Each fact's provenance is
``QuestionnaireResponse/<id> item <linkId>``.

Answers are user input: a wrong type, unit or value fails naming the item, like a case file.
"""

from __future__ import annotations

import datetime as dt
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
    if not out:
        raise NotMapped("no item linkId names a mednec fact")
    return out
