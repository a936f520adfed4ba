"""The one exception tree of mednec.

::

    MednecError                  base of everything mednec raises on purpose
    ├── InputError               a case, unit, value or request a user supplied is wrong
    │   ├── CaseFormatError      malformed YAML/JSON or a wrong shape (names the field)
    │   ├── UnknownFactError     a fact id that the dictionary does not declare
    │   ├── UnitError            an unknown unit, or a unit the fact cannot convert from
    │   ├── ImplausibleValueError a value outside the fact's plausible range
    │   ├── FutureDateError      an observation dated after the evaluation date
    │   ├── ContradictionError   two facts that cannot both be true
    │   └── UnknownDrugError     a drug name no policy covers (lists the known ones)
    ├── ConfigError              a policy, pack or fact dictionary is invalid (author error)
    └── ServiceError             a request to the service cannot be carried out
        ├── AuthError            no or an unknown credential (401)
        ├── ForbiddenError       the role may not do this (403)
        ├── NotFoundError        no such thing, or not visible to this user (404)
        ├── ConflictError        a state change that is not allowed now, or a lost race (409)
        └── PreconditionFailedError  If-Match does not match the current version (412)

Every error carries ``field`` (the dotted path of the offending input, when there is one)
and a message meant for the person who wrote the input. The CLI prints the message and
exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

__all__ = [
    "CaseFormatError",
    "AuthError",
    "ConfigError",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "PreconditionFailedError",
    "ServiceError",
    "TooLongError",
    "TooManyRequestsError",
    "ContradictionError",
    "FutureDateError",
    "ImplausibleValueError",
    "InputError",
    "MednecError",
    "UnitError",
    "UnknownDrugError",
    "UnknownFactError",
]


class MednecError(Exception):
    """Base class for every error mednec raises on purpose."""

    code = "mednec_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message


class InputError(MednecError):
    """Something the user supplied is wrong."""

    code = "input_error"


class CaseFormatError(InputError):
    """Malformed YAML/JSON, or a case of the wrong shape."""

    code = "case_format"


class UnknownFactError(InputError):
    """A fact id the fact dictionary does not declare."""

    code = "unknown_fact"


class UnitError(InputError):
    """A unit that is unknown or not convertible to the fact's canonical unit."""

    code = "unit"


class ImplausibleValueError(InputError):
    """A value outside the fact's plausible range."""

    code = "implausible_value"


class FutureDateError(InputError):
    """An observation dated after the evaluation date."""

    code = "future_date"


class ContradictionError(InputError):
    """Facts that cannot all be true at once."""

    code = "contradiction"


class UnknownDrugError(InputError):
    """A drug name that no policy in the loaded packs covers."""

    code = "unknown_drug"


class TooLongError(InputError):
    """A text longer than the service reads in one request (a note past the web app's ``MAX_NOTE_CHARS``):
    413 Content Too Large (RFC 9110 15.5.14), refused before any of it is read."""

    code = "too_long"


class ConfigError(MednecError):
    """A policy, pack or the fact dictionary is invalid."""

    code = "config_error"


class ServiceError(MednecError):
    """A service request that cannot be carried out."""

    code = "service_error"
    status = 400


class AuthError(ServiceError):
    """Missing or unknown credentials."""

    code = "unauthorized"
    status = 401


class ForbiddenError(ServiceError):
    """The user's role may not do this."""

    code = "forbidden"
    status = 403


class NotFoundError(ServiceError):
    """No such resource, or one this user may not see (never says which)."""

    code = "not_found"
    status = 404


class ConflictError(ServiceError):
    """A state change not allowed in the current state, or a concurrent change won."""

    code = "conflict"
    status = 409


class PreconditionFailedError(ServiceError):
    """If-Match did not match the resource's current version."""

    code = "precondition_failed"
    status = 412


class UnsupportedMediaTypeError(ServiceError):
    """A request body of a media type the route does not read (RFC 9110 15.5.16)."""

    code = "unsupported_media_type"
    status = 415


class TooManyRequestsError(ServiceError):
    """The user asked for more expensive work (PDFs, impact analyses) than its limit allows;
    ``retry_after`` is how many seconds until the next one fits."""

    code = "too_many_requests"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
