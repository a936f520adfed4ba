"""JSON as a type, for the edges where the project's objects leave as JSON (``to_dict``).

``JSONValue`` is what ``json.loads`` can return and ``json.dumps`` writes without a ``default``:
strings, numbers, booleans, null, lists and string-keyed objects of JSON values. A ``to_dict``
returns a :data:`JSONObject`, so mypy checks that nothing else (a date, a tuple, an enum member
the safe YAML dumper refuses) slips into the JSON form. JSON *entering* the project is read where
it enters (``from_dict``, the API's bodies, the FHIR intake), field by field.
"""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["JSONObject", "JSONScalar", "JSONValue"]

JSONScalar: TypeAlias = str | int | float | bool | None
JSONValue: TypeAlias = "JSONScalar | list[JSONValue] | dict[str, JSONValue]"
JSONObject: TypeAlias = dict[str, JSONValue]
