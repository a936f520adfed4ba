"""ISCN karyotypes -> the cytogenetic facts the MDS policies read.

``parse_karyotype("46,XY,del(5)(q13q33)[18]/46,XY[2]")`` returns a frozen :class:`Karyotype`:
whether it is normal, its clonal acquired abnormalities, del(5q), how many abnormalities there
are besides del(5q), chromosome 7 involvement, and the IPSS-R cytogenetic risk group.
:func:`karyotype_facts` turns that into fact values (``karyotype``, ``del5q``,
``additional_cytogenetic_abnormalities``, ``chromosome7_abnormality``, ``cytogenetic_risk``).
Case files, notes and FHIR intake all call this one parser.

IPSS-R cytogenetic groups (Schanz J et al., J Clin Oncol 2012;30(8):820-829; Greenberg PL et
al., Blood 2012;120(12):2454-2465, Table 2; the same table on the MDS Foundation calculator,
ipssrbasic.mds-foundation.org):

==========  =================================================================================
very good   -Y, del(11q)
good        normal, del(5q), del(12p), del(20q), double including del(5q)
intermediate del(7q), +8, +19, i(17q), any other single or double independent clones
poor        -7, inv(3)/t(3q)/del(3q), double including -7/del(7q), complex with 3 abnormalities
very poor   complex with more than 3 abnormalities
==========  =================================================================================

How the string is read (ISCN 2020 conventions):

* clones are separated by ``/``; each may end in a cell count ``[20]`` (``[cp10]`` for a
  composite karyotype); the first two fields are the chromosome number (``46``, ``45~47``)
  and the sex chromosomes (``XX``, ``XY``, ``X``), or ``idem`` / ``sl`` / ``sdl`` for a
  sideline that carries the stemline's (or the previous sideline's) abnormalities;
* an abnormality seen in too few cells is not a clone (ISCN: at least 2 cells for a gain or a
  structural change, at least 3 for a loss) and is left out, with a note;
* a constitutional change (suffix ``c``) is not an acquired abnormality and is left out;
* the abnormalities of all clones are pooled, each once. Two or more abnormal clones that share
  no abnormality and are not written as sidelines are *independent clones*: with one or two
  abnormalities in all they are IPSS-R intermediate; with more, the group is not assigned
  (Schanz 2012 grades independent clones only as "single or double"), and ``group_problem``
  says why;
* ``+2mar`` counts two abnormalities; a range (``+1~3mar``) counts its bounds, and when they
  fall in different groups the group is not assigned.

Anything that cannot be read raises :class:`KaryotypeError` naming the part: a FISH result
(``nuc ish ...``), a chimera after transplant (``//``), or an unknown item. "del(5q)" here
means an interstitial or terminal deletion of the long arm of chromosome 5 written as
``del(5)(q...)`` or ``del(5q)``; ``chromosome7_abnormality`` (the fact) means -7 or del(7q),
while :attr:`Karyotype.chromosome7` reports any abnormality involving chromosome 7.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CYTOGENETIC_GROUP_CITATION",
    "Karyotype",
    "KaryotypeError",
    "karyotype_facts",
    "looks_like_iscn",
    "parse_karyotype",
]

CYTOGENETIC_GROUP_CITATION = "schanz-2012"

MAX_LENGTH = 2000  # a karyotype is a line of text; anything longer is not one

_SEX = re.compile(r"^[XY]{1,5}\??$", re.I)
_MODAL = re.compile(r"^\d{2,3}(?:~\d{2,3})?(?:<\d(?:~\d)?n>)?$")
_CELLS = re.compile(r"\[(cp)?\s*(\d{1,4})\]\s*$", re.I)
_NUMERICAL = re.compile(r"^([+-])(\d{1,2}|X|Y)(c?)$", re.I)
_MARKER = re.compile(r"^\+(\d{1,2})?(?:~(\d{1,2}))?(mar|r|dmin)(\d*)(c?)$", re.I)
_DMIN = re.compile(r"^(\d{1,2})?(?:~(\d{1,3}))?dmin$", re.I)
_STRUCT_KINDS = (
    "del", "dup", "inv", "i", "idic", "dic", "der", "t", "add", "ins", "r", "trp", "hsr", "tas",
    "fis", "psu", "rob", "ider", "qdp", "trc", "tdic", "ptr", "inc", "tr",
)
_STRUCT = re.compile(
    r"^([+-]?)(\??)(" + "|".join(sorted(_STRUCT_KINDS, key=len, reverse=True)) + r")"
    r"((?:\([^()]*\))+)(?:(t|ins|inv|dup|del|add)((?:\([^()]*\))+))*(c?)$",
    re.I,
)
_SIDELINE = re.compile(r"^(idem|sl|sdl\d*)$", re.I)


class KaryotypeError(ValueError):
    """A karyotype that cannot be read; the message names the part that could not be read."""


@dataclass(frozen=True, slots=True)
class Abnormality:
    """One acquired clonal abnormality as written (``del(5)(q13q33)``, ``-7``, ``+2mar``)."""

    text: str
    chromosomes: tuple[str, ...]
    count: tuple[int, int] = (1, 1)  # how many abnormalities it stands for (``+2mar`` -> 2)

    @property
    def del5q(self) -> bool:
        return _is_deletion(self.text, "5", "q")

    @property
    def minus7_or_del7q(self) -> bool:
        return self.text == "-7" or _is_deletion(self.text, "7", "q")


@dataclass(frozen=True, slots=True)
class Karyotype:
    """What an ISCN karyotype says, in the terms the policies use.

    ``abnormalities`` are the clonal acquired abnormalities of all clones, each once, in the
    order written. ``count`` is their number as (lowest, highest): the two differ only for a
    marker range such as ``+1~3mar``. ``other_abnormalities`` counts those besides del(5q).
    ``cytogenetic_group`` is the IPSS-R group, or ``None`` with ``group_problem`` saying why.
    ``notes`` say what was left out (non-clonal cells, constitutional changes).
    """

    text: str
    normal: bool
    abnormalities: tuple[str, ...]
    count: tuple[int, int]
    del5q: bool
    other_abnormalities: int
    minus7_or_del7q: bool
    chromosome7: bool
    independent_clones: bool
    cytogenetic_group: str | None
    group_reason: str
    group_problem: str = ""
    notes: tuple[str, ...] = ()

    @property
    def complex(self) -> bool:
        """Three or more abnormalities (complex karyotype)."""
        return self.count[0] >= 3

    def describe(self) -> str:
        """One line: what was read and the IPSS-R group, for provenance details."""
        if self.normal:
            return f"from the karyotype {self.text}: normal"
        parts = f"{', '.join(self.abnormalities)}"
        group = (f"IPSS-R cytogenetic group {self.cytogenetic_group.replace('_', ' ')} ({self.group_reason})"
                 if self.cytogenetic_group else f"IPSS-R cytogenetic group not assigned: {self.group_problem}")
        return f"from the karyotype {self.text}: {parts}; {group}"


def looks_like_iscn(text: str) -> bool:
    """True when ``text`` starts the way a karyotype does (``46,XY...``, ``45~47,...``)."""
    return re.match(r"^\s*\d{2,3}\s*(?:~\s*\d{2,3}\s*)?(?:<\d(?:~\d)?n>\s*)?,", text) is not None


def _is_deletion(text: str, chromosome: str, arm: str) -> bool:
    t = text.lower()
    return re.fullmatch(rf"del\({chromosome}\)\({arm}[^()]*\)|del\({chromosome}{arm}\)", t) is not None


def _normalise(text: str) -> str:
    t = text.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    t = re.sub(r"\s+", " ", t.strip())
    t = re.sub(r"\s*([,;/()\[\]~])\s*", r"\1", t)
    return t


def _split_items(clone: str) -> list[str]:
    """Split a clone on commas outside parentheses."""
    items: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in clone:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise KaryotypeError(f"unbalanced parentheses in {clone!r}")
        if ch == "," and depth == 0:
            items.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if depth != 0:
        raise KaryotypeError(f"unbalanced parentheses in {clone!r}")
    items.append("".join(cur))
    return [i for i in items if i]


def _chromosomes_of(first_group: str) -> tuple[str, ...]:
    """``(1;7)`` -> ('1', '7'); ``(5q)`` -> ('5',)."""
    out = []
    for part in first_group.strip("()").split(";"):
        m = re.match(r"^(\d{1,2}|X|Y)", part.strip(), re.I)
        if m:
            out.append(m.group(1).upper())
    return tuple(out)


def _abnormality(item: str) -> tuple[Abnormality | None, bool, str]:
    """(abnormality, is_loss, note). A constitutional item gives (None, False, note)."""
    m = _NUMERICAL.match(item)
    if m:
        sign, chrom, constitutional = m.groups()
        chrom = chrom.upper()
        text = f"{sign}{chrom}"
        if constitutional:
            return None, False, f"{text} is constitutional (c) and not counted"
        return Abnormality(text, (chrom,)), sign == "-", ""
    m = _MARKER.match(item)
    if m:
        lo, hi, kind, _num, constitutional = m.groups()
        n_lo = int(lo) if lo else 1
        n_hi = int(hi) if hi else n_lo
        if constitutional:
            return None, False, f"{item} is constitutional (c) and not counted"
        return Abnormality(item.lower(), (), (n_lo, max(n_lo, n_hi))), False, ""
    m = _DMIN.match(item)
    if m:
        return Abnormality(item.lower(), ()), False, ""
    m = _STRUCT.match(item)
    if m:
        sign, uncertain, _kind, groups = m.group(1), m.group(2), m.group(3), m.group(4)
        constitutional = m.group(m.re.groups) == "c"
        first = re.match(r"\([^()]*\)", groups)
        chroms = _chromosomes_of(first.group(0)) if first else ()
        if not chroms:
            raise KaryotypeError(f"cannot read the chromosome in {item!r}")
        body = item[:-1] if constitutional else item
        text = re.sub(r"(?<=[(;])([xy])(?=[;)pq])", lambda x: x.group(1).upper(), body.lower())
        if constitutional:
            return None, False, f"{text} is constitutional (c) and not counted"
        if uncertain:
            raise KaryotypeError(
                f"{text} is written as uncertain (?): confirm it (e.g. by FISH) and give the finding as a fact")
        return Abnormality(text, chroms), sign == "-", ""
    raise KaryotypeError(f"cannot read {item!r} as an ISCN abnormality")


@dataclass(frozen=True, slots=True)
class _Clone:
    cells: int | None
    composite: bool
    sideline_of: str | None  # "idem"/"sl"/"sdl"/"sdlN" or None
    items: tuple[tuple[Abnormality, bool], ...]  # (abnormality, is_loss)


def _parse_clone(raw: str, notes: list[str]) -> _Clone:
    cells: int | None = None
    composite = False
    m = _CELLS.search(raw)
    body = raw
    if m:
        composite = bool(m.group(1))
        cells = int(m.group(2))
        body = raw[: m.start()]
    if "[" in body or "]" in body:
        raise KaryotypeError(f"cannot read the cell count in {raw!r} (write it as [20] at the end of a clone)")
    items = _split_items(body)
    if len(items) < 2:
        raise KaryotypeError(
            f"{raw!r} is not a karyotype: a clone starts with the chromosome number and the sex chromosomes "
            "(e.g. 46,XY)")
    if not _MODAL.match(items[0]):
        raise KaryotypeError(f"cannot read the chromosome number {items[0]!r} in {raw!r}")
    sideline = None
    if _SIDELINE.match(items[1]):
        sideline = items[1].lower()
    elif not _SEX.match(items[1]):
        raise KaryotypeError(f"cannot read the sex chromosomes {items[1]!r} in {raw!r} (e.g. XX, XY, X)")
    rest = items[2:]
    if sideline is None and rest and _SIDELINE.match(rest[0]):  # "47,XY,idem,+8" as some labs write it
        sideline, rest = rest[0].lower(), rest[1:]
    parsed: list[tuple[Abnormality, bool]] = []
    for item in rest:
        if item.lower() == "c":  # "47,XXY,c": the sex-chromosome complement is constitutional
            notes.append(f"{items[1]} is marked constitutional (c)")
            continue
        ab, loss, note = _abnormality(item)
        if note:
            notes.append(note)
        if ab is not None:
            parsed.append((ab, loss))
    return _Clone(cells, composite, sideline, tuple(parsed))


def _group_for(n: int, abn: list[Abnormality], independent: bool) -> tuple[str | None, str, str]:
    """(group, why, problem) for ``n`` abnormalities by the Schanz 2012 / Greenberg 2012 table."""
    if n == 0:
        return "good", "normal karyotype", ""
    if independent:
        if n <= 2:
            return "intermediate", "single or double independent clones", ""
        return None, "", (f"{n} abnormalities in independent clones: the IPSS-R table grades independent "
                          "clones only as single or double")
    if n >= 4:
        return "very_poor", f"complex karyotype with {n} abnormalities (more than 3)", ""
    if n == 3:
        return "poor", "complex karyotype with 3 abnormalities", ""
    if n == 2:
        if any(a.minus7_or_del7q for a in abn):
            return "poor", "double abnormality including -7/del(7q)", ""
        if any(a.del5q for a in abn):
            return "good", "double abnormality including del(5q)", ""
        return "intermediate", "double abnormality", ""
    (a,) = abn
    t = a.text.lower()
    if t == "-y" or _is_deletion(t, "11", "q"):
        return "very_good", f"single {a.text}", ""
    if a.del5q or _is_deletion(t, "12", "p") or _is_deletion(t, "20", "q"):
        return "good", f"single {a.text}", ""
    if t == "-7" or t.startswith("inv(3)") or _is_deletion(t, "3", "q") or _involves_3q(t):
        return "poor", f"single {a.text}", ""
    if _is_deletion(t, "7", "q") or t in ("+8", "+19") or re.fullmatch(r"i\(17\)\(q10\)|i\(17q\)", t):
        return "intermediate", f"single {a.text}", ""
    return "intermediate", f"single other abnormality {a.text}", ""


def _involves_3q(t: str) -> bool:
    """A translocation with a breakpoint on 3q: ``t(3;3)(q21;q26)``, ``t(1;3)(p36;q21)``."""
    m = re.fullmatch(r"t\(([^()]*)\)\(([^()]*)\)", t)
    if not m:
        return False
    chroms = [c.strip() for c in m.group(1).split(";")]
    bands = [b.strip() for b in m.group(2).split(";")]
    return any(c == "3" and b.startswith("q") for c, b in zip(chroms, bands, strict=False))


def _checked_text(text: str) -> str:
    """The karyotype text, normalised; refused when it is not a karyotype one can read."""
    if not isinstance(text, str):
        raise KaryotypeError(f"a karyotype is text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise KaryotypeError(f"a karyotype of {len(text)} characters is too long to be one (at most {MAX_LENGTH})")
    t = _normalise(text)
    if not t:
        raise KaryotypeError("the karyotype is empty")
    low = t.lower()
    if low.startswith(("nuc ish", "ish", "arr")):
        raise KaryotypeError(
            f"{t!r} is a FISH or microarray result, not a karyotype; give del(5q) and chromosome 7 "
            "findings as facts instead")
    if "//" in t:
        raise KaryotypeError(
            f"{t!r} is a chimera (donor//recipient) after transplant; give the recipient's karyotype alone")
    if not looks_like_iscn(t):
        raise KaryotypeError(
            f"{t!r} is not an ISCN karyotype (it should start with the chromosome number and sex "
            "chromosomes, e.g. 46,XY,del(5)(q13q33)[20]), nor 'normal' or 'abnormal'")
    return t


_Resolved = tuple["_Clone", tuple[tuple[Abnormality, bool], ...], bool]


def _resolve_sidelines(clones: list[_Clone]) -> list[_Resolved]:
    """Each clone with its abnormalities, a sideline's including those of the clone it derives from:
    idem/sl -> the stemline (first clone); sdl -> the previous clone; sdlN -> the Nth sideline."""
    resolved: list[_Resolved] = []
    for i, c in enumerate(clones):
        inherited: tuple[tuple[Abnormality, bool], ...] = ()
        if c.sideline_of is not None:
            if i == 0:
                raise KaryotypeError(f"the first clone cannot be a sideline ({c.sideline_of})")
            if c.sideline_of in ("idem", "sl"):
                base = 0
            elif c.sideline_of == "sdl":
                base = i - 1
            else:
                k = int(c.sideline_of[3:])
                if not 1 <= k < i:
                    raise KaryotypeError(f"{c.sideline_of} refers to a sideline that is not written before it")
                base = k
            inherited = resolved[base][1]
        resolved.append((c, inherited + c.items, c.sideline_of is not None))
    return resolved


def _pool(resolved: list[_Resolved], notes: list[str]
          ) -> tuple[dict[str, Abnormality], dict[str, int], list[tuple[set[str], bool]]]:
    """The abnormalities of every clone (those in too few cells to be clonal left out, with a note),
    the most copies of each in one clone (+8,+8 is two), and each abnormal clone's set."""
    pooled: dict[str, Abnormality] = {}
    times: dict[str, int] = {}
    abnormal_clones: list[tuple[set[str], bool]] = []
    for c, items, is_sideline in resolved:
        own: dict[str, int] = {}
        for ab, loss in items:
            minimum = 3 if loss else 2
            if c.cells is not None and not c.composite and c.cells < minimum:
                notes.append(f"{ab.text} in {c.cells} cell{'s' if c.cells != 1 else ''} is not a clone "
                             f"(ISCN: at least {minimum} cells for a {'loss' if loss else 'gain or structural change'})")
                continue
            own[ab.text] = own.get(ab.text, 0) + 1
            pooled.setdefault(ab.text, ab)
        for name, copies in own.items():
            times[name] = max(times.get(name, 0), copies)
        if own:
            abnormal_clones.append((set(own), is_sideline))
        if c.composite:
            notes.append("composite karyotype (cp): the abnormalities of several cells are listed together")
    return pooled, times, abnormal_clones


def _independent(abnormal_clones: list[tuple[set[str], bool]]) -> bool:
    """Two abnormal clones that share nothing, neither a sideline of the other."""
    if len(abnormal_clones) < 2:
        return False
    stem = abnormal_clones[0][0]
    return any(not is_sideline and not (abns & stem) for abns, is_sideline in abnormal_clones[1:])


def parse_karyotype(text: str) -> Karyotype:
    """Read an ISCN karyotype.

    >>> k = parse_karyotype("46,XX,del(5)(q13q33)[20]")
    >>> (k.del5q, k.other_abnormalities, k.cytogenetic_group)
    (True, 0, 'good')
    >>> parse_karyotype("45,XY,-7[15]/46,XY[5]").cytogenetic_group
    'poor'
    """
    t = _checked_text(text)
    notes: list[str] = []
    clones = [_parse_clone(c, notes) for c in t.split("/") if c]
    if not clones:
        raise KaryotypeError("the karyotype has no clones")
    pooled, times, abnormal_clones = _pool(_resolve_sidelines(clones), notes)
    independent = _independent(abnormal_clones)
    abn = list(pooled.values())
    lo = sum(a.count[0] * times[a.text] for a in abn)
    hi = sum(a.count[1] * times[a.text] for a in abn)
    del5q = any(a.del5q for a in abn)
    group_lo = _group_for(lo, abn, independent)
    group_hi = _group_for(hi, abn, independent)
    group, why, problem = group_lo
    if group_hi[0] != group_lo[0]:
        group, why, problem = None, "", f"between {lo} and {hi} abnormalities (marker range), which span IPSS-R groups"
    return Karyotype(
        text=t,
        normal=not abn,
        abnormalities=tuple(a.text for a in abn),
        count=(lo, hi),
        del5q=del5q,
        other_abnormalities=lo - 1 if del5q else lo,
        minus7_or_del7q=any(a.minus7_or_del7q for a in abn),
        chromosome7=any("7" in a.chromosomes for a in abn),
        independent_clones=independent,
        cytogenetic_group=group,
        group_reason=why,
        group_problem=problem,
        notes=tuple(dict.fromkeys(notes)),
    )


def karyotype_facts(k: Karyotype) -> dict[str, Any]:
    """Fact id -> value for a parsed karyotype (the IPSS-R group only when it is assigned).

    ``additional_cytogenetic_abnormalities`` is the number besides del(5q) (its lower bound
    for a marker range); ``chromosome7_abnormality`` is -7 or del(7q), as the fact is defined.
    """
    out: dict[str, Any] = {
        "karyotype": "normal" if k.normal else "abnormal",
        "del5q": k.del5q,
        "additional_cytogenetic_abnormalities": float(k.other_abnormalities),
        "chromosome7_abnormality": k.minus7_or_del7q,
    }
    if k.cytogenetic_group is not None:
        out["cytogenetic_risk"] = k.cytogenetic_group
    return out
