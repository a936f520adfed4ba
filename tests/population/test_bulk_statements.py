"""The column-wise Bulk reader's MedicationStatements (the statement twin, ``bulk_columns._statement_columns``)
give exactly what the per-bundle FHIR intake reads from them: ``esa_history`` and each requested drug's course.

Random statements on top of random exports (:mod:`tests.population.test_bulk_columnar`): ESAs by name, brand,
RxNorm code or class, the MDS drugs, drugs no pack knows and drugs the drug history reads; every status
(and none); periods with a start, an end, both or neither, an effectiveDateTime, both kinds at once, dates
before, on and after the evaluation date, times whose UTC date crosses midnight, partial dates; status
reasons saying every response (and none, several, a coded one); several statements of one patient, of one
course and drug (merged), overlapping or not, and statements that give different starts. The per-bundle
intake (``--engine rowwise``) is the reference, row by row and fact by fact.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mednec.intake.fhir.codes import RXNORM
from mednec.population import bulk_columns
from mednec.population.columnar import digests
from mednec.population.inputs import BatchSettings
from tests.population.test_bulk_columnar import LUSPATERCEPT, MDS, _check, _day, _outputs

_DRUGS = ["epoetin alfa", "Procrit", "Epogen", "darbepoetin alfa", "Aranesp", "erythropoiesis-stimulating agent", "ESA",
          "epoetin beta", "luspatercept", "Reblozyl", "lenalidomide", "imetelstat", "atorvastatin", "aspirin",
          "epoetin alfa and darbepoetin alfa"]
_CODES = [("205912", None), ("205912", "Epogen 2000 UNT/ML"), ("999999", None)]
_REASONS = ["Responded", "Partial response", "No response", "Lost response", "Intolerance", "inadequate response",
            "myalgia", "stopped for surgery", "response", "no improvement"]
_STATUSES = ["active", "completed", "stopped", "not-taken", "intended", "entered-in-error", "on-hold", "unknown", None]


def _date(rng: random.Random) -> str:
    r = rng.random()
    day = _day(rng.choice([-400, -200, -120, -60, -30, -1, 0, 1, 10]) + rng.randint(-3, 3))
    if r < 0.1:
        return rng.choice([f"{_day(0)}T23:30:00-05:00", f"{_day(1)}T01:00:00+03:00", f"{day}T12:00:00Z"])
    if r < 0.13:
        return day[:7]  # a partial date
    return day


def _medication(rng: random.Random) -> dict[str, Any] | None:
    r = rng.random()
    if r < 0.03:
        return None
    if r < 0.15:
        code, display = rng.choice(_CODES)
        coding = {"system": RXNORM, "code": code, **({"display": display} if display else {})}
        return {"coding": [coding], **({"text": rng.choice(_DRUGS)} if rng.random() < 0.3 else {})}
    return {"text": rng.choice(_DRUGS)}


def _statement(rng: random.Random, pid: str, i: int, like: dict[str, Any] | None) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "MedicationStatement", "id": f"{pid}-st{i}",
                           "subject": {"reference": f"Patient/{pid}"}}
    if like is not None and rng.random() < 0.6:  # another record of the same course and drug
        res.update({k: json.loads(json.dumps(v)) for k, v in like.items() if k not in ("id", "subject")})
    else:
        status = rng.choice(_STATUSES)
        if status is not None:
            res["status"] = status
        concept = _medication(rng)
        if concept is not None:
            res["medicationCodeableConcept"] = concept
        r = rng.random()
        if r < 0.6:
            reasons: list[dict[str, Any]] = [{"text": rng.choice(_REASONS)} for _ in range(rng.choice([1, 1, 2]))]
            if rng.random() < 0.05:
                reasons.append({})
            if rng.random() < 0.03:
                reasons = [{"coding": [{"system": "http://snomed.info/sct", "code": "182992009"}]}]
            res["statusReason"] = reasons
        elif r < 0.65:
            res["statusReason"] = []
    r = rng.random()
    res.pop("effectivePeriod", None)
    res.pop("effectiveDateTime", None)
    if r < 0.6:
        period = {}
        if rng.random() < 0.9:
            period["start"] = _date(rng)
        if rng.random() < 0.7:
            period["end"] = _date(rng)
        res["effectivePeriod"] = period
    elif r < 0.75:
        res["effectiveDateTime"] = _date(rng)
    elif r < 0.78:
        res["effectivePeriod"] = {"start": _date(rng)}
        res["effectiveDateTime"] = _date(rng)
    return res


def _random_statements(seed: int) -> Any:
    """A decoration of a random export: its MedicationStatements replaced by random ones."""
    def decorate(folder: Path) -> None:
        rng = random.Random(seed)
        pids = sorted({json.loads(line)["id"] for line in (folder / "Patient.ndjson").read_text("utf-8").splitlines()
                       if line.strip()}) if (folder / "Patient.ndjson").is_file() else []
        lines = []
        for pid in pids:
            like = None
            for i in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
                res = _statement(rng, pid, i, like)
                like = res if like is None else like
                lines.append(json.dumps(res, separators=(",", ":")))
        rng.shuffle(lines)
        (folder / "MedicationStatement.ndjson").write_text("\n".join(lines) + "\n" if lines else "", "utf-8")
    return decorate


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), chunk=st.sampled_from([7, 50]), every=st.booleans())
def test_random_statements_equal_the_bundle_intake(tmp_path_factory: pytest.TempPathFactory, seed: int, n: int,
                                                   chunk: int, every: bool) -> None:
    tmp = tmp_path_factory.mktemp("bulkst")
    _check(seed, n, chunk, MDS if every else LUSPATERCEPT, tmp, _random_statements(seed))


@pytest.mark.parametrize("seed", [11, 12])
def test_many_random_statements_are_read_column_wise(tmp_path: Path, seed: int) -> None:
    """300 patients with random statements: the same answers, and most patients read column-wise (only
    unmodelled shapes -- coded reasons, partial dates, a period with an effectiveDateTime, drugs the drug
    history reads -- go to the per-bundle intake)."""
    share = _check(seed, 300, 100, MDS, tmp_path, _random_statements(seed))
    assert share.fast > 0.25 * share.patients, share


def test_a_changed_statement_mapper_reads_statements_one_by_one(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """With a stale fingerprint the statements are read one by one (said in the chunk's notes), with the same
    facts and answers."""
    from mednec.population.synthetic import write_bulk

    write_bulk(80, tmp_path / "export", seed=7)
    spill = bulk_columns.read_export(tmp_path / "export", tmp_path / "facts", 100)
    s = BatchSettings(MDS, "initial", bulk_columns.dt.date(2026, 11, 20), True, "columnar")
    fast = spill.chunk(0, s)
    assert not fast.notes and fast.table.column("esa_history").null_count < fast.table.num_rows
    monkeypatch.setattr(digests, "EXPECTED", {**digests.EXPECTED, "statements": "0" * 16})
    slow = spill.chunk(0, s)
    assert any("statement twin" in n for n in slow.notes), slow.notes
    assert slow.table.equals(fast.table)
    assert (slow.fallback, slow.courses) == (fast.fallback, fast.courses)
    assert {j: {p: {f: (v.value, v.date) for f, v in facts.items()} for p, facts in by.items()}
            for j, by in slow.course_facts.items()} == \
        {j: {p: {f: (v.value, v.date) for f, v in facts.items()} for p, facts in by.items()}
         for j, by in fast.course_facts.items()}
    s_col = BatchSettings(MDS, "initial", s.as_of, True, "columnar")
    from mednec.population.runner import run_batch

    run_batch(tmp_path / "export", tmp_path / "slow", s_col, chunk_size=50)
    monkeypatch.undo()
    run_batch(tmp_path / "export", tmp_path / "fast", s_col, chunk_size=50)
    assert _outputs(tmp_path / "slow") == _outputs(tmp_path / "fast")


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(max_size=40), min_size=0, max_size=30), cut=st.integers(0, 5))
def test_column_wise_crc32_is_zlibs(texts: list[str], cut: int) -> None:
    """The spill's column-wise bucket hash is ``zlib.crc32`` of each id's UTF-8 bytes (the row-wise spill's)."""
    import zlib

    import numpy as np
    import pyarrow as pa

    arr = pa.array(texts, pa.string()).slice(min(cut, len(texts)))
    want = np.array([zlib.crc32(t.encode()) for t in texts[min(cut, len(texts)):]], dtype=np.uint32)
    assert (bulk_columns.crc32s(arr) == want).all()


_ID_ALPHABET = "AZaz09-._ /\u00e9\n"


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), st.text(alphabet=_ID_ALPHABET, max_size=70),
                                st.text(alphabet="ab-.", min_size=60, max_size=70)), max_size=30),
       cut=st.integers(0, 5), null_bad=st.booleans())
def test_the_id_check_is_the_patterns(texts: list[str | None], cut: int, null_bad: bool) -> None:
    """The column-wise FHIR id check (a fast path when every byte and length is plain) flags exactly the rows the
    ``_ID`` pattern refuses, a null one as ``null_bad`` says (sliced columns included)."""
    import numpy as np
    import pyarrow as pa

    arr = pa.array(texts, pa.string()).slice(min(cut, len(texts)))
    want = np.array([null_bad if t is None else bulk_columns._ID.fullmatch(t) is None  # noqa: SLF001
                     for t in texts[min(cut, len(texts)):]], dtype=bool)
    assert (bulk_columns._not_ids(arr, null_bad=null_bad) == want).all()  # noqa: SLF001
