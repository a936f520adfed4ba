"""The shared reference library: every citation in a policy resolves to one of these."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from mednec.errors import ConfigError
from mednec.yaml_loader import strict_mapping

__all__ = ["Citation", "Reference", "parse_citation", "parse_references"]

STATUSES = ("confirmed", "secondary", "unverified")
_FIELDS = ("kind", "title", "issuer", "authors", "journal", "year", "pmid", "doi", "url",
           "version", "revision_date", "status", "note", "for_patients")
KINDS = ("label", "trial", "guideline", "consensus", "payer_policy", "regulation", "decision", "scoring",
         "patient_information", "terminology")


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
    for_patients: bool = False  # a source a patient can read: label, patient guideline, plain summary

    def formatted(self, *, with_ids: bool = True) -> str:
        """One-line reference in a Vancouver-like style; ``with_ids=False`` leaves out the PMID,
        DOI and address (a document prints them as links, :meth:`links`). The editorial note is a record
        for the pack's editors and is never printed; a document's reference list says when a source's
        status is secondary or unverified (:mod:`mednec.render.cites`)."""
        if self.kind == "decision":  # mednec's own record: "mednec editorial decision, version, date"
            when = ", ".join(p for p in (f"Version {self.version}" if self.version else "",
                                        self.revision_date or str(self.year)) if p)
            return f"mednec editorial decision: {self.title.rstrip('.')}. {when}."  # its page: links()
        who = self.authors or self.issuer
        parts = [p.rstrip(".") for p in (who, self.title) if p]
        text = ". ".join(parts)
        if self.journal:
            text += f". {self.journal}"
        if self.version:
            text += f". Version {self.version}"
        year = str(self.year)
        if self.revision_date and year in self.revision_date:  # "February 2026", "3 April 2020"
            revised = self.kind == "label" and "prescribing information" in self.title.lower()
            text += f". {'Revised ' if revised else ''}{self.revision_date}"
        elif year not in self.journal:
            text += f". {year}" + (f" (revised {self.revision_date})" if self.revision_date else "")
        ids = [label for label, _ in self.links()] if with_ids else []
        if ids:
            text += ". " + ". ".join(ids)
        return text + "."

    def short(self) -> str:
        """The source by name: 'REBLOZYL prescribing information', 'MEDALIST trial (2020)',
        'mednec editorial decision', else the first part of the title and the year."""
        title = self.title
        if self.kind == "decision":
            return "mednec editorial decision"
        if self.kind == "label" and "prescribing information" in title.lower():
            return f"{title.split()[0]} prescribing information"
        if self.kind == "trial":
            m = re.search(r"\(([A-Z][A-Za-z0-9-]+)[,)]", title)
            if m:
                return f"{m.group(1)} trial ({self.year})"
        head = re.split(r": |\. ", title)[0]
        return f"{head} ({self.year})"

    def links(self) -> tuple[tuple[str, str], ...]:
        """(label, address) of the PMID, DOI and web address, in that order."""
        out = []
        if self.pmid:
            out.append((f"PMID {self.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"))
        if self.doi:
            out.append((f"doi:{self.doi}", f"https://doi.org/{self.doi}"))
        if self.url:
            # mednec's decision record has a public page in the app (a path on this site)
            label = "The decision record in mednec" if self.kind == "decision" else self.url
            out.append((label, self.url))
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in self._fields
            if getattr(self, k) not in ("", None) and not (k == "for_patients" and not self.for_patients)
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
        strict_mapping(raw, _FIELDS, field=where)
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
        patients = raw.get("for_patients", False)
        if not isinstance(patients, bool):
            raise ConfigError("for_patients must be true or false", field=f"{where}.for_patients")
        out[str(rid)] = Reference(
            id=str(rid), year=year, for_patients=patients,
            **{k: str(v) for k, v in raw.items() if k not in ("year", "for_patients")}
        )
    return out
