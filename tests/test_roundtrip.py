"""A Determination survives its JSON form: ``Determination.from_dict(d).to_dict() == d``.

Stored evaluations keep the determination's JSON; documents, pages and the API turn it back
into a :class:`Determination` and render that, never a re-evaluation. So the round trip must
lose nothing a renderer reads: every key of the JSON, the facts' Python types (dates, floats,
tuples of events), and the rendered documents themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from mednec.engine.determination import Determination
from mednec.errors import ContradictionError
from mednec.render.formats import render_markdown
from mednec.runtime import Runtime

from .render.cases import DOCUMENT_MATRIX, Example, determination, sources
from .test_properties import BOUNDED, policies_and_phases, seeded_cases, valid_cases


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return Runtime.load()


def _types(value: Any) -> Any:
    """The shape of a value with its types, so 2.0 and 2, or a date and its ISO string, differ."""
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(_types(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _types(v)) for k, v in value.items())))
    return (type(value).__name__, value)


def roundtrip(det: Determination, rt: Runtime) -> Determination:
    stored = json.loads(json.dumps(det.to_dict()))
    back = Determination.from_dict(stored, rt.dictionary)
    assert back.to_dict() == stored, "to_dict(from_dict(d)) differs from d"
    assert {k: _types(v.value) for k, v in back.fact_set.items()} == \
        {k: _types(v.value) for k, v in det.fact_set.items()}, "fact values came back with other types"
    assert back.fact_set.given_digest() == det.fact_set.given_digest()
    assert back.requires_physician_review == det.requires_physician_review
    return back


def _everywhere(rt: Runtime, case: dict[str, Any], as_of: dt.date) -> None:
    try:
        parsed = rt.parse_case(case, as_of=as_of)
    except ContradictionError:
        reject()
    for policy, phase in policies_and_phases(rt):
        roundtrip(rt.evaluate(parsed.facts, policy, phase=phase), rt)


@given(data=st.data())
@BOUNDED
def test_random_valid_cases_round_trip(rt: Runtime, data: st.DataObject) -> None:
    case, as_of = data.draw(valid_cases(rt.dictionary), label="case")
    _everywhere(rt, case, as_of)


@given(data=st.data())
@BOUNDED
def test_realistic_cases_round_trip(rt: Runtime, data: st.DataObject) -> None:
    case, as_of = data.draw(seeded_cases(), label="case")
    _everywhere(rt, case, as_of)


@pytest.mark.parametrize(("ex", "doc", "audience"), [m for m in DOCUMENT_MATRIX if m[0].file],
                         ids=[f"{e.name}-{d}-{a}" for e, d, a in DOCUMENT_MATRIX if e.file])
def test_documents_from_the_stored_form_are_the_same(rt: Runtime, ex: Example, doc: str, audience: str) -> None:
    from mednec.render.letters import build_document

    det, _ = determination(ex)
    back = roundtrip(det, rt)
    original = render_markdown(build_document(det, sources(ex), document=doc, audience=audience))
    stored = render_markdown(build_document(back, sources(ex), document=doc, audience=audience))
    assert stored == original


def test_without_a_dictionary_dates_stay_text(rt: Runtime) -> None:
    """The dictionary is what restores types; the JSON alone still round-trips key for key."""
    det, _ = determination(DOCUMENT_MATRIX[0][0])
    stored = json.loads(json.dumps(det.to_dict()))
    back = Determination.from_dict(stored)
    assert back.to_dict() == stored
    assert isinstance(back.fact_set["birth_date"].value, str)


def test_assumptions_and_inferences_round_trip(rt: Runtime) -> None:
    """Every policy test case: the presumptions and inferences an answer rests on survive the
    stored form, and the published over-asking examples carry theirs."""
    import yaml

    from mednec.packcheck.cases import case_files

    seen: dict[str, set[str]] = {"assumptions": set(), "inferences": set()}
    for policy in rt.catalog.policies():
        for path in case_files(policy):
            spec = yaml.safe_load(path.read_text())
            if "error" in (spec.get("expect") or {}):
                continue
            as_of = spec.get("as_of") or dt.date(2026, 11, 25)
            case = rt.parse_case(spec["case"], as_of=as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of)))
            det = rt.evaluate(case.facts, policy, phase=str(spec.get("phase", "initial")))
            back = roundtrip(det, rt)
            assert back.assumptions == det.assumptions
            assert back.inferences == det.inferences
            seen["assumptions"] |= {f"{policy.id}:{a.criterion}" for a in det.assumptions}
            seen["inferences"] |= {f"{policy.id}:{x.criterion}" for x in det.inferences}
    assert {"luspatercept-mds:not_immediate_correction", "imetelstat-mds:no_concurrent_esa",
            "luspatercept-mds:adult", "imetelstat-mds:adult"} <= seen["assumptions"]
    assert {"epoetin-alfa-mds:symptomatic_anemia", "darbepoetin-alfa-mds:symptomatic_anemia",
            "lenalidomide-mds:no_chromosome7_abnormality"} <= seen["inferences"]
