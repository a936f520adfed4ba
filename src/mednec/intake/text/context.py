"""One ConText engine for questions and notes, driven by one rule set kept as data.

The cues (negation, hypothetical, historical, family), the pseudo-cues that contain a cue word
but negate nothing, and the terminators are in ``context_rules.yaml`` beside this module;
:func:`context_of` applies them to one finding and :func:`run_rules` runs the target rules on a
text with it. Questions call it directly (no spaCy, well under a millisecond); notes call the
same :func:`context_of` for every target medspaCy's matcher found, with the note's sentences
(see :mod:`mednec.intake.notes`).

Safe by construction -- a negation or hypothetical only removes a finding when its scope is
unambiguous:

* a cue binds to the nearest finding after it: another finding between the cue and this one
  ends its scope ("never received an ESA and needs 4 units every 8 weeks": "never" is about the
  ESA), except along a list joined by "or" / "nor" ("no del(5q) or -7");
* punctuation, "but", "however", and "and" starting a new statement ("and needs ...") end it;
* a finding that carries its own number, unit or frequency is negated only when the cue stands
  right before it (at most ``adjacent_words`` filler words between); otherwise the scope is
  ambiguous and the finding is listed "not used: ambiguous" (its criterion stays unknown), never
  silently turned into "no";
* "if" is hypothetical only when its clause is counterfactual or a future condition ("if the
  hemoglobin were 9", "if she becomes symptomatic"); "if the patient has X" states the case.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from mednec.intake.text.model import Finding, Unused
from mednec.intake.text.numbers import NUM
from mednec.intake.text.rules import Ctx, Item, Rule

__all__ = ["Context", "ContextRules", "Match", "ambiguous_items", "context_of", "context_rules", "doubtful_items", "find_matches", "group_of",
           "run_rules", "sentences"]

RULES_FILE = Path(__file__).with_name("context_rules.yaml")


def _alts(phrases: Iterable[str]) -> str:
    out = []
    for p in sorted(set(phrases), key=len, reverse=True):
        parts = [re.escape(w) for w in p.split()]
        body = r"[\s-]+".join(parts)
        lead = r"\b" if p[0].isalnum() else ""
        tail = r"\b" if p[-1].isalnum() else ""
        out.append(f"{lead}{body}{tail}")
    return "|".join(out)


@dataclass(frozen=True)
class ContextRules:
    """The compiled rule set."""

    window: int
    adjacent_words: int
    filler: frozenset[str]
    neg: re.Pattern[str]
    neg_after: re.Pattern[str]
    pseudo: re.Pattern[str]
    hypo: re.Pattern[str]
    conditional: re.Pattern[str]
    conditional_needs: re.Pattern[str]
    hist: re.Pattern[str]
    family: re.Pattern[str]
    family_sections: tuple[str, ...]
    family_end: re.Pattern[str]
    family_after: re.Pattern[str]
    family_pseudo: re.Pattern[str]
    end: re.Pattern[str]
    never_before: re.Pattern[str]  # a "never given" cue ending right before a drug (filler words allowed)
    never_after: re.Pattern[str]  # a "never given" phrase right after a drug
    never_cue: re.Pattern[str]  # a "never given" cue at a ConText negation cue's start (a list: "never had X or Y")
    unc: re.Pattern[str]  # a doubt before a finding ("possible MI", "suspected stroke")
    unc_after: re.Pattern[str]  # a doubt after it ("MI in 2020 (never confirmed)")
    unc_pseudo: re.Pattern[str]  # a doubt word that states no doubt ("probable FH", "as soon as possible")
    unc_keep: frozenset[str]  # facts a doubt does not remove (warning signs, contraindications)
    unc_to: Mapping[str, str]  # a doubted finding of the key fact is read as the value fact (a warning sign)
    unc_drug_to: Mapping[str, str]  # a drug (generic) doubted to be taken now -> its class's warning sign


def _never_cues(d: dict[str, Any]) -> str:
    """The "never given" cues of ``never_given``: a negation with a verb of receiving, or a phrase."""
    return (rf"(?:{_alts(d['negation'])})\s+(?:ever\s+|yet\s+|previously\s+)?(?:{_alts(d['verbs'])})"
            rf"|{_alts(d['phrases'])}")


@cache
def context_rules(path: Path = RULES_FILE) -> ContextRules:
    """The rule set in ``path`` (``context_rules.yaml``), compiled once per process."""
    d: dict[str, Any] = yaml.safe_load(path.read_text("utf-8"))
    term = d["terminate"]
    end = (r"[.;!?:,]|" + _alts(term["words"]) + r"|\band\s+(?=(?:" + _alts(term["and_before"]) + r"))"
           r"|\bwith\s+(?=\d)")  # "no ESA, with 2 units every 3 weeks"
    flags = re.I
    return ContextRules(
        window=int(d["window_chars"]), adjacent_words=int(d["adjacent_words"]),
        filler=frozenset(w.lower() for w in d["filler_words"]),
        neg=re.compile(_alts(d["negated"]["forward"]), flags),
        neg_after=re.compile(r"^\s*(?:[:-]\s*)?(?:" + _alts(d["negated"]["backward"]) + ")", flags),
        pseudo=re.compile(_alts(d["negated"]["pseudo"]), flags),
        hypo=re.compile(_alts(d["hypothetical"]["forward"]), flags),
        conditional=re.compile(_alts(d["hypothetical"]["conditional"]), flags),
        conditional_needs=re.compile(_alts(d["hypothetical"]["conditional_needs"]), flags),
        hist=re.compile(_alts(d["historical"]["forward"]), flags),
        family=re.compile(_alts(d["family"]["forward"]), flags),
        family_sections=tuple(s.lower() for s in d["family"]["sections"]),
        family_end=re.compile(r"[.;!?]|" + _alts(term["words"]) + "|" + _alts(d["family"]["new_subject"]), flags),
        family_after=re.compile(r"^\s*(?:" + _alts(d["family"]["backward"]) + r")\s+(?:" + _alts(d["family"]["forward"])
                                + ")", flags),
        family_pseudo=re.compile(_alts(d["family"]["pseudo"]), flags),
        end=re.compile(end, flags),
        never_before=re.compile(rf"(?:{_never_cues(d['never_given'])})(?:[\s-]+(?:{_alts(d['never_given']['filler'])}))*"
                                r"[\s-]*$", flags),
        never_after=re.compile(r"^[\s-]*(?:" + _alts(d["never_given"]["backward"]) + ")", flags),
        never_cue=re.compile(rf"^(?:{_never_cues(d['never_given'])})", flags),
        unc=re.compile(_alts(d["uncertain"]["forward"]), flags),
        # after the finding, a year or date may stand before the doubt ("MI in 2020, never confirmed")
        unc_after=re.compile(r"^[\s,(\-]*(?:(?:in|on|at|since|from)\s+[\w/.-]+[\s,(\-]*)?(?:"
                             + _alts(d["uncertain"]["backward"]) + ")", flags),
        unc_pseudo=re.compile(_alts(d["uncertain"]["pseudo"]), flags),
        unc_keep=frozenset(d["uncertain"]["keep_facts"]),
        unc_to=dict(d["uncertain"].get("doubt_to") or {}),
        unc_drug_to={drug.lower(): sign for sign, drugs in (d["uncertain"].get("doubt_drug_to") or {}).items() for drug in drugs},
    )


class Context(NamedTuple):
    """The context of one finding."""

    negated: bool = False
    hypothetical: bool = False
    historical: bool = False
    family: bool = False
    cue_start: int | None = None  # where the negation cue begins
    ambiguous: str = ""  # the negation cue whose scope over a quantified finding is unclear
    doubt: bool = False  # stated with doubt ("?MI", "possible MI"): neither present nor absent (see doubtful_items)


class Match(NamedTuple):
    start: int
    end: int
    rule: Rule
    m: re.Match[str]


_SENT_ABBR = ("mr", "mrs", "ms", "dr", "vs", "approx", "pt", "hx", "dx", "tx")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence bounds: split at . ? ! ; and newlines, keeping decimals ("8.1") and "Dr." together."""
    out: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in "?!;\n" or (ch == "." and not (0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())
                             and not re.search(r"(?:^|\W)(?:" + "|".join(_SENT_ABBR) + r")$", text[max(0, i - 7):i], re.I)):
            if i + 1 > start:
                out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return out or [(0, len(text))]


def find_matches(text: str, rules: Iterable[Rule]) -> list[Match]:
    """Every rule's matches, overlaps pruned: the longest match wins (as medspaCy prunes)."""
    cands = [Match(m.start(), m.end(), r, m) for r in rules for m in r.regex.finditer(text) if m.end() > m.start()]
    cands.sort(key=lambda c: (c.start - c.end, c.start))
    taken: list[Match] = []
    for c in cands:
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda c: c.start)


# a finding that carries its own amount: a number with a unit or a frequency, or a frequency word
_QUANTIFIED = re.compile(
    rf"(?:\d|\b(?:{NUM}))\s*(?:%|units?\b|u\b|g\s*/|mg|m?i?u\s*/|k\b|x\s*10|/\s*[uµm]|cells|weeks?|wks?|months?|days?)"
    r"|\bq\s*\d|\b(?:every|each|weekly|monthly|biweekly|fortnightly|twice|once)\b|\d+\.\d", re.I)
# what may stand between the items of one negated list: "no del(5q) or -7", "negative for del(5q),
# -7/del(7q), +8 and del(20q)"; commas and "and" join only bare names (an item with its own status or
# amount -- "SF3B1 mutated", "EPO 720" -- starts a statement of its own)
_OR_JOIN = re.compile(r"^\s*(?:,\s*)?(?:/|\bor\b|\bnor\b|\band/or\b)\s*(?:\b(?:an?|any)\s+)?$", re.I)  # "X or an ESA"
_AND_JOIN = re.compile(r"^\s*(?:,\s*(?:and\b|or\b)?|\band\b)\s*$", re.I)
_OWN_STATUS = re.compile(r"\b[A-Z]\d{2,4}[A-Z*]\b|\b(?:mutated|mutations?|mutant|mut|positive|pos|present|detected|negative|neg|absent|wild|wt|seen|"
                         r"identified|normal|abnormal|dependen\w*|independen\w*|naive|failed|refractory)\b|\w\+|\d\s*%", re.I)
_WORD = re.compile(r"[\w/'-]+")
_AND = re.compile(r"\band\b", re.I)
# a cue's own object then "and"/"or" ("no response and symptomatic"); not "personal or family history of" /
# "personal history or family history of", where the "or" joins whose history the cue denies
_OBJECT_THEN_AND = re.compile(r"\b(?P<w>[a-z][\w-]*)\s+(?:and/or|and|or)\b(?!(?:/or)?\s+(?:family|fam)\b)", re.I)
# "no personal or family history of X", "denies personal/family hx of X": the patient's X is denied too
_WHOSE_HISTORY = re.compile(r"\bpersonal(?:\s+(?:history|hx))?\s*(?:\bor\b|\band/or\b|\band\b|/)\s*(?:family|fam)\s+"
                            r"(?:history|hx)\s+of\s*$", re.I)
_PERSONAL_OR_FAMILY = re.compile(r"\bpersonal(?:\s+(?:history|hx))?\s*(?:\bor\b|\band\b|\band/or\b|/)\s*(?:family|fam)\b", re.I)


def _list_start(text: str, s: int, others: Sequence[tuple[int, int, str]]) -> int:
    """The start of the list of findings the finding at ``s`` ends ("CAD, stroke or PAD": where "CAD"
    starts), so a cue's window counts from the list, not from its last item (items the readers do not know
    between them included: "HTN, DM/prediabetes")."""
    start = s
    for a, b, _g in sorted(others, key=lambda o: -o[1]):
        if b <= start and (_OR_JOIN.match(text[b:start]) or _AND_JOIN.match(text[b:start]) or _unknown_run(text, b, start)):
            start = a
    return start


#: items the readers do not know standing in a list like the others ("denies HTN, DM/prediabetes, OSA", "negative
#: for GERD, OSA and HTN"; held-out round 8 t04): bare names of one to three words, each followed by a list joiner,
#: with no number of their own and no word that makes them a statement ("has", "takes", "on", "but" ...)
_JOINER = r"(?:,\s*(?:and/or\b|and\b|or\b)?|/|\bor\b|\bnor\b|\band/or\b|\band\b)"
_UNKNOWN_ITEM = re.compile(rf"(?:[A-Za-z][\w'-]*)(?:[ \t]+[A-Za-z][\w'-]*){{0,2}}[ \t]*{_JOINER}[ \t]*", re.I)
_UNKNOWN_RUN = re.compile(rf"^[ \t]*(?:{_JOINER}[ \t]*)?(?:(?:[A-Za-z][\w'-]*)(?:[ \t]+[A-Za-z][\w'-]*){{0,2}}[ \t]*{_JOINER}[ \t]*)+$",
                          re.I)
_NOT_A_NAME = re.compile(r"\b(?:has|have|had|is|was|are|were|be|been|take|takes|taking|took|on|with|needs?|needing|since|for|in|"
                         r"at|now|currently|s/p|start\w*|stop\w*|uses?|using|plus|then|also|but|however|although|though|given|received|"
                         r"taken|tried|done|seen|noted|reported|"
                         r"whereas|while|except|which|who|see|per|due|after|before|until|because|if|when)\b", re.I)


def _unknown_run(text: str, a: int, b: int) -> int:
    """How many unknown list items stand in ``text[a:b]`` when it is nothing else (0: it is not such a run)."""
    gap = text[a:b]
    if "\n" in gap or not _UNKNOWN_RUN.match(gap) or _NOT_A_NAME.search(gap) or context_rules().neg.search(gap):
        return 0
    return len(_UNKNOWN_ITEM.findall(gap.lstrip(" \t,/").removeprefix("or ").removeprefix("and ")))


def _last_cue(text: str, lo: int, s: int, cue: re.Pattern[str], rules: ContextRules, *,
              window: bool = True, ended: bool = True, inside: Sequence[tuple[int, int, str]] = (),
              window_from: int | None = None, pseudo: re.Pattern[str] | None = None) -> re.Match[str] | None:
    """The last cue before ``s`` (not part of a pseudo-cue, nor of another finding's own words: the
    "no" of "no need for immediate correction" belongs to that finding); with ``ended``, only one
    whose scope no terminator cuts before ``s``."""
    found = None
    base = s if window_from is None else window_from
    for c in cue.finditer(text, max(lo, base - rules.window) if window else lo, s):
        pseudo_rx = rules.pseudo if pseudo is None else pseudo
        if any(p.start() <= c.start() < p.end() for p in pseudo_rx.finditer(text, max(lo, c.start() - 20), c.end() + 20)):
            continue
        if any(a <= c.start() < b for a, b, _g in inside):
            continue
        if not ended or not rules.end.search(text, c.end(), s):
            found = c
    return found


_GROUPS = {"DEL5Q": "cyto", "CHR7": "cyto", "KARYOTYPE": "cyto", "KARYOTYPE_ISCN": "cyto", "SF3B1": "cyto",
           "SYMPTOMATIC": "symptom"}


def group_of(rule_name: str) -> str:
    """Findings of one group may form a list after one cue ("negative for del(5q), -7 and +8")."""
    if rule_name.startswith("FACT_") or rule_name in ("DIAGNOSIS", "OTHER_CONDITION"):  # "no history of heart attack, stroke or PAD", "no known CAD, stroke or PAD", "no HTN, CKD, OSA"
        return "named_fact"
    return _GROUPS.get(rule_name, rule_name)


def _in_scope(text: str, cue_end: int, s: int, e: int, group: str, others: Sequence[tuple[int, int, str]],
              end: re.Pattern[str]) -> bool | None:
    """Does the cue ending at ``cue_end`` reach the finding at ``s:e``? It reaches the first finding
    after it when no terminator stands between, and on along a list of findings: joined by "or",
    "nor" or "/", or -- for bare names of one group -- by commas and "and" (see ``_OR_JOIN``,
    ``_AND_JOIN``). A finding with its own amount is reached only as the first."""
    between = sorted((a, b, g) for a, b, g in others if a >= cue_end and b <= s)
    first = between[0][0] if between else s
    # "negative for GERD, OSA": items the readers do not know, in a list of named conditions only
    unknown = _unknown_run(text, cue_end, first) if group == "named_fact" else 0
    if not unknown and _cut_before(text, cue_end, first, end):
        return False
    if not between and not unknown:
        return True
    if _QUANTIFIED.search(text, s, e) or (group == "named_fact" and _A_VALUE.search(text, s, e)):
        return False  # "no known ASCVD, LDL 104": a measured value is a statement of its own (held-out round 5 v73)
    bare = not _OWN_STATUS.search(text, s, e) and all(g == group for _, _, g in between)
    if unknown and not bare:
        return False
    more = _joined_items(text, between, s, e, group, bare)
    if more is None:
        return False
    if unknown + more:  # a list with items the readers do not know: negated whole when closed or of three items or more
        count, closed = _list_items(text, cue_end, s, e, group, others)
        return True if closed or count >= 3 else None
    if group == "named_fact" and _COMMA_ONLY.match(text[between[-1][1]:s]) and not _closed(
            text, cue_end, s, e, group, others):
        return None  # "no ASCVD, hypertension": a list never closed by or/nor/and, or a new clause
    return True


def _cut_before(text: str, cue_end: int, first: int, end: re.Pattern[str]) -> bool:
    """Does a terminator, or the cue's own object then "and", stand between the cue and the first finding?"""
    if end.search(text, cue_end, first):
        return True
    own = _OBJECT_THEN_AND.search(text, cue_end, first)  # "no response and symptomatic": the cue had its own
    return bool(own and own.group("w").lower() not in context_rules().filler)  # object; "and" starts a new statement


def _joined_items(text: str, between: Sequence[tuple[int, int, str]], s: int, e: int, group: str, bare: bool) -> int | None:
    """Are the findings ``between`` and the one at ``s:e`` joined as one list? The number of items the readers do
    not know standing between them (0: none), or None when a gap is no list joiner."""
    unknown = 0
    prev_end = between[0][1] if between else s
    for a, b, _g in [*between[1:], (s, e, group)] if between else []:
        gap = text[prev_end:a]
        if not (_OR_JOIN.match(gap) or (bare and _AND_JOIN.match(gap))):
            n = _unknown_run(text, prev_end, a) if bare and group == "named_fact" else 0
            if not n:
                return None
            unknown += n
        prev_end = b
    return unknown


_JOINED = re.compile(r"/|\bor\b|\bnor\b|\band\b", re.I)
#: unknown items after a list's last known finding, up to the sentence's end ("denies HTN, OSA, GERD or asthma.")
_TRAILING = re.compile(rf"[ \t]*(?P<run>{_JOINER}[ \t]*(?:[A-Za-z][\w'-]*)(?:[ \t]+[A-Za-z][\w'-]*){{0,2}}"
                       rf"(?:[ \t]*{_JOINER}[ \t]*(?:[A-Za-z][\w'-]*)(?:[ \t]+[A-Za-z][\w'-]*){{0,2}})*)[ \t]*(?=[.;\n]|$)", re.I)


def _list_items(text: str, cue_end: int, s: int, e: int, group: str, others: Sequence[tuple[int, int, str]]) -> tuple[int, bool]:
    """The items of the list a cue ending at ``cue_end`` opens, the finding at ``s:e`` among them -- the group's
    findings and the items the readers do not know, while they are joined as a list -- and whether "or", "nor",
    "/" or "and" closes it."""
    spans = sorted((a, b) for a, b, g in [*others, (s, e, group)] if a >= cue_end and g == group)
    count, closed, prev = (_unknown_run(text, cue_end, spans[0][0]) if spans else 0), False, None
    for a, b in spans:
        if prev is not None:
            gap = text[prev:a]
            n = 0 if (_OR_JOIN.match(gap) or _AND_JOIN.match(gap)) else _unknown_run(text, prev, a)
            if (n == 0 and not (_OR_JOIN.match(gap) or _AND_JOIN.match(gap))) or _A_VALUE.search(text, a, b):
                break
            closed, count = closed or _JOINED.search(gap) is not None, count + n
        elif _JOINED.search(text, cue_end, a):
            closed = True
        prev, count = b, count + 1
    tail = _TRAILING.match(text, prev) if prev is not None else None
    if tail and not _NOT_A_NAME.search(tail.group("run")) and not context_rules().neg.search(tail.group("run")):
        count += len(re.findall(_JOINER, tail.group("run"), re.I))
        closed = closed or _JOINED.search(tail.group("run")) is not None
    return count, closed
_A_VALUE = re.compile(r"\d{2,}|\d\.\d|\d\s*(?:%|mg|mmol|g\b)", re.I)  # "LDL 190", "A1c 7.2"; not "type 2"
_COMMA_ONLY = re.compile(r"^\s*,\s*$")
_CLOSING = re.compile(r"^\s*(?:,\s*)?(?:/|\bor\b|\bnor\b|\band/or\b|\band\b)", re.I)


def _closed(text: str, cue_end: int, s: int, e: int, group: str, others: Sequence[tuple[int, int, str]]) -> bool:
    """Is the list the finding at ``s:e`` belongs to closed by "or", "nor", "/" or "and" anywhere between the
    cue and its last item ("no ASCVD, diabetes or CKD", "no MI, stroke, or PAD")? A list of commas only
    ("no ASCVD, type 2 diabetes") may be a list or a negation followed by a new statement (held-out r69); three
    or more items after one cue are taken as a list ("no heart attack, stroke, PAD")."""
    items = sorted((a, b) for a, b, g in [*others, (s, e, group)] if a >= cue_end and g == group)
    prev = None
    count = 0
    for a, b in items:
        if prev is not None:
            gap = text[prev:a]
            if not (_OR_JOIN.match(gap) or _AND_JOIN.match(gap)) or _A_VALUE.search(text, a, b):
                break  # the list ended before this item ("no MI, stroke, LDL 190": the LDL is a statement)
            if _CLOSING.match(gap):
                return True
        prev, count = b, count + 1
    if count >= 3:
        return True  # three or more items after one cue ("no heart attack, stroke, PAD"): a list
    # closed by an item the readers do not know ("no ASCVD, hypertension or CKD"): "or"/"nor" after the last
    return prev is not None and _OR_AFTER.match(text, prev) is not None


#: how far (characters) before and after a finding its context is read: a cue or list that far away in one
#: "sentence" (a note with no full stops) is not the finding's, and each finding costs bounded work, so a long
#: repetitive note is read in time linear in its length (attack round 8, ReDoS)
REACH = 1500

_OR_AFTER = re.compile(r"\s*(?:,\s*)?(?:\bor\b|\bnor\b|\band/or\b)\s+\w", re.I)


def context_of(text: str, lo: int, hi: int, s: int, e: int, *, group: str = "", others: Sequence[tuple[int, int, str]] = (),
               family_section: bool = False, patient_words: Sequence[tuple[int, int]] = ()) -> Context:
    """The context of the finding at ``s:e`` (of ``group``, see :func:`group_of`) in the sentence ``lo:hi``;
    ``others`` are the other findings' spans and groups; ``patient_words`` the spans of a relative's name
    who is the patient ("my mom is 84 and has MDS"), which are no family cue."""
    r = context_rules()
    neg = False
    cue_start = None
    ambiguous = ""
    lo, hi = max(lo, s - REACH), min(hi, e + REACH)  # a "sentence" of thousands of characters: bounded work
    others = [o for o in others if lo <= o[1] and o[0] <= hi]
    start = _list_start(text, s, others)
    whose = _WHOSE_HISTORY.search(text, max(lo, start - 60), start)  # the cue's window counts before these words
    c = _last_cue(text, lo, s, r.neg, r, ended=False, inside=others, window_from=whose.start() if whose else start)
    scope = None if c is None else _in_scope(text, c.end(), s, e, group, others, r.end)
    if c is not None and scope is None:
        ambiguous = c.group(0)  # a comma-only list: the later items may or may not be negated (asked)
    if c is not None and scope:
        gap_text = text[c.end():s]
        gap = [w.lower() for w in _WORD.findall(gap_text)]
        extra = [w for w in gap if w not in r.filler]
        if not _QUANTIFIED.search(text, s, e) or not (extra or len(gap) > r.adjacent_words):
            neg, cue_start = True, c.start()
        elif not _AND.search(gap_text):  # "no response and Hb 4.3 mmol/L": a new statement, kept
            ambiguous = c.group(0)
    if not neg and (r.neg_after.match(text[e:min(hi, e + 30)]) or _FIELD_NO.match(text, e, min(len(text), e + 48))):
        neg = True
    hypo = _last_cue(text, lo, s, r.hypo, r, window=False) is not None
    if not hypo:
        for cond in r.conditional.finditer(text, lo, s):
            clause_end = r.end.search(text, cond.end(), hi)
            stop = clause_end.start() if clause_end else hi
            if r.conditional_needs.search(text, cond.end(), stop) and not r.end.search(text, cond.end(), s):
                hypo = True
    doubt = not neg and _uncertain(text, lo, hi, s, e, group, others, r)
    hist = _last_cue(text, lo, s, r.hist, r) is not None
    if neg and cue_start is not None and _PERSONAL_OR_FAMILY.search(text, cue_start, s):
        return Context(neg, hypo, hist, False, cue_start, ambiguous, doubt)
    fam = family_section or _family(text, lo, hi, s, e, r, patient_words)
    return Context(neg, hypo, hist, fam, cue_start, ambiguous, doubt)


#: a form's field answered in the negative, right after the field's name or after the rest of a "/"- or
#: "or"-joined label ("MTC/MEN2: none", "Pregnant: N/A (male)", "Hx MTC: N |"; held-out round 6 w47): the answer
#: must end the field (a short answer such as "no" or "N" followed by more words is not one)
_FIELD_NO = re.compile(r"(?:\s*(?:/|\bor\b|\band\b)\s*[^:|;\n]{1,30}?)?\s*:\s*(?:none|no|n|denies|denied|neg|negative|n/?a"
                       r"|not\s+applicable|nil|absent)(?=[ \t]*(?:[|;,.()\n]|$))", re.I)
#: "possible" / "probable" right after a finding and ending its clause ("Concurrent epoetin possible."); one followed
#: by another word opens the next finding instead ("IPSS-R low, possible del(5q)")
_POSSIBLE_AFTER = re.compile(r"[ \t]*(?:,[ \t]*)?(?:possible|probable|possibly|probably)[ \t]*(?=[.;)\n]|$)", re.I)
_QMARK_BEFORE = re.compile(r"(?:^|[\s,;(/])\?\s?$")  # "?MI", "? stroke"; not "qualify? MI" (a question's end)


def _uncertain(text: str, lo: int, hi: int, s: int, e: int, group: str, others: Sequence[tuple[int, int, str]],
               r: ContextRules) -> bool:
    """Is the finding at ``s:e`` stated with doubt? A "?" right before it (the sentence splitter ends a
    sentence at "?", so it is looked for before the sentence too), a doubt cue before it with the
    negation's scope (the first finding after it, on along a list; an unclosed comma list counts), or a
    doubt right after it ("MI in 2020 (never confirmed)")."""
    if _QMARK_BEFORE.search(text, max(0, s - 3), s):
        return True
    c = _last_cue(text, lo, s, r.unc, r, inside=others, window_from=_list_start(text, s, others), pseudo=r.unc_pseudo)
    if c is not None and _in_scope(text, c.end(), s, e, group, others, r.end) is not False:
        return True
    if any(c.start() < s < c.end() for c in r.unc.finditer(text, max(lo, s - 12), min(e, s + 12))):
        return True  # a cue whose last word opens the finding ("may continue Aranesp alongside": the rule reads "continue ...")
    if _POSSIBLE_AFTER.match(text, e, min(hi + 1, e + 20)):
        return True  # "Concurrent epoetin possible." (never "IPSS-R low, possible del(5q)": a forward cue there)
    after = r.unc_after.match(text[e:min(hi + 1, e + 40)])
    return after is not None and not (after.group(0).rstrip().endswith("?") and e + len(after.group(0)) >= hi)


_OPENS_AFTER = re.compile(r"\b(?:and|also)$", re.I)  # "SF3B1 not mutated and family history: mother with ..."


def _family(text: str, lo: int, hi: int, s: int, e: int, r: ContextRules,
            patient_words: Sequence[tuple[int, int]] = ()) -> bool:
    """Is the finding at ``s:e`` about a relative? A family cue reaches the findings after it up to the
    next terminator; when the sentence opens with it ("Family history: mother with MDS, no del(5q)"), the
    sentence is about the relative and commas and colons do not end it -- only a sentence end, a
    terminator word or a new subject ("..., but she has del(5q)"). A relative named right after the
    finding ("no del(5q) in her mother") makes it a relative's too."""
    if r.family_after.match(text[e:min(hi, e + 40)]):
        return True
    for c in r.family.finditer(text, lo, s):
        if any(p.start() <= c.start() < p.end() for p in r.family_pseudo.finditer(text, max(lo, c.start() - 20), c.end() + 20)):
            continue
        if any(a <= c.start() < b for a, b in patient_words):
            continue
        before = text[lo:c.start()].strip(" \t\r\n-*\u2022>")
        opens = not before or _OPENS_AFTER.search(before) is not None
        if opens and not r.family_end.search(text, c.end(), s):
            return True
        if not opens and s - c.end() <= r.window and not r.end.search(text, c.end(), s):
            return True
    return False


def ambiguous_items(items: list[Item], cue: str) -> list[Item]:
    """Findings whose negation scope is unclear, listed as not used (their criteria stay unknown)."""
    out: list[Item] = []
    for i in items:
        if isinstance(i, Finding):
            out.append(Unused(i.span, f"ambiguous: the negation '{cue}' earlier in the sentence may or may "
                                      f"not apply to it (state it again on its own)", i.fact, i.source))
        else:
            out.append(i)
    return out


def doubtful_items(items: list[Item]) -> list[Item]:
    """Findings stated with doubt ("?MI", "possible MI", "MI (never confirmed)"), listed as not used (their
    criteria stay unknown and are asked); a warning sign or contraindication (``keep_facts``) is kept."""
    rules = context_rules()
    return [_doubted(i, rules) if isinstance(i, Finding) else i for i in items]


#: a warning sign's modifier naming the drug said with doubt to be taken now ("doubted_drug:tirzepatide")
DOUBTED_DRUG = "doubted_drug:"

#: a treatment-history entry that may be running now: taking it, or a stop that is itself in doubt ("unclear
#: whether Leqvio was stopped")
_MAYBE_NOW = ("ongoing", "stopped")


def _doubted(item: Finding, rules: ContextRules) -> Item:
    """One finding stated with doubt: kept (``keep_facts``), read as its warning sign (``doubt_to``, only when
    the words say it is present; ``doubt_drug_to``, a drug doubted to be taken now), or listed as not used."""
    if item.fact in rules.unc_keep:
        return item
    if item.fact in rules.unc_to and item.value is True:
        return replace(item, fact=rules.unc_to[item.fact], note="stated with doubt")
    if item.fact == "medication_history" and isinstance(item.value, list):
        doubted = [str(e.get("drug", "")) for e in item.value if isinstance(e, dict) and e.get("response") in _MAYBE_NOW
                   and rules.unc_drug_to.get(str(e.get("drug", "")).lower())]
        signs = {rules.unc_drug_to[d.lower()] for d in doubted}
        if len(signs) == 1:
            drugs = ", ".join(str(e.get("drug")) for e in item.value if isinstance(e, dict))
            # which drugs: a doubt about the requested drug itself is no sign of another (ask.own_drug_doubt)
            return replace(item, fact=signs.pop(), value=True, unit=None, kind="stated",
                           note=f"{drugs} may be taken now (stated with doubt)",
                           modifiers=(*item.modifiers, *(DOUBTED_DRUG + d for d in doubted)))
    return Unused(item.span, "stated with doubt (possible, suspected, '?', not confirmed); not used", item.fact,
                  item.source)


def apply(rule: Rule, m: re.Match[str], ctx: Ctx, cx: Context) -> list[Item]:
    """Run ``rule``'s handler in context ``cx``; a finding with an ambiguous negation, or stated with doubt, is
    not used."""
    items = rule.handle(m, ctx)
    if cx.doubt:
        items = doubtful_items(items)
    return ambiguous_items(items, cx.ambiguous) if cx.ambiguous else items


def run_rules(text: str, rules: Iterable[Rule], *, source: str, as_of: dt.date,
              patient_words: Sequence[tuple[int, int]] = ()) -> list[Item]:
    """Run ``rules`` over ``text`` with the context engine; return every finding and unused item."""
    bounds = sentences(text)
    out: list[Item] = []
    matches = find_matches(text, rules)
    spans = [(mt.start, mt.end, group_of(mt.rule.name)) for mt in matches]
    for mt in matches:
        lo, hi = next(((a, b) for a, b in bounds if a <= mt.start < b), (0, len(text)))
        others = [sp for sp in spans if lo <= sp[0] < hi and sp[:2] != (mt.start, mt.end)]
        cx = context_of(text, lo, hi, mt.start, mt.end, group=group_of(mt.rule.name), others=others,
                        patient_words=patient_words)
        ctx = Ctx(text, lo, hi, source, as_of, cx.negated, cx.hypothetical, cx.historical, cx.family,
                  cue_start=cx.cue_start)
        out.extend(apply(mt.rule, mt.m, ctx, cx))
    return out
