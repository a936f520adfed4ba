"""A population file that Arrow cannot read is the user's input: ``mednec batch`` refuses it naming the
file (exit 2), never an internal error (exit 70). Family: a file named .parquet that is not Parquet
(random bytes, a CSV, an empty file, a truncated Parquet file) and a malformed CSV (a quote left open,
more cells than the header)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")


def _truncated_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"patient_id": ["p1", "p2"], "hemoglobin": ["8.1", "9.0"]}), path)
    path.write_bytes(path.read_bytes()[:-12])


CASES = {
    "random-bytes.parquet": lambda p: p.write_bytes(bytes(range(256)) * 4),
    "a-csv.parquet": lambda p: p.write_text("patient_id,hemoglobin\np1,8.1\n"),
    "empty.parquet": lambda p: p.write_bytes(b""),
    "truncated.parquet": _truncated_parquet,
    "open-quote.csv": lambda p: p.write_text('patient_id,hemoglobin\n"p1,8.1\n'),
    "extra-cells.csv": lambda p: p.write_text("patient_id,hemoglobin\np1,8.1,9,10\n"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_unreadable_table_is_refused_naming_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    CASES[name](path)
    proc = subprocess.run([sys.executable, "-m", "mednec", "batch", str(path), "--out", str(tmp_path / "out"),
                           "--policy", "Reblozyl", "--quiet"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert str(path) in proc.stderr and "Traceback" not in proc.stderr
