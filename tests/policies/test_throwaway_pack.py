"""A pack is a folder: a small pack written into a temporary directory is evaluated, asked about,
rendered and imported from FHIR with no engine, intake or renderer code of its own -- alone and
beside the shipped MDS pack -- and `mednec packs new` writes a skeleton that `policies check` passes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from textwrap import dedent

import pytest
from typer.testing import CliRunner

from mednec.ask import answer
from mednec.cli import app
from mednec.errors import ConfigError
from mednec.intake.fhir import bundle_to_case
from mednec.packcheck.check import check_all
from mednec.packcheck.scaffold import write_pack
from mednec.packdirs import ENV, shipped_packs_dir
from mednec.render.article import ArticleSources
from mednec.render.formats import render
from mednec.render.letters import build_document
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)

FILES = {
    "pack.yaml": 'id: gout\ntitle: Gout (throwaway)\nversion: "1"\npolicies: [urikase]\n',
    "facts.yaml": """
        version: "1"
        documents:
          urate_lab: Serum urate result with date
          gout_note: Rheumatology note on tophi and flares
        extends:
          diagnosis:
            values:
              M1A.9XX1: {label: Chronic gout with tophus, synonyms: [tophaceous gout], codes: [{system: ICD-10-CM, code: M1A.9XX1}]}
              M10.9: {label: "Gout, unspecified", codes: [{system: ICD-10-CM, code: M10.9}]}
        facts:
          serum_urate:
            label: Serum urate
            type: number
            unit: mg/dL
            units: {mg/dL: 1, umol/L: 0.0168}
            range: [0, 30]
            names: [serum urate, uric acid, sUA]
            codes: [{system: LOINC, code: 3084-1, display: "Urate [Mass/volume] in Serum or Plasma"}]
            document: urate_lab
            question: What is the latest serum urate?
          flares_per_year:
            label: Gout flares in the last year
            type: number
            unit: flares
            units: {flares: 1}
            range: [0, 50]
            fhir_texts: [Gout flare count (12 mo), flares/yr]
            document: gout_note
            question: How many gout flares in the last 12 months?
          tophi_present:
            label: Tophi present
            type: boolean
            names: [tophi, tophus]
            document: gout_note
            question: Are tophi present?
    """,
    "vocabulary.yaml": """
        drug_aliases: {urikase: [uricase-x]}
        conditions: {M10.9: [gout, gouty arthritis]}
        outside_conditions: [pseudogout, arthritis]
    """,
    "text_rules.py": """
        # A pack's own text rule: 'sUA 540 umol' style values are read by names already; this one reads a
        # flare count ('3 flares in the last year') into a fact no names rule can express.
        from mednec.intake.text.rules import Rule

        def _flares(m, ctx):
            if ctx.negated or ctx.hypothetical or ctx.family:
                return []
            return [ctx.finding("flares_per_year", float(m.group("n")), m.start(), m.end(), unit="flares")]

        RULES = (Rule("GOUT_FLARES", r"\\b(?P<n>\\d{1,2})\\s+(?:gout\\s+)?flares?\\s+(?:in\\s+the\\s+(?:last|past)\\s+)?(?:year|12\\s+months)\\b", _flares),)
    """,
    "references.yaml": """
        gout-rules: {kind: decision, title: Throwaway rules, issuer: tests, year: 2026}
    """,
    "evidence.yaml": """
        version: "1"
        policies:
          urikase-gout:
            label: gout-rules
            plain:
              name: urikase
              what: a urate-lowering infusion
              pathways: {refractory: gout that other treatment has not controlled}
              criteria: {gout_dx: you have gout, urate_high: your uric acid is high, tophi: you have tophi}
    """,
    "urikase/policy.yaml": """
        id: urikase-gout
        version: "1.0"
        effective_date: 2026-01-01
        title: Urikase for refractory gout
        drug: {generic: urikase, brands: [Urizyme]}
        conditions: [{system: ICD-10-CM, code: M10.9}]
        pathways:
          - id: refractory
            name: Refractory gout
            cite: [gout-rules]
            criteria:
              - {id: gout_dx, text: Gout, fact: diagnosis, in: [M1A.9XX1, M10.9], cite: [gout-rules]}
              - {id: urate_high, text: Serum urate above 6 mg/dL, fact: serum_urate, gt: 6, unit: mg/dL, cite: [gout-rules]}
              - {id: tophi, text: Tophi present, fact: tophi_present, is: true, cite: [gout-rules]}
        initial_authorization: {months: 6, cite: [gout-rules]}
    """,
}


def _fresh_runtime_cache():  # type: ignore[no-untyped-def]
    from functools import lru_cache

    @lru_cache(maxsize=1)
    def fresh() -> Runtime:
        return Runtime.load()

    return fresh


def write_gout(root: Path) -> Path:
    pack = root / "gout"
    for rel, text in FILES.items():
        (pack / rel).parent.mkdir(parents=True, exist_ok=True)
        (pack / rel).write_text(dedent(text).lstrip(), "utf-8")
    return root


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gout(tmp_path_factory.mktemp("packs"))


@pytest.fixture(scope="module", params=["alone", "beside-mds"])
def rt(request: pytest.FixtureRequest, root: Path) -> Runtime:
    return Runtime.load(root if request.param == "alone" else [shipped_packs_dir(), root])


def test_evaluates(rt: Runtime) -> None:
    facts = rt.parse_case({"facts": {"diagnosis": "M1A.9XX1", "serum_urate": {"value": 500, "unit": "umol/L"},
                                     "tophi_present": True}}, as_of=AS_OF).facts
    det = rt.evaluate(facts, "Urizyme")
    assert det.determination == "meets_criteria"
    low = rt.parse_case({"facts": {"diagnosis": "M10.9", "serum_urate": 6, "tophi_present": True}}, as_of=AS_OF)
    assert rt.evaluate(low.facts, "urikase").determination == "does_not_meet_criteria"  # 6 is not above 6


def test_asks(rt: Runtime) -> None:
    a = answer("Is uricase-x medically necessary for a 58-year-old man with gout, uric acid 9.1 mg/dL and tophi?",
               rt, as_of=AS_OF)
    assert a.kind == "determination" and a.determination is not None
    assert a.determination.determination == "meets_criteria"
    facts = {f.fact: f.value for f in a.understood.facts}
    assert facts["diagnosis"] == "M10.9" and facts["serum_urate"] == 9.1 and facts["tophi_present"] is True
    # a bound is not a value, a negated boolean is false, ICD codes in text are read
    b = answer("Would Urizyme be covered for M1A.9XX1, sUA > 8, no tophi?", rt, as_of=AS_OF)
    assert b.determination is not None and b.determination.determination == "does_not_meet_criteria"
    got = {f.fact: f.value for f in b.understood.facts}
    assert got["diagnosis"] == "M1A.9XX1" and got["tophi_present"] is False and "serum_urate" not in got
    assert any(u.fact == "serum_urate" and "bound" in u.reason for u in b.understood.unused)
    # the pack's own text rule (text_rules.py, loaded from the folder)
    f = answer("Is Urizyme covered for gout with 3 flares in the last year?", rt, as_of=AS_OF)
    assert {x.fact: x.value for x in f.understood.facts}.get("flares_per_year") == 3.0
    # a condition the pack lists as outside is not guessed
    c = answer("Is Urizyme covered for pseudogout?", rt, as_of=AS_OF)
    assert c.kind == "no_policy"
    # ... but a word a covered diagnosis contains ('gouty arthritis') is not outside every pack
    d = answer("Is Urizyme covered for arthritis?", rt, as_of=AS_OF)
    assert d.kind == "determination" and not d.understood.other_conditions


def test_renders(rt: Runtime) -> None:
    policy = rt.catalog.find_drug("urikase")
    facts = rt.parse_case({"facts": {"diagnosis": "M10.9", "serum_urate": 9, "tophi_present": True}},
                          as_of=AS_OF).facts
    det = rt.evaluate(facts, policy)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
    article = render(build_document(det, src, document="article", audience="clinician"), "markdown")
    assert isinstance(article, str) and "urikase" in article.lower()
    assert "Serum urate" in article
    data = json.loads(str(render(build_document(det, src, document="letter", audience="payer"), "json")))
    assert data


def test_imports_fhir(rt: Runtime) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-20T10:00:00Z", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1968-03-01"}},
        {"resource": {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"},
                      "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M1A9XX1"}]}}},
        {"resource": {"resourceType": "Observation", "id": "u", "status": "final", "subject": {"reference": "Patient/p"},
                      "code": {"coding": [{"system": "http://loinc.org", "code": "3084-1"}]},
                      "effectiveDateTime": "2026-11-10", "valueQuantity": {"value": 480, "unit": "umol/L"}}},
        {"resource": {"resourceType": "Observation", "id": "t", "status": "final", "subject": {"reference": "Patient/p"},
                      "code": {"text": "Tophi"}, "effectiveDateTime": "2026-11-10", "valueBoolean": True}},
    ]}
    intake = bundle_to_case(bundle, rt.dictionary, AS_OF)
    case = rt.parse_case(intake.case, as_of=AS_OF)
    assert case.facts.value("diagnosis") == "M1A.9XX1"
    assert case.facts.value("serum_urate") == pytest.approx(480 * 0.0168)
    assert rt.evaluate(case.facts, "urikase").determination == "meets_criteria"


def test_a_packs_fhir_texts_name_its_facts_in_fhir(rt: Runtime) -> None:
    """An Observation coded only by a text the pack declares (fhir_texts) gives the fact; no intake code
    knows the pack (issue 19 item 6: the FHIR text aliases live in the packs, not in intake)."""
    obs = {"resourceType": "Observation", "id": "f", "status": "final", "subject": {"reference": "Patient/p"},
           "code": {"text": "Gout flare count (12 mo)"}, "effectiveDateTime": "2026-11-10",
           "valueQuantity": {"value": 3, "unit": "flares"}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1968-03-01"}},
        {"resource": obs}]}
    assert bundle_to_case(bundle, rt.dictionary, AS_OF).case["facts"]["flares_per_year"]["value"] == 3


def test_a_pack_folder_is_checked_like_the_shipped_ones(root: Path, tmp_path: Path) -> None:
    report = check_all(root)  # it loads cleanly; it only lacks the test cases a policy must ship with
    problems = [m for msgs in report.problems.values() for m in msgs]
    assert problems and all("case" in m for m in problems), problems
    # one more pack folder with the same id is a problem, named with its folder
    dup = write_gout(tmp_path)
    with pytest.raises(ConfigError):
        Runtime.load([root, dup])


def test_the_scaffold_passes_policies_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           request: pytest.FixtureRequest) -> None:
    # --packs-dir sets it for the process: setenv (not delenv, which records nothing when it is unset) so
    # the test's value is undone afterwards
    monkeypatch.setenv(ENV, "")
    import mednec.runtime

    # modules that imported default_runtime by name may fill its cache while --packs-dir is set: empty it
    # afterwards, so no later test sees this test's pack
    request.addfinalizer(mednec.runtime.default_runtime.cache_clear)
    monkeypatch.setattr("mednec.runtime.default_runtime", _fresh_runtime_cache())
    folder = write_pack(tmp_path, "demo_area", "demo drug")
    report = check_all(tmp_path)
    assert report.ok, report.problems
    assert sum(len(r) for r in report.cases.values()) == 8
    assert (folder / "demo_drug" / "policy.yaml").is_file()
    result = CliRunner().invoke(app, ["--packs-dir", str(tmp_path), "packs", "show", "demo_area", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["policies"][0]["cases"] == 8 and shown["facts"] == ["demo_area_marker"]
