"""The column-wise Bulk reader gives exactly the per-bundle FHIR intake's facts and answers.

Random Bulk exports are drawn from the synthetic population (:mod:`mednec.population.synthetic`)
with variation on top: every unit spelling the unit tables know for each lab (and an unknown one),
missing and implausible values, odd statuses, dates on, just before and just after the evaluation
date (and times whose UTC date crosses it), partial dates, duplicate observations and duplicate ids,
patients with only a Patient resource or with none, resources the fast path does not model
(extensions, components, comparators, text-only codes, orders, administrations, shared Medication
resources) and lines that are not JSON. The per-bundle intake (``--engine rowwise``) is the
reference: the column-wise run must write the same rows and errors, and for every patient the reader
answers column-wise its facts must equal the parsed facts of the patient's Bundle, fact by fact.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mednec.errors import MednecError
from mednec.intake.case_file import parse_case
from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir.units import UCUM_TO_DICTIONARY, lab_spellings
from mednec.population import bulk_columns
from mednec.population.bulk import patient_bundle
from mednec.population.inputs import BatchSettings, PolicySpec
from mednec.population.pool import ProcessExecutor
from mednec.population.runner import run_batch
from mednec.population.synthetic import AS_OF, patient_resources, synthetic_case
from mednec.population.table import row_case, table_layout
from mednec.runtime import default_runtime
from tests.code_systems import LOINC as _LOINC
from tests.code_systems import UCUM as _UCUM

RT = default_runtime()
DICT = RT.dictionary
MDS = tuple(PolicySpec(p.id, p.version) for p in RT.catalog.policies() if p.id.endswith("-mds"))
LUSPATERCEPT = tuple(s for s in MDS if s.id == "luspatercept-mds")


def _spellings(fact: str) -> list[tuple[str, float]]:
    """Every unit spelling the unit tables know that the fact accepts, with its factor to canonical."""
    fd = DICT.facts[fact]
    out: list[tuple[str, float]] = []
    for spelled, key in [*UCUM_TO_DICTIONARY.items(), *((k, v[0]) for k, v in lab_spellings().items())]:
        if fd.accepts_unit(key):
            out.append((spelled, fd.convert(1.0, key, path=fact)))
    return out


SPELLINGS = {f: _spellings(f) for f in ("hemoglobin", "platelets", "anc", "serum_epo", "marrow_blasts_pct")}


def _day(delta: int) -> str:
    return (AS_OF + dt.timedelta(days=delta)).isoformat()


def _vary_observation(rng: random.Random, obs: dict[str, Any]) -> list[dict[str, Any]]:
    q = obs.get("valueQuantity")
    code = obs["code"]["coding"][0]["code"]
    fact = next((f for f, c in (("hemoglobin", "718-7"), ("platelets", "777-3"), ("anc", "751-8"),
                                ("serum_epo", "15061-5"), ("marrow_blasts_pct", "26445-7")) if c == code), None)
    if q is not None and fact is not None and rng.random() < 0.5:
        spelled, factor = rng.choice(SPELLINGS[fact])
        value = float(q["value"])
        # back to the canonical value, then into the drawn unit
        _, back = next(((s, f) for s, f in SPELLINGS[fact] if s in (q.get("code"), q.get("unit"))), (None, 1.0))
        canonical = value * back
        q.clear()
        q["value"] = round(canonical / factor, 3)
        if rng.random() < 0.5:
            q.update({"unit": spelled, "system": _UCUM, "code": spelled})
        else:
            q["unit"] = spelled
    if q is not None and rng.random() < 0.03:
        q["unit"] = "furlongs"
        q.pop("code", None)
    if q is not None and rng.random() < 0.03:
        q["value"] = float(q.get("value", 1)) * 1000  # implausible
    if q is not None and rng.random() < 0.04:
        del q["value"]  # a quantity with no value
    if rng.random() < 0.08:
        obs["status"] = rng.choice(["preliminary", "cancelled", "amended", "corrected", "entered-in-error",
                                    "registered", "unknown"])
    r = rng.random()
    if r < 0.12:
        obs["effectiveDateTime"] = _day(rng.choice([-2, -1, 0, 1, 2]))
    elif r < 0.16:
        obs["effectiveDateTime"] = rng.choice([f"{_day(0)}T23:30:00-05:00", f"{_day(1)}T01:00:00+03:00",
                                               f"{_day(-1)}T12:00:00Z", f"{_day(0)}T00:00:00.000Z"])
    elif r < 0.18:
        obs["effectiveDateTime"] = AS_OF.isoformat()[:7]  # a partial date
    elif r < 0.20:
        obs.pop("effectiveDateTime", None)
        obs["effectivePeriod"] = {"start": _day(-3)}
    elif r < 0.22:
        obs.pop("effectiveDateTime", None)
    elif r < 0.24:
        obs.pop("effectiveDateTime", None)
        obs["issued"] = f"{_day(-4)}T08:00:00Z"
    out = [obs]
    if rng.random() < 0.12:  # a second observation of the same fact
        dup = copy.deepcopy(obs)
        dup["id"] = obs["id"] + "-again"
        if rng.random() < 0.6 and "effectiveDateTime" in dup:
            dup["effectiveDateTime"] = _day(rng.choice([-40, -1, 0, 3]))
        if "valueQuantity" in dup and dup["valueQuantity"].get("value") is not None and rng.random() < 0.7:
            dup["valueQuantity"]["value"] = round(float(dup["valueQuantity"]["value"]) * rng.uniform(0.5, 1.5), 2)
        out.append(dup)
    if rng.random() < 0.02:  # the same id twice
        out.append(copy.deepcopy(obs))
    return out


def _unusual(rng: random.Random, pid: str, res: dict[str, Any]) -> None:
    """Shapes the fast path does not model (the patient goes to the per-bundle intake)."""
    pick = rng.randrange(9)
    if pick == 0:
        res["extension"] = [{"url": "http://example.org/x", "valueString": "y"}]
    elif pick == 1:
        res["meta"] = {"lastUpdated": "2026-11-01T00:00:00Z"}
    elif pick == 2 and res["resourceType"] == "Observation":
        res["component"] = [{"code": {"coding": [{"system": _LOINC, "code": "718-7"}]},
                             "valueQuantity": {"value": 9.1, "unit": "g/dL", "system": _UCUM, "code": "g/dL"}}]
    elif pick == 3 and res.get("valueQuantity"):
        res["valueQuantity"]["comparator"] = rng.choice(["<", ">="])
    elif pick == 4 and res["resourceType"] == "Observation":
        res["code"] = {"text": rng.choice(["Hemoglobin", "IPSS-R", "Ring sideroblasts", "something else"])}
    elif pick == 5 and "code" in res and res["code"].get("coding"):
        res["code"]["coding"][0]["display"] = "shown"
    elif pick == 6 and res["resourceType"] == "Observation" and "valueQuantity" in res:
        res.pop("valueQuantity")
        res["valueString"] = rng.choice([">500", "< 0.5", "about 9"])
    elif pick == 7 and "code" in res and res["code"].get("coding"):
        res["code"]["coding"].append({"system": "http://snomed.info/sct", "code": "123"})
    elif pick == 8:
        res["subject"] = {"reference": f"https://fhir.example/Patient/{pid}"}


def _vary(rng: random.Random, pid: str, resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    subject = {"reference": f"Patient/{pid}"}
    for res in resources:
        rt = res["resourceType"]
        if rng.random() < 0.04:
            continue  # a missing resource
        if rt == "Patient":
            r = rng.random()
            if r < 0.03:
                continue  # no Patient resource
            if r < 0.06:
                res["birthDate"] = res.get("birthDate", "1950-01-01")[:4]
            elif r < 0.1:
                res["gender"] = rng.choice(["other", "unknown"])
            elif r < 0.13:
                res.pop("gender", None)
            out.append(res)
            continue
        if rt == "Observation":
            many = _vary_observation(rng, res)
        elif rt == "Condition":
            r = rng.random()
            if r < 0.1:
                res["clinicalStatus"]["coding"][0]["code"] = rng.choice(["inactive", "resolved", "recurrence"])
            elif r < 0.15:
                res["verificationStatus"] = {"coding": [{"code": rng.choice(["refuted", "confirmed"])}]}
            elif r < 0.2:
                res["code"]["coding"][0]["code"] = rng.choice(["E11.9", "I10", "D46.9", "D469", "C92.0",
                                                               # codes9: a BMI range, MEN 2A, thyroid cancer, a value
                                                               "Z68.36", "Z68.1", "E31.22", "C73", "I63.9"])
            elif r < 0.23:
                res.pop("recordedDate")
                res["onsetDateTime"] = _day(-100)
            many = [res]
            if rng.random() < 0.08:
                again = copy.deepcopy(res)
                again["id"] += "-2"
                again["code"]["coding"][0]["code"] = rng.choice(["D46.9", "D46.1", "E11.65"])
                again["recordedDate"] = _day(rng.choice([-300, 0, 1]))
                many.append(again)
        elif rt == "Procedure":
            r = rng.random()
            if r < 0.05:
                res["status"] = rng.choice(["in-progress", "not-done", "stopped"])
            elif r < 0.1:
                res["performedDateTime"] = _day(rng.choice([0, 1, 5]))
            elif r < 0.12:
                res["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "116859006"}]}  # no product
            elif r < 0.16:  # units said in the code's text (fhir9 r9-m03), or two counts (the list asked)
                res["code"] = {**res["code"], "text": rng.choice(["Transfuse 2 units PRBC", "2u PRBC",
                                                                   "PRBC 1 unit; 2 units ordered"])}
            many = [res]
        elif rt == "MedicationStatement":
            if rng.random() < 0.08:
                res["status"] = rng.choice(["intended", "entered-in-error", "stopped", "active", "on-hold"])
            if rng.random() < 0.05 and "effectivePeriod" in res:
                res["effectivePeriod"]["start"] = _day(rng.choice([1, 10]))
            many = [res]
        else:
            many = [res]
        for m in many:
            if rng.random() < 0.03:
                _unusual(rng, pid, m)
            out.append(m)
    if rng.random() < 0.03:
        out.append({"resourceType": "MedicationRequest", "id": f"{pid}-order", "status": "active", "intent": "order",
                    "medicationCodeableConcept": {"text": rng.choice(["epoetin alfa", "luspatercept", "atorvastatin"])},
                    "subject": subject, "authoredOn": _day(-20)})
    if rng.random() < 0.03:
        out.append({"resourceType": "MedicationAdministration", "id": f"{pid}-dose", "status": "completed",
                    "medicationCodeableConcept": {"text": rng.choice(["Reblozyl", "epoetin alfa", "packed red cells"])},
                    "subject": subject, "effectiveDateTime": _day(-10),
                    "dosage": {"dose": {"value": 1.0, "unit": "mg/kg"}}})
    if rng.random() < 0.02:
        out.append({"resourceType": "MedicationStatement", "id": f"{pid}-shared", "status": "active",
                    "medicationReference": {"reference": "Medication/epo"}, "subject": subject,
                    "effectivePeriod": {"start": _day(-30)}})
    if rng.random() < 0.03:
        out.append({"resourceType": "Encounter", "id": f"{pid}-enc", "status": "finished",
                    "class": {"code": "AMB"}, "subject": subject})
    return out


def random_export(seed: int, n: int, folder: Path) -> None:
    """``n`` random patients as a Bulk export in ``folder`` (lines of a type shuffled across patients)."""
    rng = random.Random(seed)
    by_type: dict[str, list[str]] = {}
    for i in range(n):
        pid = f"p{i:04d}"
        case = synthetic_case(rng, AS_OF)
        resources = list(patient_resources(pid, case))
        if rng.random() < 0.05:
            resources = resources[:1]  # only the Patient resource
        for res in _vary(rng, pid, resources):
            by_type.setdefault(res["resourceType"], []).append(json.dumps(res, separators=(",", ":")))
    by_type.setdefault("Medication", []).append(json.dumps(
        {"resourceType": "Medication", "id": "epo", "code": {"text": "epoetin alfa"}}))
    if rng.random() < 0.3:
        by_type.setdefault("Observation", []).append('{"resourceType":"Observation", not json')
    if rng.random() < 0.3:
        by_type.setdefault("Observation", []).append(json.dumps(
            {"resourceType": "Observation", "id": "orphan", "status": "final", "code": {"text": "x"}}))
    folder.mkdir(parents=True, exist_ok=True)
    for rt, lines in by_type.items():
        rng.shuffle(lines)
        (folder / f"{rt}.ndjson").write_text("\n".join(lines) + "\n", "utf-8")


def _outputs(out: Path) -> tuple[list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    for f in sorted((out / "results").glob("part-*.parquet")):
        rows += pq.read_table(f).to_pylist()
    errors: list[str] = []
    for f in sorted((out / "errors").glob("*.ndjson")) if (out / "errors").is_dir() else []:
        errors += f.read_text("utf-8").splitlines()
    return rows, errors


def _facts(case: dict[str, Any], settings: BatchSettings) -> dict[str, Any]:
    """The parsed facts of a case mapping, without provenance (the values the engine reads)."""
    fixed = settings.as_of if settings.as_of_fixed else None
    data = dict(case)
    data.setdefault("as_of", settings.as_of.isoformat())
    try:
        facts = parse_case(data, DICT, as_of=fixed).facts
    except MednecError as exc:  # refused: the same refusal both ways
        return {"refused": (exc.code, exc.field, exc.message)}
    return {f: (v.value, v.unit, v.observed) for f, v in facts.items()}


def _check(seed: int, n: int, chunk_size: int, specs: tuple[PolicySpec, ...], tmp: Path,
           decorate: Callable[[Path], None] | None = None, workers: int = 1) -> bulk_columns.Share:
    export = tmp / "export"
    random_export(seed, n, export)
    if decorate is not None:
        decorate(export)
    s_row = BatchSettings(specs, "initial", AS_OF, True, "rowwise")
    s_col = BatchSettings(specs, "initial", AS_OF, True, "columnar")
    run_batch(export, tmp / "row", s_row, chunk_size=chunk_size)
    if workers > 1:  # worker processes of this machine: the export read in byte ranges, buckets read by workers
        with ProcessExecutor(workers) as executor:
            summary = run_batch(export, tmp / "col", s_col, chunk_size=chunk_size, executor=executor)
    else:
        summary = run_batch(export, tmp / "col", s_col, chunk_size=chunk_size)
    row_rows, row_errors = _outputs(tmp / "row")
    col_rows, col_errors = _outputs(tmp / "col")
    assert len(row_rows) == len(col_rows), ([r["patient_id"] for r in row_rows], [r["patient_id"] for r in col_rows])
    for a, b in zip(row_rows, col_rows, strict=True):
        assert a == b
    assert row_errors == col_errors
    # fact by fact: each patient answered column-wise has its Bundle's parsed facts
    spill = bulk_columns.read_export(export, tmp / "facts", chunk_size)
    layout_cache: dict[tuple[str, ...], Any] = {}
    drugs = RT.catalog.calculators.drugs
    share = bulk_columns.Share()
    for k in range(spill.buckets):
        chunk = spill.chunk(k, s_col)
        share.add(chunk)
        table = chunk.table
        names = tuple(table.column_names)
        layout = layout_cache.setdefault(names, table_layout(names, DICT))
        for row in table.to_pylist():
            pid = row["patient_id"]
            got = _facts(row_case(row, layout), s_col)
            bundle = patient_bundle(pid, chunk.lines[pid], spill.shared())
            for j, spec in enumerate(specs):
                if j in chunk.courses.get(pid, ()):
                    continue  # this policy's drug reads the patient's records as its course: answered per bundle
                mine = got
                if pid in chunk.course_facts.get(j, {}):  # the row with that drug's course facts set
                    variant = bulk_columns._with_course(table, {pid: chunk.course_facts[j][pid]}, DICT)
                    assert variant is not None
                    row_j = variant.to_pylist()[0]
                    mine = _facts(row_case(row_j, table_layout(variant.column_names, DICT)), s_col)
                drug = RT.catalog.policy(spec.id).drug.generic
                want = _facts(bundle_to_case(bundle, DICT, AS_OF, drug=drug, drugs=drugs).case, s_col)
                assert mine == want, (pid, drug)
    assert summary.totals is not None
    return share


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), chunk=st.sampled_from([3, 7, 50]),
       every=st.booleans())
def test_bulk_columns_equal_the_bundle_intake(tmp_path_factory: pytest.TempPathFactory, seed: int, n: int,
                                               chunk: int, every: bool) -> None:
    tmp = tmp_path_factory.mktemp("bulkcol")
    _check(seed, n, chunk, MDS if every else LUSPATERCEPT, tmp)


@pytest.mark.parametrize(("seed", "every"), [(1, True), (2, False)])
def test_bulk_columns_on_a_larger_random_export(tmp_path: Path, seed: int, every: bool) -> None:
    """400 random patients: the rare combinations, and the share of patients read column-wise."""
    share = _check(seed, 400, 150, MDS if every else LUSPATERCEPT, tmp_path)
    # with this much variation (about one resource in ten is unusual) many patients are read row-wise;
    # for luspatercept alone, still a good share column-wise (an ESA policy reads ESA statements as its
    # own course: those patients are read row-wise)
    assert share.fast > (0.05 if every else 0.4) * share.patients, share


def test_the_synthetic_export_is_read_column_wise(tmp_path: Path) -> None:
    from mednec.population.synthetic import write_bulk

    write_bulk(300, tmp_path / "export", seed=3)
    spill = bulk_columns.read_export(tmp_path / "export", tmp_path / "facts", 100)
    s = BatchSettings(LUSPATERCEPT, "initial", AS_OF, False, "columnar")
    share = bulk_columns.Share()
    for k in range(spill.buckets):
        share.add(spill.chunk(k, s))
    assert share.patients == 300
    assert share.fast == 300, share


def _decorated(seed: int, odd: str) -> Callable[[Path], None]:
    """Fields real exports carry that the intake never reads (meta, identifier, category, a reference's
    display), valid, and with ``odd`` == "fields" also in shapes R4B validation refuses or the columns do
    not model (a version id with a space, a last update without a time, an empty identifier value, a code
    with a trailing space, an unknown meta field), with "offsets" observation times whose time zone offset
    is beyond 14:00 (R4B validation refuses them, Python reads them)."""
    def decorate(folder: Path) -> None:
        rng = random.Random(seed)
        for f in sorted(folder.glob("*.ndjson")):
            out = []
            for line in f.read_text("utf-8").splitlines():
                try:
                    res = json.loads(line)
                except json.JSONDecodeError:
                    out.append(line)
                    continue
                if not isinstance(res, dict) or "resourceType" not in res:
                    out.append(line)
                    continue
                _decorate(rng, res, odd)
                out.append(json.dumps(res, separators=(",", ":")))
            f.write_text("\n".join(out) + "\n", "utf-8")
    return decorate


def _decorate(rng: random.Random, res: dict[str, Any], odd: str) -> None:
    if rng.random() < 0.5:
        res["meta"] = {"versionId": str(rng.randrange(1, 9)), "lastUpdated": "2026-11-02T10:00:00.123+01:00",
                       "profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab"],
                       "tag": [{"system": "http://example.org/tags", "code": "bulk"}]}
        if odd == "fields" and rng.random() < 0.2:
            res["meta"][rng.choice(["versionId", "lastUpdated", "extra"])] = rng.choice(["1 2", "2026-11-02", "x"])
    if rng.random() < 0.5:
        ident = {"use": "official", "system": "urn:oid:1.2.3", "value": f"MRN-{rng.randrange(10**6)}"}
        if odd == "fields" and rng.random() < 0.2:
            ident[rng.choice(["use", "value"])] = rng.choice(["", "official ", "usual"])
        res["identifier"] = [ident]
    if res["resourceType"] in ("Observation", "Condition") and rng.random() < 0.5:
        res["category"] = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                        "code": rng.choice(["laboratory", "problem-list-item"]),
                                        "display": "Laboratory"}]}]
    if isinstance(res.get("subject"), dict) and rng.random() < 0.5:
        res["subject"]["display"] = rng.choice(["Doe, Jane", "J. Doe"]) if odd != "fields" or rng.random() < 0.9 \
            else ""
    if odd == "offsets" and res["resourceType"] == "Observation" and rng.random() < 0.1:
        res["effectiveDateTime"] = rng.choice([f"{_day(0)}T23:30:00-15:00", f"{_day(0)}T20:00:00+14:30",
                                               f"{_day(-1)}T20:00:00+14:00"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), chunk=st.sampled_from([7, 50]),
       odd=st.sampled_from(["", "fields", "offsets"]))
def test_declared_fields_equal_the_bundle_intake(tmp_path_factory: pytest.TempPathFactory, seed: int, n: int,
                                                 chunk: int, odd: str) -> None:
    tmp = tmp_path_factory.mktemp("bulkdecl")
    _check(seed, n, chunk, LUSPATERCEPT, tmp, _decorated(seed, odd))


def test_valid_declared_fields_are_read_column_wise(tmp_path: Path) -> None:
    """The synthetic export with meta, identifier, category and reference displays on its resources: every
    patient still read column-wise, with the same answers as the per-bundle intake."""
    from mednec.population.synthetic import write_bulk

    write_bulk(60, tmp_path / "export", seed=5)
    _decorated(5, "")(tmp_path / "export")
    spill = bulk_columns.read_export(tmp_path / "export", tmp_path / "facts", 100)
    s = BatchSettings(LUSPATERCEPT, "initial", AS_OF, False, "columnar")
    share = bulk_columns.Share()
    for k in range(spill.buckets):
        share.add(spill.chunk(k, s))
    assert share.patients == 60
    assert share.fast == 60, share
    s_row = BatchSettings(LUSPATERCEPT, "initial", AS_OF, False, "rowwise")
    run_batch(tmp_path / "export", tmp_path / "row", s_row, chunk_size=25)
    run_batch(tmp_path / "export", tmp_path / "col", s, chunk_size=25)
    assert _outputs(tmp_path / "row") == _outputs(tmp_path / "col")


def test_gzip_export_keeps_its_lines(tmp_path: Path) -> None:
    """A gzip export (no byte offsets to read a line again from): the same rows as the plain export."""
    import gzip

    random_export(11, 60, tmp_path / "plain")
    (tmp_path / "gz").mkdir()
    for f in (tmp_path / "plain").glob("*.ndjson"):
        (tmp_path / "gz" / (f.name + ".gz")).write_bytes(gzip.compress(f.read_bytes()))
    s = BatchSettings(MDS, "initial", AS_OF, True, "columnar")
    run_batch(tmp_path / "plain", tmp_path / "a", s, chunk_size=20)
    run_batch(tmp_path / "gz", tmp_path / "b", s, chunk_size=20)
    assert _outputs(tmp_path / "a")[0] == _outputs(tmp_path / "b")[0]


# ---- the read split over forked processes --------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(text=st.lists(st.sampled_from([b'{"a":1}', b"", b"  ", b" \t", b'  {"b":2}', b"x" * 30, b"\r"]),
                     max_size=40).map(lambda lines: b"\n".join(lines)),
       newline_at_end=st.booleans(), cuts=st.lists(st.integers(0, 400), max_size=4))
def test_byte_ranges_give_the_lines_of_the_whole_file(tmp_path_factory: pytest.TempPathFactory, text: bytes,
                                                      newline_at_end: bool, cuts: list[int]) -> None:
    """Cut at line starts, the ranges' lines (numbers, offsets, text) are the whole file's, blank lines counted
    and a last line without a line break read."""
    f = tmp_path_factory.mktemp("ranges") / "Observation.ndjson"
    data = text + (b"\n" if newline_at_end and text else b"")
    f.write_bytes(data)
    line_starts = [i + 1 for i, b in enumerate(data) if b == 10 and i + 1 < len(data)]
    # each cut moved on to the next line start (as _ranges cuts a file)
    starts = sorted({0, *(next((x for x in line_starts if x >= c), len(data)) for c in cuts)} - {len(data)})

    def lines(blocks: Any) -> list[tuple[int, int, bytes]]:
        out = []
        for first, at, block in blocks:
            ls, numbers, offsets, lengths = bulk_columns._split_lines(block, first)
            out += list(zip(numbers.tolist(), (offsets + at).tolist(), ls.to_pylist(), strict=True))
        return out

    whole = lines(bulk_columns._range_blocks(f, 0, None))
    bounds = [*starts, len(data)]
    parts: list[tuple[int, int, bytes]] = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b > a:
            parts += lines(bulk_columns._range_blocks(f, a, None if b == len(data) else b))
    assert parts == whole
    for number, at, line in whole:
        assert data.split(b"\n")[number - 1] == line
        assert data[at:at + len(line)] == line


def _split_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file cut into byte ranges, whatever its size."""
    monkeypatch.setattr(bulk_columns, "_MIN_RANGE", 1)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), processes=st.sampled_from([2, 3]),
       odd=st.sampled_from(["", "fields", "offsets"]))
def test_a_read_over_forked_processes_is_the_read_of_one(tmp_path_factory: pytest.TempPathFactory,
                                                         monkeypatch: pytest.MonkeyPatch, seed: int, n: int,
                                                         processes: int, odd: str) -> None:
    """The export read by several processes (each file cut into ranges) gives every bucket the same fact table,
    the same patients left to the per-bundle intake and the same lines, the same errors and shared resources."""
    tmp = tmp_path_factory.mktemp("forked")
    random_export(seed, n, tmp / "export")
    _decorated(seed, odd)(tmp / "export")
    one = bulk_columns.read_export(tmp / "export", tmp / "one", 7, processes=1)
    with monkeypatch.context() as m:
        _split_everywhere(m)
        many = bulk_columns.read_export(tmp / "export", tmp / "many", 7, processes=processes)
    assert (one.buckets, one.patients, one.resources, one.errors) == \
        (many.buckets, many.patients, many.resources, many.errors)
    for name in ("errors.ndjson", "shared.ndjson"):
        assert (tmp / "one" / name).read_bytes() == (tmp / "many" / name).read_bytes()
    s = BatchSettings(MDS, "initial", AS_OF, True, "columnar")
    for k in range(one.buckets):
        a, b = one.chunk(k, s), many.chunk(k, s)
        assert a.ids == b.ids
        assert a.table.equals(b.table)
        assert (a.fallback, a.courses, a.lines) == (b.fallback, b.courses, b.lines)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), chunk=st.sampled_from([3, 7, 50]),
       odd=st.sampled_from(["", "fields", "offsets"]))
def test_a_forked_run_equals_the_bundle_intake(tmp_path_factory: pytest.TempPathFactory,
                                               monkeypatch: pytest.MonkeyPatch, seed: int, n: int, chunk: int,
                                               odd: str) -> None:
    """A run on three worker processes (--workers 3), every file cut into ranges: the per-bundle intake's rows
    and errors."""
    tmp = tmp_path_factory.mktemp("forkedrun")
    with monkeypatch.context() as m:
        _split_everywhere(m)
        _check(seed, n, chunk, MDS, tmp, _decorated(seed, odd), workers=3)


def test_worker_processes_write_the_files_of_one(tmp_path: Path) -> None:
    """--workers 2 on the synthetic export (its files large enough to be cut): the files of one process."""
    from mednec.population.synthetic import write_bulk

    write_bulk(400, tmp_path / "export", seed=4)
    s = BatchSettings(MDS, "initial", AS_OF, True, "columnar")
    run_batch(tmp_path / "export", tmp_path / "a", s, chunk_size=150)
    with ProcessExecutor(2) as executor:
        run_batch(tmp_path / "export", tmp_path / "b", s, chunk_size=150, executor=executor)
    assert _outputs(tmp_path / "a") == _outputs(tmp_path / "b")
    for name in ("errors.ndjson", "shared.ndjson"):
        assert (tmp_path / "a" / "_spill" / name).read_bytes() == (tmp_path / "b" / "_spill" / name).read_bytes()


# ---- dates read column-wise ------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(texts=st.lists(st.one_of(
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.sampled_from(["2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "0001-01-01", "0000-01-01",
                     "2026-W47-5", "20261120", "2026-11", "2026-11-20T10:00:00Z", "2026-11-20T23:30:00-05:00",
                     "2026-11-20 ", "", "\uff12\uff10\uff12\uff16-11-20"]),
    st.none()), max_size=60))
def test_dates_read_column_wise_are_fhir_datetime(texts: list[str | None]) -> None:
    """A full date read column-wise is what ``fhir_datetime`` reads one by one (a day that does not exist, or
    year 0, refused); the other texts go through ``fhir_datetime`` itself."""
    import pyarrow as pa

    from mednec.errors import MednecError as Refused
    from mednec.intake.fhir.common import NotMapped, fhir_datetime

    micros, given_, bad = bulk_columns._Dates()(pa.array(texts, pa.string()), bulk_columns._DATETIME)
    for text, got, was_given, is_bad in zip(texts, micros.tolist(), given_.tolist(), bad.tolist(), strict=True):
        assert was_given == (text is not None)
        try:
            when = fhir_datetime(text, path="date")
        except (Refused, NotMapped):
            assert got == bulk_columns._NO_WHEN and is_bad
            continue
        want = bulk_columns._NO_WHEN if when is None else (when - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
        assert got == want


def test_a_read_spilled_with_other_columns_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A finished read is reused by a resumed run only when its spilled tables have today's columns: a read
    spilled by a mednec whose candidate table lacked a column (as before ``rev``) stopped the resumed run with a
    KeyError. The stamp in ``columns.json`` carries a digest of the spilled tables' schemas."""
    from mednec.population.synthetic import write_bulk

    write_bulk(40, tmp_path / "export", seed=6)
    first = bulk_columns.read_export(tmp_path / "export", tmp_path / "facts", 100)
    meta = json.loads((tmp_path / "facts" / "columns.json").read_text("utf-8"))
    assert meta["version"] == bulk_columns._spill_stamp()
    reads: list[int] = []
    real = bulk_columns._read_worker
    monkeypatch.setattr(bulk_columns, "_read_worker", lambda job, w: reads.append(w) or real(job, w))
    bulk_columns.read_export(tmp_path / "export", tmp_path / "facts", 100)
    assert reads == []  # same columns: reused
    older = {**bulk_columns._KINDS, "cand": pa.schema([f for f in bulk_columns._CAND if f.name != "rev"])}
    assert bulk_columns._stamp_of(older) != meta["version"]
    (tmp_path / "facts" / "columns.json").write_text(json.dumps({**meta, "version": bulk_columns._stamp_of(older)}))
    again = bulk_columns.read_export(tmp_path / "export", tmp_path / "facts", 100)
    assert reads == [0]
    assert again.patients == first.patients
    meta = json.loads((tmp_path / "facts" / "columns.json").read_text("utf-8"))
    assert meta["version"] == bulk_columns._spill_stamp()
