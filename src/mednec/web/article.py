"""The answer's article for the web pages (its documents: :mod:`mednec.documents`).

The page shows the article of the stored determination (read back with
:func:`mednec.documents.stored_determination`, never evaluated again), from the same renderer
and with the same text as ``mednec report``, without its title, review label and CLI commands,
which the page shows in its own way (:func:`mednec.render.formats.render_page_html`: the article
rendered for a page, its sections folding as :mod:`mednec.render.folding` says).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup

from mednec.documents import Versions, review_status, sources
from mednec.engine.determination import Determination
from mednec.runtime import Runtime
from mednec.web.memo import Memo

if TYPE_CHECKING:
    from mednec.render.model import Article

__all__ = ["Body", "article_body", "general_body", "warm"]


@dataclass(frozen=True)
class Body:
    """The article as HTML for the page, with what the page shows around it."""

    html: Markup
    title: str
    subtitle: str = ""
    bottom: str = ""
    references: tuple[dict[str, int | str], ...] = field(default=())  # number and text


def general_body(art: Article, audience: str) -> Body:
    """A policy's general article (no patient) for the public page."""
    from mednec.render.formats import render_page_html

    return Body(Markup(render_page_html(art)), art.title_plain if audience == "patient" else art.title)


def article_body(cache: Memo, runtime: Runtime, det: Determination, *, audience: str, state: str,
                 case_title: str, key: tuple[Hashable, ...] | None, versions: Versions | None = None,
                 decision: str | None = None) -> Body:
    """The article of ``det`` for the page, cached under ``key`` (None: not cached)."""
    def make() -> Body:
        return _render(runtime, det, audience, state, case_title, versions, decision)

    return make() if key is None else cache.get((*key, audience, state, decision), make)


def _render(runtime: Runtime, det: Determination, audience: str, state: str, case_title: str,
            versions: Versions | None, decision: str | None = None) -> Body:
    from mednec.render.article import build_article
    from mednec.render.formats import render_page_html

    art = build_article(det, sources(runtime, det, case_title, versions), audience=audience,
                        review_status=review_status(state, decision))
    body = render_page_html(art)
    title = art.title_plain if audience == "patient" else art.title
    bottom = art.bottom_line_plain[0].text if audience == "patient" and art.bottom_line_plain else (
        art.bottom_line[0].text if art.bottom_line else "")
    refs: tuple[dict[str, int | str], ...] = tuple({"n": r.n, "text": r.text} for r in art.references)
    return Body(Markup(body), title, bottom=bottom, references=refs)


def warm() -> None:
    """Compile the renderer's templates (the first article otherwise costs about half a second) and
    load the PDF compiler's fonts (the first PDF otherwise costs ~0.2 s more)."""
    import datetime as dt

    from mednec.extras import installed
    from mednec.render.article import ArticleSources, general_article
    from mednec.render.formats import render_html, render_page_html, render_pdf
    from mednec.runtime import default_runtime

    rt = default_runtime()
    for policy in list(rt.catalog.policies())[:1]:
        src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
        for audience in ("clinician", "patient"):
            render_html(general_article(src, as_of=dt.date.today(), audience=audience))
            render_page_html(general_article(src, as_of=dt.date.today(), audience=audience))
        if installed("pdf"):
            render_pdf(general_article(src, as_of=dt.date.today(), audience="patient"))
