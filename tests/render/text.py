"""Reading rendered Markdown back: sections, citation marks, reference numbers, prose for readability."""

from __future__ import annotations

import re

HEADING = re.compile(r"^(#{1,6}) (.+)$")
MARKS = re.compile(r"\[(\d+(?:, \d+)*)\]")


def split_references(md: str) -> tuple[str, str]:
    """(body, references section) of a document."""
    m = re.search(r"^## (References|Sources)\n", md, re.M)
    assert m, "no References section"
    rest = md[m.end():]
    nxt = re.search(r"^## ", rest, re.M)
    refs = rest[: nxt.start()] if nxt else rest
    return md[: m.start()] + (rest[nxt.start():] if nxt else ""), refs


def cited_numbers(body: str) -> set[int]:
    """Every number inside a [n] or [n, m] citation mark (outside inline code)."""
    body = re.sub(r"`[^`]*`", "", body)
    return {int(n) for m in MARKS.finditer(body) for n in m.group(1).split(", ")}


def reference_numbers(refs: str) -> list[int]:
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\. \S", refs, re.M)]


def empty_sections(md: str) -> list[str]:
    """Headings with nothing under them before the next heading of the same or a higher level."""
    lines = md.splitlines()
    heads = [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(lines) if (m := HEADING.match(line))]
    out = []
    for k, (i, level, title) in enumerate(heads):
        end = next((j for j, lv, _ in heads[k + 1:] if lv <= level), len(lines))
        content = [ln for ln in lines[i + 1:end] if ln.strip() and not HEADING.match(ln)]
        if not content:
            out.append(title)
    return out


def prose(md: str) -> str:
    """The body as sentences for a readability score: no references, marks, Markdown syntax or URLs.

    Each heading and list item is its own sentence (a full stop is added where it has none),
    so a list of short items is not scored as one long sentence.
    """
    body, _ = split_references(md)
    out = []
    for line in body.splitlines():
        line = MARKS.sub("", line)
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"^\s*(#+|>|-|\d+\.)\s*", "", line).replace("**", "").replace("*", "").strip()
        if not line or set(line) <= set("|-: "):
            continue
        if not re.search(r"[.!?:]$", line):
            line += "."
        out.append(line)
    return "\n".join(out)
