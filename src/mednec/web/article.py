"""The answer's article for the web pages (its documents: :mod:`mednec.documents`).

A stored evaluation keeps the determination's JSON, not the :class:`Determination` the
renderer needs. Determinations are deterministic, so the page evaluates the stored case again
at the evaluation's date under the same policy version and uses the result only when its input
hash equals the stored one; the article then comes from :mod:`mednec.render` (the same text as
``mednec report``). When the renderer is not installed, fails, or the case changed after the
evaluation, the page presents the stored JSON with its own template instead, so an answer can
always be read.
"""

from __future__ import annotations

import logging
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

log = logging.getLogger("mednec.web")

_CACHE_SIZE = 256
_lock = threading.Lock()


@dataclass(frozen=True)
class Body:
    """The article as HTML for the page, with what the page shows around it."""

    html: Markup
    source: str  # "renderer" or "builtin"
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
                 det: Determination | None, result: dict[str, Any], *, audience: str, state: str,
                 case_title: str, key: tuple[Any, ...] | None, versions: Versions | None = None) -> Body:
    """The article for ``det`` (renderer) or, without one, for the stored ``result`` (built-in)."""
    ck = (*key, audience, state) if key is not None else None
    if ck is not None:
        with _lock:
            hit = cache.get(ck)
        if hit is not None:
            return hit
    body = _from_renderer(runtime, det, audience, state, case_title, versions) if det is not None else None
    if body is None:
        body = _builtin(runtime, result, audience)
    if ck is not None:
        with _lock:
            cache[ck] = body
            while len(cache) > _CACHE_SIZE:
                cache.pop(next(iter(cache)))
    return body


def _from_renderer(runtime: Runtime, det: Determination, audience: str, state: str, case_title: str,
                   versions: Versions | None) -> Body | None:
    try:
        from mednec.render.article import build_article
        from mednec.render.formats import render_html
    except ImportError:
        return None
    try:
        art = build_article(det, sources(runtime, det, case_title, versions), audience=audience,
                            review_status=review_status(state))
        html = render_html(art)
    except Exception as exc:  # noqa: BLE001 - the renderer is optional here; the built-in view still works
        log.warning("article renderer failed (%s); using the built-in view", type(exc).__name__)
        return None
    body = _extract(html, audience)
    if body is None:
        return None
    title = art.title_plain if audience == "patient" else art.title
    bottom = art.bottom_line_plain[0].text if audience == "patient" and art.bottom_line_plain else (
        art.bottom_line[0].text if art.bottom_line else "")
    refs = tuple({"n": r.n, "text": r.text} for r in art.references)
    return Body(Markup(body), "renderer", title, bottom=bottom, references=refs)


def _builtin(runtime: Runtime, result: dict[str, Any], audience: str) -> Body:
    from mednec.web.templating import make_env

    d = runtime.dictionary
    labels = {k: f.label for k, f in d.facts.items()}
    groups: list[dict[str, Any]] = []
    by_pathway: dict[str | None, list[dict[str, Any]]] = {}
    for c in result.get("criteria", []):
        by_pathway.setdefault(c.get("pathway"), []).append(c)
    if None in by_pathway:
        groups.append({"title": "Criteria for every pathway", "status": None, "criteria": by_pathway.pop(None)})
    names = {p["id"]: p for p in result.get("pathways", [])}
    for pid, rows in by_pathway.items():
        p = names.get(pid or "", {})
        title = f"Pathway: {p['name']} (line {p['line']})" if p else (pid or "").replace("_", " ").capitalize()
        groups.append({"title": title, "status": p.get("status"), "criteria": rows})
    drug = result.get("policy", {}).get("drug") or result.get("policy", {}).get("title", "the drug")
    title = f"Is {drug} medically necessary for this patient?"
    html = make_env().get_template("_article_builtin.html").render(
        r=result, groups=groups, labels=labels, audience=audience)
    return Body(Markup(html), "builtin", title,
                references=tuple({"n": c["n"], "text": c.get("text", "")} for c in result.get("citations", [])))


def warm() -> None:
    """Compile the renderer's templates (the first article otherwise costs about half a second) and
    load the PDF compiler's fonts (the first PDF otherwise costs ~0.2 s more)."""
    import datetime as dt

    try:
        from mednec.render.article import ArticleSources, general_article
        from mednec.render.formats import render_html, render_pdf
        from mednec.runtime import default_runtime
    except ImportError:
        return
    rt = default_runtime()
    for policy in list(rt.catalog.policies())[:1]:
        src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
        for audience in ("clinician", "patient"):
            render_html(general_article(src, as_of=dt.date.today(), audience=audience))
        render_pdf(general_article(src, as_of=dt.date.today(), audience="patient"))
