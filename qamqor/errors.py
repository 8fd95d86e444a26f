"""Domain errors that services raise and both the API and the pages turn into 4xx.

Every error names the field (where there is one) and the reason in the user's language;
the API renders them in one shape: ``{"detail": …, "errors": [{"field", "message"}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str | Promise


class DomainError(Exception):
    """A request the domain refuses; nothing has been changed."""

    status_code = 400

    def __init__(self, detail: str | Promise, errors: list[FieldProblem] | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.errors = errors or []


class InvalidInput(DomainError):
    status_code = 422

    @classmethod
    def on(cls, field: str, message: str | Promise) -> InvalidInput:
        return cls(message, [FieldProblem(field, message)])


class NotAllowed(DomainError):
    """The user can see the object but may not make this change."""

    status_code = 403


class NotConfigured(DomainError):
    """A capability this server has not been set up for (an operator's setting is
    missing): 404, with the reason."""

    status_code = 404


class Conflict(DomainError):
    """The object's state does not allow the change (already closed, already done, …)."""

    status_code = 409


def error_body(detail: Any, errors: list[FieldProblem] | None = None) -> dict[str, Any]:
    """The one error shape of the API: ``{"detail": …, "errors": [{"field", "message"}]}``."""
    return {
        "detail": str(detail),
        "errors": [{"field": e.field, "message": str(e.message)} for e in errors or []],
    }
