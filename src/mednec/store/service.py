"""The store's services, one per concern, over one shared unit of work
(:class:`~mednec.store.access.Context`: the database, the runtime, the clock, the published policy
versions). Every change and its audit entry are written in one transaction; who may do what:
:mod:`mednec.store.access`.

=====================  ==========================================================  =======================
``service.``           concern                                                     module
=====================  ==========================================================  =======================
``accounts``           organisations, users, API keys, passwords, sessions         :mod:`.accounts`
``cases``              cases and their evaluations                                 :mod:`.cases`
``reviews``            the physician review workflow and its history               :mod:`.reviews`
``policy_versions``    drafting, reviewing and publishing policy versions          :mod:`.versions`
``metrics``            CMS-0057-F figures                                          :mod:`.metrics`
``audit_log``          reading and verifying the audit log; recording an action    :mod:`.auditlog`
``notifications``      delivering decision notifications                           :mod:`.outbox`
=====================  ==========================================================  =======================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from mednec.runtime import Runtime
from mednec.store.access import Context, Principal
from mednec.store.accounts import Accounts
from mednec.store.auditlog import AuditLog
from mednec.store.cases import Cases
from mednec.store.db import Database
from mednec.store.metrics import Metrics
from mednec.store.outbox import Notifications
from mednec.store.policies import PolicyRegistry
from mednec.store.ratelimit import WorkLimits
from mednec.store.reviews import Reviews
from mednec.store.versions import PolicyVersions

__all__ = ["Principal", "Service"]


class Service:
    """The services of the store over one database; the API, the web pages and the CLI are thin
    layers on top. ``db``, ``runtime``, ``now`` and ``policies`` are the shared context's."""

    def __init__(self, db: Database, runtime: Runtime, now: Callable[[], dt.datetime] | None = None) -> None:
        self.ctx = Context(db, runtime, now or (lambda: dt.datetime.now(dt.UTC)), PolicyRegistry(db, runtime))
        self.db, self.runtime, self.now, self.policies = db, runtime, self.ctx.now, self.ctx.policies
        self.accounts = Accounts(self.ctx)
        self.cases = Cases(self.ctx)
        self.reviews = Reviews(self.ctx)
        self.policy_versions = PolicyVersions(self.ctx)
        self.metrics = Metrics(self.ctx)
        self.audit_log = AuditLog(self.ctx)
        self.notifications = Notifications(self.ctx)
        self.work_limits = WorkLimits(db, clock=lambda: self.now().timestamp())  # PDFs, impact analyses
