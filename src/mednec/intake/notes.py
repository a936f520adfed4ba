"""Clinical notes -> the case format, on medspaCy, with the note's character spans as provenance.

The pipeline is rule-based only (no model is downloaded or loaded)::

    mednec_lines (sentences: a line or a sentence) -> medspacy_target_matcher -> medspacy_context

* **Targets** are the same rules the question reader uses (:func:`mednec.intake.question.all_rules`),
  each handed to medspaCy as ``TargetRule(name, name, pattern=regex)``; the rule's handler then
  reads the value from the matched text.
* **ConText** is the one engine questions use (:mod:`mednec.intake.text.context`, cues in
  ``context_rules.yaml``): each target is marked negated, historical, hypothetical or family-related
  within its sentence, with the same scope rules (a cue binds to the nearest finding; a finding with
  its own number is negated only by a cue right before it, else listed "not used: ambiguous").
  Negation turns "no del(5q)" into ``del5q: false``; a hypothetical ("if Hb falls below 8,
  transfuse") and a family mention are not used. A "Family history:" section is family history
  throughout, so "No family history of MDS" never touches the patient's own diagnosis.
* **Sentences** come from a small component that splits at line ends and sentence punctuation:
  notes are mostly lines ("Hgb 8.1 g/dL", "Karyotype: 46,XY[20]"), and PyRuSH took ~450 ms on
  a two-page note where this takes under 1 ms.
* **Lab tables** with a header line of dates are read cell by cell, each value dated by its column
  (:mod:`mednec.intake.text.tables`).
* **Dates**: a value takes the date on its own line, else the nearest dated line above it in the
  same block ("BONE MARROW (2026-09-15):"), else the note's date ("Date of service: ...").
  Transfusion rates and ESA courses are anchored on the note's date.

spaCy and medspaCy are imported on first use and the pipeline is built once per process
(:func:`pipeline`), so ``mednec evaluate`` never pays for them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import Any

from mednec.facts.dictionary import FactDictionary
from mednec.hygiene import check_text
from mednec.intake.case_file import read_input
from mednec.intake.question import Understanding, all_rules, dedupe, requested_drug
from mednec.intake.text.assemble import assemble
from mednec.intake.text.context import (
    REACH,
    Context,
    ambiguous_items,
    context_of,
    context_rules,
    doubtful_items,
    group_of,
)
from mednec.intake.text.drugs import find_drugs
from mednec.intake.text.model import DrugMention, Finding, Unused
from mednec.intake.text.numbers import find_dates
from mednec.intake.text.rules import Ctx, Item, Rule
from mednec.intake.text.tables import lab_tables, pipe_medications, pipe_transfusions, unpipe, weight_tables
from mednec.policies.loader import Catalog

__all__ = ["load_note", "note_date", "pipeline", "read_note", "warm"]

_ANCHORED = frozenset({"ESA", "TRANSFUSION", "TRANSFUSION_RATE", "ESA_INELIGIBLE", "CONCURRENT_ESA", "SYMPTOMATIC",
                       "IMMEDIATE_CORRECTION", "AGE", "SEX", "BIRTH_DATE", "DIAGNOSIS", "OTHER_CONDITION",
                       "TREATMENT", "TRANSFUSION_DATED", "TRANSFUSION_DATED_MD_FIRST", "TRANSFUSION_AGO"})
# a treatment course is anchored on the note's date, as the ESA reader's is; so are transfusions dated without a
# year or by their distance ("2u 10/14", "2 units 3 weeks ago"): the date of another statement on the line or a
# dated lab line above is no anchor for them (held-out round 8 sn01, sn02; a line's own heading date still is)
# one line's words (``[ \t]``): "CLINIC NOTE\nDate of service:" is not "note date" across the line break
_NOTE_DATE = re.compile(r"(?:date[ \t]+of[ \t]+(?:service|visit|note)|visit[ \t]+date|encounter[ \t]+date|note[ \t]+date|seen[ \t]+on|\bdate)[ \t]*:?[ \t]*", re.I)  # noqa: E501
_PLAN = re.compile(r"\b(?:plan|request(?:ed|ing)?|recommend(?:ed|ation)?|start(?:ing)?|initiat(?:e|ing)|begin|prior\s+auth\w*|"  # noqa: E501
                   r"PA\s+for|propose[ds]?|would\s+like\s+to\s+(?:start|give)|candidate\s+for)\b", re.I)


_LIST_START = re.compile(r"^\s*(?:[-•*]\s|\d{1,2}[.)]\s|[A-Za-z][\w /()-]{0,30}:)")


def _breaks_line(text: str, nl: int) -> bool:
    """Does the newline at ``nl`` end a sentence? Yes after a short, punctuated or header line, before a
    list item or "Label:" line, and at a blank line; no inside wrapped prose."""
    prev_start = text.rfind("\n", 0, nl) + 1
    prev = text[prev_start:nl].rstrip()
    nxt_end = text.find("\n", nl + 1)
    nxt = text[nl + 1:nxt_end if nxt_end >= 0 else len(text)]
    if not prev or not nxt.strip() or len(prev) < 60 or prev[-1] in ".:;!?)" or prev.isupper():
        return True
    return bool(_LIST_START.match(nxt))


def _line_sentences(doc: Any) -> Any:
    """Sentence starts after . ! ? and after a newline that ends a line of its own (a spaCy component)."""
    n = len(doc)
    if not n:
        return doc
    doc[0].is_sent_start = True
    text = doc.text
    for i, t in enumerate(tok.text for tok in doc):
        if i + 1 >= n:
            break
        if t in (".", "!", "?") or "\n" in t and _breaks_line(text, doc[i].idx + t.index("\n")):
            doc[i + 1].is_sent_start = True
    if n > 1 and doc[1].is_sent_start is None:  # mark the annotation as set even for a one-sentence text
        doc[1].is_sent_start = False
    return doc


class _Tokenizer:
    """Words, numbers ("8.1", "40,000"), single punctuation marks, and whitespace other than one space.

    The rules match on the raw text; tokens only align matches and scope ConText, so a regex split
    that builds the ``Doc`` directly is enough, and ~10x faster than spaCy's rule tokenizer here.
    """

    _RX = re.compile(r"\s+|\w+(?:[.,]\d+)*|[^\w\s]")

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        words: list[str] = []
        spaces: list[bool] = []
        for m in self._RX.finditer(text):
            t = m.group(0)
            if t.isspace():
                if words and not spaces[-1] and t[0] == " ":
                    spaces[-1] = True
                    t = t[1:]
                if not t:
                    continue
            words.append(t)
            spaces.append(False)
        return Doc(self.vocab, words=words, spaces=spaces)


def _one_text_regex_matcher(target_matcher: Any) -> None:
    """Make medspaCy's regex matcher read ``doc.text_with_ws`` once per document, not once per pattern.

    medspaCy 1.3.1 rebuilds the text for each of the ~30 patterns (about 4 ms each on a two-page
    note). The replacement keeps its behaviour (matches expanded to token boundaries) and is
    installed only when the private attributes are where 1.3.1 keeps them.
    """
    from medspacy.common.regex_matcher import RegexMatcher  # type: ignore[import-untyped]

    inner = getattr(target_matcher, "_TargetMatcher__matcher", None)
    regex = getattr(inner, "_MedspacyMatcher__regex_matcher", None)
    if type(regex) is not RegexMatcher:
        return

    class OneTextRegexMatcher(RegexMatcher):  # type: ignore[misc]
        def __call__(self, doc: Any) -> list[tuple[int, int, int]]:
            text = doc.text_with_ws
            out = []
            for match_id, patterns in self._patterns.items():
                for pattern in patterns:
                    for m in pattern.finditer(text):
                        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                        if span is not None and len(span):
                            out.append((match_id, span.start, span.end))
            return out

    regex.__class__ = OneTextRegexMatcher


@cache
def pipeline(catalog: Catalog) -> tuple[Any, dict[str, Rule]]:
    """The medspaCy pipeline with mednec's target and context rules (built once per process)."""
    from loguru import logger

    logger.disable("PyRuSH")
    import medspacy  # type: ignore[import-untyped]
    from medspacy.ner import TargetRule  # type: ignore[import-untyped]
    from spacy.language import Language

    if not Language.has_factory("mednec_lines"):
        Language.component("mednec_lines", func=_line_sentences)
    nlp = medspacy.load(enable=["medspacy_target_matcher"])
    for name in ("medspacy_pyrush", "medspacy_context"):  # load() adds PyRuSH even when not enabled
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    nlp.tokenizer = _Tokenizer(nlp.vocab)
    nlp.add_pipe("mednec_lines", first=True)
    # targets go to a span group: setting doc.ents one span at a time is quadratic
    matcher = nlp.get_pipe("medspacy_target_matcher")
    matcher.result_type = "group"
    rules = {r.name: r for r in all_rules(catalog)}
    matcher.add([TargetRule(r.name, r.name, pattern=r.pattern) for r in rules.values()])
    _one_text_regex_matcher(matcher)
    context_rules()  # compiled once, with the pipeline
    return nlp, rules


def warm(catalog: Catalog) -> bool:
    """Build the note pipeline now (once per process) so the first note read pays nothing; False when
    the notes extra (spaCy, medspaCy) is not installed."""
    import importlib.util

    if importlib.util.find_spec("medspacy") is None:
        return False
    pipeline(catalog)
    return True


def note_date(text: str) -> dt.date | None:
    """The note's own date: after "Date of service:", "Date:", ... else a date in the first 5 lines that heads
    the note (``_heads_note``). Otherwise none: the first date met is as often a date of birth, a referral or
    an old event (held-out hn16-hn23), and a wrong note date misdates every relative or undated value."""
    for m in _NOTE_DATE.finditer(text):
        found = find_dates(text, m.end(), min(len(text), m.end() + 25))
        if found and found[0][0] == m.end():
            return found[0][2]
    head_end = 0
    for _ in range(5):
        nxt = text.find("\n", head_end + 1)
        head_end = len(text) if nxt < 0 else nxt
    found = [d for d in find_dates(text, 0, head_end) if _heads_note(text, d[0], d[1])]
    return found[0][2] if found else None


# what a note's heading date follows on its line: the kind of note or event ("Progress note 11/19/2026",
# "SLEEP MEDICINE CONSULT 11/18/2026", "Collected: 11/03/2026", "Admit: 11/02/2026", "Visit 2026-11-19")
_NOTE_KIND = re.compile(r"\b(?:notes?|visit|consult\w*|follow[- ]?up|f/u|clinic|report(?:ed)?|collected|admi(?:t|tted|ssion)|"
                        r"discharged?|encounter|progress|letter|summary|assessment|evaluation|review|today)\b", re.I)
_BIRTH = re.compile(r"\b(?:DOB|D\.O\.B|born|birth\w*)\b", re.I)
_AFTER_ALONE = re.compile(r"[\s.,;:)\]-]*(?:\d{1,2}:\d{2}(?:\s*[AP]M)?)?[\s.]*", re.I)


def _heads_note(text: str, start: int, end: int) -> bool:
    """The date at ``start:end`` is the note's own: either alone on its line ("November 18, 2026"), or after
    nothing but a short heading naming the note ("Hematology progress note -- 2026-11-18"), never after a
    date-of-birth cue or other numbers ("DOB 1/9/1970", "STEMI 04/2025", "metformin ... 03/2025")."""
    lo, hi = _line_bounds(text, start)
    before, after = text[lo:start], text[end:hi]
    if re.fullmatch(r"[\W_]*", before) and _AFTER_ALONE.fullmatch(after):
        return True
    return (len(before) <= 60 and not re.search(r"\d", before) and not _BIRTH.search(before)
            and _NOTE_KIND.search(before) is not None)


_HEADER = re.compile(r"^\s*(?:[A-Z0-9 /&,()\-:.]{3,}|[^.]{0,60}[:)]\s*)$")


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    lo = text.rfind("\n", 0, pos) + 1
    hi = text.find("\n", pos)
    return lo, len(text) if hi < 0 else hi


def _value_date(text: str, s: int, e: int, default: dt.date | None) -> dt.date | None:
    """The date on the value's line (nearest, preferring one before it), else the block's dated line."""
    lo, hi = _line_bounds(text, s)
    # one line of a whole note: a date that far is not the value's, and each value costs bounded work
    on_line = find_dates(text, max(lo, s - REACH), min(hi, e + REACH))
    if on_line:  # the nearest date on the line; a date just before wins a tie
        return min(on_line, key=lambda d: (s - d[1]) if d[1] <= s else (d[0] - e) + 0.5)[2]
    pos = lo - 1
    for _ in range(15):
        if pos <= 0:
            break
        plo, phi = _line_bounds(text, pos)
        line = text[plo:phi]
        if not line.strip():
            break
        if phi - plo > REACH:  # a line that long is no dated header: not read
            pos = plo - 1
            continue
        found = find_dates(text, plo, phi)
        if found and _HEADER.match(line):
            return found[0][2]
        pos = plo - 1
    return default


_SECTION = re.compile(r"^[ \t]*(?P<h>[A-Za-z][A-Za-z /&()-]{2,40}?|FH|Fh)[ \t]*:[ \t]*(?P<inline>\S?)", re.M)


def sections(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-case header) of each section: a "Header:" alone on its line runs to the next
    header or blank line; "Header: text" on one line covers that line."""
    out: list[tuple[int, int, str]] = []
    heads = list(_SECTION.finditer(text))
    for i, m in enumerate(heads):
        if m.group("inline"):
            end = text.find("\n", m.start())
        else:
            nxt = heads[i + 1].start() if i + 1 < len(heads) else len(text)
            blank = re.compile(r"\n[ \t]*\n").search(text, m.end())
            end = min(nxt, blank.start() if blank else len(text))
        out.append((m.start(), len(text) if end < 0 else end, " ".join(m.group("h").lower().split())))
    return out


def _family_section(text: str, secs: list[tuple[int, int, str]], pos: int) -> bool:
    """Is ``pos`` in a family-history section: a "Family history:" header, or the abbreviation "FH:" when
    the section names a relative ("FH: mother HTN, father T2DM, MI at 68") -- "FH: LDLR variant" is
    familial hypercholesterolemia, not a family history."""
    r = context_rules()
    for a, b, h in reversed(secs):
        if a <= pos < b:
            if h.startswith(r.family_sections):
                return True
            return h == "fh" and r.family.search(text, a, b) is not None
    return False


def _ctx_for(ent: Any, text: str, rule: Rule, source: str, as_of: dt.date, date0: dt.date | None,
             sents: list[tuple[int, int, int]], cx: Context) -> Ctx:
    # a value takes its own line's or block's date; a value in prose has none (an older-looking
    # statement must not outrank a dated lab), while histories are anchored on the note's date
    lo, hi = _line_bounds(text, ent.start_char)
    table = len(text[lo:hi].strip()) <= 90 and ". " not in text[lo:hi].strip()  # a report line, not prose
    date = date0 if rule.name in _ANCHORED else _value_date(text, ent.start_char, ent.end_char, date0 if table else None)  # noqa: E501
    i = bisect.bisect_right(sents, (ent.start, 1 << 30, 0)) - 1
    _, sent_start, sent_end = sents[i]
    return Ctx(text, sent_start, sent_end, source, as_of, negated=cx.negated, hypothetical=cx.hypothetical,
               historical=cx.historical, family=cx.family, date=date, cue_start=cx.cue_start)


def read_note(text: str, catalog: Catalog, dictionary: FactDictionary, as_of: dt.date, *,
              name: str = "note") -> Understanding:
    """Read a clinical note: every fact with the note's character span, date and context."""
    nlp, rules = pipeline(catalog)
    source = f"note {name}"
    piped = pipe_transfusions(text, source)
    meds = pipe_medications(text, source, catalog.calculators.drugs)
    text = unpipe(text)  # "| Hgb | 7.9 | g/dL |" reads as "Hgb 7.9 g/dL" (offsets kept)
    date0 = note_date(text)
    if date0 is not None and date0 > as_of:  # a note dated after the evaluation date anchors nothing
        date0 = None
    doc = nlp(text)
    sents = [(sp.start, sp.start_char, sp.end_char) for sp in doc.sents]  # ent.sent rescans the doc each time
    items: list[Item] = []
    nlp_matcher = nlp.get_pipe("medspacy_target_matcher")
    ents = sorted(doc.spans.get(nlp_matcher.span_group_name, []), key=lambda sp: sp.start_char)
    spans = [(sp.start_char, sp.end_char, group_of(sp.label_)) for sp in ents]
    starts = [sp[0] for sp in spans]
    secs = sections(text)
    for ent in ents:
        rule = rules[ent.label_]
        # re-read the match for its groups; right context is kept so lookaheads see what medspaCy saw
        m = rule.regex.search(text, ent.start_char, min(len(text), ent.end_char + 80))
        if m is None or m.start() >= ent.end_char:
            continue
        i = bisect.bisect_right(sents, (ent.start, 1 << 30, 0)) - 1
        _, lo, hi = sents[i]
        near = spans[bisect.bisect_left(starts, max(lo, ent.start_char - 2 * REACH)):
                     bisect.bisect_left(starts, min(hi, ent.end_char + 2 * REACH))]  # context_of reads REACH either side
        others = [sp for sp in near if lo <= sp[0] < hi and sp[:2] != (ent.start_char, ent.end_char)]
        in_family = _family_section(text, secs, ent.start_char)
        cx = context_of(text, lo, hi, m.start(), m.end(), group=group_of(ent.label_), others=others,
                        family_section=in_family)
        ctx = _ctx_for(ent, text, rule, source, as_of, date0, sents, cx)
        found = rule.handle(m, ctx)
        if cx.doubt:
            found = doubtful_items(found)
        items.extend(ambiguous_items(found, cx.ambiguous) if cx.ambiguous else found)
    items = _with_tables(items, text, source, piped)
    if meds:  # a medication table's rows: each drug's start and stop from its columns, not the rules' reading
        rows = [(f.span.start, f.span.end, {str(e["drug"]) for e in f.value}) for f in meds]
        items = [i for i in items if not (isinstance(i, Finding) and i.fact == "medication_history" and any(
            a <= i.span.start < b and {str(e.get("drug")) for e in i.value} & drugs for a, b, drugs in rows))] + list(meds)
    findings = [i for i in items if isinstance(i, Finding)]
    unused = [i for i in items if isinstance(i, Unused)]
    drugs, _ = requested_drug(find_drugs(text, catalog), findings, unused)
    drug = planned_drug(text, drugs)
    asm = assemble(findings, unused, dictionary, as_of)
    # a note is full of numbers that are not facts (reference ranges, doses), so leftovers are not listed
    return Understanding(
        text=text, source=source, as_of=as_of, case=asm.case, findings=tuple(findings), facts=asm.used,
        unused=dedupe(asm.unused), conflicts=asm.conflicts, drugs=tuple(drugs), drug=drug, intent="necessity",
    )


def _with_tables(items: list[Item], text: str, source: str, piped: list[Finding]) -> list[Item]:
    """The items with a dated lab table's rows read per dated column (not by the rule that sees its first
    value) and a pipe-table transfusion log's rows as its dated transfusions (a rule may have read a row's
    number alone)."""
    tables = lab_tables(text, source)
    if tables:
        table_facts = {f.fact for t in tables for f in t.findings}
        items = [i for i in items if not (isinstance(i, Finding) and i.fact in table_facts
                                          and any(t.start <= i.span.start < t.end for t in tables))]
        items += [f for t in tables for f in t.findings]
    weights = weight_tables(text, source)
    if weights:  # a dated weight list's rows: its pre-drug and latest weights, not each row's weight alone
        given = {f.fact for t in weights for f in t.findings}
        items = [i for i in items if not (isinstance(i, Finding) and i.fact in given
                                          and any(t.start <= i.span.start < t.end for t in weights))]
        items += [f for t in weights for f in t.findings]
    if piped:
        items = [i for i in items if not (isinstance(i, Finding) and i.fact == "rbc_transfusions"
                                          and any(p.span.start <= i.span.start < p.span.end for p in piped))]
        items += piped
    return items


_REQUEST = re.compile(r"\b(?:request(?:ed|ing)?|prior\s+auth\w*|PA\s+for|authori[sz]\w+|approval|funding|coverage\s+of)\b"
                      r"|^\s*(?:medication|drug|requested\s+(?:drug|medication)|drug\s+requested)\s*:", re.I | re.M)
_NEG_BEFORE = re.compile(r"\b(?:not|no|never|without|nor|declined?|stopp\w+|discontinu\w+)\b[^.;\n]{0,40}$", re.I)


def planned_drug(text: str, drugs: list[DrugMention]) -> DrugMention | None:
    """The drug the note requests: a pack drug on a request line, else on a plan line; not a negated one."""
    best: tuple[int, int, DrugMention] | None = None
    for i, d in enumerate(drugs):
        if not d.policy_id or d.consumed:
            continue
        lo, hi = _line_bounds(text, d.span.start)
        line = text[lo:hi]
        if _NEG_BEFORE.search(text[lo:d.span.start]):
            continue
        score = 2 if _REQUEST.search(line) else 1 if _PLAN.search(line) else 0
        score = score * 2 + (d.how != "class")
        if score >= 2 and (best is None or score > best[0]):
            best = (score, -i, d)
    return best[2] if best else None


def load_note(path: Path) -> str:
    """Read a note file as UTF-8 text, with a clear error."""
    text = read_input(path)
    check_text(text, str(path))
    return text
