"""The rows a population run writes: one per patient and policy, and one per patient error.

Result columns (Parquet and NDJSON alike):

=====================  =====================================================================
``patient_id``         the patient
``policy_id``          the policy, and ``policy_version`` the version evaluated
``phase``              ``initial`` or ``continuation``
``as_of``              the evaluation date
``determination``      ``meets_criteria`` | ``does_not_meet_criteria`` | ``insufficient_information``
``pathway``            the met pathway's id (empty unless met)
``criteria``           every criterion in the policy's order: ``{id, status}`` with status
                       ``met`` | ``not_met`` | ``unknown``
``missing_documents``  the documents to request (insufficient information only), in the
                       determination's order
``determination_json`` the full determination as ``mednec evaluate --format json`` prints it
                       (only with ``--full``)
=====================  =====================================================================

Errors (``errors-NNNNN.ndjson``): ``patient_id``, ``policy_id`` (empty when the patient's data
could not be read at all), ``stage`` (``intake`` or ``evaluate``), ``kind`` (the error code,
``internal`` for a bug), ``field`` and ``message``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from mednec.errors import MednecError

if TYPE_CHECKING:
    import pyarrow as pa

    from mednec.engine.determination import Determination

__all__ = ["ChunkResult", "PatientError", "error_record", "parquet_form", "plain", "result_row", "result_schema",
           "rows_table"]


class PatientError(NamedTuple):
    """Why one patient (or one patient and policy) has no result."""

    patient_id: str
    policy_id: str | None
    stage: str
    kind: str
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return self._asdict()


def error_record(patient_id: str, policy_id: str | None, stage: str, exc: BaseException) -> PatientError:
    """An error record for a patient: a mednec error keeps its field and message (written for the
    person who wrote the input, quoting at most an excerpt of it); anything else is an internal
    error, named by its type only: an unexpected exception's text is whatever a library put there
    (``float()`` quotes the value, a ``KeyError`` its key), which can be the patient's data."""
    if isinstance(exc, MednecError):
        return PatientError(patient_id, policy_id, stage, exc.code, exc.field, exc.message)
    return PatientError(patient_id, policy_id, stage, "internal", None, f"internal error: {type(exc).__name__}")


def result_row(patient_id: str, det: Determination, full_json: str | None) -> dict[str, Any]:
    """The result row of one determination."""
    return {
        "patient_id": patient_id,
        "policy_id": det.policy["id"],
        "policy_version": det.policy["version"],
        "phase": det.phase,
        "as_of": det.as_of,
        "determination": det.determination.value,
        "pathway": det.pathway.id if det.pathway else None,
        "criteria": [{"id": c.id, "status": c.status.value} for c in det.criteria],
        "missing_documents": [m.document for m in det.missing_documentation],
        "determination_json": full_json,
    }


def result_schema() -> pa.Schema:
    """The Arrow schema of the result rows."""
    import pyarrow as pa

    return pa.schema([
        ("patient_id", pa.string()),
        ("policy_id", pa.string()),
        ("policy_version", pa.string()),
        ("phase", pa.string()),
        ("as_of", pa.date32()),
        ("determination", pa.string()),
        ("pathway", pa.string()),
        ("criteria", pa.list_(pa.struct([("id", pa.string()), ("status", pa.string())]))),
        ("missing_documents", pa.list_(pa.string())),
        ("determination_json", pa.string()),
    ])


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Result rows as an Arrow table of :func:`result_schema`."""
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=result_schema())


#: the columns whose values repeat (a policy, a status, a criterion's id): written dictionary-encoded
_REPEATED = ("policy_id", "policy_version", "phase", "determination", "pathway", "criteria", "missing_documents")
#: the columns with statistics (min/max) in the Parquet files: the top-level ones a reader filters on
#: (statistics of the criteria's strings cost more than the rest of the file together)
PARQUET_STATISTICS = ["patient_id", "policy_id", "policy_version", "phase", "as_of", "determination", "pathway"]


def plain(table: pa.Table) -> pa.Table:
    """Result rows with plain string columns (:func:`result_schema`), whatever their encoding."""
    schema = result_schema()
    return table if table.schema.equals(schema) else table.cast(schema)


def _encoded(array: pa.Array) -> pa.Array:
    import pyarrow as pa

    if pa.types.is_string(array.type):
        return array.dictionary_encode()
    if pa.types.is_list(array.type):
        return pa.ListArray.from_arrays(array.offsets, _encoded(array.values), mask=array.is_null())
    if pa.types.is_struct(array.type):
        return pa.StructArray.from_arrays([_encoded(array.field(i)) for i in range(array.type.num_fields)],
                                          names=[f.name for f in array.type], mask=array.is_null())
    return array


def parquet_form(table: pa.Table) -> pa.Table:
    """Result rows as written to Parquet: the repeated strings dictionary-encoded (the writer then
    uses the dictionaries as they are instead of hashing every string; a reader gets plain strings,
    :func:`result_schema`, as the files carry no Arrow schema)."""
    import pyarrow as pa

    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if name in _REPEATED and not _has_dictionary(col.type):
            col = pa.chunked_array([_encoded(c) for c in col.chunks], type=None) if col.num_chunks else col
        columns[name] = col
    return pa.table(columns)


def _has_dictionary(t: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return True
    if pa.types.is_list(t):
        return _has_dictionary(t.value_type)
    if pa.types.is_struct(t):
        return any(_has_dictionary(f.type) for f in t)
    return False


@dataclass
class ChunkResult:
    """What a worker returns for one chunk: its rows (or an Arrow table), errors and notes."""

    index: int
    patients: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    table: Any = None
    errors: list[PatientError] = field(default_factory=list)
    engine: str = "rowwise"
    notes: list[str] = field(default_factory=list)
    full: bool = False
    seconds: float = 0.0
    #: for a Bulk chunk read column-wise: how many of its patients went to the per-bundle intake
    read_rowwise: int | None = None

    def arrow(self) -> pa.Table:
        """The rows as an Arrow table of :func:`result_schema`."""
        if self.table is not None:
            return plain(self.table)
        return rows_table(self.rows)

    def encoded(self) -> pa.Table:
        """The rows as written to Parquet (:func:`parquet_form`)."""
        return parquet_form(self.table if self.table is not None else rows_table(self.rows))


def as_date(value: Any) -> dt.date:
    """A date from a date or an ISO string."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
