"""The shared reference library: every citation in a policy resolves to one of these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mednec.errors import ConfigError

__all__ = ["Citation", "Reference", "parse_citation", "parse_references"]

KINDS = ("label", "trial", "guideline", "consensus", "payer_policy", "regulation", "decision", "scoring")


class _ReferenceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    title: str
    issuer: str = ""
    authors: str = ""
    journal: str = ""
    year: int = Field(ge=1950, le=2100)
    pmid: str = ""
    doi: str = ""
    url: str = ""
    version: str = ""
    revision_date: str = ""
    status: str = "confirmed"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Reference:
    """A full reference: label, trial publication, guideline, payer policy or decision."""

    id: str
    kind: str
    title: str
    year: int
    issuer: str = ""
    authors: str = ""
    journal: str = ""
    pmid: str = ""
    doi: str = ""
    url: str = ""
    version: str = ""
    revision_date: str = ""
    status: str = "confirmed"
    note: str = ""

    def formatted(self) -> str:
        """One-line reference in a Vancouver-like style."""
        who = self.authors or self.issuer
        parts = [p for p in (who, self.title) if p]
        text = ". ".join(parts)
        if self.journal:
            text += f". {self.journal}"
        if self.version:
            text += f". Version {self.version}"
        text += f". {self.year}"
        if self.revision_date:
            text += f" (revised {self.revision_date})"
        ids = []
        if self.pmid:
            ids.append(f"PMID {self.pmid}")
        if self.doi:
            ids.append(f"doi:{self.doi}")
        if self.url:
            ids.append(self.url)
        if ids:
            text += ". " + ". ".join(ids)
        if self.status != "confirmed":
            text += f" [{self.status}]"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in self.__slots__
            if getattr(self, k) not in ("", None)
        }


@dataclass(frozen=True, slots=True)
class Citation:
    """A pointer into the reference library, optionally to a section (``ref:section``)."""

    ref: str
    section: str = ""

    def __str__(self) -> str:
        return f"{self.ref} §{self.section}" if self.section else self.ref


def parse_citation(text: str) -> Citation:
    """``"reblozyl-pi:1.2"`` -> Citation("reblozyl-pi", "1.2")."""
    ref, _, section = text.partition(":")
    return Citation(ref.strip(), section.strip())


def parse_references(data: Mapping[str, Any], *, source: str) -> dict[str, Reference]:
    """Parse a references.yaml mapping of id -> reference."""
    out: dict[str, Reference] = {}
    for rid, raw in data.items():
        try:
            m = _ReferenceModel.model_validate(raw)
        except Exception as exc:  # pydantic.ValidationError
            raise ConfigError(f"invalid reference: {exc}", field=f"{source}:{rid}") from None
        if m.kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}", field=f"{source}:{rid}.kind")
        out[str(rid)] = Reference(id=str(rid), **m.model_dump())
    return out
