"""Text rules built from the fact dictionary: any fact that declares ``names`` is read from
questions and notes without code of its own.

* number: ``<name> [is|of|:|was ...] [bound] <number> [unit]`` -- the units are the fact's
  ``units`` (any spelling :func:`normalize_unit` folds); a bare number is in the canonical unit
  and says so when no other unit makes it plausible (else it is not used: "weight 180" is kg or lb); a bound ("LDL > 70", "BMI at least 30") is listed as not used, never a value.
* boolean: the name itself is ``true``; negated ("no established ASCVD") ``false``.
* category: ``<name> [is|:] <value>`` where the value is a label, key or synonym.

Hypothetical and family-history statements are listed as not used. The rules are named
``FACT_<ID>`` and run after the packs' own rules (a pack's rule for the same words wins a tie).
"""

# ruff: noqa: E501

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable

from mednec.facts.dictionary import FactDef
from mednec.intake.text.numbers import (
    DATE,
    DURATION,
    NUM,
    RANGE,
    duration_days,
    number,
    parse_date_text,
    parse_range_text,
)
from mednec.intake.text.rules import CMP, SEP, Ctx, Item, Rule, bound_reason, g

__all__ = ["fact_rules", "phrase"]


def phrase(words: str) -> str:
    """A phrase as a regex: its words with any run of spaces or hyphens (or none) between them."""
    parts = [re.escape(x) for x in re.split(r"[\s-]+", words.strip()) if x]
    return r"[\s-]*".join(parts)


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(phrase(w) for w in sorted(set(words), key=len, reverse=True))


def _unit_regex(unit: str) -> str:
    body = re.escape(unit.strip()).replace("/", r"\s*/\s*").replace(r"\ ", r"\s*")
    return body + (r"(?![A-Za-z])" if unit[-1:].isalnum() else "")


# after a bare number, a word that makes it another quantity: "2 units pRBC" is not a weight of 2
_FOREIGN = (r"units?\b|u\b|mg\b|mcg\b|µg\b|g\s*/|%|mmol|m?i?u\s*/|x\s*10|k\b|/\s*[uµm]?l\b|(?:weeks?|wks?|months?|mos?|days?|years?|"
            r"yrs?|hours?|hrs?|times|cycles?|doses?|tablets?|pills?|injections?)\b|p?rbcs?\b")


_AGO = re.compile(rf"\s*[,(]?\s*(?:(?:drawn|checked|measured|done|obtained|taken|tested|from|dated)\s+)?(?:about\s+|approximately\s+|~\s*)?{DURATION}\s+ago\b\)?",
                  re.I)


# "LDL 130 drawn 03/10/2026", "LDL-C 92 mg/dL (10/15/2026)", "LDL 150 on 3/1/2026", "LDL 118 checked in
# March 2026": the value's own date, said right after it (a bare ", 10/15/2026" may begin another statement)
_ON_DATE = re.compile(rf"\s*(?:\(\s*|,\s*)?(?:(?:(?:drawn|checked|measured|done|obtained|taken|tested|collected|resulted|"
                      rf"dated|repeated)\s+)(?:on\s+|in\s+)?|on\s+|in\s+|from\s+|\((?=\s*{DATE}\s*\)))(?P<date>{DATE})(?!\s*-|\d)\)?",
                      re.I)

# "LDL 118 in August 2026", "Hb 8.1 in early Nov", "A1c 8.4% in 2025", "LDL-C 110 drawn in the summer of 2026": a
# date said only to a part of a month, a month, a season or a year -- the value's date is that range of days
_IN_RANGE = re.compile(rf"\s*(?:\(\s*|,\s*)?(?:(?:(?:drawn|checked|measured|done|obtained|taken|tested|collected|resulted|"
                       rf"dated|repeated)\s+)(?:in\s+|during\s+|on\s+)?|in\s+|during\s+|on\s+|from\s+)(?P<date>{RANGE})\)?",
                       re.I)


def _plausible_units(fd: FactDef, value: float) -> list[str]:
    """The units (one per conversion factor, the canonical first) in which a bare ``value`` lies
    within the fact's plausible range: more than one means the number alone does not say what was
    measured ("weight 180": 180 kg or 180 lb; "LDL 3.2": 3.2 mg/dL or 3.2 mmol/L)."""
    if fd.range is None or not fd.unit:
        return [fd.unit] if fd.unit else []
    lo, hi = fd.range
    by_factor: dict[float, str] = {}
    for u, factor in sorted(fd.units.items(), key=lambda kv: kv[0] != fd.unit):
        # a bare number is never read in an affine unit (HbA1c 10.1 is %, not 10.1 mmol/mol = 3.1 %)
        if u not in fd.offsets and lo <= value * factor <= hi:
            by_factor.setdefault(factor, u)
    return list(by_factor.values())


def _number_rule(fd: FactDef) -> Rule:
    units = sorted(fd.units, key=len, reverse=True)
    unit_alt = "|".join(_unit_regex(u) for u in units if u.strip())
    # "height 5 ft 6 in" is not 5 ft: a unit followed by another number, or a number followed by a
    # unit the pattern could not take, matches nothing here (the core feet-and-inches rule reads it)
    pattern = (rf"(?<![\w-])(?:{_alternatives(fd.names)})(?![\w]){SEP}(?:{CMP})?(?P<v>{NUM})"
               rf"(?:\s*(?P<u>{unit_alt})(?!\s*\d))?(?!\s*(?:{unit_alt}|['’\"]))(?![\d.]*\d)"
               rf"(?(u)|(?!\s*(?:{_FOREIGN})))"
               r"(?(u)|(?![FfMm]\b|\s*(?:yo\b|y/o|y\.o\.|yrs?\b|years?\b)|-year))")  # "weight\n45F ...": an age and sex, not the value
    label = fd.label.lower()

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family:
            why = "hypothetical" if ctx.hypothetical else "family history"
            return [ctx.unused(f"{why}; not used", m.start(), m.end(), fd.id)]
        if g(m, "cmp"):
            return [ctx.unused(bound_reason(label, m), m.start(), m.end(), fd.id)]
        v = number(m.group("v"))
        if v is None:
            return []
        unit = m.group("u")
        if not unit and len(readings := _plausible_units(fd, v)) > 1:
            # "weight 180" (kg or lb?), "LDL 3.2" (mg/dL or mmol/L?): not guessed, asked
            return [ctx.unused(f"no unit given; {v:g} could be {' or '.join(readings)}", m.start(), m.end(), fd.id)]
        note = "" if unit else f"no unit given; read as {fd.unit}"
        ago = _AGO.match(ctx.text, m.end(), ctx.sent_end)
        if ago is not None and (days := duration_days(ago.group("dn"), ago.group("du"))) is not None:
            # "LDL 190 mg/dL drawn 8 months ago": the value's date (durations as numbers.duration_days counts them)
            dated = (ctx.date or ctx.as_of) - dt.timedelta(days=days)
            note = "; ".join(x for x in (note, f"dated {dated.isoformat()} from '{ago.group(0).strip()}'") if x)
            return [ctx.finding(fd.id, v, m.start(), ago.end(), unit=" ".join(unit.split()) if unit else fd.unit,
                                note=note, date=dated)]
        within = _IN_RANGE.match(ctx.text, m.end(), ctx.sent_end)
        span_days = parse_range_text(within.group("date"), ctx.as_of) if within is not None else None
        if within is not None and span_days is not None:
            first, last = span_days
            said = within.group(0).strip()
            note = "; ".join(x for x in (note, f"dated {first.isoformat()} to {last.isoformat()} from '{said}' "
                                                "(a range of days: decided only where every day agrees)") if x)
            f = ctx.finding(fd.id, v, m.start(), within.end(), unit=" ".join(unit.split()) if unit else fd.unit,
                            note=note, date=first)
            return [dataclasses.replace(f, date_last=last) if last != first else f]
        on = _ON_DATE.match(ctx.text, m.end(), ctx.sent_end)
        when = parse_date_text(on.group("date")) if on is not None else None
        if on is not None and when is not None and when <= ctx.as_of:
            note = "; ".join(x for x in (note, f"dated {when.isoformat()} from '{on.group(0).strip()}'") if x)
            return [ctx.finding(fd.id, v, m.start(), on.end(), unit=" ".join(unit.split()) if unit else fd.unit,
                                note=note, date=when)]
        return [ctx.finding(fd.id, v, m.start(), m.end(), unit=" ".join(unit.split()) if unit else fd.unit, note=note)]

    return Rule(f"FACT_{fd.id.upper()}", pattern, handle)


def _boolean_rule(fd: FactDef) -> Rule:
    other = re.compile(rf"(?<![\w'-])(?:{_alternatives(fd.not_after)})[\s-]+$", re.I) if fd.not_after else None

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family:
            return []
        before = other.search(ctx.text, max(ctx.sent_start, m.start() - 40), m.start()) if other else None
        if before is not None:  # "heat stroke", "Ludwig's angina": another condition
            return [ctx.unused(f"'{before.group(0).strip()} {m.group(0)}' is another condition, not {fd.label}",
                               before.start(), m.end(), fd.id)]
        return [ctx.finding(fd.id, not ctx.negated, m.start(), m.end())]

    return Rule(f"FACT_{fd.id.upper()}", rf"(?<![\w-])(?:{_alternatives(fd.names)})(?![\w])", handle)


def _category_rule(fd: FactDef) -> Rule:
    by_word: dict[str, str] = {}
    for key, cv in fd.values.items():
        for w in (key, cv.label, *cv.synonyms):
            by_word.setdefault(_fold(w), key)
    pattern = (rf"(?<![\w-])(?:{_alternatives(fd.names)})(?![\w])\s*(?:is|was|:|-|=|of)?\s*"
               rf"(?P<val>{_alternatives(by_word)})(?![\w])")

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family:
            return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), fd.id)]
        key = by_word.get(_fold(m.group("val")))
        if key is None:
            return []
        return [ctx.finding(fd.id, key, m.start(), m.end())]

    return Rule(f"FACT_{fd.id.upper()}", pattern, handle)


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def fact_rules(facts: Iterable[FactDef]) -> list[Rule]:
    """One rule per fact with ``names`` (number, boolean or category facts that may be given)."""
    out = []
    for fd in facts:
        if not fd.names or not fd.may_give:
            continue
        if fd.type == "number":
            out.append(_number_rule(fd))
        elif fd.type == "boolean":
            out.append(_boolean_rule(fd))
        elif fd.type == "category" and fd.values:
            out.append(_category_rule(fd))
    return out

