"""The answer's article for the web pages (its documents: :mod:`mednec.documents`).

The page shows the article of the stored determination (read back with
:func:`mednec.documents.stored_determination`, never evaluated again), from the same renderer
and with the same text as ``mednec report``, without its title, review label and CLI commands,
which the page shows in its own way.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from mednec.documents import Versions, review_status, sources
from mednec.engine.determination import Determination
from mednec.runtime import Runtime

__all__ = ["Body", "article_body", "warm"]

_CACHE_SIZE = 256
_lock = threading.Lock()


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
    return body.strip()


def article_body(cache: OrderedDict[tuple[Any, ...], Body] | dict[tuple[Any, ...], Any], runtime: Runtime,
                 det: Determination, *, audience: str, state: str, case_title: str, key: tuple[Any, ...] | None,
                 versions: Versions | None = None, decision: str | None = None) -> Body:
    """The article of ``det`` for the page, cached under ``key`` (None: not cached)."""
    ck = (*key, audience, state, decision) if key is not None else None
    if ck is not None:
        with _lock:
            hit = cache.get(ck)
        if hit is not None:
            return hit
    body = _render(runtime, det, audience, state, case_title, versions, decision)
    if ck is not None:
        with _lock:
            cache[ck] = body
            while len(cache) > _CACHE_SIZE:
                cache.pop(next(iter(cache)))
    return body


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
