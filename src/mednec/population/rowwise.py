"""A chunk evaluated patient by patient with the engine: the reference for every other path.

Each patient goes through exactly what ``mednec evaluate`` does with one case: the case
mapping (a table row, a case file, a Bundle converted by FHIR intake for the policy's drug)
is checked by :func:`mednec.intake.case_file.parse_case` and evaluated by
:func:`mednec.engine.evaluate.evaluate`. A patient whose data is wrong gets an error record
(the message names the field) and the run goes on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from mednec.engine.determination import Determination
from mednec.engine.evaluate import evaluate
from mednec.facts.factset import FactSet
from mednec.intake.case_file import parse_case, parse_case_text
from mednec.intake.loader import is_fhir_resource
from mednec.population.inputs import BatchSettings, ChunkTask, InputKind
from mednec.population.policies import resolve
from mednec.population.results import ChunkResult, PatientError, error_record, result_row
from mednec.population.table import PATIENT_COLUMN, row_case, table_layout
from mednec.runtime import default_runtime

__all__ = ["evaluate_chunk_rowwise", "evaluate_patient", "rowwise_results"]

#: Given the patient's data and a drug name, the checked facts (raises MednecError).
Intake = Callable[[str], FactSet]


def _with_date(case: Mapping[str, Any], settings: BatchSettings) -> dict[str, Any]:
    """A case with the run's date where it has none of its own (never today's date)."""
    out = dict(case)
    if not out.get("as_of"):
        out["as_of"] = settings.as_of.isoformat()
    return out


def _case_intake(case: Mapping[str, Any], settings: BatchSettings, source: str) -> Intake:
    """A case file's facts do not depend on the drug: checked once, now (errors are the patient's)."""
    fixed = settings.as_of if settings.as_of_fixed else None
    facts = parse_case(_with_date(case, settings), default_runtime().dictionary, as_of=fixed, source=source).facts
    return lambda drug: facts


def _bundle_intake(bundle: Mapping[str, Any], settings: BatchSettings, source: str) -> Intake:
    rt = default_runtime()
    by_drug: dict[str, FactSet] = {}

    def intake(drug: str) -> FactSet:
        if drug not in by_drug:
            from mednec.intake.fhir import bundle_to_case

            as_of: dt.date | None = settings.as_of if settings.as_of_fixed or not bundle.get("timestamp") else None
            case = bundle_to_case(bundle, rt.dictionary, as_of, drug=drug, drugs=rt.catalog.calculators.drugs).case
            by_drug[drug] = parse_case(case, rt.dictionary, source=source).facts
        return by_drug[drug]

    return intake


def _intakes(task: ChunkTask, settings: BatchSettings) -> list[tuple[str, Intake | PatientError]]:
    """Each patient of the chunk with its intake (or the error that stops it)."""
    out: list[tuple[str, Intake | PatientError]] = []
    if task.kind is InputKind.table:
        layout = table_layout(task.table.column_names, default_runtime().dictionary)
        for row in task.table.to_pylist():
            pid = str(row.get(PATIENT_COLUMN))
            try:
                out.append((pid, _case_intake(row_case(row, layout), settings, f"table row {pid}")))
            except Exception as exc:  # noqa: BLE001 - recorded for this patient; the run goes on
                out.append((pid, error_record(pid, None, "intake", exc)))
    elif task.kind is InputKind.cases:
        for pid, name, text in task.items:
            try:
                data = parse_case_text(text, name=name)
                intake = _bundle_intake(data, settings, f"FHIR Bundle {name}") if is_fhir_resource(data) \
                    else _case_intake(data, settings, f"case file {name}")
                out.append((pid, intake))
            except Exception as exc:  # noqa: BLE001 - recorded for this patient; the run goes on
                out.append((pid, error_record(pid, None, "intake", exc)))
    else:
        from mednec.population.bulk import patient_bundle

        for pid, lines in task.items:
            try:
                bundle = patient_bundle(pid, lines, task.shared)
                out.append((pid, _bundle_intake(bundle, settings, f"FHIR Bulk Data patient {pid}")))
            except Exception as exc:  # noqa: BLE001 - recorded for this patient; the run goes on
                out.append((pid, error_record(pid, None, "intake", exc)))
    return out


def evaluate_patient(facts: FactSet, spec_index: int, settings: BatchSettings) -> Determination:
    """The determination of one policy of the run for one patient's facts."""
    policy, pack = resolve(settings.policies[spec_index])
    return evaluate(policy, facts, pack, default_runtime().dictionary, phase=settings.phase)


def rowwise_results(task: ChunkTask, settings: BatchSettings, policies: Sequence[int] | None = None) -> Iterator[
        tuple[int, int, dict[str, Any] | PatientError]]:
    """``(position in the chunk, policy index or -1, result row or error)`` for every patient of the
    chunk and every policy of the run (or only ``policies``), patient by patient."""
    chosen = list(range(len(settings.policies))) if policies is None else list(policies)
    resolved = [resolve(settings.policies[i])[0] for i in chosen]
    for pos, (pid, intake) in enumerate(_intakes(task, settings)):
        if isinstance(intake, PatientError):
            yield pos, -1, intake
            continue
        for i, policy in zip(chosen, resolved, strict=True):
            try:
                facts = intake(policy.drug.generic)
            except Exception as exc:  # noqa: BLE001 - one patient's bad data must not stop a population run
                yield pos, i, error_record(pid, policy.id, "intake", exc)
                continue
            try:
                det = evaluate_patient(facts, i, settings)
                full = json.dumps(det.to_dict(), ensure_ascii=False) if settings.full else None
                yield pos, i, result_row(pid, det, full)
            except Exception as exc:  # noqa: BLE001 - the error is recorded for this patient and policy
                yield pos, i, error_record(pid, policy.id, "evaluate", exc)


def evaluate_chunk_rowwise(task: ChunkTask, settings: BatchSettings) -> ChunkResult:
    """Every patient of the chunk against every policy of the run, one at a time."""
    result = ChunkResult(task.index, patients=task.size)
    for _, _, item in rowwise_results(task, settings):
        if isinstance(item, PatientError):
            result.errors.append(item)
        else:
            result.rows.append(item)
    return result
