"""A FHIR Bulk Data export (``$export``: one NDJSON file per resource type) -> patients.

A Bulk export is not sorted by patient: a patient's Observations are scattered through
``Observation.ndjson``. To evaluate patients in bounded memory the export is read once and
**spilled** to hash buckets on disk (``<out>/_spill/bucket-NNNNN.ndjson``): every resource
goes to the bucket of its patient (``crc32(patient id) mod buckets``), so a bucket holds
whole patients and is one chunk of the run. Resources that belong to no patient (a
Medication, a BiologicallyDerivedProduct: read through references) go to ``shared.ndjson``
and are attached to the patients that reference them.

Which patient a resource is about: a Patient's own ``id``; otherwise ``subject`` or
``patient`` referencing ``Patient/<id>`` (relative or absolute, ``/_history/`` dropped).
A line that is not JSON, or a resource about something other than a patient, is listed in
``_spill/errors.ndjson`` with its file and line number and the run goes on.

Each patient then becomes a ``collection`` Bundle (:func:`patient_bundle`) that FHIR intake
reads exactly as it reads a Bundle from a file.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mednec.errors import CaseFormatError, InputError
from mednec.population.inputs import ChunkTask, InputKind, fingerprint, input_files

__all__ = ["SHARED_TYPES", "Spill", "export_date", "line_blocks", "patient_bundle", "patient_key", "spill", "spill_tasks",
           "split_lines"]

#: Resource types read only through references from a patient's resources.
SHARED_TYPES = ("Medication", "BiologicallyDerivedProduct")
_SHARED_REF = re.compile(rb'"reference"\s*:\s*"(?:[^"]*/)?((?:Medication|BiologicallyDerivedProduct)/[^"/]+)"')
_BLOCK = 8 << 20
_FLUSH = 1 << 20
SPILL_VERSION = 1


def patient_key(resource: dict[str, Any]) -> str | None:
    """The id of the patient a resource is about (``None`` when it is about no patient)."""
    if resource.get("resourceType") == "Patient":
        rid = resource.get("id")
        return str(rid) if rid else None
    for key in ("subject", "patient"):
        ref = resource.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return _patient_of(ref["reference"])
    return None


def _patient_of(reference: str) -> str | None:
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1]:
        return parts[-1]
    return None


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def line_blocks(path: Path) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines of a file (gzip or plain), each ending with a line break:
    ``(number of its first line, bytes)``; blank lines are kept and counted, and a last line
    without a line break gets one (a blank one is dropped)."""
    with _open(path) as fh:
        for number, _, block in split_lines(iter(lambda: fh.read(_BLOCK), b""), 1):
            yield number, block


def split_lines(reads: Iterator[bytes], number: int) -> Iterator[tuple[int, int, bytes]]:
    """Reads of a byte stream -> blocks of whole lines: ``(number of the first line, its offset in the
    stream, block)``, each ending with a line break (a last line without one gets it; a blank one is
    dropped). ``number`` is the number of the stream's first line."""
    at = 0
    rest = b""
    for data in reads:
        at += len(data)
        data = rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1:]
        block = data[:cut + 1]
        yield number, at - len(rest) - len(block), block
        number += block.count(b"\n")
    if rest.strip():
        yield number, at - len(rest), rest + b"\n"


def _lines(path: Path) -> Iterator[tuple[int, list[bytes]]]:
    """Blocks of whole lines of a file: ``(number of the first line, lines)`` (blank lines kept)."""
    for number, block in line_blocks(path):
        yield number, block[:-1].split(b"\n")


def export_date(path: Path) -> str | None:
    """The date of the export's ``transactionTime``, when the folder keeps the ``$export``
    manifest (a ``*.json`` file with ``transactionTime``)."""
    for f in sorted(path.glob("*.json")):
        try:
            data = json.loads(f.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("transactionTime"), str):
            return str(data["transactionTime"])[:10]
    return None


@dataclass
class Spill:
    """The spilled export: where the buckets are and what the spill found."""

    folder: Path
    buckets: int
    patients: int
    resources: int
    errors: int

    def bucket(self, k: int) -> Path:
        return self.folder / f"bucket-{k:05d}.ndjson"


class _Writer:
    """Buffered appends to the bucket files (bounded memory)."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill
        self.buf: dict[int, list[bytes]] = {}
        self.size: dict[int, int] = {}
        self.total = 0

    def add(self, k: int, line: bytes) -> None:
        self.buf.setdefault(k, []).append(line)
        self.size[k] = self.size.get(k, 0) + len(line) + 1
        self.total += len(line) + 1
        if self.total > 32 * _FLUSH:
            self.flush()

    def flush(self) -> None:
        for k, lines in self.buf.items():
            with self.spill.bucket(k).open("ab") as fh:
                fh.write(b"\n".join(lines) + b"\n")
        self.buf.clear()
        self.size.clear()
        self.total = 0


def _count_patients(files: list[Path]) -> int:
    n = 0
    for f in files:
        if f.name.startswith("Patient"):
            with _open(f) as fh:
                while block := fh.read(_BLOCK):
                    n += block.count(b"\n")
    if n == 0:  # no Patient file: about ten resources a patient
        n = sum(f.stat().st_size for f in files) // 5000 + 1
    return n


def _keys(lines: list[bytes]) -> list[tuple[str | None, str, str | None] | str]:
    """For each line: (patient id, resource type, resource id), or the error text."""
    import orjson

    out: list[tuple[str | None, str, str | None] | str] = []
    for line in lines:
        try:
            res = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            out.append(f"not JSON: {exc}")
            continue
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            out.append("not a FHIR resource (no resourceType)")
            continue
        rid = res.get("id")
        out.append((patient_key(res), res["resourceType"], str(rid) if rid is not None else None))
    return out


def spill(path: Path, folder: Path, chunk_size: int) -> Spill:
    """Spill the export at ``path`` into buckets of about ``chunk_size`` patients under ``folder``.

    A finished spill of the same input is reused (``folder/spill.json``), so a resumed run does
    not read the export again.
    """
    files = input_files(path, InputKind.bulk)
    print_ = fingerprint(path, InputKind.bulk)
    done = folder / "spill.json"
    if done.is_file():
        meta = json.loads(done.read_text("utf-8"))
        if meta.get("fingerprint") == print_ and meta.get("chunk_size") == chunk_size \
                and meta.get("version") == SPILL_VERSION:
            return Spill(folder, int(meta["buckets"]), int(meta["patients"]), int(meta["resources"]),
                         int(meta["errors"]))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    buckets = max(1, math.ceil(_count_patients(files) / chunk_size))
    result = Spill(folder, buckets, 0, 0, 0)
    writer = _Writer(result)
    patients: set[str] = set()
    with (folder / "shared.ndjson").open("wb") as shared, (folder / "errors.ndjson").open("wb") as errors:
        for f in files:
            for first, lines in _lines(f):
                for n, (line, key) in enumerate(zip(lines, _keys([ln for ln in lines]), strict=True)):
                    if not line.strip():
                        continue
                    if isinstance(key, str):
                        errors.write(json.dumps({"file": f.name, "line": first + n, "message": key}).encode() + b"\n")
                        result.errors += 1
                        continue
                    pid, rtype, rid = key
                    result.resources += 1
                    if pid is not None:
                        patients.add(pid)
                        writer.add(zlib.crc32(pid.encode()) % buckets, line)
                    elif rtype in SHARED_TYPES and rid:
                        shared.write(line + b"\n")
                    else:
                        errors.write(json.dumps({"file": f.name, "line": first + n, "message":
                                                 f"{rtype} is about no patient: not used"}).encode() + b"\n")
                        result.errors += 1
    writer.flush()
    result.patients = len(patients)
    tmp = done.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": SPILL_VERSION, "fingerprint": print_, "chunk_size": chunk_size,
                               "buckets": buckets, "patients": result.patients, "resources": result.resources,
                               "errors": result.errors}), "utf-8")
    os.replace(tmp, done)
    return result


def _shared(folder: Path) -> dict[str, bytes]:
    import orjson

    out: dict[str, bytes] = {}
    path = folder / "shared.ndjson"
    if path.is_file():
        for line in path.read_bytes().split(b"\n"):
            if line.strip():
                res = orjson.loads(line)
                out[f"{res['resourceType']}/{res['id']}"] = line
    return out


def bucket_patients(path: Path) -> dict[str, list[bytes]]:
    """The resources of each patient in one bucket file, patients in id order."""
    import orjson

    groups: dict[str, list[bytes]] = {}
    if path.is_file():
        for line in path.read_bytes().split(b"\n"):
            if line.strip():
                pid = patient_key(orjson.loads(line))
                assert pid is not None
                groups.setdefault(pid, []).append(line)
    return dict(sorted(groups.items()))


def spill_tasks(sp: Spill, skip: set[int]) -> Iterator[ChunkTask]:
    """One task per bucket not in ``skip``, with the patients' resources and what they reference."""
    shared = _shared(sp.folder)
    for k in range(sp.buckets):
        if k in skip:
            continue
        groups = bucket_patients(sp.bucket(k))
        refs: dict[str, bytes] = {}
        if shared:
            for lines in groups.values():
                for line in lines:
                    for m in _SHARED_REF.finditer(line):
                        ref = m.group(1).decode()
                        if ref in shared:
                            refs[ref] = shared[ref]
        yield ChunkTask(k, InputKind.bulk, items=list(groups.items()), shared=refs)


def patient_bundle(patient_id: str, lines: list[bytes], shared: dict[str, bytes]) -> dict[str, Any]:
    """One patient's resources (and the shared ones they reference) as a ``collection`` Bundle."""
    import orjson

    entries: list[dict[str, Any]] = []
    wanted: dict[str, None] = {}
    for line in lines:
        try:
            res = orjson.loads(line)
        except orjson.JSONDecodeError as exc:  # the spill only keeps JSON lines; defensive
            raise CaseFormatError(f"not JSON: {exc}", field=f"patient {patient_id}") from None
        entries.append({"resource": res})
        for m in _SHARED_REF.finditer(line):
            wanted[m.group(1).decode()] = None
    for ref in wanted:
        if ref in shared:
            entries.append({"resource": orjson.loads(shared[ref])})
    if not entries:
        raise InputError("no resources", field=f"patient {patient_id}")
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
