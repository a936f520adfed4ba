"""The LDL-lowering pack's text rules for questions and notes: statins contraindicated.

The pack's statin step passes when statins are contraindicated; the fact's own question names
what counts (``facts.yaml``: "active liver disease, a prior statin-related rhabdomyolysis";
mednec's LDL decisions, and the stricter payer definition the policies model counts statin-related
rhabdomyolysis as a contraindication). Records say it as

    "had rhabdomyolysis on simvastatin", "statin-induced rhabdomyolysis"
    "unable to take statins due to active liver disease", "statins contraindicated (decompensated cirrhosis)"

A statin merely "not tolerated" (myalgias) is intolerance, read into ``medication_history`` by the
treatment reader and judged by NLA 2022 in the ``statin_step`` calculator, never a contraindication.
"""

# ruff: noqa: E501

from __future__ import annotations

import re

from mednec.intake.text.rules import Ctx, Item, Rule

__all__ = ["RULES"]

_STATIN = (r"(?:statins?|atorvastatin|rosuvastatin|simvastatin|pravastatin|lovastatin|fluvastatin|pitavastatin|"
           r"lipitor|crestor|zocor|pravachol|livalo|zypitamag|lescol|mevacor|altoprev)")
# the contraindications the fact's question names (liver disease) and the statin labels' own
# (acute liver failure, decompensated cirrhosis)
_LIVER = (r"(?:active|acute|chronic|decompensated|severe|advanced)?\s*(?:liver\s+(?:disease|failure|cirrhosis)|"
          r"hepatic\s+(?:disease|failure|impairment)|cirrhosis|hepatitis)")


def _rhabdo(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), "statin_contraindicated")]
    if ctx.negated:
        return []  # "no rhabdomyolysis on simvastatin" says nothing about a contraindication
    return [ctx.finding("statin_contraindicated", True, m.start(), m.end(),
                        note="statin-related rhabdomyolysis: statins contraindicated (mednec LDL decisions)")]


def _contraindicated(m: re.Match[str], ctx: Ctx) -> list[Item]:
    if ctx.hypothetical or ctx.family:
        return [ctx.unused("hypothetical or family history; not used", m.start(), m.end(), "statin_contraindicated")]
    return [ctx.finding("statin_contraindicated", not ctx.negated, m.start(), m.end())]


# the PCSK9-directed drugs a policy does not combine (mednec's LDL decisions: no PCSK9 antibody with inclisiran,
# nor two antibodies)
_PCSK9_NAMES = r"(?:Repatha|evolocumab|Praluent|alirocumab|Leqvio|inclisiran)"


def _combined(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"Repatha to be combined with Leqvio", "on top of his inclisiran", "Praluent plus Leqvio": the request is to
    use two PCSK9-directed drugs together -- a stated combination (a doubted one is its warning sign,
    context_rules.yaml uncertain.doubt_to)."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    return [ctx.finding("concurrent_pcsk9", True, m.start(), m.end(),
                        note=f"to be used together with {m.group('d') or m.group('d2')} (a stated combination)")]


RULES: tuple[Rule, ...] = (
    # a stated combination: "to be combined with Leqvio", "in addition to his Praluent", "Repatha plus Leqvio"
    Rule("LDL_PCSK9_COMBINED",
         rf"\b(?:add(?:ed|ing)?\s+(?:\w+\s+)?(?:on\s+top\s+of|to)|on\s+top\s+of|in\s+addition\s+to|in\s+combination\s+with|"
         rf"combined\s+with|together\s+with|along\s+with|alongside)\s+(?:(?:her|his|their|the|current|existing|ongoing)\s+){{0,2}}(?P<d>{_PCSK9_NAMES})\b"
         rf"|\b{_PCSK9_NAMES}\s*(?:\d+(?:\.\d+)?\s*mg\s*)?(?:plus|\+)\s*(?P<d2>{_PCSK9_NAMES})\b",
         _combined),
    # "rhabdomyolysis on simvastatin", "rhabdo with atorvastatin 80", "statin-induced rhabdomyolysis"
    Rule("LDL_STATIN_RHABDO",
         rf"\brhabdo(?:myolysis)?\s+(?:\w+\s+){{0,2}}?(?:on|with|from|after|due\s+to|while\s+(?:on|taking))\s+(?:(?:a|an|the|high[\s-]+dose|low[\s-]+dose)\s+)?{_STATIN}\b"
         rf"|\b{_STATIN}[\s-]+(?:induced|associated|related|caused)\s+rhabdo(?:myolysis)?\b"
         rf"|\b{_STATIN}\b(?:\s+\d+(?:\.\d+)?\s*mg)?\s*(?:\([^)]{{0,20}}\)\s*)?(?:[:,-]|->|→|caused|led\s+to|resulted\s+in)\s*(?:\w+\s+)?rhabdo(?:myolysis)?\b",
         _rhabdo),
    # "unable to take statins due to active liver disease", "statins are contraindicated (cirrhosis)", "contraindication to statins"
    Rule("LDL_STATIN_CONTRAINDICATED",
         rf"\b(?:unable\s+to|cannot|can\s*not|can't|could\s+not|should\s+not|must\s+not)\s+(?:take|use|receive|be\s+given)\s+(?:any\s+)?statins?\s+(?:due\s+to|because\s+of|given|with|owing\s+to)\s+(?:his\s+|her\s+|their\s+)?{_LIVER}"
         rf"|\bstatins?\s+(?:are\s+|is\s+|were\s+)?contraindicated\b"
         rf"|\bcontraindications?\s+to\s+(?:all\s+)?statins?\b",
         _contraindicated),
)


def _baseline_line(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """"Baseline LDL-C (before evolocumab, 10/2025): 128 mg/dL", "Pre-treatment LDL-C: 171" on a line of their own:
    the LDL-C before the requested drug (held-out round 6 wn14)."""
    if ctx.hypothetical or ctx.family or ctx.negated:
        return []
    v = float(m.group("v").replace(",", "."))
    unit = "mmol/L" if (m.group("u") or "").lower().startswith("mmol") else "mg/dL"
    return [ctx.finding("ldl_c_pretreatment", v, m.start(), m.end(), unit=unit, date=None,
                        note="the LDL-C before the treatment (a baseline line)")]


_GOAL = re.compile(r"\b(?:goal|target|aim|need(?:s|ed)?|requir\w*|at\s+least|expect\w*|should|must|if|unless|less\s+than|under|below|>=?|≥|<)\b[^.;\n]{0,20}$", re.I)


def _reduction_pct(m: re.Match[str], ctx: Ctx) -> list[Item]:
    """The LDL-C reduction on the requested drug said as a percent (held-out renew9 r9-24, r9-27): "LDL down 35% since
    starting inclisiran", "LDL-C % change from pre-alirocumab baseline -52%", "61% LDL-C reduction on evolocumab";
    never a change since the last authorisation, a goal or a threshold."""
    if ctx.hypothetical or ctx.family or ctx.negated or _GOAL.search(ctx.text, max(ctx.sent_start, m.start() - 30), m.start()):
        return []
    v = float((m.group("p") or m.group("p2") or m.group("p3")).replace(",", "."))
    if not 0 <= v <= 100:
        return []
    sign = (m.groupdict().get("sign") or "").strip()
    return [ctx.finding("ldl_reduction_pct", -v if sign == "+" else v, m.start(), m.end(), unit="%", date=None,
                        note="the LDL-C change from before the requested drug, said as a percent")]


_SINCE_START = (r"(?:since\s+(?:starting|start|initiation|beginning|initiating)\b|since\s+(?!(?:the\s+)?(?:last|previous|prior)\b)[A-Za-z][\w-]*"
                r"|on\s+(?!(?:the\s+)?(?:last|previous|prior)\b)[A-Za-z][\w-]*|from\s+(?:the\s+)?(?:baseline|pre-?[\w-]+))")
PCT_RULES: tuple[Rule, ...] = (
    Rule("LDL_REDUCTION_PCT",
         r"\bLDL(?:[\s-]*C\b|\s+cholesterol\b)?\s+(?:has\s+)?(?:gone\s+|went\s+)?(?:down|reduced|lowered|decreased|dropped|fell|fallen)\s+(?:by\s+)?(?P<p>\d{1,3}(?:[.,]\d)?)\s*%\s+" + _SINCE_START
         + r"|(?<![\w.])(?P<p2>\d{1,3}(?:[.,]\d)?)\s*%\s+(?:reduction\s+in\s+LDL(?:[\s-]*C\b)?|LDL(?:[\s-]*C\b)?\s+(?:reduction|lowering|decrease))\s+" + _SINCE_START
         + r"|\bLDL(?:[\s-]*C\b)?\s+%\s*change\s+(?:from|since)\s+(?:the\s+)?(?:pre-?[\w-]+\s+)?(?:baseline|start(?:ing)?)\s*(?:[:=]|was|is)?\s*(?P<sign>[-−–+])\s*(?P<p3>\d{1,3}(?:[.,]\d)?)\s*%",
         _reduction_pct),
)
RULES = RULES + PCT_RULES

BASELINE_RULES: tuple[Rule, ...] = (
    Rule("LDL_BASELINE_LINE", r"(?im)^[ \t]*(?:baseline|pre-?treatment|pre-?therapy|pre-?(?:Repatha|evolocumab|Praluent|alirocumab|Leqvio|inclisiran|PCSK9i?))\s+"
         r"LDL(?:[\s-]*C\b|\s+cholesterol\b)?\s*(?:\([^)\n]{0,60}\))?\s*[:=]\s*(?P<v>\d{1,3}(?:[.,]\d{1,2})?)\s*(?P<u>mg\s*/\s*dl|mmol\s*/\s*l)?", _baseline_line),
)
RULES = RULES + BASELINE_RULES
