"""Validation against the FHIR R4 models (``fhir.resources.R4B``), with errors that name the field.

``fhir.resources`` is imported inside the functions: loading it takes about 0.3 s, and a
YAML case never needs it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from mednec.errors import CaseFormatError
from mednec.intake.fhir.known_valid import known_valid

__all__ = ["check_resource", "check_shape", "field_path", "validate_resource"]


def _label(resource: Any) -> str:
    if isinstance(resource, Mapping):
        rt = resource.get("resourceType", "?")
        return f"{rt}/{resource['id']}" if resource.get("id") else str(rt)
    return "?"


def field_path(data: Mapping[str, Any], loc: Sequence[Any]) -> str:
    """``('entry', 3, 'resource', 'valueQuantity')`` -> ``entry[3].resource(Observation/hb1).valueQuantity``."""
    out = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
            if part == "resource" and isinstance(node, Mapping):
                out += f"({_label(node.get('resource'))})"
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


def validate_resource(data: Mapping[str, Any], *, prefix: str = "") -> Any:
    """Validate a resource (a Bundle validates every entry) and return the R4B model.

    Raises :class:`CaseFormatError` naming the first offending field, e.g.
    ``entry[3].resource(Observation/hb1).valueQuantity.value: ...``.
    """
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    rt = data.get("resourceType")
    try:
        model = get_fhir_model_class(str(rt))
    except (KeyError, ValueError, AttributeError):
        raise CaseFormatError(f"{rt!r} is not a FHIR R4 resource type", field=prefix or "resourceType") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = field_path(data, first["loc"])
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        msg = str(first["msg"]).removeprefix("Value error, ")
        field = f"{prefix}.{where}" if prefix and where else (prefix or where or str(rt))
        raise CaseFormatError(f"{msg}{more}", field=field) from None


def check_shape(data: Mapping[str, Any]) -> None:
    """:func:`validate_resource` without the model and without remembering (a Bundle without its
    entries): skipped where :func:`known_valid` knows R4B accepts it. Raises the same error."""
    if not known_valid(data):
        validate_resource(data)


_MARK = "\x00"


@lru_cache(maxsize=8192)
def _problem(text: str) -> tuple[str, str] | None:
    """(message, field path) of the first problem of the resource serialised in ``text``, or ``None``."""
    try:
        validate_resource(json.loads(text), prefix=_MARK)  # the field comes back as _MARK or _MARK.<path>
    except CaseFormatError as exc:
        where = (exc.field or "").removeprefix(_MARK).removeprefix(".")
        return exc.message, where
    return None


def check_resource(data: Mapping[str, Any], *, prefix: str = "") -> None:
    """:func:`validate_resource` without the model. A resource :func:`known_valid` knows R4B accepts
    is not built at all; any other is validated with fhir.resources, remembered by content: the same
    resource (the same JSON) is validated once per process -- a population run evaluates each
    patient's resources once per policy, and an EHR sends the same Patient and Coverage with every
    hook. Raises the same :class:`CaseFormatError` as :func:`validate_resource`."""
    if known_valid(data):
        return
    try:
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        validate_resource(data, prefix=prefix)
        return
    found = _problem(text)
    if found is not None:
        msg, where = found
        field = f"{prefix}.{where}" if prefix and where else (prefix or where)
        raise CaseFormatError(msg, field=field)
