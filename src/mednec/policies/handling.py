"""How a criterion handles an undocumented fact: required (the default), presumed, or inferred.

Written on a leaf, beside its test::

    - id: not_immediate_correction
      fact: immediate_correction_needed
      is: false
      presume:                       # met unless the case says otherwise or a warning sign shows
        attest: The drug is not being used in place of a transfusion to correct anemia immediately.
        why: A statement of intent that charts rarely record; payer forms ask it as a tick box.
        unless:                      # warning signs: any of these documented -> ask instead
          - {fact: hemoglobin, lt: 6, unit: g/dL}
          - {fact: acute_bleeding, is: true}
        cite: [mednec-mds-decisions]

    - id: symptomatic_anemia
      fact: anemia_symptomatic
      is: true
      infer:                         # derived from other facts, in order; the first that holds
        - when: {fact: rbc_units_16w, gt: 0}
          value: true                # or, for a number, between: [0, 1]
          because: the patient needs RBC transfusions (any in the last 16 weeks)

*Required* is the default: an undocumented fact leaves the criterion unknown and is requested.
A *presumed* criterion is met when its fact is undocumented and no warning sign is documented;
the answer lists the presumption with the statement the request must attest. A stated
contrary value is tested as usual (not met). An *inferred* value is used only when the fact is
undocumented, and the answer says what it was inferred from. A fact a case states always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from mednec.errors import ConfigError
from mednec.yaml_loader import strict_mapping

__all__ = ["InferModel", "PresumeModel", "parse_infer", "parse_presume"]

_PRESUME_KEYS = ("attest", "why", "unless", "cite")
_INFER_KEYS = ("when", "value", "between", "because")


class PresumeModel(NamedTuple):
    """A presumption as written."""

    attest: str
    why: str
    unless: tuple[Any, ...]  # NodeModel warning signs
    cite: tuple[str, ...]
    path: str


class InferModel(NamedTuple):
    """One inference rule as written."""

    when: Any  # NodeModel
    value: Any
    between: tuple[float, float] | None
    because: str
    path: str


def _mapping(raw: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    return dict(strict_mapping(raw, allowed, field=path, at_key=True))


def _text(raw: dict[str, Any], key: str, path: str) -> str:
    v = raw.get(key)
    if not isinstance(v, str) or not v.strip():
        raise ConfigError("is required (a sentence)", field=f"{path}.{key}")
    return v.strip()


def parse_presume(raw: Any, path: str, node: Callable[[Any, str], Any]) -> PresumeModel:
    """Read ``presume:``; ``node`` parses a warning-sign node."""
    r = _mapping(raw, path, _PRESUME_KEYS)
    unless = r.get("unless") or []
    if not isinstance(unless, list):
        raise ConfigError("expected a list of warning-sign tests", field=f"{path}.unless")
    cite = r.get("cite") or []
    if not isinstance(cite, list):
        raise ConfigError("expected a list of citations", field=f"{path}.cite")
    return PresumeModel(
        attest=_text(r, "attest", path),
        why=_text(r, "why", path),
        unless=tuple(node(u, f"{path}.unless[{i}]") for i, u in enumerate(unless)),
        cite=tuple(str(c) for c in cite),
        path=path,
    )


def parse_infer(raw: Any, path: str, node: Callable[[Any, str], Any]) -> tuple[InferModel, ...]:
    """Read ``infer:`` (a list of rules); ``node`` parses each rule's ``when``."""
    if not isinstance(raw, list) or not raw:
        raise ConfigError("expected a non-empty list of {when, value or between, because}", field=path)
    out = []
    for i, item in enumerate(raw):
        p = f"{path}[{i}]"
        r = _mapping(item, p, _INFER_KEYS)
        if "when" not in r:
            raise ConfigError("is required (the test the inference rests on)", field=f"{p}.when")
        if ("value" in r) == ("between" in r):
            raise ConfigError("give exactly one of value or between", field=p)
        between = None
        if "between" in r:
            b = r["between"]
            if (not isinstance(b, list) or len(b) != 2
                    or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in b) or b[0] > b[1]):
                raise ConfigError("between takes [low, high] numbers with low <= high", field=f"{p}.between")
            between = (float(b[0]), float(b[1]))
        out.append(InferModel(node(r["when"], f"{p}.when"), r.get("value"), between, _text(r, "because", p), p))
    return tuple(out)
