"""The answer's article for the web pages (its documents: :mod:`mednec.documents`).

The page shows the article of the stored determination (read back with
:func:`mednec.documents.stored_determination`, never evaluated again), from the same renderer
and with the same text as ``mednec report``, without its title, review label and CLI commands,
which the page shows in its own way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from mednec.documents import Versions, review_status, sources
from mednec.engine.determination import Determination
from mednec.runtime import Runtime
from mednec.web.memo import Memo

__all__ = ["Body", "article_body", "warm"]



@dataclass(frozen=True)
class Body:
    """The article as HTML for the page, with what the page shows around it."""

    html: Markup
    title: str
    subtitle: str = ""
    bottom: str = ""
    references: tuple[dict[str, Any], ...] = field(default=())


_ARTICLE = re.compile(r"<article[^>]*>(.*)</article>", re.S)
_STRIP = (
    re.compile(r"^\s*<h1[^>]*>.*?</h1>", re.S),  # the page has its own title
    re.compile(r'<div class="meta">.*?</div>', re.S),  # review label and versions: the page shows them
    re.compile(r'<p class="running">.*?</p>', re.S),
    re.compile(r'<section id="related"[^>]*>.*?</section>', re.S),  # CLI commands: the page links instead
)
_PATIENT_NOTE = re.compile(r'^\s*<p class="note" role="note">.*?</p>', re.S)


def _extract(html: str, audience: str) -> str | None:
    m = _ARTICLE.search(html)
    if not m:
        return None
    body = m.group(1)
    for rx in _STRIP:
        body = rx.sub("", body, count=1)
    if audience == "patient":
        body = _PATIENT_NOTE.sub("", body, count=1)  # "Submitted — pending review. Last updated ..."
    body = _BOTTOM_VERDICT.sub("", body, count=1)  # the page's decision card says it once
    return collapsible(body).strip()


_BOTTOM_VERDICT = re.compile(r'(?<=<h2 id="bottom-line-h">Bottom line</h2>)\s*<p class="verdict[^"]*">.*?</p>', re.S)
_SECTION = re.compile(r'<section id="([^"]+)" aria-labelledby="[^"]+">\s*<h([2-6])( id="[^"]+">)(.*?)</h\2>', re.S)
#: sections that stay open: the short answer and what a reader must see (the rest opens on demand)
OPEN_SECTIONS = frozenset({"bottom-line", "what-decided", "disclaimer"})


def collapsible(body: str, top: bool = True) -> str:
    """The article's sections as ``<details>``, closed except :data:`OPEN_SECTIONS`: a section that
    holds other sections keeps its heading and its subsections fold one by one. A link to
    something inside a closed section opens it (app.js); printing opens them all. A top-level (h2)
    section that holds others keeps its heading open; a lower one folds whole."""
    out: list[str] = []
    pos = 0
    for m in _SECTION.finditer(body):
        if m.start() < pos:
            continue
        end = _section_end(body, m.start())
        inner = body[m.end():end]
        first, top = top, False  # the article's first section (its short answer) stays open
        if first or m.group(1) in OPEN_SECTIONS or ("<section" in inner and m.group(2) == "2"):
            out.append(body[pos:m.end()])
            out.append(collapsible(inner, top=False) if "<section" in inner else inner)
            out.append("</section>")
        else:
            level, hid, title = m.group(2), m.group(3), m.group(4)
            out.append(body[pos:m.start()])
            out.append(f'<details class="art-sec" id="{m.group(1)}"><summary><h{level}{hid}{title}</h{level}>'
                       f"</summary>{inner}</details>")
        pos = end + len("</section>")
    out.append(body[pos:])
    return "".join(out)


def _section_end(body: str, start: int) -> int:
    """The index of the ``</section>`` closing the section that starts at ``start``."""
    depth, i = 0, start
    while True:
        nxt_open = body.find("<section", i + 1 if depth else i)
        nxt_close = body.find("</section>", i)
        if nxt_open != -1 and nxt_open < nxt_close:
            depth += 1
            i = nxt_open + 1
        else:
            depth -= 1
            if depth == 0:
                return nxt_close
            i = nxt_close + 1


def article_body(cache: Memo, runtime: Runtime, det: Determination, *, audience: str, state: str,
                 case_title: str, key: tuple[Any, ...] | None, versions: Versions | None = None,
                 decision: str | None = None) -> Body:
    """The article of ``det`` for the page, cached under ``key`` (None: not cached)."""
    def make() -> Body:
        return _render(runtime, det, audience, state, case_title, versions, decision)

    return make() if key is None else cache.get((*key, audience, state, decision), make)


def _render(runtime: Runtime, det: Determination, audience: str, state: str, case_title: str,
            versions: Versions | None, decision: str | None = None) -> Body:
    from mednec.render.article import build_article
    from mednec.render.formats import render_html

    art = build_article(det, sources(runtime, det, case_title, versions), audience=audience,
                        review_status=review_status(state, decision))
    html = render_html(art)
    body = _extract(html, audience)
    if body is None:
        raise RuntimeError("the rendered article has no <article> element")
    title = art.title_plain if audience == "patient" else art.title
    bottom = art.bottom_line_plain[0].text if audience == "patient" and art.bottom_line_plain else (
        art.bottom_line[0].text if art.bottom_line else "")
    refs = tuple({"n": r.n, "text": r.text} for r in art.references)
    return Body(Markup(body), title, bottom=bottom, references=refs)


def warm() -> None:
    """Compile the renderer's templates (the first article otherwise costs about half a second) and
    load the PDF compiler's fonts (the first PDF otherwise costs ~0.2 s more)."""
    import datetime as dt

    from mednec.extras import installed
    from mednec.render.article import ArticleSources, general_article
    from mednec.render.formats import render_html, render_pdf
    from mednec.runtime import default_runtime

    rt = default_runtime()
    for policy in list(rt.catalog.policies())[:1]:
        src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
        for audience in ("clinician", "patient"):
            render_html(general_article(src, as_of=dt.date.today(), audience=audience))
        if installed("pdf"):
            render_pdf(general_article(src, as_of=dt.date.today(), audience="patient"))
