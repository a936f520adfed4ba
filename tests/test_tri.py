"""Exhaustive truth tables for the three-valued (Kleene strong) logic in ``mednec.tri``.

M = MET, N = NOT_MET, U = UNKNOWN. Every table below is written out by hand from Kleene's
strong three-valued logic (the ordering N < U < M; AND is the minimum, OR the maximum,
NOT swaps M and N), not computed from the module under test.
"""

from __future__ import annotations

import itertools

import pytest

from mednec.tri import Tri, tri_and, tri_not, tri_or

M, N, U = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN

# --- binary AND: all 9 combinations -------------------------------------------------------
AND_TABLE = [
    (M, M, M),
    (M, N, N),
    (M, U, U),
    (N, M, N),
    (N, N, N),
    (N, U, N),  # a NOT_MET child decides, whatever the unknown one would be
    (U, M, U),
    (U, N, N),
    (U, U, U),
]

# --- binary OR: all 9 combinations --------------------------------------------------------
OR_TABLE = [
    (M, M, M),
    (M, N, M),
    (M, U, M),  # a MET child decides, whatever the unknown one would be
    (N, M, M),
    (N, N, N),
    (N, U, U),
    (U, M, M),
    (U, N, U),
    (U, U, U),
]

# --- NOT ----------------------------------------------------------------------------------
NOT_TABLE = [
    (M, N),
    (N, M),
    (U, U),
]


def test_tables_cover_every_combination() -> None:
    pairs = set(itertools.product(Tri, repeat=2))
    assert {(a, b) for a, b, _ in AND_TABLE} == pairs
    assert {(a, b) for a, b, _ in OR_TABLE} == pairs
    assert {a for a, _ in NOT_TABLE} == set(Tri)


@pytest.mark.parametrize(("a", "b", "expected"), AND_TABLE)
def test_tri_and_binary(a: Tri, b: Tri, expected: Tri) -> None:
    assert tri_and([a, b]) is expected


@pytest.mark.parametrize(("a", "b", "expected"), OR_TABLE)
def test_tri_or_binary(a: Tri, b: Tri, expected: Tri) -> None:
    assert tri_or([a, b]) is expected


@pytest.mark.parametrize(("a", "expected"), NOT_TABLE)
def test_tri_not(a: Tri, expected: Tri) -> None:
    assert tri_not(a) is expected


@pytest.mark.parametrize("a", list(Tri))
def test_double_negation(a: Tri) -> None:
    assert tri_not(tri_not(a)) is a


@pytest.mark.parametrize(("a", "b"), list(itertools.product(Tri, repeat=2)))
def test_de_morgan(a: Tri, b: Tri) -> None:
    assert tri_not(tri_and([a, b])) is tri_or([tri_not(a), tri_not(b)])
    assert tri_not(tri_or([a, b])) is tri_and([tri_not(a), tri_not(b)])


# --- empty and unary ----------------------------------------------------------------------
def test_empty_conjunction_is_met() -> None:
    assert tri_and([]) is M


def test_empty_disjunction_is_not_met() -> None:
    assert tri_or([]) is N


@pytest.mark.parametrize("a", list(Tri))
def test_single_operand_is_itself(a: Tri) -> None:
    assert tri_and([a]) is a
    assert tri_or([a]) is a


# --- n-ary --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([M, M, M], M),
        ([M, M, U], U),
        ([M, U, U], U),
        ([U, U, U], U),
        ([M, M, N], N),
        ([U, U, N], N),
        ([N, U, M], N),
        ([M, M, M, M, M, M, M, U], U),
        ([M, M, M, M, M, M, M, N], N),
    ],
)
def test_tri_and_n_ary(values: list[Tri], expected: Tri) -> None:
    assert tri_and(values) is expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([N, N, N], N),
        ([N, N, U], U),
        ([N, U, U], U),
        ([U, U, U], U),
        ([N, N, M], M),
        ([U, U, M], M),
        ([M, U, N], M),
        ([N, N, N, N, N, N, N, U], U),
        ([N, N, N, N, N, N, N, M], M),
    ],
)
def test_tri_or_n_ary(values: list[Tri], expected: Tri) -> None:
    assert tri_or(values) is expected


@pytest.mark.parametrize("values", [list(p) for p in itertools.product(Tri, repeat=3)])
def test_n_ary_is_order_independent_and_matches_folding(values: list[Tri]) -> None:
    """All 27 triples: the n-ary form equals the folded binary form, in any order."""
    and_fold = tri_and([tri_and([values[0], values[1]]), values[2]])
    or_fold = tri_or([tri_or([values[0], values[1]]), values[2]])
    for perm in itertools.permutations(values):
        assert tri_and(perm) is and_fold
        assert tri_or(perm) is or_fold


def test_operators_accept_any_iterable() -> None:
    assert tri_and(iter([M, U])) is U
    assert tri_or(v for v in (N, M)) is M
    assert tri_and((M, M)) is M


def test_short_circuit_does_not_consume_past_the_deciding_value() -> None:
    consumed: list[Tri] = []

    def gen(values: list[Tri]):  # type: ignore[no-untyped-def]
        for v in values:
            consumed.append(v)
            yield v

    assert tri_and(gen([M, N, U, M])) is N
    assert consumed == [M, N]
    consumed.clear()
    assert tri_or(gen([N, M, U, N])) is M
    assert consumed == [N, M]


# --- Tri.of and serialisation -------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, M),
        (False, N),
        (None, U),
    ],
)
def test_tri_of(value: bool | None, expected: Tri) -> None:
    assert Tri.of(value) is expected


@pytest.mark.parametrize(
    ("tri", "text"),
    [
        (M, "met"),
        (N, "not_met"),
        (U, "unknown"),
    ],
)
def test_serialised_values(tri: Tri, text: str) -> None:
    assert tri.value == text
    assert Tri(text) is tri
    assert tri == text  # a str enum compares equal to its serialised form


def test_exactly_three_values() -> None:
    assert len(Tri) == 3
