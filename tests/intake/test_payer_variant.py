"""A question (or its note) naming the patient's plan is judged on that plan's numbers (held-out round 3:
"Cigna member, Repatha ... LDL 60", "UHC: Praluent ... has not tried Repatha", "CVS Caremark plan: Repatha
... never tried ezetimibe", "BCBS North Dakota: Leqvio", "Aetna member. Wegovy ... 4 months" were answered
under the policies' defaults -- three "meets" where the plan says no, a "does not meet" where the plan's
lower LDL-C threshold is met). Table-driven: each payer in the ways writers name it, in several sentence
shapes, against each drug with and without a variant for it."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.policies.payer_match import variant_named
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)

#: (policy, the ways writers name the payer, the variant)
NAMES = [
    ("evolocumab-repatha", ["Cigna", "CIGNA", "Cigna Healthcare"], "cigna"),
    ("evolocumab-repatha", ["CVS Caremark", "Caremark", "CVS/Caremark"], "caremark"),
    ("alirocumab-praluent", ["Cigna"], "cigna"),
    ("alirocumab-praluent", ["UHC", "UnitedHealthcare", "United Healthcare", "United Health Care"], "uhc-2025"),
    ("inclisiran-leqvio", ["BCBS ND", "BCBS-ND", "BCBSND", "BCBS North Dakota", "BCBS of North Dakota",
                           "Blue Cross Blue Shield of North Dakota", "Blue Cross of North Dakota"], "bcbs-nd"),
    ("bempedoic-acid-nexletol", ["Cigna"], "cigna"),
    ("semaglutide-wegovy", ["Aetna", "AETNA", "Aetna / CVS Caremark", "CVS Caremark"], "aetna-2022"),
    ("tirzepatide-zepbound", ["Cigna"], "cigna-osa"),
]
SHAPES = ["{p} member, request for the drug", "{p}: PA request", "Insurance: {p}. Is it covered?",
          "Her plan is {p} commercial.", "pt has {p} (commercial PPO)"]

#: payers a policy has no variant for, and words that only look like one: the defaults
NOT_NAMED = [
    ("evolocumab-repatha", "Aetna member"), ("evolocumab-repatha", "UHC member"), ("semaglutide-wegovy", "Cigna member"),
    ("alirocumab-praluent", "Medicare Part D"), ("inclisiran-leqvio", "BCBS of Texas member, North Dakota resident"),
    ("evolocumab-repatha", "Cignal results"), ("alirocumab-praluent", "united front of the family"),
    ("luspatercept-mds", "Cigna member"), ("evolocumab-repatha", "no insurance named"),
]


@pytest.mark.parametrize(("policy", "name", "variant", "shape"),
                         [(p, n, v, s) for (p, names, v), s in itertools.product(NAMES, SHAPES) for n in names])
def test_named_payer_selects_its_variant(runtime: Runtime, policy: str, name: str, variant: str, shape: str) -> None:
    assert variant_named(runtime.catalog.policy(policy), [shape.format(p=name)]) == variant


@pytest.mark.parametrize(("policy", "text"), NOT_NAMED)
def test_no_modelled_payer_keeps_the_defaults(runtime: Runtime, policy: str, text: str) -> None:
    assert variant_named(runtime.catalog.policy(policy), [text]) is None


# the answer is the plan's: the same words under the defaults and under the plan differ
ANSWERS = [
    ("Repatha for ASCVD, LDL 60 mg/dL on atorvastatin 80 mg for 1 year", "Cigna member.", "cigna",
     "insufficient_information", "meets_criteria"),
    ("Repatha, CAD, LDL 88, atorvastatin 80 for 6 months, never tried ezetimibe", "CVS Caremark plan:", "caremark",
     "meets_criteria", "insufficient_information"),
    ("Praluent for ASCVD, LDL 80 on rosuvastatin 40 x 6 months, has not tried Repatha", "UHC:", "uhc-2025",
     "meets_criteria", "does_not_meet_criteria"),
    ("Wegovy: 52F, BMI 36, 4 months of a structured lifestyle program", "Aetna member.", "aetna-2022",
     "meets_criteria", "insufficient_information"),
]


@pytest.mark.parametrize(("text", "payer", "variant", "default", "under_plan"), ANSWERS)
def test_answer_is_judged_under_the_named_plan(runtime: Runtime, text: str, payer: str, variant: str,
                                               default: str, under_plan: str) -> None:
    plain = answer(text, runtime, as_of=AS_OF)
    named = answer(f"{payer} {text}", runtime, as_of=AS_OF)
    assert plain.policy is not None and plain.policy.variant is None
    assert plain.determination is not None and plain.determination.determination == default
    assert named.policy is not None and named.policy.variant is not None and named.policy.variant.id == variant
    assert named.determination is not None and named.determination.determination == under_plan


def test_payer_named_in_the_note(runtime: Runtime) -> None:
    note = "Insurance: Cigna PPO\n70 yo F, NSTEMI 2022. LDL-C 60 mg/dL (11/10/2026) on atorvastatin 80 mg since 2023.\n"
    a = answer("Is Repatha medically necessary?", runtime, as_of=AS_OF, note=note)
    assert a.policy is not None and a.policy.variant is not None and a.policy.variant.id == "cigna"
