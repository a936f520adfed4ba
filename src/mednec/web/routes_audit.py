"""The audit log with chain verification (auditors, admins) and the prior-authorisation figures
(physician reviewers, auditors, admins): the same Service calls as ``GET /audit``,
``GET /audit/verify`` and ``GET /metrics/prior-auth``, so the same roles apply."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from fastapi import APIRouter, Request, Response

from mednec.store.metrics import Figure
from mednec.store.workflow import TURNAROUND
from mednec.web.core import Ctx, ctx_of, page

__all__ = ["register"]

PAGE = 50
MAX_PROBLEMS = 200
# suggestions for the action filter (any action or group can be typed)
ACTIONS = ("auth.login", "auth.logout", "auth.failed", "auth.lockout", "auth.throttled", "case.create", "case.update", "evaluation.create", "evaluation.attach",
           "review.claim", "review.approve", "review.overturn", "review.request_changes", "review.request_info",
           "review.appeal", "review.release", "document.produce", "pas.submit", "policy.register", "policy.draft", "policy.submit",
           "policy.publish", "policy.reject", "user.create", "key.create", "org.create")
ENTITY_TYPES = ("evaluation", "case", "policy", "prior_auth", "user", "api_key", "organization")
#: every figure with its column heading, in Figure's order
FIGURES: tuple[tuple[Figure, str], ...] = (
    (Figure.REQUESTS, "Requests"),
    (Figure.APPROVED, "Approved"),
    (Figure.DENIED, "Denied"),
    (Figure.APPROVED_AFTER_APPEAL, "Approved after appeal"),
    (Figure.PENDING, "Pending"),
    (Figure.OVERDUE, "Overdue"),
    (Figure.MEDIAN_DECISION_HOURS, "Median decision time (hours)"),
    (Figure.P90_DECISION_HOURS, "90th percentile decision time (hours)"),
)


def _at(t: dt.datetime) -> tuple[str, str, str]:
    """(ISO 8601, '20 Nov 2026', '09:00:05 UTC') of an entry's time."""
    t = (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return t.isoformat(timespec="seconds"), f"{t.day} {t:%b %Y}", f"{t:%H:%M:%S} UTC"


def _detail(detail: dict[str, Any] | None) -> str:
    """'from: submitted · to: under_review' (entries hold ids and states, never patient facts)."""
    parts = []
    for k, v in (detail or {}).items():
        if v is None or v == [] or v == {}:
            continue
        parts.append(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}")
    return " · ".join(parts)


def _row(e: Any, names: dict[str, str]) -> dict[str, Any]:
    iso, day, time = _at(e.at)
    link = {"evaluation": f"/answers/{e.entity_id}", "policy": f"/library/{e.entity_id}"}.get(e.entity_type)
    ih = e.input_hash or ""
    digest = ih.rpartition(":")[2]
    return {"seq": e.seq, "iso": iso, "day": day, "time": time, "actor_id": e.actor_id,
            "actor": names.get(e.actor_id or ""), "action": e.action, "entity_type": e.entity_type,
            "entity_id": e.entity_id, "link": link,
            "policy_version": e.policy_version, "input_hash": ih,
            "input_short": digest[:8] + ("…" if len(digest) > 8 else ""),
            "detail": _detail(e.detail)}


def _problems(found: list[Any]) -> list[dict[str, Any]]:
    return [{"seq": p.seq if p.position is not None else None, "chain": p.chain, "position": p.position,
             "text": p.what} for p in found[:MAX_PROBLEMS]]


def _audit_log(ctx: Ctx, action: str, entity: str, before: int | None, after: int | None, verify: bool) -> Response:
    p = ctx.need_principal()
    action, entity = action.strip()[:64], entity.strip()[:200]
    svc = ctx.service

    def entries(**kw: Any) -> list[Any]:
        # the Service's role check (auditor, admin) guards the page, verification included
        return svc.audit_log.entries(p, action=action or None, entity=entity or None, **kw)

    if after is not None and before is None:
        rows = entries(limit=PAGE + 1, after=after)
        newer, rows = len(rows) > PAGE, rows[:PAGE][::-1]
        older = bool(rows) and bool(entries(limit=1, before=rows[-1].seq, newest_first=True))
    else:
        rows = entries(limit=PAGE + 1, before=before, newest_first=True)
        older, rows = len(rows) > PAGE, rows[:PAGE]
        newer = bool(rows) and bool(entries(limit=1, after=rows[0].seq))
    verification = None
    if verify:
        count, found = svc.audit_log.verify()
        verification = {"entries": count, "ok": not found, "count": len(found), "problems": _problems(found),
                        "at": " ".join(_at(ctx.now)[1:])}
    names = ctx.state.names({e.actor_id for e in rows})

    def url(**cursor: int) -> str:
        given = {"action": action, "entity": entity, **cursor}
        query = urllib.parse.urlencode({k: v for k, v in given.items() if v})
        return "/audit-log" + ("?" + query if query else "")

    return page(ctx, "audit_log.html", title="Audit log", rows=[_row(e, names) for e in rows], action=action,
                entity=entity, filtered=bool(action or entity), verification=verification, actions=ACTIONS,
                entity_types=ENTITY_TYPES, paged=before is not None or after is not None, newest_url=url(),
                newer_url=url(after=rows[0].seq) if newer else None,
                older_url=url(before=rows[-1].seq) if older else None)


def _metrics(ctx: Ctx) -> Response:
    p = ctx.need_principal()
    groups = ctx.service.metrics.figures(p)
    brands = {x.drug.generic: x.drug.brands for x in ctx.service.runtime.catalog.policies()}

    def rows(prefix: str) -> list[dict[str, Any]]:
        out = []
        for key, figures in groups.items():
            kind, _, name = key.partition(":")
            if kind == prefix:
                if prefix == "urgency":
                    label = name.capitalize()
                else:
                    label = f"{name} ({', '.join(brands[name])})" if brands.get(name) else name
                out.append({"label": label, "f": figures})
        return out

    limits = {"expedited_hours": int(TURNAROUND["expedited"].total_seconds() // 3600),
              "standard_days": TURNAROUND["standard"].days}
    return page(ctx, "metrics.html", title="Prior-authorisation metrics", all=groups.get("all"), by_drug=rows("drug"),
                by_urgency=rows("urgency"), figures=FIGURES, limits=limits)


def _cursor(value: str) -> int | None:
    """A sequence number from the query string (anything else: none)."""
    return int(value) if value.isdigit() and len(value) <= 18 else None


def register(router: APIRouter) -> None:
    @router.get("/audit-log")
    def audit_log(request: Request, action: str = "", entity: str = "", before: str = "", after: str = "",
                  verify: str = "") -> Response:
        return _audit_log(ctx_of(request), action, entity, _cursor(before), _cursor(after), bool(verify))

    @router.get("/metrics")
    def metrics(request: Request) -> Response:
        return _metrics(ctx_of(request))
