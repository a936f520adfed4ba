"""The YAML loader every mednec reader uses: PyYAML's safe loader, in C when it is available
(about ten times faster, which matters for start-up).

YAML a user supplies (case files, policy drafts, anything read from a request or a command
line) goes through :func:`load_user_yaml`, which refuses anchors and aliases: an alias is a
reference, and a few hundred bytes of nested references expand to gigabytes (the "billion
laughs"). No mednec format needs them. The parsed data is then checked by
:func:`mednec.hygiene.check_tree` (NUL, lone surrogates, nesting depth).

Every reader checks each mapping it reads with :func:`strict_mapping`, so a wrong shape or an
unknown key gives one error shape everywhere: ``expected a mapping (keys: ...), got list`` and
``unknown key(s) X (did you mean 'Y'?); allowed: ...``, with the place in ``field``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from mednec.errors import ConfigError, MednecError
from mednec.hygiene import check_tree

__all__ = ["SafeLoader", "UserYamlError", "load_user_yaml", "strict_mapping"]

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UserYamlError(yaml.YAMLError):
    """YAML mednec refuses to read (an anchor or alias); ``problem`` and ``problem_mark`` say where."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


def _refuse_references(text: str, loader: Any) -> None:
    """Scan the event stream (no objects are built) for an anchor or an alias."""
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise UserYamlError("YAML aliases (*name) and anchors (&name) are not accepted", event.start_mark)
        if getattr(event, "anchor", None):
            raise UserYamlError("YAML anchors (&name) and aliases (*name) are not accepted", event.start_mark)


def load_user_yaml(text: str, loader: Any = None, *, field: str = "") -> Any:
    """Parse YAML from a user: safe types only, no anchors or aliases, then :func:`check_tree`.

    YAML syntax errors, refused references and values their tag cannot build (a date
    2026-02-30, ``!!int x``) raise ``yaml.YAMLError``; a refused character
    or too deep nesting raises :class:`~mednec.errors.InputError` naming the field."""
    loader = loader or SafeLoader
    if "&" in text or "*" in text:  # neither can appear without one of these characters
        _refuse_references(text, loader)
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    except (ValueError, OverflowError, TypeError) as exc:  # a value its tag cannot build: 2026-02-30, !!int x
        raise UserYamlError(f"a value cannot be read: {str(exc)[:200]}", None) from None
    check_tree(data, field)
    return data


def strict_mapping(raw: Any, allowed: Iterable[str], *, field: str, at_key: bool = False,
                   error: type[MednecError] = ConfigError) -> Mapping[str, Any]:
    """``raw`` when it is a mapping whose keys are all in ``allowed``; otherwise ``error`` naming
    ``field`` (with ``at_key``, ``field.<first unknown key>``) and the allowed keys."""
    keys = list(allowed)
    if not isinstance(raw, Mapping):
        raise error(f"expected a mapping (keys: {', '.join(keys)}), got {type(raw).__name__}", field=field)
    extra = sorted({str(k) for k in raw} - set(keys))
    if extra:
        near = difflib.get_close_matches(extra[0], keys, n=1, cutoff=0.7)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise error(f"unknown key(s) {', '.join(extra)}{hint}; allowed: {', '.join(keys)}",
                    field=f"{field}.{extra[0]}" if at_key and field else extra[0] if at_key else field)
    return raw
