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

A chunk may carry :class:`Variants`: rows appended to its table that each answer one policy for
one of its patients in place of that patient's row (the column-wise Bulk reader's course facts,
which only the course's drug reads). They are evaluated in the same pass as the other rows, and
the answers are taken row by row and policy by policy from the row that gives them.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from mednec.calculators.registry import CalculatorSet
from mednec.errors import ContradictionError
from mednec.policies.model import Pack, Policy
from mednec.population.columnar import digests
from mednec.population.columnar.calculators import derive_columns
from mednec.population.columnar.frame import Bools, Frame, Ints, frame_from_table
from mednec.population.columnar.program import Answers, PolicyProgram, compile_program
from mednec.population.inputs import BatchSettings, ChunkTask, InputKind
from mednec.population.policies import resolve
from mednec.population.results import ChunkResult, PatientError, result_schema
from mednec.population.rowwise import rowwise_results
from mednec.population.table import table_layout
from mednec.runtime import Runtime, default_runtime

__all__ = ["VERIFY_ROWS", "Variants", "evaluate_chunk_columnar", "program_for"]

#: Rows of every chunk also evaluated row-wise and compared with the columnar answer.
VERIFY_ROWS = 3
_STATUS = pa.array(["not_met", "unknown", "met"], pa.string())
_VERDICT = pa.array(["does_not_meet_criteria", "insufficient_information", "meets_criteria"], pa.string())


@dataclasses.dataclass(frozen=True)
class Variants:
    """Rows appended to a chunk's table after its ``rows`` own rows, each answering one policy in place of
    one of those rows: the table's row ``rows + i`` gives policy ``policy[i]`` (its place in the run) for
    the patient of row ``of[i]``, answer or error, and that row's own answer for that policy is dropped; a
    variant's other policies are not answered. At most one variant per row and policy. The rows of the
    result are those of the chunk's own rows, in their order; a patient's error for every policy
    (``policy_id`` None) is given policy by policy, so each says which row it came from."""

    rows: int
    of: Ints
    policy: Ints

    def sources(self, n_pol: int) -> Ints:
        """(policies x own rows): the row whose answer each pair takes."""
        src = np.tile(np.arange(self.rows, dtype=np.int64), (n_pol, 1))
        src[self.policy, self.of] = self.rows + np.arange(len(self.of), dtype=np.int64)
        return src

    def placed(self, pos: Ints, pol: Ints, n_pol: int) -> tuple[Bools, Ints]:
        """For (table row, policy) pairs (policy -1: the row's error for no policy, kept): whether each is
        kept, and the own row it answers for."""
        own = pos < self.rows
        extra = np.where(own, 0, pos - self.rows)
        replaced = np.zeros((n_pol, max(self.rows, 1)), dtype=bool)
        replaced[self.policy, self.of] = True
        keep = np.where(own, ~replaced[np.maximum(pol, 0), np.where(own, pos, 0)], self.policy[extra] == pol)
        return keep | (pol < 0), np.where(own, pos, self.of[extra])


@lru_cache(maxsize=64)
def program_for(policy: Policy, phase: str, calculators: CalculatorSet) -> PolicyProgram | str:
    """The policy's columnar program (compiled once per process), or why there is none."""
    return compile_program(policy, phase, default_runtime().dictionary, calculators)


def _rows_table(prog: PolicyProgram, frame: Frame, out: Answers, rows: Ints, phase: str,
                position: Ints, policy_index: int, ids: pa.Array) -> pa.Table:
    """The columnar answers of ``rows`` as result rows (with their place in the output order).

    Texts are taken from small Arrow arrays by index (no Python string per row)."""
    policy = prog.policy
    k = len(rows)
    take = pa.array(rows, pa.int64())
    crit_ids = pa.array([cid for _, _, cid in prog.criteria], pa.string())
    nc = len(crit_ids)
    statuses = out["statuses"][:, rows].T  # rows x criteria
    struct = pa.StructArray.from_arrays(
        [crit_ids.take(pa.array(np.tile(np.arange(nc, dtype=np.int32), k))),
         _STATUS.take(pa.array(statuses.reshape(-1).astype(np.int32)))], names=["id", "status"])
    criteria = pa.ListArray.from_arrays(pa.array(np.arange(k + 1, dtype=np.int32) * nc), struct)
    missing = out["missing"][rows]
    keep = missing >= 0
    docs = pa.array(prog.documents or [""], pa.string())
    flat = docs.take(pa.array(missing[keep].astype(np.int32)))
    offsets = np.zeros(k + 1, dtype=np.int32)
    np.cumsum(keep.sum(axis=1), out=offsets[1:])
    pathway_ids = pa.array([p.id for p in policy.pathways] + [None], pa.string())
    pw = out["pathway"][rows]
    columns = {
        "patient_id": ids.take(take),
        "policy_id": pa.repeat(pa.scalar(policy.id, pa.string()), k),
        "policy_version": pa.repeat(pa.scalar(policy.version, pa.string()), k),
        "phase": pa.repeat(pa.scalar(phase, pa.string()), k),
        "as_of": pa.array(frame.as_of[rows], pa.int32()).cast(pa.date32()),
        "determination": _VERDICT.take(pa.array(out["verdict"][rows].astype(np.int32))),
        "pathway": pathway_ids.take(pa.array(np.where(pw >= 0, pw, len(policy.pathways)).astype(np.int32))),
        "criteria": criteria,
        "missing_documents": pa.ListArray.from_arrays(pa.array(offsets), flat),
        "determination_json": pa.nulls(k, pa.string()),
        "_pos": pa.array(position, pa.int64()),
        "_pol": pa.array(np.full(k, policy_index), pa.int64()),
    }
    return pa.table(columns)


def _coded(indices: Any, names: list[str | None]) -> pa.DictionaryArray:
    """Texts by index into ``names`` as a dictionary array of the distinct names (no string copied
    per row); an index of a ``None`` name is null. (A dictionary holding a value twice -- two
    policies of one version -- made the Parquet writer's dictionary page differ from run to run.)"""
    distinct = list(dict.fromkeys(n for n in names if n is not None))
    where = {n: i for i, n in enumerate(distinct)}
    remap = np.array([where[n] if n is not None else 0 for n in names] or [0], dtype=np.int32)
    idx = np.asarray(indices, dtype=np.int64)
    absent = np.array([n is None for n in names] or [False])
    return pa.DictionaryArray.from_arrays(pa.array(remap[idx], pa.int32(), mask=absent[idx] if absent.any() else None),
                                          pa.array(distinct, pa.string()))


def _answers_of(out: Answers, rows: Ints) -> Answers:
    """A policy's answers for ``rows`` only."""
    return Answers(verdict=out["verdict"][rows], pathway=out["pathway"][rows], statuses=out["statuses"][:, rows],
                   missing=out["missing"][rows])


def _interleaved(answered: list[tuple[int, PolicyProgram, Frame, Answers]], good: Ints, phase: str,
                 ids: pa.Array, sources: list[Ints]) -> pa.Table:
    """Every policy's answers for the rows ``good``, patient by patient and policies in the run's
    order (the row-wise engine's order), built in that order: the per-policy pieces are placed
    side by side as numpy arrays, and the texts are dictionary arrays over the few names there are
    (as :func:`mednec.population.results.parquet_form` writes them; ``ChunkResult.arrow`` gives
    plain strings). The ``t``-th policy's answers are those of the rows ``sources[t]`` (``good``, or
    where a variant answers it, the variant's row)."""
    k, n_pol = len(good), len(answered)
    progs = [a[1] for a in answered]
    outs = [_answers_of(a[3], src) for a, src in zip(answered, sources, strict=True)]
    as_of = answered[0][2].as_of

    def side_by_side(values: list[Any]) -> Any:  # (k,) per policy -> (k * n_pol,) patient-major
        return np.stack(values, axis=1).reshape(-1)

    crit_names: list[str | None] = [cid for p in progs for _, _, cid in p.criteria]
    crit_base = np.cumsum([0] + [len(p.criteria) for p in progs])
    ids_m = np.concatenate([np.broadcast_to(np.arange(len(p.criteria), dtype=np.int32) + int(crit_base[t]),
                                            (k, len(p.criteria))) for t, p in enumerate(progs)], axis=1)
    st_m = np.concatenate([o["statuses"].T for o in outs], axis=1).astype(np.int32)
    per_row = np.tile(np.array([len(p.criteria) for p in progs], dtype=np.int32), k)
    struct = pa.StructArray.from_arrays(
        [_coded(ids_m.reshape(-1), crit_names), _coded(st_m.reshape(-1), _STATUS.to_pylist())], names=["id", "status"])
    doc_names: list[str | None] = [d or "" for p in progs for d in (p.documents or [""])]
    doc_base = np.cumsum([0] + [len(p.documents or [""]) for p in progs])
    miss = [o["missing"] for o in outs]
    miss_m = np.concatenate([np.where(m >= 0, m + int(doc_base[t]), -1) for t, m in enumerate(miss)], axis=1)
    keep = miss_m >= 0
    counts = side_by_side([(m >= 0).sum(axis=1) for m in miss]).astype(np.int32)
    pw_names: list[str | None] = [pw.id for p in progs for pw in p.policy.pathways] + [None]
    pw_base = np.cumsum([0] + [len(p.policy.pathways) for p in progs])
    pathway = side_by_side([np.where(o["pathway"] >= 0, o["pathway"] + int(pw_base[t]),
                                     len(pw_names) - 1) for t, o in enumerate(outs)])
    pol = np.tile(np.arange(n_pol, dtype=np.int32), k)
    columns = {
        "patient_id": ids.take(pa.array(np.repeat(good, n_pol))),
        "policy_id": _coded(pol, [p.policy.id for p in progs]),
        "policy_version": _coded(pol, [p.policy.version for p in progs]),
        "phase": _coded(np.zeros(k * n_pol, dtype=np.int32), [phase]),
        "as_of": pa.array(np.repeat(as_of[good], n_pol), pa.int32()).cast(pa.date32()),
        "determination": _coded(side_by_side([o["verdict"] for o in outs]), _VERDICT.to_pylist()),
        "pathway": _coded(pathway, pw_names),
        "criteria": pa.ListArray.from_arrays(pa.array(np.concatenate([[0], np.cumsum(per_row)]).astype(np.int32)),
                                             struct),
        "missing_documents": pa.ListArray.from_arrays(
            pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)),
            _coded(miss_m[keep], doc_names)),
        "determination_json": pa.nulls(k * n_pol, pa.string()),
    }
    return pa.table(columns)


def _row_of(table: pa.Table, i: int) -> dict[str, Any]:
    row: dict[str, Any] = table.slice(i, 1).to_pylist()[0]
    return {name: value for name, value in row.items() if not name.startswith("_")}


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


def evaluate_chunk_columnar(task: ChunkTask, settings: BatchSettings, variants: Variants | None = None) -> ChunkResult:
    """Evaluate a chunk column-wise (see the module docstring); same rows as row-wise. With ``variants``,
    the table's last rows answer single policies in place of its own rows (:class:`Variants`)."""
    from mednec.population.rowwise import evaluate_chunk_rowwise

    if task.kind is not InputKind.table or settings.full:
        result = evaluate_chunk_rowwise(task, settings)
        if settings.engine == "columnar":
            why = "--full (each determination's JSON)" if settings.full else f"{task.kind.value} input"
            result.notes.append(f"columnar engine: {why} is evaluated row-wise")
        return result
    rt = default_runtime()
    result = ChunkResult(task.index, patients=task.size if variants is None else variants.rows, engine="columnar")
    layout = table_layout(task.table.column_names, rt.dictionary)
    given, reason = frame_from_table(task.table, layout, rt.dictionary, settings.as_of, settings.as_of_fixed)
    if reason is None and not digests.matches("values"):
        result.notes.append("columnar engine: the value parsers (intake/values.py) changed since the columnar "
                            "engine was written; every distinct value went through the case-file parser")
    resolved = [resolve(spec) for spec in settings.policies]
    policies = [p for p, _ in resolved]
    programs = [program_for(p, settings.phase, pack.calculators) for p, pack in resolved]
    if reason is not None:
        programs = [reason] * len(policies)
    frames = _derived_frames(given, resolved, programs, rt, result)
    tables: list[pa.Table] = []
    ids = pa.array(given.patient_ids, pa.string())
    refused = given.contradiction if given.contradiction is not None else np.full(given.n, -1, dtype=np.int32)
    errors = _contradiction_errors(given, refused, rt)
    bad = [int(i) for i in np.flatnonzero(given.bad & (refused < 0))]  # the frames share the row marks
    good = np.flatnonzero(~given.bad)
    _rowwise(task, bad, settings, None, result, tables, errors)
    row_only: list[int] = []
    computed: list[tuple[int, PolicyProgram, Frame, Answers]] = []
    for j, prog in enumerate(programs):
        if not isinstance(prog, str):
            frame = frames[id(resolved[j][1].calculators)]
            computed.append((j, prog, frame, prog.run(frame)))
    mismatches = _verify(task, computed, good, settings, ids)
    answered: list[tuple[int, PolicyProgram, Frame, Answers]] = []
    for j, prog in enumerate(programs):
        if isinstance(prog, str):
            result.notes.append(f"columnar engine: {policies[j].id} evaluated row-wise ({prog})")
            row_only.append(j)
        elif j in mismatches:
            result.notes.append(f"columnar engine: {policies[j].id} differed from the row-wise engine "
                                f"({mismatches[j]}); this chunk was evaluated row-wise")
            row_only.append(j)
        else:
            answered.extend(c for c in computed if c[0] == j)
    if row_only:
        _rowwise(task, [int(i) for i in good], settings, row_only, result, tables, errors)
    picks = _picks(answered, good, given.n, variants, len(policies))
    if variants is not None:
        tables, errors = _placed(tables, errors, variants, policies)
    result.table = _result_table(tables, answered, picks, settings.phase, ids)
    result.errors = [e for _, _, e in sorted(errors, key=lambda x: (x[0], x[1]))]
    if len(row_only) == len(programs):  # nothing was answered column-wise
        result.engine = "rowwise"
    return result


def _derived_frames(given: Frame, resolved: list[tuple[Policy, Pack]], programs: list[PolicyProgram | str], rt: Runtime,
                    result: ChunkResult) -> dict[int, Frame]:
    """The facts with what each pack's calculators derive (one frame per calculator set); a note for
    each calculator that ran patient by patient."""
    frames: dict[int, Frame] = {}
    for (_, pack), prog in zip(resolved, programs, strict=True):
        if isinstance(prog, str) or id(pack.calculators) in frames:
            continue
        frame = dataclasses.replace(given, facts=dict(given.facts))
        for why in derive_columns(frame, rt.dictionary, pack.calculators):
            note = f"columnar engine: {why}; it ran patient by patient"
            if note not in result.notes:
                result.notes.append(note)
        frames[id(pack.calculators)] = frame
    return frames


def _contradiction_errors(given: Frame, refused: NDArray[np.int32], rt: Runtime) -> list[tuple[int, int, PatientError]]:
    """The parser's last check: for each row refused for a declared contradiction, the error the
    row-wise engine records."""
    errors: list[tuple[int, int, PatientError]] = []
    for i in np.flatnonzero(refused >= 0):
        c = rt.dictionary.contradictions[int(refused[i])]
        fields = ", ".join(f"facts.{k}" for k in (*c.when, *c.conflicts))
        errors.append((int(i), -1, PatientError(given.patient_ids[i], None, "intake", ContradictionError.code,
                                                fields, c.message)))
    return errors


def _picks(answered: list[tuple[int, PolicyProgram, Frame, Answers]], good: Ints, n: int, variants: Variants | None,
           n_pol: int) -> list[tuple[Ints, Ints]]:
    """For each policy answered column-wise: the rows whose answers it gives (``good``, or where a variant
    answers it, the variant's row, when that row is good too), and the rows they are placed at."""
    if variants is None:
        return [(good, good)] * len(answered)
    ok = np.zeros(n, dtype=bool)
    ok[good] = True
    src = variants.sources(n_pol)
    out = []
    for j, _, _, _ in answered:
        at = np.flatnonzero(ok[src[j]])
        out.append((src[j][at], at))
    return out


def _placed(tables: list[pa.Table], errors: list[tuple[int, int, PatientError]], variants: Variants,
            policies: list[Policy]) -> tuple[list[pa.Table], list[tuple[int, int, PatientError]]]:
    """The row-wise answers and the errors of a chunk with variants, kept and placed as
    :meth:`Variants.placed` says; a row's error for every policy is given policy by policy first."""
    n_pol = len(policies)
    placed: list[pa.Table] = []
    for t in tables:
        keep, at = variants.placed(np.asarray(t.column("_pos"), dtype=np.int64),
                                   np.asarray(t.column("_pol"), dtype=np.int64), n_pol)
        t = t.set_column(t.column_names.index("_pos"), "_pos", pa.array(at, pa.int64()))
        placed.append(t.filter(pa.array(keep)))
    spread: list[tuple[int, int, PatientError]] = []
    for pos, pol, e in errors:
        if pol < 0 and e.policy_id is None and e.stage == "intake":
            spread += [(pos, j, e._replace(policy_id=p.id)) for j, p in enumerate(policies)]
        else:
            spread.append((pos, pol, e))
    keep, at = variants.placed(np.array([x[0] for x in spread], dtype=np.int64),
                               np.array([x[1] for x in spread], dtype=np.int64), n_pol)
    return placed, [(int(a), pol, e) for (_, pol, e), k, a in zip(spread, keep, at, strict=True) if k]


def _result_table(tables: list[pa.Table], answered: list[tuple[int, PolicyProgram, Frame, Answers]],
                  picks: list[tuple[Ints, Ints]], phase: str, ids: pa.Array) -> pa.Table:
    """The chunk's result rows in output order: built directly when every row was answered
    column-wise (each policy for the same rows), else the row-wise tables and the column-wise ones
    merged and sorted. ``picks``: each answered policy's rows and the rows they are placed at."""
    if not tables and answered and all(np.array_equal(at, picks[0][1]) for _, at in picks):
        return _interleaved(answered, picks[0][1], phase, ids, [rows for rows, _ in picks])
    for (j, prog, frame, out), (rows, at) in zip(answered, picks, strict=True):
        tables.append(_rows_table(prog, frame, out, rows, phase, at, j, ids))
    combined = pa.concat_tables(tables) if tables else pa.table(
        {**{f.name: pa.array([], f.type) for f in result_schema()}, "_pos": pa.array([], pa.int64()),
         "_pol": pa.array([], pa.int64())})
    combined = combined.sort_by([("_pos", "ascending"), ("_pol", "ascending")])
    return combined.drop_columns(["_pos", "_pol"]).cast(result_schema())


def _verify(task: ChunkTask, computed: list[tuple[int, PolicyProgram, Frame, Answers]], good: Ints,
            settings: BatchSettings, ids: pa.Array) -> dict[int, str]:
    """Compare a few rows with the row-wise engine (each row read once for every policy); the
    difference found for each policy that differs."""
    if not len(good) or not computed:
        return {}
    picks = sorted({int(x) for x in np.linspace(0, len(good) - 1, num=min(VERIFY_ROWS, len(good))).round()})
    rows = np.array([int(good[p]) for p in picks], dtype=np.int64)
    tables = {j: _rows_table(prog, frame, out, rows, settings.phase, rows, j, ids) for j, prog, frame, out in computed}
    sub = dataclasses.replace(task, table=task.table.take(pa.array(rows, pa.int64())))
    found: dict[int, str] = {}
    for pos, pol, item in rowwise_results(sub, settings, list(tables)):
        who = f"patient {ids[int(rows[pos])].as_py()}"
        if isinstance(item, PatientError):
            for j in tables if pol < 0 else (pol,):
                found.setdefault(j, f"{who}: the row-wise engine refused it ({item.kind})")
            continue
        got = _row_of(tables[pol], pos)
        for key in ("determination", "pathway", "criteria", "missing_documents", "as_of"):
            if got[key] != item[key]:
                found.setdefault(pol, f"{who}: {key}")
                break
    return found
