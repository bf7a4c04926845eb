"""Domain errors of the registry, mapped once in ``api`` to RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""

    #: A stable machine-readable code (the last part of the problem ``type``).
    code = "registry-error"
    #: HTTP status the API maps it to.
    status = 400

    def __init__(self, detail: str = "", *, errors: Mapping[str, Sequence[str]] | None = None):
        self.detail = detail or self.__doc__.strip().splitlines()[0]
        self.errors: dict[str, list[str]] = {
            k: [str(m) for m in v] for k, v in (errors or {}).items()
        }
        super().__init__(self.detail)

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        parts = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        return f"{self.detail} ({parts})"


class InvalidInput(RegistryError):
    """The input is not valid."""

    code = "invalid-input"
    status = 422

    @classmethod
    def from_django(cls, exc: ValidationError, detail: str = "") -> InvalidInput:
        if hasattr(exc, "error_dict"):
            errors = {
                ("non_field_errors" if k == NON_FIELD_ERRORS else k): [str(m) for m in v.messages]
                if isinstance(v, ValidationError)
                else [str(m) for e in v for m in e.messages]
                for k, v in exc.error_dict.items()
            }
        else:
            errors = {"non_field_errors": list(exc.messages)}
        return cls(detail or "The input is not valid.", errors=errors)


class MembershipOverlap(InvalidInput):
    """The membership overlaps another membership of the same actor in the same body and role."""

    code = "membership-overlap"


class NotFound(RegistryError):
    """The object does not exist (or is outside what the caller may see)."""

    code = "not-found"
    status = 404


class Conflict(RegistryError):
    """The change conflicts with the current state of the data."""

    code = "conflict"
    status = 409


class ImportFailed(RegistryError):
    """An import file is malformed; nothing was written."""

    code = "import-failed"
    status = 422


def describe(exc: RegistryError) -> str:
    """The error, then each problem (row and column, or field) on its own line: for commands."""
    lines = [f"{where}: {m}" for where, msgs in exc.errors.items() for m in msgs]
    return "\n".join([exc.detail, *(f"  - {line}" for line in lines)])
