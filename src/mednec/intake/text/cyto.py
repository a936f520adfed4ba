"""Cytogenetics, mutation, risk and diagnosis rules.

Karyotypes written in ISCN ("46,XY,del(5)(q13q33)[18]/46,XY[2]") are read by the shared ISCN
parser (:func:`mednec.calculators.karyotype.parse_karyotype`, the one case files use) into the
facts the policies use: karyotype normal/abnormal, del(5q), a chromosome 7 abnormality (-7 or
del(7q)), the number of abnormalities besides del(5q), and the IPSS-R cytogenetic group (marked
``inferred``). Karyotypes in words ("normal karyotype", "del(5q) plus trisomy 8") are read here.
"""

# ruff: noqa: E501  (regex tables read best one alternative per line, unbroken)

from __future__ import annotations

import re
from functools import cache

from mednec.calculators.karyotype import KaryotypeError, karyotype_facts, parse_karyotype
from mednec.facts import icd10
from mednec.intake.text.numbers import number
from mednec.intake.text.rules import Ctx, Item, Rule, g
from mednec.intake.values import code_qualified
from mednec.policies.loader import Catalog

__all__ = ["cyto_rules", "diagnosis_rules"]

_RISK_NOTE = "IPSS-R cytogenetic group from the karyotype (Greenberg 2012)"


def _h_iscn(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """An ISCN karyotype, read by the shared parser (:mod:`mednec.calculators.karyotype`) into the facts
    the policies use; a karyotype it cannot read is listed as not used, naming the part."""
    if ctx.hypothetical or ctx.family:
        return []
    s, e = m.start(), m.end()
    try:
        k = parse_karyotype(m.group(0))
    except KaryotypeError as exc:
        return [ctx.unused(f"karyotype not read: {exc}", s, e, "karyotype")]
    facts = karyotype_facts(k)
    out: list[Item] = [ctx.finding("karyotype", facts["karyotype"], s, e, note=k.describe())]
    out.append(ctx.finding("del5q", k.del5q, s, e, kind="stated" if k.del5q else "inferred",
                           note="" if k.del5q else "the karyotype lists no del(5q)"))
    chr7 = facts["chromosome7_abnormality"]
    out.append(ctx.finding("chromosome7_abnormality", chr7, s, e, kind="stated" if chr7 else "inferred",
                           note="" if chr7 else "the karyotype lists no -7 or del(7q)"))
    out.append(ctx.finding("additional_cytogenetic_abnormalities", facts["additional_cytogenetic_abnormalities"], s, e,
                           unit="count", kind="inferred", note=f"abnormalities besides del(5q): {k.other_abnormalities}"))
    if "cytogenetic_risk" in facts:
        out.append(ctx.finding("cytogenetic_risk", facts["cytogenetic_risk"], s, e, kind="inferred",
                               note=f"{_RISK_NOTE}: {k.group_reason}"))
    else:
        out.append(ctx.unused(f"IPSS-R cytogenetic group not assigned: {k.group_problem}", s, e, "cytogenetic_risk"))
    return out


def _h_karyotype_word(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return []
    adj = (g(m, "k1", "k2") or "").lower()
    s, e = m.start(), m.end()
    normal = adj in ("normal", "nml", "diploid", "unremarkable")
    if ctx.negated:
        normal = not normal
    out: list[Item] = [ctx.finding("karyotype", "normal" if normal else "abnormal", s, e)]
    if normal:
        note = "a normal karyotype has no {}"
        out += [
            ctx.finding("del5q", False, s, e, kind="inferred", note=note.format("del(5q)")),
            ctx.finding("chromosome7_abnormality", False, s, e, kind="inferred",
                        note=note.format("chromosome 7 abnormality")),
            ctx.finding("cytogenetic_risk", "good", s, e, kind="inferred",
                        note="IPSS-R places a normal karyotype in the good group (Greenberg 2012)"),
        ]
    elif adj == "complex":
        out.append(ctx.unused("complex karyotype: the number of abnormalities decides the IPSS-R group; "
                              "cytogenetic group not set", s, e, "cytogenetic_risk"))
    return out


# A status written after a binary finding ("del(5q) negative", payer shorthand "del5q neg", "-ve",
# "(-)"; "SF3B1 pos", "+ve", "(+)"): one vocabulary for every such finding's rule
_STATUS = (r"(?:not\s+detected|not\s+present|not\s+seen|not\s+identified|negative|neg|absent|none|present|detected"
           r"|positive|pos)\b\.?|[-+]ve\b|\(\s*[-+]\s*\)")
_NEG_STATUS = re.compile(r"(?:not\b|neg|absent|none|-ve|\(\s*-)", re.I)


def negative_status(st: str) -> bool:
    """True when a status written after a finding says it is absent ("neg", "-ve", "(-)", "not detected")."""
    return bool(_NEG_STATUS.match(st.strip()))


_ABN_WORD = (r"(?:trisomy\s*8|\+\s*8|monosomy\s*7|-7|del\s*\(?\s*(?:7|20|11|12)\s*[pq]\s*\)?|i\s*\(\s*17\s*q\s*\)"
             r"|(?:one|1|a\s+single|an?)\s+(?:additional|other)\s+(?:cytogenetic\s+)?abnormality)")
_ONE_ABN = re.compile(_ABN_WORD, re.I)
_MORE_ABN = re.compile(rf"\s*,?\s*(?:plus|with|and|\+|along\s+with)\s+{_ABN_WORD}(?:\s*(?:,|and|plus|\+)\s*{_ABN_WORD})*", re.I)


ISO_AFTER = r"[\s,(-]*(?P<iso2>isolated|alone|only|(?:as\s+the\s+)?(?:sole|only|single)\s+(?:cytogenetic\s+)?abnormality)\b"
_ISO_AFTER = re.compile(ISO_AFTER.replace("?P<iso2>", "?:"), re.I)


def _h_del5q(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "del5q")]
    st = (m.group("st") or "").lower()
    present = not (ctx.negated or m.group("non") or negative_status(st))
    out: list[Item] = [ctx.finding("del5q", present, m.start(), m.end())]
    iso = m.group("iso") or m.group("iso2")
    more = _MORE_ABN.match(ctx.text, m.end(), ctx.sent_end) if present and not iso else None
    if more:  # "del 5q plus trisomy 8": abnormalities besides del(5q), named in words
        n = len(_ONE_ABN.findall(more.group(0)))
        out.append(ctx.finding("additional_cytogenetic_abnormalities", float(n), m.start(), more.end(), unit="count",
                               kind="inferred", note=f"abnormalities named besides del(5q): {n}"))
    if present and iso:  # "isolated 5q deletion", "del(5q) alone": the only abnormality
        note = "isolated del(5q) is the only cytogenetic abnormality"
        out.append(ctx.finding("additional_cytogenetic_abnormalities", 0.0, m.start(), m.end(), unit="count",
                               kind="inferred", note=note))
        out.append(ctx.finding("chromosome7_abnormality", False, m.start(), m.end(), kind="inferred", note=note))
    return out


def _h_chr7(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return []
    present = not ctx.negated
    out: list[Item] = [ctx.finding("chromosome7_abnormality", present, m.start(), m.end())]
    if present:
        out.append(ctx.finding("karyotype", "abnormal", m.start(), m.end(), kind="inferred",
                               note="a chromosome 7 abnormality makes the karyotype abnormal"))
    return out


_SF_NEG = ("not", "neg", "wild", "wt", "absent", "unmut", "none", "no ")


def _h_sf3b1(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "sf3b1_mutation")]
    st = (g(m, "st") or "").lower()
    if not (st or g(m, "mu", "mu2", "pre", "var") or ctx.negated):
        return [ctx.unused("SF3B1 named without a status (mutated or wild-type); not used", m.start(), m.end(),
                           "sf3b1_mutation")]
    negative = ctx.negated or st.startswith(_SF_NEG) or negative_status(st)
    return [ctx.finding("sf3b1_mutation", not negative, m.start(), m.end())]


# ---- risk categories -----------------------------------------------------------------------

_CAT = r"very[\s-]+low|very[\s-]+high|v[\s.-]*l\b|v[\s.-]*h\b|low|lo(?=[\s-]+risk)|high|intermediate(?:[\s-]*(?:1|2|i{1,2}|one|two)\b)?|int[\s-]*(?:1|2)\b|int\b"
_SYS_R = r"ipss[\s-]*r\b|r[\s-]*ipss\b|revised\s+ipss\b|revised\s+international\s+prognostic\s+scoring\s+system"
_SYS_I = r"ipss\b(?![\s-]*[rm]\b)|international\s+prognostic\s+scoring\s+system(?!\s*-?\s*[rm]\b)"


def _category(raw: str) -> tuple[str, str | None]:
    """(system hint, key) of a category word: ('ipss', 'intermediate_1') for 'int-1'."""
    t = re.sub(r"[\s.-]+", " ", raw.lower()).strip()
    t = {"vl": "very low", "v l": "very low", "vh": "very high", "v h": "very high"}.get(t, t)  # payer shorthand "IPSS-R VL"
    if re.fullmatch(r"(?:intermediate|int) ?(?:1|i|one)", t):
        return "ipss", "intermediate_1"
    if re.fullmatch(r"(?:intermediate|int) ?(?:2|ii|two)", t):
        return "ipss", "intermediate_2"
    key = {"very low": "very_low", "low": "low", "lo": "low", "intermediate": "intermediate", "int": "intermediate",
           "high": "high", "very high": "very_high"}.get(t)
    return "any", key


def _h_risk(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "ipss_r_category")]
    sys_r, sys_i = g(m, "sr", "sr2", "sr3"), g(m, "si", "si2", "si3")
    hint, key = _category(g(m, "c1", "c2", "c3") or "")
    s, e = m.start(), m.end()
    if key is None:
        return []
    if hint == "ipss":
        note = "intermediate-1/-2 are IPSS (not IPSS-R) categories" if sys_r else ""
        return [ctx.finding("ipss_category", key, s, e, note=note)]
    if sys_i and not sys_r:
        if key == "intermediate":
            return [ctx.unused("IPSS intermediate without -1 or -2; not used", s, e, "ipss_category")]
        if key in ("very_low", "very_high"):
            return [ctx.finding("ipss_r_category", key, s, e, note="'very low/high' exist only in IPSS-R")]
        return [ctx.finding("ipss_category", key, s, e)]
    note = "" if sys_r else "no scoring system named; read as IPSS-R"
    out: list[Item] = [ctx.finding("ipss_r_category", key, s, e, note=note, rank=1 if sys_r else 0)]
    score = number(g(m, "sc1", "sc1b") or "")
    if sys_r and score is not None and score <= 10:  # "IPSS-R high (score 5.5)"
        out.append(ctx.finding("ipss_r_score", score, s, e, unit="points"))
    return out


def _h_risk_score(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical:
        return []
    v = number(m.group("sc"))
    out: list[Item] = []
    if v is not None and v <= 10:
        out.append(ctx.finding("ipss_r_score", v, m.start(), m.end(), unit="points"))
    _, key = _category(m.group("c") or "")
    if key and key not in ("intermediate_1", "intermediate_2"):
        out.append(ctx.finding("ipss_r_category", key, m.start(), m.end(), rank=1))
    return out


def _h_lower_risk(m: re.Match[str], ctx: Ctx) -> list[Item]:
    word = "lower" if re.match(r"l", m.group(0), re.I) else "higher"
    return [ctx.unused(f"{word}-risk MDS names a group, not an IPSS-R or IPSS category; no category set "
                       f"(give the IPSS-R category or its components)", m.start(), m.end(), "ipss_r_category")]


def _h_ipssm(m: re.Match[str], ctx: Ctx) -> list[Item]:
    return [ctx.unused("IPSS-M is not the IPSS-R or IPSS the policies use; not used", m.start(), m.end(),
                       "ipss_r_category")]


def _h_cyto_risk(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical:
        return []
    raw = re.sub(r"[\s-]+", "_", (g(m, "g1", "g2", "g3") or "").lower())
    key = {"int": "intermediate"}.get(raw, raw)
    if key not in ("very_good", "good", "intermediate", "poor", "very_poor"):
        return []
    return [ctx.finding("cytogenetic_risk", key, m.start(), m.end())]


_GRP = r"very[\s-]+good|good|intermediate|int|poor|very[\s-]+poor"


def cyto_rules() -> list[Rule]:
    """Karyotype, del(5q), chromosome 7, SF3B1 and risk rules."""
    clone = r"4[4-9],\s*(?:X{1,3}Y{0,2}|XY|XX|X)(?:,[^\s,\[\]/;]+)*(?:\[\d+\])?"
    return [
        Rule("KARYOTYPE_ISCN", rf"\b{clone}(?:\s*/\s*{clone})*", _h_iscn),
        Rule("KARYOTYPE",
             r"\b(?P<k1>normal|nml|abnormal|complex|diploid|unremarkable)\s+(?:(?:male|female)\s+)?(?:karyotype|cytogenetics|chromosomes|chromosome\s+analysis)\b"
             r"|\b(?:karyotype|cytogenetics|chromosome\s+analysis)\s*(?:is|was|:|-|showed|shows|revealed)?\s*(?P<k2>normal|nml|abnormal|complex|unremarkable)\b",
             _h_karyotype_word),
        Rule("DEL5Q",
             r"(?P<non>\bnon[\s-]?)?(?P<iso>\bisolated\s+)?(?:\bdel(?:etion)?\s*\(?\s*5\s*q\s*\)?(?![\w(])|\bdel\s*\(\s*5\s*\)\s*\(\s*q[\w.;\s]*\)"
             r"|\b5\s*q\s*(?:-|minus\b|deletion\b|del\b)|\bdeletion\s+(?:of\s+)?(?:the\s+)?(?:long\s+arm\s+of\s+)?(?:chromosome\s+)?5q?\b(?!\d))"
             rf"(?:[\s:-]*(?P<st>{_STATUS}))?"
             # "MDS del(5q) isolated", "del(5q) alone", "del(5q) (sole abnormality)" (held-out round 9 t9-m08): looked
             # at, not taken into the match (which would outgrow and prune "MDS del(5q)", the diagnosis)
             rf"(?={ISO_AFTER})?",
             _h_del5q),
        Rule("CHR7", r"\bmonosomy\s*7\b|(?<![\w,\d-])-7\b(?!\d|\.\d)|\bdel\s*\(\s*7\s*q?\s*\)(?:\s*\(\s*q[\w.;\s]*\))?|\b7q\s*-|\bchromosome\s+7\s+(?:abnormalit(?:y|ies)|loss|deletion)",
             _h_chr7),
        Rule("SF3B1",
             r"\b(?P<pre>mutated|mutant|mutation\s+(?:in|of))\s+SF3B1\b"
             r"|\bSF3B1(?:\b|(?P<mu2>m|mt|mut)\b)(?:[\s:-]*(?:p\.)?(?P<var>[A-Z]\d{2,4}[A-Z*]))?(?:[\s:-]*(?:gene\s+)?(?P<mu>mutations?|mutaton|mutated|mutant|mut\b|variant))?"
             rf"(?:[\s:-]*(?:\(?\s*)?(?P<st>not\s+mutated|no\s+mutation|wild[\s-]?type|wt\b|unmutated|none\s+detected|{_STATUS}|\+|K700E|p\.[A-Z]\d+[A-Z]))?",
             _h_sf3b1),
        Rule("IPSS_R_SCORE",
             rf"\b(?:{_SYS_R})\s*(?:risk\s*)?score\s*(?:is|was|of|:|=)?\s*(?P<sc>\d+(?:\.\d+)?)(?:\s*(?:points?|pts?))?(?:\s*[(,]?\s*(?P<c>very\s+low|low|intermediate|high|very\s+high)(?:\s+risk)?\)?)?",
             _h_risk_score),
        Rule("RISK",
             rf"\b(?:(?P<sr>{_SYS_R})|(?P<si>{_SYS_I}))\s*(?:risk\s*)?(?:category|group|class)?\s*(?:is|was|:|=|-|of)?\s*(?P<c1>{_CAT})(?:[\s-]+risk)?"
             r"(?:\s*\(\s*(?:score\s*(?:of\s*)?)?(?P<sc1>\d+(?:\.\d+)?)\s*(?:points?|pts?)?\s*\)"
             r"|\s*[,;]?\s*(?:total\s+)?score\s*(?:of|:|=)?\s*(?P<sc1b>\d+(?:\.\d+)?)(?:\s*(?:points?|pts?))?(?![\d.]))?"
             rf"|\b(?P<c2>{_CAT})(?:[\s-]+risk\b(?:\s+(?:by|per|on)\s+(?:(?P<sr2>{_SYS_R})|(?P<si2>{_SYS_I})))?|(?:[\s-]+risk)?\s+(?:by|per|on)\s+(?:(?P<sr3>{_SYS_R})|(?P<si3>{_SYS_I})))"
             r"|\b(?P<c3>int[\s-]*[12]|intermediate[\s-]+[12])\b",
             _h_risk),
        Rule("LOWER_RISK", r"\b(?:lower|higher)[\s-]+risk\b|\b(?:LR|HR)[\s-]+MDS\b", _h_lower_risk),
        Rule("IPSS_M", r"\bIPSS[\s-]*M\b(?:\s*(?:risk\s*)?(?:category|score)?\s*(?::|is|was|of)?\s*(?:very[\s-]+low|low|moderate[\s-]+low|moderate[\s-]+high|high|very[\s-]+high|\d+(?:\.\d+)?))?", _h_ipssm),
        Rule("CYTO_RISK",
             rf"\b(?P<g1>{_GRP})[\s-]+risk\s+(?:cytogenetics|karyotype)\b"
             rf"|\b(?:ipss-?r\s+)?cytogenetic(?:s|al)?\s+(?:risk(?:\s+group)?|category|group|risk\s+category)\s*(?:is|was|:|-|=|of)?\s*(?P<g2>{_GRP})\b"
             rf"|\b(?:cytogenetics|karyotype)\s*(?::|-)\s*(?P<g3>very\s+good|good|poor|very\s+poor)(?:[\s-]+risk)?\b",
             _h_cyto_risk),
    ]


# ---- diagnosis -----------------------------------------------------------------------------

def _phrase(p: str) -> str:
    parts = [re.escape(x) for x in re.split(r"[\s-]+", p.strip()) if x]
    return r"[\s-]*".join(parts)


_ICD = re.compile(r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?")


def _fold_phrase(p: str) -> str:
    return re.sub(r"[\s-]+", " ", p.lower())


@cache
def _diagnosis_table(catalog: Catalog) -> tuple[str, dict[str, str], dict[str, str]]:
    """(pattern, folded phrase -> diagnosis value, code -> value): the dictionary's diagnoses by label
    and synonym, each pack's ``vocabulary.yaml`` conditions, and the ICD-10-CM codes themselves."""
    fd = catalog.dictionary.get("diagnosis")
    phrases: dict[str, str] = {}
    for key, cv in fd.values.items():
        for p in (cv.label, *cv.synonyms):
            phrases.setdefault(_fold_phrase(p), key)
    for pack in catalog.packs:
        for key, words in pack.vocabulary.conditions.items():
            for p in words:
                phrases.setdefault(_fold_phrase(p), key)
    # a risk group before a named MDS type keeps the type: "lower-risk MDS-RS", "LR-MDS-RS" are MDS-RS (D46.1), not
    # the D46.9 synonym "lower-risk MDS"; "low-risk" and "very low risk" stay apart, they say an IPSS-R category; del(5q)
    # keeps its own reading, "isolated" deciding D46.C
    generic = phrases.get("mds")
    for p, key in list(phrases.items()):
        if key not in (generic, "D46.C") and p.startswith("mds "):
            for risk in ("lower risk ", "lr "):
                phrases.setdefault(risk + p, key)
    alts = sorted(phrases, key=len, reverse=True)
    pattern = r"(?<![\w/])(?:" + "|".join(_phrase(p) for p in alts) + r")(?![\w/])"
    codes = {k.upper(): k for k in fd.values if _ICD.fullmatch(k.upper())}
    # every code a diagnosis value is or a condition fact lists, and the codes under it (mednec.facts.icd10), as
    # written: with or without the dot, either case ("I21.4", "i214", "E11.3553"); a code nothing lists is not matched
    listed = {c.replace(".", "") for c in codes} | {
        c.code.upper().replace(".", "") for f in catalog.dictionary.facts.values() if f.type == "boolean"
        for c in f.codes if c.system == "ICD-10-CM"} | {  # and the codes that name a number as a range (Z68.35)
        r.code.code.upper().replace(".", "") for f in catalog.dictionary.facts.values() for r in f.code_ranges
        if r.code.system == "ICD-10-CM"}
    if listed:
        body = "|".join(re.escape(c[:3]) + (r"\.?" + re.escape(c[3:]) if len(c) > 3 else "")
                        for c in sorted(listed, key=len, reverse=True))
        pattern += rf"|\b(?:ICD-?10(?:-CM)?\s*:?\s*)?(?P<code>(?:{body})(?:\.?[0-9A-Z]{{1,4}})?)(?!\w)(?!\.\w)"
    return pattern, phrases, codes


@cache
def _facts_of_code(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """diagnosis code -> the boolean condition facts that list that very ICD-10-CM code ("E78.5": dyslipidemia)."""
    out: dict[str, tuple[str, ...]] = {}
    for fd in catalog.dictionary.facts.values():
        if fd.type == "boolean" and fd.may_give:
            for c in fd.codes:
                if c.system == "ICD-10-CM":
                    out[c.code] = (*out.get(c.code, ()), fd.id)
    return out


def _diagnosis_handler(catalog: Catalog):  # type: ignore[no-untyped-def]
    _, phrases, codes = _diagnosis_table(catalog)

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        code = icd10.canonical(m.group("code")) if m.group("code") else None
        key = codes.get(code) if code else phrases.get(_fold_phrase(m.group(0)))
        coded = tuple(fid for fid, _ in icd10.code_facts(code, catalog.dictionary)) if code else ()
        ranged = icd10.code_ranges(code, catalog.dictionary) if code else ()
        if code and key is None and not coded and not ranged:
            return []
        written = code or (m.group(0).upper() if m.group(0).upper() in codes else None)  # a code, as a code or a value
        if written and code_qualified(ctx.text[m.end():ctx.sent_end]):  # "(E78.5 coded in error?)", "I21.4 ruled out"
            return [ctx.unused(f"diagnosis code {written} said with doubt, negated or of another person; not used",
                               m.start(), m.end(), "diagnosis")]
        if ctx.negated or ctx.hypothetical or ctx.family:
            why = "negated" if ctx.negated else ("hypothetical" if ctx.hypothetical else "family history")
            stated = _facts_of_code(catalog).get(key or "", ()) if ctx.negated and not (
                ctx.hypothetical or ctx.family or code) else ()
            if stated:  # "no FH": the condition fact that lists that very code is stated absent (fh_stated false)
                return [ctx.finding(fact, False, m.start(), m.end()) for fact in stated]
            return [ctx.unused(f"diagnosis {why}; not used", m.start(), m.end(), "diagnosis")]
        if key is None and ranged:  # a code that names a number as a range (Z68.35: BMI 35.0-35.9): the case-file
            # parser reads the code (mednec.facts.icd10.code_ranges), as from a case file's diagnosis
            return [ctx.finding("diagnosis", code, m.start(), m.end(), note=f"ICD-10-CM {code}")]
        if key is None:  # a code no diagnosis value is, which condition facts list (I21.4: prior_mi)
            return [ctx.finding(fact, True, m.start(), m.end(), note=f"ICD-10-CM {code}") for fact in coded]
        more = _MORE_ABN.match(ctx.text, m.end(), ctx.sent_end) if key == "D46.C" else None
        if more:  # "MDS with del(5q) and monosomy 7" is not MDS with *isolated* del(5q)
            n = len(_ONE_ABN.findall(more.group(0)))
            return [ctx.finding("diagnosis", "D46.9", m.start(), m.end(), note="del(5q) with other abnormalities"),
                    ctx.finding("del5q", True, m.start(), m.end(), kind="inferred", note="MDS with del(5q)"),
                    ctx.finding("additional_cytogenetic_abnormalities", float(n), m.start(), more.end(), unit="count",
                                kind="inferred", note=f"abnormalities named besides del(5q): {n}")]
        out: list[Item] = [ctx.finding("diagnosis", key, m.start(), m.end(), rank=0 if key == "D46.9" else 1)]
        # "dyslipidemia", "hyperlipidemia", "mixed hyperlipidemia": the E78.x diagnosis and the condition fact that
        # lists that very code (a fact listing only the category, type2_diabetes E11, is read by the policies beside
        # its diagnosis); a code written as a code gives the diagnosis only
        if not code:
            out += [ctx.finding(fact, True, m.start(), m.end()) for fact in _facts_of_code(catalog).get(key, ())]
        else:  # a code gives the facts that list it or a code above it (I63.9: prior_ischemic_stroke)
            out += [ctx.finding(fact, True, m.start(), m.end(), note=f"ICD-10-CM {code}") for fact in coded]
        if key == "D46.C":
            out.append(ctx.finding("del5q", True, m.start(), m.end(), kind="inferred",
                                   note="MDS with del(5q)"))
            if re.search(r"isolated|syndrome", m.group(0), re.I) or _ISO_AFTER.match(ctx.text, m.end(), ctx.sent_end):
                # "isolated del(5q)", "5q- syndrome", "MDS del(5q) isolated", "MDS with del(5q) alone"
                note = "isolated del(5q) is the only cytogenetic abnormality"
                out.append(ctx.finding("additional_cytogenetic_abnormalities", 0.0, m.start(), m.end(), unit="count",
                                       kind="inferred", note=note))
                out.append(ctx.finding("chromosome7_abnormality", False, m.start(), m.end(), kind="inferred",
                                       note=note))
        if re.search(r"\blow(?:er)?[\s-]+risk|\bLR\b", m.group(0), re.I):
            out.append(ctx.unused("lower-risk MDS names a group, not an IPSS-R or IPSS category; no category set "
                                  "(give the IPSS-R category or its components)", m.start(), m.end(), "ipss_r_category"))
        return out

    return handle


@cache
def _outside_conditions(catalog: Catalog) -> str:
    """Every pack's ``outside_conditions``, less the phrases some pack reads as its own diagnosis or as
    part of one ("diabetes" is not outside every pack when one covers "type 2 diabetes")."""
    _, phrases, _ = _diagnosis_table(catalog)
    words = {_fold_phrase(w): w for pack in catalog.packs for w in pack.vocabulary.outside_conditions}
    padded = [f" {p} " for p in phrases]
    keep = sorted((w for f, w in words.items() if not any(f" {f} " in p for p in padded)), key=len, reverse=True)
    return "|".join(_phrase(w) for w in keep)


def _h_other_condition(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.negated or ctx.family or ctx.hypothetical:
        return []
    return [ctx.unused("a condition outside every pack", m.start(), m.end(), "condition")]


def diagnosis_rules(catalog: Catalog) -> list[Rule]:
    """The diagnosis rule (the dictionary's labels and synonyms, the packs' condition words and the
    diagnosis codes) and the conditions outside every pack."""
    pattern, _, _ = _diagnosis_table(catalog)
    out = [Rule("DIAGNOSIS", pattern, _diagnosis_handler(catalog))]
    outside = _outside_conditions(catalog)
    if outside:
        out.append(Rule("OTHER_CONDITION", rf"\b(?:{outside})\b", _h_other_condition))
    return out


