"""Errors every use case may raise; the API maps them to 404, 403 and 422."""

from __future__ import annotations


class NotFound(LookupError):
    pass


class Forbidden(PermissionError):
    pass


class ValidationFailed(ValueError):
    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def require(refusal: str | None) -> None:
    """Raise the refusal of a check of domain/access/ (None: allowed)."""
    if refusal is not None:
        raise Forbidden(refusal)
