"""Domain errors carry a message a person can read; only the web layer decides how to show it."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidInput(DomainError):
    """Field-level problems: `errors` maps each field name to what is wrong with it."""

    status_code = 422


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class RateLimited(DomainError):
    status_code = 429


class InvalidLink(DomainError):
    status_code = 400
