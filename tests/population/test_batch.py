"""`mednec batch`: every input form, one row per patient and policy equal to `mednec evaluate`'s
answer, per-patient errors that never stop the run, a manifest, and resuming after an interruption."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mednec.cli import app
from mednec.errors import InputError
from mednec.intake.case_file import parse_case
from mednec.intake.fhir import bundle_to_case
from mednec.population.bulk import bucket_patients, patient_bundle
from mednec.population.inputs import BatchSettings, ChunkTask
from mednec.population.results import ChunkResult
from mednec.population.runner import LocalExecutor, run_batch
from mednec.population.synthetic import AS_OF, synthetic_cases
from mednec.population.table import row_case, table_layout
from mednec.runtime import Runtime
from tests.population.conftest import settings_for

POLICIES = ("luspatercept-mds", "imetelstat-mds", "epoetin-alfa-mds")


def _rows(out: Path) -> list[dict[str, Any]]:
    t = pq.read_table(out / "results")
    return sorted(t.to_pylist(), key=lambda r: (r["patient_id"], r["policy_id"]))


def _errors(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted((out / "errors").glob("*.ndjson"))
            for line in f.read_text().splitlines() if line]


def _expected(rt: Runtime, cases: Iterator[tuple[str, dict[str, Any]]], names: tuple[str, ...]) -> tuple[
        dict[tuple[str, str], tuple[str, str | None, list[tuple[str, str]], list[str]]], set[str]]:
    """What `mednec evaluate` answers for each case, and the patients whose case is refused."""
    want = {}
    refused = set()
    for pid, case in cases:
        try:
            facts = parse_case(case, rt.dictionary).facts
        except InputError:
            refused.add(pid)
            continue
        for name in names:
            det = rt.evaluate(facts, rt.catalog.policy(name))
            want[(pid, det.policy["id"])] = (det.determination, det.pathway.id if det.pathway else None,
                                             [(c.id, c.status.value) for c in det.criteria],
                                             [m.document for m in det.missing_documentation])
    return want, refused


def _got(rows: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str | None, list[tuple[str, str]], list[str]]]:
    return {(r["patient_id"], r["policy_id"]): (r["determination"], r["pathway"],
                                                [(c["id"], c["status"]) for c in r["criteria"]],
                                                r["missing_documents"]) for r in rows}


@pytest.mark.parametrize("table", ["members.parquet", "members.csv"])
def test_table_rows_are_the_answers_of_evaluate(rt: Runtime, population_dir: Path, tmp_path: Path, table: str) -> None:
    out = tmp_path / "out"
    summary = run_batch(population_dir / table, out, settings_for(rt, *POLICIES), chunk_size=50)
    assert summary.complete and summary.chunks_run == 3
    want, refused = _expected(rt, synthetic_cases(120, seed=7), POLICIES)
    assert _got(_rows(out)) == want
    errors = _errors(out)
    assert {e["patient_id"] for e in errors} == refused and refused  # the synthetic data has contradictions
    assert all(e["stage"] == "intake" and e["policy_id"] is None and e["field"] for e in errors)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["patients"] == 120 and manifest["totals"]["rows"] == len(want)
    assert manifest["totals"]["errors"] == len(refused)


def test_a_row_becomes_the_case_a_case_file_would_be(rt: Runtime, population_dir: Path) -> None:
    table = pq.read_table(population_dir / "members.parquet")
    layout = table_layout(table.column_names, rt.dictionary)
    for (pid, case), row in zip(synthetic_cases(120, seed=7), table.to_pylist(), strict=True):
        assert row["patient_id"] == pid
        a, b = row_case(row, layout), case
        try:
            fa = parse_case(a, rt.dictionary).facts
        except InputError as exc:
            with pytest.raises(InputError) as again:
                parse_case(b, rt.dictionary)
            assert str(again.value) == str(exc)
            continue
        assert fa.given_digest() == parse_case(b, rt.dictionary).facts.given_digest()


def test_case_folder_and_errors_never_stop_the_run(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    for f in sorted((population_dir / "cases").iterdir())[:10]:
        (folder / f.name).write_text(f.read_text())
    (folder / "bad-unit.yaml").write_text("facts: {hemoglobin: {value: 8.1, unit: furlongs}}\n")
    (folder / "broken.json").write_text("{not json")
    (folder / "bundle.json").write_text((Path(__file__).parents[1] / "fixtures/fhir/bundle-first-line.json").read_text())
    out = tmp_path / "out"
    run_batch(folder, out, settings_for(rt, "luspatercept-mds"), chunk_size=4)
    rows = _rows(out)
    errors = {e["patient_id"]: e for e in _errors(out)}
    assert errors["bad-unit"]["kind"] == "unit" and errors["bad-unit"]["field"] == "facts.hemoglobin.unit"
    assert errors["broken"]["kind"] == "case_format" and "malformed JSON" in errors["broken"]["message"]
    bundle = next(r for r in rows if r["patient_id"] == "bundle")
    assert bundle["determination"] == "meets_criteria"  # as `mednec evaluate` answers for this bundle
    assert len(rows) + len(errors) == 13


def test_bulk_export_each_patient_as_its_bundle(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    bulk = tmp_path / "bulk"
    bulk.mkdir()
    for f in (population_dir / "bulk").iterdir():
        (bulk / f.name).write_bytes(f.read_bytes())
    with (bulk / "Observation.ndjson").open("a") as fh:
        fh.write("{this is not json\n")
        fh.write(json.dumps({"resourceType": "Observation", "id": "orphan", "status": "final",
                             "subject": {"reference": "Group/g1"}, "code": {"text": "x"}}) + "\n")
    out = tmp_path / "out"
    summary = run_batch(bulk, out, settings_for(rt, "luspatercept-mds", "imetelstat-mds", fixed=True), chunk_size=10)
    assert summary.complete and summary.spill_errors == 2
    spill_errors = [json.loads(x) for x in (out / "_spill/errors.ndjson").read_text().splitlines()]
    assert {(e["file"], e["line"]) for e in spill_errors} == {("Observation.ndjson", n) for n in
                                                                 _last_lines(bulk / "Observation.ndjson", 2)}
    rows = _rows(out)
    got = {(r["patient_id"], r["policy_id"]): r["determination"] for r in rows}
    # the reference: each patient's resources as one Bundle through FHIR intake and the engine
    sp = out / "_spill"
    want = {}
    for bucket in sorted(sp.glob("bucket-*.ndjson")):
        for pid, lines in bucket_patients(bucket).items():
            bundle = patient_bundle(pid, lines, {})
            for name in ("luspatercept-mds", "imetelstat-mds"):
                policy = rt.catalog.policy(name)
                try:
                    case = bundle_to_case(bundle, rt.dictionary, AS_OF, drug=policy.drug.generic).case
                    facts = parse_case(case, rt.dictionary).facts
                except InputError:
                    continue
                want[(pid, name)] = rt.evaluate(facts, policy).determination
    assert got == want and len({p for p, _ in got}) >= 25


def _last_lines(path: Path, n: int) -> list[int]:
    count = len(path.read_text().splitlines())
    return list(range(count - n + 1, count + 1))


class _Interrupted(Exception):
    pass


class _StopsAfter(LocalExecutor):
    """Runs two chunks, then fails as a killed worker would."""

    def run(self, tasks: Iterator[ChunkTask], settings: BatchSettings) -> Iterator[ChunkResult]:
        for i, result in enumerate(super().run(tasks, settings)):
            if i == 2:
                raise _Interrupted
            yield result


def test_an_interrupted_run_resumes_where_it_stopped(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(rt, "luspatercept-mds")
    whole = tmp_path / "whole"
    run_batch(population_dir / "members.parquet", whole, settings, chunk_size=25)
    out = tmp_path / "out"
    with pytest.raises(_Interrupted):
        run_batch(population_dir / "members.parquet", out, settings, chunk_size=25, executor=_StopsAfter())
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["chunks"]) == ["0", "1"] and not manifest["complete"]
    (out / "results/part-00001.parquet").write_bytes(b"damaged")  # a damaged chunk is redone
    summary = run_batch(population_dir / "members.parquet", out, settings, chunk_size=25)
    assert summary.complete and summary.chunks_run == 4  # chunks 1 to 4; chunk 0 was kept
    for a, b in zip(sorted((whole / "results").iterdir()), sorted((out / "results").iterdir()), strict=True):
        assert pq.read_table(a).equals(pq.read_table(b)), a.name
    again = run_batch(population_dir / "members.parquet", out, settings, chunk_size=25)
    assert again.chunks_run == 0 and again.complete


def test_a_folder_with_another_run_is_refused(rt: Runtime, population_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_batch(population_dir / "members.parquet", out, settings_for(rt, "luspatercept-mds"), chunk_size=60)
    with pytest.raises(InputError, match="different settings"):
        run_batch(population_dir / "members.parquet", out, settings_for(rt, "imetelstat-mds"), chunk_size=60)
    with pytest.raises(InputError, match="different chunk_size"):
        run_batch(population_dir / "members.parquet", out, settings_for(rt, "luspatercept-mds"), chunk_size=30)
    summary = run_batch(population_dir / "members.parquet", out, settings_for(rt, "imetelstat-mds"), chunk_size=60,
                        overwrite=True)
    assert summary.complete and {r["policy_id"] for r in _rows(out)} == {"imetelstat-mds"}


def test_unknown_columns_are_refused_with_the_nearest_fact(rt: Runtime) -> None:
    with pytest.raises(InputError, match="did you mean 'hemoglobin'"):
        table_layout(["patient_id", "hemoglobn"], rt.dictionary)
    with pytest.raises(InputError, match="calculated by mednec"):
        table_layout(["patient_id", "esa_status"], rt.dictionary)
    with pytest.raises(InputError, match="patient_id"):
        table_layout(["hemoglobin"], rt.dictionary)


def test_cli_batch_writes_parquet_ndjson_and_full_json(population_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["batch", str(population_dir / "cases"), "--out", str(out), "-p", "Reblozyl",
                                 "--as-of", "2026-11-20", "--ndjson", "--full", "-q", "--format", "json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["complete"] and report["patients"] == 40
    lines = [json.loads(x) for x in next((out / "ndjson").iterdir()).read_text().splitlines()]
    parquet = _rows(out)
    assert len(lines) == len(parquet) == report["rows"]
    full = json.loads(lines[0]["determination_json"])
    assert full["determination"] == lines[0]["determination"] and full["policy"]["id"] == "luspatercept-mds"
    r = CliRunner().invoke(app, ["batch", str(population_dir / "members.parquet"), "--out", str(tmp_path / "o2"),
                                 "-p", "no-such-drug", "-q"])
    assert r.exit_code != 0
