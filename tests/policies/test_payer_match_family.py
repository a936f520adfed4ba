"""Which payer variant a payer's name picks, generated over every payer variant of every shipped pack.

Two places name the member's plan: the words of a question or note (``mednec ask``) and a FHIR request
(a CRD / PAS Coverage's ``payor`` -- an Organization's name or the reference's display -- and a PAS
Claim's ``insurer``). For every variant, each name that truly means its payer, in several forms (case,
punctuation, inside a sentence, in a Coverage.payor display, in an Organization's name, in a PAS insurer),
must pick that variant; names of other payers, a payer's name inside another word, and a payer named as
not the member's current one ("not Cigna", "former insurer: Cigna", "switched from Cigna") must not.

What is right for a negated or former payer: it is not the plan the request is judged under, so it picks
no variant; when nothing else names the current plan, the policy's defaults apply (never a wrong variant).

The true names (``TRUE_NAMES``) are checked facts, not guesses:
* Cigna: its insurers are Cigna Health and Life Insurance Company and Connecticut General Life Insurance
  Company (the Cigna policies' own preambles); the parent is The Cigna Group.
* UnitedHealthcare: "UHC" is the payer's own abbreviation (its policies' file names, ``UHC``); its
  Medicaid plans are "UnitedHealthcare Community Plan".
* CVS Caremark: the PBM writes itself "CVS Caremark"; "Caremark" alone is the same company. "CVS"
  alone is also a retail pharmacy ("filled at CVS"), so it names no payer.
* Aetna: "Aetna Better Health" (its Medicaid plans) and Aetna Life Insurance Company are Aetna.
* Blue Cross Blue Shield of North Dakota: "BCBSND" (its own domain and abbreviation), "BCBS ND"; its
  legal parent is Noridian Mutual Insurance Company. "Noridian" alone, or Noridian Healthcare
  Solutions, is BCBSND's Medicare claims contractor (Medicare Part A/B jurisdictions E and F), whose
  claims are Medicare's, not BCBSND's medical policy: no variant.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from mednec.fhir.coverage import payer_names
from mednec.fhir.crd import index_resources
from mednec.policies.model import Policy
from mednec.policies.payer_match import variant_named
from mednec.runtime import default_runtime

#: a variant's ``payer`` (one alternative of it) -> the names that truly mean that payer
TRUE_NAMES: dict[str, tuple[str, ...]] = {
    "Cigna": ("Cigna", "The Cigna Group", "Cigna Healthcare", "Cigna Health and Life Insurance Company",
              "Connecticut General Life Insurance Company"),
    "UnitedHealthcare": ("UnitedHealthcare", "UHC", "United Healthcare", "United Health Care",
                         "UnitedHealthcare Community Plan"),
    "CVS Caremark": ("CVS Caremark", "Caremark", "CVS/Caremark", "CVS-Caremark"),
    "Aetna": ("Aetna", "Aetna Better Health", "Aetna Life Insurance Company"),
    "Blue Cross Blue Shield of North Dakota": (
        "Blue Cross Blue Shield of North Dakota", "Blue Cross and Blue Shield of North Dakota",
        "Blue Cross & Blue Shield of North Dakota", "Blue Cross of North Dakota", "BCBS of North Dakota",
        "BCBS North Dakota", "BCBS ND", "BCBS-ND", "BCBSND", "Noridian Mutual Insurance Company"),
}

#: payers no shipped variant models, and words that only look like one: never a variant
OTHER_PAYERS = ("Humana", "Kaiser Permanente", "Anthem Blue Cross", "Blue Cross Blue Shield of Texas", "BCBS of Texas",
                "BCBS TX", "Medicare Part D", "Noridian", "Noridian Healthcare Solutions", "Molina Healthcare",
                "Signal Health", "United Way")

SENTENCES = ("{p} member, request for the drug", "Insurance: {p}. Is it covered?", "pt has {p} (commercial PPO)",
             "Is this covered by {p}?", "PA for {p}; LDL and BMI attached", "Plan: {p}\nPA request")
#: a payer named as not the member's current plan
NOT_CURRENT = ("not {p}", "Insurance: not {p}", "former insurer: {p}", "previously covered by {p}",
               "switched from {p} last year", "no longer with {p}", "{p} coverage ended in 2025",
               "her old plan was {p}", "was on {p} until 2025")


def _policies() -> list[Policy]:
    return [p for p in default_runtime().catalog.policies() if any(v.variant is not None for v in p.variants)]


def _alternatives(payer: str) -> list[str]:
    return [n.strip() for n in payer.split("/") if n.strip()]


def _expected(policy: Policy, payer: str) -> str | None:
    """The variant a name of ``payer`` picks: the one variant naming it, else the one naming it with the fewest
    other payers (a variant of that payer alone beats "Aetna / CVS Caremark")."""
    hits = [(len(_alternatives(v.variant.payer)), v.variant.id) for v in policy.variants
            if v.variant is not None and payer in _alternatives(v.variant.payer)]
    if not hits:
        return None
    best = min(n for n, _ in hits)
    ids = sorted({vid for n, vid in hits if n == best})
    return ids[0] if len(ids) == 1 else None


def _forms(name: str) -> list[str]:
    return list(dict.fromkeys([name, name.upper(), name.lower(), f"{name}.", f"{name},", f"({name})", f"{name}'s"]))


def _cases() -> list[tuple[str, str, str]]:
    out = []
    for p in _policies():
        payers = {a for v in p.variants if v.variant is not None for a in _alternatives(v.variant.payer)}
        for payer in sorted(payers):
            out += [(p.id, payer, n) for n in TRUE_NAMES.get(payer, (payer,))]
    return out


CASES = _cases()


def test_every_variants_payer_has_its_true_names_here() -> None:
    """A new payer variant brings its names into TRUE_NAMES (so the family covers it)."""
    payers = {a for p in _policies() for v in p.variants if v.variant is not None for a in _alternatives(v.variant.payer)}
    assert payers <= set(TRUE_NAMES), sorted(payers - set(TRUE_NAMES))


def _text(policy: Policy, text: str) -> str | None:
    return variant_named(policy, [text])


def _coverage(policy: Policy, name: str, where: str) -> str | None:
    org = {"resourceType": "Organization", "id": "payer", "name": name}
    ref: dict[str, Any] = {"reference": "Organization/payer"}
    if where == "display":
        ref = {"display": name}
    elif where == "alias":
        org = {"resourceType": "Organization", "id": "payer", "name": "Health plan", "alias": [name]}
    coverage = {"resourceType": "Coverage", "id": "cov", "status": "active", "beneficiary": {"reference": "Patient/p"},
                "payor": [ref]}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in (coverage, org)]}
    if where == "insurer":  # a PAS Claim's insurer, no Coverage
        claim = {"resourceType": "Claim", "id": "c", "insurer": {"reference": "Organization/payer", "display": name}}
        return variant_named(policy, payer_names(index_resources({"entry": [{"resource": org}]}), claims=(claim,)))
    return variant_named(policy, payer_names(index_resources(bundle)))


def _policy(pid: str) -> Policy:
    return default_runtime().catalog.policy(pid)


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize(("pid", "payer", "name"), CASES)
def test_a_true_name_in_a_sentence_picks_the_variant(pid: str, payer: str, name: str, sentence: str) -> None:
    policy = _policy(pid)
    want = _expected(policy, payer)
    got = [(f, _text(policy, sentence.format(p=f))) for f in _forms(name)]
    assert [f for f, v in got if v != want] == [], f"want {want}"


@pytest.mark.parametrize("where", ["name", "display", "alias", "insurer"])
@pytest.mark.parametrize(("pid", "payer", "name"), CASES)
def test_a_true_name_in_a_fhir_request_picks_the_variant(pid: str, payer: str, name: str, where: str) -> None:
    policy = _policy(pid)
    want = _expected(policy, payer)
    got = [(f, _coverage(policy, f, where)) for f in _forms(name)]
    assert [f for f, v in got if v != want] == [], f"want {want}"


@pytest.mark.parametrize("pid", [p.id for p in _policies()])
@pytest.mark.parametrize("name", OTHER_PAYERS)
def test_another_payer_picks_no_variant(pid: str, name: str) -> None:
    policy = _policy(pid)
    assert _text(policy, f"{name} member, PA request") is None
    assert [w for w in ("name", "display", "insurer") if _coverage(policy, name, w) is not None] == []


def _inside_words(name: str) -> list[str]:
    """A payer's shortest single-word name with letters glued on either side ("Cignal", "xAetna")."""
    word = min((w for w in re.findall(r"[A-Za-z]+", name) if len(w) >= 4), key=len, default=None)
    return [] if word is None else [f"{word}l", f"x{word}", f"{word}ville", f"Pre{word.lower()}"]


@pytest.mark.parametrize(("pid", "payer", "name"), CASES)
def test_a_name_inside_another_word_picks_no_variant(pid: str, payer: str, name: str) -> None:
    policy = _policy(pid)
    wrong = [w for w in _inside_words(name)
             if _text(policy, f"lives in {w}, PA request") is not None
             or any(_coverage(policy, w, where) is not None for where in ("name", "display", "insurer"))]
    assert wrong == []


@pytest.mark.parametrize("shape", NOT_CURRENT)
@pytest.mark.parametrize(("pid", "payer", "name"), CASES)
def test_a_payer_named_as_not_the_current_plan_picks_no_variant(pid: str, payer: str, name: str, shape: str) -> None:
    policy = _policy(pid)
    assert _text(policy, f"Repatha request. {shape.format(p=name)}. LDL 80.") is None


@pytest.mark.parametrize(("pid", "payer", "name"), CASES)
def test_a_former_payer_beside_the_current_one_picks_the_current_ones_variant(pid: str, payer: str, name: str) -> None:
    """'switched from Humana to X' is X's plan; 'switched from X to Humana' is no modelled plan."""
    policy = _policy(pid)
    assert _text(policy, f"switched from Humana to {name} in January") == _expected(policy, payer)
    assert _text(policy, f"switched from {name} to Humana in January") is None
    assert _text(policy, f"formerly {name}, now Humana") is None


def _two_payers() -> list[tuple[str, str, str]]:
    out = []
    for p in _policies():
        payers = sorted({a for v in p.variants if v.variant is not None for a in _alternatives(v.variant.payer)})
        out += [(p.id, a, b) for i, a in enumerate(payers) for b in payers[i + 1:] if _expected(p, a) != _expected(p, b)]
    return out


@pytest.mark.parametrize(("pid", "a", "b"), _two_payers())
def test_two_current_payers_of_different_variants_pick_none(pid: str, a: str, b: str) -> None:
    """'Cigna or CVS Caremark?': which plan is the member's is not said, so the defaults (never a guess)."""
    policy = _policy(pid)
    assert _text(policy, f"Insurance: {a} or {b}?") is None
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Coverage", "id": "cov", "status": "active", "payor": [{"display": a}, {"display": b}]}}]}
    assert variant_named(policy, payer_names(index_resources(bundle))) is None


@pytest.mark.parametrize(("pid", "text"), [
    ("alirocumab-praluent", "United Health Services hospital, Binghamton"), ("evolocumab-repatha", "filled at CVS pharmacy"),
    ("inclisiran-leqvio", "Noridian JE Part B"), ("evolocumab-repatha", "Caremarketing"),
])
def test_names_that_are_not_the_payer_pick_no_variant(pid: str, text: str) -> None:
    """A hospital system, a retail pharmacy, a Medicare contractor: not the modelled payers."""
    assert variant_named(_policy(pid), [text]) is None


def test_a_payer_not_applied_is_listed_as_not_used_in_the_answer() -> None:
    import datetime as dt

    from mednec.ask import answer

    rt = default_runtime()
    a = answer("Repatha for ASCVD, LDL 60 on atorvastatin 80 mg for 1 year. Former insurer: Cigna; now Humana.", rt,
               as_of=dt.date(2026, 12, 6))
    assert a.policy is not None and a.policy.variant is None
    notes = [x for x in a.understood.unused if x.fact == "payer"]
    # Humana, the current plan, has no variant: said too (tests/policies/test_payer_unmodelled.py), not dropped
    assert [(x.span.text, x.source) for x in notes] == [("Cigna", "question"), ("Humana", "question")]
    assert "not the member's current plan" in notes[0].reason
    assert "own criteria apply" in notes[1].reason
    both = answer("Repatha for ASCVD, LDL 60. Is it covered by Cigna or CVS Caremark?", rt, as_of=dt.date(2026, 12, 6))
    assert both.policy is not None and both.policy.variant is None
    assert [x.reason for x in both.understood.unused if x.fact == "payer"][0].startswith("plans of different payer variants")
