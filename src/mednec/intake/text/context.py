"""A small ConText for short texts (questions), and the regex runner that uses it.

Questions are a sentence or two, so loading spaCy for them would cost more than the whole
budget (20 ms). This module gives the same four flags medspaCy's ConText gives on notes --
negated, hypothetical, historical, family -- from cue words before (or, for negation, just
after) a match, within its clause:

* a clause ends at ``. ; ! ?``, a newline, a comma, or "but / however / although / and has";
  "or" does not end it ("no del(5q) or -7" negates both);
* a cue must end at most 48 characters before the match and must not overlap it (the rule
  itself reads words such as "SF3B1 negative" inside its match);
* hypothetical needs counterfactual wording: "what if", "suppose", "assuming", or "if" with
  "were / would / had been / could" later in the clause. A plain "if the patient has X" states
  the case the asker wants evaluated, so it is *not* hypothetical.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import NamedTuple

from mednec.intake.text.rules import Ctx, Item, Rule

__all__ = ["Match", "find_matches", "run_rules", "sentences"]

_NEG = re.compile(r"\b(?:no|not|without|denies|denied|denying|negative\s+for|never|absence\s+of|free\s+of|ruled\s+out|rules\s+out|lacks?|lacking)\b", re.I)  # noqa: E501
_NEG_AFTER = re.compile(r"^\s*(?:is\s+|was\s+|were\s+|are\s+)?(?:absent|not\s+(?:detected|present|seen|found|identified)|negative|ruled\s+out)\b", re.I)  # noqa: E501
_HYPO = re.compile(r"\b(?:what\s+if|suppose|supposing|assuming|hypothetically|in\s+case|if\b(?=[^.;?!\n]*\b(?:were|would|had\s+been|could)\b))", re.I)  # noqa: E501
_HIST = re.compile(r"\b(?:history\s+of|prior|previous(?:ly)?|past|formerly)\b", re.I)
_FAMILY = re.compile(r"\b(?:family\s+history|mother|father|brother|sister|sibling|son|daughter|aunt|uncle)\b", re.I)
_END = re.compile(r"[.;!?\n,]|\b(?:but|however|although|though|whereas|while|and\s+(?:has|is|was|had|her|his|the|a|an|sf3b1|hb|epo))\b", re.I)  # noqa: E501
_HYPO_END = re.compile(r"[.;!?\n,]", re.I)
_SENT = re.compile(r"[^.?!;\n]+(?:[.?!;]+|\n|$)")
_WINDOW = 48


class Match(NamedTuple):
    start: int
    end: int
    rule: Rule
    m: re.Match[str]


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence bounds: split at . ? ! ; and newlines, keeping decimals ("8.1") together."""
    out: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in "?!;\n" or (ch == "." and not (0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())  # noqa: E501
                             and not text[max(0, i - 3):i].lower().endswith(("mr", "mrs", "ms", "dr", "vs"))):
            if i + 1 > start:
                out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return out or [(0, len(text))]


def find_matches(text: str, rules: Iterable[Rule]) -> list[Match]:
    """Every rule's matches, overlaps pruned: the longest match wins (as medspaCy prunes)."""
    cands = [Match(m.start(), m.end(), r, m) for i, r in enumerate(rules) for m in r.regex.finditer(text) if m.end() > m.start()]  # noqa: E501
    cands.sort(key=lambda c: (c.start - c.end, c.start))
    taken: list[Match] = []
    for c in cands:
        if all(c.end <= t.start or c.start >= t.end for t in taken):
            taken.append(c)
    return sorted(taken, key=lambda c: c.start)


def _before(text: str, lo: int, s: int, cue: re.Pattern[str], end: re.Pattern[str]) -> int | None:
    """Start of the last cue before ``s`` whose scope reaches ``s``, or None."""
    window_lo = max(lo, s - _WINDOW)
    found = None
    for c in cue.finditer(text, window_lo, s):
        if not end.search(text, c.end(), s):
            found = c.start() if found is None else found
    return found


def flags(text: str, lo: int, hi: int, s: int, e: int) -> tuple[bool, bool, bool, bool, int | None]:
    """(negated, hypothetical, historical, family, negation cue start) for the match at s:e in lo:hi."""
    cue = _before(text, lo, s, _NEG, _END)
    negated = cue is not None or bool(_NEG_AFTER.match(text[e:min(hi, e + 30)]))
    hypo = any(c.end() <= s and not _HYPO_END.search(text, c.end(), s) for c in _HYPO.finditer(text, lo, hi))
    hist = _before(text, lo, s, _HIST, _END) is not None
    family = _before(text, lo, s, _FAMILY, _END) is not None
    return negated, hypo, hist, family, cue


def run_rules(text: str, rules: Iterable[Rule], *, source: str, as_of: dt.date) -> list[Item]:
    """Run ``rules`` over ``text`` with the small ConText; return every finding and unused item."""
    bounds = sentences(text)
    out: list[Item] = []
    for mt in find_matches(text, rules):
        lo, hi = next(((a, b) for a, b in bounds if a <= mt.start < b), (0, len(text)))
        neg, hypo, hist, fam, cue = flags(text, lo, hi, mt.start, mt.end)
        ctx = Ctx(text, lo, hi, source, as_of, neg, hypo, hist, fam, cue_start=cue)
        out.extend(mt.rule.handle(mt.m, ctx))
    return out
