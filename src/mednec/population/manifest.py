"""The output folder of a population run, and how an interrupted run resumes.

::

    <out>/manifest.json              the run: input, settings, every finished chunk, totals
    <out>/results/part-NNNNN.parquet one file per chunk (read the folder as one dataset)
    <out>/ndjson/part-NNNNN.ndjson   the same rows as NDJSON (with --ndjson)
    <out>/errors/errors-NNNNN.ndjson patients whose data could not be evaluated
    <out>/_spill/                    a Bulk Data export sorted into patient buckets

Every file is written under a temporary name and renamed when complete, and a chunk enters
the manifest only after its files are in place; so after an interruption (Ctrl-C, a killed
process, a lost worker) running the same command again skips the finished chunks and redoes
the rest. A folder holding a run with another input or other settings is refused rather than
mixed (``--overwrite`` starts afresh).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mednec.errors import InputError
from mednec.population.results import PARQUET_STATISTICS, ChunkResult, plain

__all__ = ["FORMAT", "ChunkWriter", "Manifest", "WrittenChunk"]

FORMAT = "mednec-batch/1"


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class WrittenChunk:
    """A chunk whose files are written: its manifest entry (patients, rows, files and digests)."""

    index: int
    entry: dict[str, Any]

    @property
    def patients(self) -> int:
        return int(self.entry["patients"])


@dataclass(frozen=True)
class ChunkWriter:
    """Writes a chunk's files into a run's folder (in the process that evaluated the chunk, when
    it shares the folder) and gives the entry the manifest records."""

    folder: str
    ndjson: bool

    def write(self, result: ChunkResult) -> WrittenChunk:
        import pyarrow.parquet as pq

        folder = Path(self.folder)
        table = result.encoded()
        k = result.index
        files: dict[str, str] = {}
        rel = f"results/part-{k:05d}.parquet"
        tmp = folder / (rel + ".tmp")
        # no Arrow schema in the file: the dictionary-encoded columns are read back as plain strings
        pq.write_table(table, tmp, compression="zstd", store_schema=False, write_statistics=PARQUET_STATISTICS)
        os.replace(tmp, folder / rel)
        files[rel] = _sha256(folder / rel)
        if self.ndjson:
            import orjson

            (folder / "ndjson").mkdir(exist_ok=True)
            rel = f"ndjson/part-{k:05d}.ndjson"
            rows = plain(table).to_pylist()
            if not result.full:
                for row in rows:
                    del row["determination_json"]
            body = b"".join(orjson.dumps(row) + b"\n" for row in rows)
            _atomic_bytes(folder / rel, body)
            files[rel] = _sha256(folder / rel)
        if result.errors:
            rel = f"errors/errors-{k:05d}.ndjson"
            body = b"".join(json.dumps(e.to_dict(), ensure_ascii=False).encode() + b"\n" for e in result.errors)
            _atomic_bytes(folder / rel, body)
            files[rel] = _sha256(folder / rel)
        counts: Counter[str] = Counter()
        if table.num_rows:
            import pyarrow.compute as pc

            for item in pc.value_counts(table.column("determination")).to_pylist():
                counts[item["values"]] = item["counts"]
        entry: dict[str, Any] = {
            "patients": result.patients, "rows": table.num_rows, "errors": len(result.errors),
            "engine": result.engine, "notes": result.notes, "determinations": dict(sorted(counts.items())),
            "seconds": round(result.seconds, 3), "files": files,
        }
        if result.read_rowwise is not None:  # a Bulk chunk read column-wise: its patients read row-wise
            entry["read_rowwise"] = result.read_rowwise
        return WrittenChunk(k, entry)


class Manifest:
    """The manifest of one output folder (see the module docstring)."""

    def __init__(self, folder: Path, data: dict[str, Any]) -> None:
        self.folder = folder
        self.data = data

    @classmethod
    def open(cls, folder: Path, run: dict[str, Any], *, overwrite: bool) -> Manifest:
        """Start a run in ``folder``, or resume the same run found there.

        ``run`` describes the run (``input``, ``settings``, ``chunk_size``); a manifest with a
        different description is refused unless ``overwrite``.
        """
        path = folder / "manifest.json"
        if path.is_file() and not overwrite:
            try:
                data = json.loads(path.read_text("utf-8"))
            except ValueError:
                raise InputError("manifest.json is not readable; use --overwrite to start afresh",
                                 field=str(path)) from None
            if data.get("format") != FORMAT:
                raise InputError(f"not a mednec batch folder (format {data.get('format')!r})", field=str(path))
            for key in ("input", "settings", "chunk_size"):
                if data.get(key) != run[key]:
                    raise InputError(
                        f"this folder holds a run with a different {key} ({_diff(data.get(key), run[key])}); "
                        "use --overwrite to replace it or choose another --out", field=str(folder))
            manifest = cls(folder, data)
            manifest._drop_broken()
            return manifest
        if folder.exists() and overwrite:
            for sub in ("results", "ndjson", "errors", "_spill"):
                shutil.rmtree(folder / sub, ignore_errors=True)
            (folder / "manifest.json").unlink(missing_ok=True)
        elif folder.exists() and any(p.name != "_spill" for p in folder.iterdir()):
            raise InputError("the output folder exists and holds no mednec run; choose an empty folder",
                             field=str(folder))
        for sub in ("results", "errors"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, **run, "chunks_total": None, "chunks": {}, "complete": False,
                "started_at": _now()}
        manifest = cls(folder, data)
        manifest.save()
        return manifest

    @property
    def done(self) -> set[int]:
        """The chunks finished and on disk."""
        return {int(k) for k in self.data["chunks"]}

    def _drop_broken(self) -> None:
        """Forget chunks whose files are missing or changed (they are redone)."""
        for key, chunk in list(self.data["chunks"].items()):
            for rel, digest in chunk["files"].items():
                f = self.folder / rel
                if not f.is_file() or _sha256(f) != digest:
                    del self.data["chunks"][key]
                    break

    def set_total(self, chunks: int | None, patients: int | None) -> None:
        self.data["chunks_total"] = chunks
        self.data["patients_total"] = patients

    def record(self, result: ChunkResult, *, ndjson: bool) -> None:
        """Write one chunk's files, then enter it in the manifest."""
        self.enter(ChunkWriter(str(self.folder), ndjson).write(result))

    def enter(self, chunk: WrittenChunk) -> None:
        """Enter a chunk whose files are in place (written here or by a worker process)."""
        self.data["chunks"][str(chunk.index)] = chunk.entry
        self.save()

    def finish(self, *, complete: bool) -> dict[str, Any]:
        """Total the run up; ``complete`` when every chunk of the input has been written."""
        chunks = self.data["chunks"].values()
        det: Counter[str] = Counter()
        engines: Counter[str] = Counter()
        notes: dict[str, None] = {}
        for c in chunks:
            det.update(c["determinations"])
            engines[c["engine"]] += 1
            notes.update(dict.fromkeys(c["notes"]))
        self.data["totals"] = {
            "patients": sum(c["patients"] for c in chunks), "rows": sum(c["rows"] for c in chunks),
            "errors": sum(c["errors"] for c in chunks), "determinations": dict(sorted(det.items())),
            "engines": dict(sorted(engines.items())), "notes": list(notes),
        }
        read = [c["read_rowwise"] for c in chunks if "read_rowwise" in c]
        if read:
            self.data["totals"]["bulk_read_rowwise"] = sum(read)
        self.data["complete"] = complete
        if complete:
            self.data["chunks_total"] = len(self.data["chunks"])
        self.data["finished_at"] = _now()
        self.save()
        return dict(self.data["totals"])

    def save(self) -> None:
        data = dict(self.data)
        data["chunks"] = dict(sorted(self.data["chunks"].items(), key=lambda kv: int(kv[0])))
        # rewritten after every chunk: orjson (json.dumps with indent is the pure-Python encoder, and
        # the manifest grows with the chunks: 90 ms a save at 100 chunks, minutes over a million patients)
        import orjson

        _atomic_bytes(self.folder / "manifest.json", orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def _diff(old: Any, new: Any) -> str:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        return "; ".join(f"{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in keys[:3])
    return f"{old!r} there, {new!r} now"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
