"""The GLP-1 pack's text rules for questions and notes: the lifestyle programme's duration
("after six months of a diet programme", "3 months of lifestyle modification", "a 12-week
dietitian-led programme") and the BMI-for-age percentile ("BMI at the 97th percentile").

Numbers, booleans and categories with ``names`` in ``facts.yaml`` (BMI, AHI, HbA1c, hypertension,
sleep apnea, ...) are read by the generic rules (:mod:`mednec.intake.text.generic`).
"""

# ruff: noqa: E501

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable

from mednec.intake.text.numbers import AT_LEAST, DATE, NUM, number, parse_date_text
from mednec.intake.text.rules import Ctx, Item, Rule

__all__ = ["RULES"]

_COMMERCIAL = r"(?:Weight\s*Watchers|WW|Noom|Jenny\s+Craig|Optavia|Nutrisystem|food\s+(?:diary|log|journal)\s+with\s+(?:an?\s+)?(?:RD|dietitian|dietician|nutritionist))"
_PROGRAMME = (rf"(?:{_COMMERCIAL}(?:\s+(?:programme|program|plan|diet|membership))?|(?:(?:dietitian|dietician)[\s-]+(?:led|supervised)|(?:medically[\s-]+)?supervised|structured)\s+(?:programme|program)\b|(?:(?:structured|supervised|medically[\s-]+supervised|comprehensive|documented|formal|dietitian[\s-]+led|"
              r"dietician[\s-]+led|intensive|behaviou?ral|family[\s-]+based|family|reduced[\s-]+calorie|low[\s-]+calorie|calorie[\s-]+restricted)\s+){0,3}"
              r"(?:diet(?:ary)?|lifestyle|weight[\s-]+(?:loss|management)|weight(?=[\s-]+program)|nutrition(?:al)?|exercise|behaviou?ral|calorie)"
              r"(?:\s*(?:and|&|\+|/)\s*(?:exercise|activity|physical\s+activity|behaviou?ral))?"
              r"\s*(?:programme|program|modification|modifications|therapy|counsel(?:l)?ing|intervention|changes|plan|management|restriction)?)")
# the activity said beside the diet before its start ("reduced-calorie diet + walking 30 min 5x/wk since 04/2026";
# held-out round 9 t9-gn01)
_ACTIVITY_GAP = (r"\s*(?:and|&|\+|/|,)\s*(?:daily\s+|regular\s+)?(?:walking|walks|exercise|physical\s+activity|activity|gym|swimming|"
                 r"cycling|biking|jogging|strength\s+training|resistance\s+training)\b[^.;\n]{0,30}?")
_UNIT = {"month": 1.0, "months": 1.0, "mo": 1.0, "mos": 1.0, "week": 7 / 30.4375, "weeks": 7 / 30.4375,
         "wk": 7 / 30.4375, "wks": 7 / 30.4375, "year": 12.0, "years": 12.0, "yr": 12.0, "yrs": 12.0}
# a lower bound is the duration's floor ("for more than 3 months", "over a year"); an upper bound is not read
# ("a year and a half", "2 and a half years": half the unit more; held-out round 5 v33)
_DURATION = (rf"(?:{AT_LEAST}\s*)?(?P<n>{NUM}|an?)(?P<half0>\s+and\s+a\s+half)?\+?[\s-]*(?P<u>months?|mos?|weeks?|wks?|years?|yrs?)"
             r"(?P<half>\s+and\s+a\s+half)?")


def _months(m: re.Match[str]) -> float | None:
    n = 1.0 if m.group("n").lower() in ("a", "an") else number(m.group("n"))
    if n is None:
        return None
    if m.group("half0") or m.group("half"):
        n += 0.5
    return round(n * _UNIT[m.group("u").lower()], 2)


# a season's last day: the latest start "since spring" allows (the fewest months; held-out round 4 f35, round 5 v31)
_SEASON_END = {"spring": (5, 31), "summer": (8, 31), "fall": (11, 30), "autumn": (11, 30), "winter": (2, 28)}


def _programme_season(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """A programme followed since a season ("since spring", "since last summer", "since fall 2025"): its months
    from the season's last day, the most recent one ended before the note's date when no year is said."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return [ctx.unused("hypothetical, negated or family history; not used", m.start(), m.end(), "lifestyle_program_months")]
    anchor = ctx.date or ctx.as_of
    month, day = _SEASON_END[m.group("season").lower()]
    if m.group("sy"):
        year = int(m.group("sy")) + (1 if month == 2 else 0)
        end = dt.date(year, month, day)
    else:
        end = dt.date(anchor.year, month, day)
        if end > anchor:
            end = dt.date(anchor.year - 1, month, day)
    if end > anchor:
        return []
    months = round((anchor - end).days / 30.4375, 2)
    return [ctx.finding("lifestyle_program_months", months, m.start(), m.end(), unit="months", kind="inferred",
                        note=f"followed since {m.group('season')} (taken from its last day, {end.isoformat()}): "
                             f"at least {months:g} months to {anchor.isoformat()}")]


# a month without its year is read only when even its last day leaves this many months: a shorter span could
# straddle a policy's minimum (3 months; Aetna's 6) by the day in the month, which the words do not give
_MONTH_ONLY_MIN = 6.0
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _programme_month(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """A programme followed since a month without its year ("I've been doing weight watchers since March"; held-out
    round 9 t9-g13): its months from that month's last day (the latest start the words allow), the most recent such
    month not after the note's date; the current month gives no time at all."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return [ctx.unused("hypothetical, negated or family history; not used", m.start(), m.end(), "lifestyle_program_months")]
    anchor = ctx.date or ctx.as_of
    month = _MONTHS.index(m.group("mon").lower()[:3]) + 1
    if month == anchor.month:
        return []
    year = anchor.year if month < anchor.month else anchor.year - 1
    end = dt.date(year, month, calendar.monthrange(year, month)[1])
    months = round((anchor - end).days / 30.4375, 2)
    if months < _MONTH_ONLY_MIN:  # the day in the month could decide a minimum: asked, never read low
        return [ctx.unused(f"since {m.group('mon')} without a year or day: {months:g} to {months + 1:g} months; the start "
                           "date is asked", m.start(), m.end(), "lifestyle_program_months")]
    return [ctx.finding("lifestyle_program_months", months, m.start(), m.end(), unit="months", kind="inferred",
                        note=f"followed since {m.group('mon')} (taken from its last day, {end.isoformat()}): "
                             f"at least {months:g} months to {anchor.isoformat()}")]


def _programme(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), "lifestyle_program_months")]
    months = _months(m)
    if months is None:
        return []
    if ctx.negated:
        return [ctx.unused("a negated programme duration says nothing about how long one was followed",
                           m.start(), m.end(), "lifestyle_program_months")]
    return [ctx.finding("lifestyle_program_months", months, m.start(), m.end(), unit="months")]


def _programme_since(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """A programme followed since a date: its months to the note's date (or the evaluation date)."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return [ctx.unused("hypothetical, negated or family history; not used", m.start(), m.end(), "lifestyle_program_months")]
    start = parse_date_text(m.group("d"))
    # the note's date, unless the context's date is the start itself (a note dates a sentence by its own date)
    anchor = ctx.date if ctx.date is not None and start is not None and ctx.date > start else ctx.as_of
    if start is None or start > anchor:
        return []
    months = round((anchor - start).days / 30.4375, 2)
    return [ctx.finding("lifestyle_program_months", months, m.start(), m.end(), unit="months",
                        note=f"followed since {start.isoformat()}: {months:g} months to {anchor.isoformat()}")]


def _percentile(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), "bmi_percentile")]
    v = number(m.group("p"))
    if v is None or not 0 <= v <= 100:
        return []
    return [ctx.finding("bmi_percentile", v, m.start(), m.end(), unit="percentile")]


_MEASURE = re.compile(r"\b(?:BMI|body\s+mass\s+index|LDL(?:-?C)?|cholesterol|height|length|weight|head\s+circumference|"
                      r"blood\s+pressure|BP)\b", re.I)


def _percentile_above(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"her BMI is over the 99th percentile", "BMI is 36, which his pediatrician says is above the 99th
    percentile": a BMI-for-age percentile said as a bound, read as its floor (the policy asks >= 95th) -- only
    when the measurement it is about, the last named before it in the sentence, is the BMI ("LDL above the 99th
    percentile" is no BMI percentile)."""
    said = list(_MEASURE.finditer(ctx.text, ctx.sent_start, m.start()))
    if not said or not re.match(r"BMI|body", said[-1].group(0), re.I):
        return []
    return _percentile(m, ctx)


def _central_share(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """The share of central events ("60% central events", "central events 20%") or "predominantly / mostly
    central": central sleep apnea predominates at 50% or more (the policy's definition)."""
    if ctx.hypothetical or ctx.family:
        return []
    share = m.group("p") or m.group("p2")
    if share is None:  # "predominantly central", "mostly central apneas"
        return [ctx.finding("central_apnea_predominant", not ctx.negated, m.start(), m.end())]
    v = number(share)
    if v is None or not 0 <= v <= 100 or ctx.negated:
        return []
    return [ctx.finding("central_apnea_predominant", v >= 50, m.start(), m.end(),
                        note=f"{v:g}% central events ({'50% or more' if v >= 50 else 'under 50%'})")]


_GLP1_NAMES = (r"(?:Ozempic|Wegovy|Rybelsus|semaglutide|Mounjaro|Zepbound|tirzepatide|Trulicity|dulaglutide|Victoza|Saxenda|"
               r"liraglutide|Byetta|Bydureon|exenatide|Adlyxin|lixisenatide)")


def _added_to_glp1(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"Mounjaro to be added on top of Trulicity", "adding Wegovy to her Ozempic", "in combination with
    Victoza": the request is to take two GLP-1 / GIP agonists together -- a stated combination."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    return [ctx.finding("concurrent_glp1", True, m.start(), m.end(),
                        note=f"to be taken together with {m.group('d')} (a stated combination)")]


def _no_diabetes(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """'no diabetes', 'without diabetes', 'non-diabetic': neither type 1 nor type 2 diabetes. A bare
    positive 'diabetes' (type not stated) gives nothing here: the type decides the policy."""
    if ctx.hypothetical or ctx.family:
        return []
    if not (ctx.negated or m.group("non") or m.group("neg")):
        return []
    if "pre" in m.group(0).lower().split("diabetes")[0][-5:]:
        return []  # "no prediabetes" says nothing about diabetes
    return [ctx.finding("type2_diabetes", False, m.start(), m.end()),
            ctx.finding("type1_diabetes", False, m.start(), m.end())]


def _type2_aside(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """'type 2 (not type 1) diabetes', 'type II (adult onset) DM': the aside is no negation of the diagnosis
    (held-out round 5 v44); 'not type 1' in it denies type 1."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    out: list[Item] = [ctx.finding("type2_diabetes", True, m.start(), m.end())]
    if m.group("not1"):
        out.append(ctx.finding("type1_diabetes", False, m.start("not1"), m.end("not1")))
    return out


def _type1_possible(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """'type 1 vs type 2', 'T2D or T1D': type 1 diabetes named as possible beside type 2 -- its warning sign, never a
    stated type 1 nor silence (mednec's 2026-12-07 decision: a doubt is asked, never presumed away). A stated LADA is
    the same sign (_lada)."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    return [ctx.finding("type1_diabetes_possible", True, m.start(), m.end(), note="type 1 diabetes named as possible")]


def _lada(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """LADA stated: an autoimmune diabetes that the ADA classification counts as type 1, a classification mednec has
    read only in a copy (reference ada-soc-2020-classification, secondary), so it decides nothing: the warning sign,
    asked (mednec's GLP-1 decisions, 7 December 2026). A negated, a relative's or a hypothetical one says nothing."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    return [ctx.finding("type1_diabetes_possible", True, m.start(), m.end(),
                        note="LADA: an autoimmune diabetes, possibly type 1 diabetes")]


_T1 = r"(?:type\s*(?:1|I)|T1DM?|DM\s*(?:type\s*)?1|IDDM)"
_T2 = r"(?:type\s*(?:2|II)|T2DM?|DM\s*(?:type\s*)?2|NIDDM)"
_DM = r"(?:\s*(?:diabet(?:es|ic)(?:\s+mellitus)?|DM))?"
_OR = r"\s*(?:vs\.?|versus|or|/|\?)\s*"


_NEG_BEFORE = re.compile(r"\b(?:no|denies|denied|negative\s+for|without)\s+(?:[\w'-]+[\s/]+){0,8}(?:(?:or|and|,)\s+)?$", re.I)


# a thyroid cancer of a named kind other than medullary ("papillary thyroid cancer", "thyroid cancer (follicular)")
_OTHER_KIND = re.compile(r"\b(?:papillary|follicular|anaplastic|differentiated|h[uü]rthle|oncocytic|lymphoma)\b", re.I)


def _mtc(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """Medullary thyroid carcinoma or MEN 2: the labels' contraindication covers the patient AND the family,
    so a relative's MTC counts ("mother had medullary thyroid cancer"). A negated thyroid cancer of any kind
    ("no personal/family hx of thyroid cancer") rules MTC out; a positive one of another named kind says
    nothing; one whose kind is not stated ("thyroid cancer, type unknown") may be MTC: the warning sign
    ``mtc_men2_possible`` (the criterion is asked, never presumed met)."""
    if ctx.hypothetical:
        return [ctx.unused("hypothetical; not used", m.start(), m.end(), "mtc_men2_history")]
    # "no family history of MTC": the family cue must not hide the negation before it
    negated = ctx.negated or bool(_NEG_BEFORE.search(ctx.text, max(ctx.sent_start, m.start() - 60), m.start()))
    if m.group("any") and not negated:
        around = ctx.text[max(ctx.sent_start, m.start() - 40):min(len(ctx.text), m.end() + 30)]
        if _OTHER_KIND.search(around):
            return []
        return [ctx.finding("mtc_men2_possible", True, m.start(), m.end(),
                            note="a thyroid cancer of a kind not stated may be medullary")]
    return [ctx.finding("mtc_men2_history", not negated, m.start(), m.end(),
                        note="a relative's history counts (label contraindication)" if ctx.family else "")]


def _pregnancy_test(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return []
    positive = bool(m.group("pos") or m.group("pos2"))
    return [ctx.finding("pregnant", positive, m.start(), m.end())]


def _pregnant_weeks(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    return [ctx.finding("pregnant", True, m.start(), m.end())]


def _no_programme(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"has not started any lifestyle program", "no supervised weight-loss program": none followed (0 months)."""
    if ctx.hypothetical or ctx.family:
        return []
    return [ctx.finding("lifestyle_program_months", 0.0, m.start(), m.end(), unit="months",
                        note="no lifestyle programme followed")]


def _weights(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"started at 112 kg, now 104 kg", "baseline 124.0 kg ... today 113.5 kg": the pre-GLP-1 and current weights."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    out: list[Item] = []
    for grp, fact in (("b", "weight_baseline"), ("w", "weight")):
        v = number(m.group(grp))
        if v is not None:
            unit = (m.group(grp + "u") or "kg").lower()
            out.append(ctx.finding(fact, v, m.start(grp), m.end(grp + "u") if m.group(grp + "u") else m.end(grp),
                                   unit="lb" if unit.startswith("lb") or unit.startswith("pound") else "kg"))
    return out


def _weights_unit_once(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """The pre-GLP-1 and current weights with the unit said once ("wt 270 -> 241 lb since start", "started at 285
    lbs in April, now 262"): the other weight takes it, and both must be a plausible pair (the current one lower
    than the start by under half of it) when a unit is borrowed."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    b, w = number(m.group("b")), number(m.group("w"))
    bu, wu = m.group("bu"), m.group("wu")
    if b is None or w is None or not (bu or wu):
        return []
    unit_b, unit_w = ((bu or wu).lower(), (wu or bu).lower())
    if not (bu and wu) and not 0.5 * b < w < b * 1.1:
        return []

    def norm(u: str) -> str:
        return "lb" if u.startswith(("lb", "pound")) else "kg"
    return [ctx.finding("weight_baseline", b, m.start("b"), m.end("bu") if bu else m.end("b"), unit=norm(unit_b)),
            ctx.finding("weight", w, m.start("w"), m.end("wu") if wu else m.end("w"), unit=norm(unit_w))]


def _loss_from(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"lost 12 lb from a 240 lb baseline": the pre-GLP-1 weight, and the current one it leaves (same unit only)."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    lost, base = number(m.group("l")), number(m.group("b"))
    lu, bu = m.group("lu").lower()[0], m.group("bu").lower()[0]
    lu, bu = ("l" if lu == "p" else lu), ("l" if bu == "p" else bu)
    if lost is None or base is None or lu != bu or not 0 < lost < base:
        return []
    unit = "lb" if bu == "l" else "kg"
    return [ctx.finding("weight_baseline", base, m.start("b"), m.end("bu"), unit=unit),
            ctx.finding("weight", round(base - lost, 2), m.start(), m.end(), unit=unit, kind="inferred",
                        note=f"{base:g} {unit} less the {lost:g} {unit} lost")]


def _lost_from_to(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"lost 30 pounds, from 260 to 230": the pre-GLP-1 and current weights in the loss's unit, when they agree with it."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    lost, base, now = number(m.group("l")), number(m.group("b")), number(m.group("w"))
    if lost is None or base is None or now is None or abs((base - now) - lost) > 1 or not now < base:
        return []
    unit = "lb" if m.group("lu").lower().startswith(("lb", "pound")) else "kg"
    return [ctx.finding("weight_baseline", base, m.start("b"), m.end("b"), unit=unit),
            ctx.finding("weight", now, m.start("w"), m.end("w"), unit=unit)]


def _one_weight(fact: str) -> Callable[[re.Match[str], Ctx], list[Item]]:
    """A single weight line read as ``fact`` (the pre-GLP-1 or the current weight)."""

    def handle(m: re.Match[str], ctx: Ctx) -> list[Item]:
        if ctx.hypothetical or ctx.family or ctx.negated:
            return []
        v = number(m.group("w"))
        if v is None:
            return []
        unit = m.group("wu").lower()
        return [ctx.finding(fact, v, m.start(), m.end(), unit="lb" if unit.startswith(("lb", "pound")) else "kg")]
    return handle


def _loss_pct(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    v = number(m.group("p") or m.group("p2") or m.group("p3"))
    if v is None or not 0 <= v <= 80:
        return []
    return [ctx.finding("weight_loss_pct", v, m.start(), m.end(), unit="%")]


_GOAL = re.compile(r"\b(?:goal|target|aim|need(?:s|ed)?|requir\w*|at\s+least|expect\w*|should|must|if|unless|less\s+than|under|below|>=?|≥|<)\b[^.;\n]{0,20}$", re.I)


def _loss_pct_since(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """A loss since the start said as a percent (held-out renew9): "down 7% since starting", "5.5% weight loss at the
    6-month check", "Weight % change from baseline: -8.2%" (a signed change: -8.2 % is 8.2 % lost). Never a goal or a
    payer's threshold ("needs 5% weight loss at 6 months")."""
    if ctx.hypothetical or ctx.family or ctx.negated or _GOAL.search(ctx.text, max(ctx.sent_start, m.start() - 30), m.start()):
        return []
    v = number(m.group("p") or m.group("p2") or m.group("p3"))
    if v is None or not 0 <= v <= 80:
        return []
    sign = (m.groupdict().get("sign") or "").strip()
    loss = -v if sign == "+" else v
    return [ctx.finding("weight_loss_pct", loss, m.start(), m.end(), unit="%",
                        note="the weight change from the start of treatment, said as a percent")]


def _continued(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return []
    return [ctx.finding("lifestyle_continued", not ctx.negated, m.start(), m.end())]


# the maintenance doses the policies name (Wegovy: 2.4 mg weekly, or 1.7 mg; Zepbound: 5, 10 or 15 mg
# weekly; Saxenda: 3 mg daily) -- a dose written without the drug counts only when it is Wegovy's 2.4 mg,
# the one strength no other GLP-1 shares
_MAINTENANCE = {"semaglutide": (1.7, 2.4), "wegovy": (1.7, 2.4), "tirzepatide": (5.0, 10.0, 15.0),
                "zepbound": (5.0, 10.0, 15.0), "liraglutide": (3.0,), "saxenda": (3.0,), "": (2.4,)}


_WEIGHT_DRUG = re.compile(r"\b(?P<drug>Wegovy|semaglutide|Zepbound|tirzepatide|Saxenda|liraglutide)\b", re.I)
_OTHER_GLP1 = re.compile(r"\b(?:Ozempic|Rybelsus|Mounjaro|Victoza|Trulicity|dulaglutide|exenatide|Byetta|Bydureon)\b", re.I)
_SAME = {"semaglutide": "wegovy", "tirzepatide": "zepbound", "liraglutide": "saxenda"}


def _named_drug(text: str) -> str:
    """The one weight-management GLP-1 the text names ("" when none, or more than one, or a diabetes GLP-1 too):
    a dose said without its drug is that drug's (held-out renew9 r9-14: "at 10 mg weekly now" in a Zepbound renewal)."""
    if _OTHER_GLP1.search(text):
        return ""
    names = {_SAME.get(n.lower(), n.lower()) for n in _WEIGHT_DRUG.findall(text)}
    return names.pop() if len(names) == 1 else ""


def _maintenance(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    dose = number(m.group("d"))
    drug = (m.group("drug") or "").lower() or _named_drug(ctx.text)
    freq = (m.groupdict().get("f") or "").lower()
    if drug == "" and freq == "daily":  # Wegovy's 2.4 mg is weekly; 2.4 mg daily is Saxenda's titration step
        return []
    if dose is None:
        return []
    if dose not in _MAINTENANCE.get(drug, ()):
        # a dose said to be the current one, below the named drug's lowest maintenance dose: not at maintenance
        if drug and _said_now(m, ctx) and dose < min(_MAINTENANCE[drug]):
            return [ctx.finding("on_maintenance_dose", False, m.start(), m.end(),
                                note=f"{dose:g} mg is below the maintenance dose of {drug}")]
        return []
    if _NOT_YET_AFTER.match(ctx.text, m.end(), ctx.sent_end):
        return []  # "on 2.4 mg, will move to maintenance next month"
    return [ctx.finding("on_maintenance_dose", True, m.start(), m.end(),
                        note=f"{dose:g} mg is a maintenance dose{' of ' + drug if drug else ' (Wegovy)'}")]


_EARLIER = re.compile(r"\b(?:start\w*|began|begun|initiat\w*|from|titrat\w*|increas\w*|went|moved|then|was|previously|after)\b[^.;\n]{0,25}$", re.I)


_NOT_YET_AFTER = re.compile(r"[^.;\n]{0,40}?\b(?:will\s+(?:move|go|get|increase|titrate)|not\s+(?:yet\s+)?(?:at|on|reached)\s+(?:the\s+)?maintenance|"
                            r"before\s+(?:reaching|moving)|to\s+be\s+(?:increased|titrated)|still\s+titrating)\b", re.I)


def _said_now(m: re.Match[str], ctx: Ctx) -> bool:
    """The dose is the current one: "currently on 1 mg weekly", "on 2.4 mg daily" (never "started on 0.6 mg daily",
    "increased from 0.6 mg daily")."""
    if m.groupdict().get("now"):
        return True
    head = m.group(0).lstrip().lower()
    return head.startswith(("on ", "taking ")) and not _EARLIER.search(ctx.text, max(ctx.sent_start, m.start() - 40), m.start())


def _wegovy_17(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"tolerating 1.7 mg, could not tolerate 2.4 mg": Wegovy's maintenance dose when 2.4 mg is not tolerated."""
    if ctx.hypothetical or ctx.family or _named_drug(ctx.text) not in ("wegovy", ""):
        return []
    return [ctx.finding("on_maintenance_dose", True, m.start(), m.end(),
                        note="1.7 mg, 2.4 mg not tolerated (Wegovy's maintenance dose then)")]


_NOT_YET = re.compile(r"\b(?:not\s+(?:yet\s+)?(?:at|on|reached)|will\s+(?:move|go|get)|before\s+(?:reaching|getting)|until|toward(?:s)?|"
                      r"titrat\w*\s+(?:up\s+)?to)\b[^.;\n]{0,30}$", re.I)


def _maintenance_said(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"on 2.4 mg maintenance", "12.5 mg (maintenance)", "at the maximum tolerated dose of 1.7 mg": the prescriber
    says the dose is the maintenance or the highest tolerated one (never "not yet at maintenance")."""
    if ctx.hypothetical or ctx.family or ctx.negated or _NOT_YET.search(ctx.text, ctx.sent_start, m.end()):
        return []
    return [ctx.finding("on_maintenance_dose", True, m.start(), m.end(), note="the dose said to be the maintenance or "
                        "maximum tolerated dose")]


def _ahi_change(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"AHI improved 38 -> 9", "AHI down from 34 to 16", "AHI 12 (was 31)": the sleep apnea improved when the AHI fell."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    a, b = number(m.group("a") or m.group("a2")), number(m.group("b") or m.group("b2"))
    if a is None or b is None or a == b:
        return []
    return [ctx.finding("osa_improved", b < a, m.start(), m.end(), note=f"AHI {a:g} -> {b:g}")]


def _wo(g: str) -> str:
    """A weight whose unit may be left out, in groups ``g`` and ``g + "u"``."""
    return rf"(?P<{g}>\d{{2,3}}(?:\.\d)?)(?![\d/])(?:\s*(?P<{g}u>kg|kgs|lbs?|pounds?)\b)?"


def _w(g: str) -> str:
    """A weight with its unit, in groups ``g`` (the number) and ``g + "u"`` (the unit)."""
    return rf"(?P<{g}>\d{{2,3}}(?:\.\d)?)\s*(?P<{g}u>kg|kgs|lbs?|pounds?)\b"


RULES: tuple[Rule, ...] = (
    # "medullary thyroid carcinoma", "MTC", "MEN 2", "MEN2A", "multiple endocrine neoplasia type 2"; a negated
    # thyroid cancer of any kind
    Rule("GLP1_MTC_MEN2", r"\bmedullary\s+thyroid\s+(?:carcinoma|cancer|ca)\b|\bMTC\b|\bMEN\s*-?\s*(?:2|II)[AB]?\b"
         r"|\bmultiple\s+endocrine\s+neoplasia(?:\s+(?:syndrome\s+)?type)?\s*(?:2|II)[AB]?\b"
         r"|(?P<any>\bthyroid\s+(?:cancer|carcinoma|ca|malignancy)\b)", _mtc),
    # "pregnancy test negative", "negative urine pregnancy test", "positive hCG"
    Rule("GLP1_PREGNANCY_TEST", r"\b(?:(?:urine|serum|home)\s+)?(?:pregnancy\s+test|u?hcg|beta[\s-]*hcg)\s*(?:was\s+|is\s+|:\s*)?(?:(?P<neg>negative|neg)|(?P<pos>positive|pos))\b"
         r"|\b(?:(?P<neg2>negative)|(?P<pos2>positive))\s+(?:(?:urine|serum|home)\s+)?(?:pregnancy\s+test|u?hcg|beta[\s-]*hcg)\b", _pregnancy_test),
    # "16 weeks pregnant", "pregnant at 16 weeks", "pregnant (16 weeks)"
    Rule("GLP1_PREGNANT_WEEKS", r"\b\d{1,2}\s*(?:weeks?|wks?)\s+pregnant\b|\bpregnant\s*(?:,|\(|at|-)?\s*\d{1,2}\s*(?:weeks?|wks?)(?:\s+gestation)?\)?", _pregnant_weeks),
    # "no diabetes", "does not have diabetes", "non-diabetic": the negation is part of the match, so this rule
    # (longer) wins over the diagnosis reader's bare "diabetes", which can only drop a negated diagnosis
    Rule("GLP1_NO_DIABETES", r"(?P<non>\bnon[\s-]?diabetic\b)"
         r"|(?P<neg>\b(?:no|not|without|denies|denied|negative\s+for|does\s+not\s+have|doesn't\s+have|do\s+not\s+have|has\s+no|never\s+had)"
         r"\s+(?:(?:history\s+of|hx\s+of|known|personal|prior|h/o)\s+)*)(?:pre-?)?diabetes\b(?!\s+(?:type|mellitus\s+type|insipidus))",
         _no_diabetes),
    # "type 2 (not type 1) diabetes", "type II (adult onset) DM": the aside between type and name (held-out round 5 v44)
    Rule("GLP1_TYPE2_ASIDE", r"\btype\s*(?:2|II)\s*\((?:\s*(?P<not1>not\s+type\s*(?:1|I))\s*|[^()\n]{1,30})\)\s*(?:diabet(?:es|ic)(?:\s+mellitus)?|DM)\b",
         _type2_aside),
    # type 1 named as the alternative to type 2 ("type 1 versus type 2", "T2D or T1D", "type 2 vs type 1 diabetes"):
    # type 1 diabetes possible
    Rule("GLP1_TYPE1_POSSIBLE", rf"\b{_T1}{_DM}{_OR}{_T2}\b{_DM}|\b{_T2}{_DM}{_OR}{_T1}\b{_DM}", _type1_possible),
    # LADA, latent autoimmune diabetes in adults, "type 1 (LADA)": type 1 diabetes possible (the ADA classification,
    # read only in a copy, puts every autoimmune diabetes under type 1; mednec's GLP-1 decisions, 7 December 2026); a doubted one ("? LADA",
    # "r/o LADA", "LADA vs type 2") is the warning sign, through the doubt cues (uncertain.doubt_to)
    Rule("GLP1_LADA", rf"\b{_T1}{_DM}\s*\(\s*LADA\s*\)|\bLADA\b"
         r"|\blatent\s+autoimmune\s+diabetes(?:\s+mellitus)?(?:\s+(?:of|in)\s+(?:the\s+)?adult(?:s|hood)?)?", _lada),
    # "six months of a diet programme", "3 months of lifestyle modification", "for 4 months of dietitian-led diet and exercise"
    Rule("GLP1_PROGRAMME_AFTER", rf"\b{_DURATION}\s+(?:of|in|on)\s+(?:an?\s+|the\s+)?{_PROGRAMME}", _programme),
    # "a 6-month diet programme", "12-week lifestyle program"
    Rule("GLP1_PROGRAMME_BEFORE", rf"\b{_DURATION}\s+{_PROGRAMME}", _programme),
    # "diet programme for 6 months", "lifestyle modification x 6 months", "diet and exercise since 4 months"
    Rule("GLP1_PROGRAMME_FOR", rf"\b{_PROGRAMME}(?:\s+(?:with|through|at|via)\s+[^.;\n\d]{{0,30}}?)?\s+(?:for|x|×|over|during|lasting)\s+(?:the\s+(?:last|past)\s+)?{_DURATION}", _programme),
    # a form's or a quick note's length: "diet program 5 months", "Lifestyle: 6 mo", "WW program x 4 months"
    # (held-out round 6 w42, w47); never "6 months ago"
    Rule("GLP1_PROGRAMME_FIELD", rf"\b{_PROGRAMME}\s*(?:[:=]\s*|-\s+)?{_DURATION}\b(?!\s+(?:ago|before|earlier|prior))", _programme),
    # a form's shorthand (held-out round 7 y01, y22): "Noom + dietitian x 5 mo", "4 mos commercial program (WW)"
    Rule("GLP1_PROGRAMME_PLUS", rf"\b{_PROGRAMME}\s*(?:\+|&|/|\band\b|\bwith\b)\s*(?:an?\s+)?(?:RD|dietitian|dietician|nutritionist|exercise|coach(?:ing)?|gym)"
         rf"\s*(?:x|×|for|[:=-])\s*{_DURATION}\b(?!\s+(?:ago|before|earlier|prior))", _programme),
    Rule("GLP1_DURATION_COMMERCIAL", rf"\b{_DURATION}\s+(?:of\s+)?(?:(?:a|the)\s+)?commercial\s+(?:weight[\s-]+(?:loss|management)\s+)?(?:programme|program|plan)\b",
         _programme),
    # "No lifestyle program.", "no structured weight loss program": none followed (0 months); never "no documented
    # program" / "no program documented" (the record is silent: asked)
    Rule("GLP1_NO_PROGRAMME_SAID", r"\bno\s+(?:(?:formal|structured|supervised|medically[\s-]+supervised)\s+)?(?:lifestyle|diet(?:ary)?|weight[\s-]+(?:loss|management))"
         r"(?:\s*(?:and|/|&|\+)\s*(?:exercise|activity))?\s+(?:programme|program|intervention|plan)\b(?![\w-]|\s+(?:documented|on\s+file|in\s+(?:the\s+)?(?:chart|record)|info\w*|details?|data|records?|notes?|documentation|"
         r"given|stated|available|listed|provided|reported|mentioned|yet|known|history|dates?|length))",
         _no_programme),
    # "Lifestyle: enrolled in WW 07/2026 - present", "WW program from 06/2026 to present" (wn16)
    Rule("GLP1_PROGRAMME_TO_PRESENT", rf"\b{_PROGRAMME}(?:\s+(?:with|through|at|via)\s+[^.;\n|]{{0,50}}?)?\s+(?:from\s+)?(?P<d>{DATE})\s*(?:-|–|—|to|through|until)\s*(?:the\s+)?(?:present|now|date|current|ongoing|today)\b",
         _programme_since),
    # "enrolled in WeightWatchers with a registered dietitian since 01/2026", "diet and exercise program since March 2026"
    Rule("GLP1_PROGRAMME_SINCE", rf"\b{_PROGRAMME}(?:\s+(?:with|through|at|via)\s+[^.;\n]{{0,50}}?|\s*\([^()\n]{{0,40}}\)|{_ACTIVITY_GAP})?\s+since\s+(?P<d>{DATE})", _programme_since),
    # "doing weight watchers since March", "on a diet and exercise program since last September" (no year)
    Rule("GLP1_PROGRAMME_MONTH", rf"\b{_PROGRAMME}(?:\s+(?:with|through|at|via)\s+[^.;\n]{{0,50}}?|\s*\([^()\n]{{0,40}}\)|{_ACTIVITY_GAP})?\s+since\s+(?:(?:last|this\s+past)\s+)?"
         r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
         r"(?!\s*,?\s*(?:\d|of\b))", _programme_month),
    # "since spring", "since last summer", "since the fall of 2025"
    Rule("GLP1_PROGRAMME_SEASON", rf"\b{_PROGRAMME}(?:\s+(?:with|through|at|via)\s+[^.;\n]{{0,50}}?|\s*\([^()\n]{{0,40}}\)|{_ACTIVITY_GAP})?\s+since\s+(?:(?:last|this\s+past|the)\s+)?"
         r"(?P<season>spring|summer|fall|autumn|winter)(?:\s+(?:of\s+)?(?P<sy>(?:19|20)\d{2}))?\b", _programme_season),
    # "has not started any lifestyle program yet", "no supervised weight loss program", "never did a diet program"
    Rule("GLP1_NO_PROGRAMME", r"\b(?:has\s+not|hasn't|have\s+not|haven't|did\s+not|didn't|never|not\s+yet)\s+(?:yet\s+)?(?:started|done|did|tried|completed|attended|followed|participated\s+in|enrolled\s+in|been\s+(?:in|on|through)|gone\s+through|had)\s+(?:any|a|an)?\s*"
         r"(?:(?:supervised|structured|formal|medically[\s-]+supervised|comprehensive)\s+)?(?:lifestyle|diet(?:ary)?|weight[\s-]+(?:loss|management)|behaviou?ral|exercise)\s*(?:and\s+exercise\s+)?(?:programme|program|modification|therapy|intervention|plan)",
         _no_programme),
    # continuation: "started at 112 kg, now 104 kg", "baseline weight 124.0 kg ... today 113.5 kg"
    # (or with the drug and its start between: "started Zepbound in April 2026 weighing 231 lbs; today 209 lbs", "started
    # 5/2026 at 104 kg, now 98.8 kg", "started at 250 lb in February, now 236 lb"; held-out round 4 f53, round 5 v46)
    Rule("GLP1_WEIGHT_FROM_TO", r"\b(?:started|starting|began|begun|baseline(?:\s+weight)?|initial(?:\s+weight)?|pre-?treatment\s+weight)"
         r"(?:\s*(?:at|of|was|:|=)?|[^.;\n]{1,40}?\b(?:at|weighing))\s*"
         + _w("b") + r"(?:\s+(?:in\s+[A-Za-z]+(?:\s+\d{4})?|on\s+[\d/.-]+))?\s*(?:,|;|and|->|→|to)?\s*(?:(?:is\s+)?now|currently|today|down\s+to|current(?:\s+weight)?(?:\s+is)?)\s*(?:at|is|:|=)?\s*" + _w("w"), _weights),
    # the forms of held-out round 7 (y11, y12, y19, y24, xn09): "start wt 248 lb (03/2026), current wt 229 lb", "baseline
    # 102.0 kg prior to semaglutide, today 97.0 kg", "started at 285 lbs in April, now 262", "Weight at start (05/04/2026):
    # 118.2 kg. Today: 109.0 kg." and "wt 270 -> 241 lb since start" (the unit said once)
    Rule("GLP1_WEIGHT_START_FORMS",
         r"\b(?:(?:start(?:ing)?|started|baseline|initial|pre-?treatment)(?:\s+(?:wt|weight))?|(?:wt|weight)\s+at\s+(?:start|baseline))"
         r"(?:\s*\([^)\n]{0,20}\))?(?:\s*(?:at|of|was|:|=))?\s*" + _wo("b") +
         r"(?:\s*\([^)\n]{0,20}\))?(?:\s+(?:prior\s+to|before)\s+(?:starting\s+)?[\w-]+)?(?:\s+in\s+[A-Za-z]+(?:\s+\d{4})?)?"
         r"\s*(?:[,;.]|->|→|and)?\s*(?:(?:is\s+)?now|currently|today|current\s+(?:wt|weight)(?:\s+is)?)\s*(?:at|is|:|=)?\s*" + _wo("w"),
         _weights_unit_once),
    Rule("GLP1_WEIGHT_ARROW_SINCE_START",
         r"\b(?:wt|weight)\s*:?\s*" + _wo("b") + r"\s*(?:->|→|-+>|to)\s*" + _wo("w") +
         r"(?=\s*,?\s*\(?\s*(?:since|from)\s+(?:the\s+)?(?:start|starting|baseline|initiation|beginning))",
         _weights_unit_once),
    # "she weighed 231 lb when she started it in March; today 209 lb", "He weighed 104 kg when he started Zepbound in
    # 2025, now 98.8 kg" (held-out round 6 w34)
    Rule("GLP1_WEIGHED_WHEN_STARTED", r"\bweigh(?:ed|s)\s+(?:about\s+)?" + _w("b") + r"\s+when\s+(?:she|he|I|they|we)\s+(?:first\s+)?(?:started|began)\b[^.;\n]{0,40}?"
         r"(?:[,;.]\s*|\s+and\s+)(?:(?:she|he|I|they)\s+(?:is|am|are|weighs?)\s+)?(?:(?:is\s+)?now|today|currently|current(?:\s+weight)?(?:\s+is)?)\s*(?:at|is|:|=)?\s*" + _w("w"), _weights),
    # "lost 30 pounds, from 260 to 230", "lost 5.2 kg (from 104 to 98.8)": the unit said once, with the loss (w45)
    Rule("GLP1_LOST_FROM_TO", r"\blost\s+(?P<l>\d{1,3}(?:\.\d)?)\s*(?P<lu>kg|kgs|lbs?|pounds?)\s*,?\s*\(?\s*(?:going\s+)?from\s+(?P<b>\d{2,3}(?:\.\d)?)\s*(?:kg|kgs|lbs?|pounds?)?\s+"
         r"(?:down\s+)?to\s+(?P<w>\d{2,3}(?:\.\d)?)(?!\d|\.\d)", _lost_from_to),
    # "lost 12 lb from a 240 lb baseline", "down 14 lb from 250 lb at baseline", "lost 5 kg from her starting weight of 104 kg"
    Rule("GLP1_LOSS_FROM_BASELINE", r"\b(?:lost|down)\s+(?P<l>\d{1,3}(?:\.\d)?)\s*(?P<lu>kg|kgs|lbs?|pounds?)\s+(?:from|off)\s+(?:(?:a|her|his|their|the)\s+)?"
         r"(?:(?:baseline|starting|initial|pre-?[\w-]+)\s+(?:weight\s+)?(?:of\s+)?)?" + _w("b") + r"(?:\s+(?:at\s+)?(?:baseline|starting\s+weight))?", _loss_from),
    # on separate lines: "Baseline weight before starting Wegovy: 124.0 kg (03/02/2026)", "Today (12/01/2026): 113.5 kg"
    Rule("GLP1_BASELINE_WEIGHT", r"\b(?:baseline|starting|initial|pre-?treatment|pre-?GLP-?1)\s+weight(?:\s+(?:before|prior\s+to)\s+(?:starting\s+)?[\w-]+)?\s*(?:\([^)]{0,20}\))?\s*(?:[:=]|was|of)\s*"
         + _w("w"), _one_weight("weight_baseline")),
    Rule("GLP1_WEIGHT_TODAY", r"(?m)^\s*(?:today|current\s+weight|weight\s+today)\s*(?:\([^)]{0,20}\))?\s*[:=]\s*" + _w("w"), _one_weight("weight")),
    # "lost only 3% of baseline weight", "7.1% weight loss", "weight loss of 4%"
    Rule("GLP1_WEIGHT_LOSS_PCT", r"\blost\s+(?:only\s+|just\s+|about\s+|approximately\s+)?(?P<p>\d{1,2}(?:\.\d+)?)\s*%\s*(?:of\s+(?:(?:her|his|their|the)\s+)?(?:baseline|starting|initial|body)\s+(?:body\s+)?weight)?"
         r"|\b(?:weight\s+loss|weight\s+reduction)\s+of\s+(?P<p2>\d{1,2}(?:\.\d+)?)\s*%"
         # "down 6.5% from her pre-Wegovy weight", "weight down 4.2% from baseline" (held-out round 5 v48)
         r"|\b(?:weight\s+)?down\s+(?P<p3>\d{1,2}(?:\.\d+)?)\s*%\s+(?:from|of)\s+(?:(?:her|his|their|the)\s+)?(?:baseline|starting|initial|pre-?[\w-]+)", _loss_pct),
    # a loss since the start as a percent (held-out renew9 r9-02, r9-12, r9-15): "down 7% since starting", "weight down 5%
    # since she started", "5.5% weight loss at the 6-month check", "9% loss of body weight since starting", "Weight %
    # change from baseline: -8.2%", "weight change since starting -6.1%" (never "since last auth")
    Rule("GLP1_LOSS_PCT_SINCE_START",
         r"\b(?:weight\s+)?down\s+(?P<p>\d{1,2}(?:\.\d+)?)\s*%\s+since\s+(?:(?:she|he|I|they|we)\s+)?(?:starting|started|start|beginning|initiation|began)\b"
         r"|(?<![\w.])(?P<p2>\d{1,2}(?:\.\d+)?)\s*%\s+(?:(?:total\s+)?(?:body[\s-]+)?weight\s+loss|loss\s+of\s+(?:total\s+)?body[\s-]*weight)\s+(?:at|after|since|over|on|in)\s+(?:the\s+)?(?:\d{1,2}[\s-]*(?:month|mo|week|wk)\b|starting|start|treatment|therapy|it|[\w-]+\s+(?:check|visit|follow[\s-]*up))"
         r"|\b(?:weight\s+)?(?:%\s*(?:weight\s+)?change|change\s+in\s+weight|weight\s+change)\s+(?:\(%\)\s+)?(?:from|since)\s+(?:the\s+)?(?:baseline|starting|start|pre-?[\w-]+(?:\s+baseline)?)\s*(?:[:=]|was|is)?\s*(?P<sign>[-−–+])\s*(?P<p3>\d{1,2}(?:\.\d+)?)\s*%",
         _loss_pct_since),
    # the start and now said apart (held-out renew9 r9-03, r9-04, r9-05, r9-13): "lost 18 lbs over 6 months (started at 250
    # lbs)", "240 lb when she started, 229 lb now", "Baseline 260 lb before semaglutide; 247 lb at today's visit", "weight
    # 230 lb at start, 236 lb now"
    Rule("GLP1_LOST_OVER_STARTED_AT", r"\blost\s+(?P<l>\d{1,3}(?:\.\d)?)\s*(?P<lu>kg|kgs|lbs?|pounds?)\s+(?:over|in)\s+[^()\n]{0,30}?\(\s*(?:started|starting|baseline|initial)\s*(?:at|weight|of|:|was)?\s*" + _w("b") + r"\s*\)",
         _loss_from),
    Rule("GLP1_WEIGHT_WHEN_STARTED", _w("b") + r"\s+when\s+(?:she|he|I|they|we)\s+(?:first\s+)?(?:started|began)\b[^.;\n\d]{0,30}?[,;]\s*" + _w("w")
         + r"\s+(?:now|today|currently|at\s+(?:today's|this)\s+visit)\b", _weights),
    Rule("GLP1_BASELINE_BEFORE_THEN_NOW", r"\b(?:baseline|starting|start|initial)(?:\s+(?:wt|weight))?\s*:?\s*" + _w("b") + r"\s+(?:before|prior\s+to)\s+(?:starting\s+)?[\w-]+\s*[,;]\s*(?:(?:current|today's)\s+(?:wt|weight)\s*:?\s*)?" + _w("w")
         + r"\s+(?:now|today|currently|at\s+(?:today's|this|the\s+latest)\s+visit|at\s+the\s+\d{1,2}[\s-]*(?:month|week)\s+(?:check|visit|follow[\s-]*up))\b", _weights),
    Rule("GLP1_WEIGHT_AT_START_NOW", r"\b(?:wt|weight)\s*:?\s*" + _w("b") + r"\s+at\s+(?:the\s+)?(?:start|baseline)\s*[,;]\s*" + _w("w") + r"\s+(?:now|today|currently)\b", _weights),
    # "still following the diet and exercise plan", "continues the reduced-calorie meal plan"
    Rule("GLP1_LIFESTYLE_CONTINUED", r"\b(?:still|continues?|continuing|remains?\s+(?:on|adherent\s+to)|adherent\s+to|keeps?\s+up)\s+(?:to\s+)?(?:follow(?:ing)?\s+|with\s+|on\s+|in\s+|doing\s+)?(?:(?:her|his|their|the|a)\s+)?"
         r"(?:reduced[\s-]+calorie\s+|low[\s-]+calorie\s+|calorie[\s-]+restricted\s+)?(?:diet(?:\s+and\s+(?:exercise|activity))?|lifestyle|meal|exercise|activity|nutrition)\s*(?:plan|program(?:me)?|regimen|changes|modifications?)?", _continued),
    # the programme said to go on (held-out renew9 r9-12): "Lifestyle program ongoing", "diet and exercise plan continues",
    # "WW program: ongoing" (never "ongoing since" a date it began: that is its length, read by the programme rules)
    Rule("GLP1_PROGRAMME_ONGOING", rf"\b{_PROGRAMME}\s*(?:[:=-]\s*|\s+(?:is\s+|remains\s+)?)(?:ongoing|continues|continuing|continued)\b(?!\s+(?:since|from|for)\b)",
         _continued),
    # by the programme's commercial name (held-out round 7 y24): "still on the WW plan", "continues Noom", "still doing WW"
    Rule("GLP1_LIFESTYLE_CONTINUED_NAME", rf"\b(?:still|continues?|continuing|remains?\s+(?:on|in|with)|adherent\s+to|keeps?\s+up)\s+(?:to\s+)?"
         rf"(?:follow(?:ing)?\s+|with\s+|on\s+|in\s+|doing\s+|using\s+)?(?:(?:her|his|their|the|a)\s+)?{_COMMERCIAL}(?:\s+(?:plan|program(?:me)?|diet|membership))?\b",
         _continued),
    # "on 2.4 mg weekly", "Current dose: Wegovy 2.4 mg SC weekly", "Zepbound 15 mg weekly"
    Rule("GLP1_MAINTENANCE_DOSE", r"\b(?P<now>(?:currently|now)\s+(?:on|at|taking)\s+)?(?:(?:on|at|taking|current\s+dose\s*:?|dose\s*:?)\s+)?(?:(?P<drug>Wegovy|semaglutide|Zepbound|tirzepatide|Saxenda|liraglutide)\s+)?"
         r"(?P<d>\d{1,2}(?:\.\d{1,2})?)\s*mg\s*(?:(?:SC|SQ|subcut(?:aneous(?:ly)?)?)\s+)?(?:once\s+)?(?P<f>weekly|a\s+week|per\s+week|q\s*(?:1\s*)?w(?:ee)?k|daily)\b", _maintenance),
    # the dose without how often, after "on" / "at" and closed by punctuation (held-out renew9 r9-04: "On 2.4 mg, continues
    # diet"): the named drug's dose (never "2.4 mg/kg", never a dose range or a titration's step "0.5 -> 1 mg")
    Rule("GLP1_MAINTENANCE_ON", r"(?<![>→-]\s)\b(?P<now>(?:currently|now)\s+)?(?:on|at|taking)\s+(?:(?P<drug>Wegovy|semaglutide|Zepbound|tirzepatide|Saxenda|liraglutide)\s+)?"
         r"(?P<d>\d{1,2}(?:\.\d{1,2})?)\s*mg\b(?!\s*/|\s*(?:->|→|-|to)\s*\d)(?=\s*(?:[,;.)]|$|\s+(?:now|currently|since|and|for|continues?)\b))", _maintenance),
    # Wegovy 1.7 mg with 2.4 mg not tolerated (held-out renew9 r9-09): "tolerating 1.7 mg, could not tolerate 2.4 mg"
    Rule("GLP1_WEGOVY_17_NOT_24", r"\b1\.7\s*mg\b[^.;\n]{0,40}?\b(?:could\s+not|couldn't|cannot|can't|did\s+not|didn't|unable\s+to|not\s+able\s+to)\s+tolerate\s+(?:the\s+)?2\.4(?:\s*mg)?"
         r"|\b2\.4(?:\s*mg)?\s+(?:was\s+)?not\s+tolerated\b[^.;\n]{0,30}?\b1\.7\s*mg\b", _wegovy_17),
    # the maintenance dose said by its word (held-out round 7 y11, y24): "on 2.4 mg maintenance", "12.5 mg (maintenance)",
    # "maintenance dose 2.4 mg", "on 1.7 mg (max tolerated)", "at the maximum tolerated dose of 1.7 mg"
    Rule("GLP1_MAINTENANCE_SAID",
         r"\b\d{1,2}(?:\.\d{1,2})?\s*mg\b\s*(?:(?:SC|SQ|weekly|once\s+weekly|q\s*wk)\s*)?[(,-]?\s*(?:the\s+|her\s+|his\s+|a\s+)?"
         r"(?:maintenance(?:\s+dose)?|max(?:imum|imally)?[\s-]+tolerated(?:\s+dose)?)\b"
         r"|\b(?:maintenance|max(?:imum|imally)?[\s-]+tolerated)\s+dose\s*(?:of|:|=|is)?\s*\d{1,2}(?:\.\d{1,2})?\s*mg\b",
         _maintenance_said),
    # sleep apnea improvement by the AHI (held-out round 7 y19): "AHI improved 38 -> 9", "AHI down from 34 to 16",
    # "AHI went from 31 to 12", "AHI 12 (was 31)"
    Rule("GLP1_AHI_CHANGE",
         r"\bAHI\b\s*(?:(?:has\s+)?(?:improved|down|fell|dropped|decreased|went|rose|increased|up|worsened|changed)\s+)?(?:from\s+)?"
         r"(?P<a>\d{1,3}(?:\.\d)?)\s*(?:/\s*h(?:r|our)?|events?/h(?:r|our)?)?\s*(?:->|→|-+>|to)\s*(?P<b>\d{1,3}(?:\.\d)?)(?![\d.])"
         r"|\bAHI\b\s*:?\s*(?P<b2>\d{1,3}(?:\.\d)?)\s*(?:/\s*h(?:r|our)?)?\s*\(\s*(?:was|previously|from|baseline)\s*:?\s*(?P<a2>\d{1,3}(?:\.\d)?)",
         _ahi_change),
    # "60% central events", "central events 20%", "predominantly central (60% central events)"
    Rule("GLP1_CENTRAL_SHARE", r"\b(?P<p>\d{1,3}(?:\.\d+)?)\s*%\s*(?:of\s+(?:the\s+)?(?:events\s+)?(?:were\s+)?)?central(?:\s+(?:events?|apneas?|apnoeas?))?\b"
         r"|\bcentral\s+(?:events?|apneas?|apnoeas?)\s*(?:[:=]|were|was|of)?\s*(?P<p2>\d{1,3}(?:\.\d+)?)\s*%"
         r"|\b(?:predominantly|mostly|mainly|primarily|largely)\s+central\b", _central_share),
    # a stated combination: "Mounjaro to be added on top of Trulicity", "add Wegovy to his Ozempic"
    Rule("GLP1_ADDED_TO", rf"\b(?:add(?:ed|ing)?\s+(?:\w+\s+)?(?:on\s+top\s+of|to)|on\s+top\s+of|in\s+addition\s+to|in\s+combination\s+with|"
         rf"combined\s+with|together\s+with|along\s+with)\s+(?:(?:her|his|their|the|current|existing|ongoing)\s+){{0,2}}(?P<d>{_GLP1_NAMES})\b", _added_to_glp1),
    # "98th percentile BMI-for-age", "99th percentile for age and sex"
    Rule("GLP1_PERCENTILE_FOR_AGE", r"\b(?P<p>\d{1,3}(?:\.\d+)?)(?:st|nd|rd|th)\s*(?:percentile|centile|%ile)\s+(?:BMI[\s-]*for[\s-]*age|for\s+age(?:\s+(?:and|&)\s+(?:sex|gender))?|BMI)", _percentile),
    # "BMI at the 97th percentile", "BMI 97th percentile", "BMI-for-age percentile of 96"
    Rule("GLP1_BMI_PERCENTILE", r"\bBMI(?:[\s-]+for[\s-]+age)?\s+(?:is\s+|at\s+|at\s+the\s+|in\s+the\s+|>=?\s*|≥\s*)?(?P<p>\d{1,3}(?:\.\d+)?)(?:st|nd|rd|th)?\s*(?:percentile|centile|%ile)", _percentile),
    # "her BMI is over the 99th percentile", "BMI 36, which ... is above the 99th percentile" (a bound: its floor)
    Rule("GLP1_BMI_ABOVE_PERCENTILE", r"\b(?:at\s+or\s+)?(?:over|above|greater\s+than|more\s+than|beyond|>=?|≥)\s*(?:the\s+)?"
         r"(?P<p>\d{1,3})(?:st|nd|rd|th)\s*(?:percentile|centile|%ile)\b", _percentile_above),
    Rule("GLP1_BMI_PERCENTILE_OF", r"\bBMI(?:[\s-]+for[\s-]+age)?\s+percentile\s*(?:of|is|:|=)?\s*(?P<p>\d{1,3}(?:\.\d+)?)(?:st|nd|rd|th)?", _percentile),
)
