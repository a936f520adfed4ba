"""A chunk through the columnar engine, with the row-wise engine for what it does not cover.

1. The chunk's table becomes fact columns (:mod:`frame`); rows the case-file parser would
   refuse, or that hold what the columns do not read, are marked for the row-wise engine.
2. The calculators add derived columns (:mod:`calculators`).
3. Each policy's program (:mod:`program`) gives statuses, verdicts, pathways and missing
   documents for the other rows; a policy the compiler cannot reproduce is evaluated row-wise
   for the whole chunk, and the chunk's notes say why.
4. A few rows of every chunk are also evaluated row-wise and compared (``VERIFY_ROWS``); a
   difference sends that policy's chunk to the row-wise engine and is reported, so a run never
   writes an answer the engine would not give.

The rows come out in the row-wise engine's order (patient by patient, policies in the run's
order), so both engines write identical files.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from mednec.calculators.registry import CalculatorSet
from mednec.policies.model import Policy
from mednec.population.columnar.calculators import derive_columns
from mednec.population.columnar.frame import Frame, frame_from_table
from mednec.population.columnar.program import PolicyProgram, compile_program
from mednec.population.inputs import BatchSettings, ChunkTask, InputKind
from mednec.population.policies import resolve
from mednec.population.results import ChunkResult, PatientError, result_schema
from mednec.population.rowwise import rowwise_results
from mednec.population.table import table_layout
from mednec.runtime import default_runtime

__all__ = ["VERIFY_ROWS", "evaluate_chunk_columnar", "program_for"]

#: Rows of every chunk also evaluated row-wise and compared with the columnar answer.
VERIFY_ROWS = 3
_STATUS = np.array(["not_met", "unknown", "met"], dtype=object)
_VERDICT = np.array(["does_not_meet_criteria", "insufficient_information", "meets_criteria"], dtype=object)


@lru_cache(maxsize=64)
def program_for(policy: Policy, phase: str, calculators: CalculatorSet) -> PolicyProgram | str:
    """The policy's columnar program (compiled once per process), or why there is none."""
    return compile_program(policy, phase, default_runtime().dictionary, calculators)


def _rows_table(prog: PolicyProgram, frame: Frame, out: dict[str, Any], rows: Any, phase: str,
                position: Any, policy_index: int) -> pa.Table:
    """The columnar answers of ``rows`` as result rows (with their place in the output order)."""
    policy = prog.policy
    k = len(rows)
    crit_ids = [cid for _, _, cid in prog.criteria]
    nc = len(crit_ids)
    statuses = out["statuses"][:, rows].T  # rows x criteria
    struct = pa.StructArray.from_arrays(
        [pa.array(np.tile(np.array(crit_ids, dtype=object), k), pa.string()),
         pa.array(_STATUS[statuses.reshape(-1)], pa.string())], names=["id", "status"])
    criteria = pa.ListArray.from_arrays(pa.array(np.arange(k + 1, dtype=np.int32) * nc), struct)
    missing = out["missing"][rows]
    docs = np.array(prog.documents or [""], dtype=object)
    keep = missing >= 0
    flat = docs[missing[keep]]
    offsets = np.zeros(k + 1, dtype=np.int32)
    np.cumsum(keep.sum(axis=1), out=offsets[1:])
    pathway_ids = np.array([p.id for p in policy.pathways] + [None], dtype=object)
    pw = out["pathway"][rows]
    columns = {
        "patient_id": pa.array([frame.patient_ids[i] for i in rows], pa.string()),
        "policy_id": pa.array([policy.id] * k, pa.string()),
        "policy_version": pa.array([policy.version] * k, pa.string()),
        "phase": pa.array([phase] * k, pa.string()),
        "as_of": pa.array(frame.as_of[rows], pa.int32()).cast(pa.date32()),
        "determination": pa.array(_VERDICT[out["verdict"][rows]], pa.string()),
        "pathway": pa.array(pathway_ids[np.where(pw >= 0, pw, len(policy.pathways))], pa.string()),
        "criteria": criteria,
        "missing_documents": pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.string())),
        "determination_json": pa.nulls(k, pa.string()),
        "_pos": pa.array(position, pa.int64()),
        "_pol": pa.array(np.full(k, policy_index), pa.int64()),
    }
    return pa.table(columns)


def _row_of(table: pa.Table, i: int) -> dict[str, Any]:
    return {name: table.column(name)[i].as_py() for name in table.column_names if not name.startswith("_")}


def _rowwise(task: ChunkTask, rows: list[int], settings: BatchSettings, policies: list[int] | None,
             result: ChunkResult, tables: list[pa.Table], errors: list[tuple[int, int, PatientError]]) -> None:
    """``rows`` of the chunk (positions) through the row-wise engine, for ``policies`` (all: None)."""
    if not rows:
        return
    sub = dataclasses.replace(task, table=task.table.take(pa.array(rows, pa.int64())))
    out_rows: list[dict[str, Any]] = []
    for pos, pol, item in rowwise_results(sub, settings, policies):
        if isinstance(item, PatientError):
            errors.append((rows[pos], pol, item))
        else:
            out_rows.append({**item, "_pos": rows[pos], "_pol": pol})
    if out_rows:
        schema = result_schema().append(pa.field("_pos", pa.int64())).append(pa.field("_pol", pa.int64()))
        tables.append(pa.Table.from_pylist(out_rows, schema=schema))


def evaluate_chunk_columnar(task: ChunkTask, settings: BatchSettings) -> ChunkResult:
    """Evaluate a chunk column-wise (see the module docstring); same rows as row-wise."""
    from mednec.population.rowwise import evaluate_chunk_rowwise

    if task.kind is not InputKind.table or settings.full:
        result = evaluate_chunk_rowwise(task, settings)
        if settings.engine == "columnar":
            why = "--full (each determination's JSON)" if settings.full else f"{task.kind.value} input"
            result.notes.append(f"columnar engine: {why} is evaluated row-wise")
        return result
    rt = default_runtime()
    result = ChunkResult(task.index, patients=task.size, engine="columnar")
    layout = table_layout(task.table.column_names, rt.dictionary)
    given, reason = frame_from_table(task.table, layout, rt.dictionary, settings.as_of, settings.as_of_fixed)
    resolved = [resolve(spec) for spec in settings.policies]
    policies = [p for p, _ in resolved]
    programs = [program_for(p, settings.phase, pack.calculators) for p, pack in resolved]
    if reason is not None:
        programs = [reason] * len(policies)
    frames: dict[int, Frame] = {}  # the facts with what each pack's calculators derive
    for (_, pack), prog in zip(resolved, programs, strict=True):
        if isinstance(prog, str) or id(pack.calculators) in frames:
            continue
        frame = dataclasses.replace(given, facts=dict(given.facts))
        for name in derive_columns(frame, rt.dictionary, pack.calculators):
            note = (f"columnar engine: calculator {name} changed since its columnar twin was written; "
                    "it ran patient by patient")
            if note not in result.notes:
                result.notes.append(note)
        frames[id(pack.calculators)] = frame
    tables: list[pa.Table] = []
    errors: list[tuple[int, int, PatientError]] = []
    bad = [int(i) for i in np.flatnonzero(given.bad)]  # the frames share the row marks
    good = np.flatnonzero(~given.bad)
    _rowwise(task, bad, settings, None, result, tables, errors)
    row_only: list[int] = []
    for j, prog in enumerate(programs):
        if isinstance(prog, str):
            result.notes.append(f"columnar engine: {policies[j].id} evaluated row-wise ({prog})")
            row_only.append(j)
            continue
        frame = frames[id(resolved[j][1].calculators)]
        out = prog.run(frame)
        table = _rows_table(prog, frame, out, good, settings.phase, good, j)
        mismatch = _verify(task, table, good, settings, j)
        if mismatch is not None:
            result.notes.append(f"columnar engine: {policies[j].id} differed from the row-wise engine "
                                f"({mismatch}); this chunk was evaluated row-wise")
            row_only.append(j)
            continue
        tables.append(table)
    if row_only:
        _rowwise(task, [int(i) for i in good], settings, row_only, result, tables, errors)
    combined = pa.concat_tables(tables) if tables else pa.table(
        {**{f.name: pa.array([], f.type) for f in result_schema()}, "_pos": pa.array([], pa.int64()),
         "_pol": pa.array([], pa.int64())})
    combined = combined.sort_by([("_pos", "ascending"), ("_pol", "ascending")])
    result.table = combined.drop_columns(["_pos", "_pol"]).cast(result_schema())
    result.errors = [e for _, _, e in sorted(errors, key=lambda x: (x[0], x[1]))]
    if len(row_only) == len(programs):  # nothing was answered column-wise
        result.engine = "rowwise"
    return result


def _verify(task: ChunkTask, table: pa.Table, good: Any, settings: BatchSettings, j: int) -> str | None:
    """Compare a few rows with the row-wise engine; the difference, or None."""
    if not len(good):
        return None
    picks = sorted({int(x) for x in np.linspace(0, len(good) - 1, num=min(VERIFY_ROWS, len(good))).round()})
    rows = [int(good[p]) for p in picks]
    sub = dataclasses.replace(task, table=task.table.take(pa.array(rows, pa.int64())))
    for pos, _, item in rowwise_results(sub, settings, [j]):
        got = _row_of(table, picks[pos])
        if isinstance(item, PatientError):
            return f"patient {got['patient_id']}: the row-wise engine refused it ({item.kind})"
        for key in ("determination", "pathway", "criteria", "missing_documents", "as_of"):
            if got[key] != item[key]:
                return f"patient {got['patient_id']}: {key}"
    return None
