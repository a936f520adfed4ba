"""The payers a request names (CRD and PAS), for the policy's payer variant.

A policy's ``variants`` model public payer policies, each with the ``payer`` it is that payer's (``Cigna``,
``Blue Cross Blue Shield of North Dakota``, ``Aetna / CVS Caremark``: alternatives split on ``/``). A Da Vinci
CRD or PAS request identifies the member's plan with a Coverage (R4 ``Coverage.payor``: a Reference to the
Organization that pays, its ``display`` often the payer's name) and a PAS Claim its ``insurer``. When the
payer named there is a variant's payer, that variant's criteria are the ones the request is judged on: a
Cigna member's Repatha request meets Cigna's LDL-C threshold of 55 mg/dL, not the default's 70.

:func:`payer_names` gives the names (only Coverages in force count: active, or without a status, and -- given the
evaluation date -- with that date inside ``Coverage.period``);
:func:`mednec.policies.payer_match.variant_named` reads them as it reads a question's words (one table of
payers' names and aliases): no payer named, or two variants matching different payers, the policy's own
defaults (``None``), never a guess.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["in_force", "is_active", "payer_names"]

_INACTIVE = {"cancelled", "draft", "entered-in-error"}


_PARTIAL = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _day(value: Any, *, end: bool) -> dt.date | None:
    """The day a FHIR date or dateTime names (a year or a month: its last day for an end, its first for a
    start; a dateTime: its own calendar day, as written), or None when it is not one."""
    m = _PARTIAL.match(value) if isinstance(value, str) else None
    if m is None:
        return None
    try:
        year, month, day = int(m[1]), int(m[2] or (12 if end else 1)), m[3]
        last = calendar.monthrange(year, month)[1]
        return dt.date(year, month, int(day) if day else (last if end else 1))
    except ValueError:
        return None


def in_force(coverage: Mapping[str, Any], on: dt.date) -> bool:
    """Whether ``on`` is inside ``Coverage.period`` (R4: "time period during which the coverage is in
    force"; both ends inclusive, by calendar day). No period: in force. A period that cannot be read (an end
    that is not a date, not an object) cannot show the coverage in force: not in force."""
    if "period" not in coverage:
        return True
    period = coverage["period"]
    if not isinstance(period, Mapping):
        return False
    for key, end in (("start", False), ("end", True)):
        if key in period:
            day = _day(period[key], end=end)
            if day is None or (day > on if not end else day < on):
                return False
    return True


def is_active(coverage: Mapping[str, Any], on: dt.date | None = None) -> bool:
    """Whether a Coverage may be asserted about or name the payer: not cancelled, draft or entered-in-error
    (R4 Coverage.status, FinancialResourceStatusCodes; a Coverage without a status is taken as it stands) and,
    given the evaluation date ``on``, in force on it (:func:`in_force`)."""
    status = coverage.get("status")
    if isinstance(status, str) and status in _INACTIVE:
        return False
    return on is None or in_force(coverage, on)


def _contained(owner: Mapping[str, Any] | None, target: str) -> Any:
    """The resource ``owner`` contains under the local reference ``#id`` (R4 3.1.1.4), or None."""
    inner = owner.get("contained") if isinstance(owner, Mapping) else None
    if not target.startswith("#") or not isinstance(inner, list):
        return None
    return next((r for r in inner if isinstance(r, Mapping) and r.get("id") == target[1:]), None)


def _org_names(ref: Any, resources: Mapping[str, Mapping[str, Any]], owner: Mapping[str, Any] | None = None) -> list[str]:
    """The names a payer Reference gives (the request is untrusted JSON: anything not a string is skipped);
    ``owner``: the resource holding the reference, whose ``contained`` a ``#id`` reference names."""
    if not isinstance(ref, Mapping):
        return []
    out = [ref["display"]] if isinstance(ref.get("display"), str) else []
    target = ref.get("reference")
    if not isinstance(target, str) or not target:
        return out
    target = target.split("/_history/")[0]
    org = _contained(owner, target) or resources.get(target) \
        or resources.get("/".join(target.rstrip("/").split("/")[-2:]))
    if isinstance(org, Mapping) and org.get("resourceType") == "Organization":
        out += [org["name"]] if isinstance(org.get("name"), str) else []
        aliases = org.get("alias")
        out += [a for a in aliases if isinstance(a, str)] if isinstance(aliases, list) else []
    return out


def payer_names(resources: Mapping[str, Mapping[str, Any]], *, claims: Iterable[Mapping[str, Any]] = (),
                on: dt.date | None = None) -> list[str]:
    """The payers' names a request gives: each active Coverage's (in force ``on``, when given) ``payor`` (the Organization's name and alias,
    the reference's display) and a Claim's ``insurer``. ``resources`` maps every name a reference may use
    (``Type/id``, fullUrl) to its resource (:func:`mednec.fhir.crd.index_resources`)."""
    names: list[str] = []
    seen: set[int] = set()
    for r in resources.values():
        if not isinstance(r, Mapping) or r.get("resourceType") != "Coverage" or id(r) in seen:
            continue
        seen.add(id(r))
        payors = r.get("payor")
        if not is_active(r, on) or not isinstance(payors, list):
            continue
        for payor in payors:
            names += _org_names(payor, resources, r)
    for claim in claims:
        if isinstance(claim, Mapping):
            names += _org_names(claim.get("insurer"), resources, claim)
    return list(dict.fromkeys(n for n in names if n.strip()))
