"""A treatment's start said in words: the first dose of the course a renewal is judged on.

    "started luspatercept 1 mg/kg 5/2026"   -> 2026-05-01 (a month alone is its first day)
    "Reblozyl started in June 2026"          -> 2026-06-01
    "C1D1 06/12/2026", "first dose 04/20/2026", "first infusion 03/02/2026", "cycle 1 day 1 ..."
    "on it since June", "on Procrit since September" -> the latest such month up to the date
    "started 12 weeks ago", "began lenalidomide 10 mg 6 months ago" -> counted back from the date
    "about 3 months in", "luspatercept x 20 wks" -> counted back from the date

Each start names the drug the words tie it to (a drug named between the cue and the date, else the last drug
named before the cue in its sentence), or none. "started a while ago" or "start date not in this chart" give
no start: the continuation criteria ask for it (``treatment_records``), never a guess. A cue that speaks of the
time before or since the start ("before starting", "since starting: 2 units on 07/20/2026") gives none either.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

from mednec.intake.text.numbers import DURATION, duration_days, find_dates

__all__ = ["StatedStart", "drug_pattern", "stated_starts"]


class StatedStart(NamedTuple):
    """A start the words give: its date, where it was said and the drug it is tied to (``None``: none named)."""

    date: dt.date
    start: int
    end: int
    drug: str | None


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# a start cue: a verb of starting (not "before/prior to/since/after starting", which speak of the time around it),
# the first dose or cycle, or "since" (a date or a month follows)
_CUE = re.compile(
    r"(?<!\bbefore\s)(?<!\bprior\sto\s)(?<!\bsince\s)(?<!\bafter\s)(?<!\buntil\s)"
    r"\b(?:start(?:ed|ing)?|began|begun|initiated|commenced|C1\s*D1|cycle\s*1\s*,?\s*day\s*1|first\s+(?:dose|infusion|injection|"
    r"administration|cycle))\b(?!\s+(?:he|she|they|to|date\s+not)\b)"
    r"|\bsince\b(?!\s+(?:starting|start|then|treatment|the\s+first|initiation|beginning))", re.I)
# what may stand between the cue and its date: the drug, its dose and route, filler words (no sentence end, no
# transfusion count such as "2u on 07/20/2026")
_GAP = re.compile(
    r"(?:[\s:,()\-–]|\b(?:on|in|at|of|with|dated|date|was|is|it|the|about|around|approximately|~|sc|sq|iv|po|weekly|daily|"
    r"q\s*\d*\s*w(?:ee)?ks?|q\d+w|every\s+\d+\s+weeks|(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(?:mg\s*/\s*kg|mg|mcg|µg|ug|iu|units?)(?:\s*/\s*kg)?)\b"
    r"|(?!(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|ago\b|a\b|while\b)[a-z][a-z-]+)*", re.I)
# "since" starts a course only after "on <drug or it>" ("on it since June", "on luspatercept since June 2026")
_ON_BEFORE = re.compile(r"\b(?:on|taking|receiving)\s+(?!(?:\w+\s+){0,3}?(?:transfus|prbc|units?\b))[^.;\n\d]{0,40}$", re.I)
_MONTH_ALONE = re.compile(r"\s*(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?!\s*,?\s*\d)", re.I)
_AGO = re.compile(rf"\s*(?:about\s+|around\s+|approximately\s+|~\s*)?{DURATION}\s+ago\b", re.I)
# "about 3 months in", "6 weeks into treatment"; "x 20 wks" / "for 20 weeks" right after the drug (a running course)
_IN = re.compile(rf"\b(?:about\s+|around\s+|approximately\s+|~\s*)?{DURATION}\s+(?:in|into\s+(?:treatment|therapy|it))\b(?!\s*\d)", re.I)
_FOR = re.compile(rf"\s*(?:x|for)\s*(?:about\s+|~\s*)?{DURATION}(?!\s+(?:ago|before|prior))", re.I)
_TX_COUNT = re.compile(r"\b\d+(?:\.\d+)?\s*u\b|\bunits?\s+(?:total|of\s+(?:blood|prbc))|transfus|\bprbc", re.I)
_SENTENCE = re.compile(r"[.;!?\n](?!\d)")
# a drug-like word the packs may not know ("C1D1 of azacitidine"): tied to some other drug, not the one asked about
_OTHER_DRUG = re.compile(r"\b(?:[a-z]+(?:mide|cept|stat|mab|tide|nib|citabine|citidine|urea|parin|poetin)|azacitidine|decitabine|"
                         r"vidaza|dacogen|inqovi|hydroxyurea|atg|cyclosporine)\b", re.I)


# a drug's name when no vocabulary is given (the text rules' own reading): "luspatercept x 20 wks"
_DRUG_WORD = re.compile(r"\b(?:[a-z]+(?:mide|cept|telstat|poetin)(?:\s+alfa)?|reblozyl|rytelo|revlimid|procrit|aranesp|epogen|retacrit)\b",
                        re.I)


# what may follow a drug's name before "since": its dose, how often and how it is given, a bracket
_DOSE_TAIL = re.compile(r"\s*(?:\([^()]{0,40}\)|\d+(?:[.,]\d+)?\s*(?:mg(?:\s*/\s*kg)?|mcg|units?|iu|k)\b(?:\s*/\s*\w+)?|"
                        r"q\s*\d*\s*(?:wks?|weeks?|w|days?|d)\b|(?:once\s+)?weekly|every\s+\d+\s+(?:weeks?|wks?|days?)|"
                        r"sc|sq|subq|iv)$", re.I)


def _drug_just_before(text: str, lo: int, hi: int, drugs: re.Pattern[str] | None) -> bool:
    """Whether a drug's name ends right before ``hi`` (its dose or a bracket between them allowed): "Procrit since
    09/08/2026", "epoetin (Retacrit) since 9/8/2026" state the course's start as "on Procrit since" does."""
    head = text[lo:hi].rstrip()
    while (cut := _DOSE_TAIL.sub("", head)) != head:
        head = cut
    return any(m.end() == len(head) for m in (drugs or _DRUG_WORD).finditer(head))


def drug_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern for the drug names (longest first), or ``None`` without any."""
    alts = sorted({n for n in names if n}, key=len, reverse=True)
    if not alts:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in alts) + r")(?![\w-])", re.I)


def _sentence_start(text: str, at: int) -> int:
    cut = [m.end() for m in _SENTENCE.finditer(text, 0, at)]
    return cut[-1] if cut else 0


def _sentence_end(text: str, at: int) -> int:
    m = _SENTENCE.search(text, at)
    return m.start() if m else len(text)


def _drug_of(text: str, cue: int, lo: int, hi: int, drugs: re.Pattern[str] | None) -> str | None:
    """The drug a start is tied to: named between the cue and the date, else last before the cue in its sentence."""
    if drugs is not None:
        inside = drugs.search(text, lo, hi)
        if inside is not None:
            return inside.group(0)
    other = _OTHER_DRUG.search(text, lo, hi)
    if other is not None:
        return other.group(0)
    if drugs is None:
        return None
    before = list(drugs.finditer(text, _sentence_start(text, cue), cue))
    return before[-1].group(0) if before else None


def _after_cue(text: str, m: re.Match[str], hi: int, anchor: dt.date) -> tuple[dt.date, int] | None:
    """The date right after a start cue (only the drug, its dose and filler between), or ``None``."""
    gap = _GAP.match(text, m.end(), min(hi, m.end() + 60))
    for a, b, d in find_dates(text, m.end(), min(hi, m.end() + 60)):
        if gap is None or a > gap.end() + 1 or _TX_COUNT.search(text, m.end(), a):
            break
        return (d, b) if d <= anchor else None
    at = gap.end() if gap is not None else m.end()
    month = _MONTH_ALONE.match(text, at, hi)
    if month is not None:
        n = _MONTHS.index(month.group("mon").lower()[:3]) + 1
        return dt.date(anchor.year if n <= anchor.month else anchor.year - 1, n, 1), month.end()
    ago = _AGO.match(text, at, hi)
    if ago is not None and m.group(0).lower() != "since":
        days = duration_days(ago.group("dn"), ago.group("du"))
        if days is not None:
            return anchor - dt.timedelta(days=round(days)), ago.end()
    return None


def stated_starts(text: str, anchor: dt.date, drugs: re.Pattern[str] | None = None) -> list[StatedStart]:
    """Every course start ``text`` states, in text order (``drugs``: the names that tie a start to a drug)."""
    out: list[StatedStart] = []
    for m in _CUE.finditer(text):
        hi = _sentence_end(text, m.end())
        if m.group(0).lower() == "since" and not _ON_BEFORE.search(text, _sentence_start(text, m.start()), m.start()) \
                and not _drug_just_before(text, _sentence_start(text, m.start()), m.start(), drugs):
            continue  # "no transfusions since 8/20/2026" is no start; "on Procrit since September", "Procrit since" are
        found = _after_cue(text, m, hi, anchor)
        if found is not None:
            out.append(StatedStart(found[0], m.start(), found[1], _drug_of(text, m.start(), m.end(), found[1], drugs)))
    for m in _IN.finditer(text):
        days = duration_days(m.group("dn"), m.group("du"))
        if days is not None:
            out.append(StatedStart(anchor - dt.timedelta(days=round(days)), m.start(), m.end(),
                                   _drug_of(text, m.start(), m.start(), m.start(), drugs)))
    for d in (drugs or _DRUG_WORD).finditer(text):
        f = _FOR.match(text, d.end(), _sentence_end(text, d.end()))
        days = duration_days(f.group("dn"), f.group("du")) if f is not None else None
        if f is not None and days is not None:
            out.append(StatedStart(anchor - dt.timedelta(days=round(days)), d.start(), f.end(), d.group(0)))
    return sorted(out, key=lambda s: s.start)


# --- doses at a level, said in words -------------------------------------------------------------------------------

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}
_N = r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
_LEVEL = r"(?P<lv>\d(?:\.\d{1,2})?)(?P<unit>\s*mg\s*/\s*kg)?"
_MD = r"\d{1,2}/\d{1,2}(?:/(?:\d{4}|\d{2}))?"
_DATES = rf"(?P<dates>{_MD}(?:\s*(?:,\s*and|,|and|&)\s*{_MD})*)"
#: "3 doses at 1.75 mg/kg (10/6, 10/27, 11/17/2026)", "1.75 mg/kg x 3 doses", "at 1.75 mg/kg for the last 2 doses",
#: "Doses at 1.75 mg/kg: 07/20, 08/10, 11/02/2026"; a level without its unit only right after "doses at"
DOSE_PATTERN = (
    rf"\b{_N}\s+(?:consecutive\s+)?doses?\s+(?:given\s+)?at\s+{_LEVEL}(?:\s*\(\s*{_DATES}\s*\))?"
    rf"|\b(?P<lv2>\d(?:\.\d{{1,2}})?)\s*mg\s*/\s*kg\s*(?:x|×)\s*(?P<n2>\d{{1,2}}|one|two|three|four|five|six)\s+doses?(?:\s*\(\s*(?P<dates2>{_MD}(?:\s*(?:,\s*and|,|and|&)\s*{_MD})*)\s*\))?"
    rf"|\bat\s+(?P<lv3>\d(?:\.\d{{1,2}})?)\s*mg\s*/\s*kg\s+for\s+the\s+(?:last|past)\s+(?P<n3>\d{{1,2}}|one|two|three|four|five|six)\s+doses?(?:\s*\(\s*(?P<dates3>{_MD}(?:\s*(?:,\s*and|,|and|&)\s*{_MD})*)\s*\))?"
    rf"|\bdoses?\s+at\s+(?P<lv4>\d(?:\.\d{{1,2}})?)\s*mg\s*/\s*kg\s*:\s*(?P<dates4>{_MD}(?:\s*(?:,\s*and|,|and|&)\s*{_MD})*)")
_DOSE_INTERVAL_DAYS = 21  # undated doses are placed 3 weeks apart up to the text's date (luspatercept's interval)


def _dose_dates(said: str, anchor: dt.date) -> list[dt.date]:
    """The dates of a list "10/6, 10/27, 11/17/2026": the year the last one gives (else the text's), a date after
    the text's date in the year before."""
    parts = re.findall(r"(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?", said)
    year = next((int(y) + (2000 if len(y) == 2 else 0) for _m, _d, y in reversed(parts) if y), anchor.year)
    out = []
    for m, d, y in parts:
        yy = int(y) + (2000 if len(y) == 2 else 0) if y else year
        try:
            when = dt.date(yy, int(m), int(d))
        except ValueError:
            return []
        out.append(when if when <= anchor or y else when.replace(year=yy - 1))
    return sorted(out)


def doses_said(m: re.Match[str], anchor: dt.date) -> tuple[float, list[dt.date], bool] | None:
    """(the level, the dates of the doses at it, whether the dates were stated) of a dose phrase, or None."""
    g = m.groupdict()
    level = float(g.get("lv") or g.get("lv2") or g.get("lv3") or g.get("lv4") or 0)
    n_text = (g.get("n") or g.get("n2") or g.get("n3") or "").lower()
    n = _NUMBER_WORDS.get(n_text) or (int(n_text) if n_text.isdigit() else 0)
    said = g.get("dates") or g.get("dates2") or g.get("dates3") or g.get("dates4")
    if not 0 < level <= 10 or (g.get("lv") and not g.get("unit") and not said):
        return None  # "3 doses at 1.75" says its unit only with its dates ("... (9/21, 10/12, 11/2/2026)")
    dates = _dose_dates(said, anchor) if said else []
    if dates:
        return level, dates, True
    if not 0 < n <= 12:
        return None
    return level, [anchor - dt.timedelta(days=_DOSE_INTERVAL_DAYS * k) for k in range(n)][::-1], False
