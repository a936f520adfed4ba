"""Policy versions follow logic: each pack's record of its policy versions' logic digests
(``<pack>/policy-versions.yaml``; what the digest covers: :mod:`mednec.policies.logic`).

``mednec policies check`` compares every policy's digest with the one recorded for its version
and reports a policy whose logic changed while its version stayed the same, saying how to bump
and record. ``mednec policies check --record-versions`` adds the digest of every version not yet
recorded; it never rewrites a recorded one (that is the point: a version names one logic).

The shipped packs must keep a record; another pack (``--packs-dir``) is checked once it has one
(``mednec packs new`` writes it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mednec.errors import ConfigError
from mednec.packdirs import shipped_packs_dir
from mednec.policies.loader import read_yaml
from mednec.policies.logic import RECORD_FILE, logic_digest

if TYPE_CHECKING:
    from mednec.policies.model import Pack, Policy

__all__ = ["HEADER", "digest_of", "record_versions", "version_problems"]

HEADER = """\
# The logic digest of every version of this pack's policies (mednec.policies.logic): a SHA-256 of
# the parts of policy.yaml that decide an answer (criteria, operators, thresholds, parameters and
# variants' values, presumptions' warning signs, infer rules, pathways, conditions, drug names and
# codes, authorisation periods), not of wording and citations. `mednec policies check` fails when a
# policy's logic changes while its version stays the same: bump `version:` in its policy.yaml, add
# a `changes:` line saying what changed, then run `mednec policies check --record-versions`, which
# adds the new version here. A recorded version's digest is never rewritten.
# A version recorded before this file existed has the digest of its file when it was first
# committed; its policy's `changes:` says what changed under it afterwards.
"""


def digest_of(policy: Policy) -> str:
    """The logic digest of the policy file a policy was loaded from."""
    return logic_digest(read_yaml(Path(policy.source)))


def _record_path(pack: Pack) -> Path:
    return Path(pack.path) / RECORD_FILE


def _read_record(pack: Pack) -> dict[str, dict[str, str]] | None:
    path = _record_path(pack)
    if not path.is_file():
        return None
    raw = read_yaml(path) or {}
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ConfigError("expected policy id -> {version: digest}", field=str(path))
    return {str(pid): {str(v): str(d) for v, d in versions.items()} for pid, versions in raw.items()}


def _is_shipped(pack: Pack) -> bool:
    return Path(pack.path).resolve().parent == shipped_packs_dir().resolve()


def version_problems(pack: Pack) -> list[tuple[str, str]]:
    """(file, problem) for each policy of ``pack`` whose logic digest is not the one recorded for its
    version (or whose version is not recorded)."""
    try:
        record = _read_record(pack)
    except ConfigError as exc:
        return [(str(_record_path(pack)), str(exc))]
    if record is None:
        return [(str(_record_path(pack)), f"no {RECORD_FILE}: the shipped packs record each policy version's logic "
                 "digest; run `mednec policies check --record-versions`")] if _is_shipped(pack) else []
    out: list[tuple[str, str]] = []
    for policy in pack.policies:
        digest = digest_of(policy)
        recorded = record.get(policy.id, {}).get(policy.version)
        if recorded is None:
            out.append((policy.source, f"version {policy.version} has no logic digest in {RECORD_FILE}; "
                        "run `mednec policies check --record-versions` to record it"))
        elif recorded != digest:
            out.append((policy.source, (
                f"the policy's logic changed but its version is still {policy.version} (logic digest "
                f"{digest[:12]}, recorded for {policy.version}: {recorded[:12]}). Same version + same facts must "
                f"give the same answer: give the policy a new version in the pack's scheme (e.g. "
                f"{_next_version(policy.version)}), add a `changes:` line saying what changed, then run "
                f"`mednec policies check --record-versions`. A change of wording or citations only (text, cite, "
                f"notes, ...) does not change the digest")))
    return out


def _next_version(version: str) -> str:
    """A suggestion: the last dotted number plus one (``2026.12.1`` -> ``2026.12.2``)."""
    head, _, last = version.rpartition(".")
    return f"{head}.{int(last) + 1}" if head and last.isdigit() else f"{version}.1"


def record_versions(pack: Pack) -> list[str]:
    """Add to the pack's record the digest of every policy version not yet in it (creating the
    file); returns what was added (``policy@version``). A recorded version is left as it is."""
    record = _read_record(pack) or {}
    added = []
    for policy in pack.policies:
        versions = record.setdefault(policy.id, {})
        if policy.version not in versions:
            versions[policy.version] = digest_of(policy)
            added.append(f"{policy.id}@{policy.version}")
    if added or not _record_path(pack).is_file():
        _record_path(pack).write_text(render_record(record), "utf-8")
    return added


def render_record(record: dict[str, dict[str, str]]) -> str:
    """The record file's text: policies sorted by id, versions in the order they were recorded."""
    lines = [HEADER]
    for pid in sorted(record):
        lines.append(f"{pid}:")
        lines += [f'  "{version}": "{digest}"' for version, digest in record[pid].items()]
    return "\n".join(lines) + "\n"
