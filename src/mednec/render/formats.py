"""Documents -> Markdown, self-contained HTML, PDF (WeasyPrint) and JSON.

One Jinja2 template per document type (``templates/<document>.j2``) is written against a
small macro vocabulary (``section``, ``table``, ``ul``...) that ``_md.j2`` and ``_html.j2``
implement, so a document's wording exists once for both formats. jinja2 and weasyprint are
imported only when a document is rendered, so ``mednec evaluate`` does not pay for them.

Citation marks: Markdown writes ``[1]`` / ``[1, 3]`` before a sentence's final full stop;
HTML writes the same marks as links to ``#ref-<n>`` in the reference list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from mednec.render.common import VERDICT_WORD
from mednec.render.model import Cited, EvidenceItem, to_data
from mednec.render.values import long_date

__all__ = ["FORMATS", "render", "render_html", "render_json", "render_markdown", "render_pdf", "template_name"]

FORMATS = ("markdown", "html", "pdf", "json")
_ICON = {"met": "✔", "not_met": "✘", "unknown": "?"}
_WORD = {"met": "met", "not_met": "not met", "unknown": "unknown"}


def template_name(doc: Any) -> str:
    """The template of a document: ``article``, ``article_patient``, ``letter``, ``denial``..."""
    if doc.document == "article" and doc.audience == "patient":
        return "article_patient.j2"
    return f"{doc.document.replace('-', '_')}.j2"


def render(doc: Any, fmt: str) -> str | bytes:
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


def render_json(doc: Any) -> str:
    return json.dumps(to_data(doc), indent=2, ensure_ascii=False) + "\n"


def render_markdown(doc: Any) -> str:
    text = _env("markdown").get_template(template_name(doc)).render(a=doc, fmt="markdown")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_html(doc: Any) -> str:
    text = _env("html").get_template(template_name(doc)).render(a=doc, fmt="html")
    return re.sub(r"\n\s*\n+", "\n", text).strip() + "\n"


def render_pdf(doc: Any) -> bytes:
    import logging

    from weasyprint import HTML  # type: ignore[import-untyped]

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    pdf: bytes = HTML(string=render_html(doc)).write_pdf()
    return pdf


# -- filters ---------------------------------------------------------------------------------

def _marks_md(nums: Iterable[int]) -> str:
    nums = sorted(set(nums))
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
    text = _place(c.text, _marks_md(c.cites))
    return f"{text} *(secondary source)*" if c.status == "secondary" else text


def _evidence_md(items: Iterable[EvidenceItem]) -> str:
    return "; ".join(_finding(e, _marks_md(e.cites)) for e in items)


def _finding(e: EvidenceItem, marks: str) -> str:
    """'Hemoglobin: 8.1 g/dL (case file x.yaml, 2026-11-10)'; a calculation's inputs are in the facts table."""
    if e.missing:
        return f"{e.label}: not documented"
    when = f", {e.date}" if e.date else ""
    source = e.source.split(":")[0] if e.detail else e.source
    text = f"{e.label}: {e.value} ({source}{when})"
    return f"{text} {marks}" if marks else text


def _cell_md(value: Any) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def _status_md(code: str | None) -> str:
    return f"{_ICON[code]} {_WORD[code]}" if code else ""


@cache
def _env(fmt: str) -> Any:
    import jinja2
    from markupsafe import Markup, escape

    def marks_html(nums: Iterable[int]) -> Markup:
        nums = sorted(set(nums))
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
        if c.status == "secondary":
            out += Markup(' <span class="secondary">(secondary source)</span>')
        return out

    def evidence_html(items: Iterable[EvidenceItem]) -> Markup:
        return Markup("<br>").join(escape(_finding(e, "")) + (Markup(" ") + marks_html(e.cites) if e.cites else "")
                                   for e in items)

    def status_html(code: str | None) -> Markup:
        if not code:
            return Markup("")
        return Markup('<span class="st st-{0}"><span aria-hidden="true">{1}</span> {2}</span>').format(
            code, _ICON[code], _WORD[code])

    html = fmt == "html"
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mednec.render", "templates"),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        cited=cited_html if html else _cited_md,
        marks=marks_html if html else _marks_md,
        evidence=evidence_html if html else _evidence_md,
        status=status_html if html else _status_md,
        cell=(lambda v: v) if html else _cell_md,
        ldate=(lambda d: long_date(d).replace(" ", "\u00a0")) if html else long_date,
        word=lambda code: _WORD.get(code, "") if code else "",
        verdict=lambda code: VERDICT_WORD.get(code, "") if code else "",
    )
    env.globals["macros"] = "_html.j2" if html else "_md.j2"
    from mednec.render.phrases import phrases

    env.globals["status_plain"] = phrases()["status_plain"]
    env.globals["alt_plain"] = phrases()["alt_plain"]
    env.globals["C"] = lambda text, cites=(), status="confirmed": Cited(str(text), tuple(cites), status)
    return env
