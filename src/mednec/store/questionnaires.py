"""DTR Questionnaires in the database: kept when handed out, found by canonical URL, id or assertion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from mednec.store.db import Database
from mednec.store.models import DtrAssertion, DtrQuestionnaire

__all__ = ["DatabaseQuestionnaires", "by_assertion", "by_id", "by_url", "keep"]


class DatabaseQuestionnaires:
    """A :class:`mednec.fhir.dtr.QuestionnaireStore` over the database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def keep(self, questionnaire: Mapping[str, Any], assertion_id: str | None = None) -> None:
        keep(self.db, questionnaire, assertion_id)

    def by_url(self, url: str, version: str | None = None) -> list[dict[str, Any]]:
        return by_url(self.db, url, version)

    def by_assertion(self, assertion_id: str) -> dict[str, Any] | None:
        return by_assertion(self.db, assertion_id)


def keep(db: Database, questionnaire: Mapping[str, Any], assertion_id: str | None = None) -> None:
    """Store a Questionnaire under its id (content-addressed: an existing row is the same content)."""
    with db.session() as s:
        if s.get(DtrQuestionnaire, questionnaire["id"]) is None:
            s.add(DtrQuestionnaire(id=str(questionnaire["id"]), url=str(questionnaire["url"]),
                                   version=str(questionnaire.get("version") or ""), body=dict(questionnaire)))
        if assertion_id:
            row = s.get(DtrAssertion, assertion_id)
            if row is None:
                s.add(DtrAssertion(assertion_id=assertion_id, questionnaire_id=str(questionnaire["id"])))
            else:
                row.questionnaire_id = str(questionnaire["id"])


def by_id(db: Database, qid: str) -> dict[str, Any] | None:
    with db.reading() as s:
        row = s.get(DtrQuestionnaire, qid)
        return dict(row.body) if row is not None else None


def by_url(db: Database, url: str, version: str | None = None) -> list[dict[str, Any]]:
    """Questionnaires with this canonical URL (``url|version`` or ``version`` narrows it)."""
    if "|" in url:
        url, version = url.split("|", 1)
    with db.reading() as s:
        q = sa.select(DtrQuestionnaire).where(DtrQuestionnaire.url == url)
        if version:
            q = q.where(DtrQuestionnaire.version == version)
        return [dict(r.body) for r in s.execute(q.order_by(DtrQuestionnaire.created)).scalars()]


def by_assertion(db: Database, assertion_id: str) -> dict[str, Any] | None:
    with db.reading() as s:
        row = s.get(DtrAssertion, assertion_id)
        if row is None:
            return None
        q = s.get(DtrQuestionnaire, row.questionnaire_id)
        return dict(q.body) if q is not None else None
