"""Out of pack: a drug or condition no policy covers gets "no computable policy for this", with the
closest answerable questions chosen by similarity to what was asked (not the first drugs listed)."""

from __future__ import annotations

from mednec.ask import NO_POLICY, answer, closest_questions
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF


def test_an_unknown_drug_where_the_question_names_its_drug_has_no_policy(runtime: Runtime) -> None:
    for q in ("Is Zylomab medically necessary for a patient with MDS and Hb 8.1?",
              "Zylomab request: 70 yo man with MDS, IPSS-R low, 2 units every 3 weeks",
              "Can we get Zylomab approved for lower-risk MDS?"):
        a = answer(q, runtime, as_of=AS_OF)
        assert a.kind == "no_policy", q
        assert NO_POLICY in a.message and "Zylomab" in a.message
        assert len(a.closest) == 3


def test_a_pack_drug_or_a_plain_word_is_not_read_as_an_unknown_drug(runtime: Runtime) -> None:
    for q in ("Is Reblozyl medically necessary for a patient with MDS?", "Is it covered? Reblozyl for MDS",
              "Would luspatercept be covered for MDS, IPSS-R low?"):
        a = answer(q, runtime, as_of=AS_OF)
        assert a.kind == "determination", q
        assert not [d for d in a.understood.drugs if d.how == "slot"]


def test_closest_questions_follow_what_was_asked(runtime: Runtime) -> None:
    del5q = closest_questions("Is venetoclax covered for MDS with del(5q) and transfusion dependence?", runtime)
    assert "lenalidomide" in del5q[0]
    rs = closest_questions("luspatercept for beta thalassemia with ring sideroblasts after ESA failure", runtime)
    assert "luspatercept" in rs[0] and "ring sideroblasts" in rs[0]
    epo = closest_questions("Is Jakafi needed if the serum EPO is above 500 and the ESA failed?", runtime)
    assert "imetelstat" in epo[0]
    assert len({q.split(" medically")[0] for q in del5q}) == 3  # three different drugs
    assert closest_questions("thyroid storm", runtime) == closest_questions("thyroid storm", runtime)
