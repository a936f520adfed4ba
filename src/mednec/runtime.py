"""Wiring at the edge: load the fact dictionary and the policy catalog once per process.

Nothing here runs at import time; callers ask for a :class:`Runtime` and pass it on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mednec.engine.benefit import with_benefit
from mednec.engine.determination import Determination
from mednec.engine.evaluate import evaluate
from mednec.facts.dictionary import FactDictionary, load_dictionary
from mednec.facts.factset import FactSet
from mednec.intake.case_file import Case, check_limits, parse_case
from mednec.packdirs import PacksDir
from mednec.policies.loader import Catalog, load_catalog
from mednec.policies.model import Policy

__all__ = ["Runtime", "default_runtime"]


@dataclass(frozen=True, eq=False)
class Runtime:
    """The loaded fact dictionary and policy catalog."""

    dictionary: FactDictionary
    catalog: Catalog

    @classmethod
    def load(cls, packs_dir: PacksDir = None) -> Runtime:
        """The dictionary and catalog of the packs in ``packs_dir`` (one folder or several; default:
        the shipped packs and the folders ``MEDNEC_PACKS_DIR`` names)."""
        dictionary = load_dictionary(packs_dir)
        catalog, _ = load_catalog(dictionary, packs_dir)
        return cls(dictionary, catalog)

    def read_case(self, path: Path, *, as_of: dt.date | None = None, drug: str | None = None) -> Case:
        """Load and validate a case file (YAML or JSON) or a FHIR R4 Bundle.

        ``drug`` is the requested drug: a Bundle's doses of it give ``treatment_start`` and
        ``treatment_doses`` (see :mod:`mednec.intake.fhir.treatment`).
        """
        from mednec.intake.loader import load_any  # lazy: FHIR modules load only for a Bundle

        data = load_any(path, self.dictionary, as_of=as_of, drug=drug, drugs=self.catalog.calculators.drugs)
        check_limits(data, self.dictionary)
        return parse_case(data, self.dictionary, as_of=as_of, source=f"case file {path.name}")

    def parse_case(self, data: Any, *, as_of: dt.date | None = None, source: str = "case file") -> Case:
        """Validate an already-parsed case mapping (limits first, see ``check_limits``)."""
        if isinstance(data, Mapping):
            check_limits(data, self.dictionary)
        return parse_case(data, self.dictionary, as_of=as_of, source=source)

    def evaluate(self, facts: FactSet, drug: str | Policy, *, phase: str = "initial",
                 variant: str | None = None, program: str | None = None,
                 exclusions: tuple[str, ...] = ()) -> Determination:
        """Evaluate the policy for ``drug`` (a name or a policy) against ``facts``; ``variant``
        names one of the policy's payer variants (default: the policy's own parameters). Under a
        plan (its ``program`` and the benefit ``exclusions`` it names), a use its benefit excludes
        is reported as ``benefit`` beside the unchanged clinical determination."""
        policy = drug if isinstance(drug, Policy) else self.catalog.find_drug(drug)
        if variant is not None:
            policy = policy.with_variant(variant)
        pack = self.catalog.pack_of(policy)
        det = evaluate(policy, facts, pack, self.dictionary, phase=phase)
        if program is None and not exclusions:
            return det
        return with_benefit(det, policy, pack, program, exclusions)


@lru_cache(maxsize=1)
def default_runtime() -> Runtime:
    """The runtime for the packs shipped in the package and those in the folders ``MEDNEC_PACKS_DIR``
    names (loaded on first use)."""
    return Runtime.load()
