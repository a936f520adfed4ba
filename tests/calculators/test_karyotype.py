"""The ISCN karyotype parser: published examples, generated karyotypes and metamorphic checks.

The IPSS-R cytogenetic groups are those of Schanz J et al. (J Clin Oncol 2012;30:820) as
printed in Greenberg PL et al. (Blood 2012;120(12):2454, Table 2) and on the MDS Foundation
IPSS-R calculator (ipssrbasic.mds-foundation.org), checked on 2026-12-06:

    very good     -Y, del(11q)
    good          normal, del(5q), del(12p), del(20q), double including del(5q)
    intermediate  del(7q), +8, +19, i(17q), any other single or double independent clones
    poor          -7, inv(3)/t(3q)/del(3q), double including -7/del(7q), complex: 3 abnormalities
    very poor     complex: > 3 abnormalities

Expected groups below come from that table, written by hand; the generator's oracle applies
the table's rules to a catalogue of single abnormalities whose group is read off the table.
"""

from __future__ import annotations

import contextlib
import random

import pytest

from mednec.calculators.karyotype import KaryotypeError, karyotype_facts, looks_like_iscn, parse_karyotype

# --- published and textbook examples ------------------------------------------------------------
# (karyotype, del5q, other abnormalities, -7/del(7q), IPSS-R group)
PUBLISHED = [
    # the decisions file's and the examples
    ("46,XX,del(5)(q13q33)[20]", True, 0, False, "good"),
    ("46,XY,del(5)(q13q33)[18]/46,XY[2]", True, 0, False, "good"),
    # Blood consult (Blood 2012;119(2):342): "isolated deletion 5q [del(5)(q22q35)] in 20 of 20 metaphases"
    ("46,XY,del(5)(q22q35)[20]", True, 0, False, "good"),
    # ASH Image Bank reference case 138: deletion of 5q in 12 of 20 cells, no other abnormality
    ("46,XX,del(5q)[12]/46,XX[8]", True, 0, False, "good"),
    # the table's single abnormalities, as karyotypes are usually written
    ("45,X,-Y[12]/46,XY[8]", False, 1, False, "very_good"),
    ("46,XY,del(11)(q14q23)[20]", False, 1, False, "very_good"),
    ("46,XX,del(12)(p12)[15]/46,XX[5]", False, 1, False, "good"),
    ("46,XY,del(20)(q11.2q13.3)[20]", False, 1, False, "good"),
    ("46,XY,del(7)(q22q36)[20]", False, 1, True, "intermediate"),
    ("47,XY,+8[15]/46,XY[5]", False, 1, False, "intermediate"),
    ("47,XX,+19[20]", False, 1, False, "intermediate"),
    ("46,XY,i(17)(q10)[20]", False, 1, False, "intermediate"),
    ("45,XY,-7[20]", False, 1, True, "poor"),
    ("46,XY,inv(3)(q21q26.2)[20]", False, 1, False, "poor"),
    ("46,XX,t(3;3)(q21;q26.2)[20]", False, 1, False, "poor"),
    ("46,XY,del(3)(q21)[20]", False, 1, False, "poor"),
    ("46,XX[20]", False, 0, False, "good"),
    # doubles
    ("47,XX,del(5)(q13q33),+8[20]", True, 1, False, "good"),
    ("46,XY,del(5)(q13q33)[10]/47,idem,+8[10]", True, 1, False, "good"),
    ("45,XY,del(5)(q13q33),-7[20]", True, 1, True, "poor"),
    ("46,XY,del(5)(q13q33),del(7)(q22q36)[20]", True, 1, True, "poor"),
    ("47,XY,+8,del(20)(q11q13)[20]", False, 2, False, "intermediate"),
    # complex
    ("46,XY,del(5)(q13q33),+8,-18[20]", True, 2, False, "poor"),
    ("44,XY,del(5)(q13q33),-7,-18,+mar[20]", True, 3, True, "very_poor"),
    # independent clones (single or double): intermediate
    ("46,XY,del(20)(q11q13)[10]/47,XY,+8[5]/46,XY[5]", False, 2, False, "intermediate"),
]


@pytest.mark.parametrize(("text", "del5q", "others", "chr7", "group"), PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_examples(text: str, del5q: bool, others: int, chr7: bool, group: str) -> None:
    k = parse_karyotype(text)
    assert (k.del5q, k.other_abnormalities, k.minus7_or_del7q, k.cytogenetic_group) == (del5q, others, chr7, group)


def test_facts_of_a_karyotype() -> None:
    k = parse_karyotype("46,XY,del(5)(q13q33)[18]/46,XY[2]")
    assert karyotype_facts(k) == {
        "karyotype": "abnormal", "del5q": True, "additional_cytogenetic_abnormalities": 0.0,
        "chromosome7_abnormality": False, "cytogenetic_risk": "good",
    }
    normal = karyotype_facts(parse_karyotype("46,XX[20]"))
    assert normal["karyotype"] == "normal" and normal["del5q"] is False and normal["cytogenetic_risk"] == "good"


def test_chromosome7_involvement_beyond_minus7_and_del7q() -> None:
    k = parse_karyotype("46,XY,der(1;7)(q10;p10)[20]")
    assert k.chromosome7 and not k.minus7_or_del7q


def test_non_clonal_and_constitutional_changes_are_left_out_with_a_note() -> None:
    single = parse_karyotype("47,XY,+8[1]/46,XY[19]")
    assert single.normal and "not a clone" in single.notes[0]
    two_losses = parse_karyotype("45,XY,-7[2]/46,XY[18]")  # a loss needs 3 cells
    assert two_losses.normal and not two_losses.minus7_or_del7q
    constitutional = parse_karyotype("47,XY,+21c,del(5)(q13q33)[20]")
    assert constitutional.abnormalities == ("del(5)(q13q33)",) and "constitutional" in constitutional.notes[0]


def test_copies_and_marker_ranges() -> None:
    assert parse_karyotype("48,XY,+8,+8[20]").count == (2, 2)
    assert parse_karyotype("48,XY,+2mar[20]").count == (2, 2)
    ranged = parse_karyotype("47~49,XY,+1~3mar[cp20]")
    assert ranged.count == (1, 3) and ranged.cytogenetic_group is None and "span" in ranged.group_problem


def test_independent_clones_with_more_than_two_abnormalities_are_not_graded() -> None:
    k = parse_karyotype("47,XY,+8,del(20)(q11q13)[8]/45,XY,-7[6]/46,XY[6]")
    assert k.independent_clones and k.cytogenetic_group is None
    assert "independent clones" in k.group_problem
    assert karyotype_facts(k).get("cytogenetic_risk") is None


@pytest.mark.parametrize(("text", "words"), [
    ("nuc ish(EGR1x1,D5S23x2)[200]", "FISH"),
    ("46,XY[10]//46,XX[10]", "chimera"),
    ("46,XY,foo(5)(q13)[20]", "'foo(5)(q13)'"),
    ("46,XY,del(5)(q13q33[20]", "parentheses"),
    ("46,XY,?del(5)(q13q33)[20]", "uncertain"),
    ("del(5q)", "not an ISCN karyotype"),
    ("46,QQ,del(5)(q13q33)", "sex chromosomes"),
    ("46,XY,del(5)(q13q33) in 20 metaphases", "cannot read"),
    ("", "empty"),
    ("46,XY," + "+8," * 1000, "too long"),
])
def test_unreadable_karyotypes_are_refused_naming_the_part(text: str, words: str) -> None:
    with pytest.raises(KaryotypeError, match=words.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        parse_karyotype(text)


def test_looks_like_iscn() -> None:
    assert looks_like_iscn("46,XY,del(5)(q13q33)[20]") and looks_like_iscn("45~47,XX,+8")
    assert not looks_like_iscn("normal") and not looks_like_iscn("del(5q)")


# --- generated karyotypes --------------------------------------------------------------------------
# Single abnormalities and their group, read off the table (S = the table's named singles;
# "other" = "any other single").
SINGLES = {
    "-Y": "very_good", "del(11)(q14q23)": "very_good", "del(11q)": "very_good",
    "del(5)(q13q33)": "good", "del(5)(q31q35)": "good", "del(5q)": "good", "del(12)(p12)": "good",
    "del(20)(q11q13)": "good",
    "del(7)(q22q36)": "intermediate", "+8": "intermediate", "+19": "intermediate", "i(17)(q10)": "intermediate",
    "+21": "intermediate", "-5": "intermediate", "t(1;2)(p36;q21)": "intermediate", "+mar": "intermediate",
    "der(1;7)(q10;p10)": "intermediate", "-X": "intermediate", "dup(1)(q21q32)": "intermediate",
    "-7": "poor", "inv(3)(q21q26)": "poor", "t(3;3)(q21;q26)": "poor", "del(3)(q21)": "poor",
}
DEL5Q = {"del(5)(q13q33)", "del(5)(q31q35)", "del(5q)"}
CHR7 = {"-7", "del(7)(q22q36)"}


def _oracle(abns: list[str]) -> str:
    n = len(abns)
    if n == 0:
        return "good"
    if n == 1:
        return SINGLES[abns[0]]
    if n == 2:
        if set(abns) & CHR7:
            return "poor"
        if set(abns) & DEL5Q:
            return "good"
        return "intermediate"
    return "poor" if n == 3 else "very_poor"


def _karyotype(rng: random.Random, abns: list[str]) -> tuple[str, str]:
    """An ISCN string for one clone with ``abns``, in one of the ways labs write it."""
    sex = "XY" if rng.random() < 0.5 else "XX"
    if "-Y" in abns:
        sex = "X"  # loss of Y in a male: 45,X,-Y
    if "-X" in abns and sex == "XY":
        sex = "XX"
    gains = sum(a.startswith("+") for a in abns) - sum(a.startswith("-") for a in abns if a != "-Y") - ("-Y" in abns)
    modal = 46 + gains
    body = ",".join([str(modal), sex, *abns])
    cells = rng.choice([20, 18, 15, 12, 10])
    style = rng.randrange(4)
    if style == 0:
        return f"{body}[20]", sex
    if style == 1:  # with a normal clone written last
        return f"{body}[{cells}]/46,{'XY' if sex != 'XX' else 'XX'}[{20 - cells}]", sex
    if style == 2:  # no cell counts, extra spaces
        return body.replace(",", ", "), sex
    return body.lower().replace("xy", "XY").replace("xx", "XX") + f"[{cells}]", sex


@pytest.mark.parametrize("seed", range(6))
def test_generated_karyotypes_match_the_table(seed: int) -> None:
    rng = random.Random(seed)
    names = sorted(SINGLES)
    for _ in range(250):
        n = rng.choice([0, 1, 1, 2, 2, 3, 4, 5])
        abns = rng.sample(names, n)
        if sum(a in DEL5Q for a in abns) > 1 or ("-Y" in abns and "-X" in abns):
            continue
        text, _ = _karyotype(rng, abns)
        k = parse_karyotype(text)
        assert k.cytogenetic_group == _oracle(abns), text
        assert k.del5q == bool(set(abns) & DEL5Q), text
        assert k.other_abnormalities == n - (1 if set(abns) & DEL5Q else 0), text
        assert k.minus7_or_del7q == bool(set(abns) & CHR7), text
        assert k.normal == (n == 0), text


@pytest.mark.parametrize("seed", range(4))
def test_metamorphic_changes_keep_the_reading(seed: int) -> None:
    """Reordering abnormalities, adding a normal clone, a non-clonal cell or a sideline written
    with idem that repeats nothing new: the facts stay the same."""
    rng = random.Random(100 + seed)
    names = sorted(SINGLES)
    for _ in range(150):
        abns = rng.sample(names, rng.choice([1, 2, 3, 4]))
        if sum(a in DEL5Q for a in abns) > 1 or ("-Y" in abns and "-X" in abns):
            continue
        text, sex = _karyotype(random.Random(1), abns)
        base = karyotype_facts(parse_karyotype(text))
        shuffled = abns[:]
        rng.shuffle(shuffled)
        variants = [
            _karyotype(random.Random(1), shuffled)[0],
            f"{text.split('/')[0].split('[')[0]}[15]/46,{'XX' if sex == 'XX' else 'XY'}[5]",
            f"{text.split('/')[0].split('[')[0]}[15]/47,{'XX' if sex == 'XX' else 'XY'},+22[1]",
            f"{text.split('/')[0].split('[')[0]}[10]/{text.split(',')[0]},idem[10]",
        ]
        for v in variants:
            assert karyotype_facts(parse_karyotype(v)) == base, (text, v)


def test_random_text_never_crashes() -> None:
    """Whatever the text, the parser returns a karyotype or raises KaryotypeError."""
    rng = random.Random(7)
    alphabet = "0123456789,XYxy()[];/~+-delinvtqpmar.c? "
    for _ in range(3000):
        text = "46," + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        with contextlib.suppress(KaryotypeError):
            parse_karyotype(text)


# --- case files accept a karyotype -----------------------------------------------------------------
def test_case_files_read_an_iscn_karyotype_into_the_facts_it_settles() -> None:
    from mednec.runtime import Runtime

    rt = Runtime.load()
    case = {"patient": {"birth_date": "1945-10-07", "sex": "female"},
            "facts": {"karyotype": {"value": "46,XX,del(5)(q13q33)[18]/46,XX[2]", "date": "2026-10-01"}}}
    facts = rt.parse_case(case, as_of=__import__("datetime").date(2026, 11, 20)).facts
    assert facts.value("karyotype") == "abnormal" and facts.value("del5q") is True
    assert facts.value("additional_cytogenetic_abnormalities") == 0 and facts.value("cytogenetic_risk") == "good"
    assert facts.value("chromosome7_abnormality") is False
    prov = facts["del5q"].provenance
    assert prov.source == "case file" and "46,XX,del(5)(q13q33)[18]/46,XX[2]" in prov.detail
    assert str(facts["del5q"].observed) == "2026-10-01"


def test_case_files_refuse_a_karyotype_that_contradicts_a_stated_fact_or_cannot_be_read() -> None:
    import datetime as dt

    from mednec.errors import CaseFormatError, ContradictionError
    from mednec.runtime import Runtime

    rt = Runtime.load()
    as_of = dt.date(2026, 11, 20)
    with pytest.raises(ContradictionError, match="del5q is given as no") as exc:
        rt.parse_case({"facts": {"karyotype": "46,XX,del(5)(q13q33)[20]", "del5q": False}}, as_of=as_of)
    assert exc.value.field == "facts.del5q, facts.karyotype"
    agreeing = rt.parse_case({"facts": {"karyotype": "46,XX,del(5)(q13q33)[20]", "del5q": True}}, as_of=as_of)
    assert agreeing.facts["del5q"].provenance.detail == ""  # the stated value is kept
    with pytest.raises(CaseFormatError, match="FISH") as bad:
        rt.parse_case({"facts": {"karyotype": "nuc ish(EGR1x1)[200]"}}, as_of=as_of)
    assert bad.value.field == "facts.karyotype"
    plain = rt.parse_case({"facts": {"karyotype": "normal"}}, as_of=as_of).facts
    assert plain.value("karyotype") == "normal" and "del5q" not in plain


def test_case_file_notes_say_what_the_karyotype_left_out() -> None:
    import datetime as dt

    from mednec.runtime import Runtime

    rt = Runtime.load()
    facts = rt.parse_case({"facts": {"karyotype": "47,XY,+1~3mar[20]"}}, as_of=dt.date(2026, 11, 20)).facts
    assert "cytogenetic_risk" not in facts
    assert any("span IPSS-R groups" in n for n in facts.notes)
