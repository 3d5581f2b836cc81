"""Errors raised by the engine. Every message is French and names what is allowed."""

from __future__ import annotations


class EngineError(Exception):
    """Base class of the engine's errors."""


class ReferenceDataError(EngineError):
    """The reference data (factors, defaults) are inconsistent: a maintainer must fix them."""


class FactorLookupError(ReferenceDataError, KeyError):
    """A factor lookup matched zero or several rows."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the plain message
        return str(self.args[0]) if self.args else ""


class InputError(EngineError, ValueError):
    """The user's answers are invalid. ``problems`` lists (field path, French message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__(
            "\n".join(f"{path} : {message}" if path else message for path, message in problems)
        )
