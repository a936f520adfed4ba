"""The Jinja2 environment of the web pages and the values every page gets."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2

from mednec.hygiene import bidi_closed
from mednec.web import labels

if TYPE_CHECKING:
    from mednec.store.models import Evaluation
    from mednec.store.status import Status

__all__ = ["make_env", "nav_for"]

STATUS_WORD = {"met": "Met", "not_met": "Not met", "unknown": "Unknown"}
STATUS_ICON = {"met": "✔", "not_met": "✘", "unknown": "?"}
ACTION_WORDS = {
    "claim": "claimed the request for review",
    "approve": "confirmed the recommendation",
    "overturn": "overturned the recommendation",
    "request_info": "requested information",
    "request_changes": "requested changes",
    "appeal": "appealed the denial",
    "release": "released the claim",
    "attach": "attached a document",
}


def _status(ev: Evaluation) -> Status:
    """An evaluation's review status (:func:`mednec.store.status.status_of`)."""
    from mednec.store.status import status_of

    return status_of(ev.state, ev.decision, bool(ev.appealed))


def nav_for(role: str | None) -> list[tuple[str, str]]:
    """The main navigation for a role: (path, label)."""
    if role is None:
        return [("/public/ask", "Ask"), ("/drugs", "Drugs"), ("/about", "About"),
                ("/editorial-policy", "Editorial policy")]
    items: list[tuple[str, str]] = []
    if role in ("requester", "admin"):
        items.append(("/ask", "Ask"))
    if role == "requester":
        items.append(("/queue", "Your requests"))
    elif role in ("physician_reviewer", "auditor", "admin"):
        items.append(("/queue", "Review queue"))
    if role in ("physician_reviewer", "auditor", "admin"):  # Metrics.figures
        items.append(("/metrics", "Metrics"))
    if role in ("auditor", "admin"):  # AuditLog.entries
        items.append(("/audit-log", "Audit log"))
    items += [("/library", "Policies"), ("/about", "About")]
    return items


def _words(source: str) -> str:
    """'question [82:88] "Hb 8.1"' -> 'Hb 8.1' (the words a fact came from)."""
    m = re.search(r'"(.*)"', source or "")
    return m.group(1) if m else source


def _shown(value: Any) -> str:
    """A value as people read it: lists joined, yes/no for booleans, no Python brackets."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_shown(v)}" for k, v in value.items())
    return "" if value is None else str(value).replace("_", " ")


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, int | float) else str(x)


def _date(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


def _finalize(value: Any) -> Any:
    """Every plain string a page prints with ``{{ }}`` (what users wrote among it: titles, names,
    reasons) closes the bidirectional overrides it opens (:func:`mednec.hygiene.bidi_closed`), so it
    cannot reverse the page's own words after it. Markup (built by mednec) is left as it is."""
    return bidi_closed(value) if type(value) is str else value


@cache
def make_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mednec.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "j2")),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.ChainableUndefined,
    )
    env.filters.update(
        when=labels.when,
        date=_date,
        status=_status,
        action_words=lambda a: ACTION_WORDS.get(a, str(a).replace("_", " ")),
        verdict=lambda d: labels.VERDICT_LABEL.get(d, str(d).replace("_", " ")),
        verdict_class=lambda d: labels.VERDICT_CLASS.get(d, "unknown"),
        status_word=lambda s: STATUS_WORD.get(s, s or ""),
        status_icon=lambda s: STATUS_ICON.get(s, ""),
        role=lambda r: labels.ROLE_LABEL.get(r, r),
        words=_words,
        shown=_shown,
        span=labels.span,
        duration=labels.duration,
        num=_num,
        wbr=_wbr,
    )
    env.globals["AUDIENCES"] = labels.AUDIENCES
    env.globals["sso_enabled"] = _sso_enabled
    return env


def _wbr(text: Any) -> Any:
    """An id that may break after its underscores on a narrow screen (``<wbr>``: copied without it)."""
    from markupsafe import Markup, escape

    return Markup(escape(str(text)).replace("_", Markup("_<wbr>")))


def _sso_enabled() -> bool:
    """Whether the sign-in page offers single sign-on (``MEDNEC_OIDC_ISSUER`` and client id set)."""
    from mednec.settings import current

    s = current()
    return bool(s.oidc_issuer and s.oidc_client_id)
