"""A reproducible synthetic MDS population in three forms: a fact table (Parquet or CSV), case
files, and a FHIR Bulk Data export. For trying `mednec batch` and for the benchmarks; the
patients are invented (not for clinical use).

Each patient is drawn from a seeded generator, so ``seed`` and ``n`` give the same patients in
every form: the table carries numbers in every unit the fact dictionary accepts for them
(``hemoglobin`` in g/dL, g/L or mmol/L, with ``hemoglobin_unit``), some facts are missing,
transfusions and ESA courses vary in number. The Bulk form writes the same facts as FHIR R4
resources (Patient, Condition, Observation, Procedure, MedicationStatement).

    python -m mednec.population.synthetic 100000 --table members.parquet --bulk export/
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from mednec.facts.dictionary import FactDictionary

__all__ = ["AS_OF", "synthetic_cases", "table_schema", "write_bulk", "write_cases", "write_table"]

AS_OF = dt.date(2026, 11, 20)
_UNIT_FACTS = {  # number facts written in a non-canonical unit part of the time: unit -> factor back
    "hemoglobin": (("g/dL", 1.0, 1), ("g/L", 10.0, 0), ("mmol/L", 1 / 1.611, 2)),
    "platelets": (("10^9/L", 1.0, 0), ("K/uL", 1.0, 0), ("/uL", 1000.0, -3)),
    "anc": (("10^9/L", 1.0, 2), ("/uL", 1000.0, -1), ("G/L", 1.0, 2)),
    "serum_epo": (("mU/mL", 1.0, 0), ("IU/L", 1.0, 0), ("mIU/mL", 1.0, 0)),
}


def _maybe(rng: random.Random, p: float = 0.85) -> bool:
    return rng.random() < p


def _quantity(rng: random.Random, fact: str, canonical: float, date: dt.date) -> dict[str, Any]:
    units = _UNIT_FACTS.get(fact)
    if units is None:
        return {"value": canonical, "date": date.isoformat()}
    unit, factor, digits = rng.choice(units)
    value = round(canonical * factor, digits) if digits > 0 else float(round(canonical * factor, digits))
    return {"value": value, "unit": unit, "date": date.isoformat()}


def synthetic_case(rng: random.Random, as_of: dt.date = AS_OF) -> dict[str, Any]:
    """One patient's case mapping (``patient``, ``facts``, ``as_of``)."""
    facts: dict[str, Any] = {}
    lab_day = as_of - dt.timedelta(days=rng.randint(0, 60))
    if _maybe(rng):
        facts["diagnosis"] = rng.choice(["D46.0", "D46.1", "D46.9", "D46.B", "D46.C", "D46.Z", "D46.4", "D46.A"])
    if _maybe(rng, 0.5):
        facts["ipss_r_category"] = rng.choice(["very_low", "low", "low", "intermediate", "high"])
    else:
        facts["cytogenetic_risk"] = rng.choice(["very_good", "good", "good", "intermediate", "poor"])
        facts["marrow_blasts_pct"] = rng.choice([1, 2, 2.5, 3, 4, 5, 6, 12])
        facts["platelets"] = _quantity(rng, "platelets", float(rng.choice([40, 50, 80, 100, 150, 250])), lab_day)
        facts["anc"] = _quantity(rng, "anc", rng.choice([0.6, 0.8, 1.2, 2.5]), lab_day)
    if _maybe(rng, 0.95):
        facts["hemoglobin"] = _quantity(rng, "hemoglobin", round(rng.uniform(6.5, 12.5), 1), lab_day)
    if _maybe(rng):
        facts["del5q"] = rng.random() < 0.15
        if _maybe(rng, 0.9):
            facts["additional_cytogenetic_abnormalities"] = rng.choice([0, 0, 1, 2])
            facts["chromosome7_abnormality"] = rng.random() < 0.1
    if _maybe(rng):
        facts["serum_epo"] = _quantity(rng, "serum_epo", float(rng.choice([40, 150, 200, 320, 480, 500, 650, 1200])),
                                       as_of - dt.timedelta(days=rng.randint(0, 200)))
    if _maybe(rng):
        facts["ring_sideroblasts_pct"] = rng.choice([0, 3, 7, 14, 15, 16, 30])
    if _maybe(rng):
        facts["sf3b1_mutation"] = rng.random() < 0.4
    if _maybe(rng, 0.9):
        days = sorted({rng.randint(0, 130) for _ in range(rng.randint(0, 9))}, reverse=True)
        facts["rbc_transfusions"] = [{"date": (as_of - dt.timedelta(days=d)).isoformat(),
                                      "units": rng.choice([1, 2, 2])} for d in days]
    if _maybe(rng):
        if rng.random() < 0.45:
            facts["esa_history"] = []
        else:
            courses = []
            start = as_of - dt.timedelta(days=rng.randint(60, 400))
            for _ in range(rng.choice([1, 1, 1, 2])):
                end = min(as_of, start + dt.timedelta(days=rng.randint(20, 120)))
                response = rng.choice(["none", "lost_response", "response", "intolerant", "partial", "ongoing"])
                course: dict[str, Any] = {"drug": rng.choice(["epoetin alfa", "darbepoetin alfa"]),
                                          "start": start.isoformat(), "response": response}
                if response != "ongoing":
                    course["end"] = end.isoformat()
                courses.append(course)
                start = end + dt.timedelta(days=rng.randint(1, 30))
                if start >= as_of or response == "ongoing":
                    break
            facts["esa_history"] = courses
    for k in ("immediate_correction_needed", "anemia_symptomatic", "concurrent_esa"):
        if _maybe(rng, 0.7):
            facts[k] = rng.random() < (0.1 if k != "anemia_symptomatic" else 0.9)
    patient = {"birth_date": dt.date(rng.randint(1930, 2010), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
               "sex": rng.choice(["male", "female"])}
    return {"as_of": as_of.isoformat(), "patient": patient, "facts": facts}


def synthetic_cases(n: int, seed: int = 2026, as_of: dt.date = AS_OF) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(patient_id, case)`` for ``n`` patients; the same ones for the same seed."""
    rng = random.Random(seed)
    for i in range(n):
        yield f"p{i:07d}", synthetic_case(rng, as_of)


# ---- the fact table ---------------------------------------------------------------------

def table_schema(dictionary: FactDictionary, facts: tuple[str, ...]) -> Any:
    """The Arrow schema of a fact table holding ``facts`` (typed from the fact dictionary)."""
    import pyarrow as pa

    types = {"number": pa.float64(), "text": pa.string(), "category": pa.string(), "date": pa.date32()}
    fields = [pa.field("patient_id", pa.string()), pa.field("as_of", pa.date32())]
    for fid in facts:
        fd = dictionary.facts[fid]
        if fd.type == "number":
            fields += [pa.field(fid, pa.float64()), pa.field(f"{fid}_unit", pa.string()),
                       pa.field(f"{fid}_date", pa.date32())]
        elif fd.type == "boolean":
            fields += [pa.field(fid, pa.bool_()), pa.field(f"{fid}_date", pa.date32())]
        elif fd.type == "category":
            fields += [pa.field(fid, pa.string()), pa.field(f"{fid}_date", pa.date32())]
        elif fd.type == "date":
            fields.append(pa.field(fid, pa.date32()))
        else:
            struct = pa.struct([pa.field(f.name, types.get(f.type, pa.string())) for f in fd.fields.values()])
            fields.append(pa.field(fid, pa.list_(struct)))
    return pa.schema(fields)


def case_row(patient_id: str, case: Mapping[str, Any], dictionary: FactDictionary) -> dict[str, Any]:
    """A case mapping as one fact-table row (the inverse of :func:`mednec.population.table.row_case`)."""
    row: dict[str, Any] = {"patient_id": patient_id, "as_of": _d(case.get("as_of"))}
    for fid, raw in [*case.get("patient", {}).items(), *case.get("facts", {}).items()]:
        fd = dictionary.facts[fid]
        if fd.type == "events":
            row[fid] = [{k: (_d(v) if fd.fields[k].type == "date" else v) for k, v in e.items()} for e in raw]
            continue
        value = raw
        if isinstance(raw, Mapping):
            value = raw["value"]
            if raw.get("unit") is not None:
                row[f"{fid}_unit"] = raw["unit"]
            if raw.get("date") is not None:
                row[f"{fid}_date"] = _d(raw["date"])
        row[fid] = _d(value) if fd.type == "date" else (float(value) if fd.type == "number" else value)
    return row


def _d(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def write_table(n: int, path: Path, dictionary: FactDictionary, *, seed: int = 2026, batch: int = 50_000) -> None:
    """Write ``n`` synthetic patients as a Parquet (or, by suffix, CSV) fact table, in batches."""
    used = ("birth_date", "sex", *(f for f in dictionary.facts if f not in ("birth_date", "sex", "age")
                                   and dictionary.facts[f].may_give))
    schema = table_schema(dictionary, used)
    rows: list[dict[str, Any]] = []
    writer: Any = None
    csv_out: IO[bytes] | None = None
    try:
        for pid, case in synthetic_cases(n, seed):
            rows.append(case_row(pid, case, dictionary))
            if len(rows) >= batch:
                writer, csv_out = _flush(rows, schema, path, writer, csv_out)
                rows = []
        if rows or writer is None and csv_out is None:
            writer, csv_out = _flush(rows, schema, path, writer, csv_out)
    finally:
        if writer is not None:
            writer.close()
        if csv_out is not None:
            csv_out.close()


def _flush(rows: list[dict[str, Any]], schema: Any, path: Path, writer: Any, csv_out: IO[bytes] | None) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=schema)
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        events = [f.name for f in schema if pa.types.is_list(f.type)]
        for name in events:  # a CSV cell holds an events list as JSON text
            i = table.schema.get_field_index(name)
            col = [None if v is None else json.dumps(v, default=str) for v in table.column(name).to_pylist()]
            table = table.set_column(i, name, pa.array(col, pa.string()))
        first = csv_out is None
        csv_out = csv_out or path.open("wb")
        pacsv.write_csv(table, csv_out, write_options=pacsv.WriteOptions(include_header=first))
        return writer, csv_out
    writer = writer or pq.ParquetWriter(path, schema, compression="zstd")
    writer.write_table(table)
    return writer, csv_out


def write_cases(n: int, folder: Path, *, seed: int = 2026) -> None:
    """Write ``n`` synthetic patients as JSON case files (``p0000000.json``, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    for pid, case in synthetic_cases(n, seed):
        (folder / f"{pid}.json").write_text(json.dumps(case), "utf-8")


# ---- the FHIR Bulk Data form ------------------------------------------------------------

_LOINC = "http://loinc.org"
_UCUM = "http://unitsofmeasure.org"
_LOCAL = "https://mednec.example/fhir/CodeSystem/mednec"
_ICD = "http://hl7.org/fhir/sid/icd-10-cm"
_SNOMED = "http://snomed.info/sct"
_LAB_CODES = {"hemoglobin": "718-7", "platelets": "777-3", "anc": "751-8", "serum_epo": "15061-5",
              "marrow_blasts_pct": "26445-7"}
_UCUM_CODES = {"g/dL": "g/dL", "g/L": "g/L", "mmol/L": "mmol/L", "10^9/L": "10*9/L", "K/uL": "10*3/uL",
               "/uL": "/uL", "G/L": "10*9/L", "mU/mL": "m[IU]/mL", "IU/L": "[IU]/L", "mIU/mL": "m[IU]/mL",
               "%": "%", "count": "{#}"}
_CANONICAL_UNIT = {"hemoglobin": "g/dL", "platelets": "10^9/L", "anc": "10^9/L", "serum_epo": "mU/mL",
                   "marrow_blasts_pct": "%", "ring_sideroblasts_pct": "%", "additional_cytogenetic_abnormalities": "count"}
_REASON = {"none": "No response", "lost_response": "Lost response", "intolerant": "Intolerance",
           "partial": "Partial response", "response": "Responded"}


def _observation(pid: str, rid: str, fact: str, raw: Any, as_of: str) -> dict[str, Any]:
    value, unit, date = (raw.get("value"), raw.get("unit"), raw.get("date")) if isinstance(raw, Mapping) \
        else (raw, None, None)
    code = ({"system": _LOINC, "code": _LAB_CODES[fact]} if fact in _LAB_CODES
            else {"system": _LOCAL, "code": fact})
    obs: dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": "final",
                           "code": {"coding": [code]}, "subject": {"reference": f"Patient/{pid}"},
                           "effectiveDateTime": date or as_of}
    if isinstance(value, bool):
        obs["valueBoolean"] = value
    elif isinstance(value, int | float):
        unit = unit or _CANONICAL_UNIT.get(fact)
        q: dict[str, Any] = {"value": value}
        if unit:
            q.update({"unit": unit, "system": _UCUM, "code": _UCUM_CODES.get(unit, unit)})
        obs["valueQuantity"] = q
    else:
        obs["valueCodeableConcept"] = {"coding": [{"system": _LOCAL, "code": str(value)}]}
    return obs


def patient_resources(pid: str, case: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One synthetic patient's FHIR R4 resources."""
    patient = case.get("patient", {})
    as_of = str(case.get("as_of") or AS_OF.isoformat())
    yield {"resourceType": "Patient", "id": pid, "gender": patient.get("sex", "unknown"),
           **({"birthDate": patient["birth_date"]} if patient.get("birth_date") else {})}
    subject = {"reference": f"Patient/{pid}"}
    for fact, raw in case.get("facts", {}).items():
        if fact == "diagnosis":
            yield {"resourceType": "Condition", "id": f"{pid}-dx", "subject": subject,
                   "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                  "code": "active"}]},
                   "code": {"coding": [{"system": _ICD, "code": raw}]}, "recordedDate": as_of}
        elif fact == "rbc_transfusions":
            for i, t in enumerate(raw):
                for u in range(int(t["units"])):
                    yield {"resourceType": "Procedure", "id": f"{pid}-tx{i}-{u}", "status": "completed",
                           "code": {"coding": [{"system": _SNOMED, "code": "116859006"}],
                                    "text": "Transfusion of packed red blood cells"},
                           "subject": subject, "performedDateTime": t["date"]}
        elif fact == "esa_history":
            if not raw:
                yield {"resourceType": "MedicationStatement", "id": f"{pid}-esa-none", "status": "not-taken",
                       "medicationCodeableConcept": {"text": "erythropoiesis-stimulating agent"},
                       "subject": subject}
            for i, c in enumerate(raw):
                period = {"start": c["start"], **({"end": c["end"]} if c.get("end") else {})}
                st: dict[str, Any] = {"resourceType": "MedicationStatement", "id": f"{pid}-esa{i}",
                                      "status": "active" if c["response"] == "ongoing" else "completed",
                                      "medicationCodeableConcept": {"text": c["drug"]}, "subject": subject,
                                      "effectivePeriod": period}
                if c["response"] in _REASON:
                    st["statusReason"] = [{"text": _REASON[c["response"]]}]
                yield st
        else:
            yield _observation(pid, f"{pid}-{fact.replace('_', '-')}", fact, raw, as_of)


def write_bulk(n: int, folder: Path, *, seed: int = 2026) -> None:
    """Write ``n`` synthetic patients as a FHIR Bulk Data export (one NDJSON file per type)."""
    folder.mkdir(parents=True, exist_ok=True)
    handles: dict[str, IO[str]] = {}
    try:
        for pid, case in synthetic_cases(n, seed):
            for res in patient_resources(pid, case):
                rt = res["resourceType"]
                if rt not in handles:
                    handles[rt] = (folder / f"{rt}.ndjson").open("w", encoding="utf-8")
                handles[rt].write(json.dumps(res, separators=(",", ":")) + "\n")
    finally:
        for h in handles.values():
            h.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic MDS population (not for clinical use).")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--table", type=Path, help="a .parquet or .csv fact table")
    parser.add_argument("--cases", type=Path, help="a folder of case files")
    parser.add_argument("--bulk", type=Path, help="a folder for the FHIR Bulk Data export")
    args = parser.parse_args()
    from mednec.facts.dictionary import load_dictionary

    dictionary = load_dictionary()
    if args.table:
        write_table(args.n, args.table, dictionary, seed=args.seed)
    if args.cases:
        write_cases(args.n, args.cases, seed=args.seed)
    if args.bulk:
        write_bulk(args.n, args.bulk, seed=args.seed)


if __name__ == "__main__":
    main()
