"""The health plan a notice speaks for: a payer profile, and the decision timeframes of its program.

A denial notice names the plan, the member, how to appeal, whom to call for a peer-to-peer
discussion and where to ask for the criteria; those come from a :class:`PayerProfile` (a YAML
file, ``mednec report --payer-profile FILE`` or ``MEDNEC_PAYER_PROFILE``). Without one, the notice
shows bracketed placeholders for the plan to fill in.

The profile's ``program`` selects the row of the pack's timeframe table (``evidence.yaml``
``common.programs``) that the notice states: Medicare Advantage (Part B drug), Medicare Part D,
commercial or Medicaid. A timeframe the table leaves empty (no verified figure) is stated as the
plan's to give, and the profile may give it (``standard_decision``, ``expedited_decision``,
``appeal_deadline``).

Example::

    profile = PayerProfile.from_mapping({"plan_name": "Acme Health", "program": "medicare_part_d"})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from mednec.errors import ConfigError
from mednec.settings import current
from mednec.yaml_loader import strict_mapping

__all__ = ["PROGRAMS", "PROGRAM_LABELS", "PayerProfile", "default_program", "load_payer_profile"]

#: the programs a profile may name, in the order the timeframe table lists them
PROGRAMS = ("medicare_advantage_part_b", "medicare_part_d", "commercial", "medicaid")
#: each program's name for the plan's staff and for the member, where a pack has no timeframe table
PROGRAM_LABELS = {
    "medicare_advantage_part_b": ("Medicare Advantage (Part B drug)", "Medicare Advantage plan"),
    "medicare_part_d": ("Medicare Part D", "Medicare drug plan"),
    "commercial": ("Commercial (employer or individual) plan", "health plan"),
    "medicaid": ("Medicaid", "Medicaid plan"),
}

_TAGLINES = (
    "ATENCIÓN: si habla español, tiene a su disposición servicios gratuitos de asistencia lingüística. "
    "Llame al {phone}.",
    "CHÚ Ý: Nếu bạn nói Tiếng Việt, có các dịch vụ hỗ trợ ngôn ngữ miễn phí dành cho bạn. Gọi số {phone}.",
    "PAUNAWA: Kung nagsasalita ka ng Tagalog, maaari kang gumamit ng mga serbisyo ng tulong sa wika nang "
    "walang bayad. Tumawag sa {phone}.",
    "ATTENTION : si vous parlez français, des services d'aide linguistique vous sont proposés gratuitement. "
    "Appelez le {phone}.",
)


@dataclass(frozen=True)
class PayerProfile:
    """What a notice needs to know about the plan. Every text may use ``{phone}`` (member services)."""

    plan_name: str = "[Health plan name]"
    member_id: str = "[Member ID]"
    member_name: str = "[Member name]"
    program: str | None = None  # one of PROGRAMS; None: chosen from the drug (see default_program)
    member_services_phone: str = "[Member services phone]"
    tty: str = "711"
    appeal_address: str = "[Appeals address]"
    appeal_fax: str = "[Appeals fax]"
    appeal_portal: str = "[Appeals website]"
    reviewer_name: str = "[Physician reviewer]"
    reviewer_phone: str = "[Peer-to-peer line]"
    reviewer_hours: str = "[Hours]"
    standard_decision: str = ""  # the plan's own statement of a timeframe the table leaves empty
    expedited_decision: str = ""
    appeal_deadline: str = ""
    taglines: tuple[str, ...] = field(default=_TAGLINES)
    #: benefit exclusions (pack ``benefits.yaml`` ids) this plan applies beyond its program's
    exclusions: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, where: str = "payer profile") -> PayerProfile:
        """A profile from a mapping; unknown keys and an unknown program are refused."""
        known = {f.name for f in fields(cls)}
        strict_mapping(raw, sorted(known), field=where)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key in ("taglines", "exclusions"):
                if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
                    raise ConfigError(f"{key} must be a list of texts", field=f"{where}.{key}")
                values[key] = tuple(value)
            elif value is None:
                continue
            elif not isinstance(value, str | int):
                raise ConfigError(f"{key} must be a text", field=f"{where}.{key}")
            else:
                values[key] = str(value).strip()
        if values.get("program") not in (None, *PROGRAMS):
            raise ConfigError(f"program must be one of {', '.join(PROGRAMS)}", field=f"{where}.program")
        return cls(**values)

    def program_for(self, has_hcpcs: bool) -> str:
        """The program whose timeframes apply: the profile's, else :func:`default_program`."""
        return self.program or default_program(has_hcpcs)

    def fill(self, text: str) -> str:
        """``text`` with the member services phone number filled in."""
        return text.replace("{phone}", self.member_services_phone)


def default_program(has_hcpcs: bool) -> str:
    """Without a profile: a drug billed with a HCPCS code (given in a clinic) is a Medicare
    Advantage Part B request; any other drug a Part D request."""
    return "medicare_advantage_part_b" if has_hcpcs else "medicare_part_d"


def load_payer_profile(path: str | Path | None = None) -> PayerProfile:
    """The profile in ``path``, else in ``$MEDNEC_PAYER_PROFILE``, else the placeholder profile."""
    target = path or current().payer_profile
    if not target:
        return PayerProfile()
    from mednec.policies.loader import read_yaml

    p = Path(target)
    if not p.is_file():
        raise ConfigError("no such payer profile file", field=str(p))
    data = read_yaml(p)
    if not isinstance(data, Mapping):
        raise ConfigError("a payer profile is a mapping of settings", field=str(p))
    return PayerProfile.from_mapping(data, where=str(p))
