"""The trainer's failure classes.

The caller (the TypeScript activity) decides on retries from the exit code and
the ``class`` field alone, so every failure we can explain is raised as one of
these; anything else is reported as ``internal_error`` by ``__main__``.
"""

from __future__ import annotations

from typing import Any


class TrainerError(Exception):
    error_class = "internal_error"
    exit_code = 1

    def __init__(self, code: str, message: str, **context: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # Only set keys are reported, so callers can rely on "absent" meaning
        # "not applicable" rather than "null".
        self.context = {k: v for k, v in context.items() if v is not None}

    def to_json(self) -> dict[str, Any]:
        return {"error": {"class": self.error_class, "code": self.code, "message": self.message, **self.context}}


class InvalidRequest(TrainerError):
    error_class = "invalid_request"
    exit_code = 2


class DataError(TrainerError):
    error_class = "data_error"
    exit_code = 3


class ConversionError(TrainerError):
    error_class = "conversion_error"
    exit_code = 4


class ParityError(TrainerError):
    error_class = "parity_error"
    exit_code = 5


class InternalError(TrainerError):
    error_class = "internal_error"
    exit_code = 1
