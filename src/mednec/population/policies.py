"""The policies a population run evaluates, resolved once per process (also on Dask workers)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

from mednec.errors import ConfigError, InputError
from mednec.policies.loader import compile_policy_text
from mednec.policies.model import Pack, Policy
from mednec.population.inputs import PolicySpec
from mednec.runtime import Runtime, default_runtime

__all__ = ["resolve", "shipped_spec"]


def shipped_spec(runtime: Runtime, name: str) -> PolicySpec:
    """A shipped policy named by id or drug name, as a :class:`PolicySpec`."""
    try:
        policy = runtime.catalog.policy(name)
    except InputError:
        policy = runtime.catalog.find_drug(name)
    return PolicySpec(policy.id, policy.version)


@lru_cache(maxsize=64)
def resolve(spec: PolicySpec) -> tuple[Policy, Pack]:
    """The compiled policy of ``spec`` and its pack (with the policy in place of the shipped
    version, so alternatives are evaluated against the same pack)."""
    rt = default_runtime()
    if not spec.yaml:
        policy = rt.catalog.policy(spec.id)
        if policy.version != spec.version:
            raise ConfigError(f"policy {spec.id} ships version {policy.version}, not {spec.version}",
                              field="policy")
        return policy, rt.catalog.pack_of(policy)
    policy = compile_policy_text(spec.yaml, rt.catalog, source=f"policy {spec.label}")
    if (policy.id, policy.version) != (spec.id, spec.version):
        raise ConfigError(f"the YAML is {policy.id}@{policy.version}, not {spec.label}", field="policy")
    pack = rt.catalog.pack_of(rt.catalog.policy(spec.id))
    pack = dataclasses.replace(pack, policies=tuple(policy if p.id == policy.id else p for p in pack.policies))
    return policy, pack
