"""Two readings of the doubted-exclusion family (helper doubt, 2026-12-07), held out before the change.

1. A doubt about the REQUESTED drug itself ("possibly still injecting Mounjaro" when Mounjaro is requested: a
   renewal) is no sign of another drug of the class taken with it. The class's warning sign (concurrent_glp1_possible,
   concurrent_pcsk9_possible) is about a different product than the one requested -- the same rule the policies'
   treatment-history check follows (Mounjaro's "another GLP-1 taken now" lists every GLP-1 but tirzepatide). Table:
   requested drug x doubt phrasing x (the drug's brand, its generic); controls: another drug of the class stays asked.
   Another product of the requested molecule ("possibly still injecting Zepbound" when Mounjaro is requested) is
   asked too: the labels advise against two products of one molecule together, and a switch is not said (the lead's
   decision of 7 December 2026, with round 7 y23, tests/intake/test_other_product_of_the_molecule.py; this file first
   counted the other brand as the requested drug).
2. LADA (latent autoimmune diabetes in adults), stated or doubted, keeps 'not type 1' a question. The ADA Standards of
   Care classify every diabetes mediated by autoimmune beta-cell destruction as type 1 and the GLP-1 diabetes labels'
   limitations of use exclude type 1, but that classification was read only in a copy (a secondary source decides
   nothing: mednec's GLP-1 decisions, 7 December 2026). The helper's first version of this test had a stated LADA
   not meet the criterion; the lead reverted that decision (same day) for that reason, and the expectation with it.
"""

from __future__ import annotations

import itertools

import pytest

from mednec.runtime import Runtime
from tests.intake.conftest import criterion_status

T2D = "{drug} for type 2 diabetes: 58M, on metformin 1000 mg twice daily for 6 months, A1c 8.2%; {s}"
WEIGHT = "{drug} for chronic weight management: 34F, BMI 36, 6 months of diet and exercise; {s}"
ASCVD = "{drug} for ASCVD (prior MI in 2023): on atorvastatin 80 mg daily for 6 months, LDL-C 110 mg/dL last week; {s}"

DOUBT = ["possibly still injecting {d}", "unclear whether {d} was stopped", "may still be using {d}",
         "{d} possibly ongoing", "? still on {d}", "{d} (? still taking)", "not sure if she stopped {d}"]
# (requested drug, its base text, the names of the same molecule)
SAME = [("Mounjaro", T2D, ["Mounjaro", "tirzepatide"]),
        ("Ozempic", T2D, ["Ozempic", "semaglutide"]),
        ("Trulicity", T2D, ["Trulicity", "dulaglutide"]),
        ("Zepbound", WEIGHT, ["Zepbound", "tirzepatide"]),
        ("Wegovy", WEIGHT, ["Wegovy", "semaglutide"])]
# another product of the requested molecule, doubted: asked like a stated one
OTHER_PRODUCT = [("Mounjaro", T2D, "Zepbound"), ("Ozempic", T2D, "Wegovy"), ("Zepbound", WEIGHT, "Mounjaro"),
                 ("Wegovy", WEIGHT, "Ozempic")]
SAME_PCSK9 = [("Repatha", ASCVD, ["Repatha", "evolocumab"]), ("Leqvio", ASCVD, ["Leqvio", "inclisiran"]),
              ("Praluent", ASCVD, ["Praluent", "alirocumab"])]
OTHER = [("Mounjaro", T2D, "Ozempic"), ("Zepbound", WEIGHT, "Wegovy"), ("Ozempic", T2D, "Trulicity")]


def _cases(rows: list[tuple[str, str, list[str]]]) -> list[tuple[str, str]]:
    return [(drug, base.format(drug=drug, s=form.format(d=name)))
            for (drug, base, names), form in itertools.product(rows, DOUBT) for name in names]


@pytest.mark.parametrize(("drug", "text"), _cases(SAME))
def test_a_doubt_about_the_requested_glp1_itself_is_no_concurrency_sign(runtime: Runtime, drug: str, text: str) -> None:
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "met", text


@pytest.mark.parametrize(("drug", "text"), _cases(SAME_PCSK9))
def test_a_doubt_about_the_requested_pcsk9_drug_itself_is_no_concurrency_sign(runtime: Runtime, drug: str, text: str) -> None:
    assert criterion_status(runtime, text, "no_concurrent_pcsk9")[1] == "met", text


@pytest.mark.parametrize(("drug", "base", "other"), OTHER)
@pytest.mark.parametrize("form", DOUBT)
def test_a_doubt_about_another_drug_of_the_class_is_still_asked(runtime: Runtime, drug: str, base: str, other: str,
                                                                 form: str) -> None:
    text = base.format(drug=drug, s=form.format(d=other))
    assert criterion_status(runtime, text, "no_concurrent_glp1") == ("insufficient_information", "unknown"), text


@pytest.mark.parametrize(("drug", "base", "other"), OTHER_PRODUCT)
@pytest.mark.parametrize("form", DOUBT)
def test_a_doubt_about_another_product_of_the_molecule_is_asked(runtime: Runtime, drug: str, base: str, other: str,
                                                                form: str) -> None:
    text = base.format(drug=drug, s=form.format(d=other))
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "unknown", text


def test_both_the_requested_and_another_drug_doubted_is_asked(runtime: Runtime) -> None:
    text = T2D.format(drug="Mounjaro", s="possibly still injecting Mounjaro and Ozempic")
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "unknown", text


LADA_STATED = ["LADA", "latent autoimmune diabetes in adults", "latent autoimmune diabetes of adulthood",
               "type 1 (LADA)", "LADA, GAD65 antibody positive", "diagnosed with LADA in 2024"]
LADA_DOUBTED = ["? LADA", "possible LADA", "r/o LADA", "LADA vs type 2", "GAD antibodies pending to rule out LADA",
                "possibly type 1 (LADA)", "LADA not excluded"]
LADA_BASE = "{drug} request: 45M with {s}, on metformin 1000 mg twice daily for 6 months, A1c 8.4%"


@pytest.mark.parametrize("drug", ["Ozempic", "Mounjaro", "Victoza", "Trulicity"])
@pytest.mark.parametrize("lada", LADA_STATED)
def test_a_stated_lada_is_asked_not_presumed_either_way(runtime: Runtime, drug: str, lada: str) -> None:
    text = LADA_BASE.format(drug=drug, s=lada)
    assert criterion_status(runtime, text, "not_type1")[1] == "unknown", text


@pytest.mark.parametrize("drug", ["Ozempic", "Mounjaro"])
@pytest.mark.parametrize("lada", LADA_DOUBTED)
def test_a_doubted_lada_is_asked(runtime: Runtime, drug: str, lada: str) -> None:
    text = LADA_BASE.format(drug=drug, s=lada) + "; type 2 diabetes on the problem list"
    assert criterion_status(runtime, text, "not_type1")[1] == "unknown", text
