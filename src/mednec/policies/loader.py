"""Load policy packs (YAML shipped in ``mednec/packs``) into a :class:`Catalog`.

A pack is a folder::

    packs/<pack>/pack.yaml          id, title, version, policy folders, treatment sequence
    packs/<pack>/facts.yaml         the pack's facts, added to the core fact dictionary
    packs/<pack>/calculators.py     CALCULATORS: the pack's own calculators (optional)
    packs/<pack>/references.yaml    the reference library every citation resolves to
    packs/<pack>/evidence.yaml      cited statements for documents
    packs/<pack>/<drug>/policy.yaml one policy
    packs/<pack>/<drug>/cases/*.yaml its test cases

``pack.yaml`` may name drug classes and drugs no policy covers (``drug_classes:``, ``drugs:``),
so a treatment history is read by any drug name or class (see :func:`_vocabulary`).

``calculators.py`` is Python: a pack is trusted code, like the rest of the installation. The
shipped packs are imported as ``mednec.packs.<pack>.calculators``; a pack in another folder
is loaded from its file.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mednec.calculators.registry import Calculator, CalculatorSet, core_calculators
from mednec.errors import ConfigError, UnknownDrugError
from mednec.facts.dictionary import FactDictionary
from mednec.facts.drugs import DrugEntry, DrugVocabulary
from mednec.policies.compile import compile_with_variants
from mednec.policies.model import Pack, Policy, SequenceStep
from mednec.policies.references import parse_citation, parse_references
from mednec.policies.schema import parse_policy
from mednec.yaml_loader import SafeLoader

__all__ = ["Catalog", "LoadReport", "compile_policy_text", "default_packs_dir", "load_catalog", "read_yaml"]

_Loader = SafeLoader


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; errors name the file and line."""
    try:
        return yaml.load(path.read_text("utf-8"), Loader=_Loader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", field=where) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", field=str(path)) from None


def default_packs_dir() -> Path:
    """The folder of the packs shipped inside the package."""
    return Path(str(resources.files("mednec").joinpath("packs")))


@dataclass
class LoadReport:
    """Every problem found while loading, by policy file."""

    problems: dict[str, list[ConfigError]] = field(default_factory=dict)

    def add(self, source: str, errors: list[ConfigError]) -> None:
        if errors:
            self.problems.setdefault(source, []).extend(errors)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every loaded pack and policy, with lookup by policy id or drug name."""

    dictionary: FactDictionary
    packs: tuple[Pack, ...]

    def policies(self) -> Iterator[Policy]:
        for pack in self.packs:
            yield from pack.policies

    def pack_of(self, policy: Policy) -> Pack:
        return next(p for p in self.packs if p.id == policy.pack)

    @property
    def calculators(self) -> CalculatorSet:
        """Every calculator of every pack (the core ones first), for derivations across packs."""
        out = core_calculators()
        for pack in self.packs:
            out = out.plus(pack.calculators)
        return out

    def policy(self, policy_id: str) -> Policy:
        for p in self.policies():
            if p.id == policy_id:
                return p
        raise UnknownDrugError(
            f"no policy {policy_id!r}; known policies: {', '.join(p.id for p in self.policies())}",
            field="policy",
        )

    def find_drug(self, name: str) -> Policy:
        """The policy for a drug named by generic, brand or other name (case-insensitive)."""
        wanted = _fold(name)
        for p in self.policies():
            if wanted == _fold(p.id) or any(wanted == _fold(n) for n in p.names()):
                return p
        all_names = {n: p for p in self.policies() for n in p.names()}
        near = difflib.get_close_matches(name.lower(), [n.lower() for n in all_names], n=1, cutoff=0.75)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        known = "; ".join(f"{p.drug.generic} ({', '.join(p.drug.brands)})" for p in self.policies())
        raise UnknownDrugError(f"no policy covers {name!r}.{hint} Known drugs: {known}", field="drug")


def _fold(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _calculator_module(path: Path) -> Any:
    file = path / "calculators.py"
    shipped = default_packs_dir().resolve()
    if path.resolve().parent == shipped:
        return importlib.import_module(f"mednec.packs.{path.name}.calculators")
    name = f"_mednec_pack_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}_calculators"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError("cannot load the calculators module", field=str(file))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken pack module is an author error, named with its file
        del sys.modules[name]
        raise ConfigError(f"the calculators module failed to load: {exc}", field=str(file)) from None
    return module


def pack_calculators(path: Path) -> CalculatorSet:
    """The core calculators followed by the pack's own (``calculators.py``'s ``CALCULATORS``)."""
    if not (path / "calculators.py").is_file():
        return core_calculators()
    own = getattr(_calculator_module(path), "CALCULATORS", None)
    if not isinstance(own, tuple) or not all(isinstance(c, Calculator) for c in own):
        raise ConfigError("CALCULATORS must be a tuple of Calculator", field=str(path / "calculators.py"))
    try:
        return CalculatorSet(core_calculators().calculators + own)
    except ValueError as exc:
        raise ConfigError(str(exc), field=str(path / "calculators.py")) from None


def _load_pack(path: Path, dictionary: FactDictionary, report: LoadReport) -> Pack:
    meta = read_yaml(path / "pack.yaml")
    ref_file = path / "references.yaml"
    references = parse_references(read_yaml(ref_file) or {}, source=str(ref_file))
    policies = []
    for folder in meta["policies"]:
        file = path / folder / "policy.yaml"
        raw = read_yaml(file)
        try:
            model = parse_policy(raw)
        except ConfigError as exc:
            report.add(str(file), [exc])
            continue
        policy, problems = compile_with_variants(
            model, dictionary, references, source=str(file), pack=str(meta["id"])
        )
        report.add(str(file), problems)
        policies.append(policy)
    sequence = []
    known = {p.id for p in policies}
    for i, step in enumerate(meta.get("sequence", [])):
        cites = tuple(parse_citation(c) for c in step.get("cite", []))
        bad = [c.ref for c in cites if c.ref not in references] + [
            p for p in step.get("policies", []) if p not in known
        ]
        if bad or not cites:
            report.add(
                str(path / "pack.yaml"),
                [ConfigError(f"unknown reference or policy {bad}, or no citation", field=f"sequence[{i}]")],
            )
        sequence.append(SequenceStep(str(step["text"]), tuple(step.get("policies", [])), cites))
    drugs = _vocabulary(meta, policies, path, report)
    return Pack(
        id=str(meta["id"]),
        title=str(meta["title"]),
        version=str(meta["version"]),
        policies=tuple(policies),
        references=references,
        sequence=tuple(sequence),
        path=str(path),
        calculators=pack_calculators(path).with_drugs(drugs),
        drugs=drugs,
    )


def _vocabulary(meta: Any, policies: list[Policy], path: Path, report: LoadReport) -> DrugVocabulary:
    """The pack's drugs: its policies' drugs, ``drugs:`` and the members of ``drug_classes:``::

        drug_classes:
          esa: {label: erythropoiesis-stimulating agent (ESA), drugs: [epoetin alfa, darbepoetin alfa]}
        drugs:
          - {generic: azacitidine, names: [Vidaza], classes: [hma]}
    """
    classes: dict[str, list[str]] = {}  # generic (lower case) -> class ids
    labels: dict[str, str] = {}
    problems: list[ConfigError] = []
    raw_classes = meta.get("drug_classes") or {}
    if not isinstance(raw_classes, dict):
        problems.append(ConfigError("expected a mapping of class id to {label, drugs}", field="drug_classes"))
        raw_classes = {}
    for cid, spec in raw_classes.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("drugs", []), list):
            problems.append(ConfigError("expected {label, drugs: [...]}", field=f"drug_classes.{cid}"))
            continue
        labels[str(cid)] = str(spec.get("label", cid))
        for d in spec.get("drugs", []):
            classes.setdefault(str(d).lower(), []).append(str(cid))
    entries = [
        DrugEntry(p.drug.generic, (*p.drug.names, *p.drug.brands), tuple(classes.get(p.drug.generic.lower(), ())))
        for p in policies
    ]
    for i, d in enumerate(meta.get("drugs") or []):
        if not isinstance(d, dict) or "generic" not in d:
            problems.append(ConfigError("expected {generic, names, classes}", field=f"drugs[{i}]"))
            continue
        generic = str(d["generic"])
        own = [*map(str, d.get("classes", ())), *classes.get(generic.lower(), ())]
        entries.append(DrugEntry(generic, tuple(str(n) for n in d.get("names", ())), tuple(dict.fromkeys(own))))
    vocab = DrugVocabulary.of(entries, labels)
    for cid in labels:
        for d in raw_classes[cid].get("drugs", []):
            if vocab.entry(str(d)) is None:
                problems.append(ConfigError(f"drug {d!r} is neither a policy's drug nor in drugs:",
                                            field=f"drug_classes.{cid}"))
    report.add(str(path / "pack.yaml"), problems)
    return vocab


def compile_policy_text(text: str, catalog: Catalog, *, source: str) -> Policy:
    """Compile a policy from YAML text against the pack of the policy it revises.

    Used for new policy versions drafted through the service; any problem raises
    :class:`ConfigError` naming the field (the same checks as `mednec policies check`).
    """
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 (safe loader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", field=source) from None
    model = parse_policy(raw)
    current = catalog.policy(model.id)
    pack = catalog.pack_of(current)
    policy, problems = compile_with_variants(model, catalog.dictionary, pack.references, source=source, pack=pack.id)
    if problems:
        raise ConfigError(
            f"{len(problems)} problem(s); first: {problems[0]}", field=problems[0].field or source
        )
    return policy


def load_catalog(
    dictionary: FactDictionary,
    packs_dir: Path | None = None,
    *,
    strict: bool = True,
) -> tuple[Catalog, LoadReport]:
    """Load every pack under ``packs_dir``.

    With ``strict`` (the default for evaluation) any problem raises :class:`ConfigError`;
    without it the problems are returned in the report (``mednec policies check``).
    """
    root = packs_dir or default_packs_dir()
    report = LoadReport()
    packs = tuple(
        _load_pack(p, dictionary, report)
        for p in sorted(root.iterdir())
        if (p / "pack.yaml").is_file()
    )
    if strict and not report.ok:
        first_file, errs = next(iter(report.problems.items()))
        raise ConfigError(
            f"{len(errs)} problem(s) in {first_file}; run `mednec policies check`. First: {errs[0]}"
        )
    return Catalog(dictionary, packs), report
