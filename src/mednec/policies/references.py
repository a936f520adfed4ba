"""The shared reference library: every citation in a policy resolves to one of these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mednec.errors import ConfigError

__all__ = ["Citation", "Reference", "parse_citation", "parse_references"]

STATUSES = ("confirmed", "secondary", "unverified")
_FIELDS = ("kind", "title", "issuer", "authors", "journal", "year", "pmid", "doi", "url",
           "version", "revision_date", "status", "note")
KINDS = ("label", "trial", "guideline", "consensus", "payer_policy", "regulation", "decision", "scoring")


class Reference(NamedTuple):
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
        parts = [p.rstrip(".") for p in (who, self.title) if p]
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
            for k in self._fields
            if getattr(self, k) not in ("", None)
        }


class Citation(NamedTuple):
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
        where = f"{source}:{rid}"
        if not isinstance(raw, Mapping):
            raise ConfigError("expected a mapping", field=where)
        extra = sorted(set(map(str, raw)) - set(_FIELDS))
        if extra:
            raise ConfigError(f"unknown key(s) {', '.join(extra)}; allowed: {', '.join(_FIELDS)}", field=where)
        for key in ("kind", "title", "year"):
            if raw.get(key) in (None, ""):
                raise ConfigError(f"{key} is required", field=where)
        if raw["kind"] not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}", field=f"{where}.kind")
        year = raw["year"]
        if isinstance(year, bool) or not isinstance(year, int) or not 1950 <= year <= 2100:
            raise ConfigError(f"year must be a year, got {year!r}", field=f"{where}.year")
        if raw.get("status", "confirmed") not in STATUSES:
            raise ConfigError(f"status must be one of {', '.join(STATUSES)}", field=f"{where}.status")
        out[str(rid)] = Reference(
            id=str(rid), year=year, **{k: str(v) for k, v in raw.items() if k != "year"}
        )
    return out
