"""Patient -> ``birth_date`` and ``sex``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mednec.intake.fhir.common import Context, Finding, NotMapped, Source, fhir_datetime

__all__ = ["map_patient"]

_SEX = {"male": "male", "female": "female", "other": "other", "unknown": "unknown"}


def map_patient(resource: Mapping[str, Any], src: Source, ctx: Context) -> list[Finding]:
    """``Patient.birthDate`` and ``Patient.gender`` (FHIR administrative gender)."""
    out: list[Finding] = []
    if resource.get("birthDate"):
        when = fhir_datetime(resource["birthDate"], path=f"{src.path}.birthDate")
        assert when is not None
        out.append(Finding("birth_date", when.date().isoformat(), None, None, src, "Patient.birthDate"))
    gender = resource.get("gender")
    if gender in _SEX:
        out.append(Finding("sex", _SEX[gender], None, None, src, "Patient.gender"))
    if not out:
        raise NotMapped("no birthDate or gender")
    return out
