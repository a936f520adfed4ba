"""Conditional request headers (RFC 9110 §13.1) over mednec's strong version ETags (``"v3"``).

``If-Match`` (§13.1.1) is ``*`` or a list of entity tags compared *strongly* (§8.8.3.2: a weak tag never
matches); ``If-None-Match`` (§13.1.2) is ``*`` or a list compared *weakly*. A member that is no entity tag is
skipped, so a header holding none matches nothing. A bare ``v3`` without quotes is read as ``"v3"`` (mednec
accepted it before this module, and it has one meaning).
"""

from __future__ import annotations

import re
from typing import Literal

#: one list member: an optional weak prefix and a quoted (or, leniently, bare) opaque tag
_MEMBER = re.compile(r'\s*(W/)?(?:"([^"]*)"|(v\d+))\s*')

ANY: Literal["*"] = "*"


def entity_tags(value: str) -> list[tuple[bool, str]]:
    """``[(weak, opaque tag)]`` of a header's list members; members that are no entity tag are left out."""
    found = []
    for member in value.split(","):
        m = _MEMBER.fullmatch(member)
        if m is not None:
            found.append((m.group(1) is not None, m.group(2) if m.group(2) is not None else m.group(3)))
    return found


def _version(opaque: str) -> int | None:
    return int(opaque[1:]) if opaque.startswith("v") and opaque[1:].isdigit() else None


def if_match_versions(value: str) -> frozenset[int] | Literal["*"]:
    """The versions an ``If-Match`` header accepts (strong comparison), or :data:`ANY` for ``*``."""
    if value.strip() == "*":
        return ANY
    versions = (_version(tag) for weak, tag in entity_tags(value) if not weak)
    return frozenset(v for v in versions if v is not None)


def none_match(value: str, version: int) -> bool:
    """Whether ``If-None-Match: value`` matches the current ``version`` (weak comparison; ``*`` matches)."""
    if value.strip() == "*":
        return True
    return any(_version(tag) == version for _, tag in entity_tags(value))
