"""Benefit versus necessity: apply a plan's benefit exclusions to a determination.

:func:`with_benefit` keeps the clinical determination exactly as the engine made it and adds a
:class:`~mednec.engine.determination.Benefit` when the plan excludes the use being requested. The
use is the pathway: every met pathway when the determination meets (a patient who qualifies both for
weight management and for cardiovascular risk reduction is not excluded as a whole because the first
is); otherwise every pathway not ruled out (status met or unknown) -- all of them excluded gives
``excluded``, some of them ``excluded_for_some_uses`` (naming them). A policy listed with no pathways
is excluded for every use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from mednec.engine.determination import Benefit, Determination
from mednec.policies.benefits import BenefitExclusion
from mednec.policies.model import Pack, Policy
from mednec.tri import Tri

__all__ = ["applicable", "with_benefit"]


def applicable(pack: Pack, program: str | None, plan_exclusions: Sequence[str] = ()) -> tuple[BenefitExclusion, ...]:
    """The pack's exclusions a plan applies: those of its program and those it names by id."""
    return tuple(e for e in pack.benefits if (program is not None and program in e.programs) or e.id in plan_exclusions)


def with_benefit(det: Determination, policy: Policy, pack: Pack, program: str | None,
                 plan_exclusions: Sequence[str] = ()) -> Determination:
    """``det`` with ``benefit`` set when the plan's benefit excludes this use (else ``det`` itself)."""
    for rule in applicable(pack, program, plan_exclusions):
        if policy.id not in rule.applies_to:
            continue
        listed = rule.applies_to[policy.id]
        uses: tuple[str, ...]
        if det.pathway is not None:  # every met pathway is a use the request qualifies for
            uses = tuple(p.id for p in det.pathways if p.status is Tri.MET) or (det.pathway.id,)
        else:
            uses = tuple(p.id for p in det.pathways if p.status is not Tri.NOT_MET) or tuple(p.id for p in det.pathways)
        excluded = uses if not listed else tuple(u for u in uses if u in listed)
        if not excluded and uses:
            continue
        status = "excluded" if len(excluded) == len(uses) else "excluded_for_some_uses"
        sources = tuple({"id": c.ref, "text": _source(pack, c.ref)} for c in rule.cites)
        names = {p.id: p.name for p in policy.pathways}
        benefit = Benefit(status, rule.id, rule.benefit, program, rule.text, excluded, sources,
                          tuple(names.get(u, u) for u in excluded))
        return dataclasses.replace(det, benefit=benefit)
    return det


def _source(pack: Pack, ref: str) -> str:
    """A rule's source by name: a statute or regulation by its title up to the colon
    ('Social Security Act section 1927(d)(2)(A) [42 U.S.C. 1396r-8(d)(2)(A)]'), else its short name."""
    r = pack.references.get(ref)
    if r is None:
        return ref
    return r.title.split(": ")[0] if r.kind == "regulation" else r.short()
