"""What the per-resource mappers share: where a resource sits, what it yields, and helpers.

A mapper takes one resource (a plain dict, already validated against the R4B model) and
returns :class:`Finding` (a candidate value for one fact) and :class:`EventFinding` (one
transfusion, ESA course or dose of the requested drug) records, or raises :class:`NotMapped`
with the reason, so that the bundle lists the resource instead of dropping it. A used
resource with a part that gave nothing (an Observation component without a value) also
returns an :class:`UnusedPart`, which the bundle lists the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

from mednec.errors import CaseFormatError
from mednec.facts.days import iso_day
from mednec.facts.dictionary import FactDef, FactDictionary
from mednec.facts.drugs import DrugEntry, DrugVocabulary
from mednec.intake.fhir.code_tables import loinc_alternatives
from mednec.intake.fhir.codes import LOCAL_SYSTEM, LOINC, codings, concept_texts, fold, system_uri
from mednec.intake.memo import Bounded
from mednec.intake.values import parse_fact_value

__all__ = [
    "Context",
    "EsaCourse",
    "EsaDose",
    "EventFinding",
    "EventList",
    "Finding",
    "HistoryEntry",
    "NotMapped",
    "Source",
    "Transfusion",
    "UnusedPart",
    "completed_on",
    "fhir_datetime",
    "fhir_date_of",
    "observed_on",
    "validated_value",
]


class Source(NamedTuple):
    """Where a resource sits in the bundle: ``entry[3].resource(Observation/hb1)``."""

    entry: int
    ref: str

    @property
    def path(self) -> str:
        return f"entry[{self.entry}].resource({self.ref})"


class Finding(NamedTuple):
    """A candidate value (canonical unit) for one scalar fact, from one resource.

    Among candidates for the same fact the latest ``when`` wins; ``rank`` breaks ties
    (a value stated directly outranks one read off a karyotype string), then ``revised``
    and ``issued``: results for one specimen (one effective time) are versions of one result,
    so an ``amended`` / ``corrected`` one supersedes a ``final`` one and, among corrections, the
    later issued wins (two ``final`` results of one time: the first in the bundle). ``part`` is the element inside the resource the value came from
    (``.component[0]``), empty for the resource's own value.
    """

    fact: str
    value: Any
    unit: str | None
    when: dt.datetime | None
    source: Source
    detail: str = ""
    rank: int = 1
    label: str = ""
    part: str = ""
    comparator: str = ""  # "<", "<=", ">" or ">=": the value is a bound, not exact
    revised: bool = False  # an amended or corrected result (R4 ObservationStatus)
    issued: dt.datetime | None = None  # when a revised result was reported (Observation.issued)
    #: the last possible day of an effective time given as a partial date (``2026-09``); ``when`` is its first
    last: dt.date | None = None

    @property
    def date(self) -> dt.date | None:
        return self.when.date() if self.when else None

    @property
    def where(self) -> str:
        """The resource, or the element of it, the value came from: ``Observation/cbc1.component[0]``."""
        return self.label or f"{self.source.ref}{self.part}"

    @property
    def origin(self) -> str:
        """The provenance written into the case: ``FHIR Observation/hb1`` or a QR item."""
        return self.label or f"FHIR {self.source.ref}{self.part}"


class UnusedPart(NamedTuple):
    """A part of a used resource that gave no fact (``.component[2]``), and why."""

    source: Source
    part: str
    reason: str


class EventList(NamedTuple):
    """A complete list of events attested at once (a QuestionnaireResponse answer).

    It replaces events assembled from individual resources for the same fact.
    """

    fact: str
    events: tuple[Mapping[str, Any], ...]
    when: dt.datetime | None
    source: Source
    label: str


@dataclass(frozen=True, slots=True)
class EsaCourse:
    """One ESA course: ``drug`` from ``start`` to ``end`` (``None``: still running), with its ``response``."""

    drug: str
    start: dt.date
    end: dt.date | None
    response: str

    def as_event(self) -> dict[str, Any]:
        """The case file's ``esa_history`` event (ISO dates; no ``end`` while running)."""
        event: dict[str, Any] = {"drug": self.drug, "start": iso_day(self.start)}
        if self.end is not None:
            event["end"] = iso_day(self.end)
        event["response"] = self.response
        return event


@dataclass(frozen=True, slots=True)
class EsaDose:
    """One ESA dose of ``drug`` given on ``day`` (joined into a course when the history is assembled)."""

    drug: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class Transfusion:
    """One red-cell transfusion of ``units`` on ``day``."""

    day: dt.date
    units: int

    def as_event(self) -> dict[str, Any]:
        """The case file's ``rbc_transfusions`` event."""
        return {"date": iso_day(self.day), "units": self.units}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One earlier treatment with a drug the packs know: its ``response`` (``ongoing`` while active),
    why it stopped, its dates and dose when documented."""

    drug: str
    response: str
    start: dt.date | None = None
    end: dt.date | None = None
    reason_stopped: str | None = None
    dose: tuple[float, str] | None = None
    #: a statin's intensity when no one dose is documented (a ``doseRange`` both of whose ends have it)
    intensity: str | None = None
    #: the first and last possible day of a start given as a partial date (``2024``, ``2026-09``), when ``start`` is None
    start_range: tuple[dt.date, dt.date] | None = None

    def as_event(self) -> dict[str, Any]:
        """The case file's ``medication_history`` entry (dates as dates; absent fields left out)."""
        event: dict[str, Any] = {"drug": self.drug}
        if self.start is not None:
            event["start"] = self.start
        elif self.start_range is not None:
            event["start_earliest"], event["start_latest"] = self.start_range
        event["response"] = self.response
        if self.reason_stopped is not None:
            event["reason_stopped"] = self.reason_stopped
        if self.end is not None:
            event["end"] = self.end
        if self.dose is not None:
            event["dose"], event["dose_unit"] = self.dose
        if self.intensity is not None:
            event["intensity"] = self.intensity
        return event


#: the typed events of an ``events`` fact
Event = EsaCourse | EsaDose | Transfusion | HistoryEntry


class EventFinding(NamedTuple):
    """One event of an ``events`` fact (a transfusion, an ESA course), from its resources.

    ``event`` is ``None`` for a resource that documents the event incompletely (an ESA course
    with no documented response): the whole fact is then left unknown for the clinician.
    ``negative`` marks explicit evidence of none (an ESA recorded as not taken).
    """

    fact: str
    event: Event | None
    sources: tuple[Source, ...]
    detail: str = ""
    negative: bool = False
    key: str = ""


class NotMapped(Exception):
    """The resource yields no fact; ``reason`` says why (it is listed, not dropped)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def fhir_datetime(raw: Any, *, path: str) -> dt.datetime | None:
    """A FHIR date / dateTime / instant as the naive date and time its source wrote.

    A time with an offset (``2026-11-20T23:30:00-05:00``) keeps its own wall-clock time and so its own
    calendar day (``2026-11-20T23:30``), the day the lab report prints: mednec's editorial decision of
    7 December 2026 (the local calendar day). A date without a time is that source's calendar day too, so
    every date a bundle gives is read in one calendar; the Bundle's timestamp gives the evaluation date the
    same way (``bundle._evaluation_date``). Was: converted to UTC (``2026-11-21T04:30``), which dated an
    evening draw in the Americas by the next day while the plain dates beside it stayed local. Two instants
    of one day in different offsets are ordered by their wall-clock times (hours apart at most; every
    criterion counts days). A time without an offset is taken as written.

    Partial dates (``2026`` or ``2026-10``) cannot place an event in a window and raise
    :class:`NotMapped`.
    """
    if raw is None:
        return None
    if raw.__class__ is str:
        known = _MOMENTS.get(raw)
        if known is not None:
            return known
    text = str(raw)
    if len(text) < 10:
        raise NotMapped(f"{path} is a partial date ({text}); a full date is needed")
    try:
        if len(text) == 10:
            moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        else:
            # the wall-clock time in its own offset: its own calendar day (see above)
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise CaseFormatError(f"expected a FHIR date or dateTime, got {text!r}", field=path) from None
    if raw.__class__ is str:
        if len(_MOMENTS) >= _MOMENTS_MAX:
            _MOMENTS.clear()
        _MOMENTS[raw] = moment
    return moment


#: Dates and times already read (the text as written -> the naive local datetime, which is immutable): the
#: same days recur across resources and patients. A failure is never remembered, so its message names its
#: own field. Bounded: cleared when full.
_MOMENTS: dict[str, dt.datetime] = {}
_MOMENTS_MAX = 8192


def fhir_date_of(resource: Mapping[str, Any], prefix: str, *, path: str) -> dt.datetime | None:
    """The start of ``<prefix>DateTime`` / ``<prefix>Instant`` / ``<prefix>Period`` of a resource."""
    for suffix in ("DateTime", "Instant", "Date"):
        if resource.get(prefix + suffix) is not None:
            return fhir_datetime(resource[prefix + suffix], path=f"{path}.{prefix}{suffix}")
    period = resource.get(prefix + "Period")
    if period:
        raw = period.get("start") or period.get("end")
        return fhir_datetime(raw, path=f"{path}.{prefix}Period")
    return None


def observed_on(resource: Mapping[str, Any], *, path: str) -> dt.datetime | None:
    """When an Observation's value held: ``effectiveDateTime`` / ``effectiveInstant``, else the END of
    ``effectivePeriod`` (the specimen's collection or the measurement finished then, so that is the value's age:
    a period 2026-07-01..07-02 is 157 days old on 2026-12-06, not 158), else its start; ``None`` without one."""
    period = resource.get("effectivePeriod")
    if period and resource.get("effectiveDateTime") is None and resource.get("effectiveInstant") is None:
        raw = period.get("end") or period.get("start")
        return fhir_datetime(raw, path=f"{path}.effectivePeriod")
    return fhir_date_of(resource, "effective", path=path)


def partial_days(raw: Any) -> tuple[dt.date, dt.date] | None:
    """The first and last day a partial FHIR date names (``2026`` -> 2026-01-01..12-31, ``2026-10`` ->
    2026-10-01..31), or ``None`` when ``raw`` is not a valid partial date."""
    text = str(raw or "")
    try:
        if len(text) == 4:
            year = int(text)
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if len(text) == 7 and text[4] == "-":
            first = dt.date(int(text[:4]), int(text[5:]), 1)
            return first, (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    except ValueError:
        return None
    return None


def completed_on(resource: Mapping[str, Any], prefix: str, *, path: str) -> dt.datetime:
    """When a completed event happened (``<prefix>DateTime`` / ``Period`` ...); :class:`NotMapped` when the
    resource's status is not ``completed`` or it has no such date."""
    status = resource.get("status")
    if status != "completed":
        raise NotMapped(f"status is {status}")
    when = fhir_date_of(resource, prefix, path=path)
    if when is None:
        raise NotMapped(f"no {prefix} date")
    return when


#: Values already checked: (fact id, value's type, value, unit) -> (the FactDef, canonical value, unit).
#: The check depends on nothing else (no evaluation date: ``as_of`` is ``date.max``), and most values
#: recur across patients (9.5 g/dL, "very_low", true); a failure is never remembered, so its message
#: always names its own field. Bounded: cleared when full.
_CHECKED: Bounded[tuple[str, type, Any, str | None], tuple[FactDef, Any, str | None]] = Bounded(8192)
_SCALARS = (str, int, float, bool)


def validated_value(
    fd: FactDef, value: Any, unit: str | None, when: dt.datetime | None, *, path: str
) -> tuple[Any, str | None]:
    """Check ``value`` against the dictionary (type, unit, range) and return it canonical."""
    key = (fd.id, value.__class__, value, unit) if value.__class__ in _SCALARS else None
    if key is not None:
        hit = _CHECKED.get(key)
        if hit is not None and hit[0] is fd:
            return hit[1], hit[2]
    raw: dict[str, Any] = {"value": value}
    if unit is not None:
        raw["unit"] = unit
    fv = parse_fact_value(fd, raw, as_of=dt.date.max, path=path, source="FHIR")
    if fv is None:  # an empty value is no value (as in a case file): the element documents nothing
        raise NotMapped(f"{path}: empty value")
    if key is not None:
        _CHECKED.keep(key, (fd, fv.value, fv.unit))
    return fv.value, fv.unit


_NAME_ABBREVIATION = re.compile(r"^\s*(.+?)\s*\(([^()]{1,40})\)\s*$")
#: Where a lab's own name ends and its qualifiers begin, as lab systems write a local test name: the
#: method ("del(5q) by FISH"), a parenthesis after a space ("Ring sideroblasts (iron stain)"), a comma
#: ("Erythropoietin, serum"), a dash or a bracket ("LDL-C - direct", "EPO [mIU/mL]"). A parenthesis
#: without a space before it is part of the name ("del(5q)").
_QUALIFIER = re.compile(r"\s+by\s+|\s+\(|\s*,\s+|\s+-\s+|\s+\[|\s*:\s+", re.I)


@cache
def _code_index(dictionary: FactDictionary) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """(system, code) -> fact and folded text -> fact, built once per dictionary (not per bundle)."""
    codes: dict[tuple[str, str], str] = {}
    texts: dict[str, str] = {}
    for fd in dictionary.facts.values():
        if not fd.may_give or fd.type == "events":
            continue
        codes.setdefault((LOCAL_SYSTEM, fd.id), fd.id)
        for c in fd.codes:  # first declaration wins: 718-7 is hemoglobin, not the baseline
            codes.setdefault((system_uri(c.system), c.code), fd.id)
        texts.setdefault(fold(fd.label), fd.id)
        for name in fd.names:  # a pack's words for the fact ("HbA1c", "LDL-C")
            texts.setdefault(fold(name), fd.id)
    for fid, alternatives in loinc_alternatives().items():  # verified codes an EHR may send instead
        if fid in dictionary.facts:
            for code in alternatives:
                codes.setdefault((LOINC, code), fid)
    for fd in dictionary.facts.values():  # a pack's further EHR texts for its facts win over labels
        for alias in fd.fhir_texts:
            texts[fold(alias)] = fd.id
    return codes, texts


@dataclass(eq=False)
class Context:
    """What every mapper may read: the dictionary, the evaluation date, the bundle index and the
    requested drug (``drug``, the packs' entry for it; ``drug_name`` as the caller gave it, also when
    not recognised)."""

    dictionary: FactDictionary
    as_of: dt.date
    resources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sources: Mapping[str, Source] = field(default_factory=dict)
    drug: DrugEntry | None = None
    drug_name: str | None = None
    #: the loaded packs' drug names, classes, codes and courses; None: no drug is recognised
    drugs: DrugVocabulary | None = None
    #: the vocabulary the requested drug's own records are recognised by (``drugs``, else the default packs')
    course_drugs: DrugVocabulary | None = None
    #: the resource being mapped, and the resources each entry read through references
    current: Source | None = None
    links: dict[int, set[Source]] = field(default_factory=dict)
    _codes: dict[tuple[str, str], str] = field(default_factory=dict)
    _texts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._codes, self._texts = _code_index(self.dictionary)

    def fact_for_code(self, concept: Mapping[str, Any] | None,
                      coded: list[tuple[str, str, str]] | None = None) -> str | None:
        """The fact a CodeableConcept names, by code first, then by its text (``coded``: its
        :func:`codings`, when the caller has them)."""
        if coded is None:
            coded = codings(concept)
        for system, code, _ in coded:
            fid = self._codes.get((system, code))
            if fid:
                return fid
        texts = concept_texts(concept, coded)
        for text in texts:
            fid = self._texts.get(fold(text))
            if fid:
                return fid
        for text in texts:  # "Apnea-hypopnea index (AHI)": the name, or the abbreviation
            m = _NAME_ABBREVIATION.match(text)
            if m:
                name, abbr = self._texts.get(fold(m.group(1))), self._texts.get(fold(m.group(2)))
                if name and (abbr is None or abbr == name):
                    return name
                if abbr and name is None:
                    return abbr
        for text in texts:  # "del(5q) by FISH", "Ring sideroblasts (iron stain), % of ...": the analyte
            head = _QUALIFIER.split(text, maxsplit=1)[0]
            if head != text and (fid := self._texts.get(fold(head))):
                return fid
        return None

    def _key(self, reference: Mapping[str, Any] | None) -> str | None:
        ref = str((reference or {}).get("reference") or "").split("/_history/")[0]
        if not ref or ref in self.resources:
            return ref or None
        tail = "/".join(ref.rstrip("/").split("/")[-2:])  # an absolute URL
        return tail if tail in self.resources else None

    def resolve(self, reference: Mapping[str, Any] | None, container: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The resource a Reference points to: contained (``#id``) or elsewhere in the bundle."""
        ref = str((reference or {}).get("reference") or "")
        if ref.startswith("#"):
            return next((c for c in container.get("contained") or () if c.get("id") == ref[1:]), None)
        key = self._key(reference)
        if not key:
            return None
        if self.current is not None and key in self.sources:
            self.links.setdefault(self.current.entry, set()).add(self.sources[key])
        return self.resources.get(key)

    def source_of(self, reference: Mapping[str, Any] | None) -> Source | None:
        """Where in the bundle a referenced resource sits (``None`` if contained or absent)."""
        key = self._key(reference)
        return self.sources.get(key) if key else None
