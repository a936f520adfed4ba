"""Documents -> Markdown, self-contained HTML, PDF (Typst) and JSON.

One Jinja2 template per document type (``templates/<document>.j2``) is written against a
small macro vocabulary (``section``, ``table``, ``ul``...) that ``_md.j2``, ``_html.j2`` and
``_typ.j2`` implement, so a document's wording exists once for every format. The PDF is the
Typst markup of ``_typ.j2`` (page and type in ``style.typ``) compiled by the ``typst`` package
with its embedded fonts only. jinja2 and typst are imported only when a document is rendered,
so ``mednec evaluate`` does not pay for them.

Citation marks: Markdown writes ``[1]`` / ``[1, 3]`` before a sentence's final full stop;
HTML and PDF write the same marks as links to the numbered reference (``#ref-<n>``, ``<ref-n>``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from mednec.hygiene import bidi_closed
from mednec.render.common import VERDICT_WORD
from mednec.render.folding import FOLD
from mednec.render.model import Article, Cited, EvidenceItem, to_data
from mednec.render.trim import record, trim
from mednec.render.values import long_date
from mednec.states import OutputFormat

if TYPE_CHECKING:
    import typst

    from mednec.render.letters import Letter

__all__ = ["FORMATS", "printed", "render", "render_html", "render_json", "render_page_html", "render_markdown", "render_pdf", "render_typst",
           "template_name", "typst_escape"]

FORMATS = tuple(f.value for f in OutputFormat)
_ICON = {"met": "✔", "not_met": "✘", "unknown": "?"}
_WORD = {"met": "met", "not_met": "not met", "unknown": "unknown"}
#: what the formats render: an article, or a letter resting on one
Document: TypeAlias = "Article | Letter"


def template_name(doc: Document) -> str:
    """The template of a document: ``article``, ``article_patient``, ``letter``, ``denial``..."""
    if doc.audience == "patient" and doc.document in ("article", "letter"):
        return f"{doc.document}_patient.j2"
    return f"{doc.document.replace('-', '_')}.j2"


def render(doc: Document, fmt: str) -> str | bytes:
    """Render ``doc`` (an Article or a letter) in ``fmt``; PDF is bytes, the rest text."""
    if fmt == "markdown":
        return render_markdown(doc)
    if fmt == "html":
        return render_html(doc)
    if fmt == "pdf":
        return render_pdf(doc)
    if fmt == "json":
        return render_json(doc)
    raise ValueError(f"format must be one of {FORMATS}")


def printed(doc: Document) -> Document:
    """``doc`` as every format prints it: its reference list trimmed to what it cites, a patient
    document citing only sources a patient can read (:mod:`mednec.render.trim`)."""
    return cast(Document, trim(doc, _markdown))


def render_json(doc: Document) -> str:
    return json.dumps(to_data(printed(doc)), indent=2, ensure_ascii=False) + "\n"


def render_markdown(doc: Document) -> str:
    return _markdown(printed(doc))


def _markdown(doc: Document) -> str:
    text = _env("markdown").get_template(template_name(doc)).render(a=doc)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_html(doc: Document) -> str:
    text = _env("html").get_template(template_name(doc)).render(a=printed(doc))
    return re.sub(r"\n\s*\n+", "\n", text).strip() + "\n"


def render_page_html(doc: Document) -> str:
    """``doc`` (an article) as the body of a web page: its sections, without the document around
    them, the title, the review label, the versions, the running line, the bottom line's verdict and
    the CLI's related questions, which the page shows in its own way; sections fold
    (:mod:`mednec.render.folding`)."""
    with FOLD.article():
        text = _env("web").get_template(template_name(doc)).render(a=printed(doc))
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def render_typst(doc: Document) -> str:
    """The Typst source of ``doc``'s PDF."""
    text: str = _env("typst").get_template(template_name(doc)).render(a=printed(doc))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_pdf(doc: Document) -> bytes:
    """``doc`` as a tagged PDF; the same document gives the same bytes (its date is the timestamp)."""
    source, when = render_typst(doc).encode(), _timestamp(doc)
    with typst_compiler() as compiler:
        pdf = compiler.compile(input=source, format="pdf", timestamp=when)
    assert isinstance(pdf, bytes)
    return pdf


class _CompilerPool:
    """Typst compilers for the process, each used by one thread at a time (a compiler refuses a
    second concurrent compile: "Already borrowed"). Compilers are made on demand, at most
    ``size`` (one per core, at most 4): each loads the embedded fonts once (~0.2 s). Typst
    releases the GIL while compiling, so two threads compile two PDFs at once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: queue.LifoQueue[typst.Compiler] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()

    @contextmanager
    def __call__(self) -> Iterator[typst.Compiler]:
        compiler = self._take()
        try:
            yield compiler
        finally:
            self._idle.put(compiler)

    def _take(self) -> typst.Compiler:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            make = self._made < self.size
            self._made += make
        if not make:
            return self._idle.get()
        import typst

        return typst.Compiler(ignore_system_fonts=True)  # Typst's embedded fonts only: same bytes everywhere

    def clear(self) -> None:
        """Drop the idle compilers (a fresh compiler next time, as in another process)."""
        with self._lock:
            while True:
                try:
                    self._idle.get_nowait()
                except queue.Empty:
                    break
                self._made -= 1


typst_compiler = _CompilerPool(min(4, os.cpu_count() or 1))


def _timestamp(doc: Document) -> dt.datetime:
    """Noon UTC of the document's date: the PDF's creation date, so output does not depend on the clock."""
    day = getattr(doc, "last_updated", None) or getattr(doc, "date", None) or "2000-01-01"
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), dt.UTC)


# -- filters ---------------------------------------------------------------------------------

def _marks_md(nums: Iterable[int]) -> str:
    nums = sorted(set(nums))
    record(nums)
    return f"[{', '.join(map(str, nums))}]" if nums else ""


def _place(text: str, marks: str) -> str:
    if not marks:
        return text
    if text.endswith("."):
        return f"{text[:-1]} {marks}."
    return f"{text} {marks}"


def _cited_md(c: Cited | str) -> str:
    if isinstance(c, str):
        return c
    return _place(c.text, _marks_md(c.cites))


# Text a user wrote (a case title, a note's file name or words) in a Markdown document: a Markdown
# reader passes HTML through and makes links of brackets, so these become entities or escapes, and a
# line break a space (it could start a heading). Pack text is Markdown already and is left alone.
_MD_USER = str.maketrans({"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`", "\n": " ", "\r": " "})


def md_user_text(text: Any) -> str:
    """``text`` a user wrote, shown as text in Markdown (never markup, a link or a new block, and no
    bidirectional override left open: :func:`mednec.hygiene.bidi_closed`)."""
    return bidi_closed(str(text).translate(_MD_USER))


def _evidence_md(items: Iterable[EvidenceItem]) -> str:
    return "; ".join(_finding(e, _marks_md(e.cites), md_user_text) for e in items)


def _finding(e: EvidenceItem, marks: str, user: Callable[[str], str] = str) -> str:
    """'Hemoglobin: 8.1 g/dL (case file x.yaml, 2026-11-10)'; a calculation's inputs are in the facts table.
    ``user`` escapes the source, which names what the user sent (a file's name)."""
    if e.missing:
        return f"{e.label}: not documented"
    when = f", {e.date}" if e.date else ""
    source = user(e.source.split(":")[0] if e.detail else e.source)
    text = f"{e.label}: {e.value} ({source}{when})"
    return f"{text} {marks}" if marks else text


def _cell_md(value: Any) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def _status_md(code: str | None) -> str:
    return f"{_ICON[code]} {_WORD[code]}" if code else ""


# -- Typst ------------------------------------------------------------------------------------

# Characters with a meaning in Typst markup: markup (* _ ` $ # < > @ [ ] \), line starts (= - + / .),
# term lists (/ term: text), shorthands (~ -- --- -? ... ' "), comments and links (/). Each is
# written with a backslash (Typst accepts a backslash before any character).
_TYPST_SPECIAL = re.compile(r"[\\#*_`$<>@\[\]~/=+\-.:'\"]")
# Typst's line breaks (two of them end a paragraph): data text stays on one line.
_TYPST_NEWLINE = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")


def typst_escape(text: str) -> str:
    """``text`` as Typst markup that shows exactly ``text`` (newlines become spaces)."""
    return _TYPST_SPECIAL.sub(r"\\\g<0>", _TYPST_NEWLINE.sub(" ", text))


def _typst_value(value: Any) -> str:
    """A Python value as a Typst code literal: none, true/false, integer or string."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _TYPST_NEWLINE.sub("\\\\n", text) + '"'


def _marks_typst(nums: Iterable[int]) -> str:
    """``#cites(1, 3);``: the superscript marks, linked to the reference list (style.typ)."""
    nums = sorted(set(nums))
    record(nums)
    return f"#cites({', '.join(map(str, nums))});" if nums else ""


def _cited_typst(c: Cited | str) -> str:
    if isinstance(c, str):
        return typst_escape(c)
    text, marks = c.text, _marks_typst(c.cites)
    if marks and text.endswith("."):
        out = f"{typst_escape(text[:-1])} {marks}\\."
    else:
        out = f"{typst_escape(text)} {marks}" if marks else typst_escape(text)
    return out


def _finding_typst(e: EvidenceItem) -> str:
    marks = _marks_typst(e.cites)
    return f"{typst_escape(_finding(e, ''))} {marks}" if marks else typst_escape(_finding(e, ""))


@cache
def _env(fmt: str) -> Any:
    import jinja2
    from markupsafe import Markup, escape

    def marks_html(nums: Iterable[int]) -> Markup:
        nums = sorted(set(nums))
        record(nums)
        if not nums:
            return Markup("")
        links = Markup(", ").join(Markup('<a href="#ref-{0}">{0}</a>').format(n) for n in nums)
        return Markup('<sup class="cite">[{}]</sup>').format(links)

    def cited_html(c: Cited | str) -> Markup:
        if isinstance(c, str):
            return escape(c)
        text, marks = c.text, marks_html(c.cites)
        out = (escape(text[:-1]) + Markup(" ") + marks + Markup(".")) if marks and text.endswith(".") else (
            escape(text) + (Markup(" ") + marks if marks else Markup("")))
        return out

    def evidence_html(items: Iterable[EvidenceItem]) -> Markup:
        return Markup("<br>").join(escape(_finding(e, "")) + (Markup(" ") + marks_html(e.cites) if e.cites else "")
                                   for e in items)

    def status_html(code: str | None) -> Markup:
        if not code:
            return Markup("")
        return Markup('<span class="st st-{0}"><span aria-hidden="true">{1}</span> {2}</span>').format(
            code, _ICON[code], _WORD[code])

    def finalize_typst(value: Any) -> Markup:
        """Every plain value printed with {{ }} becomes escaped Typst markup; Markup (macro and filter
        output) is Typst already. Jinja calls this before its (HTML) autoescape, which leaves Markup alone."""
        return value if isinstance(value, Markup) else Markup(typst_escape(str(value)))

    # Typst filters build plain str and wrap it in Markup once: str + Markup would HTML-escape the str.
    def marks_typst(nums: Iterable[int]) -> Markup:
        return Markup(_marks_typst(nums))

    def cited_typst(c: Cited | str) -> Markup:
        return Markup(_cited_typst(c))

    def evidence_typst(items: Iterable[EvidenceItem]) -> Markup:
        return Markup(" \\ ".join(_finding_typst(e) for e in items))

    def status_typst(code: str | None) -> Markup:
        return Markup(f"#status({_typst_value(code)});") if code else Markup("")

    html, typ = fmt in ("html", "web"), fmt == "typst"
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mednec.render", "templates"),
        autoescape=html or typ,
        finalize=finalize_typst if typ else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    if typ:
        env.filters.update(
            cited=cited_typst,
            marks=marks_typst,
            evidence=evidence_typst,
            status=status_typst,
            cell=lambda v: "" if v is None else v,
            ldate=lambda d: long_date(d).replace(" ", "\u00a0"),
            typ=lambda v: Markup(_typst_value(v)),
            usertext=lambda v: bidi_closed(str(v)),  # escaped by finalize_typst when printed
        )
    else:
        env.filters.update(
            cited=cited_html if html else _cited_md,
            marks=marks_html if html else _marks_md,
            evidence=evidence_html if html else _evidence_md,
            status=status_html if html else _status_md,
            cell=(lambda v: v) if html else _cell_md,
            ldate=(lambda d: long_date(d).replace(" ", "\u00a0")) if html else long_date,
            usertext=(lambda v: bidi_closed(str(v))) if html else md_user_text,  # HTML: autoescaped when printed
        )
    env.filters.update(
        nocode=lambda text: re.sub(r" \([A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?\)", "", str(text)),
        word=lambda code: _WORD.get(code, "") if code else "",
        verdict=lambda code: VERDICT_WORD.get(code, "") if code else "",
    )
    env.globals["macros"] = {"html": "_html.j2", "web": "_web.j2", "typst": "_typ.j2"}.get(fmt, "_md.j2")
    env.globals["embedded"] = fmt == "web"  # the article inside a web page, which shows some parts itself
    env.globals["fold"] = FOLD
    from mednec.render.phrases import phrase, phrases

    env.globals["phrase"] = phrase

    env.globals["status_plain"] = phrases()["status_plain"]
    env.globals["alt_plain"] = phrases()["alt_plain"]
    env.globals["C"] = lambda text, cites=(), status="confirmed": Cited(str(text), tuple(cites), status)
    return env
