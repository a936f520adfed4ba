"""Load policy packs into a :class:`Catalog`: the packs shipped in ``mednec/packs`` and any in
the folders ``MEDNEC_PACKS_DIR`` / ``mednec --packs-dir`` name (:mod:`mednec.packdirs`).

A pack is a folder, and adding one changes no engine, intake or renderer code::

    <pack>/pack.yaml          id, title, version, policy folders, treatment sequence, drug classes, and
                              the facts the requested drug's own records set (``course:``,
                              :mod:`mednec.policies.course`)
    <pack>/facts.yaml         the pack's facts (with their codes, units and ``names``), added to the
                              core fact dictionary; its diagnoses (``extends: diagnosis``)
    <pack>/calculators.py     CALCULATORS: the pack's own calculators (optional)
    <pack>/vocabulary.yaml    how questions and notes name its drugs and conditions (optional;
                              :mod:`mednec.policies.vocabulary`)
    <pack>/text_rules.py      RULES: the pack's own text rules for questions and notes (optional;
                              facts with ``names`` are read without one)
    <pack>/benefits.yaml      uses a plan's benefit excludes (optional; :mod:`mednec.policies.benefits`)
    <pack>/references.yaml    the reference library every citation resolves to
    <pack>/evidence.yaml      cited statements for documents
    <pack>/<drug>/policy.yaml one policy
    <pack>/<drug>/cases/*.yaml its test cases

FHIR intake reads the pack through the fact dictionary (each fact's codes; the diagnoses' codes)
and its policies' drug codes. ``mednec packs new NAME`` writes a working skeleton.

``pack.yaml`` may name drug classes and drugs no policy covers (``drug_classes:``, ``drugs:``),
so a treatment history is read by any drug name or class (see :func:`_vocabulary`).

``calculators.py`` and ``text_rules.py`` are Python: a pack is trusted code, like the rest of the
installation. The shipped packs are imported as ``mednec.packs.<pack>.<module>``; a pack in
another folder is loaded from its file (:func:`pack_module`).
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from mednec.calculators.registry import Calculator, CalculatorSet, core_calculators
from mednec.errors import ConfigError, InputError, UnknownDrugError
from mednec.facts.dictionary import FactDictionary
from mednec.facts.drugs import DrugEntry, DrugVocabulary
from mednec.hygiene import excerpt
from mednec.packdirs import PacksDir, pack_folders, shipped_packs_dir
from mednec.policies.benefits import BenefitExclusion, parse_benefits
from mednec.policies.compile import compile_with_variants
from mednec.policies.course import parse_course
from mednec.policies.model import Pack, Policy, SequenceStep
from mednec.policies.references import parse_citation, parse_references
from mednec.policies.schema import parse_policy
from mednec.policies.vocabulary import PackVocabulary, parse_vocabulary
from mednec.yaml_loader import SafeLoader, load_user_yaml

__all__ = ["Catalog", "LoadReport", "compile_policy_text", "default_packs_dir", "load_catalog", "pack_module",
           "parse_yaml_text", "read_yaml"]

_Loader = SafeLoader


def parse_yaml_text(text: str, *, name: str) -> Any:
    """Parse policy YAML held as text (a stored policy version) as :func:`read_yaml` parses a file."""
    try:
        return load_user_yaml(text, _Loader, field=name)
    except InputError as exc:
        raise ConfigError(exc.message, field=f"{name}: {exc.field}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", field=name) from None


def read_yaml(path: Path) -> Any:
    """Parse a YAML file (a pack's, or a payer profile); errors name the file and line. Packs
    and profiles may come from users too, so anchors and aliases are refused here as well."""
    try:
        return load_user_yaml(path.read_text("utf-8"), _Loader, field=path.name)
    except InputError as exc:
        raise ConfigError(exc.message, field=f"{path}: {exc.field}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"invalid YAML: {getattr(exc, 'problem', exc)}", field=where) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", field=str(path)) from None


def default_packs_dir() -> Path:
    """The folder of the packs shipped inside the package."""
    return shipped_packs_dir()


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
        return self._packs_by_id[policy.pack]

    @cached_property
    def _packs_by_id(self) -> dict[str, Pack]:
        """Each pack by its id (the first of an id, as the scan this replaces found), built once."""
        out: dict[str, Pack] = {}
        for pack in self.packs:
            out.setdefault(pack.id, pack)
        return out

    @cached_property
    def calculators(self) -> CalculatorSet:
        """Every calculator of every pack (the core ones first), for derivations across packs (built
        once per catalog: its drug vocabulary's name index was rebuilt for every FHIR bundle)."""
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

    @cached_property
    def _by_name(self) -> dict[str, Policy]:
        """Every policy by its folded id and names; the first policy (in load order) wins a name."""
        index: dict[str, Policy] = {}
        for p in self.policies():
            for n in (p.id, *p.names()):
                index.setdefault(_fold(n), p)
        return index

    def find_drug(self, name: str) -> Policy:
        """The policy for a drug named by generic, brand or other name (case-insensitive)."""
        found = self._by_name.get(_fold(name))
        if found is not None:
            return found
        all_names = {n: p for p in self.policies() for n in p.names()}
        near = difflib.get_close_matches(name.lower(), [n.lower() for n in all_names], n=1, cutoff=0.75)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        known = "; ".join(f"{p.drug.generic} ({', '.join(p.drug.brands)})" for p in self.policies())
        raise UnknownDrugError(f"no policy covers {name!r}.{hint} Known drugs: {known}", field="drug")


def _fold(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def pack_module(path: Path, module: str) -> Any:
    """The pack's Python module ``module`` (``calculators``, ``text_rules``), or ``None`` when the
    pack has no such file; a module that fails to load is a :class:`ConfigError` naming it."""
    file = path / f"{module}.py"
    if not file.is_file():
        return None
    shipped = default_packs_dir().resolve()
    if path.resolve().parent == shipped:
        return importlib.import_module(f"mednec.packs.{path.name}.{module}")
    name = f"_mednec_pack_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}_{module}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load the {module} module", field=str(file))
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except Exception as exc:  # a broken pack module is an author error, named with its file
        del sys.modules[name]
        raise ConfigError(f"the {module} module failed to load: {exc}", field=str(file)) from None
    return loaded


def pack_calculators(path: Path) -> CalculatorSet:
    """The core calculators followed by the pack's own (``calculators.py``'s ``CALCULATORS``)."""
    module = pack_module(path, "calculators")
    if module is None:
        return core_calculators()
    own = getattr(module, "CALCULATORS", None)
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
    drugs = _vocabulary(meta, policies, path, report, dictionary, references)
    vocabulary = PackVocabulary()
    if (path / "vocabulary.yaml").is_file():
        diagnoses = set(dictionary.facts["diagnosis"].values) if "diagnosis" in dictionary.facts else set()
        try:
            vocabulary = parse_vocabulary(read_yaml(path / "vocabulary.yaml"), where=str(path / "vocabulary.yaml"),
                                          policies=known, diagnoses=diagnoses,
                                          facts={f for f, fd in dictionary.facts.items() if fd.pack == str(meta["id"])})
        except ConfigError as exc:
            report.add(str(path / "vocabulary.yaml"), [exc])
    benefits: tuple[BenefitExclusion, ...] = ()
    if (path / "benefits.yaml").is_file():
        benefits, problems = parse_benefits(read_yaml(path / "benefits.yaml"), where=str(path / "benefits.yaml"),
                                            pathways={p.id: {pw.id for pw in p.pathways} for p in policies},
                                            references=references)
        report.add(str(path / "benefits.yaml"), problems)
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
        vocabulary=vocabulary,
        benefits=benefits,
    )


def _policy_drugs(policies: list[Policy], classes: dict[str, list[str]]) -> list[DrugEntry]:
    """Each policy's drug with its names, classes and the codes its ``drug:`` section gives it."""
    return [DrugEntry(p.drug.generic, (*p.drug.names, *p.drug.brands), tuple(classes.get(p.drug.generic.lower(), ())),
                      (*(("RxNorm", str(c)) for c in p.drug.rxnorm),
                       *(("HCPCS", str(h.get("code"))) for h in p.drug.hcpcs)))
            for p in policies]


def _vocabulary(meta: Any, policies: list[Policy], path: Path, report: LoadReport, dictionary: FactDictionary,
                references: Mapping[str, Any]) -> DrugVocabulary:
    """The pack's drugs: its policies' drugs (with their codes and the ``course:`` their own records set,
    :mod:`mednec.policies.course`), ``drugs:`` and the members of ``drug_classes:``::

        drug_classes:
          esa: {label: erythropoiesis-stimulating agent (ESA), drugs: [epoetin alfa, darbepoetin alfa]}
          statin: {label: statin, drugs: [...], names: [statin, statins]}   # names: the class as a whole in text
        drugs:
          - {generic: azacitidine, names: [Vidaza], classes: [hma]}
    """
    classes: dict[str, list[str]] = {}  # generic (lower case) -> class ids
    labels: dict[str, str] = {}
    names: dict[str, tuple[str, ...]] = {}
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
        raw_names = spec.get("names", [])
        if not isinstance(raw_names, list) or not all(isinstance(n, str) and n.strip() for n in raw_names):
            problems.append(ConfigError("names: expected a list of words", field=f"drug_classes.{cid}.names"))
        else:
            names[str(cid)] = tuple(n.strip() for n in raw_names)
        for d in spec.get("drugs", []):
            classes.setdefault(str(d).lower(), []).append(str(cid))
    entries = _policy_drugs(policies, classes)
    courses, course_problems = parse_course(meta.get("course"), dictionary, entries, references)
    problems += course_problems
    entries = [replace(e, course=courses.get(e.generic)) for e in entries]
    for i, d in enumerate(meta.get("drugs") or []):
        if not isinstance(d, dict) or "generic" not in d:
            problems.append(ConfigError("expected {generic, names, classes}", field=f"drugs[{i}]"))
            continue
        generic = str(d["generic"])
        own = [*map(str, d.get("classes", ())), *classes.get(generic.lower(), ())]
        entries.append(DrugEntry(generic, tuple(str(n) for n in d.get("names", ())), tuple(dict.fromkeys(own))))
    vocab = DrugVocabulary.of(entries, labels, names)
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
        raw = load_user_yaml(text, _Loader)  # no anchors or aliases; NUL, surrogates and depth checked
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = excerpt(str(getattr(exc, "problem", None) or exc), 200)
        raise ConfigError(f"invalid YAML{where}: {problem}", field=source) from None
    except InputError as exc:
        raise ConfigError(exc.message, field=exc.field) from None
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
    packs_dir: PacksDir = None,
    *,
    strict: bool = True,
) -> tuple[Catalog, LoadReport]:
    """Load every pack under ``packs_dir`` (one folder or several; default: the shipped packs and
    the folders ``MEDNEC_PACKS_DIR`` names).

    With ``strict`` (the default for evaluation) any problem raises :class:`ConfigError`;
    without it the problems are returned in the report (``mednec policies check``).
    """
    report = LoadReport()
    packs = tuple(_load_pack(p, dictionary, report) for p in pack_folders(packs_dir))
    seen: dict[str, str] = {}
    for pack in packs:
        if pack.id in seen:
            report.add(str(Path(pack.path) / "pack.yaml"),
                       [ConfigError(f"pack id {pack.id!r} is also the id of the pack in {seen[pack.id]}", field="id")])
        seen.setdefault(pack.id, pack.path)
    policy_ids: dict[str, str] = {}
    for pack in packs:
        for pol in pack.policies:
            if pol.id in policy_ids and policy_ids[pol.id] != pack.id:
                report.add(str(Path(pack.path) / "pack.yaml"),
                           [ConfigError(f"policy id {pol.id!r} is also a policy of pack {policy_ids[pol.id]!r}",
                                        field="policies")])
            policy_ids.setdefault(pol.id, pack.id)
    if strict and not report.ok:
        first_file, errs = next(iter(report.problems.items()))
        raise ConfigError(
            f"{len(errs)} problem(s) in {first_file}; run `mednec policies check`. First: {errs[0]}"
        )
    return Catalog(dictionary, packs), report
