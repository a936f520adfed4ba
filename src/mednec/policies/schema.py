"""The policy file format (YAML), as pydantic models: the boundary where policy files are read.

A policy file holds one drug's policy. Its criteria are trees of nodes; a node is exactly
one of:

* ``all_of: [node, ...]`` -- every child must be met;
* ``any_of: [node, ...]`` -- at least one child must be met;
* ``not: node``;
* a leaf test on one fact: ``fact: <id>`` with one operator -- ``is: true|false``,
  ``eq: v``, ``in: [..]``, ``not_in: [..]``, ``lt/le/gt/ge: n`` (with optional ``unit``).

A node with an ``id`` is a *criterion*: it is reported with its status, needs ``text`` and
at least one ``cite``, and may name the ``documentation`` that establishes it (by default,
the documents of the facts it reads) and say ``if_unmet`` what would change the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AuthorizationModel",
    "ContinuationModel",
    "DosingModel",
    "DrugModel",
    "NodeModel",
    "PathwayModel",
    "PolicyModel",
]

LEAF_OPS = ("is", "eq", "in", "not_in", "lt", "le", "gt", "ge")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class NodeModel(_Strict):
    """One node of a criteria tree."""

    id: str | None = None
    text: str | None = None
    cite: list[str] = Field(default_factory=list)
    documentation: list[str] = Field(default_factory=list)
    if_unmet: str | None = None
    note: str | None = None
    all_of: list[NodeModel] | None = None
    any_of: list[NodeModel] | None = None
    not_: NodeModel | None = Field(default=None, alias="not")
    fact: str | None = None
    is_: bool | None = Field(default=None, alias="is")
    eq: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> NodeModel:
        kinds = [k for k in ("all_of", "any_of", "not_", "fact") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(
                "a node must be exactly one of all_of, any_of, not, or a leaf with fact "
                f"(found {', '.join(k.rstrip('_') for k in kinds) or 'none'})"
            )
        if self.fact is not None:
            ops = self.leaf_ops()
            if len(ops) != 1:
                raise ValueError(
                    f"a leaf on fact {self.fact!r} needs exactly one operator of "
                    f"{', '.join(LEAF_OPS)} (found {', '.join(ops) or 'none'})"
                )
        elif self.unit is not None or self.leaf_ops():
            raise ValueError("operators and unit belong on a leaf with fact")
        if self.id is not None and not self.text:
            raise ValueError(f"criterion {self.id!r} needs text")
        return self

    def leaf_ops(self) -> list[str]:
        """The operators set on this node."""
        names = {"is_": "is", "in_": "in"}
        return [
            names.get(a, a)
            for a in ("is_", "eq", "in_", "not_in", "lt", "le", "gt", "ge")
            if getattr(self, a) is not None
        ]


class AuthorizationModel(_Strict):
    """How long an approval lasts, and why."""

    weeks: int | None = None
    months: int | None = None
    cite: list[str] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _one_length(self) -> AuthorizationModel:
        if (self.weeks is None) == (self.months is None):
            raise ValueError("give exactly one of weeks or months")
        return self


class PathwayModel(_Strict):
    """One route to approval (e.g. first-line in ESA-naive patients)."""

    id: str
    name: str
    line: int = Field(ge=1, le=5)
    description: str = ""
    cite: list[str] = Field(default_factory=list)
    criteria: list[NodeModel] = Field(min_length=1)


class ContinuationModel(_Strict):
    """Re-authorisation criteria."""

    description: str = ""
    criteria: list[NodeModel] = Field(min_length=1)
    authorization: AuthorizationModel
    stop_rule: str = ""
    stop_cite: list[str] = Field(default_factory=list)


class DosingModel(_Strict):
    """One dosing rule (start dose, titration, maximum, interval, hold rule)."""

    id: str
    text: str
    cite: list[str] = Field(min_length=1)
    max_dose: float | None = None
    unit: str | None = None
    min_interval_days: int | None = None


class DrugModel(_Strict):
    """The drug a policy covers."""

    generic: str
    names: list[str] = Field(default_factory=list)
    brands: list[str] = Field(default_factory=list)
    rxnorm: list[str] = Field(default_factory=list)
    hcpcs: list[dict[str, str]] = Field(default_factory=list)
    drug_class: str = ""
    mechanism: str = ""
    mechanism_cite: list[str] = Field(default_factory=list)
    regulatory: list[dict[str, Any]] = Field(default_factory=list)


class ConditionModel(_Strict):
    """A covered condition."""

    system: str
    code: str
    display: str = ""


class PolicyModel(_Strict):
    """A whole policy file."""

    id: str
    version: str
    effective_date: dt.date
    title: str
    drug: DrugModel
    conditions: list[ConditionModel] = Field(min_length=1)
    label_status: str = ""
    common: list[NodeModel] = Field(default_factory=list)
    pathways: list[PathwayModel] = Field(min_length=1)
    initial_authorization: AuthorizationModel
    continuation: ContinuationModel | None = None
    dosing: list[DosingModel] = Field(default_factory=list)
    sequence_note: str = ""
    sequence_cite: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    changes: list[str] = Field(default_factory=list)
