"""Input hygiene and limits on the command line (issue 12, items 6 and 7), through the real
entry point: NUL characters and lone surrogates in case files, notes and arguments, deeply
nested files and YAML anchors/aliases (the "billion laughs") are bad input: exit 2, a short
message naming the field, no traceback, no memory blow-up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_cli_errors import HEADER, assert_clean_error, mednec_command, run

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))


@pytest.mark.parametrize(("text", "needles"), [
    pytest.param(HEADER + 'facts:\n  diagnosis: "D46\\0.1"\n', ["facts.diagnosis", "NUL"], id="yaml-nul-escape"),
    pytest.param('{"patient": {"sex": "male"}, "facts": {"\\ud800": 1}}', ["facts.", "surrogate"],
                 id="json-surrogate-key"),
    pytest.param('{"patient": {"sex": "male"}, "facts": {"diagnosis": "D46\\u0000"}}', ["facts.diagnosis", "NUL"],
                 id="json-nul-escape"),
    pytest.param(HEADER + "facts:\n  diagnosis: &d D46.1\n  karyotype: *d\n", ["aliases", "line 4"],
                 id="yaml-alias"),
    pytest.param(HEADER + "facts:\n" + BOMB.replace("\n", "\n  ").replace("a: &a", "  a: &a", 1), ["anchor"],
                 id="yaml-billion-laughs"),
    pytest.param(HEADER + "facts:\n  x: " + "[" * 60 + "]" * 60 + "\n", ["nested"], id="yaml-deep"),
    pytest.param('{"patient": {}, "facts": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}", ["case.json"],
                 id="json-very-deep"),
])
def test_refused_case_files(tmp_path: Path, text: str, needles: list[str]) -> None:
    case = tmp_path / ("case.json" if text.startswith("{") else "case.yaml")
    case.write_text(text, "utf-8")
    started = time.monotonic()
    proc = run("evaluate", case, "--drug", "luspatercept")
    assert time.monotonic() - started < 30
    assert_clean_error(proc, *needles)
    assert len(proc.stderr) < 2000  # the message quotes a short excerpt, never the input


def test_a_note_with_nul_is_refused(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("MDS with ring sideroblasts\x00, Hb 8.1 g/dL", "utf-8")
    assert_clean_error(run("extract", note), "note.txt", "NUL")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX argv bytes")
def test_an_undecodable_argument_is_refused() -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    proc = subprocess.run([*mednec_command(), "ask", b"Luspatercept for Hb \xff8.1?"],  # type: ignore[list-item]
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 2, proc.stderr
    assert b"surrogate" in proc.stderr and b"Traceback" not in proc.stderr


def test_a_case_file_past_the_dictionarys_list_limit_is_bad_input(tmp_path: Path) -> None:
    from mednec.runtime import default_runtime

    most = default_runtime().dictionary.facts["rbc_transfusions"].max_items
    case = tmp_path / "case.yaml"
    case.write_text(HEADER + "facts:\n  rbc_transfusions:\n" + "    - {date: 2026-09-01, units: 1}\n" * (most + 1))
    assert_clean_error(run("evaluate", case, "--drug", "luspatercept"), "facts.rbc_transfusions", f"at most {most}")


def test_a_payer_profile_with_aliases_is_refused(tmp_path: Path) -> None:
    profile = tmp_path / "payer.yaml"
    profile.write_text("plan_name: &p Acme\nmember_id: *p\n")
    from tests.test_cli_errors import EXAMPLE

    proc = run("report", EXAMPLE, "--drug", "luspatercept", "--payer-profile", profile)
    assert proc.returncode in (2, 3), (proc.returncode, proc.stderr)
    assert "aliases" in proc.stderr and "Traceback" not in proc.stderr
