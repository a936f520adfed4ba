"""`mednec policies check`: validate every policy and run its test cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.errors import ConfigError
from mednec.facts.dictionary import load_dictionary
from mednec.packcheck.boundaries import check_policy
from mednec.packcheck.cases import CaseResult, case_files, run_case
from mednec.packcheck.citations import citation_problems
from mednec.packcheck.codes import code_problems
from mednec.packcheck.versions import record_versions, version_problems
from mednec.packdirs import PacksDir
from mednec.policies.loader import load_catalog
from mednec.policies.steps import Step, step_problems
from mednec.render.payer import PROGRAMS

if TYPE_CHECKING:
    from mednec.facts.dictionary import FactDictionary
    from mednec.policies.loader import Catalog
    from mednec.policies.model import Pack, Policy
    from mednec.runtime import Runtime

__all__ = ["CheckReport", "check_all", "print_check"]

MIN_CASES = 8


@dataclass
class CheckReport:
    """Problems by file and case results by policy."""

    problems: dict[str, list[str]] = field(default_factory=dict)
    cases: dict[str, list[CaseResult]] = field(default_factory=dict)
    #: boundary cases generated from each policy's numeric thresholds (mednec.packcheck.boundaries)
    boundaries: dict[str, int] = field(default_factory=dict)
    #: policy versions whose logic digest ``--record-versions`` added (``policy@version``)
    recorded: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for rs in self.cases.values() for r in rs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "boundaries": self.boundaries,
            "recorded": self.recorded,
            "cases": {
                pid: [{"case": r.path.name, "name": r.name, "ok": r.ok, "failures": list(r.failures)} for r in rs]
                for pid, rs in self.cases.items()
            },
        }


def _coverage(spec_paths: list[Path], pathways: list[str]) -> list[str]:
    """Which required kinds of case are missing (each pathway met, not met, insufficient)."""
    from mednec.policies.loader import read_yaml

    seen_pathways, verdicts = set(), set()
    for p in spec_paths:
        exp = (read_yaml(p) or {}).get("expect") or {}
        verdicts.add(exp.get("determination"))
        if exp.get("pathway"):
            seen_pathways.add(exp["pathway"])
    missing = [f"no case meets pathway {pw!r}" for pw in pathways if pw not in seen_pathways]
    missing += [f"no case expects {v}" for v in (MEETS, NOT_MET, INSUFFICIENT) if v not in verdicts]
    return missing


def check_all(packs_dir: PacksDir = None, *, record: bool = False) -> CheckReport:
    """Load every pack without stopping at the first problem, then run every case. With ``record``,
    first add each policy version not yet in its pack's logic-digest record
    (:mod:`mednec.packcheck.versions`)."""
    from mednec.runtime import Runtime

    dictionary = load_dictionary(packs_dir)
    catalog, load_report = load_catalog(dictionary, packs_dir, strict=False)
    report = CheckReport()
    for source, errors in load_report.problems.items():
        report.problems[source] = [str(e) for e in errors]
    for pack in catalog.packs:
        if record:
            report.recorded += record_versions(pack)
        for source, message in [*_pack_problems(pack, catalog, dictionary), *version_problems(pack)]:
            report.problems.setdefault(source, []).append(message)
    for source, message in [*code_problems(dictionary, catalog), *citation_problems(catalog)]:
        report.problems.setdefault(source, []).append(message)
    if not report.ok:
        return report
    runtime = Runtime(dictionary, catalog)
    for policy in catalog.policies():
        _check_policy(report, runtime, policy, dictionary)
    return report


def _pack_problems(pack: Pack, catalog: Catalog, dictionary: FactDictionary) -> list[tuple[str, str]]:
    """(file, problem) for a pack's calculators, step criteria and derived facts."""
    out: list[tuple[str, str]] = []
    for calc in pack.calculators:
        if calc.citation and calc.citation not in pack.references:
            out.append((pack.path, f"calculator {calc.name} cites {calc.citation!r}, which is not in references.yaml"))
        for fid in (*calc.reads, *calc.outputs):
            if fid not in dictionary.facts:
                out.append((pack.path, f"calculator {calc.name} reads or produces {fid!r}, which no facts.yaml declares"))
    for exclusion in pack.benefits:
        bad = [p for p in exclusion.programs if p not in PROGRAMS]
        if bad:
            out.append((str(Path(pack.path) / "benefits.yaml"), f"exclusion {exclusion.id}: unknown program(s) "
                        f"{', '.join(bad)}; one of {', '.join(PROGRAMS)}"))
    for policy in pack.policies:
        for variant in (policy, *policy.variants):
            for _, tree in variant.trees():
                for node in tree.nodes:
                    if isinstance(node.operand, Step):  # a 'tried' leaf
                        out += [(policy.source, f"criterion {node.id or node.index}: {msg}")
                                for msg in step_problems(node.operand, pack.drugs)]
    for fid, fd in dictionary.facts.items():
        if fd.pack in ("", pack.id) and fd.derived_by and fd.derived_by not in pack.calculators.by_name \
                and (fd.pack == pack.id or not any(fd.derived_by in p.calculators.by_name for p in catalog.packs)):
            out.append((pack.path, f"fact {fid!r} is derived by {fd.derived_by!r}, which this pack does not register"))
    return out


def _check_policy(report: CheckReport, runtime: Runtime, policy: Policy, dictionary: FactDictionary) -> None:
    """A policy's boundary checks and test cases, and what its cases do not cover."""
    bounds = check_policy(policy, dictionary)
    report.boundaries[policy.id] = bounds.generated
    if bounds.problems:
        report.problems.setdefault(policy.source, []).extend(bounds.problems)
    files = case_files(policy)
    results = []
    for f in files:
        try:
            results.append(run_case(runtime, policy, f))
        except ConfigError as exc:
            results.append(CaseResult(f, f.stem, (str(exc),)))
    report.cases[policy.id] = results
    gaps = _coverage(files, [p.id for p in policy.pathways])
    if len(files) < MIN_CASES:
        gaps.append(f"{len(files)} test cases; at least {MIN_CASES} are required")
    if gaps:
        report.problems.setdefault(policy.source, []).extend(gaps)


def print_check(report: CheckReport, console: Console) -> None:
    """Print problems and case results."""
    for source, problems in report.problems.items():
        console.print(f"[bold red]✘ {source}[/bold red]")
        for p in problems:
            console.print(f"    {p}")
    for pid, results in report.cases.items():
        passed = sum(r.ok for r in results)
        style = "green" if passed == len(results) else "red"
        bounds = report.boundaries.get(pid)
        extra = f"; {bounds} generated boundary cases" if bounds else ""
        console.print(f"[{style}]{'✔' if style == 'green' else '✘'} {pid}: {passed}/{len(results)} cases pass{extra}[/{style}]")
        for r in results:
            if not r.ok:
                console.print(f"    {r.path.name} ({r.name}):")
                for f in r.failures:
                    console.print(f"      - {f}")
    for pv in report.recorded:
        console.print(f"[green]recorded the logic digest of {pv}[/green]")
    total = sum(len(rs) for rs in report.cases.values())
    console.print(
        "[bold green]All policies valid; all cases pass.[/bold green]" if report.ok
        else f"[bold red]Problems found[/bold red] ({total} cases run)."
    )
