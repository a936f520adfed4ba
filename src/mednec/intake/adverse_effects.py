"""Words that name an adverse effect a drug was stopped for, shared by the text readers and FHIR
intake (a MedicationStatement's ``statusReason`` text).

A record that says a drug "caused myalgias", "myalgias on atorvastatin", "CK 5x ULN" or, as a
status reason, only "muscle pain" records intolerance of that drug even without the word
"intolerant". The muscle words are the statin-associated muscle symptoms of the NLA 2022 statin
intolerance statement (myalgia, myopathy, myositis, rhabdomyolysis, a raised creatine kinase);
the others are the adverse effects records most often name (raised liver enzymes, GI
intolerance, rash). Whether the effect counts towards a policy's intolerance rule is the
policy's business (``statin_step`` in the LDL pack applies NLA 2022: two statins, one at its
lowest dose); this module only says that the drug was not tolerated.
"""

from __future__ import annotations

import re

__all__ = ["ADVERSE_EFFECT", "RHABDO", "SKIN_REACTION", "names_adverse_effect"]

#: an adverse-effect phrase (regex, no groups)
ADVERSE_EFFECT = (
    r"(?:myalgias?|myopath(?:y|ies)|myositis|rhabdo(?:myolysis)?|myotoxicity"
    r"|muscle[\s-]+(?:pains?|aches?|cramps?|cramping|weakness|symptoms|soreness|tenderness|toxicity|damage|injury)"
    r"|muscular\s+(?:pains?|aches?|symptoms)|aching\s+muscles|(?:SAMS|statin[\s-]+associated\s+muscle\s+symptoms)"
    r"|(?:elevated|raised|high|increased|rising)\s+(?:CK|CPK|creatine\s+kinase|LFTs?|liver\s+(?:enzymes|function\s+tests)|transaminases)"
    r"|(?:CK|CPK|creatine\s+kinase)\s+(?:elevation|rise|increase|\d+(?:\.\d+)?\s*(?:x|×|times)\s*(?:the\s+)?ULN)"
    r"|(?:LFT|transaminase|liver\s+enzyme)\s+(?:elevation|rise|abnormalit(?:y|ies))|transaminitis|hepatotoxicity"
    r"|GI\s+(?:intolerance|upset|side\s+effects)|(?:stomach|tummy|GI|gastrointestinal)\s+(?:problems|issues|upset|troubles?)|(?:persistent\s+|severe\s+)?(?:diarrh(?:o)?ea|nausea|vomiting)"
    r"|side[\s-]+effects?|adverse\s+(?:effects?|reactions?|events?)|intoleran(?:t|ce))"
)
#: a skin or injection-site reaction ("generalized rash", "injection-site reactions", "hives"): an adverse effect
#: of the course it stopped for the text readers and case files (the FHIR reader's names above are unchanged)
SKIN_REACTION = (r"(?:(?:generali[sz]ed|diffuse|pruritic|itchy|severe|local|injection[\s-]+site)\s+)*"
                 r"(?:rash(?:es)?|hives|urticaria|(?:(?:allergic|hypersensitivity|skin|site)\s+)?reactions?|pruritus|itching)")
#: statin-related rhabdomyolysis: mednec's LDL decisions count it as a contraindication
RHABDO = r"rhabdo(?:myolysis)?"

_AE_RE = re.compile(rf"\b{ADVERSE_EFFECT}\b", re.I)


def names_adverse_effect(text: str) -> bool:
    """Whether ``text`` (a status reason, a short phrase) names an adverse effect."""
    return _AE_RE.search(text) is not None
