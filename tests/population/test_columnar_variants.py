"""A chunk with variant rows (:class:`mednec.population.columnar.run.Variants`) gives, for each patient and
policy, exactly the row-wise engine's answer for the row that answers that pair: the variant's where one
answers it, else the patient's own row.

The column-wise Bulk reader uses them for course facts (one ESA policy's answers read from the row with
that drug's course set), evaluated in the same pass as the chunk's own rows.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mednec.population.columnar.frame import frame_from_table
from mednec.population.columnar.run import Variants, evaluate_chunk_columnar
from mednec.population.inputs import BatchSettings, ChunkTask, InputKind
from mednec.population.policies import resolve
from mednec.population.results import PatientError
from mednec.population.rowwise import rowwise_results
from mednec.population.synthetic import AS_OF
from mednec.population.table import table_layout

from .test_columnar import ALL, COMPILED, DICT, random_population


def _expected(own: pa.Table, extra: pa.Table, variants: Variants, s: BatchSettings) -> tuple[list[Any], list[Any]]:
    """The row-wise engine's rows and errors, each (patient, policy) pair from the row that answers it; a
    patient's error for every policy given for each policy it answers."""
    ids = [resolve(spec)[0].id for spec in s.policies]
    n_pol = len(ids)

    def items(table: pa.Table) -> dict[tuple[int, int], list[Any]]:
        out: dict[tuple[int, int], list[Any]] = {}
        for pos, pol, item in rowwise_results(ChunkTask(0, InputKind.table, table=table), s):
            for j in range(n_pol) if pol < 0 else (pol,):
                spread = item._replace(policy_id=ids[j]) if isinstance(item, PatientError) and item.policy_id is None \
                    else item
                out.setdefault((pos, j), []).append(spread)
        return out

    mine, theirs = items(own), items(extra)
    by = {(int(r), int(j)): i for i, (r, j) in enumerate(zip(variants.of, variants.policy, strict=True))}
    rows: list[Any] = []
    errors: list[Any] = []
    for r in range(own.num_rows):
        for j in range(n_pol):
            got = theirs.get((by[(r, j)], j), []) if (r, j) in by else mine.get((r, j), [])
            for item in got:
                (errors if isinstance(item, PatientError) else rows).append(item)
    return rows, [e.to_dict() for e in errors]


def _variants(own: pa.Table, extra: pa.Table, rng: random.Random, n_pol: int) -> tuple[pa.Table, Variants]:
    """``extra``'s rows as variants of random (row, policy) pairs of ``own`` (at most one per pair), with
    the patient ids of the rows they answer for."""
    pairs = rng.sample([(r, j) for r in range(own.num_rows) for j in range(n_pol)], min(extra.num_rows,
                                                                                          own.num_rows * n_pol))
    extra = extra.slice(0, len(pairs))
    of = np.array([r for r, _ in pairs], dtype=np.int64)
    policy = np.array([j for _, j in pairs], dtype=np.int64)
    extra = extra.set_column(0, "patient_id", own.column("patient_id").take(pa.array(of)))
    return extra, Variants(own.num_rows, of, policy)


def _check(own: pa.Table, extra: pa.Table, seed: int, s: BatchSettings) -> Any:
    extra, variants = _variants(own, extra, random.Random(seed), len(s.policies))
    table = pa.concat_tables([own, extra])
    col = evaluate_chunk_columnar(ChunkTask(0, InputKind.table, table=table), s, variants)
    rows, errors = _expected(own, extra, variants, dataclasses.replace(s, engine="rowwise"))
    assert col.patients == own.num_rows
    assert col.arrow().to_pylist() == rows
    assert [e.to_dict() for e in col.errors] == errors
    return col


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), k=st.integers(1, 30), fixed=st.booleans())
def test_variants_give_the_rowwise_answers_of_the_rows_they_stand_for(seed: int, n: int, k: int, fixed: bool) -> None:
    """Random rows (some the parser refuses, some contradictory, some policies row-wise) as own rows and
    variants."""
    s = BatchSettings(ALL, "initial", AS_OF, fixed, "columnar")
    table = random_population(seed, n + k)  # one table: its columns typed alike
    _check(table.slice(0, n), table.slice(n), seed, s)


def _valid(table: pa.Table) -> pa.Table:
    frame, reason = frame_from_table(table, table_layout(table.column_names, DICT), DICT, AS_OF, True)
    assert reason is None
    return table.filter(pa.array(~frame.bad))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_variants_of_valid_rows_are_answered_in_one_pass(seed: int) -> None:
    """Rows the columns read, own and variant: every answer column-wise, built in the output order directly."""
    s = BatchSettings(COMPILED, "initial", AS_OF, True, "columnar")
    table = _valid(random_population(seed, 100))
    own, extra = table.slice(0, table.num_rows // 2), table.slice(table.num_rows // 2)
    if own.num_rows and extra.num_rows:
        col = _check(own, extra, seed, s)
        assert col.engine == "columnar"
        assert all("evaluated row-wise" not in n for n in col.notes), col.notes
