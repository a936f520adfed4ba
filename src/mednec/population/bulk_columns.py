"""A FHIR Bulk Data export read column by column into the fact table the columnar engine reads.

The row-wise path (:mod:`mednec.population.bulk`) parses every line, builds one Bundle per patient
and runs the FHIR intake on it. This module is its fast path for the common shapes, with the
row-wise path as the exact fallback **per patient**:

1. **Read** (:func:`read_export`, once per export): each NDJSON file is parsed in blocks by
   ``pyarrow.json`` against a declared schema of the fields the fast path reads (fields it does not
   declare are inferred, so they show up as columns). Codes, units, statuses and dates are mapped
   once per *distinct* value by the FHIR intake's own functions (``Context.fact_for_code``,
   :func:`~mednec.intake.fhir.units.quantity_unit`, :func:`~mednec.intake.fhir.observation.element_finding`,
   :func:`~mednec.intake.fhir.condition.map_condition`, :func:`~mednec.intake.fhir.patient.map_patient`,
   :func:`~mednec.intake.fhir.transfusion.map_procedure`, :func:`~mednec.intake.fhir.common.fhir_datetime`),
   never by a second copy of their tables. Every resource's line, and the candidate values it gives,
   are spilled to the hash bucket of its patient (``crc32(id) mod buckets``, as the row-wise spill
   does), so a bucket is one chunk of the run and memory stays bounded.
2. **Flag**: a resource the fast path does not model exactly -- a field it does not declare
   (extensions, components, comparators, ``meta``, a data-absent reason...), more than one coding,
   a date that is not a full date or dateTime with offset, a string FHIR R4 would refuse, a
   genomic result or karyotype, a date-valued fact, a value the parser would refuse, a transfusion
   whose product is not stated, a medication of a drug requested in the run or of the drug history,
   a resource type the FHIR intake reads that is not one of Patient, Observation, Condition,
   Procedure, MedicationStatement (orders, administrations, questionnaires, shared Medications), two
   resources with one id -- marks its **patient** for the row-wise intake.
3. **Chunk** (:meth:`ColumnSpill.chunk`): per bucket, the candidates of the unflagged patients are
   checked by the case-file parser column-wise (:func:`~mednec.population.columnar.frame.frame_from_table`),
   values dated after the evaluation date dropped, and for each fact the latest value kept (ties: the
   higher rank, then an amended / corrected result, the later issued first, then the first in the export),
   exactly as :func:`~mednec.intake.fhir.bundle.findings_to_facts` chooses; transfusions become ``rbc_transfusions`` lists; ESA statements go through the intake's
   ESA mappers and :func:`~mednec.intake.fhir.medication.assemble_esa`, patient by patient.
4. **Evaluate** (:func:`evaluate_bulk_chunk`): the fact table through the columnar engine, the
   flagged patients through the row-wise intake, rows merged back in the row-wise order. A patient
   whose records a requested drug's course reads has that policy answered from its row with the
   course facts set: those rows are appended to the table as
   :class:`~mednec.population.columnar.run.Variants` and evaluated in the same pass, so with no
   patient read per bundle the engine's rows are the chunk's, already in order (nothing merged). A few
   patients of every chunk are also read through their Bundle and their facts compared
   (``VERIFY_PATIENTS``); a difference sends the chunk's patients row-wise and is noted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mednec.errors import InputError, MednecError
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.facts.drugs import DrugEntry, DrugVocabulary
from mednec.intake.fhir import genomics, medication
from mednec.intake.fhir.bundle import MAPPERS
from mednec.intake.fhir.common import Context, EventFinding, NotMapped, Source, Transfusion, fhir_datetime
from mednec.intake.fhir.condition import map_condition
from mednec.intake.fhir.observation import REVISED_STATUSES, USABLE_STATUSES, element_finding
from mednec.intake.fhir.patient import map_patient
from mednec.intake.fhir.transfusion import map_procedure
from mednec.intake.fhir.units import quantity_unit
from mednec.intake.values import read_off_rows
from mednec.population.bulk import (
    _BLOCK,
    SHARED_TYPES,
    _count_patients,
    _patient_of,
    _shared,
    line_blocks,
    patient_key,
)
from mednec.population.columnar import digests
from mednec.population.inputs import BatchSettings, ChunkTask, InputKind, fingerprint, input_files
from mednec.population.results import ChunkResult, PatientError

if TYPE_CHECKING:
    from mednec.population.columnar.run import Variants

__all__ = ["VERIFY_PATIENTS", "Bucket", "BulkChunk", "BulkColumns", "ColumnSpill", "Share", "bulk_chunk",
           "evaluate_bulk_chunk", "read_export", "spill_column_tasks", "warm_up_bulk"]

#: What a finished read of the export is reused by (a resumed run): bumped when what the read spills means
#: something else; a change of the spilled tables' columns changes the stamp by itself (:func:`_spill_stamp`).
SPILL_VERSION = 6
#: Patients of every chunk also read through their Bundle, their facts compared with the columns'.
VERIFY_PATIENTS = 3
_FLUSH = 64 << 20
_EPOCH = dt.datetime(1970, 1, 1)
_NO_WHEN = np.iinfo(np.int64).min

_CODING = pa.struct([("system", pa.string()), ("code", pa.string()), ("display", pa.string())])
_CC = pa.struct([("coding", pa.list_(_CODING)), ("text", pa.string())])
_REF = pa.struct([("reference", pa.string()), ("display", pa.string())])
_PERIOD = pa.struct([("start", pa.string()), ("end", pa.string())])
_QTY = pa.struct([("value", pa.float64()), ("unit", pa.string()), ("system", pa.string()), ("code", pa.string())])
_META = pa.struct([("versionId", pa.string()), ("lastUpdated", pa.string()), ("source", pa.string()),
                   ("profile", pa.list_(pa.string())), ("tag", pa.list_(_CODING)), ("security", pa.list_(_CODING))])
_IDENTIFIER = pa.list_(pa.struct([("use", pa.string()), ("system", pa.string()), ("value", pa.string()),
                                  ("type", _CC)]))
#: Every resource: its type and id, and the fields the intake never reads but R4B validation checks (meta,
#: identifier): declared so that a resource carrying them is read column-wise when they are valid.
_HEAD = [("resourceType", pa.string()), ("id", pa.string()), ("meta", _META), ("identifier", _IDENTIFIER)]

#: The fields the fast path reads, per resource type; any other field marks the patient.
SCHEMAS: Mapping[str, pa.Schema] = {
    "Patient": pa.schema([*_HEAD, ("gender", pa.string()), ("birthDate", pa.string())]),
    "Observation": pa.schema([*_HEAD, ("status", pa.string()), ("code", _CC), ("subject", _REF),
                              ("category", pa.list_(_CC)), ("effectiveDateTime", pa.string()),
                              ("effectivePeriod", _PERIOD),
                              ("issued", pa.string()), ("valueQuantity", _QTY), ("valueInteger", pa.int64()),
                              ("valueBoolean", pa.bool_()), ("valueCodeableConcept", _CC)]),
    "Condition": pa.schema([*_HEAD, ("clinicalStatus", _CC), ("verificationStatus", _CC), ("category", pa.list_(_CC)),
                            ("code", _CC),
                            ("subject", _REF), ("recordedDate", pa.string()), ("onsetDateTime", pa.string())]),
    "Procedure": pa.schema([*_HEAD, ("status", pa.string()), ("code", _CC), ("subject", _REF),
                            ("performedDateTime", pa.string())]),
    "MedicationStatement": pa.schema([*_HEAD, ("status", pa.string()), ("medicationCodeableConcept", _CC),
                                      ("subject", _REF), ("effectivePeriod", _PERIOD),
                                      ("effectiveDateTime", pa.string()), ("statusReason", pa.list_(_CC))]),
}
_OPTIONAL = ("meta", "identifier", "category")
#: The same without the fields the intake never reads, for a block none of whose lines has them (fewer
#: columns to fill with nulls and check).
NARROW: Mapping[str, pa.Schema] = {k: pa.schema([f for f in v if f.name not in _OPTIONAL]) for k, v in SCHEMAS.items()}
#: Any other file: only who a resource is about.
_OTHER = pa.schema([("resourceType", pa.string()), ("id", pa.string()), ("subject", _REF), ("patient", _REF)])

#: A resource: its patient, place in the export, type, id, whether it marks its patient, and where its line is
#: (input file, byte offset and length); the line itself only where it is read again (statements, gzip input).
_RES = pa.schema([("pid", pa.string()), ("order", pa.int64()), ("rtype", pa.string()), ("rid", pa.string()),
                  ("flag", pa.bool_()), ("at", pa.int64()), ("length", pa.int64()), ("line", pa.binary())])
_CAND = pa.schema([("pid", pa.string()), ("order", pa.int64()), ("fact", pa.string()), ("num", pa.float64()),
                   ("text", pa.string()), ("flag", pa.bool_()), ("unit", pa.string()), ("when", pa.int64()),
                   ("rank", pa.int8()), ("rev", pa.int64())])
_TX = pa.schema([("pid", pa.string()), ("order", pa.int64()), ("day", pa.int32()), ("units", pa.int64())])
_KINDS = {"res": _RES, "cand": _CAND, "tx": _TX}
#: Each spilled part's distinct patients of one bucket (what the read counts its patients from).
_PIDS = pa.schema([("pid", pa.string())])

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_ID_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-."  # what ``_ID`` allows
_DATE = r"^\d{4}-\d{2}-\d{2}$"
# times and offsets as R4B's patterns allow them (an offset beyond 14:00 is refused by validation, though
# Python reads it)
_TIME = r"T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,6})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))"
_DATETIME = rf"^\d{{4}}-\d{{2}}-\d{{2}}({_TIME})?$"
_INSTANT = rf"^\d{{4}}-\d{{2}}-\d{{2}}{_TIME}$"
_CODE = r"^[^\s]+(\s[^\s]+)*$"
_SEP = "\x1f"
_NULL = "\x00"


# ---- small column helpers -----------------------------------------------------------------

def _np(arr: Any, dtype: Any) -> Any:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=dtype)


def _valid(arr: Any) -> Any:
    return _np(arr.is_valid(), bool)


def _child(arr: Any, name: str) -> Any:
    """A field of a struct column, null where the struct is."""
    return pc.struct_field(arr, name)


def _by_row(lst: Any, inner: Any) -> Any:
    """A mask over a list column's values -> rows where any value is marked."""
    out = np.zeros(len(lst), dtype=bool)
    if len(inner) and inner.any():
        parents = _np(pc.list_parent_indices(lst), np.int64)
        out[parents[inner]] = True
    return out


def _extras(arr: Any, declared: Any) -> Any:
    """Rows of ``arr`` holding a field ``declared`` does not have (at any depth)."""
    n = len(arr)
    out = np.zeros(n, dtype=bool)
    t = arr.type
    if pa.types.is_struct(t):
        names = {f.name for f in declared} if pa.types.is_struct(declared) else set()
        for f in t:
            child = _child(arr, f.name)
            out |= _valid(child) if f.name not in names else _extras(child, declared.field(f.name).type)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        if not (pa.types.is_list(declared) or pa.types.is_large_list(declared)):
            return _valid(arr)
        out |= _by_row(arr, _extras(pc.list_flatten(arr), declared.value_type))
    elif t != declared and not pa.types.is_null(t):
        out |= _valid(arr)
    return out


def _strings_bad(arr: Any, name: str) -> Any:
    """String leaves FHIR R4 would refuse: empty strings, codes with stray spaces, URIs with spaces."""
    t = arr.type
    if pa.types.is_struct(t):
        out = np.zeros(len(arr), dtype=bool)
        for f in t:
            out |= _strings_bad(_child(arr, f.name), f.name)
        return out
    if pa.types.is_list(t):
        return _by_row(arr, _strings_bad(pc.list_flatten(arr), name))
    if not pa.types.is_string(t):
        return np.zeros(len(arr), dtype=bool)
    if name in ("code", "status", "gender", "system", "use"):  # few distinct values: each checked once
        enc = pc.dictionary_encode(arr)
        ok_values = pc.match_substring_regex(enc.dictionary, _CODE) if name != "system" else \
            pc.invert(pc.match_substring_regex(enc.dictionary, r"\s"))
        bad = np.append(~_np(ok_values, bool), False)
        return bad[_np(pc.fill_null(enc.indices, -1), np.int64)]
    elif name in ("effectiveDateTime", "issued", "birthDate", "recordedDate", "onsetDateTime", "performedDateTime",
                  "start", "end", "id", "versionId", "lastUpdated"):
        return np.zeros(len(arr), dtype=bool)  # checked where they are read
    else:
        ok = pc.greater(pc.utf8_length(arr), 0)
    return _np(pc.fill_null(pc.invert(ok), False), bool)


def _join(*cols: Any) -> Any:
    """Columns of text joined into one key per row (nulls kept apart from empty strings)."""
    parts = [pc.fill_null(c.cast(pa.string()), _NULL) for c in cols]
    return pc.binary_join_element_wise(*parts, _SEP)


def _split(key: str) -> tuple[str | None, ...]:
    return tuple(None if p == _NULL else p for p in key.split(_SEP))


def _per_distinct(cols: list[Any], fn: Callable[[tuple[str | None, ...]], Any]) -> tuple[list[Any], Any]:
    """``fn`` once per distinct row of the columns (each value as text, as a cast to string gives it, None for
    null); the results and each row's index into them."""
    codes = np.zeros(len(cols[0][0] if isinstance(cols[0], tuple) else cols[0]), dtype=np.int64)
    texts: list[list[str | None]] = []
    radix: list[int] = []
    size = 1
    for c in cols:
        if isinstance(c, tuple):  # already encoded: (each row's index into the values, len(values) for null; values)
            index, values = c
        else:
            enc = pc.dictionary_encode(c)
            values = enc.dictionary.cast(pa.string()).to_pylist()
            index = _np(pc.fill_null(enc.indices, len(values)), np.int64)
        k = len(values) + 1  # the last code: null
        if size * k >= 1 << 62:  # too many combinations for one integer: join the texts
            return _per_distinct_joined([_decoded(c) for c in cols], fn)
        codes = codes * k + index
        texts.append([*values, None])
        radix.append(k)
        size *= k
    enc = pc.dictionary_encode(pa.array(codes, pa.int64()))  # hashed, not sorted
    distinct, idx = _np(enc.dictionary, np.int64), _np(enc.indices, np.int64)
    results = []
    for code in distinct.tolist():
        parts: list[str | None] = []
        for values, k in zip(reversed(texts), reversed(radix), strict=True):
            code, i = divmod(code, k)
            parts.append(values[i])
        results.append(fn(tuple(reversed(parts))))
    return results, idx


def _spread(cols: list[Any], rows: Any, n: int, fn: Callable[[tuple[str | None, ...]], Any],
            default: Any) -> tuple[list[Any], Any]:
    """:func:`_per_distinct` of the columns ``cols`` of some rows (``rows``: their positions among ``n``), with
    ``default`` appended to the results: the index of every row, a row not given pointing at ``default``."""
    results, idx = _per_distinct(cols, fn) if len(rows) else ([], np.zeros(0, dtype=np.int64))
    full = np.full(n, len(results), dtype=np.int64)
    full[rows] = idx
    return [*results, default], full


def _decoded(col: Any) -> Any:
    """A column of :func:`_per_distinct` as text (an encoded one decoded)."""
    if not isinstance(col, tuple):
        return col
    index, values = col
    return pa.array(np.array([*values, None], dtype=object)[index], pa.string())


def _per_distinct_joined(cols: list[Any], fn: Callable[[tuple[str | None, ...]], Any]) -> tuple[list[Any], Any]:
    enc = pc.dictionary_encode(_join(*cols))
    return [fn(_split(k)) for k in enc.dictionary.to_pylist()], _np(enc.indices, np.int64)


def _concept(arr: Any) -> tuple[Any, Any, Any, Any, Any]:
    """A CodeableConcept column: (number of codings, first system, code, display, text)."""
    coding = _child(arr, "coding")
    count = _np(pc.fill_null(pc.list_value_length(coding), 0), np.int64)
    starts = _np(coding.offsets, np.int64)[:-1]
    first = coding.values.take(pa.array(np.where(count > 0, starts, 0), pa.int64(), mask=count == 0)) \
        if len(coding.values) else pa.nulls(len(coding), coding.type.value_type)
    return count, _child(first, "system"), _child(first, "code"), _child(first, "display"), _child(arr, "text")


def _concept_dict(parts: tuple[str | None, ...], present: bool) -> dict[str, Any] | None:
    """A CodeableConcept of at most one coding, from (system, code, display, text)."""
    system, code, display, text = parts
    if not present:
        return None
    out: dict[str, Any] = {}
    if system is not None or code is not None or display is not None:
        coding = {k: v for k, v in (("system", system), ("code", code), ("display", display)) if v is not None}
        out["coding"] = [coding]
    if text is not None:
        out["text"] = text
    return out


class _Dates:
    """FHIR dates and dateTimes -> microseconds since 1970 (UTC), through the intake's own parser,
    once per distinct text."""

    def __init__(self) -> None:
        self.cache: dict[str, int | None] = {}

    def __call__(self, col: Any, pattern: str) -> tuple[Any, Any, Any]:
        """(micros, given, bad) for a string column."""
        n = len(col)
        given = _valid(col)
        micros = np.full(n, _NO_WHEN, dtype=np.int64)
        if not given.any():
            return micros, given, np.zeros(n, dtype=bool)
        enc = pc.dictionary_encode(col)
        table, failed = self._distinct(enc.dictionary)
        idx = _np(pc.fill_null(enc.indices, -1), np.int64)
        shaped = np.append(_np(pc.match_substring_regex(enc.dictionary, pattern), bool), True)  # null: shaped
        micros = table[idx]
        return micros, given, (failed[idx] & given) | ~shaped[idx]

    def _distinct(self, texts: Any) -> tuple[Any, Any]:
        """(micros, failed) of each distinct text, and of null (last: no time, not failed). A full date
        (``YYYY-MM-DD``) is read column-wise, as ``fhir_datetime`` reads it (``date.fromisoformat``: midnight of a
        real calendar day of year 1 or later, else refused); the other texts one by one by ``fhir_datetime``."""
        k = len(texts)
        micros = np.full(k + 1, _NO_WHEN, dtype=np.int64)
        failed = np.zeros(k + 1, dtype=bool)
        day = _np(pc.fill_null(pc.match_substring_regex(texts, _DATE), False), bool)
        if day.any():
            rows = np.flatnonzero(day)
            wide = texts.cast(pa.large_string())
            offsets = np.frombuffer(wide.buffers()[1], dtype=np.int64)[wide.offset:wide.offset + k + 1]
            data = np.frombuffer(wide.buffers()[2], dtype=np.uint8)
            digits = data[offsets[rows][:, None] + np.arange(10)].astype(np.int64) - 48  # 10 ASCII bytes each
            year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
            month = digits[:, 5] * 10 + digits[:, 6]
            mday = digits[:, 8] * 10 + digits[:, 9]
            ok = (year >= 1) & (month >= 1) & (month <= 12) & (mday >= 1)
            first = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
            start = first.astype("datetime64[D]").astype(np.int64)
            ok &= mday <= (first + 1).astype("datetime64[D]").astype(np.int64) - start  # days in the month
            micros[rows] = np.where(ok, (start + mday - 1) * 86_400_000_000, _NO_WHEN)
            failed[rows] = ~ok
        rest = np.flatnonzero(~day)
        for i, text in zip(rest.tolist(), texts.take(pa.array(rest, pa.int64())).to_pylist(), strict=True):
            v = self._one(text)
            micros[i] = _NO_WHEN if v is None else v
            failed[i] = v is None
        return micros, failed

    def _one(self, text: str) -> int | None:
        if text not in self.cache:
            if len(self.cache) >= 1 << 16:  # bounded memory
                self.cache.clear()
            try:
                when = fhir_datetime(text, path="date")
                self.cache[text] = None if when is None else (when - _EPOCH) // dt.timedelta(microseconds=1)
            except (MednecError, NotMapped):
                self.cache[text] = None
        return self.cache[text]


# ---- the read: resources -> spilled lines and candidates ------------------------------------

@dataclass
class _Out:
    """What one block gives: resource rows, candidates, transfusions (column lists)."""

    res: dict[str, list[Any]] = field(default_factory=lambda: {k: [] for k in _RES.names})
    table: pa.Table | None = None
    cand: list[pa.Table] = field(default_factory=list)
    tx: list[pa.Table] = field(default_factory=list)


class _Reader:
    """Maps one block of resources of one type to candidate columns (caches per distinct value)."""

    def __init__(self, dictionary: FactDictionary) -> None:
        self.dictionary = dictionary
        self.ctx = Context(dictionary, dt.date.max)
        self.src = Source(0, "Resource/x")
        self.dates = _Dates()
        self.cache: dict[Any, Any] = {}

    def cached(self, key: Any, fn: Callable[[], Any]) -> Any:
        try:
            return self.cache[key]
        except KeyError:
            value = self.cache[key] = fn()
            return value

    # each mapper: (table, rows) -> (flag mask, candidate tables, transfusion tables)
    def patient(self, t: pa.Table, pids: Any, order: Any) -> tuple[Any, list[pa.Table], list[pa.Table]]:
        birth = t.column("birthDate")
        _, has_birth, flag = self.dates(birth, _DATE)  # a full date, read by the intake's parser
        key = [pa.array(has_birth), t.column("gender")]

        def one(k: tuple[str | None, ...]) -> Any:
            # map_patient on this gender, with a placeholder birth date where one is given (its value is
            # the row's own: map_patient writes back the date it read)
            res = {"resourceType": "Patient", **({"birthDate": "2000-01-01"} if k[0] == "true" else {}),
                   **({"gender": k[1]} if k[1] is not None else {})}
            try:
                return [(f.fact, f.value) for f in map_patient(res, self.src, self.ctx)]
            except NotMapped:
                return []
            except MednecError:
                return None

        results, idx = _per_distinct(key, lambda k: self.cached(("Patient", k), lambda: one(k)))
        flag |= np.array([r is None for r in results], dtype=bool)[idx]
        cands = []
        for fact in ("birth_date", "sex"):
            gives = np.array([r is not None and any(f == fact for f, _ in r) for r in results], dtype=bool)[idx]
            rows = np.flatnonzero(gives & ~flag)
            if fact == "birth_date":
                texts: Any = birth.take(pa.array(rows, pa.int64()))
            else:
                values = [next((v for f, v in r if f == fact), None) if r else None for r in results]
                texts = np.array(values, dtype=object)[idx[rows]]
            cands.append(_cand(pids, order, rows, [fact] * len(rows), texts=texts))
        return flag, cands, []

    def observation(self, t: pa.Table, pids: Any, order: Any) -> tuple[Any, list[pa.Table], list[pa.Table]]:
        status = t.column("status")
        count, system, code, display, text = _concept(t.column("code"))
        flag = count > 1
        key = [system, code, display, text]
        code_given = _valid(t.column("code"))

        def fact_of(k: tuple[str | None, ...]) -> tuple[str | None, bool]:
            concept = _concept_dict(k, present=True)
            fid = self.ctx.fact_for_code(concept)
            odd = genomics.is_genomic({"code": concept}) or fid == "karyotype" or (
                fid is not None and self.dictionary.facts[fid].type not in ("number", "boolean", "category"))
            return fid, odd

        facts, fidx = _per_distinct(key, lambda k: self.cached(("Obs", k), lambda: fact_of(k)))
        fsel = np.where(code_given, fidx, len(facts))  # each row's fact (len(facts): none)
        fid_values = [f for f, _ in facts]
        odd = np.array([o for _, o in facts] + [False], dtype=bool)[fsel]
        usable = _np(pc.fill_null(pc.is_in(status, pa.array(sorted(USABLE_STATUSES))), False), bool)
        flag |= usable & odd
        # when: effectiveDateTime, else effectivePeriod end or start (the value's age: intake observed_on), else issued
        eff = t.column("effectiveDateTime")
        period = t.column("effectivePeriod")
        pstart = pc.coalesce(_child(period, "end"), _child(period, "start"))
        w1, g1, b1 = self.dates(eff, _DATETIME)
        w2, g2, b2 = self.dates(pstart, _DATETIME)
        w3, g3, b3 = self.dates(t.column("issued"), _INSTANT)
        flag |= (g1 & _valid(period)) | b1 | (b2 & ~g1) | (b3 & ~g1 & ~g2)
        when = np.where(g1, w1, np.where(g2, w2, np.where(g3, w3, _NO_WHEN)))
        # an amended / corrected result supersedes the final one of its specimen, the later issued first (the
        # intake's Finding.revised and .issued): one order key, _NO_WHEN for a result that is not a revision
        revised = _np(pc.fill_null(pc.is_in(status, pa.array(sorted(REVISED_STATUSES))), False), bool)
        rev = np.where(revised, np.where(g3, w3, _NO_WHEN + 1), _NO_WHEN)
        q = t.column("valueQuantity")
        qvalue = _child(q, "value")
        has_q, has_qv = _valid(q), _valid(qvalue)
        vint = t.column("valueInteger")
        has_int = _valid(vint)
        vbool = t.column("valueBoolean")
        vcc = t.column("valueCodeableConcept")
        nvals = has_q.astype(int) + has_int + _valid(vbool) + _valid(vcc)
        flag |= nvals > 1  # FHIR R4 allows one value[x]
        # a quantity with no value gives nothing (the intake lists it): no candidate, below
        big = _np(pc.fill_null(pc.greater(pc.abs(vint), 2147483647), False), bool)
        flag |= big
        live = usable & ~flag & np.array([f is not None for f in fid_values] + [False], dtype=bool)[fsel]
        types = [self.dictionary.facts[f].type if f is not None else "" for f in fid_values] + [""]
        num_rows = live & np.array([x == "number" for x in types], dtype=bool)[fsel] & (has_qv | has_int)
        other_rows = live & np.array([x in ("boolean", "category") for x in types], dtype=bool)[fsel]
        n = t.num_rows
        # numbers: the unit through the intake's quantity_unit, once per (fact, unit, system, code) of the rows
        # whose value is a number with a quantity (the other rows' unit: none)
        urows = np.flatnonzero(num_rows & has_qv)
        uat = pa.array(urows, pa.int64())
        ukey = [(fsel[urows], fid_values), *(_child(q, k).take(uat) for k in ("unit", "system", "code"))]

        def unit_of(k: tuple[str | None, ...]) -> tuple[str | None, bool]:
            fid, unit, system_, code_ = k
            if fid is None or self.dictionary.facts[fid].type != "number":
                return None, False
            given = {k2: v for k2, v in (("unit", unit), ("system", system_), ("code", code_)) if v is not None}
            try:
                return quantity_unit(self.dictionary.facts[fid], given, path="valueQuantity"), False
            except InputError:
                return None, True

        units, uidx = _spread(ukey, urows, n, lambda k: self.cached(("Unit", k), lambda: unit_of(k)), (None, False))
        # a unit the fact does not take: the intake lists the resource (InputError), it gives nothing
        ubad = np.array([b for _, b in units], dtype=bool)[uidx] & num_rows & has_qv
        num_rows &= ~ubad & (has_qv | ~has_q)
        x = np.where(has_qv, _np(pc.fill_null(qvalue, 0.0), np.float64),
                     _np(pc.fill_null(vint.cast(pa.float64()), 0.0), np.float64))
        # yes/no and categories: the intake's own element_finding, once per distinct value of the rows of such a
        # fact (the other rows' value: none)
        vrows = np.flatnonzero(other_rows)
        vat = pa.array(vrows, pa.int64())
        cc_count, *cc_parts = _concept(vcc.take(vat))
        okey = [(fsel[vrows], fid_values), vbool.take(vat), *cc_parts, pa.array(_valid(vcc)[vrows])]
        many = np.zeros(n, dtype=bool)
        many[vrows] = cc_count > 1
        flag |= other_rows & many
        other_rows &= ~flag

        def value_of(k: tuple[str | None, ...]) -> tuple[Any, bool]:
            fid, b, s_, c_, d_, t_, has_cc = k
            if fid is None or self.dictionary.facts[fid].type not in ("boolean", "category"):
                return None, False
            element: dict[str, Any] = {}
            if b is not None:
                element["valueBoolean"] = b == "true"
            concept = _concept_dict((s_, c_, d_, t_), has_cc == "true")
            if concept is not None:
                element["valueCodeableConcept"] = concept
            try:
                return element_finding(element, fid, None, self.src, self.ctx).value, False
            except NotMapped:
                return None, False
            except MednecError:
                return None, True

        values, vidx = _spread(okey, vrows, n, lambda k: self.cached(("Val", k), lambda: value_of(k)), (None, False))
        # a value the dictionary refuses: the intake lists the resource (InputError), it gives nothing
        vbad = np.array([b for _, b in values], dtype=bool)[vidx] & other_rows
        other_rows &= ~vbad
        other_rows &= np.array([v is not None for v, _ in values], dtype=bool)[vidx]
        rows_n = np.flatnonzero(num_rows & ~flag)
        rows_o = np.flatnonzero(other_rows & ~flag)
        cands = [_cand(pids, order, rows_n, (fsel[rows_n], fid_values), num=x[rows_n],
                       units=(uidx[rows_n], [u for u, _ in units]), when=when[rows_n], rev=rev[rows_n])]
        is_bool = np.array([isinstance(v, bool) for v, _ in values], dtype=bool)[vidx[rows_o]]
        rb, rc = rows_o[is_bool], rows_o[~is_bool]
        truth = np.array([v is True for v, _ in values], dtype=bool)
        cands.append(_cand(pids, order, rb, (fsel[rb], fid_values), flags=truth[vidx[rb]], when=when[rb],
                           rev=rev[rb]))
        cands.append(_cand(pids, order, rc, (fsel[rc], fid_values), texts=(vidx[rc], [str(v) for v, _ in values]),
                           when=when[rc], rev=rev[rc]))
        return flag, cands, []

    def condition(self, t: pa.Table, pids: Any, order: Any) -> tuple[Any, list[pa.Table], list[pa.Table]]:
        cl = _concept(t.column("clinicalStatus"))
        ve = _concept(t.column("verificationStatus"))
        co = _concept(t.column("code"))
        flag = (cl[0] > 1) | (ve[0] > 1) | (co[0] > 1)
        has = [pa.array(_valid(t.column(c))) for c in ("clinicalStatus", "verificationStatus", "code")]
        key = [*cl[1:], has[0], *ve[1:], has[1], *co[1:], has[2]]

        def one(k: tuple[str | None, ...]) -> Any:
            res: dict[str, Any] = {"resourceType": "Condition"}
            for name, part in (("clinicalStatus", k[0:5]), ("verificationStatus", k[5:10]), ("code", k[10:15])):
                concept = _concept_dict(part[:4], present=part[4] == "true")
                if concept is not None:
                    res[name] = concept
            try:
                found = map_condition(res, self.src, self.ctx)
                if any(f.comparator for f in found):  # a bound (Z68.36: a BMI of at least 36): the row-wise intake
                    return None
                return [(f.fact, f.value, f.rank) for f in found]
            except NotMapped:
                return []
            except MednecError:
                return None

        results, idx = _per_distinct(key, lambda k: self.cached(("Cond", k), lambda: one(k)))
        flag |= np.array([results[i] is None for i in idx], dtype=bool)
        rec = t.column("recordedDate")
        w1, g1, b1 = self.dates(rec, _DATETIME)
        w2, g2, b2 = self.dates(t.column("onsetDateTime"), _DATETIME)
        flag |= b1 | (b2 & ~g1)
        when = np.where(g1, w1, np.where(g2, w2, _NO_WHEN))
        rows, facts, texts, flags, ranks = [], [], [], [], []
        for r in np.flatnonzero(~flag):
            for fact, value, rank in results[idx[r]] or ():
                rows.append(r)
                facts.append(fact)
                ranks.append(rank)
                flags.append(value if isinstance(value, bool) else None)
                texts.append(None if isinstance(value, bool) else str(value))
        r_ = np.array(rows, dtype=np.int64)
        return flag, [_cand(pids, order, r_, facts, texts=texts, flags=flags, when=when[r_] if len(r_) else None,
                            ranks=ranks)], []

    def procedure(self, t: pa.Table, pids: Any, order: Any) -> tuple[Any, list[pa.Table], list[pa.Table]]:
        co = _concept(t.column("code"))
        flag = co[0] > 1
        key = [t.column("status"), *co[1:], pa.array(_valid(t.column("code")))]

        def one(k: tuple[str | None, ...]) -> Any:
            res: dict[str, Any] = {"resourceType": "Procedure", "performedDateTime": "2000-01-01"}
            if k[0] is not None:
                res["status"] = k[0]
            concept = _concept_dict(k[1:5], present=k[5] == "true")
            if concept is not None:
                res["code"] = concept
            try:
                found = map_procedure(res, self.src, self.ctx)
            except NotMapped:
                return 0
            except MednecError:
                return None
            if len(found) != 1:
                return None
            event = found[0].event
            # a transfusion whose product is not stated leaves the list unknown (-1)
            return event.units if isinstance(event, Transfusion) else (-1 if event is None else None)

        results, idx = _per_distinct(key, lambda k: self.cached(("Proc", k), lambda: one(k)))
        w, g, b = self.dates(t.column("performedDateTime"), _DATETIME)
        units = np.array([-2 if r is None else r for r in results], dtype=np.int64)[idx]
        flag |= b | (g & (units == -2))
        take = np.flatnonzero(~flag & g & (units != 0))
        days = (w[take] // 86_400_000_000).astype(np.int32)
        tx = pa.table({"pid": pids.take(pa.array(take)), "order": pa.array(order[take]), "day": pa.array(days),
                       "units": pa.array(units[take])}, schema=_TX)
        return flag, [], [tx]

    def statement(self, t: pa.Table, pids: Any, order: Any) -> tuple[Any, list[pa.Table], list[pa.Table]]:
        co = _concept(t.column("medicationCodeableConcept"))
        flag = co[0] > 1
        reasons = t.column("statusReason")
        flat = pc.list_flatten(reasons)
        flag |= _by_row(reasons, _concept(flat)[0] > 0) if len(flat) else np.zeros(t.num_rows, dtype=bool)
        period = t.column("effectivePeriod")
        for col in (_child(period, "start"), _child(period, "end"), t.column("effectiveDateTime")):
            flag |= self.dates(col, _DATETIME)[2]
        flag |= _valid(period) & _valid(t.column("effectiveDateTime"))
        # R4 requires status and medication[x]: validation refuses a statement without them (the per-bundle intake)
        flag |= ~_valid(t.column("status")) | ~_valid(t.column("medicationCodeableConcept"))
        return flag, [], []


def _cand(pids: Any, order: Any, rows: Any, facts: Any, *, num: Any = None, texts: Any = None, flags: Any = None,
          units: Any = None, when: Any = None, ranks: Any = None, rev: Any = None) -> pa.Table:
    rows = np.asarray(rows, dtype=np.int64)
    k = len(rows)
    return pa.table({
        "pid": pids.take(pa.array(rows, pa.int64())),
        "order": pa.array(order[rows] if k else np.zeros(0, dtype=np.int64), pa.int64()),
        "fact": _arr(facts, pa.string(), k),
        "num": _arr(num, pa.float64(), k),
        "text": _arr(texts, pa.string(), k),
        "flag": _arr(flags, pa.bool_(), k),
        "unit": _arr(units, pa.string(), k),
        "when": pa.array(when if when is not None else np.full(k, _NO_WHEN), pa.int64()),
        "rank": pa.array(ranks if ranks is not None else np.ones(k, dtype=np.int8), pa.int8()),
        "rev": pa.array(rev if rev is not None else np.full(k, _NO_WHEN), pa.int64()),
    }, schema=_CAND)


def _arr(values: Any, type_: Any, k: int) -> Any:
    """A candidate column from an Arrow array, a NumPy array, a list or labels and each row's index into them
    (None: ``k`` nulls)."""
    if values is None:
        return pa.nulls(k, type_)
    if isinstance(values, tuple):  # (each row's index into the labels, labels; the index len(labels): null)
        index, labels = values
        return pa.array([*labels, None], type_).take(pa.array(np.asarray(index, dtype=np.int64), pa.int64()))
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.cast(type_)
    return pa.array(values if isinstance(values, np.ndarray) else list(values), type_)


def _crc_table() -> Any:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> np.uint32(1)) ^ np.uint32(0xEDB88320), table >> np.uint32(1))
    return table.astype(np.uint32)


_CRC_TABLE = _crc_table()


def crc32s(texts: Any) -> Any:
    """``zlib.crc32`` of each text's UTF-8 bytes (a string column without nulls), column-wise: the bucket of
    each patient id (``crc32(id) mod buckets``, as the row-wise spill hashes it)."""
    texts = texts.cast(pa.large_string())
    if texts.null_count:
        return np.array([zlib.crc32(t.encode()) for t in texts.to_pylist()], dtype=np.uint32)
    n = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset:texts.offset + n + 1]
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8) if n and offsets[-1] > offsets[0] else \
        np.zeros(1, dtype=np.uint8)
    start = offsets[:-1]
    length = np.diff(offsets)
    crc = np.full(n, 0xFFFFFFFF, dtype=np.uint32)
    rows = np.arange(n)
    for k in range(int(length.max()) if n else 0):
        rows = rows[length[rows] > k]  # the texts still this long
        c = crc[rows]
        crc[rows] = _CRC_TABLE[(c ^ data[start[rows] + k]) & np.uint32(0xFF)] ^ (c >> np.uint32(8))
    return crc ^ np.uint32(0xFFFFFFFF)


_TYPE_OF = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]+)"')




class _Spiller:
    """Buffers the bucketed tables and writes them as Arrow IPC parts (bounded memory)."""

    def __init__(self, folder: Path, buckets: int, tag: str = "", flush: int = _FLUSH) -> None:
        self.folder = folder
        self.buckets = buckets
        self.tag = tag  # a worker's own part names
        self.limit = flush
        self.buf: dict[tuple[str, int], list[pa.Table]] = {}
        self.pids: dict[int, list[pa.Array]] = {}  # each bucket's patients in what is buffered (with repeats)
        self.size = 0
        self.part = 0

    def add(self, kind: str, table: pa.Table) -> None:
        if not table.num_rows:
            return
        enc = pc.dictionary_encode(table.column("pid").combine_chunks())
        per = (crc32s(enc.dictionary) % np.uint32(self.buckets)).astype(np.int64)
        bucket = per[_np(enc.indices, np.int64)]
        if self.buckets <= 1 << 15:  # a stable sort of 16-bit keys is a radix sort
            bucket = bucket.astype(np.int16)
        order = np.argsort(bucket, kind="stable")
        b = bucket[order]
        sorted_ = table if b[0] == b[-1] else table.take(pa.array(order))  # one bucket: already in order
        cuts = np.flatnonzero(np.diff(b)) + 1
        starts = np.concatenate([[0], cuts])
        ends = np.concatenate([cuts, [len(b)]])
        for s, e in zip(starts, ends, strict=True):
            self.buf.setdefault((kind, int(b[s])), []).append(sorted_.slice(int(s), int(e - s)))
        if kind == "res":  # every resource's patient is in the res table: its bucket's distinct patients
            by = np.argsort(per, kind="stable")
            pb = per[by]
            first = np.flatnonzero(np.diff(pb)) + 1
            distinct = enc.dictionary.take(pa.array(by))
            for s, e in zip(np.concatenate([[0], first]), np.concatenate([first, [len(pb)]]), strict=True):
                self.pids.setdefault(int(pb[s]), []).append(distinct.slice(int(s), int(e - s)))
        self.size += table.nbytes
        if self.size > self.limit:
            self.flush()

    def flush(self) -> None:
        import pyarrow.ipc as ipc

        for (kind, k), tables in self.buf.items():
            path = self.folder / f"{kind}-{k:05d}-{self.tag}{self.part:05d}.arrow"
            with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, _KINDS[kind]) as writer:
                writer.write_table(pa.concat_tables(tables))
        for k, arrays in self.pids.items():
            path = self.folder / f"pids-{k:05d}-{self.tag}{self.part:05d}.arrow"
            with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, _PIDS) as writer:
                writer.write_table(pa.table({"pid": pc.unique(pa.chunked_array(arrays, pa.string()))}, schema=_PIDS))
        self.pids.clear()
        self.buf.clear()
        self.size = 0
        self.part += 1


def _patients_of(t: pa.Table, rtype: Any) -> Any:
    """Each row's patient id (None: about no patient), as :func:`mednec.population.bulk.patient_key` says."""
    n = t.num_rows
    ids = t.column("id") if "id" in t.column_names else pa.nulls(n, pa.string())
    refs = pa.nulls(n, pa.string())
    for name in ("patient", "subject"):  # subject first: it is taken when it holds a reference
        if name in t.column_names and pa.types.is_struct(t.column(name).type) and \
                "reference" in {f.name for f in t.column(name).type}:
            r = _child(t.column(name), "reference")
            if pa.types.is_string(r.type):
                refs = pc.if_else(pc.is_valid(r), r, refs)
    if isinstance(refs, pa.ChunkedArray):
        refs = refs.combine_chunks()
    enc = pc.dictionary_encode(refs)  # each distinct reference read once
    refs = enc.dictionary
    plain = pc.match_substring_regex(refs, r"^Patient/[^/]+$")
    from_ref = pc.if_else(plain, pc.utf8_slice_codeunits(refs, 8), pa.nulls(len(refs), pa.string()))
    odd = ~_np(plain, bool)
    if odd.any():
        values = from_ref.to_pylist()
        raw = refs.to_pylist()
        for i in np.flatnonzero(odd):
            values[i] = _patient_of(raw[i])
        from_ref = pa.array(values, pa.string())
    from_ref = from_ref.take(enc.indices)
    is_patient = pc.equal(rtype, "Patient")
    return pc.if_else(pc.fill_null(is_patient, False), ids, from_ref)


@dataclass
class ColumnSpill:
    """The read export: where its buckets are and what the read found."""

    folder: Path
    buckets: int
    patients: int
    resources: int
    errors: int
    #: the input files, in the order the ``order`` column numbers them (lines are read again from them)
    files: tuple[str, ...] = ()
    #: each bucket's patients
    sizes: tuple[int, ...] = ()

    def shared(self) -> dict[str, bytes]:
        return _shared(self.folder)

    def columns(self, k: int) -> BulkColumns:
        """Bucket ``k``'s spilled tables (what a worker needs), memory-mapped: the pages the operating system holds
        for the files just written are read in place, not copied (a 10,000-patient bucket of the synthetic export,
        about 29 MB: 2.5 against 13-55 ms)."""
        import pyarrow.ipc as ipc

        tables: dict[str, pa.Table] = {}
        for kind, schema in _KINDS.items():
            parts = sorted(self.folder.glob(f"{kind}-{k:05d}-*.arrow"))
            read = [ipc.open_file(pa.memory_map(str(p))).read_all() for p in parts]
            tables[kind] = pa.concat_tables(read) if read else schema.empty_table()
        # every shared resource (a Bundle takes only those its patient's lines reference: patient_bundle)
        return BulkColumns(tables["res"], tables["cand"], tables["tx"], self.shared(), self.files)

    def chunk(self, k: int, settings: BatchSettings) -> BulkChunk:
        return bulk_chunk(self.columns(k), settings)


@dataclass
class BulkColumns:
    """One bucket's spilled columns: every resource line, the candidate values and transfusions,
    and the shared resources its lines reference."""

    res: pa.Table
    cand: pa.Table
    tx: pa.Table
    shared: dict[str, bytes]
    files: tuple[str, ...] = ()

    @property
    def patients(self) -> int:
        return len(pc.unique(self.res.column("pid")))


def read_export(path: Path, folder: Path, chunk_size: int, dictionary: FactDictionary | None = None, *,
                processes: int = 1, meanwhile: Callable[[], None] | None = None) -> ColumnSpill:
    """Read the export at ``path`` column by column into buckets of about ``chunk_size`` patients under
    ``folder`` (see the module docstring). A finished read of the same input is reused. With ``processes`` >
    1 the files are cut into byte ranges at line breaks, each read by its own forked process (its own
    spilled parts; the lines, their numbers and the buckets are those of a read by one process), and
    ``meanwhile`` (what the evaluation will load: the caller's warm-up) runs in this process while they read,
    instead of after them; it runs in every case, once."""
    from mednec.runtime import default_runtime

    dictionary = dictionary or default_runtime().dictionary
    files = input_files(path, InputKind.bulk)
    print_ = fingerprint(path, InputKind.bulk)
    done = folder / "columns.json"
    if done.is_file():
        meta = json.loads(done.read_text("utf-8"))
        if meta.get("fingerprint") == print_ and meta.get("chunk_size") == chunk_size \
                and meta.get("version") == _spill_stamp():
            if meanwhile is not None:
                meanwhile()
            return ColumnSpill(folder, int(meta["buckets"]), int(meta["patients"]), int(meta["resources"]),
                               int(meta["errors"]), tuple(meta["files"]), tuple(meta.get("sizes", ())))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    buckets = max(1, -(-_count_patients(files) // chunk_size))
    spill = ColumnSpill(folder, buckets, 0, 0, 0, tuple(str(f.resolve()) for f in files))
    parts = _ranges(files, processes if _can_fork() else 1)
    workers = min(processes, len(parts)) if _can_fork() else 1
    job = _ReadJob(folder, buckets, files, dictionary, parts, _FLUSH // max(1, workers))
    if workers <= 1:
        got = [_read_worker(job, 0)]
        sizes = [_count_bucket(folder, k) for k in range(buckets)]
        if meanwhile is not None:
            meanwhile()
    else:
        import gc

        gc.freeze()  # what is loaded stays shared with the forked processes (no collection touches it)
        job.taken = _fork_context().Value("q", 0)
        _FORKED["read"] = job
        try:
            with _fork_pool(workers) as pool:
                reading = pool.map_async(_read_forked, range(workers))
                if meanwhile is not None:  # the readers are forked: what this loads is not copied to them
                    meanwhile()
                got = reading.get()
                sizes = pool.map(_count_forked, range(buckets), chunksize=max(1, buckets // workers))
        finally:
            _FORKED.pop("read", None)
    spill.sizes = tuple(sizes)
    spill.patients = sum(sizes)
    spill.resources, spill.errors = sum(r for r, _, _ in got), sum(e for _, e, _ in got)
    before = _lines_before({k: v for _, _, counts in got for k, v in counts.items()})
    for kind in ("shared", "errors"):  # each range's lines, in the order of the export
        with (folder / f"{kind}.ndjson").open("wb") as out:
            for part in sorted(folder.glob(f"{kind}.*.part")):
                data = part.read_bytes()
                if kind == "errors" and data:  # a block lists its lines that are not JSON first: by line
                    fi, start = (int(x) for x in part.name.split(".")[1:3])
                    data = _errors_numbered(data, before.get((fi, start), 0))
                out.write(data)
                part.unlink()
    tmp = done.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": _spill_stamp(), "fingerprint": print_, "chunk_size": chunk_size,
                               "buckets": buckets, "patients": spill.patients, "resources": spill.resources,
                               "errors": spill.errors, "files": list(spill.files), "sizes": list(spill.sizes)}),
                   "utf-8")
    os.replace(tmp, done)
    return spill


@lru_cache(maxsize=1)
def _spill_stamp() -> str:
    """:data:`SPILL_VERSION` and a digest of the spilled tables' schemas: a read spilled by a mednec whose tables
    had other columns is read again, not reused (a missing column would stop the resumed run)."""
    return _stamp_of(_KINDS)


def _stamp_of(kinds: Mapping[str, pa.Schema]) -> str:
    import hashlib

    text = "\n".join(f"{kind}: {schema}" for kind, schema in sorted(kinds.items()))
    return f"{SPILL_VERSION}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def _lines_before(counts: Mapping[tuple[int, int], int]) -> dict[tuple[int, int], int]:
    """For each range ``(file index, start)``, the lines of its file before it (``counts``: each range's lines)."""
    out: dict[tuple[int, int], int] = {}
    seen: dict[int, int] = {}
    for fi, start in sorted(counts):
        out[fi, start] = seen.get(fi, 0)
        seen[fi] = out[fi, start] + counts[fi, start]
    return out


def _errors_numbered(data: bytes, before: int) -> bytes:
    """A range's error entries (numbered from its first line) numbered in the whole file, by line."""
    entries = [json.loads(e) for e in data.splitlines()]
    for e in entries:
        e["line"] = int(e["line"]) + before
    entries.sort(key=lambda e: int(e["line"]))
    return b"".join(json.dumps(e).encode() + b"\n" for e in entries)


@dataclass
class _ReadJob:
    """What every reading process needs: where to spill, and the byte ranges to read (``(file index, start,
    stop)``; stop None: to the end, gzip files whole), the largest first. Each process takes the next range not
    yet taken (``taken``: a counter shared by the forked processes; None: one process reads them all), so the
    processes finish together whatever each range costs."""

    folder: Path
    buckets: int
    files: list[Path]
    dictionary: FactDictionary
    parts: list[tuple[int, int, int | None]]
    flush: int
    taken: Any = None

    def next_part(self) -> int:
        """The index of the next range to read (``len(parts)`` when every range is taken)."""
        with self.taken.get_lock():
            i = int(self.taken.value)
            self.taken.value = i + 1
        return min(i, len(self.parts))


#: The job of the forked processes (set before they are forked: they inherit it)
_FORKED: dict[str, Any] = {}
_MIN_RANGE = 1 << 20
#: Ranges per reading process of a large file (taken one by one: see :class:`_ReadJob`).
_PIECES = 4


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _fork_context() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork")


def _fork_pool(processes: int) -> Any:
    """A pool of processes forked from this one (they share what it has loaded: no imports, no start-up)."""
    return _fork_context().Pool(processes)


def _read_forked(w: int) -> tuple[int, int, dict[tuple[int, int], int]]:
    return _read_worker(_FORKED["read"], w)


def _count_forked(k: int) -> int:
    job: _ReadJob = _FORKED["read"]
    return _count_bucket(job.folder, k)


def _ranges(files: list[Path], processes: int) -> list[tuple[int, int, int | None]]:
    """Each file cut into about ``_PIECES`` byte ranges per process that start at a line (gzip files and files
    under two ``_MIN_RANGE`` whole, ranges at least ``_MIN_RANGE``): ``(file index, start, stop)``, the largest
    first (each process then takes the next one: the last ones taken are the small ones)."""
    out: list[tuple[int, int, int | None, int]] = []
    for fi, f in enumerate(files):
        size = f.stat().st_size
        if processes <= 1 or f.name.lower().endswith(".gz") or size < 2 * _MIN_RANGE:
            out.append((fi, 0, None, size))
            continue
        pieces = max(2, min(processes * _PIECES, size // _MIN_RANGE))
        cuts = [0]
        with f.open("rb") as fh:
            for i in range(1, pieces):
                fh.seek(max(cuts[-1], size * i // pieces - 1))
                fh.readline()  # to the start of the next line
                cuts.append(min(size, fh.tell()))
        cuts.append(size)
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if b > a:
                out.append((fi, a, None if b == size else b, b - a))
    out.sort(key=lambda r: (-r[3], r[0], r[1]))
    return [(fi, a, b) for fi, a, b, _ in out]


def _range_blocks(path: Path, start: int, stop: int | None) -> Iterator[tuple[int, int, Any]]:
    """:func:`~mednec.population.bulk.line_blocks` of the bytes ``start:stop`` of a file (``start`` at a
    line): ``(number of the first line, byte offset, block)``, numbered in the whole file (the lines before
    ``start`` counted: the reading processes number each range from its first line instead, see
    :func:`_read_worker`)."""
    first = 1
    if start and not path.name.lower().endswith(".gz"):
        with path.open("rb") as fh:
            pos = 0
            while pos < start and (chunk := fh.read(min(_BLOCK, start - pos))):
                first += chunk.count(b"\n")
                pos += len(chunk)
    for number, at, block, _ in _blocks(path, start, stop, first):
        yield number, at, block


def _blocks(path: Path, start: int, stop: int | None, first: int = 1) -> Iterator[tuple[int, int, Any, Any]]:
    """:func:`_range_blocks` with the offsets of each block's line breaks, the range's lines numbered from
    ``first``. A plain file's block is a ``bytearray`` the file is read into once (not pieces of a stream
    joined, cut and counted in copies)."""
    if path.name.lower().endswith(".gz"):  # read whole (a range of it starts at 0)
        at = 0
        for first, block in line_blocks(path):
            yield first, at, block, np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            at += len(block)
        return
    number, pos = first, start
    with path.open("rb", buffering=0) as fh:
        fh.seek(start)
        rest = b""  # the start of a line the last read cut
        while stop is None or pos < stop:
            want = _BLOCK if stop is None else min(_BLOCK, stop - pos)
            buf = bytearray(len(rest) + want)
            buf[:len(rest)] = rest
            with memoryview(buf) as view:  # released before the buffer is cut
                got = _fill(fh, view[len(rest):])
            if not got:
                break
            pos += got
            if got < want:
                del buf[len(rest) + got:]
            cut = buf.rfind(b"\n")
            if cut < 0:
                rest = bytes(buf)
                continue
            rest = bytes(buf[cut + 1:])
            del buf[cut + 1:]  # the whole lines (a small tail: in place)
            ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10)
            yield number, pos - len(rest) - len(buf), buf, ends
            number += len(ends)
    if rest.strip():  # a last line without a line break gets one (a blank one is dropped)
        block = rest + b"\n"
        yield number, pos - len(rest), block, np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)


def _fill(fh: Any, view: memoryview) -> int:
    """Read into ``view`` until it is full or the file ends: the bytes read."""
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def _read_worker(job: _ReadJob, w: int) -> tuple[int, int, dict[tuple[int, int], int]]:
    """One process's byte ranges read into its own spilled parts: (resources, errors, each range's lines).
    Its lines are numbered from each range's first (the errors are numbered in the file by :func:`read_export`)."""
    spill = ColumnSpill(job.folder, job.buckets, 0, 0, 0)
    spiller = _Spiller(job.folder, job.buckets, f"{w:03d}-", job.flush)
    reader = _Reader(job.dictionary)
    counts: dict[tuple[int, int], int] = {}
    todo = iter(range(len(job.parts))) if job.taken is None else iter(job.next_part, len(job.parts))
    for i in todo:
        fi, start, stop = job.parts[i]
        with _no_collection():
            counts[fi, start] = _read_range(job, spill, spiller, reader, fi, start, stop)
    spiller.flush()
    return spill.resources, spill.errors, counts


def _read_range(job: _ReadJob, spill: ColumnSpill, spiller: _Spiller, reader: _Reader, fi: int, start: int,
                stop: int | None) -> int:
    """A byte range read (its lines numbered from 1, ordered by their offsets in the file): its lines."""
    f = job.files[fi]
    name = f"{fi:05d}.{start:015d}.part"
    lines = 0
    with (job.folder / f"shared.{name}").open("wb") as shared, (job.folder / f"errors.{name}").open("wb") as errors:
        keep_lines = f.name.lower().endswith(".gz")  # no byte offsets to read a line again from
        for first, at, block, ends in _blocks(f, start, stop):
            _read_block(f, fi, first, at, (block, ends), keep_lines, reader, shared, errors, spill, spiller)
            lines = first - 1 + len(ends)
    return lines


def _read_block(f: Path, fi: int, first: int, at: int, read: tuple[Any, Any], keep_lines: bool, reader: _Reader,
                shared: Any, errors: Any, spill: ColumnSpill, spiller: _Spiller) -> None:
    block, ends = read  # the block (bytes-like) and its line breaks
    lines, numbers, starts, lengths = _split_block(block, first, ends)
    starts += at
    if not len(lines):
        return
    order = (np.int64(fi) << np.int64(40)) + starts  # the export's order: file, then the line's offset in it
    m = _TYPE_OF.search(lines[0].as_py())
    rtype_ = m.group(1).decode() if m else None
    schema = NARROW.get(rtype_) if rtype_ else None
    table = _parse(pa.py_buffer(block), len(lines), schema)
    if schema is not None and (table is None or any(k in table.column_names for k in _OPTIONAL)):
        # fields the intake never reads (meta, identifier, category): read as declared
        schema = SCHEMAS[rtype_]  # type: ignore[index]
        table = _parse(pa.py_buffer(block), len(lines), schema)
    if table is None:  # a line that is not JSON spoils the block: list it, read the rest
        lines = _stripped(lines)
        raw = lines.to_pylist()
        good = _json_lines(f.name, numbers, raw, errors, spill)
        numbers, order, starts, lengths = numbers[good], order[good], starts[good], lengths[good]
        lines = lines.filter(pa.array(good))
        if not len(lines):
            return
        table = _parse(pa.py_buffer(b"\n".join(lines.to_pylist())), len(lines), schema)
    if table is None:
        out = _slow_block(f.name, numbers, lines.to_pylist(), order, (starts, lengths), shared, errors, spill)
    else:
        out = _fast_block(f.name, table, schema, numbers, lines, order, (starts, lengths, keep_lines), reader,
                          shared, errors, spill)
    res = out.table if out.table is not None else pa.table(out.res, schema=_RES)
    spiller.add("res", res)
    if out.cand:
        spiller.add("cand", pa.concat_tables(out.cand))
    if out.tx:
        spiller.add("tx", pa.concat_tables(out.tx))


def _split_lines(block: bytes, first: int) -> tuple[Any, Any, Any, Any]:
    """The block's non-blank lines (without their line break) as one binary column, their line numbers (blank
    lines are counted, as the row-wise spill counts them), and their byte offsets in the block and lengths."""
    lines, numbers, starts, lengths = _split_block(block, first)
    return _stripped(lines), numbers, starts, lengths


def _split_block(block: Any, first: int, ends: Any = None) -> tuple[Any, Any, Any, Any]:
    """:func:`_split_lines` with each line's line break kept (:func:`_stripped` takes it off): zero-copy.
    ``ends``: the offsets of the block's line breaks, when they are known."""
    data = np.frombuffer(block, dtype=np.uint8)
    if ends is None:
        ends = np.flatnonzero(data == 10)
    starts = np.concatenate([[0], ends[:-1] + 1])
    offsets = np.empty(len(ends) + 1, dtype=np.int64)
    offsets[:-1] = starts
    offsets[-1] = len(block)
    whole = pa.LargeBinaryArray.from_buffers(pa.large_binary(), len(ends),
                                             [None, pa.py_buffer(offsets), pa.py_buffer(block)])
    length = ends - starts
    head = data[np.minimum(starts, len(block) - 1)]
    keep = length > 0
    odd = np.flatnonzero(keep & np.isin(head, np.frombuffer(b" \t\r\x0b\x0c", dtype=np.uint8)))
    for i in odd:  # a line starting with white space: blank only if nothing else is on it
        keep[i] = bool(block[starts[i]:ends[i]].strip())
    numbers = first + np.flatnonzero(keep).astype(np.int64)
    lines = whole if keep.all() else whole.filter(pa.array(keep))
    return lines, numbers, starts[keep].astype(np.int64), length[keep]


def _stripped(lines: Any) -> Any:
    """Lines of :func:`_split_block` without their line break (a binary column)."""
    return pc.binary_slice(lines, 0, -1).cast(pa.binary())


def _count_bucket(folder: Path, k: int) -> int:
    """The patients of a spilled bucket, counted from the distinct patients each spilled part of it lists (its
    files are memory-mapped: no set of every patient id of the export is held)."""
    import pyarrow.ipc as ipc

    parts = []
    for part in sorted(folder.glob(f"pids-{k:05d}-*.arrow")):
        with pa.memory_map(str(part)) as source:
            parts.append(ipc.open_file(source).read_all().column("pid"))
    return len(pc.unique(pa.chunked_array([c for p in parts for c in p.chunks], pa.string()))) if parts else 0


def _parse(data: Any, rows: int, schema: pa.Schema | None) -> pa.Table | None:
    """The lines as a table of the declared schema (undeclared fields inferred), or None when
    ``pyarrow.json`` cannot read them so (a line that is not JSON, a field of another type)."""
    import pyarrow.json as pj

    opts = pj.ParseOptions(explicit_schema=schema or _OTHER,
                           unexpected_field_behavior="infer" if schema is not None else "ignore")
    try:
        table = pj.read_json(pa.BufferReader(data), parse_options=opts,
                             read_options=pj.ReadOptions(block_size=4 << 20))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return table if table.num_rows == rows else None


def _json_lines(name: str, numbers: Any, raw: list[bytes], errors: Any, spill: ColumnSpill) -> Any:
    """Which lines are JSON objects; the others are listed in the errors file as the row-wise spill lists them."""
    import orjson

    good = np.ones(len(raw), dtype=bool)
    for i, line in enumerate(raw):
        try:
            res = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            _error(errors, name, int(numbers[i]), f"not JSON: {exc}", spill)
            good[i] = False
            continue
        if not isinstance(res, dict):
            _error(errors, name, int(numbers[i]), "not a FHIR resource (no resourceType)", spill)
            good[i] = False
    return good


def _error(errors: Any, name: str, line: int, message: str, spill: ColumnSpill) -> None:
    errors.write(json.dumps({"file": name, "line": line, "message": message}).encode() + b"\n")
    spill.errors += 1


def _slow_block(name: str, numbers: Any, raw: list[bytes], order: Any, where: tuple[Any, Any], shared: Any,
                errors: Any, spill: ColumnSpill) -> _Out:
    """A block ``pyarrow.json`` cannot read as declared (a line that is not JSON, a field of another type):
    line by line, as the row-wise spill reads it; its patients go to the row-wise intake."""
    import orjson

    out = _Out()
    for n, line, o, at, length in zip(numbers, raw, order, *where, strict=True):
        try:
            res = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            _error(errors, name, int(n), f"not JSON: {exc}", spill)
            continue
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            _error(errors, name, int(n), "not a FHIR resource (no resourceType)", spill)
            continue
        spill.resources += 1
        rtype = res["resourceType"]
        rid = res.get("id")
        pid = patient_key(res)
        if pid is None:
            if rtype in SHARED_TYPES and rid:
                shared.write(line + b"\n")
            else:
                _error(errors, name, int(n), f"{rtype} is about no patient: not used", spill)
            continue
        for k, v in (("pid", pid), ("order", int(o)), ("rtype", rtype), ("rid", None if rid is None else str(rid)),
                     ("flag", rtype in MAPPERS), ("at", int(at)), ("length", int(length)), ("line", line)):
            out.res[k].append(v)
    return out


def _fast_block(name: str, table: pa.Table, schema: pa.Schema | None, numbers: Any, raw: Any, order: Any,
                where: tuple[Any, Any, bool], reader: _Reader, shared: Any, errors: Any, spill: ColumnSpill) -> _Out:
    out = _Out()
    n = table.num_rows
    table = table.combine_chunks()
    rtype = table.column("resourceType").combine_chunks() if "resourceType" in table.column_names \
        else pa.nulls(n, pa.string())
    ids = table.column("id").combine_chunks() if "id" in table.column_names else pa.nulls(n, pa.string())
    pids = _patients_of(table, rtype)
    has_type = _valid(rtype)
    keep = has_type & _valid(pids)
    spill.resources += int(has_type.sum())
    for i in np.flatnonzero(~keep):  # rare: listed, or kept aside as a shared resource
        t_ = rtype[i].as_py()
        if t_ is None:
            _error(errors, name, int(numbers[i]), "not a FHIR resource (no resourceType)", spill)
        elif t_ in SHARED_TYPES and ids[i].as_py():
            shared.write(raw[i].as_py())  # the line with its line break
        else:
            _error(errors, name, int(numbers[i]), f"{t_} is about no patient: not used", spill)
    read_types = pa.array(sorted(MAPPERS), pa.string())
    flag = _np(pc.fill_null(pc.is_in(rtype, read_types), False), bool)  # read by the intake: row-wise unless modelled
    if schema is not None:
        own = _np(pc.fill_null(pc.equal(rtype, pa.scalar(_schema_type(schema))), False), bool)
        sub = keep & own
        if sub.any():
            rows = np.flatnonzero(sub)
            batches = table.to_batches()  # combined: one batch, unless the table is empty
            t = batches[0] if len(rows) == n and len(batches) == 1 else \
                pa.RecordBatch.from_struct_array(table.take(pa.array(rows)).to_struct_array().combine_chunks())
            f = _table_extras(t, schema)
            f |= _strings_bad_table(t)
            f |= _meta_bad(t, reader.dates)
            f |= _not_ids(t.column("id"), null_bad=True)
            mapper = {"Patient": reader.patient, "Observation": reader.observation, "Condition": reader.condition,
                      "Procedure": reader.procedure, "MedicationStatement": reader.statement}[_schema_type(schema)]
            mflag, cands, txs = mapper(t, pids.take(pa.array(rows)), order[rows])
            flag[rows] = f | mflag
            out.cand += cands  # a flagged resource's patient is read row-wise: its candidates are not used
            out.tx += txs
    starts, lengths, keep_lines = where
    if keep.all():  # every line kept (the common case): no copies
        kept_pids, kept_types, kept_ids = pids, rtype, ids
        kept_order, kept_starts, kept_lengths, kept_flag = order, starts, lengths, flag
    else:
        take = pa.array(np.flatnonzero(keep), pa.int64())
        kept_pids, kept_types, kept_ids = pids.take(take), rtype.take(take), ids.take(take)
        kept_order, kept_starts, kept_lengths, kept_flag = order[keep], starts[keep], lengths[keep], flag[keep]
    # the lines read again column-wise (statements), or all of them when the file cannot be read again
    wanted = np.ones(len(kept_pids), dtype=bool) if keep_lines else \
        _np(pc.fill_null(pc.equal(kept_types, "MedicationStatement"), False), bool)
    if wanted.any():
        line = _stripped(raw.take(pa.array(np.flatnonzero(keep), pa.int64(), mask=~wanted)))
    else:
        line = pa.nulls(len(kept_pids), pa.binary())
    out.table = pa.table({"pid": kept_pids, "order": pa.array(kept_order, pa.int64()), "rtype": kept_types,
                          "rid": kept_ids, "flag": pa.array(kept_flag), "at": pa.array(kept_starts, pa.int64()),
                          "length": pa.array(kept_lengths, pa.int64()), "line": line}, schema=_RES)
    return out


def _meta_bad(t: Any, dates: _Dates) -> Any:
    """Rows whose ``meta`` R4B validation may refuse: a version id that is not an id, a last update that
    is not an instant (the other strings are checked with every string)."""
    out = np.zeros(t.num_rows, dtype=bool)
    if "meta" not in t.schema.names or not pa.types.is_struct(t.column("meta").type):
        return out
    meta = t.column("meta")
    names = {f.name for f in meta.type}
    if "versionId" in names:
        vid = _child(meta, "versionId")
        out |= _not_ids(vid, null_bad=False)
    if "lastUpdated" in names:
        out |= dates(_child(meta, "lastUpdated"), _INSTANT)[2]
    return out


def _not_ids(col: Any, *, null_bad: bool) -> Any:
    """Rows whose text is not a FHIR id (``_ID``; a null one: ``null_bad``). Ids are almost always plain: when
    every byte of the column is one ``_ID`` allows and every length is 1-64, no row is checked by the pattern."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    n = len(col)
    if n and pa.types.is_string(col.type) and col.null_count < n:
        lengths = pc.min_max(pc.binary_length(col)).as_py()
        offsets = np.frombuffer(col.buffers()[1], dtype=np.int32)[col.offset:col.offset + n + 1]
        data = bytes(memoryview(col.buffers()[2])[offsets[0]:offsets[-1]]) if col.buffers()[2] is not None else b""
        if lengths["min"] >= 1 and lengths["max"] <= 64 and not data.translate(None, _ID_BYTES):
            return ~_valid(col) if null_bad else np.zeros(n, dtype=bool)
    ok = pc.match_substring_regex(col, _ID.pattern)
    return _np(pc.fill_null(pc.invert(ok), null_bad), bool)


def _schema_type(schema: pa.Schema) -> str:
    return next(k for k, v in (*SCHEMAS.items(), *NARROW.items()) if v is schema)


def _table_extras(t: pa.Table, schema: pa.Schema) -> Any:
    out = np.zeros(t.num_rows, dtype=bool)
    declared = {f.name: f.type for f in schema}
    for name in t.column_names:
        col = t.column(name)
        out |= _valid(col) if name not in declared else _extras(col, declared[name])
    return out


def _strings_bad_table(t: pa.Table) -> Any:
    out = np.zeros(t.num_rows, dtype=bool)
    for name in t.column_names:
        if name in ("resourceType",):
            continue
        out |= _strings_bad(t.column(name), name)
    return out


# ---- the chunk: candidates -> the fact table ---------------------------------------------------

@dataclass
class BulkChunk:
    """One chunk read column-wise: its patients (sorted, as the row-wise spill orders them), the fact
    table of those answered column-wise, and the resource lines of every patient."""

    ids: list[str]
    table: pa.Table
    fallback: list[str]
    columns: BulkColumns
    notes: list[str] = field(default_factory=list)
    #: patients read column-wise whose records a requested drug's course reads: the policies (their place in
    #: the run) whose answers for that patient are the per-bundle intake's
    courses: dict[str, set[int]] = field(default_factory=dict)
    #: policy (its place in the run) -> patient -> the facts that drug's course sets (read from the records
    #: by the intake's own assemble_treatment): those answers come from the row with these facts added
    course_facts: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def lines(self) -> dict[str, list[bytes]]:
        """Every patient's resource lines, in the export's order."""
        return self.lines_of(self.ids)

    def lines_of(self, pids: list[str]) -> dict[str, list[bytes]]:
        """These patients' resource lines, in the export's order (each patient's Bundle, as the row-wise spill
        gives it)."""
        res = self.columns.res
        if len(pids) < len(self.ids):
            res = res.filter(pc.is_in(res.column("pid"), value_set=pa.array(pids, pa.string())))
        res = res.sort_by([("order", "ascending")])
        lines = _read_lines(res, self.columns.files)
        out: dict[str, list[bytes]] = {}
        for pid, line in zip(res.column("pid").to_pylist(), lines, strict=True):
            out.setdefault(pid, []).append(line)
        return out


def _read_lines(res: pa.Table, files: tuple[str, ...]) -> list[bytes]:
    """The resources' lines: kept ones as they are, the others read again from their input file (the
    ``order`` column's high bits number the file, ``at``/``length`` place the line)."""
    lines: list[bytes | None] = res.column("line").to_pylist()
    missing = [i for i, line in enumerate(lines) if line is None]
    if missing:
        order = _np(res.column("order"), np.int64)
        at = _np(res.column("at"), np.int64)
        length = _np(res.column("length"), np.int64)
        by_file: dict[int, list[int]] = {}
        for i in missing:
            by_file.setdefault(int(order[i] >> 40), []).append(i)
        for fi, rows in by_file.items():
            with open(files[fi], "rb") as fh:
                for i in sorted(rows, key=lambda r: at[r]):
                    fh.seek(int(at[i]))
                    lines[i] = fh.read(int(length[i]))
    return [line for line in lines if line is not None]


@dataclass
class Share:
    """How many patients were read column-wise."""

    patients: int = 0
    fast: int = 0

    def add(self, chunk: BulkChunk) -> None:
        self.patients += len(chunk.ids)
        self.fast += chunk.table.num_rows


def _fact_schema(dictionary: FactDictionary) -> pa.Schema:
    from mednec.population.synthetic import table_schema

    given = tuple(f for f, fd in dictionary.facts.items() if fd.may_give)
    return table_schema(dictionary, given)


def bulk_chunk(cols: BulkColumns, settings: BatchSettings) -> BulkChunk:
    """The chunk's fact table (patients read column-wise) and the patients left to the row-wise intake."""
    from mednec.runtime import default_runtime

    rt = default_runtime()
    dictionary = rt.dictionary
    id_array = pc.unique(cols.res.column("pid")).sort()
    ids = id_array.to_pylist()

    def positions(col: Any) -> Any:
        return _np(pc.index_in(col, value_set=id_array), np.int64)

    flagged = _flagged(cols.res, positions, len(ids))
    course: dict[int, dict[int, Any]] = {}
    notes: list[str] = []
    twin = _statement_columns(cols, positions, flagged, settings, rt) if digests.matches("statements") else None
    esa: dict[int, list[dict[str, Any]] | None] = {}
    if twin is None:
        if not digests.matches("statements"):
            notes.append("columnar Bulk reader: the MedicationStatement mappers (intake/fhir/medication.py, "
                         "treatment.py, history.py) changed since the statement twin was written; statements "
                         "were read one by one")
        esa = _statements(cols, positions, flagged, settings, rt, course)  # the intake's mappers, one by one
    else:
        for j, (pats, starts) in twin.course.items():
            for p, start in zip(pats.tolist(), starts.tolist(), strict=True):
                course.setdefault(p, {})[j] = start
    _flag_dated_near_birth(cols.cand, positions, flagged)
    cand, cp = _live_candidates(cols.cand, positions, flagged, settings.as_of, dictionary)
    schema = _fact_schema(dictionary)
    fast = np.flatnonzero(~flagged)
    row_of = np.full(len(ids), -1, dtype=np.int64)
    row_of[fast] = np.arange(len(fast))
    m = len(fast)
    columns: dict[str, Any] = {"patient_id": pa.array([ids[i] for i in fast], pa.string())}
    columns.update(_latest(cand, cp, row_of, m, schema, dictionary))
    columns.update(_transfusions(cols, positions, flagged, row_of, m, settings.as_of, schema))
    if twin is not None and len(twin.esa_pos):
        columns["esa_history"] = _esa_column(twin, flagged, row_of, m, schema.field("esa_history").type)
    if esa:
        vals: list[Any] = [None] * m
        for p, events in esa.items():
            if not flagged[p] and events is not None:
                vals[row_of[p]] = [{k: (dt.date.fromisoformat(v) if k in ("start", "end") else v)
                                    for k, v in e.items()} for e in events]
        columns["esa_history"] = pa.array(vals, schema.field("esa_history").type)
    # every column of the schema (as a table written by mednec has), absent facts as nulls
    table = pa.table({f.name: columns[f.name] if f.name in columns else pa.nulls(m, f.type)
                      for f in schema if f.name != "as_of"})
    fallback = [ids[i] for i in np.flatnonzero(flagged)]
    courses, course_facts = _courses(course, flagged, ids, cand, settings, rt,
                                     _course_facts if twin is None else _stated_facts)
    return BulkChunk(ids, table, fallback, cols, notes, courses, course_facts)


def _flagged(res: pa.Table, positions: Callable[[Any], Any], n: int) -> Any:
    """Patients with a flagged resource, or two resources of one type with one id (the bundle indexes
    resources by reference)."""
    flagged = np.zeros(n, dtype=bool)
    rp = positions(res.column("pid"))
    flagged[rp[_np(res.column("flag"), bool)]] = True
    # ids are almost always unique (by type alone, and most often at all): group by patient only the resources
    # whose id repeats or is not given
    rid = res.column("rid").combine_chunks()
    enc = pc.dictionary_encode(rid)
    if len(enc.dictionary) < len(enc):
        which = _np(pc.fill_null(enc.indices, len(enc.dictionary)), np.int64)
        counts = np.bincount(which, minlength=len(enc.dictionary) + 1)
        counts[-1] = 2  # no id: as a repeated one
        again = res.filter(pa.array(counts[which] > 1))
        dup = again.group_by(["pid", "rtype", "rid"]).aggregate([("order", "count")])
        flagged[positions(dup.filter(pc.greater(dup.column("order_count"), 1)).column("pid"))] = True
    return flagged


def _flag_dated_near_birth(cand: pa.Table, positions: Callable[[Any], Any], flagged: Any) -> None:
    """Send to the row-wise intake every patient with a value dated before the day after its birth date (a day
    more, for the offsets of local calendar days): the intake refuses a bundle with any value dated before the
    birth date, the kept value or one a newer value outweighs (``intake.fhir.bundle._check_born_first``), which
    the latest-value columns never see; the row-wise intake decides the day exactly. Undated values never
    count."""
    is_birth = _np(pc.fill_null(pc.equal(cand.column("fact"), "birth_date"), False), bool)
    rows = np.flatnonzero(is_birth)
    if not len(rows):
        return
    cp = positions(cand.column("pid"))
    texts = cand.column("text").take(pa.array(rows, pa.int64())).to_pylist()
    day = dt.timedelta(days=1)
    limit = np.full(len(flagged), _NO_WHEN, dtype=np.int64)
    for r, text in zip(rows.tolist(), texts, strict=True):
        try:
            born = dt.datetime.combine(dt.date.fromisoformat(str(text)[:10]), dt.time())
        except ValueError:
            flagged[cp[r]] = True
            continue
        limit[cp[r]] = (born + 2 * day - _EPOCH) // dt.timedelta(microseconds=1)
    when = _np(cand.column("when"), np.int64)
    early = ~is_birth & (when != _NO_WHEN) & (when < limit[cp])
    flagged[cp[early]] = True


def _live_candidates(cand: pa.Table, positions: Callable[[Any], Any], flagged: Any, as_of: dt.date,
                     dictionary: FactDictionary) -> tuple[pa.Table, Any]:
    """The unflagged patients' candidates dated on or before the evaluation date that the parser accepts
    (one it refuses gives nothing, as the intake lists its resource), and their patients' positions; a
    candidate the column checks do not read flags its patient."""
    limit = (dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()) - _EPOCH) // dt.timedelta(microseconds=1)
    cp = positions(cand.column("pid"))
    live = ~flagged[cp] & (_np(cand.column("when"), np.int64) < limit)
    cand = cand.filter(pa.array(live))
    cp = cp[live]
    unread, refused = _candidates_refused(cand, dictionary, as_of)
    flagged[cp[unread]] = True
    keep = ~flagged[cp] & ~refused
    return cand.filter(pa.array(keep)), cp[keep]


def _latest(cand: pa.Table, cp: Any, row_of: Any, m: int, schema: pa.Schema,
            dictionary: FactDictionary) -> dict[str, Any]:
    """The latest value of each fact (ties: higher rank, then an amended / corrected result, the later issued
    first, then first in the export), with its unit and date,
    as fact-table columns over the ``m`` rows."""
    columns: dict[str, Any] = {}
    enc = pc.dictionary_encode(cand.column("fact").combine_chunks())
    fact_names = enc.dictionary.to_pylist()
    fc = _np(enc.indices, np.int64)
    w = _np(cand.column("when"), np.int64)
    group = cp * max(1, len(fact_names)) + fc  # (patient, fact)
    idx = np.lexsort((-_np(cand.column("order"), np.int64), _np(cand.column("rev"), np.int64),
                      _np(cand.column("rank"), np.int64), w, group))
    last = np.ones(len(idx), dtype=bool)
    last[:-1] = group[idx][1:] != group[idx][:-1]
    chosen = idx[last]
    by_fact = np.argsort(fc[chosen], kind="stable")
    bounds = np.searchsorted(fc[chosen][by_fact], np.arange(len(fact_names) + 1))
    values = {name: cand.column(name).combine_chunks() for name in ("text", "flag", "num", "unit")}
    for code, f in enumerate(fact_names):
        sel = chosen[by_fact[bounds[code]:bounds[code + 1]]]
        fd = dictionary.facts[f]
        take = np.full(m, -1, dtype=np.int64)
        take[row_of[cp[sel]]] = sel
        absent = take < 0
        ta = pa.array(take, pa.int64(), mask=absent)  # a null index takes a null
        name = "text" if fd.type in ("category", "date") else ("flag" if fd.type == "boolean" else "num")
        value = values[name].take(ta)
        ftype = schema.field(f).type
        columns[f] = value.cast(ftype) if fd.type != "date" else pc.strptime(value, "%Y-%m-%d", "s").cast(ftype)
        if f"{f}_date" in schema.names:
            wsel = w[np.maximum(take, 0)]
            wsel = pa.array(wsel, pa.int64(), mask=absent | (wsel == _NO_WHEN))
            days = pc.divide(wsel, pa.scalar(86_400_000_000, pa.int64())).cast(pa.int32()).cast(pa.date32())
            columns[f"{f}_date"] = days
        if fd.type == "number":
            columns[f"{f}_unit"] = values["unit"].take(ta)
    return columns


def _courses(course: dict[int, dict[int, Any]], flagged: Any, ids: list[str], cand: pa.Table,
             settings: BatchSettings, rt: Any, assemble: Callable[[Any, Any, dt.date, set[str]], dict[str, Any] | None]
             ) -> tuple[dict[str, set[int]], dict[int, dict[str, dict[str, Any]]]]:
    """For each (patient, policy) whose drug's course reads the patient's statements: the course facts
    (policy -> patient -> facts, by ``assemble`` from what ``course[patient][policy]`` holds: the records, or the
    start the statement twin read), or the pair is left to the per-bundle intake (patient -> policies)."""
    courses: dict[str, set[int]] = {}
    course_facts: dict[int, dict[str, dict[str, Any]]] = {}
    specs = {j: _course_spec(settings, j, rt) for j in {j for by_policy in course.values() for j in by_policy}}
    # the facts the course patients' other resources give, among those a course sets
    settable = sorted({f for spec in specs.values() if spec is not None
                       for f in (spec.start, spec.doses, spec.recent) if f})
    given: dict[str, set[str]] = {}
    wanted = [ids[p] for p in course if not flagged[p]]
    if wanted and settable and cand.num_rows:
        sub = cand.filter(pc.and_(pc.is_in(cand.column("fact"), value_set=pa.array(settable, pa.string())),
                                  pc.is_in(cand.column("pid"), value_set=pa.array(wanted, pa.string()))))
        for pid_, fact_ in zip(sub.column("pid").to_pylist(), sub.column("fact").to_pylist(), strict=True):
            given.setdefault(pid_, set()).add(fact_)
    for p, by_policy in course.items():
        if flagged[p]:
            continue
        for j, records in by_policy.items():
            got = assemble(records, specs[j], settings.as_of, given.get(ids[p], set()))
            if got is None:  # read per bundle
                courses.setdefault(ids[p], set()).add(j)
            else:
                course_facts.setdefault(j, {})[ids[p]] = got
    return courses, course_facts


def _candidates_refused(cand: pa.Table, dictionary: FactDictionary, as_of: dt.date) -> tuple[Any, Any]:
    """(candidates the columns do not read, candidates the case-file parser refuses), by the parser's own
    checks column-wise (:func:`~mednec.population.columnar.frame.frame_from_table`), once per distinct
    candidate (fact, value and unit: a row of one fact is checked on those alone). A fact whose
    declaration uses what those checks do not know (a text notation, a new feature) is not read."""
    if not cand.num_rows:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
    which = _row_codes([cand.column(c).combine_chunks() for c in ("fact", "num", "text", "flag", "unit")])
    # the codes number the distinct rows in the order they first come: each one's first row is where the
    # running maximum grows
    top = np.maximum.accumulate(which)
    first = np.flatnonzero(np.concatenate([[True], top[1:] > top[:-1]]))
    unread, refused = _distinct_refused(cand.take(pa.array(first, pa.int64())), dictionary, as_of)
    return unread[which], refused[which]


def _row_codes(cols: list[Any]) -> Any:
    """Each row's index among the distinct rows of the columns (nulls apart from every value; a float by its
    bits, so only identical values are one), the distinct rows numbered in the order they first come."""
    codes = np.zeros(len(cols[0]), dtype=np.int64)
    size = 1
    for c in cols:
        if pa.types.is_floating(c.type):
            bits = _np(pc.fill_null(c, 0.0), np.float64).view(np.int64)
            c = pa.array(bits, pa.int64(), mask=~_valid(c))
        enc = pc.dictionary_encode(c)
        k = len(enc.dictionary) + 1  # the last code: null
        if size * k >= 1 << 62:  # too many combinations for one integer: join the texts
            key = _join(*cols)
            return _np(pc.dictionary_encode(key).indices, np.int64)
        codes = codes * k + _np(pc.fill_null(enc.indices, k - 1), np.int64)
        size *= k
    return _np(pc.dictionary_encode(pa.array(codes, pa.int64())).indices, np.int64)


def _distinct_refused(cand: pa.Table, dictionary: FactDictionary, as_of: dt.date) -> tuple[Any, Any]:
    from mednec.population.columnar.frame import frame_from_table, new_features
    from mednec.population.table import table_layout

    k = cand.num_rows
    columns: dict[str, Any] = {"patient_id": pa.array([str(i) for i in range(k)], pa.string())}
    facts = cand.column("fact")
    for f in pc.unique(facts).to_pylist():
        fd = dictionary.facts[f]
        here = pc.equal(facts, f)
        name = "text" if fd.type in ("category", "date") else ("flag" if fd.type == "boolean" else "num")
        col = cand.column(name)
        columns[f] = pc.if_else(here, col, pa.nulls(k, col.type))
        if fd.type == "date":  # full dates (read by fhir_datetime): the parser's typed path
            columns[f] = pc.strptime(columns[f], "%Y-%m-%d", "s", error_is_null=True).cast(pa.date32())
        if fd.type == "number":
            columns[f"{f}_unit"] = pc.if_else(here, cand.column("unit"), pa.nulls(k, pa.string()))
    table = pa.table(columns)
    layout = table_layout(table.column_names, dictionary)
    frame, reason = frame_from_table(table, layout, dictionary, as_of, True)
    if reason is not None:
        return np.ones(k, dtype=bool), np.zeros(k, dtype=bool)
    present = pc.unique(facts).to_pylist()
    odd = [f for f in present if new_features(dictionary.facts[f]) or dictionary.facts[f].text_form not in (None, "icd10")]
    unread = _np(pc.is_in(facts, pa.array(odd, pa.string())), bool)
    for f in present:  # a diagnosis written otherwise than as a value ("I21.4", "e1165"): the case-file parser's
        fd = dictionary.facts[f]
        if fd.text_form == "icd10":
            unread |= _np(pc.equal(facts, f), bool) & _not_a_value(fd, cand.column("text"))
    return unread, np.asarray(frame.bad, dtype=bool) & ~unread


def _not_a_value(fd: FactDef, text: Any) -> Any:
    """Rows whose text is not one of the category's values (by key, label or synonym): the case-file parser reads
    those (:func:`mednec.intake.values.read_off_rows`)."""
    enc = pc.dictionary_encode(text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text)
    idx = _np(pc.fill_null(enc.indices, -1), np.int64)
    notation = np.array([read_off_rows(fd, v) for v in enc.dictionary.to_pylist()] + [False], dtype=bool)
    return notation[idx]


def _transfusions(cols: BulkColumns, positions: Callable[[Any], Any], flagged: Any, row_of: Any, m: int, as_of: dt.date,
                  schema: pa.Schema) -> dict[str, Any]:
    tx = cols.tx
    if not tx.num_rows:
        return {}
    tp = positions(tx.column("pid"))
    day = _np(tx.column("day"), np.int64)
    limit = (as_of - dt.date(1970, 1, 1)).days
    live = ~flagged[tp] & (day <= limit)
    if not live.any():
        return {}
    tp, day = tp[live], day[live]
    order = _np(tx.column("order"), np.int64)[live]
    units = _np(tx.column("units"), np.int64)[live]
    rows = row_of[tp]
    unclear = np.zeros(m, dtype=bool)
    unclear[rows[units < 0]] = True  # bundle.py: one transfusion of no stated product leaves the list unknown
    live = ~unclear[rows]
    rows, day, units, order = rows[live], day[live], units[live], order[live]
    idx = np.lexsort((order, day, rows))
    rows, day, units = rows[idx], day[idx], units[idx]
    counts = np.bincount(rows, minlength=m)
    offsets = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    ftype = schema.field("rbc_transfusions").type
    struct_t = ftype.value_type
    fields = []
    for f in struct_t:
        if f.name == "date":
            fields.append(pa.array(day.astype(np.int32), pa.int32()).cast(pa.date32()).cast(f.type))
        elif f.name == "units":
            fields.append(pa.array(units).cast(f.type))
        else:
            fields.append(pa.nulls(len(day), f.type))
    values = pa.StructArray.from_arrays(fields, fields=list(struct_t))
    mask = pa.array(counts == 0)
    return {"rbc_transfusions": pa.ListArray.from_arrays(pa.array(offsets), values, mask=mask).cast(ftype)}


def _statements(cols: BulkColumns, positions: Callable[[Any], Any], flagged: Any, settings: BatchSettings,
                rt: Any, course: dict[int, dict[int, list[Any]]]) -> dict[int, list[dict[str, Any]] | None]:
    """``esa_history`` of each unflagged patient with MedicationStatements (``None``: unknown), through the
    intake's own mappers. A statement the drug history reads flags the patient; one a requested drug's course
    reads (an ESA statement when an ESA policy is run) adds that policy to ``course[patient]``: those
    answers are read with that drug's course facts (``course[patient][policy]``: the records)."""
    import orjson

    res = cols.res
    is_st = pc.equal(res.column("rtype"), "MedicationStatement")
    st = res.filter(is_st)
    if not st.num_rows:
        return {}
    st = st.sort_by([("order", "ascending")])
    mapper = _statement_mapper(settings, rt)
    found: dict[int, list[EventFinding]] = {}
    for p, line, rid, o in zip(positions(st.column("pid")).tolist(), st.column("line").to_pylist(),
                               st.column("rid").to_pylist(), st.column("order").to_pylist(), strict=True):
        if flagged[p]:
            continue
        resource = orjson.loads(line)
        src = Source(int(o), f"MedicationStatement/{rid}")
        read = mapper.read(resource, src)
        if read is None:
            flagged[p] = True  # the drug history reads it, or a mapper refuses it: the row-wise intake
            continue
        courses, events = read
        for j, records in courses.items():  # this statement's records, as from this resource
            course.setdefault(p, {}).setdefault(j, []).extend(r._replace(sources=(src,)) for r in records)
        found.setdefault(p, []).extend(e._replace(sources=(src,), key=src.ref) for e in events)
    out: dict[int, list[dict[str, Any]] | None] = {}
    for p, events in found.items():
        current = [e for e in events if not _after(e, settings.as_of)]
        if not current:
            continue
        out[p] = medication.assemble_esa(current, settings.as_of).events
    return out



# ---- MedicationStatements column-wise (the statement twin) ----------------------------------------------

#: What the statement twin (:func:`_statement_columns`) reads of a statement beyond its dates: the kind of
#: statement its medication, status and status reasons make, through the intake's own functions.
class _StatementKind(NamedTuple):
    flag: bool  # the drug history reads it, or a mapper refuses it: the patient goes row-wise
    esa: str | None  # the ESA it names (medication.map_statement reads it)
    esa_class: bool  # it names ESAs as a class (a not-taken statement of the class: ESA-naive)
    response: str | None  # what its status reasons say (medication.response_of)
    courses: tuple[int, ...]  # the requested drugs (places in the run) whose course reads it


@dataclass
class _StatementFacts:
    """What the unflagged patients' MedicationStatements give, read column-wise: each ``esa_history`` list
    (patients ``esa_pos``, their courses ``esa_offsets[i]:esa_offsets[i+1]`` of the course arrays) and, for
    each requested drug whose course reads them, the patients with such records and the start they state
    (``_NO_DAY``: none, or statements that disagree)."""

    esa_pos: Any
    esa_offsets: Any
    drug: Any
    start: Any
    end: Any
    response: Any
    course: dict[int, tuple[Any, Any]]


_NO_DAY = np.iinfo(np.int64).min
_DAY = 86_400_000_000
_NOT_STARTED = ("entered-in-error", "not-taken", "intended")


def _statement_columns(cols: BulkColumns, positions: Callable[[Any], Any], flagged: Any, settings: BatchSettings,
                       rt: Any) -> _StatementFacts | None:
    """The statement twin: what :func:`_statements` and :func:`_courses` read from the MedicationStatements,
    column-wise. The medication, status and reasons of each distinct statement are read by the intake's own
    functions (:meth:`_StatementMapper.kind`); the dates by the rules of ``medication.map_statement`` /
    ``assemble_esa`` and ``treatment.map_statement`` / ``assemble_treatment`` for statements alone (no doses),
    vectorised. A patient with a statement of another shape is flagged. ``None``: a course that reads more
    (a recent-use fact), or lines ``pyarrow.json`` cannot read as declared: the statements are read one by one."""
    mapper = _statement_mapper(settings, rt)
    specs = [_course_spec(settings, j, rt) for j in range(len(settings.policies))]
    if any(s is not None and s.recent for s in specs) or any(
            c.drug is not None and c.drug.course is not None and c.drug.course.recent for c in mapper.contexts):
        return None
    res = cols.res
    st = res.filter(pc.equal(res.column("rtype"), "MedicationStatement"))
    empty = np.zeros(0, dtype=np.int64)
    none = _StatementFacts(empty, np.zeros(1, dtype=np.int64), [], empty, empty, [], {})
    if not st.num_rows:
        return none
    st = st.sort_by([("order", "ascending")])
    sp = positions(st.column("pid"))
    live = ~flagged[sp]
    if not live.any():
        return none
    st, sp = st.filter(pa.array(live)), sp[live]
    raw = st.column("line").combine_chunks()
    if raw.null_count:
        return None
    t = _parse(_ndjson(raw), st.num_rows, SCHEMAS["MedicationStatement"])
    if t is None:
        return None
    batches = t.combine_chunks().to_batches()
    t = batches[0] if len(batches) == 1 else pa.RecordBatch.from_struct_array(t.to_struct_array().combine_chunks())
    order = _np(st.column("order"), np.int64)
    kinds, kidx = _per_distinct(_statement_key(t), lambda k: mapper.kind(k))
    flag = np.array([k.flag for k in kinds], dtype=bool)[kidx]
    dates = mapper.dates
    period = t.column("effectivePeriod")
    ps, ps_given, b1 = dates(_child(period, "start"), _DATETIME)
    pe, pe_given, b2 = dates(_child(period, "end"), _DATETIME)
    edt, edt_given, b3 = dates(t.column("effectiveDateTime"), _DATETIME)
    # a period with neither start nor end: "{}" (no period) or nulls (a period): not told apart here
    flag |= b1 | b2 | b3 | (_valid(period) & ~ps_given & ~pe_given)
    flag |= ~_valid(t.column("status")) | ~_valid(t.column("medicationCodeableConcept"))  # R4 requires both
    reasons = t.column("statusReason")
    if len(reasons.values):  # a reason text holding the key's separator: not read here
        flag |= _by_row(reasons, _np(pc.fill_null(pc.match_substring(_child(reasons.values, "text"), _SEP), False), bool))
    flagged[sp[flag]] = True
    keep = ~flagged[sp]
    status = _Codes(t.column("status"))
    day = np.floor_divide(np.where(ps_given, ps, edt), _DAY)
    as_of = (settings.as_of - dt.date(1970, 1, 1)).days
    esa = _esa_rows(kinds, kidx, keep, status, np.where(ps_given | edt_given, day, _NO_DAY),
                    np.where(pe_given, np.floor_divide(pe, _DAY), _NO_DAY), _valid(period) | edt_given, as_of)
    out = _assemble_esa_columns(sp, order, esa)
    start = np.where(ps_given, np.floor_divide(ps, _DAY), _NO_DAY)
    for j in range(len(settings.policies)):
        reads = np.array([j in k.courses for k in kinds], dtype=bool)[kidx] & keep
        reads &= ~status.isin(*_NOT_STARTED) & (start != _NO_DAY)  # treatment.map_statement: a stated start
        if reads.any():
            out.course[j] = _stated_starts(sp[reads], start[reads], as_of)
    return out


def _ndjson(lines: Any) -> Any:
    """Lines (a binary array, none null, without line breaks) as one buffer, each followed by a line break
    (``b"\\n".join(lines) + b"\\n"`` without a Python object per line)."""
    if not len(lines):
        return pa.py_buffer(b"\n")
    wide = pa.types.is_large_binary(lines.type)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64 if wide else np.int32)[
        lines.offset:lines.offset + len(lines) + 1].astype(np.int64)
    data = np.frombuffer(lines.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]] if offsets[-1] > offsets[0] \
        else np.zeros(0, dtype=np.uint8)
    return pa.py_buffer(np.insert(data, offsets[1:] - offsets[0], ord("\n")))


def _statement_key(t: pa.RecordBatch) -> list[Any]:
    """The columns a statement's kind depends on: its medication (at most one coding: more are flagged at the
    read), status and the texts of its status reasons (without codings: flagged at the read)."""
    count, system, code, display, text = _concept(t.column("medicationCodeableConcept"))
    reasons = t.column("statusReason")
    texts = pc.fill_null(_child(reasons.values, "text"), "")  # a reason without text gives none; "" is flagged
    joined = pc.binary_join(pa.ListArray.from_arrays(reasons.offsets, texts), _SEP)
    return [system, code, display, text, pa.array(_valid(t.column("medicationCodeableConcept"))), t.column("status"),
            joined]


class _Codes:
    """A string column as dictionary codes, for cheap tests of membership (null: never a member)."""

    def __init__(self, col: Any) -> None:
        enc = pc.dictionary_encode(col)
        self.values = enc.dictionary.to_pylist()
        self.codes = _np(pc.fill_null(enc.indices, -1), np.int64)

    def __len__(self) -> int:
        return len(self.codes)

    def isin(self, *names: str) -> Any:
        return np.isin(self.codes, [i for i, v in enumerate(self.values) if v in names])


def _esa_rows(kinds: list[_StatementKind], kidx: Any, keep: Any, status: _Codes, start: Any, end: Any,
              effective: Any, as_of: int) -> tuple[Any, Any, Any, Any, Any]:
    """What each statement gives ``esa_history`` (medication.map_statement): (what: 0 nothing, 1 a course,
    2 an incomplete record, 3 ESA-naive evidence; the course's start day, end day (_NO_DAY: running),
    response and drug)."""
    n = len(status)
    is_esa = np.array([k.esa is not None for k in kinds], dtype=bool)[kidx] & keep
    response = np.array([k.response for k in kinds], dtype=object)[kidx]
    drug = np.array([k.esa for k in kinds], dtype=object)[kidx]
    what = np.zeros(n, dtype=np.int8)
    gone = status.isin("entered-in-error", "intended")
    not_taken = status.isin("not-taken")
    naive = not_taken & np.array([k.esa_class for k in kinds], dtype=bool)[kidx] & ~effective
    what[is_esa & naive] = 3
    dated = is_esa & ~gone & ~not_taken
    what[dated & (start == _NO_DAY)] = 2  # _course: no start date
    live = dated & (start != _NO_DAY) & (start <= as_of)  # a start after the evaluation date: nothing
    active = live & status.isin("active")
    ended = live & status.isin("completed", "stopped")
    has_response = np.array([r is not None for r in response], dtype=bool)
    what[active] = 1
    response = np.where(active & ~has_response, "ongoing", response)
    end = np.where(active & (end != _NO_DAY) & (end > as_of), _NO_DAY, end)  # a planned end: still running
    what[ended & (end != _NO_DAY) & has_response] = 1
    what[ended & ((end == _NO_DAY) | ~has_response)] = 2
    what[live & ~active & ~ended] = 2  # another status: response not documented
    return what, start, end, response, drug


def _assemble_esa_columns(sp: Any, order: Any, esa: tuple[Any, Any, Any, Any, Any]) -> _StatementFacts:
    """medication.assemble_esa per patient: unknown when a record is incomplete, else the courses (by start;
    records of one drug and response that overlap merged into one), else ``[]`` on ESA-naive evidence."""
    what, start, end, response, drug = esa
    n_pat = int(sp.max()) + 1
    incomplete = np.zeros(n_pat, dtype=bool)
    incomplete[sp[what == 2]] = True
    listed = np.zeros(n_pat, dtype=bool)
    listed[sp[(what == 1) | (what == 3)]] = True
    listed &= ~incomplete
    rows = np.flatnonzero((what == 1) & ~incomplete[sp])
    rows = rows[np.lexsort((order[rows], start[rows], sp[rows]))]  # by start, then as the records came
    out_p: list[int] = []
    out_drug: list[Any] = []
    out_start: list[int] = []
    out_end: list[int] = []
    out_response: list[Any] = []
    no_end = int(_NO_DAY)
    for p, d, s, e, r in zip(sp[rows].tolist(), drug[rows].tolist(), start[rows].tolist(), end[rows].tolist(),
                             response[rows].tolist(), strict=True):
        if out_p and out_p[-1] == p and out_drug[-1] == d and out_response[-1] == r and (
                out_end[-1] == no_end or s <= out_end[-1]):
            out_end[-1] = no_end if out_end[-1] == no_end or e == no_end else max(out_end[-1], e)
            continue
        out_p.append(p)
        out_drug.append(d)
        out_start.append(s)
        out_end.append(e)
        out_response.append(r)
    esa_pos = np.flatnonzero(listed)
    counts = np.bincount(np.asarray(out_p, dtype=np.int64), minlength=n_pat)[esa_pos]
    offsets = np.zeros(len(esa_pos) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return _StatementFacts(esa_pos, offsets, out_drug, np.asarray(out_start, dtype=np.int64),
                           np.asarray(out_end, dtype=np.int64), out_response, {})


def _stated_starts(sp: Any, start: Any, as_of: int) -> tuple[Any, Any]:
    """treatment.assemble_treatment of statements alone, per patient: the start they state, when they state one
    on or before the evaluation date (_NO_DAY: none, or different ones)."""
    pats, inv = np.unique(sp, return_inverse=True)
    current = start <= as_of  # _future: a start after the evaluation date is not used
    lo = np.full(len(pats), np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(len(pats), np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, inv[current], start[current])
    np.maximum.at(hi, inv[current], start[current])
    one = np.zeros(len(pats), dtype=bool)
    np.logical_or.at(one, inv[current], True)
    return pats, np.where(one & (lo == hi), lo, _NO_DAY)


def _esa_column(facts: _StatementFacts, flagged: Any, row_of: Any, m: int, ftype: Any) -> Any:
    """The ``esa_history`` column of the fact table (``m`` rows) from the statement twin's lists."""
    keep = ~flagged[facts.esa_pos]
    pos = facts.esa_pos[keep]
    lo, hi = facts.esa_offsets[:-1][keep], facts.esa_offsets[1:][keep]
    take = np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]) \
        if len(pos) else np.zeros(0, dtype=np.int64)
    counts = np.zeros(m, dtype=np.int64)
    rows = row_of[pos]
    counts[rows] = hi - lo
    offsets = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    # rows in patient order: the twin's patients are sorted as the rows are
    take = take.astype(np.int64)
    struct_t = ftype.value_type
    start = facts.start[take]
    end = facts.end[take]
    fields = []
    for f in struct_t:
        if f.name == "drug":
            fields.append(pa.array([facts.drug[i] for i in take.tolist()], pa.string()).cast(f.type))
        elif f.name == "response":
            fields.append(pa.array([facts.response[i] for i in take.tolist()], pa.string()).cast(f.type))
        elif f.name == "start":
            fields.append(pa.array(start.astype(np.int32), pa.int32()).cast(pa.date32()).cast(f.type))
        elif f.name == "end":
            fields.append(pa.array(end.astype(np.int32), pa.int32(), mask=end == _NO_DAY).cast(pa.date32())
                          .cast(f.type))
        else:
            fields.append(pa.nulls(len(take), f.type))
    values = pa.StructArray.from_arrays(fields, fields=list(struct_t))
    has = np.zeros(m, dtype=bool)
    has[rows] = True
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(~has)).cast(ftype)


def _stated_facts(start: int, spec: Any, as_of: dt.date, given: set[str]) -> dict[str, Any] | None:
    """:func:`_course_facts` of statements alone: the start they state (``_NO_DAY``: none)."""
    if spec is None or spec.baseline:
        return None
    out: dict[str, Any] = {}
    if spec.start and start != _NO_DAY:
        out[spec.start] = _stated_start(spec.start, start)
    if given & set(out):
        return None
    return out


@lru_cache(maxsize=4096)
def _stated_start(fact: str, start: int) -> Any:
    """The finding of a stated start (one object per fact and day: many patients share a day)."""
    from mednec.intake.fhir.common import Finding

    day = _EPOCH.date() + dt.timedelta(days=start)
    return Finding(fact, day.isoformat(), None, dt.datetime.combine(day, dt.time()), Source(0, "MedicationStatement/x"),
                   rank=0)


_Read = tuple[dict[int, list[Any]], list[EventFinding]] | None


class _StatementMapper:
    """A run's MedicationStatements through the intake's mappers, once per distinct statement (but its id
    and patient: what the mappers read), and each requested drug's mappers only for the statements whose
    medication names that drug (the mappers' own first step, once per distinct medication)."""

    def __init__(self, settings: BatchSettings, rt: Any) -> None:
        from mednec.intake.fhir.bundle import shipped_drugs
        from mednec.population.policies import resolve

        dictionary = rt.dictionary
        drugs = _remembering(rt.catalog.calculators.drugs)
        vocab = drugs if drugs is not None else _remembering(shipped_drugs(dictionary))
        self.base = Context(dictionary, settings.as_of)
        self.base.drugs, self.base.course_drugs = drugs, vocab
        self.contexts: list[Context] = []
        for spec in settings.policies:
            name = resolve(spec)[0].drug.generic
            c = Context(dictionary, settings.as_of, drug_name=name)
            c.drugs, c.course_drugs = drugs, vocab
            c.drug = vocab.entry(name) if vocab is not None else None
            self.contexts.append(c)
        self.by_statement: dict[bytes, _Read] = {}
        self.by_medication: dict[bytes, tuple[list[int], bool]] = {}
        self.kinds: dict[tuple[str | None, ...], _StatementKind] = {}
        self.dates = _Dates()

    def kind(self, key: tuple[str | None, ...]) -> _StatementKind:
        """The kind of statement a medication (system, code, display, text, whether given), status and status
        reason texts (joined) make, read by the intake's own functions (once per distinct key)."""
        try:
            return self.kinds[key]
        except KeyError:
            pass
        system, code, display, text, present, status, reasons = key
        resource: dict[str, Any] = {"resourceType": "MedicationStatement"}
        if status is not None:
            resource["status"] = status
        concept = _concept_dict((system, code, display, text), present == "true")
        if concept is not None:
            resource["medicationCodeableConcept"] = concept
        texts = [x for x in (reasons or "").split(_SEP) if x]
        if texts:
            resource["statusReason"] = [{"text": x} for x in texts]
        if len(self.kinds) >= _STATEMENTS_KEPT:
            self.kinds.clear()
        out = self.kinds[key] = self._kind(resource, texts)
        return out

    def _kind(self, resource: dict[str, Any], texts: list[str]) -> _StatementKind:
        from mednec.intake.fhir import history, treatment
        from mednec.intake.fhir.codes import names_esa_class
        from mednec.intake.fhir.medication import _drug as esa_of
        from mednec.intake.fhir.transfusion import medication_concept

        flag = False
        courses: list[int] = []
        for j, c in enumerate(self.contexts):
            try:
                flag |= history._drug(resource, c) is not None  # the drug history reads it: row-wise
            except MednecError:
                flag = True
            try:
                if treatment._requested(resource, c)[1] is None:  # an unclear drug: map_statement raises NotMapped
                    courses.append(j)
            except NotMapped:
                pass
            except MednecError:
                flag = True
        esa: str | None = None
        esa_class = False
        try:
            esa = esa_of(resource, self.base)
            esa_class = names_esa_class(medication_concept(resource, self.base)[1])
        except NotMapped:
            pass
        except MednecError:
            flag = True
        # an ESA course whose reason states the trial's length ("no response after 12 weeks"): dated by it
        # (medication._trial_end), which the twin does not mirror -- row-wise
        flag |= esa is not None and medication.trial_weeks(texts) is not None
        return _StatementKind(flag, esa, esa_class, medication.response_of(texts), tuple(courses))

    def read(self, resource: dict[str, Any], src: Source) -> _Read:
        """(course records by the policy's place in the run, ESA events), or None: the drug history reads the
        statement or a mapper refuses it (its patient goes to the row-wise intake). The records and events
        carry the source of the first statement read so; the caller sets its own."""
        import orjson

        key = orjson.dumps({k: v for k, v in resource.items() if k not in ("id", "subject")},
                           option=orjson.OPT_SORT_KEYS)
        try:
            return self.by_statement[key]
        except KeyError:
            pass
        if len(self.by_statement) >= _STATEMENTS_KEPT:  # bounded memory: most keys carry their own dates
            self.by_statement.clear()
        live, esa = self._screen(resource)
        history_reads, courses = _readers(resource, src, [self.contexts[j] for j in live])
        out: _Read = None
        if not history_reads:
            events: list[EventFinding] | None = []
            if esa:
                try:
                    events = medication.map_statement(resource, src, self.base)
                except NotMapped:
                    events = []
                except MednecError:
                    events = None  # the intake drops the resource: the patient goes row-wise
            if events is not None:
                out = ({live[i]: records for i, records in courses.items()}, events)
        self.by_statement[key] = out
        return out

    def _screen(self, resource: dict[str, Any]) -> tuple[list[int], bool]:
        """The requested drugs whose history or course mapper may read the statement (the others' mappers
        return nothing for its medication), and whether the ESA mapper may (it names an ESA)."""
        import orjson

        from mednec.intake.fhir import history, treatment
        from mednec.intake.fhir.medication import _drug as esa_of

        if "medicationReference" in resource:  # a shared Medication: every mapper reads it
            return list(range(len(self.contexts))), True
        key = orjson.dumps(resource.get("medicationCodeableConcept"), option=orjson.OPT_SORT_KEYS)
        if key in self.by_medication:
            return self.by_medication[key]
        live = []
        for j, c in enumerate(self.contexts):
            try:
                named = history._drug(resource, c) is not None  # None: map_history_statement returns nothing
            except MednecError:
                named = True
            if not named:
                try:
                    treatment._requested(resource, c)  # NotMapped: map_statement raises it
                    named = True
                except NotMapped:
                    pass
                except MednecError:
                    named = True
            if named:
                live.append(j)
        try:
            esa_of(resource, self.base)  # NotMapped: medication.map_statement raises it
            esa = True
        except NotMapped:
            esa = False
        except MednecError:
            esa = True
        self.by_medication[key] = (live, esa)
        return live, esa


@dataclass(frozen=True, eq=False)
class _RememberingVocabulary(DrugVocabulary):
    """A drug vocabulary that remembers what each text names (the same answers: medication texts repeat
    across a population, and the mappers ask for each statement)."""

    @cached_property
    def _seen(self) -> dict[tuple[str, str], Any]:
        return {}

    def entries_in(self, text: str) -> tuple[DrugEntry, ...]:
        return self._remember(("in", text), super().entries_in, text)  # type: ignore[no-any-return]

    def entry(self, name: str) -> DrugEntry | None:
        return self._remember(("entry", name), super().entry, name)  # type: ignore[no-any-return]

    def _remember(self, key: tuple[str, str], fn: Callable[[str], Any], text: str) -> Any:
        try:
            return self._seen[key]
        except KeyError:
            pass
        if len(self._seen) >= 65536:
            self._seen.clear()
        self._seen[key] = out = fn(text)
        return out


def _remembering(vocab: DrugVocabulary | None) -> DrugVocabulary | None:
    if vocab is None:
        return None
    return _RememberingVocabulary(vocab.entries, vocab.class_labels, vocab.class_names)


_STATEMENTS_KEPT = 4096
_MAPPERS: dict[tuple[Any, ...], _StatementMapper] = {}


def _statement_mapper(settings: BatchSettings, rt: Any) -> _StatementMapper:
    key = (id(rt), settings.as_of, tuple(settings.policies))
    if key not in _MAPPERS:
        if len(_MAPPERS) > 4:
            _MAPPERS.clear()
        _MAPPERS[key] = _StatementMapper(settings, rt)
    return _MAPPERS[key]


def _readers(resource: Mapping[str, Any], src: Source, contexts: list[Context]) -> tuple[bool, dict[int, list[Any]]]:
    """Whether the drug history reads the statement for any requested drug (or a mapper refuses it, which
    drops the whole resource), and which requested drugs' courses read it (by the policy's place in the
    run). A mapper run as well as the ESA one (bundle.ALSO_MAPPERS) that raises NotMapped only changes
    the reason the resource is listed with, never a fact; what it returns is what counts."""
    from mednec.intake.fhir import history, treatment

    courses: dict[int, list[Any]] = {}
    for j, c in enumerate(contexts):
        try:
            if history.map_history_statement(resource, src, c):
                return True, courses
        except NotMapped:
            pass
        except MednecError:
            return True, courses
        try:
            records = treatment.map_statement(resource, src, c)
        except NotMapped:
            continue
        except MednecError:
            return True, courses
        if records:
            courses[j] = list(records)
    return False, courses


def _course_spec(settings: BatchSettings, j: int, rt: Any) -> Any:
    """The course the ``j``-th policy's drug declares (``None``: none)."""
    from mednec.population.policies import resolve

    drug = resolve(settings.policies[j])[0].drug.generic
    vocab = rt.catalog.calculators.drugs
    entry = vocab.entry(drug) if vocab is not None else None
    return entry.course if entry is not None else None


def _course_facts(records: list[Any], spec: Any, as_of: dt.date, given: set[str]) -> dict[str, Any] | None:
    """The facts the requested drug's course (``spec``) sets from its statements, as the Bundle intake
    assembles them (treatment.assemble_treatment), or None when they are left to the per-bundle intake: a
    course with baselines (they read the other findings), or a course fact the patient's other resources also
    give."""
    from mednec.intake.fhir import treatment

    if spec is None or spec.baseline:
        return None
    course = treatment.assemble_treatment(records, spec, as_of)
    out: dict[str, Any] = {}
    for f in course.findings:
        if f.when is not None and f.when.date() > as_of:
            continue  # bundle._assemble: dated after the evaluation date, not used
        if f.fact in out:
            return None
        out[f.fact] = f
    if course.doses is not None and spec.doses:
        out[spec.doses] = course.doses
    if given & set(out):
        return None
    return out


def _with_course(table: pa.Table, facts: dict[str, dict[str, Any]], dictionary: FactDictionary) -> pa.Table | None:
    """The fact table's rows of these patients with their course facts set (None: a fact the table cannot
    carry as the Bundle's case does)."""
    pids = sorted(facts)
    sub = table.filter(pc.is_in(table.column("patient_id"), value_set=pa.array(pids, pa.string())))
    order = sub.column("patient_id").to_pylist()
    names = sorted({f for v in facts.values() for f in v})
    for name in names:
        fd = dictionary.facts[name]
        if name not in sub.column_names:
            return None
        values: list[Any] = []
        dates: list[Any] = []
        converted: dict[int, tuple[Any, Any] | None] = {}  # once per object: patients share a stated start's
        for pid in order:
            v = facts[pid].get(name)
            got = converted[id(v)] = converted[id(v)] if id(v) in converted else _course_value(v, fd)
            if got is None:
                return None
            values.append(got[0])
            dates.append(got[1])
        sub = sub.set_column(sub.column_names.index(name), name, pa.array(values, sub.schema.field(name).type))
        if fd.type != "events":
            col = f"{name}_date"
            arr = pa.array(dates, pa.date32())
            sub = sub.set_column(sub.column_names.index(col), col, arr) if col in sub.column_names \
                else sub.append_column(col, arr)
    return sub


def _course_value(v: Any, fd: Any) -> tuple[Any, Any] | None:
    """A course fact (a finding, events or None: not set) as the fact table's value and date (None: one the
    table cannot carry as the Bundle's case does)."""
    from mednec.intake.fhir.common import Finding

    if isinstance(v, Finding):
        if fd.type == "date":
            return dt.date.fromisoformat(str(v.value)), v.date
        if fd.type in ("boolean", "number", "category"):
            return v.value, v.date
        return None
    if v is None:
        return None, None
    if fd.type == "events":
        return [{k: (dt.date.fromisoformat(x) if fd.fields[k].type == "date" and isinstance(x, str) else x)
                 for k, x in e.items()} for e in v], None
    return None


def _after(e: EventFinding, as_of: dt.date) -> bool:
    from mednec.intake.fhir.common import EsaCourse, EsaDose

    if isinstance(e.event, EsaDose):
        return e.event.day > as_of
    if isinstance(e.event, EsaCourse):
        return e.event.start > as_of
    return False


# ---- the run: tasks and evaluation ----------------------------------------------------------------

def spill_column_tasks(sp: ColumnSpill, skip: set[int], *, lazy: bool = False) -> Iterator[ChunkTask]:
    """One task per bucket not in ``skip``, carrying the bucket's columns (``lazy``: only where they are, read
    by the worker process that evaluates the bucket)."""
    for k in range(sp.buckets):
        if k in skip:
            continue
        if lazy:
            yield ChunkTask(k, InputKind.bulk, source=Bucket(sp, k))
        else:
            yield ChunkTask(k, InputKind.bulk, columns=sp.columns(k))


@dataclass(frozen=True)
class Bucket:
    """One spilled bucket, read by the process that evaluates it (a task's ``source``)."""

    spill: ColumnSpill
    k: int

    @property
    def size(self) -> int:
        return self.spill.sizes[self.k] if self.k < len(self.spill.sizes) else 0

    def read(self, task: ChunkTask) -> ChunkTask:
        return dataclasses.replace(task, columns=self.spill.columns(self.k), source=None)


def warm_up_bulk(settings: BatchSettings) -> None:
    """What every column-wise Bulk chunk loads once per process, loaded before worker processes fork (with
    :func:`mednec.population.runner.warm_up`, which the caller runs first): the R4B checks the verification's
    Bundles need, the statements' mapper; then the loaded objects are frozen out of garbage collection, so they
    stay shared."""
    import gc

    import orjson  # noqa: F401  (what a chunk imports: the verification's Bundles, the fact schema)
    import pyarrow.json  # noqa: F401

    from mednec.intake.fhir.known_valid import _resource_check
    from mednec.population import rowwise, synthetic  # noqa: F401
    from mednec.runtime import default_runtime

    for rtype in ("Bundle", "Patient", "Observation", "Condition", "Procedure", "MedicationStatement"):
        _resource_check(rtype)
    mapper = _statement_mapper(settings, default_runtime())
    mapper.kind((None, None, None, "epoetin alfa", "true", "active", ""))  # compiles the vocabulary's patterns
    gc.freeze()


_Piece = tuple[list[dict[str, Any] | pa.Table], list[PatientError], set[tuple[str, int]]]


def evaluate_bulk_chunk(task: ChunkTask, settings: BatchSettings) -> ChunkResult:
    """A Bulk chunk read column-wise: the fact table through the columnar engine, the flagged patients
    through the row-wise intake (and, for a patient whose records a requested drug's course reads, that
    policy's answer from the row with its course facts, or per bundle); rows and errors in the row-wise
    order."""
    with _no_collection():
        return _evaluate_bulk_chunk(task, settings)


@contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused (a chunk frees its objects by reference counting; the collections
    its allocations would trigger traverse every object the process holds, the runtime's included), and one
    young collection after."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
            gc.collect(0)


def _evaluate_bulk_chunk(task: ChunkTask, settings: BatchSettings) -> ChunkResult:
    from mednec.population.columnar.run import evaluate_chunk_columnar

    cols: BulkColumns = task.columns
    chunk = bulk_chunk(cols, settings)
    fallback = set(chunk.fallback)
    courses = {p: set(js) for p, js in chunk.courses.items()}
    course_facts = chunk.course_facts
    notes = list(chunk.notes)
    if len({s.id for s in settings.policies}) < len(settings.policies):  # a policy twice: answers by id are ambiguous
        fallback |= set(courses) | {p for by_pid in course_facts.values() for p in by_pid}
        courses, course_facts = {}, {}
    why = "--full (each determination's JSON)" if settings.full else _verify(chunk, cols.shared, settings)
    if why is not None:
        notes.append(f"columnar Bulk reader: {why}; this chunk was read row-wise")
        fallback, courses, course_facts = set(chunk.ids), {}, {}
    fast_table = chunk.table
    if fallback:
        keep = pc.invert(pc.is_in(fast_table.column("patient_id"), value_set=pa.array(sorted(fallback), pa.string())))
        fast_table = fast_table.filter(keep)
    pieces: list[_Piece] = []
    if fast_table.num_rows:
        table, variants = _with_variants(fast_table, course_facts, fallback, courses, settings)
        result = evaluate_chunk_columnar(ChunkTask(task.index, InputKind.table, table=table), settings, variants)
        notes = [x for x in result.notes if x not in notes] + notes
        drop = {(p, j) for p, js in courses.items() for j in js}
        pieces.append(([result.table], _per_policy(result.errors, settings), drop))
    pieces += _bundle_pieces(task.index, chunk, cols, fallback, courses, settings)
    # no patient read per bundle: the columnar engine's rows are every patient's, in the row-wise order
    out = _merged(task.index, chunk.ids, pieces, settings, in_order=not fallback and not courses)
    out.notes = notes
    out.read_rowwise = len(fallback)
    if fallback and len(fallback) == len(chunk.ids):
        out.engine = "rowwise"
    return out


def _with_variants(fast_table: pa.Table, course_facts: dict[int, dict[str, dict[str, Any]]], fallback: set[str],
                   courses: dict[str, set[int]], settings: BatchSettings) -> tuple[pa.Table, Variants | None]:
    """The fact table with, appended, each course policy's rows with its course facts set (:func:`_with_course`):
    :class:`~mednec.population.columnar.run.Variants` that answer that policy for their patients, evaluated in
    the same pass as the other rows. A row the table cannot carry them in goes per bundle (added to
    ``courses``)."""
    from mednec.population.columnar.run import Variants
    from mednec.runtime import default_runtime

    parts: list[pa.Table] = []
    policy: list[Any] = []
    for j, by_pid in course_facts.items():
        by_pid = {p: f for p, f in by_pid.items() if p not in fallback}
        variant = _with_course(fast_table, by_pid, default_runtime().dictionary) if by_pid else None
        if variant is None:
            for p in by_pid:
                courses.setdefault(p, set()).add(j)
            continue
        parts.append(variant)
        policy.append(np.full(variant.num_rows, j, dtype=np.int64))
    if not parts:
        return fast_table, None
    extra = pa.concat_tables(parts, promote_options="default")
    of = _np(pc.index_in(extra.column("patient_id"), value_set=fast_table.column("patient_id")), np.int64)
    table = pa.concat_tables([fast_table, extra], promote_options="default")
    return table, Variants(fast_table.num_rows, of, np.concatenate(policy))


def _bundle_pieces(index: int, chunk: BulkChunk, cols: BulkColumns, fallback: set[str],
                   courses: dict[str, set[int]], settings: BatchSettings) -> list[_Piece]:
    """The per-bundle intake: whole patients, and single policies of patients whose course is read so."""
    from mednec.population.rowwise import rowwise_results

    groups: dict[tuple[int, ...], list[str]] = {tuple(range(len(settings.policies))): sorted(fallback)}
    for p, js in courses.items():
        groups.setdefault(tuple(sorted(js)), []).append(p)
    pieces: list[_Piece] = []
    for policies, pids in groups.items():
        if not pids:
            continue
        lines = chunk.lines_of(pids)
        items = [(p, lines[p]) for p in sorted(pids)]
        sub = ChunkTask(index, InputKind.bulk, items=items, shared=cols.shared)
        rows: list[dict[str, Any] | pa.Table] = []
        errors: list[PatientError] = []
        for _, _, item in rowwise_results(sub, settings, list(policies)):
            if isinstance(item, PatientError):
                errors.append(item)
            else:
                rows.append(item)
        pieces.append((rows, errors, set()))
    return pieces


def _per_policy(errors: list[PatientError], settings: BatchSettings) -> list[PatientError]:
    """A fact table's row is read once for every policy, a Bundle once per policy's drug: an intake error
    of a patient's facts is the row-wise intake's error for each policy, in the run's order."""
    from mednec.population.policies import resolve

    ids = [resolve(spec)[0].id for spec in settings.policies]
    out: list[PatientError] = []
    for e in errors:
        if e.policy_id is None and e.stage == "intake":
            out += [e._replace(policy_id=pid) for pid in ids]
        else:
            out.append(e)
    return out


def _merged(index: int, ids: list[str], pieces: list[_Piece], settings: BatchSettings, *,
            in_order: bool = False) -> ChunkResult:
    """The pieces' rows and errors in the row-wise order: patient by patient (the sorted ids), policies in
    the run's order, a patient's own error first; each piece drops the (patient, policy) pairs it names.
    ``in_order``: one piece, whose rows are already in that order and drop nothing (taken as they are)."""
    from mednec.population.policies import resolve
    from mednec.population.results import result_schema, rows_table

    place = {resolve(spec)[0].id: j for j, spec in enumerate(settings.policies)}
    policy_ids = pa.array([resolve(spec)[0].id for spec in settings.policies], pa.string())
    unique = len(place) == len(settings.policies)
    id_array = pa.array(ids, pa.string())
    where = {p: i for i, p in enumerate(ids)}
    out = ChunkResult(index, patients=len(ids), engine="columnar")
    tables: list[pa.Table] = []
    errors: list[tuple[int, int, PatientError]] = []
    for parts, errs, drop in pieces:
        for e in errs:
            j = -1 if e.policy_id is None else place.get(e.policy_id, -1)
            if (e.patient_id, j) not in drop:
                errors.append((where[e.patient_id], j, e))
        if in_order:
            tables.append(parts[0])
            continue
        t = pa.concat_tables([p if isinstance(p, pa.Table) else rows_table([p]) for p in parts]).cast(result_schema()) \
            if parts else result_schema().empty_table()
        pos = pc.index_in(t.column("patient_id"), value_set=id_array).cast(pa.int64())
        pol = pc.index_in(t.column("policy_id"), value_set=policy_ids).cast(pa.int64()) if unique \
            else pa.array([place[x] for x in t.column("policy_id").to_pylist()], pa.int64())
        if pol.null_count:  # a policy id not in the run: as the lookup by id says
            pol = pa.array([place[x] for x in t.column("policy_id").to_pylist()], pa.int64())
        t = t.append_column("_pos", pos).append_column("_pol", pol)
        if drop:
            n_pol = len(settings.policies)
            pairs = np.array([where[p] * n_pol + j for p, j in drop if p in where], dtype=np.int64)
            codes = _np(pos, np.int64) * n_pol + _np(pol, np.int64)
            t = t.filter(pa.array(~np.isin(codes, pairs)))
        tables.append(t)
    if in_order:
        out.table = tables[0] if tables else result_schema().empty_table()
    elif tables:
        merged = pa.concat_tables(tables).sort_by([("_pos", "ascending"), ("_pol", "ascending")])
        out.table = merged.drop_columns(["_pos", "_pol"])
    else:  # a bucket no patient hashed to
        out.table = result_schema().empty_table()
    out.errors = [e for _, _, e in sorted(errors, key=lambda x: (x[0], x[1]))]
    return out


def _verify(chunk: BulkChunk, shared: dict[str, bytes], settings: BatchSettings) -> str | None:
    """A few patients read column-wise, read again through their Bundle: the first difference, or None."""
    from mednec.intake.case_file import parse_case
    from mednec.intake.fhir import bundle_to_case
    from mednec.population.bulk import patient_bundle
    from mednec.population.policies import resolve
    from mednec.population.table import row_case, table_layout
    from mednec.runtime import default_runtime

    t = chunk.table
    if not t.num_rows:
        return None
    rt = default_runtime()
    picks = sorted({int(x) for x in np.linspace(0, t.num_rows - 1, num=min(VERIFY_PATIENTS, t.num_rows)).round()})
    layout = table_layout(t.column_names, rt.dictionary)
    sub = t.take(pa.array(picks, pa.int64())).to_pylist()
    lines = chunk.lines_of([row["patient_id"] for row in sub])
    drugs = {resolve(s)[0].drug.generic for s in settings.policies}

    def facts(case: Mapping[str, Any]) -> dict[str, Any]:
        data = dict(case)
        data.setdefault("as_of", settings.as_of.isoformat())
        got = parse_case(data, rt.dictionary, as_of=settings.as_of).facts
        return {f: (v.value, v.unit, v.observed) for f, v in got.items()}

    for row in sub:
        pid = row["patient_id"]
        course_drugs = {resolve(settings.policies[j])[0].drug.generic
                        for j in {*chunk.courses.get(pid, ()), *(j for j, f in chunk.course_facts.items() if pid in f)}}
        try:
            mine = facts(row_case(row, layout))
        except MednecError:
            mine = {"error": True}
        bundle = patient_bundle(pid, lines[pid], shared)
        for drug in sorted(drugs - course_drugs):
            try:
                case = bundle_to_case(bundle, rt.dictionary, settings.as_of, drug=drug,
                                      drugs=rt.catalog.calculators.drugs).case
                theirs = facts(case)
            except MednecError:
                theirs = {"error": True}
            if theirs != mine:
                diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
                return f"patient {pid}: facts {', '.join(diff)} differ from the Bundle intake's"
    return None

